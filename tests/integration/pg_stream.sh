# PostgreSQL streaming end to end: rowcast run against the real servers, then an independent
# consumer (python3-avro) rebuilds every table from Kafka and compares it with PostgreSQL.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

pg_test_setup it

psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.orders (id bigint PRIMARY KEY, customer text, amount numeric(12,2), paid boolean,
    created timestamptz, note text);
CREATE TABLE $schema.items (sku text PRIMARY KEY, qty int, data jsonb, tags text[]);
CREATE TABLE $schema.docs (id int PRIMARY KEY, title text, body text);
CREATE TABLE $schema.nopk (a int, b text);
ALTER TABLE $schema.nopk REPLICA IDENTITY FULL;
CREATE TABLE $schema.evolve (id int PRIMARY KEY, a text);
CREATE TABLE $schema.truncme (id int PRIMARY KEY, v text);
CREATE TYPE $schema.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN $schema.posint AS integer CHECK (VALUE > 0);
CREATE TABLE $schema.types (id int PRIMARY KEY, b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
    n numeric(20,4), nv numeric, m money, c char(3), vc varchar(10), t text, by bytea, d date, tm time,
    tmtz timetz, ts timestamp, ts3 timestamp(3), tstz timestamptz, iv interval, u uuid, j json, jb jsonb,
    x xml, ip inet, cid cidr, mac macaddr, bt bit(4), vb varbit, e $schema.mood, dom $schema.posint,
    ai int[], at text[], pt point);"

# A 3-partition topic for orders, so keyed records must land where a Java client would put them.
/usr/bin/python3 - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$prefix.$schema.orders" <<'PY'
import sys
from confluent_kafka.admin import AdminClient, NewTopic
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
for f in admin.create_topics([NewTopic(sys.argv[2], 3, 1)]).values():
    f.result()
PY

write_pg_config "$tmp/rowcast.properties" "$prefix" "$slot" <<PROPS
table.include.list = $schema\\..*
publication.autocreate.mode = filtered
offset.storage.file.filename = $tmp/offsets.json
kafka.message.max.bytes = 16000000
skipped.operations = none
PROPS
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
wait_slot_active "$slot"
pass "rowcast is streaming (slot $slot active)"

psql_q "INSERT INTO $schema.orders VALUES (1, 'alice', 10.50, false, '2026-11-24 10:00:00+00', 'first'),
    (2, 'bob', -3.25, true, '1999-12-31 23:59:59.999999+00', NULL), (3, 'çéü 日本 🎉', 0, NULL, NULL, '');
UPDATE $schema.orders SET paid = true, amount = amount + 1 WHERE id = 1;
UPDATE $schema.orders SET id = 30 WHERE id = 3;
DELETE FROM $schema.orders WHERE id = 2;
BEGIN;
INSERT INTO $schema.items VALUES ('a-1', 5, '{\"k\": [1, 2, {\"x\": null}]}', '{red,\"with,comma\",NULL}');
INSERT INTO $schema.orders VALUES (4, 'multi', 99999999.99, true, now(), 'in a multi-table transaction');
UPDATE $schema.items SET qty = qty - 1 WHERE sku = 'a-1';
COMMIT;
INSERT INTO $schema.items SELECT 'bulk-' || g, g, NULL, '{}' FROM generate_series(1, 500) g;
DELETE FROM $schema.items WHERE sku LIKE 'bulk-1%';
INSERT INTO $schema.nopk VALUES (1, 'one'), (1, 'one'), (2, 'two');
UPDATE $schema.nopk SET b = 'TWO' WHERE a = 2;
DELETE FROM $schema.nopk WHERE a = 1 AND ctid = (SELECT min(ctid) FROM $schema.nopk WHERE a = 1);
INSERT INTO $schema.truncme VALUES (1, 'gone'), (2, 'gone');
TRUNCATE $schema.truncme;
INSERT INTO $schema.truncme VALUES (3, 'after truncate');"

# A 1 MB value stored out of line (TOAST), then an update elsewhere in the row: the unchanged value is
# not sent by PostgreSQL, and must not turn into NULL downstream.
psql_q "ALTER TABLE $schema.docs ALTER COLUMN body SET STORAGE EXTERNAL;
INSERT INTO $schema.docs SELECT 1, 'v1', string_agg(md5(g::text), '') FROM generate_series(1, 32768) g;
UPDATE $schema.docs SET title = 'v2' WHERE id = 1;"

# Schema changes mid-stream.
psql_q "INSERT INTO $schema.evolve VALUES (1, 'before');
ALTER TABLE $schema.evolve ADD COLUMN b int;
INSERT INTO $schema.evolve VALUES (2, 'added', 20);
UPDATE $schema.evolve SET b = 10 WHERE id = 1;
ALTER TABLE $schema.evolve DROP COLUMN a;
INSERT INTO $schema.evolve VALUES (3, 30);"

# Every type, with edge values.
psql_q "INSERT INTO $schema.types VALUES
 (1, true, -32768, -2147483648, -9223372036854775808, 'NaN', 'Infinity', -1234567890123456.1234,
  123456789012345678901234567890.123456789, -12.34, 'ab', '', 'ünïcödé ✓', '\\x00ff10', '1970-01-01',
  '00:00:00', '23:59:59.999999+05:30', '2000-02-29 12:34:56.789012', '1960-06-15 01:02:03.004',
  '2026-11-24 10:15:30.123456+02', '1 year 2 mons -3 days 04:05:06.789', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '{\"a\": 1}', '{\"b\": [true, null]}', '<a>x</a>', '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03',
  B'1010', B'110', 'happy', 7, '{1,NULL,3}', '{\"q\\\"uote\",\"\"}', '(1.5,2)'),
 (2, false, 32767, 2147483647, 9223372036854775807, '-Infinity', -0.0, 0, 'NaN', 0, 'xyz', 'abcdefghij',
  'line1
line2', '', '0001-01-01', '24:00:00', '00:00:00+00', '1900-01-01 00:00:00', 'infinity', '-infinity',
  '-00:00:01', '00000000-0000-0000-0000-000000000000', '[]', '{}', '<r/>', '::1', '::/0', 'ff:ff:ff:ff:ff:ff',
  B'0000', B'', 'sad', 1, '{}', '{}', '(0,0)'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);"

wait_slot_caught_up "$slot"
pass "every change acknowledged by Kafka and confirmed to the slot"
stop_rowcast
pass "SIGTERM: rowcast drained and exited 0"
grep -q '"lsn"' "$tmp/offsets.json" || fail "offset file not written"

tables=$(printf "$schema.%s," orders items docs nopk evolve truncme)
if ! verify_topics --prefix "$prefix" --tables "${tables%,}" >"$tmp/verify.json" 2>"$tmp/verify.err"; then
    cat "$tmp/verify.err" >&2
    cat "$tmp/verify.json" >&2
    fail "the tables rebuilt from Kafka differ from PostgreSQL"
fi
cat "$tmp/verify.json"
grep -q '"unchanged_toast": 1' "$tmp/verify.json" || fail "the unchanged 1 MB TOAST value was not sent as the placeholder"
pass "tables rebuilt from Kafka (python3-avro) equal PostgreSQL"
