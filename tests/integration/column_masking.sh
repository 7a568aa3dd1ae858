# Column mappers for personal data (issue 14) against the real servers, PostgreSQL then MariaDB: a
# table with PII columns, two rows snapshotted, two inserted while streaming (one with NULLs), one
# updated, one deleted; an independent consumer (column_verify.py) reads the topic back and checks
# that the excluded column is in no schema and no event, that masked, hashed (v1 and v2) and
# truncated values are Debezium's, computed from the database's own rows, that the other columns
# equal the database, and that the key (a hashed column in it) stays clear. Then the startup errors.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/lib_mysql.sh"

verify_columns() {
    /usr/bin/python3 "$top_srcdir/tests/integration/column_verify.py" --bootstrap "$ROWCAST_TEST_KAFKA_BOOTSTRAP" \
        --registry "$ROWCAST_TEST_SCHEMA_REGISTRY_URL" "$1" || fail "column mappers: events differ ($2)"
}

# The rules, for a table named $1 (schema.table or db.table, regex-quoted).
rules() {
    cat <<PROPS
column.exclude.list = $1\\.secret
column.mask.with.3.chars = $1\\.(email|age)
column.mask.hash.SHA-256.with.salt.pep.per = $1\\.code
column.mask.hash.v2.SHA-256.with.salt.s4lt = $1\\.ssn
column.truncate.to.5.chars = $1\\.bio
PROPS
}

# The spec for column_verify.py: topic, code's hash length, the rows after the inserts and at the end.
write_spec() {
    cat >"$1" <<JSON
{"topic": "$2", "code_len": $3, "ops": {"r": 2, "c": 2, "u": 1, "d": 1},
 "rows_before": $4,
 "rows_final": $5}
JSON
}

# ---- PostgreSQL ----
pg_test_setup colmask
cleanup_all() {
    pg_test_cleanup
    [ -n "${db:-}" ] && my_q "DROP DATABASE IF EXISTS \`$db\`" >/dev/null 2>&1 || true
}
trap cleanup_all EXIT

# code is part of the key and VARCHAR(12): its hash is cut to 12 in the value, clear in the key.
# secret, excluded, is part of the key too: Debezium keeps it in the key, out of the value.
psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.people (id int, code varchar(12), name text, email text, ssn varchar(80),
    bio text, age int, secret text, PRIMARY KEY (id, code, secret));
ALTER TABLE $schema.people REPLICA IDENTITY FULL;
INSERT INTO $schema.people VALUES
    (1, 'A-1', 'Ann', 'ann@example.com', '123-45-6789', 'Loves databases', 41, 's3cret'),
    (2, 'B-2', 'Bob', 'bob@example.com', '987-65-4321', 'Ünïcödé bio', 35, 'hunter2');"
write_pg_config "$tmp/pg.properties" "$prefix" "$slot" <<PROPS
table.include.list = $schema\\.people
publication.autocreate.mode = all_tables
snapshot.mode = initial
$(rules "$schema\\.people")
PROPS

run_rowcast check -c "$tmp/pg.properties"
case "$out" in
*"column.mask.hash.v2.SHA-256.with.salt.s4lt: character columns replaced by the hex SHA-256 of salt + value (v2: UTF-8 bytes)"*) ;;
*) fail "rowcast check does not show the hash rule: $out" ;;
esac
pass "rowcast check lists the column rules"

start_rowcast "$tmp/pg.properties" "$tmp/pg.log"
wait_slot_active "$slot"
psql_q "INSERT INTO $schema.people VALUES
    (3, 'C-3', 'Cyd', 'cyd@example.com', '555-00-1111', 'Short', 29, 'pw'),
    (4, 'D-4', NULL, NULL, NULL, NULL, NULL, 'k4');"
pg_rows() { psql_q "SELECT json_agg(t ORDER BY id) FROM $schema.people t"; }
rows_before=$(pg_rows)
psql_q "UPDATE $schema.people SET bio = 'Changed her bio', ssn = '111-22-3333', name = 'Anne' WHERE id = 1;
DELETE FROM $schema.people WHERE id = 3;"
# the deleted row stays in rows_final's absence; column_verify.py looks it up in rows_before
rows_final=$(pg_rows)
wait_slot_caught_up "$slot"
stop_rowcast
write_spec "$tmp/pg_spec.json" "$prefix.$schema.people" 12 "$rows_before" "$rows_final"
verify_columns "$tmp/pg_spec.json" "PostgreSQL"
pass "PostgreSQL: snapshot and stream events masked, hashed, truncated and excluded as Debezium does"

# ---- MariaDB ----
server_id=$((1000 + ($$ % 50000)))
db="d_colmask$$_$(date +%s)"
my_prefix="rc_mycm$$_$(date +%s)"
# code VARCHAR(12) in utf8mb4: the binlog says 48 bytes, the snapshot varchar(12); both cut at 12.
my_q "CREATE DATABASE \`$db\`;
CREATE TABLE \`$db\`.people (id INT, code VARCHAR(12), name TEXT, email VARCHAR(100), ssn VARCHAR(80),
    bio TEXT, age INT, secret VARCHAR(20), PRIMARY KEY (id, code, secret)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO \`$db\`.people VALUES
    (1, 'A-1', 'Ann', 'ann@example.com', '123-45-6789', 'Loves databases', 41, 's3cret'),
    (2, 'B-2', 'Bob', 'bob@example.com', '987-65-4321', 'Ünïcödé bio', 35, 'hunter2');"
write_my_config "$tmp/my.properties" <<PROPS
topic.prefix = $my_prefix
table.include.list = $db\\.people
snapshot.mode = initial
offset.storage.file.filename = $tmp/my_offsets.json
$(rules "$db\\.people")
PROPS
start_rowcast "$tmp/my.properties" "$tmp/my.log"
wait_my_streaming
my_q "INSERT INTO \`$db\`.people VALUES
    (3, 'C-3', 'Cyd', 'cyd@example.com', '555-00-1111', 'Short', 29, 'pw'),
    (4, 'D-4', NULL, NULL, NULL, NULL, NULL, 'k4');"
my_rows() {
    my_q "SELECT JSON_ARRAYAGG(JSON_OBJECT('id', id, 'code', code, 'name', name, 'email', email, 'ssn', ssn,
        'bio', bio, 'age', age, 'secret', secret)) FROM \`$db\`.people"
}
rows_before=$(my_rows)
my_q "UPDATE \`$db\`.people SET bio = 'Changed her bio', ssn = '111-22-3333', name = 'Anne' WHERE id = 1;
DELETE FROM \`$db\`.people WHERE id = 3;"
rows_final=$(my_rows)
wait_my_caught_up "$tmp/my_offsets.json"
stop_rowcast
write_spec "$tmp/my_spec.json" "$my_prefix.$db.people" 12 "$rows_before" "$rows_final"
verify_columns "$tmp/my_spec.json" "MariaDB"
pass "MariaDB: snapshot and stream events masked, hashed, truncated and excluded as Debezium does"

# ---- startup errors: the property named, exit 2 ----
for bad in "column.mask.with.x.chars = a\\.b\\.c|column.mask.with.x.chars: the length" \
    "column.mask.hash.SHA-999.with.salt.x = a\\.b\\.c|unknown hash algorithm 'SHA-999'" \
    "column.truncate.to.3.chars = a(b|column.truncate.to.3.chars: pattern 'a(b' is not a valid regular expression"; do
    prop=${bad%%|*} msg=${bad#*|}
    printf '%s\n' "$prop" | write_my_config "$tmp/bad.properties"
    run_rowcast run -c "$tmp/bad.properties"
    expect_code 2 "$prop"
    expect_err "$msg" "$prop"
done
pass "invalid column mapper properties are refused at start, naming the property"
