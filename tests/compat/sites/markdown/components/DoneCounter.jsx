import { useState } from "react";

// Interactive after hydration (tests/compat/hydrate.mjs clicks it): tasks marked done.
export default function DoneCounter() {
  const [done, setDone] = useState(0);
  return (
    <button id="done" type="button" onClick={() => setDone(done + 1)}>
      {done} done
    </button>
  );
}
