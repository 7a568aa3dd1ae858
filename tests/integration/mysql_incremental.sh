# An incremental snapshot on MariaDB while streaming (issue 13): a 100,000-row table added to
# table.include.list while rowcast was stopped is copied in chunks with binlog position watermarks
# (snapshot.new.tables=parallel) while a writer inserts, updates and deletes its rows and the other
# table keeps streaming. Both tables rebuilt from Kafka equal MariaDB (no deleted row back, no
# change lost), the chunks' rows carry source.snapshot = incremental.
#
# Knobs: INCR_ROWS (100000), KEEP_TMP=1.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/lib_mysql.sh"

rows=${INCR_ROWS:-100000}
my_test_setup mic
writer_pid="" client_pid=""
incr_cleanup() {
    set +e
    [ -n "$writer_pid" ] && touch "$tmp/stop" && wait "$writer_pid" 2>/dev/null
    [ -n "$client_pid" ] && wait "$client_pid" 2>/dev/null
    my_test_cleanup
}
trap incr_cleanup EXIT

my_q "CREATE TABLE \`$db\`.small (id INT PRIMARY KEY, v TEXT) ENGINE=InnoDB;
INSERT INTO \`$db\`.small SELECT seq, CONCAT('v', seq) FROM \`$db\`.seq_1_to_500;
CREATE TABLE \`$db\`.big (id BIGINT PRIMARY KEY, name TEXT, amount DECIMAL(12,2), created TIMESTAMP(6) NULL,
    flag BOOLEAN) ENGINE=InnoDB;
INSERT INTO \`$db\`.big SELECT seq, CONCAT('row ', seq), seq / 100, TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq SECOND,
    seq % 2 = 0 FROM \`$db\`.seq_1_to_$rows;"
write_my_config "$tmp/first.properties" <<PROPS
snapshot.mode = initial
snapshot.new.tables = parallel
incremental.snapshot.chunk.size = 1000
table.include.list = $db[.]small
offset.storage.file.filename = $tmp/offsets.json
PROPS
sed "s|^table.include.list = .*|table.include.list = $db[.](small\|big)|" "$tmp/first.properties" >"$tmp/second.properties"

start_rowcast "$tmp/first.properties" "$tmp/rowcast.log"
wait_my_streaming
wait_my_caught_up "$tmp/offsets.json" 60
stop_rowcast
rowcast_pid=
pass "first run: $db.small snapshotted and streamed; $db.big not included"

# The writer, on both tables, from before the restart until the incremental snapshot is done.
mkfifo "$tmp/sql.fifo"
MYSQL_PWD=$ROWCAST_TEST_MYSQL_PASSWORD mariadb --no-defaults --protocol=TCP -h "$ROWCAST_TEST_MYSQL_HOST" \
    -P "$ROWCAST_TEST_MYSQL_PORT" -u "$ROWCAST_TEST_MYSQL_USER" --batch <"$tmp/sql.fifo" >/dev/null \
    2>"$tmp/client.err" &
client_pid=$!
/usr/bin/python3 "$top_srcdir/tests/integration/snapshot_writer.py" --dialect mysql --table "\`$db\`.big" \
    --rows "$rows" --stop "$tmp/stop" --counts "$tmp/counts.json" --pause 0.005 >"$tmp/sql.fifo" &
writer_pid=$!
sleep 1

echo "--- second run" >>"$tmp/rowcast.log"
t1=$(date +%s%3N)
start_rowcast "$tmp/second.properties" "$tmp/rowcast.log"
second() { sed -n '/^--- second run/,$p' "$tmp/rowcast.log"; }
for _ in $(seq 1200); do
    second | grep -q "incremental snapshot of $db\\.big complete" && break
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited during the incremental snapshot (see its log)"
    my_q "UPDATE \`$db\`.small SET v = CONCAT(v, '+') WHERE id = $((RANDOM % 500 + 1))" # the other table streams
    sleep 0.1
done
second | grep -q "snapshot.new.tables=parallel: $db.big was never snapshotted; queued" ||
    fail "the second run did not queue $db.big as a new table"
second | grep -q "incremental snapshot of $db\\.big complete" || fail "the incremental snapshot of $db.big did not complete"
t2=$(date +%s%3N)
pass "$db.big copied incrementally while streaming ($(( (t2 - t1) / 1000 )) s)"
sleep 2
touch "$tmp/stop"
wait "$writer_pid" || fail "the writer failed"
writer_pid=
wait "$client_pid" || { cat "$tmp/client.err" >&2; fail "the mariadb client failed"; }
client_pid=
wait_my_caught_up "$tmp/offsets.json" 300
stop_rowcast
rowcast_pid=
pass "writer stopped, the stream caught up (writer: $(cat "$tmp/counts.json"))"

set +e
verify_my_topics --prefix "$prefix" --tables "$db.big,$db.small" >"$tmp/verify.json" 2>"$tmp/verify.err"
verify_rc=$?
set -e
tail -n 1 "$tmp/verify.json"
if [ "$verify_rc" != 0 ]; then
    head -c 3000 "$tmp/verify.err" >&2
    fail "the tables rebuilt from Kafka differ from MariaDB"
fi
/usr/bin/python3 -c 'import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
m = s["snapshot_markers_by_table"].get(sys.argv[2], {})
print("records of big by marker:", m)
sys.exit(0 if m.get("incremental", 0) > 0 and set(m) == {"incremental"} else 1)' "$tmp/verify.json" "$db.big" ||
    fail "$db.big's snapshot records are not all source.snapshot=incremental"
pass "both tables rebuilt from Kafka equal MariaDB; $db.big's rows are incremental snapshot records"
