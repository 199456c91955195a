#!/usr/bin/env bash
# e2e: README command 1 (tools/serve-demo.sh) builds and serves the demo; pages come back over HTTP.
. "$(dirname "$0")/lib.sh"
port=$(free_port)
url="http://127.0.0.1:$port"
export SSRD_BUILD_DIR=$(dirname "$SSRD")
bash "$SRC/tools/serve-demo.sh" --http "$url" --ipc "ipc://$WORK/ssrd.sock" --workers 2 --cache-dir "$WORK/cache" >"$WORK/serve.log" 2>&1 &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
for _ in $(seq 1 600); do
  curl -sf -o /dev/null "$url/" && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
check "the server answers" curl -sf -o /dev/null "$url/"
curl -sf -o /dev/null "$url/" || { echo "--- the daemon did not answer; its log:"; tail -20 "$WORK/serve.log"; }

status() { curl -s -o "$WORK/body" -w '%{http_code}' -X "$1" "$url$2"; }
check "GET / is 200" [ "$(status GET /)" = 200 ]
check "GET /products is 200" [ "$(status GET /products)" = 200 ]
"$SSRD" render-local /products --cache-dir "$WORK/cache2" >"$WORK/cli.html" 2>/dev/null
page_only <"$WORK/body" >"$WORK/body.page" # HTTP also loads the browser bundle
check "HTTP body is ssrd render-local's page, with the browser bundle added" cmp -s "$WORK/body.page" "$WORK/cli.html"
"$SSRD" render /products --connect "ipc://$WORK/ssrd.sock" >"$WORK/client.html" 2>/dev/null
check "and ssrd render's, through the same daemon" cmp -s "$WORK/body.page" "$WORK/client.html"
check "GET /products/7 is 200" [ "$(status GET /products/7)" = 200 ]
check "content type is HTML" sh -c "curl -sI '$url/' | grep -qi '^content-type: text/html; charset=utf-8'"
check "GET /nope is 404" [ "$(status GET /nope)" = 404 ]
check "GET /../etc/passwd is not 200" [ "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$url/../etc/passwd")" != 200 ]
check "POST / is 405" [ "$(status POST /)" = 405 ]
check "405 names the allowed methods" sh -c "curl -s -D - -o /dev/null -X POST '$url/' | grep -qi '^allow: GET, HEAD'"
check "HEAD / is 200 with no body" sh -c "[ \"\$(curl -s -I -o /dev/null -w '%{http_code}:%{size_download}' '$url/')\" = 200:0 ]"

# 40 concurrent requests all succeed.
seq 1 40 | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' "$url/products/{}" >"$WORK/codes"
check "40 concurrent requests all 200" [ "$(grep -c '^200$' "$WORK/codes")" = 40 ]

kill -TERM $pid
wait $pid
rc=$?
check "SIGTERM stops it with exit 0" [ "$rc" = 0 ]
check "the log says it listened and stopped" sh -c "grep -q 'event=listening' '$WORK/serve.log' && grep -q 'event=stopped' '$WORK/serve.log'"
finish
