import Price from "./Price.jsx";
import { formatRating } from "./catalog.js";

// Five-character star bar for a rating in tenths: 43 -> "★★★★☆".
function stars(tenths) {
  const full = Math.round(tenths / 10);
  return "★★★★★".slice(0, full) + "☆☆☆☆☆".slice(0, 5 - full);
}

// One row of the catalog table.
export default function ProductRow({ product }) {
  const { id, name, category, priceCents, stock, ratingTenths, onSale } =
    product;
  return (
    <tr className={stock === 0 ? "out" : undefined}>
      <td className="num">{id}</td>
      <td>
        <a href={`/products/${id}`}>{name}</a>
      </td>
      <td>{category}</td>
      <td className="num">
        <Price cents={priceCents} onSale={onSale} />
      </td>
      <td className="num">
        {stock === 0 ? (
          <span className="badge out">Out of stock</span>
        ) : (
          <span className={stock < 10 ? "stock low" : "stock"}>{stock}</span>
        )}
      </td>
      <td>
        <span className="stars" title={`${formatRating(ratingTenths)} of 5`}>
          {stars(ratingTenths)}
        </span>
      </td>
    </tr>
  );
}
