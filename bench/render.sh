#!/usr/bin/env bash
# bench/render.sh: per-render time of one page, ssrd against Node.js 20 on the same bundle, side by side.
#   bash bench/render.sh [PATH] [ROUNDS] [ITERATIONS]     (defaults: /products 5 2000)
# Each round runs every engine once, in turn, so they share the machine's noise; the table gives the
# median over rounds of each round's per-render median, and ratios to Node from those medians.
#   node              render + UTF-8 bytes in Node 20 (what res.end(html) costs too)
#   node render-only  the render alone, the string left as a rope
#   ssrd direct       the worker's call on one thread: props in, UTF-8 bytes out
#   ssrd pool         through the queue to a worker thread and back (what a request pays)
#   ssrd js-loop      React's own time inside ssrd's V8: the loop runs in JS, no C per render
#   ssrd pool-page    through the pool with isolation = page: a fresh context per render, React shared
#   ssrd pool-request through the pool with isolation = request: a fresh context per render
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
path=${1:-/products}
rounds=${2:-5}
iters=${3:-2000}
bash "$top/tools/build.sh" >/dev/null
bin="${SSRD_BUILD_DIR:-$top/build}"
work=$(mktemp -d /tmp/ssrd-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The layers Node loads are the ones ssrd builds; the manifest says where they are.
"$bin/ssrd" render-local "$path" --cache-dir "$work/cache" --log-level off >"$work/page.html"
layer() { sqlite3 "$work/cache/manifest.sqlite" "select file from layer where name like '$1'"; }
site_root=$(sqlite3 "$work/cache/manifest.sqlite" "select substr(name, 7) from layer where name like 'shell:%'")
page_key=$("$bin/ssrd" routes | awk -v p="$path" '
  { n = split($1, a, "/"); m = split(p, b, "/"); if (n != m) next; ok = 1
    for (i = 1; i <= n; i++) if (a[i] != b[i] && substr(a[i], 1, 1) != ":") ok = 0
    if (ok) { print $2; exit } }')
params=$(printf '{}')
shell_js=$(layer 'shell:%')
page_js=$(layer "page:%:$page_key")

declare -A results
run() { # NAME COMMAND...
  local name=$1
  shift
  local out
  out=$("$@" 2>/dev/null | tail -1)
  results[$name]+=" $(printf '%s' "$out" | sed -E 's/.*"median_ms":([0-9.]+).*/\1/')"
  if [ "$name" = node ]; then
    results[node-render-only]+=" $(printf '%s' "$out" | sed -E 's/.*"render_only_ms":([0-9.]+).*/\1/')"
  fi
}
for r in $(seq 1 "$rounds"); do
  printf '[bench] round %d/%d: node ' "$r" "$rounds" >&2
  run node node "$top/bench/node_render.mjs" "$work/cache/base.js" "$shell_js" "$page_js" "$site_root" \
    "$page_key" "$path" "$params" '{}' "$iters" 500
  printf 'ssrd-direct ' >&2
  run ssrd-direct "$bin/bench/render_bench" --mode direct --path "$path" --iterations "$iters"
  printf 'ssrd-pool ' >&2
  run ssrd-pool "$bin/bench/render_bench" --mode pool --path "$path" --iterations "$iters"
  printf 'ssrd-js-loop ' >&2
  run ssrd-js-loop "$bin/bench/render_bench" --mode js --path "$path" --iterations "$iters"
  printf 'ssrd-pool-page ' >&2
  run ssrd-pool-page "$bin/bench/render_bench" --mode pool --isolation page --path "$path" \
    --iterations "$((iters / 2))" --warmup 100
  printf 'ssrd-pool-request\n' >&2
  run ssrd-pool-request "$bin/bench/render_bench" --mode pool --isolation request --path "$path" \
    --iterations "$((iters / 5))" --warmup 50
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
node_med=$(echo "${results[node]}" | median)
echo
echo "Per-render median of $path ($(wc -c <"$work/page.html") bytes of HTML), $rounds rounds x $iters renders, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "| engine | median ms per render | vs node (render + bytes) | per-round medians |"
echo "|---|---:|---:|---|"
for name in node node-render-only ssrd-direct ssrd-pool ssrd-js-loop ssrd-pool-page ssrd-pool-request; do
  m=$(echo "${results[$name]}" | median)
  printf '| %s | %.3f | %.2fx |%s |\n' "$name" "$m" "$(awk -v a="$m" -v b="$node_med" 'BEGIN { print a / b }')" "${results[$name]}"
done

# A new worker, step by step (bench/render_bench --mode first): what a worker
# started by a running daemon pays before and during its first renders.
echo
echo "A new worker on $path, medians of 9 workers started in one process (the process's first isolate excluded):"
echo
"$bin/bench/render_bench" --mode first --path "$path" --iterations 10 2>/dev/null | tail -1 |
  tr ',{}' '\n\n\n' | sed -n 's/^"later_\([a-z0-9_]*\)_ms":\(.*\)/| \1 | \2 ms |/p' |
  { echo "| step | median |"; echo "|---|---:|"; cat; }

# The layout chain's cost: one page (a 200-row table) under the root layout alone (/flat) and
# under it and three nested layouts (/a/b/c/deep), in one site, rounds alternating: nested
# layouts live in the shell, so a warm context pays only React's work for the wrappers.
lsite="$work/layouts"
mkdir -p "$lsite/app/flat" "$lsite/app/a/b/c/deep" "$lsite/components"
cat >"$lsite/components/Table.jsx" <<'JS'
export default function Table() {
  const rows = [];
  for (let i = 0; i < 200; i++) rows.push(<tr key={i}><td>{i}</td><td className="n">row {i}</td><td>{i * 3}</td></tr>);
  return <table><tbody>{rows}</tbody></table>;
}
JS
printf 'export default function L({ children }) { return <html><body>{children}</body></html>; }\n' >"$lsite/app/layout.jsx"
for d in a a/b a/b/c; do
  printf 'export default function L({ children }) { return <div className="%s">{children}</div>; }\n' "${d//\//-}" >"$lsite/app/$d/layout.jsx"
done
for p in flat a/b/c/deep; do
  printf 'import Table from "%scomponents/Table.jsx";\nexport default function P() { return <main><Table /></main>; }\n' \
    "$(printf '../%.0s' $(seq 1 $(($(tr -cd / <<<"$p" | wc -c) + 2))))" >"$lsite/app/$p/page.jsx"
done
declare -A chain
for r in $(seq 1 "$rounds"); do
  printf '[bench] layouts round %d/%d\n' "$r" "$rounds" >&2
  for p in /flat /a/b/c/deep; do
    for mode in pool js; do
      out=$("$bin/bench/render_bench" --mode "$mode" --site "$lsite" --path "$p" --iterations "$iters" 2>/dev/null | tail -1)
      chain[$mode$p]+=" $(printf '%s' "$out" | sed -E 's/.*"median_ms":([0-9.]+).*/\1/')"
    done
  done
done
echo
echo "The same page under 1 layout and under 4 (three nested), $rounds rounds x $iters renders:"
echo
echo "| route | layouts | pool, median ms | js-loop, median ms | per-round pool medians |"
echo "|---|---:|---:|---:|---|"
for p in /flat /a/b/c/deep; do
  printf '| %s | %s | %.3f | %.3f |%s |\n' "$p" "$([ "$p" = /flat ] && echo 1 || echo 4)" \
    "$(echo "${chain[pool$p]}" | median)" "$(echo "${chain[js$p]}" | median)" "${chain[pool$p]}"
done
