# max.queue.size.in.bytes holds rowcast's memory while Kafka does not take records: a private broker
# (kafka_private.sh) is stopped with SIGSTOP for MEMORY_BOUND_STOP_S seconds (default 60) while
# 100,000 rows of ~300 bytes (~55 MB as rowcast counts them, ~30 MB of Avro) are written to PostgreSQL.
# rowcast's VmRSS is sampled twice a second; its peak must stay under the measured baseline (after
# a warm-up, with the broker up) plus the configured bound. After SIGCONT every row must arrive
# (cdc_verify.py: the table rebuilt from the broker equals PostgreSQL). Then one transaction of
# 300,000 rows (~180 MB counted, larger than the bound) streams through with the bound still holding:
# PostgreSQL sends a transaction after its commit, and its events are published as they arrive,
# only the position waits for the commit. The same for MariaDB (the binlog transport holds at most
# 8 MiB of undecoded events besides): a ${MEMORY_BOUND_MY_STOP_S:-20} s broker stop while 30,000 rows
# are written, and one transaction of 300,000 rows.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
# A sanitizer's allocator keeps freed memory in quarantine and pads every block: RSS then measures
# the sanitizer, not rowcast. The bound is checked in the plain build.
if [ "${ROWCAST_TEST_SANITIZERS:-0}" = 1 ]; then
    echo "SKIP: RSS under ASan measures the sanitizer's allocator; the plain build checks the bound"
    exit 77
fi
. "$top_srcdir/tests/integration/lib_mysql.sh"
. "$top_srcdir/tests/integration/kafka_private.sh"

pg_test_setup mb
db="d_$id" server_id=$((1000 + ($$ % 50000)))
BOUND=${MEMORY_BOUND_BYTES:-16777216}
STOP_S=${MEMORY_BOUND_STOP_S:-60}
# What rowcast is configured with (default: the bound asserted). MEMORY_BOUND_CONFIG=0 shows the test
# failing without a byte bound.
CONFIG_BYTES=${MEMORY_BOUND_CONFIG:-$BOUND}
sampler_pid="" writer_pid=""
cleanup() {
    set +e
    [ -n "$KP_PID" ] && kill -CONT "$KP_PID" 2>/dev/null
    for p in "$sampler_pid" "$writer_pid"; do [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    my_q "DROP DATABASE IF EXISTS \`$db\`" >/dev/null 2>&1
    kp_destroy
    pg_test_cleanup
}
trap cleanup EXIT

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$rowcast_pid/status" 2>/dev/null || echo 0; }
# Samples rowcast's VmRSS into $1 (one kB value a line) until killed.
sample_rss() {
    while :; do
        rss_kb >>"$1"
        sleep 0.5
    done
}
peak_kb() { sort -n "$1" | tail -n 1; }

kp_setup "$tmp/kafka"
kp_start
psql_q "CREATE SCHEMA $schema; CREATE TABLE $schema.t (id int PRIMARY KEY, v text, n int)"
write_pg_config "$tmp/rc.properties" "$prefix" "$slot" <<PROPS
table.include.list = $schema\\.t
publication.autocreate.mode = filtered
max.queue.size.in.bytes = $CONFIG_BYTES
PROPS
sed -i "s|^kafka.bootstrap.servers = .*|kafka.bootstrap.servers = $KP_BOOTSTRAP|" "$tmp/rc.properties"
start_rowcast "$tmp/rc.properties" "$tmp/rc.log"
wait_slot_active "$slot"

# Warm-up: schemas registered, producer buffers and connections made, a few batches through.
psql_q "INSERT INTO $schema.t SELECT g, repeat(md5(g::text), 9), 0 FROM generate_series(1, 5000) g"
wait_slot_caught_up "$slot" 60
sleep 2
base=$(rss_kb)
pass "warm-up: 5000 rows through; baseline VmRSS $base kB; bound $BOUND bytes ($((BOUND / 1024)) kB)"

: >"$tmp/rss.outage"
sample_rss "$tmp/rss.outage" &
sampler_pid=$!
kill -STOP "$KP_PID"
t0=$(date +%s)
# 100 transactions of 1000 rows over ~40 s: the database keeps writing while Kafka takes nothing.
PGAPPNAME="writer_$id" psql_q "DO \$\$
BEGIN
    FOR i IN 0..99 LOOP
        INSERT INTO $schema.t SELECT 10000 + i * 1000 + g, repeat(md5(g::text), 9), i
        FROM generate_series(0, 999) g;
        COMMIT;
        PERFORM pg_sleep(0.4);
    END LOOP;
END \$\$"
echo "100,000 rows written in $(($(date +%s) - t0)) s with the broker stopped"
while [ $(($(date +%s) - t0)) -lt "$STOP_S" ]; do
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited while the broker was stopped"
    sleep 1
done
grep -q "waiting for Kafka" "$tmp/rc.log" || fail "no 'waiting for Kafka' line during a ${STOP_S} s broker stop"
kill -CONT "$KP_PID"
wait_slot_caught_up "$slot" 180
kill "$sampler_pid"
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""
peak=$(peak_kb "$tmp/rss.outage")
limit=$((base + BOUND / 1024))
echo "broker stopped ${STOP_S} s: peak VmRSS $peak kB = baseline $base kB + $((peak - base)) kB; bound $((BOUND / 1024)) kB ($(wc -l <"$tmp/rss.outage") samples)"
[ "$peak" -le "$limit" ] || fail "peak VmRSS $peak kB is over baseline + bound = $limit kB"
pass "outage: peak VmRSS under baseline + bound ($peak <= $limit kB)"

: >"$tmp/rss.big"
sample_rss "$tmp/rss.big" &
sampler_pid=$!
t0=$(date +%s)
psql_q "INSERT INTO $schema.t SELECT 1000000 + g, repeat(md5(g::text), 9), -1 FROM generate_series(1, 300000) g"
wait_slot_caught_up "$slot" 300
kill "$sampler_pid"
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""
peak=$(peak_kb "$tmp/rss.big")
echo "one transaction of 300,000 rows streamed in $(($(date +%s) - t0)) s: peak VmRSS $peak kB = baseline + $((peak - base)) kB"
[ "$peak" -le "$limit" ] || fail "large transaction: peak VmRSS $peak kB is over baseline + bound = $limit kB"
pass "large transaction: peak VmRSS under baseline + bound ($peak <= $limit kB)"

stop_rowcast
rowcast_pid=""
if ! verify_topics --bootstrap "$KP_BOOTSTRAP" --prefix "$prefix" --tables "$schema.t" >"$tmp/verify.json" 2>"$tmp/verify.err"; then
    cat "$tmp/verify.err" "$tmp/verify.json" >&2
    fail "the table rebuilt from the broker differs from PostgreSQL"
fi
tail -n 1 "$tmp/verify.json"
pass "every row arrived: the table rebuilt from the broker equals PostgreSQL (405,000 rows)"

# ---------------------------------------------------------------------------------------------- MariaDB
my_q "CREATE DATABASE \`$db\`; CREATE TABLE \`$db\`.t (id int PRIMARY KEY, v varchar(400), n int)"
write_my_config "$tmp/my.properties" <<PROPS
topic.prefix = ${prefix}_my
max.queue.size.in.bytes = $CONFIG_BYTES
offset.storage.file.filename = $tmp/my.offsets.json
PROPS
sed -i "s|^kafka.bootstrap.servers = .*|kafka.bootstrap.servers = $KP_BOOTSTRAP|" "$tmp/my.properties"
start_rowcast "$tmp/my.properties" "$tmp/my.log"
wait_my_streaming
my_q "USE \`$db\`; INSERT INTO t SELECT seq, repeat(md5(seq), 9), 0 FROM seq_1_to_5000"
wait_my_caught_up "$tmp/my.offsets.json" 60
sleep 2
base=$(rss_kb)
limit=$((base + BOUND / 1024))
pass "MariaDB warm-up: 5000 rows through; baseline VmRSS $base kB"

: >"$tmp/rss.my"
sample_rss "$tmp/rss.my" &
sampler_pid=$!
kill -STOP "$KP_PID"
t0=$(date +%s)
for i in $(seq 0 29); do
    my_q "USE \`$db\`; INSERT INTO t SELECT 10000 + $i * 1000 + seq, repeat(md5(seq), 9), $i FROM seq_0_to_999"
    sleep 0.3
done
while [ $(($(date +%s) - t0)) -lt "${MEMORY_BOUND_MY_STOP_S:-20}" ]; do
    kill -0 "$rowcast_pid" 2>/dev/null || fail "MariaDB: rowcast exited while the broker was stopped"
    sleep 1
done
kill -CONT "$KP_PID"
my_q "USE \`$db\`; INSERT INTO t SELECT 1000000 + seq, repeat(md5(seq), 9), -1 FROM seq_1_to_300000"
wait_my_caught_up "$tmp/my.offsets.json" 300
kill "$sampler_pid"
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""
peak=$(peak_kb "$tmp/rss.my")
echo "MariaDB: broker stopped ${MEMORY_BOUND_MY_STOP_S:-20} s with 30,000 rows written, then one transaction of 300,000 rows: peak VmRSS $peak kB = baseline $base kB + $((peak - base)) kB; bound $((BOUND / 1024)) kB"
[ "$peak" -le "$limit" ] || fail "MariaDB: peak VmRSS $peak kB is over baseline + bound = $limit kB"
pass "MariaDB: peak VmRSS under baseline + bound ($peak <= $limit kB)"
stop_rowcast
rowcast_pid=""
if ! verify_my_topics --bootstrap "$KP_BOOTSTRAP" --prefix "${prefix}_my" --tables "$db.t" >"$tmp/myverify.json" 2>"$tmp/myverify.err"; then
    cat "$tmp/myverify.err" "$tmp/myverify.json" >&2
    fail "MariaDB: the table rebuilt from the broker differs from MariaDB"
fi
tail -n 1 "$tmp/myverify.json"
pass "MariaDB: every row arrived (335,000 rows)"
