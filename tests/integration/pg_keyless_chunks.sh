# Issue 13: a PostgreSQL table without a key (no primary key, no message.key.columns) is copied in
# ctid ranges, so that a crash resumes it too. The table (REPLICA IDENTITY FULL, autovacuum off) has
# identical twin rows and a stretch emptied by deletes (ranges of no visible row, read past); a writer
# deletes rows throughout. rowcast is SIGKILLed at about 40% of the rows in Kafka: the offset file
# records the table's progress as a block, "(B,0)"; the restart logs "resuming the snapshot of T at
# key ((B,0))" and reads only blocks from B on, live, with watermarks (a delete inside a chunk's
# window wins over the chunk's row, compared as whole rows). After it, rows are inserted and deleted
# as the stream goes on. The consumer's multiset (cdc_verify.py, an independent Avro decoder) equals
# the table, leaving out only the records that were in Kafka past the recorded progress at the kill
# (acknowledged by Kafka, not yet recorded: read again, and without a key nothing tells the copies
# apart); there are fewer of those than a chunk per reader.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

pg_test_setup kl
trap 'stop_writer; pg_test_cleanup' EXIT

rows=30000 chunk=500
psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.nk (n int, label text, amount numeric(10,2), seen timestamptz) WITH (autovacuum_enabled = false);
ALTER TABLE $schema.nk REPLICA IDENTITY FULL;
INSERT INTO $schema.nk SELECT g % 25000, 'row ' || (g % 25000), (g % 25000) / 100.0,
    '2026-01-01 00:00:00+00'::timestamptz + (g % 25000) * interval '1 s' FROM generate_series(1, $rows) g;
DELETE FROM $schema.nk WHERE n BETWEEN 8000 AND 14000;
ANALYZE $schema.nk;"
blocks=$(psql_q "SELECT pg_relation_size('$schema.nk') / current_setting('block_size')::int")
initial=$(psql_q "SELECT count(*) FROM $schema.nk")

write_pg_config "$tmp/rowcast.properties" "$prefix" "$slot" <<PROPS
snapshot.mode = initial
snapshot.max.threads = 1
incremental.snapshot.chunk.size = $chunk
table.include.list = $schema\\.nk
publication.autocreate.mode = filtered
offset.storage.file.filename = $tmp/offsets.json
PROPS
cp "$tmp/rowcast.properties" "$tmp/slow.properties"
printf 'max.queue.size = 200\nkafka.linger.ms = 20\n' >>"$tmp/slow.properties"

# Deletes of rows without a twin in the table's last part (n 20000..24999, past where the kill
# lands), one every 20 ms, until told to stop: the one change a live ctid read of a keyless table
# takes exactly (an insert or an update may land in a block still to be read, and come twice).
(
    for n in $(shuf -i 20000-24999 -n 4000 --random-source=<(yes)); do
        [ -e "$tmp/stop" ] && break
        echo "DELETE FROM $schema.nk WHERE n = $n; SELECT pg_sleep(0.02);"
    done
) | PGPASSWORD=$ROWCAST_TEST_PG_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$ROWCAST_TEST_PG_HOST" \
    -p "$ROWCAST_TEST_PG_PORT" -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" >/dev/null &
writer_pid=$!

topic="$prefix.$schema.nk"
in_kafka() {
    /usr/bin/python3 - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$topic" <<'PY'
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "count"})
md = c.list_topics(sys.argv[2], timeout=10)
n = 0
if sys.argv[2] in md.topics and md.topics[sys.argv[2]].error is None:
    n = c.get_watermark_offsets(TopicPartition(sys.argv[2], 0), timeout=10)[1]
c.close()
print(n)
PY
}
# The table's recorded progress in the offset file: "key rows", or "" when none.
progress() {
    /usr/bin/python3 - "$tmp/offsets.json" "$schema.nk" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for t in d.get("snapshot_progress", {}).get("tables", []):
    if t["table"] == sys.argv[2] and t.get("key"):
        print(t["key"][0], t.get("rows", 0)); break
PY
}

start_rowcast "$tmp/slow.properties" "$tmp/rowcast.log"
target=$((initial * 40 / 100))
for _ in $(seq 3000); do
    [ "$(in_kafka)" -ge "$target" ] && break
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited before the kill (see $tmp/rowcast.log)"
    sleep 0.1
done
kill -9 "$rowcast_pid"
wait "$rowcast_pid" 2>/dev/null || true
rowcast_pid=
at_kill=$(in_kafka)
grep -q "snapshot complete" "$tmp/rowcast.log" && fail "the snapshot completed before the kill: slow it down more"
grep -q "has no key: read whole" "$tmp/rowcast.log" && fail "the keyless table was read whole, not in ctid ranges"
read -r key acked <<<"$(progress)"
[ -n "${key:-}" ] || fail "the offset file records no progress of $schema.nk after the kill: $(cat "$tmp/offsets.json")"
case "$key" in
"("*",0)") ;;
*) fail "the recorded progress of the keyless table is '$key', not a block '(B,0)'" ;;
esac
block=${key#(}
block=${block%,0)}
[ "$block" -gt 0 ] && [ "$block" -lt "$blocks" ] || fail "recorded block $block is outside the table's $blocks blocks"
# The rows below block B: the first life's consistent read of them, as no change touched them.
below=$(psql_q "SELECT count(*) FROM $schema.nk WHERE ctid < '($block,0)'::tid")
[ "$(psql_q "SELECT coalesce(max(n), 0) FROM $schema.nk WHERE ctid < '($block,0)'::tid")" -lt 20000 ] ||
    fail "the kill landed past n 20000, among the deleted rows: kill earlier"
[ "$below" -le "$at_kill" ] || fail "$below rows below block $block, but only $at_kill records in Kafka"
reread=$((at_kill - below))
pass "SIGKILL with $at_kill of $initial rows in Kafka; the offset file records block $block of $blocks ($below rows below it, $acked acknowledged; $reread in Kafka past it)"
[ "$reread" -lt $((2 * chunk)) ] || fail "$reread records in Kafka past the recorded block: more than a chunk (about $chunk rows) per reader"

echo "--- run final" >>"$tmp/rowcast.log"
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
for _ in $(seq 1200); do
    grep -q "incremental snapshot of $schema.nk complete" "$tmp/rowcast.log" && break
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited in the final run (see $tmp/rowcast.log)"
    sleep 0.1
done
grep -q "incremental snapshot of $schema.nk complete" "$tmp/rowcast.log" || fail "the resumed snapshot did not complete"
grep -q "resuming the snapshot of $schema.nk at key (($block,0))" "$tmp/rowcast.log" ||
    fail "the restart does not log 'resuming the snapshot of $schema.nk at key (($block,0))': $(grep resuming "$tmp/rowcast.log")"
grep "resuming the snapshot of $schema.nk" "$tmp/rowcast.log" | sed 's/^/  /'
pass "the restart resumed the keyless table at block $block"
stop_writer

# Streamed changes of the keyless table: inserts (twins among them), updates, deletes.
psql_q "INSERT INTO $schema.nk SELECT 100000 + g % 50, 'new ' || g % 50, 1.5, now() FROM generate_series(1, 100) g;
UPDATE $schema.nk SET label = 'updated' WHERE n BETWEEN 20 AND 40;
DELETE FROM $schema.nk WHERE n BETWEEN 100010 AND 100019;"
wait_slot_caught_up "$slot" 120
stop_rowcast

if ! verify_topics --prefix "$prefix" --tables "$schema.nk" --skip "$topic:0:$below-$at_kill" \
    --records-out "$tmp/records.jsonl" >"$tmp/verify.json" 2>"$tmp/verify.err"; then
    cat "$tmp/verify.err" >&2
    tail -1 "$tmp/verify.json" >&2
    fail "the keyless table rebuilt from Kafka differs from PostgreSQL"
fi
tail -1 "$tmp/verify.json"
# After the restart, only blocks from B on were read: no more r events than rows the kill left.
reads_after=$(/usr/bin/python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) for r in [json.loads(l)] if r["op"] == "r" and r["offset"] >= int(sys.argv[2])))' \
    "$tmp/records.jsonl" "$at_kill")
[ "$reads_after" -le $((initial - below)) ] ||
    fail "$reads_after rows read after the restart, more than the $((initial - below)) the recorded progress left"
pass "the keyless table rebuilt from Kafka equals PostgreSQL (twins and all); $reads_after rows read after the restart for $((initial - below)) left, $reread re-read"
