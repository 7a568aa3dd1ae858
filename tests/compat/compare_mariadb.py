#!/usr/bin/python3
"""Compares the topics Debezium's MariaDB connector wrote (prefix A) with rowcast's (prefix B) for the
same binlog range, record by record, with one Avro library (python3-avro) and the schemas the Schema
Registry serves for the ids in the records.

What is compared: the topic names (modulo the prefix); per topic, the records aligned by their
(op, key) sequence (a record only one side has is a difference); for each aligned pair the key schema
and the value schema (record names, field names and order, types, optionality, defaults,
connect.name / connect.version / connect.parameters / connect.default, docs), the key, and the value
field by field (envelope op / before / after / source / transaction, every column value, every source
field). ts_ms / ts_us / ts_ns of the envelope are processing times: only their presence is compared.
The prefix is written <P> wherever it appears (record names, source.name, topic names).

Every difference gets an id string: "<kind>:<topic>:<path>" with kind one of topic, count,
partition, ops (the op sequence of one key), extra (a record only one side has), schema, key, value;
topic is the topic without its prefix (the schema change topic is "<schema-changes>"), the test
database written <DB> (--db). tests/compat/mariadb_known_differences.json lists accepted differences as
fnmatch patterns over those ids; any other difference fails the comparison (exit 1). A known pattern
that matched nothing is reported (stale), not failed.

--report FILE: a JSON report (every difference with both sides' values, grouped by known entry).
--dump FILE: one JSON line per decoded record of both sides (the evidence).
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

import urllib.request  # noqa: E402
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
    def __init__(self, name, prefix, registry):
        self.name, self.prefix, self.registry = name, prefix, registry
        self.schema_json = {}

    def norm_str(self, s):
        if s == self.prefix:
            return "<P>"
        if s.startswith(self.prefix + "."):
            return "<P>." + s[len(self.prefix) + 1:]
        return s

    def topic(self, t):
        return SCHEMA_TOPIC if t == self.prefix else t[len(self.prefix) + 1:]

    def schema(self, data):
        sid = int.from_bytes(data[1:5], "big")
        if sid not in self.schema_json:
            with urllib.request.urlopen(f"{self.registry.url}/schemas/ids/{sid}") as resp:
                self.schema_json[sid] = canon_schema(self.norm(json.loads(json.loads(resp.read())["schema"])))
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
            r["key"] = self.norm(self.registry.decode(k))
        else:
            r["key"], r["key_schema"] = None, None
        if v is not None:
            r["value_schema_id"], r["value_schema"] = self.schema(v)
            r["value"] = self.norm(self.registry.decode(v))
        else:
            r["value"], r["value_schema"] = None, None
        return r


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


def signature(r):
    v = r["value"]
    if v is None:
        return ("tombstone", json.dumps(r["key"], sort_keys=True))
    if r["topic"] == SCHEMA_TOPIC:
        return ("ddl", v.get("ddl"))
    return (v.get("op"), json.dumps(r["key"], sort_keys=True))


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
    if a != b or type(a) is not type(b):
        out.append((path, a, b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--registry", required=True)
    ap.add_argument("--debezium-prefix", required=True)
    ap.add_argument("--rowcast-prefix", required=True)
    ap.add_argument("--known", required=True)
    ap.add_argument("--db", help="the test database: written <DB> in difference ids")
    ap.add_argument("--mode", default="no_data", help="the snapshot.mode both ran with (entries of another mode are not stale)")
    ap.add_argument("--report")
    ap.add_argument("--dump")
    args = ap.parse_args()

    registry = Registry(args.registry)
    sides = {"debezium": Side("debezium", args.debezium_prefix, registry),
             "rowcast": Side("rowcast", args.rowcast_prefix, registry)}
    recs, topics = {}, {}
    for name, side in sides.items():
        ts, raw = consume_all(args.bootstrap, side.prefix)
        topics[name] = sorted(side.topic(t) for t in ts)
        recs[name] = [side.decode(r) for r in raw]
    if args.dump:
        with open(args.dump, "w") as f:
            for name in sides:
                for r in recs[name]:
                    f.write(json.dumps(r, sort_keys=True, default=str) + "\n")

    diffs = []  # (id, where, debezium value, rowcast value)

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
    checks = []  # one per aligned record pair, extra record, topic and count check: its "where"
    for t in sorted(set(ta) & set(tb)):
        ra = [r for r in recs["debezium"] if r["topic"] == t]
        rb = [r for r in recs["rowcast"] if r["topic"] == t]
        if len(ra) != len(rb):
            add("count", t, "", len(ra), len(rb))
        if {r["partition"] for r in ra} != {r["partition"] for r in rb}:
            add("partition", t, "", sorted({r["partition"] for r in ra}), sorted({r["partition"] for r in rb}))
        # Op sequence per key.
        seq_a, seq_b = {}, {}
        for rs, seq in ((ra, seq_a), (rb, seq_b)):
            for r in rs:
                s = signature(r)
                seq.setdefault(s[1], []).append(s[0])
        for k in sorted(set(seq_a) | set(seq_b), key=str):
            if seq_a.get(k) != seq_b.get(k):
                add("ops", t, k, seq_a.get(k), seq_b.get(k))
        sm = difflib.SequenceMatcher(a=[signature(r) for r in ra], b=[signature(r) for r in rb], autojunk=False)
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
                pairs = zip(ra[i1:i2], rb[j1:j2])
            else:
                for r in ra[i1:i2]:
                    checks.append((t, f"debezium@{r['offset']}"))
                    add("extra", t, "debezium/" + "/".join(map(str, signature(r))), r["value"], None,
                        f"debezium@{r['offset']}")
                for r in rb[j1:j2]:
                    checks.append((t, f"rowcast@{r['offset']}"))
                    add("extra", t, "rowcast/" + "/".join(map(str, signature(r))), None, r["value"],
                        f"rowcast@{r['offset']}")
                continue
            for a, b in pairs:
                where = f"debezium@{a['offset']} rowcast@{b['offset']}"
                checks.append((t, where))
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
    for k in known:
        n = len(matched[k["id"]])
        if n == 0 and k.get("mode", args.mode) != args.mode:
            continue
        print(f"  known {k['id']}: {n} occurrence(s)" + ("  (STALE: matched nothing)" if n == 0 else ""))
    for d in undocumented[:300]:
        print("UNDOCUMENTED " + show(d))
    if len(undocumented) > 300:
        print(f"... and {len(undocumented) - 300} more")
    if args.report:
        with open(args.report, "w") as f:
            json.dump({"records": {s: len(recs[s]) for s in recs}, "topics": topics,
                       "known": {k: [list(d) for d in v] for k, v in matched.items()},
                       "undocumented": [list(d) for d in undocumented]}, f, indent=1, default=str)
    # The closing line counts checks (record pairs, records one side alone has, topics, counts), failed
    # when one of its differences is undocumented.
    bad = {(d[4], d[1]) for d in undocumented}
    nchecks = len(checks) + 2 * len(set(ta) | set(tb))
    nfailed = len({c for c in checks if c in bad}) + sum(1 for d in undocumented if d[1] == "")
    print(f"compare: {nchecks - nfailed} passed, {nfailed} failed")
    return 1 if undocumented else 0


if __name__ == "__main__":
    sys.exit(main())
