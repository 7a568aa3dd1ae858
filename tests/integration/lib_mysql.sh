# MariaDB/MySQL helpers for integration tests (sourced after lib.sh and need_env).

my_q() {
    MYSQL_PWD=$ROWCAST_TEST_MYSQL_PASSWORD mariadb --no-defaults --protocol=TCP -h "$ROWCAST_TEST_MYSQL_HOST" \
        -P "$ROWCAST_TEST_MYSQL_PORT" -u "$ROWCAST_TEST_MYSQL_USER" --batch --raw -N -e "$1"
}

# Names one test's objects after $1 and the process ($id, $db, $prefix, $server_id), makes $tmp, and
# removes all of it on exit (KEEP_TMP=1 keeps the folder).
my_test_setup() {
    id="$1$$_$(date +%s)"
    db="d_$id" prefix="rc_$id"
    server_id=$((1000 + ($$ % 50000)))
    tmp=$(mktemp -d)
    trap my_test_cleanup EXIT
    my_q "CREATE DATABASE \`$db\`"
}

my_test_cleanup() {
    [ -n "${rowcast_pid:-}" ] && kill -9 "$rowcast_pid" 2>/dev/null || true
    my_q "DROP DATABASE IF EXISTS \`$db\`" >/dev/null 2>&1 || true
    [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$tmp"
}

# A rowcast properties file for the test MariaDB at $1; extra lines on stdin (a later line wins).
write_my_config() {
    local file=$1
    cat >"$file" <<PROPS
source.type = mariadb
database.hostname = $ROWCAST_TEST_MYSQL_HOST
database.port = $ROWCAST_TEST_MYSQL_PORT
database.user = $ROWCAST_TEST_MYSQL_USER
database.password = $ROWCAST_TEST_MYSQL_PASSWORD
database.server.id = $server_id
database.include.list = $db
topic.prefix = $prefix
snapshot.mode = no_data
kafka.bootstrap.servers = $ROWCAST_TEST_KAFKA_BOOTSTRAP
schema.registry.url = $ROWCAST_TEST_SCHEMA_REGISTRY_URL
binlog.heartbeat.interval.ms = 1000
offset.storage.file.filename = $(dirname "$file")/offsets.json
PROPS
    cat >>"$file"
}

# The server's binlog position as "file pos".
my_master_pos() {
    my_q "SHOW MASTER STATUS" | awk '{print $1, $2}'
}

# The position in offset file $1 as "file pos" ("" when none yet).
my_offsets_pos() {
    /usr/bin/python3 -c '
import json, sys
try:
    p = json.load(open(sys.argv[1])).get("position") or {}
    print(p.get("file", ""), p.get("pos", ""))
except (OSError, ValueError):
    print("")' "$1"
}

# True when position "f1 p1" is at or after "f2 p2" (same naming, sequence numbers compared).
my_pos_ge() {
    /usr/bin/python3 -c '
import sys
f1, p1, f2, p2 = sys.argv[1:5]
s = lambda f: int(f.rsplit(".", 1)[1])
sys.exit(0 if (s(f1), int(p1)) >= (s(f2), int(p2)) else 1)' $1 $2
}

# Waits until rowcast is reading the binlog (its log says so), up to 60 s.
wait_my_streaming() {
    for _ in $(seq 600); do
        grep -q "reading the binlog as replica" "$rowcast_log" 2>/dev/null && return 0
        kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited before streaming (see its log)"
        sleep 0.1
    done
    fail "rowcast never started reading the binlog"
}

# Waits until the offset file $1 records a position at or after the server's current one (every change
# so far acknowledged by Kafka), up to $2 s (default 120). The server's position moves with other
# databases' writes too: what is compared is the position when the wait began.
wait_my_caught_up() {
    local target got
    target=$(my_master_pos)
    for _ in $(seq $((${2:-120} * 10))); do
        got=$(my_offsets_pos "$1")
        if [ -n "$got" ] && [ "$got" != " " ] && my_pos_ge "$got" "$target"; then
            return 0
        fi
        kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited while catching up"
        sleep 0.1
    done
    # Where rowcast's threads are, for the failure report: name, state, CPU ticks, kernel wait.
    for t in /proc/"$rowcast_pid"/task/*; do
        echo "thread $(cat "$t/comm" 2>/dev/null): $(awk '{print "state", $3, "utime", $14, "stime", $15}' "$t/stat" 2>/dev/null) wchan $(cat "$t/wchan" 2>/dev/null)"
    done >&2
    fail "the offset file did not reach the server's position $target in time (at: $(my_offsets_pos "$1"))"
}

verify_my_topics() {
    /usr/bin/python3 "$top_srcdir/tests/integration/my_verify.py" --bootstrap "$ROWCAST_TEST_KAFKA_BOOTSTRAP" \
        --registry "$ROWCAST_TEST_SCHEMA_REGISTRY_URL" --host "$ROWCAST_TEST_MYSQL_HOST" \
        --port "$ROWCAST_TEST_MYSQL_PORT" --user "$ROWCAST_TEST_MYSQL_USER" \
        --password "$ROWCAST_TEST_MYSQL_PASSWORD" "$@"
}
