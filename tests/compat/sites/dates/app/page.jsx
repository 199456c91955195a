import DateRow from "../components/DateRow.jsx";
import IntlTable from "../components/IntlTable.jsx";
import { events, locales } from "../components/locales.js";

export default function Calendar() {
  return (
    <main>
      {Object.entries(events).map(([id, e]) => (
        <section key={id}>
          <h2>
            <a href={`/events/${id}`}>{e.title}</a>
          </h2>
          <table>
            <tbody>
              {Object.keys(locales).map((locale) => (
                <DateRow key={locale} locale={locale} date={e.at} />
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </main>
  );
}
