#!/usr/bin/env bash
# security: what each isolation mode promises, held against a hostile page. For site, page and
# request: a page that tries every known way out of its context (constructors of what React
# hands it, eval, Error.prepareStackTrace, getters and writes on everything reachable from React,
# React's internals and dispatcher, ssrd's own entry points) reaches nothing shared; victims
# rendered after it, and beside it (concurrently, over HTTP and the protocol), see only their own
# token and untouched built-ins; a render's timers end with it (an interval left burning CPU
# slows nobody); and prototype pollution through request data neither persists nor breaks pages
# loaded later, also after a reload.
. "$(dirname "$0")/daemon.sh"
cp -r "$SRC/tests/fixtures/hostilesite" "$WORK/site"

# victim URL TOKEN: the victim's page carries its token in all four slots and found nothing left
# behind in what it shares.
victim_ok() {
  local out=$1 token=$2
  [ "$(grep -o "SECRET-[A-Za-z0-9]*\|tok-[0-9a-z]*" "$out" | sort -u | tr '\n' ' ')" = "$token " ] &&
    [ "$(grep -o ">$token<" "$out" | wc -l)" -eq 4 ] && grep -q '<p id="shared">clean</p>' "$out"
}

for mode in site page request; do
  check "$mode: a daemon starts" daemon d --site "$WORK/site" --isolation "$mode" --workers 1 --cache-mb 0
  u=$d_url

  # --- the hostile page, over HTTP and the protocol ---
  fetch "$u/escape" >/dev/null
  check "$mode: the hostile page reaches no other context's global nor ssrd's entry points" \
    grep -q 'id="verdict"[^>]*>contained<' "$WORK/body"
  grep -o 'LEAK[^<]*' "$WORK/body" | head -5
  if [ "$mode" != request ]; then
    # with request every object it reaches is its own: writes to them are no leak
    check "$mode: and none of its writes to what renders share took" \
      grep -q 'id="changed"[^>]*>changed 0<' "$WORK/body"
    grep -o '[^>]*: changed [^<]*' "$WORK/body" | head -5
  fi
  ipc_render "$d_ipc" /escape >"$WORK/escape.ipc"
  check "$mode: the same over the protocol" grep -q 'id="verdict"[^>]*>contained<' "$WORK/escape.ipc"

  fetch "$u/victim?token=tok-after" >/dev/null
  check "$mode: a victim rendered after it has its own token and finds nothing left behind" \
    victim_ok "$WORK/body" tok-after

  # --- hostile and victims side by side: one worker interleaves them ---
  : >"$WORK/jobs"
  for i in $(seq 1 24); do
    echo "escape $i" >>"$WORK/jobs"
    echo "victim $i" >>"$WORK/jobs"
  done
  # shellcheck disable=SC2016
  xargs -P 8 -L 1 sh -c '
    kind=$1 i=$2
    if [ "$kind" = escape ]; then
      if [ $((i % 2)) = 0 ]; then curl -s "'"$u"'/escape" >/dev/null; else "'"$SSRD"'" render /escape --connect "'"$d_ipc"'" >/dev/null 2>&1; fi
    elif [ $((i % 2)) = 0 ]; then
      curl -s "'"$u"'/victim?token=tok-$i" >"'"$WORK"'/v$i"
    else
      "'"$SSRD"'" render "/victim?token=tok-$i" --connect "'"$d_ipc"'" >"'"$WORK"'/v$i" 2>/dev/null
    fi' sh <"$WORK/jobs"
  bad=0
  for i in $(seq 1 24); do victim_ok "$WORK/v$i" "tok-$i" || bad=$((bad + 1)); done
  check "$mode: 24 victims beside 24 hostile renders, HTTP and protocol: each saw only its own ($bad did not)" \
    [ "$bad" = 0 ]

  # --- a render's timers end with it ---
  fetch "$u/linger?burn=200" >/dev/null
  sleep 0.3
  t0=$(cpu_ticks "$d_pid")
  sleep 1
  t1=$(cpu_ticks "$d_pid")
  check "$mode: an interval the render left does not run after it (the daemon used $((t1 - t0)) ticks idle in 1 s)" \
    [ $((t1 - t0)) -lt 20 ]
  slowest=0
  for i in 1 2 3 4 5; do
    ms=$(curl -s -o /dev/null -w '%{time_total}' "$u/victim?token=tok-t" | awk '{ print int($1 * 1000) }')
    [ "$ms" -gt "$slowest" ] && slowest=$ms
  done
  check "$mode: nor slows the renders after it (slowest of 5: $slowest ms)" [ "$slowest" -lt 150 ]
  # an interval of 0 ms that burns 2 ms would tick hundreds of times a second: it may tick while
  # its render runs, no more
  fetch "$u/linger?burn=2" >/dev/null
  sleep 1
  fetch "$u/linger?burn=2" >/dev/null
  ticks=$(grep -o 'ticks <!-- -->[0-9]*' "$WORK/body" | grep -o '[0-9]*$')
  check "$mode: once the render was over its interval stopped (it ticked ${ticks:-?} times in all)" \
    [ "${ticks:-999}" -lt 20 ]

  # --- prototype pollution through request data ---
  q=$(printf '%s' '{"__proto__":{"polluted":"yes","get":1},"constructor":{"prototype":{"polluted":"yes"}}}' |
    od -An -tx1 | tr -d ' \n' | sed 's/../%&/g')
  fetch "$u/merge?q=$q" >/dev/null
  if [ "$mode" = site ]; then
    check "$mode: a naive deep merge of request data cannot reach Object.prototype" \
      grep -q 'polluted: <!-- -->undefined' "$WORK/body"
  fi
  fetch "$u/victim?token=tok-m" >/dev/null
  check "$mode: after it, a victim finds the built-ins untouched" victim_ok "$WORK/body" tok-m
  code=$(fetch "$u/later")
  check "$mode: a page loaded for the first time after it renders ($code)" \
    sh -c "[ '$code' = 200 ] && grep -q 'later<!-- --> loaded' '$WORK/body'"
  # and after a reload, when every page loads again into a new context
  fetch "$u/merge?q=$q" >/dev/null
  kill -HUP "$d_pid"
  for _ in $(seq 1 100); do grep -q 'event=reloaded' "$WORK/d.log" && break; sleep 0.1; done
  code=$(fetch "$u/later")
  check "$mode: and after a reload ($code)" sh -c "[ '$code' = 200 ] && grep -q 'later<!-- --> loaded' '$WORK/body'"
  check "$mode: no render failed for it" sh -c "! grep -q 'Getter must be a function' '$WORK/d.log'"
  stop d
done
finish
