# Positions are never moved on rowcast's own: a vanished slot, a slot ahead of the offset file, or an
# interrupted snapshot that snapshot.mode will not take again are clear fatal errors (when_needed takes
# a new snapshot instead). A quiet database still confirms.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

pg_test_setup gd
psql_q "CREATE SCHEMA $schema; CREATE TABLE $schema.t (id int PRIMARY KEY); CREATE TABLE $schema.other (id int);"

write_pg_config "$tmp/rowcast.properties" "$prefix" "$slot" <<PROPS
table.include.list = $schema\\.t
publication.autocreate.mode = filtered
offset.storage.file.filename = $tmp/offsets.json
PROPS

# An offset file that says a snapshot was interrupted, and snapshot.mode=no_data: the half copy is
# not taken for a whole one. Refused before any slot is made.
printf '{"version": 1, "source": "postgres", "slot": "%s", "database": "%s", "lsn": "0/0", "snapshot": "running", "snapshot_tables": 1}\n' \
    "$slot" "$ROWCAST_TEST_PG_DB" >"$tmp/offsets.json"
run_rowcast -c "$tmp/rowcast.properties" run
expect_code 1 "interrupted snapshot with snapshot.mode=no_data"
expect_err "a snapshot of 1 tables was interrupted, and snapshot.mode=no_data takes none"
[ -z "$(psql_q "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$slot'")" ] || fail "a slot was created"
rm "$tmp/offsets.json"
pass "interrupted snapshot with snapshot.mode=no_data refused, no slot made"

# publication.autocreate.mode=disabled and no publication: refused.
run_rowcast -c "$tmp/rowcast.properties" --set publication.autocreate.mode=disabled run
expect_code 1 "no publication"
expect_err "publication ${slot}_pub does not exist and publication.autocreate.mode = disabled"
pass "missing publication with autocreate disabled refused"

# A quiet database: no event for rowcast, WAL written elsewhere; the slot still follows.
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
wait_slot_active "$slot"
psql_q "INSERT INTO $schema.t VALUES (1)"
wait_slot_caught_up "$slot" 30
psql_q "INSERT INTO $schema.other SELECT generate_series(1, 1000)"
wait_slot_caught_up "$slot" 30
pass "quiet database: the slot follows the server's position with nothing in flight"
# A second rowcast on the same offset file: refused at once, naming the first.
run_rowcast -c "$tmp/rowcast.properties" run
expect_code 2 "a second rowcast on the offset file"
expect_err "is in use by another rowcast (pid $rowcast_pid)"
pass "a second rowcast on the same offset file exits 2 naming the holder's pid"
stop_rowcast
# The offset file of this connector, read by another (another slot): refused, naming both.
run_rowcast -c "$tmp/rowcast.properties" --set slot.name="${slot}_other" run
expect_code 2 "another connector's offset file"
expect_err "was written for database=$ROWCAST_TEST_PG_DB, slot=$slot, and this connector is database=$ROWCAST_TEST_PG_DB, slot=${slot}_other"
pass "an offset file written for another slot is refused, naming both"
recorded=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["position"]["lsn"])' "$tmp/offsets.json")
slot_lsn=$(psql_q "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$slot'")
[ "$recorded" = "$slot_lsn" ] || fail "offset file $recorded, slot $slot_lsn after a clean stop"
pass "clean stop: offset file and slot agree ($recorded)"

# The offset file behind the slot: something else moved the slot. Fatal, nothing skipped silently.
/usr/bin/python3 - "$tmp/offsets.json" <<'PY'
import json, sys
o = json.load(open(sys.argv[1])); o["position"]["lsn"] = "0/10"; json.dump(o, open(sys.argv[1], "w"))
PY
run_rowcast -c "$tmp/rowcast.properties" run
expect_code 1 "slot ahead of the offset file"
expect_err "ahead of the position rowcast recorded (0/10)"
pass "slot ahead of the offset file: fatal error"

# The slot vanished while the offset file names a position: fatal, no new slot from "now".
psql_q "SELECT pg_drop_replication_slot('$slot')" >/dev/null
run_rowcast -c "$tmp/rowcast.properties" run
expect_code 1 "vanished slot"
expect_err "replication slot $slot has disappeared"
[ -z "$(psql_q "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$slot'")" ] || fail "a new slot was created"
pass "vanished slot: fatal error, no new slot"

# The same vanished slot with snapshot.mode=initial: still fatal (a position is recorded); with
# when_needed: a warning, a new slot and a new snapshot, then the stream.
run_rowcast -c "$tmp/rowcast.properties" --set snapshot.mode=initial run
expect_code 1 "vanished slot, snapshot.mode=initial"
expect_err "replication slot $slot has disappeared"
{ cat "$tmp/rowcast.properties"; echo "snapshot.mode = when_needed"; } >"$tmp/when_needed.properties"
start_rowcast "$tmp/when_needed.properties" "$tmp/when_needed.log"
wait_slot_active "$slot"
grep -q "snapshot.mode=when_needed: taking a new snapshot" "$tmp/when_needed.log" || fail "no new snapshot announced"
grep -q "snapshot complete: 1 rows of 1 tables" "$tmp/when_needed.log" || fail "no snapshot of t's 1 row"
stop_rowcast
pass "vanished slot: fatal with snapshot.mode=initial, a new snapshot with when_needed"
