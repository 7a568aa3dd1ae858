#!/usr/bin/python3
"""The fault suite's writer: commits transactions against ledger tables in PostgreSQL (--dialect pg)
or MariaDB (--dialect mysql) and records each one in a JSON-lines ledger only after COMMIT returned.

No Python database driver: the writer drives `psql` / `mariadb` as a coprocess (one statement batch
in, its answer out). Each transaction ends with a marker (psql `\\echo END <seq>`, MariaDB
`SELECT 'END', <seq>`) printed only after COMMIT returned, so a ledger line is written only for a
commit the server confirmed. Every committed transaction also inserts its sequence number into
META.txlog (a table rowcast does not capture): when the connection dies mid-transaction (a database
restart, a kill), the writer reconnects and asks txlog whether that transaction committed, so its
outcome is known, never guessed.

Rows: LEDGER(k int primary key, v bigint, seq bigint, pad text). v is a counter over the whole run
(every row change gets a new v, rolled-back ones too), so a change is identified by (table, k, op, v)
and the values of one key only grow: the verifier checks order with them. A delete is identified by
the v it removed (REPLICA IDENTITY FULL / binlog_row_image=FULL give it in `before`).

Ledger lines: {"seq", "status": committed|rolled_back|aborted, "t" (ms after COMMIT returned),
"pos" (an upper bound of the commit position: PG pg_current_wal_lsn() after COMMIT; MariaDB
SHOW MASTER STATUS file and pos after COMMIT), "txid" (PG), "gtid" (MariaDB @@last_gtid),
"changes": [[table, k, op, v], ...]} with op c (insert), u (update), d (delete).

Workloads (--workload): mixed (inserts, updates, deletes, multi-row statements, 5% rolled back),
copy (PG: COPY of --rows rows in one transaction, then mixed), bulk (one UPDATE of --rows rows: many
rows in one binlog event / one statement, then mixed), huge (one transaction of --rows rows, then
mixed). --long-open S keeps a second session's transaction open for S seconds while the others commit.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time


def now_ms():
    return int(time.time() * 1000)


class Session:
    """One psql / mariadb coprocess. run() sends a batch and returns the lines before its marker, or
    None when the connection died first."""

    def __init__(self, dialect):
        self.dialect = dialect
        self.proc = None

    def connect(self, deadline):
        while True:
            self.close()
            if self.dialect == "pg":
                cmd = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", os.environ["ROWCAST_TEST_PG_HOST"],
                       "-p", os.environ["ROWCAST_TEST_PG_PORT"], "-U", os.environ["ROWCAST_TEST_PG_USER"],
                       "-d", os.environ["ROWCAST_TEST_PG_DB"]]
                env = dict(os.environ, PGPASSWORD=os.environ["ROWCAST_TEST_PG_PASSWORD"], PGCONNECT_TIMEOUT="5")
            else:
                cmd = ["mariadb", "--no-defaults", "--protocol=TCP", "-h", os.environ["ROWCAST_TEST_MYSQL_HOST"],
                       "-P", os.environ["ROWCAST_TEST_MYSQL_PORT"], "-u", os.environ["ROWCAST_TEST_MYSQL_USER"],
                       "--batch", "-N", "-n", "--raw", "--connect-timeout=5"]
                env = dict(os.environ, MYSQL_PWD=os.environ["ROWCAST_TEST_MYSQL_PASSWORD"])
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=sys.stderr,
                                         env=env, text=True, bufsize=1)
            if self.run("", "ping") is not None:
                return
            if time.time() > deadline:
                raise SystemExit("ledger_writer: cannot connect to the database")
            time.sleep(0.5)

    def run(self, sql, marker):
        end = f"\\echo END {marker}\n" if self.dialect == "pg" else f"SELECT 'END', '{marker}';\n"
        want = f"END {marker}" if self.dialect == "pg" else f"END\t{marker}"
        try:
            self.proc.stdin.write(sql + end)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        lines = []
        while True:
            line = self.proc.stdout.readline()
            if not line:
                return None
            line = line.rstrip("\n")
            if line == want:
                return lines
            lines.append(line)

    def close(self):
        if self.proc:
            try:
                self.proc.kill()
                self.proc.wait()
            except OSError:
                pass
            self.proc = None


class Writer:
    def __init__(self, args):
        self.a = args
        self.rng = random.Random(args.seed)
        self.tables = [f"{args.schema}.{t}" for t in args.tables.split(",")]
        self.keys = {t: set() for t in self.tables}  # live keys (the model)
        self.next_key = {t: 1 for t in self.tables}
        self.v = args.start_v
        self.seq = args.start_seq
        self.ledger = open(args.ledger, "a")
        self.lock = threading.Lock()
        self.s = Session(args.dialect)
        self.deadline_connect = 120
        self.counts = {"committed": 0, "rolled_back": 0, "aborted": 0, "changes": 0}

    def nv(self):
        self.v += 1
        return self.v

    def record(self, entry):
        with self.lock:
            self.ledger.write(json.dumps(entry) + "\n")
            self.ledger.flush()
            os.fsync(self.ledger.fileno())

    # --- SQL for one transaction; returns (sql, changes) and updates a copy of the model ---

    def gen_mixed(self, seq, model):
        changes, sql = [], []
        for _ in range(self.rng.choice([1, 1, 1, 2, 3])):
            t = self.rng.choice(self.tables)
            live = model[t]
            n = self.rng.choice([1, 1, 2, 5, 20, 50])
            kind = self.rng.choices(["ins", "upd", "del"], [45, 40, self.a.delete_weight])[0]
            touched = {c[1] for c in changes if c[0] == t}
            cand = [k for k in live if k not in touched]
            if kind != "ins" and len(cand) < n:
                kind = "ins"
            if kind == "ins":
                ks = list(range(self.next_key[t], self.next_key[t] + n))
                self.next_key[t] += n
                rows = []
                for k in ks:
                    v = self.nv()
                    rows.append(f"({k},{v},{seq},'p{seq}')")
                    changes.append([t, k, "c", v])
                    live.add(k)
                sql.append(f"INSERT INTO {t} (k,v,seq,pad) VALUES {','.join(rows)};")
            elif kind == "upd":
                ks = self.rng.sample(cand, n)
                case = []
                for k in ks:
                    v = self.nv()
                    case.append(f"WHEN {k} THEN {v}")
                    changes.append([t, k, "u", v])
                sql.append(f"UPDATE {t} SET v = CASE k {' '.join(case)} END, seq = {seq}, pad = 'u{seq}' "
                           f"WHERE k IN ({','.join(map(str, ks))});")
            else:
                ks = self.rng.sample(cand, n)
                for k in ks:
                    changes.append([t, k, "d", model["v"][(t, k)]])
                    live.discard(k)
                sql.append(f"DELETE FROM {t} WHERE k IN ({','.join(map(str, ks))});")
            for c in changes:
                if c[2] != "d":
                    model["v"][(c[0], c[1])] = c[3]
        return sql, changes

    def gen_bulk_insert(self, seq, model, n, copy):
        t = self.tables[0]
        changes, lines = [], []
        for _ in range(n):
            k = self.next_key[t]
            self.next_key[t] += 1
            v = self.nv()
            changes.append([t, k, "c", v])
            model[t].add(k)
            model["v"][(t, k)] = v
            lines.append((k, v))
        if copy and self.a.dialect == "pg":
            body = "".join(f"{k}\t{v}\t{seq}\tcopy{seq}\n" for k, v in lines)
            return [f"COPY {t} (k,v,seq,pad) FROM STDIN;\n{body}\\."], changes
        sql = []
        for i in range(0, len(lines), 1000):
            sql.append(f"INSERT INTO {t} (k,v,seq,pad) VALUES " +
                       ",".join(f"({k},{v},{seq},'h{seq}')" for k, v in lines[i:i + 1000]) + ";")
        return sql, changes

    def gen_bulk_update(self, seq, model):
        """One UPDATE statement over every live key of the first table: one binlog ROWS event group,
        one statement in PG. v = base + k keeps every new value distinct and above the old ones."""
        t = self.tables[0]
        base = self.v + 1
        ks = sorted(model[t])
        changes = []
        for k in ks:
            changes.append([t, k, "u", base + k])
            model["v"][(t, k)] = base + k
        self.v = base + (ks[-1] if ks else 0)
        return [f"UPDATE {t} SET v = {base} + k, seq = {seq}, pad = 'b{seq}';"], changes

    # --- one transaction through the session ---

    def commit(self, sql, changes, model, rollback=False, session=None, hold=0.0, adopt=True):
        s = session or self.s
        with self.lock:
            seq = self.seq = self.seq + 1
        meta = f"INSERT INTO {self.a.meta}.txlog (seq) VALUES ({seq});"
        if self.a.dialect == "pg":
            head = "BEGIN;\nSELECT 'X', txid_current();\n"
            tail = "ROLLBACK;\n" if rollback else f"{meta}\nCOMMIT;\nSELECT 'P', pg_current_wal_lsn();\n"
        else:
            head = "BEGIN;\n"
            tail = ("ROLLBACK;\n" if rollback else
                    f"{meta}\nCOMMIT;\nSELECT 'P', @@last_gtid;\nSHOW MASTER STATUS;\n")
        body = "\n".join(sql) + "\n"
        if hold:
            # A long-open transaction: the rows go in now, COMMIT after `hold` seconds.
            if s.run(head + body, f"open{seq}") is None:
                return self.resolve(seq, changes, model, s, adopt)
            time.sleep(hold)
            out = s.run(tail, seq)
        else:
            out = s.run(head + body + tail, seq)
        if out is None:
            return self.resolve(seq, changes, model, s, adopt)
        entry = {"seq": seq, "status": "rolled_back" if rollback else "committed", "t": now_ms(),
                 "changes": changes}
        if self.a.prefill and self.a.workload == "none":
            entry["prefill"] = True  # written before rowcast starts: what its snapshot covers
        for line in out:
            f = line.split("|") if self.a.dialect == "pg" else line.split("\t")
            if f[0] == "X":
                entry["txid"] = int(f[1])
            elif f[0] == "P" and self.a.dialect == "pg":
                entry["pos"] = f[1]
            elif f[0] == "P":
                entry["gtid"] = f[1]
            elif self.a.dialect == "mysql" and len(f) >= 2 and f[1].isdigit():
                entry["pos"] = [f[0], int(f[1])]
        self.record(entry)
        self.account(entry, model, adopt)
        return entry

    def account(self, entry, model, adopt):
        self.counts[entry["status"]] += 1
        if entry["status"] == "committed":
            self.counts["changes"] += len(entry["changes"])
        if entry["status"] == "committed" and adopt:
            # the model copy becomes the model
            for t in self.tables:
                self.keys[t] = model[t]
            self.vals = model["v"]

    def resolve(self, seq, changes, model, s, adopt):
        """The connection died before the marker: reconnect and ask txlog whether seq committed."""
        s.connect(time.time() + self.deadline_connect)
        out = s.run(f"SELECT 'R', count(*) FROM {self.a.meta}.txlog WHERE seq = {seq};\n", f"r{seq}")
        ok = out is not None and any(l.replace("|", "\t") == "R\t1" for l in out)
        entry = {"seq": seq, "status": "committed" if ok else "aborted", "t": now_ms(), "changes": changes,
                 "resolved": True}
        if ok:
            # The commit position is unknown: the current position is an upper bound.
            pos = s.run("SELECT 'P', pg_current_wal_lsn();\n" if self.a.dialect == "pg" else "SHOW MASTER STATUS;\n",
                        f"p{seq}") or []
            for line in pos:
                f = line.split("|") if self.a.dialect == "pg" else line.split("\t")
                if self.a.dialect == "pg" and f[0] == "P":
                    entry["pos"] = f[1]
                elif self.a.dialect == "mysql" and len(f) >= 2 and f[1].isdigit():
                    entry["pos"] = [f[0], int(f[1])]
        self.record(entry)
        self.account(entry, model, adopt)
        return entry

    def model_copy(self):
        m = {t: set(self.keys[t]) for t in self.tables}
        m["v"] = dict(getattr(self, "vals", {}))
        return m

    def one(self):
        model = self.model_copy()
        seq = self.seq + 1
        if self.rng.random() < self.a.rollback:
            sql, changes = self.gen_mixed(seq, model)
            return self.commit(sql, changes, self.model_copy(), rollback=True)
        sql, changes = self.gen_mixed(seq, model)
        return self.commit(sql, changes, model)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dialect", choices=["pg", "mysql"], required=True)
    ap.add_argument("--schema", required=True, help="PG schema / MariaDB database of the ledger tables")
    ap.add_argument("--meta", required=True, help="schema / database of the txlog table (not captured)")
    ap.add_argument("--tables", default="ledger_a,ledger_b")
    ap.add_argument("--ledger", required=True)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--tps", type=float, default=100, help="target transactions per second")
    ap.add_argument("--delete-weight", type=int, default=15,
                    help="0: no deletes (snapshot scenarios: a re-snapshot cannot show a row deleted before it)")
    ap.add_argument("--rollback", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start-seq", type=int, default=0)
    ap.add_argument("--start-v", type=int, default=0)
    ap.add_argument("--prefill", type=int, default=0, help="rows inserted first, 1000 per transaction")
    ap.add_argument("--workload", choices=["mixed", "copy", "bulk", "huge", "none"], default="mixed")
    ap.add_argument("--rows", type=int, default=10000, help="rows of the copy/bulk/huge transaction")
    ap.add_argument("--long-open", type=float, default=0, help="seconds a second session keeps a transaction open")
    ap.add_argument("--stop-file", help="stop early once this file exists")
    ap.add_argument("--big-row", type=int, default=0, help="one transaction inserting a row with a pad of N bytes")
    ap.add_argument("--state", help="where to save/load the writer's model (keys, counters) across runs")
    args = ap.parse_args()
    w = Writer(args)
    if args.state and os.path.exists(args.state):
        st = json.load(open(args.state))
        w.seq, w.v = st["seq"], st["v"]
        w.keys = {t: set(st["keys"].get(t, [])) for t in w.tables}
        w.next_key = {t: st["next_key"].get(t, 1) for t in w.tables}
        w.vals = {(t, int(k)): v for t, kv in st["vals"].items() for k, v in kv.items()}
    w.s.connect(time.time() + 60)
    start = time.time()

    if args.prefill:
        left = args.prefill
        while left > 0:
            n = min(1000, left)
            model = w.model_copy()
            sql, changes = w.gen_bulk_insert(w.seq + 1, model, n, copy=False)
            w.commit(sql, changes, model)
            left -= n
    if args.workload in ("copy", "huge"):
        model = w.model_copy()
        sql, changes = w.gen_bulk_insert(w.seq + 1, model, args.rows, copy=args.workload == "copy")
        w.commit(sql, changes, model)
    elif args.workload == "bulk":
        model = w.model_copy()
        if len(model[w.tables[0]]) < args.rows:
            sql, changes = w.gen_bulk_insert(w.seq + 1, model, args.rows - len(model[w.tables[0]]), copy=False)
            w.commit(sql, changes, model)
            model = w.model_copy()
        sql, changes = w.gen_bulk_update(w.seq + 1, model)
        w.commit(sql, changes, model)

    if args.big_row:
        t = w.tables[0]
        model = w.model_copy()
        k = w.next_key[t]
        w.next_key[t] += 1
        v = w.nv()
        model[t].add(k)
        model["v"][(t, k)] = v
        w.commit([f"INSERT INTO {t} (k,v,seq,pad) VALUES ({k},{v},{w.seq + 1},repeat('x', {args.big_row}));"],
                 [[t, k, "c", v]], model)
    long_thread = None
    if args.long_open:
        # The long transaction's keys come from a range of their own, so the main loop never touches them.
        t = w.tables[-1]
        ls = Session(args.dialect)
        ls.connect(time.time() + 60)
        base = 10_000_000
        with w.lock:
            changes = []
            for k in range(base, base + 100):
                w.v += 1
                changes.append([t, k, "c", w.v])
        sql = [f"INSERT INTO {t} (k,v,seq,pad) VALUES " + ",".join(f"({c[1]},{c[3]},0,'long')" for c in changes) + ";"]

        def long_txn():
            e = w.commit(sql, changes, None, session=ls, hold=args.long_open, adopt=False)
            print(f"ledger_writer: long transaction {e['seq']} {e['status']}", file=sys.stderr)
        # Its model update would race with the main loop's: these keys are never reused anyway.
        long_thread = threading.Thread(target=long_txn)
        long_thread.start()

    if args.workload != "none":
        n = 0
        while time.time() - start < args.seconds:
            if args.stop_file and os.path.exists(args.stop_file):
                break
            w.one()
            n += 1
            ahead = n / args.tps - (time.time() - start)
            if ahead > 0:
                time.sleep(ahead)
    if long_thread:
        long_thread.join()
    w.s.close()
    if args.state:
        json.dump({"seq": w.seq, "v": w.v, "keys": {t: sorted(w.keys[t]) for t in w.tables},
                   "next_key": w.next_key,
                   "vals": {t: {str(k): v for (tt, k), v in getattr(w, "vals", {}).items() if tt == t}
                            for t in w.tables}}, open(args.state, "w"))
    print(json.dumps(w.counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
