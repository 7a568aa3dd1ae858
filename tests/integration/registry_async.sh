# Schema registrations off the event loop (issue 12), against PostgreSQL, Kafka and the registry of
# tests/env behind registry_slow_proxy.py:
#  1. The registry answers slow_t's subjects after DELAY_MS each (fast_t's at once). A writer
#     updates both tables; fast_t's events reach Kafka while slow_t's schemas are being registered,
#     the slot's confirmed position never passes slow_t's first (parked) event meanwhile, and at the
#     end the events a consumer decodes equal the rows, each key's in order, per partition in LSN
#     order.
#  2. A registration that never answers: SIGTERM exits 0 within shutdown.timeout.ms, the position
#     stays before the waiting event, and a restart with a working registry delivers it.
#  3. A registry that refuses (409): rowcast exits non-zero, the message names the subject.
# ROWCAST_TEST_REGASYNC_SYNC=1 runs part 1 with schema.registry.async=false (the old way, for the
# measurement: it then checks only the data). ROWCAST_TEST_REGASYNC_DELAY_MS sets the delay per
# subject (1500); with ROWCAST_TEST_REGASYNC_METRICS_PORT, part 1 serves /metrics there and prints its
# latency histograms at the end (the loop's stall shows in send_to_receive: events the loop did not
# read while it waited).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

pg_test_setup ra
DELAY_MS=${ROWCAST_TEST_REGASYNC_DELAY_MS:-1500}
BOUND_MS=8000
proxy_pids=""
writer_pid=""
cleanup() {
    set +e
    [ -n "$writer_pid" ] && kill "$writer_pid" 2>/dev/null
    for p in $proxy_pids; do kill "$p" 2>/dev/null; done
    pg_test_cleanup
}
trap cleanup EXIT
now_ms() { date +%s%3N; }
py=/usr/bin/python3

# Starts a proxy with the arguments given; sets $proxy_url. Its request log is $tmp/proxy<n>.log.
nproxy=0
start_proxy() {
    nproxy=$((nproxy + 1))
    "$py" "$top_srcdir/tests/integration/registry_slow_proxy.py" --to "$ROWCAST_TEST_SCHEMA_REGISTRY_URL" "$@" \
        >"$tmp/proxy$nproxy.out" 2>"$tmp/proxy$nproxy.log" &
    proxy_pids="$proxy_pids $!"
    for _ in $(seq 100); do
        grep -q '^ready ' "$tmp/proxy$nproxy.out" 2>/dev/null && break
        sleep 0.1
    done
    proxy_url="http://127.0.0.1:$(sed -n 's/^ready //p' "$tmp/proxy$nproxy.out")"
    [ "$proxy_url" != "http://127.0.0.1:" ] || fail "the registry proxy did not start"
}
# The slot's confirmed_flush_lsn past $1 (the transaction whose commit record is at $1 confirmed)?
confirmed_past() {
    [ "$(psql_q "SELECT confirmed_flush_lsn > '$1' FROM pg_replication_slots WHERE slot_name = '$slot'")" = t ]
}

# Runs the one INSERT $1 (autocommit) and prints where its commit record starts, read from the WAL
# (pg_walinspect): the bound a confirmed position must stay below while the insert's event waits.
# Not pg_current_wal_lsn() before it: the tests that run beside this one commit transactions in
# between, and rowcast rightly confirms those.
insert_commit_lsn() {
    local from xid
    from=$(psql_q "SELECT pg_current_wal_lsn()")
    xid=$(psql_q "$1 RETURNING pg_current_xact_id()" | sort -u)
    psql_q "SELECT start_lsn FROM pg_get_wal_records_info_till_end_of_wal('$from')
            WHERE resource_manager = 'Transaction' AND record_type LIKE 'COMMIT%'
              AND xid = '$xid'::text::xid"
}

psql_q "CREATE EXTENSION IF NOT EXISTS pg_walinspect" >/dev/null || fail "pg_walinspect (the commit positions the test checks against) cannot be created"
psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.slow_t (id int PRIMARY KEY, n int NOT NULL, v text);
CREATE TABLE $schema.fast_t (id int PRIMARY KEY, n int NOT NULL, v text);
CREATE TABLE $schema.hang_t (id int PRIMARY KEY, n int NOT NULL, v text);
CREATE TABLE $schema.ref_t (id int PRIMARY KEY, n int NOT NULL, v text);"

# ---------------------------------------------------------------------------- 1: a slow registry
start_proxy --match "slow_t" --delay-ms "$DELAY_MS"
slow_proxy=$proxy_url
async=true
[ "${ROWCAST_TEST_REGASYNC_SYNC:-0}" = 1 ] && async=false
write_pg_config "$tmp/rowcast.properties" "$prefix" "$slot" <<PROPS
table.include.list = $schema\\..*
publication.autocreate.mode = filtered
schema.registry.url = $slow_proxy
schema.registry.async = $async
shutdown.timeout.ms = $BOUND_MS
PROPS
[ -n "${ROWCAST_TEST_REGASYNC_METRICS_PORT:-}" ] && echo "http.port = $ROWCAST_TEST_REGASYNC_METRICS_PORT" >>"$tmp/rowcast.properties"
start_rowcast "$tmp/rowcast.properties" "$tmp/run1.log"
wait_slot_active "$slot"

# fast_t's schemas first, so that only slow_t's registration is slow below.
psql_q "INSERT INTO $schema.fast_t SELECT g, 0, 'f' FROM generate_series(1, 20) g"
for _ in $(seq 100); do
    grep -q "$prefix.$schema.fast_t-value" "$tmp/proxy1.log" && break
    sleep 0.1
done
t_slow=$(now_ms)
slow_commit=$(insert_commit_lsn "INSERT INTO $schema.slow_t SELECT g, 0, 's' FROM generate_series(1, 20) g")
[ -n "$slow_commit" ] || fail "slow_t's insert: no commit record found in the WAL"
# A transaction every 20 ms in each table, n = 1..K in order.
K=100
(exec psql -X -q -v ON_ERROR_STOP=1 -h "$ROWCAST_TEST_PG_HOST" -p "$ROWCAST_TEST_PG_PORT" \
    -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" -c "DO \$\$
BEGIN
    FOR i IN 1..$K LOOP
        UPDATE $schema.fast_t SET n = i;
        COMMIT;
        UPDATE $schema.slow_t SET n = i;
        COMMIT;
        PERFORM pg_sleep(0.02);
    END LOOP;
END \$\$") >/dev/null 2>&1 &
writer_pid=$!
# While slow_t's key and value schemas are under way (2 x DELAY_MS): its first event is parked, so
# the position confirmed must stay before it, though fast_t's later events are acknowledged.
held=1
while [ $(($(now_ms) - t_slow)) -lt $((DELAY_MS * 2 - 300)) ]; do
    if [ "$async" = true ] && confirmed_past "$slow_commit" &&
        ! grep -q "$prefix.$schema.slow_t-value 200" "$tmp/proxy1.log"; then
        held=0
    fi
    sleep 0.1
done
wait "$writer_pid" || fail "the writer failed"
writer_pid=""
[ "$held" = 1 ] || fail "the slot confirmed past slow_t's first event before its schemas were registered"
wait_slot_caught_up "$slot" 120
answered=$(awk -v s="$prefix.$schema.slow_t-value" '$3 ~ s && $4 == 200 {print int($1 * 1000); exit}' "$tmp/proxy1.log")
[ -n "$answered" ] || fail "the proxy never answered slow_t's value subject: $(cat "$tmp/proxy1.log")"
if [ -n "${ROWCAST_TEST_REGASYNC_METRICS_PORT:-}" ]; then
    curl -sf "http://127.0.0.1:$ROWCAST_TEST_REGASYNC_METRICS_PORT/metrics" >"$tmp/metrics.txt" || fail "no /metrics"
    "$py" - "$tmp/metrics.txt" <<'PY'
import re, sys
h = {}
for line in open(sys.argv[1]):
    m = re.match(r'(rowcast_(?:stage_\w+|delivery_latency)_seconds)_bucket\{le="([^"]+)"\} (\d+)', line)
    if m:
        h.setdefault(m[1], []).append((float("inf") if m[2] == "+Inf" else float(m[2]), int(m[3])))
for name, b in h.items():
    n = b[-1][1]
    over = n - max((c for le, c in b if le <= 0.1), default=0)
    top = next(le for le, c in b if c == n)
    print(f"metrics: {name}: {n} observations, {over} over 0.1 s, all within {top} s")
PY
fi
stop_rowcast
verify() {
    "$py" "$top_srcdir/tests/integration/registry_async_verify.py" --bootstrap "$ROWCAST_TEST_KAFKA_BOOTSTRAP" \
        --registry "$ROWCAST_TEST_SCHEMA_REGISTRY_URL" --prefix "$prefix" \
        --psql "psql -X -At -h $ROWCAST_TEST_PG_HOST -p $ROWCAST_TEST_PG_PORT -U $ROWCAST_TEST_PG_USER -d $ROWCAST_TEST_PG_DB" "$@"
}
verify --tables "$schema.slow_t,$schema.fast_t" --before-ms "$answered" >"$tmp/verify1.json" 2>"$tmp/verify1.err" ||
    fail "part 1: the events read back differ from the rows: $(cat "$tmp/verify1.err" "$tmp/verify1.json")"
summary=$(cat "$tmp/verify1.json")
"$py" - "$summary" "$schema" "$async" "$DELAY_MS" <<'PY' || fail "part 1: $summary"
import json, sys
s, schema, is_async, delay = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3] == "true", int(sys.argv[4])
fast, slow = s["tables"][f"{schema}.fast_t"], s["tables"][f"{schema}.slow_t"]
print(f"measure (async={is_async}, registry delay {delay} ms per subject): while slow_t's schemas were "
      f"registered, fast_t got {fast['before']} events to Kafka ({fast.get('before_per_s')}/s), "
      f"the largest commit->Kafka delay of them {fast['before_max_delay_ms']} ms; slow_t {slow['before']} "
      f"(fast_t's first 20 are its insert before slow_t's)")
if slow["before"]:
    sys.exit(f"slow_t had {slow['before']} records in Kafka before its value schema was registered")
if is_async and fast["before"] < 20:
    sys.exit(f"fast_t's events waited for slow_t's registration ({fast['before']} went before it)")
PY
if [ "$async" = false ]; then
    pass "part 1 (schema.registry.async=false): the events decoded equal the rows, each key in order, LSNs in order per partition"
    exit 0
fi
pass "part 1: fast_t's events went on while slow_t's registration took $((DELAY_MS * 2)) ms; the position stayed before slow_t's parked event; the events decoded equal the rows, each key in order, LSNs in order per partition"

# ---------------------------------------------------------------------------- 2: a registry that hangs
start_proxy --match "hang_t" --hang
sed -i "s|^schema.registry.url = .*|schema.registry.url = $proxy_url|" "$tmp/rowcast.properties"
start_rowcast "$tmp/rowcast.properties" "$tmp/run2.log"
wait_slot_active "$slot"
hang_commit=$(insert_commit_lsn "INSERT INTO $schema.hang_t VALUES (1, 0, 'h')")
[ -n "$hang_commit" ] || fail "hang_t's insert: no commit record found in the WAL"
psql_q "UPDATE $schema.fast_t SET n = n + 1 WHERE id = 1"
for _ in $(seq 100); do
    grep -q "hang_t-key/versions hang" "$tmp/proxy2.log" && break
    sleep 0.1
done
grep -q "hang_t-key/versions hang" "$tmp/proxy2.log" || fail "part 2: no registration reached the hanging proxy"
sleep 2
confirmed_past "$hang_commit" && fail "part 2: the slot confirmed past the event whose registration hangs"
t0=$(now_ms)
kill -TERM "$rowcast_pid"
set +e
wait "$rowcast_pid"
code=$?
set -e
took=$(($(now_ms) - t0))
rowcast_pid=""
[ "$code" = 0 ] || fail "part 2: SIGTERM while a registration hangs: exit $code"
[ "$took" -le "$BOUND_MS" ] || fail "part 2: SIGTERM took $took ms (shutdown.timeout.ms=$BOUND_MS)"
confirmed_past "$hang_commit" && fail "part 2: after SIGTERM the slot is past the unregistered event"
pass "part 2: SIGTERM while a registration hangs: exit 0 in $took ms, position held before the event"
sed -i "s|^schema.registry.url = .*|schema.registry.url = $ROWCAST_TEST_SCHEMA_REGISTRY_URL|" "$tmp/rowcast.properties"
start_rowcast "$tmp/rowcast.properties" "$tmp/run3.log"
wait_slot_active "$slot"
wait_slot_caught_up "$slot" 60
stop_rowcast
verify --tables "$schema.hang_t" >"$tmp/verify2.json" 2>"$tmp/verify2.err" ||
    fail "part 2: hang_t's event after the restart: $(cat "$tmp/verify2.err" "$tmp/verify2.json")"
pass "part 2: after a restart with a working registry hang_t's event is in Kafka: $(cat "$tmp/verify2.json")"

# ---------------------------------------------------------------------------- 3: a registry that refuses
start_proxy --match "ref_t" --refuse
sed -i "s|^schema.registry.url = .*|schema.registry.url = $proxy_url|" "$tmp/rowcast.properties"
start_rowcast "$tmp/rowcast.properties" "$tmp/run4.log"
wait_slot_active "$slot"
psql_q "INSERT INTO $schema.ref_t VALUES (1, 0, 'r')"
for _ in $(seq 300); do
    kill -0 "$rowcast_pid" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$rowcast_pid" 2>/dev/null && fail "part 3: rowcast still runs 30 s after the registry refused a schema"
set +e
wait "$rowcast_pid"
code=$?
set -e
rowcast_pid=""
[ "$code" != 0 ] || fail "part 3: exit 0 after the registry refused a schema"
grep -q "refused the schema of subject $prefix.$schema.ref_t-key" "$tmp/run4.log" ||
    fail "part 3: the message does not name the subject: $(tail -5 "$tmp/run4.log")"
pass "part 3: a refused schema: exit $code, '$(grep -o "refused the schema of subject [^ ]*" "$tmp/run4.log" | head -1)'"
