# sd_notify for real (agent/sdnotify.c): rowcast started as systemd would start rowcast@.service
# (NOTIFY_SOCKET, WATCHDOG_USEC), against the test environment's PostgreSQL and Kafka, with a Python
# listener (sd_listen.py) as the notification socket, in the abstract namespace ('@').
# 1. READY=1 arrives exactly once, after rowcast logged the stream's start, and with it STATUS=
#    (the snapshot phase: snapshot.mode=initial), then STATUS= the capture streaming after it;
#    a row written after READY=1 is read back from Kafka (cdc_verify.py): ready meant streaming.
# 2. WATCHDOG=1 arrives periodically: WATCHDOG_USEC=1 s, so every 0.5 s from the event loop; at least
#    4 within 5 s of streaming (a loop that stops turning would send none).
# 3. SIGTERM: STOPPING=1 arrives, then rowcast exits 0; its last STATUS= is "pipeline stopped".
# 4. WATCHDOG_PID naming another process: no WATCHDOG=1 (the variable was meant for someone else),
#    READY=1 still; and a path socket (not abstract) works too.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

pg_test_setup sdn
cleanup() {
    set +e
    [ -n "${listener:-}" ] && kill "$listener" 2>/dev/null && wait "$listener" 2>/dev/null
    pg_test_cleanup
}
trap cleanup EXIT

psql_q "CREATE SCHEMA $schema; CREATE TABLE $schema.t (id int PRIMARY KEY, v text);
        INSERT INTO $schema.t SELECT g, 'before' FROM generate_series(1, 20) g;"
write_pg_config "$tmp/rowcast.properties" "$prefix" "$slot" <<PROPS
table.include.list = $schema\\.t
publication.autocreate.mode = filtered
snapshot.mode = initial
PROPS

# Starts the listener on $1, logging to $2.
listen() {
    rm -f "$2" "$2.ready"
    /usr/bin/python3 "$top_srcdir/tests/integration/sd_listen.py" "$1" "$2" &
    listener=$!
    for _ in $(seq 100); do [ -f "$2.ready" ] && return 0; sleep 0.05; done
    fail "the notification listener did not bind $1"
}
# Number of datagrams in log $1 holding field $2.
count() { /usr/bin/python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if sys.argv[2] in json.loads(l)["fields"]))' "$1" "$2"; }
# Waits up to $3 s for field $2 in log $1.
wait_field() {
    for _ in $(seq $(($3 * 10))); do
        [ -f "$1" ] && [ "$(count "$1" "$2")" -gt 0 ] && return 0
        kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited before $2"
        sleep 0.1
    done
    fail "no $2 within $3 s (received: $(cat "$1" 2>/dev/null))"
}

# ---------------------------------------------------------------- 1: READY=1
sock="@rowcast-sdnotify-$$-$RANDOM"
log=$tmp/notify.jsonl
listen "$sock" "$log"
NOTIFY_SOCKET=$sock WATCHDOG_USEC=1000000 start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
wait_field "$log" READY=1 60
grep -q "state starting -> streaming" "$tmp/rowcast.log" || fail "READY=1 before rowcast logged the stream's start"
/usr/bin/python3 -c '
import json, sys
for l in open(sys.argv[1]):
    f = json.loads(l)["fields"]
    if "READY=1" in f:
        s = [x for x in f if x.startswith("STATUS=")]
        assert s and s[0].startswith("STATUS=pipeline streaming"), f
        print("READY=1 with", s[0]); break' "$log" || fail "READY=1 came without STATUS=pipeline streaming"
wait_slot_active "$slot"
psql_q "INSERT INTO $schema.t VALUES (100, 'after ready'); UPDATE $schema.t SET v = 'u' WHERE id = 1;"
wait_slot_caught_up "$slot" 60
wait_field "$log" "STATUS=pipeline streaming, capture streaming" 30
pass "1: READY=1 once streaming: $(grep -m1 READY=1 "$log"); then $(grep -m1 'capture streaming' "$log")"

# ---------------------------------------------------------------- 2: WATCHDOG=1
w0=$(count "$log" WATCHDOG=1)
sleep 5
w1=$(count "$log" WATCHDOG=1)
[ $((w1 - w0)) -ge 4 ] || fail "2: only $((w1 - w0)) WATCHDOG=1 in 5 s with WATCHDOG_USEC=1000000"
grep -q "systemd watchdog every 1000 ms" "$tmp/rowcast.log" || fail "2: rowcast did not log the watchdog"
pass "2: $((w1 - w0)) WATCHDOG=1 in 5 s (WATCHDOG_USEC=1 s), $w1 in all"

# ---------------------------------------------------------------- 3: STOPPING=1 at SIGTERM
stop_rowcast
rowcast_pid=""
[ "$(count "$log" READY=1)" = 1 ] || fail "3: READY=1 sent $(count "$log" READY=1) times"
[ "$(count "$log" STOPPING=1)" = 1 ] || fail "3: STOPPING=1 sent $(count "$log" STOPPING=1) times"
tail -1 "$log" | grep -q '"STATUS=pipeline stopped' || fail "3: the last message is not the stop: $(tail -1 "$log")"
sleep 0.2
pass "3: STOPPING=1 at SIGTERM, exit 0, last: $(tail -1 "$log")"

if ! verify_topics --prefix "$prefix" --tables "$schema.t" >"$tmp/verify.json" 2>"$tmp/verify.err"; then
    cat "$tmp/verify.err" "$tmp/verify.json" >&2
    fail "1: the table rebuilt from Kafka differs from PostgreSQL"
fi
pass "1: what a consumer reads back equals the table (the rows written after READY=1 included)"
kill "$listener"; wait "$listener" 2>/dev/null || true; listener=""

# ---------------------------------------------------------------- 4: WATCHDOG_PID of another process, a path socket
log2=$tmp/notify2.jsonl
listen "$tmp/notify.sock" "$log2"
NOTIFY_SOCKET=$tmp/notify.sock WATCHDOG_USEC=1000000 WATCHDOG_PID=1 \
    start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast2.log"
wait_field "$log2" READY=1 60
sleep 2
[ "$(count "$log2" WATCHDOG=1)" = 0 ] || fail "4: WATCHDOG=1 sent although WATCHDOG_PID=1 is another process"
stop_rowcast
rowcast_pid=""
[ "$(count "$log2" STOPPING=1)" = 1 ] || fail "4: no STOPPING=1 on the path socket"
pass "4: a path socket gets READY=1 and STOPPING=1; WATCHDOG_PID=1 (not rowcast): no WATCHDOG=1"

echo "PASS: sdnotify"
