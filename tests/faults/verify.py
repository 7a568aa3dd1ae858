#!/usr/bin/python3
"""The fault suite's verifier: reads every topic of a run from the beginning, decodes the
Confluent-framed Avro keys and values with python3-avro (an Avro implementation independent of
rowcast's avro-c; schemas fetched by id from the registry), and checks the writer's ledger
(ledger_writer.py) against them:

  I1 no committed change missing (a change a later snapshot read of the same key supersedes counts
     as delivered: a snapshot shows the newest row, not its history);
  I2 no rolled-back, aborted or never-written change present (phantom);
  I3 per-key order: once replays (a change seen before) are dropped, the values of each key only grow;
  I4 duplicates only from replays: each duplicate must follow a rowcast (re)start that came after its
     first copy; counted (an incremental chunk's read of a row a streamed event already showed is a
     read of the current state, counted apart);
  I5 the position confirmed to the source never passed what Kafka acknowledged: for every sample
     (time, position) of the poller, each committed transaction whose commit position (an upper bound
     the writer took after COMMIT) is at or before the position has all its records in Kafka with a
     broker timestamp (LogAppendTime) at or before the sample time.

Records are consumed with python3-confluent-kafka, which gives each record's timestamp and its type.
Prints one line per invariant and, last, a JSON summary; exits 1 when an invariant fails.
"""
import argparse
import bisect
import io
import json
import sys
import time
import urllib.request

import avro.io
import avro.schema
from confluent_kafka import Consumer, KafkaError, TopicPartition
from confluent_kafka.admin import AdminClient

LOG_APPEND_TIME = 2  # confluent_kafka.TIMESTAMP_LOG_APPEND_TIME


class Registry:
    def __init__(self, url):
        self.url = url.rstrip("/")
        self.cache = {}

    def decode(self, data):
        if data is None:
            return None
        if len(data) < 5 or data[0] != 0:
            raise ValueError(f"a record without Confluent framing: {data[:8].hex()}")
        sid = int.from_bytes(data[1:5], "big")
        if sid not in self.cache:
            with urllib.request.urlopen(f"{self.url}/schemas/ids/{sid}", timeout=30) as resp:
                self.cache[sid] = avro.schema.parse(json.loads(resp.read())["schema"])
        dec = avro.io.BinaryDecoder(io.BytesIO(data[5:]))
        return avro.io.DatumReader(self.cache[sid]).read(dec)


def consume(bootstrap, topics, idle_s=4.0, max_s=600.0):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"faults-verify-{time.time()}",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest", "enable.partition.eof": True})
    md = c.list_topics(timeout=10)
    assign = [TopicPartition(t, p, 0) for t in topics if t in md.topics for p in md.topics[t].partitions]
    c.assign(assign)
    out, eof, last, start = [], set(), time.time(), time.time()
    while len(eof) < len(assign) and time.time() - start < max_s:
        m = c.poll(0.5)
        if m is None:
            if time.time() - last > idle_s and len(eof) >= len(assign):
                break
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                eof.add((m.topic(), m.partition()))
                continue
            raise RuntimeError(str(m.error()))
        eof.discard((m.topic(), m.partition()))
        out.append(m)
        last = time.time()
    c.close()
    return out


def pos_key(dialect, pos):
    """A comparable commit position: PG LSN 'X/Y' -> int; MariaDB [file, pos] -> (seq, pos)."""
    if pos is None:
        return None
    if dialect == "pg":
        hi, lo = pos.split("/")
        return (int(hi, 16) << 32) | int(lo, 16)
    f, p = pos
    return (int(f.rsplit(".", 1)[1]), int(p))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--registry", required=True)
    ap.add_argument("--prefix", required=True, help="topic prefix of the run: every topic starting with PREFIX.")
    ap.add_argument("--ledger", required=True)
    ap.add_argument("--dialect", choices=["pg", "mysql"], required=True)
    ap.add_argument("--samples", help="poller output: lines 'time_ms position' (PG 'X/Y', MariaDB 'file pos')")
    ap.add_argument("--lives", help="rowcast start times (ms), one a line")
    ap.add_argument("--dups", choices=["replays", "any"], default="replays",
                    help="any: duplicates within one rowcast life are counted but allowed (an outage the "
                         "agent recovers from inside one process, by restarting its stream)")
    ap.add_argument("--no-i1", action="store_true", help="rowcast was expected to stop: skip I1 and I5")
    ap.add_argument("--summary", help="write the JSON summary here too")
    a = ap.parse_args()

    reg = Registry(a.registry)
    admin = AdminClient({"bootstrap.servers": a.bootstrap})
    topics = sorted(t for t in admin.list_topics(timeout=10).topics if t.startswith(a.prefix + "."))
    msgs = consume(a.bootstrap, topics)

    committed, txn_of, txns, forbidden, prefill = {}, {}, [], set(), set()
    for line in open(a.ledger):
        e = json.loads(line)
        ids = [(t, k, "d" if op == "d" else "w", v) for t, k, op, v in e["changes"]]
        if e["status"] == "committed":
            if e.get("prefill"):
                prefill.update(ids)
            for i in ids:
                committed[i] = None
                txn_of[i] = e["seq"]
            txns.append(e)
        else:
            forbidden.update(ids)

    problems = {"I1": [], "I2": [], "I3": [], "I4": [], "I5": []}

    def problem(inv, msg):
        problems[inv].append(msg)

    lives = sorted(int(x) for x in open(a.lives).read().split()) if a.lives else []
    first_ts, seen, maxord, snap_max, by_snapshot = {}, set(), {}, {}, set()
    records = dups = dup_unexplained = order = phantom = tombstones = rereads = 0
    ts_types = set()
    for m in msgs:
        records += 1
        ttype, ts = m.timestamp()
        ts_types.add(ttype)
        value = reg.decode(m.value())
        if value is None:
            tombstones += 1
            continue
        table = m.topic()[len(a.prefix) + 1:]
        op = value["op"]
        row = value["before"] if op == "d" else value["after"]
        if row is None:
            problem("I2", f"{m.topic()}@{m.offset()}: op {op} without its row image")
            continue
        ident = (table, int(row["k"]), "d" if op == "d" else "w", int(row["v"]))
        key = ident[:2]
        ordv = (ident[3], 1 if op == "d" else 0)
        if op == "r":
            snap_max[key] = max(snap_max.get(key, -1), ident[3])
        if ident not in committed:
            phantom += 1
            why = "rolled back or aborted" if ident in forbidden else "never written"
            if phantom <= 10:
                problem("I2", f"{m.topic()}@{m.offset()}: {ident} {why}")
            continue
        if ident in seen and op == "r" and (value.get("source") or {}).get("snapshot") == "incremental":
            # An incremental chunk (issue 13: the rest of a snapshot resumed after a crash, read
            # while streaming) reads the row as it is now, which a streamed event before the chunk's
            # low watermark already showed: a read of the current state, not a change sent twice.
            rereads += 1
            continue
        if ident in seen:
            dups += 1
            if not any(first_ts[ident] < s <= ts for s in lives):
                dup_unexplained += 1
                if a.dups == "replays" and dup_unexplained <= 10:
                    problem("I4", f"{m.topic()}@{m.offset()}: {ident} again at {ts}, first at "
                                  f"{first_ts[ident]}, no rowcast restart between")
            continue
        seen.add(ident)
        first_ts[ident] = ts
        if op == "r":
            by_snapshot.add(ident)
        if key in maxord and ordv <= maxord[key] and op != "r":
            order += 1
            if order <= 10:
                problem("I3", f"{m.topic()}@{m.offset()}: {ident} after value {maxord[key]} of the same key")
        maxord[key] = max(maxord.get(key, ordv), ordv)

    def later_of(i):  # a later change of i's key was delivered: a greater value, or its delete
        m = maxord.get(i[:2])
        return m is not None and (m[0] > i[3] or (m[1] == 1 and m[0] >= i[3]))

    def superseded_write(i):
        # A snapshot read showed a newer value of the row; or the row was written before rowcast
        # started and changed after its snapshot's point: a chunk read while streaming (a snapshot
        # resumed after a crash, issue 13) reads the row as it is now, or drops it when the change
        # fell inside its watermark window; the streamed change carries the whole row.
        return i[2] == "w" and (snap_max.get(i[:2], -1) > i[3] or (i in prefill and later_of(i)))

    missing = superseded = 0
    for i in committed:
        if i in seen:
            continue
        if superseded_write(i):
            superseded += 1
            continue
        missing += 1
        if missing <= 10 and not a.no_i1:
            problem("I1", f"committed change {i} (txn {txn_of[i]}) not in Kafka")

    i5_checked = i5_bad = 0
    if a.samples and not a.no_i1:
        if ts_types - {LOG_APPEND_TIME}:
            problem("I5", f"topics without LogAppendTime timestamps (types {sorted(ts_types)}): I5 cannot be checked")
        samples = []
        for line in open(a.samples):
            f = line.split()
            if len(f) < 2:
                continue
            p = pos_key(a.dialect, f[1] if a.dialect == "pg" else [f[1], f[2]])
            samples.append((int(f[0]), p))
        samples.sort()
        # prefix maximum of the position over time: the first time the position covered a commit
        times, pmax, cur = [], [], None
        for t, p in samples:
            cur = p if cur is None or p > cur else cur
            times.append(t)
            pmax.append(cur)
        for e in txns:
            u = pos_key(a.dialect, e.get("pos"))
            if u is None or not pmax:
                continue
            idx = bisect.bisect_left(pmax, u)
            if idx >= len(pmax):
                continue
            t_cover = times[idx]
            i5_checked += 1
            for t, k, op, v in e["changes"]:
                i = (t, k, "d" if op == "d" else "w", v)
                if superseded_write(i) and i not in first_ts:
                    continue
                if i in by_snapshot:
                    # Delivered by a snapshot read: the slot's position covers rows committed before
                    # it was created from the start; their delivery is guarded by the snapshot's
                    # completion in the offset store (I1), not by the confirmed position.
                    continue
                got = first_ts.get(i)
                if got is None or got > t_cover:
                    i5_bad += 1
                    if i5_bad <= 10:
                        problem("I5", f"txn {e['seq']} (commit pos <= {e.get('pos')}) confirmed by {t_cover} "
                                      f"but {i} {'not in Kafka' if got is None else f'appended at {got}'}")
                    break

    summary = {"records": records, "tombstones": tombstones, "txns": len(txns),
               "changes": len(committed), "missing": missing if not a.no_i1 else 0,
               "missing_raw": missing, "superseded_by_snapshot": superseded, "phantom": phantom,
               "order": order, "duplicates": dups, "dup_without_restart": dup_unexplained,
               "incremental_rereads": rereads,
               "i5_txns_checked": i5_checked, "i5_violations": i5_bad, "samples": len(open(a.samples).readlines()) if a.samples else 0}
    ok = True
    for inv, lines in problems.items():
        if inv == "I1" and a.no_i1:
            print("I1 skipped (rowcast expected to stop)")
            continue
        if inv == "I5" and (a.no_i1 or not a.samples):
            print("I5 skipped" + (" (no samples)" if not a.samples else ""))
            continue
        if lines:
            ok = False
            print(f"{inv} FAIL:")
            for l in lines:
                print("   ", l)
        else:
            extra = {"I1": f"{len(committed) - missing} of {len(committed)} committed changes delivered"
                           f" ({superseded} superseded by snapshot reads or later changes)",
                     "I2": "0 phantom", "I3": "0 order violations", "I4": f"{dups} duplicates ({dup_unexplained} "
                     f"within one life; {rereads} incremental chunk reads of a row already streamed)", "I5": f"{i5_checked} transactions checked against {summary['samples']} samples"
                     f" ({len(by_snapshot)} changes delivered by snapshot reads not checked)"}[inv]
            print(f"{inv} ok: {extra}")
    summary["ok"] = ok
    print(json.dumps(summary))
    if a.summary:
        json.dump(summary, open(a.summary, "w"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
