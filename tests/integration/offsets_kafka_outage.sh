# offset.storage=kafka across a broker outage, on a private broker of this test (kafka_private.sh)
# that holds both the events and the offset topic: the broker is killed with SIGKILL while rows are
# written and restarted 10 s later. The same rowcast process must come through it (its offset writes
# wait for the acknowledgements, which wait for the broker; the first writes after the restart meet a
# transaction coordinator still loading and are retried), record the final position on the topic,
# and lose nothing: cdc_verify.py rebuilds the table from the private broker.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/kafka_private.sh"

pg_test_setup kfo
cleanup() {
    set +e
    [ -n "${rowcast_pid:-}" ] && kill -9 "$rowcast_pid" 2>/dev/null
    kp_destroy
    pg_test_cleanup
}
trap cleanup EXIT
tool() { /usr/bin/python3 "$top_srcdir/tests/integration/offsets_kafka_tool.py" "$1" "$KP_BOOTSTRAP" "${@:2}"; }

kp_setup "$tmp/kafka"
kp_start
pass "private Kafka broker at $KP_BOOTSTRAP answers"
psql_q "CREATE SCHEMA $schema; CREATE TABLE $schema.t (id int PRIMARY KEY, v text);"
write_pg_config "$tmp/rowcast.properties" "$prefix" "$slot" <<PROPS
table.include.list = $schema\\..*
publication.autocreate.mode = filtered
offset.storage = kafka
offset.storage.topic = rc_offsets_$id
PROPS
sed -i "s|^kafka.bootstrap.servers = .*|kafka.bootstrap.servers = $KP_BOOTSTRAP|" "$tmp/rowcast.properties"
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
wait_slot_active "$slot"
psql_q "INSERT INTO $schema.t SELECT g, 'before' FROM generate_series(1, 500) g"
wait_slot_caught_up "$slot" 60
pass "500 rows acknowledged and recorded on the private broker"

kp_crash
psql_q "INSERT INTO $schema.t SELECT g, 'during' FROM generate_series(501, 1500) g"
sleep 10
kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited while the broker was down"
kp_start
psql_q "INSERT INTO $schema.t SELECT g, 'after' FROM generate_series(1501, 2000) g"
wait_slot_caught_up "$slot" 120
kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited after the broker came back"
pass "the same rowcast process came through the outage and confirmed everything"
stop_rowcast
record=$(tool last "rc_offsets_$id" "[\"$prefix\",{\"server\":\"$prefix\"}]") || fail "no offset record on the private broker"
[ "$(psql_q "SELECT '$(echo "$record" | sed 's/.*"lsn":"\([^"]*\)".*/\1/')'::pg_lsn >= confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$slot'")" = t ] ||
    fail "the offset record ($record) is behind the slot"
pass "the offset record is at or ahead of the slot"
if ! verify_topics --bootstrap "$KP_BOOTSTRAP" --prefix "$prefix" --tables "$schema.t" >"$tmp/verify.json" 2>"$tmp/verify.err"; then
    cat "$tmp/verify.err" "$tmp/verify.json" >&2
    fail "the table rebuilt from the private broker differs from PostgreSQL"
fi
tail -n 1 "$tmp/verify.json"
pass "no loss across the outage"
