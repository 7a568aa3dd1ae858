# Positions are never moved on rowcast's own: a vanished slot, a slot ahead of the offset file, or a
# snapshot mode this version cannot honour are clear fatal errors. A quiet database still confirms.
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

# snapshot.mode=initial cannot be honoured yet: refused before any slot is made.
run_rowcast -c "$tmp/rowcast.properties" --set snapshot.mode=initial run
expect_code 1 "snapshot.mode=initial"
expect_err "snapshot.mode=initial needs an initial snapshot"
[ -z "$(psql_q "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$slot'")" ] || fail "a slot was created"
pass "snapshot.mode=initial refused, no slot left behind"

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
stop_rowcast
recorded=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lsn"])' "$tmp/offsets.json")
slot_lsn=$(psql_q "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$slot'")
[ "$recorded" = "$slot_lsn" ] || fail "offset file $recorded, slot $slot_lsn after a clean stop"
pass "clean stop: offset file and slot agree ($recorded)"

# The offset file behind the slot: something else moved the slot. Fatal, nothing skipped silently.
/usr/bin/python3 - "$tmp/offsets.json" <<'PY'
import json, sys
o = json.load(open(sys.argv[1])); o["lsn"] = "0/10"; json.dump(o, open(sys.argv[1], "w"))
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
