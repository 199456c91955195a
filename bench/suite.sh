#!/usr/bin/env bash
# bench/suite.sh: the benchmark suite, one command. ssrd against what its users would run
# instead, each rendering the same page components with its own React, under wrk (Debian's),
# servers taking turns within every round, all sharing the machine's cores with wrk.
#   bash bench/suite.sh [--quick]
# Servers (2 of each: ssrd's workers, Node's cluster workers, Bun's processes):
#   ssrd         ssrd serve, its defaults (streaming = 1) but the response cache off and
#                hydration off, so that every server sends the same bytes and renders every time
#   node-string  Node.js 20, node:http + node:cluster, React's Node build: renderToString
#                (a page that suspends: renderToPipeableStream)           (bench/rivals/node_server.mjs)
#   node-pipe    the same, renderToPipeableStream for every page (React's docs' way)
#   bun          Bun 1.4 (npm's build), Bun.serve on reusePort, renderToReadableStream (bun_server.js)
#   ssrd-cached  ssrd serve with its response cache on (every GET after the first is a hit)
#   nginx        nginx serving the same bytes as a static file: the ceiling for a cached reply
# Scenarios (the demo site, plus two pages: app/catalog/page.jsx, the demo's catalog with its row
# count from the query, and app/streamed/page.jsx, 1,000 rows in a Suspense boundary whose data
# comes a timer later):
#   about 1 and 32 connections, cat200 (200 rows, 60 KB) 1 and 32, cat2000 (2,000 rows) 8,
#   streamed 32, cached (the 200-row page) 1 and 32.
# Then the in-process render loop: one render of the demo's /products (240 rows) in ssrd's engine
# (bench/render_bench) against Node's renderToString loop with its own React (rivals/node_loop.mjs).
# Writes bench/results/suite.md: medians over rounds of req/s, p50, p99 and RSS, and ratios.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in
  --quick) rounds=1 secs=2 ;;
  "") rounds=3 secs=5 ;;
  -h | --help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "bench/suite.sh: unknown argument '$1' (usage: bash bench/suite.sh [--quick])" >&2; exit 2 ;;
esac
say() { printf '[suite] %s\n' "$*" >&2; }
die() { printf '[suite] error: %s\n' "$*" >&2; exit 1; }

# ---- what it needs ----
command -v node >/dev/null || die "Node.js 20 is needed for the comparison (install nodejs 20, then run again)"
[ "$(node -p 'process.versions.node.split(".")[0]')" = 20 ] || say "warning: node is $(node --version), the comparison is meant for Node.js 20"
say "dependencies (tools/deps.sh --bench: wrk, nginx, Bun and React for the rivals)"
bash "$top/tools/deps.sh" --bench >&2 || die "tools/deps.sh --bench failed (above); run it as root"
say "building (tools/build.sh)"
bash "$top/tools/build.sh" >"${TMPDIR:-/tmp}/ssrd-suite-build.log" 2>&1 ||
  { tail -20 "${TMPDIR:-/tmp}/ssrd-suite-build.log" >&2; die "the build failed: see above, or run 'bash tools/build.sh'"; }
bin="${SSRD_BUILD_DIR:-$top/build}"
rivals="$top/bench/rivals"
bun="$rivals/node_modules/@oven/bun-linux-x64/bin/bun"
esbuild="$top/js/node_modules/.bin/esbuild"
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx_bin" ] || die "nginx is missing: run 'bash tools/deps.sh --bench' as root"

work=$(mktemp -d /tmp/ssrd-suite.XXXXXX)
chmod 755 "$work" # nginx's workers (www-data) read the static page from it
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# ---- the site: the demo and two pages of the suite's own ----
cp -r "$top/js/demo" "$work/site"
mkdir -p "$work/site/app/catalog" "$work/site/app/streamed"
cat >"$work/site/app/catalog/page.jsx" <<'EOF'
// bench/suite.sh: the demo's catalog with its row count from the query (?count=N).
import ProductsPage from "../products/page.jsx";

export default function CatalogPage({ query }) {
  return <ProductsPage count={query && query.count} />;
}
EOF
cat >"$work/site/app/streamed/page.jsx" <<'EOF'
// bench/suite.sh: a shell at once, then 1,000 rows in a Suspense boundary whose data comes a
// timer later: what a streamed page with a slow query looks like, without the wait.
import { Suspense, use } from "react";

const rows = (n) => new Promise((resolve) => setTimeout(() => resolve(Array.from({ length: n }, (_, i) => i)), 0));

function Table({ data }) {
  return (
    <table className="report">
      <tbody>
        {use(data).map((i) => (
          <tr key={i}>
            <td className="num">{i}</td>
            <td>Row {i}</td>
            <td className="num">{(i * 37) % 1000}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function StreamedPage() {
  return (
    <article>
      <h1>Report</h1>
      <Suspense fallback={<p className="loading">Loading…</p>}>
        <Table data={rows(1000)} />
      </Suspense>
    </article>
  );
}
EOF
# The same components for Node and Bun: one bundle, React left external so that each resolves its
# own from bench/rivals/node_modules (linked beside the bundle).
cat >"$work/entry.jsx" <<EOF
import { createElement as h } from "react";
import Layout from "$work/site/app/layout.jsx";
import About from "$work/site/app/about/page.jsx";
import Catalog from "$work/site/app/catalog/page.jsx";
import Streamed from "$work/site/app/streamed/page.jsx";
import Products from "$work/site/app/products/page.jsx";
const pages = { "/about": About, "/catalog": Catalog, "/streamed": Streamed, "/products": Products };
// The page in the root layout, with the props ssrd gives a page: the query, params, searchParams.
export function page(url) {
  const Page = pages[url.pathname];
  if (Page === undefined) return null;
  const query = Object.fromEntries(url.searchParams);
  return h(Layout, { path: url.pathname }, h(Page, { query, params: {}, searchParams: query }));
}
export const streams = (url) => url.pathname === "/streamed";
EOF
"$esbuild" "$work/entry.jsx" --bundle --platform=node --format=esm --jsx=automatic --external:react \
  --external:react-dom --define:process.env.NODE_ENV='"production"' --outfile="$work/site.mjs" --log-level=warning ||
  die "esbuild could not bundle the pages for Node and Bun (above)"
ln -s "$rivals/node_modules" "$work/node_modules"

# ---- the servers ----
declare -A port pidlist
wait_http() { # NAME URL_PATH
  local n=$1
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null "http://127.0.0.1:${port[$n]}$2" && return 0
    for p in ${pidlist[$n]}; do kill -0 "$p" 2>/dev/null || { tail -5 "$work/$n.log" >&2; die "$n exited at start (log above)"; }; done
    sleep 0.1
  done
  tail -5 "$work/$n.log" >&2
  die "$n did not answer on port ${port[$n]} within 30 s (log above)"
}
launch() { # NAME COMMAND...: in the background, its pid added to NAME's
  local n=$1
  shift
  "$@" >>"$work/$n.log" 2>&1 &
  pids+=($!)
  pidlist[$n]="${pidlist[$n]:-} $!"
}
for n in ssrd ssrd-cached node-string node-pipe bun nginx; do port[$n]=$(free_port); done
ssrd_flags=(serve --site "$work/site" --ipc "" --hydrate 0 --log-level warn --timing-log off)
launch ssrd "$bin/ssrd" "${ssrd_flags[@]}" --http "http://127.0.0.1:${port[ssrd]}" --cache-dir "$work/cache1" --cache-mb 0
launch ssrd-cached "$bin/ssrd" "${ssrd_flags[@]}" --http "http://127.0.0.1:${port[ssrd-cached]}" --cache-dir "$work/cache2" --cache-ttl 3600
export NODE_ENV=production
launch node-string node "$rivals/node_server.mjs" "${port[node-string]}" 2 string "$work/site.mjs"
launch node-pipe node "$rivals/node_server.mjs" "${port[node-pipe]}" 2 pipe "$work/site.mjs"
launch bun "$bun" "$rivals/bun_server.js" "${port[bun]}" "$work/site.mjs"
launch bun "$bun" "$rivals/bun_server.js" "${port[bun]}" "$work/site.mjs"
for n in ssrd ssrd-cached node-string node-pipe bun; do wait_http "$n" /about; done
say "servers up: $("$bin/ssrd" version | head -1), Node.js $(node --version), Bun $("$bun" --version)"

# nginx serves the 200-row page's bytes, as ssrd sends them, from a file
mkdir -p "$work/static"
curl -sf -o "$work/static/catalog.html" "http://127.0.0.1:${port[ssrd]}/catalog?count=200"
cat >"$work/nginx.conf" <<EOF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx-tmp;
  server {
    listen 127.0.0.1:${port[nginx]};
    location / { root $work/static; default_type "text/html; charset=utf-8"; try_files /catalog.html =404; }
  }
}
EOF
"$nginx_bin" -c "$work/nginx.conf" -e "$work/nginx.log" 2>>"$work/nginx.log" || die "nginx did not start: $(tail -3 "$work/nginx.log")"
pidlist[nginx]=$(cat "$work/nginx.pid")
wait_http nginx /

# ---- the scenarios ----
scenarios=(about:1 about:32 cat200:1 cat200:32 cat2000:8 streamed:32 cached:1 cached:32)
declare -A url=([about]=/about [cat200]="/catalog?count=200" [cat2000]="/catalog?count=2000" [streamed]=/streamed [cached]="/catalog?count=200")
declare -A what=([about]="about page (2 KB)" [cat200]="200-row catalog (60 KB)" [cat2000]="2,000-row catalog (580 KB)"
  [streamed]="1,000 rows in Suspense, streamed" [cached]="200-row catalog, cached")
servers_of() { case $1 in cached) echo ssrd-cached nginx ;; streamed) echo ssrd node-pipe bun ;; *) echo ssrd node-string node-pipe bun ;; esac; }
reference_of() { case $1 in cached) echo nginx ;; streamed) echo node-pipe ;; *) echo node-string ;; esac; }

# Every server sends the same page: the bytes are compared with ssrd's before anything is timed.
same="$work/same.tsv"
: >"$same"
for sc in about cat200 cat2000 streamed cached; do
  mine=ssrd; [ "$sc" = cached ] && mine=ssrd-cached
  curl -sf -o "$work/ref.html" "http://127.0.0.1:${port[$mine]}${url[$sc]}" || die "ssrd cannot render ${url[$sc]} (see $work/ssrd.log)"
  for n in $(servers_of "$sc"); do
    [ "$n" = "$mine" ] && continue
    curl -sf -o "$work/other.html" "http://127.0.0.1:${port[$n]}${url[$sc]}" || die "$n cannot render ${url[$sc]} (see $work/$n.log)"
    if cmp -s "$work/ref.html" "$work/other.html"; then r=same; else r="differs ($(wc -c <"$work/other.html") bytes)"; fi
    printf '%s\t%s\t%s\t%s\n' "$sc" "$n" "$(wc -c <"$work/ref.html")" "$r" >>"$same"
  done
done

rss_kb() { # NAME: all of its processes (Node's primary and workers, Bun's two, nginx's master and workers)
  local t=0 k p
  for p in ${pidlist[$1]}; do
    for k in $(ps -o rss= -p "$p" 2>/dev/null) $(ps -o rss= --ppid "$p" 2>/dev/null); do t=$((t + k)); done
  done
  echo "$t"
}
us() { awk '{ v = $1; if (v ~ /us$/) print v + 0; else if (v ~ /ms$/) print v * 1000; else if (v ~ /s$/) print v * 1e6; else print v }'; }

runs="$work/runs.tsv" # scenario conns server rps p50_us p99_us rss_kb non2xx
: >"$runs"
steps=0
for sc in "${scenarios[@]}"; do steps=$((steps + $(servers_of "${sc%%:*}" | wc -w))); done
steps=$((steps * rounds))
say "$steps runs of ${secs} s (wrk), $rounds round(s), servers in turn"
i=0
t0=$(date +%s)
for r in $(seq 1 "$rounds"); do
  for sc in "${scenarios[@]}"; do
    s=${sc%%:*} c=${sc##*:}
    for n in $(servers_of "$s"); do
      i=$((i + 1))
      t=$([ "$c" = 1 ] && echo 1 || echo 2)
      u="http://127.0.0.1:${port[$n]}${url[$s]}"
      wrk -t"$t" -c"$c" -d1s "$u" >/dev/null 2>&1 || true # warm-up: JITs, caches, connections
      out=$(wrk -t"$t" -c"$c" -d"${secs}s" --latency "$u" 2>&1) || die "wrk failed against $n: $out"
      rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
      p50=$(awk '$1 == "50%" { print $2 }' <<<"$out" | us)
      p99=$(awk '$1 == "99%" { print $2 }' <<<"$out" | us)
      bad=$(awk '/Non-2xx/ { print $NF }' <<<"$out")
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$c" "$n" "$rps" "$p50" "$p99" "$(rss_kb "$n")" "${bad:-0}" >>"$runs"
      printf '[suite %d/%d] round %d: %-11s %-8s c=%-2s %9.0f req/s  p50 %7.0f µs  p99 %8.0f µs\n' \
        "$i" "$steps" "$r" "$n" "$s" "$c" "$rps" "$p50" "$p99" >&2
    done
  done
done
elapsed=$(($(date +%s) - t0))

# ---- the in-process render loop ----
say "in-process: /products (240 rows), ssrd's engine against Node's renderToString loop"
loop="$work/loop.tsv"
: >"$loop"
for r in $(seq 1 "$rounds"); do
  a=$("$bin/bench/render_bench" --site "$top/js/demo" --path /products --iterations 2000 --warmup 500 2>/dev/null |
    sed -E 's/.*"median_ms":([0-9.]+).*/\1/')
  b=$(node "$rivals/node_loop.mjs" "$work/site.mjs" /products 2000 500)
  printf '%s\t%s\n' "$a" "$b" >>"$loop"
done

# ---- the report ----
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v s="$1" -v c="$2" -v n="$3" -v k="$4" '$1 == s && $2 == c && $3 == n { print $k }' "$runs" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "–"; else printf "%.2f×", a / b }'; }
md="$top/bench/results/suite.md"
mkdir -p "$(dirname "$md")"
{
  echo "# ssrd benchmark suite"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC') · $(nproc) cores · $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo) ·" \
    "ssrd $("$bin/ssrd" version | awk '{ print $2; exit }') · Node.js $(node --version) · Bun $("$bun" --version) ·" \
    "React $(node -p "require('$rivals/node_modules/react/package.json').version") · nginx $("$nginx_bin" -v 2>&1 | sed 's/.*\///')"
  echo
  echo "wrk, $rounds round(s) of ${secs} s per cell (after 1 s of warm-up), servers in turn within each round; each"
  echo "cell is the median over rounds. Every server runs 2 of itself on the machine's $(nproc) cores, which wrk"
  echo "shares. RSS: all of a server's processes after its run. Ratios: ssrd's req/s over the reference's"
  echo "(above 1× is faster), its p50 and p99 over the reference's (below 1× is faster), its RSS over the"
  echo "reference's. References: Node's renderToString (node-string) for whole pages, Node's"
  echo "renderToPipeableStream for the streamed page, nginx for the cached page. The run took ${elapsed} s."
  echo
  echo "| page | conns | server | req/s | p50 µs | p99 µs | RSS MB | non-2xx | req/s vs ref | p50 vs ref | p99 vs ref | RSS vs ref |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for sc in "${scenarios[@]}"; do
    s=${sc%%:*} c=${sc##*:} ref=$(reference_of "$s")
    for n in $(servers_of "$s"); do
      rps=$(col "$s" "$c" "$n" 4) p50=$(col "$s" "$c" "$n" 5) p99=$(col "$s" "$c" "$n" 6) rss=$(col "$s" "$c" "$n" 7)
      if [ "$n" = "$ref" ]; then rr="ref" rp="ref" rq="ref" rm="ref"; else
        rr=$(ratio "$rps" "$(col "$s" "$c" "$ref" 4)") rp=$(ratio "$p50" "$(col "$s" "$c" "$ref" 5)")
        rq=$(ratio "$p99" "$(col "$s" "$c" "$ref" 6)") rm=$(ratio "$rss" "$(col "$s" "$c" "$ref" 7)")
      fi
      name=$n; case $n in ssrd*) name="**$n**" ;; esac
      printf '| %s | %s | %s | %.0f | %.0f | %.0f | %.0f | %s | %s | %s | %s | %s |\n' "${what[$s]}" "$c" "$name" \
        "$rps" "$p50" "$p99" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$(col "$s" "$c" "$n" 8)" "$rr" "$rp" "$rq" "$rm"
    done
  done
  echo
  echo "The same bytes: each server's page against ssrd's, compared before the run."
  echo
  echo "| page | server | ssrd's bytes | its page |"
  echo "|---|---|---:|---|"
  awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$same"
  echo
  a=$(cut -f1 "$loop" | median) b=$(cut -f2 "$loop" | median)
  echo "In-process render loop, no server: the demo's /products (240 rows, 70 KB), median ms per render over"
  echo "2,000 renders after 500, median of $rounds round(s). ssrd: one render on its worker's thread, props in,"
  echo "UTF-8 bytes out (\`bench/render_bench\`). Node: renderToString with its own React, then the UTF-8"
  echo "bytes (\`bench/rivals/node_loop.mjs\`)."
  echo
  echo "| ssrd ms | Node ms | ssrd / Node |"
  echo "|---:|---:|---:|"
  printf '| %.3f | %.3f | %s |\n' "$a" "$b" "$(ratio "$a" "$b")"
} >"$md"
cat "$md"
say "done: $md"
