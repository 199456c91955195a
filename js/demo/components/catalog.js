// Deterministic product catalog generator.
//
// Every product is derived from its id with integer arithmetic only (no
// Math.random, no dates, no floating-point formatting), so the same id gives
// the same product in every JavaScript engine.

// Highest product id that exists; the list page clamps its count to this.
export const MAX_PRODUCTS = 5000;

// Default number of products on the list page.
export const DEFAULT_COUNT = 240;

const ADJECTIVES = [
  "Brave", "Quiet", "Swift", "Golden", "Rustic", "Modern", "Cozy", "Bold",
  "Gentle", "Sturdy", "Classic", "Nimble", "Bright", "Humble", "Lucky", "Noble",
];

const MATERIALS = [
  "Oak", "Steel", "Cotton", "Ceramic", "Bamboo", "Linen", "Copper", "Glass",
  "Wool", "Marble", "Leather",
];

const NOUNS = [
  "Lamp", "Chair", "Kettle", "Blanket", "Mug", "Desk", "Shelf", "Vase",
  "Clock", "Basket", "Stool", "Bowl", "Mirror", "Pillow", "Tray",
];

export const CATEGORIES = [
  "Home", "Kitchen", "Office", "Garden", "Lighting", "Textiles", "Decor",
  "Storage",
];

// 32-bit integer hash of a number (a variant of the "lowbias32" mixer).
// Math.imul and unsigned shifts behave identically in every engine.
function hash(n) {
  let x = n >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

// Build the product with the given id (1..MAX_PRODUCTS).
export function product(id) {
  const h = hash(id);
  const g = hash(id + 0x9e3779b9);
  const name = `${ADJECTIVES[h % ADJECTIVES.length]} ${
    MATERIALS[(h >>> 4) % MATERIALS.length]
  } ${NOUNS[(h >>> 8) % NOUNS.length]}`;
  return {
    id,
    sku: `SKU-${String(id).padStart(5, "0")}`,
    name,
    category: CATEGORIES[g % CATEGORIES.length],
    // Price in cents: $4.99 .. $244.98.
    priceCents: 499 + (g >>> 3) % 24000,
    // Roughly one product in eight is out of stock.
    stock: (g >>> 24) % 8 === 3 ? 0 : (h >>> 12) % 150,
    // Rating in tenths of a star: 10 (1.0) .. 50 (5.0).
    ratingTenths: 10 + (g >>> 11) % 41,
    // Every fifth-ish product is on sale.
    onSale: (h >>> 20) % 5 === 0,
  };
}

// The first `count` products, ids 1..count.
export function catalog(count) {
  const n = Math.max(0, Math.min(MAX_PRODUCTS, count | 0));
  const items = [];
  for (let id = 1; id <= n; id++) items.push(product(id));
  return items;
}

// Look a product up by its id as given in a URL ("7"). Returns null for
// anything that is not a canonical decimal id in range ("abc", "007", "0").
export function findProduct(idText) {
  if (typeof idText !== "string" || !/^[1-9][0-9]{0,3}$/.test(idText)) {
    return null;
  }
  const id = Number(idText);
  return id <= MAX_PRODUCTS ? product(id) : null;
}

// Format a rating in tenths as "4.3" without floating-point arithmetic.
export function formatRating(tenths) {
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}

// Group the digits of a non-negative integer in thousands: 1234567 -> "1,234,567".
export function groupDigits(n) {
  const digits = String(Math.floor(Math.abs(n)));
  let out = "";
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ",";
    out += digits[i];
  }
  return n < 0 ? `-${out}` : out;
}

// Format an integer number of cents as dollars: 123456 -> "$1,234.56".
export function formatCents(cents) {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(Math.round(cents));
  const dollars = Math.floor(abs / 100);
  const rest = abs % 100;
  return `${sign}$${groupDigits(dollars)}.${rest < 10 ? "0" : ""}${rest}`;
}
