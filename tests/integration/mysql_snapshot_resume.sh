# The resume of an interrupted MariaDB snapshot (issue 13): rowcast is killed with SIGKILL half-way
# through the initial snapshot of a 100,000-row table while a writer inserts, updates and deletes
# rows (also rows the first attempt already published, and primary-key changes) from before the
# kill until the stream has caught up. The restart must resume the snapshot at the last acknowledged
# chunk ("resuming the snapshot of T at key K (N of M rows done)"), re-reading nothing at or below
# the key the offset file recorded (only what Kafka had beyond it: the chunk in flight and the
# offset flush's lag), and the table rebuilt from Kafka must equal MariaDB: no row the writer
# deleted comes back. Two readers share the one table's chunks (each (after, bound] of its own), so
# the recorded key is the end of the chunks acknowledged without a gap before them.
#
# Needs the incremental engine (the watermark method, h-incr's snapshot/incremental.c) with the
# MariaDB chunk reader (snapshot/mysql/my_chunk.c). Knobs: RESUME_ROWS (100000), RESUME_KILL_PCT (50:
# the share of the rows in Kafka at the kill), RESUME_SLOW=0 (the first life at full speed: the
# restart's settings; the kill lands less exactly), KEEP_TMP=1 (ROWCAST_TEST_RESUME_ROWS,
# ROWCAST_TEST_RESUME_KILL_PCT and ROWCAST_TEST_RESUME_SLOW work too). At the end an uninterrupted
# snapshot of the same table (snapshot.mode=initial_only, the same threads and fetch size, no
# writer) is timed against the resumed one.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/lib_mysql.sh"

rows=${RESUME_ROWS:-${ROWCAST_TEST_RESUME_ROWS:-100000}}
kill_pct=${RESUME_KILL_PCT:-${ROWCAST_TEST_RESUME_KILL_PCT:-50}}
slow=${RESUME_SLOW:-${ROWCAST_TEST_RESUME_SLOW:-1}}
fetch=1000
threads=2
my_test_setup msr
writer_pid="" client_pid=""
resume_cleanup() {
    set +e
    [ -n "$writer_pid" ] && touch "$tmp/stop" && wait "$writer_pid" 2>/dev/null
    [ -n "$client_pid" ] && wait "$client_pid" 2>/dev/null
    my_test_cleanup
}
trap resume_cleanup EXIT

my_q "CREATE TABLE \`$db\`.big (id BIGINT PRIMARY KEY, name TEXT, amount DECIMAL(12,2), created TIMESTAMP(6) NULL,
    flag BOOLEAN) ENGINE=InnoDB;
INSERT INTO \`$db\`.big SELECT seq, CONCAT('row ', seq), seq / 100, TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq SECOND,
    seq % 2 = 0 FROM \`$db\`.seq_1_to_$rows;
ANALYZE TABLE \`$db\`.big;"
write_my_config "$tmp/rowcast.properties" <<PROPS
snapshot.mode = initial
snapshot.max.threads = $threads
snapshot.fetch.size = $fetch
incremental.snapshot.chunk.size = $fetch
offset.storage.file.filename = $tmp/offsets.json
PROPS
# The first life is slowed down so that it is surely in the middle of the copy when it is killed
# (as pg_snapshot_crash.sh): one record per produce request, one request in flight.
cp "$tmp/rowcast.properties" "$tmp/slow.properties"
[ "$slow" = 0 ] || printf 'kafka.batch.num.messages = 1\nkafka.max.in.flight.requests.per.connection = 1\nmax.queue.size = 1\n' \
    >>"$tmp/slow.properties"

topic_count() {
    /usr/bin/python3 - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$1" <<'PY'
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "count"})
md = c.list_topics(sys.argv[2], timeout=10)
n = 0
if sys.argv[2] in md.topics and md.topics[sys.argv[2]].error is None:
    for p in md.topics[sys.argv[2]].partitions:
        n += c.get_watermark_offsets(TopicPartition(sys.argv[2], p), timeout=10)[1]
c.close()
print(n)
PY
}

# The writer, from before the first life to the end: its deletes hit rows the first attempt
# published and rows it had not reached.
mkfifo "$tmp/sql.fifo"
MYSQL_PWD=$ROWCAST_TEST_MYSQL_PASSWORD mariadb --no-defaults --protocol=TCP -h "$ROWCAST_TEST_MYSQL_HOST" \
    -P "$ROWCAST_TEST_MYSQL_PORT" -u "$ROWCAST_TEST_MYSQL_USER" --batch <"$tmp/sql.fifo" >/dev/null \
    2>"$tmp/client.err" &
client_pid=$!
/usr/bin/python3 "$top_srcdir/tests/integration/snapshot_writer.py" --dialect mysql --table "\`$db\`.big" \
    --rows "$rows" --stop "$tmp/stop" --counts "$tmp/counts.json" --pause 0.01 >"$tmp/sql.fifo" &
writer_pid=$!

t0=$(date +%s%3N)
start_rowcast "$tmp/slow.properties" "$tmp/rowcast.log"
half=$((rows * kill_pct / 100))
for _ in $(seq 3000); do
    [ "$(topic_count "$prefix.$db.big")" -ge "$half" ] && break
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited during the snapshot (see its log)"
    grep -q "snapshot complete" "$tmp/rowcast.log" && break
    sleep 0.2
done
grep -q "snapshot complete" "$tmp/rowcast.log" && fail "the snapshot completed before the kill: slow it down more"
kill -9 "$rowcast_pid"
wait "$rowcast_pid" 2>/dev/null || true
rowcast_pid=
at_kill=$(topic_count "$prefix.$db.big")
cp "$tmp/offsets.json" "$tmp/offsets.at-kill.json" 2>/dev/null || true
grep -q '"snapshot": "running"' "$tmp/offsets.json" || fail "the offset file does not say a snapshot is running"
pass "SIGKILL at ${kill_pct}% of the snapshot ($at_kill records of $rows rows in Kafka)"
grep -q "$db.big: readers share its chunks from here" "$tmp/rowcast.log" ||
    fail "the $threads readers did not share the one table's chunks"
pass "the $threads readers shared big's chunks (parallel chunks within one table) before the kill"

echo "--- restart" >>"$tmp/rowcast.log"
t1=$(date +%s%3N)
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
after_restart() { sed -n '/^--- restart/,$p' "$tmp/rowcast.log"; }
for _ in $(seq 600); do
    after_restart | grep -q "resuming the snapshot of\|starting it again\|snapshot complete" && break
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited after the restart (see its log)"
    sleep 0.1
done
# Every check below runs, whatever the one before said: the test's output shows the whole outcome.
bad=""
if after_restart | grep -E "resuming the snapshot of $db\.big at key [^ ]+ \([0-9]+ of [0-9]+ rows done\)"; then
    pass "the restart resumes the snapshot at the last acknowledged chunk"
else
    echo "FAIL: the restart does not say it resumes the snapshot of $db.big at a key" >&2
    bad="$bad resume-log"
fi
wait_my_streaming
# The rest of the copy: the engine's chunks while streaming (or a second full snapshot on a build
# without it).
for _ in $(seq 3000); do
    after_restart | grep -q "incremental snapshot of $db\.big complete\|snapshot complete" && break
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited while finishing the snapshot (see its log)"
    sleep 0.1
done
after_restart | grep -q "incremental snapshot of $db\.big complete\|snapshot complete" ||
    fail "the snapshot did not finish after the restart"
t_done=$(date +%s%3N)
sleep 3
touch "$tmp/stop"
wait "$writer_pid" || fail "the writer failed"
writer_pid=
wait "$client_pid" || { cat "$tmp/client.err" >&2; fail "the mariadb client failed"; }
client_pid=
wait_my_caught_up "$tmp/offsets.json" 300
t2=$(date +%s%3N)
stop_rowcast
rowcast_pid=
pass "snapshot resumed and finished, the stream caught up (writer: $(cat "$tmp/counts.json"))"

set +e
verify_my_topics --prefix "$prefix" --tables "$db.big" --records-out "$tmp/records.jsonl" >"$tmp/verify.json" \
    2>"$tmp/verify.err"
verify_rc=$?
set -e
tail -n 1 "$tmp/verify.json"
if [ "$verify_rc" != 0 ]; then
    head -c 3000 "$tmp/verify.err" >&2
    echo "FAIL: the table rebuilt from Kafka differs from MariaDB (a deleted row back, or a row missing)" >&2
    bad="$bad reconstruction"
else
    pass "the table rebuilt from Kafka equals MariaDB: no deleted row came back"
fi

# Re-reads: r records of a key sent twice (the first attempt's and the resume's). The restart resumes
# after the key the offset file recorded at the kill, so no key at or below it may be read again; what
# is read again lies between it and what Kafka had (the chunk in flight, and the chunks acknowledged
# since the offset file was last written: offset.flush.interval.ms).
/usr/bin/python3 - "$tmp/records.jsonl" "$tmp/offsets.at-kill.json" "$at_kill" "$fetch" "$t0" "$t1" "$t2" "$t_done" "$slow" <<'PY' ||
import collections, json, sys
path, kill_file = sys.argv[1:3]
at_kill, fetch, t0, t1, t2, t_done, slow = map(int, sys.argv[3:10])
progress = json.load(open(kill_file)).get("snapshot_progress", {}).get("tables", [{}])[0]
recorded_key = int(progress.get("key", ["0"])[0])
recorded_rows = progress.get("rows", 0)
reads = collections.Counter()
for line in open(path):
    r = json.loads(line)
    if not r["tombstone"] and r["op"] == "r":
        reads[json.loads(json.loads(r["change"])[-1])["id"]] += 1
again = [k for k, n in reads.items() if n > 1]
below = [k for k in again if k <= recorded_key]
print(f"records in Kafka at the kill: {at_kill}; the offset file: key {recorded_key}, {recorded_rows} rows; "
      f"r records: {sum(reads.values())} of {len(reads)} keys; re-read after the restart: {len(again)} "
      f"({len(again) / fetch:.2f} chunks of {fetch}; Kafka was {at_kill - recorded_rows} rows past the record), "
      f"{len(below)} at or below the recorded key; first life {(t1 - t0) / 1000:.1f} s "
      f"({'slowed' if slow else 'full speed'}), after the restart {(t_done - t1) / 1000:.1f} s to the snapshot's "
      f"end, {(t2 - t1) / 1000:.1f} s to the stream caught up")
sys.exit(0 if not below and len(again) <= max(at_kill - recorded_rows, 0) else 1)
PY
    bad="$bad re-reads"
[ -z "$bad" ] || fail "failed:$bad"
pass "the restart re-read nothing the offset file had recorded, only what Kafka had beyond it"

# An uninterrupted snapshot of the same table (as it is now), the restart's settings, for the time.
prefix="${prefix}_u"
write_my_config "$tmp/u.properties" <<PROPS
snapshot.mode = initial_only
snapshot.max.threads = $threads
snapshot.fetch.size = $fetch
incremental.snapshot.chunk.size = $fetch
offset.storage.file.filename = $tmp/u_offsets.json
PROPS
t_u=$(date +%s%3N)
"$ROWCAST" run -c "$tmp/u.properties" >"$tmp/u.log" 2>&1 || fail "the uninterrupted snapshot failed: $(tail -3 "$tmp/u.log")"
t_u_done=$(date +%s%3N)
echo "time: an uninterrupted snapshot of the $(my_q "SELECT count(*) FROM \`$db\`.big") rows $(((t_u_done - t_u) / 1000)).$(((t_u_done - t_u) % 1000 / 100)) s"
