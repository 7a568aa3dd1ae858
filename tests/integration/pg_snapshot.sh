# A consistent snapshot under concurrent writes, then the stream: a 1,000,000-row table is copied
# (snapshot.mode=initial, two readers: the one done with the small table joins the other on the
# big one, issue 13's parallel chunks within a table) while another process keeps inserting,
# updating and deleting rows in it; the table rebuilt from Kafka (every r event, then every
# streamed change) must equal the table. Nothing between the snapshot and the stream may be lost
# or doubled: no row is read twice, whichever reader read its chunk.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

pg_test_setup sn
trap 'stop_writer; pg_test_cleanup' EXIT

rows=1000000
psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.big (id bigint PRIMARY KEY, name text, amount numeric(12,2), created timestamptz, flag boolean);
INSERT INTO $schema.big SELECT g, 'row ' || g || CASE WHEN g % 1000 = 0 THEN E'\\twith\\ttabs\\nand \\\\ newline' ELSE '' END,
    (g % 100000) / 100.0, '2026-01-01 00:00:00+00'::timestamptz + g * interval '1 second',
    CASE g % 3 WHEN 0 THEN true WHEN 1 THEN false END FROM generate_series(1, $rows) g;
CREATE TABLE $schema.small (code text PRIMARY KEY, tags text[], data jsonb, empty text);
INSERT INTO $schema.small SELECT 'c' || g, ARRAY['a', 'b' || g], jsonb_build_object('g', g), '' FROM generate_series(1, 2000) g;
ANALYZE $schema.big;"
pass "tables made: $schema.big ($rows rows), $schema.small (2000 rows)"

write_pg_config "$tmp/rowcast.properties" "$prefix" "$slot" <<PROPS
snapshot.mode = initial
snapshot.max.threads = 2
table.include.list = $schema\\..*
publication.autocreate.mode = filtered
offset.storage.file.filename = $tmp/offsets.json
PROPS

# The writer starts before rowcast and runs through the whole snapshot.
/usr/bin/python3 "$top_srcdir/tests/integration/snapshot_writer.py" --table "$schema.big" --rows $rows \
    --stop "$tmp/stop" --counts "$tmp/counts.json" |
    PGPASSWORD=$ROWCAST_TEST_PG_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$ROWCAST_TEST_PG_HOST" \
        -p "$ROWCAST_TEST_PG_PORT" -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" >/dev/null &
writer_pid=$!
sleep 1
changes() {
    psql_q "SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables WHERE relid = '$schema.big'::regclass"
}
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
for _ in $(seq 600); do
    grep -q "created replication slot" "$tmp/rowcast.log" && break
    sleep 0.05
done
changes_at_start=$(changes)
for _ in $(seq 1800); do
    grep -q "snapshot complete" "$tmp/rowcast.log" && break
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited during the snapshot"
    kill -0 "$writer_pid" 2>/dev/null || fail "the writer stopped during the snapshot"
    sleep 0.1
done
grep -q "snapshot complete" "$tmp/rowcast.log" || fail "the snapshot did not complete in 180 s"
changes_at_end=$(changes)
[ $((changes_at_end - changes_at_start)) -ge 50 ] ||
    fail "the writer made only $((changes_at_end - changes_at_start)) changes during the snapshot"
pass "the writer made about $((changes_at_end - changes_at_start)) changes to big during the snapshot"
grep -q "streaming from the snapshot's consistent point" "$tmp/rowcast.log" || sleep 2
grep -q "streaming from the snapshot's consistent point" "$tmp/rowcast.log" || fail "no handover to the stream"
pass "snapshot complete and handed over to the stream: $(grep -o 'snapshot complete.*' "$tmp/rowcast.log")"
grep -q "$schema.big: readers share its chunks from here" "$tmp/rowcast.log" ||
    fail "the reader done with small did not join big"
pass "the reader done with small joined big: $(grep -o 'read .*big: .*' "$tmp/rowcast.log")"
grep -q "copying $schema.big: .* rows (.*% of ~" "$tmp/rowcast.log" || true # progress lines, when it took > 5 s

# The writer goes on a little into the stream, then stops; everything must reach Kafka.
sleep 3
stop_writer
/usr/bin/python3 -c 'import json,sys; c = json.load(open(sys.argv[1])); print("writer:", c)' "$tmp/counts.json"
wait_slot_caught_up "$slot" 180
stop_rowcast
pass "rowcast caught up with the writer and stopped cleanly"
grep -q '"snapshot"' "$tmp/offsets.json" && fail "the offset file still says a snapshot is running"
pass "offset file records a streaming position"

if ! verify_topics --prefix "$prefix" --tables "$schema.big,$schema.small" --idle 10 \
    >"$tmp/verify.json" 2>"$tmp/verify.err"; then
    cat "$tmp/verify.err" >&2
    cat "$tmp/verify.json" >&2
    fail "the tables rebuilt from Kafka differ from PostgreSQL"
fi
cat "$tmp/verify.json"
pass "tables rebuilt from Kafka (r events, then the stream) equal PostgreSQL"

# Snapshot markers as Debezium's: one first, one last, each table's first and last record
# first_in_data_collection / last_in_data_collection, every other r event true; no r event after a
# streamed change of its table (the stream starts once the snapshot is acknowledged).
/usr/bin/python3 - "$tmp/verify.json" <<'PY' || fail "snapshot markers or order wrong"
import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
marks = s.get("snapshot_markers", {})
print("r events per marker:", marks)
print("per table:", s.get("snapshot_markers_by_table"))
assert marks.get("first") == 1 and marks.get("last") == 1, marks
assert not s.get("snapshot_marker_problems"), s.get("snapshot_marker_problems")
# big (planned first, the largest) starts with first; small (two readers: either may end last)
# has its own first_in_data_collection, and one of the tables ends with last_in_data_collection.
bt = s["snapshot_markers_by_table"]
big = next(v for k, v in bt.items() if k.endswith(".big"))
small = next(v for k, v in bt.items() if k.endswith(".small"))
assert big.get("first") == 1 and small.get("first_in_data_collection") == 1, bt
assert marks.get("last_in_data_collection") == 1, marks
assert sum(marks.values()) >= 1002000, marks
assert not s.get("reads_after_stream"), s.get("reads_after_stream")
assert s["duplicates"] == 0, s["duplicates"]
PY
pass "snapshot markers: exactly one first and one last; r events precede the stream"
