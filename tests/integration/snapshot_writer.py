#!/usr/bin/python3
"""Writes to a table while a snapshot reads it: prints SQL for psql (or, --dialect mysql, the mariadb
client) on stdout, small transactions of
inserts, updates, deletes and primary-key changes of random rows, until the file --stop exists. Then
writes how many transactions it made to --counts (JSON).

The table has columns (id bigint primary key, name text, amount numeric(12,2), created timestamptz,
flag boolean); ids 1..--rows exist at the start. The writer does not track which ids exist: an
update or delete of a missing id simply changes nothing, and inserts use fresh ids above --rows.
"""
import argparse
import json
import os
import random
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", required=True)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--stop", required=True)
    ap.add_argument("--counts", required=True)
    ap.add_argument("--pause", type=float, default=0.005, help="seconds between transactions")
    ap.add_argument("--first-id", type=int, default=0,
                    help="the first id inserted (default --rows + 1): a second writer on the same table")
    ap.add_argument("--dialect", choices=("postgres", "mysql"), default="postgres",
                    help="mysql: SQL for the mariadb client (CONCAT rather than ||)")
    args = ap.parse_args()
    rng = random.Random()
    next_id = args.first_id or args.rows + 1
    counts = {"transactions": 0, "inserts": 0, "updates": 0, "deletes": 0, "pk_changes": 0}
    out = sys.stdout
    while not os.path.exists(args.stop):
        stmts = []
        for _ in range(rng.randint(1, 4)):
            op = rng.random()
            if op < 0.35:
                stmts.append(f"INSERT INTO {args.table} VALUES ({next_id}, 'ins {next_id}', "
                             f"{rng.randint(-99999, 99999) / 100:.2f}, now(), {rng.choice(['true', 'false', 'NULL'])});")
                next_id += 1
                counts["inserts"] += 1
            elif op < 0.7:
                i = rng.randint(1, next_id - 1)
                upd = "CONCAT('upd ', name)" if args.dialect == "mysql" else "'upd ' || name"
                stmts.append(f"UPDATE {args.table} SET name = {upd}, amount = amount + 1, "
                             f"flag = NOT coalesce(flag, false) WHERE id = {i};")
                counts["updates"] += 1
            elif op < 0.95:
                stmts.append(f"DELETE FROM {args.table} WHERE id = {rng.randint(1, next_id - 1)};")
                counts["deletes"] += 1
            else:
                stmts.append(f"UPDATE {args.table} SET id = {next_id} WHERE id = {rng.randint(1, next_id - 1)};")
                next_id += 1
                counts["pk_changes"] += 1
        out.write("BEGIN;\n" + "\n".join(stmts) + "\nCOMMIT;\n")
        out.flush()
        counts["transactions"] += 1
        time.sleep(args.pause)
    with open(args.counts, "w") as f:
        json.dump(counts, f)


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # psql went away: the test reports it
        sys.exit(1)
