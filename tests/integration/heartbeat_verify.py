"""Reads a heartbeat topic back with an independent decoder (python3-avro and the Schema Registry) and
checks Debezium's record shape and rowcast's position header.

Usage: heartbeat_verify.py --bootstrap B --registry R --topic T --server-name P --min N --max M
       --position-field F [--schemas]
Checks: between N and M records; every key is io.debezium.connector.common.ServerNameKey
{serverName: P}, every value io.debezium.connector.common.Heartbeat {ts_ms}, ts_ms increasing; every
record has the rowcast.position header, a JSON object with field F. Prints the positions seen (one
per line, in order) on stdout, after an "ok:" line.
"""
import argparse
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdc_verify import Registry  # noqa: E402
from confluent_kafka import Consumer, KafkaError, TopicPartition  # noqa: E402


def die(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    for a in ("--bootstrap", "--registry", "--topic", "--server-name", "--position-field"):
        ap.add_argument(a, required=True)
    ap.add_argument("--min", type=int, required=True)
    ap.add_argument("--max", type=int, required=True)
    args = ap.parse_args()
    reg = Registry(args.registry)
    c = Consumer({"bootstrap.servers": args.bootstrap, "group.id": f"hb-{time.time()}",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    md = c.list_topics(timeout=10)
    if args.topic not in md.topics or not md.topics[args.topic].partitions:
        die(f"no topic {args.topic}")
    c.assign([TopicPartition(args.topic, p, 0) for p in md.topics[args.topic].partitions])
    recs, last = [], time.time()
    while time.time() - last < 4:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().code() != KafkaError._PARTITION_EOF:
                die(str(m.error()))
            continue
        recs.append(m)
        last = time.time()
    c.close()
    if not args.min <= len(recs) <= args.max:
        die(f"{len(recs)} heartbeats, expected {args.min}..{args.max}")
    for sid, name in ((int.from_bytes(recs[0].key()[1:5], "big"), "ServerNameKey"),
                      (int.from_bytes(recs[0].value()[1:5], "big"), "Heartbeat")):
        with urllib.request.urlopen(f"{args.registry.rstrip('/')}/schemas/ids/{sid}") as resp:
            schema = json.loads(json.loads(resp.read())["schema"])
        if f"{schema['namespace']}.{schema['name']}" != f"io.debezium.connector.common.{name}" or \
                schema.get("connect.name") != f"io.debezium.connector.common.{name}":
            die(f"schema {sid} is {schema}")
    positions, prev = [], 0
    for m in recs:
        k, v = reg.decode(m.key()), reg.decode(m.value())
        if k != {"serverName": args.server_name}:
            die(f"key {k}")
        if set(v) != {"ts_ms"} or v["ts_ms"] < prev:
            die(f"value {v} after ts_ms {prev}")
        prev = v["ts_ms"]
        hdrs = dict(m.headers() or [])
        if "rowcast.position" not in hdrs:
            die(f"no rowcast.position header: {m.headers()}")
        pos = json.loads(hdrs["rowcast.position"])
        if args.position_field not in pos:
            die(f"position header {pos} lacks {args.position_field}")
        positions.append(pos[args.position_field])
    span = (recs[-1].timestamp()[1] - recs[0].timestamp()[1]) / max(1, len(recs) - 1)
    print(f"ok: {len(recs)} heartbeats, one every {span:.0f} ms on average, key and value as Debezium's, "
          f"position header from {positions[0]} to {positions[-1]}")
    for p in positions:
        print(p)


if __name__ == "__main__":
    main()
