#!/usr/bin/python3
"""Checks pg_semantic.sh's topics: every record decoded with python3-avro (schemas from the registry,
cdc_verify.Registry) against the values PostgreSQL and PostGIS compute from the same rows, in
Debezium 3.6.1's forms:

  point            {x, y, wkb = little-endian 2D WKB of x, y, srid null}
  geometry/geography {wkb = ST_AsEWKB, srid = ST_SRID (0: null)}
  hstore           io.debezium.data.Json text: hstore_to_json's object, keys in Java HashMap order
  ltree, citext, tsvector, ranges  PostgreSQL's text
  interval         MicroDuration: Debezium's double arithmetic, done here in Python floats
  timetz           UTC "HH:MM:SS[.f]Z", 24:00:00+00 as 00:00:00Z
  unchanged TOAST  REPLICA IDENTITY FULL: the row's value; DEFAULT: Debezium's placeholder per type

Also checks each column's Avro type names (connect.name) and that the snapshot (op r) and streamed
(op c/u) records agree. Exit 0 when everything matches, 1 otherwise.
"""
import argparse
import decimal
import hashlib
import json
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdc_verify import Registry, consume  # noqa: E402

PH = "__debezium_unavailable_value"


def psql(sql):
    env = dict(os.environ, PGPASSWORD=os.environ["ROWCAST_TEST_PG_PASSWORD"])
    out = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", os.environ["ROWCAST_TEST_PG_HOST"],
                          "-p", os.environ["ROWCAST_TEST_PG_PORT"], "-U", os.environ["ROWCAST_TEST_PG_USER"],
                          "-d", os.environ["ROWCAST_TEST_PG_DB"], "-c", sql],
                         check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out)


def java_hash_order(keys):
    """Keys in the order java.util.HashMap iterates them after inserting them in this order."""
    def h(s):
        v = 0
        for unit in struct.unpack(f"<{len(s.encode('utf-16-le')) // 2}H", s.encode("utf-16-le")):
            v = (31 * v + unit) & 0xFFFFFFFF
        return v ^ (v >> 16)
    cap = 16
    while len(keys) > cap * 3 // 4:
        cap *= 2
    return [k for _, k in sorted(((h(k) & (cap - 1), i), k) for i, k in enumerate(keys))]


def f8(hexs):
    return struct.unpack(">d", bytes.fromhex(hexs))[0]


def point_value(xy):
    if xy is None:
        return None
    x, y = f8(xy[0]), f8(xy[1])
    return {"x": ("f8", xy[0]), "y": ("f8", xy[1]), "wkb": struct.pack("<BIdd", 1, 1, x, y), "srid": None}


def geo_value(g):
    return None if g is None else {"wkb": bytes.fromhex(g[0]), "srid": g[1] or None}


def hstore_json(obj, keys_in_text_order):
    """What Debezium writes: the pairs, in Java HashMap order (pgjdbc's HStoreConverter map)."""
    if obj is None:
        return None
    return ("json-ordered", [(k, obj[k]) for k in java_hash_order(keys_in_text_order)])


def interval_micros(p):
    """MicroDuration.durationMicros over PGInterval's parts, in IEEE doubles as Java computes it."""
    if p is None:
        return None
    years, months, days, hours, minutes, secs = p
    whole = int(decimal.Decimal(secs))  # toward zero
    micro = int((decimal.Decimal(secs) - whole) * 1000000)
    seconds = float(whole) + float(micro) / 1e6
    d = float(years * 12 + months) * (365.25 / 12.0) + float(days)
    d = (((d * 24 + float(hours)) * 60) + float(minutes)) * 60 + seconds
    return int(d * 1e6)


def zoned_time(epoch_text):
    if epoch_text is None:
        return None
    us = int(decimal.Decimal(epoch_text) * 1000000) % 86400000000
    s, f = divmod(us, 1000000)
    text = f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
    if f:
        text += ("." + f"{f:06d}").rstrip("0")
    return text + "Z"


SEM_SQL = """SELECT json_agg(json_build_object(
  'id', id,
  'pt', CASE WHEN pt IS NULL THEN NULL ELSE json_build_array(encode(float8send(pt[0]), 'hex'), encode(float8send(pt[1]), 'hex')) END,
  'apt', (SELECT coalesce(json_agg(CASE WHEN e IS NULL THEN NULL ELSE json_build_array(encode(float8send(e[0]), 'hex'),
          encode(float8send(e[1]), 'hex')) END ORDER BY o), '[]') FROM unnest(apt) WITH ORDINALITY u(e, o)),
  'g', json_build_array(encode(public.ST_AsEWKB(g), 'hex'), public.ST_SRID(g)),
  'gg', json_build_array(encode(public.ST_AsEWKB(gg::public.geometry), 'hex'), public.ST_SRID(gg::public.geometry)),
  'ag', (SELECT coalesce(json_agg(CASE WHEN e IS NULL THEN NULL ELSE json_build_array(encode(public.ST_AsEWKB(e), 'hex'),
          public.ST_SRID(e)) END ORDER BY o), '[]') FROM unnest(ag) WITH ORDINALITY u(e, o)),
  'hs', public.hstore_to_json(hs), 'hs_keys', (SELECT coalesce(json_agg(k ORDER BY o), '[]') FROM
          unnest(public.akeys(hs)) WITH ORDINALITY u(k, o)),
  'ahs', (SELECT coalesce(json_agg(json_build_array(public.hstore_to_json(e), (SELECT coalesce(json_agg(k ORDER BY o2), '[]')
          FROM unnest(public.akeys(e)) WITH ORDINALITY v(k, o2))) ORDER BY o), '[]') FROM unnest(ahs) WITH ORDINALITY u(e, o)),
  'lt', lt::text, 'alt', to_json(alt), 'ci', ci::text, 'tsv', tsv::text, 'r', r::text, 'tr', tr::text,
  'iv', json_build_array(extract(year FROM iv), extract(month FROM iv), extract(day FROM iv), extract(hour FROM iv),
          extract(minute FROM iv), extract(second FROM iv)::text),
  'tz', extract(epoch FROM tz)::text) ORDER BY id) FROM {table}"""

TOAST_SQL = """SELECT json_agg(json_build_object('id', id, 'n', n, 'ai', ai, 'ab', ab,
  'ad', (SELECT json_agg(d - '1970-01-01'::date ORDER BY o) FROM unnest(ad) WITH ORDINALITY u(d, o)),
  'at', at, 'au', au, 't', t, 'b', encode(b, 'hex'), 'j', j, 'h', public.hstore_to_json(h),
  'h_keys', (SELECT json_agg(k ORDER BY o) FROM unnest(public.akeys(h)) WITH ORDINALITY u(k, o)),
  'nu', nu::text, 'vb', vb::text) ORDER BY id) FROM {table}"""


def sem_expected(r):
    iv = r["iv"]
    ivp = None if iv is None or iv[0] is None else (int(iv[0]), int(iv[1]), int(iv[2]), int(iv[3]), int(iv[4]), iv[5])
    return {
        "id": r["id"], "pt": point_value(r["pt"]),
        "g": geo_value(r["g"]) if r["g"][0] else None, "gg": geo_value(r["gg"]) if r["gg"][0] else None,
        "ag": [geo_value(g) for g in r["ag"]],
        "hs": hstore_json(r["hs"], r["hs_keys"]),
        "ahs": [hstore_json(h, k) if h is not None else None for h, k in r["ahs"]],
        "lt": r["lt"], "alt": r["alt"], "ci": r["ci"], "tsv": r["tsv"], "r": r["r"], "tr": r["tr"],
        "iv": interval_micros(ivp), "tz": zoned_time(r["tz"]),
    }


def bits_value(text):
    """Debezium's BitSet.toByteArray: bit i is the (len-1-i)th character; little-endian, minimal."""
    n = sum(1 << i for i, ch in enumerate(reversed(text)) if ch == "1")
    return n.to_bytes((n.bit_length() + 7) // 8, "little")


def vsd(text):
    d = decimal.Decimal(text).normalize()
    if d.as_tuple().exponent > 0:
        d = d.quantize(decimal.Decimal(1))
    return ("numeric", d)


def toast_expected(r):
    return {"id": r["id"], "n": r["n"], "ai": r["ai"], "ab": r["ab"], "ad": r["ad"], "at": r["at"], "au": r["au"],
            "t": r["t"], "b": bytes.fromhex(r["b"]), "j": ("json", r["j"]), "h": hstore_json(r["h"], r["h_keys"]),
            "nu": vsd(r["nu"]), "vb": bits_value(r["vb"])}


def toast_placeholders(r):
    """Debezium's UnchangedToastedPlaceholder per type; null where its converters refuse it."""
    phb = PH.encode()
    md5 = bytearray(hashlib.md5(phb).digest())
    md5[6] = (md5[6] & 0x0F) | 0x30
    md5[8] = (md5[8] & 0x3F) | 0x80
    u = md5.hex()
    ints = [b if b < 128 else b - 256 for b in phb]
    return {"id": r["id"], "n": r["n"], "ai": ints, "ab": ints, "ad": ints, "at": [PH],
            "au": [f"{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:]}"], "t": PH, "b": phb, "j": PH,
            "h": ("json-ordered", [(PH, PH)]), "nu": None, "vb": None}


def norm(v):
    if isinstance(v, dict) and set(v) == {"scale", "value"}:
        return ("numeric", decimal.Decimal(int.from_bytes(v["value"], "big", signed=True)).scaleb(-v["scale"]))
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    return v


def same(exp, got):
    got = norm(got)
    if isinstance(exp, tuple):
        kind, e = exp
        if kind == "f8":
            return isinstance(got, float) and struct.pack(">d", got).hex() == e
        if kind == "numeric":
            return isinstance(got, tuple) and got[1] == e and got[1].as_tuple().exponent == e.as_tuple().exponent
        try:
            if kind == "json":
                return isinstance(got, str) and json.loads(got) == e
            if kind == "json-ordered":  # the text itself: keys in order, values
                return isinstance(got, str) and list(json.loads(got, object_pairs_hook=lambda p: p)) == e
        except ValueError:
            return False
    if isinstance(exp, dict):
        return isinstance(got, dict) and set(exp) == set(got) and all(same(exp[k], got[k]) for k in exp)
    if isinstance(exp, list):
        return isinstance(got, list) and len(exp) == len(got) and all(same(e, g) for e, g in zip(exp, got))
    return exp == got


CONNECT_NAMES = {
    "pt": "io.debezium.data.geometry.Point", "g": "io.debezium.data.geometry.Geometry",
    "gg": "io.debezium.data.geometry.Geography", "hs": "io.debezium.data.Json", "lt": "io.debezium.data.Ltree",
    "tsv": "io.debezium.data.Tsvector", "iv": "io.debezium.time.MicroDuration", "tz": "io.debezium.time.ZonedTime",
    "ci": None, "r": None, "tr": None,
}


def field_connect_names(schema):
    value = next(f for f in schema.to_json()["fields"] if f["name"] == "before")["type"][1]
    out = {}
    for f in value["fields"]:
        t = f["type"][1]
        out[f["name"]] = t.get("connect.name") if isinstance(t, dict) else (t if "." in str(t) else None)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--registry", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--schema", required=True)
    args = ap.parse_args()
    decimal.getcontext().prec = 100000  # the TOASTed numeric has 10 000 digits
    reg = Registry(args.registry)
    tables = ["sem", "toast_d", "toast_f"]
    topics = {f"{args.prefix}.{args.schema}.{t}": t for t in tables}
    records, _ = consume(args.bootstrap, list(topics), idle_s=5.0)
    by_table = {t: [] for t in tables}
    problems, checked = [], 0
    names_checked = False
    for topic, _, off, _, vbytes, _ in records:
        if vbytes is None:
            continue
        v = reg.decode(vbytes)
        by_table[topics[topic]].append((off, v))
        if topics[topic] == "sem" and not names_checked:
            sid = int.from_bytes(vbytes[1:5], "big")
            names = field_connect_names(reg.schema(sid))
            for col, want in CONNECT_NAMES.items():
                if names.get(col) != want:
                    problems.append(f"sem.{col}: connect.name {names.get(col)!r}, Debezium's {want!r}")
            for col in ("bx", "q", "ma", "apt"):  # no Debezium schema: no field, as Debezium
                if col in names:
                    problems.append(f"sem.{col}: a field of a type Debezium leaves out")
            names_checked = True

    sem_rows = {r["id"]: sem_expected(r) for r in psql(SEM_SQL.format(table=f"{args.schema}.sem"))}
    last, ops = {}, {}
    for off, v in sorted(by_table["sem"], key=lambda x: x[0]):
        if v["after"] is not None:
            last[v["after"]["id"]] = v["after"]
            ops.setdefault(v["after"]["id"], []).append(v["op"])
    for rid, exp in sem_rows.items():
        got = last.get(rid)
        checked += 1
        if got is None:
            problems.append(f"sem id {rid}: no record")
            continue
        for col, e in exp.items():
            if not same(e, got[col]):
                problems.append(f"sem id {rid} {col}: kafka {got[col]!r:.300} expected {e!r:.300}")
    if sorted(ops.get(1, [])) != ["r"] or sorted(ops.get(3, [])) != ["c", "u"]:
        problems.append(f"sem ops: {ops}")

    for t in ("toast_d", "toast_f"):
        rows = psql(TOAST_SQL.format(table=f"{args.schema}.{t}"))
        recs = sorted(by_table[t], key=lambda x: x[0])
        if [v["op"] for _, v in recs] != ["c", "u"]:
            problems.append(f"{t}: ops {[v['op'] for _, v in recs]}, expected c, u")
            continue
        inserted = toast_expected(dict(rows[0], n=1))
        updated = toast_expected(rows[0]) if t == "toast_f" else toast_placeholders(rows[0])
        for label, exp, got in (("insert", inserted, recs[0][1]["after"]), ("update", updated, recs[1][1]["after"])):
            checked += 1
            for col, e in exp.items():
                if not same(e, got[col]):
                    problems.append(f"{t} {label} {col}: kafka {got[col]!r:.200} expected {e!r:.200}")
    for p in problems[:40]:
        print("MISMATCH " + p, file=sys.stderr)
    print(json.dumps({"records": len(records), "rows_checked": checked, "problems": len(problems)}))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
