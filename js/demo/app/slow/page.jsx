// A page whose shell is ready at once and whose report takes a while
// (props.delay ms, 200 by default): the shell streams first, the report
// follows in the same response when its data arrives.
import { Suspense, use } from "react";

const wait = (ms, value) => new Promise((resolve) => setTimeout(() => resolve(value), ms));

function Report({ data }) {
  const rows = use(data);
  return (
    <table className="report">
      <tbody>
        {rows.map((r) => (
          <tr key={r.region}>
            <td>{r.region}</td>
            <td className="num">{r.sales}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function SlowPage({ delay = 200 }) {
  const data = wait(Number(delay), [
    { region: "North", sales: 1200 },
    { region: "South", sales: 950 },
    { region: "East", sales: 1730 },
  ]);
  return (
    <article>
      <h1>Sales report</h1>
      <p>The shell of this page arrives first; the report streams in when its data is ready.</p>
      <Suspense fallback={<p className="loading">Loading the report…</p>}>
        <Report data={data} />
      </Suspense>
    </article>
  );
}
