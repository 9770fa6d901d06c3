#!/usr/bin/env bash
# Replication lag under a steady load: pgbench inserts at a fixed rate (default 1,000 tps) for a
# while; each row records clock_timestamp() at the source, and the target table has an extra column
# that defaults to clock_timestamp() when the row is applied. Lag = applied - written, per row
# (both servers on this machine: one clock). ferry vs native logical replication, one at a time,
# both with synchronous_commit = on at the target.
# Usage: bash bench/lag.sh [TPS] [SECONDS]   (defaults 1000 20)
set -euo pipefail
cd "$(dirname "$0")/.."
TPS=${1:-1000}
SECS=${2:-20}
bash scripts/setup.sh
FERRY=$PWD/build/agent/ferry
export PGOPTIONS='-c client_min_messages=warning'

work=$(mktemp -d /tmp/ferry-lag.XXXXXX)
chmod 755 "$work"
cleanup() { pkill -f "^$FERRY run -c $work" 2>/dev/null || true; tests/support/servers.sh down "$work/servers"; rm -rf "$work"; }
trap cleanup EXIT
FERRY_TEST_PG_FSYNC=on tests/support/servers.sh up "$work/servers"
# shellcheck disable=SC1091
source "$work/servers/env"
SRV_S=${FERRY_TEST_PG_SOURCE%/postgres}
SRV_T=${FERRY_TEST_PG_TARGET%/postgres}
q() { psql -Atq "$@"; }

ddl="CREATE TABLE events (id bigserial PRIMARY KEY, written_at timestamptz NOT NULL, payload text)"
echo "INSERT INTO events (written_at, payload) VALUES (clock_timestamp(), md5(random()::text));" >"$work/insert.sql"
load() { pgbench -n -c 4 -j 2 -R "$TPS" -T "$SECS" -f "$work/insert.sql" "$1" >/dev/null 2>&1; }
stats() {  # target db: p50/p99/max lag in ms over the rows applied
  q "$1" -c "SELECT format('%s rows, p50 %s ms, p99 %s ms, max %s ms', count(*),
      round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms))::numeric, 1),
      round((percentile_cont(0.99) WITHIN GROUP (ORDER BY ms))::numeric, 1), round(max(ms)::numeric, 1))
    FROM (SELECT extract(epoch FROM applied_at - written_at) * 1000 AS ms FROM events) s"
}
wait_rows() { while [ "$(q "$1" -c "SELECT count(*) FROM events")" != "$2" ]; do sleep 0.1; done; }
prepare() {  # db
  q "$FERRY_TEST_PG_SOURCE" -c "CREATE DATABASE $1"
  q "$FERRY_TEST_PG_TARGET" -c "CREATE DATABASE $1"
  q "$SRV_S/$1" -c "$ddl"
  q "$SRV_T/$1" -c "$ddl" -c "ALTER TABLE events ADD COLUMN applied_at timestamptz DEFAULT clock_timestamp()"
}

echo "== ferry: $TPS tps for $SECS s"
prepare lag_ferry
cat >"$work/lag.yaml" <<YAML
name: lag
source: {type: postgres, url: '$SRV_S/lag_ferry', tables: [public.events]}
target: {type: postgres, url: '$SRV_T/lag_ferry'}
state_dir: $work/state
log_level: warn
YAML
"$FERRY" run -c "$work/lag.yaml" & pid=$!
until "$FERRY" status -c "$work/lag.yaml" --json 2>/dev/null | grep -q '"phase":"streaming"'; do sleep 0.2; done
load "$SRV_S/lag_ferry"
wait_rows "$SRV_T/lag_ferry" "$(q "$SRV_S/lag_ferry" -c "SELECT count(*) FROM events")"
ferry_stats=$(stats "$SRV_T/lag_ferry")
kill "$pid"; wait "$pid"
echo "   $ferry_stats"

echo "== native logical replication: $TPS tps for $SECS s"
prepare lag_native
q "$SRV_S/lag_native" -c "CREATE PUBLICATION lag_pub FOR TABLE events"
q "$SRV_T/lag_native" -c "CREATE SUBSCRIPTION lag_sub CONNECTION 'host=127.0.0.1 port=${SRV_S##*:} user=postgres dbname=lag_native' PUBLICATION lag_pub WITH (synchronous_commit = 'on')"
until [ "$(q "$SRV_T/lag_native" -c "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'")" = 0 ]; do sleep 0.2; done
load "$SRV_S/lag_native"
wait_rows "$SRV_T/lag_native" "$(q "$SRV_S/lag_native" -c "SELECT count(*) FROM events")"
native_stats=$(stats "$SRV_T/lag_native")
q "$SRV_T/lag_native" -c "DROP SUBSCRIPTION lag_sub"
echo "   $native_stats"

echo
echo "| lag at $TPS tps ($SECS s), written -> applied | ferry | native logical replication |"
echo "| --- | --- | --- |"
echo "| | $ferry_stats | $native_stats |"
