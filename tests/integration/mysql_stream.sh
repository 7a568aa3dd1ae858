# MariaDB streaming end to end: rowcast run against the real servers, then an independent consumer
# (python3-avro) rebuilds every table from Kafka and compares it with MariaDB.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/lib_mysql.sh"

my_test_setup mys

my_q "SET SESSION sql_mode = '';
CREATE TABLE \`$db\`.orders (id BIGINT PRIMARY KEY, customer VARCHAR(40), amount DECIMAL(12,2), paid BOOLEAN,
    created TIMESTAMP(6) NULL, note TEXT) ENGINE=InnoDB;
CREATE TABLE \`$db\`.items (sku VARCHAR(20) PRIMARY KEY, qty INT, data JSON) ENGINE=InnoDB;
CREATE TABLE \`$db\`.nopk (a INT, b VARCHAR(10)) ENGINE=InnoDB;
CREATE TABLE \`$db\`.evolve (id INT PRIMARY KEY, a VARCHAR(10)) ENGINE=InnoDB;
CREATE TABLE \`$db\`.composite (k1 INT, k2 VARCHAR(8), v INT, PRIMARY KEY (k1, k2)) ENGINE=InnoDB;
CREATE TABLE \`$db\`.yearmix (id INT PRIMARY KEY, y YEAR, i INT, iu INT UNSIGNED, si SMALLINT, tu TINYINT UNSIGNED)
    ENGINE=InnoDB;
CREATE TABLE \`$db\`.types (id INT PRIMARY KEY,
    ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
    i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, f FLOAT, d DOUBLE, dec1 DECIMAL(65,30),
    dec2 DECIMAL(10,0), dec3 DECIMAL(5,4), b1 BIT(1), b10 BIT(10), b64 BIT(64), y YEAR, dt DATE, tm TIME,
    tm6 TIME(6), dtm DATETIME, dtm3 DATETIME(3), dtm6 DATETIME(6), ts TIMESTAMP NULL, ts6 TIMESTAMP(6) NULL,
    c CHAR(5), vc VARCHAR(255), vcl VARCHAR(20) CHARACTER SET latin1, tx TEXT, mtx MEDIUMTEXT, bn BINARY(4),
    vb VARBINARY(20), bl BLOB, e ENUM('a','b','c d'), s SET('x','y','z'), j JSON, g GEOMETRY,
    pt POINT) ENGINE=InnoDB;"

write_my_config "$tmp/rowcast.properties" <<PROPS
offset.storage.file.filename = $tmp/offsets.json
kafka.message.max.bytes = 16000000
PROPS
# TLS per database.ssl.mode: tests/env's MariaDB offers none, so a verified connection is refused
# with a fix that names the property, and rowcast check passes without it.
cp "$tmp/rowcast.properties" "$tmp/tls.properties"
echo "database.ssl.mode = verify_identity" >>"$tmp/tls.properties"
run_rowcast check -c "$tmp/tls.properties"
expect_code 1 "rowcast check with database.ssl.mode=verify_identity against a server without TLS"
echo "$out" | grep -q "database.ssl.mode" || fail "the TLS failure does not name database.ssl.mode: $out"
run_rowcast check -c "$tmp/rowcast.properties"
expect_code 0 "rowcast check"
pass "rowcast check: prerequisites met; database.ssl.mode=verify_identity refused, naming the property"

start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
wait_my_streaming
pass "rowcast is reading the binlog"

my_q "SET SESSION sql_mode = '';
INSERT INTO \`$db\`.orders VALUES (1, 'alice', 10.50, false, '2026-11-24 10:00:00', 'first'),
    (2, 'bob', -3.25, true, '1999-12-31 23:59:59.999999', NULL), (3, 'çéü 日本 🎉', 0, NULL, NULL, '');
UPDATE \`$db\`.orders SET paid = true, amount = amount + 1 WHERE id = 1;
UPDATE \`$db\`.orders SET id = 30 WHERE id = 3;
DELETE FROM \`$db\`.orders WHERE id = 2;
BEGIN;
INSERT INTO \`$db\`.items VALUES ('a-1', 5, '{\"k\": [1, 2, {\"x\": null}]}');
INSERT INTO \`$db\`.orders VALUES (4, 'multi', 9999999999.99, true, NOW(6), 'in a multi-table transaction');
UPDATE \`$db\`.items SET qty = qty - 1 WHERE sku = 'a-1';
COMMIT;
BEGIN;
INSERT INTO \`$db\`.orders VALUES (5, 'rolled back', 1, true, NULL, NULL);
ROLLBACK;
INSERT INTO \`$db\`.items SELECT CONCAT('bulk-', seq), seq, NULL FROM \`$db\`.seq_1_to_500;
DELETE FROM \`$db\`.items WHERE sku LIKE 'bulk-1%';
INSERT INTO \`$db\`.nopk VALUES (1, 'one'), (1, 'one'), (2, 'two');
UPDATE \`$db\`.nopk SET b = 'TWO' WHERE a = 2;
DELETE FROM \`$db\`.nopk WHERE a = 1 LIMIT 1;
INSERT INTO \`$db\`.composite VALUES (1, 'a', 10), (1, 'b', 11), (2, 'a', 20);
UPDATE \`$db\`.composite SET k2 = 'z' WHERE k1 = 2;
INSERT INTO \`$db\`.yearmix VALUES (1, 2024, -5, 4000000000, -7, 250), (2, 1901, 2147483647, 0, 32767, 0);"

# Schema changes mid-stream: add, modify, rename, drop.
my_q "INSERT INTO \`$db\`.evolve VALUES (1, 'before');
ALTER TABLE \`$db\`.evolve ADD COLUMN b INT;
INSERT INTO \`$db\`.evolve VALUES (2, 'added', 20);
UPDATE \`$db\`.evolve SET b = 10 WHERE id = 1;
ALTER TABLE \`$db\`.evolve MODIFY COLUMN a VARCHAR(40);
INSERT INTO \`$db\`.evolve VALUES (3, 'modified', 30);
ALTER TABLE \`$db\`.evolve RENAME COLUMN b TO c;
INSERT INTO \`$db\`.evolve VALUES (4, 'renamed', 40);
UPDATE \`$db\`.evolve SET c = c + 1;
UPDATE \`$db\`.evolve SET c = c - 1;
ALTER TABLE \`$db\`.evolve DROP COLUMN a;
INSERT INTO \`$db\`.evolve VALUES (5, 50);"

# Every type, with edge values; then the same row again with everything NULL.
my_q "SET SESSION sql_mode = '';
INSERT INTO \`$db\`.types VALUES
 (1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808,
  18446744073709551615, -3.5e38, 1.7976931348623157e308,
  -12345678901234567890123456789012345.123456789012345678901234567890, 9999999999, -0.0001,
  b'1', b'1010101010', b'1111111111111111111111111111111111111111111111111111111111111111', 2155,
  '1000-01-01', '-838:59:59', '838:59:59.999999', '1000-01-01 00:00:00', '9999-12-31 23:59:59.999',
  '2000-02-29 12:34:56.789012', '1970-01-01 00:00:01', '2038-01-19 03:14:07.999999', 'ab', 'ünïcödé ✓ 😀',
  'café naïve', REPEAT('t', 1000), REPEAT('m', 70000), x'00ff1000', x'', x'deadbeef', 'c d', 'x,z',
  '{\"a\": [1, 2.5, \"s\"], \"b\": null}', ST_GeomFromText('LINESTRING(0 0, 1 1)', 4326), POINT(1.5, -2)),
 (2, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 0, 0, -0.0, 0, -9999999999, 9.9999,
  b'0', b'0', b'0', 1901, '9999-12-31', '00:00:00', '-00:00:00.000001', '9999-12-31 23:59:59',
  '1000-01-01 00:00:00.000', '1970-01-01 00:00:00.000000', NULL, NULL, '', '', '', '', '', '', '', '', 'a', '',
  '[]', NULL, NULL),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL),
 (4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b'0', b'0', b'0', 0, '0000-00-00', '00:00:00', '00:00:00',
  '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', NULL, '', '', '',
  '', '', '', '', '', '', '', '{}', NULL, NULL);
UPDATE \`$db\`.types SET vc = 'updated' WHERE id = 2;"

wait_my_caught_up "$tmp/offsets.json"
pass "every change acknowledged by Kafka and recorded in the offset file"
stop_rowcast
pass "SIGTERM: rowcast drained and exited 0"
grep -q '"file"' "$tmp/offsets.json" || fail "offset file lacks the binlog position"

tables=$(printf "$db.%s," orders items nopk evolve composite types yearmix)
if ! verify_my_topics --prefix "$prefix" --tables "${tables%,}" >"$tmp/verify.json" 2>"$tmp/verify.err"; then
    cat "$tmp/verify.err" >&2
    cat "$tmp/verify.json" >&2
    fail "the tables rebuilt from Kafka differ from MariaDB"
fi
cat "$tmp/verify.json"
pass "tables rebuilt from Kafka (python3-avro) equal MariaDB"

# The schema change events on <prefix>: one per ALTER of evolve, naming its database and table.
/usr/bin/python3 - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$ROWCAST_TEST_SCHEMA_REGISTRY_URL" "$prefix" "$db" \
    "$top_srcdir/tests/integration" <<'PY' || fail "schema change events"
import sys
sys.path.insert(0, sys.argv[5])
from cdc_verify import Registry, consume
registry, prefix, db = Registry(sys.argv[2]), sys.argv[3], sys.argv[4]
records, _ = consume(sys.argv[1], [prefix], idle_s=3)
alters = []
for topic, partition, offset, k, v, ts in records:
    key, value = registry.decode(k), registry.decode(v)
    assert key["databaseName"] == db, key
    assert value["databaseName"] == db and value["source"]["db"] == db, value
    if value["ddl"].upper().startswith("ALTER TABLE"):
        assert value["source"]["table"] == "evolve", value["source"]
        alters.append(value["ddl"])
assert len(alters) == 4, alters
print(f"ok: {len(records)} schema change events, the 4 ALTERs of evolve among them")
PY
pass "schema change events name their database and table"

# A restart resumes where the offset file says: nothing before it again, what came after it once.
my_q "INSERT INTO \`$db\`.orders VALUES (6, 'after restart', 6, false, NULL, NULL)"
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast2.log"
wait_my_streaming
wait_my_caught_up "$tmp/offsets.json"
stop_rowcast
verify_my_topics --prefix "$prefix" --tables "$db.orders" >"$tmp/verify2.json" 2>"$tmp/verify2.err" ||
    { cat "$tmp/verify2.err" >&2; fail "after a restart the orders topic differs from MariaDB"; }
grep -q '"duplicates": 0' "$tmp/verify2.json" || fail "a clean restart replayed changes: $(cat "$tmp/verify2.json")"
pass "restart from the offset file: the new row once, nothing replayed"
