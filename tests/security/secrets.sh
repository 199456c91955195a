#!/usr/bin/env bash
# security: the admin token is a secret. It is in no log line (not when a reload changes it,
# not when a caller gives a wrong one), in no diagnose output, no error message, and
# `ssrd config` shows only that it is set; it still guards /metrics and tcp:// diagnose.
. "$(dirname "$0")/daemon.sh"
OLD=old-Secret-7f3a91 NEW=new-Secret-c02e55 WRONG=wrong-Guess-913b
port=$(free_port)
tcp="tcp://127.0.0.1:$(free_port)"
conf() {
  cat >"$WORK/ssrd.conf" <<CONF
[server]
workers = 1
http = "http://127.0.0.1:$port"
ipc = "ipc://$WORK/s.sock, $tcp"
admin_token = "$1"
[site]
site = $SRC/tests/fixtures/hostilesite
watch_ms = 0
[cache]
cache_dir = $WORK/cache
CONF
}
conf "$OLD"
"$SSRD" serve --config "$WORK/ssrd.conf" --log-level debug >"$WORK/d.log" 2>&1 &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
u="http://127.0.0.1:$port"
for _ in $(seq 1 300); do curl -sf -o /dev/null "$u/healthz" && break; sleep 0.1; done
check "the daemon starts with an admin token" curl -sf -o /dev/null "$u/healthz"

"$SSRD" config --config "$WORK/ssrd.conf" >"$WORK/config.out" 2>&1
check "ssrd config says the token is set" grep -q 'admin_token = "(set)"' "$WORK/config.out"
check "and not what it is" sh -c "! grep -q '$OLD' '$WORK/config.out'"

code=$(fetch "$u/metrics" -H "Authorization: Bearer $WRONG")
check "/metrics with a wrong token: 401 ($code), the guess not echoed" \
  sh -c "[ '$code' = 401 ] && ! grep -q '$WRONG' '$WORK/body' '$WORK/headers'"
code=$(fetch "$u/metrics" -H "Authorization: Bearer $OLD")
check "/metrics with the token: 200 ($code)" [ "$code" = 200 ]
check "and the token is not in what it reports" sh -c "! grep -q '$OLD' '$WORK/body'"

for format in text json; do
  "$SSRD" diagnose --connect "ipc://$WORK/s.sock" --format "$format" >"$WORK/diag" 2>&1
  check "diagnose ($format, ipc://) answers without the token in it" \
    sh -c "grep -q 'workers' '$WORK/diag' && ! grep -q '$OLD' '$WORK/diag'"
done
"$SSRD" diagnose --connect "$tcp" --admin-token "$WRONG" >"$WORK/diag" 2>&1
check "diagnose over tcp:// with a wrong token is refused without echoing it" \
  sh -c "grep -q 'admin_token' '$WORK/diag' && ! grep -q '$WRONG' '$WORK/diag'"
"$SSRD" diagnose --connect "$tcp" --admin-token "$OLD" >"$WORK/diag" 2>&1
check "and answered with the right one, the token not in it" \
  sh -c "grep -q '^# \\|workers' '$WORK/diag' && ! grep -q '$OLD' '$WORK/diag'"

conf "$NEW"
kill -HUP "$pid"
for _ in $(seq 1 100); do grep -q 'event=reloaded\|event=reload_failed' "$WORK/d.log" && break; sleep 0.1; done
check "a reload that changes the token says it changed" grep -q 'event=restart_needed option=admin_token' "$WORK/d.log"
check "with neither value" sh -c "! grep -q '$OLD\|$NEW' '$WORK/d.log'"
grep 'option=admin_token' "$WORK/d.log"
check "the running token still guards /metrics (the new one takes effect at restart)" \
  [ "$(fetch "$u/metrics" -H "Authorization: Bearer $OLD")" = 200 ]
kill -TERM "$pid"
wait "$pid"
check "no log line of the whole run holds any of the tokens" sh -c "! grep -q '$OLD\|$NEW\|$WRONG' '$WORK/d.log'"
finish
