#!/usr/bin/python3
"""Waits until each topic given holds at least --min records (all partitions, from the start), so a
workload can put a step after a point both sides have published: pg_workload.sh waits for Debezium's
and rowcast's records of `alt` before ALTER ... SET NOT NULL, since each side reads a table's NOT NULL
from the catalog when it decodes the table's first change after a schema change, and a DDL that
lands before one side got there would change that side's schema only. Exit 0 when all do, 1 (saying
which topic has how many) after --timeout seconds."""
import argparse
import sys
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition


def count(consumer, topic):
    md = consumer.list_topics(topic, timeout=10).topics.get(topic)
    if md is None or md.error is not None:
        return 0
    n = 0
    for p in md.partitions:
        lo, hi = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        n += hi - lo
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--min", type=int, required=True)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("topics", nargs="+")
    args = ap.parse_args()
    c = Consumer({"bootstrap.servers": args.bootstrap, "group.id": f"compat-wait-{time.time()}"})
    deadline = time.time() + args.timeout
    have = {}
    try:
        while time.time() < deadline:
            try:
                have = {t: count(c, t) for t in args.topics}
            except KafkaException:
                have = {}
            if have and all(n >= args.min for n in have.values()):
                return 0
            time.sleep(0.2)
    finally:
        c.close()
    print(f"wait_records: after {args.timeout:.0f} s, records per topic {have} (wanted {args.min} each)",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
