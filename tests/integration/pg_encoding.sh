# Text from databases that are not UTF-8 (security review F-7; issue 14): a LATIN1 database's text
# is converted to UTF-8 by the server (rowcast asks for client_encoding=UTF8, whatever
# PGCLIENTENCODING says); a SQL_ASCII database's bytes arrive as stored, and text that is not UTF-8
# is an error naming table, column, key and position (snapshot and stream), or U+FFFD with
# string.invalid.utf8.mode=replace. Never raw bytes into an Avro string.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

pg_test_setup enc
db_latin1="enc_l_$id" db_ascii="enc_a_$id"
cleanup_dbs() {
    for db in "$db_latin1" "$db_ascii"; do
        psql_db "$db" "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE active_pid IS NOT NULL AND slot_name LIKE '${slot}_%'" >/dev/null 2>&1 || true
        psql_db "$db" "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '${slot}_%' AND NOT active" >/dev/null 2>&1 || true
        psql_q "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    done
    pg_test_cleanup
}
trap cleanup_dbs EXIT
psql_db() { # the script's text is UTF-8, whatever the locale
    PGCLIENTENCODING=UTF8 PGPASSWORD=$ROWCAST_TEST_PG_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -At -h "$ROWCAST_TEST_PG_HOST" \
        -p "$ROWCAST_TEST_PG_PORT" -U "$ROWCAST_TEST_PG_USER" -d "$1" -c "$2"
}
# The after.v of every line of the stdout sink's output $1, as Python's repr (so U+FFFD shows).
after_values() {
    python3 -c 'import json,sys
for line in open(sys.argv[1], encoding="utf-8", errors="strict"):
    v = json.loads(line)["value"]
    if v and v["after"]: print(v["after"]["id"], ascii(v["after"]["v"]), ascii(v["after"].get("a")))' "$1"
}
config() { # $1 file, $2 database, $3 slot suffix
    write_pg_config "$1" "$prefix" "${slot}_$3" <<PROPS
database.dbname = $2
sink.type = stdout
snapshot.mode = initial
publication.autocreate.mode = all_tables
offset.storage.file.filename = $tmp/$3.offsets.json
PROPS
}

# ---------------------------------------------------------------------------------------- LATIN1
psql_q "CREATE DATABASE $db_latin1 TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'"
psql_db "$db_latin1" "CREATE TABLE t (id int PRIMARY KEY, v text, a text[]);
INSERT INTO t VALUES (1, 'café ñ ÿ', ARRAY['é', 'ü'])"
config "$tmp/latin1.properties" "$db_latin1" l
PGCLIENTENCODING=LATIN1 "$ROWCAST" run -c "$tmp/latin1.properties" >"$tmp/latin1.jsonl" 2>"$tmp/latin1.log" &
rowcast_pid=$! rowcast_log=$tmp/latin1.log
for _ in $(seq 300); do
    [ "$(psql_db "$db_latin1" "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '${slot}_l' AND active AND confirmed_flush_lsn IS NOT NULL")" = 1 ] && break
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited (LATIN1)"
    sleep 0.1
done
psql_db "$db_latin1" "INSERT INTO t VALUES (2, 'Ærø straße', ARRAY['ß'])"
for _ in $(seq 300); do [ "$(wc -l <"$tmp/latin1.jsonl")" -ge 2 ] && break; sleep 0.1; done
stop_rowcast
got=$(after_values "$tmp/latin1.jsonl")
want="1 'caf\\xe9 \\xf1 \\xff' ['\\xe9', '\\xfc']
2 '\\xc6r\\xf8 stra\\xdfe' ['\\xdf']"
[ "$got" = "$want" ] || fail "LATIN1 values: got
$got
want
$want"
pass "LATIN1: snapshot and stream converted to UTF-8 (PGCLIENTENCODING ignored)"
run_rowcast check -c "$tmp/latin1.properties"
case "$out" in *"database encoding LATIN1, converted to UTF-8 by the server"*) ;; *) fail "check: $out" ;; esac
pass "check names the conversion"

# ------------------------------------------------------------------------------------- SQL_ASCII
psql_q "CREATE DATABASE $db_ascii TEMPLATE template0 ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'"
psql_db "$db_ascii" "CREATE TABLE t (id int PRIMARY KEY, v text, a text[]);
INSERT INTO t VALUES (1, 'utf-8 é', ARRAY['ok']), (2, convert_from('\\x6361e9'::bytea, 'SQL_ASCII'), NULL)"
config "$tmp/ascii.properties" "$db_ascii" a
run_rowcast snapshot -c "$tmp/ascii.properties"
expect_code 1 "SQL_ASCII snapshot with a latin1 byte"
expect_err "table public.t, column v (after image), key {id=2}, LSN "
expect_err "text that is not UTF-8 (byte 2 is 0xe9); string.invalid.utf8.mode=replace writes U+FFFD instead"
pass "SQL_ASCII snapshot: an error naming table, column, key and position"
run_rowcast check -c "$tmp/ascii.properties"
case "$out" in *"warn  database encoding SQL_ASCII"*) ;; *) fail "check: $out" ;; esac
pass "check warns about SQL_ASCII"

# Streaming, with replace: the snapshot's bad row and the stream's come out with U+FFFD.
echo "string.invalid.utf8.mode = replace" >>"$tmp/ascii.properties"
"$ROWCAST" run -c "$tmp/ascii.properties" >"$tmp/ascii.jsonl" 2>"$tmp/ascii.log" &
rowcast_pid=$! rowcast_log=$tmp/ascii.log
for _ in $(seq 300); do
    [ "$(psql_db "$db_ascii" "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '${slot}_a' AND active AND confirmed_flush_lsn IS NOT NULL")" = 1 ] && break
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited (SQL_ASCII)"
    sleep 0.1
done
psql_db "$db_ascii" "INSERT INTO t VALUES (3, convert_from('\\x41ff42'::bytea, 'SQL_ASCII'), ARRAY[convert_from('\\xc3'::bytea, 'SQL_ASCII'), 'fine'])"
for _ in $(seq 300); do [ "$(wc -l <"$tmp/ascii.jsonl")" -ge 3 ] && break; sleep 0.1; done
stop_rowcast
got=$(after_values "$tmp/ascii.jsonl" | sort)
want="1 'utf-8 \\xe9' ['ok']
2 'ca\\ufffd' None
3 'A\\ufffdB' ['\\ufffd', 'fine']"
[ "$got" = "$want" ] || fail "SQL_ASCII replace values: got
$got
want
$want"
grep -q "text that is not UTF-8 replaced by U+FFFD" "$tmp/ascii.log" || fail "no warning about the replacement"
pass "SQL_ASCII, replace: U+FFFD in snapshot and stream, warned"

# Streaming without replace: the stream's bad row stops rowcast with the same kind of error.
sed -i '/^string.invalid.utf8.mode/d' "$tmp/ascii.properties"
echo "snapshot.mode = no_data" >>"$tmp/ascii.properties"
psql_db "$db_ascii" "DELETE FROM t WHERE id = 2"
"$ROWCAST" run -c "$tmp/ascii.properties" >"$tmp/ascii2.jsonl" 2>"$tmp/ascii2.log" &
rowcast_pid=$! rowcast_log=$tmp/ascii2.log
sleep 2
psql_db "$db_ascii" "INSERT INTO t VALUES (4, convert_from('\\x78fe'::bytea, 'SQL_ASCII'), NULL)"
set +e
for _ in $(seq 300); do kill -0 "$rowcast_pid" 2>/dev/null || break; sleep 0.1; done
wait "$rowcast_pid"
code=$?
set -e
rowcast_pid=""
[ "$code" = 1 ] || fail "rowcast exited $code on a stream row that is not UTF-8 (expected 1)"
grep -q "table public.t, column v (after image), key {id=4}, LSN [0-9A-F]*/[0-9A-F]*: text that is not UTF-8 (byte 1 is 0xfe)" "$tmp/ascii2.log" ||
    fail "stream error: $(tail -3 "$tmp/ascii2.log")"
pass "SQL_ASCII stream: an error naming table, column, key and position, exit 1"
