// The blog's index: posts read from SQLite through the host bridge. The
// query starts when the page renders; the list streams in when it returns.
import { Suspense, use } from "react";
import { db } from "ssrd";

function PostList({ posts }) {
  const rows = use(posts);
  return (
    <ul className="posts">
      {rows.map((p) => (
        <li key={p.slug}>
          <a href={`/blog/${p.slug}`}>{p.title}</a> <small>by {p.author}, {p.published}</small>
        </li>
      ))}
    </ul>
  );
}

export default function BlogPage() {
  const posts = db.query("blog", "SELECT slug, title, author, published FROM posts ORDER BY published DESC");
  return (
    <article>
      <h1>Blog</h1>
      <Suspense fallback={<p>Loading posts…</p>}>
        <PostList posts={posts} />
      </Suspense>
    </article>
  );
}
