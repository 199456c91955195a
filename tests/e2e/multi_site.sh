#!/usr/bin/env bash
# e2e: one daemon serves several sites, chosen by the Host header; with isolation = site each
# site has its own warm context in each worker, never shared with another site.
. "$(dirname "$0")/lib.sh"
port=$(free_port)
url="http://127.0.0.1:$port"
cp -r "$SRC/tests/fixtures/errsite" "$WORK/a"
cp -r "$SRC/tests/fixtures/errsite" "$WORK/b"
cat >"$WORK/ssrd.conf" <<CONF
[server]
workers = 1
http = "$url"
ipc = "ipc://$WORK/ssrd.sock"
# the pages count their renders: every request must render
cache_ttl = 0

[site]
site = a.test=$WORK/a, b.test=$WORK/b, demo.test=$SRC/js/demo
watch_ms = 0

[cache]
cache_dir = $WORK/cache
CONF
"$SSRD" serve --config "$WORK/ssrd.conf" >"$WORK/serve.log" 2>&1 &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
for _ in $(seq 1 300); do curl -sf -o /dev/null "$url/" && break; sleep 0.1; done

get() { curl -s -o "$WORK/body" -w '%{http_code}' -H "Host: $1" "$url$2"; }
has() { grep -q "$1" "$WORK/body"; }

check "site a renders" [ "$(get a.test /leak)" = 200 ]
check "site a's first render" has 'renders <!-- -->1'
get a.test /leak >/dev/null
check "site a keeps its warm context" has 'renders <!-- -->2'
get b.test /leak >/dev/null
check "site b has a context of its own" has 'renders <!-- -->1'
check "the demo answers its host, port ignored" [ "$(get demo.test:8080 /products)" = 200 ]
check "with the demo's page" has '<h1>Products</h1>'
check "an unknown host gets the first site" [ "$(get other.test /leak)" = 200 ]
check "which is site a" has 'renders <!-- -->3'
check "routes are per site: b has no /products" [ "$(get b.test /products)" = 404 ]
check "the log names each host" sh -c "grep -q 'event=listening .*host=b.test' '$WORK/serve.log' && grep -q 'host=demo.test' '$WORK/serve.log'"
check "the workers started a context per site" grep -q 'event=worker_ready worker=0 sites=3' "$WORK/serve.log"

"$SSRD" routes --config "$WORK/ssrd.conf" >"$WORK/routes" 2>&1
check "ssrd routes lists every site" sh -c "grep -q '^# b.test ' '$WORK/routes' && grep -q '^/products/:id ' '$WORK/routes'"
expect_exit 2 "a malformed site list" -- "$SSRD" config --site 'a b=/x'
stderr_has 'the host must be a plain name'

kill -TERM $pid
wait $pid
check "SIGTERM stops it with exit 0" [ $? = 0 ]
finish
