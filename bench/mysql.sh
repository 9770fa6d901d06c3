#!/usr/bin/env bash
# MySQL/MariaDB paths, side by side with the anchor tool on the same servers and data, every result
# checked (row count and a sum of per-row md5s, source vs target):
# - MariaDB -> PostgreSQL snapshot: ferry (snapshot: only) vs pgloader, twice in turn (the faster run
#   of each counts): wall time, rows/s, peak RSS;
# - a backlog of single-row transactions written while ferry is stopped, then
#   - read by ferry's capture alone (bench/tools/binlog_read.cpp: fetch + decode, row events/s) vs a
#     raw fetch of the same binlog files (mariadb-binlog --raw, the physical ceiling);
#   - drained into MariaDB by ferry vs MariaDB's own replication (one SQL thread, as ferry has one
#     apply thread) from the same GTID position into the same empty table;
#   - drained into PostgreSQL by ferry.
# Usage: bash bench/mysql.sh [ROWS] [BACKLOG_TXNS]   (defaults 1000000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
BACKLOG=${2:-100000}
bash scripts/setup.sh pgloader time bc
FERRY=$PWD/build/agent/ferry
FERRY_BINLOG_READ=$PWD/build/bench/tools/ferry_binlog_read

work=$(mktemp -d /tmp/ferry-bench-mysql.XXXXXX)
chmod 755 "$work"
cleanup() { pkill -f "ferry run -c $work" 2>/dev/null || true; tests/support/servers.sh down "$work/servers"; rm -rf "$work"; }
trap cleanup EXIT
FERRY_TEST_PG_FSYNC=on tests/support/servers.sh up "$work/servers"
# shellcheck disable=SC1091
source "$work/servers/env"
MY_URL=${FERRY_TEST_MYSQL_SOURCE}
MY_PORT=${MY_URL##*:}; MY_PORT=${MY_PORT%/}
MY_T_URL=${FERRY_TEST_MYSQL_TARGET}
MY_T_PORT=${MY_T_URL##*:}; MY_T_PORT=${MY_T_PORT%/}
PG_T=${FERRY_TEST_PG_TARGET%/postgres}
my() { mariadb --no-defaults --default-character-set=utf8mb4 -h127.0.0.1 -P"$MY_PORT" -uferry -pferry -N -B "$@"; }
my_t() { mariadb --no-defaults --default-character-set=utf8mb4 -h127.0.0.1 -P"$MY_T_PORT" -uferry -pferry -N -B "$@"; }
q() { psql -Atq "$@"; }
now() { date +%s.%N; }
peak_rss_mb() { awk '/Maximum resident set size/ {printf "%.0f", $NF / 1024}' "$1"; }

echo "== preparing $ROWS rows at the MariaDB source"
my -e "CREATE DATABASE bench CHARACTER SET utf8mb4;
  CREATE TABLE bench.orders (id bigint PRIMARY KEY, customer int NOT NULL, amount decimal(12,2) NOT NULL,
    status enum('new','paid','shipped') NOT NULL, note varchar(100), created datetime(3) NOT NULL, paid tinyint(1) NOT NULL);
  INSERT INTO bench.orders SELECT seq, seq % 9973, (seq % 100000) / 100, ELT(1 + seq % 3, 'new', 'paid', 'shipped'),
    CONCAT('order note ', seq), '2026-01-01 00:00:00' + INTERVAL seq SECOND, seq % 2 FROM bench.seq_1_to_$ROWS;"
# Row count and the sum over rows of the first 32 bits of each row's md5 (order-independent, and no
# aggregate string larger than the servers' packet limits).
source_sum=$(my -e "SELECT CONCAT(COUNT(*), ' ', SUM(CAST(CONV(LEFT(MD5(CONCAT_WS('|', id, customer, amount, status, note,
  DATE_FORMAT(created, '%Y-%m-%d %H:%i:%s.%f'), paid)), 8), 16, 10) AS UNSIGNED))) FROM bench.orders")
check() {  # name db schema
  local got
  got=$(q "$PG_T/$2" -c "SELECT count(*) || ' ' || sum(('x' || left(md5(concat_ws('|', id, customer, amount, status, note,
    to_char(created, 'YYYY-MM-DD HH24:MI:SS.US'), CASE WHEN paid::text IN ('true', '1') THEN 1 ELSE 0 END)), 8))::bit(32)::bigint)
    FROM $3.orders")
  if [ "$got" = "$source_sum" ]; then echo "    $1: verified equal (rows + a sum of per-row md5s)"; else
    echo "    $1: TARGET DIFFERS: $got vs $source_sum"; exit 1; fi
}

snapshot_ferry() {  # run: copies into database ferry_t<run>
  local db=ferry_t$1
  q "$FERRY_TEST_PG_TARGET" -c "CREATE DATABASE $db"
  cat >"$work/snap$1.yaml" <<YAML
name: bench_snap
source: {type: mysql, url: '${MY_URL}bench', tables: [bench.orders]}
target: {type: postgres, url: '$PG_T/$db'}
snapshot: only
state_dir: $work/state-snap$1
log_level: warn
YAML
  local t0; t0=$(now)
  /usr/bin/time -v "$FERRY" run -c "$work/snap$1.yaml" 2>"$work/ferry$1.time" >/dev/null
  best_of ferry "$(echo "$(now) - $t0" | bc -l)" "$(peak_rss_mb "$work/ferry$1.time")"
  check "ferry (run $1)" "$db" bench
}

snapshot_pgloader() {  # run
  local db=pgloader_t$1
  q "$FERRY_TEST_PG_TARGET" -c "CREATE DATABASE $db"
  local t0; t0=$(now)
  /usr/bin/time -v pgloader --quiet "mysql://ferry:ferry@127.0.0.1:$MY_PORT/bench" "$PG_T/$db" \
    >"$work/pgloader.log" 2>"$work/pgloader$1.time" || { cat "$work/pgloader.log" "$work/pgloader$1.time"; exit 1; }
  best_of pgl "$(echo "$(now) - $t0" | bc -l)" "$(peak_rss_mb "$work/pgloader$1.time")"
  check "pgloader (run $1)" "$db" bench
}

# best_of NAME SECONDS RSS: keeps NAME_s/NAME_rss of the faster run.
best_of() {
  local cur="${1}_s"
  if [ -z "${!cur:-}" ] || [ "$(echo "$2 < ${!cur}" | bc -l)" = 1 ]; then
    printf -v "${1}_s" '%s' "$2"; printf -v "${1}_rss" '%s' "$3"
  fi
}

echo "== snapshot: ferry (snapshot: only) and pgloader, twice in turn (the faster run of each counts)"
for run in 1 2; do snapshot_ferry $run; snapshot_pgloader $run; done

echo "== binlog backlog: $BACKLOG single-row transactions written while ferry is stopped"
# A fresh binlog file from here: the raw fetch reads exactly what ferry reads.
my -e "CREATE TABLE bench.events (id bigint PRIMARY KEY, kind varchar(20), payload varchar(200), at datetime(6));
  FLUSH BINARY LOGS"
start_gtid=$(my -e "SELECT @@gtid_binlog_pos")
start_pos="$(my -e "SHOW MASTER STATUS" | awk '{print $1 ":" $2}') gtid $start_gtid"
q "$FERRY_TEST_PG_TARGET" -c "CREATE DATABASE drain_t"
drain_config() {  # name target_type target_url: a pipeline streaming bench.events into that target
  cat >"$work/$1.yaml" <<YAML
name: bench_$1
source: {type: mysql, url: '${MY_URL}bench', tables: [bench.events]}
target: {type: $2, url: '$3'}
state_dir: $work/state-$1
log_level: warn
YAML
}
drain_config drain postgres "$PG_T/drain_t"
drain_config m2m mysql "$MY_T_URL"
# Each pipeline copies the (empty) table and reaches the stream, then stops.
for cfg in drain m2m; do
  "$FERRY" run -c "$work/$cfg.yaml" >"$work/${cfg}0.log" 2>&1 &
  until "$FERRY" status -c "$work/$cfg.yaml" 2>/dev/null | grep -q streaming; do sleep 0.2; done
  kill -TERM %1; wait %1 || true
done
seq 1 "$BACKLOG" | awk '{printf "INSERT INTO bench.events VALUES (%d, \"kind%d\", REPEAT(\"p\", 100), NOW(6));\n", $1, $1 % 7}' \
  | my --init-command="SET autocommit=1"
events_sum=$(my -e "SELECT CONCAT(COUNT(*), ' ', SUM(CAST(CONV(LEFT(MD5(CONCAT_WS('|', id, kind, payload,
  DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f'))), 8), 16, 10) AS UNSIGNED))) FROM bench.events")
check_events() {  # name: the MariaDB target's bench.events against the source's
  local got
  got=$(my_t -e "SELECT CONCAT(COUNT(*), ' ', SUM(CAST(CONV(LEFT(MD5(CONCAT_WS('|', id, kind, payload,
    DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f'))), 8), 16, 10) AS UNSIGNED))) FROM bench.events")
  if [ "$got" = "$events_sum" ]; then echo "    $1: verified equal (rows + a sum of per-row md5s)"; else
    echo "    $1: TARGET DIFFERS: $got vs $events_sum"; exit 1; fi
}

echo "== binlog read: ferry's capture (fetch + decode) vs a raw fetch (mariadb-binlog --raw)"
read -r decode_rows decode_txns decode_s < <("$FERRY_BINLOG_READ" "${MY_URL}bench" bench.events "$start_pos")
mkdir -p "$work/raw"
t0=$(now)
(cd "$work/raw" && mariadb-binlog --no-defaults -R --raw -h127.0.0.1 -P"$MY_PORT" -uferry -pferry --to-last-log \
  "${start_pos%%:*}")
raw_s=$(echo "$(now) - $t0" | bc -l)
raw_mb=$(du -sm "$work/raw" | cut -f1)

echo "== drain into PostgreSQL (ferry)"
t0=$(now)
/usr/bin/time -v "$FERRY" run -c "$work/drain.yaml" 2>"$work/drain.time" >/dev/null &
until [ "$(q "$PG_T/drain_t" -c "SELECT count(*) FROM bench.events")" = "$BACKLOG" ]; do sleep 0.05; done
drain_s=$(echo "$(now) - $t0" | bc -l)
pkill -TERM -f "^$FERRY run -c $work/drain.yaml"; wait || true
drain_rss=$(peak_rss_mb "$work/drain.time")

echo "== drain into MariaDB: ferry, then MariaDB's own replication from the same position"
t0=$(now)
/usr/bin/time -v "$FERRY" run -c "$work/m2m.yaml" 2>"$work/m2m.time" >/dev/null &
until [ "$(my_t -e "SELECT COUNT(*) FROM bench.events")" = "$BACKLOG" ]; do sleep 0.05; done
m2m_s=$(echo "$(now) - $t0" | bc -l)
pkill -TERM -f "^$FERRY run -c $work/m2m.yaml"; wait || true
m2m_rss=$(peak_rss_mb "$work/m2m.time")
check_events ferry
# The replica starts where ferry's stream started: the same empty table, the same GTID position.
my_t -e "TRUNCATE bench.events; SET GLOBAL gtid_slave_pos = '$start_gtid';
  CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = $MY_PORT, MASTER_USER = 'ferry', MASTER_PASSWORD = 'ferry',
    MASTER_USE_GTID = slave_pos"
t0=$(now)
my_t -e "START SLAVE"
until [ "$(my_t -e "SELECT COUNT(*) FROM bench.events")" = "$BACKLOG" ]; do sleep 0.05; done
native_s=$(echo "$(now) - $t0" | bc -l)
my_t -e "STOP SLAVE; RESET SLAVE ALL"
check_events "native replication"

echo
echo "== results ($(date -u +%F), $(nproc) cores)"
printf '| run | ferry | anchor | ratio |\n| --- | --- | --- | --- |\n'
printf '| MariaDB -> PostgreSQL snapshot, %s rows | %.1f s (%.0f rows/s), peak RSS %s MB | pgloader %.1f s (%.0f rows/s), peak RSS %s MB | %.2fx rows/s, %.2fx less memory |\n' \
  "$ROWS" "$ferry_s" "$(echo "$ROWS / $ferry_s" | bc -l)" "$ferry_rss" "$pgl_s" "$(echo "$ROWS / $pgl_s" | bc -l)" "$pgl_rss" \
  "$(echo "$pgl_s / $ferry_s" | bc -l)" "$(echo "$pgl_rss / $ferry_rss" | bc -l)"
printf '| binlog read (fetch + decode), %s row events in %s transactions | %.2f s (%.0f row events/s) | raw fetch (mariadb-binlog --raw) of the same %s MB: %.2f s | %.2fx the raw fetch time |\n' \
  "$decode_rows" "$decode_txns" "$decode_s" "$(echo "$decode_rows / $decode_s" | bc -l)" "$raw_mb" "$raw_s" \
  "$(echo "$decode_s / $raw_s" | bc -l)"
printf '| backlog drain into MariaDB, %s transactions | %.1f s (%.0f txn/s), peak RSS %s MB | native replication %.1f s (%.0f txn/s) | %.2fx native txn/s |\n' \
  "$BACKLOG" "$m2m_s" "$(echo "$BACKLOG / $m2m_s" | bc -l)" "$m2m_rss" "$native_s" "$(echo "$BACKLOG / $native_s" | bc -l)" \
  "$(echo "$native_s / $m2m_s" | bc -l)"
printf '| backlog drain into PostgreSQL, %s transactions | %.1f s (%.0f txn/s), peak RSS %s MB | | |\n' \
  "$BACKLOG" "$drain_s" "$(echo "$BACKLOG / $drain_s" | bc -l)" "$drain_rss"
