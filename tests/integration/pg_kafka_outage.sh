# A dead broker, on a private Kafka broker of this test (kafka_private.sh); PostgreSQL and the Schema
# Registry are the shared ones.
#
# A (outage, then recovery): the broker is killed with SIGKILL while rows are written. For ~15 s the
# slot's confirmed_flush_lsn (and the offset file) must stay where Kafka's acknowledgements left them
# and rowcast must say it waits for Kafka; once the broker is back, the same rowcast process delivers
# everything and the slot confirms it.
# B (delivery timeout): with kafka.message.timeout.ms=5000, a ~12 s outage (the broker is restarted 7 s
# after its crash, and takes ~5 s to answer) while rows are written makes deliveries fail for good. rowcast must log the failure, restart the stream from the last acknowledged
# position (without exiting), and once the broker is back every row must be in Kafka: no gap.
# Both end with SIGTERM (exit 0) and cdc_verify.py against the private broker.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/kafka_private.sh"

id="ko$$_$(date +%s)"
schema="s_$id" audit="audit_$id"
tmp=$(mktemp -d)
rowcast_pid="" writer_pid=""

cleanup() {
    set +e
    for p in "$writer_pid" "$rowcast_pid"; do
        [ -n "$p" ] && kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    psql_q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'writer_$id'" \
        >/dev/null 2>&1
    kp_destroy
    drop_slot "$audit"
    for s in a b; do
        drop_slot "slot_${id}_$s"
        psql_q "DROP PUBLICATION IF EXISTS slot_${id}_${s}_pub" >/dev/null 2>&1
    done
    psql_q "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
    for s in $(curl -sf --max-time 5 "$ROWCAST_TEST_SCHEMA_REGISTRY_URL/subjects" | tr -d '[]"' | tr ',' ' '); do
        case "$s" in "rc_$id"*)
            curl -sf --max-time 5 -X DELETE "$ROWCAST_TEST_SCHEMA_REGISTRY_URL/subjects/$s" >/dev/null
            curl -sf --max-time 5 -X DELETE "$ROWCAST_TEST_SCHEMA_REGISTRY_URL/subjects/$s?permanent=true" >/dev/null
            ;;
        esac
    done
    [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$tmp"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
secs_since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
slot_lsn() { psql_q "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$1'"; }
file_lsn() { sed -n 's/.*"lsn": *"\([0-9A-Fa-f]*\/[0-9A-Fa-f]*\)".*/\1/p' "$1" 2>/dev/null; }
lsn_lt() { [ "$(psql_q "SELECT '$1'::pg_lsn < '$2'::pg_lsn")" = t ]; }

# The bound of an outage: a marker transaction committed after the broker died cannot be acknowledged
# until it is back, so neither the slot nor the offset file may reach the end of its commit record.
# (The WAL position at the crash is no bound: with nothing in flight, rowcast rightly confirms the
# server's keepalive position, which follows other sessions' WAL.) The audit slot (test_decoding) gives
# the exact end of the marker's commit record.
audit_begin() {
    psql_q "SELECT pg_create_logical_replication_slot('$audit', 'test_decoding')" >/dev/null
}
# Runs SQL $1 as the marker transaction; prints the end LSN of its commit record.
marker_txn() {
    local xid end
    xid=$(psql_q "BEGIN; SELECT txid_current() % 4294967296; $1; COMMIT;")
    end=$(psql_q "SELECT lsn FROM pg_logical_slot_peek_changes('$audit', pg_current_wal_lsn(), NULL,
                  'include-xids', '1', 'skip-empty-xacts', '1') WHERE xid = '$xid'::xid AND data LIKE 'COMMIT%'")
    [ -n "$end" ] || fail "the audit slot has no commit of the marker transaction $xid"
    echo "$end"
}
audit_end() { drop_slot "$audit"; }
# Fails unless slot $1 and offset file $2 are both before LSN $3; sets $cur and $rec.
check_held() {
    cur=$(slot_lsn "$1") rec=$(file_lsn "$2")
    lsn_lt "$cur" "$3" || fail "$4: broker down, yet the slot confirmed $cur, not before $3"
    lsn_lt "$rec" "$3" || fail "$4: broker down, yet the offset file says $rec, not before $3"
}
alive() { kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited during scenario $1"; }

# Config for scenario $1 (table $schema.$1) against the private broker; extra lines on stdin.
config() {
    write_pg_config "$tmp/$1.properties" "rc_${id}_$1" "slot_${id}_$1"
    sed -i "s|^kafka.bootstrap.servers = .*|kafka.bootstrap.servers = $KP_BOOTSTRAP|" "$tmp/$1.properties"
    cat >>"$tmp/$1.properties" <<PROPS
table.include.list = $schema\\.$1
publication.autocreate.mode = filtered
offset.storage.file.filename = $tmp/$1.offsets.json
PROPS
    cat >>"$tmp/$1.properties"
}

verify() {
    # verify_topics names the shared broker; a later --bootstrap wins (argparse).
    if ! verify_topics --bootstrap "$KP_BOOTSTRAP" --prefix "rc_${id}_$1" --tables "$schema.$1" \
        >"$tmp/verify.$1.json" 2>"$tmp/verify.$1.err"; then
        cat "$tmp/verify.$1.err" "$tmp/verify.$1.json" >&2
        fail "scenario $1: the table rebuilt from the private broker differs from PostgreSQL"
    fi
    tail -n 1 "$tmp/verify.$1.json"
}

t=$(now_ms)
kp_setup "$tmp/kafka"
kp_start
pass "private Kafka broker at $KP_BOOTSTRAP answers ($(secs_since "$t") s)"

psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.a (id int PRIMARY KEY, v text, n int);
CREATE TABLE $schema.b (id int PRIMARY KEY, v text, n int);"

# ---------------------------------------------------------------- A: outage, then recovery
config a </dev/null
start_rowcast "$tmp/a.properties" "$tmp/a.log"
pid_a=$rowcast_pid
wait_slot_active "slot_${id}_a"
psql_q "INSERT INTO $schema.a SELECT g, 'before', 0 FROM generate_series(1, 300) g;
INSERT INTO $schema.a SELECT g, 'before', 0 FROM generate_series(301, 500) g;"
wait_slot_caught_up "slot_${id}_a" 60
acked=$(slot_lsn "slot_${id}_a")
pass "A: 500 rows acknowledged, slot confirmed $acked"

audit_begin
kp_crash
t_down=$(now_ms)
held=$(marker_txn "INSERT INTO $schema.a SELECT g, 'during', 1 FROM generate_series(501, 1500) g")
psql_q "INSERT INTO $schema.a SELECT g, 'during', 1 FROM generate_series(1501, 2500) g;
UPDATE $schema.a SET v = 'updated during', n = n + 1 WHERE id <= 100;
BEGIN; DELETE FROM $schema.a WHERE id BETWEEN 201 AND 250; INSERT INTO $schema.a VALUES (100000, 'last', 2); COMMIT;"
expected_inflight=$((2000 + 100 + 50 * 2 + 1)) # inserts, updates, deletes with their tombstones, insert
echo "A: broker killed; 2000 inserts, 100 updates, 50 deletes, 1 insert written; the first transaction's commit ends at $held"

# 15 s (and at least until rowcast's first "waiting for Kafka" line, logged after 10 s without an
# acknowledgement): nothing may be confirmed past what Kafka acknowledged before the outage.
while :; do
    alive A
    check_held "slot_${id}_a" "$tmp/a.offsets.json" "$held" A
    down_ms=$(($(now_ms) - t_down))
    [ "$down_ms" -ge 15000 ] && grep -q "waiting for Kafka" "$tmp/a.log" && break
    [ "$down_ms" -lt 25000 ] || break
    sleep 0.5
done
wait_line=$(grep "waiting for Kafka" "$tmp/a.log" | head -n 1) ||
    fail "A: no 'waiting for Kafka' line $(secs_since "$t_down") s into the outage"
echo "A: $wait_line"
case "$wait_line" in
*"waiting for Kafka: $expected_inflight events unacknowledged"*) ;;
*) fail "A: expected $expected_inflight unacknowledged events in the wait line" ;;
esac
pass "A: $(secs_since "$t_down") s into the outage the slot is still at $cur, offset file at $rec (both before $held)"

audit_end
t_restart=$(now_ms)
kp_start
t_up=$(now_ms)
pass "A: broker restarted after $(secs_since "$t_down") s down; answers $(secs_since "$t_restart") s after its start"
wait_slot_caught_up "slot_${id}_a" 120
alive A
pass "A: the same rowcast process (pid $pid_a) delivered everything; slot caught up $(secs_since "$t_up") s after the broker answered"
grep -E "waiting for Kafka|kafka: |restarting" "$tmp/a.log" | sed 's/^/  A log: /' | head -n 12
stop_rowcast
rowcast_pid=""
pass "A: SIGTERM: rowcast exited 0"
verify a
pass "A: the table rebuilt from the private broker equals PostgreSQL"

# ---------------------------------------------------------------- B: deliveries time out
config b <<PROPS
kafka.message.timeout.ms = 5000
kafka.retry.backoff.ms = 100
kafka.reconnect.backoff.max.ms = 1000
PROPS
start_rowcast "$tmp/b.properties" "$tmp/b.log"
pid_b=$rowcast_pid
wait_slot_active "slot_${id}_b"
psql_q "INSERT INTO $schema.b SELECT g, 'before', 0 FROM generate_series(1, 200) g"
wait_slot_caught_up "slot_${id}_b" 60
pass "B: 200 rows acknowledged, slot confirmed $(slot_lsn "slot_${id}_b")"

# A writer for ~30 s: a transaction every 0.25 s (20 inserts, and updates of earlier rows). psql is
# exec'd so that $writer_pid is psql's; its backend is found by application_name on cleanup.
(exec env PGAPPNAME="writer_$id" psql -X -q -v ON_ERROR_STOP=1 -h "$ROWCAST_TEST_PG_HOST" -p "$ROWCAST_TEST_PG_PORT" \
    -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" -c "DO \$\$
BEGIN
    FOR i IN 1..120 LOOP
        INSERT INTO $schema.b SELECT 1000 + i * 20 + g, 'during', i FROM generate_series(0, 19) g;
        UPDATE $schema.b SET n = n + 1, v = 'updated ' || i WHERE id = 1 + (i * 7) % 200;
        IF i % 10 = 0 THEN DELETE FROM $schema.b WHERE id = 1000 + (i - 5) * 20; END IF;
        COMMIT;
        PERFORM pg_sleep(0.25);
    END LOOP;
END \$\$") &
writer_pid=$!
sleep 2
audit_begin
sleep 1
kp_crash
t_down=$(now_ms)
held=$(marker_txn "INSERT INTO $schema.b VALUES (999999, 'marker', 0)")
echo "B: broker killed while the writer runs; a marker transaction's commit ends at $held"
# The broker is restarted 7 s after the crash and answers a few seconds later (a JVM start): with
# kafka.message.timeout.ms=5000, the records in flight at the crash fail for good ~5 s into the outage.
while [ $(($(now_ms) - t_down)) -lt 7000 ]; do
    alive B
    check_held "slot_${id}_b" "$tmp/b.offsets.json" "$held" B
    sleep 0.5
done
audit_end
t_restart=$(now_ms)
kp_start
t_up=$(now_ms)
pass "B: broker unavailable for $(secs_since "$t_down") s (restarted 7 s after the crash, answered $(secs_since "$t_restart") s later); slot held at $cur, offset file at $rec (before $held)"
# Transactions committed during the outage get confirmed, by the same process.
for _ in $(seq 1200); do
    [ "$(psql_q "SELECT confirmed_flush_lsn >= '$held' FROM pg_replication_slots WHERE slot_name = 'slot_${id}_b'")" = t ] &&
        break
    alive B
    sleep 0.1
done
lsn_lt "$(slot_lsn "slot_${id}_b")" "$held" && fail "B: nothing written during the outage confirmed 120 s after the broker answered"
alive B
pass "B: the same rowcast process (pid $pid_b) confirmed past the outage $(secs_since "$t_up") s after the broker answered"
wait "$writer_pid" || fail "B: the writer failed"
writer_pid=""
wait_slot_caught_up "slot_${id}_b" 120
alive B
pass "B: writer done, slot caught up"
grep -E "delivery|restarting|waiting for Kafka|streaming from" "$tmp/b.log" | sed 's/^/  B log: /' | cut -c1-300 | head -n 20
grep -q "Kafka delivery to rc_${id}_b\.$schema\.b failed" "$tmp/b.log" || fail "B: no failed delivery logged"
grep -q "restarting from the last acknowledged position" "$tmp/b.log" || fail "B: no stream restart logged"
restarts=$(grep -c "restarting from the last acknowledged position" "$tmp/b.log")
pass "B: failed deliveries logged, the stream restarted $restarts times from the last acknowledged position"
stop_rowcast
rowcast_pid=""
pass "B: SIGTERM: rowcast exited 0"
verify b
pass "B: the table rebuilt from the private broker equals PostgreSQL: no gap"
