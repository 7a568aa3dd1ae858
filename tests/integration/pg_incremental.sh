# Issue 13: an incremental snapshot of a table while about 1,000 changes a second stream into it,
# started through the engine's entry point (rc_incremental_execute) by the test-only trigger
# ROWCAST_TEST_INCREMENTAL_TRIGGER (a file of table names; the signal channels come with h-signal).
# rowcast streams with snapshot.mode=no_data, so the table's older rows reach Kafka only through the
# incremental snapshot: the reconstruction from Kafka (cdc_verify.py, an independent Avro decoder)
# equals the table only if every row came, none came back after its delete and no chunk row
# overwrote a newer change of its key (per-key order). The watermark messages are never published.
# Then a table added to table.include.list while rowcast was stopped (snapshot.new.tables=parallel):
# the restart adds it to the filtered publication, its rows arrive as incremental r events while
# the first table keeps streaming, and its changes after that are streamed. Last, a table created
# while rowcast runs that matches the include list: added to the publication within seconds, the
# rows it had by then snapshotted, the later ones streamed.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

pg_test_setup inc
trap 'stop_writer; pg_test_cleanup' EXIT

rows=${ROWCAST_TEST_INCREMENTAL_ROWS:-100000}
psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.big (id bigint PRIMARY KEY, name text, amount numeric(12,2), created timestamptz, flag boolean);
INSERT INTO $schema.big SELECT g, 'row ' || g, g / 100.0, '2026-01-01 00:00:00+00'::timestamptz + g * interval '1 s',
    g % 2 = 0 FROM generate_series(1, $rows) g;
CREATE TABLE $schema.later (a int, b text, v text, PRIMARY KEY (a, b));
INSERT INTO $schema.later SELECT g % 50, 'k' || g, 'v' || g FROM generate_series(1, 20000) g;"

write_pg_config "$tmp/rowcast.properties" "$prefix" "$slot" <<PROPS
snapshot.mode = no_data
table.include.list = $schema\\.big
publication.autocreate.mode = filtered
incremental.snapshot.chunk.size = 1024
snapshot.new.tables = parallel
offset.storage.file.filename = $tmp/offsets.json
PROPS
export ROWCAST_TEST_INCREMENTAL_TRIGGER="$tmp/trigger"
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
wait_slot_active "$slot"

/usr/bin/python3 "$top_srcdir/tests/integration/snapshot_writer.py" --table "$schema.big" --rows "$rows" \
    --stop "$tmp/stop" --counts "$tmp/counts.json" --pause 0.002 |
    PGPASSWORD=$ROWCAST_TEST_PG_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$ROWCAST_TEST_PG_HOST" \
        -p "$ROWCAST_TEST_PG_PORT" -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" >/dev/null &
writer_pid=$!
sleep 3
t0=$(date +%s.%N)
echo "$schema.big" >"$tmp/trigger"
for _ in $(seq 1800); do
    grep -q "incremental snapshot of $schema.big complete" "$tmp/rowcast.log" && break
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited during the incremental snapshot"
    sleep 0.1
done
grep -q "incremental snapshot of $schema.big complete" "$tmp/rowcast.log" || fail "the incremental snapshot did not complete"
t1=$(date +%s.%N)
sleep 2
stop_writer
wait_slot_caught_up "$slot" 180
cat "$tmp/counts.json"; echo
awk -v a="$t0" -v b="$t1" -v n="$rows" 'BEGIN { printf "incremental snapshot of %d rows under the writer: %.1f s\n", n, b - a }'
pass "incremental snapshot of big complete while the writer streamed into it"

if ! verify_topics --prefix "$prefix" --tables "$schema.big" >"$tmp/verify.json" 2>"$tmp/verify.err"; then
    cat "$tmp/verify.err" >&2
    tail -1 "$tmp/verify.json" >&2
    fail "the table rebuilt from Kafka differs from PostgreSQL after the incremental snapshot"
fi
tail -1 "$tmp/verify.json"
/usr/bin/python3 -c 'import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
sys.exit(not s.get("snapshot_markers", {}).get("incremental", 0) > 0)' "$tmp/verify.json" ||
    fail "no r event says source.snapshot = incremental"
grep -q "rowcast.watermark" "$tmp/verify.json" && fail "a watermark message was published"
pass "the table rebuilt from Kafka equals PostgreSQL (incremental r events, per-key order kept, no watermark published)"

# A table added to the include list while rowcast is stopped.
stop_rowcast
grep -q "\"snapshotted\"" "$tmp/offsets.json" || fail "the offset file does not list the tables snapshotted"
sed -i "s/^table.include.list = .*/table.include.list = $schema\\\\.(big|later)/" "$tmp/rowcast.properties"
echo "--- restart" >>"$tmp/rowcast.log"
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
/usr/bin/python3 "$top_srcdir/tests/integration/snapshot_writer.py" --table "$schema.big" --rows "$rows" \
    --stop "$tmp/stop" --counts "$tmp/counts2.json" --pause 0.005 --first-id $((rows * 10)) |
    PGPASSWORD=$ROWCAST_TEST_PG_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$ROWCAST_TEST_PG_HOST" \
        -p "$ROWCAST_TEST_PG_PORT" -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" >/dev/null &
writer_pid=$!
for _ in $(seq 1800); do
    grep -q "incremental snapshot of $schema.later complete" "$tmp/rowcast.log" && break
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited after the restart"
    sleep 0.1
done
sed -n '/^--- restart/,$p' "$tmp/rowcast.log" | grep -q "snapshot.new.tables=parallel: $schema.later was never snapshotted" ||
    fail "the restart did not queue the new table"
sed -n '/^--- restart/,$p' "$tmp/rowcast.log" | grep -q "publication .* (filtered): added \"$schema\".\"later\"" ||
    fail "the restart did not add the new table to the filtered publication"
pass "the restart added the new table to the filtered publication and queued its snapshot"
sed -n '/^--- restart/,$p' "$tmp/rowcast.log" | grep -q "incremental snapshot of $schema.big" &&
    fail "the restart snapshotted big again"
psql_q "UPDATE $schema.later SET v = 'changed' WHERE a = 7; DELETE FROM $schema.later WHERE a = 8;"
sleep 1
stop_writer
wait_slot_caught_up "$slot" 180
stop_rowcast
if ! verify_topics --prefix "$prefix" --tables "$schema.big,$schema.later" >"$tmp/verify2.json" 2>"$tmp/verify2.err"; then
    cat "$tmp/verify2.err" >&2
    tail -1 "$tmp/verify2.json" >&2
    fail "the tables rebuilt from Kafka differ from PostgreSQL after the new table's snapshot"
fi
tail -1 "$tmp/verify2.json"
pass "a table added to table.include.list while stopped arrived as incremental r events while big kept streaming"

# A table created while rowcast runs, matching the include list.
sed -i "s/^table.include.list = .*/table.include.list = $schema\\\\..*/" "$tmp/rowcast.properties"
echo "--- fresh" >>"$tmp/rowcast.log"
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
wait_slot_active "$slot"
psql_q "CREATE TABLE $schema.fresh (id int PRIMARY KEY, v text);
INSERT INTO $schema.fresh SELECT g, 'at creation ' || g FROM generate_series(1, 3000) g;"
for _ in $(seq 300); do
    grep -q "incremental snapshot of $schema.fresh complete" "$tmp/rowcast.log" && break
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited after the new table was made"
    sleep 0.1
done
sed -n '/^--- fresh/,$p' "$tmp/rowcast.log" | grep -q "publication .* (filtered): added \"$schema\".\"fresh\"" ||
    fail "the table created while running was not added to the filtered publication"
grep -q "incremental snapshot of $schema.fresh complete" "$tmp/rowcast.log" ||
    fail "the table created while running was not snapshotted"
psql_q "INSERT INTO $schema.fresh SELECT g, 'later ' || g FROM generate_series(3001, 3100) g;
UPDATE $schema.fresh SET v = 'changed' WHERE id % 100 = 0; DELETE FROM $schema.fresh WHERE id % 100 = 1;"
wait_slot_caught_up "$slot" 60
stop_rowcast
if ! verify_topics --prefix "$prefix" --tables "$schema.fresh" >"$tmp/verify3.json" 2>"$tmp/verify3.err"; then
    cat "$tmp/verify3.err" >&2
    tail -1 "$tmp/verify3.json" >&2
    fail "the table created while running, rebuilt from Kafka, differs from PostgreSQL"
fi
tail -1 "$tmp/verify3.json"
pass "a table created while rowcast ran was added to the publication, its first rows snapshotted, the rest streamed"
