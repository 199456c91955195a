#!/usr/bin/env bash
# bench/suite.sh: the benchmark suite, one command. ssrd against Node.js 20 on the same bundles,
# side by side in one run, rounds interleaved so that every server shares the machine's noise.
#   bash bench/suite.sh [--quick]
# Scenarios (the demo site, copied with one extra page, app/catalog/page.jsx, which renders the
# demo's /products page with its row count taken from the query: /catalog?count=N):
#   tiny      /about                 the host's overhead
#   cat200    /catalog?count=200     the 200-row catalog
#   cat2000   /catalog?count=2000    the 2,000-row catalog
#   slow      /slow                  streamed, a Suspense boundary whose data takes 200 ms
#   cached    /catalog?count=200     HTTP with the response cache on: every GET after the first is a hit
# Servers and transports, 1, 2 and 64 concurrent clients each (bench/load.c, closed loop):
#   ssrd-ipc   the render protocol through the client library (2 workers)
#   ssrd-http  ssrd's HTTP front (2 workers; streaming = 1, the default; hydrate = 0, so that the
#              page is what Node sends; cache_mb = 0 except for "cached")
#   node-http  node:http + node:cluster, 2 workers, serving renderToString of the very layers ssrd
#              built (bench/node_server.mjs; /slow through the base's renderToReadableStream)
# and in-process renders in Node (bench/node_render.mjs: a loop of renderToString, no server).
# Writes bench/results/suite.md (medians over rounds) and bench/results/suite.png (gnuplot).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
quick=0
case "${1:-}" in
  --quick) quick=1 ;;
  "") ;;
  -h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "bench/suite.sh: unknown argument '$1' (usage: bash bench/suite.sh [--quick])" >&2; exit 2 ;;
esac
if [ $quick = 1 ]; then
  rounds=1 secs=1.5 warm=0.5 node_scale=1
else
  rounds=3 secs=3 warm=1 node_scale=4
fi
clients_list=(1 2 64)
out_dir="$top/bench/results"
mkdir -p "$out_dir"

say() { printf '[suite] %s\n' "$*" >&2; }
die() { printf '[suite] error: %s\n' "$*" >&2; exit 1; }

# ---- what it needs ----
command -v node >/dev/null || die "Node.js 20 is needed for the comparison (install nodejs 20, e.g. from NodeSource, then run again)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" = 20 ] || say "warning: node is $(node --version), the comparison is meant for Node.js 20"
if ! command -v gnuplot >/dev/null; then
  say "installing gnuplot (tools/deps.sh --bench)"
  bash "$top/tools/deps.sh" --bench >&2 || die "could not install gnuplot-nox: run 'bash tools/deps.sh --bench' as root"
fi
say "building (tools/build.sh)"
bash "$top/tools/build.sh" >"${TMPDIR:-/tmp}/ssrd-suite-build.log" 2>&1 ||
  { tail -20 "${TMPDIR:-/tmp}/ssrd-suite-build.log" >&2; die "the build failed: see above, or run 'bash tools/build.sh'"; }
bin="${SSRD_BUILD_DIR:-$top/build}"
[ -x "$bin/bench/load" ] || die "$bin/bench/load is missing: the build did not make bench/load.c (is it in bench/CMakeLists.txt?)"

work=$(mktemp -d /tmp/ssrd-suite.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
field() { sed -E "s/.*\"$1\":\"?([^,\"}]*)\"?.*/\1/"; }

# ---- the site: the demo, plus /catalog (the products page, its row count from the query) ----
cp -r "$top/js/demo" "$work/site"
mkdir -p "$work/site/app/catalog"
cat >"$work/site/app/catalog/page.jsx" <<'EOF'
// bench/suite.sh: the demo's catalog with its row count from the query (?count=N), so that HTTP,
// which passes the query as props.query, can ask for 200 or 2,000 rows.
import ProductsPage from "../products/page.jsx";

export default function CatalogPage({ query }) {
  return <ProductsPage count={query && query.count} />;
}
EOF

# ---- the servers ----
common=(--site "$work/site" --workers 2 --cache-dir "$work/cache" --hydrate 0 --watch-ms 0 --log-level warn)
wait_http() { # PORT PID LOG WHAT
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null "http://127.0.0.1:$1/about" && return 0
    kill -0 "$2" 2>/dev/null || { tail -5 "$3" >&2; die "$4 exited at start (log above)"; }
    sleep 0.1
  done
  tail -5 "$3" >&2
  die "$4 did not answer on port $1 within 30 s (log above)"
}
# start_ssrd NAME PORT SOCK EXTRA...: a daemon; sets pid_NAME
start_ssrd() {
  local name=$1 port=$2 sock=$3
  shift 3
  rm -f "$sock"
  "$bin/ssrd" serve "${common[@]}" --http "http://127.0.0.1:$port" --ipc "ipc://$sock" "$@" >>"$work/$name.log" 2>&1 &
  local p=$!
  pids+=("$p")
  printf -v "pid_$name" '%s' "$p"
  wait_http "$port" "$p" "$work/$name.log" "ssrd serve ($name)"
}
say "starting ssrd (response cache off) and ssrd (response cache on)"
p_ssrd=$(free_port)
start_ssrd ssrd "$p_ssrd" "$work/ssrd.sock" --cache-mb 0
p_cached=$(free_port)
start_ssrd cached "$p_cached" "$work/cached.sock" --cache-mb 64 --cache-ttl 3600
wedged=0
# check_ssrd NAME PORT SOCK EXTRA...: restarts a daemon that stopped answering, so the run goes on
check_ssrd() {
  local name=$1 port=$2 pid_var="pid_$1"
  curl -sf -m 3 -o /dev/null "http://127.0.0.1:$port/healthz" && return 0
  wedged=$((wedged + 1))
  printf '[suite] warning: ssrd (%s) stopped answering /healthz; killing and restarting it (see "Problems" in suite.md)\n' "$name" >&2
  kill -9 "${!pid_var}" 2>/dev/null || true
  wait "${!pid_var}" 2>/dev/null || true
  start_ssrd "$@"
}

# The layers Node loads are the ones ssrd built: the manifest says where they are.
manifest="$work/cache/manifest.sqlite"
q() { sqlite3 "$manifest" "$1"; }
base_js=$(q "select file from layer where name = 'base'")
shell_js=$(q "select file from layer where name = 'shell:$work/site'")
page_file() { q "select file from layer where name = 'page:$work/site:$1'"; }
for r in /about /catalog /slow; do curl -sf -o /dev/null "http://127.0.0.1:$p_ssrd$r" || die "ssrd cannot render $r (see $work/ssrd.log)"; done
for k in app/about/page.jsx app/catalog/page.jsx app/slow/page.jsx; do
  [ -n "$(page_file "$k")" ] || die "no layer for $k in $manifest: ssrd did not build it"
done
[ -n "$base_js" ] && [ -n "$shell_js" ] || die "no base or shell layer in $manifest"
cat >"$work/routes.json" <<EOF
{"/about": {"key": "app/about/page.jsx", "file": "$(page_file app/about/page.jsx)", "stream": false},
 "/catalog": {"key": "app/catalog/page.jsx", "file": "$(page_file app/catalog/page.jsx)", "stream": false},
 "/slow": {"key": "app/slow/page.jsx", "file": "$(page_file app/slow/page.jsx)", "stream": true}}
EOF
say "starting Node.js $(node --version) (node:http + cluster, 2 workers)"
p_node=$(free_port)
node "$top/bench/node_server.mjs" "$p_node" 2 "$base_js" "$shell_js" "$work/site" "$work/routes.json" \
  >"$work/node.log" 2>&1 &
pid_node=$!; pids+=("$pid_node")
wait_http "$p_node" "$pid_node" "$work/node.log" "bench/node_server.mjs"

# The pages agree: same bytes from ssrd and Node for the non-streamed ones.
for u in /about "/catalog?count=200"; do
  a=$(curl -s "http://127.0.0.1:$p_ssrd$u" | wc -c); b=$(curl -s "http://127.0.0.1:$p_node$u" | wc -c)
  [ "$a" = "$b" ] || say "warning: $u is $a bytes from ssrd and $b from Node"
done

rss_kb() { # PID: the process and its children (Node's cluster workers)
  local t=0 k
  for k in $(ps -o rss= -p "$1" 2>/dev/null) $(ps -o rss= --ppid "$1" 2>/dev/null); do t=$((t + k)); done
  echo "$t"
}

# ---- the steps ----
scenarios=(tiny cat200 cat2000 slow cached)
declare -A url=([tiny]=/about [cat200]="/catalog?count=200" [cat2000]="/catalog?count=2000" [slow]=/slow [cached]="/catalog?count=200")
declare -A what=([tiny]="/about (host overhead)" [cat200]="200-row catalog" [cat2000]="2,000-row catalog"
  [slow]="/slow, streamed (200 ms data)" [cached]="200-row catalog from the response cache")
steps=()
for r in $(seq 1 "$rounds"); do
  for s in "${scenarios[@]}"; do
    for c in "${clients_list[@]}"; do
      [ "$s" != cached ] && steps+=("$r ssrd-ipc $s $c")
      steps+=("$r ssrd-http $s $c" "$r node-http $s $c")
    done
    case $s in tiny | cat200 | cat2000) steps+=("$r node-inproc $s 1") ;; esac
  done
done
total=${#steps[@]}
results="$work/results.tsv" # round system scenario clients rps p50 p99 first_p50 rss_kb errors bytes
: >"$results"
declare -A node_iters=([tiny]=1500 [cat200]=150 [cat2000]=20)
t_begin=$(date +%s)
say "$total steps, $rounds round(s), ${secs} s per load run after ${warm} s of warm-up"
i=0
for step in "${steps[@]}"; do
  i=$((i + 1))
  read -r r sys s c <<<"$step"
  u=${url[$s]}
  printf '[suite %d/%d] round %d: %s %s c=%d ... ' "$i" "$total" "$r" "$sys" "$s" "$c" >&2
  stream=0; [ "$s" = slow ] && stream=1
  case $sys in
    ssrd-ipc) args=(--transport ipc --target "ipc://$work/ssrd.sock" --stream "$stream"); pid=$pid_ssrd ;;
    ssrd-http)
      if [ "$s" = cached ]; then port=$p_cached pid=$pid_cached; else port=$p_ssrd pid=$pid_ssrd; fi
      args=(--transport http --target "127.0.0.1:$port") ;;
    node-http) args=(--transport http --target "127.0.0.1:$p_node"); pid=$pid_node ;;
  esac
  if [ "$sys" = node-inproc ]; then
    page=$(page_file app/catalog/page.jsx); key=app/catalog/page.jsx path=/catalog
    props="{\"query\":{\"count\":\"${u##*=}\"},\"headers\":{}}"
    if [ "$s" = tiny ]; then page=$(page_file app/about/page.jsx); key=app/about/page.jsx path=/about; props='{"query":{},"headers":{}}'; fi
    n=$((node_iters[$s] * node_scale))
    o=$(node "$top/bench/node_render.mjs" "$base_js" "$shell_js" "$page" "$work/site" "$key" "$path" '{}' "$props" \
      "$n" "$((n / 4 + 5))" 2>"$work/err") || { cat "$work/err" >&2; die "bench/node_render.mjs failed (above)"; }
    ms=$(echo "$o" | field median_ms)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$sys" "$s" 1 \
      "$(awk -v m="$ms" 'BEGIN { printf "%.1f", 1000 / m }')" "$ms" "$ms" "$(echo "$o" | field render_only_ms)" 0 0 \
      "$(echo "$o" | field bytes)" >>"$results"
    printf '%s ms per render\n' "$ms" >&2
    continue
  fi
  o=$(timeout "$(awk -v a="$secs" -v b="$warm" 'BEGIN { print int(a + b + 30) }')" "$bin/bench/load" "${args[@]}" --url "$u" --clients "$c" --seconds "$secs" --warmup "$warm" 2>&1) || true
  case $o in
    '{'*) ;;
    *) printf '\n' >&2; die "bench/load failed for $sys $s c=$c: $o" ;;
  esac
  errs=$(echo "$o" | field errors)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$sys" "$s" "$c" "$(echo "$o" | field rps)" \
    "$(echo "$o" | field p50_ms)" "$(echo "$o" | field p99_ms)" "$(echo "$o" | field first_p50_ms)" \
    "$(rss_kb "$pid")" "$errs" "$(echo "$o" | field bytes_per_reply)" >>"$results"
  printf '%s req/s, p50 %s ms' "$(echo "$o" | field rps)" "$(echo "$o" | field p50_ms)" >&2
  [ "$errs" != 0 ] && printf ' (%s errors: %s)' "$errs" "$(echo "$o" | field first_error)" >&2
  [ "$(echo "$o" | field ok)" = 0 ] && printf ' (warning: no reply completed)' >&2
  if [ "$s" = cached ] && [ "$sys" = ssrd-http ] && [ "$(echo "$o" | field cache_hits)" = 0 ]; then
    printf ' (warning: no cache hits)' >&2
  fi
  printf '\n' >&2
  case $sys in
    ssrd-*) check_ssrd ssrd "$p_ssrd" "$work/ssrd.sock" --cache-mb 0
            check_ssrd cached "$p_cached" "$work/cached.sock" --cache-mb 64 --cache-ttl 3600 ;;
  esac
done
for p in "$pid_ssrd" "$pid_cached" "$pid_node"; do
  kill -0 "$p" 2>/dev/null || die "a server died during the run (logs: $work/ssrd.log, cached.log, node.log)"
done
elapsed=$(($(date +%s) - t_begin))

# ---- medians over rounds ----
# agg SYSTEM SCENARIO CLIENTS COLUMN -> the median over rounds (empty when not measured)
agg() {
  awk -F'\t' -v y="$1" -v s="$2" -v c="$3" -v k="$4" '$2 == y && $3 == s && $4 == c { print $k }' "$results" |
    sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "–" }' || echo "–"; }
fmt() { [ -n "$1" ] && awk -v v="$1" -v d="$2" 'BEGIN { printf "%.*f", d, v }' || echo "–"; }

md="$out_dir/suite.md"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
{
  echo "# ssrd benchmark suite"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC')$([ $quick = 1 ] && echo ', --quick') · $(nproc) cores · $cpu · Linux $(uname -r) · $mem RAM"
  echo "· $("$bin/ssrd" version 2>/dev/null | head -1) · Node.js $(node --version)"
  echo
  echo "$rounds round(s); each cell is the median over rounds of one ${secs} s closed-loop run (after ${warm} s"
  echo "of warm-up) with N concurrent clients (\`bench/load\`); the servers take turns within every round."
  echo "ssrd: 2 workers, streaming on (its default), hydrate off, response cache off except in *cached*."
  echo "Node: \`node:http\` + \`cluster\` with 2 workers, renderToString of the same layers ssrd built (\`/slow\`:"
  echo "the base's renderToReadableStream). RSS: the server process (Node: primary + workers) after the run."
  echo "Ratios are ssrd / Node from this run: above 1× means more requests/s for ssrd (req/s), or a longer"
  echo "p50 (p50). The whole run took ${elapsed} s."
  echo
  echo "| scenario | clients | server | req/s | p50 ms | p99 ms | first byte p50 ms | RSS MB | errors | req/s vs Node | p50 vs Node |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for s in "${scenarios[@]}"; do
    for c in "${clients_list[@]}"; do
      nr=$(agg node-http "$s" "$c" 5); np=$(agg node-http "$s" "$c" 6)
      for sys in ssrd-ipc ssrd-http node-http; do
        rps=$(agg "$sys" "$s" "$c" 5)
        [ -z "$rps" ] && continue
        p50=$(agg "$sys" "$s" "$c" 6)
        label=$sys; [ "$s" = cached ] && [ "$sys" = node-http ] && label="node-http (no cache)"
        vs_r="–" vs_p="–"
        [ "$sys" != node-http ] && vs_r=$(ratio "$rps" "$nr") && vs_p=$(ratio "$p50" "$np")
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${what[$s]}" "$c" "$label" \
          "$(fmt "$rps" 0)" "$(fmt "$p50" 2)" "$(fmt "$(agg "$sys" "$s" "$c" 7)" 2)" "$(fmt "$(agg "$sys" "$s" "$c" 8)" 2)" \
          "$(fmt "$(awk -v k="$(agg "$sys" "$s" "$c" 9)" 'BEGIN { print k / 1024 }')" 1)" \
          "$(awk -F'\t' -v y="$sys" -v s="$s" -v c="$c" '$2 == y && $3 == s && $4 == c { e += $10 } END { print e + 0 }' "$results")" \
          "$vs_r" "$vs_p"
      done
    done
  done
  echo
  echo "In-process, no server: Node's loop of renderToString (+ UTF-8 bytes, what \`res.end\` needs) on the same"
  echo "layers (\`bench/node_render.mjs\`), against one ssrd render over IPC with one client (p50, the"
  echo "protocol's round trip included):"
  echo
  echo "| scenario | HTML bytes | Node ms per render | Node render only | ssrd IPC c=1 p50 ms | ssrd / Node |"
  echo "|---|---:|---:|---:|---:|---:|"
  for s in tiny cat200 cat2000; do
    nm=$(agg node-inproc "$s" 1 6); sm=$(agg ssrd-ipc "$s" 1 6)
    printf '| %s | %s | %s | %s | %s | %s |\n' "${what[$s]}" "$(agg node-inproc "$s" 1 11)" "$(fmt "$nm" 3)" \
      "$(fmt "$(agg node-inproc "$s" 1 8)" 3)" "$(fmt "$sm" 3)" "$(ratio "$sm" "$nm")"
  done
  echo
  if [ "$wedged" -gt 0 ]; then
    echo "**Problems.** ssrd stopped answering $wedged time(s) during this run (the suite killed and restarted"
    echo "it, so the step that wedged it counts errors and fewer requests). That is a bug: keep the logs."
    echo
  fi
  echo "![requests/s per scenario](suite.png)"
} >"$md"

# ---- the chart ----
dat="$work/chart.dat"
{
  echo "# label ssrd-ipc ssrd-http node-http"
  for s in "${scenarios[@]}"; do
    for c in "${clients_list[@]}"; do
      printf '"%s c=%s"' "$s" "$c"
      for sys in ssrd-ipc ssrd-http node-http; do v=$(agg "$sys" "$s" "$c" 5); printf ' %s' "${v:-?}"; done
      echo
    done
  done
} >"$dat"
gnuplot <<EOF || die "gnuplot failed to draw $out_dir/suite.png"
set terminal pngcairo size 1400,600 noenhanced font ",10"
set output "$out_dir/suite.png"
set title "ssrd vs Node.js $(node --version), requests/s (log scale), $(nproc) cores, $(date -u +%Y-%m-%d)"
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [1:*]
set ylabel "requests/s (median over rounds)"
set xtics rotate by -40 scale 0
set grid ytics
set key top right
plot "$dat" using 2:xtic(1) title "ssrd IPC" lc rgb "#1f77b4", \
     "" using 3 title "ssrd HTTP" lc rgb "#2ca02c", \
     "" using 4 title "Node HTTP (cluster, 2 workers)" lc rgb "#d62728"
EOF
say "done in ${elapsed} s: $md and $out_dir/suite.png"
cat "$md"
