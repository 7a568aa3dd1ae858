# max.queue.size.in.bytes holds rowcast's memory while Kafka does not take records: a private broker
# (kafka_private.sh) is stopped with SIGSTOP for MEMORY_BOUND_STOP_S seconds (default 60) while
# 100,000 rows of ~300 bytes (~60 MB as rowcast counts them, ~35 MB of Avro) are written to PostgreSQL.
# rowcast's VmRSS is sampled twice a second; its peak must stay under the measured baseline (after
# a warm-up, with the broker up) plus the configured bound. After SIGCONT every row must arrive
# (cdc_verify.py: the table rebuilt from the broker equals PostgreSQL). Then one transaction of
# 300,000 rows (~180 MB counted, larger than the bound) streams through with the bound still holding:
# PostgreSQL sends a transaction after its commit, and its events are published as they arrive,
# only the position waits for the commit.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/kafka_private.sh"

pg_test_setup mb
BOUND=${MEMORY_BOUND_BYTES:-16777216}
STOP_S=${MEMORY_BOUND_STOP_S:-60}
sampler_pid="" writer_pid=""
cleanup() {
    set +e
    [ -n "$KP_PID" ] && kill -CONT "$KP_PID" 2>/dev/null
    for p in "$sampler_pid" "$writer_pid"; do [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
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
max.queue.size.in.bytes = $BOUND
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
