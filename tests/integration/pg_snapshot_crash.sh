# SIGKILL in the middle of a snapshot: the offset file says the snapshot is running and records its
# consistent point and the last chunk Kafka acknowledged, so the restart neither mistakes the half copy
# for a finished one nor starts over (issue 13): it says it resumes, keeps its slot, streams from the
# point and reads the rest in incremental chunks. The tables rebuilt from Kafka (the first attempt's
# r events, then the stream and the incremental reads; duplicates allowed) equal PostgreSQL.
# pg_snapshot_resume.sh kills three times under a writer and counts the rows read again.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

pg_test_setup sk
trap 'stop_writer; pg_test_cleanup' EXIT

rows=300000
psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.big (id bigint PRIMARY KEY, name text, amount numeric(12,2), created timestamptz, flag boolean);
INSERT INTO $schema.big SELECT g, 'row ' || g, g / 100.0, '2026-01-01 00:00:00+00'::timestamptz + g * interval '1 s',
    g % 2 = 0 FROM generate_series(1, $rows) g;
CREATE TABLE $schema.small (id int PRIMARY KEY, v text);
INSERT INTO $schema.small SELECT g, 'v' || g FROM generate_series(1, 5000) g;
ANALYZE $schema.big;"

write_pg_config "$tmp/rowcast.properties" "$prefix" "$slot" <<PROPS
snapshot.mode = initial
snapshot.max.threads = 2
table.include.list = $schema\\..*
publication.autocreate.mode = filtered
offset.storage.file.filename = $tmp/offsets.json
PROPS
# The first run is slowed down so that it is surely in the middle of the copy when it is killed: one
# record per produce request, one request in flight (a broker round trip per row), and the source
# read only when nothing is in flight.
cp "$tmp/rowcast.properties" "$tmp/slow.properties"
printf 'kafka.batch.num.messages = 1\nkafka.max.in.flight.requests.per.connection = 1\nmax.queue.size = 1\n' \
    >>"$tmp/slow.properties"

topic_count() {
    /usr/bin/python3 - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$1" <<'PY'
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "count"})
md = c.list_topics(sys.argv[2], timeout=10)
n = 0
if sys.argv[2] in md.topics and md.topics[sys.argv[2]].error is None:
    for p in md.topics[sys.argv[2]].partitions:
        n += c.get_watermark_offsets(TopicPartition(sys.argv[2], p), timeout=10)[1]
c.close()
print(n)
PY
}

start_rowcast "$tmp/slow.properties" "$tmp/rowcast.log"
for _ in $(seq 600); do
    if grep -q "copying $schema.big" "$tmp/rowcast.log" && grep -q '"snapshot": "running"' "$tmp/offsets.json" 2>/dev/null &&
        [ "$(topic_count "$prefix.$schema.big")" -ge 3000 ]; then
        break
    fi
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited during the snapshot"
    sleep 0.1
done
in_kafka=$(topic_count "$prefix.$schema.big")
[ "$in_kafka" -ge 3000 ] || fail "no snapshot progress to interrupt"
grep -q "snapshot complete" "$tmp/rowcast.log" && fail "the snapshot completed before the kill: slow it down more"
kill -9 "$rowcast_pid"
wait "$rowcast_pid" 2>/dev/null || true
rowcast_pid=
grep -q '"snapshot": "running"' "$tmp/offsets.json" || fail "the offset file does not say a snapshot is running"
pass "SIGKILL in the middle of the snapshot ($in_kafka of $rows rows of big in Kafka; offset file: running)"

# Changes while rowcast is down, deletes of rows the first attempt copied included: the stream from
# the point carries them (a new snapshot from a new point would have lost them, issue 13).
psql_q "UPDATE $schema.big SET name = 'while down' WHERE id % 1000 = 1;
DELETE FROM $schema.big WHERE id % 1000 = 7 AND id < 3000;
INSERT INTO $schema.big SELECT g, 'added while down', 1, now(), NULL FROM generate_series($rows + 1, $rows + 200) g;
UPDATE $schema.small SET v = 'while down' WHERE id <= 10;"

echo "--- restart" >>"$tmp/rowcast.log"
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
for _ in $(seq 600); do
    grep -q "interrupted; resuming it" "$tmp/rowcast.log" && break
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited after the restart"
    sleep 0.1
done
sed -n '/^--- restart/,$p' "$tmp/rowcast.log" | grep -q "snapshot of 2 tables was interrupted; resuming it" ||
    fail "the restart does not say it resumes the interrupted snapshot"
sed -n '/^--- restart/,$p' "$tmp/rowcast.log" | grep -q "dropped replication slot $slot" &&
    fail "the restart dropped the interrupted snapshot's slot"
pass "restart: 'snapshot of 2 tables was interrupted; resuming it', slot kept"

# A writer through the rest of the snapshot (incremental chunks while streaming).
/usr/bin/python3 "$top_srcdir/tests/integration/snapshot_writer.py" --table "$schema.big" --rows $((rows + 200)) \
    --stop "$tmp/stop" --counts "$tmp/counts.json" |
    PGPASSWORD=$ROWCAST_TEST_PG_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$ROWCAST_TEST_PG_HOST" \
        -p "$ROWCAST_TEST_PG_PORT" -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" >/dev/null &
writer_pid=$!
for _ in $(seq 1800); do
    grep -q "incremental snapshot of $schema.big complete" "$tmp/rowcast.log" && break
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited during the resumed snapshot"
    sleep 0.1
done
grep -q "incremental snapshot of $schema.big complete" "$tmp/rowcast.log" || fail "the resumed snapshot did not complete"
sleep 2
stop_writer
wait_slot_caught_up "$slot" 180
stop_rowcast
grep -q '"snapshot"' "$tmp/offsets.json" && fail "the offset file still says a snapshot is running"
pass "resumed snapshot complete, streamed changes caught up, clean stop"

if ! verify_topics --prefix "$prefix" --tables "$schema.big,$schema.small" >"$tmp/verify.json" 2>"$tmp/verify.err"; then
    cat "$tmp/verify.err" >&2
    cat "$tmp/verify.json" >&2
    fail "the tables rebuilt from Kafka differ from PostgreSQL"
fi
cat "$tmp/verify.json"
/usr/bin/python3 -c 'import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
m = s.get("snapshot_markers", {})
sys.exit(not (m.get("first") == 1 and m.get("incremental", 0) > 0))' "$tmp/verify.json" ||
    fail "expected one first marker (one snapshot, resumed) and incremental reads after the restart"
pass "tables rebuilt from Kafka equal PostgreSQL after the crash (the first attempt's r events, then the stream and the incremental reads)"
