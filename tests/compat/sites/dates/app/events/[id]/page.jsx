import { format, intervalToDuration, formatDuration } from "date-fns";
import { de } from "date-fns/locale/de";
import IntlTable from "../../../components/IntlTable.jsx";
import DayStepper from "../../../components/DayStepper.jsx";
import { events, NOW } from "../../../components/locales.js";

export default function Event({ params, count = 1 }) {
  const e = events[params.id];
  if (!e) return <p>No event {params.id}</p>;
  const until = intervalToDuration({ start: NOW, end: e.at });
  return (
    <main>
      <h1>{e.title}</h1>
      <p>{format(e.at, "'Am' EEEE, 'dem' do MMMM yyyy", { locale: de })}</p>
      <p>{formatDuration(until, { locale: de, format: ["months", "days", "hours"] }) || "—"}</p>
      <IntlTable date={e.at} amount={e.price} count={count === 1 ? 1 : e.seats} />
      <DayStepper date={e.at} />
    </main>
  );
}
