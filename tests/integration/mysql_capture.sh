# MariaDB snapshot and hand-over: `rowcast run` with snapshot.mode=initial copies two tables (one
# without a primary key) in key-ordered chunks while a writer inserts, updates and deletes, then
# streams from the snapshot's binlog position: the tables rebuilt from Kafka equal MariaDB (nothing
# lost or resurrected between the snapshot and the stream), the snapshot's records are marked
# first/true/last. Then the one-shot `rowcast snapshot` of the same tables: exit 0, a summary with the
# row counts, no offset file.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/lib_mysql.sh"

my_test_setup mcp
writer_pid=""
trap '[ -n "$writer_pid" ] && kill "$writer_pid" 2>/dev/null; my_test_cleanup' EXIT

my_q "CREATE TABLE \`$db\`.orders (id BIGINT PRIMARY KEY, customer VARCHAR(40), amount DECIMAL(12,2),
    created DATETIME(6), note TEXT CHARACTER SET latin1) ENGINE=InnoDB;
INSERT INTO \`$db\`.orders SELECT seq, CONCAT('customer ', seq % 997), seq / 7, '2025-06-01' + INTERVAL seq MINUTE,
    IF(seq % 3 = 0, NULL, 'café') FROM \`$db\`.seq_1_to_40000;
CREATE TABLE \`$db\`.log (at INT, msg VARCHAR(20)) ENGINE=InnoDB;
INSERT INTO \`$db\`.log SELECT seq % 100, CONCAT('m', seq) FROM \`$db\`.seq_1_to_3000;"

write_my_config "$tmp/rowcast.properties" <<PROPS
snapshot.mode = initial
snapshot.fetch.size = 700
offset.storage.file.filename = $tmp/offsets.json
PROPS

# The writer: 300 small transactions over ~6 s, touching rows the snapshot has read and not yet read.
( for i in $(seq 1 300); do
    echo "BEGIN; INSERT INTO \`$db\`.orders VALUES ($((100000 + i)), 'new', 1.5, NOW(6), 'x');
UPDATE \`$db\`.orders SET amount = amount + 1 WHERE id IN ($((i * 131 % 40000 + 1)), $((40000 - i * 7)));
DELETE FROM \`$db\`.orders WHERE id = $((i * 113 % 40000 + 1));
INSERT INTO \`$db\`.log VALUES ($i, 'w'); COMMIT;"
    sleep 0.02
  done ) | MYSQL_PWD=$ROWCAST_TEST_MYSQL_PASSWORD mariadb --no-defaults --protocol=TCP -h "$ROWCAST_TEST_MYSQL_HOST" \
    -P "$ROWCAST_TEST_MYSQL_PORT" -u "$ROWCAST_TEST_MYSQL_USER" --batch >/dev/null 2>"$tmp/writer.err" &
writer_pid=$!
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
wait "$writer_pid" || { cat "$tmp/writer.err" >&2; fail "the writer failed"; }
writer_pid=""
pass "writer done while the snapshot ran"
wait_my_streaming
wait_my_caught_up "$tmp/offsets.json" 180
grep -q "snapshot" "$tmp/rowcast.log" || fail "no snapshot in the log"
stop_rowcast
pass "snapshot handed over to streaming, everything acknowledged"

verify_my_topics --prefix "$prefix" --tables "$db.orders,$db.log" >"$tmp/verify.json" 2>"$tmp/verify.err" ||
    { cat "$tmp/verify.err" >&2; cat "$tmp/verify.json" >&2; fail "the tables rebuilt from Kafka differ from MariaDB"; }
cat "$tmp/verify.json"
/usr/bin/python3 - "$tmp/verify.json" <<'PY' || fail "snapshot markers"
import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
m = s["snapshot_markers"]
assert m.get("first") == 1 and m.get("last") == 1, m
# Debezium's markers per table: each table's first and last record marked (two tables here).
assert not s.get("snapshot_marker_problems"), s.get("snapshot_marker_problems")
assert m.get("first_in_data_collection") == 1 and m.get("last_in_data_collection") == 1, m
# 43000 rows before the writer; each writer transaction before the point adds a log row.
assert 43000 <= sum(m.values()) <= 43300, f"{sum(m.values())} snapshot records: {m}"
PY
pass "tables rebuilt from Kafka equal MariaDB; the snapshot records marked as Debezium's, per table"

# The one-shot command: the same tables, to another prefix.
sed -i "s/^topic.prefix = .*/topic.prefix = ${prefix}_once/" "$tmp/rowcast.properties"
rm -f "$tmp/offsets.json"
run_rowcast -c "$tmp/rowcast.properties" snapshot
expect_code 0 "rowcast snapshot"
echo "$out"
count_of() { echo "$out" | awk -v t="$1" '$1 == t { print $2 }'; }
rows=$(my_q "SELECT COUNT(*) FROM \`$db\`.orders")
[ "$(count_of "$db.orders")" = "$rows" ] || fail "summary: orders has not $rows rows"
[ "$(count_of "$db.log")" = 3300 ] || fail "summary: log has not 3300 rows"
[ ! -e "$tmp/offsets.json" ] || fail "the one-shot snapshot wrote the offset file"
verify_my_topics --prefix "${prefix}_once" --tables "$db.orders,$db.log" >"$tmp/verify2.json" 2>"$tmp/verify2.err" ||
    { cat "$tmp/verify2.err" >&2; fail "the one-shot snapshot's topics differ from MariaDB"; }
pass "rowcast snapshot: exit 0, the row counts, the topics equal MariaDB, no offset file"
