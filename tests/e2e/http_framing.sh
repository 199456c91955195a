#!/usr/bin/env bash
# e2e: HTTP/1.1 framing and the front's limits, with raw sockets (tests/e2e/framing.py): a
# request with a body (chunked, with a length, with both, with two lengths, too big), or HTTP/2's
# preface, is refused and its connection closed, so that nothing in it is read as a request;
# pipelined requests are answered in order, half a head and an idle connection closed at the
# idle timeout, connections past http_max_connections refused and logged, and descriptors
# running out pausing accept() instead of spinning. The daemon serves on through all of it.
. "$(dirname "$0")/lib.sh"
FRAMING="$(dirname "$0")/framing.py"
start() { # NAME FLAGS...: a daemon on the demo, its URL in $url and pid in $pid
  local name=$1
  shift
  port=$(free_port)
  url="http://127.0.0.1:$port"
  "$SSRD" serve --http "$url" --ipc "" --workers 1 --watch-ms 0 --cache-dir "$WORK/cache" "$@" \
    >"$WORK/$name.log" 2>&1 &
  pid=$!
  cleanup_hooks+=("kill $pid 2>/dev/null")
  for _ in $(seq 1 600); do curl -sf -o /dev/null "$url/healthz" && break; sleep 0.1; done
}
alive() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/about")" = 200 ]; }
attack() { python3 "$FRAMING" "$port" "$@"; }

# (the framing cases wait 0.7 s: a close they see is the refusal's, not the 1 s idle timeout's)
start f --http-idle-timeout-ms 1000 --http-max-connections 40
# each a request with a body, refused (400; 413 past 64 KiB) on a connection then closed
for c in "te|a chunked body holding a request|400" "cl_te|Content-Length with Transfer-Encoding|400" \
  "cl_cl|two Content-Lengths that disagree|400" "cl_body|a body with a length holding a request|400" \
  "big_body|a 200 KB body|413" "h2_preface|HTTP/2's preface (prior knowledge), a request after it|400"; do
  IFS='|' read -r name what want <<<"$c"
  eval "$(attack "$name" 0.7)"
  check "$what: $want, nothing smuggled, the connection closed ($statuses, closed=$closed)" \
    [ "$statuses/$closed" = "$want/1" ]
done
eval "$(attack pipeline 0.7)"
check "two pipelined requests: two answers in order ($statuses)" [ "$statuses" = 200,200 ]
eval "$(attack half 3)"
check "half a head is closed at the idle timeout (closed=$closed)" [ "$closed" = 1 ]
eval "$(attack idle 3)"
check "a kept-alive connection is closed after idling (statuses=$statuses closed=$closed)" \
  [ "$statuses/$closed" = 200/1 ]
check "the daemon serves on" alive

# 60 connections held open against a limit of 40: the ones past it are closed at once, logged
exec 9< <(python3 -c "
import socket, time
socks = [socket.create_connection(('127.0.0.1', $port)) for _ in range(60)]
time.sleep(0.5)
closed = 0
for s in socks:
    s.settimeout(0.05)
    try:
        closed += s.recv(1) == b''
    except (socket.timeout, OSError):
        pass
print(closed, flush=True)
time.sleep(0.5)
")
read -r over <&9
check "past http_max_connections (40 of 60), connections are refused ($over closed at once)" [ "$over" -ge 20 ]
check "and logged" grep -q 'event=http_refused.*reason=connections' "$WORK/f.log"
exec 9<&-
sleep 1
check "the daemon serves on after they leave" alive
kill -TERM $pid
wait $pid
check "SIGTERM stops it with exit 0" [ "$?" = 0 ]

# Out of descriptors: a limit above what the process may open, and more clients than that.
# accept() fails; the front pauses it and says so, and spends no CPU meanwhile.
(ulimit -n 200 && exec "$SSRD" serve --http "http://127.0.0.1:$(free_port)" --ipc "" --workers 1 --watch-ms 0 \
  --cache-dir "$WORK/cache" --http-max-connections 100000 >"$WORK/fd.log" 2>&1) &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
for _ in $(seq 1 600); do grep -q 'event=listening' "$WORK/fd.log" && break; sleep 0.1; done
port=$(sed -n 's/.*event=listening http=http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/fd.log" | head -1)
url="http://127.0.0.1:$port"
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
exec 9< <(python3 -c "
import socket, time
socks = []
for _ in range(400):
    try:
        socks.append(socket.create_connection(('127.0.0.1', $port), timeout=1))
    except OSError:
        break
print(len(socks), flush=True)
time.sleep(3)
")
read -r opened <&9
sleep 0.5
c0=$(cpu)
sleep 2
c1=$(cpu)
check "with the descriptors spent ($opened clients), accepting pauses ($((c1 - c0)) ticks of CPU in 2 s)" \
  [ $((c1 - c0)) -lt 50 ]
check "and the log says why" grep -q 'event=http_accept_paused.*reason=descriptors' "$WORK/fd.log"
exec 9<&-
sleep 1
check "when they leave, it serves again" alive
kill -TERM $pid
wait $pid
finish
