#!/usr/bin/env bash
# e2e: hydration. Pages served over HTTP load the site's browser bundle (built by esbuild, under
# a URL naming its content, cached for good) with their props embedded safely; headless Chromium
# (Debian's, driven by playwright-core) clicks the demo's counter and sees it count, with no
# hydration mismatch or error, also on pages whose data came from the host bridge.
. "$(dirname "$0")/lib.sh"
command -v chromium >/dev/null || { not_ok "chromium is not installed (tools/deps.sh --tests installs it)"; finish; exit 1; }
port=$(free_port)
url="http://127.0.0.1:$port"
"$SSRD" serve --http "$url" --ipc "ipc://$WORK/ssrd.sock" --workers 2 --watch-ms 0 --cache-dir "$WORK/cache" \
  >"$WORK/serve.log" 2>&1 &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
for _ in $(seq 1 600); do curl -sf -o /dev/null "$url/healthz" && break; sleep 0.1; done
check "the server answers" curl -sf -o /dev/null "$url/healthz"

curl -s "$url/" >"$WORK/home.html"
bundle=$(grep -o '/_ssrd/client-[0-9a-f]\{16\}\.js' "$WORK/home.html" | head -1)
check "the page loads the site's bundle ($bundle)" [ -n "$bundle" ]
check "with its props embedded for it" grep -q 'window.__SSRD__={"page":"app/page.jsx","path":"/"' "$WORK/home.html"
curl -s -D "$WORK/h" -o "$WORK/bundle.js" "$url$bundle"
check "the bundle is served, cached for good" grep -qi '^cache-control: public, max-age=31536000, immutable' "$WORK/h"
check "and holds React's hydrateRoot" grep -q 'hydrateRoot\|hydrate' "$WORK/bundle.js"
check "a bundle URL naming other content is a 404" [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/_ssrd/client-0000000000000000.js")" = 404 ]

# props cannot close the script they are embedded in
curl -s "$url/?evil=%3C/script%3E%3Cscript%3Ealert(1)%3C/script%3E" >"$WORK/evil.html"
check "a prop holding </script><script> stays inside its script" sh -c "! grep -q '</script><script>alert(1)' '$WORK/evil.html' && grep -q 'u003c/script' '$WORK/evil.html'"

export SSRD_JS_DIR="$SRC/js"
node "$SRC/tests/e2e/hydrate.mjs" "$url/" >"$WORK/r1" 2>&1
check "Chromium: the counter counts after hydration, no mismatch ($(cut -c1-200 "$WORK/r1"))" \
  grep -q '"before":"Clicked 0 times","after":"Clicked 1 time","clicks_to_count":true,"after_two":"Clicked 2 times"' "$WORK/r1"
check "and nothing went wrong in the page" grep -q '"errors":\[\],"console":\[\]' "$WORK/r1"
node "$SRC/tests/e2e/hydrate.mjs" "$url/?evil=%3C/script%3E%3Cscript%3Ealert(1)%3C/script%3E" >"$WORK/r2" 2>&1
check "Chromium: the same with the hostile prop ($(cut -c1-120 "$WORK/r2"))" grep -q '"clicks_to_count":true' "$WORK/r2"
for page in /blog /blog/escaping /slow /products/7; do
  node "$SRC/tests/e2e/hydrate.mjs" "$url$page" --load-only >"$WORK/r3" 2>&1
  check "Chromium: $page loads and hydrates without an error ($(cut -c1-160 "$WORK/r3"))" \
    sh -c "grep -q '\"status\":200' '$WORK/r3' && grep -q '\"mismatch\":\[\]' '$WORK/r3'"
done

# A page that does not suspend comes whole from renderToString with streaming = 1 (the default):
# byte for byte what React's streaming renderer sends with its bootstrap scripts (streaming = 2).
port2=$(free_port)
"$SSRD" serve --http "http://127.0.0.1:$port2" --ipc "" --workers 1 --watch-ms 0 --cache-dir "$WORK/cache-s2" \
  --streaming 2 >"$WORK/serve2.log" 2>&1 &
pid2=$!
cleanup_hooks+=("kill $pid2 2>/dev/null")
for _ in $(seq 1 600); do curl -sf -o /dev/null "http://127.0.0.1:$port2/healthz" && break; sleep 0.1; done
for page in / /about /products /products/7 /blog /blog/escaping /nope "/?evil=%3C/script%3E"; do
  curl -s "$url$page" >"$WORK/s1.html"
  curl -s "http://127.0.0.1:$port2$page" >"$WORK/s2.html"
  check "$page: renderToString's page is the streaming renderer's, bootstrap scripts and all ($(wc -c <"$WORK/s1.html") bytes)" \
    sh -c "grep -q '<script id=\"_R_\">window.__SSRD__=' '$WORK/s1.html' && cmp -s '$WORK/s1.html' '$WORK/s2.html'"
done
kill $pid2

kill -TERM $pid
wait $pid
check "SIGTERM stops it with exit 0" [ "$?" = 0 ]

# client-rendered fallback: a route whose server render fails is sent for the browser to render
cp -r "$SRC/tests/fixtures/streamsite" "$WORK/site"
port=$(free_port)
url="http://127.0.0.1:$port"
"$SSRD" serve --site "$WORK/site" --http "$url" --ipc "ipc://$WORK/fb.sock" --workers 1 --watch-ms 0 \
  --cache-dir "$WORK/cache2" --client-fallback '/flaky, /hang' --streaming-stall-ms 300 >"$WORK/serve.log" 2>&1 &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
for _ in $(seq 1 600); do curl -sf -o /dev/null "$url/healthz" && break; sleep 0.1; done
curl -s -D "$WORK/h" -o "$WORK/b" "$url/flaky?who=%3C/script%3E"
check "a failed render of a fallback route is a 200 left to the browser" sh -c "grep -q '^HTTP/1.1 200' '$WORK/h' && grep -qi '^x-ssrd-fallback: render_error' '$WORK/h'"
check "with the props and the bundle, and no prop can close the script" sh -c "grep -q '\"fallback\":true' '$WORK/b' && grep -q '/_ssrd/client-' '$WORK/b' && ! grep -q '</script>\"' '$WORK/b'"
check "and the failure is logged" grep -q 'render_failed .*path=/flaky error=render_error .*FLAKY-SERVER-FAILURE' "$WORK/serve.log"
check "a render that times out before any output falls back too" sh -c "curl -s -D - -o /dev/null '$url/hang' | grep -qi '^x-ssrd-fallback: timeout'"
check "a route not listed still fails plainly (500)" [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/shellboom")" = 500 ]
node "$SRC/tests/e2e/hydrate.mjs" "$url/flaky" --wait '#flaky' >"$WORK/r4" 2>&1
check "Chromium renders the fallback page itself ($(cut -c1-200 "$WORK/r4"))" grep -q '"text":"rendered in the browser for nobody"' "$WORK/r4"
kill -TERM $pid
wait $pid

# and a render refused for overload: one worker, one render at a time, a queue of one
port=$(free_port)
url="http://127.0.0.1:$port"
"$SSRD" serve --site "$WORK/site" --http "$url" --ipc "ipc://$WORK/ov.sock" --workers 1 --watch-ms 0 \
  --cache-dir "$WORK/cache2" --client-fallback '*' --worker-renders 1 --queue-max 1 >"$WORK/serve.log" 2>&1 &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
for _ in $(seq 1 600); do curl -sf -o /dev/null "$url/healthz" && break; sleep 0.1; done
seq 1 6 | xargs -P 6 -I{} sh -c "curl -s -D - -o /dev/null '$url/order?i={}' | tr -d '\r' | grep -i '^x-ssrd-fallback' || echo rendered" >"$WORK/flood"
n_fb=$(grep -c 'overloaded' "$WORK/flood")
check "6 at once on a queue of one: $n_fb refused ones left to the browser (x-ssrd-fallback: overloaded)" [ "$n_fb" -ge 3 ]
kill -TERM $pid
wait $pid
finish
