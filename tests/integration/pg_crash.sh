# Crash test: rowcast is killed with SIGKILL at random moments while a writer makes 100,000 row changes
# (multi-row INSERTs, COPY, UPDATEs, DELETEs, primary-key changes, rolled-back transactions; 1 to ~500
# events per transaction, two tables), and restarted each time with the same config and offset file.
# At the end every committed change must be in Kafka (the tables rebuilt from the topics equal
# PostgreSQL, and every change the writer made is seen at least once), and every record sent again
# after a kill must belong to a transaction that was not yet acknowledged (recorded in the offset file)
# when rowcast was killed.
#
# How the last check works: each kill is a SIGSTOP, a read of the offset file (what the next start
# resumes from, P), then SIGKILL. The producer's timestamp of each Kafka record says which life of
# rowcast sent it. A test_decoding slot ("audit") gives the end LSN of every transaction's commit
# record. A record sent by the life after kill k must belong to a transaction whose commit ends after
# P_k: PostgreSQL resends exactly those.
#
# Knobs: CRASH_CHANGES (100000), CRASH_SECONDS (writer duration, 70), CRASH_SEED, KEEP_TMP=1.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

changes=${CRASH_CHANGES:-100000}
seconds=${CRASH_SECONDS:-70}
min_kills=5
id="cr$$_$(date +%s)"
schema="s_$id" slot="slot_$id" prefix="rc_$id" audit="audit_$id"
tmp=$(mktemp -d)
rowcast_pid="" writer_pid="" psql_pid=""

cleanup() {
    set +e
    for p in "$writer_pid" "$psql_pid" "$rowcast_pid"; do
        [ -n "$p" ] && kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    drop_slot "$slot"
    drop_slot "$audit"
    psql_q "DROP PUBLICATION IF EXISTS ${slot}_pub" >/dev/null 2>&1
    psql_q "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
    # The topics (~20 MB) and the registry subjects of this run.
    /usr/bin/python3 - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$prefix." <<'PY' >/dev/null 2>&1
import sys
from confluent_kafka.admin import AdminClient
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
topics = [t for t in admin.list_topics(timeout=10).topics if t.startswith(sys.argv[2])]
for f in (admin.delete_topics(topics, operation_timeout=10).values() if topics else []):
    f.result()
PY
    for s in $(curl -sf --max-time 5 "$ROWCAST_TEST_SCHEMA_REGISTRY_URL/subjects" | tr -d '[]"' | tr ',' ' '); do
        case "$s" in "$prefix".*)
            curl -sf --max-time 5 -X DELETE "$ROWCAST_TEST_SCHEMA_REGISTRY_URL/subjects/$s" >/dev/null
            curl -sf --max-time 5 -X DELETE "$ROWCAST_TEST_SCHEMA_REGISTRY_URL/subjects/$s?permanent=true" >/dev/null
            ;;
        esac
    done
    [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$tmp"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
t0=$(now_ms)
elapsed() { awk -v a="$t0" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
offset_lsn() { sed -n 's/.*"lsn": *"\([0-9A-Fa-f]*\/[0-9A-Fa-f]*\)".*/\1/p' "$tmp/offsets.json" 2>/dev/null; }

psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.main (id bigint PRIMARY KEY, v int NOT NULL, payload text, ts timestamptz);
CREATE TABLE $schema.side (id bigint PRIMARY KEY, main_id bigint, qty int, note text);"

write_pg_config "$tmp/rowcast.properties" "$prefix" "$slot" <<PROPS
table.include.list = $schema\\..*
publication.autocreate.mode = filtered
offset.storage.file.filename = $tmp/offsets.json
PROPS

life=0
start_life() {
    start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.$life.log"
}
start_life
wait_slot_active "$slot"
# The audit slot decodes the same WAL with test_decoding: it gives each transaction's commit end LSN.
psql_q "SELECT pg_create_logical_replication_slot('$audit', 'test_decoding')" >/dev/null
wal_start=$(psql_q "SELECT pg_current_wal_lsn()")
pass "rowcast is streaming (slot $slot active), audit slot $audit created at $wal_start"

# The writer: SQL from pg_crash_writer.py into one psql session, through a FIFO so that both pids are
# known (and killed on failure).
mkfifo "$tmp/sql.fifo"
PGPASSWORD=$ROWCAST_TEST_PG_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$ROWCAST_TEST_PG_HOST" \
    -p "$ROWCAST_TEST_PG_PORT" -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" -f "$tmp/sql.fifo" \
    >/dev/null 2>"$tmp/psql.err" &
psql_pid=$!
/usr/bin/python3 "$top_srcdir/tests/integration/pg_crash_writer.py" --schema "$schema" --changes "$changes" \
    --seconds "$seconds" ${CRASH_SEED:+--seed "$CRASH_SEED"} --counts "$tmp/counts.json" \
    >"$tmp/sql.fifo" 2>"$tmp/writer.err" &
writer_pid=$!
writer_t0=$(now_ms)
echo "writer started: $changes changes over ~${seconds}s"

# Kills at random moments (0.3 to 9 s after each start, so also while a restarted rowcast is still
# connecting or catching up), until the writer is done and at least $min_kills kills happened.
: >"$tmp/kills"
kills=0
kill_rowcast() {
    local state="" pos src t
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast (life $life) exited on its own before kill $((kills + 1))"
    kill -STOP "$rowcast_pid"
    for _ in $(seq 100); do
        state=$(awk '{ print $3 }' "/proc/$rowcast_pid/stat" 2>/dev/null || true)
        [ "$state" = T ] && break
        sleep 0.01
    done
    [ "$state" = T ] || fail "rowcast did not stop on SIGSTOP (state '$state')"
    t=$(now_ms)
    # What the next start resumes from: the offset file, or without one the slot (it cannot move
    # while rowcast is stopped).
    pos=$(offset_lsn) src=file
    if [ -z "$pos" ]; then
        pos=$(psql_q "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$slot'") src=slot
    fi
    kill -KILL "$rowcast_pid"
    wait "$rowcast_pid" 2>/dev/null || true
    kills=$((kills + 1))
    echo "$t $pos $src" >>"$tmp/kills"
    echo "kill $kills at +$(elapsed)s (rowcast life $life): resumes from $pos ($src)"
    life=$((life + 1))
    start_life
}
writer_running() { kill -0 "$writer_pid" 2>/dev/null; }
while writer_running || [ "$kills" -lt "$min_kills" ]; do
    delay_ms=$((300 + RANDOM % 8700))
    sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
    kill_rowcast
done
set +e
wait "$writer_pid"; writer_rc=$?
wait "$psql_pid"; psql_rc=$?
set -e
writer_pid="" psql_pid=""
[ "$writer_rc" = 0 ] || { cat "$tmp/writer.err" >&2; fail "the writer failed ($writer_rc)"; }
[ "$psql_rc" = 0 ] || { cat "$tmp/psql.err" >&2; fail "psql failed ($psql_rc) running the writer's SQL"; }
writer_s=$(awk -v a="$writer_t0" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
pass "writer done in ${writer_s}s: $(cat "$tmp/counts.json")"

wal_end=$(psql_q "SELECT pg_current_wal_lsn()")
wait_slot_active "$slot"
wait_slot_caught_up "$slot" 120
pass "after $kills kills, the slot confirmed everything up to $wal_end (+$(elapsed)s)"
stop_rowcast
rowcast_pid=""
pass "SIGTERM: rowcast (life $life) drained and exited 0"

# Every transaction's commit end LSN, from the audit slot.
psql_q "SELECT xid, lsn FROM pg_logical_slot_peek_changes('$audit', '$wal_end', NULL, 'include-xids', '1',
        'skip-empty-xacts', '1') WHERE data LIKE 'COMMIT %'" >"$tmp/commits"
# Where each life said it streams from.
for ((l = 0; l <= life; l++)); do
    from=$(sed -n 's/.*streaming from \([0-9A-Fa-f]*\/[0-9A-Fa-f]*\).*/\1/p' "$tmp/rowcast.$l.log" | head -n 1)
    echo "$l ${from:--}"
done >"$tmp/lives"

set +e
verify_topics --prefix "$prefix" --tables "$schema.main,$schema.side" --records-out "$tmp/records.jsonl" \
    >"$tmp/verify.json" 2>"$tmp/verify.err"
verify_rc=$?
set -e
tail -n 1 "$tmp/verify.json"
if [ "$verify_rc" != 0 ]; then
    cat "$tmp/verify.err" >&2
    fail "the tables rebuilt from Kafka differ from PostgreSQL"
fi
pass "tables rebuilt from Kafka (python3-avro) equal PostgreSQL"

/usr/bin/python3 - "$tmp" <<'PY' || fail "crash accounting (see above)"
import collections, json, sys

tmp = sys.argv[1]
def lsn(text):
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) | int(lo, 16)
def fmt(v):
    return f"{v >> 32:X}/{v & 0xFFFFFFFF:X}"

counts = json.load(open(f"{tmp}/counts.json"))
summary = json.loads(open(f"{tmp}/verify.json").read().strip().splitlines()[-1])
kills = []  # (time ms, resume position, from file?)
for line in open(f"{tmp}/kills"):
    t, pos, src = line.split()
    kills.append((int(t), lsn(pos), src == "file"))
commit_end = {}
for line in open(f"{tmp}/commits"):
    xid, pos = line.strip().split("|")
    commit_end[int(xid)] = lsn(pos)
streamed_from = {}
for line in open(f"{tmp}/lives"):
    l, pos = line.split()
    streamed_from[int(l)] = None if pos == "-" else lsn(pos)

problems = []
def problem(msg):
    if len(problems) < 20:
        print("PROBLEM:", msg)
    problems.append(msg)

# Each life that reached streaming resumed exactly where the offset file said.
for k, (t, pos, from_file) in enumerate(kills):
    got = streamed_from.get(k + 1)
    if from_file and got is not None and got != pos:
        problem(f"life {k + 1} streamed from {fmt(got)}, but the offset file said {fmt(pos)} at kill {k + 1}")

per_life = collections.Counter()
dup_per_life = collections.Counter()
first_life = {}
records = changes = tombstones = 0
for line in open(f"{tmp}/records.jsonl"):
    r = json.loads(line)
    records += 1
    life = sum(1 for t, _, _ in kills if t < r["ts"])
    per_life[life] += 1
    if r["tombstone"]:
        tombstones += 1
        continue
    changes += 1
    end = commit_end.get(r["txId"])
    if end is None:
        problem(f"{r['topic']}@{r['offset']}: transaction {r['txId']} unknown to the audit slot")
        continue
    if life > 0 and end <= kills[life - 1][1]:
        # PostgreSQL does not send it again, and rowcast must not either: it was acknowledged.
        problem(f"{r['topic']}@{r['offset']} (txn {r['txId']}, commit end {fmt(end)}) sent by life {life}, "
                f"but kill {life} left the position at {fmt(kills[life - 1][1])}")
    if r["duplicate"]:
        dup_per_life[life] += 1
        if first_life[r["change"]] >= life:
            problem(f"{r['topic']}@{r['offset']}: a duplicate within life {life} (not caused by a restart)")
    else:
        first_life[r["change"]] = life

if summary["distinct_changes"] != counts["changes"]:
    problem(f"{summary['distinct_changes']} distinct changes in Kafka, the writer made {counts['changes']}")
if summary["records"] != records:
    problem(f"cdc_verify counted {summary['records']} records, the record list has {records}")

print(f"changes made: {counts['changes']} in {counts['transactions']} transactions "
      f"(+{counts['rolled_back']} rolled back); inserts {counts['inserts']} (COPY {counts['copy_rows']}), "
      f"updates {counts['updates']}, deletes {counts['deletes']}, key changes {counts['pk_changes']}")
print(f"kills: {len(kills)}; records read: {records} ({changes} changes, {tombstones} tombstones); "
      f"distinct changes: {summary['distinct_changes']}; duplicates: {summary['duplicates']}")
for k, (t, pos, from_file) in enumerate(kills):
    print(f"  kill {k + 1}: offset file at {fmt(pos)}{'' if from_file else ' (no file yet: slot)'}; "
          f"life {k + 1} streamed from {fmt(streamed_from[k + 1]) if streamed_from.get(k + 1) else '-'}, "
          f"sent {per_life[k + 1]} records, {dup_per_life[k + 1]} of them sent before the kill")
print(f"  life 0 sent {per_life[0]} records, {dup_per_life[0]} duplicates")
if problems:
    print(f"{len(problems)} problems")
    sys.exit(1)
print("every record sent again after a kill belongs to a transaction not acknowledged before that kill")
PY
pass "no committed change missing, duplicates only from transactions unacknowledged at a kill"
