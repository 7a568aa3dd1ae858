#!/usr/bin/env bash
# PostgreSQL streaming, backlog drain: every consumer's slot is created at one LSN, the backlog is
# generated, then the same WAL range is drained one consumer at a time, BENCH_REPS times:
#   pg_recvlogical (pgoutput v1 to /dev/null: the limit), rowcast run (pgoutput -> Avro + registry ->
#   Kafka, acks=all), Debezium 3.6.1's PostgreSQL connector in the embedded engine (bench/debezium.sh:
#   its own slot made at the same LSN, the same publication, snapshot.mode=no_data, Avro through
#   Apicurio's converter in Confluent mode, rowcast's producer settings).
#
#   BENCH_CASE=narrow-W1 bench/pg_stream_bench.sh [path/to/rowcast]
#
# Prints one JSON object per consumer and repetition on stdout (bench/README.md), progress on stderr.
# Needs the test environment (tests/env/up), psql, pg_recvlogical, /usr/bin/time, python3 with
# confluent_kafka. Knobs: BENCH_CASE (SHAPE-WORKLOAD, narrow-W3), BENCH_REPS (3), the sizes of
# bench/workloads.sh, BENCH_TIMEOUT (seconds per drain, 300), BENCH_EXTRA_PROPS (extra lines of
# rowcast's properties), BENCH_PERF=<file> with BENCH_PERF_ARGS (perf record of rowcast's first run;
# default "--call-graph dwarf,16384 -F 499"), BENCH_RC_WRAP (a command to run rowcast under, e.g.
# "valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out"), BENCH_COMPARE=<another rowcast binary>
# (drained too, from slots of its own: before/after in one invocation; BENCH_COMPARE_LABEL names it),
# BENCH_KEEP_TMP=1, BENCH_DEBEZIUM=0 (no Debezium runs), BENCH_DBZ_JAVA_OPTS (bench/debezium.sh).
# After each rowcast drain, bench/kafka_floor (librdkafka alone) republishes its records: the floor under
# rowcast's CPU per event. BENCH_FLOOR (its path; default bench/kafka_floor beside rowcast), BENCH_FLOOR_PROPS
# (kafka.name=value words: producer settings for the floor only, e.g. kafka.compression.type=none).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$here/workloads.sh"
CASE=${BENCH_CASE:-narrow-W3}
SHAPE=${CASE%-*} WL=${CASE#*-}
TIMEOUT=${BENCH_TIMEOUT:-300}
bench_prepare psql pg_recvlogical /usr/bin/time
EVENTS=$(wl_events "$SHAPE" "$WL")
RECORDS=$(wl_records "$SHAPE" "$WL" "$EVENTS")

id="pgs$$_$(date +%s)"
schema="$id" table="t" pub="${id}_pub"
tmp=$(mktemp -d /tmp/rowcast-bench.XXXXXX)
slots=() topics=()
rc_pid="" recv_pid="" perf_pid="" watch_pid=""

psql_q() {
    psql -X -q -v ON_ERROR_STOP=1 -At -h "$ROWCAST_TEST_PG_HOST" -p "$ROWCAST_TEST_PG_PORT" \
        -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" -c "$1"
}

# One long-lived psql session for the 50 ms polls (a fork + connection per poll would cost CPU that
# the measured processes need on a 2-core box).
coproc PQ { psql -X -q -At -h "$ROWCAST_TEST_PG_HOST" -p "$ROWCAST_TEST_PG_PORT" \
    -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" 2>&1; }
# shellcheck disable=SC2153 # PQ_PID is set by coproc
pq_fd_in=${PQ[1]} pq_fd_out=${PQ[0]} pq_pid=$PQ_PID
pq() {
    local line
    echo "$1" >&"$pq_fd_in"
    IFS= read -r -t 10 line <&"$pq_fd_out" || die "polling session did not answer: $1"
    printf '%s\n' "$line"
}

cleanup() {
    local status=$?
    set +e
    trap - EXIT INT TERM
    [ -n "$perf_pid" ] && kill -INT "$perf_pid" 2>/dev/null && wait "$perf_pid" 2>/dev/null
    dbz_kill
    for p in "$rc_pid" "$recv_pid" "$watch_pid"; do
        [ -n "$p" ] && kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    [ -n "$pq_pid" ] && { echo '\q' >&"$pq_fd_in"; wait "$pq_pid"; } 2>/dev/null
    for s in "${slots[@]}"; do
        # A walsender may take a moment to go away after its client died.
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            psql_q "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                    WHERE slot_name = '$s' AND NOT active" >/dev/null 2>&1
            [ -z "$(psql_q "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$s'" 2>/dev/null)" ] && break
            psql_q "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
                    WHERE slot_name = '$s' AND active_pid IS NOT NULL" >/dev/null 2>&1
            sleep 0.5
        done
    done
    psql_q "DROP PUBLICATION IF EXISTS $pub" >/dev/null 2>&1
    psql_q "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
    [ ${#topics[@]} -gt 0 ] && kafka_topics delete "${topics[@]}" >/dev/null 2>&1
    registry_forget "${topics[@]}"
    if [ "${BENCH_KEEP_TMP:-0}" = 1 ] || [ "$status" != 0 ]; then
        log "temp dir kept: $tmp"
    else
        rm -rf "$tmp"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- setup: table, publication, every slot at one LSN, then the backlog ----------------------------
[ "${BENCH_DEBEZIUM:-1}" = 0 ] && dbz_skip="BENCH_DEBEZIUM=0" || dbz_setup
psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.$table ($(pg_cols "$SHAPE")) WITH (autovacuum_enabled = false);
$(pg_load_base_sql "$SHAPE" "$WL" "$schema.$table" "$EVENTS")
CREATE PUBLICATION $pub FOR TABLE $schema.$table;" >/dev/null
for rep in $(seq "$BENCH_REPS"); do
    for c in lim rc ${BENCH_COMPARE:+cmp} $([ -n "$dbz_cp" ] && echo dbz); do
        slots+=("${id}_${c}$rep")
        psql_q "SELECT pg_create_logical_replication_slot('${id}_${c}$rep', 'pgoutput')" >/dev/null
    done
done
start_lsn=$(psql_q "SELECT pg_current_wal_lsn()")
log "$CASE: ${#slots[@]} slots at $start_lsn; generating $EVENTS events"
t_gen=$EPOCHREALTIME
psql_q "$(pg_workload_sql "$SHAPE" "$WL" "$schema.$table" "$EVENTS")" >/dev/null
end_lsn=$(psql_q "SELECT pg_current_wal_lsn()")
wal_bytes=$(psql_q "SELECT pg_wal_lsn_diff('$end_lsn', '$start_lsn')::bigint")
gen_s=$(fsub "$EPOCHREALTIME" "$t_gen")
log "$CASE: generated in $gen_s s; WAL $start_lsn .. $end_lsn ($((wal_bytes / 1048576)) MiB)"
psql_q "CHECKPOINT" >/dev/null # write the dirty pages out now, not during a measurement
sleep 1

# watch_slot PID LIMIT SLOT: polls the slot every 50 ms while process PID runs; sets walsender_cpu
# (the slot's walsender, last sample) and t_confirmed once confirmed_flush_lsn reached end_lsn.
watch_slot() {
    local pid=$1 limit=$2 slot=$3 t_start=$EPOCHREALTIME row ok apid c
    walsender_cpu="" t_confirmed=0
    while kill -0 "$pid" 2>/dev/null; do
        row=$(pq "SELECT coalesce(confirmed_flush_lsn >= '$end_lsn', false), coalesce(active_pid, 0)
                  FROM pg_replication_slots WHERE slot_name = '$slot';")
        ok=${row%%|*} apid=${row##*|}
        if [ "$apid" != 0 ]; then
            c=$(cpu_s "$apid")
            [ -n "$c" ] && walsender_cpu=$c
        fi
        if [ "$ok" = t ]; then
            t_confirmed=$EPOCHREALTIME
            return 0
        fi
        [ "$(fsub "$EPOCHREALTIME" "$t_start" | cut -d. -f1)" -lt "$limit" ] || return 1
        sleep 0.05
    done
    return 0
}

common_fields() { echo "bench=pg_stream case=$CASE shape=$SHAPE workload=$WL events=$EVENTS records=$RECORDS wal_mib=$((wal_bytes / 1048576)) generate_s=$gen_s"; }

# --- the limit: pg_recvlogical, pgoutput v1, to /dev/null -----------------------------------------
run_recvlogical() {
    local rep=$1 slot="${id}_lim$1" t0 code s u sy kb
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time.$slot" \
        pg_recvlogical -h "$ROWCAST_TEST_PG_HOST" -p "$ROWCAST_TEST_PG_PORT" -U "$ROWCAST_TEST_PG_USER" \
        -d "$ROWCAST_TEST_PG_DB" --slot="$slot" --start --endpos="$end_lsn" --no-loop \
        -o proto_version=1 -o publication_names="$pub" -f /dev/null 2>"$tmp/recv.$slot.err" &
    recv_pid=$!
    watch_slot "$recv_pid" "$TIMEOUT" "$slot" || die "pg_recvlogical on $slot did not finish in $TIMEOUT s"
    set +e
    wait "$recv_pid"
    code=$?
    set -e
    s=$(fsub "$EPOCHREALTIME" "$t0")
    recv_pid=""
    [ "$code" = 0 ] || die "pg_recvlogical exited $code: $(cat "$tmp/recv.$slot.err")"
    read -r _ u sy kb <"$tmp/time.$slot"
    local cpu ws=${walsender_cpu:-null}
    cpu=$(awk -v u="$u" -v s="$sy" 'BEGIN { printf "%.2f", u + s }')
    log "$CASE rep $rep: pg_recvlogical $s s ($(fdiv "$EVENTS" "$s") events/s), cpu $cpu s, walsender cpu $ws s"
    # shellcheck disable=SC2046 # common_fields is a list of words
    emit $(common_fields) consumer=pg_recvlogical role=limit rep="$rep" status=ok seconds="$s" \
        events_per_s="$(fdiv "$EVENTS" "$s")" agent_cpu_s="$cpu" agent_cpu_s_per_1m="$(per_1m "$cpu" "$EVENTS")" \
        source_cpu_s="$ws" source_cpu_s_per_1m="$(per_1m "$ws" "$EVENTS")" peak_rss_mib="$(fdiv "$kb" 1024 %.1f)"
}

# --- rowcast run, Kafka sink, until the last record is acknowledged --------------------------------
run_rowcast() { # REP [BINARY LABEL SLOT-TAG]
    local rep=$1 bin=${2:-$ROWCAST} label=${3:-rowcast} tag=${4:-rc} topic t0 b0 b1 bp code
    local slot="${id}_$tag$1" prefix="${id}${tag}$1"
    topic="$prefix.$schema.$table"
    topics+=("$topic")
    cat >"$tmp/rowcast.properties" <<PROPS
source.type = postgres
database.hostname = $ROWCAST_TEST_PG_HOST
database.port = $ROWCAST_TEST_PG_PORT
database.user = $ROWCAST_TEST_PG_USER
database.password = $ROWCAST_TEST_PG_PASSWORD
database.dbname = $ROWCAST_TEST_PG_DB
topic.prefix = $prefix
slot.name = $slot
publication.name = $pub
publication.autocreate.mode = disabled
table.include.list = $schema\\.$table
snapshot.mode = no_data
kafka.bootstrap.servers = $ROWCAST_TEST_KAFKA_BOOTSTRAP
schema.registry.url = $ROWCAST_TEST_SCHEMA_REGISTRY_URL
offset.storage.file.filename = $tmp/offsets.$tag.$rep.json
${BENCH_EXTRA_PROPS:-}
PROPS
    # The topic exists before rowcast starts: librdkafka's metadata wait for a broker-auto-created
    # topic (~2 s) is no part of a drain.
    kafka_topics create "$topic" || die "cannot create topic $topic"
    watch_start "$topic" "$RECORDS" "$TIMEOUT"
    bp=$(broker_pid)
    b0=$(cpu_s "$bp")
    t0=$EPOCHREALTIME
    # BENCH_RC_WRAP: a command rowcast runs under (e.g. valgrind --tool=callgrind): its pid is rowcast's.
    # shellcheck disable=SC2086 # word splitting of the wrapper is intended
    ${BENCH_RC_WRAP:-} "$bin" run -c "$tmp/rowcast.properties" >"$tmp/rowcast.log" 2>&1 &
    rc_pid=$!
    if [ -n "${BENCH_PERF:-}" ] && [ "$rep" = 1 ]; then
        # shellcheck disable=SC2086 # word splitting of the perf options is intended
        perf record -q ${BENCH_PERF_ARGS:---call-graph dwarf,16384 -F 499} -o "$BENCH_PERF" -p "$rc_pid" >"$tmp/perf.log" 2>&1 &
        perf_pid=$!
    fi
    rowcast_watch "$rc_pid"
    b1=$(cpu_s "$bp")
    local ws # the slot's walsender, still serving rowcast: its CPU since rowcast connected
    ws=$(pq "SELECT coalesce(active_pid, 0) FROM pg_replication_slots WHERE slot_name = '$slot';")
    ws=$([ "$ws" != 0 ] && cpu_s "$ws" || echo null)
    local threads
    threads=$(thread_cpu "$rc_pid")
    if [ -n "$perf_pid" ]; then
        kill -INT "$perf_pid" 2>/dev/null
        wait "$perf_pid" 2>/dev/null || true
        perf_pid=""
    fi
    kill -TERM "$rc_pid"
    set +e
    wait "$rc_pid"
    code=$?
    set -e
    rc_pid=""
    [ "$code" = 0 ] || log "WARNING: rowcast exited $code after SIGTERM"
    grep -qi 'restarting\|error' "$tmp/rowcast.log" &&
        log "WARNING: rowcast logged errors/restarts: $(grep -i 'restarting\|error' "$tmp/rowcast.log" | head -3)"
    local s first steady broker
    s=$(fsub "$rw_done" "$t0")
    first=$(fsub "$rw_first" "$t0")
    steady=$(fdiv $((EVENTS * 8 / 10)) "$(fsub "$rw_p90" "$rw_p10")")
    broker=$([ -n "$b0" ] && [ -n "$b1" ] && fsub "$b1" "$b0" || echo null)
    log "$CASE rep $rep: $label $s s ($(fdiv "$EVENTS" "$s") events/s, first record after $first s, steady $steady events/s)," \
        "cpu $rw_cpu s ($threads), walsender $ws s, broker $broker s, peak RSS $((rw_peak_kb / 1024)) MiB"
    # shellcheck disable=SC2046 # common_fields is a list of words
    emit $(common_fields) consumer="$label" role="$([ "$tag" = rc ] && echo rowcast || echo compare)" rep="$rep" status=ok seconds="$s" \
        events_per_s="$(fdiv "$EVENTS" "$s")" agent_cpu_s="$rw_cpu" agent_cpu_s_per_1m="$(per_1m "$rw_cpu" "$EVENTS")" \
        source_cpu_s="$ws" source_cpu_s_per_1m="$(per_1m "$ws" "$EVENTS")" broker_cpu_s="$broker" \
        broker_cpu_s_per_1m="$(per_1m "$broker" "$EVENTS")" peak_rss_mib="$(fdiv "$rw_peak_kb" 1024 %.1f)" \
        first_record_s="$first" steady_events_per_s="$steady" threads_cpu="$threads"
}

# --- the floor of rowcast's CPU: librdkafka alone republishing the records rowcast's drain wrote --------
# bench/kafka_floor reads every record of this repetition's rowcast topic into memory, then publishes
# them to a topic of its own with rowcast's producer settings (sinks/kafka_conf.c); only the publishing
# is measured. Its CPU per event is what any agent on librdkafka spends at least on these records.
FLOOR=${BENCH_FLOOR:-$(dirname "$ROWCAST")/bench/kafka_floor}
run_floor() { # REP
    local rep=$1 from="${id}rc$1.$schema.$table" to="${id}floor$1" out records seconds cpu kib
    if [ ! -x "$FLOOR" ]; then
        emit $(common_fields) consumer=librdkafka role=floor rep="$rep" status=skipped reason="skipped: no $FLOOR (make bench/kafka_floor)"
        return 0
    fi
    topics+=("$to")
    kafka_topics create "$to" || die "cannot create topic $to"
    out=$("$FLOOR" "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$from" "$to" "$RECORDS" ${BENCH_FLOOR_PROPS:-}) ||
        die "kafka_floor failed on $from"
    for kv in $out; do
        case "$kv" in
        records=*) records=${kv#*=} ;;
        seconds=*) seconds=${kv#*=} ;;
        cpu_s=*) cpu=${kv#*=} ;;
        peak_rss_kib=*) kib=${kv#*=} ;;
        esac
    done
    log "$CASE rep $rep: librdkafka alone $seconds s for $records records, cpu $cpu s ($(per_1m "$cpu" "$EVENTS") s per 1M events)"
    # shellcheck disable=SC2046 # common_fields is a list of words
    emit $(common_fields) consumer=librdkafka role=floor rep="$rep" status=ok seconds="$seconds" \
        events_per_s="$(fdiv "$EVENTS" "$seconds")" agent_cpu_s="$cpu" agent_cpu_s_per_1m="$(per_1m "$cpu" "$EVENTS")" \
        records_in_memory_rss_mib="$(fdiv "$kib" 1024 %.1f)"
}

# --- Debezium's PostgreSQL connector, on its own slot of the same range ------------------------------
run_dbz() {
    local rep=$1 slot="${id}_dbz$1" prefix="${id}dbz$1" topic
    if [ -z "$dbz_cp" ]; then
        dbz_skipped pg_stream "$CASE" "$rep"
        return 0
    fi
    topic="$prefix.$schema.$table"
    topics+=("$topic")
    kafka_topics create "$topic" || die "cannot create topic $topic"
    dbz_pg_properties "$tmp/dbz.properties" "bench-$prefix" "$tmp/dbz-offsets.$rep.dat" "$prefix" "$schema.$table" \
        slot.name="$slot" publication.name="$pub" publication.autocreate.mode=disabled snapshot.mode=no_data
    # The window starts when the slot's walsender comes up (Debezium's replication connection): the
    # JVM's start-up is outside it, the walsender's decoding (all of it before the first record of W3's
    # one transaction) inside, as for the others.
    dbz_window_start() { [ "$(pq "SELECT coalesce(active_pid, 0) FROM pg_replication_slots WHERE slot_name = '$slot';")" != 0 ]; }
    # The walsender's CPU since it started (0 before): the last value seen, should it be gone already.
    dz_ws_seen=0
    dbz_source_cpu() {
        local p c
        p=$(pq "SELECT coalesce(active_pid, 0) FROM pg_replication_slots WHERE slot_name = '$slot';")
        [ "$p" != 0 ] && c=$(cpu_s "$p") && [ -n "$c" ] && dz_ws_seen=$c
        echo "$dz_ws_seen"
    }
    dbz_run "$tmp/dbz.properties" "$EVENTS" "$topic"
    # shellcheck disable=SC2046 # common_fields is a list of words
    dbz_emit "$EVENTS" $(common_fields)
}

# The order alternates (limit first in odd repetitions, rowcast first in even ones): whatever the first
# reader of a range pays (cold caches, a walsender's first spill) falls on both sides.
for rep in $(seq "$BENCH_REPS"); do
    [ $((rep % 2)) = 1 ] && run_recvlogical "$rep"
    run_rowcast "$rep"
    run_floor "$rep"
    [ $((rep % 2)) = 0 ] && run_recvlogical "$rep"
    [ -n "${BENCH_COMPARE:-}" ] && run_rowcast "$rep" "$BENCH_COMPARE" "rowcast@${BENCH_COMPARE_LABEL:-compare}" cmp
    run_dbz "$rep"
done
