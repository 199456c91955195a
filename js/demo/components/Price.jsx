import { formatCents } from "./catalog.js";

// A price in cents. Products on sale show the original price struck through
// next to a 15% discounted price (rounded down to whole cents).
export default function Price({ cents, onSale = false }) {
  if (!onSale) {
    return <span className="price">{formatCents(cents)}</span>;
  }
  const saleCents = Math.floor((cents * 85) / 100);
  return (
    <span className="price sale">
      <del>{formatCents(cents)}</del> <ins>{formatCents(saleCents)}</ins>
    </span>
  );
}

// The price a customer actually pays, in cents.
export function effectiveCents(product) {
  return product.onSale
    ? Math.floor((product.priceCents * 85) / 100)
    : product.priceCents;
}
