#!/usr/bin/env bash
# e2e: the render protocol over nng. nngcat (Debian's nng-utils, a client no one here wrote)
# renders a page; ssrd render, the client library's command, renders, streams and fails
# precisely; every kind of bad message gets an error reply; a stream delivers its shell well
# before its Suspense data; two daemons share a client's load and losing one loses nothing.
. "$(dirname "$0")/lib.sh"
BIN=$(dirname "$SSRD")
cp -r "$SRC/tests/fixtures/streamsite" "$WORK/site"
A="ipc://$WORK/a.sock"
B="ipc://$WORK/b.sock"
start() { # NAME ADDR EXTRA...: a daemon serving the fixture site on ADDR
  local name=$1 addr=$2
  shift 2
  "$SSRD" serve --site "$WORK/site" --http "" --ipc "$addr" --workers 1 --watch-ms 0 \
    --cache-dir "$WORK/cache" --max-message-kb 64 --max-batch 4 --stream-idle-ms 800 --log-level debug "$@" \
    >"$WORK/$name.log" 2>&1 &
  eval "pid_$name=$!"
  cleanup_hooks+=("kill $! 2>/dev/null")
  for _ in $(seq 1 600); do
    grep -q "event=listening ipc=${addr##*,}" "$WORK/$name.log" 2>/dev/null && return 0 # the last listed
    sleep 0.05
  done
  return 1
}
check "daemon A starts and listens on $A" start a "$A"

# --- interop: nngcat ---
nngcat --req --dial "$A" --data '{"v":1,"kind":"render","id":"n1","url":"/order?slow=1","props":{"slow":5,"fast":1}}' \
  --format raw >"$WORK/nngcat.out" 2>"$WORK/nngcat.err"
check "nngcat gets a reply" test -s "$WORK/nngcat.out"
head -1 "$WORK/nngcat.out" >"$WORK/head"
check "its header says ok, status 200, with its id" grep -q '^{"v":1,"id":"n1","kind":"render","ok":true,"status":200' "$WORK/head"
body_len=$(sed -E 's/.*"body_len":([0-9]+).*/\1/' "$WORK/head")
tail -n +2 "$WORK/nngcat.out" | head -c "$body_len" >"$WORK/nngcat.html"
"$SSRD" render-local /order --props '{"slow":5,"fast":1}' --site "$WORK/site" --cache-dir "$WORK/cache" >"$WORK/local.html" 2>/dev/null
check "the body is the page, byte for byte what render-local gives" cmp -s "$WORK/nngcat.html" "$WORK/local.html"
nngcat --req --dial "$A" --data '{"v":1,"kind":"ping","id":2}' --format ascii >"$WORK/ping" 2>&1
check "ping answers" grep -q '"kind":"ping","ok":true' "$WORK/ping"

# --- ssrd render as a client ---
C() { "$SSRD" render "$@" --connect "$A" >"$WORK/out" 2>"$WORK/err"; }
C /features
check "ssrd render prints the page" grep -q 'LAZY-LOADED' "$WORK/out"
expect_exit 3 "an unknown route" -- "$SSRD" render /nope --connect "$A"
stderr_has "no_route"
expect_exit 1 "a page that throws in its shell" -- "$SSRD" render /shellboom --connect "$A"
stderr_has "rendering /shellboom failed (render_error, 500): Error: SHELL-FAILED before any output"
stderr_has "(app/shellboom/page.jsx:3"
expect_exit 2 "bad props" -- "$SSRD" render / --props '[1]' --connect "$A"
stderr_has "bad_request"
expect_exit 4 "no daemon there" -- "$SSRD" render / --connect "ipc://$WORK/nobody.sock" --timeout-ms 300
stderr_has "no reply from"
C /console --props '{"tag":"CLI","ms":5}' --console
check "--console returns the render's console lines" grep -q '^warn after-timer CLI$' "$WORK/err"

# --- streaming: the shell first, the boundary 300 ms later ---
"$SSRD" render /order --stream --props '{"slow":300,"fast":300}' --connect "$A" 2>"$WORK/err" |
  while IFS= read -r -d '>' piece; do printf '%s %s>\n' "$(date +%s%N)" "$piece"; done >"$WORK/stream.t"
t_shell=$(grep -m1 'SHELL-READY' "$WORK/stream.t" | cut -d' ' -f1)
t_data=$(grep -m1 'SLOW-CONTENT' "$WORK/stream.t" | cut -d' ' -f1)
gap=$(( (${t_data:-0} - ${t_shell:-0}) / 1000000 ))
check "the stream's shell came first, the boundary ${gap} ms later (≥ 250)" [ "${t_shell:-0}" -gt 0 ] && [ "$gap" -ge 250 ]
check "the streamed document is complete" grep -q '</html>' "$WORK/stream.t"

# --- bad messages: each gets an error reply, the daemon carries on ---
bad() { # DATA WANT: the reply to DATA holds WANT
  nngcat --req --dial "$A" --data "$1" --format raw >"$WORK/bad" 2>&1
  if grep -qF -- "$2" "$WORK/bad"; then ok "bad message → $2"; else not_ok "bad message $1: reply $(head -c 300 "$WORK/bad")"; fi
}
bad 'not json' '"code":"bad_request","message":"a request is one JSON object"'
bad '{"v":1,"kind":"render","url":"/"' '"code":"bad_request","message":"malformed JSON"'
bad '{"v":9,"kind":"render","url":"/"}' 'protocol version 9 is not supported'
bad '{"v":1,"kind":"paint","url":"/"}' 'unknown kind \"paint\"'
bad '{"v":1,"kind":"render"}' 'a render needs \"url\"'
bad '{"v":1,"kind":"batch","renders":[{"url":"/"},{"url":"/"},{"url":"/"},{"url":"/"},{"url":"/"}]}' 'at most 4 renders'
bad '{"v":1,"kind":"pull","stream":"s-999"}' '"code":"not_found"'
big=$(head -c 70000 /dev/zero | tr '\0' 'x')
bad "{\"v\":1,\"kind\":\"render\",\"url\":\"/\",\"props\":{\"x\":\"$big\"}}" 'max_message_kb allows 65536'
check "each bad message was logged" [ "$(grep -c 'event=bad_request' "$WORK/a.log")" -ge 6 ]
bad '{"v":1,"kind":"batch","id":"b","renders":[{"url":"/"},{"url":"/nope"},{"url":"/shellboom"}]}' '"results":[{"ok":true'
check "a batch's items fail on their own" grep -q '{"ok":false,"status":404,"error":{"code":"no_route"' "$WORK/bad"
check "and carry their own errors" grep -q '"code":"render_error","message":"Error: SHELL-FAILED' "$WORK/bad"

# --- a stream nobody pulls is cancelled and frees its worker ---
nngcat --req --dial "$A" --data '{"v":1,"kind":"stream","url":"/stall"}' --format raw >"$WORK/first" 2>&1
check "a stream's first reply carries its id and the shell" sh -c "grep -q '\"stream\":\"s-' '$WORK/first' && grep -q STALL-SHELL '$WORK/first'"
sleep 1.5
check "after stream_idle_ms unpulled, it is cancelled" grep -q 'event=stream_abandoned' "$WORK/a.log"
C /features
check "and the worker renders again" grep -q 'USED-VALUE' "$WORK/out"

# --- overload: beyond the queue, an immediate refusal ---
check "daemon C starts (1 worker, 1 render at a time, a queue of 1)" start c "ipc://$WORK/c.sock" --worker-renders 1 --queue-max 1
"$BIN/bench/ipc_bench" --connect "ipc://$WORK/c.sock" --url /order --props-extra '"slow":400,"fast":1' --check 0 --clients 6 --requests 6 >"$WORK/flood" 2>&1
n_over=$(sed -E 's/.*"overloaded":([0-9]+).*/\1/; t; s/.*/0/' "$WORK/flood")
n_ok=$(sed -E 's/.*"ok":([0-9]+),.*/\1/' "$WORK/flood")
# One renders, at most one waits in the queue (if the worker took the first in time), the
# rest are refused: how many of the first two got in depends on timing, the refusals do not.
check "6 at once: $n_ok rendered, $n_over refused as overloaded, none lost ($(cut -c1-150 "$WORK/flood"))" \
  sh -c "[ '$n_ok' -ge 1 ] && [ '$n_over' -ge 4 ] && [ \$(( $n_ok + $n_over )) = 6 ]"
kill "$pid_c"

# --- scale-out: one client, two daemons; one dies mid-run, no request is lost ---
check "daemon B starts and listens on $B" start b "$B"
a0=$(grep -c 'event=timing.*path=/echo' "$WORK/a.log")
"$BIN/bench/ipc_bench" --connect "$A,$B" --url /echo --clients 8 --requests 400 >"$WORK/spread" 2>&1
check "400 renders over both, each reply its own caller's ($(cut -c1-110 "$WORK/spread"))" grep -q '"ok":400,"wrong_body":0' "$WORK/spread"
a_n=$(( $(grep -c 'event=timing.*path=/echo' "$WORK/a.log") - a0 ))
b_n=$(grep -c 'event=timing.*path=/echo' "$WORK/b.log")
check "both daemons took a share (A $a_n, B $b_n)" [ "$a_n" -ge 40 ] && [ "$b_n" -ge 40 ] && [ $((a_n + b_n)) = 400 ]
"$BIN/bench/ipc_bench" --connect "$A,$B" --url /order --props-extra '"slow":40,"fast":1' --check 0 --clients 16 --requests 1200 >"$WORK/kill" 2>&1 &
lpid=$!
sleep 0.6
{ kill -9 "$pid_b"; wait "$pid_b"; } 2>/dev/null
wait "$lpid"
check "B killed mid-run: 1200 renders, none lost or failed ($(cut -c1-160 "$WORK/kill"))" grep -q '"ok":1200,"wrong_body":0,"transport_errors":0,"errors":{},"lost":0' "$WORK/kill"

# --- ssrd diagnose: A's state, over its ipc:// address only ---
expect_exit 0 "diagnose answers" -- "$SSRD" diagnose --connect "$A"
check "diagnose shows its sections, INFO-style" sh -c "for s in Server Config Queue Workers Renders 'Layer caches' 'Response cache'; do grep -qx \"# \$s\" '$WORK/out' || exit 1; done"
check "with key:value fields (the queue's bound)" grep -qx 'max:1024' "$WORK/out"
check "and the worker table: a header, worker 0's row" sh -c "grep -qE '^worker +inflight +renders +recycles' '$WORK/out' && grep -qE '^ +0 +[0-9]+ +[0-9]+ +[0-9]+' '$WORK/out'"
expect_exit 0 "diagnose --format json answers" -- "$SSRD" diagnose --connect "$A" --format json
renders_a=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); w=d["workers"]; print(len(w), w[0]["renders"], w[0]["heap"]["limit"] > w[0]["heap"]["used"] > 0, d["queue"]["max"])' "$WORK/out" 2>&1)
check "its JSON: 1 worker, the renders A did (>= $a_n), a heap, the queue ($renders_a)" \
  python3 -c 'import sys; n, r, heap, q = sys.argv[1].split(); sys.exit(not (n == "1" and int(r) >= int(sys.argv[2]) and heap == "True" and q == "1024"))' "$renders_a" "$a_n"
routes_a=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
echo = [r for r in d["routes"] if r["route"] == "/echo" and r["outcome"] == "ok"][0]
t = echo["total_ms"]
parts = ["queue", "context", "shell", "delta", "render", "drain"]
w = d["workers"][0]
print(echo["count"], t["p50"] > 0 and t["p99"] >= t["p50"] and t["max"] >= t["p99"] * 0.85,
      all(p + "_ms" in echo for p in parts),
      d["layers"]["page"]["memory"]["hit"] > 0, d["layers"]["shell"]["disk"]["hit"] + d["layers"]["shell"]["disk"]["miss"] == 1,
      w["gc"]["count"] >= len(w["gc"]["last"]) > 0, d["response_cache"] is None)' "$WORK/out" 2>&1)
check "its routes, caches and GC: /echo ok >= $a_n renders with ordered p50/p99, every phase, page deltas from memory, the shell from disk once, GC pauses, no response cache ($routes_a)" \
  python3 -c 'import sys; v = sys.argv[1].split(); sys.exit(not (int(v[0]) >= int(sys.argv[2]) and v[1:] == ["True"] * 6))' "$routes_a" "$a_n"
expect_exit 0 "diagnose (text) shows the route table" -- "$SSRD" diagnose --connect "$A"
check "with /echo's p50/p99 by phase" sh -c "grep -qE '^site +route +outcome +count +queue_ms ' '$WORK/out' && grep -qE '^[^ ]+ +/echo +ok +[0-9]+ +[0-9.]+/[0-9.]+ ' '$WORK/out'"
check "and the layer caches" sh -c "grep -qE '^layer +code_bytes +code_cache_bytes +memory.hit ' '$WORK/out' && grep -qE '^page +[0-9.]+[BKMG] +[0-9.]+[BKMG] +[1-9][0-9]* +[0-9]+ +[0-9]+$' '$WORK/out'"
expect_exit 2 "diagnose --format xml is refused" -- "$SSRD" diagnose --connect "$A" --format xml
port=$(free_port)
check "daemon D starts on ipc:// and tcp://, with an admin token" start d "ipc://$WORK/d.sock,tcp://127.0.0.1:$port" --admin-token s3cret
expect_exit 4 "diagnose over tcp:// without the token is refused" -- "$SSRD" diagnose --connect "tcp://127.0.0.1:$port"
stderr_has "or on tcp:// with the configured admin_token"
expect_exit 4 "and with a wrong token" -- "$SSRD" diagnose --connect "tcp://127.0.0.1:$port" --admin-token s3creT
expect_exit 0 "diagnose over tcp:// with the token is answered" -- "$SSRD" diagnose --connect "tcp://127.0.0.1:$port" --admin-token s3cret
check "with the worker table" grep -qE '^ +0 +[0-9]+ +[0-9]+ +[0-9]+' "$WORK/out"
expect_exit 0 "and answered on D's ipc:// address without one" -- "$SSRD" diagnose --connect "ipc://$WORK/d.sock"
kill -TERM "$pid_d"
wait "$pid_d"

kill -TERM "$pid_a"
wait "$pid_a"
check "SIGTERM stops A with exit 0" [ "$?" = 0 ]
finish
