#!/usr/bin/env bash
# security: clients that send a request for a big page and then read nothing. Streamed replies
# hold their unsent output within one budget (http_buffer_mb: past it the reply whose client
# has gone longest without reading is cut off, its render cancelled), no reply waits longer than
# http_send_timeout_ms for its client, cached big pages are written from the cache, not copied
# per connection; memory comes back when they leave, and other clients are served meanwhile.
. "$(dirname "$0")/daemon.sh"
SITE=$SRC/tests/fixtures/hostilesite
NOREAD=$(dirname "$0")/noread.py
# Under ASan freed memory waits in a quarantine (256 MiB) and the allocator keeps what it got:
# the daemons here free theirs at once and give it back, so that their RSS says what they hold.
if grep -qs '^SSRD_SANITIZE:BOOL=ON' "${SSRD_BINARY_DIR:-$BIN}/CMakeCache.txt" || ldd "$SSRD" | grep -q libasan; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=0:allocator_release_to_os_interval_ms=0"
  # Its redzones and slower renders keep more pages in flight at once (rendering, not yet
  # counted as unsent): 50 MiB more was seen once on a loaded machine. Unbounded, 24 more
  # clients would hold 96 MiB more: three quarters of that still tells the two apart.
  slack=72
else
  # The two workers' heaps grow by the 4 MiB strings of the pages they rendered until their
  # next full GC, whose timing the renders in flight move: 21 MiB over was seen once (213
  # against 192). Unbounded would be 96 more: 40 still tells the two apart.
  slack=40
fi
BIG="/big?kb=4096" # 4 MiB of HTML

# --- streamed (the response cache off) ---
# (a send timeout longer than the clients below hold on: the budget alone bounds them)
check "a daemon starts (cache off, 16 MiB budget, 10 s send timeout)" \
  daemon s --site "$SITE" --workers 2 --cache-mb 0 --http-buffer-mb 16 --http-send-timeout-ms 10000
port=${s_url##*:}
# What big pages cost for clients that read: the peak while both workers render them (their
# heaps, the pages' output on its way), sampled every 0.1 s over three rounds.
warm=0
for _ in 1 2 3; do
  curl -s -o /dev/null "$s_url$BIG" &
  c1=$!
  curl -s -o /dev/null "$s_url$BIG" &
  c2=$!
  curl -s -o /dev/null "$s_url$BIG" &
  c3=$!
  while kill -0 $c1 2>/dev/null || kill -0 $c2 2>/dev/null || kill -0 $c3 2>/dev/null; do
    r=$(rss_mb "$s_pid")
    [ "$r" -gt "$warm" ] && warm=$r
    sleep 0.1
  done
  wait $c1 $c2 $c3 # not a bare wait: the daemons are this shell's children too
done
python3 "$NOREAD" "$port" "$BIG" 24 6 "$s_pid" >"$WORK/noread.out" &
noread=$!
sleep 2
t0=$(date +%s%N)
# (after the renders queued before it: 24 big pages take the two workers a few seconds)
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$s_url/victim?token=tok-v")
ms=$((($(date +%s%N) - t0) / 1000000))
check "while 24 clients do not read a 4 MiB page, another is served ($code in $ms ms)" [ "$code" = 200 ]
wait $noread
cat "$WORK/noread.out"
eval "$(cat "$WORK/noread.out")"
check "their unsent pages stayed within the budget (RSS $warm MiB warm, peak $rss_peak; bound $((warm + 16 + 64)))" \
  [ "$rss_peak" -le $((warm + 16 + 64)) ]
peak24=$rss_peak
# (how many depends on how many pages the workers rendered meanwhile: all, in a release build)
check "the daemon cut off the ones furthest behind ($closed of 24 closed)" [ "$closed" -ge 1 ]
check "and said so" grep -q 'event=client_too_slow' "$WORK/s.log"
sleep 1
after=$(rss_mb "$s_pid")
check "when they left, the memory came back (RSS $after MiB, warm $warm)" [ "$after" -le $((warm + 24)) ]
check "the daemon serves on" [ "$(curl -s -o /dev/null -w '%{http_code}' "$s_url$BIG")" = 200 ]
# twice as many clients hold no more: 24 more pages of 4 MiB would be 96 MiB more unbounded
python3 "$NOREAD" "$port" "$BIG" 48 6 "$s_pid" >"$WORK/noread48.out"
cat "$WORK/noread48.out"
eval "$(cat "$WORK/noread48.out")"
check "48 such clients hold no more than 24 did (peak $rss_peak MiB against $peak24; unbounded: 96 more)" \
  [ "$rss_peak" -le $((peak24 + slack)) ]

# one client that stops reading, within the budget: the send timeout ends its reply
python3 "$NOREAD" "$port" "$BIG" 1 12 "$s_pid" >"$WORK/one.out"
eval "$(cat "$WORK/one.out")"
check "a client that takes nothing for 10 s is cut off ($closed closed)" [ "$closed" = 1 ]
check "and its render's reply logged as stalled" grep -q 'event=client_stalled' "$WORK/s.log"
stop s

# --- from the response cache: written from the entry, not copied ---
check "a daemon starts (cache on, 3 s send timeout)" \
  daemon c --site "$SITE" --workers 2 --http-send-timeout-ms 3000
port=${c_url##*:}
curl -s -o /dev/null "$c_url$BIG"
check "the big page is cached" sh -c "curl -s -D - -o /dev/null '$c_url$BIG' | grep -qi 'x-ssrd-cache: hit'"
warm=$(rss_mb "$c_pid")
python3 "$NOREAD" "$port" "$BIG" 40 5 "$c_pid" >"$WORK/cached.out"
cat "$WORK/cached.out"
eval "$(cat "$WORK/cached.out")"
check "40 clients not reading the cached 4 MiB page hold no copy of it (RSS $warm -> peak $rss_peak MiB)" \
  [ "$rss_peak" -le $((warm + 24)) ]
check "and after the send timeout they are closed ($closed of 40)" [ "$closed" = 40 ]
check "the daemon serves on" [ "$(curl -s -o /dev/null -w '%{http_code}' "$c_url$BIG")" = 200 ]
stop c
finish
