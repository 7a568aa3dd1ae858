"""The demo's consumer (deploy/demo): reads rowcast's topics from the beginning as any Kafka consumer
would, decodes each record with python3-avro (Confluent framing: magic byte, schema id, then Avro; the
writer schema fetched from the Schema Registry by id), and prints one line per change event:
    table  op  key  before -> after
(for an update only the columns that changed). Events are ordered by their source position, so a
transaction's events stay together, and carry its id.

Usage: demo-consume.py BOOTSTRAP REGISTRY_URL EXPECTED TIMEOUT_S TOPIC...
Waits until EXPECTED change events (tombstones not counted) have arrived, at most TIMEOUT_S seconds;
fewer is an error (exit 1) naming what did not arrive.
"""
import datetime
import decimal
import io
import json
import sys
import time
import urllib.request

import avro.io
import avro.schema
from confluent_kafka import Consumer, KafkaException, TopicPartition

OPS = {"r": "read  ", "c": "insert", "u": "update", "d": "delete"}


def main():
    bootstrap, registry, expected, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    topics = sys.argv[5:]
    schemas = {}

    def decode(b):
        if b is None:
            return None
        if len(b) < 5 or b[0] != 0:
            raise ValueError("a record without the Confluent framing (magic byte 0 + schema id)")
        sid = int.from_bytes(b[1:5], "big")
        if sid not in schemas:
            with urllib.request.urlopen(f"{registry}/schemas/ids/{sid}", timeout=10) as r:
                text = json.loads(r.read())["schema"]
            schemas[sid] = (avro.schema.parse(text), semantic_types(json.loads(text)))
        schema, kinds = schemas[sid]
        v = avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(io.BytesIO(b[5:])))
        if isinstance(v, dict):
            for part in ("before", "after"):
                if isinstance(v.get(part), dict):
                    v[part] = {k: readable(x, kinds.get(k)) for k, x in v[part].items()}
        return v

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "rowcast-demo", "enable.auto.commit": False,
                  "topic.metadata.refresh.interval.ms": 1000})
    c.assign([TopicPartition(t, 0, 0) for t in topics])
    events, tombstones = [], 0
    deadline = time.time() + timeout
    while len(events) < expected and time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            # A topic not created yet reads as an error until rowcast's first record creates it.
            continue
        v = decode(m.value())
        if v is None:
            tombstones += 1
            continue
        events.append((m.topic(), decode(m.key()), v))
    # A moment more, so an unexpected extra event is shown rather than hidden.
    end = time.time() + 1
    while time.time() < end:
        m = c.poll(0.2)
        if m is not None and not m.error():
            v = decode(m.value())
            if v is None:
                tombstones += 1
            else:
                events.append((m.topic(), decode(m.key()), v))
    c.close()

    events.sort(key=order)
    for topic, key, v in events:
        print(line(topic, key, v))
    if tombstones:
        print(f"  (+ {tombstones} tombstone(s): a null value after each delete, so compaction drops the key)")
    if len(events) < expected:
        print(f"demo: only {len(events)} of the {expected} expected change events arrived on "
              f"{', '.join(topics)} within {timeout:.0f} s", file=sys.stderr)
        return 1
    return 0


def semantic_types(schema):
    """Column name -> the Kafka Connect semantic type (connect.name) of the row record's fields,
    such as io.debezium.time.Date for days since the epoch, so they print as dates."""
    kinds = {}
    for f in schema.get("fields", []) if isinstance(schema, dict) else []:
        if f.get("name") not in ("before", "after"):  # the record is defined in the first, named in the second
            continue
        for branch in f["type"] if isinstance(f["type"], list) else [f["type"]]:
            if isinstance(branch, dict) and branch.get("type") == "record":
                for col in branch["fields"]:
                    for t in col["type"] if isinstance(col["type"], list) else [col["type"]]:
                        if isinstance(t, dict) and "connect.name" in t:
                            kinds[col["name"]] = t["connect.name"]
    return kinds


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def readable(x, kind):
    """Debezium's temporal encodings as dates and times (what a consumer's converter does)."""
    if not isinstance(x, int) or isinstance(x, bool) or kind is None:
        return x
    if kind == "io.debezium.time.Date":
        return datetime.date(1970, 1, 1) + datetime.timedelta(days=x)
    if kind == "io.debezium.time.Timestamp":
        return (EPOCH + datetime.timedelta(milliseconds=x)).replace(tzinfo=None)
    if kind == "io.debezium.time.MicroTimestamp":
        return (EPOCH + datetime.timedelta(microseconds=x)).replace(tzinfo=None)
    return x


def order(e):
    """Snapshot reads first, in arrival order; then the stream by its position in the source's log."""
    src = e[2]["source"]
    if src.get("snapshot") not in (None, "false"):
        return (0,)
    if src.get("lsn") is not None:
        return (1, src["lsn"], 0, 0)
    return (1, src.get("file") or "", src.get("pos") or 0, src.get("row") or 0)


def fmt(x):
    if x is None:
        return "null"
    if isinstance(x, str):
        return repr(x)
    if isinstance(x, decimal.Decimal):
        return format(x, "f")
    if isinstance(x, (datetime.datetime, datetime.date, datetime.time)):
        return x.isoformat()
    return str(x)


def row(r, only=None):
    if r is None:
        return "-"
    return "{" + ", ".join(f"{k}={fmt(v)}" for k, v in r.items() if only is None or k in only) + "}"


def line(topic, key, v):
    table = ".".join(topic.split(".")[1:])
    op = v["op"]
    before, after = v.get("before"), v.get("after")
    changed = None
    if op == "u" and before and after:
        changed = [k for k in after if before.get(k) != after.get(k)]
    src = v["source"]
    tx = ""
    if op != "r":
        txid = src.get("txId") or src.get("gtid")
        if txid is not None:
            tx = f"  tx {txid}"
    return f"  {table:<16} {OPS.get(op, op)}  key {row(key)}  {row(before, changed)} -> {row(after, changed)}{tx}"


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (KafkaException, OSError, ValueError) as e:
        print(f"demo: the consumer failed: {e}", file=sys.stderr)
        sys.exit(1)
