#!/usr/bin/env bash
# Issue 13: what an incremental snapshot costs the stream. A probe table takes single-row commits at
# BENCH_INCR_RATE (1000) ops/s from BENCH_INCR_WRITERS (4) connections (bench/latency_writer.c);
# after BENCH_INCR_BEFORE (30) s of that, an incremental snapshot of a BENCH_INCR_ROWS (1000000)-row
# table in the same publication is asked for through the CLI (rowcast snapshot --incremental
# --table T over the signal table), and the probe goes on for BENCH_INCR_DURING (30) s more. The
# probe's topic is made beforehand with message.timestamp.type=LogAppendTime; latency = Kafka's
# append time - source.ts_us (the commit at PostgreSQL), decoded by bench/latency_report.py's pieces.
# Prints p50, p99, p99.9 and max for the commits of the BEFORE seconds before the signal and of the
# DURING seconds after it (cut at the snapshot's end when it ends sooner), and the snapshot's time.
#
#   bench/incremental_latency.sh [ROWCAST]    (ROWCAST: argument, $ROWCAST, or /tmp/build-bench/rowcast)
#
# Needs tests/env (exit 77 without it), cc and libpq's headers, python's confluent_kafka.
# BENCH_EXTRA_PROPS: more rowcast properties, one per line.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
RATE=${BENCH_INCR_RATE:-1000}
WRITERS=${BENCH_INCR_WRITERS:-4}
BEFORE=${BENCH_INCR_BEFORE:-30}
DURING=${BENCH_INCR_DURING:-30}
BIG_ROWS=${BENCH_INCR_ROWS:-1000000}
WARMUP=2
bench_prepare psql cc

id="incl$$"
schema="$id" pub="${id}_pub" slot="${id}_slot" prefix="$id"
topic="$prefix.$schema.probe"
tmp=$(mktemp -d /tmp/rowcast-incr-latency.XXXXXX)
rc_pid="" writer_pid=""

psql_q() {
    psql -X -q -v ON_ERROR_STOP=1 -At -h "$ROWCAST_TEST_PG_HOST" -p "$ROWCAST_TEST_PG_PORT" \
        -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" -c "$1"
}
now_us() { date +%s%6N; }

cleanup() {
    local status=$?
    set +e
    trap - EXIT INT TERM
    for p in "$writer_pid" "$rc_pid"; do
        [ -n "$p" ] && kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        psql_q "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                WHERE slot_name = '$slot' AND NOT active" >/dev/null 2>&1
        [ -z "$(psql_q "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$slot'" 2>/dev/null)" ] && break
        sleep 0.5
    done
    psql_q "DROP PUBLICATION IF EXISTS $pub" >/dev/null 2>&1
    psql_q "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
    "$PY" - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$prefix" >/dev/null 2>&1 <<'PY'
import sys
from confluent_kafka.admin import AdminClient
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
mine = [t for t in admin.list_topics(timeout=10).topics if t.startswith(sys.argv[2] + ".")]
for f in (admin.delete_topics(mine, operation_timeout=10).values() if mine else []):
    f.result()
PY
    if [ "${BENCH_KEEP_TMP:-0}" = 1 ] || [ "$status" != 0 ]; then
        log "temp dir kept: $tmp"
    else
        rm -rf "$tmp"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

high_watermark() {
    "$PY" - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$1" <<'PY' 2>/dev/null || echo 0
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "rowcast-incr-latency-hw"})
md = c.list_topics(sys.argv[2], timeout=5).topics[sys.argv[2]]
print(sum(c.get_watermark_offsets(TopicPartition(sys.argv[2], p), timeout=5, cached=False)[1] for p in md.partitions))
c.close()
PY
}

pq_inc=$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
cc -O2 -Wall -I"$pq_inc" -o "$tmp/latency_writer" "$here/latency_writer.c" -lpq -lpthread ||
    die "cannot build bench/latency_writer.c (libpq's headers?)"

log "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); PostgreSQL $(psql_q 'SHOW server_version')"
log "probe at $RATE ops/s ($WRITERS writers), $BEFORE s before and $DURING s during an incremental snapshot of $BIG_ROWS rows"
psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.probe (id bigserial PRIMARY KEY, w int NOT NULL, n bigint NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp()) WITH (autovacuum_enabled = false);
CREATE TABLE $schema.big (id bigint PRIMARY KEY, name text, amount numeric(12,2), created timestamptz, flag boolean);
INSERT INTO $schema.big SELECT g, 'row ' || g, g / 100.0, '2026-01-01 00:00:00+00'::timestamptz + g * interval '1 s',
    g % 2 = 0 FROM generate_series(1, $BIG_ROWS) g;
ANALYZE $schema.big;
CREATE TABLE $schema.debezium_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data text);
CREATE PUBLICATION $pub FOR TABLE $schema.probe, $schema.big, $schema.debezium_signal;
CHECKPOINT" >/dev/null
"$PY" - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$topic" <<'PY' || die "cannot create topic $topic"
import sys
from confluent_kafka.admin import AdminClient, NewTopic
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
for f in admin.create_topics([NewTopic(sys.argv[2], 1, 1, config={"message.timestamp.type": "LogAppendTime"})]).values():
    f.result()
PY
cat >"$tmp/rc.properties" <<PROPS
source.type = postgres
database.hostname = $ROWCAST_TEST_PG_HOST
database.port = $ROWCAST_TEST_PG_PORT
database.user = $ROWCAST_TEST_PG_USER
database.password = $ROWCAST_TEST_PG_PASSWORD
database.dbname = $ROWCAST_TEST_PG_DB
topic.prefix = $prefix
slot.name = $slot
publication.name = $pub
publication.autocreate.mode = disabled
table.include.list = $schema\\.(probe|big|debezium_signal)
snapshot.mode = no_data
signal.data.collection = $schema.debezium_signal
signal.enabled.channels = source
signal.poll.interval.ms = 100
kafka.bootstrap.servers = $ROWCAST_TEST_KAFKA_BOOTSTRAP
schema.registry.url = $ROWCAST_TEST_SCHEMA_REGISTRY_URL
offset.storage.file.filename = $tmp/offsets.json
${BENCH_EXTRA_PROPS:-}
PROPS
"$ROWCAST" run -c "$tmp/rc.properties" >"$tmp/rowcast.log" 2>&1 &
rc_pid=$!
for _ in $(seq 600); do
    [ "$(psql_q "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$slot' AND active")" = 1 ] && break
    kill -0 "$rc_pid" 2>/dev/null || die "rowcast exited: $(tail -3 "$tmp/rowcast.log")"
    sleep 0.1
done
# One row first: the table's first record registers its schemas, which is not what is measured.
psql_q "INSERT INTO $schema.probe (w, n) VALUES (-1, -1)" >/dev/null
for _ in $(seq 100); do [ "$(high_watermark "$topic")" -ge 1 ] && break; sleep 0.2; done
[ "$(high_watermark "$topic")" -ge 1 ] || die "the probe's first record did not reach $topic"

conninfo="host=$ROWCAST_TEST_PG_HOST port=$ROWCAST_TEST_PG_PORT user=$ROWCAST_TEST_PG_USER dbname=$ROWCAST_TEST_PG_DB password=$ROWCAST_TEST_PG_PASSWORD"
secs=$((WARMUP + BEFORE + DURING + 2))
t_writer=$(now_us)
"$tmp/latency_writer" "$conninfo" "$schema.probe" "$RATE" "$secs" "$WRITERS" >"$tmp/writer.json" 2>"$tmp/writer.err" &
writer_pid=$!
sleep $((WARMUP + BEFORE))
kill -0 "$writer_pid" 2>/dev/null || die "the writer stopped early: $(cat "$tmp/writer.err")"
t_trigger=$(now_us)
"$ROWCAST" snapshot --incremental --table "$schema.big" -c "$tmp/rc.properties" >"$tmp/cli.out" 2>&1 ||
    die "rowcast snapshot --incremental failed: $(cat "$tmp/cli.out")"
log "$(head -1 "$tmp/cli.out")"
t_done=""
while kill -0 "$writer_pid" 2>/dev/null; do
    if [ -z "$t_done" ] && grep -q "incremental snapshot of $schema.big complete" "$tmp/rowcast.log"; then
        t_done=$(now_us)
        log "the incremental snapshot of $schema.big completed after $(((t_done - t_trigger) / 1000)) ms"
    fi
    kill -0 "$rc_pid" 2>/dev/null || die "rowcast exited: $(tail -3 "$tmp/rowcast.log")"
    sleep 0.1
done
wait "$writer_pid" || die "the writer failed: $(cat "$tmp/writer.err")"
writer_pid=""
# The snapshot may outlast the probe: wait for it (its time is reported; the window stays DURING s).
for _ in $(seq 3000); do
    [ -n "$t_done" ] && break
    grep -q "incremental snapshot of $schema.big complete" "$tmp/rowcast.log" && t_done=$(now_us) && break
    kill -0 "$rc_pid" 2>/dev/null || die "rowcast exited: $(tail -3 "$tmp/rowcast.log")"
    sleep 0.1
done
[ -n "$t_done" ] || die "the incremental snapshot of $schema.big did not complete"
want=$((1 + $("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["rows"])' "$tmp/writer.json")))
for _ in $(seq 600); do [ "$(high_watermark "$topic")" -ge "$want" ] && break; sleep 0.2; done
hw=$(high_watermark "$topic")
[ "$hw" -ge "$want" ] || die "only $hw of $want probe records reached $topic"
big_hw=$(high_watermark "$prefix.$schema.big")
kill -TERM "$rc_pid"
wait "$rc_pid" 2>/dev/null || true
rc_pid=""

during_to=$((t_trigger + DURING * 1000000))
[ "$t_done" -lt "$during_to" ] && during_to=$t_done
report=$("$PY" "$here/incremental_latency_report.py" "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$topic" \
    "$ROWCAST_TEST_SCHEMA_REGISTRY_URL" "$((t_trigger - BEFORE * 1000000))" "$t_trigger" "$during_to") ||
    die "incremental_latency_report.py failed"
"$PY" - "$report" "$(cat "$tmp/writer.json")" "$(((t_done - t_trigger) / 1000))" "$BIG_ROWS" "$big_hw" "$RATE" <<'PY'
import json, sys
rep, writer = json.loads(sys.argv[1]), json.loads(sys.argv[2])
snap_ms, rows, big_hw, rate = (int(x) for x in sys.argv[3:7])
print(f"probe: {writer['rows']} commits at {rate} ops/s wanted; {rep['records']} records read; "
      f"incremental snapshot of {rows} rows: {snap_ms / 1000:.1f} s ({big_hw} records in its topic)")
print(f"{'window':<28} {'n':>7} {'p50 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} {'max ms':>8}")
for name, key, secs in (("before the snapshot", "before", rep["before_s"]), ("during the snapshot", "during", rep["during_s"])):
    s = rep[key]
    print(f"{name + f' ({secs} s)':<28} {s['n']:>7} {s['p50']:>8} {s['p99']:>8} {s['p99.9']:>9} {s['max']:>8}")
print(json.dumps({"bench": "incremental_latency", "rate": rate, "snapshot_rows": rows, "snapshot_s": snap_ms / 1000,
                  "writer": writer, **rep}))
PY
