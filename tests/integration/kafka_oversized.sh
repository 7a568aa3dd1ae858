# A record larger than the broker takes (issue 14, T25): rowcast must stop with a non-zero exit and an
# error naming the topic (the table), partition, key, size and the broker's limit, and never confirm
# the position past that row: a restart reads it again and stops the same way. Rows before it are in
# Kafka. Three cases, each on a topic created with max.message.bytes=100000:
#   PostgreSQL, a 300 kB bytea row: the broker refuses it (MSG_SIZE_TOO_LARGE in the delivery report);
#   PostgreSQL, a 1 MB bytea row: larger than the producer's own message.max.bytes, refused locally;
#   MariaDB, a 300 kB LONGBLOB row: the broker refuses it.
# The bytes are random so that lz4 cannot shrink them under the limit.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/lib_mysql.sh"

pg_test_setup ov
db="d_$id"
slots=
cleanup_all() {
    [ -n "${rowcast_pid:-}" ] && kill -9 "$rowcast_pid" 2>/dev/null || true
    for s in $slots; do drop_slot "$s" || true; done
    my_q "DROP DATABASE IF EXISTS \`$db\`" >/dev/null 2>&1 || true
    pg_test_cleanup
}
trap cleanup_all EXIT
server_id=$((1000 + ($$ % 50000)))
limit=100000

# Creates topic $1 (one partition) with max.message.bytes=$limit.
make_topic() {
    /usr/bin/python3 - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$1" "$limit" <<'PY'
import sys
from confluent_kafka.admin import AdminClient, NewTopic
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
for f in admin.create_topics([NewTopic(sys.argv[2], 1, 1, config={"max.message.bytes": sys.argv[3]})],
                             operation_timeout=15).values():
    f.result()
PY
}

# The records in topic $1 (its high watermark: one partition).
topic_count() {
    /usr/bin/python3 - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$1" <<'PY'
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "oversized-count"})
print(c.get_watermark_offsets(TopicPartition(sys.argv[2], 0), timeout=10)[1])
c.close()
PY
}

# Waits up to $1 s for rowcast to exit; fails when it does not; sets $exit_code.
wait_exit() {
    for _ in $(seq $(($1 * 10))); do
        kill -0 "$rowcast_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$rowcast_pid" 2>/dev/null && fail "$2: rowcast still running ${1}s after the oversized row (retrying for ever?)"
    set +e
    wait "$rowcast_pid"
    exit_code=$?
    set -e
    rowcast_pid=
}

# Checks the log $1 says what is at fault: each further argument must be in it.
expect_log() {
    local log=$1 what=$2 s
    shift 2
    for s in "$@"; do
        grep -qF -- "$s" "$log" || { tail -n 20 "$log" >&2; fail "$what: the log lacks '$s'"; }
    done
}

psql_q "CREATE SCHEMA $schema"

# --- PostgreSQL: $1 = case name, $2 = 16-byte blocks of random bytes, then the expected log words.
pg_case() {
    local name=$1 blocks=$2 t="$schema.$1" s="${slot}_$1" p="${prefix}_$1" topic commit_end confirmed off
    shift 2
    topic="$p.$t"
    slots="$slots $s"
    psql_q "CREATE TABLE $t (id int PRIMARY KEY, b bytea)"
    make_topic "$topic"
    write_pg_config "$tmp/$name.properties" "$p" "$s" <<PROPS
table.include.list = $schema\\.$name
publication.autocreate.mode = filtered
offset.storage.file.filename = $tmp/$name.offsets.json
PROPS
    start_rowcast "$tmp/$name.properties" "$tmp/$name.log"
    wait_slot_active "$s"
    psql_q "INSERT INTO $t VALUES (1, 'one'), (2, 'two')"
    wait_slot_caught_up "$s" 60
    psql_q "INSERT INTO $t SELECT 3, decode(string_agg(md5(random()::text), ''), 'hex') FROM generate_series(1, $blocks)"
    commit_end=$(psql_q "SELECT pg_current_wal_lsn()")
    psql_q "INSERT INTO $t VALUES (4, 'four')"
    wait_exit 60 "$name"
    [ "$exit_code" != 0 ] || fail "$name: rowcast exited 0 after a record the broker cannot take"
    [ "$exit_code" != 137 ] || fail "$name: rowcast was killed, it did not exit"
    expect_log "$tmp/$name.log" "$name" "$topic" "$@"
    grep -q "restarting from the last acknowledged position" "$tmp/$name.log" &&
        fail "$name: rowcast restarted into the same refusal instead of stopping"
    pass "$name: rowcast exited $exit_code: $(grep -o 'a record too large[^"]*\|Kafka refused[^"]*' "$tmp/$name.log" | head -n 1)"

    confirmed=$(psql_q "SELECT confirmed_flush_lsn < '$commit_end' FROM pg_replication_slots WHERE slot_name = '$s'")
    [ "$confirmed" = t ] || fail "$name: the slot confirmed $(psql_q "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$s'"), past the oversized row's commit ($commit_end)"
    off=$(sed -n 's/.*"lsn": *"\([0-9A-Fa-f]*\/[0-9A-Fa-f]*\)".*/\1/p' "$tmp/$name.offsets.json")
    [ -z "$off" ] || [ "$(psql_q "SELECT '$off'::pg_lsn < '$commit_end'")" = t ] ||
        fail "$name: the offset file ($off) passed the oversized row's commit ($commit_end)"
    [ "$(topic_count "$topic")" = 2 ] || fail "$name: $(topic_count "$topic") records in $topic, expected the 2 before the row"
    pass "$name: the slot ($(psql_q "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$s'")) and the offset file (${off:-none}) are before the row's commit $commit_end; the 2 rows before it are in Kafka"

    # The row was not acknowledged: a restart reads it again and stops the same way.
    start_rowcast "$tmp/$name.properties" "$tmp/$name.again.log"
    wait_exit 60 "$name (restart)"
    [ "$exit_code" != 0 ] || fail "$name: the restart exited 0"
    expect_log "$tmp/$name.again.log" "$name (restart)" "$topic" "$@"
    [ "$(topic_count "$topic")" = 2 ] || fail "$name: the restart put records in $topic past the refused row"
    pass "$name: the restart read the row again and stopped the same way (exit $exit_code)"
}

pg_case big 20000 "Kafka refused a record for good" "MSG_SIZE_TOO_LARGE" "partition 0" \
    "max.message.bytes) is $limit bytes" "value 32"
pg_case huge 65536 "a record too large for the producer" "MSG_SIZE_TOO_LARGE" \
    "kafka.message.max.bytes) is 1000000 bytes" "value 104"

# --- MariaDB: a LONGBLOB of 300 kB.
my_q "CREATE DATABASE \`$db\`"
my_q "CREATE TABLE \`$db\`.blobs (id INT PRIMARY KEY, b LONGBLOB)"
topic="$prefix.$db.blobs"
make_topic "$topic"
write_my_config "$tmp/my.properties" <<PROPS
topic.prefix = $prefix
offset.storage.file.filename = $tmp/my.offsets.json
PROPS
start_rowcast "$tmp/my.properties" "$tmp/my.log"
wait_my_streaming
my_q "INSERT INTO \`$db\`.blobs VALUES (1, 'one'), (2, 'two')"
wait_my_caught_up "$tmp/my.offsets.json" 60
before=$(my_master_pos)
/usr/bin/python3 -c "import os; print(\"INSERT INTO \`$db\`.blobs VALUES (3, X'%s');\" % os.urandom(320000).hex())" |
    MYSQL_PWD=$ROWCAST_TEST_MYSQL_PASSWORD mariadb --no-defaults --protocol=TCP -h "$ROWCAST_TEST_MYSQL_HOST" \
        -P "$ROWCAST_TEST_MYSQL_PORT" -u "$ROWCAST_TEST_MYSQL_USER" --max-allowed-packet=16M
after=$(my_master_pos)
my_q "INSERT INTO \`$db\`.blobs VALUES (4, 'four')"
wait_exit 60 mariadb
[ "$exit_code" != 0 ] || fail "mariadb: rowcast exited 0 after a record the broker cannot take"
expect_log "$tmp/my.log" mariadb "$topic" "Kafka refused a record for good" "MSG_SIZE_TOO_LARGE" \
    "max.message.bytes) is $limit bytes" "value 32"
grep -q "restarting from the last acknowledged position" "$tmp/my.log" &&
    fail "mariadb: rowcast restarted into the same refusal instead of stopping"
pass "mariadb: rowcast exited $exit_code: $(grep -o 'Kafka refused[^"]*' "$tmp/my.log" | head -n 1)"
got=$(my_offsets_pos "$tmp/my.offsets.json")
[ -n "$got" ] && [ "$got" != " " ] || fail "mariadb: no position stored for the rows before"
my_pos_ge "$got" "$after" && fail "mariadb: the stored offset ($got) reached the oversized row's end ($after)"
[ "$(topic_count "$topic")" = 2 ] || fail "mariadb: $(topic_count "$topic") records in $topic, expected the 2 before the row"
pass "mariadb: the stored offset ($got) is before the row's end ($after; it began at $before); the 2 rows before it are in Kafka"
