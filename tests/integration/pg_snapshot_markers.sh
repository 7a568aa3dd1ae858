# Snapshot markers (source.snapshot) as Debezium 3.6 writes them, record by record, in the order one
# reader emits them: "first" on the first row of the first table planned, each table's first row
# "first_in_data_collection" and last "last_in_data_collection" (a one-row table's row
# last_in_data_collection), "last" on the snapshot's last row even when the last table planned is
# empty, "true" between. Batches of 2 rows (snapshot.fetch.size) put table ends on batch ends and
# inside batches. The one-shot `rowcast snapshot` with the stdout sink gives the emission order; the
# readers' log gives the plan order (empty tables too).
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

pg_test_setup mk
psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.a (id int PRIMARY KEY, pad text);
INSERT INTO $schema.a SELECT g, repeat('x', 200) FROM generate_series(1, 301) g;
CREATE TABLE $schema.d (id int PRIMARY KEY, pad text);
INSERT INTO $schema.d SELECT g, repeat('x', 100) FROM generate_series(1, 4) g;
CREATE TABLE $schema.b (id int PRIMARY KEY);
INSERT INTO $schema.b VALUES (1);
CREATE TABLE $schema.e (id int PRIMARY KEY);
INSERT INTO $schema.e VALUES (1);
CREATE TABLE $schema.c (id int PRIMARY KEY);
ANALYZE $schema.a, $schema.d, $schema.b, $schema.e, $schema.c;"

write_pg_config "$tmp/rowcast.properties" "$prefix" "$slot" <<PROPS
snapshot.max.threads = 1
snapshot.fetch.size = 2
table.include.list = $schema\\..*
sink.type = stdout
PROPS

check_markers() { # $1: stdout of the snapshot, $2: its stderr (the readers' log)
    /usr/bin/python3 - "$1" "$2" "$schema" <<'PY'
import json, re, sys
out, log, schema = sys.argv[1:4]
events = [json.loads(l) for l in open(out) if l.startswith("{")]
plan = re.findall(r"read (" + re.escape(schema) + r"\.\w+): (\d+) rows", open(log).read())
got = [(e["topic"].rsplit(".", 1)[1], e["value"]["source"]["snapshot"]) for e in events]
# Debezium's SnapshotMarkerResolver applied to the plan, then the buffered receiver's last.
want = []
for i, (full, n) in enumerate(plan):
    name, n = full.rsplit(".", 1)[1], int(n)
    for r in range(n):
        first, last = r == 0, r == n - 1
        want.append((name, "first" if first and i == 0 else "last_in_data_collection" if last
                     else "first_in_data_collection" if first else "true"))
if want:
    want[-1] = (want[-1][0], "last")
print("plan:", plan)
print("markers:", [m for _, m in got][:4], "...", [f"{t}:{m}" for t, m in got if m != "true"])
if got != want:
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            print(f"record {i}: got {g}, want {w}")
            break
    sys.exit(f"{len(got)} records, {len(want)} expected")
PY
}

run_rowcast -c "$tmp/rowcast.properties" snapshot
expect_code 0 "rowcast snapshot"
printf '%s\n' "$out" >"$tmp/out.jsonl"
printf '%s\n' "$errout" >"$tmp/err.log"
check_markers "$tmp/out.jsonl" "$tmp/err.log" || fail "snapshot markers (see above)"
grep -q "read $schema.c: 0 rows" "$tmp/err.log" || fail "the empty table was not read"
pass "markers of five tables (one empty, two of one row, ends on and inside batches) as Debezium's"

# Named tables, a has become empty: planned again, markers again by the same rule.
psql_q "TRUNCATE $schema.a; ANALYZE $schema.a"
run_rowcast -c "$tmp/rowcast.properties" snapshot --table "$schema.c" --table "$schema.d" --table "$schema.b"
expect_code 0 "rowcast snapshot of three tables"
printf '%s\n' "$out" >"$tmp/out2.jsonl"
printf '%s\n' "$errout" >"$tmp/err2.log"
check_markers "$tmp/out2.jsonl" "$tmp/err2.log" || fail "snapshot markers, second run (see above)"
pass "markers of a snapshot whose tables are planned in another order"
