-- The demo blog's data. tools/seed-demo.sh loads it into data/blog.sqlite,
-- which ssrd opens read-only (config [host] databases = blog=data/blog.sqlite).
PRAGMA journal_mode = DELETE;
CREATE TABLE posts (
  id        INTEGER PRIMARY KEY,
  slug      TEXT NOT NULL UNIQUE,
  title     TEXT NOT NULL,
  author    TEXT NOT NULL,
  published TEXT NOT NULL,
  body      TEXT NOT NULL
);
CREATE TABLE comments (
  id      INTEGER PRIMARY KEY,
  post_id INTEGER NOT NULL REFERENCES posts(id),
  author  TEXT NOT NULL,
  body    TEXT NOT NULL
);
INSERT INTO posts (slug, title, author, published, body) VALUES
  ('hello-ssrd', 'Hello from ssrd', 'Ada', '2026-11-01',
   'This post was read from SQLite by a host call while React streamed the page around it.'),
  ('three-layers', 'Three layers, one render', 'Grace', '2026-11-08',
   'The React base, the site shell and the page delta are cached apart, so a render pays for React alone.'),
  ('suspense-in-c', 'Suspense on an event loop in C', 'Linus', '2026-11-15',
   'Timers, microtasks and host completions share one loop per worker; chunks leave as React flushes them.'),
  ('escaping', 'Escaping <script> & friends', 'Zoë', '2026-11-20',
   'Text from the database is escaped by React: <b>not bold</b>, "quotes" & ampersands stay text.');
INSERT INTO comments (post_id, author, body) VALUES
  (1, 'Brian', 'First!'),
  (1, 'Dennis', 'Works over IPC too, I hear.'),
  (2, 'Barbara', 'What does the snapshot hold?'),
  (3, 'Ken', 'No libuv?');
