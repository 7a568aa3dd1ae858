# rowcast with the least privileges the README lists (issue 14): a PostgreSQL role with REPLICATION
# and SELECT on the captured tables only (the publication made by the tables' owner), a MariaDB user
# with SELECT, REPLICATION SLAVE and BINLOG MONITOR (REPLICATION CLIENT) only; each snapshots and
# streams, and `rowcast check` finds nothing missing. Without REPLICATION the error says what to grant.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib_mysql.sh"
need_env

pg_test_setup lp
lp_pg="lp_$id" lp_my="lpm_$id" lp_pw="Lp-pw-$$"
db="d_$id"
cleanup_lp() {
    [ -n "${rowcast_pid:-}" ] && kill -9 "$rowcast_pid" 2>/dev/null || true
    rowcast_pid=""
    drop_slot "$slot" || true
    psql_q "DROP PUBLICATION IF EXISTS ${slot}_owned" >/dev/null 2>&1 || true
    psql_q "DROP SCHEMA IF EXISTS $schema CASCADE; DROP ROLE IF EXISTS $lp_pg" >/dev/null 2>&1 || true
    my_q "DROP DATABASE IF EXISTS \`$db\`; DROP USER IF EXISTS '$lp_my'@'%'" >/dev/null 2>&1 || true
    [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$tmp"
}
trap cleanup_lp EXIT

# The keys of the stdout sink's records in $1, sorted, one per line ("op id").
stdout_keys() {
    python3 -c 'import json,sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["value"]: print(r["value"]["op"], r["key"]["id"])' "$1" | sort -k2n
}

# ---------------------------------------------------------------------------------------- PostgreSQL
psql_q "CREATE SCHEMA $schema; CREATE TABLE $schema.t (id int PRIMARY KEY, v text);
INSERT INTO $schema.t SELECT g, 'row ' || g FROM generate_series(1, 50) g;
CREATE PUBLICATION ${slot}_owned FOR TABLE $schema.t;
CREATE ROLE $lp_pg LOGIN REPLICATION PASSWORD '$lp_pw';
GRANT USAGE ON SCHEMA $schema TO $lp_pg; GRANT SELECT ON $schema.t TO $lp_pg;"
write_pg_config "$tmp/pg.properties" "$prefix" "$slot" <<PROPS
database.user = $lp_pg
database.password = $lp_pw
table.include.list = $schema\\.t
publication.name = ${slot}_owned
publication.autocreate.mode = disabled
snapshot.mode = initial
sink.type = stdout
PROPS
run_rowcast check -c "$tmp/pg.properties"
expect_code 0 "check as $lp_pg (REPLICATION + SELECT)"
pass "PostgreSQL: check finds nothing missing for a role with REPLICATION and SELECT only"
"$ROWCAST" run -c "$tmp/pg.properties" >"$tmp/pg.jsonl" 2>"$tmp/pg.log" &
rowcast_pid=$! rowcast_log=$tmp/pg.log
wait_slot_active "$slot"
psql_q "INSERT INTO $schema.t VALUES (51, 'streamed'); UPDATE $schema.t SET v = 'u' WHERE id = 1; DELETE FROM $schema.t WHERE id = 2"
for _ in $(seq 300); do [ "$(wc -l <"$tmp/pg.jsonl")" -ge 53 ] && break; sleep 0.1; done
stop_rowcast
got=$(stdout_keys "$tmp/pg.jsonl" | tr '\n' ' ')
want=$( (seq 1 50 | sed 's/^/r /'; echo "u 1"; echo "d 2"; echo "c 51") | sort -k2n | tr '\n' ' ')
[ "$got" = "$want" ] || fail "PostgreSQL records as $lp_pg: $got (want $want)"
pass "PostgreSQL: snapshot and stream as a role with REPLICATION and SELECT only"

psql_q "ALTER ROLE $lp_pg NOREPLICATION"
drop_slot "$slot"
psql_q "CREATE PUBLICATION ${slot}_owned FOR TABLE $schema.t" 2>/dev/null || true
rm -f "$tmp/offsets.json"
run_rowcast check -c "$tmp/pg.properties"
expect_code 1 "check without REPLICATION"
case "$out" in *"ALTER ROLE"*"WITH REPLICATION"*) ;; *) fail "check without REPLICATION: $out" ;; esac
pass "PostgreSQL: without REPLICATION, check says what to grant"

# ------------------------------------------------------------------------------------------- MariaDB
server_id=$((1000 + ($$ % 50000)))
prefix="rcm_$id"
my_q "CREATE DATABASE \`$db\`; CREATE TABLE \`$db\`.t (id int PRIMARY KEY, v text);
USE \`$db\`; INSERT INTO t SELECT seq, concat('row ', seq) FROM seq_1_to_50;
CREATE USER '$lp_my'@'%' IDENTIFIED BY '$lp_pw';
GRANT SELECT ON \`$db\`.* TO '$lp_my'@'%';
GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '$lp_my'@'%';"
write_my_config "$tmp/my.properties" <<PROPS
database.user = $lp_my
database.password = $lp_pw
snapshot.mode = initial
snapshot.max.threads = 1
sink.type = stdout
offset.storage.file.filename = $tmp/my-offsets.json
PROPS
run_rowcast check -c "$tmp/my.properties"
case "$out" in *FAIL*) fail "check as $lp_my: $out" ;; esac
pass "MariaDB: check finds nothing missing for SELECT, REPLICATION SLAVE, BINLOG MONITOR"
"$ROWCAST" run -c "$tmp/my.properties" >"$tmp/my.jsonl" 2>"$tmp/my.log" &
rowcast_pid=$! rowcast_log=$tmp/my.log
wait_my_streaming
my_q "INSERT INTO \`$db\`.t VALUES (51, 'streamed'); UPDATE \`$db\`.t SET v = 'u' WHERE id = 1; DELETE FROM \`$db\`.t WHERE id = 2"
for _ in $(seq 300); do [ "$(wc -l <"$tmp/my.jsonl")" -ge 53 ] && break; sleep 0.1; done
stop_rowcast
got=$(stdout_keys "$tmp/my.jsonl" | tr '\n' ' ')
[ "$got" = "$want" ] || fail "MariaDB records as $lp_my: $got (want $want)"
pass "MariaDB: snapshot (one reader, no lock) and stream with SELECT, REPLICATION SLAVE, BINLOG MONITOR"
