# Value schemas as Debezium's PostgreSQL connector writes them: NOT NULL columns (the key's too)
# required, column DEFAULTs as "default" and "connect.default" (optional columns with a default in
# [T, "null"] order), generated defaults (nextval, now(), CURRENT_TIMESTAMP, functions) as the
# type's placeholder; a delete's before image under REPLICA IDENTITY DEFAULT fills the NOT NULL
# columns PostgreSQL does not send with their default (or the type's zero), as Debezium does; and
# ALTER ... SET NOT NULL / DROP DEFAULT mid-stream give a new schema; a column of a NOT NULL domain is
# required. Read back from the registry and Kafka with python3-avro; the expectations are Debezium
# 3.6's rules (PostgresDefaultValueConverter) applied by hand to the DDL below.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

pg_test_setup sch

psql_q "CREATE SCHEMA $schema;
CREATE TYPE $schema.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN $schema.nn_dom AS text NOT NULL DEFAULT 'dd';
CREATE TABLE $schema.dflt (id int PRIMARY KEY, i2 int2 NOT NULL DEFAULT 7, i4 int DEFAULT -42,
    i8 bigint NOT NULL DEFAULT 9000000000, s serial, t text NOT NULL DEFAULT 'hello',
    vc varchar(10) DEFAULT 'abc', c char(3) DEFAULT 'x', b bool NOT NULL DEFAULT true, f4 real DEFAULT 1.5,
    f8 float8 DEFAULT 2.25, n numeric(10,2) NOT NULL DEFAULT 12.5, nv numeric DEFAULT 1,
    d date DEFAULT '2020-02-29', ts timestamp DEFAULT '2020-01-01 10:00:00', tstz timestamptz NOT NULL DEFAULT now(),
    tm time DEFAULT '10:30:00', iv interval DEFAULT '1 day', u uuid DEFAULT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    j jsonb DEFAULT '{\"a\": 1}', e $schema.mood DEFAULT 'ok', bt bit(1) DEFAULT B'1', by bytea DEFAULT '\\x01',
    nn_nodef text NOT NULL, plain text, fn text DEFAULT md5('x'), cts timestamptz DEFAULT CURRENT_TIMESTAMP,
    dnull int DEFAULT NULL, arr int[] DEFAULT '{1,2}', dm $schema.nn_dom);"

write_pg_config "$tmp/rowcast.properties" "$prefix" "$slot" <<PROPS
table.include.list = $schema\\..*
publication.autocreate.mode = filtered
PROPS
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
wait_slot_active "$slot"

psql_q "INSERT INTO $schema.dflt (id, nn_nodef) VALUES (1, 'given');
DELETE FROM $schema.dflt WHERE id = 1;"
# The columns' NOT NULL and DEFAULT are read from the catalog when the Relation message is decoded
# (as Debezium reads them from the JDBC metadata then): the ALTER comes once those rows are out.
wait_slot_caught_up "$slot"
psql_q "ALTER TABLE $schema.dflt ALTER COLUMN plain SET NOT NULL, ALTER COLUMN i4 DROP DEFAULT;"
psql_q "INSERT INTO $schema.dflt (id, nn_nodef, plain) VALUES (2, 'second', 'p');"
wait_slot_caught_up "$slot"
stop_rowcast

# While rowcast is down: a NULL written while nn_nodef allowed it, then NOT NULL again. When rowcast
# resumes, the catalog says NOT NULL for a row that holds NULL: the column must turn optional (a new
# schema) and the NULL stay null, never the required field's fallback "".
psql_q "ALTER TABLE $schema.dflt ALTER COLUMN nn_nodef DROP NOT NULL;
INSERT INTO $schema.dflt (id, nn_nodef, plain) VALUES (3, NULL, 'q');"
psql_q "UPDATE $schema.dflt SET nn_nodef = 'filled' WHERE id = 3;
ALTER TABLE $schema.dflt ALTER COLUMN nn_nodef SET NOT NULL;"
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
wait_slot_caught_up "$slot"
stop_rowcast
grep -q "column nn_nodef: NULL in a column the catalog now says is NOT NULL" "$tmp/rowcast.log" \
    || fail "no warning about the stale NOT NULL"

/usr/bin/python3 - "$top_srcdir/tests/integration" "$prefix.$schema.dflt" <<'PY' || fail "schemas (see above)"
import json, sys, urllib.request
sys.path.insert(0, sys.argv[1])
import os
import cdc_verify
topic = sys.argv[2]
url = os.environ["ROWCAST_TEST_SCHEMA_REGISTRY_URL"].rstrip("/")
registry = cdc_verify.Registry(url)
records, _ = cdc_verify.consume(os.environ["ROWCAST_TEST_KAFKA_BOOTSTRAP"], [topic], idle_s=3.0)
problems = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        problems.append(what)

events, ids = [], []
for _t, _p, _o, k, v, _ts in records:
    if v is None:
        continue
    ids.append(int.from_bytes(v[1:5], "big"))
    events.append(registry.decode(v))
check([e["op"] for e in events] == ["c", "d", "c", "c", "u"], f"ops c, d, c, c, u: {[e['op'] for e in events]}")

def value_fields(schema_id):
    with urllib.request.urlopen(f"{url}/schemas/ids/{schema_id}") as r:
        env = json.loads(json.loads(r.read())["schema"])
    before = next(f for f in env["fields"] if f["name"] == "before")
    rec = next(t for t in before["type"] if isinstance(t, dict))
    return {f["name"]: f for f in rec["fields"]}

NOD = object()  # no default
# name: (required, default value in Avro JSON)
expect = {
    "id": (True, NOD), "i2": (True, 7), "i4": (False, -42), "i8": (True, 9000000000), "s": (True, 0),
    "t": (True, "hello"), "vc": (False, "abc"), "c": (False, "x"), "b": (True, True), "f4": (False, 1.5),
    "f8": (False, 2.25), "n": (True, bytes.fromhex("04e2").decode("latin-1")), "nv": (False, NOD),
    "d": (False, 18321), "ts": (False, 1577872800000000), "tstz": (True, "1970-01-01T00:00:00.000000Z"),
    "tm": (False, 37800000000), "iv": (False, 86400000000), "u": (False, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    "j": (False, '{"a": 1}'), "e": (False, "ok"), "bt": (False, True), "by": (False, NOD),
    "nn_nodef": (True, NOD), "plain": (False, NOD), "fn": (False, ""), "cts": (False, "1970-01-01T00:00:00.000000Z"),
    "dnull": (False, NOD), "arr": (False, NOD),
    # A NOT NULL domain: required (pgjdbc's nullability, Debezium's); the domain's DEFAULT is not the
    # column's, so no default.
    "dm": (True, NOD),
}

def field_shape(f):
    t = f["type"]
    if isinstance(t, list):
        required = False
        inner = next(x for x in t if x != "null")
        first_null = t[0] == "null"
    else:
        required, inner, first_null = True, t, None
    return required, inner, first_null

def check_schema(fields, expect, label):
    for name, (required, dflt) in expect.items():
        f = fields.get(name)
        if f is None:
            check(False, f"{label} {name}: no field")
            continue
        req, inner, first_null = field_shape(f)
        ok = req == required
        if dflt is NOD:
            ok &= ("default" not in f) if required else (f.get("default", "missing") is None and first_null)
            ok &= not (isinstance(inner, dict) and "connect.default" in inner)
        else:
            ok &= f.get("default", NOD) == dflt
            ok &= isinstance(inner, dict) and inner.get("connect.default") == dflt
            ok &= required or first_null is False  # [T, "null"]: the default's type first
        check(ok, f"{label} {name}: {'required' if required else 'optional'}, "
                  f"default {'none' if dflt is NOD else repr(dflt)}: {json.dumps(f)}")

v1 = value_fields(ids[0])
check_schema(v1, expect, "v1")
check(list(v1) == list(expect), f"v1 fields in column order: {list(v1)}")

# The delete: PostgreSQL sends only the key; NOT NULL columns get their default or the type's zero,
# optional ones null (Debezium's JdbcValueConverters.convertValue). A timestamptz default is converted
# as its values are (six fraction digits for an unconstrained column).
before = events[1]["before"]
want = {"id": 1, "i2": 7, "i8": 9000000000, "s": 0, "t": "hello", "b": True, "tstz": "1970-01-01T00:00:00.000000Z",
        "nn_nodef": "", "dm": ""}
check(all(before[k] == v for k, v in want.items()), f"delete before, NOT NULL columns: {before}")
check(abs(before["n"] - __import__("decimal").Decimal("12.50")) == 0, f"delete before n = default 12.50: {before['n']}")
check(all(before[k] is None for k in expect if not expect[k][0]), "delete before, optional columns null")
after = events[0]["after"]
check(after["i2"] == 7 and after["t"] == "hello" and after["nn_nodef"] == "given" and after["plain"] is None
      and after["dm"] == "dd",
      f"insert after: {after}")

# After ALTER ... SET NOT NULL, DROP DEFAULT: a new schema.
check(ids[2] != ids[0], f"new schema id after the ALTER ({ids[0]} -> {ids[2]})")
v2 = value_fields(ids[2])
e2 = dict(expect, plain=(True, NOD), i4=(False, NOD))
check_schema(v2, e2, "v2")
check(events[2]["after"]["plain"] == "p", "insert after the ALTER decoded with the new schema")

# The row written while nn_nodef was nullable, decoded after it became NOT NULL again.
check(events[3]["after"]["id"] == 3 and events[3]["after"]["nn_nodef"] is None,
      f"the NULL stays null: {events[3]['after']}")
check(events[4]["after"]["nn_nodef"] == "filled", "the update after it")
f3 = value_fields(ids[3])["nn_nodef"]
check(f3["type"][0] == "null" and f3["default"] is None, f"nn_nodef optional in the schema of that row: {f3}")
check(ids[3] not in (ids[0], ids[2]), f"a new schema for it ({ids})")
sys.exit(1 if problems else 0)
PY
pass "value schemas: Debezium's optionality and defaults, delete before images, schema change"
