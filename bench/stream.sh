#!/usr/bin/env bash
# bench/stream.sh: streaming renders. Time to first byte against time to last byte for the demo's
# /slow page (its Suspense data takes 200 ms), in-process through the pool, over IPC and over HTTP; then a
# sustained run of streaming renders watching RSS and the V8 heap.
#   bash bench/stream.sh [ITERATIONS] [SOAK_RENDERS]      (defaults: 30 10000)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
iters=${1:-30}
soak=${2:-10000}
bash "$top/tools/build.sh" >/dev/null
bin="${SSRD_BUILD_DIR:-$top/build}"
work=$(mktemp -d /tmp/ssrd-bench.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
field() { sed -E "s/.*\"$1\":([0-9.]+).*/\1/"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
p99() { sort -g | awk '{ v[NR] = $1 } END { i = int(NR * 0.99 + 0.5); if (i < 1) i = 1; print v[i] }'; }

echo "[bench] in-process: $iters renders of /slow, one at a time" >&2
inproc=$("$bin/bench/stream_bench" latency --path /slow --props '{"delay":200}' --iterations "$iters" 2>/dev/null | tail -1)

echo "[bench] HTTP: $iters requests of /slow with curl, one at a time" >&2
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$bin/ssrd" serve --http "http://127.0.0.1:$port" --ipc "ipc://$work/s.sock" --workers 1 --cache-dir "$work/cache" --log-level warn >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
for _ in 1 2 3; do curl -s -o /dev/null "http://127.0.0.1:$port/slow"; done
for _ in $(seq 1 "$iters"); do
  curl -s -o /dev/null -w '%{time_starttransfer} %{time_total}\n' "http://127.0.0.1:$port/slow"
done >"$work/http"
echo "[bench] IPC: $iters streamed renders of /slow with the client library, one at a time" >&2
ipc=$("$bin/bench/ipc_bench" --connect "ipc://$work/s.sock" --url /slow --stream 1 --check 0 --clients 1 --requests "$iters")
kill $pid; wait $pid 2>/dev/null || true; pid=
ms() { awk '{ printf "%.3f\n", $1 * 1000 }'; }
h_first50=$(cut -d' ' -f1 "$work/http" | ms | median); h_first99=$(cut -d' ' -f1 "$work/http" | ms | p99)
h_last50=$(cut -d' ' -f2 "$work/http" | ms | median); h_last99=$(cut -d' ' -f2 "$work/http" | ms | p99)

echo
echo "Streaming /slow (shell at once, a Suspense boundary whose data takes 200 ms), $iters renders one at a time, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "| path | first byte p50 | p99 | last byte p50 | p99 |"
echo "|---|---:|---:|---:|---:|"
printf '| in-process (pool, chunk callback) | %.2f ms | %.2f ms | %.1f ms | %.1f ms |\n' \
  "$(echo "$inproc" | field first_chunk_ms_p50)" "$(echo "$inproc" | field first_chunk_ms_p99)" \
  "$(echo "$inproc" | field last_chunk_ms_p50)" "$(echo "$inproc" | field last_chunk_ms_p99)"
printf '| IPC (client library, ipc://) | %.2f ms | %.2f ms | %.1f ms | %.1f ms |\n' \
  "$(echo "$ipc" | field first_chunk_p50_ms)" "$(echo "$ipc" | field first_chunk_p99_ms)" \
  "$(echo "$ipc" | field p50_ms)" "$(echo "$ipc" | field p99_ms)"
printf '| HTTP (curl, loopback) | %.2f ms | %.2f ms | %.1f ms | %.1f ms |\n' "$h_first50" "$h_first99" "$h_last50" "$h_last99"

echo
echo "Sustained streaming renders, 1 worker, 16 at once (heap figures after a full GC):"
echo
echo "| page | renders | failed | renders/s | RSS before → after (peak) | V8 heap used before → after | contexts (detached) |"
echo "|---|---:|---:|---:|---|---|---|"
for spec in '/slow {"delay":5}' '/blog/hello-ssrd {}'; do
  path=${spec%% *}
  props=${spec#* }
  echo "[bench] soak: $soak renders of $path" >&2
  out=$("$bin/bench/stream_bench" soak --path "$path" --props "$props" --iterations "$soak" --concurrency 16 | tail -1)
  f() { echo "$out" | field "$1"; }
  printf '| %s %s | %s | %s | %s | %.1f → %.1f MB (%.1f) | %.2f → %.2f MB | %s (%s) |\n' "$path" "$props" \
    "$(f renders)" "$(f failed)" "$(f renders_per_s)" \
    "$(awk -v k="$(f rss_kb_before)" 'BEGIN { print k / 1024 }')" "$(awk -v k="$(f rss_kb_after)" 'BEGIN { print k / 1024 }')" \
    "$(awk -v k="$(f rss_kb_peak)" 'BEGIN { print k / 1024 }')" \
    "$(awk -v b="$(f heap_used_before)" 'BEGIN { print b / 1048576 }')" "$(awk -v b="$(f heap_used_after)" 'BEGIN { print b / 1048576 }')" \
    "$(f native_contexts_after)" "$(f detached_contexts_after)"
done
