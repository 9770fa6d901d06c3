#!/usr/bin/env bash
# MariaDB -> PostgreSQL snapshot, side by side on the same servers and data: ferry (snapshot: only)
# vs pgloader (the usual tool for this move), wall time, rows/s and peak RSS of each; both results
# checked (row count and a sum of per-row md5s, source vs target). Then ferry's binlog decode and
# apply rate: a backlog of single-row transactions written while ferry is stopped, drained into
# PostgreSQL.
# Usage: bash bench/mysql.sh [ROWS] [BACKLOG_TXNS]   (defaults 1000000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
BACKLOG=${2:-100000}
bash scripts/setup.sh pgloader time bc
FERRY=$PWD/build/agent/ferry

work=$(mktemp -d /tmp/ferry-bench-mysql.XXXXXX)
chmod 755 "$work"
cleanup() { pkill -f "ferry run -c $work" 2>/dev/null || true; tests/support/servers.sh down "$work/servers"; rm -rf "$work"; }
trap cleanup EXIT
FERRY_TEST_PG_FSYNC=on tests/support/servers.sh up "$work/servers"
# shellcheck disable=SC1091
source "$work/servers/env"
MY_URL=${FERRY_TEST_MYSQL_SOURCE}
MY_PORT=${MY_URL##*:}; MY_PORT=${MY_PORT%/}
PG_T=${FERRY_TEST_PG_TARGET%/postgres}
my() { mariadb --no-defaults --default-character-set=utf8mb4 -h127.0.0.1 -P"$MY_PORT" -uferry -pferry -N -B "$@"; }
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

echo "== ferry snapshot (snapshot: only)"
q "$FERRY_TEST_PG_TARGET" -c "CREATE DATABASE ferry_t"
cat >"$work/snap.yaml" <<YAML
name: bench_snap
source: {type: mysql, url: '${MY_URL}bench', tables: [bench.orders]}
target: {type: postgres, url: '$PG_T/ferry_t'}
snapshot: only
state_dir: $work/state-snap
log_level: warn
YAML
t0=$(now)
/usr/bin/time -v "$FERRY" run -c "$work/snap.yaml" 2>"$work/ferry.time" >/dev/null
ferry_s=$(echo "$(now) - $t0" | bc -l)
ferry_rss=$(peak_rss_mb "$work/ferry.time")
check ferry ferry_t bench

echo "== pgloader"
q "$FERRY_TEST_PG_TARGET" -c "CREATE DATABASE pgloader_t"
t0=$(now)
/usr/bin/time -v pgloader --quiet "mysql://ferry:ferry@127.0.0.1:$MY_PORT/bench" "$PG_T/pgloader_t" \
  >"$work/pgloader.log" 2>"$work/pgloader.time" || { cat "$work/pgloader.log" "$work/pgloader.time"; exit 1; }
pgl_s=$(echo "$(now) - $t0" | bc -l)
pgl_rss=$(peak_rss_mb "$work/pgloader.time")
check pgloader pgloader_t bench

echo "== binlog backlog: $BACKLOG single-row transactions written while ferry is stopped"
q "$FERRY_TEST_PG_TARGET" -c "CREATE DATABASE drain_t"
my -e "CREATE TABLE bench.events (id bigint PRIMARY KEY, kind varchar(20), payload varchar(200), at datetime(6))"
cat >"$work/drain.yaml" <<YAML
name: bench_drain
source: {type: mysql, url: '${MY_URL}bench', tables: [bench.events]}
target: {type: postgres, url: '$PG_T/drain_t'}
state_dir: $work/state-drain
log_level: warn
YAML
"$FERRY" run -c "$work/drain.yaml" >"$work/drain0.log" 2>&1 &
until q "$PG_T/drain_t" -c "SELECT 1 FROM bench.events LIMIT 0" >/dev/null 2>&1; do sleep 0.2; done
kill -TERM %1; wait %1 || true
seq 1 "$BACKLOG" | awk '{printf "INSERT INTO bench.events VALUES (%d, \"kind%d\", REPEAT(\"p\", 100), NOW(6));\n", $1, $1 % 7}' \
  | my --init-command="SET autocommit=1"
t0=$(now)
/usr/bin/time -v "$FERRY" run -c "$work/drain.yaml" 2>"$work/drain.time" >/dev/null &
until [ "$(q "$PG_T/drain_t" -c "SELECT count(*) FROM bench.events")" = "$BACKLOG" ]; do sleep 0.05; done
drain_s=$(echo "$(now) - $t0" | bc -l)
pkill -TERM -f "^$FERRY run -c $work/drain.yaml"; wait || true
drain_rss=$(peak_rss_mb "$work/drain.time")

echo
echo "== results ($(date -u +%F), $(nproc) cores)"
printf '| run | ferry | pgloader | ratio |\n| --- | --- | --- | --- |\n'
printf '| MariaDB -> PostgreSQL snapshot, %s rows | %.1f s (%.0f rows/s), peak RSS %s MB | %.1f s (%.0f rows/s), peak RSS %s MB | %.2fx rows/s, %.2fx less memory |\n' \
  "$ROWS" "$ferry_s" "$(echo "$ROWS / $ferry_s" | bc -l)" "$ferry_rss" "$pgl_s" "$(echo "$ROWS / $pgl_s" | bc -l)" "$pgl_rss" \
  "$(echo "$pgl_s / $ferry_s" | bc -l)" "$(echo "$pgl_rss / $ferry_rss" | bc -l)"
printf '| binlog backlog drain into PostgreSQL, %s transactions | %.1f s (%.0f txn/s, %.0f row events/s decoded and applied), peak RSS %s MB | | |\n' \
  "$BACKLOG" "$drain_s" "$(echo "$BACKLOG / $drain_s" | bc -l)" "$(echo "$BACKLOG / $drain_s" | bc -l)" "$drain_rss"
