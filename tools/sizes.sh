#!/usr/bin/env bash
# Keeps src/ readable: no file over 700 lines, and no function over 120 lines unless the
# comment above it says why ("Long because ..."). Prints the largest files and functions
# either way. tools/test.sh runs it first.
#   bash tools/sizes.sh           check; exit 1 naming what is too big
#   bash tools/sizes.sh --top N   also list the N largest of each (default 5)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
max_file=700
max_fn=120
n=5
[ "${1:-}" = "--top" ] && n=${2:-5}

mapfile -t files < <(git ls-files 'src/*.c' 'src/*.h' 'src/*.cc')
# Functions in our style: the name at column 0 with its "(", the body from a "{" to a "}"
# both at column 0. The comment block right above the definition is kept to look for the
# reason a long one gives.
funcs=$(awk -v max="$max_fn" '
  FNR == 1 { comment = ""; in_comment = 0 }
  /^\/\*/ || /^\/\// { if (!in_comment) comment = ""; in_comment = ($0 !~ /\*\//) && ($0 ~ /^\/\*/) }
  { if (in_comment || /^\/\*/ || /^\/\// || /^ \*/) comment = comment " " $0 }
  in_comment && /\*\// { in_comment = 0 }
  /^[A-Za-z_].*\(/ && !start { cand = $0; candline = FNR }
  /^\{/ { start = FNR; name = cand; sl = candline; why = (comment ~ /Long because/) }
  /^\}/ && start {
    len = FNR - start + 1; sub(/\(.*/, "", name); sub(/.*[ *]/, "", name)
    printf "%d %s:%d %s %d\n", len, FILENAME, sl, name, why
    start = 0; comment = ""
  }
  /^$/ && !start { comment = "" }' "${files[@]}" | sort -rn)

bad=0
while read -r lines file; do
  [ "$file" = total ] && continue
  if [ "$lines" -gt "$max_file" ]; then
    echo "[sizes] error: $file has $lines lines (at most $max_file): split it along its seams" >&2
    bad=1
  fi
done < <(wc -l "${files[@]}")
while read -r len where name why; do
  if [ "$len" -gt "$max_fn" ] && [ "$why" = 0 ]; then
    echo "[sizes] error: $name ($where) is $len lines (at most $max_fn): split it, or say above it why not (\"Long because ...\")" >&2
    bad=1
  fi
done <<<"$funcs"

echo "[sizes] largest files:"
# awk, not head, keeps the first lines: head would leave early and, under pipefail, sort's
# SIGPIPE would fail the check (exit 141) whenever sort wrote after head had gone.
wc -l "${files[@]}" | grep -v ' total$' | sort -rn | awk -v n="$n" 'NR <= n { printf "  %5d %s\n", $1, $2 }'
echo "[sizes] longest functions:"
head -n "$n" <<<"$funcs" | awk '{ printf "  %5d %s %s%s\n", $1, $3, $2, $4 == 1 ? " (says why)" : "" }'
[ "$bad" -eq 0 ] || exit 1
echo "[sizes] ${#files[@]} files of src/: none over $max_file lines, no function over $max_fn without a reason"
