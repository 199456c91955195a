#!/usr/bin/env bash
# e2e: bad HTTP input. Oversized URLs and headers are cut off, path traversal in every spelling
# reaches nothing, unknown methods get 405 with Allow, and slow clients holding half-sent
# requests do not keep anyone else waiting; the daemon serves on through all of it.
. "$(dirname "$0")/lib.sh"
port=$(free_port)
url="http://127.0.0.1:$port"
"$SSRD" serve --http "$url" --ipc "ipc://$WORK/ssrd.sock" --workers 1 --watch-ms 0 --cache-dir "$WORK/cache" \
  >"$WORK/serve.log" 2>&1 &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
for _ in $(seq 1 600); do curl -sf -o /dev/null "$url/healthz" && break; sleep 0.1; done
alive() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/about")" = 200 ]; }
status() { curl -s --path-as-is -o "$WORK/body" -w '%{http_code}' "$@"; }

long=$(head -c 100000 /dev/zero | tr '\0' 'a')
code=$(status "$url/$long")
check "a 100 KB URL gets no page ($code: cut off or refused)" sh -c "[ '$code' != 200 ]"
check "and the daemon serves on" alive
code=$(status -H "X-Big: $long" "$url/")
check "a 100 KB header gets no page ($code)" sh -c "[ '$code' != 200 ]"
check "and the daemon serves on" alive

for p in "/../etc/passwd" "/%2e%2e/etc/passwd" "/%2E%2E/%2E%2E/etc/passwd" "/products/%2e%2e/%2e%2e/etc/passwd" \
  "/public/../../../etc/passwd" "/public/%2e%2e/%2e%2e/%2e%2e/etc/passwd" "/public/..%2f..%2f..%2fetc/passwd" \
  "/public/....//....//etc/passwd" "/./about" "//etc/passwd"; do
  code=$(status "$url$p")
  check "traversal $p: $code, nothing from outside" sh -c "[ '$code' -ge 400 ] && ! grep -q 'root:' '$WORK/body'"
done
check "a file under public/ is still served" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$url/public/quotes.json')\" = 200 ]"

for m in POST PUT DELETE PATCH OPTIONS FOO; do
  code=$(curl -s -o /dev/null -D "$WORK/h" -w '%{http_code}' -X "$m" "$url/")
  check "method $m: $code with Allow: GET, HEAD" sh -c "[ '$code' = 405 ] && grep -qi '^allow: GET, HEAD' '$WORK/h'"
done

# 50 slow clients, each with half a request sent, held open
fds=()
for _ in $(seq 1 50); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET /products HTTP/1.1\r\nHost: slow\r\nX-Slow: ' >&"$fd"
  fds+=("$fd")
done
start=$(date +%s%N)
ok_n=0
for i in $(seq 1 20); do
  [ "$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$url/products/$i")" = 200 ] && ok_n=$((ok_n + 1))
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "with 50 slow clients hanging, 20 of 20 others are served ($ok_n, in $ms ms)" [ "$ok_n" = 20 ]
for fd in "${fds[@]}"; do exec {fd}>&-; done
check "and the daemon serves on after they leave" alive
kill -TERM $pid
wait $pid
check "SIGTERM stops it with exit 0" [ "$?" = 0 ]
finish
