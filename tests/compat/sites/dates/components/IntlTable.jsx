import { locales } from "./locales.js";

export default function IntlTable({ date, amount, count }) {
  return (
    <table className="intl">
      <tbody>
        {Object.keys(locales).map((locale) => {
          const long = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short", timeZone: "UTC" });
          const parts = new Intl.DateTimeFormat(locale, { month: "long", day: "numeric", timeZone: "Asia/Tokyo" });
          const money = new Intl.NumberFormat(locale, { style: "currency", currency: locale === "ja" ? "JPY" : "EUR" });
          const compact = new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 1 });
          const rel = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
          const plural = new Intl.PluralRules(locale);
          return (
            <tr key={locale} lang={locale}>
              <th>{locale}</th>
              <td>{long.format(date)}</td>
              <td>{parts.format(date)} (Tokyo)</td>
              <td>{money.format(amount)}</td>
              <td>{compact.format(count)}</td>
              <td>{new Intl.NumberFormat(locale).format(1234567.891)}</td>
              <td>{rel.format(-1, "day")}</td>
              <td>{plural.select(count)}</td>
              <td>{new Intl.ListFormat(locale, { type: "conjunction" }).format(["a", "b", "c"])}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
