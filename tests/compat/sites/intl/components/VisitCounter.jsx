import { useState } from "react";
import { FormattedMessage } from "react-intl";

// Interactive after hydration (tests/compat/hydrate.mjs clicks it): a plural message of the
// layout's IntlProvider with the count as its value.
export default function VisitCounter() {
  const [count, setCount] = useState(0);
  return (
    <button id="visits" type="button" onClick={() => setCount(count + 1)}>
      <FormattedMessage id="home.visits" values={{ count }} />
    </button>
  );
}
