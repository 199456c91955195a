#!/usr/bin/env bash
# security: the response cache and what every response carries. A page whose Suspense boundary
# failed (its data missing) is not cached, so it renders whole once the data is back; every
# spelling of one request shares one cache entry (no cache flooding), and requests that differ
# do not; HEAD answers carry the GET's length; the security headers are on every kind of answer
# ssrd gives, from pages to errors to cached and shared replies.
. "$(dirname "$0")/daemon.sh"
cp -r "$SRC/tests/fixtures/hostilesite" "$WORK/site"
check "a daemon starts (response cache on)" daemon d --site "$WORK/site" --workers 1
u=$d_url
entries() { curl -s "$u/metrics" | awk '/^ssrd_response_cache_entries/ { print $2 }'; }
cache_state() { grep -i '^x-ssrd-cache:' "$WORK/headers" | tr -d '\r' | awk '{ print $2 }'; }

# --- a failed boundary is not cached ---
rm -f "$WORK/site/flag.txt"
code=$(fetch "$u/flaky")
check "without its data the page is sent all the same ($code), the boundary left to the client" \
  sh -c "[ '$code' = 200 ] && grep -q 'loading the flag' '$WORK/body' && ! grep -q 'id=\"flag\"' '$WORK/body'"
check "the boundary's failure was logged" grep -q 'event=render_boundary_error' "$WORK/d.log"
fetch "$u/flaky" >/dev/null
check "the next request renders it again (x-ssrd-cache: $(cache_state), not hit)" [ "$(cache_state)" = miss ]
echo "FLAG-IS-BACK" >"$WORK/site/flag.txt"
fetch "$u/flaky" >/dev/null
check "once the data is back, the page has it" body_has 'FLAG-IS-BACK'
fetch "$u/flaky" >/dev/null
check "and that whole page is what gets cached (x-ssrd-cache: $(cache_state))" \
  sh -c "[ '$(cache_state)' = hit ] && grep -q FLAG-IS-BACK '$WORK/body'"

# --- one entry per request, however it is spelled ---
before=$(entries)
fetch "$u/victim?token=tok-k&b=1" >/dev/null
check "a new page is a miss" [ "$(cache_state)" = miss ]
first=$(sed -n 's/.*<p id="token">\([^<]*\)<.*/\1/p' "$WORK/body")
hits=0
spellings=("/victim?b=1&token=tok-k" "//victim?token=tok-k&b=1" "/victim/?token=tok-k&b=1" "/vict%69m?token=tok-k&b=1"
  "/%76ictim?b=1&token=tok-k" "///victim//?b=1&&token=tok-k" "/victim?token=tok-k&b=1#frag" "/victim?b=0&token=tok-k&b=1"
  "/victim?token=tok-k&b=1&" "/victim?%74oken=tok-k&b=1" "/victim?token=tok%2Dk&b=%31")
for p in "${spellings[@]}"; do
  fetch "$u$p" >/dev/null
  [ "$(cache_state)" = hit ] && hits=$((hits + 1)) || echo "  not a hit: $p ($(cache_state))"
done
check "${#spellings[@]} other spellings of it are hits ($hits)" [ "$hits" = "${#spellings[@]}" ]
check "and the page was rendered for the same path and props (token $first)" [ "$first" = tok-k ]
after=$(entries)
check "one entry for all of them (entries $before -> $after)" [ "$after" = $((before + 1)) ]
for i in $(seq 1 100); do curl -s -o /dev/null "$u/victim?b=1&token=tok-k&"; curl -s -o /dev/null "$u//victim?token=tok-k&b=1"; done
check "200 more requests in those spellings add nothing (entries $(entries))" [ "$(entries)" = "$after" ]
missed=0
for p in "/victim?token=tok-l&b=1" "/victim?token=tok-k&b=2" "/victim?token=tok-k" "/victim?token=tok-k&b=1&c=3"; do
  fetch "$u$p" >/dev/null
  [ "$(cache_state)" = miss ] && missed=$((missed + 1))
done
check "requests that differ are not served each other's page (4 misses: $missed)" [ "$missed" = 4 ]

# --- HEAD gives the GET's length ---
for p in /victim?token=tok-h "/big?kb=200"; do
  curl -s -o /dev/null "$u$p"                    # rendered and cached
  get_len=$(curl -s "$u$p" | wc -c)              # from the cache (the big one shared, not copied)
  head_len=$(curl -s -I "$u$p" | tr -d '\r' | awk 'tolower($1) == "content-length:" { print $2 }')
  check "HEAD $p: Content-Length $head_len, the GET's $get_len bytes" [ "$head_len" = "$get_len" ]
done
head_len=$(curl -s -I "$u/victim?token=tok-fresh" | tr -d '\r' | awk 'tolower($1) == "content-length:" { print $2 }')
check "HEAD of a page not cached yet: no Content-Length of 0 ($head_len)" [ "${head_len:-none}" != 0 ]

# --- the security headers on every answer ---
all_headers() {
  header_has 'X-Content-Type-Options: nosniff' && header_has 'X-Frame-Options: SAMEORIGIN' &&
    header_has 'Referrer-Policy: strict-origin-when-cross-origin'
}
etag=$(curl -s -D - -o /dev/null "$u/victim?token=tok-k&b=1" | tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }')
asset=$(grep -o '/_ssrd/client-[0-9a-f]*\.js' "$WORK/body" | head -1)
answers=("200 streamed page|/victim?token=tok-new$RANDOM|"
  "200 from the cache|/victim?token=tok-k&b=1|"
  "200 big, shared from the cache|/big?kb=200|"
  "304|/victim?token=tok-k&b=1|-H If-None-Match:$etag"
  "HEAD|/victim?token=tok-k&b=1|-I"
  "404 not found|/no/such/page|"
  "400 bad path|/a/%2e%2e/b|"
  "405|/victim|-X POST"
  "500 a page that throws|/boom|"
  "healthz|/healthz|" "readyz|/readyz|" "metrics|/metrics|"
  "the browser bundle|$asset|")
for a in "${answers[@]}"; do
  IFS='|' read -r what path args <<<"$a"
  # shellcheck disable=SC2086
  code=$(fetch "$u$path" $args)
  check "$what ($code): all three security headers" all_headers
done
fetch "$u/boom" >/dev/null
check "the 500's body says nothing of the error" sh -c "! grep -q BOOM-SECRET '$WORK/body'"
check "which went to the log" grep -q 'BOOM-SECRET-DETAIL' "$WORK/d.log"

# a 503 while draining: a slow render holds the drain open
curl -s -o /dev/null "$u/slowecho?ms=3000&token=drain" &
slow=$!
sleep 0.5
kill -TERM "$d_pid"
sleep 0.3
code=$(fetch "$u/victim")
check "503 while draining ($code): the three headers and Retry-After" \
  sh -c "[ '$code' = 503 ] && grep -qi 'retry-after: 1' '$WORK/headers'"
check "  (headers)" all_headers
wait $slow
finish
