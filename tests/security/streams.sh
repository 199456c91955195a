#!/usr/bin/env bash
# security: streams belong to the connection that opened them. A second client that learns a
# stream's id cannot pull or cancel it; ids cannot be guessed (128 random bits) and never meet
# on another daemon; a REQ socket dialed to two daemons, whose pulls land on either, never gets
# another caller's stream; the C client pulls on the connection that answered. Over ipc://
# and tcp://, with nngcat (Debian's nng-utils) as the second client too.
. "$(dirname "$0")/daemon.sh"
SITE=$SRC/tests/fixtures/hostilesite
THIEF=$BIN/tests/stream_thief

for transport in ipc tcp; do
  if [ "$transport" = tcp ]; then
    addr_a="tcp://127.0.0.1:$(free_port)" addr_b="tcp://127.0.0.1:$(free_port)"
  else
    addr_a="ipc://$WORK/a-$transport.sock" addr_b="ipc://$WORK/b-$transport.sock"
  fi
  check "$transport: daemon A starts" daemon a --site "$SITE" --ipc "$addr_a" --workers 1
  check "$transport: daemon B starts" daemon b --site "$SITE" --ipc "$addr_b" --workers 1
  "$THIEF" "$addr_a" "$addr_b" >"$WORK/thief.out" 2>&1
  rc=$?
  sed "s/^/  [$transport] /" "$WORK/thief.out"
  n_ok=$(grep -c '^ok' "$WORK/thief.out")
  n_fail=$(grep -c '^FAIL' "$WORK/thief.out")
  check "$transport: the thief's $n_ok checks passed, $n_fail failed (exit $rc)" \
    sh -c "[ $rc = 0 ] && [ $n_ok -ge 9 ] && [ $n_fail = 0 ]"

  # nngcat, a client no one here wrote, as the second connection: it sees the victim's id
  # (printed by a first nngcat) and asks for the stream; each nngcat is a connection of its own.
  nngcat --req --dial "$addr_a" --format raw \
    --data '{"v":1,"kind":"stream","url":"/slowecho?token=NNGCAT&ms=2000"}' >"$WORK/first" 2>&1
  id=$(grep -o '"stream":"s-[0-9a-f]*"' "$WORK/first" | cut -d'"' -f4)
  check "$transport: nngcat opens a stream (id $id)" [ -n "$id" ]
  nngcat --req --dial "$addr_a" --format raw --data "{\"v\":1,\"kind\":\"pull\",\"stream\":\"$id\"}" >"$WORK/stolen" 2>&1
  check "$transport: a second nngcat's pull of it is not_found, with none of its data" \
    sh -c "grep -q '\"code\":\"not_found\"' '$WORK/stolen' && ! grep -q 'SECRET-NNGCAT' '$WORK/stolen'"
  nngcat --req --dial "$addr_b" --format raw --data "{\"v\":1,\"kind\":\"pull\",\"stream\":\"$id\"}" >"$WORK/other" 2>&1
  check "$transport: the other daemon does not know it either" grep -q '"code":"not_found"' "$WORK/other"
  stop a
  stop b
done
finish
