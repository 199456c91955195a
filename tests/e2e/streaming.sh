#!/usr/bin/env bash
# e2e: streaming renders on the event loop, over HTTP and through `ssrd render`: the shell
# before the data, boundaries in order of resolution, React's features, errors in and out of
# boundaries, stall and timeout limits, console capture, and the host bridge with its refusals.
. "$(dirname "$0")/lib.sh"
cp -r "$SRC/tests/fixtures/streamsite" "$WORK/site"
sqlite3 "$WORK/site/data/t.sqlite" "create table t (id integer primary key, name text); insert into t (name) values ('alpha'), ('beta');"
ln -s /etc "$WORK/site/data/etc-link"
# /order's data: slow 600 ms, fast 300 ms (wide apart, for a noisy machine)
sed -i 's/slow = 300, fast = 100/slow = 600, fast = 300/' "$WORK/site/app/order/page.jsx"
port=$(free_port)
url="http://127.0.0.1:$port"
cat >"$WORK/ssrd.conf" <<CONF
[server]
workers = 1
http = $url
ipc = ipc://$WORK/ssrd.sock
# streaming is what this test looks at: no response cache
cache_ttl = 0
[site]
site = $WORK/site
watch_ms = 0
[render]
streaming_stall_ms = 500
render_timeout_ms = 3000
[host]
databases = ro=data/t.sqlite, rw=data/t.sqlite:rw
fetch_allow = 127.0.0.1:$port
env_allow = SSRD_T_OK
[cache]
cache_dir = $WORK/cache
CONF
export SSRD_T_OK=granted
"$SSRD" serve --config "$WORK/ssrd.conf" >"$WORK/serve.log" 2>&1 &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
for _ in $(seq 1 600); do
  curl -sf -o /dev/null "$url/" && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
check "the server answers" curl -sf -o /dev/null "$url/"
curl -sf -o /dev/null "$url/" || { echo "--- the daemon did not answer; its log:"; tail -20 "$WORK/serve.log"; }

# get PATH: body in $WORK/body, "code ttfb total" in $WORK/t
get() { curl -s -o "$WORK/body" -D "$WORK/headers" -w '%{http_code} %{time_starttransfer} %{time_total}' "$url$1" >"$WORK/t"; }
code() { cut -d' ' -f1 "$WORK/t"; }
ttfb() { cut -d' ' -f2 "$WORK/t"; }
total() { cut -d' ' -f3 "$WORK/t"; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
pos() { grep -bo -- "$1" "$WORK/body" | head -1 | cut -d: -f1; }
body_has() { if grep -qF -- "$1" "$WORK/body"; then ok "$2"; else not_ok "$2: body lacks $1"; fi; }
log_has() { if grep -qF -- "$1" "$WORK/serve.log"; then ok "$2"; else not_ok "$2: log lacks $1"; fi; }

# --- a page that does not suspend comes whole: sized, on a connection kept open ---
curl -s -D "$WORK/h2" -o "$WORK/b2" -o "$WORK/b3" -w '%{num_connects} ' "$url/" "$url/" >"$WORK/conns"
check "a page that does not suspend is sized ($(grep -i '^content-length' "$WORK/h2" | head -1 | tr -d '\r'))" \
  sh -c "grep -qi '^content-length: $(wc -c <"$WORK/b2")' '$WORK/h2' && ! grep -qi '^transfer-encoding' '$WORK/h2'"
check "and its connection is kept for the next request (connects: $(cat "$WORK/conns"))" [ "$(cat "$WORK/conns")" = "1 0 " ]
check "both got the page" sh -c "grep -q 'stream fixture home' '$WORK/b2' && cmp -s '$WORK/b2' '$WORK/b3'"
curl -s -I "$url/" >"$WORK/hh"
check "HEAD says the GET's Content-Length ($(grep -i '^content-length' "$WORK/hh" | tr -d '\r'))" \
  grep -qi "^content-length: $(wc -c <"$WORK/b2")" "$WORK/hh"
curl -s -H 'Accept-Encoding: gzip' -D "$WORK/hz" -o "$WORK/bz" "$url/"
check "gzip'd when asked, and sized" sh -c "grep -qi '^content-encoding: gzip' '$WORK/hz' && grep -qi '^content-length: $(wc -c <"$WORK/bz")' '$WORK/hz' && gunzip -c '$WORK/bz' | cmp -s - '$WORK/b2'"
curl -s -H 'Accept-Encoding: br' -D "$WORK/hb" -o "$WORK/bb" "$url/"
check "in brotli when asked, and sized" sh -c "grep -qi '^content-encoding: br' '$WORK/hb' && grep -qi '^content-length: $(wc -c <"$WORK/bb")' '$WORK/hb' && unbrotli '$WORK/bb' | cmp -s - '$WORK/b2'"

# --- the shell first, boundaries in order of resolution (slow 600 ms, fast 300 ms) ---
get /order
check "/order is 200" [ "$(code)" = 200 ]
check "streamed: chunked, x-accel-buffering: no" sh -c "grep -qi '^transfer-encoding: chunked' '$WORK/headers' && grep -qi '^x-accel-buffering: no' '$WORK/headers'"
check "first byte ($(ttfb) s) came before the fast data (0.3 s)" lt "$(ttfb)" 0.25
curl -s -I "$url/order" >"$WORK/hh"
check "HEAD of a page that streams waits for it and says its length ($(grep -i '^content-length' "$WORK/hh" | tr -d '\r'))" \
  sh -c "grep -qi '^content-length: $(wc -c <"$WORK/body")' '$WORK/hh' && ! grep -qi '^transfer-encoding' '$WORK/hh'"
check "the last byte ($(total) s) waited for the slow data (0.6 s)" lt 0.59 "$(total)"
check "the shell comes first" lt "$(pos SHELL-READY)" "$(pos FAST-CONTENT)"
check "FAST streamed before SLOW although SLOW is first in the page" lt "$(pos FAST-CONTENT)" "$(pos SLOW-CONTENT)"
check "the shell held both fallbacks" sh -c "grep -q slow-fallback '$WORK/body' && grep -q fast-fallback '$WORK/body'"

# --- what a page gets from the request: the query string and the passed headers ---
curl -s -H 'Accept-Language: fr' -H 'X-Secret: nope' "$url/echo?x=1&y=a+b%21" -o "$WORK/body"
check "the query and Accept-Language reach the page as props" grep -qF \
  '{&quot;query&quot;:{&quot;x&quot;:&quot;1&quot;,&quot;y&quot;:&quot;a b!&quot;},&quot;headers&quot;:{&quot;accept-language&quot;:&quot;fr&quot;}}' "$WORK/body"
check "headers config does not pass are not there" sh -c "! grep -qi 'x-secret' '$WORK/body'"
curl -s -D "$WORK/h2" -o /dev/null "$url/echo"
for h in 'x-content-type-options: nosniff' 'x-frame-options: SAMEORIGIN' 'referrer-policy: strict-origin-when-cross-origin'; do
  check "security header: $h" grep -qi "^$h" "$WORK/h2"
done
check "/healthz answers ok" sh -c "[ \"\$(curl -s '$url/healthz')\" = ok ]"
check "/readyz answers ready" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$url/readyz')\" = 200 ]"

# --- a path with no route: the site's not-found page, status 404 ---
get '/no/such/page?from=test'
check "an unknown path is a 404 ($(code))" [ "$(code)" = 404 ]
body_has 'NOT-FOUND-PAGE' "with the site's not-found page"
body_has '(from test)' "which got the request's query"
body_has '<title>stream fixture /no/such/page</title>' "inside the layout"

# --- React features ---
get /features
check "/features is 200" [ "$(code)" = 200 ]
body_has 'theme=<!-- -->dark' "context reaches the consumer"
body_has 'LAZY-LOADED' "React.lazy resolves on the server"
body_has 'USED-VALUE' "use(promise) resolves"
body_has '<title>stream fixture /features</title>' "<head> content comes from the layout"
body_has '<meta name="fixture" content="streamsite"/>' "the layout's meta tag is there"
ids=$(grep -o '<label for="[^"]*"' "$WORK/body" | sed 's/.*for="//; s/"$//')
check "useId gives two distinct ids" [ "$(echo "$ids" | sort -u | wc -l)" = 2 ]
for id in $ids; do
  check "useId: label for=$id matches an input" grep -qF "<input id=\"$id\"" "$WORK/body"
done

# --- errors inside a boundary, and in the shell ---
get /boundary
check "a boundary that throws still streams the page (200)" [ "$(code)" = 200 ]
body_has 'BOUNDARY-SHELL' "the shell is there"
body_has '<!--$!-->' "the failed boundary is left to the client"
sleep 0.2
log_has 'event=render_boundary_error' "onError is logged"
log_has 'EXPLODER-FAILED in the boundary' "with the error"
check "and the component stack naming the component" grep -q 'render_boundary_error.*component_stack=.*at Exploder' "$WORK/serve.log"
get /shellboom
check "a shell that throws is a 500" [ "$(code)" = 500 ]
check "and no stack reaches the visitor" sh -c "! grep -q SHELL-FAILED '$WORK/body'"
sleep 0.2
check "the log has the error with its source position" grep -q 'render_failed.*error=render_error.*SHELL-FAILED before any output.*app/shellboom/page.jsx:3' "$WORK/serve.log"

# --- stall and timeout: the render ends, the worker and other requests go on ---
curl -s -o "$WORK/stall.body" -w '%{http_code} %{time_total}' "$url/stall" >"$WORK/stall.t" &
spid=$!
sleep 0.05
get /order
wait $spid
check "while one render stalled, another streamed in full" grep -q SLOW-CONTENT "$WORK/body"
check "the stalled render was ended after streaming_stall_ms" sh -c "awk '{ exit !(\$1 == 200 && \$2 > 0.45 && \$2 < 2.5) }' '$WORK/stall.t'"
check "its shell and fallback were sent" sh -c "grep -q STALL-SHELL '$WORK/stall.body' && grep -q STALL-FALLBACK '$WORK/stall.body'"
check "the response ends cleanly (closing html)" grep -q '</html>' "$WORK/stall.body"
sleep 0.2
check "the log names the stall" grep -q 'render_failed.*path=/stall error=timeout.*streaming_stall_ms' "$WORK/serve.log"
# a client that goes away mid-stream cancels its render at once (not at the stall limit)
curl -s -o /dev/null --max-time 0.2 "$url/stall?gone=1" || true
sleep 0.15
check "a client that hangs up cancels its render (error=closed, not timeout)" \
  grep -q 'render_failed.*path=/stall error=closed .*the caller cancelled the render' "$WORK/serve.log"
get /hang
check "a shell that never resolves is a 504 ($(code))" [ "$(code)" = 504 ]
check "after the stall limit ($(total) s)" lt 0.45 "$(total)"
get /features
check "the worker still serves after all that" [ "$(code)" = 200 ]

# --- the host bridge, through pages (ssrd render, with props) ---
R() { "$SSRD" render-local "$@" --config "$WORK/ssrd.conf" --cache-dir "$WORK/cache2" >"$WORK/out" 2>"$WORK/err"; }
host() { # CALLS_JSON [FLAGS...]: runs them in /host, leaves the results in $WORK/results
  local calls=$1
  shift
  R /host --props "{\"calls\": $calls}" "$@"
  sed -n 's/.*<pre id="results">\(.*\)<\/pre>.*/\1/p' "$WORK/out" | sed 's/&quot;/"/g; s/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g' >"$WORK/results"
}
result_has() { if grep -qF -- "$1" "$WORK/results"; then ok "$2"; else not_ok "$2: results lack $1: $(head -c 400 "$WORK/results")"; fi; }
host '[["files.read", "data/note.txt"], ["files.list", "data"]]'
result_has '"value":"a file under the root\n"' "files.read reads under the root"
result_has '"name":"note.txt","type":"file"' "files.list lists a directory"
host '[["files.read", "../../etc/passwd"], ["files.read", "/etc/passwd"], ["files.read", "data/etc-link/passwd"], ["files.list", "data/etc-link"]]'
result_has 'files.read: \"../../etc/passwd\" is outside the site root' "refused: a .. escape"
result_has 'files.read: \"/etc/passwd\" is an absolute path' "refused: an absolute path"
result_has 'files.read: \"data/etc-link/passwd\" is outside the site root (a symlink leads out)' "refused: a symlink out of the root"
result_has 'files.list: \"data/etc-link\" is outside the site root' "refused: listing through a symlink"
host '[["db.query", "ro", "select id, name from t where id = ?", [2]], ["db.query", "ro", "insert into t (name) values (?)", ["x"]], ["db.query", "rw", "insert into t (name) values (?)", ["gamma"]], ["db.query", "nope", "select 1"]]'
result_has '"value":[{"id":2,"name":"beta"}]' "db.query: a parameterised select"
result_has 'db.query: database \"ro\" is read-only; a write needs NAME=PATH:rw' "refused: a write on a read-only database"
result_has '"value":{"changes":1,"lastInsertRowid":3}' "a write on a :rw database"
result_has 'db.query: no database \"nope\"' "refused: a database config did not name"
check "the read-only refusal wrote nothing" [ "$(sqlite3 "$WORK/site/data/t.sqlite" "select count(*) from t where name = 'x'")" = 0 ]
host "[[\"env.get\", \"SSRD_T_OK\"], [\"env.get\", \"HOME\"], [\"fetch\", \"$url/public/hello.txt\"], [\"fetch\", \"http://10.9.8.7/\"], [\"fetch\", \"https://127.0.0.1:$port/\"]]"
result_has '"value":"granted"' "env.get reads an allowlisted variable"
result_has 'env.get: \"HOME\" is not in env_allow' "refused: a variable not on the allowlist"
result_has '"value":{"status":200,"body":"hello from the site root\n"}' "fetch reaches an allowlisted host (ssrd's own /public)"
result_has 'fetch: host \"10.9.8.7:80\" is not in fetch_allow' "refused: a host not on the allowlist"
result_has 'fetch: https is not supported' "refused: https"

# --- console capture: each line with its render's id, across timers and host calls ---
R /console --props '{"tag": "T42", "ms": 30}' --log-level info
check "the console page renders" grep -q '<p id="done">T42</p>' "$WORK/out"
for line in 'event=console render=1 .*msg="start T42"' 'level=warn event=console render=1 .*msg="after-timer T42"' 'event=page_log render=1 .*msg="after-host T42 tag=T42"'; do
  check "logged with the render's id: $line" grep -q "$line" "$WORK/err"
done

# --- the other isolation modes stream, log and reach the host the same way ---
for iso in page request; do
  R /order --isolation "$iso" --props '{"slow": 60, "fast": 20}'
  f=$(grep -bo FAST-CONTENT "$WORK/out" | head -1 | cut -d: -f1)
  s=$(grep -bo SLOW-CONTENT "$WORK/out" | head -1 | cut -d: -f1)
  check "isolation = $iso: both boundaries streamed, fast first ($f < $s)" lt "${f:-x}" "${s:-0}"
  host '[["env.get", "SSRD_T_OK"], ["files.read", "../x"]]' --isolation "$iso"
  result_has '"value":"granted"' "isolation = $iso: host calls settle"
  result_has 'is outside the site root' "isolation = $iso: and refuse"
  R /console --isolation "$iso" --props '{"tag": "ISO", "ms": 5}' --log-level info
  check "isolation = $iso: console lines carry the render's id" grep -q 'event=page_log render=1 .*after-host ISO' "$WORK/err"
done

# --- streaming off: renderToString, no event loop ---
R /order --streaming 0
check "streaming = 0 renders synchronously: fallbacks, no data" sh -c "grep -q slow-fallback '$WORK/out' && ! grep -q FAST-CONTENT '$WORK/out'"

kill -TERM $pid
wait $pid
check "SIGTERM stops it with exit 0" [ "$?" = 0 ]
finish
