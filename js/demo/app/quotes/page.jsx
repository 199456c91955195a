// Quotes fetched over HTTP through the host bridge, from a local endpoint:
// ssrd's own /public/quotes.json unless SSRD_DEMO_API (allowlisted in
// env_allow) names another base URL.
import { Suspense, use } from "react";
import { env, fetch } from "ssrd";

async function loadQuotes() {
  const base = (await env.get("SSRD_DEMO_API")) || "http://127.0.0.1:8080";
  const res = await fetch(`${base}/public/quotes.json`);
  if (!res.ok) throw new Error(`quotes endpoint answered ${res.status}`);
  return (await res.json()).quotes;
}

function Quotes({ quotes }) {
  return (
    <ul className="quotes">
      {use(quotes).map((q) => (
        <li key={q.text}>
          “{q.text}” <small>{q.by}</small>
        </li>
      ))}
    </ul>
  );
}

// Live data: every request fetches the quotes again.
export const cache = false;

export default function QuotesPage() {
  const quotes = loadQuotes();
  return (
    <article>
      <h1>Quotes</h1>
      <Suspense fallback={<p>Fetching quotes…</p>}>
        <Quotes quotes={quotes} />
      </Suspense>
    </article>
  );
}
