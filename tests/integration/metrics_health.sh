# Metrics and health on http.port, on a private Kafka broker (kafka_private.sh) that the test pauses.
#
# 1. Rows streamed from PostgreSQL: /metrics (parsed by prometheus_client's parser, metrics_check.py)
#    counts them per table and op, the records acknowledged, the delivery latency; /healthz and
#    /readyz answer 200; `rowcast status` prints the same numbers.
# 2. A burst after 12 s of quiet: no "waiting for Kafka" line (stalls are measured from the oldest
#    record in flight, not from the last acknowledgement; issue 10).
# 3. The broker paused (SIGSTOP) while rows are written: /readyz turns 503 ("stalled") within
#    readiness.stall.ms and a few seconds, /healthz stays 200, `rowcast status` says why; after
#    SIGCONT /readyz is 200 again.
# 4. The end: what a consumer reads back (cdc_verify.py) equals rowcast's counters.
# mysql_metrics.sh does the same counting for MariaDB.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/kafka_private.sh"

pg_test_setup mh
checker="/usr/bin/python3 $top_srcdir/tests/integration/metrics_check.py"
/usr/bin/python3 -c 'import prometheus_client.parser' 2>/dev/null ||
    fail "python3-prometheus-client is not installed (deploy/install-deps)"

cleanup() {
    set +e
    [ -n "${KP_PID:-}" ] && kill -CONT "$KP_PID" 2>/dev/null
    [ -n "${rowcast_pid:-}" ] && kill -KILL "$rowcast_pid" 2>/dev/null && wait "$rowcast_pid" 2>/dev/null
    kp_destroy
    pg_test_cleanup
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
code() { curl -s -o "$tmp/body" -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port$1" || true; }
# Waits up to $2 s for $1 to answer HTTP $3; checks /healthz stays 200 meanwhile.
wait_code() {
    local t=$(( $2 * 5 ))
    for _ in $(seq "$t"); do
        [ "$(code "$1")" = "$3" ] && return 0
        [ "$(code /healthz)" = 200 ] || fail "/healthz answered $(code /healthz) while waiting for $1 $3"
        sleep 0.2
    done
    fail "$1 did not answer $3 within $2 s (last: $(code "$1") $(cat "$tmp/body"))"
}

kp_setup "$tmp/kafka"
kp_start
pass "private Kafka broker at $KP_BOOTSTRAP"

port=$(free_port)
psql_q "CREATE SCHEMA $schema; CREATE TABLE $schema.t (id int PRIMARY KEY, v text);"
write_pg_config "$tmp/rowcast.properties" "$prefix" "$slot" <<PROPS
table.include.list = $schema\\.t
publication.autocreate.mode = filtered
kafka.bootstrap.servers = $KP_BOOTSTRAP
http.port = $port
readiness.stall.ms = 3000
PROPS

# A port already taken is a clear start-up error naming host:port.
/usr/bin/python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(30)' "$port" &
holder=$!
sleep 0.5
set +e
"$ROWCAST" run -c "$tmp/rowcast.properties" >"$tmp/busy.log" 2>&1
rc=$?
set -e
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null || true
[ "$rc" = 1 ] || fail "rowcast on a port in use exited $rc, expected 1"
grep -q "cannot listen on 127.0.0.1:$port" "$tmp/busy.log" || { cat "$tmp/busy.log"; fail "no clear error for a port in use"; }
pass "a port in use: exit 1, '$(grep -o "cannot listen on[^;]*" "$tmp/busy.log" | head -1)'"

start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
wait_slot_active "$slot"
wait_code /readyz 30 200
[ "$(code /healthz)" = 200 ] && grep -q '"status":"UP"' "$tmp/body" || fail "/healthz is not UP"
pass "streaming: /healthz and /readyz 200"

# ---------------------------------------------------------------- 1: counts as events flow
psql_q "INSERT INTO $schema.t SELECT g, 'a' FROM generate_series(1, 500) g;
UPDATE $schema.t SET v = 'b' WHERE id <= 100;
DELETE FROM $schema.t WHERE id > 450;"
wait_slot_caught_up "$slot" 60
$checker "http://127.0.0.1:$port/metrics" --table "$schema.t" --expect c=500 --expect u=100 --expect d=50 \
    --published c=500 --published u=100 --published d=50 --acked 700 --min-latency-count 700 --lag-bytes \
    >"$tmp/m1.json" || fail "metrics after 650 changes: $(cat "$tmp/m1.json")"
pass "1: /metrics counts c=500 u=100 d=50, 700 records acknowledged: $(cat "$tmp/m1.json")"
"$ROWCAST" status -c "$tmp/rowcast.properties" >"$tmp/status1.txt" || fail "rowcast status exited $?"
grep -Eq "$schema\.t +c 500 u 100 d 50" "$tmp/status1.txt" || { cat "$tmp/status1.txt"; fail "status lacks the counts"; }
grep -q "700 acknowledged" "$tmp/status1.txt" && grep -q "ready               yes" "$tmp/status1.txt" ||
    { cat "$tmp/status1.txt"; fail "status lacks acknowledged/ready"; }
pass "1: rowcast status shows the counts and 'ready yes'"
"$ROWCAST" status --healthz -c "$tmp/rowcast.properties" || fail "1: rowcast status --healthz exited $?"

# ---------------------------------------------------------------- 2: a burst after a quiet pause
sleep 12
psql_q "INSERT INTO $schema.t SELECT g, 'burst' FROM generate_series(1001, 3000) g;"
wait_slot_caught_up "$slot" 60
sleep 1.5
if grep -q "waiting for Kafka" "$tmp/rowcast.log"; then
    grep "waiting for Kafka" "$tmp/rowcast.log"
    fail "2: a burst after a quiet pause was reported as a stall"
fi
pass "2: a burst after 12 s of quiet is no stall"

# ---------------------------------------------------------------- 3: the broker paused
kill -STOP "$KP_PID"
t0=$(date +%s%3N)
psql_q "INSERT INTO $schema.t SELECT g, 'paused' FROM generate_series(5001, 5300) g;"
wait_code /readyz 30 503
t1=$(date +%s%3N)
grep -q '"status":"DOWN"' "$tmp/body" && grep -q 'stalled' "$tmp/body" || fail "3: /readyz body: $(cat "$tmp/body")"
# Not before readiness.stall.ms: the rows were handed over when the pause began.
[ $(( t1 - t0 )) -ge 2500 ] || fail "3: /readyz turned 503 after $(( t1 - t0 )) ms, before readiness.stall.ms (3000)"
pass "3: broker paused: /readyz 503 after $(( $(date +%s%3N) - t0 )) ms: $(cat "$tmp/body")"
"$ROWCAST" status -c "$tmp/rowcast.properties" >"$tmp/status2.txt" || fail "rowcast status exited $?"
grep -q "ready               NO: stalled" "$tmp/status2.txt" || { cat "$tmp/status2.txt"; fail "status does not say stalled"; }
pass "3: rowcast status: $(grep "ready " "$tmp/status2.txt" | sed 's/^ *//')"
sleep 11 # long enough for a "waiting for Kafka" line (every 10 s of stall), which measures the same stall
grep -Eq "waiting for Kafka: [0-9]+ events unacknowledged, the oldest waiting [0-9]+s" "$tmp/rowcast.log" ||
    fail "3: no 'waiting for Kafka' line during the pause"
[ "$(code /healthz)" = 200 ] || fail "3: /healthz not 200 during the pause"
"$ROWCAST" status --healthz -c "$tmp/rowcast.properties" || fail "3: rowcast status --healthz (the image's probe) failed during the pause"
kill -CONT "$KP_PID"
wait_code /readyz 90 200
pass "3: broker resumed: /readyz 200 again, /healthz 200 throughout"
wait_slot_caught_up "$slot" 90

# ---------------------------------------------------------------- 4: equal to what a consumer reads
if ! verify_topics --bootstrap "$KP_BOOTSTRAP" --prefix "$prefix" --tables "$schema.t" \
    --records-out "$tmp/records.jsonl" >"$tmp/verify.json" 2>"$tmp/verify.err"; then
    cat "$tmp/verify.err" "$tmp/verify.json" >&2
    fail "4: the table rebuilt from Kafka differs from PostgreSQL"
fi
$checker "http://127.0.0.1:$port/metrics" --table "$schema.t" --expect c=2800 --records-out "$tmp/records.jsonl" \
    >"$tmp/m2.json" || fail "4: metrics differ from the consumer's counts: $(cat "$tmp/m2.json")"
pass "4: /metrics equals the consumer's counts: $(cat "$tmp/m2.json")"
stop_rowcast
rowcast_pid=""
! "$ROWCAST" status --healthz -c "$tmp/rowcast.properties" 2>/dev/null || fail "rowcast status --healthz answered 0 with rowcast stopped"
pass "rowcast status --healthz: 0 while running (also with the broker paused), 1 once stopped"

echo "PASS: metrics_health"
