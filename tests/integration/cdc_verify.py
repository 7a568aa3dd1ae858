#!/usr/bin/python3
"""Reads rowcast's topics back from Kafka, decodes them with an independent Avro implementation
(Debian's python3-avro, schemas fetched from the Schema Registry by the id in each record), rebuilds
each table from its change events, and compares the result with the table's rows in PostgreSQL.

Also checks, for every record: the Confluent framing, that keyed records landed on the partition a
Java client would choose (murmur2), that tombstones follow deletes, and counts duplicates (the same
change seen twice, as at-least-once delivery allows after a crash).

Exit 0 when every table matches, 1 otherwise. Prints a JSON summary on the last line (with, when there
are snapshot reads, "snapshot_markers": the count of op=r records per source.snapshot value, and
"reads_after_stream": r records that came after a streamed change of their topic).

Snapshot markers are also counted per table ("snapshot_markers_by_table") and checked against
Debezium 3.6's rule ("snapshot_marker_problems", empty when it holds): each table's r records start
with first_in_data_collection (or first) and end with last_in_data_collection (or last), a one-row
table's one record being either, every other record true; at most one first and exactly one last in
the whole snapshot. Only meaningful for one complete snapshot without duplicates.

With --records-out FILE, also writes one JSON line per record read (topic, partition, offset, the
producer's timestamp, op, source snapshot, txId and lsn, and an id of the change that is equal for
duplicates), for tests that check which records a restart sent again.
"""
import argparse
import hashlib
import datetime
import decimal
import io
import json
import subprocess
import sys
import time
import urllib.request

import avro.io
import avro.schema
from confluent_kafka import Consumer, KafkaError, TopicPartition

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
EPOCH_DATE = datetime.date(1970, 1, 1)
UNAVAILABLE = "__debezium_unavailable_value"


def murmur2(data: bytes) -> int:
    """Kafka's Java murmur2 (org.apache.kafka.common.utils.Utils.murmur2), written from its spec."""
    m, r, length = 0x5BD1E995, 24, len(data)
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    for i in range(length // 4):
        k = int.from_bytes(data[i * 4:i * 4 + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    tail = length & ~3
    rem = length % 4
    if rem == 3:
        h ^= data[tail + 2] << 16
    if rem >= 2:
        h ^= data[tail + 1] << 8
    if rem >= 1:
        h ^= data[tail]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def java_partition(key: bytes, partitions: int) -> int:
    return (murmur2(key) & 0x7FFFFFFF) % partitions


class Registry:
    def __init__(self, url):
        self.url = url.rstrip("/")
        self.cache = {}

    def schema(self, schema_id):
        if schema_id not in self.cache:
            with urllib.request.urlopen(f"{self.url}/schemas/ids/{schema_id}") as resp:
                text = json.loads(resp.read())["schema"]
            self.cache[schema_id] = avro.schema.parse(text)
        return self.cache[schema_id]

    def decode(self, data: bytes):
        if len(data) < 5 or data[0] != 0:
            raise ValueError(f"record without Confluent framing: {data[:8].hex()}")
        schema_id = int.from_bytes(data[1:5], "big")
        reader = avro.io.DatumReader(self.schema(schema_id))
        decoder = avro.io.BinaryDecoder(io.BytesIO(data[5:]))
        value = reader.read(decoder)
        return value


def consume(bootstrap, topics, idle_s=5.0, max_s=300.0):
    """All records of topics, from the beginning, until nothing new arrives for idle_s."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"verify-{time.time()}",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    assignment = []
    md = consumer.list_topics(timeout=10)
    for t in topics:
        if t in md.topics:
            for p in md.topics[t].partitions:
                assignment.append(TopicPartition(t, p, 0))
    partitions = {t: len(md.topics[t].partitions) for t in topics if t in md.topics}
    consumer.assign(assignment)
    records, last, start = [], time.time(), time.time()
    while time.time() - last < idle_s and time.time() - start < max_s:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() != KafkaError._PARTITION_EOF:
                raise RuntimeError(str(msg.error()))
            continue
        records.append((msg.topic(), msg.partition(), msg.offset(), msg.key(), msg.value(), msg.timestamp()[1]))
        last = time.time()
    consumer.close()
    return records, partitions


def psql_json(args, sql):
    out = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", args.pg_host, "-p", args.pg_port,
                          "-U", args.pg_user, "-d", args.pg_db, "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else None


def table_columns(args, table):
    schema, name = table.split(".", 1)
    rows = psql_json(args, f"""SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod),
        t.typtype, bt.typname) ORDER BY a.attnum)
        FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
        WHERE a.attrelid = '{schema}.{name}'::regclass AND a.attnum > 0 AND NOT a.attisdropped""")
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def parse_pg_ts(text):
    text = text.replace(" ", "T")
    if text.endswith("+00") or text.endswith("-00"):
        text += ":00"
    return datetime.datetime.fromisoformat(text)


def expected_value(pgtype, typtype, basetype, v):
    """What the Avro field should decode to, computed from PostgreSQL's JSON rendering of a value
    (to_jsonb), independently of rowcast's C conversion. Follows Debezium's default mapping."""
    if v is None:
        return None
    t = pgtype
    if typtype == "d" and basetype:
        t = basetype
    if t.endswith("[]"):
        return [expected_value(t[:-2], "b", None, x) for x in v]
    if t.startswith("numeric") or t == "money":
        return ("numeric", decimal.Decimal(str(v)))
    if t in ("real", "double precision"):
        return ("float", float(v))
    if t.startswith("timestamp") and "with time zone" in t:
        return ("zts", parse_pg_ts(v).astimezone(datetime.timezone.utc))
    if t.startswith("timestamp"):
        dt = parse_pg_ts(v).replace(tzinfo=datetime.timezone.utc)
        us = (dt - EPOCH) // datetime.timedelta(microseconds=1)
        prec = t[t.index("(") + 1:t.index(")")] if "(" in t else "6"
        return us // 1000 if int(prec) <= 3 else us
    if t == "date":
        return (datetime.date.fromisoformat(v) - EPOCH_DATE).days
    if t in ("json", "jsonb"):
        return ("json", v)
    if t == "bytea":
        return bytes.fromhex(v[2:])
    if t.startswith("character") or t in ("text", "uuid", "name") or typtype == "e":
        return v
    return v


def normalise_avro(v):
    if isinstance(v, decimal.Decimal):
        return ("numeric", v)
    if isinstance(v, dict) and set(v) == {"scale", "value"}:  # VariableScaleDecimal
        unscaled = int.from_bytes(v["value"], "big", signed=True)
        return ("numeric", decimal.Decimal(unscaled).scaleb(-v["scale"]))
    if isinstance(v, list):
        return [normalise_avro(x) for x in v]
    return v


def same(expected, actual):
    actual = normalise_avro(actual)
    if isinstance(expected, tuple):
        kind, ev = expected
        if kind == "numeric":
            return isinstance(actual, tuple) and actual[1] == ev
        if kind == "float":
            return isinstance(actual, float) and (actual == ev or (actual != actual and ev != ev))
        if kind == "zts":
            try:
                return parse_pg_ts(actual.replace("Z", "+00:00")) == ev
            except (ValueError, AttributeError):
                return False
        if kind == "json":
            try:
                return json.loads(actual) == ev
            except (TypeError, ValueError):
                return False
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(
            same(e, a) for e, a in zip(expected, actual))
    return expected == actual


def marker_problems(total, by_table):
    """Debezium 3.6's snapshot markers (SnapshotMarkerResolver), from counts: per table one start
    (first or first_in_data_collection) and one end (last or last_in_data_collection), a one-row
    table's row one of the four; the others true; one last and at most one first overall. Counts,
    not order, since a table's records may spread over partitions. Rows of incremental snapshots
    (source.snapshot "incremental": a resumed initial snapshot, signals, new tables) carry that one
    marker; with them the initial snapshot's rule is not checked (a resumed snapshot has no "last")."""
    problems = []
    known = {"true", "first", "first_in_data_collection", "last_in_data_collection", "last", "incremental"}
    if set(total) - known:
        problems.append(f"unknown markers {sorted(set(total) - known)}")
    if total.get("incremental", 0):
        return problems
    if total.get("last", 0) != 1 or total.get("first", 0) > 1:
        problems.append(f"{total.get('first', 0)} first and {total.get('last', 0)} last in the snapshot")
    for table, c in by_table.items():
        n = sum(c.values())
        starts = c.get("first", 0) + c.get("first_in_data_collection", 0)
        ends = c.get("last", 0) + c.get("last_in_data_collection", 0)
        if (n == 1 and starts + ends != 1) or (n > 1 and (starts != 1 or ends != 1)):
            problems.append(f"{table}: {n} records with markers {c}")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--registry", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--tables", required=True, help="schema.table,... (with primary keys)")
    ap.add_argument("--pg-host", required=True)
    ap.add_argument("--pg-port", required=True)
    ap.add_argument("--pg-user", required=True)
    ap.add_argument("--pg-db", required=True)
    ap.add_argument("--idle", type=float, default=5.0)
    ap.add_argument("--records-out", help="write one JSON line per record read to this file")
    ap.add_argument("--skip", action="append", default=[], metavar="TOPIC:PARTITION:FROM-TO",
                    help="leave out the records at offsets FROM..TO-1 (records a restart is known to "
                         "send again, for a keyless table whose copies nothing tells apart); counted "
                         "as \"skipped\"")
    args = ap.parse_args()
    skips = []
    for sk in args.skip:
        t, p, r = sk.rsplit(":", 2)
        lo, hi = r.split("-")
        skips.append((t, int(p), int(lo), int(hi)))

    registry = Registry(args.registry)
    tables = args.tables.split(",")
    topics = [f"{args.prefix}.{t}" for t in tables]
    records, partitions = consume(args.bootstrap, topics, idle_s=args.idle)
    summary = {"records": len(records), "tables": {}, "duplicates": 0, "errors": []}
    streamed = set()  # topics with a streamed change so far
    seen = set()
    state = {t: {} for t in tables}
    last_delete_key = {}
    ok = True
    records_out = open(args.records_out, "w") if args.records_out else None
    for topic, partition, offset, kbytes, vbytes, ts_ms in records:
        table = topic[len(args.prefix) + 1:]
        if any(topic == t and partition == p and lo <= offset < hi for t, p, lo, hi in skips):
            summary["skipped"] = summary.get("skipped", 0) + 1
            continue
        if kbytes is not None and partitions[topic] > 1 and partition != java_partition(kbytes, partitions[topic]):
            summary["errors"].append(f"{topic}@{offset}: key on partition {partition}, Java would use "
                                     f"{java_partition(kbytes, partitions[topic])}")
        key = registry.decode(kbytes) if kbytes is not None else None
        kid = json.dumps(key, sort_keys=True, default=str)
        if vbytes is None:  # tombstone: must follow the delete of the same key
            if records_out:
                records_out.write(json.dumps({"topic": topic, "partition": partition, "offset": offset,
                                              "ts": ts_ms, "tombstone": True, "key": kid}) + "\n")
            if last_delete_key.get(topic) != kid:
                summary["errors"].append(f"{topic}@{offset}: tombstone not after a delete of key {kid}")
            continue
        value = registry.decode(vbytes)
        op, src = value["op"], value["source"]
        ident = (topic, src.get("lsn"), src.get("txId"), op, kid, json.dumps(value["after"], sort_keys=True,
                                                                             default=str))
        if records_out:
            records_out.write(json.dumps({
                "topic": topic, "partition": partition, "offset": offset, "ts": ts_ms, "tombstone": False,
                "op": op, "snapshot": src.get("snapshot"), "txId": src.get("txId"), "lsn": src.get("lsn"),
                "key": kid,
                "change": hashlib.sha1(json.dumps(ident, default=str).encode()).hexdigest(),
                "duplicate": ident in seen}) + "\n")
        if ident in seen:
            summary["duplicates"] += 1
        seen.add(ident)
        if op == "r":  # snapshot reads: their source.snapshot markers, and any after a streamed change
            marks = summary.setdefault("snapshot_markers", {})
            marks[src.get("snapshot")] = marks.get(src.get("snapshot"), 0) + 1
            tmarks = summary.setdefault("snapshot_markers_by_table", {}).setdefault(table, {})
            tmarks[src.get("snapshot")] = tmarks.get(src.get("snapshot"), 0) + 1
            if topic in streamed:
                summary["reads_after_stream"] = summary.get("reads_after_stream", 0) + 1
        elif op in ("c", "u", "d", "t"):
            streamed.add(topic)
        rows = state[table]
        if key is None and op != "t":
            # No key: the table is a multiset; FULL replica identity gives whole before images.
            rid = lambda r: json.dumps(r, sort_keys=True, default=str)
            # rows: the row's JSON -> [copies, the decoded row] (JSON would turn a decimal's tuple
            # into a list, which no longer compares)
            if op in ("u", "d") and value["before"] is not None:
                bid = rid(value["before"])
                if rows.get(bid, [0])[0] > 0:
                    rows[bid][0] -= 1
            if op in ("c", "r", "u"):
                rows.setdefault(rid(value["after"]), [0, value["after"]])[0] += 1
            continue
        if op in ("c", "r", "u"):
            after = dict(value["after"])
            prev = rows.get(kid) or {}
            for f, v in after.items():
                # An unchanged TOAST value: the placeholder, never NULL. A consumer keeps what it had.
                if v == UNAVAILABLE or v == UNAVAILABLE.encode():
                    summary["unchanged_toast"] = summary.get("unchanged_toast", 0) + 1
                    after[f] = prev.get(f)
            rows[kid] = after
            if op == "u" and value["before"] is not None:
                # A key change: the old key's row is gone (Debezium sends it as before).
                old = {f: value["before"][f] for f in (key or {})}
                okid = json.dumps(old, sort_keys=True, default=str)
                if okid != kid:
                    rows.pop(okid, None)
        elif op == "d":
            rows.pop(kid, None)
            last_delete_key[topic] = kid
        elif op == "t":
            rows.clear()
    if records_out:
        records_out.close()
    for table in tables:
        cols = table_columns(args, table)
        pg_rows = psql_json(args, f"SELECT coalesce(json_agg(to_jsonb(t)), '[]') FROM {table} t") or []
        rows = state[table]
        keycols = psql_json(args, f"""SELECT json_agg(a.attname ORDER BY a.attnum) FROM pg_index i
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
            WHERE i.indrelid = '{table}'::regclass AND i.indisprimary""")
        matched, bad = 0, []
        if not keycols:
            got_rows = [row for n, row in rows.values() for _ in range(n)]
            # Rows matched within buckets of one plainly compared column (an integer or a string),
            # not against every row: tens of thousands of keyless rows stay seconds.
            plain = lambda v: isinstance(v, (int, str)) and not isinstance(v, bool)
            bcol = next((c for c, t, tt, bt in cols
                         if pg_rows and plain(expected_value(t, tt, bt, pg_rows[0][c]))), None)
            buckets = {}
            for g in got_rows:
                buckets.setdefault(repr(normalise_avro(g.get(bcol))) if bcol else "", []).append(g)
            for pg in pg_rows:
                exp = {c: expected_value(t, tt, bt, pg[c]) for c, t, tt, bt in cols}
                cand = buckets.get(repr(exp[bcol]) if bcol else "", [])
                hit = next((i for i, g in enumerate(cand)
                            if all(same(exp[c], g.get(c)) for c, t, tt, bt in cols)), None)
                if hit is None:
                    bad.append(f"row {pg} missing from the topic")
                else:
                    cand.pop(hit)
                    matched += 1
            bad += [f"row {g} in the topic but not in the table" for cand in buckets.values() for g in cand]
            summary["tables"][table] = {"pg_rows": len(pg_rows), "matched": matched, "problems": len(bad)}
            for b in bad[:10]:
                print(f"MISMATCH {table}: {b}", file=sys.stderr)
            ok &= not bad
            continue
        by_key = {}
        for r in rows.values():
            by_key[json.dumps({k: r[k] for k in keycols}, sort_keys=True, default=str)] = r
        for pg in pg_rows:
            kid = json.dumps({k: pg[k] for k in keycols}, sort_keys=True, default=str)
            got = by_key.pop(kid, None)
            if got is None:
                bad.append(f"row {kid} missing from the topic")
                continue
            diffs = [c for c, t, tt, bt in cols if not same(expected_value(t, tt, bt, pg[c]), got.get(c))]
            if diffs:
                bad.append(f"row {kid}: columns differ: " + ", ".join(
                    f"{c}: pg={pg[c]!r:.200} kafka={got.get(c)!r:.200}" for c in diffs[:5]))
            else:
                matched += 1
        for kid in by_key:
            bad.append(f"row {kid} in the topic but not in the table")
        summary["tables"][table] = {"pg_rows": len(pg_rows), "matched": matched, "problems": len(bad)}
        for b in bad[:10]:
            print(f"MISMATCH {table}: {b}", file=sys.stderr)
        ok &= not bad
    for e in summary["errors"][:10]:
        print(f"ERROR: {e}", file=sys.stderr)
    ok &= not summary["errors"]
    if "snapshot_markers_by_table" in summary:
        summary["snapshot_marker_problems"] = marker_problems(summary["snapshot_markers"],
                                                              summary["snapshot_markers_by_table"])
    summary["distinct_changes"] = len(seen)
    print(json.dumps(summary))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
