# offset.storage=kafka against the real broker and PostgreSQL: the position survives a restart in
# another working directory with no offset file (no loss, nothing re-sent after a clean stop, no new
# snapshot), and a kill -9; another connector's record under our key is refused naming both sides; a
# tombstone, a damaged record, a topic that is not compacted or a broker that cannot be reached at
# start are errors, never a fresh start; a second instance fences the first, which stops. The offset
# topic and the tables are read back with confluent_kafka and python3-avro, not rowcast's code.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

pg_test_setup ko
tool() { /usr/bin/python3 "$top_srcdir/tests/integration/offsets_kafka_tool.py" "$1" "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "${@:2}"; }
otopic="rc_offsets_$id"
key="[\"$prefix\",{\"server\":\"$prefix\"}]"
mkdir -p "$tmp/conf"
e_pid= f_pid=
cleanup() {
    for p in $e_pid $f_pid; do kill -9 "$p" 2>/dev/null || true; done
    drop_slot "h_$slot"
    pg_test_cleanup
    tool drop "$otopic" "${otopic}_delete" "${otopic}_bad" "${otopic}_held" >/dev/null 2>&1 || true
}
trap cleanup EXIT

psql_q "CREATE SCHEMA $schema; CREATE TABLE $schema.t (id int PRIMARY KEY, v text);
INSERT INTO $schema.t SELECT g, 'before' FROM generate_series(1, 50) g;"

# $1: config file; more lines on stdin. No offset file anywhere: offset.storage.file.filename points
# into the config folder only to show that nothing is written there.
config() {
    write_pg_config "$1" "$prefix" "$slot" <<PROPS
table.include.list = $schema\\..*
publication.autocreate.mode = filtered
snapshot.mode = initial
offset.storage = kafka
offset.storage.topic = $otopic
$(cat)
PROPS
}
config "$tmp/conf/rowcast.properties" </dev/null
# Debezium Server's spelling of the same.
config "$tmp/conf/connect.properties" <<PROPS
offset.storage = org.apache.kafka.connect.storage.KafkaOffsetBackingStore
PROPS

# Starts rowcast in a new empty working directory $1 (under $tmp), logging there.
start_in() {
    mkdir -p "$tmp/$1"
    cd "$tmp/$1"
    start_rowcast "${2:-$tmp/conf/rowcast.properties}" "$tmp/$1/rowcast.log"
    cd - >/dev/null
}

insert() { psql_q "INSERT INTO $schema.t SELECT g, '$3' FROM generate_series($1, $2) g"; }

# --- At start, what cannot be read is an error, never an empty history. ---
config "$tmp/conf/unreachable.properties" <<PROPS
kafka.bootstrap.servers = 127.0.0.1:1
offset.storage.timeout.ms = 3000
PROPS
run_rowcast run -c "$tmp/conf/unreachable.properties"
expect_code 1 "unreachable broker"
expect_err "offset topic '$otopic'"
pass "a broker that cannot be reached at start: exit 1 naming the offset topic"

tool create "${otopic}_delete" delete
config "$tmp/conf/delete.properties" <<PROPS
offset.storage.topic = ${otopic}_delete
PROPS
run_rowcast run -c "$tmp/conf/delete.properties"
expect_code 1 "a topic that is not compacted"
expect_err "offset topic '${otopic}_delete' has cleanup.policy=delete: it must be compact"
pass "an existing topic that is not compacted is refused"

tool create "${otopic}_bad" compact
config "$tmp/conf/bad.properties" <<PROPS
offset.storage.topic = ${otopic}_bad
PROPS
tool put "${otopic}_bad" "$key" '{"version": 2, "source": "mysql", "topic.prefix": "'"$prefix"'", "identity": {"server.id": "5"}, "position": {"file": "mysql-bin.000003", "pos": 154}}'
run_rowcast run -c "$tmp/conf/bad.properties"
expect_code 2 "another source type's record under our key"
expect_err "offset topic '${otopic}_bad', key $key (partition 0, offset 0) was written for source.type=mysql, not postgres"
pass "a record of another source type under our key: refused (exit 2), naming both"
tool put "${otopic}_bad" "$key" '{"version": 2, "source": "postgres", "topic.prefi'
run_rowcast run -c "$tmp/conf/bad.properties"
expect_code 1 "a damaged record"
expect_err "(partition 0, offset 1) is damaged"
pass "a damaged record: exit 1 naming it"
tool put "${otopic}_bad" "$key" -
run_rowcast run -c "$tmp/conf/bad.properties"
expect_code 1 "a tombstone"
expect_err "(partition 0, offset 2) is a tombstone"
pass "a tombstone under our key: exit 1, not a fresh start"

# A transaction another producer keeps open (another connector's instance killed mid-write) must not
# hide the records after it: a connector (its own prefix and slot) writes its position after the open
# transaction began, and its next start must find it, not "no position recorded" (read_committed
# would stop at the open transaction).
tool create "${otopic}_held" compact
/usr/bin/python3 "$top_srcdir/tests/integration/offsets_kafka_tool.py" hold "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "${otopic}_held" 120 >"$tmp/hold.out" &
holder=$!
for _ in $(seq 300); do grep -q open "$tmp/hold.out" && break; sleep 0.1; done
grep -q open "$tmp/hold.out" || fail "could not open a transaction on ${otopic}_held"
write_pg_config "$tmp/conf/held.properties" "h_$prefix" "h_$slot" <<PROPS
table.include.list = $schema\..*
publication.autocreate.mode = filtered
snapshot.mode = initial
offset.storage = kafka
offset.storage.topic = ${otopic}_held
PROPS
start_in h1 "$tmp/conf/held.properties"
wait_slot_active "h_$slot"
wait_slot_caught_up "h_$slot"
stop_rowcast
start_in h2 "$tmp/conf/held.properties"
wait_slot_active "h_$slot"
stop_rowcast
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
grep -q "recorded position" "$tmp/h2/rowcast.log" || { rowcast_log=$tmp/h2/rowcast.log; fail "the position written after another producer's open transaction was not found"; }
pass "a position written after another producer's open transaction is found at the next start"

# --- Life 1 (working directory a): snapshot, stream, stop. ---
start_in a
wait_slot_active "$slot"
insert 51 250 life1
wait_slot_caught_up "$slot"
stop_rowcast
grep -q "created offset topic '$otopic'" "$tmp/a/rowcast.log" || fail "the offset topic was not created"
record=$(tool last "$otopic" "$key") || fail "no record under $key in $otopic"
echo "offset record: $record"
/usr/bin/python3 - "$record" "$prefix" "$slot" "$(psql_q "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$slot'")" <<'PY' || fail "the offset record is not this connector's position"
import sys, json
rec, prefix, slot, confirmed = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
lsn = lambda s: (int(s.split("/")[0], 16) << 32) | int(s.split("/")[1], 16)
assert rec["version"] == 2 and rec["source"] == "postgres" and rec["topic.prefix"] == prefix, rec
assert rec["identity"]["slot"] == slot, rec
assert "snapshot" not in rec, rec
assert lsn(rec["position"]["lsn"]) >= lsn(confirmed), (rec, confirmed)
PY
pass "life 1: the offset record on $otopic is this connector's, at or ahead of the slot"
run_rowcast check -c "$tmp/conf/rowcast.properties"
case "$out" in *"ok    offset topic '$otopic', key $key: position "*"compacted)"*) ;; *) fail "rowcast check: $out" ;; esac
run_rowcast check -c "$tmp/conf/bad.properties"
expect_code 1 "rowcast check of a topic holding a tombstone under our key"
case "$out" in *"is a tombstone"*) ;; *) fail "rowcast check of the tombstone: $out" ;; esac
pass "rowcast check reports the recorded position, and a tombstone as a problem"

# --- Life 2 (another working directory, no file; Kafka Connect's class name): resumes. ---
insert 251 300 stopped
start_in b "$tmp/conf/connect.properties"
wait_slot_active "$slot"
grep -q "recorded position" "$tmp/b/rowcast.log" || fail "life 2 did not read the recorded position"
insert 301 400 life2
wait_slot_caught_up "$slot"
stop_rowcast
pass "life 2 (working directory b, no offset file) resumed from the recorded position"

verify() {
    if ! verify_topics --prefix "$prefix" --tables "$schema.t" --records-out "$tmp/records.jsonl" \
        >"$tmp/verify.json" 2>"$tmp/verify.err"; then
        cat "$tmp/verify.err" "$tmp/verify.json" >&2
        fail "$1: the table rebuilt from Kafka differs from PostgreSQL"
    fi
    cat "$tmp/verify.json"
    reads=$(/usr/bin/python3 -c 'import json,sys; print(sum(json.loads(open(sys.argv[1]).read().splitlines()[-1]).get("snapshot_markers", {}).values()))' "$tmp/verify.json")
    dups=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["duplicates"])' "$tmp/verify.json")
    [ "$reads" = 50 ] || fail "$1: $reads snapshot reads, expected the 50 of the one snapshot (a re-snapshot?)"
}
verify "after a clean restart"
[ "$dups" = 0 ] || fail "after a clean stop and restart $dups change(s) were sent twice"
pass "no loss, nothing sent twice, one snapshot only (the consumer's count)"

# --- Life 3 killed with SIGKILL while writing; life 4 elsewhere resumes at once. ---
start_in c
wait_slot_active "$slot"
# One row per transaction in the background, so the kill lands among changes in flight.
(for i in $(seq 401 600); do insert "$i" "$i" life3; done) &
writer=$!
sleep 1
kill -9 "$rowcast_pid"
wait "$rowcast_pid" 2>/dev/null || true
wait "$writer"
insert 601 700 killed
t0=$(date +%s)
start_in d
wait_slot_active "$slot"
t1=$(date +%s)
[ $((t1 - t0)) -le 20 ] || fail "after kill -9, streaming took $((t1 - t0)) s to resume"
insert 701 800 life4
wait_slot_caught_up "$slot"
stop_rowcast
verify "after kill -9"
[ "$dups" -le 200 ] || fail "after kill -9, $dups changes were sent twice: more than the 200 of life 3"
pass "kill -9, restart in another directory: streaming again after $((t1 - t0)) s, no loss, $dups re-sent (at most life 3's tail)"

# --- A second instance of the same connector fences the first. ---
start_in e
e_pid=$rowcast_pid e_log=$rowcast_log
wait_slot_active "$slot"
# Another connector (another slot) configured onto our key is refused, and does not fence us.
config "$tmp/conf/other.properties" <<PROPS
slot.name = other_$slot
PROPS
run_rowcast run -c "$tmp/conf/other.properties"
expect_code 2 "another slot's instance on our key"
expect_err "was written for database=$ROWCAST_TEST_PG_DB, slot=$slot, and this connector is database=$ROWCAST_TEST_PG_DB, slot=other_$slot"
insert 801 850 e
wait_slot_caught_up "$slot"
kill -0 "$e_pid" 2>/dev/null || fail "the refused instance stopped the running one"
pass "a record of another source identity is refused (exit 2, naming both), the running instance untouched"
start_in f
f_pid=$rowcast_pid
for _ in $(seq 300); do
    grep -q "recorded position" "$tmp/f/rowcast.log" && break
    sleep 0.1
done
insert 851 900 f
for _ in $(seq 300); do
    kill -0 "$e_pid" 2>/dev/null || break
    sleep 0.1
done
set +e
kill -0 "$e_pid" 2>/dev/null && { rowcast_log=$e_log; fail "the first instance still runs after the second started"; }
wait "$e_pid"
e_rc=$?
set -e
[ "$e_rc" != 0 ] || { rowcast_log=$e_log; fail "the fenced instance exited 0"; }
grep -q "another rowcast of this connector took over" "$e_log" || { rowcast_log=$e_log; fail "the fenced instance does not say why it stopped"; }
pass "the first instance was fenced at its next offset write and stopped (exit $e_rc), saying why"
rowcast_pid=$f_pid
wait_slot_active "$slot"
insert 901 950 f2
wait_slot_caught_up "$slot"
stop_rowcast
verify "after fencing"
pass "the second instance took over: no loss ($dups change(s) sent twice in all)"
[ -z "$(find "$tmp" -name 'offsets.json*')" ] || fail "an offset file was written"
pass "no offset file written in any working directory"
