#!/usr/bin/env python3
"""The reader of bench/incremental_latency.sh: the probe's latency before and during a snapshot.

    incremental_latency_report.py BOOTSTRAP TOPIC REGISTRY_URL BEFORE_FROM_US TRIGGER_US DURING_TO_US

Reads TOPIC (message.timestamp.type=LogAppendTime) to its high watermark; each record's latency is
its Kafka append time minus its source.ts_us (the commit time), decoded by latency_report.py's
Decoder. Prints one JSON object: "before" (commits in [BEFORE_FROM_US, TRIGGER_US)) and "during"
(commits in [TRIGGER_US, DURING_TO_US)), each with n, p50, p99, p99.9 and max in ms.
"""
import json
import os
import struct
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from latency_report import Decoder, summary  # noqa: E402

from confluent_kafka import Consumer, TopicPartition  # noqa: E402


def main():
    bootstrap, topic, registry = sys.argv[1], sys.argv[2], sys.argv[3].rstrip("/")
    before_from, trigger, during_to = (int(x) for x in sys.argv[4:7])
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "rowcast-incremental-latency",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    md = c.list_topics(topic, timeout=10).topics[topic]
    parts = [TopicPartition(topic, p, 0) for p in md.partitions]
    left = sum(c.get_watermark_offsets(tp, timeout=10)[1] for tp in parts)
    c.assign(parts)
    decoders, before, during, records = {}, [], [], 0
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
            records += 1
            sid = struct.unpack(">I", v[1:5])[0]
            if sid not in decoders:
                with urllib.request.urlopen("%s/schemas/ids/%d" % (registry, sid), timeout=10) as r:
                    decoders[sid] = Decoder(json.loads(json.loads(r.read())["schema"])).fn
            env, _ = decoders[sid](v, 5)
            ts_type, append_ms = m.timestamp()
            if ts_type != 2:  # TIMESTAMP_LOG_APPEND_TIME
                sys.exit("topic %s: record timestamps are not LogAppendTime (type %d)" % (topic, ts_type))
            ts = env["source"]["ts_us"]
            lat = (append_ms * 1000 - ts) / 1000.0
            if before_from <= ts < trigger:
                before.append(lat)
            elif trigger <= ts < during_to:
                during.append(lat)
    c.close()
    if left > 0:
        sys.exit("topic %s: %d records not read" % (topic, left))
    print(json.dumps({"records": records, "before": summary(before), "during": summary(during),
                      "before_s": round((trigger - before_from) / 1e6, 1),
                      "during_s": round((during_to - trigger) / 1e6, 1)}))


if __name__ == "__main__":
    main()
