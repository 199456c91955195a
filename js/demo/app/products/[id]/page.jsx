// Product detail page for /products/:id.
import Price from "../../../components/Price.jsx";
import {
  findProduct,
  formatRating,
  product as productById,
  MAX_PRODUCTS,
} from "../../../components/catalog.js";

function NotFound({ id }) {
  return (
    <section className="not-found">
      <h1>Product not found</h1>
      <p>
        There is no product with id <code>{String(id)}</code>.
      </p>
      <p>
        <a href="/products">Back to the catalog</a>
      </p>
    </section>
  );
}

// A few neighbouring products in the same category.
function related(p, limit) {
  const out = [];
  for (let d = 1; d <= 60 && out.length < limit; d++) {
    const id = p.id + d <= MAX_PRODUCTS ? p.id + d : p.id + d - MAX_PRODUCTS;
    const other = productById(id);
    if (other.category === p.category) out.push(other);
  }
  return out;
}

export default function ProductPage({ params }) {
  const id = params && params.id;
  const p = findProduct(id);
  if (!p) return <NotFound id={id} />;

  return (
    <article className="product">
      <p className="crumbs">
        <a href="/products">Products</a> / {p.category} / {p.sku}
      </p>
      <h1>{p.name}</h1>
      <p className="lead">
        <Price cents={p.priceCents} onSale={p.onSale} />
        {p.onSale && <strong className="badge sale"> On sale</strong>}
      </p>
      <dl>
        <dt>Category</dt>
        <dd>{p.category}</dd>
        <dt>Availability</dt>
        <dd>
          {p.stock === 0 ? (
            <span className="badge out">Out of stock</span>
          ) : (
            `${p.stock} in stock`
          )}
        </dd>
        <dt>Rating</dt>
        <dd>{formatRating(p.ratingTenths)} / 5</dd>
      </dl>
      <h2>Related products</h2>
      <ul className="related">
        {related(p, 4).map((r) => (
          <li key={r.id}>
            <a href={`/products/${r.id}`}>{r.name}</a>
          </li>
        ))}
      </ul>
    </article>
  );
}
