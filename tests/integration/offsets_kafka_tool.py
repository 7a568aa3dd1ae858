#!/usr/bin/python3
"""Offset topics seen from outside rowcast (confluent_kafka, not rowcast's code), for offsets_kafka.sh:

  create BOOTSTRAP TOPIC POLICY         a 1-partition topic with cleanup.policy=POLICY
  put BOOTSTRAP TOPIC KEY VALUE         one record (VALUE "-" = a tombstone)
  drop BOOTSTRAP TOPIC...               deletes the topics (missing ones too)
  hold BOOTSTRAP TOPIC SECONDS          a transaction left open that long (its record under another
                                        key): read_committed readers cannot pass it
  last BOOTSTRAP TOPIC KEY              prints the last committed value under KEY (exit 1: none)
"""
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def create(bootstrap, topic, policy):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(topic, 1, 1, config={"cleanup.policy": policy})]).values():
        f.result()


def drop(bootstrap, *topics):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.delete_topics(list(topics)).values():
        try:
            f.result()
        except Exception:
            pass


def put(bootstrap, topic, key, value):
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    p.produce(topic, key=key.encode(), value=None if value == "-" else value.encode())
    if p.flush(30) != 0:
        sys.exit("put: not delivered")


def hold(bootstrap, topic, seconds):
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"offsets-kafka-tool-{topic}",
                  "transaction.timeout.ms": 120000})
    p.init_transactions(30)
    p.begin_transaction()
    p.produce(topic, key=b"someone else", value=b"{}")
    p.flush(30)
    print("open", flush=True)
    time.sleep(float(seconds))
    p.abort_transaction(30)


def last(bootstrap, topic, key):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "offsets-kafka-tool",
                  "isolation.level": "read_committed", "enable.partition.eof": True,
                  "enable.auto.commit": False})
    md = c.list_topics(topic, timeout=30).topics[topic]
    parts = [TopicPartition(topic, p, 0) for p in md.partitions]
    c.assign(parts)
    pending, found = {p.partition for p in parts}, None
    while pending:
        m = c.poll(30)
        if m is None:
            sys.exit("last: no end of partition within 30 s")
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                pending.discard(m.partition())
                continue
            sys.exit(f"last: {m.error()}")
        if m.key() == key.encode():
            found = m.value()
    c.close()
    if found is None:
        sys.exit(1)
    print(found.decode())


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"create": create, "drop": drop, "hold": hold, "put": put, "last": last}[cmd](*args)
