# The Debezium consumer of the benchmarks (sourced by bench/common.sh): Debezium 3.6.1's connectors in
# the embedded engine, run by tests/compat/DebeziumRun.java (the compatibility tests' program), each
# record through Apicurio's AvroConverter in Confluent mode (the Confluent wire format and ids, the
# registry rowcast uses: Avro against Avro) and a KafkaProducer with rowcast's producer settings
# (acks=all, idempotence, linger.ms=20, lz4, plus BENCH_EXTRA_PROPS' kafka.* lines), acknowledged
# before each batch is committed (as Debezium Server's Kafka sink waits for its batch).
#
#   dbz_setup [mariadb]        once per script: the jars (tests/compat/lib_compat.sh, cached in
#                              ~/.cache/rowcast), DebeziumRun compiled once into that cache; mariadb: the
#                              MariaDB connector jar too. Sets dbz_cp, or dbz_skip (the reason).
#   dbz_run ENGINE.properties EVENTS TOPICS [DebeziumRun options...]
#                              starts the JVM (stop after EVENTS change records), waits until the topics
#                              (comma-separated) hold RECORDS (the caller's variable) records, and sets:
#     dz_launch    epoch seconds the JVM was started
#     dz_start     the start of the measured window: dbz_window_start's time when the caller defines
#                  that function (PostgreSQL streaming: the slot's walsender came up), else the first
#                  record in Kafka (high watermark >= 1)
#     dz_first     the first record in Kafka, dz_done the last (the topics' high watermarks, polled
#                  every 50 ms by bench/kafka_wait.py, as for rowcast)
#     dz_cpu       the JVM's CPU seconds in [dz_start, dz_done]; dz_cpu_total in [launch, dz_done]
#     dz_broker    the broker's CPU seconds in [dz_start, dz_done]
#     dz_source    the source's CPU seconds in [dz_start, dz_done] from the caller's dbz_source_cpu
#                  (a cumulative number; PostgreSQL streaming: the slot's walsender, so all of it)
#     dz_rss_kb    the JVM's peak RSS (VmHWM over its whole life, /usr/bin/time's %M)
#     dz_summary   DebeziumRun's JSON summary line
#   dbz_emit KEY=VALUE...      emits the measurement (emit) with the fields every Debezium entry has.
#   dbz_pg_properties ...      writes the PostgreSQL connector's engine properties (below).
# The JVM: BENCH_DBZ_JAVA (java), BENCH_DBZ_JAVA_OPTS (default: none beyond -Duser.timezone=UTC, i.e. the
# JVM's own heap sizing on this machine, as `java` gives a user).

dbz_cp="" dbz_skip="" dbz_pid="" dbz_tpid=""

dbz_setup() {
    local t
    for t in java javac jar mvn; do
        command -v "$t" >/dev/null 2>&1 || { dbz_skip="needs $t (a JDK 17 and Maven)"; return 0; }
    done
    fail() { die "$*"; } # lib_compat.sh reports through the integration tests' fail
    # shellcheck source=../tests/compat/lib_compat.sh
    . "$top/tests/compat/lib_compat.sh"
    compat_jars >&2
    local sum classes
    sum=$(cksum <"$top/tests/compat/DebeziumRun.java" | cut -d' ' -f1)
    classes="$jars/DebeziumRun-$sum"
    if [ ! -f "$classes/DebeziumRun.class" ]; then
        compat_runner "$classes.tmp.$$"
        rm -rf "$classes"
        mv "$classes.tmp.$$" "$classes" 2>/dev/null || rm -rf "$classes.tmp.$$" # another run was first
    fi
    dbz_cp="$classes:$jars/*"
    if [ "${1:-}" = mariadb ]; then
        if ! compat_mariadb_jar; then
            dbz_cp="" dbz_skip="needs ROWCAST_TEST_COMPAT_DEBEZIUM_SRC ($compat_why)"
            return 0
        fi
        dbz_cp="$classes:$connector_jar:$jars/*"
    fi
    dbz_java_version=$("${BENCH_DBZ_JAVA:-java}" -version 2>&1 | head -n 1 | tr -d '"')
}

# The converter and producer settings, written once per script into $tmp.
dbz_configs() {
    cat >"$tmp/dbz-converter.properties" <<PROPS
apicurio.registry.url=${ROWCAST_TEST_SCHEMA_REGISTRY_URL%/apis/ccompat/v7}/apis/registry/v2
apicurio.registry.auto-register=true
apicurio.registry.as-confluent=true
apicurio.registry.use-id=contentId
apicurio.registry.headers.enabled=false
PROPS
    # rowcast's producer defaults (sinks/kafka_conf.c) and whatever kafka.* lines the run adds to both.
    {
        printf '%s\n' acks=all enable.idempotence=true linger.ms=20 compression.type=lz4
        printf '%s\n' "${BENCH_EXTRA_PROPS:-}" | sed -n 's/^ *kafka\.\([^ =]*\) *= *\(.*\)$/\1=\2/p'
    } >"$tmp/dbz-producer.properties"
}

dbz_run() {
    local props=$1 events=$2 topics=$3 bp b0 c0 s0 k peak=0 u sy kb code
    shift 3
    [ -f "$tmp/dbz-producer.properties" ] || dbz_configs
    watch_start "$topics" "$RECORDS" "$TIMEOUT"
    bp=$(broker_pid)
    dz_launch=$EPOCHREALTIME dz_start="" dz_first="" dz_done=""
    # shellcheck disable=SC2086 # BENCH_DBZ_JAVA_OPTS is a list of options
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/dbz.time" "${BENCH_DBZ_JAVA:-java}" -Duser.timezone=UTC ${BENCH_DBZ_JAVA_OPTS:-} \
        -cp "$dbz_cp" DebeziumRun "$props" --bootstrap "$ROWCAST_TEST_KAFKA_BOOTSTRAP" --converter "${BENCH_DBZ_CONVERTER:-avro}" \
        --converter-config "$tmp/dbz-converter.properties" --producer-config "$tmp/dbz-producer.properties" \
        --stop-count "$events" --timeout "$TIMEOUT" "$@" >"$tmp/dbz.summary" 2>"$tmp/dbz.log" &
    dbz_tpid=$!
    for _ in $(seq 100); do
        dbz_pid=$(ps -o pid= --ppid "$dbz_tpid" | tr -d ' ')
        [ -n "$dbz_pid" ] && break
        sleep 0.02
    done
    [ -n "$dbz_pid" ] || die "the Debezium JVM did not start: $(tail -3 "$tmp/dbz.log")"
    while kill -0 "$watch_pid" 2>/dev/null; do
        if ! kill -0 "$dbz_pid" 2>/dev/null; then
            kill "$watch_pid" 2>/dev/null
            die "Debezium exited before the topics held $RECORDS records: $(grep -m3 -i 'error\|exception' "$tmp/dbz.log") $(cat "$tmp/dbz.summary")"
        fi
        if [ -z "$dz_start" ]; then
            if declare -F dbz_window_start >/dev/null; then
                dbz_window_start && dz_start=$EPOCHREALTIME
            elif grep -q '^first' "$watch_out"; then
                dz_start=$(awk '$1 == "first" {print $2}' "$watch_out")
            fi
            if [ -n "$dz_start" ]; then
                c0=$(cpu_s "$dbz_pid") b0=$(cpu_s "$bp")
                s0=$(declare -F dbz_source_cpu >/dev/null && dbz_source_cpu || echo 0)
            fi
        elif declare -F dbz_source_cpu >/dev/null; then
            dbz_source_cpu >/dev/null # keeps what a source process spent while it is there
        fi
        k=$(awk '/^VmHWM:/ {print $2}' "/proc/$dbz_pid/status" 2>/dev/null || echo 0)
        [ "${k:-0}" -gt "$peak" ] && peak=$k
        sleep 0.1
    done
    wait "$watch_pid" 2>/dev/null || true
    watch_pid=""
    dz_cpu_total=$(cpu_s "$dbz_pid")
    local b1 s1
    b1=$(cpu_s "$bp")
    s1=$(declare -F dbz_source_cpu >/dev/null && dbz_source_cpu || echo 0)
    dz_done=$(awk '$1 == "done" {print $2}' "$watch_out")
    dz_first=$(awk '$1 == "first" {print $2}' "$watch_out")
    [ -n "$dz_done" ] || die "the topics never held their records: $(tail -2 "$watch_out" "$watch_out.err")"
    [ -n "$dz_start" ] || dz_start=$dz_first c0=0 b0=$b1 s0=$s1
    dz_cpu=$(fsub "$dz_cpu_total" "${c0:-0}")
    dz_broker=$([ -n "$b0" ] && [ -n "$b1" ] && fsub "$b1" "$b0" || echo null)
    dz_source=$(fsub "${s1:-0}" "${s0:-0}")
    # DebeziumRun stops by itself after the EVENTS-th change record; give it its shutdown.
    for _ in $(seq 600); do
        kill -0 "$dbz_tpid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$dbz_tpid" 2>/dev/null && { log "WARNING: Debezium did not exit after its stop count: killed"; kill -KILL "$dbz_pid"; }
    set +e
    wait "$dbz_tpid"
    code=$?
    set -e
    dbz_pid="" dbz_tpid=""
    dz_summary=$(tail -n 1 "$tmp/dbz.summary")
    [ "$code" = 0 ] || log "WARNING: Debezium exited $code: $dz_summary $(grep -m3 -i 'error\|exception' "$tmp/dbz.log")"
    read -r _ u sy kb <"$tmp/dbz.time" 2>/dev/null || kb=$peak
    [ "${kb:-0}" -gt "$peak" ] && peak=$kb
    dz_rss_kb=$peak
}

# dbz_pg_properties FILE NAME OFFSETS PREFIX TABLES [KEY=VALUE...]: the engine properties of Debezium's
# PostgreSQL connector on the test environment's database (pgoutput, a file offset store at OFFSETS,
# table.include.list=TABLES), then the extra KEY=VALUE lines (slot, publication, snapshot.mode...).
dbz_pg_properties() {
    local file=$1 name=$2 offsets=$3 prefix=$4 tables=$5
    shift 5
    {
        cat <<PROPS
name=$name
connector.class=io.debezium.connector.postgresql.PostgresConnector
offset.storage=org.apache.kafka.connect.storage.FileOffsetBackingStore
offset.storage.file.filename=$offsets
offset.flush.interval.ms=10000
database.hostname=$ROWCAST_TEST_PG_HOST
database.port=$ROWCAST_TEST_PG_PORT
database.user=$ROWCAST_TEST_PG_USER
database.password=$ROWCAST_TEST_PG_PASSWORD
database.dbname=$ROWCAST_TEST_PG_DB
topic.prefix=$prefix
plugin.name=pgoutput
table.include.list=$tables
PROPS
        printf '%s\n' "$@"
    } >"$file"
}

# Kills a Debezium JVM still running (the scripts' cleanup).
dbz_kill() {
    [ -n "$dbz_pid" ] && kill -KILL "$dbz_pid" 2>/dev/null
    [ -n "$dbz_tpid" ] && wait "$dbz_tpid" 2>/dev/null
    dbz_pid="" dbz_tpid=""
}

# dbz_emit EVENTS KEY=VALUE...: one Debezium measurement. Rates: events over [dz_start, dz_done] (the
# JVM's start-up excluded), over [first record, dz_done], and over the whole wall time from the launch.
dbz_emit() {
    local n=$1 s fl wall rk=events_per_s
    shift
    [ "${DBZ_RATE_KEY:-}" ] && rk=$DBZ_RATE_KEY
    s=$(fsub "$dz_done" "$dz_start")
    fl=$(fsub "$dz_done" "$dz_first")
    wall=$(fsub "$dz_done" "$dz_launch")
    log "$CASE rep $rep: debezium $s s ($(fdiv "$n" "$s") /s from the window start; first record after" \
        "$(fsub "$dz_first" "$dz_launch") s, wall $wall s), JVM cpu $dz_cpu s (total $dz_cpu_total s), source $dz_source s," \
        "broker $dz_broker s, peak RSS $((dz_rss_kb / 1024)) MiB; $dz_summary"
    emit "$@" consumer=debezium role=debezium rep="$rep" status=ok seconds="$s" "$rk=$(fdiv "$n" "$s")" \
        first_to_last_s="$fl" "first_to_last_${rk}=$(fdiv "$n" "$fl")" wall_s="$wall" "wall_${rk}=$(fdiv "$n" "$wall")" \
        first_record_s="$(fsub "$dz_first" "$dz_launch")" \
        agent_cpu_s="$dz_cpu" agent_cpu_s_per_1m="$(per_1m "$dz_cpu" "$n")" \
        agent_cpu_total_s="$dz_cpu_total" agent_cpu_total_s_per_1m="$(per_1m "$dz_cpu_total" "$n")" \
        source_cpu_s="$dz_source" source_cpu_s_per_1m="$(per_1m "$dz_source" "$n")" \
        broker_cpu_s="$dz_broker" broker_cpu_s_per_1m="$(per_1m "$dz_broker" "$n")" \
        peak_rss_mib="$(fdiv "$dz_rss_kb" 1024 %.1f)" converter="Apicurio AvroConverter 2.6.13 (Confluent wire format)" \
        jvm="$dbz_java_version" debezium="$COMPAT_DEBEZIUM_VERSION"
}

# The skipped entry when Debezium cannot run here. Args: bench case rep.
dbz_skipped() {
    emit bench="$1" case="$2" consumer=debezium role=debezium rep="$3" status=skipped reason="skipped: $dbz_skip"
}
