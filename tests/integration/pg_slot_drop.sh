# slot.drop.on.stop=true: a clean stop (SIGTERM) drops the replication slot after the last confirm and
# says the next start has no slot; the next start, with the offset file still naming a position, is a
# first start (snapshot.mode=initial: a new snapshot, said in the log), not the fatal "slot has
# disappeared" error. Rows written while rowcast was stopped reach Kafka through that snapshot: the
# table rebuilt from Kafka equals PostgreSQL. Without the property, a vanished slot is still fatal.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
pg_test_setup sd

slot_exists() { [ -n "$(psql_q "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$slot'")" ]; }
wait_log() {
    for _ in $(seq 600); do
        grep -q "$1" "$rowcast_log" && return 0
        kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited while waiting for '$1'"
        sleep 0.1
    done
    fail "no '$1' in the log"
}

psql_q "CREATE SCHEMA $schema; CREATE TABLE $schema.t (id int PRIMARY KEY, v text);
INSERT INTO $schema.t SELECT g, 'first' FROM generate_series(1, 100) g"
write_pg_config "$tmp/rc.properties" "$prefix" "$slot" <<PROPS
table.include.list = $schema\\.t
publication.autocreate.mode = filtered
snapshot.mode = initial
slot.drop.on.stop = true
PROPS

start_rowcast "$tmp/rc.properties" "$tmp/run1.log"
wait_log "streaming from the snapshot's consistent point"
psql_q "INSERT INTO $schema.t SELECT g, 'streamed' FROM generate_series(101, 200) g"
wait_slot_caught_up "$slot" 60
stop_rowcast
slot_exists && fail "slot.drop.on.stop: slot $slot still exists after a clean stop"
grep -q "dropped replication slot $slot" "$tmp/run1.log" || fail "no 'dropped replication slot' line"
grep -q "the next start finds no slot $slot" "$tmp/run1.log" || fail "no line about the next start"
[ -s "$tmp/offsets.json" ] || fail "the offset file is gone"
pass "clean stop: slot dropped after the last confirm, and the log says the next start has none"

psql_q "INSERT INTO $schema.t SELECT g, 'while stopped' FROM generate_series(201, 300) g;
UPDATE $schema.t SET v = 'updated while stopped' WHERE id <= 10"
start_rowcast "$tmp/rc.properties" "$tmp/run2.log"
wait_log "streaming from the snapshot's consistent point"
grep -q "is missing and slot.drop.on.stop=true" "$tmp/run2.log" || fail "the second start does not say why it is a first start"
grep -q "has disappeared" "$tmp/run2.log" && fail "the second start took the vanished slot for a loss"
psql_q "INSERT INTO $schema.t SELECT g, 'after restart' FROM generate_series(301, 350) g"
wait_slot_caught_up "$slot" 60
stop_rowcast
rowcast_pid=""
pass "next start: a first start with a new snapshot ($(grep -o 'snapshot.mode=initial: a new snapshot' "$tmp/run2.log" | head -n 1))"
if ! verify_topics --prefix "$prefix" --tables "$schema.t" >"$tmp/verify.json" 2>"$tmp/verify.err"; then
    cat "$tmp/verify.err" "$tmp/verify.json" >&2
    fail "the table rebuilt from Kafka differs from PostgreSQL"
fi
pass "the table rebuilt from Kafka equals PostgreSQL (rows written while stopped came with the snapshot)"

# Without the property, a slot gone while the file names a position is still refused.
sed -i '/^slot.drop.on.stop/d' "$tmp/rc.properties"
slot_exists && drop_slot "$slot"
run_rowcast run -c "$tmp/rc.properties"
expect_code 1 "slot gone without slot.drop.on.stop"
expect_err "has disappeared" "slot gone without slot.drop.on.stop"
pass "without slot.drop.on.stop a vanished slot is still a fatal error"
