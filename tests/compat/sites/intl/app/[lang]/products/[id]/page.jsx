import { FormattedMessage, FormattedDate, FormattedDateTimeRange, useIntl } from "react-intl";

const products = {
  3: { name: "Kettle", price: 39.9, released: "2023-11-05T08:00:00Z", stock: 2 },
  4: { name: "Toaster", price: 1299, released: "2021-01-31T23:30:00Z", stock: 0 },
};

export default function Product({ params }) {
  const intl = useIntl();
  const p = products[params.id];
  if (!p) return <p>404</p>;
  const released = new Date(p.released);
  return (
    <article>
      <h1 title={intl.formatMessage({ id: "product.price" }, { price: p.price })}>{p.name}</h1>
      <p>
        <FormattedMessage id="product.price" values={{ price: p.price }} />
      </p>
      <p>
        <FormattedMessage id="product.released" values={{ date: released }} />
      </p>
      <p>
        <FormattedDate value={released} weekday="long" hour="2-digit" minute="2-digit" timeZoneName="short" />
      </p>
      <p>
        <FormattedDateTimeRange from={released} to={new Date(released.getTime() + 9 * 86400000)} />
      </p>
      <p>
        <FormattedMessage id="product.stock" values={{ stock: p.stock }} />
      </p>
    </article>
  );
}
