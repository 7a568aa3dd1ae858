#!/usr/bin/python3
"""Compares the topics a Debezium connector wrote (--debezium-prefix) with rowcast's (--rowcast-prefix)
for the same changes of one source (--source mariadb or postgres), record by record, with one Avro
library (python3-avro) and the schemas the Schema Registry serves for the ids in the records.

What is compared: the topic names (modulo the prefix); per topic, the records aligned by their
(op, key) sequence (a record only one side has is a difference); for each aligned pair the key schema
and the value schema (record names, field names and order, types, optionality, defaults,
connect.name / connect.version / connect.parameters / connect.default, docs), the key, and the value
field by field (envelope op / before / after / source / transaction, every column value, every source
field). ts_ms / ts_us / ts_ns of the envelope are processing times: only their presence is compared.
The prefix is written <P> wherever it appears (record names, source.name, topic names).

What differs between the sources (class Source and its subclasses): MariaDB's schema change topic
(the prefix itself, aligned by DDL text, written <schema-changes>); PostgreSQL has none.

--registry-check: for every pair of value schemas (Debezium's, rowcast's) seen on one topic,
Debezium's is registered in a scratch subject and rowcast's tested against it under BACKWARD,
FORWARD and FULL through the registry's Confluent-compatible API (PUT /config/{subject},
POST /compatibility/subjects/{subject}/versions/latest); rowcast's prefix is replaced by Debezium's
first (a migrating user keeps the topic prefix, and Avro resolves records by full name). A result
other than compatible is a difference "registry:<topic>:value/<LEVEL>".
--reader-check: every rowcast record's value decoded with rowcast's schema as the writer schema and
Debezium's schema of the same topic (the aligned record's, else the topic's last) as the reader
schema (Avro schema resolution); a failure is a difference "reader:<topic>:value".

Every difference gets an id string: "<kind>:<topic>:<path>" with kind one of topic, count,
partition, ops (the op sequence of one key), extra (a record only one side has), schema, key, value,
registry, reader; topic is the topic without its prefix, the test database (or schema) written <DB>
(--db). The --known file lists accepted differences as fnmatch patterns over those ids, each with a
"kind" (its group in the summary); any other difference fails the comparison (exit 1). A known entry
that matched nothing is reported STALE (a failure; only a warning with ROWCAST_TEST_COMPAT_STRICT=0).

The output ends with a summary: the differences by kind, the registry results, the reader-schema
result; --report FILE writes it with every difference (both sides' values, grouped by known entry)
as JSON. --dump FILE: one JSON line per decoded record of both sides (the evidence).
"""
import argparse
import difflib
import fnmatch
import json
import re
import sys
import os

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from cdc_verify import Registry  # noqa: E402

import io  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402
import avro.errors  # noqa: E402
import avro.io  # noqa: E402
import avro.schema  # noqa: E402
from confluent_kafka import Consumer, KafkaError, TopicPartition  # noqa: E402
import time  # noqa: E402

PROCESSING_TIMES = {"ts_ms", "ts_us", "ts_ns"}
SCHEMA_TOPIC = "<schema-changes>"


def topics_with_prefix(consumer, prefix):
    md = consumer.list_topics(timeout=10)
    return sorted(t for t in md.topics if t == prefix or t.startswith(prefix + "."))


def consume_all(bootstrap, prefix, idle_s=5.0, max_s=300.0):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"compat-{time.time()}", "enable.auto.commit": False,
                  "auto.offset.reset": "earliest"})
    topics = topics_with_prefix(c, prefix)
    md = c.list_topics(timeout=10)
    c.assign([TopicPartition(t, p, 0) for t in topics for p in md.topics[t].partitions])
    out, last, start = [], time.time(), time.time()
    while time.time() - last < idle_s and time.time() - start < max_s:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().code() != KafkaError._PARTITION_EOF:
                raise RuntimeError(str(m.error()))
            continue
        out.append((m.topic(), m.partition(), m.offset(), m.key(), m.value()))
        last = time.time()
    c.close()
    out.sort(key=lambda r: (r[0], r[1], r[2]))
    return topics, out


class Side:
    """One side's topics (prefix), with what is common to every source."""
    def __init__(self, name, prefix, registry):
        self.name, self.prefix, self.registry = name, prefix, registry
        self.schema_json = {}
        self.schema_text = {}  # id -> the schema as the registry serves it

    def norm_str(self, s):
        if s == self.prefix:
            return "<P>"
        if s.startswith(self.prefix + "."):
            return "<P>." + s[len(self.prefix) + 1:]
        return s

    def topic(self, t):
        return t[len(self.prefix) + 1:]

    def signature(self, r):
        """What aligns the records of one topic: (op, key)."""
        v = r["value"]
        if v is None:
            return ("tombstone", json.dumps(r["key"], sort_keys=True))
        return (v.get("op"), json.dumps(r["key"], sort_keys=True))

    def schema(self, data):
        sid = int.from_bytes(data[1:5], "big")
        if sid not in self.schema_json:
            with urllib.request.urlopen(f"{self.registry.url}/schemas/ids/{sid}") as resp:
                self.schema_text[sid] = json.loads(resp.read())["schema"]
            self.schema_json[sid] = canon_schema(self.norm(json.loads(self.schema_text[sid])))
        return sid, self.schema_json[sid]

    def norm(self, v):
        """Decoded data or schema JSON with bytes as hex and the prefix as <P>."""
        if isinstance(v, dict):
            return {self.norm_str(k) if isinstance(k, str) else k: self.norm(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self.norm(x) for x in v]
        if isinstance(v, bytes):
            return {"$bytes": v.hex()}
        if isinstance(v, str):
            return self.norm_str(v)
        return v

    def decode(self, rec):
        topic, part, off, k, v = rec
        r = {"side": self.name, "topic": self.topic(topic), "partition": part, "offset": off}
        if k is not None:
            r["key_schema_id"], r["key_schema"] = self.schema(k)
            r["key"] = self.norm(decode_framed(self.registry, k))
        else:
            r["key"], r["key_schema"] = None, None
        if v is not None:
            r["value_schema_id"], r["value_schema"] = self.schema(v)
            r["value"] = self.norm(decode_framed(self.registry, v))
            r["raw_value"] = v
        else:
            r["value"], r["value_schema"] = None, None
        return r


class TolerantReader(avro.io.DatumReader):
    """python3-avro's reader, but a date/time logical value Python's datetime cannot hold (a date of
    PostgreSQL's 'infinity' as int32 max, a timestamp beyond year 9999) comes out as
    {"$out_of_range": the raw number} instead of failing the whole comparison."""
    def read_data(self, writers_schema, readers_schema, decoder):
        if getattr(writers_schema, "logical_type", None) and writers_schema.type in ("int", "long"):
            raw = decoder.read_long()  # int and long share the zig-zag varint encoding
            buf = io.BytesIO()
            avro.io.BinaryEncoder(buf).write_long(raw)
            buf.seek(0)
            try:
                return super().read_data(writers_schema, readers_schema, avro.io.BinaryDecoder(buf))
            except (OverflowError, ValueError):
                return {"$out_of_range": raw}
        return super().read_data(writers_schema, readers_schema, decoder)


def decode_framed(registry, data):
    if len(data) < 5 or data[0] != 0:
        raise ValueError(f"record without Confluent framing: {data[:8].hex()}")
    schema = registry.schema(int.from_bytes(data[1:5], "big"))
    return TolerantReader(schema).read(avro.io.BinaryDecoder(io.BytesIO(data[5:])))


class MariaDbSide(Side):
    """MariaDB: the schema change topic is the prefix itself, its records aligned by DDL text."""
    def topic(self, t):
        return SCHEMA_TOPIC if t == self.prefix else super().topic(t)

    def signature(self, r):
        if r["topic"] == SCHEMA_TOPIC and r["value"] is not None:
            return ("ddl", r["value"].get("ddl"))
        return super().signature(r)


class PostgresSide(Side):
    """PostgreSQL: data topics and <prefix>.message; nothing source-specific to align."""


SOURCES = {"mariadb": MariaDbSide, "postgres": PostgresSide}


PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def canon_schema(s, ns=""):
    """An Avro schema with every named type written by its full name and no namespace attribute, so
    that a record defined once and then referenced by name ("Value" in the namespace, or its full
    name) compares equal however each writer spelled it (both are the same schema to Avro)."""
    if isinstance(s, str):
        if s in PRIMITIVES or "." in s or not ns:
            return s
        return f"{ns}.{s}"
    if isinstance(s, list):
        return [canon_schema(x, ns) for x in s]
    if not isinstance(s, dict):
        return s
    out = dict(s)
    if s.get("type") in ("record", "enum", "fixed", "error") and "name" in s:
        name = s["name"]
        space = s.get("namespace", ns)
        full = name if "." in name else (f"{space}.{name}" if space else name)
        out.pop("namespace", None)
        out["name"] = full
        ns = full.rsplit(".", 1)[0] if "." in full else ""
        if "fields" in s:
            out["fields"] = [dict(f, type=canon_schema(f["type"], ns)) for f in s["fields"]]
        return out
    for k in ("type", "items", "values"):
        # A "type" string inside a dict is a primitive, "array" or "map": left as it is.
        if k in s and not (k == "type" and isinstance(s[k], str)):
            out[k] = canon_schema(s[k], ns)
    return out


def diff(path, a, b, out, skip_values=frozenset(), schema=False):
    """Appends (path, a, b) for every leaf where a and b differ; records compared field by field in
    order (a field order difference is reported as such). With schema=True, a union with null against
    the bare type is reported as <optional> (values "optional" / "required") and the types compared on,
    a union in another order as <union-order>, and a bare type name against {"type": name, ...} is
    compared key by key (so a connect.default shows as such, apart from the type)."""
    if schema:
        if isinstance(a, list) != isinstance(b, list):
            lst, other = (a, b) if isinstance(a, list) else (b, a)
            if "null" in lst and len(lst) == 2:
                nonnull = lst[1] if lst[0] == "null" else lst[0]
                oa, ob = ("optional", "required") if isinstance(a, list) else ("required", "optional")
                out.append((path + "/<optional>", oa, ob))
                x, y = (nonnull, other) if isinstance(a, list) else (other, nonnull)
                diff(path + "/<nonnull>", x, y, out, schema=True)
                return
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b) == 2 and "null" in a and "null" in b \
                and a.index("null") != b.index("null"):
            out.append((path + "/<union-order>", a.index("null"), b.index("null")))
            diff(path + "/<nonnull>", a[1 - a.index("null")], b[1 - b.index("null")], out, schema=True)
            return
        if isinstance(a, str) and isinstance(b, dict) and "fields" not in b:
            a = {"type": a}
        elif isinstance(b, str) and isinstance(a, dict) and "fields" not in a:
            b = {"type": b}
    if isinstance(a, dict) and isinstance(b, dict) and "$bytes" not in a and "$bytes" not in b:
        ka, kb = list(a), list(b)
        if ka != kb and set(ka) == set(kb) and not schema:
            out.append((path + "/<field-order>", ka, kb))
        for k in ka:
            if k not in b:
                out.append((f"{path}/{k}", a[k], "<absent>"))
            elif k in skip_values:
                if (a[k] is None) != (b[k] is None):
                    out.append((f"{path}/{k}", a[k], b[k]))
            else:
                diff(f"{path}/{k}", a[k], b[k], out, schema=schema)
        for k in kb:
            if k not in a:
                out.append((f"{path}/{k}", "<absent>", b[k]))
        return
    if isinstance(a, list) and isinstance(b, list):
        # Schemas: field lists, by name (their order compared apart).
        if all(isinstance(x, dict) and "name" in x for x in a + b) and a and b:
            na, nb = [x["name"] for x in a], [x["name"] for x in b]
            if na != nb:
                out.append((path + "/<names>", na, nb))
            db = {x["name"]: x for x in b}
            for x in a:
                if x["name"] in db:
                    diff(f"{path}/{x['name']}", x, db[x["name"]], out, schema=schema)
            return
        if len(a) != len(b):
            out.append((path, a, b))
            return
        for i, (x, y) in enumerate(zip(a, b)):
            diff(f"{path}[{i}]", x, y, out, schema=schema)
        return
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return  # NaN on both sides
    if a != b or type(a) is not type(b):
        out.append((path, a, b))


LEVELS = ("BACKWARD", "FORWARD", "FULL")


def lv_list(levels):
    return "/".join(levels)
CT = {"Content-Type": "application/vnd.schemaregistry.v1+json"}


def http(method, url, body=None):
    req = urllib.request.Request(url, method=method, headers=CT,
                                 data=None if body is None else json.dumps(body).encode())
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read()
            return resp.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, text.decode(errors="replace")


def registry_check(url, scratch, dbz_text, rc_text):
    """Debezium's schema in a fresh scratch subject, rowcast's tested against it at each level:
    {level: (compatible, reason)}. The subject is deleted afterwards."""
    url = url.rstrip("/")
    st, body = http("POST", f"{url}/subjects/{scratch}/versions", {"schema": dbz_text})
    if st >= 300:
        raise RuntimeError(f"registering Debezium's schema in {scratch}: HTTP {st} {body}")
    res = {}
    try:
        for level in LEVELS:
            st, body = http("PUT", f"{url}/config/{scratch}", {"compatibility": level})
            if st >= 300:
                raise RuntimeError(f"PUT /config/{scratch} {level}: HTTP {st} {body}")
            st, body = http("POST", f"{url}/compatibility/subjects/{scratch}/versions/latest?verbose=true",
                            {"schema": rc_text})
            if st >= 300 or not isinstance(body, dict) or "is_compatible" not in body:
                raise RuntimeError(f"compatibility of {scratch} at {level}: HTTP {st} {body}")
            reason = body.get("reason") or body.get("messages")
            res[level] = (bool(body["is_compatible"]), reason)
    finally:
        http("DELETE", f"{url}/subjects/{scratch}")
        http("DELETE", f"{url}/subjects/{scratch}?permanent=true")
    return res


PROMOTIONS = {"int": {"long", "float", "double"}, "long": {"float", "double"}, "float": {"double"},
              "string": {"bytes"}, "bytes": {"string"}}


def resolves(w, r):
    """Whether data written with schema w can be read with schema r (Avro's resolution rules; a
    union writer resolves per datum, so it is accepted here and checked branch by branch)."""
    if isinstance(w, avro.schema.UnionSchema):
        return True
    if isinstance(r, avro.schema.UnionSchema):
        return any(resolves(w, b) for b in r.schemas)
    if w.type != r.type:
        return r.type in PROMOTIONS.get(w.type, ())
    if w.type in ("record", "error", "enum", "fixed"):
        return w.name == r.name  # the unqualified names, as the specification says
    if w.type == "array":
        return resolves(w.items, r.items)
    if w.type == "map":
        return resolves(w.values, r.values)
    return True


class SpecReader(TolerantReader):
    """Avro schema resolution as the specification (and Java's Avro, which consumers with generated
    classes use) has it. python3-avro 1.11 refuses a writer union against a reader that is not a union,
    and arrays or maps whose item schemas differ, outright; the specification resolves the branch the
    datum was written with against the reader's schema and fails only when that branch does not match
    (e.g. null written, int read)."""
    def read_data(self, writers_schema, readers_schema, decoder):
        w, r = writers_schema, readers_schema
        if isinstance(w, avro.schema.UnionSchema):
            return self.read_data(w.schemas[int(decoder.read_long())], r, decoder)
        if isinstance(r, avro.schema.UnionSchema):
            branch = next((b for b in r.schemas if resolves(w, b)), None)
            if branch is None:
                raise avro.errors.SchemaResolutionException("Schemas do not match.", w, r)
            return self.read_data(w, branch, decoder)
        if not resolves(w, r):
            raise avro.errors.SchemaResolutionException("Schemas do not match.", w, r)
        if w.type in ("array", "map"):
            out = [] if w.type == "array" else {}
            n = decoder.read_long()
            while n != 0:
                if n < 0:
                    n = -n
                    decoder.read_long()  # the block's size in bytes
                for _ in range(n):
                    if w.type == "array":
                        out.append(self.read_data(w.items, r.items, decoder))
                    else:
                        k = decoder.read_utf8()
                        out[k] = self.read_data(w.values, r.values, decoder)
                n = decoder.read_long()
            return out
        return super().read_data(w, r, decoder)


def read_with(writer_text, reader_text, data):
    writer = avro.schema.parse(writer_text)
    reader = avro.schema.parse(reader_text)
    return SpecReader(writer, reader).read(avro.io.BinaryDecoder(io.BytesIO(data[5:])))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", choices=sorted(SOURCES), required=True)
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--registry", required=True)
    ap.add_argument("--debezium-prefix", required=True)
    ap.add_argument("--rowcast-prefix", required=True)
    ap.add_argument("--known", required=True)
    ap.add_argument("--db", help="the test database (or schema): written <DB> in difference ids")
    ap.add_argument("--mode", default="no_data", help="the snapshot.mode both ran with (entries of another mode are not stale)")
    ap.add_argument("--registry-check", action="store_true", help="rowcast's value schemas against Debezium's in the registry")
    ap.add_argument("--reader-check", action="store_true", help="rowcast's records read with Debezium's schemas")
    ap.add_argument("--report")
    ap.add_argument("--dump")
    args = ap.parse_args()
    # Stale entries fail by default: a fixed difference must leave the list (=0: only a warning).
    strict = os.environ.get("ROWCAST_TEST_COMPAT_STRICT", "1") != "0"

    registry = Registry(args.registry)
    cls = SOURCES[args.source]
    sides = {"debezium": cls("debezium", args.debezium_prefix, registry),
             "rowcast": cls("rowcast", args.rowcast_prefix, registry)}
    side_obj = sides["debezium"]
    recs, topics = {}, {}
    for name, side in sides.items():
        ts, raw = consume_all(args.bootstrap, side.prefix)
        topics[name] = sorted(side.topic(t) for t in ts)
        recs[name] = [side.decode(r) for r in raw]
    if args.dump:
        with open(args.dump, "w") as f:
            for name in sides:
                for r in recs[name]:
                    f.write(json.dumps({k: v for k, v in r.items() if k != "raw_value"}, sort_keys=True, default=str) + "\n")

    diffs = []  # (id, where, debezium value, rowcast value, topic)

    def add(kind, topic, path, a, b, where=""):
        ident = f"{kind}:{topic}:{path}"
        if args.db:
            ident = ident.replace(args.db, "<DB>")
        diffs.append((ident, where, a, b, topic))

    ta, tb = topics["debezium"], topics["rowcast"]
    for t in sorted(set(ta) | set(tb)):
        if t not in ta or t not in tb:
            add("topic", t, "", t in ta, t in tb)

    schema_pairs = set()
    value_pairs = {}  # topic -> [(debezium value schema id, rowcast's)], in order of first use
    reader_for = []  # (topic, rowcast record, Debezium's value schema id or None)
    checks = []  # one per aligned record pair, extra record, topic and count check: its "where"
    for t in sorted(set(ta) & set(tb)):
        ra = [r for r in recs["debezium"] if r["topic"] == t]
        rb = [r for r in recs["rowcast"] if r["topic"] == t]
        last_dbz = next((r["value_schema_id"] for r in reversed(ra) if r.get("value_schema_id")), None)
        if len(ra) != len(rb):
            add("count", t, "", len(ra), len(rb))
        if {r["partition"] for r in ra} != {r["partition"] for r in rb}:
            add("partition", t, "", sorted({r["partition"] for r in ra}), sorted({r["partition"] for r in rb}))
        # Op sequence per key.
        seq_a, seq_b = {}, {}
        for rs, seq in ((ra, seq_a), (rb, seq_b)):
            for r in rs:
                s = side_obj.signature(r)
                seq.setdefault(s[1], []).append(s[0])
        for k in sorted(set(seq_a) | set(seq_b), key=str):
            if seq_a.get(k) != seq_b.get(k):
                add("ops", t, k, seq_a.get(k), seq_b.get(k))
        sm = difflib.SequenceMatcher(a=[side_obj.signature(r) for r in ra], b=[side_obj.signature(r) for r in rb],
                                     autojunk=False)
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
                pairs = zip(ra[i1:i2], rb[j1:j2])
            else:
                for r in ra[i1:i2]:
                    checks.append((t, f"debezium@{r['offset']}"))
                    add("extra", t, "debezium/" + "/".join(map(str, side_obj.signature(r))), r["value"], None,
                        f"debezium@{r['offset']}")
                for r in rb[j1:j2]:
                    checks.append((t, f"rowcast@{r['offset']}"))
                    add("extra", t, "rowcast/" + "/".join(map(str, side_obj.signature(r))), None, r["value"],
                        f"rowcast@{r['offset']}")
                    reader_for.append((t, r, last_dbz))
                continue
            for a, b in pairs:
                where = f"debezium@{a['offset']} rowcast@{b['offset']}"
                checks.append((t, where))
                reader_for.append((t, b, a.get("value_schema_id") or last_dbz))
                if a.get("value_schema_id") and b.get("value_schema_id"):
                    vp = (a["value_schema_id"], b["value_schema_id"])
                    if vp not in value_pairs.setdefault(t, []):
                        value_pairs[t].append(vp)
                for part in ("key", "value"):
                    sid = (part, a.get(part + "_schema_id"), b.get(part + "_schema_id"))
                    if sid not in schema_pairs:
                        schema_pairs.add(sid)
                        out = []
                        diff("", a[part + "_schema"], b[part + "_schema"], out, schema=True)
                        for p, x, y in out:
                            add("schema", t, f"{part}{p}", x, y, where)
                out = []
                diff("", a["key"], b["key"], out)
                for p, x, y in out:
                    add("key", t, p, x, y, where)
                out = []
                va, vb = a["value"], b["value"]
                if isinstance(va, dict) and isinstance(vb, dict):
                    diff("", va, vb, out, skip_values=PROCESSING_TIMES)
                else:
                    diff("", va, vb, out)
                for p, x, y in out:
                    add("value", t, p, x, y, where)
    # Topics only rowcast has: no reader schema to try.
    for r in recs["rowcast"]:
        if r["topic"] not in ta and r.get("raw_value") is not None:
            reader_for.append((r["topic"], r, None))

    dbz, rc = sides["debezium"], sides["rowcast"]

    def as_debezium(text):
        # A migrating user keeps the topic prefix; Avro resolves records by their full names.
        return text.replace(args.rowcast_prefix, args.debezium_prefix)

    # --- the registry compatibility check ---
    registry_results = []  # {topic, debezium_schema, rowcast_schema, BACKWARD: {...}, ...}
    if args.registry_check:
        n = 0
        for t in sorted(value_pairs):
            for ds, rs in value_pairs[t]:
                n += 1
                scratch = f"compat-scratch-{args.rowcast_prefix}-{n}"
                res = registry_check(args.registry, scratch, dbz.schema_text[ds], as_debezium(rc.schema_text[rs]))
                entry = {"topic": t.replace(args.db, "<DB>") if args.db else t, "debezium_schema": ds,
                         "rowcast_schema": rs}
                for level, (ok, reason) in res.items():
                    entry[level] = {"compatible": ok, "reason": reason}
                    if not ok:
                        add("registry", t, f"value/{level}", "compatible", "incompatible: " + str(reason)[:300],
                            f"debezium schema {ds} rowcast schema {rs}")
                registry_results.append(entry)

    # --- the reader-schema check ---
    reader = {"records": 0, "read": 0, "failed": 0, "no_reader_schema": 0, "failures_by_topic": {}}
    if args.reader_check:
        for t, r, ds in reader_for:
            if r.get("raw_value") is None:
                continue
            reader["records"] += 1
            if ds is None:
                reader["no_reader_schema"] += 1
                continue
            try:
                read_with(as_debezium(rc.schema_text[r["value_schema_id"]]), dbz.schema_text[ds], r["raw_value"])
                reader["read"] += 1
            except Exception as e:  # noqa: BLE001 -- any failure of resolution or decoding is the finding
                reader["failed"] += 1
                tn = t.replace(args.db, "<DB>") if args.db else t
                reader["failures_by_topic"][tn] = reader["failures_by_topic"].get(tn, 0) + 1
                op = r["value"].get("op") if isinstance(r["value"], dict) else None
                add("reader", t, f"value/{op}", "reads", f"{type(e).__name__}: {str(e)[:300]}",
                    f"rowcast@{r['offset']} with debezium schema {ds}")

    with open(args.known) as f:
        known = json.load(f)["differences"]
    matched = {k["id"]: [] for k in known}
    undocumented = []
    for d in diffs:
        hit = next((k for k in known if any(fnmatch.fnmatchcase(d[0], p) for p in k["match"])
                    and all(json.dumps(d[2 if side == "debezium" else 3], sort_keys=True) ==
                            json.dumps(v, sort_keys=True) for side, v in k.get("where", {}).items())), None)
        (matched[hit["id"]] if hit else undocumented).append(d)

    def show(d):
        return f"{d[0]} [{d[1]}]: debezium={json.dumps(d[2], default=str)[:200]} rowcast={json.dumps(d[3], default=str)[:200]}"

    print(f"records: debezium {len(recs['debezium'])}, rowcast {len(recs['rowcast'])}; topics: debezium "
          f"{len(ta)}, rowcast {len(tb)}; differences: {len(diffs)}, documented {len(diffs) - len(undocumented)}, "
          f"undocumented {len(undocumented)}")
    stale = []
    for k in known:
        n = len(matched[k["id"]])
        if n == 0 and k.get("mode", args.mode) != args.mode:
            continue
        off = ("registry:",) * (not args.registry_check) + ("reader:",) * (not args.reader_check)
        if n == 0 and off and all(p.startswith(off) for p in k["match"]):
            continue  # a check that did not run
        if n == 0:
            stale.append(k["id"])
            print(f"  {'STALE' if strict else 'WARNING: stale'} known {k['id']}: matched nothing (fixed? remove the entry)")
        else:
            print(f"  known {k['id']}: {n} occurrence(s)")
    for d in undocumented[:300]:
        print("UNDOCUMENTED " + show(d))
    if len(undocumented) > 300:
        print(f"... and {len(undocumented) - 300} more")

    # --- the summary ---
    by_kind = {}
    for k in known:
        g = by_kind.setdefault(k.get("kind", "other"), {"entries": 0, "occurrences": 0, "ids": []})
        if matched[k["id"]]:
            g["entries"] += 1
            g["occurrences"] += len(matched[k["id"]])
            g["ids"].append(k["id"])
    if undocumented:
        by_kind["UNDOCUMENTED"] = {"entries": len({d[0] for d in undocumented}), "occurrences": len(undocumented),
                                   "ids": sorted({d[0] for d in undocumented})[:50]}
    level_totals = {lv: sum(1 for e in registry_results if e[lv]["compatible"]) for lv in LEVELS}
    print("=== summary ===")
    print(f"differences by kind ({len(diffs)} in all, {len(undocumented)} undocumented):")
    for kind in sorted(by_kind):
        g = by_kind[kind]
        if g["entries"]:
            print(f"  {kind}: {g['entries']} difference(s), {g['occurrences']} occurrence(s): {', '.join(g['ids'])}")
    if args.registry_check:
        print(f"registry compatibility of rowcast's value schema after Debezium's ({len(registry_results)} schema pair(s)):")
        for lv in LEVELS:
            bad = sorted({e["topic"] for e in registry_results if not e[lv]["compatible"]})
            print(f"  {lv}: {level_totals[lv]}/{len(registry_results)} compatible"
                  + (f"; incompatible: {', '.join(bad)}" if bad else ""))
        for e in registry_results:
            bad = [lv for lv in LEVELS if not e[lv]["compatible"]]
            if bad:
                why = re.sub(r"^Incompatible artifact: .*?\[AVRO\], ", "", str(e[bad[0]]["reason"]))
                print(f"    {e['topic']} ({e['debezium_schema']} vs {e['rowcast_schema']}) {lv_list(bad)}: {why[:160]}")
    if args.reader_check:
        print(f"reader-schema check: {reader['records']} rowcast record(s), {reader['read']} read with Debezium's schema, "
              f"{reader['failed']} failed, {reader['no_reader_schema']} without a Debezium schema (topic Debezium lacks)"
              + ("" if not reader["failures_by_topic"] else ": failures " + json.dumps(reader["failures_by_topic"])))
    if stale:
        print(f"stale known entries: {len(stale)}: {', '.join(stale)}" + (" (failing; ROWCAST_TEST_COMPAT_STRICT=0 makes it a warning)" if strict else ""))
    if args.report:
        with open(args.report, "w") as f:
            json.dump({"source": args.source, "records": {s: len(recs[s]) for s in recs}, "topics": topics,
                       "summary": {"by_kind": by_kind, "registry": {"totals": level_totals, "pairs": len(registry_results),
                                                                    "results": registry_results},
                                   "reader": reader, "stale": stale, "undocumented": len(undocumented)},
                       "known": {k: [list(d) for d in v] for k, v in matched.items()},
                       "undocumented": [list(d) for d in undocumented]}, f, indent=1, default=str)
    # The closing line counts checks (record pairs, records one side alone has, topics, counts), failed
    # when one of its differences is undocumented.
    bad = {(d[4], d[1]) for d in undocumented}
    nchecks = len(checks) + 2 * len(set(ta) | set(tb))
    nfailed = len({c for c in checks if c in bad}) + sum(1 for d in undocumented if d[1] == "")
    print(f"compare: {nchecks - nfailed} passed, {nfailed} failed")
    return 1 if undocumented or (strict and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
