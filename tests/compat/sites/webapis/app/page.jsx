// Every web API of README "Web APIs", used deterministically: the results
// as JSON, the same in ssrd and in Node's react-dom/server. The async ones
// render inside a Suspense boundary (streamed: the results; renderToString:
// the fallback, in both).
import { Suspense, use } from "react";
import { asyncCases, syncCases } from "../components/cases.js";

// Node's globals (process, Buffer, setImmediate) are the server's: this page
// is rendered on the server only, and sent without the browser's bundle.
export const hydrate = false;

let pending = null;

function AsyncResults() {
  if (pending === null) pending = asyncCases();
  return <pre id="async">{JSON.stringify(use(pending), null, 1)}</pre>;
}

export default function Page() {
  return (
    <main>
      <h1>Web APIs</h1>
      <pre id="sync">{JSON.stringify(syncCases(), null, 1)}</pre>
      <Suspense fallback={<p>pending</p>}>
        <AsyncResults />
      </Suspense>
    </main>
  );
}
