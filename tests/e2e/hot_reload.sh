#!/usr/bin/env bash
# e2e: a running `ssrd serve` notices changed sources, rebuilds only the changed layer and serves
# the new version; a broken page fails its own route only; a broken shell keeps the last good build.
. "$(dirname "$0")/lib.sh"
port=$(free_port)
url="http://127.0.0.1:$port"
cp -r "$SRC/js/demo" "$WORK/site"
"$SSRD" serve --site "$WORK/site" --cache-dir "$WORK/cache" --watch-ms 100 --workers 2 \
  --http "$url" --ipc "ipc://$WORK/ssrd.sock" >"$WORK/serve.log" 2>&1 &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
for _ in $(seq 1 300); do curl -sf -o /dev/null "$url/" && break; sleep 0.1; done

get() { curl -s -o "$WORK/body" -w '%{http_code}' "$url$1"; }
# until SECONDS CMD...: retries CMD every 0.1 s until it succeeds or time runs out.
until_ok() {
  local deadline=$((SECONDS + $1))
  shift
  while ! "$@"; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.1
  done
}
body_has() { [ "$(get "$1")" = "$2" ] && grep -q "$3" "$WORK/body"; }

check "serves /products" body_has /products 200 '<h1>Products</h1>'
get /about >/dev/null
cp "$WORK/body" "$WORK/about.html"

sed -i 's/: "Products"}/: "All products"}/' "$WORK/site/app/products/page.jsx"
check "a changed page is served within seconds" until_ok 10 body_has /products 200 '<h1>All products</h1>'
check "the log shows generation 2" grep -q 'event=site_reloaded .*generation=2' "$WORK/serve.log"
check "only the page was rebuilt" grep -q 'layer_stale name=page:.*app/products/page.jsx' "$WORK/serve.log"
check "the shell came from the cache" grep -q 'event=layer name=shell:.* source=cache' "$WORK/serve.log"
curl -s "$url/about" | page_only >"$WORK/about2.page"
page_only <"$WORK/about.html" >"$WORK/about.page"
check "other routes are unchanged (the browser bundle's URL aside)" cmp -s "$WORK/about2.page" "$WORK/about.page"

printf 'export default function About() {\n  return <p>broken;\n}\n' >"$WORK/site/app/about/page.jsx"
check "a broken page fails its own route" until_ok 10 body_has /about 500 ''
check "the build error is logged with file and line" grep -q 'page_build_failed route=/about .*app/about/page.jsx:2:' "$WORK/serve.log"
check "every other route keeps serving" body_has /products 200 '<h1>All products</h1>'
check "and the home page" body_has / 200 '<!DOCTYPE html>'

printf 'export default function About() {\n  return <p>fixed</p>;\n}\n' >"$WORK/site/app/about/page.jsx"
check "the fixed page serves again" until_ok 10 body_has /about 200 '<p>fixed</p>'

mkdir -p "$WORK/site/app/fresh"
printf 'export default function Fresh() {\n  return <p>brand new</p>;\n}\n' >"$WORK/site/app/fresh/page.jsx"
check "a new route appears" until_ok 10 body_has /fresh 200 'brand new'

cp "$WORK/site/app/layout.jsx" "$WORK/layout.jsx"
printf 'export default function Layout( {\n' >"$WORK/site/app/layout.jsx"
check "a broken shell is reported" until_ok 10 grep -q 'event=site_reload_failed' "$WORK/serve.log"
check "and the last good build keeps serving" body_has /products 200 '<h1>All products</h1>'
cp "$WORK/layout.jsx" "$WORK/site/app/layout.jsx"
check "the mended shell serves" until_ok 10 body_has /fresh 200 'brand new'

kill -TERM $pid
wait $pid
check "SIGTERM stops it with exit 0" [ $? = 0 ]
finish
