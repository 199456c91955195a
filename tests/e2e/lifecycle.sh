#!/usr/bin/env bash
# e2e: ssrd serve's lifecycle with real daemons. SIGTERM drains: renders in flight finish with
# their whole output, new requests get 503 + Retry-After (the protocol: closed), exit 0, the pid
# file goes; drain_ms cuts a render that outlives it; a second signal stops at once. SIGHUP
# reloads the config and the sites under a stream of requests without failing one, and a broken
# config leaves it serving. A pid file held by a live ssrd, a missing site, a site without app/,
# an unusable socket path and ports in use fail the start at once, exit 4, with the reason.
. "$(dirname "$0")/lib.sh"
cp -r "$SRC/js/demo" "$WORK/site"
# a page that takes as long as asked (props.ms, or ?ms= over HTTP): the shell at once, then the
# rest; never cached, so each request renders
mkdir -p "$WORK/site/app/wait"
cat >"$WORK/site/app/wait/page.jsx" <<'JSX'
import { Suspense, use } from "react";

export const cache = false;
const wait = (ms) => new Promise((resolve) => setTimeout(() => resolve("WAIT-DONE"), ms));

function Done({ p }) {
  return <p id="done">{use(p)}</p>;
}

export default function Wait({ ms, query }) {
  const p = wait(Number(ms ?? (query && query.ms) ?? 100));
  return (
    <main>
      <h1>WAIT-SHELL</h1>
      <Suspense fallback={<p>waiting</p>}>
        <Done p={p} />
      </Suspense>
    </main>
  );
}
JSX
common=(--site "$WORK/site" --cache-dir "$WORK/cache" --workers 2 --watch-ms 0)

# start NAME ARGS...: serves in the background (log in $WORK/NAME.log) on a fresh port; sets
# $pid and $url, and waits until it is ready. The first start builds the cache; the others
# use it.
start() {
  local name=$1
  shift
  url="http://127.0.0.1:$(free_port)"
  "$SSRD" serve "${common[@]}" --http "$url" --ipc "ipc://$WORK/$name.sock" "$@" \
    >"$WORK/$name.log" 2>&1 &
  pid=$!
  cleanup_hooks+=("kill -9 $pid 2>/dev/null")
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null "$url/readyz" && return 0
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
  done
  not_ok "$name did not start: $(tail -3 "$WORK/$name.log")"
}
# until_ok SECONDS CMD...: retries CMD every 0.05 s until it succeeds or time runs out.
until_ok() {
  local deadline=$((SECONDS + $1))
  shift
  while ! "$@"; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.05
  done
}
logged() { grep -q -- "$2" "$WORK/$1.log"; }
# exits_within SECONDS PID: the process ends in time; its exit code in $rc.
exits_within() {
  local deadline=$((SECONDS + $1))
  while kill -0 "$2" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then rc=timeout; return 1; fi
    sleep 0.05
  done
  wait "$2"
  rc=$?
}
# slow N MS: N streamed requests for /wait?ms=MS in the background, bodies in $WORK/slowI;
# returns once each has its shell (its render runs, the rest still to come).
slow() {
  slow_pids=()
  rm -f "$WORK"/slow*
  for i in $(seq 1 "$1"); do
    curl -sN -o "$WORK/slow$i" -w '%{http_code}' --max-time 20 "$url/wait?ms=$2" >"$WORK/slow$i.code" &
    slow_pids+=($!)
  done
  for i in $(seq 1 "$1"); do
    until_ok 10 grep -q 'WAIT-SHELL' "$WORK/slow$i" || not_ok "slow request $i got no shell"
  done
}

# ---- SIGTERM drains ----
start a --pid-file "$WORK/a.pid" --drain-ms 8000
check "the pid file holds the daemon's pid" [ "$(cat "$WORK/a.pid" 2>/dev/null)" = "$pid" ]
check "starting is logged with the pid" logged a "event=starting pid=$pid"
# Two protocol renders, one replied whole and one streamed, and three streamed over HTTP. (The
# protocol ones take 2.5 s: longer than the client library's old 2 s resend, which made a render
# outlasting it run twice and fail during a drain.)
"$SSRD" render /wait --props '{"ms":2500}' --connect "ipc://$WORK/a.sock" >"$WORK/ipc.out" 2>"$WORK/ipc.err" &
ipc_pid=$!
"$SSRD" render /wait --stream --props '{"ms":2500}' --connect "ipc://$WORK/a.sock" >"$WORK/ipcs.out" 2>"$WORK/ipcs.err" &
ipcs_pid=$!
check "the protocol stream has its shell" until_ok 10 grep -q 'WAIT-SHELL' "$WORK/ipcs.out"
sleep 0.2 # the other protocol render, sent with the stream's, runs too
slow 3 3000
kill -TERM $pid
check "draining is logged with the grace" until_ok 5 logged a 'event=draining signal=SIGTERM grace_ms=8000'
code=$(curl -s -D "$WORK/h503" -o "$WORK/b503" -w '%{http_code}' --max-time 5 "$url/products")
check "a new HTTP request during the drain gets 503" [ "$code" = 503 ]
check "with Retry-After: 1" grep -qi '^retry-after: 1' "$WORK/h503"
check "and Connection: close" grep -qi '^connection: close' "$WORK/h503"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url/readyz")
check "/readyz says 503 while draining" [ "$code" = 503 ]
expect_exit 1 "a new protocol request during the drain is refused" -- \
  "$SSRD" render /about --connect "ipc://$WORK/a.sock"
stderr_has "(closed, 503)"
check "the daemon exits 0 once its renders are done" exits_within 15 $pid
check "  (exit code $rc)" [ "$rc" = 0 ]
for i in 1 2 3; do
  wait "${slow_pids[$((i - 1))]}"
  check "slow request $i completed: 200 with its whole output" \
    sh -c "[ \"\$(cat '$WORK/slow$i.code')\" = 200 ] && grep -q 'WAIT-DONE' '$WORK/slow$i' && grep -q '</html>' '$WORK/slow$i'"
done
wait $ipc_pid
check "the protocol render in flight completed with its whole output" grep -q 'WAIT-DONE' "$WORK/ipc.out"
wait $ipcs_pid
check "so did the protocol stream" sh -c "grep -q WAIT-DONE '$WORK/ipcs.out' && grep -q '</html>' '$WORK/ipcs.out'"
check "the pid file is removed" [ ! -e "$WORK/a.pid" ]
check "drained is logged" logged a 'event=drained renders_left=0 replies_left=0'
check "stopped is logged with drained=1" logged a 'event=stopped signal=SIGTERM drained=1 forced=0'

# ---- drain_ms runs out ----
start b --drain-ms 300
slow 1 4500
kill -TERM $pid
check "a render outliving drain_ms is stopped: the daemon exits soon" exits_within 3 $pid
check "  with exit code 0 (got $rc)" [ "$rc" = 0 ]
check "the log says a render was left" logged b 'event=drained renders_left=1'
check "and stopped with drained=0" logged b 'event=stopped signal=SIGTERM drained=0'
wait "${slow_pids[0]}"

# ---- a second signal stops at once ----
start c --drain-ms 20000
slow 1 4500
kill -TERM $pid
until_ok 5 logged c 'event=draining'
kill -INT $pid
check "a second signal during the drain stops at once" exits_within 3 $pid
check "  with exit code 0 (got $rc)" [ "$rc" = 0 ]
check "the log says the drain was cut" logged c 'event=drain_cut signal=SIGINT'
check "and stopped with forced=1" logged c 'event=stopped signal=SIGTERM drained=0 forced=1'
wait "${slow_pids[0]}"

# ---- SIGHUP reloads the config and the sites, under load ----
cat >"$WORK/d.conf" <<CONF
[server]
queue_max = 1024
[log]
log_level = "info"
CONF
start d --config "$WORK/d.conf" --pid-file "$WORK/d.pid"
d_pid=$pid d_url=$url
check "serves /products" sh -c "curl -s '$url/products' | grep -q '<h1>Products</h1>'"
# a stream of requests for the whole reload: two clients, one request after another
load() { while [ ! -e "$WORK/stop-load" ]; do
  curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 "$url/products?c=$1$RANDOM" >>"$WORK/codes$1"
done; }
load 1 &
l1=$!
load 2 &
l2=$!
sleep 0.5
sed -i 's/: "Products"}/: "Reloaded products"}/' "$WORK/site/app/products/page.jsx"
sed -i 's/log_level = "info"/log_level = "debug"/; s/queue_max = 1024/queue_max = 512/' "$WORK/d.conf"
kill -HUP $pid
check "SIGHUP logs reloading" until_ok 10 logged d 'event=reloading signal=SIGHUP'
check "and reloaded, with the sites and the time" until_ok 20 logged d 'event=reloaded sites=1 ms='
sleep 0.5
touch "$WORK/stop-load"
wait $l1 $l2
total=$(cat "$WORK/codes1" "$WORK/codes2" | wc -l)
bad=$(cat "$WORK/codes1" "$WORK/codes2" | grep -vc '^200$')
check "requests during the reload: $total, none failed ($bad not 200)" [ "$total" -gt 10 ] && [ "$bad" = 0 ]
check "the changed page is served" sh -c "curl -s '$url/products' | grep -q '<h1>Reloaded products</h1>'"
check "log_level is applied at once" logged d 'event=config_applied option=log_level running="debug"'
check "debug lines follow" until_ok 5 sh -c "curl -s -o /dev/null '$url/about?x=1'; grep -q 'level=debug' '$WORK/d.log'"
check "an option that needs a restart is named" logged d 'level=warn event=restart_needed option=queue_max running=1024 configured=512'
check "the site is at generation 2" logged d 'event=site_reloaded .*generation=2'

printf '[server]\nworkers = lots\n' >"$WORK/d.conf"
kill -HUP $pid
check "a broken config: reload_failed with the file, line and reason" \
  until_ok 10 logged d "event=reload_failed reason=\"$WORK/d.conf:2: workers = \\\\\"lots\\\\\" is not a whole number"
check "and it keeps serving" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$url/products')\" = 200 ]"

# ---- pid files ----
expect_exit 4 "a pid file held by a live ssrd fails the start" -- \
  "$SSRD" serve "${common[@]}" --http "http://127.0.0.1:$(free_port)" --ipc "ipc://$WORK/e.sock" --pid-file "$WORK/d.pid"
stderr_has "another ssrd (pid $d_pid) is running with pid_file $WORK/d.pid"
sh -c 'exit 0' &
dead=$!
wait $dead
echo $dead >"$WORK/stale.pid"
start e --pid-file "$WORK/stale.pid"
check "a stale pid file is replaced" [ "$(cat "$WORK/stale.pid" 2>/dev/null)" = "$pid" ]
check "and said so" logged e "event=pid_file_stale path=$WORK/stale.pid pid=$dead"
kill -TERM $pid
exits_within 10 $pid

# ---- failing fast ----
fails() { # fails WHAT MESSAGE ARGS...: exit 4 with MESSAGE, before anything is built
  local what=$1 msg=$2
  shift 2
  expect_exit 4 "$what" -- "$SSRD" serve "${common[@]}" "$@"
  stderr_has "$msg"
  check "  before building anything" sh -c "! grep -q 'event=ready' '$WORK/err'"
}
printf '[server]\nqueue_max = 0\n' >"$WORK/bad.conf"
fails "a bad config" "$WORK/bad.conf:2: queue_max = 0 is out of range" --config "$WORK/bad.conf"
fails "a site that does not exist" "site $WORK/nope: No such file or directory" --site "$WORK/nope"
mkdir -p "$WORK/noapp"
fails "a site without app/" "site $WORK/noapp has no app/ directory" --site "$WORK/noapp"
fails "a socket in a directory that does not exist" \
  "cannot listen on ipc:///nonexistent-dir/x.sock: the directory /nonexistent-dir does not exist" \
  --http "http://127.0.0.1:$(free_port)" --ipc ipc:///nonexistent-dir/x.sock
fails "a socket path another ssrd listens on" \
  "cannot listen on ipc://$WORK/d.sock: another process listens on it" \
  --http "http://127.0.0.1:$(free_port)" --ipc "ipc://$WORK/d.sock"
d_port=${d_url##*:}
fails "a protocol port in use" \
  "cannot listen on tcp://127.0.0.1:$d_port: the port is in use by another process" \
  --http "http://127.0.0.1:$(free_port)" --ipc "tcp://127.0.0.1:$d_port"
fails "an HTTP port in use" "cannot listen on $d_url: the port is in use by another process" \
  --http "$d_url" --ipc "ipc://$WORK/f.sock"

kill -TERM $d_pid
check "the reloaded daemon stops with exit 0" exits_within 10 $d_pid
check "  (exit code $rc)" [ "$rc" = 0 ]
check "and removes its pid file" [ ! -e "$WORK/d.pid" ]
finish
