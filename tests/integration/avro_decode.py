"""Decodes what tests/unit/tools/avro_dump wrote with python3-avro, an Avro implementation independent of
rowcast's, and compares every record with the values avro_dump.c put in (repeated here by hand).

Usage: avro_decode.py DIR. Checks, for every set: the schemas parse (names, namespaces, defaults,
logical types); each record has the Confluent framing (magic 0, the expected schema id); the Avro
body decodes with the writer schema and is consumed to its last byte; the decoded key and value
equal the expected ones; the JSON lines (stdout sink) parse and hold the same values.
Prints one line per check; exits 1 at the first difference.
"""
import base64
import datetime
import decimal
import io
import json
import os
import struct
import sys
import uuid

import avro.io
import avro.schema

PH = "__debezium_unavailable_value"
PH_BYTES = PH.encode()
UTC = datetime.timezone.utc
D = decimal.Decimal


class Dec:
    """A decimal column: Decimal in Avro, its plain string in JSON."""

    def __init__(self, text):
        self.value = D(text)

    def avro(self):
        return self.value

    def json(self):
        return format(self.value, "f")


class VDec(Dec):
    """io.debezium.data.VariableScaleDecimal: record {scale, value} in Avro."""

    def avro(self):
        return {"scale": -self.value.as_tuple().exponent,
                "value": int(self.value.scaleb(-self.value.as_tuple().exponent)).to_bytes(
                    32, "big", signed=True).lstrip(b"\x00") or b"\x00"}


class PHDec:
    """An unchanged TOAST decimal: the placeholder's bytes read as a number in Avro (rounded to the
    schema's precision, as python3-avro reads decimals), the placeholder itself in JSON."""

    def __init__(self, precision, scale):
        self.precision = precision
        self.scale = scale

    def avro(self):
        with decimal.localcontext() as ctx:
            ctx.prec = self.precision
            return D(int.from_bytes(PH_BYTES, "big", signed=True)).scaleb(-self.scale)

    def json(self):
        return PH


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def as_avro(v):
    if isinstance(v, (Dec, PHDec)):
        return v.avro()
    if isinstance(v, dict):
        return {k: as_avro(x) for k, x in v.items()}
    if isinstance(v, list):
        return [as_avro(x) for x in v]
    return v


def as_json(v):
    if isinstance(v, (Dec, PHDec)):
        return v.json()
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    if isinstance(v, dict):
        return {k: as_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [as_json(x) for x in v]
    return v


def normalise_vsd(got, exp):
    """A VariableScaleDecimal decodes as {scale, value}: compare its bytes as a number."""
    if isinstance(exp, dict) and set(exp) == {"scale", "value"} and isinstance(got, dict):
        return ({"scale": got["scale"], "value": int.from_bytes(got["value"], "big", signed=True)},
                {"scale": exp["scale"], "value": int.from_bytes(exp["value"], "big", signed=True)})
    return got, exp


def compare(path, got, exp):
    got, exp = normalise_vsd(got, exp)
    if isinstance(got, uuid.UUID):
        got = str(got)
    if isinstance(exp, dict):
        if not isinstance(got, dict):
            fail("%s: got %r, expected a record %r" % (path, got, exp))
        if list(got) != list(exp):
            fail("%s: fields %s, expected %s" % (path, list(got), list(exp)))
        for k in exp:
            compare(path + "." + k, got[k], exp[k])
    elif isinstance(exp, list):
        if not isinstance(got, list) or len(got) != len(exp):
            fail("%s: got %r, expected %r" % (path, got, exp))
        for i, (g, e) in enumerate(zip(got, exp)):
            compare("%s[%d]" % (path, i), g, e)
    elif isinstance(exp, float):
        if not isinstance(got, float) or got != exp:
            fail("%s: got %r, expected %r" % (path, got, exp))
    elif isinstance(exp, D):
        if not isinstance(got, D) or got != exp or got.as_tuple().exponent != exp.as_tuple().exponent:
            fail("%s: got %r, expected %r" % (path, got, exp))
    elif type(got) is not type(exp) or got != exp:
        fail("%s: got %r (%s), expected %r (%s)" % (path, got, type(got).__name__, exp, type(exp).__name__))


def decode(schema, path, schema_id):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 5 or data[0] != 0:
        fail("%s: no Confluent magic byte" % path)
    (sid,) = struct.unpack(">i", data[1:5])
    if sid != schema_id:
        fail("%s: schema id %d, expected %d" % (path, sid, schema_id))
    body = io.BytesIO(data[5:])
    datum = avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(body))
    if body.tell() != len(data) - 5:
        fail("%s: %d of %d body bytes left after decoding" % (path, len(data) - 5 - body.tell(), len(data) - 5))
    return datum


def load_schema(d, name):
    with open(os.path.join(d, name)) as f:
        text = f.read()
    try:
        return avro.schema.parse(text)
    except Exception as e:  # noqa: BLE001 - any parse error is the finding
        fail("%s does not parse: %s" % (name, e))


# ---- the values of avro_dump.c ----

NOW_NS = 1700000005000000007
UID = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
COLS = ["id", "region", "flag", "small", "num", "big", "real", "dbl", "price", "amount", "label", "doc", "uid",
        "mood", "blob", "bits", "day", "t_ms", "t_us", "ts_ms", "ts_us", "dur", "tags", "nums", "weird_name__",
        "amounts", "tstz", "amount2", "_9lives", "uids"]


def row(**values):
    return {c: values.get(c) for c in COLS}


IMG1 = row(id=1, region="eu", flag=True, small=32767, num=2**31 - 1, big=2**63 - 1, real=1.5,
           dbl=3.141592653589793, price=Dec("12345.678"), amount=VDec("314.15"), label="hello",
           doc='{"a": [1, 2]}', uid=UID, mood="happy", blob=b"\x00\x01\x02\xff", bits=b"\x0f\xff", day=19000,
           t_ms=45296789, t_us=45296789012, ts_ms=1700000000123, ts_us=1700000000123456, dur=3600000000,
           tags=["a", "b"], nums=[1, 2, 3], weird_name__="wéird", amounts=[Dec("1.23"), Dec("-4.56")],
           tstz="2023-11-14T22:13:20.123456Z", amount2=VDec("7"), _9lives=9, uids=[UID])
IMG2 = row(id=2, region="", label="", blob=b"", tags=[], nums=[], amounts=[])
IMG3 = row(id=3, region="us", flag=False, small=-32768, num=-2**31, big=-2**63, real=-2.5, dbl=1e300,
           price=Dec("-0.001"), amount=VDec("-12345678901234567890.12345"), label=PH, doc="ünïcødé ✓ 日本語 😀",
           mood="sad", blob=PH_BYTES, day=-1, t_ms=0, t_us=86399999999, ts_ms=-1, ts_us=-1000000, dur=-5,
           tags=[PH], weird_name__="", amounts=[None, Dec("0.00")], tstz=PH, uids=[None])
BEFORE3 = row(id=3, region="us")
BEFORE4 = dict(IMG1, price=PHDec(12, 3))


def pg_source(n, snapshot, txid, seq):
    ts_us = 1700000000000000 + n
    return {"version": None, "connector": "postgresql", "name": "rt", "ts_ms": ts_us // 1000,
            "snapshot": snapshot, "db": "rowcast", "sequence": seq, "ts_us": ts_us, "ts_ns": ts_us * 1000,
            "schema": "public", "table": "all_types", "txId": txid, "lsn": int(json.loads(seq)[1]), "xmin": None,
            "origin": None, "origin_lsn": None}


def envelope(before, after, source, op):
    return {"before": before, "after": after, "source": source, "transaction": None, "op": op,
            "ts_ms": NOW_NS // 10**6, "ts_us": NOW_NS // 10**3, "ts_ns": NOW_NS}


PG_EVENTS = [  # (key, value)
    ({"id": 1, "region": "eu"}, envelope(None, IMG1, pg_source(1, "true", 500, '[null,"1000"]'), "r")),
    ({"id": 2, "region": ""}, envelope(None, IMG2, pg_source(2, "false", 501, '["1000","1100"]'), "c")),
    ({"id": 3, "region": "us"}, envelope(BEFORE3, IMG3, pg_source(3, "false", None, '["1100","1200"]'), "u")),
    ({"id": 1, "region": "eu"}, envelope(BEFORE4, None, pg_source(4, "false", 503, '["1100","1300"]'), "d")),
    (None, envelope(None, None, pg_source(5, "false", 503, '["1100","1400"]'), "t")),
]

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)
NATIVE = {  # avro.native.logical.types: what python3-avro's logical type readers give
    "day": lambda v: datetime.date(1970, 1, 1) + datetime.timedelta(days=v),
    "t_ms": lambda v: (datetime.datetime(2000, 1, 1) + datetime.timedelta(milliseconds=v)).time(),
    "t_us": lambda v: (datetime.datetime(2000, 1, 1) + datetime.timedelta(microseconds=v)).time(),
    "ts_ms": lambda v: EPOCH + datetime.timedelta(milliseconds=v),
    "ts_us": lambda v: EPOCH + datetime.timedelta(microseconds=v),
}


def native(img):
    if img is None:
        return None
    return {k: (NATIVE[k](v) if k in NATIVE and v is not None else v) for k, v in img.items()}


MY_EVENT = ({"id": 42}, {
    "before": None, "after": {"id": 42, "name": "widget"},
    "source": {"version": None, "connector": "mariadb", "name": "rt", "ts_ms": 1700000000000, "snapshot": "false",
               "db": "inventory", "sequence": None, "ts_us": 1700000000000000, "ts_ns": 1700000000000000000,
               "table": "items", "server_id": 223344, "gtid": "0-1-42", "file": "mysql-bin.000003", "pos": 154,
               "row": 0, "thread": 7, "query": None},
    "transaction": None, "op": "c", "ts_ms": NOW_NS // 10**6, "ts_us": NOW_NS // 10**3, "ts_ns": NOW_NS})

MSG_SOURCE = dict(pg_source(9, "false", 900, '[null,"5000"]'), schema="", table="")
MSG_EVENT = ({"prefix": "audit"}, {
    "op": "m", "ts_ms": NOW_NS // 10**6, "source": MSG_SOURCE, "transaction": None,
    "message": {"prefix": "audit", "content": b"a\x00b\xff"}})


def check_version(path, value):
    """source.version is rowcast's own; the expected value leaves it open."""
    src = value.get("source") if isinstance(value, dict) else None
    if src is not None:
        if not isinstance(src.get("version"), str) or not src["version"].startswith("rowcast-"):
            fail("%s: source.version %r" % (path, src.get("version")))
        src["version"] = None


def check_set(d, name, events, key_id, value_id, topic, transform=None):
    key_schema = load_schema(d, name + ".key.avsc")
    value_schema = load_schema(d, name + ".value.avsc")
    print("ok: %s schemas parse (%s, %s)" % (name, key_schema.fullname, value_schema.fullname))
    with open(os.path.join(d, name + ".jsonl"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    if len(lines) != len(events):
        fail("%s.jsonl: %d lines, expected %d" % (name, len(lines), len(events)))
    for n, (key, value) in enumerate(events, 1):
        kpath = os.path.join(d, "%s-%d.key" % (name, n))
        vpath = os.path.join(d, "%s-%d.value" % (name, n))
        if key is None:
            if os.path.exists(kpath):
                fail("%s: written, but the event has a null key" % kpath)
        else:
            compare("%s-%d.key" % (name, n), decode(key_schema, kpath, key_id), as_avro(key))
        got = decode(value_schema, vpath, value_id)
        check_version(vpath, got)
        exp = as_avro(value)
        if transform:
            exp = dict(exp, before=transform(exp["before"]), after=transform(exp["after"]))
        compare("%s-%d.value" % (name, n), got, exp)

        line = json.loads(lines[n - 1])
        check_version("%s.jsonl line %d" % (name, n), line["value"])
        compare("%s.jsonl line %d" % (name, n), line,
                {"topic": topic, "key": as_json(key), "value": as_json(value)})
    print("ok: %s: %d records decoded by python3-avro and equal to what was encoded; JSON lines too"
          % (name, len(events)))


def main():
    d = sys.argv[1]
    check_set(d, "pg", PG_EVENTS, 11, 12, "rt.public.all_types")
    check_set(d, "pgn", PG_EVENTS, 21, 22, "rt.public.all_types", transform=native)
    check_set(d, "my", [MY_EVENT], 31, 32, "rt.inventory.items")
    check_set(d, "msg", [MSG_EVENT], 41, 42, "rt.message")

    # The schemas say what Debezium's say where consumers look.
    with open(os.path.join(d, "pg.value.avsc")) as f:
        v = json.load(f)
    names = [fl["name"] for fl in v["fields"]]
    if names != ["before", "after", "source", "transaction", "op", "ts_ms", "ts_us", "ts_ns"]:
        fail("Envelope fields %s" % names)
    if v["name"] != "Envelope" or v["namespace"] != "rt.public.all_types" or v["connect.version"] != 2:
        fail("Envelope header %r" % {k: v[k] for k in v if k != "fields"})
    print("ok: Envelope fields and names as Debezium's")


if __name__ == "__main__":
    main()
