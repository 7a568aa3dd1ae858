# The shape of events: before images under each REPLICA IDENTITY, logical decoding messages (published
# by default, as Debezium), the stdout sink's JSON lines, and truncates (skipped by default, as Debezium).
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

pg_test_setup ev

psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.rid_default (id int PRIMARY KEY, v text);
CREATE TABLE $schema.rid_full (id int PRIMARY KEY, v text);
ALTER TABLE $schema.rid_full REPLICA IDENTITY FULL;
CREATE TABLE $schema.rid_index (id int PRIMARY KEY, code text NOT NULL, v text);
CREATE UNIQUE INDEX rid_index_u ON $schema.rid_index (id, code);
ALTER TABLE $schema.rid_index REPLICA IDENTITY USING INDEX rid_index_u;
CREATE TABLE $schema.rid_nothing (id int PRIMARY KEY, v text);
ALTER TABLE $schema.rid_nothing REPLICA IDENTITY NOTHING;"

write_pg_config "$tmp/rowcast.properties" "$prefix" "$slot" <<PROPS
table.include.list = $schema\\..*
publication.autocreate.mode = filtered
sink.type = stdout
PROPS

"$ROWCAST" run -c "$tmp/rowcast.properties" >"$tmp/events.jsonl" 2>"$tmp/rowcast.log" &
rowcast_pid=$! rowcast_log=$tmp/rowcast.log
wait_slot_active "$slot"

for t in rid_default rid_full rid_index; do
    psql_q "INSERT INTO $schema.$t VALUES (1, $( [ $t = rid_index ] && echo "'c1', ")'a');
UPDATE $schema.$t SET v = 'b' WHERE id = 1;
DELETE FROM $schema.$t WHERE id = 1;"
done
# Without an identity PostgreSQL itself refuses updates and deletes of a published table; inserts flow.
psql_q "INSERT INTO $schema.rid_nothing VALUES (1, 'only inserts')"
if psql_q "UPDATE $schema.rid_nothing SET v = 'x'" 2>/dev/null; then fail "PostgreSQL accepted an update without identity"; fi
psql_q "BEGIN; SELECT pg_logical_emit_message(true, 'audit', 'in a transaction');
INSERT INTO $schema.rid_default VALUES (2, 'with message'); COMMIT;
SELECT pg_logical_emit_message(false, 'ping', 'outside');
TRUNCATE $schema.rid_default;" >/dev/null
wait_slot_caught_up "$slot"
stop_rowcast

/usr/bin/python3 - "$tmp/events.jsonl" "$prefix" "$schema" <<'PY' || fail "event shapes (see above)"
import json, sys
path, prefix, schema = sys.argv[1:4]
events = [json.loads(l) for l in open(path) if l.strip()]
by = {}
for e in events:
    by.setdefault(e["topic"], []).append(e)
def ops(table):
    return [(e["value"] or {}).get("op", "tombstone") for e in by.get(f"{prefix}.{schema}.{table}", [])]
def ev(table, op):
    return next(e for e in by[f"{prefix}.{schema}.{table}"] if e["value"] and e["value"]["op"] == op)
problems = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        problems.append(what)

check(ops("rid_default")[:4] == ["c", "u", "d", "tombstone"], f"default: c, u, d, tombstone ({ops('rid_default')})")
check(ev("rid_default", "u")["value"]["before"] is None, "default: update has no before image")
check(ev("rid_default", "d")["value"]["before"] == {"id": 1, "v": None}, "default: delete before = key only")
check(ev("rid_default", "d")["key"] == {"id": 1}, "default: delete keyed by the primary key")
check(ev("rid_full", "u")["value"]["before"] == {"id": 1, "v": "a"}, "full: update before = whole old row")
check(ev("rid_full", "d")["value"]["before"] == {"id": 1, "v": "b"}, "full: delete before = whole old row")
check(ev("rid_index", "d")["value"]["before"] == {"id": 1, "code": "c1", "v": None},
      "index: delete before = the identity index's columns")
check(ops("rid_nothing") == ["c"] and ev("rid_nothing", "c")["value"]["before"] is None
      and ev("rid_nothing", "c")["value"]["after"] == {"id": 1, "v": "only inserts"}, "nothing: inserts published")
check("t" not in ops("rid_default") and ops("rid_default")[-1] == "c",
      f"truncate skipped by default (skipped.operations=t): {ops('rid_default')}")
src = ev("rid_default", "c")["value"]["source"]
check(src["connector"] == "postgresql" and src["name"] == prefix and src["schema"] == schema
      and src["table"] == "rid_default" and src["snapshot"] == "false" and src["txId"] and src["lsn"],
      f"source block: {src}")
msgs = by.get(f"{prefix}.message", [])
prefixes = sorted(m["value"]["message"]["prefix"] for m in msgs)
check(prefixes == ["audit", "ping"], f"logical decoding messages on {prefix}.message by default: {prefixes}")
check(all(m["value"]["op"] == "m" for m in msgs), "messages have op m")
# A non-transactional message is its own commit, as Debezium has it: no txId (not the previous
# transaction's), and source.sequence's first element is its own LSN (not the last commit's).
ping = next((m["value"]["source"] for m in msgs if m["value"]["message"]["prefix"] == "ping"), None)
check(ping is not None and ping["txId"] is None and ping["sequence"] is not None
      and json.loads(ping["sequence"]) == [str(ping["lsn"]), str(ping["lsn"])],
      f"non-transactional message: txId null, sequence [its LSN, its LSN]: {ping}")
sys.exit(1 if problems else 0)
PY
pass "event shapes"
