# Heartbeats against the real servers. PostgreSQL: on a quiet captured database, while another
# database of the same cluster writes WAL, the slot's retained WAL (pg_current_wal_lsn() -
# confirmed_flush_lsn) stays bounded with no write to the captured database (heartbeat.action.query
# set to a failing statement: a warning naming it, the stream goes on); heartbeat records appear at
# about the interval with Debezium's key and value and the position in a header, that position
# following the server. Then a working heartbeat.action.query writes its rows, which flow as events.
# MariaDB: heartbeat records with a file/pos position header, and heartbeat.action.query.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/lib_mysql.sh"

LOAD_S=${HEARTBEAT_LOAD_S:-15}

verify_heartbeats() { # topic server-name min max position-field
    /usr/bin/python3 "$top_srcdir/tests/integration/heartbeat_verify.py" --bootstrap "$ROWCAST_TEST_KAFKA_BOOTSTRAP" \
        --registry "$ROWCAST_TEST_SCHEMA_REGISTRY_URL" --topic "$1" --server-name "$2" --min "$3" --max "$4" \
        --position-field "$5" >"$tmp/hb.out" || fail "heartbeat records of $1 are not as expected"
    head -1 "$tmp/hb.out"
}

pg_test_setup hb
other="o_$id"
cleanup_all() {
    [ -n "${writer_pid:-}" ] && kill "$writer_pid" 2>/dev/null || true
    pg_test_cleanup
    psql_q "DROP DATABASE IF EXISTS $other" >/dev/null 2>&1 || true
    [ -n "${db:-}" ] && my_q "DROP DATABASE IF EXISTS \`$db\`" >/dev/null 2>&1 || true
}
trap cleanup_all EXIT

psql_q "CREATE SCHEMA $schema; CREATE TABLE $schema.quiet (id int PRIMARY KEY); CREATE TABLE $schema.hb (ts timestamptz);"
psql_q "CREATE DATABASE $other"
other_q() {
    PGPASSWORD=$ROWCAST_TEST_PG_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -At -h "$ROWCAST_TEST_PG_HOST" \
        -p "$ROWCAST_TEST_PG_PORT" -U "$ROWCAST_TEST_PG_USER" -d "$other" -c "$1"
}
other_q "CREATE TABLE w (id int, pad text)"

write_pg_config "$tmp/rowcast.properties" "$prefix" "$slot" <<PROPS
table.include.list = $schema\\..*
publication.autocreate.mode = filtered
heartbeat.interval.ms = 1000
heartbeat.action.query = SELECT * FROM no_such_table_$id
PROPS
started=$(date +%s)
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
wait_slot_active "$slot"
pass "rowcast is streaming with heartbeats every second"

retained() {
    psql_q "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots
            WHERE slot_name = '$slot'"
}
start_lsn=$(psql_q "SELECT pg_current_wal_lsn()")
(
    end=$(($(date +%s) + LOAD_S))
    while [ "$(date +%s)" -lt "$end" ]; do
        other_q "INSERT INTO w SELECT g, repeat('x', 500) FROM generate_series(1, 2000) g" || exit 1
    done
) &
writer_pid=$!
max=0 samples=""
for i in $(seq "$LOAD_S"); do
    sleep 1
    r=$(retained)
    samples="$samples $((r / 1024))"
    [ "$i" -gt 3 ] && [ "$r" -gt "$max" ] && max=$r
done
wait "$writer_pid" || fail "the writer to $other failed"
writer_pid=
total=$(psql_q "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$start_lsn')::bigint")
echo "WAL written by $other: $((total / 1048576)) MB in ${LOAD_S} s; retained by the slot (KiB, each second):$samples"
[ "$total" -ge $((24 * 1048576)) ] || fail "the writer wrote only $((total / 1048576)) MB: too little to show anything"
[ "$max" -lt $((total / 3)) ] && [ "$max" -lt $((32 * 1048576)) ] ||
    fail "the slot retained up to $((max / 1048576)) MB of the $((total / 1048576)) MB written elsewhere"
pass "the slot's retained WAL stayed under $((max / 1048576 + 1)) MB while $other wrote $((total / 1048576)) MB"
[ "$(psql_q "SELECT count(*) FROM $schema.quiet") $(psql_q "SELECT count(*) FROM $schema.hb")" = "0 0" ] ||
    fail "something wrote to the captured database"
grep -q "heartbeat.action.query \"SELECT \* FROM no_such_table_$id\" failed" "$tmp/rowcast.log" ||
    fail "no warning names the failing heartbeat.action.query"
kill -0 "$rowcast_pid" || fail "rowcast died of the failing heartbeat.action.query"
pass "the failing heartbeat.action.query is a warning naming it; the stream went on"
last_lsn=$(psql_q "SELECT pg_current_wal_lsn()")
sleep 2
stop_rowcast
elapsed=$(($(date +%s) - started))
verify_heartbeats "__debezium-heartbeat.$prefix" "$prefix" $((elapsed * 6 / 10)) $((elapsed + 3)) lsn
first=$(sed -n 2p "$tmp/hb.out") last=$(tail -1 "$tmp/hb.out")
[ "$(psql_q "SELECT '$last'::pg_lsn >= '$last_lsn'::pg_lsn AND pg_wal_lsn_diff('$last', '$first') >= $total / 2")" = t ] ||
    fail "heartbeat positions $first .. $last do not follow the server ($start_lsn .. $last_lsn)"
pass "heartbeat positions follow the server: $first .. $last"

# A working heartbeat.action.query: Debezium's way, a write at every heartbeat, flowing as events.
sed -i "s/^heartbeat.action.query = .*/heartbeat.action.query = INSERT INTO $schema.hb VALUES (now())/" \
    "$tmp/rowcast.properties"
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast2.log"
wait_slot_active "$slot"
sleep 5
wait_slot_caught_up "$slot"
stop_rowcast
n=$(psql_q "SELECT count(*) FROM $schema.hb")
[ "$n" -ge 3 ] || fail "heartbeat.action.query wrote $n rows in 5 s"
got=$(/usr/bin/python3 - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$prefix.$schema.hb" <<'PY'
import os, sys
sys.path.insert(0, os.environ["top_srcdir"] + "/tests/integration")
from cdc_verify import consume
records, _ = consume(sys.argv[1], [sys.argv[2]], idle_s=3.0)
print(len(records))
PY
)
[ "$got" = "$n" ] || fail "$n heartbeat.action.query rows, $got events on $prefix.$schema.hb"
pass "heartbeat.action.query wrote $n rows, each published as an event"

# MariaDB: the same records, the position as the binlog's file and pos.
server_id=$((1000 + ($$ % 50000)))
db="d_hb$$_$(date +%s)"
my_q "CREATE DATABASE \`$db\`; CREATE TABLE \`$db\`.hb (id INT PRIMARY KEY, n INT) ENGINE=InnoDB"
my_prefix="rc_myhb$$_$(date +%s)"
write_my_config "$tmp/my.properties" <<PROPS
topic.prefix = $my_prefix
heartbeat.interval.ms = 500
heartbeat.action.query = INSERT INTO \`$db\`.hb VALUES (1, 1) ON DUPLICATE KEY UPDATE n = n + 1
offset.storage.file.filename = $tmp/my_offsets.json
PROPS
start_rowcast "$tmp/my.properties" "$tmp/my.log"
wait_my_streaming
sleep 4
stop_rowcast
verify_heartbeats "__debezium-heartbeat.$my_prefix" "$my_prefix" 5 14 file
pass "MariaDB heartbeats carry the binlog position"
n=$(my_q "SELECT n FROM \`$db\`.hb")
[ "${n:-0}" -ge 4 ] || fail "MariaDB heartbeat.action.query ran ${n:-0} times in 4 s at 500 ms"
pass "MariaDB heartbeat.action.query ran $n times"
