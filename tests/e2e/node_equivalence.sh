#!/usr/bin/env bash
# e2e: ssrd's HTML is byte-identical to react-dom/server's renderToString in Node 20,
# for the same components and props (rendered by tests/e2e/node_reference.mjs, a separate build).
. "$(dirname "$0")/lib.sh"
DEMO="$SRC/js/demo"
same() { # PATH PAGE_FILE PARAMS PROPS
  local path=$1 page=$2 params=$3 props=$4
  "$SSRD" render-local "$path" --props "$props" --cache-dir "$WORK/cache" >"$WORK/ssrd.html" 2>"$WORK/err" ||
    { not_ok "ssrd render-local $path failed: $(head -c 400 "$WORK/err")"; return; }
  node "$SRC/tests/e2e/node_reference.mjs" "$DEMO" "$page" "$path" "$params" "$props" >"$WORK/node.html" ||
    { not_ok "node reference for $path failed"; return; }
  if [ -s "$WORK/node.html" ] && cmp -s "$WORK/ssrd.html" "$WORK/node.html"; then
    ok "$path $props: identical ($(wc -c <"$WORK/ssrd.html") bytes)"
  else
    not_ok "$path $props differs from Node: $(cmp "$WORK/ssrd.html" "$WORK/node.html" 2>&1)"
  fi
}
same / app/page.jsx '{}' '{}'
same / app/page.jsx '{}' '{"name":"Zoë 😀 <b>"}'
same /products app/products/page.jsx '{}' '{}'
same /products app/products/page.jsx '{}' '{"count":2000}'
same /products app/products/page.jsx '{}' '{"category":"Garden"}'
same /products/7 'app/products/[id]/page.jsx' '{"id":"7"}' '{}'
same /products/abc 'app/products/[id]/page.jsx' '{"id":"abc"}' '{}'
same /about app/about/page.jsx '{}' '{}'
finish
