#!/usr/bin/env python3
"""Replays the row events of one table, as `mariadb-binlog --verbose --base64-output=DECODE-ROWS`
prints them, on top of a snapshot of that table, and compares the result with the table's final
state. Every change must apply to the state it describes: an INSERT of a row the snapshot already
holds, or an UPDATE/DELETE whose before image differs from the replayed row, means the snapshot and
the binlog position do not meet exactly (a change counted twice, or lost).

usage: mysql_binlog_replay.py BINLOG_TEXT DB.TABLE SNAPSHOT FINAL
SNAPSHOT and FINAL: one "id v" line per row. Prints a summary; exit 0 when equal, 1 otherwise."""
import re
import sys


def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                k, v = line.split()
                if k in rows:
                    sys.exit(f"FAIL: {path}: id {k} twice")
                rows[k] = v
    return rows


def main():
    text, table, snap_path, final_path = sys.argv[1:5]
    db, tbl = table.split(".")
    rows = load(snap_path)
    final = load(final_path)
    head = re.compile(r"^### (INSERT INTO|UPDATE|DELETE FROM) `%s`\.`%s`$" % (re.escape(db), re.escape(tbl)))
    other = re.compile(r"^### (INSERT INTO|UPDATE|DELETE FROM) ")
    col = re.compile(r"^###   @(\d+)=(.*)$")
    errors = []
    counts = {"INSERT INTO": 0, "UPDATE": 0, "DELETE FROM": 0}

    def apply(op, where, set_):
        counts[op] += 1
        if op == "INSERT INTO":
            k = set_["1"]
            if k in rows:
                errors.append(f"INSERT of id {k}, already in the snapshot (counted twice)")
            rows[k] = set_["2"]
        elif op == "DELETE FROM":
            k = where["1"]
            if rows.get(k) != where["2"]:
                errors.append(f"DELETE of id {k} v {where['2']}, but the replayed row is {rows.get(k)}")
            rows.pop(k, None)
        else:
            k = where["1"]
            if rows.get(k) != where["2"]:
                errors.append(f"UPDATE of id {k} from v {where['2']}, but the replayed row is {rows.get(k)}")
            rows.pop(k, None)
            rows[set_["1"]] = set_["2"]

    op = None
    section = None
    where, set_ = {}, {}
    with open(text, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = head.match(line)
            if m or other.match(line) or not line.startswith("###"):
                if op:
                    apply(op, where, set_)
                op = m.group(1) if m else None
                section, where, set_ = None, {}, {}
                continue
            if not op:
                continue
            if line == "### WHERE":
                section = where
            elif line == "### SET":
                section = set_
            else:
                c = col.match(line)
                if c and section is not None:
                    section[c.group(1)] = c.group(2).split(" ")[0]
    if op:
        apply(op, where, set_)
    print(f"replayed {counts['INSERT INTO']} inserts, {counts['UPDATE']} updates, "
          f"{counts['DELETE FROM']} deletes on {len(load(snap_path))} snapshot rows")
    if rows != final:
        missing = [k for k in final if k not in rows][:5]
        extra = [k for k in rows if k not in final][:5]
        differ = [k for k in final if k in rows and rows[k] != final[k]][:5]
        errors.append(f"replayed table != final table: missing ids {missing}, extra ids {extra}, "
                      f"other v at ids {differ}")
    for e in errors[:20]:
        print("FAIL:", e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
