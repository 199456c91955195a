// One post and its comments, by slug (a bound parameter, never spliced into SQL).
import { Suspense, use } from "react";
import { db } from "ssrd";

function Comments({ comments }) {
  const rows = use(comments);
  if (rows.length === 0) return <p>No comments yet.</p>;
  return (
    <ul className="comments">
      {rows.map((c) => (
        <li key={c.id}>
          <b>{c.author}</b>: {c.body}
        </li>
      ))}
    </ul>
  );
}

function Post({ post, comments }) {
  const [p] = use(post);
  if (p === undefined) return <p className="missing">No post here.</p>;
  return (
    <>
      <h1>{p.title}</h1>
      <p>
        <small>by {p.author}, {p.published}</small>
      </p>
      <p>{p.body}</p>
      <h2>Comments</h2>
      <Suspense fallback={<p>Loading comments…</p>}>
        <Comments comments={comments} />
      </Suspense>
    </>
  );
}

export default function BlogPostPage({ params }) {
  const post = db.query("blog", "SELECT id, title, author, published, body FROM posts WHERE slug = ?", [params.slug]);
  const comments = db.query(
    "blog",
    "SELECT c.id, c.author, c.body FROM comments c JOIN posts p ON p.id = c.post_id WHERE p.slug = ? ORDER BY c.id",
    [params.slug],
  );
  return (
    <article>
      <Suspense fallback={<p>Loading…</p>}>
        <Post post={post} comments={comments} />
      </Suspense>
    </article>
  );
}
