#!/usr/bin/env bash
# security: the host bridge under attack from pages. A page firing thousands of slow queries
# does not hold up another page's one query (per-render limits on calls in flight and waiting,
# renders served in turn); calls beyond the limit are refused at once; a render that ends
# takes its waiting calls with it. SQLite statements built to run long, grow memory or read
# the server's layout end within db_timeout_ms with a clear error, bounded in memory, and no
# message holds the server's paths.
. "$(dirname "$0")/daemon.sh"
cp -r "$SRC/tests/fixtures/hostilesite" "$WORK/site"
mkdir -p "$WORK/site/data"
sqlite3 "$WORK/site/data/x.sqlite" "CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('a'), ('b');"
enc() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n' | sed 's/../%&/g'; }
ms_of() { awk '{ print int($1 * 1000) }'; }

check "a daemon starts (2 workers, 4 host threads, 1 s statements, at most 200 calls waiting per render)" \
  daemon d --site "$WORK/site" --workers 2 --cache-mb 0 --databases "x=data/x.sqlite" \
  --host-threads 4 --db-timeout-ms 1000 --host-render-queued 200 --streaming-stall-ms 30000
u=$d_url
t=$(curl -s -o "$WORK/one" -w '%{time_total}' "$u/dbvictim" | ms_of)
check "a page's one query, alone: $t ms" grep -q 'one=1' "$WORK/one"

# --- the flood ---
# 150 queries of a few ms each, two renders of them: a FIFO queue would put the victim behind 300
curl -s -o "$WORK/flood1" "$u/flood?n=150&rows=20000" &
f1=$!
curl -s -o "$WORK/flood2" "$u/flood?n=150&rows=20000" &
f2=$!
sleep 0.2
slowest=0
for i in 1 2 3 4 5; do
  ms=$(curl -s -o "$WORK/v$i" -w '%{time_total}' "$u/dbvictim" | ms_of)
  grep -q 'one=1' "$WORK/v$i" || ms=99999
  [ "$ms" -gt "$slowest" ] && slowest=$ms
done
check "beside two renders with 150 slow queries each, another page's query is answered (slowest of 5: $slowest ms)" \
  [ "$slowest" -lt 400 ]
wait $f1 $f2
check "and the flood itself is answered in full" grep -q 'answered 150 refused 0 of 150' "$WORK/flood1"

curl -s -o "$WORK/flood3" "$u/flood?n=2000&rows=10" &
f3=$!
ms=$(curl -s -o "$WORK/v" -w '%{time_total}' "$u/dbvictim" | ms_of)
wait $f3
check "a render firing 2000 calls: those past 200 waiting are refused at once ($(grep -o 'answered [0-9]* refused [0-9]* of [0-9]*' "$WORK/flood3"))" \
  sh -c "grep -q 'refused [1-9][0-9]* of 2000' '$WORK/flood3'"
check "and the victim beside it: $ms ms" sh -c "grep -q 'one=1' '$WORK/v' && [ $ms -lt 400 ]"

# a render that ends (its client gone) takes its waiting calls with it
curl -s -o /dev/null --max-time 0.3 "$u/flood?n=200&rows=300000"
sleep 0.2
t0=$(date +%s%N)
curl -s -o "$WORK/after" "$u/dbvictim"
ms=$((($(date +%s%N) - t0) / 1000000))
check "a render whose client left took its 200 waiting queries with it (the next query: $ms ms)" \
  sh -c "grep -q 'one=1' '$WORK/after' && [ $ms -lt 1000 ]"

# --- SQLite statements built to hurt ---
rss0=$(rss_mb "$d_pid")
attacks=(
  "LIKE a huge pattern|SELECT length(hex(zeroblob(1000000))) > 0 AND hex(zeroblob(1000000)) LIKE '%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%b'"
  "GLOB a huge pattern|SELECT hex(zeroblob(2000000)) GLOB '*0*0*0*0*0*0*0*0*0*0*0*0*0*0*1'"
  "randomblob of a GiB|SELECT length(randomblob(1000000000))"
  "printf with a huge width|SELECT length(printf('%.*c', 1000000000, 'x'))"
  "zeroblob of a GiB|SELECT length(zeroblob(1000000000))"
  "replace into a giant|SELECT length(replace(hex(zeroblob(1000000)), '0', hex(zeroblob(100))))"
  "a recursive CTE without end|WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
  "a cross join of a billion rows|WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) SELECT count(*) FROM c a, c b, c d"
  "a 40 MB result|WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 40) SELECT hex(zeroblob(500000)) FROM c"
)
for a in "${attacks[@]}"; do
  IFS='|' read -r what sql <<<"$a"
  ms=$(curl -s -o "$WORK/sql" -w '%{time_total}' "$u/sql?q=$(enc "$sql")" | ms_of)
  err=$(grep -o 'ERROR [^<]*' "$WORK/sql" | head -c 160)
  check "$what: refused in $ms ms (${err:-no error})" sh -c "[ -n '$err' ] && [ $ms -lt 1400 ]"
done
rss1=$(rss_mb "$d_pid")
check "the daemon's memory stayed bounded through them (RSS $rss0 -> $rss1 MiB)" [ "$rss1" -lt $((rss0 + 128)) ]
for sql in "SELECT * FROM pragma_database_list" "PRAGMA database_list" "SELECT file FROM pragma_database_list" \
  "SELECT * FROM pragma_table_info('t')" "ATTACH '/etc/passwd' AS p" "SELECT * FROM dbstat"; do
  curl -s -o "$WORK/sql" "$u/sql?q=$(enc "$sql")"
  check "refused: $sql" sh -c "grep -q 'ERROR' '$WORK/sql' && ! grep -q '$WORK' '$WORK/sql'"
done
curl -s -o "$WORK/sql" "$u/sql?q=$(enc "SELECT v FROM t ORDER BY v")"
check "and a plain query still works" grep -q 'OK \[{&quot;v&quot;:&quot;a&quot;},{&quot;v&quot;:&quot;b&quot;}\]' "$WORK/sql"
check "no page was sent the server's paths" sh -c "! grep -rq '$WORK' '$WORK/sql' '$WORK/flood1' '$WORK/flood3'"
stop d
finish
