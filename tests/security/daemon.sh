# daemon.sh: what the security tests share beyond tests/e2e/lib.sh (which it sources):
# starting a daemon and asking it things.
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"
BIN=$(dirname "$SSRD")

# daemon NAME ARGS...: starts `ssrd serve ARGS` with its own HTTP port, ipc socket and cache
# (unless ARGS give them), logging to $WORK/NAME.log; waits until it answers /healthz. Sets
# NAME_pid, NAME_url (http://127.0.0.1:PORT) and NAME_ipc (ipc://...).
daemon() {
  local name=$1 port
  shift
  port=$(free_port)
  "$SSRD" serve --http "http://127.0.0.1:$port" --ipc "ipc://$WORK/$name.sock" --watch-ms 0 \
    --cache-dir "$WORK/cache-$name" "$@" >"$WORK/$name.log" 2>&1 &
  local pid=$!
  cleanup_hooks+=("kill $pid 2>/dev/null")
  eval "${name}_pid=$pid; ${name}_url=http://127.0.0.1:$port; ${name}_ipc=ipc://$WORK/$name.sock"
  for _ in $(seq 1 600); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "daemon $name did not start; its log:"
  tail -20 "$WORK/$name.log"
  return 1
}

# stop NAME: SIGTERM, and wait for it.
stop() {
  local pid
  eval "pid=\$${1}_pid"
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

# fetch URL [CURL ARGS...]: the body in $WORK/body, the headers in $WORK/headers; prints the status.
fetch() {
  local u=$1
  shift
  curl -s --path-as-is -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' "$@" "$u"
}

# body_has TEXT / header_has TEXT: the last fetch's body or headers contain TEXT.
body_has() { grep -qF -- "$1" "$WORK/body"; }
header_has() { grep -qiF -- "$1" "$WORK/headers"; }

# ipc_render ADDR URL [PROPS]: a render over the protocol (ssrd render, the client library's
# command); the page on stdout.
ipc_render() { "$SSRD" render "$2" --connect "$1" ${3:+--props "$3"} 2>/dev/null; }

# rss_mb PID: resident memory of a process, MiB.
rss_mb() { awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$1/status"; }

# cpu_ticks PID: user + system time a process has used, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
