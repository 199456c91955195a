#!/usr/bin/env bash
# The compatibility suite in the browser: each site under tests/compat/sites/ served by
# `ssrd serve` (one worker, its own port, socket and cache), every route of its routes.json
# loaded in headless Chromium (Debian's, driven by playwright-core: hydrate.mjs) and checked to
# hydrate: status 200, React attached, no hydration mismatch or React error in the console, no
# uncaught error, and the site's interactive component answering a click (issue 15).
#
#   bash tests/compat/hydrate.sh [--ssrd PATH] [SITE...]     (default: build/ssrd, every site)
#
# ctest runs it once per site (compat.hydrate.<site>, label compat). A page that fails is
# loaded again with the same bundle built with React's development build (devbundle.mjs), and
# what React says there is printed under the failure: the element, attribute or text that
# differs between the server's HTML and the browser's render.
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
# The server renders in UTC, as run.sh's renders do (date-fns formats in the local time zone);
# hydrate.mjs gives the browser the same.
export TZ=UTC
set -- "$ssrd_bin"
. "$here/../e2e/lib.sh"
export SSRD_JS_DIR="$SRC/js"

if ! command -v chromium >/dev/null; then
  not_ok "chromium is not installed (tools/deps.sh --tests installs it)"
  finish
  exit
fi
if [ ! -f "$here/node_modules/react-dom/package.json" ]; then
  not_ok "tests/compat/node_modules is missing (bash tools/deps.sh --tests installs it with npm ci)"
  finish
  exit
fi

# diagnose SITE URL PATH...: the failing pages again, with React's development build; prints
# each of its messages' first line and the tree diff React draws, indented.
diagnose() {
  local site=$1 url=$2
  shift 2
  local entries=("$WORK/cache-$site"/sites/*/client-entry.js)
  if [ ! -f "${entries[0]}" ]; then
    echo "      (no client-entry.js in the cache: ssrd built no browser bundle for $site)"
    return
  fi
  if ! node "$here/devbundle.mjs" "${entries[0]}" "$WORK/dev-$site.js" >"$WORK/dev.err" 2>&1; then
    echo "      (the development bundle did not build: $(head -c 300 "$WORK/dev.err"))"
    return
  fi
  node "$here/hydrate.mjs" --url "$url" --site "$here/sites/$site" --dev-bundle "$WORK/dev-$site.js" "$@" \
    2>&1 | node -e '
      const lines = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
      for (const l of lines) {
        const [kind, path, json] = l.split("\t");
        if (kind !== "dev") { console.log(`      ${l.slice(0, 300)}`); continue; }
        const msgs = JSON.parse(json);
        console.log(`      ${path}, with the development build of React: ${msgs.length ? "" : "no message"}`);
        for (const m of msgs) {
          const all = m.split("\n");
          const diff = all.findIndex((x) => x.includes("react.dev/link/hydration-mismatch"));
          const shown = [all[0].slice(0, 300)].concat(diff >= 0 ? all.slice(diff + 1).filter((x) => x.trim()).slice(0, 30) : []);
          for (const x of shown) console.log(`        ${x.slice(0, 300)}`);
        }
      }'
}

for site in "${sites[@]}"; do
  dir="$here/sites/$site"
  if [ ! -f "$dir/routes.json" ]; then
    not_ok "$site: no routes.json in $dir"
    continue
  fi
  port=$(free_port)
  url="http://127.0.0.1:$port"
  log="$WORK/serve-$site.log"
  "$SSRD" serve --site "$dir" --http "$url" --ipc "ipc://$WORK/$site.sock" --workers 1 --watch-ms 0 \
    --cache-dir "$WORK/cache-$site" >"$log" 2>&1 &
  pid=$!
  cleanup_hooks+=("kill $pid 2>/dev/null")
  # the first start builds the base, its snapshot, the shell and the browser bundle
  for _ in $(seq 1 900); do
    curl -sf -o /dev/null "$url/readyz" && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
  done
  if ! curl -sf -o /dev/null "$url/readyz"; then
    why=$(grep -m1 -E 'level=(error|fatal)|^ssrd: ' "$log" | cut -c1-400)
    not_ok "$site: ssrd serve did not get ready: ${why:-$(tail -n 1 "$log" | cut -c1-400)}"
    grep -E 'level=(error|warn)' "$log" | head -n 4 | cut -c1-400 | sed 's/^/      ssrd: /'
    kill $pid 2>/dev/null
    wait $pid 2>/dev/null
    continue
  fi
  failed_before=$failed
  node "$here/hydrate.mjs" --url "$url" --site "$dir" >"$WORK/$site.out" 2>"$WORK/$site.err"
  rc=$?
  failing=()
  while IFS=$'\t' read -r verdict path what; do
    if [ "$verdict" = ok ]; then ok "$what"; else
      not_ok "$what"
      [ "$path" = - ] || [[ " ${failing[*]} " == *" $path "* ]] || failing+=("$path")
    fi
  done <"$WORK/$site.out"
  if [ "$rc" -ne 0 ] || [ ! -s "$WORK/$site.out" ]; then
    not_ok "$site: hydrate.mjs failed (exit $rc): $(head -c 600 "$WORK/$site.err")"
  fi
  if [ "$failed" -gt "$failed_before" ]; then
    # the server's side of it: what ssrd logged (a render that failed, a bundle that did not build)
    grep -E 'level=(error|warn)' "$log" | head -n 4 | cut -c1-400 | sed 's/^/      ssrd: /'
  fi
  [ ${#failing[@]} -eq 0 ] || diagnose "$site" "$url" "${failing[@]}"
  kill -TERM $pid
  wait $pid
  # finish shows the log of a site that failed (a sanitizer's report among it), not the others'
  [ "$failed" -gt "$failed_before" ] || mv "$log" "$WORK/serve-$site.txt"
done
finish
