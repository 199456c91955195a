// Catalog list page (the benchmark page): a table of ~240 products.
import ProductRow from "../../components/ProductRow.jsx";
import { effectiveCents } from "../../components/Price.jsx";
import {
  CATEGORIES,
  DEFAULT_COUNT,
  MAX_PRODUCTS,
  catalog,
  formatCents,
  formatRating,
  groupDigits,
} from "../../components/catalog.js";

// props.count -> integer in 1..MAX_PRODUCTS (DEFAULT_COUNT if missing/invalid).
function clampCount(value) {
  const n = Math.trunc(Number(value));
  if (value == null || value === "" || !Number.isFinite(n)) return DEFAULT_COUNT;
  return Math.min(MAX_PRODUCTS, Math.max(1, n));
}

export default function ProductsPage({ count, category }) {
  const all = catalog(clampCount(count));
  // Optional props.category narrows the list to one category.
  const filter = CATEGORIES.includes(category) ? category : null;
  const products = filter ? all.filter((p) => p.category === filter) : all;

  const inStock = products.filter((p) => p.stock > 0);
  const totalStock = inStock.reduce((sum, p) => sum + p.stock, 0);
  const stockValue = inStock.reduce(
    (sum, p) => sum + p.stock * effectiveCents(p),
    0,
  );
  const onSale = products.filter((p) => p.onSale).length;
  const avgRating =
    products.length === 0
      ? 0
      : Math.round(
          products.reduce((sum, p) => sum + p.ratingTenths, 0) /
            products.length,
        );

  return (
    <section>
      <h1>{filter ? `Products: ${filter}` : "Products"}</h1>
      <p className="summary">
        Showing {groupDigits(products.length)}{" "}
        {products.length === 1 ? "product" : "products"},{" "}
        {groupDigits(products.length - inStock.length)} out of stock,{" "}
        {onSale} on sale. Total stock: {groupDigits(totalStock)} units worth{" "}
        {formatCents(stockValue)}. Average rating:{" "}
        {formatRating(avgRating)}.
      </p>
      {products.length === 0 ? (
        <p className="empty">No products match.</p>
      ) : (
        <table className="catalog">
          <thead>
            <tr>
              <th className="num">#</th>
              <th>Product</th>
              <th>Category</th>
              <th className="num">Price</th>
              <th className="num">Stock</th>
              <th>Rating</th>
            </tr>
          </thead>
          <tbody>
            {products.map((p) => (
              <ProductRow key={p.id} product={p} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
