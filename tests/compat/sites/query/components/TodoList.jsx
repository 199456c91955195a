import { useQuery, useIsFetching } from "@tanstack/react-query";
import { todosQuery } from "./api.js";

export default function TodoList() {
  const { data, status, isStale } = useQuery(todosQuery);
  const fetching = useIsFetching();
  if (status !== "success") return <p>Loading todos ({status})…</p>;
  return (
    <section data-stale={String(isStale)} data-fetching={fetching}>
      <h2>Todos ({data.length})</h2>
      <ul>
        {data.map((t) => (
          <li key={t.id} className={t.done ? "done" : undefined}>
            {t.title}
          </li>
        ))}
      </ul>
    </section>
  );
}
