// The page for paths with no route: rendered inside the layout and sent
// with status 404.
export default function NotFound() {
  return (
    <article>
      <h1>Page not found</h1>
      <p>There is no page at this address.</p>
      <p>
        <a href="/">Back to the home page</a> or <a href="/products">browse the catalog</a>.
      </p>
    </article>
  );
}
