#!/usr/bin/env bash
# bench/first_render.sh: how much a route's first render costs against a warm one, for each of the
# demo's routes: right after `ssrd serve` says ready, with the warm-up (warmup_ms = 1000) and
# without it (warmup_ms = 0), and right after a reload. One worker, the response cache off, render_ms
# read from the timing log; "warm" is the median of renders 8 to ROUNDS.
#   bash bench/first_render.sh [ROUNDS]      (default: 20)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-20}
routes=(/ /products /products/1 /blog /blog/hello-world /quotes /about)
bash "$top/tools/build.sh" >/dev/null
bin="${SSRD_BUILD_DIR:-$top/build}"
work=$(mktemp -d /tmp/ssrd-bench.XXXXXX)
pid=
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }
trap '[ -z "$pid" ] || stop; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
url="http://127.0.0.1:$port"

# serve LOG FLAGS...: starts the demo's copy on one worker and waits until it serves.
serve() {
  local log=$1
  shift
  "$bin/ssrd" serve --site "$work/site" --cache-dir "$work/cache" --workers 1 --cache-mb 0 --timing-log info \
    --http "$url" --ipc "" "$@" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do curl -sf -o /dev/null "$url/healthz" && return; sleep 0.1; done
  echo "[bench] error: ssrd did not start; its log: $log" >&2
  exit 1
}
# requests: each route ROUNDS times, route after route.
requests() {
  for r in "${routes[@]}"; do
    for _ in $(seq 1 "$rounds"); do curl -s -o /dev/null "$url$r"; done
  done
}
# ratios LOG [FROM_LINE]: per route, the first render_ms after FROM_LINE, the warm median, the ratio.
ratios() {
  tail -n +"${2:-1}" "$1" | python3 -c '
import re, statistics, sys
rows = {}
for line in sys.stdin:
    if "event=timing" not in line:
        continue
    path = re.search(r" path=(\S+)", line).group(1)
    rows.setdefault(path, []).append(float(re.search(r"render_ms=([0-9.]+)", line).group(1)))
for path, v in rows.items():
    warm = statistics.median(v[7:])
    print(f"{path} {v[0]:.2f} {warm:.2f} {v[0] / warm:.1f}")'
}

cp -r "$top/js/demo" "$work/site"
echo "[bench] warm-up off: ${#routes[@]} routes x $rounds requests after ready" >&2
serve "$work/off.log" --warmup-ms 0 --watch-ms 0
requests
stop
echo "[bench] warm-up on (1000 ms): the same, then a reload and the same again" >&2
serve "$work/on.log" --warmup-ms 1000 --watch-ms 100
requests
mark=$(wc -l <"$work/on.log")
# a change to the layout: a new shell, so every route gets a new context
sed -i 's|</footer>|<span> </span></footer>|' "$work/site/app/layout.jsx"
for _ in $(seq 1 300); do grep -q 'event=site_reloaded' "$work/on.log" && break; sleep 0.1; done
reload_at=$(grep -n 'event=site_reloaded' "$work/on.log" | head -1 | cut -d: -f1)
requests
stop
warm=$(grep 'event=worker_warm' "$work/on.log" | head -1 | sed -E 's/.* (renders=[0-9]+).* (ms=[0-9.]+).*/\1 \2/')
reload_ms=$(grep 'event=site_reloaded' "$work/on.log" | head -1 | sed -E 's/.*reload_ms=([0-9.]+).*/\1/')

echo
echo "First render against a warm one (render_ms; warm: median of renders 8-$rounds), the demo, one worker, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo "Warm-up at start: $warm; the reload took ${reload_ms} ms with its warm-up (lines before $mark: start; from $reload_at: after the reload)."
echo
echo "| route | first, warm-up off | warm | ratio | first, warm-up on | warm | ratio | first after a reload | warm | ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
join <(ratios "$work/off.log" | sort) <(head -n "$mark" "$work/on.log" | ratios /dev/stdin | sort) |
  join - <(ratios "$work/on.log" "$reload_at" | sort) |
  awk '{ printf "| %s | %s | %s | %s× | %s | %s | %s× | %s | %s | %s× |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }'
