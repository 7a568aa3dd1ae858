#!/usr/bin/env python3
"""The latency benchmark's reader (bench/latency_bench.sh), run after a measurement, not during it.

    latency_report.py BOOTSTRAP TOPIC REGISTRY_URL EXPECTED [WARMUP_S]

Reads TOPIC from the beginning to its high watermark. Each record's latency is its Kafka append time
(the topic has message.timestamp.type=LogAppendTime) minus the envelope's source.ts_us (the commit
time at PostgreSQL); the value is decoded from the Confluent wire format with the schema fetched
from the registry by its id (a small Avro decoder: the avro package is ten times slower). Records
committed in the first WARMUP_S seconds are left out (a table's first record registers its schema).
When rowcast put a rowcast.stages header on each record (ROWCAST_TEST_STAGE_HEADER=1), the latency
is split into stages: commit -> the server's send -> rowcast's read -> its hand-over to the
producer -> the append.

Prints one JSON object: counts, percentiles in ms (p50, p99, p99.9, max) of the total and of each
stage, the worst seconds, and whether the lag stayed bounded (the last third's p99 no worse than
twice the first third's plus 50 ms, and no second's worst beyond 10 s).
"""
import json
import struct
import sys
import urllib.request

from confluent_kafka import Consumer, TopicPartition


def zigzag(buf, pos):
    shift = result = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            break
        shift += 7
    return (result >> 1) ^ -(result & 1), pos


class Decoder:
    """Compiles an Avro schema to closures (buf, pos) -> (value, pos); records as dicts."""

    def __init__(self, schema):
        self.named = {}
        self.fn = self.compile(schema, "")

    def compile(self, s, ns):
        if isinstance(s, str):
            prim = {
                "null": lambda b, p: (None, p),
                "boolean": lambda b, p: (b[p] != 0, p + 1),
                "int": zigzag,
                "long": zigzag,
                "float": lambda b, p: (struct.unpack_from("<f", b, p)[0], p + 4),
                "double": lambda b, p: (struct.unpack_from("<d", b, p)[0], p + 8),
            }
            if s in prim:
                return prim[s]
            if s in ("bytes", "string"):
                def var(b, p):
                    n, p = zigzag(b, p)
                    return b[p:p + n], p + n
                return var
            full = s if "." in s else (ns + "." + s if ns else s)
            name = full if full in self.named else s
            return lambda b, p: self.named[name](b, p)
        if isinstance(s, list):
            branches = [self.compile(x, ns) for x in s]

            def union(b, p):
                i, p = zigzag(b, p)
                return branches[i](b, p)
            return union
        t = s["type"]
        if t == "record":
            rns = s.get("namespace", ns)
            full = s["name"] if "." in s["name"] else (rns + "." + s["name"] if rns else s["name"])
            fields = []

            def record(b, p):
                out = {}
                for fname, ffn in fields:
                    out[fname], p = ffn(b, p)
                return out, p
            self.named[full] = record
            self.named[s["name"].split(".")[-1]] = record
            for f in s["fields"]:
                fields.append((f["name"], self.compile(f["type"], full.rsplit(".", 1)[0] if "." in full else rns)))
            return record
        if t == "enum":
            def enum(b, p):
                i, p = zigzag(b, p)
                return s["symbols"][i], p
            self.named[s["name"]] = enum
            return enum
        if t == "fixed":
            size = s["size"]
            fx = lambda b, p: (b[p:p + size], p + size)
            self.named[s["name"]] = fx
            return fx
        if t in ("array", "map"):
            item = self.compile(s["items" if t == "array" else "values"], ns)
            key = self.compile("string", ns)

            def block(b, p):
                out = []
                while True:
                    n, p = zigzag(b, p)
                    if n == 0:
                        return out, p
                    if n < 0:
                        n = -n
                        _, p = zigzag(b, p)
                    for _ in range(n):
                        if t == "map":
                            _, p = key(b, p)
                        v, p = item(b, p)
                        out.append(v)
            return block
        return self.compile(t, ns)  # {"type": "long", "connect.name": ...}


def pct(sorted_vals, q):
    if not sorted_vals:
        return None
    i = min(len(sorted_vals) - 1, max(0, int(round(q * (len(sorted_vals) - 1)))))
    return round(sorted_vals[i], 3)


def summary(vals):
    v = sorted(vals)
    return {"n": len(v), "p50": pct(v, 0.50), "p99": pct(v, 0.99), "p99.9": pct(v, 0.999),
            "max": round(v[-1], 3) if v else None}


def main():
    bootstrap, topic, registry, expected = sys.argv[1], sys.argv[2], sys.argv[3].rstrip("/"), int(sys.argv[4])
    warmup_s = float(sys.argv[5]) if len(sys.argv) > 5 else 2.0
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "rowcast-latency-report",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    md = c.list_topics(topic, timeout=10).topics[topic]
    parts = [TopicPartition(topic, p, 0) for p in md.partitions]
    ends = {tp.partition: c.get_watermark_offsets(tp, timeout=10)[1] for tp in parts}
    c.assign(parts)
    decoders, rows = {}, []
    left = sum(ends.values())
    while left > 0:
        msgs = c.consume(10000, timeout=5)
        if not msgs:
            break
        for m in msgs:
            if m.error():
                continue
            left -= 1
            v = m.value()
            if v is None or len(v) < 5:
                continue
            sid = struct.unpack(">I", v[1:5])[0]
            if sid not in decoders:
                with urllib.request.urlopen("%s/schemas/ids/%d" % (registry, sid), timeout=10) as r:
                    decoders[sid] = Decoder(json.loads(json.loads(r.read())["schema"])).fn
            env, _ = decoders[sid](v, 5)
            ts_type, append_ms = m.timestamp()
            if ts_type != 2:  # TIMESTAMP_LOG_APPEND_TIME
                sys.exit("topic %s: record timestamps are not LogAppendTime (type %d)" % (topic, ts_type))
            stages = None
            for k, hv in (m.headers() or []):
                if k == "rowcast.stages":
                    stages = [int(x) for x in hv.decode().split(",")]
            rows.append((env["source"]["ts_us"], append_ms * 1000, stages))
    c.close()
    if not rows:
        sys.exit("topic %s: no records" % topic)
    t0 = min(r[0] for r in rows)
    kept = [r for r in rows if r[0] >= t0 + warmup_s * 1e6]
    total = [(a - s) / 1000.0 for s, a, _ in kept]
    out = {"records": len(rows), "expected": expected, "measured": len(kept), "latency_ms": summary(total)}
    st = [r for r in kept if r[2] and r[2][0] > 0 and r[2][1] > 0]
    if st:
        out["stages_ms"] = {
            "commit_to_send": summary([(x[2][0] - x[0]) / 1000.0 for x in st]),
            "send_to_receive": summary([(x[2][1] - x[2][0]) / 1000.0 for x in st]),
            "receive_to_produce": summary([(x[2][2] - x[2][1]) / 1000.0 for x in st]),
            "produce_to_append": summary([(x[1] - x[2][2]) / 1000.0 for x in st]),
        }
    # Per second of commit time: the worst, and the thirds' p99 for "bounded".
    per_s = {}
    for (s, a, _), lat in zip(kept, total):
        per_s.setdefault(int((s - t0) / 1e6), []).append(lat)
    secs = sorted(per_s)
    worst = sorted(((max(per_s[k]), k) for k in secs), reverse=True)[:5]
    out["worst_seconds"] = [{"second": k, "max_ms": round(v, 1)} for v, k in worst]
    third = max(1, len(secs) // 3)
    first = sorted(x for k in secs[:third] for x in per_s[k])
    last = sorted(x for k in secs[-third:] for x in per_s[k])
    p_first, p_last = pct(first, 0.99), pct(last, 0.99)
    out["p99_first_third_ms"], out["p99_last_third_ms"] = p_first, p_last
    out["bounded"] = bool(p_last is not None and p_last <= 2 * p_first + 50 and worst[0][0] < 10000 and
                          len(rows) >= expected)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
