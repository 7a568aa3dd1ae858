"""Kafka-side stop watch of the benchmarks: waits until topics' high watermarks add up to a target.

    kafka_wait.py BOOTSTRAP TOPIC[,TOPIC...] TARGET_RECORDS TIMEOUT_S

Prints "ready" once connected, then "first <t>", "p10 <t>", "p90 <t>" and "done <t> <records>"
(epoch seconds) as the sum of the topics' high watermarks reaches 1, 10%, 90% and all of the target
(RF=1 and acks=all: a record counts once the broker has acknowledged it). Polls every 50 ms; exits 1
on timeout.
"""
import sys
import time

from confluent_kafka import Consumer, TopicPartition

bootstrap, topics, target, limit = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), float(sys.argv[4])
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "rowcast-bench-hw", "enable.auto.commit": False})
c.list_topics(timeout=10)
print("ready", flush=True)
deadline = time.time() + limit
parts, marks = {}, {}
while time.time() < deadline:
    for topic in topics:
        if topic not in parts:
            md = c.list_topics(topic, timeout=5).topics.get(topic)
            if md is not None and md.error is None and md.partitions:
                parts[topic] = [TopicPartition(topic, p) for p in md.partitions]
    if len(parts) == len(topics):
        n = sum(c.get_watermark_offsets(tp, timeout=5, cached=False)[1] for ps in parts.values() for tp in ps)
        now = time.time()
        for name, at in (("first", 1), ("p10", max(1, target // 10)), ("p90", max(1, target * 9 // 10))):
            if n >= at and name not in marks:
                marks[name] = now
                print(name, "%.6f" % now, flush=True)
        if n >= target:
            print("done", "%.6f" % now, n, flush=True)
            c.close()
            sys.exit(0)
    time.sleep(0.05)
c.close()
sys.exit(1)
