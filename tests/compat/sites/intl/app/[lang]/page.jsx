import { FormattedMessage, FormattedNumber, FormattedList, FormattedPlural } from "react-intl";
import VisitCounter from "../../components/VisitCounter.jsx";

export default function Home({ name = "guest", count = 0, gender = "other", product = "", total = 0, tags = [] }) {
  return (
    <>
      <h1>
        <FormattedMessage id="home.title" values={{ name }} />
      </h1>
      <p>
        <FormattedMessage id="home.cart" values={{ count }} />
      </p>
      <p>
        <FormattedMessage id="home.greeting" values={{ gender, product, b: (chunks) => <b>{chunks}</b> }} />
      </p>
      <p>
        <FormattedNumber value={total} style="currency" currency="EUR" />{" · "}
        <FormattedNumber value={0.256} style="percent" maximumFractionDigits={1} />{" · "}
        <FormattedNumber value={1234567.891} />{" · "}
        <FormattedNumber value={15300} notation="compact" />{" · "}
        <FormattedNumber value={42} style="unit" unit="kilometer-per-hour" unitDisplay="short" />
      </p>
      <p>
        <FormattedList type="conjunction" value={tags} />{" "}
        (<FormattedPlural value={tags.length} one="one tag" other="several tags" />)
      </p>
      <VisitCounter />
    </>
  );
}
