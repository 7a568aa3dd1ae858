"""Checks rowcast's transaction metadata against the transactions a test made, reading Kafka with an
independent decoder (python3-avro and the Schema Registry, as cdc_verify.py does).

Usage: txmeta_verify.py --bootstrap B --registry R SPEC.json, where SPEC holds
  {"prefix": P, "topics": [table topics], "mode": "pg" | "gtid", "off": bool,
   "expect": [{"id": xid or GTID, "counts": {"schema.table": events}}, ...]}   (in commit order)
With "off": no <prefix>.transaction topic, and every event's transaction block is null.
Otherwise: one BEGIN and one END per expected transaction and no other, in order, with the expected
ids, event_count and data_collections; snapshot rows carry no block; every event carries a block whose id names its transaction
(PostgreSQL: "<xid>:<source.lsn>", as Debezium writes it), whose total_order runs 1..N over the
transaction and data_collection_order 1..n over each table, increasing in each topic's order.
Prints one line per check; exits 1 at the first difference.
"""
import argparse
import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdc_verify import Registry, consume  # noqa: E402


def die(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--registry", required=True)
    ap.add_argument("spec")
    args = ap.parse_args()
    spec = json.load(open(args.spec))
    reg = Registry(args.registry)
    txn_topic = spec["prefix"] + ".transaction"
    records, partitions = consume(args.bootstrap, [txn_topic] + spec["topics"], idle_s=4.0)
    pg = spec["mode"] == "pg"

    def txid(full):
        return full.split(":", 1)[0] if pg else full

    events, snapshot_rows = [], 0
    for topic, _part, _off, key, value, _ts in records:
        if topic == txn_topic or value is None:
            continue
        v = reg.decode(value)
        if v["op"] == "r":  # snapshot rows belong to no transaction, as with Debezium
            if v["transaction"] is not None:
                die(f"a snapshot row carries a transaction block: {v['transaction']}")
            snapshot_rows += 1
            continue
        src = v["source"]
        table = f"{src['schema'] if pg else src['db']}.{src['table']}"
        events.append((topic, table, v))
    if not events:
        die("no change events in the table topics")

    if spec["off"]:
        if txn_topic in partitions:
            die(f"{txn_topic} exists with provide.transaction.metadata off")
        bad = [e for e in events if e[2]["transaction"] is not None]
        if bad:
            die(f"{len(bad)} events carry a transaction block with the property off: {bad[0][2]['transaction']}")
        print(f"ok: off: no {txn_topic}, {len(events)} events with a null transaction block")
        return

    marks = []
    for topic, _part, _off, key, value, _ts in records:
        if topic != txn_topic:
            continue
        k, v = reg.decode(key), reg.decode(value)
        if k["id"] != v["id"]:
            die(f"transaction record key {k} and value id {v['id']} differ")
        marks.append(v)
    if len(marks) != 2 * len(spec["expect"]):
        die(f"{len(marks)} BEGIN/END records, expected {2 * len(spec['expect'])}: {marks}")
    for i, exp in enumerate(spec["expect"]):
        b, e = marks[2 * i], marks[2 * i + 1]
        want = str(exp["id"])
        if b["status"] != "BEGIN" or e["status"] != "END":
            die(f"transaction {i}: statuses {b['status']}, {e['status']}")
        if txid(b["id"]) != want or txid(e["id"]) != want:
            die(f"transaction {i}: ids {b['id']} / {e['id']}, expected the transaction {want}")
        if b["event_count"] is not None or b["data_collections"] is not None:
            die(f"transaction {i}: BEGIN carries counts: {b}")
        if e["event_count"] != sum(exp["counts"].values()):
            die(f"transaction {i}: END event_count {e['event_count']}, expected {sum(exp['counts'].values())}")
        got = {c["data_collection"]: c["event_count"] for c in e["data_collections"]}
        if got != exp["counts"]:
            die(f"transaction {i}: END data_collections {got}, expected {exp['counts']}")
        if not isinstance(b["ts_ms"], int) or b["ts_ms"] <= 0:
            die(f"transaction {i}: BEGIN ts_ms {b['ts_ms']}")
    print(f"ok: {len(spec['expect'])} BEGIN/END pairs with the expected ids, event_count and data_collections")

    by_txn = collections.defaultdict(list)
    last_dco = {}
    for topic, table, v in events:
        tb = v["transaction"]
        if tb is None:
            die(f"an event of {table} without a transaction block: {v['source']}")
        if pg and tb["id"] != f"{v['source']['txId']}:{v['source']['lsn']}":
            die(f"event id {tb['id']} is not txId:lsn {v['source']['txId']}:{v['source']['lsn']}")
        t = txid(tb["id"])
        if (t, table) in last_dco and tb["data_collection_order"] <= last_dco[(t, table)]:
            die(f"data_collection_order goes back in {topic}: {tb}")
        last_dco[(t, table)] = tb["data_collection_order"]
        by_txn[t].append((table, tb))
    for exp in spec["expect"]:
        got = by_txn.pop(str(exp["id"]), [])
        counts = collections.Counter(table for table, _ in got)
        if dict(counts) != exp["counts"]:
            die(f"transaction {exp['id']}: events per table {dict(counts)}, expected {exp['counts']}")
        if sorted(tb["total_order"] for _, tb in got) != list(range(1, len(got) + 1)):
            die(f"transaction {exp['id']}: total_order {sorted(tb['total_order'] for _, tb in got)}")
        for table, n in exp["counts"].items():
            dco = sorted(tb["data_collection_order"] for t, tb in got if t == table)
            if dco != list(range(1, n + 1)):
                die(f"transaction {exp['id']}: data_collection_order of {table}: {dco}")
    if by_txn:
        die(f"events of transactions nobody made: {list(by_txn)}")
    print(f"ok: {len(events)} events carry blocks naming their transactions, total_order and "
          f"data_collection_order complete and in order; {snapshot_rows} snapshot rows without one")
    if snapshot_rows < spec.get("snapshot_rows", 0):
        die(f"{snapshot_rows} snapshot rows, expected {spec['snapshot_rows']}")


if __name__ == "__main__":
    main()
