#!/usr/bin/python3
"""Workload for pg_crash.sh (and, with --dialect mysql, mysql_crash.sh): prints SQL for psql (or the
mariadb client) on stdout, paced over --seconds, that makes exactly
--changes row change events in SCHEMA.main and SCHEMA.side (tables made by the test), then writes
the counts as JSON to --counts.

Transactions of 1 to ~500 events: single-row autocommit statements, multi-row INSERTs (many events
sharing one commit), COPY (rows sharing one WAL record), UPDATEs and DELETEs of many rows, both tables
in one transaction, primary-key changes (two events: a delete and a create), and a few transactions
that are rolled back (no event at all). The writer keeps a model of which ids exist, so every
statement touches a known number of rows and the count is exact without asking PostgreSQL.
"""
import argparse
import json
import random
import sys
import time


class Table:
    def __init__(self, name):
        self.name = name
        self.ids = []  # live ids; pos gives O(1) removal
        self.pos = {}

    def add(self, i):
        self.pos[i] = len(self.ids)
        self.ids.append(i)

    def remove(self, i):
        p = self.pos.pop(i)
        last = self.ids.pop()
        if last != i:
            self.ids[p] = last
            self.pos[last] = p

    def sample(self, rng, k):
        return rng.sample(self.ids, min(k, len(self.ids)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--schema", required=True)
    ap.add_argument("--changes", type=int, default=100000)
    ap.add_argument("--seconds", type=float, default=70.0)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--counts", required=True)
    ap.add_argument("--dialect", choices=["postgres", "mysql"], default="postgres",
                    help="mysql: the same workload for MariaDB/MySQL (no COPY: multi-row INSERTs instead)")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    main_t, side_t = Table(f"{args.schema}.main"), Table(f"{args.schema}.side")
    next_id = [1]
    counts = {"seed": seed, "changes": 0, "transactions": 0, "rolled_back": 0, "inserts": 0, "updates": 0,
              "deletes": 0, "pk_changes": 0, "copy_rows": 0, "max_txn_events": 0}
    out = sys.stdout
    start = time.monotonic()

    def fresh(k):
        ids = list(range(next_id[0], next_id[0] + k))
        next_id[0] += k
        return ids

    def ins_main(ids, tag):
        rows = ",".join(f"({i}, {rng.randrange(1000)}, 'm{i}-{tag}', now())" for i in ids)
        return f"INSERT INTO {main_t.name} (id, v, payload, ts) VALUES {rows};\n"

    def ins_side(ids, tag):
        rows = ",".join(f"({i}, {rng.randrange(100000)}, {rng.randrange(50)}, "
                        f"{'NULL' if i % 7 == 0 else repr(f's{i}-{tag}')})" for i in ids)
        return f"INSERT INTO {side_t.name} (id, main_id, qty, note) VALUES {rows};\n"

    def id_list(ids):
        return ",".join(str(i) for i in ids)

    def statements(budget, tag):
        """SQL for one committed transaction of exactly `budget` events; applies them to the model."""
        sql, left = [], budget
        while left > 0:
            kind = rng.choices(["insert", "copy", "update", "delete", "pk"], [45, 10, 25, 15, 5])[0]
            k = min(left, rng.randint(1, 200))
            table = rng.choice([main_t, side_t])
            if kind in ("update", "delete") and len(table.ids) < k:
                kind = "insert"
            if kind == "pk" and (left < 2 or not side_t.ids):
                kind = "insert"
            if kind == "copy" and args.dialect == "mysql":
                kind, table = "insert", side_t
            if kind == "insert":
                ids = fresh(k)
                sql.append(ins_main(ids, tag) if table is main_t else ins_side(ids, tag))
                for i in ids:
                    table.add(i)
                counts["inserts"] += k
            elif kind == "copy":
                ids = fresh(k)
                lines = "".join(f"{i}\t{rng.randrange(100000)}\t{rng.randrange(50)}\tc{i}-{tag}\n" for i in ids)
                sql.append(f"COPY {side_t.name} (id, main_id, qty, note) FROM STDIN;\n{lines}\\.\n")
                for i in ids:
                    side_t.add(i)
                counts["inserts"] += k
                counts["copy_rows"] += k
            elif kind == "update":
                ids = table.sample(rng, k)
                if table is main_t:
                    sql.append(f"UPDATE {main_t.name} SET v = v + 1, payload = 'u{tag}', ts = now() "
                               f"WHERE id IN ({id_list(ids)});\n")
                else:
                    sql.append(f"UPDATE {side_t.name} SET qty = qty + 1, note = 'u{tag}' "
                               f"WHERE id IN ({id_list(ids)});\n")
                counts["updates"] += k
            elif kind == "delete":
                ids = table.sample(rng, k)
                sql.append(f"DELETE FROM {table.name} WHERE id IN ({id_list(ids)});\n")
                for i in ids:
                    table.remove(i)
                counts["deletes"] += k
            else:  # a primary-key change: published as a delete of the old key and a create
                k = 2
                old, new = side_t.sample(rng, 1)[0], fresh(1)[0]
                sql.append(f"UPDATE {side_t.name} SET id = {new}, note = 'k{tag}' WHERE id = {old};\n")
                side_t.remove(old)
                side_t.add(new)
                counts["pk_changes"] += 1
            left -= k
        return sql

    txn = 0
    while counts["changes"] < args.changes:
        txn += 1
        r = rng.random()
        if r < 0.03 and main_t.ids:
            # Rolled back: inserts and updates that must never reach Kafka. The model is untouched
            # (the fresh ids are simply never used again).
            ids = fresh(rng.randint(1, 50))
            upd = main_t.sample(rng, rng.randint(1, 50))
            out.write(f"BEGIN;\n{ins_main(ids, f'rb{txn}')}UPDATE {main_t.name} SET v = -1 "
                      f"WHERE id IN ({id_list(upd)});\nROLLBACK;\n")
            counts["rolled_back"] += 1
            continue
        size = (1 if r < 0.35 else rng.randint(2, 20) if r < 0.65 else rng.randint(20, 150) if r < 0.90
                else rng.randint(150, 500))
        size = min(size, args.changes - counts["changes"])
        sql = statements(size, txn)
        if size == 1 and len(sql) == 1:
            out.write(sql[0])  # autocommit
        else:
            out.write("BEGIN;\n" + "".join(sql) + "COMMIT;\n")
        counts["changes"] += size
        counts["transactions"] += 1
        counts["max_txn_events"] = max(counts["max_txn_events"], size)
        out.flush()
        # Pace: the stream spreads over --seconds, so kills land all along it.
        ahead = counts["changes"] / args.changes * args.seconds - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
    out.flush()
    out.close()
    counts["rows_main"], counts["rows_side"] = len(main_t.ids), len(side_t.ids)
    with open(args.counts, "w") as f:
        json.dump(counts, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
