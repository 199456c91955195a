#!/usr/bin/env bash
# bench/ipc.sh: the render protocol over ipc://, side by side in one run:
#   - the floor: a bare nng REQ/REP echo on this machine (no ssrd);
#   - ssrd's ping (the protocol, no render) and a tiny page's render, one client, round trips;
#   - a load test: CLIENTS concurrent clients render the 200-row catalog REQUESTS times
#     (every reply checked to be its own caller's), 2 workers;
#   - a streamed page over IPC: first chunk against last (its Suspense data takes 200 ms).
#   bash bench/ipc.sh [REQUESTS] [CLIENTS]      (defaults: 10000 64)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
requests=${1:-10000}
clients=${2:-64}
bash "$top/tools/build.sh" >/dev/null
bin="${SSRD_BUILD_DIR:-$top/build}"
work=$(mktemp -d /tmp/ssrd-bench.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
field() { sed -E "s/.*\"$1\":([0-9.]+).*/\1/"; }

serve() { # SITE ADDR: a daemon with 2 workers on ADDR
  "$bin/ssrd" serve --site "$1" --http "" --ipc "$2" --workers 2 --cache-dir "$work/cache" \
    --log-level warn >"$work/serve.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 600); do
    "$bin/ssrd" render / --connect "$2" --timeout-ms 200 >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "bench/ipc.sh: the daemon did not start: $(tail -3 "$work/serve.log")" >&2
  exit 1
}

echo "[bench] nng floor" >&2
floor=$("$bin/bench/nng_floor" "ipc://$work/floor.sock" 5000)
tiny_addr="ipc://$work/tiny.sock"
serve "$top/tests/fixtures/streamsite" "$tiny_addr"
echo "[bench] ping and tiny page, 1 client" >&2
ping=$("$bin/bench/ipc_bench" --connect "$tiny_addr" --ping 1 --clients 1 --requests 5000)
tiny=$("$bin/bench/ipc_bench" --connect "$tiny_addr" --url / --check 0 --clients 1 --requests 5000)
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

demo_addr="ipc://$work/demo.sock"
serve "$top/js/demo" "$demo_addr"
echo "[bench] load: $clients clients, $requests renders of /products with 200 rows" >&2
"$bin/bench/ipc_bench" --connect "$demo_addr" --url /products --props-extra '"count":200' --check 0 \
  --clients "$clients" --requests 300 >/dev/null # warm-up
load=$("$bin/bench/ipc_bench" --connect "$demo_addr" --url /products --props-extra '"count":200' --check 0 \
  --clients "$clients" --requests "$requests")
echo "[bench] streamed /slow, 1 client" >&2
stream=$("$bin/bench/ipc_bench" --connect "$demo_addr" --url /slow --stream 1 --check 0 --clients 1 --requests 30)

echo
echo "The render protocol over ipc://, $(nproc) cores, $(date -u +%Y-%m-%d):"
echo
echo "| measurement | p50 | p99 |"
echo "|---|---:|---:|"
printf '| bare nng REQ/REP echo (the floor, no ssrd) | %.0f µs | %.0f µs |\n' "$(echo "$floor" | field p50_us)" "$(echo "$floor" | field p99_us)"
printf '| ssrd ping (the protocol, no render) | %.0f µs | %.0f µs |\n' \
  "$(awk -v v="$(echo "$ping" | field p50_ms)" 'BEGIN { print v * 1000 }')" "$(awk -v v="$(echo "$ping" | field p99_ms)" 'BEGIN { print v * 1000 }')"
printf '| ssrd render of a tiny page (one <p>, minimal layout) | %.0f µs | %.0f µs |\n' \
  "$(awk -v v="$(echo "$tiny" | field p50_ms)" 'BEGIN { print v * 1000 }')" "$(awk -v v="$(echo "$tiny" | field p99_ms)" 'BEGIN { print v * 1000 }')"
printf '| streamed /slow: first chunk (the shell) | %.2f ms | %.2f ms |\n' "$(echo "$stream" | field first_chunk_p50_ms)" "$(echo "$stream" | field first_chunk_p99_ms)"
printf '| streamed /slow: last chunk (after its 200 ms data) | %.1f ms | %.1f ms |\n' "$(echo "$stream" | field p50_ms)" "$(echo "$stream" | field p99_ms)"
echo
echo "Load: $clients concurrent clients, $requests renders of /products with 200 rows, 2 workers:"
echo
echo "| ok | errors | lost | renders/s | p50 | p99 |"
echo "|---:|---:|---:|---:|---:|---:|"
printf '| %s | %s | %s | %s | %.1f ms | %.1f ms |\n' "$(echo "$load" | field ok)" \
  "$(( $(echo "$load" | field transport_errors) + $(echo "$load" | field wrong_body) ))$(echo "$load" | sed -E 's/.*"errors":\{([^}]*)\}.*/ \1/')" \
  "$(echo "$load" | field lost)" "$(echo "$load" | field renders_per_s)" "$(echo "$load" | field p50_ms)" "$(echo "$load" | field p99_ms)"
