// A short static page.
export default function AboutPage() {
  return (
    <article>
      <h1>About this demo</h1>
      <p>
        This site is bundled with ssrd as a small example of file-system
        routing: a root layout, a home page, a product catalog and a detail
        page with a dynamic segment.
      </p>
      <p>
        The catalog is generated from fixed word lists with integer arithmetic,
        so every render of the same page is byte-for-byte identical.
      </p>
      <p>
        <a href="/products">Browse the catalog</a>
      </p>
    </article>
  );
}
