import { useState } from "react";

// The demo's interactive piece: rendered on the server, brought to life in
// the browser by the site's client bundle (hydration).
export default function Counter({ start = 0 }) {
  const [count, setCount] = useState(start);
  return (
    <p className="counter">
      <button id="counter" type="button" onClick={() => setCount(count + 1)}>
        Clicked {count} {count === 1 ? "time" : "times"}
      </button>
    </p>
  );
}
