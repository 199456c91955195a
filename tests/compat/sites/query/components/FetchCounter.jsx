import { useQuery } from "@tanstack/react-query";

// Interactive after hydration (tests/compat/hydrate.mjs clicks it). The server does not run a
// useQuery's queryFn: the page says "not fetched" there and in the hydrating render; the
// browser then fetches (once), and refetches on each click of the button.
let fetches = 0;
const fetchesQuery = {
  queryKey: ["fetches"],
  queryFn: () => new Promise((resolve) => setTimeout(() => resolve(++fetches), 5)),
  staleTime: 0,
};

export default function FetchCounter() {
  const { data, refetch } = useQuery(fetchesQuery);
  return (
    <p>
      <span id="fetched">{data === undefined ? "not fetched" : `fetched ${data} ${data === 1 ? "time" : "times"}`}</span>{" "}
      <button id="refetch" type="button" onClick={() => refetch()}>
        Refetch
      </button>
    </p>
  );
}
