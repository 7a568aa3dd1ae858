#!/usr/bin/python3
"""registry_async.sh's consumer: reads the topics of --tables back from Kafka, decodes them
independently (python3-avro, schemas from the registry by the id in each record: cdc_verify.py's
Registry), and checks, per table:
  - every row of PostgreSQL (id, n) is the newest event of its key, and each key's events carry
    n = 0, 1, 2, ... in order, none missing (the writer set n = 0..K in that order);
  - per partition, the events' source LSNs never go back (Kafka order is source order).
Prints one JSON line: per table the events read, the producer timestamps of its first and last
record, and, with --before-ms, how many of its records Kafka took before that time (ms since the
epoch), their rate over the table's window, and the largest delay commit -> Kafka (ts_ms of the
source to the record's timestamp) of them. Exit 0 when all holds, 1 otherwise."""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdc_verify  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--registry", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--tables", required=True, help="schema.table,... with columns id (key) and n")
    ap.add_argument("--psql", required=True, help="psql command line, quoted")
    ap.add_argument("--before-ms", type=int, default=0)
    ap.add_argument("--idle", type=float, default=4.0)
    args = ap.parse_args()
    reg = cdc_verify.Registry(args.registry)
    tables = args.tables.split(",")
    topics = {f"{args.prefix}.{t}": t for t in tables}
    records, _ = cdc_verify.consume(args.bootstrap, list(topics), idle_s=args.idle)
    problems, summary = [], {}
    for topic, table in topics.items():
        rows = subprocess.run(args.psql.split() + ["-c", f"SELECT id, n FROM {table} ORDER BY id"],
                              check=True, capture_output=True, text=True).stdout.split()
        want = {int(r.split("|")[0]): int(r.split("|")[1]) for r in rows}
        seen, last_lsn, stamps, delays = {}, {}, [], []
        for (t, part, off, key, value, ts) in sorted((r for r in records if r[0] == topic),
                                                     key=lambda r: (r[1], r[2])):
            if value is None:
                continue
            v = reg.decode(value)
            after = v["after"]
            lsn = v["source"]["lsn"]
            if lsn is not None and lsn < last_lsn.get(part, -1):
                problems.append(f"{topic}[{part}]@{off}: lsn {lsn} after {last_lsn[part]}")
            last_lsn[part] = lsn if lsn is not None else last_lsn.get(part, -1)
            k = reg.decode(key)["id"]
            ns = seen.setdefault(k, [])
            ns.append(after["n"])
            stamps.append(ts)
            if args.before_ms and ts < args.before_ms:
                delays.append(ts - v["source"]["ts_ms"])
        for k, n in want.items():
            got = seen.get(k, [])
            if got != list(range(n + 1)):
                problems.append(f"{table} id {k}: events carry n = {got[:10]}{'...' if len(got) > 10 else ''}, "
                                f"expected 0..{n} in order")
        extra = set(seen) - set(want)
        if extra:
            problems.append(f"{table}: events of keys not in the table: {sorted(extra)[:5]}")
        s = {"events": sum(len(x) for x in seen.values()),
             "first_ms": min(stamps) if stamps else None, "last_ms": max(stamps) if stamps else None}
        if args.before_ms:
            early = [x for x in stamps if x < args.before_ms]
            s["before"] = len(early)
            if len(early) > 1 and max(early) > min(early):
                s["before_per_s"] = round(len(early) * 1000.0 / (max(early) - min(early)), 1)
            s["before_max_delay_ms"] = max(delays) if delays else None
        summary[table] = s
    print(json.dumps({"tables": summary, "problems": problems}))
    for p in problems:
        print("FAIL " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
