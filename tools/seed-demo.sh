#!/usr/bin/env bash
# Seeds the demo blog's SQLite database from js/demo/data/blog.sql when it is
# missing or older than the SQL. Run by tools/build.sh; needs the sqlite3 CLI
# (tools/deps.sh installs it).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
sql="$top/js/demo/data/blog.sql"
db="$top/js/demo/data/blog.sqlite"
if [ -f "$db" ] && [ "$db" -nt "$sql" ]; then
  exit 0
fi
echo "[seed] building $db from $sql"
tmp="$db.tmp.$$"
rm -f "$tmp"
if ! sqlite3 -bail "$tmp" <"$sql"; then
  rm -f "$tmp"
  echo "[seed] error: loading $sql failed (see the message above)" >&2
  exit 1
fi
mv -f "$tmp" "$db"
