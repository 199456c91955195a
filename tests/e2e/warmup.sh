#!/usr/bin/env bash
# e2e: before `ssrd serve` takes requests, and before a reloaded generation serves, each worker
# renders the site's pages that need no parameters (warmup_ms): within its budget, a page that
# never ends cut off; the pages' fetch() refused and their database writes refused (nobody asked
# for those renders), their console lines not logged, none of it counted as a render; the first
# real request of each page does all of that as usual.
. "$(dirname "$0")/lib.sh"
port=$(free_port)
api_port=$(free_port)
url="http://127.0.0.1:$port"

# An API that counts the requests it gets: a warm-up must not reach it.
cat >"$WORK/api.py" <<'EOF'
import http.server, sys
hits = 0
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global hits
        if self.path == "/hits":
            body = str(hits).encode()
        else:
            hits += 1
            body = b'{"name":"from the api"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
python3 "$WORK/api.py" "$api_port" &
api_pid=$!
cleanup_hooks+=("kill $api_pid 2>/dev/null")

site="$WORK/site"
mkdir -p "$site/app/fetched" "$site/app/written" "$site/app/never" "$site/app/items/[id]"
cat >"$site/app/layout.jsx" <<'EOF'
export default function Layout({ children }) {
  return (
    <html>
      <body>{children}</body>
    </html>
  );
}
EOF
cat >"$site/app/page.jsx" <<'EOF'
export default function Home() {
  console.log("home-rendered-v1");
  return <p>home v1</p>;
}
EOF
cat >"$site/app/fetched/page.jsx" <<EOF
import { fetch } from "ssrd";
export const cache = false;
export default async function Fetched() {
  const res = await fetch("http://127.0.0.1:$api_port/thing");
  const thing = await res.json();
  return <p>{thing.name}</p>;
}
EOF
cat >"$site/app/written/page.jsx" <<'EOF'
import { db } from "ssrd";
export const cache = false;
export default async function Written() {
  await db.query("log", "INSERT INTO visits (at) VALUES (?)", [Date.now()]);
  return <p>visit written</p>;
}
EOF
# streams its shell, then waits for ever: the warm-up's budget ends it
cat >"$site/app/never/page.jsx" <<'EOF'
import { Suspense, use } from "react";
const forever = new Promise(() => {});
function Late() {
  use(forever);
  return null;
}
export default function Never() {
  return (
    <Suspense fallback={<p>waiting</p>}>
      <Late />
    </Suspense>
  );
}
EOF
cat >"$site/app/items/[id]/page.jsx" <<'EOF'
export default function Item({ params }) {
  console.log("item-rendered");
  return <p>item {params.id}</p>;
}
EOF
# outside the site's tree: a write there would be a change the watcher reloads for
sqlite3 "$WORK/log.sqlite" 'CREATE TABLE visits (at INTEGER)'
rows() { sqlite3 "$WORK/log.sqlite" 'SELECT count(*) FROM visits'; }

started=$(date +%s%N)
"$SSRD" serve --site "$site" --cache-dir "$WORK/cache" --workers 2 --warmup-ms 800 --watch-ms 100 \
  --cache-mb 0 --hydrate 0 --fetch-allow "127.0.0.1:$api_port" --databases "log=$WORK/log.sqlite:rw" \
  --http "$url" --ipc "" >"$WORK/serve.log" 2>&1 &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
for _ in $(seq 1 300); do curl -sf -o /dev/null "$url/healthz" && break; sleep 0.1; done

warm_lines() { grep "event=worker_warm .*reason=$1" "$WORK/serve.log"; }
check "each worker warmed up before it served" test "$(warm_lines start | grep -c 'renders=[1-9]')" -eq 2
check "the page that never ends was cut off at the budget" test "$(warm_lines start | grep -c 'budget_reached=1')" -eq 2
# each worker's warm-up within its 800 ms and the abort's grace (1 s)
check "each warm-up kept to its budget" \
  python3 -c "import re,sys; ms=[float(m) for m in re.findall(r'reason=start .* ms=([0-9.]+)', open('$WORK/serve.log').read())]; sys.exit(not (len(ms) == 2 and max(ms) < 1800))"
check "the warm-up did not reach the API" test "$(curl -s "http://127.0.0.1:$api_port/hits")" = 0
check "nor write to the database" test "$(rows)" = 0
check "nor log its pages' console lines" test "$(grep -c 'home-rendered-v1' "$WORK/serve.log")" = 0
check "nor count as renders" test "$(curl -s "$url/metrics" | grep -c '^ssrd_worker_renders_total{worker="[01]"} 0$')" = 2
check "nor render pages that need parameters" test "$(grep -c 'item-rendered' "$WORK/serve.log")" = 0

check "a request's fetch reaches the API" sh -c "curl -s '$url/fetched' | grep -q 'from the api'"
check "once" test "$(curl -s "http://127.0.0.1:$api_port/hits")" = 1
check "a request's write is made" sh -c "curl -s '$url/written' | grep -q 'visit written'"
check "once" test "$(rows)" = 1
curl -s -o /dev/null "$url/"
check "a request's console lines are logged" grep -q 'home-rendered-v1' "$WORK/serve.log"
check "the page that never ends still streams its shell to a request" \
  sh -c "curl -s -m 1 '$url/never' | grep -q 'waiting'"

# A reload: each worker warms the new generation before it serves.
sed -i 's/v1/v2/g' "$site/app/page.jsx"
for _ in $(seq 1 100); do grep -q 'event=site_reloaded .*generation=2' "$WORK/serve.log" && break; sleep 0.1; done
check "the reload was logged" grep -q 'event=site_reloaded .*generation=2' "$WORK/serve.log"
check "each worker warmed the new generation before it was swapped in" python3 -c "
import sys
lines = open('$WORK/serve.log').read().splitlines()
swap = next(i for i, l in enumerate(lines) if 'event=site_reloaded' in l and 'generation=2' in l)
sys.exit(not sum('reason=reload' in l and 'renders=' in l for l in lines[:swap]) == 2)"
check "and still fetched nothing" test "$(curl -s "http://127.0.0.1:$api_port/hits")" = 1
check "nor wrote" test "$(rows)" = 1
check "nor logged the new console line" test "$(grep -c 'home-rendered-v2' "$WORK/serve.log")" = 0
curl -s -D "$WORK/v2.h" -o "$WORK/v2.b" "$url/"
# (what came instead, and the log's last lines, when it did not: for whoever reads the failure)
grep -q 'home v2' "$WORK/v2.b" ||
  { head -3 "$WORK/v2.h"; head -c 300 "$WORK/v2.b"; echo; grep -v worker_warm "$WORK/serve.log" | tail -5; }
check "the new generation serves" grep -q 'home v2' "$WORK/v2.b"
kill -TERM $pid
wait $pid
check "and stops cleanly (nothing leaked)" test $? -eq 0

# A worker replacing its isolate warms the new one before it serves again.
"$SSRD" serve --site "$site" --cache-dir "$WORK/cache" --workers 1 --warmup-ms 300 --watch-ms 0 \
  --recycle-renders 3 --cache-mb 0 --hydrate 0 --http "$url" --ipc "" >"$WORK/recycle.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do curl -sf -o /dev/null "$url/healthz" && break; sleep 0.1; done
for _ in 1 2 3 4; do curl -s -o /dev/null "$url/"; done
check "a replaced isolate is warmed before it serves" python3 -c "
import sys
lines = open('$WORK/recycle.log').read().splitlines()
swap = next(i for i, l in enumerate(lines) if 'event=isolate_recycled' in l)
sys.exit(not ('reason=recycle' in lines[swap - 1] and 'renders=' in lines[swap - 1]))"
check "and serves after" sh -c "curl -s '$url/' | grep -q 'home v2'"
kill -TERM $pid
wait $pid
check "and stops cleanly" test $? -eq 0

# The demo in page isolation, warmed on one worker with room for all its renders: warm-up renders
# started back to back, with no turn of the worker's loop between them, crashed V8 here while it
# deserialised a context from the snapshot (SIGSEGV, 3 starts in 3).
"$SSRD" serve --site "$SRC/js/demo" --cache-dir "$WORK/democache" --workers 1 --isolation page \
  --warmup-ms 8000 --watch-ms 0 --http "$url" --ipc "" >"$WORK/demo.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do curl -sf -o /dev/null "$url/healthz" && break; sleep 0.1; done
check "the demo warms in page isolation: every render, none failed" \
  grep -qE 'event=worker_warm worker=0 reason=start renders=[1-9][0-9]* failed=0 budget_reached=0' "$WORK/demo.log"
check "and serves after" sh -c "curl -s '$url/products' | grep -q '<table'"
kill -TERM $pid
wait $pid
check "and stops cleanly" test $? -eq 0

# warmup_ms = 0: no warm-up at all.
"$SSRD" serve --site "$site" --cache-dir "$WORK/cache" --workers 1 --warmup-ms 0 --watch-ms 0 \
  --hydrate 0 --http "$url" --ipc "" >"$WORK/serve0.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do curl -sf -o /dev/null "$url/healthz" && break; sleep 0.1; done
check "warmup_ms = 0 turns it off" test "$(grep -c 'event=worker_warm' "$WORK/serve0.log")" = 0
kill -TERM $pid
wait $pid
: "$started"
finish
