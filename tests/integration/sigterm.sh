# SIGTERM under load, PostgreSQL and MariaDB, on a private broker (kafka_private.sh) so that it can be
# paused with SIGSTOP. With shutdown.timeout.ms=8000:
#  1. a writer commits continuously; SIGTERM: rowcast exits 0 within the bound; a restart picks up
#     where it stopped while the writer goes on; at the end the table rebuilt from Kafka equals the
#     database (no loss).
#  2. the broker paused (SIGSTOP) with records in flight: SIGTERM still exits within the bound, with
#     status 0 (the position recorded is the acknowledged one; what is unacknowledged is sent again);
#     after SIGCONT a restart loses nothing.
#  3. PostgreSQL, broker paused: a second SIGTERM exits at once, with status 1.
# Every run logs with log.format=json to log.file: every line must be a JSON object with ts (RFC 3339
# UTC, ms), level, component, msg, and the state lines carry position (and restarts error). Once,
# the log file is renamed and rowcast gets SIGHUP: later lines go to a new file (logrotate).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/lib_mysql.sh"
. "$top_srcdir/tests/integration/kafka_private.sh"

pg_test_setup st
db="d_$id" server_id=$((1000 + ($$ % 50000)))
BOUND_MS=8000
writer_pid=""
cleanup() {
    set +e
    [ -n "$KP_PID" ] && kill -CONT "$KP_PID" 2>/dev/null
    [ -n "$writer_pid" ] && kill "$writer_pid" 2>/dev/null && wait "$writer_pid" 2>/dev/null
    psql_q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'writer_$id'" >/dev/null 2>&1
    my_q "DROP DATABASE IF EXISTS \`$db\`" >/dev/null 2>&1
    kp_destroy
    pg_test_cleanup
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
run_no=0
# Starts rowcast with config $1; its log goes to log.file $tmp/<n>.log (set in the config here).
start() {
    run_no=$((run_no + 1))
    sed -i '/^log.file = /d' "$1"
    echo "log.file = $tmp/run$run_no.log" >>"$1"
    start_rowcast "$1" "$tmp/run$run_no.stderr"
    rowcast_log=$tmp/run$run_no.log
}
# Sends SIGTERM, waits for the exit; sets $code and $took_ms. Fails when it takes over the bound.
term() {
    local t0
    t0=$(now_ms)
    kill -TERM "$rowcast_pid"
    set +e
    wait "$rowcast_pid"
    code=$?
    set -e
    took_ms=$(($(now_ms) - t0))
    rowcast_pid=""
    [ "$took_ms" -le "$BOUND_MS" ] || fail "$1: SIGTERM took $took_ms ms, over shutdown.timeout.ms=$BOUND_MS"
}

kp_setup "$tmp/kafka"
kp_start

# ------------------------------------------------------------------------------------------ PostgreSQL
psql_q "CREATE SCHEMA $schema; CREATE TABLE $schema.t (id int PRIMARY KEY, v text, n int)"
write_pg_config "$tmp/pg.properties" "$prefix" "$slot" <<PROPS
table.include.list = $schema\\.t
publication.autocreate.mode = filtered
shutdown.timeout.ms = $BOUND_MS
log.format = json
PROPS
sed -i "s|^kafka.bootstrap.servers = .*|kafka.bootstrap.servers = $KP_BOOTSTRAP|" "$tmp/pg.properties"

ulimit -S -c unlimited # rowcast must lower it itself
start "$tmp/pg.properties"
wait_slot_active "$slot"
# No core file by default: it would hold the secrets (security review F-11; process.core.dumps).
core_limit=$(sed -n 's/^Max core file size *\([^ ]*\) .*/\1/p' "/proc/$rowcast_pid/limits")
[ "$core_limit" = 0 ] || fail "core file size limit of rowcast is '$core_limit', expected 0"
pass "core dumps off"
# (no snapshot: the writer starts once the slot is there)
# A writer: a transaction every ~20 ms (20 inserts and an update), until killed.
(exec env PGAPPNAME="writer_$id" psql -X -q -v ON_ERROR_STOP=1 -h "$ROWCAST_TEST_PG_HOST" -p "$ROWCAST_TEST_PG_PORT" \
    -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" -c "DO \$\$
BEGIN
    FOR i IN 1..100000 LOOP
        INSERT INTO $schema.t SELECT i * 20 + g, repeat(md5(g::text), 4), i FROM generate_series(0, 19) g;
        UPDATE $schema.t SET n = -i WHERE id = 20 + (i * 7) % (i * 20);
        COMMIT;
        PERFORM pg_sleep(0.02);
    END LOOP;
END \$\$") >/dev/null 2>&1 &
writer_pid=$!
stop_writer_pg() {
    kill "$writer_pid" 2>/dev/null || true
    wait "$writer_pid" 2>/dev/null || true
    writer_pid=""
    psql_q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'writer_$id'" >/dev/null
}

sleep 4
term "pg 1"
[ "$code" = 0 ] || fail "pg 1: SIGTERM under load: exit $code"
pass "pg 1: SIGTERM under load: exit 0 in $took_ms ms (bound $BOUND_MS)"

start "$tmp/pg.properties"
wait_slot_active "$slot"
sleep 3
# logrotate: the file is renamed, SIGHUP, and the lines after it go to a new file under the name.
mv "$tmp/run$run_no.log" "$tmp/run$run_no.log.1"
kill -HUP "$rowcast_pid"
sleep 0.5
kill -0 "$rowcast_pid" || fail "rowcast died of SIGHUP"
# 2: the broker paused with records in flight.
kill -STOP "$KP_PID"
sleep 3
term "pg 2"
kill -CONT "$KP_PID"
[ "$code" = 0 ] || fail "pg 2: SIGTERM with the broker paused: exit $code (0 expected: the position is safe)"
grep -q "not acknowledged within shutdown.timeout.ms" "$tmp/run$run_no.log" ||
    fail "pg 2: no line about the records left unacknowledged"
pass "pg 2: SIGTERM with the broker paused: exit 0 in $took_ms ms, records left unacknowledged said"
grep -q '"stopped at' "$tmp/run$run_no.log" || fail "SIGHUP: the new log file lacks the 'stopped at' line"
grep -q '"stopped at' "$tmp/run$run_no.log.1" && fail "SIGHUP: the 'stopped at' line went to the renamed file"
grep -q '"streaming from' "$tmp/run$run_no.log.1" || fail "SIGHUP: the renamed file lost its lines"
pass "SIGHUP: after a rename, later lines went to a new log.file"

# 3: a second SIGTERM exits at once, status 1.
start "$tmp/pg.properties"
wait_slot_active "$slot"
sleep 1
kill -STOP "$KP_PID"
sleep 2
t0=$(now_ms)
kill -TERM "$rowcast_pid"
sleep 0.3
kill -TERM "$rowcast_pid" 2>/dev/null || true
set +e
wait "$rowcast_pid"
code=$?
set -e
took_ms=$(($(now_ms) - t0))
rowcast_pid=""
kill -CONT "$KP_PID"
[ "$code" = 1 ] || fail "pg 3: a second SIGTERM: exit $code, 1 expected"
[ "$took_ms" -lt 2000 ] || fail "pg 3: a second SIGTERM took $took_ms ms to exit"
pass "pg 3: a second SIGTERM exits at once ($took_ms ms), status 1"

start "$tmp/pg.properties"
wait_slot_active "$slot"
sleep 2
stop_writer_pg
wait_slot_caught_up "$slot" 120
term "pg final"
[ "$code" = 0 ] || fail "pg final: exit $code"
if ! verify_topics --bootstrap "$KP_BOOTSTRAP" --prefix "$prefix" --tables "$schema.t" >"$tmp/verify.json" 2>"$tmp/verify.err"; then
    cat "$tmp/verify.err" "$tmp/verify.json" >&2
    fail "pg: the table rebuilt from the broker differs from PostgreSQL"
fi
pass "pg: after 4 stops (2 with the broker paused, one abrupt) the table rebuilt from Kafka equals PostgreSQL ($(psql_q "SELECT count(*) FROM $schema.t") rows)"

# ---------------------------------------------------------------------------------------------- MariaDB
my_q "CREATE DATABASE \`$db\`; CREATE TABLE \`$db\`.t (id int PRIMARY KEY, v varchar(200), n int)"
write_my_config "$tmp/my.properties" <<PROPS
topic.prefix = ${prefix}_my
shutdown.timeout.ms = $BOUND_MS
log.format = json
offset.storage.file.filename = $tmp/my.offsets.json
PROPS
sed -i "s|^kafka.bootstrap.servers = .*|kafka.bootstrap.servers = $KP_BOOTSTRAP|" "$tmp/my.properties"
start "$tmp/my.properties"
wait_my_streaming
(
    i=0
    while :; do
        i=$((i + 1))
        my_q "USE \`$db\`; BEGIN; INSERT INTO \`$db\`.t SELECT $i * 20 + seq, repeat(md5(seq), 4), $i FROM seq_0_to_19;
              UPDATE \`$db\`.t SET n = -$i WHERE id = 20 + ($i * 7) % ($i * 20); COMMIT;" || exit 1
        sleep 0.02
    done
) >/dev/null 2>&1 &
writer_pid=$!
sleep 1
kill -0 "$writer_pid" 2>/dev/null || fail "the MariaDB writer failed at once"

sleep 4
term "mariadb 1"
[ "$code" = 0 ] || fail "mariadb 1: SIGTERM under load: exit $code"
pass "mariadb 1: SIGTERM under load: exit 0 in $took_ms ms"

start "$tmp/my.properties"
wait_my_streaming
sleep 2
kill -STOP "$KP_PID"
sleep 3
term "mariadb 2"
kill -CONT "$KP_PID"
[ "$code" = 0 ] || fail "mariadb 2: SIGTERM with the broker paused: exit $code"
grep -q "not acknowledged within shutdown.timeout.ms" "$tmp/run$run_no.log" ||
    fail "mariadb 2: no line about the records left unacknowledged (was the writer writing?)"
pass "mariadb 2: SIGTERM with the broker paused: exit 0 in $took_ms ms"

start "$tmp/my.properties"
wait_my_streaming
sleep 2
kill "$writer_pid"
wait "$writer_pid" 2>/dev/null || true
writer_pid=""
wait_my_caught_up "$tmp/my.offsets.json" 120
term "mariadb final"
[ "$code" = 0 ] || fail "mariadb final: exit $code"
if ! verify_my_topics --bootstrap "$KP_BOOTSTRAP" --prefix "${prefix}_my" --tables "$db.t" >"$tmp/myverify.json" 2>"$tmp/myverify.err"; then
    cat "$tmp/myverify.err" "$tmp/myverify.json" >&2
    fail "mariadb: the table rebuilt from the broker differs from MariaDB"
fi
pass "mariadb: after 3 stops (one with the broker paused) the table rebuilt from Kafka equals MariaDB ($(my_q "SELECT count(*) FROM \`$db\`.t") rows)"

# ------------------------------------------------------------------------------------ the JSON log lines
/usr/bin/python3 - "$tmp"/run*.log* <<'PY' || fail "log.format=json: a line is not what it must be"
import json, re, sys
ts_re = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
n = 0
seen = {"position": 0, "error": 0}
for path in sys.argv[1:]:
    for i, line in enumerate(open(path, "rb"), 1):
        try:
            rec = json.loads(line.decode("utf-8"))
        except ValueError as e:
            sys.exit(f"{path}:{i}: not JSON ({e}): {line[:200]!r}")
        for k in ("ts", "level", "component", "msg"):
            if not isinstance(rec.get(k), str):
                sys.exit(f"{path}:{i}: no string '{k}': {rec}")
        if not ts_re.match(rec["ts"]):
            sys.exit(f"{path}:{i}: ts is not RFC 3339 UTC with ms: {rec['ts']}")
        if rec["level"] not in ("error", "warn", "info", "debug", "trace"):
            sys.exit(f"{path}:{i}: level {rec['level']}")
        if rec["msg"].startswith(("streaming from", "stopped at")) and "position" not in rec:
            sys.exit(f"{path}:{i}: a state line without position: {rec}")
        for k in seen:
            seen[k] += k in rec
        n += 1
if n < 20 or not seen["position"]:
    sys.exit(f"only {n} lines, {seen}")
print(f"{n} JSON lines in {len(sys.argv) - 1} files parse, with ts/level/component/msg; position in {seen['position']}")
PY
pass "log.format=json: every line of every run is a JSON object with the fields"
