import { useState } from "react";

type CounterProps = { start?: number; unit: string };

// Interactive after hydration (tests/compat/hydrate.mjs clicks it).
export default function Counter({ start = 0, unit }: CounterProps) {
  const [n, setN] = useState(start);
  return (
    <button id="more" type="button" onClick={() => setN(n + 1)}>
      {n} {n === 1 ? unit : `${unit}s`}
    </button>
  );
}
