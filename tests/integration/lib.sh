# Shared helpers for integration tests (sourced). Tests print what they check and exit 0 (pass),
# 1 (fail), 77 (skip: no test environment) or 99 (hard error).

# On failure, the end of rowcast's log (when a test started one) says why.
fail() {
    echo "FAIL: $*" >&2
    if [ -n "${rowcast_log:-}" ] && [ -f "$rowcast_log" ]; then
        echo "--- last lines of $rowcast_log:" >&2
        tail -n 40 "$rowcast_log" >&2
    fi
    exit 1
}
pass() { echo "ok: $*"; }

# Loads the test environment's env.sh ($ROWCAST_ENV_FILE, by default tests/env/env.sh), but only one
# that tests/env/up wrote for this checkout (tests/env/for_checkout.sh). Without one the test is
# skipped, unless ROWCAST_TEST_REQUIRE_ENV=1 (CI), where that is an error, so CI can never pass by
# skipping. (make distcheck builds from an unpacked tarball, another checkout: there they skip.)
need_env() {
    local env_sh="${ROWCAST_ENV_FILE:-$top_srcdir/tests/env/env.sh}" why
    . "$top_srcdir/tests/env/for_checkout.sh"
    if ! why=$(env_for_checkout "$env_sh" "$top_srcdir"); then
        if [ "${ROWCAST_TEST_REQUIRE_ENV:-0}" = 1 ]; then
            echo "ERROR: $why (ROWCAST_TEST_REQUIRE_ENV=1)" >&2
            exit 99
        fi
        echo "SKIP: $why" >&2
        exit 77
    fi
    # shellcheck disable=SC1090
    . "$env_sh"
    export PGPASSWORD=$ROWCAST_TEST_PG_PASSWORD
}

# Runs rowcast, capturing stdout, stderr and the exit code into $out, $errout, $code.
run_rowcast() {
    local tmp_out tmp_err
    tmp_out=$(mktemp) tmp_err=$(mktemp)
    set +e
    "$ROWCAST" "$@" >"$tmp_out" 2>"$tmp_err"
    code=$?
    set -e
    out=$(cat "$tmp_out") errout=$(cat "$tmp_err")
    rm -f "$tmp_out" "$tmp_err"
}

expect_code() {
    [ "$code" = "$1" ] || fail "$2: exit code $code, expected $1 (stderr: $errout)"
}

expect_err() {
    case "$errout" in
    *"$1"*) ;;
    *) fail "${2:+$2: }stderr lacks '$1': $errout" ;;
    esac
}

# --- PostgreSQL and rowcast helpers (after need_env) ---

psql_q() {
    PGPASSWORD=$ROWCAST_TEST_PG_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -At -h "$ROWCAST_TEST_PG_HOST" \
        -p "$ROWCAST_TEST_PG_PORT" -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" -c "$1"
}

# Writes a rowcast properties file for the test environment to $1; extra lines come on stdin (a
# later line wins). The offset file defaults to the config's folder, never a shared working directory.
write_pg_config() {
    local file=$1 prefix=$2 slot=$3
    cat >"$file" <<PROPS
source.type = postgres
database.hostname = $ROWCAST_TEST_PG_HOST
database.port = $ROWCAST_TEST_PG_PORT
database.user = $ROWCAST_TEST_PG_USER
database.password = $ROWCAST_TEST_PG_PASSWORD
database.dbname = $ROWCAST_TEST_PG_DB
topic.prefix = $prefix
slot.name = $slot
publication.name = ${slot}_pub
snapshot.mode = no_data
kafka.bootstrap.servers = $ROWCAST_TEST_KAFKA_BOOTSTRAP
schema.registry.url = $ROWCAST_TEST_SCHEMA_REGISTRY_URL
status.update.interval.ms = 1000
offset.storage.file.filename = $(dirname "$file")/offsets.json
PROPS
    cat >>"$file"
}

# Starts rowcast run in the background with config $1, logging to $2; sets $rowcast_pid.
start_rowcast() {
    rowcast_log=$2
    "$ROWCAST" run -c "$1" >>"$2" 2>&1 &
    rowcast_pid=$!
}

# Waits until the slot $1 exists and is active (rowcast is streaming), up to 60 s. While
# CREATE_REPLICATION_SLOT waits for its consistent point the slot is already active, with no
# confirmed_flush_lsn: rows written then would precede the slot's start.
wait_slot_active() {
    for _ in $(seq 600); do
        [ "$(psql_q "SELECT active AND confirmed_flush_lsn IS NOT NULL FROM pg_replication_slots WHERE slot_name = '$1'")" = t ] && return 0
        kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited before streaming (see its log)"
        sleep 0.1
    done
    fail "slot $1 never became active"
}

# Waits until slot $1 has confirmed everything up to the current WAL position (every change made so
# far is acknowledged by Kafka), up to $2 seconds (default 120).
wait_slot_caught_up() {
    local target
    target=$(psql_q "SELECT pg_current_wal_lsn()")
    for _ in $(seq $((${2:-120} * 10))); do
        [ "$(psql_q "SELECT confirmed_flush_lsn >= '$target' FROM pg_replication_slots WHERE slot_name = '$1'")" = t ] \
            && return 0
        sleep 0.1
    done
    fail "slot $1 did not confirm $target in time"
}

# Stops rowcast with SIGTERM and checks it exits 0 within 60 s.
stop_rowcast() {
    kill -TERM "$rowcast_pid"
    for _ in $(seq 600); do
        kill -0 "$rowcast_pid" 2>/dev/null || break
        sleep 0.1
    done
    set +e
    wait "$rowcast_pid"
    local rc=$?
    set -e
    [ "$rc" = 0 ] || fail "rowcast exited $rc after SIGTERM"
}

# Drops slot $1, ending first a walsender that a killed rowcast may have left behind for a moment,
# and the publication ${1}_pub if there is one.
drop_slot() {
    for _ in $(seq 50); do
        psql_q "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
                WHERE slot_name = '$1' AND active_pid IS NOT NULL" >/dev/null 2>&1 || true
        psql_q "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                WHERE slot_name = '$1' AND NOT active" >/dev/null 2>&1 || true
        [ -z "$(psql_q "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$1'" 2>/dev/null)" ] && break
        sleep 0.2
    done
    psql_q "DROP PUBLICATION IF EXISTS ${1}_pub" >/dev/null 2>&1 || true
}

verify_topics() {
    /usr/bin/python3 "$top_srcdir/tests/integration/cdc_verify.py" --bootstrap "$ROWCAST_TEST_KAFKA_BOOTSTRAP" \
        --registry "$ROWCAST_TEST_SCHEMA_REGISTRY_URL" --pg-host "$ROWCAST_TEST_PG_HOST" \
        --pg-port "$ROWCAST_TEST_PG_PORT" --pg-user "$ROWCAST_TEST_PG_USER" --pg-db "$ROWCAST_TEST_PG_DB" "$@"
}

# A test's background writer ($writer_pid, started by the test) ends when $tmp/stop appears:
# stop_writer makes it appear, waits for the writer and takes it away again (for a next writer).
# Safe to call when no writer runs (traps call it).
writer_pid=
stop_writer() {
    if [ -n "$writer_pid" ]; then
        touch "$tmp/stop"
        wait "$writer_pid" || true
        writer_pid=
        rm -f "$tmp/stop"
    fi
}

# Names one PostgreSQL test's objects after $1 and the process ($id, $schema, $slot, $prefix), makes
# its temporary folder ($tmp), and removes all of it on exit, also after a failure (KEEP_TMP=1 keeps
# the folder for a look at rowcast's log).
pg_test_setup() {
    id="$1$$_$(date +%s)"
    schema="s_$id" slot="slot_$id" prefix="rc_$id"
    tmp=$(mktemp -d)
    trap pg_test_cleanup EXIT
}

pg_test_cleanup() {
    [ -n "${rowcast_pid:-}" ] && kill -9 "$rowcast_pid" 2>/dev/null || true
    drop_slot "$slot" || true
    psql_q "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
    [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$tmp"
}
