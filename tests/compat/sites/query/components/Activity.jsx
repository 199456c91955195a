import { useSuspenseQuery } from "@tanstack/react-query";
import { activityQuery } from "./api.js";

// Not prefetched: it suspends while its query runs (streamed in when the data arrives; with
// renderToString the fallback, left for the browser).
export default function Activity({ id }) {
  const { data } = useSuspenseQuery(activityQuery(id));
  return (
    <ol className="activity">
      {data.map((line) => (
        <li key={line}>{line}</li>
      ))}
    </ol>
  );
}
