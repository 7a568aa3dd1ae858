# Transaction metadata (provide.transaction.metadata) against the real servers, PostgreSQL then
# MariaDB: transactions of known sizes over several tables (one multi-table, one touching only an
# excluded table, one single statement) after a snapshot of two rows, then an independent consumer (txmeta_verify.py) checks the
# BEGIN/END pairs on <prefix>.transaction, their counts, and each event's transaction block against
# the ids the databases gave those transactions. The same with the property off: no transaction
# topic, null blocks.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/lib_mysql.sh"

verify_txmeta() {
    /usr/bin/python3 "$top_srcdir/tests/integration/txmeta_verify.py" --bootstrap "$ROWCAST_TEST_KAFKA_BOOTSTRAP" \
        --registry "$ROWCAST_TEST_SCHEMA_REGISTRY_URL" "$1" || fail "transaction metadata differs (spec $1)"
}

# ---- PostgreSQL ----
pg_test_setup txm
cleanup_all() {
    pg_test_cleanup
    [ -n "${db:-}" ] && my_q "DROP DATABASE IF EXISTS \`$db\`" >/dev/null 2>&1 || true
}
trap cleanup_all EXIT
pg_prefix=$prefix base_slot=$slot

psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.a (id int PRIMARY KEY, v text);
CREATE TABLE $schema.b (id int PRIMARY KEY, v text);
CREATE TABLE $schema.excl (id int PRIMARY KEY);
INSERT INTO $schema.a VALUES (1000, 'before'), (1001, 'before');"

# A publication of every table: the excluded table's changes reach rowcast, which filters them.
for mode in on off; do
    p="${pg_prefix}_$mode" s="${base_slot}_$mode"
    write_pg_config "$tmp/$mode.properties" "$p" "$s" <<PROPS
table.include.list = $schema\\.(a|b)
publication.autocreate.mode = all_tables
# Logical decoding messages are database-wide: another test's (a rowcast.signal from signals_*.sh,
# a watermark) would come in as a transaction of its own, published as a message (as documented).
messages = false
provide.transaction.metadata = $([ $mode = on ] && echo true || echo false)
snapshot.mode = initial
offset.storage.file.filename = $tmp/offsets_$mode.json
PROPS
done
XID="pg_current_xact_id()::text::bigint % 4294967296"

for mode in on off; do
    p="${pg_prefix}_$mode" s="${base_slot}_$mode"
    slot=$s # for wait_slot_*; pg_test_cleanup drops it
    start_rowcast "$tmp/$mode.properties" "$tmp/$mode.log"
    wait_slot_active "$s"
    o=$([ "$mode" = on ] && echo 0 || echo 100) # the second run's rows get other keys
    t1=$(psql_q "BEGIN; INSERT INTO $schema.a SELECT g, 'x' FROM generate_series($((o + 1)), $((o + 3))) g;
        SELECT $XID; COMMIT;")
    t2=$(psql_q "BEGIN; INSERT INTO $schema.b VALUES ($((o + 1)), 'm');
        INSERT INTO $schema.a VALUES ($((o + 10)), 'm'), ($((o + 11)), 'm');
        UPDATE $schema.b SET v = 'mm' WHERE id = $((o + 1)); DELETE FROM $schema.a WHERE id = $((o + 10));
        INSERT INTO $schema.excl VALUES ($((o + 1))); SELECT $XID; COMMIT;")
    psql_q "BEGIN; INSERT INTO $schema.excl VALUES ($((o + 2))), ($((o + 3))); COMMIT;"
    t4=$(psql_q "INSERT INTO $schema.b VALUES ($((o + 2)), 'single') RETURNING $XID")
    wait_slot_caught_up "$s"
    stop_rowcast
    a_n=3
    cat >"$tmp/spec_$mode.json" <<JSON
{"prefix": "$p", "topics": ["$p.$schema.a", "$p.$schema.b"], "mode": "pg", "off": $([ $mode = on ] && echo false || echo true), "snapshot_rows": 2,
 "expect": [{"id": "$t1", "counts": {"$schema.a": $a_n}},
            {"id": "$t2", "counts": {"$schema.a": 3, "$schema.b": 2}},
            {"id": "$t4", "counts": {"$schema.b": 1}}]}
JSON
    verify_txmeta "$tmp/spec_$mode.json"
    pass "PostgreSQL, provide.transaction.metadata $mode: as the transactions made"
    drop_slot "$s"
done

# ---- MariaDB ----
server_id=$((1000 + ($$ % 50000)))
db="d_txm$$_$(date +%s)"
my_q "CREATE DATABASE \`$db\`;
CREATE TABLE \`$db\`.a (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB;
CREATE TABLE \`$db\`.b (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB;
CREATE TABLE \`$db\`.excl (id INT PRIMARY KEY) ENGINE=InnoDB;"
my_prefix="rc_my$$_$(date +%s)"
write_my_config "$tmp/my.properties" <<PROPS
topic.prefix = $my_prefix
table.include.list = $db\\.(a|b)
provide.transaction.metadata = true
offset.storage.file.filename = $tmp/my_offsets.json
PROPS
start_rowcast "$tmp/my.properties" "$tmp/my.log"
wait_my_streaming
sleep 1
g1=$(my_q "BEGIN; INSERT INTO \`$db\`.a VALUES (1, 'x'), (2, 'x'), (3, 'x'); COMMIT; SELECT @@last_gtid;")
g2=$(my_q "BEGIN; INSERT INTO \`$db\`.b VALUES (1, 'm'); INSERT INTO \`$db\`.a VALUES (10, 'm'), (11, 'm');
    UPDATE \`$db\`.b SET v = 'mm'; DELETE FROM \`$db\`.a WHERE id = 10; INSERT INTO \`$db\`.excl VALUES (1);
    COMMIT; SELECT @@last_gtid;")
my_q "BEGIN; INSERT INTO \`$db\`.excl VALUES (2), (3); COMMIT;"
g4=$(my_q "INSERT INTO \`$db\`.b VALUES (2, 'single'); SELECT @@last_gtid;")
wait_my_caught_up "$tmp/my_offsets.json"
stop_rowcast
cat >"$tmp/spec_my.json" <<JSON
{"prefix": "$my_prefix", "topics": ["$my_prefix.$db.a", "$my_prefix.$db.b"], "mode": "gtid", "off": false,
 "expect": [{"id": "$g1", "counts": {"$db.a": 3}},
            {"id": "$g2", "counts": {"$db.a": 3, "$db.b": 2}},
            {"id": "$g4", "counts": {"$db.b": 1}}]}
JSON
verify_txmeta "$tmp/spec_my.json"
pass "MariaDB, provide.transaction.metadata on: as the transactions made (GTIDs $g1, $g2, $g4)"
