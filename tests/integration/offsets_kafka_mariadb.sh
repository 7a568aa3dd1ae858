# offset.storage=kafka with MariaDB: the binlog position survives a restart in another working
# directory with no offset file (no loss, nothing re-sent after a clean stop) and a kill -9 (at most
# the unacknowledged tail re-sent). The tables are rebuilt from Kafka by my_verify.py (python3-avro)
# and the offset record read with confluent_kafka, not rowcast's code.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/lib_mysql.sh"

my_test_setup kom
tool() { /usr/bin/python3 "$top_srcdir/tests/integration/offsets_kafka_tool.py" "$1" "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "${@:2}"; }
otopic="rc_offsets_$id"
key="[\"$prefix\",{\"server\":\"$prefix\"}]"
cleanup() {
    my_test_cleanup
    tool drop "$otopic" >/dev/null 2>&1 || true
}
trap cleanup EXIT
mkdir -p "$tmp/conf"
my_q "CREATE TABLE \`$db\`.t (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB"
write_my_config "$tmp/conf/rowcast.properties" <<PROPS
offset.storage = kafka
offset.storage.topic = $otopic
PROPS

start_in() {
    mkdir -p "$tmp/$1"
    cd "$tmp/$1"
    start_rowcast "$tmp/conf/rowcast.properties" "$tmp/$1/rowcast.log"
    cd - >/dev/null
}
insert() { my_q "INSERT INTO \`$db\`.t SELECT seq, '$3' FROM \`$db\`.seq_$1_to_$2"; }

# Waits until the offset record on the topic reaches the server's binlog position.
wait_topic_caught_up() {
    local target got
    target=$(my_master_pos)
    for _ in $(seq 1200); do
        got=$(tool last "$otopic" "$key" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
p = json.load(sys.stdin).get("position") or {}
print(p.get("file", ""), p.get("pos", ""))' 2>/dev/null || true)
        if [ -n "$got" ] && [ "$got" != " " ] && my_pos_ge "$got" "$target"; then
            return 0
        fi
        kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited while catching up"
        sleep 0.1
    done
    fail "the offset record on $otopic never reached $target"
}

verify() {
    if ! verify_my_topics --prefix "$prefix" --tables "$db.t" >"$tmp/verify.json" 2>"$tmp/verify.err"; then
        cat "$tmp/verify.err" "$tmp/verify.json" >&2
        fail "$1: the table rebuilt from Kafka differs from MariaDB"
    fi
    cat "$tmp/verify.json"
    dups=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["duplicates"])' "$tmp/verify.json")
}

start_in a
wait_my_streaming
insert 1 200 life1
wait_topic_caught_up
stop_rowcast
pass "life 1: the binlog position is recorded on $otopic"

insert 201 300 stopped
start_in b
wait_my_streaming
grep -q "recorded position" "$tmp/b/rowcast.log" || fail "life 2 did not read the recorded position"
insert 301 400 life2
wait_topic_caught_up
stop_rowcast
verify "after a clean restart"
[ "$dups" = 0 ] || fail "after a clean stop and restart $dups change(s) were sent twice"
pass "life 2 (working directory b, no offset file): no loss, nothing sent twice"

start_in c
wait_my_streaming
(for i in $(seq 401 600); do insert "$i" "$i" life3; done) &
writer=$!
sleep 1
kill -9 "$rowcast_pid"
wait "$rowcast_pid" 2>/dev/null || true
wait "$writer"
start_in d
wait_my_streaming
insert 601 700 life4
wait_topic_caught_up
stop_rowcast
verify "after kill -9"
[ "$dups" -le 200 ] || fail "after kill -9, $dups changes were sent twice: more than the 200 of life 3"
pass "kill -9, restart in another directory: no loss, $dups re-sent (at most life 3's tail)"
[ -z "$(find "$tmp" -name 'offsets.json*')" ] || fail "an offset file was written"
pass "no offset file written in any working directory"
