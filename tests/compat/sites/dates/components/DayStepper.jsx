import { useState } from "react";
import { addDays, format } from "date-fns";
import { de } from "date-fns/locale";

// Interactive after hydration (tests/compat/hydrate.mjs clicks it): the event's day, one day
// later per click, formatted by date-fns in the browser's time zone (UTC, as the server's).
export default function DayStepper({ date }) {
  const [days, setDays] = useState(0);
  return (
    <p>
      <span id="day">{format(addDays(date, days), "EEEE, d. MMMM yyyy", { locale: de })}</span>{" "}
      <button id="next-day" type="button" onClick={() => setDays(days + 1)}>
        +1
      </button>
    </p>
  );
}
