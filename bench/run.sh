#!/usr/bin/env bash
# Side-by-side benchmarks, one contender at a time, on the same machine, data and servers:
#   1. PG -> PG snapshot of a pgbench database: ferry (snapshot: only) vs pgcopydb clone (2 jobs)
#      vs pg_dump | psql, beside the physical ceiling (binary COPY pipe, 2 tables at a time).
#   2. Backlog drain: the consumer stopped, pgbench writes N transactions, the consumer starts:
#      time until the target has everything. ferry vs native logical replication (CREATE SUBSCRIPTION),
#      both committing with synchronous_commit = on (ferry also fsyncs its offsets).
#   3. ferry's peak RSS in each run.
# Every run is checked: row counts and an md5 over every row of every table, source vs target.
# Usage: bash bench/run.sh [SCALE] [DRAIN_TRANSACTIONS] [DRAIN_SCALE]   (defaults 50 40000 10)
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${1:-50}
DRAIN_TXNS=${2:-40000}
DRAIN_SCALE=${3:-10}
bash scripts/setup.sh pgcopydb time bc
FERRY=$PWD/build/agent/ferry

work=$(mktemp -d /tmp/ferry-bench.XXXXXX)
chmod 755 "$work"
cleanup() { pkill -f "ferry run -c $work" 2>/dev/null || true; tests/support/servers.sh down "$work/servers"; rm -rf "$work"; }
trap cleanup EXIT
FERRY_TEST_PG_FSYNC=on tests/support/servers.sh up "$work/servers"   # equal, real durability
# shellcheck disable=SC1091
source "$work/servers/env"
SRV_S=${FERRY_TEST_PG_SOURCE%/postgres}
SRV_T=${FERRY_TEST_PG_TARGET%/postgres}
TABLES="pgbench_accounts pgbench_branches pgbench_tellers pgbench_history"

export PGOPTIONS='-c client_min_messages=warning'
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l; }
q() { psql -Atq "$@"; }
checksum_db() {  # one line per table: rows and md5 over the sorted text form of every row
  for t in $TABLES; do
    q "$1" -c "SELECT '$t ' || count(*) || ' ' || md5(coalesce(string_agg(x::text, E'\n' ORDER BY x::text COLLATE \"C\"), '')) FROM $t x"
  done
}
verify() {  # name target_db source_db
  if [ "$(checksum_db "$3")" = "$(checksum_db "$2")" ]; then echo "    $1: verified equal (rows + md5 of every row)"; else
    echo "    $1: TARGET DIFFERS FROM SOURCE"; checksum_db "$3"; checksum_db "$2"; exit 1; fi
}
results=()
record() { results+=("$1|$2|$3"); printf '    %-34s %8.2f s   %s\n' "$1" "$2" "$3"; }
ferry_config() {  # name source target snapshot
  cat >"$work/$1.yaml" <<YAML
name: $1
source: {type: postgres, url: '$2', tables: [public.pgbench_accounts, public.pgbench_branches, public.pgbench_tellers, public.pgbench_history]}
target: {type: postgres, url: '$3'}
snapshot: $4
state_dir: $work/state-$1
snapshot_jobs: 2
log_level: warn
YAML
}

echo "== preparing pgbench scale $SCALE at the source"
q "$FERRY_TEST_PG_SOURCE" -c "CREATE DATABASE bench"
pgbench -i -q -s "$SCALE" "$SRV_S/bench" >/dev/null 2>&1
q "$SRV_S/bench" -c "ALTER TABLE pgbench_history REPLICA IDENTITY FULL" -c "VACUUM ANALYZE" -c "CHECKPOINT"
rows=$(q "$SRV_S/bench" -c "SELECT sum(n) FROM (SELECT count(*) n FROM pgbench_accounts UNION ALL SELECT count(*) FROM pgbench_tellers UNION ALL SELECT count(*) FROM pgbench_branches) s")
echo "   $rows rows, $(q "$SRV_S/bench" -c "SELECT pg_size_pretty(pg_database_size('bench'))")"

fresh_target() { q "$FERRY_TEST_PG_TARGET" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; q "$FERRY_TEST_PG_TARGET" -c "CHECKPOINT"; }

echo "== 1. snapshot (scale $SCALE), each contender twice in turn, the faster run counts"
pipe() { psql -Atq "$SRV_S/bench" -c "COPY $1 TO STDOUT (FORMAT binary)" | psql -Atq "$SRV_T/t_pipe" -c "COPY $1 FROM STDIN (FORMAT binary)"; }
copy_pipe() {
  pg_dump --section=pre-data "$SRV_S/bench" | q "$SRV_T/t_pipe" >/dev/null   # tables without keys
  pipe pgbench_accounts & pipe pgbench_branches; pipe pgbench_tellers; pipe pgbench_history; wait
}
copy_ferry() {
  rm -rf "$work/state-snap"
  /usr/bin/time -f "%M" -o "$work/rss-snap" "$FERRY" run -c "$work/snap.yaml"
}
copy_pgcopydb() {
  rm -rf "$work/pgcopydb"
  pgcopydb clone --source "$SRV_S/bench" --target "$SRV_T/t_pgcopydb" --table-jobs 2 --index-jobs 2 --no-owner \
    --dir "$work/pgcopydb" >"$work/pgcopydb.log" 2>&1 || { tail "$work/pgcopydb.log"; exit 1; }
}
copy_dump() { pg_dump "$SRV_S/bench" | psql -q "$SRV_T/t_dump" >/dev/null; }
ferry_config snap "$SRV_S/bench" "$SRV_T/t_ferry" only
declare -A best
for round in 1 2; do
  for c in pipe ferry pgcopydb dump; do
    fresh_target "t_$c"
    q "$SRV_S/bench" -c "CHECKPOINT"
    start=$(now)
    "copy_$c"
    t=$(elapsed "$start")
    printf '    round %s %-10s %6.2f s\n' "$round" "$c" "$t"
    if [ -z "${best[$c]:-}" ] || [ "$(echo "$t < ${best[$c]}" | bc)" = 1 ]; then best[$c]=$t; fi
  done
done
t_pipe=${best[pipe]}; t_ferry=${best[ferry]}; t_pgcopydb=${best[pgcopydb]}; t_dump=${best[dump]}
rss_snap=$(( $(cat "$work/rss-snap") / 1024 ))
record "COPY binary pipe (ceiling, no PK)" "$t_pipe" ""
record "ferry (2 jobs, with PKs)" "$t_ferry" "peak RSS ${rss_snap} MB"
record "pgcopydb clone (2 jobs)" "$t_pgcopydb" ""
record "pg_dump | psql" "$t_dump" ""
verify ferry "$SRV_T/t_ferry" "$SRV_S/bench"
verify pgcopydb "$SRV_T/t_pgcopydb" "$SRV_S/bench"
verify "pg_dump" "$SRV_T/t_dump" "$SRV_S/bench"

echo "== 2. backlog drain: $DRAIN_TXNS pgbench transactions (scale $DRAIN_SCALE), consumer stopped meanwhile"
q "$FERRY_TEST_PG_SOURCE" -c "CREATE DATABASE drain"
pgbench -i -q -s "$DRAIN_SCALE" "$SRV_S/drain" >/dev/null 2>&1
q "$SRV_S/drain" -c "ALTER TABLE pgbench_history REPLICA IDENTITY FULL"
clients=4
per_client=$(( DRAIN_TXNS / clients ))
history() { q "$1" -c "SELECT count(*) FROM pgbench_history"; }
wait_history() {  # target expected
  while [ "$(history "$1")" != "$2" ]; do sleep 0.05; done
}

# Starts ferry on the drain pipeline and times it until the target has `expected` history rows;
# sets `caught_up_in` (seconds) and `peak_rss` (MB).
time_ferry_catch_up() {
  local expected=$1 start pid
  start=$(now)
  /usr/bin/time -f "%M" -o "$work/rss" "$FERRY" run -c "$work/drain.yaml" & pid=$!
  wait_history "$SRV_T/d_ferry" "$expected"
  caught_up_in=$(elapsed "$start")
  pkill -TERM -f "^$FERRY run -c $work/drain.yaml"; wait "$pid" || true
  peak_rss=$(( $(cat "$work/rss") / 1024 ))
}

# ferry: copy and start streaming, stop, write the backlog, then time the catch-up.
fresh_target d_ferry
ferry_config drain "$SRV_S/drain" "$SRV_T/d_ferry" initial
"$FERRY" run -c "$work/drain.yaml" & pid=$!
until "$FERRY" status -c "$work/drain.yaml" --json 2>/dev/null | grep -q '"phase":"streaming"'; do sleep 0.2; done
kill "$pid"; wait "$pid"
pgbench -n -c $clients -j 2 -t "$per_client" "$SRV_S/drain" >/dev/null 2>&1
time_ferry_catch_up "$(history "$SRV_S/drain")"
t_ferry_drain=$caught_up_in; rss_drain=$peak_rss
record "ferry drain" "$t_ferry_drain" "$(echo "$DRAIN_TXNS / $t_ferry_drain" | bc) txn/s, peak RSS ${rss_drain} MB"
verify "ferry drain" "$SRV_T/d_ferry" "$SRV_S/drain"

# native: subscription with its own initial copy, disabled while the backlog is written.
fresh_target d_native
pg_dump -s "$SRV_S/drain" | q "$SRV_T/d_native" >/dev/null
q "$SRV_S/drain" -c "CREATE PUBLICATION native_pub FOR TABLE $(echo $TABLES | tr ' ' ',')"
q "$SRV_T/d_native" -c "CREATE SUBSCRIPTION native_sub CONNECTION '$FERRY_TEST_PG_SOURCE dbname=drain' PUBLICATION native_pub WITH (synchronous_commit = 'on')" 2>/dev/null \
  || q "$SRV_T/d_native" -c "CREATE SUBSCRIPTION native_sub CONNECTION 'host=127.0.0.1 port=${SRV_S##*:} user=postgres dbname=drain' PUBLICATION native_pub WITH (synchronous_commit = 'on')"
until [ "$(q "$SRV_T/d_native" -c "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'")" = 0 ]; do sleep 0.2; done
wait_history "$SRV_T/d_native" "$(history "$SRV_S/drain")"
q "$SRV_T/d_native" -c "ALTER SUBSCRIPTION native_sub DISABLE"
until [ "$(q "$SRV_S/drain" -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'native_sub' AND active")" = 0 ]; do sleep 0.1; done
pgbench -n -c $clients -j 2 -t "$per_client" "$SRV_S/drain" >/dev/null 2>&1
expected=$(history "$SRV_S/drain")
start=$(now)
q "$SRV_T/d_native" -c "ALTER SUBSCRIPTION native_sub ENABLE"
wait_history "$SRV_T/d_native" "$expected"
t_native_drain=$(elapsed "$start")
record "native logical replication drain" "$t_native_drain" "$(echo "$DRAIN_TXNS / $t_native_drain" | bc) txn/s"
verify "native drain" "$SRV_T/d_native" "$SRV_S/drain"
q "$SRV_T/d_native" -c "DROP SUBSCRIPTION native_sub" >/dev/null

echo "== 3. one transaction of 1M inserted rows (memory stays bounded: the transaction streams through)"
"$FERRY" run -c "$work/drain.yaml" & pid=$!   # first catch up with what the native run wrote
wait_history "$SRV_T/d_ferry" "$(history "$SRV_S/drain")"
kill "$pid"; wait "$pid"
pgbench -n -c 1 -t 1 -f <(echo "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 1, 1, g, 0, now() FROM generate_series(1, 1000000) g;") "$SRV_S/drain" >/dev/null 2>&1
time_ferry_catch_up "$(history "$SRV_S/drain")"
t_big=$caught_up_in; rss_big=$peak_rss
record "ferry, 1M-row transaction" "$t_big" "$(echo "1000000 / $t_big" | bc) rows/s, peak RSS ${rss_big} MB"
verify "1M-row transaction" "$SRV_T/d_ferry" "$SRV_S/drain"

echo
echo "| run | ferry | anchor | ratio (anchor time / ferry time) |"
echo "| --- | --- | --- | --- |"
printf '| snapshot, pgbench scale %s (%s rows) | %.1f s | pgcopydb clone 2 jobs: %.1f s | %.2fx |\n' "$SCALE" "$rows" "$t_ferry" "$t_pgcopydb" "$(echo "$t_pgcopydb / $t_ferry" | bc -l)"
printf '| snapshot | %.1f s | pg_dump \\| psql: %.1f s | %.2fx |\n' "$t_ferry" "$t_dump" "$(echo "$t_dump / $t_ferry" | bc -l)"
printf '| snapshot | %.1f s | binary COPY pipe, no PK (ceiling): %.1f s | ferry at %.0f%% of ceiling |\n' "$t_ferry" "$t_pipe" "$(echo "100 * $t_pipe / $t_ferry" | bc -l)"
printf '| backlog drain, %s pgbench txns | %.1f s | native logical replication: %.1f s | %.2fx |\n' "$DRAIN_TXNS" "$t_ferry_drain" "$t_native_drain" "$(echo "$t_native_drain / $t_ferry_drain" | bc -l)"
printf '| one 1M-row transaction | %.1f s, peak RSS %s MB | — | |\n' "$t_big" "$rss_big"
printf '| ferry peak RSS | snapshot %s MB, drain %s MB | | |\n' "$rss_snap" "$rss_drain"
