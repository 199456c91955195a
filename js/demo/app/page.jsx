import Counter from "../components/Counter.jsx";

// Home page.
const FEATURES = [
  {
    title: "Embedded V8",
    text: "Pages are rendered by React inside a V8 isolate embedded in a small C daemon.",
  },
  {
    title: "File-system routing",
    text: "app/page.jsx is the home page, app/products/[id]/page.jsx handles /products/:id.",
  },
  {
    title: "Deterministic output",
    text: "The same props always give byte-identical HTML, so responses can be cached and compared.",
  },
];

export default function HomePage({ name }) {
  const visitor =
    typeof name === "string" && name.trim() !== "" ? name.trim() : "visitor";
  return (
    <>
      <h1>Welcome to ssrd</h1>
      <p className="intro">
        ssrd is a server-side rendering daemon for React. It bundles a site
        once, keeps a warm JavaScript engine ready, and turns a route and a set
        of JSON props into HTML without running Node.js.
      </p>
      <p className="greeting">Hello, {visitor}!</p>
      <Counter />
      <ul className="cards">
        {FEATURES.map((feature) => (
          <li key={feature.title} className="card">
            <h2>{feature.title}</h2>
            <p>{feature.text}</p>
          </li>
        ))}
      </ul>
    </>
  );
}
