import { format, formatDistance, formatRelative, formatISO, addDays, differenceInCalendarDays } from "date-fns";
import { UTCDate } from "./utc.js";
import { locales, NOW } from "./locales.js";

// date-fns formats in the process's time zone: both renderers run in UTC (TZ=UTC), and the
// dates are given in UTC, so format() prints the same everywhere.
export default function DateRow({ locale, date }) {
  const loc = locales[locale].dateFns;
  return (
    <tr lang={locale}>
      <th>{locales[locale].label}</th>
      <td>{format(date, "PPPP", { locale: loc })}</td>
      <td>{format(date, "EEE d MMM yyyy, HH:mm", { locale: loc })}</td>
      <td>{formatDistance(date, NOW, { addSuffix: true, locale: loc })}</td>
      <td>{formatRelative(addDays(NOW, 1), NOW, { locale: loc })}</td>
      <td>{differenceInCalendarDays(date, NOW)}</td>
      <td>{formatISO(new UTCDate(date))}</td>
    </tr>
  );
}
