# Crash test for MariaDB: rowcast is killed with SIGKILL at random moments while a writer makes
# CRASH_CHANGES row changes (multi-row INSERTs, UPDATEs and DELETEs of many rows, primary-key changes,
# rolled-back transactions; 1 to ~500 events per transaction, two tables), and restarted each time
# with the same config and offset file. At the end: the tables rebuilt from Kafka equal MariaDB, every
# change the writer made is in Kafka, and every record sent again after a kill lies after the position
# the offset file held at that kill (what was acknowledged is never sent again; what was not, is).
# The binlog is rotated (FLUSH BINARY LOGS) every few seconds meanwhile.
#
# Each kill is a SIGSTOP, a read of the offset file (the position the next life resumes from), then
# SIGKILL; the producer's timestamp of each Kafka record says which life sent it.
#
# Knobs: CRASH_CHANGES (60000), CRASH_SECONDS (writer duration, 50), CRASH_SEED, KEEP_TMP=1.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/lib_mysql.sh"

changes=${CRASH_CHANGES:-60000}
seconds=${CRASH_SECONDS:-50}
min_kills=5
my_test_setup mcr
writer_pid="" client_pid="" flusher_pid=""
crash_cleanup() {
    set +e
    for p in "$writer_pid" "$client_pid" "$flusher_pid"; do
        [ -n "$p" ] && kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    my_test_cleanup
}
trap crash_cleanup EXIT

now_ms() { date +%s%3N; }
t0=$(now_ms)
elapsed() { awk -v a="$t0" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

my_q "CREATE TABLE \`$db\`.main (id BIGINT PRIMARY KEY, v INT NOT NULL, payload TEXT, ts TIMESTAMP(6) NULL);
CREATE TABLE \`$db\`.side (id BIGINT PRIMARY KEY, main_id BIGINT, qty INT, note TEXT);"
write_my_config "$tmp/rowcast.properties" <<PROPS
offset.storage.file.filename = $tmp/offsets.json
PROPS

life=0
start_life() { start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.$life.log"; }
start_life
wait_my_streaming
pass "rowcast is reading the binlog"

mkfifo "$tmp/sql.fifo"
MYSQL_PWD=$ROWCAST_TEST_MYSQL_PASSWORD mariadb --no-defaults --protocol=TCP -h "$ROWCAST_TEST_MYSQL_HOST" \
    -P "$ROWCAST_TEST_MYSQL_PORT" -u "$ROWCAST_TEST_MYSQL_USER" --batch <"$tmp/sql.fifo" >/dev/null \
    2>"$tmp/client.err" &
client_pid=$!
/usr/bin/python3 "$top_srcdir/tests/integration/pg_crash_writer.py" --dialect mysql --schema "\`$db\`" \
    --changes "$changes" --seconds "$seconds" ${CRASH_SEED:+--seed "$CRASH_SEED"} --counts "$tmp/counts.json" \
    >"$tmp/sql.fifo" 2>"$tmp/writer.err" &
writer_pid=$!
echo "writer started: $changes changes over ~${seconds}s"
# Binlog rotations under load: FLUSH BINARY LOGS every few seconds while the writer runs.
( while kill -0 "$writer_pid" 2>/dev/null; do sleep 4; my_q "FLUSH BINARY LOGS" || true; done ) &
flusher_pid=$!

: >"$tmp/kills"
kills=0
kill_rowcast() {
    local state="" pos t
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast (life $life) exited on its own before kill $((kills + 1))"
    kill -STOP "$rowcast_pid"
    for _ in $(seq 100); do
        state=$(awk '{ print $3 }' "/proc/$rowcast_pid/stat" 2>/dev/null || true)
        [ "$state" = T ] && break
        sleep 0.01
    done
    [ "$state" = T ] || fail "rowcast did not stop on SIGSTOP (state '$state')"
    t=$(now_ms)
    pos=$(my_offsets_pos "$tmp/offsets.json")
    kill -KILL "$rowcast_pid"
    wait "$rowcast_pid" 2>/dev/null || true
    kills=$((kills + 1))
    echo "$t ${pos:-none -}" >>"$tmp/kills"
    echo "kill $kills at +$(elapsed)s (rowcast life $life): resumes from ${pos:-the start}"
    life=$((life + 1))
    start_life
}
writer_running() { kill -0 "$writer_pid" 2>/dev/null; }
while writer_running || [ "$kills" -lt "$min_kills" ]; do
    delay_ms=$((300 + RANDOM % 6700))
    sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
    kill_rowcast
done
set +e
wait "$writer_pid"; writer_rc=$?
wait "$client_pid"; client_rc=$?
set -e
writer_pid="" client_pid=""
[ "$writer_rc" = 0 ] || { cat "$tmp/writer.err" >&2; fail "the writer failed ($writer_rc)"; }
[ "$client_rc" = 0 ] || { cat "$tmp/client.err" >&2; fail "the mariadb client failed ($client_rc)"; }
wait "$flusher_pid" 2>/dev/null || true
flusher_pid=""
pass "writer done: $(cat "$tmp/counts.json")"

wait_my_streaming
wait_my_caught_up "$tmp/offsets.json" 180
pass "after $kills kills, the offset file reached the server's position (+$(elapsed)s)"
stop_rowcast
rowcast_pid=""

set +e
verify_my_topics --prefix "$prefix" --tables "$db.main,$db.side" --records-out "$tmp/records.jsonl" \
    >"$tmp/verify.json" 2>"$tmp/verify.err"
verify_rc=$?
set -e
tail -n 1 "$tmp/verify.json"
if [ "$verify_rc" != 0 ]; then
    cat "$tmp/verify.err" >&2
    fail "the tables rebuilt from Kafka differ from MariaDB"
fi
pass "tables rebuilt from Kafka (python3-avro) equal MariaDB"

/usr/bin/python3 - "$tmp" <<'PY' || fail "crash accounting (see above)"
import collections, json, sys

tmp = sys.argv[1]
seq = lambda f: int(f.rsplit(".", 1)[1])
counts = json.load(open(f"{tmp}/counts.json"))
summary = json.loads(open(f"{tmp}/verify.json").read().strip().splitlines()[-1])
kills = []
for line in open(f"{tmp}/kills"):
    t, f, p = line.split()
    kills.append((int(t), None if f == "none" else (seq(f), int(p))))
problems = []
def problem(msg):
    if len(problems) < 20:
        print("PROBLEM:", msg)
    problems.append(msg)
# In-process restarts (a lost binlog connection, a failed delivery) replay from the acknowledged
# position too: their times, per life, from each life's log.
import datetime, glob, re
restarts = collections.defaultdict(list)
for path in glob.glob(f"{tmp}/rowcast.*.log"):
    life_n = int(path.rsplit(".", 2)[1])
    for line in open(path, errors="replace"):
        if "restarting from the last acknowledged position" in line:
            t = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=datetime.timezone.utc)
            restarts[life_n].append(t.timestamp() * 1000)
per_life, dup_per_life, first_life = collections.Counter(), collections.Counter(), {}
first_ts = {}
records = 0
for line in open(f"{tmp}/records.jsonl"):
    r = json.loads(line)
    records += 1
    life = sum(1 for t, _ in kills if t < r["ts"])
    per_life[life] += 1
    if r["tombstone"]:
        continue
    at = (seq(r["file"]), r["pos"])
    resume = kills[life - 1][1] if life > 0 else None
    if resume is not None and at < resume:
        problem(f"{r['topic']}@{r['offset']} (binlog {r['file']}:{r['pos']}) sent by life {life}, but the "
                f"offset file was at {resume} at kill {life}: an acknowledged change was sent again")
    if r["duplicate"]:
        dup_per_life[life] += 1
        replayed = any(first_ts.get(r["change"], 0) < t < r["ts"] for t in restarts.get(life, []))
        if first_life.get(r["change"], life) >= life and not replayed:
            problem(f"{r['topic']}@{r['offset']}: a duplicate within life {life} (not caused by a restart)")
    else:
        first_life[r["change"]] = life
        first_ts[r["change"]] = r["ts"]
if summary["distinct_changes"] != counts["changes"]:
    problem(f"{summary['distinct_changes']} distinct changes in Kafka, the writer made {counts['changes']}")
print(f"changes made: {counts['changes']} in {counts['transactions']} transactions (+{counts['rolled_back']} "
      f"rolled back); kills: {len(kills)}; records read: {records}; distinct changes: "
      f"{summary['distinct_changes']}; duplicates: {summary['duplicates']}")
for k, (t, pos) in enumerate(kills):
    print(f"  kill {k + 1}: offset file at {pos}; life {k + 1} sent {per_life[k + 1]} records, "
          f"{dup_per_life[k + 1]} of them sent before")
if problems:
    print(f"{len(problems)} problems")
    sys.exit(1)
print(f"0 missing; every record sent again after a kill lies after the position acknowledged at that kill; "
      f"in-process restarts: {sum(len(v) for v in restarts.values())}")
PY
pass "no committed change missing, duplicates only from transactions unacknowledged at a kill"
