#!/usr/bin/python3
"""Checks the column mappers (column.exclude.list, column.mask.*, column.truncate.*) on one table,
reading rowcast's topic back from Kafka with an independent decoder (python3-avro, the schemas from
the Schema Registry by each record's id, as cdc_verify.py does).

Usage: column_verify.py --bootstrap B --registry R SPEC.json, SPEC:
  {"topic": T, "code_len": n (the hash of code is cut to n; 0: not cut),
   "rows_before": [row, ...] (the table after the inserts: what r/c events and the before images of
                  u/d events show),
   "rows_final": [row, ...]  (the table at the end: what u events' after images show)}
Each row is the database's own JSON of it: id, code, name, email, ssn, bio, age, secret; the key is
(id, code, secret).

The table's rules (tests/integration/column_masking.sh): secret excluded (a key column: Debezium keeps
it in the key, out of the value); email and age masked with
3 '*'; code hashed v1 (SHA-256, salt "pep.per": the Java serialization of the String); ssn hashed v2
(SHA-256, salt "s4lt": its UTF-8); bio truncated to 5 characters. The expected values are computed
here, from the database's values, with hashlib, as Debezium's MaskStrings does:
  v1: sha256(salt + AC ED 00 05 74 <u16 length> <modified UTF-8>), v2: sha256(salt + UTF-8), hex.
Debezium masks NULL too (MaskingValueConverter ignores its input), a hash of NULL is NULL, age is not a
character column (value kept, schema marked masked=true), and the key is never masked.
Prints one line per check; exits 1 at the first difference.
"""
import argparse
import hashlib
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdc_verify import Registry, consume  # noqa: E402

PUBLISHED = ["id", "code", "name", "email", "ssn", "bio", "age"]


def die(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def modified_utf8(s):
    out = bytearray()
    u16 = s.encode("utf-16-be")
    for i in range(0, len(u16), 2):
        u = int.from_bytes(u16[i:i + 2], "big")
        if 1 <= u <= 0x7F:
            out.append(u)
        elif u <= 0x7FF:
            out += bytes([0xC0 | (u >> 6), 0x80 | (u & 0x3F)])
        else:
            out += bytes([0xE0 | (u >> 12), 0x80 | ((u >> 6) & 0x3F), 0x80 | (u & 0x3F)])
    return bytes(out)


def hash_v1(salt, s):
    m = modified_utf8(s)
    return hashlib.sha256(salt.encode() + b"\xac\xed\x00\x05\x74" + len(m).to_bytes(2, "big") + m).hexdigest()


def hash_v2(salt, s):
    return hashlib.sha256((salt + s).encode()).hexdigest()


def java_prefix(s, n):
    """s.substring(0, n) in UTF-16 units (the test's strings have no pair at the cut)."""
    return s.encode("utf-16-be")[:2 * n].decode("utf-16-be")


def expected(row, code_len):
    code = hash_v1("pep.per", row["code"])
    return {
        "id": row["id"],
        "code": code[:code_len] if code_len else code,
        "name": row["name"],
        "email": "***",
        "ssn": None if row["ssn"] is None else hash_v2("s4lt", row["ssn"]),
        "bio": None if row["bio"] is None else java_prefix(row["bio"], 5),
        "age": row["age"],
    }


def field_params(schema_json, record_name):
    """{field: connect.parameters or {}} of the record named record_name anywhere in schema_json."""
    found = {}

    def walk(node):
        if isinstance(node, list):
            for n in node:
                walk(n)
        elif isinstance(node, dict):
            if node.get("type") == "record" and node.get("name") == record_name:
                for f in node["fields"]:
                    t = f["type"]
                    if isinstance(t, list):
                        t = [x for x in t if x != "null"][0]
                    found[f["name"]] = t.get("connect.parameters", {}) if isinstance(t, dict) else {}
            for v in node.values():
                walk(v)

    walk(schema_json)
    return found


def raw_schema(registry, data):
    schema_id = int.from_bytes(data[1:5], "big")
    with urllib.request.urlopen(f"{registry.rstrip('/')}/schemas/ids/{schema_id}") as resp:
        return json.loads(json.loads(resp.read())["schema"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--registry", required=True)
    ap.add_argument("spec")
    args = ap.parse_args()
    spec = json.load(open(args.spec))
    reg = Registry(args.registry)
    code_len = spec["code_len"]
    before_rows = {r["id"]: r for r in spec["rows_before"]}
    final_rows = {r["id"]: r for r in spec["rows_final"]}
    records, _ = consume(args.bootstrap, [spec["topic"]], idle_s=4.0)
    if not records:
        die(f"no records on {spec['topic']}")

    # The schemas: the excluded column nowhere, the mappers' parameters in the value only.
    key_data = next(k for _t, _p, _o, k, v, _ts in records if k is not None)
    value_data = next(v for _t, _p, _o, _k, v, _ts in records if v is not None)
    vparams = field_params(raw_schema(args.registry, value_data), "Value")
    kparams = field_params(raw_schema(args.registry, key_data), "Key")
    if sorted(vparams) != sorted(PUBLISHED):
        die(f"value schema fields {sorted(vparams)}, expected {sorted(PUBLISHED)}")
    want = {"code": {"masked": "true"}, "email": {"masked": "true"}, "ssn": {"masked": "true"},
            "age": {"masked": "true"}, "bio": {"truncateLength": "5"}, "id": {}, "name": {}}
    for f, p in want.items():
        if vparams[f] != p:
            die(f"value schema field {f}: connect.parameters {vparams[f]}, expected {p}")
    if sorted(kparams) != ["code", "id", "secret"] or any(kparams.values()):
        die(f"key schema fields {kparams}: expected id, code and secret without parameters")
    print("ok: schemas: secret out of the value, in the key (a key column); masked/truncateLength "
          "parameters as Debezium's; key without them")

    ops = {}
    for topic, _part, _off, key, value, _ts in records:
        if value is None:
            continue  # tombstones
        k = reg.decode(key)
        v = reg.decode(value)
        op = v["op"]
        ops[op] = ops.get(op, 0) + 1
        row_id = k["id"]
        clear = before_rows[row_id]
        want_key = {"id": clear["id"], "code": clear["code"], "secret": clear["secret"]}
        if k != want_key:
            die(f"{op} event key {k}: expected the clear key {want_key}")
        for image in ("before", "after"):
            if v[image] is not None and "secret" in v[image]:
                die(f"{op} event {image} image holds the excluded column secret")
        if op in ("r", "c"):
            got, exp = v["after"], expected(clear, code_len)
        elif op == "u":
            if v["before"] != expected(clear, code_len):
                die(f"update of {row_id}: before {v['before']}, expected {expected(clear, code_len)}")
            got, exp = v["after"], expected(final_rows[row_id], code_len)
        elif op == "d":
            got, exp = v["before"], expected(clear, code_len)
        else:
            die(f"unexpected op {op}")
        if got != exp:
            die(f"{op} event of {row_id}: {got}, expected {exp}")
    for op, n in spec["ops"].items():
        if ops.get(op, 0) != n:
            die(f"{ops.get(op, 0)} '{op}' events, expected {n} (all: {ops})")
    print(f"ok: {sum(ops.values())} events {ops}: masked, hashed, truncated, excluded as expected, "
          "unmasked columns equal the database, keys clear")


if __name__ == "__main__":
    main()
