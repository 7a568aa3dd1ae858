#!/usr/bin/python3
"""Reads rowcast's MySQL/MariaDB topics back from Kafka, decodes them with an independent Avro
implementation (python3-avro, schemas from the Schema Registry by the id in each record), rebuilds each
table from its change events, and compares it with the table's rows in MariaDB.

The expected value of every column is computed here from what the server itself prints (text, HEX(),
ST_AsWKB()), following Debezium's default MySQL mapping, independently of rowcast's C conversion.

Exit 0 when every table matches, 1 otherwise; a JSON summary on the last line: records, duplicates (the
same change seen twice, as a replay after a crash gives), per table rows and problems, the count of
records per op and per source.snapshot marker.
"""
import argparse
import datetime
import decimal
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdc_verify import Registry, consume, java_partition, marker_problems, normalise_avro  # noqa: E402

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
EPOCH_DATE = datetime.date(1970, 1, 1)


def mysql(args, sql):
    out = subprocess.run(["mariadb", "--no-defaults", "--protocol=TCP", "-h", args.host, "-P", args.port, "-u",
                          args.user, f"-p{args.password}", "--batch", "--raw", "-N", "-e", sql],
                         check=True, capture_output=True).stdout
    return [line for line in out.decode("utf-8").split("\n") if line]


def columns(args, db, table):
    rows = mysql(args, f"""SELECT JSON_ARRAY(COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, COLUMN_KEY = 'PRI',
        IFNULL(DATETIME_PRECISION, 0), IFNULL(NUMERIC_SCALE, 0), IFNULL(CHARACTER_SET_NAME, ''))
        FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '{db}' AND TABLE_NAME = '{table}'
        ORDER BY ORDINAL_POSITION""")
    return [json.loads(r) for r in rows]


def select_expr(col):
    """SQL giving the column as text the expected value is computed from."""
    name, dtype = f"`{col[0]}`", col[1]
    if dtype in ("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "bit"):
        return f"HEX({name})"
    if dtype in ("geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
                 "geometrycollection"):
        return f"IF({name} IS NULL, NULL, CONCAT(ST_SRID({name}), ':', HEX(ST_AsWKB({name}))))"
    if dtype in ("float", "double"):
        return f"CAST({name} AS CHAR)"
    return f"CAST({name} AS CHAR)" if dtype not in ("char", "varchar", "text", "tinytext", "mediumtext",
                                                    "longtext", "enum", "set", "json") else name


def parse_time_us(text):
    neg = text.startswith("-")
    text = text.lstrip("-")
    hms, _, frac = text.partition(".")
    h, m, s = (int(x) for x in hms.split(":"))
    us = ((h * 60 + m) * 60 + s) * 1000000 + int((frac + "000000")[:6])
    return -us if neg else us


def expected(col, v):
    """Debezium's default representation of a MariaDB value (time.precision.mode
    adaptive_time_microseconds, decimal.handling.mode precise, binary.handling.mode bytes)."""
    if v is None:
        return None
    if isinstance(v, (dict, list)):  # JSON_OBJECT nests a JSON column (MariaDB: json_valid) as JSON
        return ("json", v)
    name, dtype, ctype, _, fsp, scale, charset = col
    unsigned = "unsigned" in ctype
    if dtype == "year":
        # YEAR 0000: Debezium's binlog deserializer adds 1900 to the stored byte (0), so 1900.
        return int(v) or 1900
    if dtype in ("tinyint", "smallint", "mediumint", "int", "bigint"):
        n = int(v)
        if dtype == "bigint" and unsigned and n >= 1 << 63:
            n -= 1 << 64  # bigint.unsigned.handling.mode=long: the bits as a signed long
        return n
    if dtype == "bit":
        bits = int(ctype[ctype.index("(") + 1:ctype.index(")")])
        n = int(v, 16) if v else 0
        if bits == 1:
            return n == 1
        return ("bits", n)
    if dtype in ("float", "double"):
        return ("float", float(v), dtype == "float")
    if dtype == "decimal":
        return ("numeric", decimal.Decimal(v))
    if dtype == "date":
        if v.startswith("0000") or "-00" in v:
            return None
        return (datetime.date.fromisoformat(v) - EPOCH_DATE).days
    if dtype == "time":
        return parse_time_us(v)
    if dtype == "datetime":
        if v.startswith("0000-00-00"):
            return None
        dt = datetime.datetime.fromisoformat(v).replace(tzinfo=datetime.timezone.utc)
        us = (dt - EPOCH) // datetime.timedelta(microseconds=1)
        return us // 1000 if fsp <= 3 else us
    if dtype == "timestamp":
        if v.startswith("0000-00-00"):
            return None
        return ("zts", datetime.datetime.fromisoformat(v).replace(tzinfo=datetime.timezone.utc))
    if dtype in ("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"):
        return bytes.fromhex(v)
    if dtype in ("geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
                 "geometrycollection"):
        srid, _, wkb = v.partition(":")
        # Debezium (BinlogGeometry): SRID 0 is "unset", null.
        return ("geometry", int(srid) or None, bytes.fromhex(wkb))
    return v


def same(exp, actual):
    actual = normalise_avro(actual)
    if isinstance(exp, tuple):
        kind = exp[0]
        if kind == "numeric":
            return isinstance(actual, tuple) and actual[1] == exp[1]
        if kind == "float":
            if not isinstance(actual, float):
                return False
            if exp[2]:  # FLOAT: the server prints 6 significant digits of what a float32 holds
                return abs(actual - exp[1]) <= abs(exp[1]) * 1e-5
            return actual == exp[1]
        if kind == "zts":
            try:
                return datetime.datetime.fromisoformat(actual.replace("Z", "+00:00")) == exp[1]
            except (ValueError, AttributeError):
                return False
        if kind == "bits":  # io.debezium.data.Bits: little-endian bytes
            return isinstance(actual, bytes) and int.from_bytes(actual, "little") == exp[1]
        if kind == "json":
            try:
                return json.loads(actual) == exp[1]
            except (TypeError, ValueError):
                return False
        if kind == "geometry":
            return isinstance(actual, dict) and actual.get("srid") == exp[1] and actual.get("wkb") == exp[2]
    return exp == actual


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--registry", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--tables", required=True, help="db.table,...")
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--idle", type=float, default=5.0)
    ap.add_argument("--max", type=float, default=600.0)
    ap.add_argument("--records-out", help="write one JSON line per record read to this file")
    args = ap.parse_args()

    registry = Registry(args.registry)
    tables = args.tables.split(",")
    topics = [f"{args.prefix}.{t}" for t in tables]
    records, partitions = consume(args.bootstrap, topics, idle_s=args.idle, max_s=args.max)
    summary = {"records": len(records), "tables": {}, "duplicates": 0, "ops": {}, "snapshot_markers": {},
               "errors": []}
    state = {t: {} for t in tables}
    seen = set()
    last_delete_key = {}
    records_out = open(args.records_out, "w") if args.records_out else None
    for topic, partition, offset, kbytes, vbytes, ts_ms in records:
        table = topic[len(args.prefix) + 1:]
        if kbytes is not None and partitions[topic] > 1 and partition != java_partition(kbytes, partitions[topic]):
            summary["errors"].append(f"{topic}@{offset}: key on partition {partition}")
        key = registry.decode(kbytes) if kbytes is not None else None
        kid = json.dumps(key, sort_keys=True, default=str)
        if vbytes is None:
            if records_out:
                records_out.write(json.dumps({"topic": topic, "offset": offset, "ts": ts_ms, "tombstone": True}) + "\n")
            if last_delete_key.get(topic) != kid:
                summary["errors"].append(f"{topic}@{offset}: tombstone not after a delete of key {kid}")
            continue
        value = registry.decode(vbytes)
        op, src = value["op"], value["source"]
        summary["ops"][op] = summary["ops"].get(op, 0) + 1
        if op == "r":
            m = src.get("snapshot")
            summary["snapshot_markers"][m] = summary["snapshot_markers"].get(m, 0) + 1
            tm = summary.setdefault("snapshot_markers_by_table", {}).setdefault(table, {})
            tm[m] = tm.get(m, 0) + 1
        ident = (topic, src.get("file"), src.get("pos"), src.get("row"), op, kid)
        duplicate = op != "r" and ident in seen
        if duplicate:
            summary["duplicates"] += 1
        seen.add(ident)
        if records_out:
            records_out.write(json.dumps({"topic": topic, "offset": offset, "ts": ts_ms, "tombstone": False, "op": op,
                                          "file": src.get("file"), "pos": src.get("pos"), "row": src.get("row"),
                                          "change": json.dumps(ident, default=str), "duplicate": duplicate}) + "\n")
        rows = state[table]
        if key is None:  # no primary key: a multiset of whole rows
            rid = lambda r: json.dumps(r, sort_keys=True, default=str)
            if op in ("u", "d") and value["before"] is not None and rows.get(rid(value["before"]), 0) > 0:
                rows[rid(value["before"])] -= 1
            if op in ("c", "r", "u"):
                rows[rid(value["after"])] = rows.get(rid(value["after"]), 0) + 1
            continue
        if op in ("c", "r", "u"):
            rows[kid] = dict(value["after"])
        elif op == "d":
            rows.pop(kid, None)
            last_delete_key[topic] = kid
    if records_out:
        records_out.close()
    if "snapshot_markers_by_table" in summary:
        summary["snapshot_marker_problems"] = marker_problems(summary["snapshot_markers"],
                                                              summary["snapshot_markers_by_table"])
    summary["distinct_changes"] = len(seen)
    ok = True
    for table in tables:
        db, name = table.split(".", 1)
        cols = columns(args, db, name)
        exprs = ", ".join(f"'{c[0]}', {select_expr(c)}" for c in cols)
        db_rows = [json.loads(r) for r in mysql(args, f"SELECT JSON_OBJECT({exprs}) FROM `{db}`.`{name}`")]
        keycols = [c for c in cols if c[3]]
        rows = state[table]
        bad, matched = [], 0
        if not keycols:
            got = [json.loads(r) for r, n in rows.items() for _ in range(n)]
            for dbr in db_rows:
                hit = next((i for i, g in enumerate(got)
                            if all(same(expected(c, dbr[c[0]]), g.get(c[0])) for c in cols)), None)
                if hit is None:
                    bad.append(f"row {dbr} missing from the topic")
                else:
                    got.pop(hit)
                    matched += 1
            bad += [f"row {g} in the topic but not in the table" for g in got]
        else:
            by_key = {}
            for r in rows.values():
                by_key[json.dumps([normalise_avro(r.get(c[0])) for c in keycols], default=str)] = r
            for dbr in db_rows:
                k = json.dumps([normalise_avro(expected_key(c, dbr[c[0]])) for c in keycols], default=str)
                g = by_key.pop(k, None)
                if g is None:
                    bad.append(f"row {k} missing from the topic")
                    continue
                diffs = [c[0] for c in cols if not same(expected(c, dbr[c[0]]), g.get(c[0]))]
                if diffs:
                    bad.append(f"row {k}: columns differ: " + ", ".join(
                        f"{d}: db={dbr[d]!r:.120} kafka={g.get(d)!r:.120}" for d in diffs[:6]))
                else:
                    matched += 1
            bad += [f"row {k} in the topic but not in the table" for k in by_key]
        summary["tables"][table] = {"db_rows": len(db_rows), "matched": matched, "problems": len(bad)}
        for b in bad[:10]:
            print(f"MISMATCH {table}: {b}", file=sys.stderr)
        ok &= not bad
    for e in summary["errors"][:10]:
        print(f"ERROR: {e}", file=sys.stderr)
    ok &= not summary["errors"]
    print(json.dumps(summary))
    return 0 if ok else 1


def expected_key(col, v):
    """A key column's value as the decoded Avro gives it (for matching rows by key)."""
    e = expected(col, v)
    if isinstance(e, tuple) and e[0] == "numeric":
        return ("numeric", e[1])
    return e


if __name__ == "__main__":
    sys.exit(main())
