#!/usr/bin/env bash
# e2e: the HTTP response cache: a miss is sent (whole, or streamed when it suspends) and fills it, a hit comes from memory with an
# ETag (304 on If-None-Match) and gzip when asked (compressed once), a stale page is served
# while one request renders it again, pages opt out or set their own lifetimes, the size bound
# evicts the least recently used, and different Vary values are kept apart. Also /metrics (behind
# the admin token) and the log as JSON lines with a timing line per reply.
. "$(dirname "$0")/lib.sh"
cp -r "$SRC/tests/fixtures/streamsite" "$WORK/site"
port=$(free_port)
url="http://127.0.0.1:$port"
"$SSRD" serve --site "$WORK/site" --http "$url" --ipc "ipc://$WORK/ssrd.sock" --workers 2 --watch-ms 0 \
  --cache-dir "$WORK/cache" --cache-ttl 2 --cache-swr 3 --cache-mb 1 \
  --admin-token 'tok en"1' --log-format json --timing-log info >"$WORK/serve.log" 2>&1 &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
for _ in $(seq 1 600); do
  curl -sf -o /dev/null "$url/healthz" && break
  sleep 0.1
done
check "the server answers" curl -sf -o /dev/null "$url/healthz"
curl -sf -o /dev/null "$url/healthz" || { echo "--- the daemon did not answer; its log:"; tail -20 "$WORK/serve.log"; }

get() { # PATH [CURL ARGS...]: headers in $WORK/h, body in $WORK/b, status in $WORK/code
  local path=$1
  shift
  rm -f "$WORK/h" "$WORK/b" # curl writes no body file for a reply without one
  curl -s -D "$WORK/h" -o "$WORK/b" -w '%{http_code}' "$@" "$url$path" >"$WORK/code"
}
hdr() { grep -i "^$1:" "$WORK/h" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
cache_state() { hdr x-ssrd-cache; }

get /echo --data-urlencode x=1 -G
cp "$WORK/b" "$WORK/first"
check "a first request is a miss ($(cache_state)), sent whole: the page does not suspend" \
  sh -c "[ '$(cache_state)' = miss ] && [ '$(hdr content-length)' = $(wc -c <"$WORK/first") ] && ! grep -qi '^transfer-encoding' '$WORK/h'"
check "on a connection that stays open ($(hdr connection))" [ "$(hdr connection)" != close ]
check "it says how long it may be kept: $(hdr cache-control)" [ "$(hdr cache-control)" = "public, max-age=2, stale-while-revalidate=3" ]
check "and what it varies with: $(hdr vary)" [ "$(hdr vary)" = "Accept-Encoding, accept-language" ]
get /echo --data-urlencode x=1 -G
check "the next is a hit ($(cache_state))" [ "$(cache_state)" = hit ]
check "with the very same body" cmp -s "$WORK/b" "$WORK/first"
etag=$(hdr etag)
check "and an ETag ($etag)" sh -c "echo '$etag' | grep -qE '^\"[0-9a-f]{16}\"$'"
get /echo --data-urlencode x=1 -G -H "If-None-Match: $etag"
check "If-None-Match with it: 304 ($(cat "$WORK/code")), no body" sh -c "[ '$(cat "$WORK/code")' = 304 ] && [ ! -s '$WORK/b' ]"
get /echo --data-urlencode x=1 -G -H 'Accept-Encoding: gzip'
check "gzip when asked: Content-Encoding $(hdr content-encoding), ETag $(hdr etag)" sh -c "[ '$(hdr content-encoding)' = gzip ] && [ '$(hdr etag)' != '$etag' ]"
check "which unzips to the same page" sh -c "gunzip -c '$WORK/b' | cmp -s - '$WORK/first'"
get /echo --data-urlencode x=1 -G -H 'Accept-Encoding: gzip;q=0'
check "gzip;q=0 refuses it" [ -z "$(hdr content-encoding)" ]
gz_etag=$(hdr etag)
get /echo --data-urlencode x=1 -G -H 'Accept-Encoding: gzip, deflate, br'
check "brotli when the client takes it as well as gzip: Content-Encoding $(hdr content-encoding), ETag $(hdr etag)" \
  sh -c "[ '$(hdr content-encoding)' = br ] && [ '$(hdr etag)' != '$etag' ] && [ '$(hdr etag)' != '$gz_etag' ]"
check "which decodes to the same page" sh -c "unbrotli '$WORK/b' | cmp -s - '$WORK/first'"
br_etag=$(hdr etag)
get /echo --data-urlencode x=1 -G -H 'Accept-Encoding: br;q=0.5, gzip;q=0.9'
check "the client's q-values choose (gzip at 0.9 over br at 0.5: $(hdr content-encoding))" [ "$(hdr content-encoding)" = gzip ]
get /echo --data-urlencode x=1 -G -H 'Accept-Encoding: br' -H "If-None-Match: $br_etag"
check "the brotli form's ETag revalidates it: 304 ($(cat "$WORK/code"))" [ "$(cat "$WORK/code")" = 304 ]
get /echo --data-urlencode x=1 -G -H 'Accept-Encoding: *;q=0'
check "*;q=0 and nothing else: the page as is" [ -z "$(hdr content-encoding)" ]
get /echo --data-urlencode x=2 -G
check "another query is another entry (a miss)" [ "$(cache_state)" = miss ]
cp "$WORK/b" "$WORK/x2"
get /order --data-urlencode x=gz -G -H 'Accept-Encoding: gzip'
check "a streamed miss is gzip'd too when asked ($(cache_state), $(hdr content-encoding))" \
  sh -c "[ '$(cache_state)' = miss ] && [ '$(hdr content-encoding)' = gzip ] && grep -qi '^transfer-encoding: chunked' '$WORK/h'"
check "and unzips to the whole page" sh -c "gunzip -c '$WORK/b' | grep -q 'SLOW-CONTENT'"
get /order --data-urlencode x=br -G -H 'Accept-Encoding: br'
check "a streamed miss in brotli ($(cache_state), $(hdr content-encoding))" \
  sh -c "[ '$(cache_state)' = miss ] && [ '$(hdr content-encoding)' = br ] && grep -qi '^transfer-encoding: chunked' '$WORK/h'"
check "decodes to the whole page" sh -c "unbrotli '$WORK/b' | grep -q 'SLOW-CONTENT'"
get /order --data-urlencode x=gz -G
check "whose cached copy is the page itself, not its gzip" grep -q 'SLOW-CONTENT' "$WORK/b"
get /echo --data-urlencode x=1 -G -H 'Accept-Language: fr'
check "another Accept-Language is another entry (a miss)" [ "$(cache_state)" = miss ]
check "and the page saw it" grep -q 'accept-language&quot;:&quot;fr' "$WORK/b"

# stale-while-revalidate: after 2 s it is served stale, once, while it renders again. A key of
# its own, primed just before, so that slow steps above (ASan) cannot eat the 3 s window.
get /echo --data-urlencode x=swr -G
check "a new key is a miss" [ "$(cache_state)" = miss ]
sleep 2.2
get /echo --data-urlencode x=swr -G
check "after its ttl it is served stale ($(cache_state)) at once" [ "$(cache_state)" = stale ]
for _ in 1 2 3 4 5 6 7 8 9 10; do # the background render lands within a moment
  sleep 0.2
  get /echo --data-urlencode x=swr -G
  [ "$(cache_state)" = hit ] && break
done
check "and then fresh again, rendered in the background ($(cache_state))" [ "$(cache_state)" = hit ]
sleep 5.5
get /echo --data-urlencode x=swr -G
check "past ttl + swr it is rendered again ($(cache_state))" [ "$(cache_state)" = miss ]

# pages decide
get /nocache
get /nocache
check "export const cache = false: never cached ($(hdr cache-control))" sh -c "[ '$(hdr cache-control)' = no-store ] && [ -z '$(cache_state)' ]"
get /custom
check "export const cache = { ttl: 1, swr: 0 }: $(hdr cache-control)" [ "$(hdr cache-control)" = "public, max-age=1, stale-while-revalidate=0" ]
get /custom
check "served from the cache within its second" [ "$(cache_state)" = hit ]
sleep 1.2
get /custom
check "and rendered again after it (no stale window)" [ "$(cache_state)" = miss ]

# errors and 404s are not cached
get /shellboom
get /shellboom
check "a failed render is not cached ($(cat "$WORK/code"), no x-ssrd-cache hit)" sh -c "[ '$(cat "$WORK/code")' = 500 ] && [ '$(cache_state)' != hit ]"
get /no/such
get /no/such
check "a 404 is not cached" sh -c "[ '$(cat "$WORK/code")' = 404 ] && [ '$(cache_state)' != hit ]"

# the size bound (cache_mb = 1): 40 pages of 40 KiB evict the oldest
for i in $(seq 1 40); do curl -s -o /dev/null "$url/echo?kb=40&i=$i"; done
get "/echo?kb=40&i=40"
check "the newest is still cached ($(cache_state))" [ "$(cache_state)" = hit ]
get "/echo?kb=40&i=1"
check "the oldest was evicted ($(cache_state))" [ "$(cache_state)" = miss ]

# /metrics: Prometheus's text, behind the admin token
get /metrics
check "/metrics without the token: 401 ($(cat "$WORK/code"))" [ "$(cat "$WORK/code")" = 401 ]
get /metrics -H 'Authorization: Bearer tok en"2'
check "and with a wrong one: 401 ($(cat "$WORK/code"))" [ "$(cat "$WORK/code")" = 401 ]
get /metrics -H 'Authorization: Bearer tok en"1'
check "with it: 200 in the text format ($(hdr content-type))" sh -c "[ '$(cat "$WORK/code")' = 200 ] && [ '$(hdr content-type)' = 'text/plain; version=0.0.4; charset=utf-8' ]"
metric() { # NAME{LABELS}: its value in $WORK/b
  awk -v k="$1" 'index($0, k " ") == 1 { print $2 }' "$WORK/b"
}
hits=$(metric 'ssrd_response_cache_lookups_total{result="hit"}')
check "the response cache's hits are counted ($hits)" [ "${hits:-0}" -ge 3 ]
cached=$(metric 'ssrd_render_duration_seconds_count{site="site",route="/echo",outcome="cached"}')
rendered=$(metric 'ssrd_render_duration_seconds_count{site="site",route="/echo",outcome="ok"}')
inf=$(metric 'ssrd_render_duration_seconds_bucket{site="site",route="/echo",outcome="ok",le="+Inf"}')
check "/echo's renders ($rendered) and cached replies ($cached) are counted, the histogram ends at the count ($inf)" \
  sh -c "[ '${rendered:-0}' -ge 40 ] && [ '${cached:-0}' -ge 3 ] && [ '$inf' = '$rendered' ]"
check "the 404s too, under the not-found route" grep -q 'ssrd_render_duration_seconds_count{site="site",route="(not found)",outcome="not_found"} 2' "$WORK/b"
check "buckets are cumulative, every line is a comment or NAME{LABELS} VALUE" python3 - "$WORK/b" <<'PY'
import re, sys
prev = {}
for line in open(sys.argv[1]):
    if line.startswith("#"):
        continue
    m = re.fullmatch(r'([a-z_]+)(\{[^}]*\})? (-?[0-9.e+-]+)\n', line)
    assert m, line
    if m.group(1).endswith("_bucket"):
        key = re.sub(r',le="[^"]*"', "", m.group(2))
        v = float(m.group(3))
        assert v >= prev.get(key, 0), line
        prev[key] = v
assert prev
PY
check "heap gauges and the queue" sh -c "grep -q '^ssrd_heap_used_bytes{worker=\"1\"} [1-9]' '$WORK/b' && grep -q '^ssrd_queue_depth 0' '$WORK/b'"
check "layer cache counters" grep -qE '^ssrd_layer_cache_lookups_total\{layer="page",level="memory",result="hit"\} [1-9]' "$WORK/b"

kill -TERM $pid
wait $pid
check "SIGTERM stops it with exit 0" [ "$?" = 0 ]
# the log: JSON lines (log_format = json), a timing line per reply at info (timing_log = info)
check "every log line is a JSON object with ts, level and event" python3 - "$WORK/serve.log" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert {"ts", "level", "event"} <= set(o), line
    n += 1
assert n > 40
PY
check "with a timing line per reply: numbers as numbers, phases summing to the total" python3 - "$WORK/serve.log" <<'PY'
import json, sys
t = [json.loads(l) for l in open(sys.argv[1])]
t = [o for o in t if o["event"] == "timing"]
assert len(t) >= 45, len(t)
for o in t:
    parts = sum(o[k + "_ms"] for k in ("queue", "context", "shell", "delta", "render", "drain"))
    assert abs(parts - o["total_ms"]) < 0.01, o
    assert o["level"] == "info" and o["transport"] == "http" and o["outcome"], o
assert {"ok", "cached", "stale", "not_found", "render_error"} <= {o["outcome"] for o in t}
PY
finish
