#!/usr/bin/env bash
# `ferry verify` on a table of N rows (default 5M) that `ferry run` copied and streams (idle),
# PostgreSQL -> PostgreSQL, side by side with
# the plain way: both sides dumped in key order (COPY (SELECT ... ORDER BY id) TO STDOUT, the two
# dumps at once) and compared with diff. Both run on the same two servers, one at a time, twice
# each: once on equal tables (both must say equal), once after three rows were changed at the
# target (both must find them). Wall seconds, CPU seconds of the client and its peak RSS come from
# /usr/bin/time.
# Usage: bash bench/verify.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5000000}
bash scripts/setup.sh time bc
FERRY=$PWD/build/agent/ferry

work=$(mktemp -d /tmp/ferry-bench-verify.XXXXXX)
chmod 755 "$work"
cleanup() {
  pkill -f "ferry run -c $work" 2>/dev/null || true
  tests/support/servers.sh down "$work/servers"
  rm -rf "$work"
}
trap cleanup EXIT
tests/support/servers.sh up "$work/servers"
# shellcheck disable=SC1091
source "$work/servers/env"
SRC=${FERRY_TEST_PG_SOURCE%/postgres}/vbench
TGT=${FERRY_TEST_PG_TARGET%/postgres}/vbench
q() { psql -Atq "$@"; }
now() { date +%s.%N; }
export PGOPTIONS='-c client_min_messages=warning'

q "$FERRY_TEST_PG_SOURCE" -c "CREATE DATABASE vbench"
q "$FERRY_TEST_PG_TARGET" -c "CREATE DATABASE vbench"
echo "== $N rows at the source, copied to the target by ferry run, which then streams (idle)"
q "$SRC" -c "CREATE TABLE events (id bigint PRIMARY KEY, account int NOT NULL, amount numeric(12,2),
             note text, created timestamptz NOT NULL DEFAULT '2026-01-01')"
q "$SRC" -c "INSERT INTO events (id, account, amount, note) SELECT g, g % 1000, (g % 100000) / 100.0, 'event ' || g
             FROM generate_series(1, $N) g"
cat >"$work/ferry.yaml" <<YAML
name: vbench
source: {type: postgres, url: '$SRC', tables: [public.events]}
target: {type: postgres, url: '$TGT'}
state_dir: $work/state
log_level: warn
YAML
q "$SRC" -c "VACUUM ANALYZE events"
"$FERRY" run -c "$work/ferry.yaml" 2>"$work/ferry.log" &
until "$FERRY" status -c "$work/ferry.yaml" --json 2>/dev/null | grep -q '"phase":"streaming"'; do sleep 0.5; done
q "$TGT" -c "VACUUM ANALYZE events"

results=()
timed() {  # name expected-exit command...
  local name=$1 expected=$2 start t code=0
  shift 2
  start=$(now)
  /usr/bin/time -f "%U %S %M" -o "$work/time" "$@" >"$work/out" 2>&1 || code=$?
  t=$(echo "$(now) - $start" | bc -l)
  if [ "$code" != "$expected" ]; then
    echo "   $name: exit $code, expected $expected"; tail -5 "$work/out"; exit 1
  fi
  local cpu rss
  cpu=$(tail -1 "$work/time" | awk '{print $1 + $2}'); rss=$(( $(tail -1 "$work/time" | awk '{print $3}') / 1024 ))
  printf '    %-44s %7.2f s  client CPU %6.2f s  peak RSS %5d MB\n' "$name" "$t" "$cpu" "$rss"
  results+=("$name|$t|$cpu|$rss")
}
dump_diff() {
  diff <(psql -Atq "$SRC" -c "COPY (SELECT * FROM events ORDER BY id) TO STDOUT") \
       <(psql -Atq "$TGT" -c "COPY (SELECT * FROM events ORDER BY id) TO STDOUT") >"$work/diff.out"
}
export -f dump_diff; export SRC TGT work

timed "ferry verify, equal" 0 "$FERRY" verify -c "$work/ferry.yaml" --json
grep -q '"equal":true' "$work/out"
timed "dump + diff, equal" 0 bash -c dump_diff

q "$TGT" -c "UPDATE events SET amount = amount + 0.01 WHERE id = $((N / 2))"
q "$TGT" -c "DELETE FROM events WHERE id = $((N / 3))"
q "$TGT" -c "INSERT INTO events VALUES ($((N + 1)), 1, 1, 'extra', '2026-01-01')"
# Settled: the pipeline (idle: heartbeats) got past the first look, and the source rows stayed.
timed "ferry verify, 3 rows changed" 1 "$FERRY" verify -c "$work/ferry.yaml" --json
grep -q '"rows_different":3' "$work/out" || { cat "$work/out"; exit 1; }
timed "dump + diff, 3 rows changed" 1 bash -c dump_diff
[ "$(grep -c '^[<>]' "$work/diff.out")" = 4 ] || { head "$work/diff.out"; exit 1; }

echo
echo "| run ($N rows) | seconds | client CPU s | peak RSS |"
echo "| --- | --- | --- | --- |"
for r in "${results[@]}"; do
  IFS='|' read -r name secs cpu rss <<<"$r"
  printf '| %s | %.2f | %.2f | %d MB |\n' "$name" "$secs" "$cpu" "$rss"
done
for pair in "0 1" "2 3"; do
  read -r f b <<<"$pair"
  IFS='|' read -r name fs _ _ <<<"${results[$f]}"
  IFS='|' read -r _ bs _ _ <<<"${results[$b]}"
  printf '%s: %.2fx faster than dump + diff\n' "$name" "$(echo "$bs / $fs" | bc -l)"
done
