#!/usr/bin/env bash
# Sets everything up and shows Ferry's main job for real: a live PostgreSQL database copied to
# another PostgreSQL server and kept in sync, surviving a kill -9 of the agent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
FERRY=$PWD/build/agent/ferry

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
work=$(mktemp -d /tmp/ferry-demo.XXXXXX)
chmod 755 "$work"  # the servers run as the postgres user
ferry_pid=
cleanup() {
  [ -n "$ferry_pid" ] && kill "$ferry_pid" 2>/dev/null && wait "$ferry_pid" 2>/dev/null || true
  tests/support/servers.sh down "$work/servers"
  rm -rf "$work"
}
trap cleanup EXIT

say "Starting a throwaway source and target PostgreSQL 15"
tests/support/servers.sh up "$work/servers"
# shellcheck disable=SC1091
source "$work/servers/env"
SRC=${FERRY_TEST_PG_SOURCE%/postgres}/shop
TGT=${FERRY_TEST_PG_TARGET%/postgres}/shop
psql -q "$FERRY_TEST_PG_SOURCE" -c "CREATE DATABASE shop"
psql -q "$FERRY_TEST_PG_TARGET" -c "CREATE DATABASE shop"

say "Creating sample data at the source (customers, 500k orders, an enum, a table without a key)"
psql -q "$SRC" <<'SQL'
CREATE TYPE order_state AS ENUM ('new', 'paid', 'shipped');
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text, joined timestamptz DEFAULT now());
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, amount numeric(12,2), state order_state,
                     items jsonb, note text);
CREATE TABLE audit_log (at timestamptz DEFAULT now(), message text);
ALTER TABLE audit_log REPLICA IDENTITY FULL;
INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, 10000) g;
INSERT INTO orders (customer_id, amount, state, items)
  SELECT g % 10000 + 1, (g % 997) * 1.25, 'new', jsonb_build_object('sku', g % 50, 'qty', g % 3 + 1)
  FROM generate_series(1, 500000) g;
SQL

cat >"$work/shop.yaml" <<YAML
name: shop
source:
  type: postgres
  url: $SRC
  tables: [public.*]
target:
  type: postgres
  url: $TGT
state_dir: $work/state
YAML
echo "config ($work/shop.yaml):"; sed 's/^/  /' "$work/shop.yaml"

wait_streaming() {
  for _ in $(seq 1 600); do
    if "$FERRY" status -c "$work/shop.yaml" --json 2>/dev/null | grep -q '"phase":"streaming"'; then return 0; fi
    sleep 0.2
  done
  echo "ferry did not reach streaming" >&2; return 1
}
start_ferry() { "$FERRY" run -c "$work/shop.yaml" & ferry_pid=$!; }
checksum() {  # row-by-row content of a table as one digest
  psql -Atq "$1" -c "SELECT count(*) || ' rows, md5 ' || md5(coalesce(string_agg(x::text, E'\n' ORDER BY x::text COLLATE \"C\"), '')) FROM $2 x"
}
tables_equal() {
  for t in customers orders audit_log; do [ "$(checksum "$SRC" "$t")" = "$(checksum "$TGT" "$t")" ] || return 1; done
}
wait_synced() {
  for _ in $(seq 1 300); do tables_equal && return 0; sleep 0.2; done
  echo "the target did not catch up" >&2; return 1
}

say "ferry run: snapshot (with progress), then streaming"
start_ferry
wait_streaming
"$FERRY" status -c "$work/shop.yaml"

say "Writing live changes at the source"
psql -q "$SRC" <<'SQL'
INSERT INTO customers VALUES (10001, 'new customer', 'new@example.com');
UPDATE orders SET state = 'paid', note = 'paid online' WHERE id <= 1000;
DELETE FROM orders WHERE id BETWEEN 2001 AND 2100;
INSERT INTO audit_log (message) VALUES ('price change'), ('price change');
SQL
wait_synced
echo "target: $(psql -Atq "$TGT" -c "SELECT count(*) FROM orders WHERE state = 'paid'") paid orders," \
     "customer 10001 = '$(psql -Atq "$TGT" -c "SELECT name FROM customers WHERE id = 10001")'," \
     "$(psql -Atq "$TGT" -c "SELECT count(*) FROM orders WHERE id BETWEEN 2001 AND 2100") of the deleted orders left"

say "kill -9 the agent while the source keeps changing"
psql -q "$SRC" -c "UPDATE orders SET amount = amount + 1 WHERE id % 10 = 0" &
writer=$!
sleep 0.3
kill -9 "$ferry_pid"; wait "$ferry_pid" 2>/dev/null || true; ferry_pid=
echo "agent killed"
wait "$writer"
psql -q "$SRC" -c "INSERT INTO orders (customer_id, amount, state) SELECT 1, 9.99, 'new' FROM generate_series(1, 5000)"
psql -q "$SRC" -c "DELETE FROM audit_log WHERE ctid = (SELECT ctid FROM audit_log LIMIT 1)"

say "Restarting the agent: it continues where it was"
start_ferry
wait_synced

say "Comparing every table row by row"
status=0
for t in customers orders audit_log; do
  s=$(checksum "$SRC" "$t"); d=$(checksum "$TGT" "$t")
  if [ "$s" = "$d" ]; then echo "  $t: equal ($s)"; else echo "  $t: DIFFERENT source=$s target=$d"; status=1; fi
done

say "The same check by the agent, live: ferry verify, then ferry cutover (the moment of switching)"
"$FERRY" verify -c "$work/shop.yaml" || status=1
"$FERRY" cutover -c "$work/shop.yaml" --freeze-source || status=1

say "Stopping the agent (SIGTERM: graceful) and cleaning up"
kill "$ferry_pid"; wait "$ferry_pid" || true; ferry_pid=
exit $status
