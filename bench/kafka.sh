#!/usr/bin/env bash
# PostgreSQL -> Kafka: a backlog of N row changes written while the consumer is stopped, then drained
# into the dev broker (tools/kafka_dev_broker.cpp: librdkafka's mock cluster, 3 brokers, the same
# for every contender), side by side with the naive baseline:
#   - ferry, at-least-once (idempotent producer, Debezium records with keys, lz4);
#   - ferry, exactly-once (the same in Kafka transactions, positions in <prefix>.offsets);
#   - pg_recvlogical (test_decoding text) | kcat -P (one record per line, no keys, no envelope).
# Each is timed from its start until the source's slot has confirmed the backlog's end (ferry) or
# the pipe has ended at it (--endpos); CPU seconds (user + system) and peak RSS come from
# /usr/bin/time. Events/s and CPU per event count the N row changes.
# Last, the source's own ceiling: pg_recvlogical reading pgoutput into /dev/null (what the walsender
# alone can decode; its CPU is not in the table, only the client's).
# Usage: bash bench/kafka.sh [ROW_CHANGES]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
bash scripts/setup.sh kcat time bc
FERRY=$PWD/build/agent/ferry
DEV_BROKER=$PWD/build/tools/ferry-kafka-dev

work=$(mktemp -d /tmp/ferry-bench-kafka.XXXXXX)
chmod 755 "$work"
cleanup() {
  pkill -f "ferry run -c $work" 2>/dev/null || true
  exec 9>&- 2>/dev/null || true   # the dev broker ends with its stdin
  tests/support/servers.sh down "$work/servers"
  rm -rf "$work"
}
trap cleanup EXIT
FERRY_TEST_PG_FSYNC=on tests/support/servers.sh up "$work/servers"
# shellcheck disable=SC1091
source "$work/servers/env"
SRV=${FERRY_TEST_PG_SOURCE%/postgres}
q() { psql -Atq "$@"; }
now() { date +%s.%N; }
export PGOPTIONS='-c client_min_messages=warning'

mkfifo "$work/broker.in"
"$DEV_BROKER" --brokers 3 <"$work/broker.in" >"$work/broker.out" 2>"$work/broker.log" &
exec 9>"$work/broker.in"
until [ -s "$work/broker.out" ]; do sleep 0.05; done
BROKERS=$(head -1 "$work/broker.out")
broker() { echo "$1" >&9; }
for t in k_once.public.events k_exact.public.events base.events; do broker "topic $t 6 3"; done

q "$FERRY_TEST_PG_SOURCE" -c "CREATE DATABASE kbench"
q "$SRV/kbench" -c "CREATE TABLE events (id bigint PRIMARY KEY, account int NOT NULL, amount numeric(12,2),
                    note text, created timestamptz NOT NULL DEFAULT now())"

ferry_config() {  # name extra-target-settings
  cat >"$work/$1.yaml" <<YAML
name: $1
source: {type: postgres, url: '$SRV/kbench', tables: [public.events]}
target: {type: kafka, brokers: '$BROKERS', $2}
state_dir: $work/state-$1
log_level: warn
YAML
}
ferry_config k_once "tombstones: true"
ferry_config k_exact "exactly_once: true"
# Each consumer starts once (slot created, nothing to copy) and stops before the backlog is written.
for p in k_once k_exact; do
  "$FERRY" run -c "$work/$p.yaml" & pid=$!
  until "$FERRY" status -c "$work/$p.yaml" --json 2>/dev/null | grep -q '"phase":"streaming"'; do sleep 0.2; done
  kill "$pid"; wait "$pid"
done
start_lsn=$(q "$SRV/kbench" -c "SELECT pg_current_wal_lsn()")
pg_recvlogical -d "$SRV/kbench" --slot base --create-slot -P test_decoding >/dev/null
pg_recvlogical -d "$SRV/kbench" --slot ceiling --create-slot -P pgoutput >/dev/null

echo "== writing a backlog of $N row changes (inserts in transactions of 10000 rows)"
batches=$(( N / 10000 ))
for ((b = 0; b < batches; b++)); do
  echo "INSERT INTO events (id, account, amount, note) SELECT g, g % 1000, (g % 100000) / 100.0, 'event ' || g
        FROM generate_series($((b * 10000 + 1)), $(((b + 1) * 10000))) g;"
done | q "$SRV/kbench" >/dev/null
end_lsn=$(q "$SRV/kbench" -c "SELECT pg_current_wal_lsn()")
q "$SRV/kbench" -c "CHECKPOINT"   # the backlog's dirty pages written before anyone is timed
echo "   WAL $start_lsn .. $end_lsn ($(q "$SRV/kbench" -c "SELECT pg_size_pretty('$end_lsn'::pg_lsn - '$start_lsn'::pg_lsn)"))"

results=()
report() {  # name seconds time-file
  local cpu rss
  cpu=$(awk '{print $1 + $2}' "$3"); rss=$(( $(awk '{print $3}' "$3") / 1024 ))
  printf '    %-40s %7.2f s  %9.0f events/s  %6.2f us CPU/event  peak RSS %4d MB\n' "$1" "$2" \
    "$(echo "$N / $2" | bc -l)" "$(echo "1000000 * $cpu / $N" | bc -l)" "$rss"
  results+=("$1|$2|$cpu|$rss")
}
slot_done() { [ "$(q "$SRV/kbench" -c "SELECT confirmed_flush_lsn >= '$end_lsn' FROM pg_replication_slots WHERE slot_name = '$1'")" = t ]; }

for p in k_once k_exact; do
  start=$(now)
  /usr/bin/time -f "%U %S %M" -o "$work/time-$p" "$FERRY" run -c "$work/$p.yaml" & pid=$!
  until slot_done "ferry_$p"; do sleep 0.05; done
  t=$(echo "$(now) - $start" | bc -l)
  pkill -TERM -f "^$FERRY run -c $work/$p.yaml"; wait "$pid" || true
  report "ferry ($p)" "$t" "$work/time-$p"
done

start=$(now)
/usr/bin/time -f "%U %S %M" -o "$work/time-recv" pg_recvlogical -d "$SRV/kbench" --slot base --start \
  --endpos "$end_lsn" -f - \
  | /usr/bin/time -f "%U %S %M" -o "$work/time-kcat" kcat -P -b "$BROKERS" -t base.events -X linger.ms=5 \
      -X compression.type=lz4 -X enable.idempotence=true
t=$(echo "$(now) - $start" | bc -l)
paste -d' ' <(cat "$work/time-recv") <(cat "$work/time-kcat") \
  | awk '{print $1 + $4, $2 + $5, ($3 > $6 ? $3 : $6)}' >"$work/time-base"
report "pg_recvlogical + kcat (baseline)" "$t" "$work/time-base"

# The source's side alone: the walsender decoding pgoutput for a client that throws it away.
start=$(now)
/usr/bin/time -f "%U %S %M" -o "$work/time-ceiling" pg_recvlogical -d "$SRV/kbench" --slot ceiling --start \
  --endpos "$end_lsn" -o proto_version=1 -o publication_names=ferry_k_once -f /dev/null
report "pgoutput to /dev/null (source ceiling)" "$(echo "$(now) - $start" | bc -l)" "$work/time-ceiling"

echo
echo "| run ($N row changes) | seconds | events/s | CPU us/event | peak RSS |"
echo "| --- | --- | --- | --- | --- |"
for r in "${results[@]}"; do
  IFS='|' read -r name secs cpu rss <<<"$r"
  printf '| %s | %.2f | %.0f | %.2f | %d MB |\n' "$name" "$secs" "$(echo "$N / $secs" | bc -l)" \
    "$(echo "1000000 * $cpu / $N" | bc -l)" "$rss"
done
base_t=$(echo "${results[2]}" | cut -d'|' -f2)
for i in 0 1; do
  IFS='|' read -r name secs _ _ <<<"${results[$i]}"
  printf '%s: %.2fx the baseline'"'"'s speed\n' "$name" "$(echo "$base_t / $secs" | bc -l)"
done
