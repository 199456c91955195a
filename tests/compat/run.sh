#!/usr/bin/env bash
# The compatibility suite: every route of each site under tests/compat/sites/ rendered by ssrd
# (render-local, streaming and not, hydration off) and by react-dom/server in Node 20
# (reference.mjs), compared byte for byte. A difference prints where the two first part.
#
#   bash tests/compat/run.sh [--ssrd PATH] [SITE...]     (default: build/ssrd, every site)
#
# ctest runs it once per site (compat.<site>, label compat). Sites use the packages of
# tests/compat/package-lock.json, installed by tools/deps.sh into tests/compat/node_modules.
here=$(cd "$(dirname "$0")" && pwd)
ssrd_bin=${SSRD:-$here/../../build/ssrd}
if [ "${1:-}" = "--ssrd" ]; then
  ssrd_bin=${2:?--ssrd needs a path}
  shift 2
fi
[ -x "$ssrd_bin" ] || { echo "compat: no ssrd binary at $ssrd_bin (bash tools/build.sh, or pass --ssrd PATH)" >&2; exit 2; }
sites=("$@")
if [ ${#sites[@]} -eq 0 ]; then
  for d in "$here"/sites/*/; do [ -f "$d/routes.json" ] && sites+=("$(basename "$d")"); done
fi
# Both renderers in one time zone: date-fns formats in the process's own (sites/dates).
export TZ=UTC
set -- "$ssrd_bin"
. "$here/../e2e/lib.sh"

# context SSRD_FILE NODE_FILE: a few hundred bytes of each around the first byte where they differ.
context() {
  python3 - "$1" "$2" <<'PY'
import sys
a, b = (open(f, "rb").read() for f in sys.argv[1:3])
i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
lo = max(0, i - 160)
def show(name, s):
    before = s[lo:i].decode("utf-8", "replace")
    after = s[i:i + 240].decode("utf-8", "replace")
    more = "..." if i + 240 < len(s) else "<end>"
    print(f"      {name} ({len(s)} bytes): {'...' if lo else ''}{before}\u2592{after}{more}")
print(f"      first difference at byte offset {i} (\u2592 marks it):")
show("ssrd", a)
show("node", b)
PY
}

# first_lines FILE: a failed command's stderr, indented, at most 12 lines.
first_lines() { head -n 12 "$1" | cut -c1-400 | sed 's/^/      /'; }

if [ ! -f "$here/node_modules/react-dom/package.json" ]; then
  not_ok "tests/compat/node_modules is missing (bash tools/deps.sh --tests installs it with npm ci)"
  finish
  exit
fi

for site in "${sites[@]}"; do
  dir="$here/sites/$site"
  if [ ! -f "$dir/routes.json" ]; then
    not_ok "$site: no routes.json in $dir"
    continue
  fi
  # One line per route: path, page, params and props (compact JSON holds no raw tab).
  if ! node -e '
    const routes = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const r of routes)
      console.log([r.path, r.page, JSON.stringify(r.params || {}), JSON.stringify(r.props || {})].join("\t"));
  ' "$dir/routes.json" >"$WORK/routes.tsv" 2>"$WORK/routes.err"; then
    not_ok "$site: routes.json does not parse: $(head -c 300 "$WORK/routes.err")"
    continue
  fi
  cache="$WORK/cache-$site"
  while IFS=$'\t' read -r path page params props; do
    # streaming = 1 renders a page that does not suspend with renderToString and sends what the
    # streaming renderer would; streaming = 2 always streams: both must be Node's stream.
    for streaming in 0 1 2; do
      mode=$([ "$streaming" = 0 ] && echo string || echo stream)
      what="$site $path (streaming = $streaming)"
      "$SSRD" render-local "$path" --site "$dir" --props "$props" --streaming "$streaming" --hydrate 0 \
        --cache-dir "$cache" --log-level error >"$WORK/ssrd.html" 2>"$WORK/ssrd.err"
      rc=$?
      if [ "$streaming" != 2 ]; then
        node "$here/reference.mjs" --site "$dir" --page "$page" --path "$path" --params "$params" \
          --props "$props" --mode "$mode" >"$WORK/node.html" 2>"$WORK/node.err"
        nrc=$?
      fi
      if [ "$nrc" -ne 0 ]; then
        not_ok "$what: the Node reference failed (exit $nrc): the site or the harness is wrong"
        first_lines "$WORK/node.err"
      elif [ "$rc" -ne 0 ]; then
        # ssrd's own message ("ssrd: rendering / failed: ...") and what follows it; the log lines
        # before it (ts=... level=error) are about other routes.
        awk 'found || /^ssrd: / { found = 1; print } END { if (!found) exit 1 }' "$WORK/ssrd.err" >"$WORK/ssrd.why" ||
          cp "$WORK/ssrd.err" "$WORK/ssrd.why"
        not_ok "$what: ssrd failed (exit $rc): $(head -n 1 "$WORK/ssrd.why" | cut -c1-300)"
        tail -n +2 "$WORK/ssrd.why" | grep -v "^[[:space:]]*$" | head -n 8 | cut -c1-300 | sed "s/^/      /"
      elif cmp -s "$WORK/ssrd.html" "$WORK/node.html"; then
        ok "$what: identical ($(wc -c <"$WORK/ssrd.html") bytes)"
      else
        not_ok "$what: differs from Node"
        context "$WORK/ssrd.html" "$WORK/node.html"
      fi
    done
  done <"$WORK/routes.tsv"
done
finish
