#!/usr/bin/env bash
# bench/soak.sh: the long soak (not run by ctest). The chaos test's daemon, fixture and driver
# (tests/fixtures/chaossite, tests/e2e/chaos_client.c), run for a long time: clients send good
# pages mixed with bad ones (infinite loops, runaway allocation, throws, never-resolving
# promises, huge output) while the daemon's RSS is sampled. Every few seconds one line: how far
# it is, renders so far and how they ended, the rate, RSS and its peak, the V8 heap and
# isolates recycled by reason. At the end the driver's table per kind and the memory over
# time: the first minute against the last, to show any drift.
#   bash bench/soak.sh [--duration SECONDS] [--requests N] [--clients N] [--workers N]
#                      [--heap-mb N] [--every SECONDS] [--mix KIND=PCT,...] [--margin MS]
#                      [--queue-margin MS] [--keep]
#   (defaults: 600 s, no render limit, 32 clients, 2 workers, 32 MiB heaps as in the chaos
#   test, a line every 5 s, the driver's mix; margins 800 ms over a bad render's timeout by the
#   daemon's clock, 2,000 more by the client's, where queueing counts: tests/e2e/chaos.sh says
#   why; a long run meets rarer pile-ups than the test's 5,000 renders. --keep keeps the scratch
#   directory with the daemon's log)
# The heap: until `ssrd diagnose` (issue 8) can say, the last heap_used_mb each worker logged
# (event=idle_gc after idle_gc_ms without renders, event=isolate_recycled), marked "(log)".
# SSRD_BUILD_DIR picks the build (build/ by default; an ASan build wants bigger margins).
# Exits non-zero if any render was lost or unexpected, or the daemon died.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
duration=600 requests= clients=32 workers=2 heap_mb=32 every=5 mix= keep=0 margin=800 queue_margin=2000
while [ $# -gt 0 ]; do
  case $1 in
  --duration) duration=$2; shift 2 ;;
  --requests) requests=$2; shift 2 ;;
  --clients) clients=$2; shift 2 ;;
  --workers) workers=$2; shift 2 ;;
  --heap-mb) heap_mb=$2; shift 2 ;;
  --every) every=$2; shift 2 ;;
  --mix) mix=$2; shift 2 ;;
  --margin) margin=$2; shift 2 ;;
  --queue-margin) queue_margin=$2; shift 2 ;;
  --keep) keep=1; shift ;;
  *) echo "bench/soak.sh: unknown argument $1 (see the opening comment)" >&2; exit 2 ;;
  esac
done
bash "$top/tools/build.sh" >/dev/null || exit 1
bin="${SSRD_BUILD_DIR:-$top/build}"
work=$(mktemp -d /tmp/ssrd-soak.XXXXXX)
pid= driver=
trap '[ -n "$driver" ] && kill $driver 2>/dev/null; [ -n "$pid" ] && kill $pid 2>/dev/null;
  [ "$keep" = 1 ] && echo "[soak] kept $work" >&2 || rm -rf "$work"' EXIT
cp -r "$top/tests/fixtures/chaossite" "$work/site"
addr="ipc://$work/soak.sock"
cat >"$work/ssrd.conf" <<CONF
[server]
workers = $workers
queue_max = 1024
http = ""
ipc = $addr
[site]
site = $work/site
watch_ms = 0
hydrate = 0
[render]
heap_max_mb = $heap_mb
young_max_mb = 16
max_output_kb = 1024
render_timeout_ms = 3000
render_timeout_max_ms = 4000
[cache]
cache_dir = $work/cache
CONF
"$bin/ssrd" serve --config "$work/ssrd.conf" >"$work/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  grep -q "event=listening" "$work/daemon.log" && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.05
done
if ! grep -q "event=listening" "$work/daemon.log"; then
  echo "bench/soak.sh: the daemon did not start:" >&2
  tail -5 "$work/daemon.log" >&2
  exit 1
fi
kb() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$pid/status" 2>/dev/null; }
# The V8 heap, all workers: from `ssrd diagnose` (issue 8) when this daemon has it, else the last
# heap_used_mb each worker logged.
heap() {
  local h
  h=$("$bin/ssrd" diagnose --connect "$addr" 2>/dev/null |
    awk -F: '/^(worker[0-9]*_)?heap_used(_bytes|_mb)?:/ { v = $2 + 0; if ($1 ~ /bytes/) v /= 1048576; s += v; n++ }
      END { if (n) printf "%.1f", s }')
  [ -n "$h" ] && { echo "$h"; return; }
  sed -n 's/.*event=\(idle_gc\|isolate_recycled\) worker=\([0-9]*\) .*heap_used_mb=\([0-9.]*->\)\{0,1\}\([0-9.]*\).*/\2 \4/p' "$work/daemon.log" |
    awk '{ last[$1] = $2; seen = 1 } END { for (w in last) s += last[w]; if (seen) printf "%.1f(log)", s; else print "-" }'
}

args=(--connect "$addr" --clients "$clients" --duration-s "$duration" --progress-s "$every" --call-timeout-ms 15000)
args+=(--margin-ms "$margin" --queue-margin-ms "$queue_margin")
[ -n "$requests" ] && args+=(--requests "$requests")
[ -n "$mix" ] && args+=(--mix "$mix")
echo "[soak] $(date -u +%FT%TZ): ${requests:+up to $requests renders, }$duration s, $clients clients, $workers workers, heap_max_mb $heap_mb, $(nproc) cores"
"$bin/tests/chaos_client" "${args[@]}" >"$work/driver.out" 2>"$work/driver.err" &
driver=$!
base=$(kb VmRSS)
t0=$(date +%s)
printf '[soak] %6s %5s %9s %9s %7s %10s %5s %7s %8s %8s %10s  %s\n' time done renders succeeded failed unexpected lost "rate/s" "RSS MiB" "HWM MiB" "heap MiB" "recycled"
echo "$(date +%s) $base" >"$work/rss"
while kill -0 $driver 2>/dev/null; do
  sleep "$every"
  if ! kill -0 $pid 2>/dev/null; then
    echo "[soak] the daemon died; the driver stops at its first lost render"
    break
  fi
  rss=$(kb VmRSS) hwm=$(kb VmHWM) now=$(date +%s)
  echo "$now $rss" >>"$work/rss"
  p=$(tail -1 "$work/driver.err" 2>/dev/null)
  v() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$p"; }
  rate=$(sed -n 's/.*(\([0-9]*\)\/s).*/\1/p' <<<"$p")
  rec=$(sed -n 's/.*event=isolate_recycled.*reason=\([a-z_]*\).*/\1/p' "$work/daemon.log" | sort | uniq -c |
    awk '{ printf "%s%s %s", s, $2, $1; s = ", " }')
  pct=$(((now - t0) * 100 / duration))
  printf '[soak] %5ds %4d%% %9s %9s %7s %10s %5s %7s %8d %8d %10s  %s\n' $((now - t0)) $((pct > 100 ? 100 : pct)) \
    "$(v done)" "$(v succeeded)" "$(v failed)" "$(v unexpected)" "$(v lost)" "${rate:-}" \
    $((rss / 1024)) $((hwm / 1024)) "$(heap)" "${rec:-none}"
done
wait $driver
rc=$?
driver=
echo
cat "$work/driver.out"
alive=1
kill -0 $pid 2>/dev/null || alive=0
echo
echo "memory (RSS, MiB): at start $((base / 1024)); peak $(($(kb VmHWM) / 1024)); at the end $(($(kb VmRSS) / 1024))"
awk -v t0="$t0" 'NR > 1 { t = $1 - t0; if (t <= 60) { a += $2; na++ } last[NR] = $2; lt[NR] = t; n = NR }
  END { for (i = n; i > 1 && lt[n] - lt[i] <= 60; i--) { b += last[i]; nb++ }
        if (na && nb) printf "average RSS over the first minute %.1f MiB, over the last minute %.1f MiB\n", a / na / 1024, b / nb / 1024 }' "$work/rss"
echo "recycled isolates (log): $(sed -n 's/.*event=isolate_recycled.*reason=\([a-z_]*\).*/\1/p' "$work/daemon.log" | sort | uniq -c | awk '{ printf "%s%s %s", s, $2, $1; s = ", " }')"
if [ "$alive" = 1 ]; then
  kill -TERM $pid
  wait $pid
  echo "daemon: alive to the end, stopped by SIGTERM with exit $?"
else
  echo "daemon: DIED during the soak; its last lines:"
  tail -20 "$work/daemon.log"
fi
pid=
[ "$rc" = 0 ] && [ "$alive" = 1 ]
