#!/usr/bin/env bash
# bench/front.sh: where an HTTP request's time goes: the transport floor of candidate HTTP
# fronts against ssrd's own paths, on one tiny page, with wrk (Debian's), servers in turn.
#   bash bench/front.sh [ROUNDS] [SECONDS]     (defaults: 3 3)
# Servers, each answering GET / on 127.0.0.1 (all share the 2 cores with wrk):
#   epoll        a bare epoll loop per thread, 2 threads on SO_REUSEPORT: the floor (rivals/epoll_floor.c)
#   h2o          libh2o-evloop, one loop per thread, 2 threads (rivals/h2o_floor.c)
#   nng          nng's HTTP server with a static handler: today's transport, no ssrd code
#   node         node:http + node:cluster, 2 workers, the same bytes (no React)
#   bun          Bun.serve, 2 processes on reusePort, the same bytes (no React)
#   ssrd-cached  ssrd serve, the page from its response cache: ssrd's handler without a render
#   ssrd-string  ssrd serve, streaming = 0: a render on a worker, replied by nng (keep-alive)
#   ssrd-stream  ssrd serve, streaming = 1 (the default): renderToReadableStream; a page that
#                comes whole (this one) is one sized reply on a connection kept open
# The first five send 83 bytes; ssrd sends its fixture's page (tests/fixtures/streamsite, /).
# Prints medians over rounds of req/s, p50 and p99 at 1 and 32 connections.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
secs=${2:-3}
say() { printf '[front] %s\n' "$*" >&2; }

bash "$top/tools/deps.sh" --bench >/dev/null
bash "$top/tools/build.sh" >/dev/null
bin="${SSRD_BUILD_DIR:-$top/build}"
front="$top/bench/rivals"
bun="$front/node_modules/@oven/bun-linux-x64/bin/bun"
work=$(mktemp -d /tmp/ssrd-front.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"' EXIT

say "building the floor servers"
cc -O2 -o "$work/epoll" "$front/epoll_floor.c" -lpthread
cc -O2 -o "$work/h2o" "$front/h2o_floor.c" -lh2o-evloop -lssl -lcrypto -lz -lpthread
cc -O2 -o "$work/nng" "$front/nng_floor_http.c" -lnng -lpthread

port=18080
declare -A url
start() { # NAME COMMAND...: runs it in the background on the next port ({} in the command)
  local name=$1
  shift
  port=$((port + 1))
  "${@//\{\}/$port}" >"$work/$name.log" 2>&1 &
  pids+=($!)
  url[$name]="http://127.0.0.1:$port/"
}
serve() { # NAME FLAGS...: ssrd serve on the stream fixture
  local name=$1
  shift
  start "$name" "$bin/ssrd" serve --site "$top/tests/fixtures/streamsite" --http "http://127.0.0.1:{}" \
    --ipc "" --workers 2 --cache-dir "$work/cache-$name" --log-level warn --timing-log off "$@"
}
start epoll "$work/epoll" {} 2
start h2o "$work/h2o" {} 2
start nng "$work/nng" {}
start node node "$front/node_floor.mjs" {}
start bun "$bun" "$front/bun_floor.js" {}
pids+=(0) # the second Bun process shares the first's port
"$bun" "$front/bun_floor.js" "$port" >"$work/bun2.log" 2>&1 &
pids[-1]=$!
serve ssrd-cached --cache-ttl 60
serve ssrd-string --cache-ttl 0 --streaming 0
serve ssrd-stream --cache-ttl 0 --streaming 1
servers=(epoll h2o nng node bun ssrd-cached ssrd-string ssrd-stream)

declare -A bytes
for s in "${servers[@]}"; do
  for _ in $(seq 1 200); do
    b=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "${url[$s]}" 2>/dev/null || true)
    [ "${b%% *}" = 200 ] && break
    sleep 0.05
  done
  [ "${b%% *}" = 200 ] || { say "error: $s did not answer on ${url[$s]}: $(tail -3 "$work/$s.log")"; exit 1; }
  bytes[$s]=${b#* }
done

: >"$work/runs"
for r in $(seq 1 "$rounds"); do
  say "round $r/$rounds"
  for s in "${servers[@]}"; do
    for c in 1 32; do
      t=$([ "$c" = 1 ] && echo 1 || echo 2)
      out=$(wrk -t"$t" -c"$c" -d"${secs}s" --latency "${url[$s]}" 2>&1)
      # wrk's latencies carry their unit (us, ms, s): all in microseconds here
      awk -v s="$s" -v c="$c" '
        function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; if (v ~ /s$/) return v * 1e6; return v }
        /Requests\/sec/ { rps = $2 } $1 == "50%" { p50 = us($2) } $1 == "99%" { p99 = us($2) }
        END { print s, c, rps, p50, p99 }' <<<"$out" >>"$work/runs"
    done
  done
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v s="$1" -v c="$2" -v k="$3" '$1 == s && $2 == c { print $k }' "$work/runs" | median; }
echo
echo "A tiny page, wrk, medians of $rounds rounds x ${secs} s, servers in turn, 2 cores, $(date -u +%F):"
echo
echo "| server | bytes | 1 conn req/s | p50 µs | p99 µs | 32 conn req/s | p50 µs | p99 µs | 32 conn vs node |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
node32=$(col node 32 3)
for s in "${servers[@]}"; do
  r1=$(col "$s" 1 3) r32=$(col "$s" 32 3)
  printf '| %s | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.2fx |\n' "$s" "${bytes[$s]}" \
    "$r1" "$(col "$s" 1 4)" "$(col "$s" 1 5)" "$r32" "$(col "$s" 32 4)" "$(col "$s" 32 5)" \
    "$(awk -v a="$r32" -v b="$node32" 'BEGIN { print a / b }')"
done
