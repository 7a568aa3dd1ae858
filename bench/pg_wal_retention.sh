#!/usr/bin/env bash
# WAL retained by rowcast's slot on a quiet captured database while another database of the same
# PostgreSQL cluster writes, in three modes: heartbeats off (the confirmed position follows the
# server's keepalives: rowcast's default, no write to the database), heartbeats on (records on
# __debezium-heartbeat.<prefix>, still no write), and heartbeats with heartbeat.action.query
# (Debezium's way: a write to a heartbeat table of the captured database at every heartbeat).
#
#   bench/pg_wal_retention.sh [seconds per mode (600)] [path/to/rowcast]
#
# Retained = pg_current_wal_lsn() - confirmed_flush_lsn of the slot, sampled every BENCH_SAMPLE_S (5)
# seconds. The writer inserts BENCH_WRITE_ROWS (2000) rows of 400 bytes into the other database, then
# sleeps BENCH_WRITE_SLEEP (1) s, over and over (about 1 MB of WAL a second). Heartbeats every
# BENCH_HEARTBEAT_MS (5000). Prints a table. Needs tests/env (see bench/README.md).
set -euo pipefail

DURATION=${1:-600}
[ $# -gt 0 ] && shift
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
SAMPLE_S=${BENCH_SAMPLE_S:-5}
WRITE_ROWS=${BENCH_WRITE_ROWS:-2000}
WRITE_SLEEP=${BENCH_WRITE_SLEEP:-1}
HB_MS=${BENCH_HEARTBEAT_MS:-5000}
bench_prepare psql

id="walret$$_$(date +%s)"
schema="$id" other="o_$id" tmp=$(mktemp -d)
pids=()
q() { psql -X -q -v ON_ERROR_STOP=1 -At -h "$ROWCAST_TEST_PG_HOST" -p "$ROWCAST_TEST_PG_PORT" -U "$ROWCAST_TEST_PG_USER" -d "${2:-$ROWCAST_TEST_PG_DB}" -c "$1"; }
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for m in off on action; do
        q "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${id}_$m' AND NOT active" >/dev/null 2>&1 || true
        q "DROP PUBLICATION IF EXISTS ${id}_${m}_pub" >/dev/null 2>&1 || true
    done
    q "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
    q "DROP DATABASE IF EXISTS $other" >/dev/null 2>&1 || true
    [ "${BENCH_KEEP_TMP:-0}" = 1 ] || rm -rf "$tmp"
}
trap cleanup EXIT

q "CREATE SCHEMA $schema; CREATE TABLE $schema.quiet (id int PRIMARY KEY);
   CREATE TABLE $schema.heartbeat (id int PRIMARY KEY, ts timestamptz)"
q "CREATE DATABASE $other"
q "CREATE TABLE w (id int, pad text)" "$other"

run_mode() { # mode extra-properties
    local mode=$1 slot="${id}_$1" prefix="${id}_$1" rc_pid writer_pid start_lsn end_lsn n=0 sum=0 max=0 r
    cat >"$tmp/$mode.properties" <<PROPS
source.type = postgres
database.hostname = $ROWCAST_TEST_PG_HOST
database.port = $ROWCAST_TEST_PG_PORT
database.user = $ROWCAST_TEST_PG_USER
database.password = $ROWCAST_TEST_PG_PASSWORD
database.dbname = $ROWCAST_TEST_PG_DB
topic.prefix = $prefix
slot.name = $slot
publication.name = ${slot}_pub
publication.autocreate.mode = filtered
table.include.list = $schema\\..*
snapshot.mode = no_data
kafka.bootstrap.servers = $ROWCAST_TEST_KAFKA_BOOTSTRAP
schema.registry.url = $ROWCAST_TEST_SCHEMA_REGISTRY_URL
offset.storage.file.filename = $tmp/$mode.offsets.json
$2
PROPS
    "$ROWCAST" run -c "$tmp/$mode.properties" >"$tmp/$mode.log" 2>&1 &
    rc_pid=$!
    pids+=("$rc_pid")
    for _ in $(seq 300); do
        [ "$(q "SELECT active AND confirmed_flush_lsn IS NOT NULL FROM pg_replication_slots WHERE slot_name = '$slot'")" = t ] && break
        sleep 0.2
    done
    start_lsn=$(q "SELECT pg_current_wal_lsn()")
    (
        end=$(($(date +%s) + DURATION))
        while [ "$(date +%s)" -lt "$end" ]; do
            q "INSERT INTO w SELECT g, repeat('x', 400) FROM generate_series(1, $WRITE_ROWS) g" "$other"
            sleep "$WRITE_SLEEP"
        done
    ) &
    writer_pid=$!
    pids+=("$writer_pid")
    log "$mode: $DURATION s of writes to $other"
    for _ in $(seq $((DURATION / SAMPLE_S))); do
        sleep "$SAMPLE_S"
        r=$(q "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = '$slot'")
        n=$((n + 1)) sum=$((sum + r))
        [ "$r" -gt "$max" ] && max=$r
    done
    wait "$writer_pid" || true
    end_lsn=$(q "SELECT pg_current_wal_lsn()")
    r=$(q "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = '$slot'")
    kill -TERM "$rc_pid"
    wait "$rc_pid" || true
    hb=$("$PY" - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "__debezium-heartbeat.$prefix" <<'PY'
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "walret"})
md = c.list_topics(timeout=10)
t = md.topics.get(sys.argv[2])
print(sum(c.get_watermark_offsets(TopicPartition(sys.argv[2], p), timeout=10)[1] for p in t.partitions) if t and t.partitions else 0)
c.close()
PY
)
    printf '%-8s %10s %12s %12s %12s %11s\n' "$mode" \
        "$(($(q "SELECT pg_wal_lsn_diff('$end_lsn', '$start_lsn')::bigint") / 1048576))" \
        "$(awk -v v="$max" 'BEGIN {printf "%.1f", v / 1048576}')" \
        "$(awk -v v="$sum" -v n="$n" 'BEGIN {printf "%.1f", n ? v / n / 1048576 : 0}')" \
        "$(awk -v v="$r" 'BEGIN {printf "%.1f", v / 1048576}')" "$hb" >>"$tmp/table"
}

printf '%-8s %10s %12s %12s %12s %11s\n' mode "written MB" "retained max" "retained avg" "retained end" heartbeats >"$tmp/table"
run_mode off "heartbeat.interval.ms = 0"
run_mode on "heartbeat.interval.ms = $HB_MS"
run_mode action "heartbeat.interval.ms = $HB_MS
heartbeat.action.query = INSERT INTO $schema.heartbeat VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET ts = excluded.ts"
echo "WAL retained by the slot (MB) over $DURATION s per mode of writes to another database; samples every $SAMPLE_S s"
cat "$tmp/table"
