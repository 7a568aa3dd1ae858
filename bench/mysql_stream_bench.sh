#!/usr/bin/env bash
# MariaDB streaming, backlog drain: the backlog is generated first (bench/workloads.sh), then the same
# binlog range is drained one consumer at a time, BENCH_REPS times:
#   mariadb-binlog --read-from-remote-server decoding the rows (-v) to /dev/null (the limit),
#   rowcast run (binlog -> Avro + registry -> Kafka, acks=all, until the last record is acknowledged),
#   Debezium 3.6.1's MariaDB connector in the embedded engine (bench/debezium.sh: Apicurio Avro,
#   rowcast's producer settings), its offset seeded at the range's first byte (snapshot.mode=recovery:
#   the schema history rebuilt from the tables as they are, no rows copied, then the binlog from there).
# events/s, CPU of the agent, of mariadbd (the source: the whole server's CPU over the run) and of the
# broker, peak RSS. One JSON object per consumer and repetition on stdout (bench/README.md).
#
#   BENCH_CASE=narrow-W1 bench/mysql_stream_bench.sh [path/to/rowcast]
#
# Needs the test environment (tests/env/up), mariadb and mariadb-binlog, python3 with confluent_kafka.
# Knobs: BENCH_CASE (SHAPE-WORKLOAD, narrow-W3), BENCH_REPS, the sizes of bench/workloads.sh,
# BENCH_TIMEOUT (300), BENCH_KEEP_TMP=1, BENCH_EXTRA_PROPS, BENCH_DEBEZIUM=0 (no Debezium runs),
# BENCH_DBZ_JAVA_OPTS (bench/debezium.sh).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$here/workloads.sh"
CASE=${BENCH_CASE:-narrow-W3}
SHAPE=${CASE%-*} WL=${CASE#*-}
TIMEOUT=${BENCH_TIMEOUT:-300}
bench_prepare mariadb mariadb-binlog /usr/bin/time
EVENTS=$(wl_events "$SHAPE" "$WL")
RECORDS=$(wl_records "$SHAPE" "$WL" "$EVENTS")

id="myb$$_$(date +%s)"
db="$id" table="t"
tmp=$(mktemp -d /tmp/rowcast-bench.XXXXXX)
rc_pid="" watch_pid="" topics=()
server_id=$((2000 + $$ % 50000))

my_q() {
    MYSQL_PWD=$ROWCAST_TEST_MYSQL_PASSWORD mariadb --no-defaults --protocol=TCP -h "$ROWCAST_TEST_MYSQL_HOST" \
        -P "$ROWCAST_TEST_MYSQL_PORT" -u "$ROWCAST_TEST_MYSQL_USER" --batch -N "$@"
}

cleanup() {
    local status=$?
    set +e
    trap - EXIT INT TERM
    for p in "$rc_pid" "$watch_pid"; do
        [ -n "$p" ] && kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    dbz_kill
    my_q -e "DROP DATABASE IF EXISTS \`$db\`" >/dev/null 2>&1
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

# --- the backlog -------------------------------------------------------------------------------------
# Debezium's jars and its MariaDB connector first (a first run compiles the connector: not measured).
[ "${BENCH_DEBEZIUM:-1}" = 0 ] && dbz_skip="BENCH_DEBEZIUM=0" || dbz_setup mariadb
my_q -e "CREATE DATABASE \`$db\`; USE \`$db\`; CREATE TABLE \`$db\`.$table ($(my_cols "$SHAPE")) ENGINE=InnoDB;
    SET SESSION max_statement_time = 0; $(my_load_base_sql "$SHAPE" "$WL" "\`$db\`.$table" "$EVENTS")"
# A fresh binlog file: the range starts at its beginning and must not rotate (max_binlog_size, 1 GiB).
my_q -e "FLUSH BINARY LOGS"
read -r start_file start_pos < <(my_q -e "SHOW MASTER STATUS" | awk '{print $1, $2}')
log "$CASE: generating $EVENTS events from $start_file:$start_pos"
t_gen=$EPOCHREALTIME
my_workload_sql "$SHAPE" "$WL" "\`$db\`.$table" "$EVENTS" | my_q --database="$db" --init-command="SET SESSION max_statement_time = 0"
gen_s=$(fsub "$EPOCHREALTIME" "$t_gen")
read -r end_file end_pos < <(my_q -e "SHOW MASTER STATUS" | awk '{print $1, $2}')
[ "$start_file" = "$end_file" ] || die "the binlog rotated during the load ($start_file .. $end_file): raise max_binlog_size"
binlog_mib=$(((end_pos - start_pos) / 1048576))
log "$CASE: generated in $gen_s s; binlog $start_file:$start_pos .. $end_pos ($binlog_mib MiB)"

common_fields() { echo "bench=mariadb_stream case=$CASE shape=$SHAPE workload=$WL events=$EVENTS records=$RECORDS binlog_mib=$binlog_mib generate_s=$gen_s"; }

# The limit: mariadb-binlog reads the range from the server and decodes every row to text.
run_baseline() {
    local rep=$1 t0 code s u sy kb cpu m0 m1 src
    m0=$(my_server_cpu)
    t0=$EPOCHREALTIME
    set +e
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time.base" \
        mariadb-binlog --no-defaults --read-from-remote-server --host="$ROWCAST_TEST_MYSQL_HOST" \
        --port="$ROWCAST_TEST_MYSQL_PORT" --user="$ROWCAST_TEST_MYSQL_USER" \
        --password="$ROWCAST_TEST_MYSQL_PASSWORD" --base64-output=decode-rows -v \
        --start-position="$start_pos" --stop-position="$end_pos" "$start_file" >/dev/null 2>"$tmp/base.err"
    code=$?
    set -e
    s=$(fsub "$EPOCHREALTIME" "$t0")
    m1=$(my_server_cpu)
    [ "$code" = 0 ] || die "mariadb-binlog exited $code: $(cat "$tmp/base.err")"
    read -r _ u sy kb <"$tmp/time.base"
    cpu=$(awk -v u="$u" -v s="$sy" 'BEGIN { printf "%.2f", u + s }')
    src=$(fsub "$m1" "$m0")
    log "$CASE rep $rep: mariadb-binlog $s s ($(fdiv "$EVENTS" "$s") events/s), cpu $cpu s, mariadbd cpu $src s"
    # shellcheck disable=SC2046 # common_fields is a list of words
    emit $(common_fields) consumer=mariadb-binlog role=limit rep="$rep" status=ok seconds="$s" \
        events_per_s="$(fdiv "$EVENTS" "$s")" agent_cpu_s="$cpu" agent_cpu_s_per_1m="$(per_1m "$cpu" "$EVENTS")" \
        source_cpu_s="$src" source_cpu_s_per_1m="$(per_1m "$src" "$EVENTS")" peak_rss_mib="$(fdiv "$kb" 1024 %.1f)"
}

# rowcast from start_file:start_pos until the last record of the range is in Kafka.
run_rowcast() {
    local rep=$1 prefix="${id}r$1" topic t0 code m0 m1 b0 b1 bp
    topic="$prefix.$db.$table"
    topics+=("$topic")
    cat >"$tmp/rowcast.properties" <<PROPS
source.type = mariadb
database.hostname = $ROWCAST_TEST_MYSQL_HOST
database.port = $ROWCAST_TEST_MYSQL_PORT
database.user = $ROWCAST_TEST_MYSQL_USER
database.password = $ROWCAST_TEST_MYSQL_PASSWORD
database.server.id = $server_id
database.include.list = $db
table.include.list = $db\\.$table
topic.prefix = $prefix
snapshot.mode = no_data
kafka.bootstrap.servers = $ROWCAST_TEST_KAFKA_BOOTSTRAP
schema.registry.url = $ROWCAST_TEST_SCHEMA_REGISTRY_URL
offset.storage.file.filename = $tmp/offsets.$rep.json
${BENCH_EXTRA_PROPS:-}
PROPS
    # The offset file says where to start: the range's first byte (by file and position).
    "$PY" - "$tmp/offsets.$rep.json" "$prefix" "$server_id" "$start_file" "$start_pos" \
        "$ROWCAST_TEST_MYSQL_HOST:$ROWCAST_TEST_MYSQL_PORT" <<'PY'
import json, sys
path, prefix, sid, f, p, host = sys.argv[1:7]
json.dump({"version": 2, "source": "mariadb", "topic.prefix": prefix, "identity": {"server.id": sid},
           "host": host, "position": {"file": f, "pos": int(p), "row": 0}}, open(path, "w"))
PY
    kafka_topics create "$topic" || die "cannot create topic $topic"
    watch_start "$topic" "$RECORDS" "$TIMEOUT"
    bp=$(broker_pid)
    b0=$(cpu_s "$bp") m0=$(my_server_cpu)
    t0=$EPOCHREALTIME
    "$ROWCAST" run -c "$tmp/rowcast.properties" >"$tmp/rowcast.log" 2>&1 &
    rc_pid=$!
    rowcast_watch "$rc_pid"
    b1=$(cpu_s "$bp") m1=$(my_server_cpu)
    local threads
    threads=$(thread_cpu "$rc_pid")
    kill -TERM "$rc_pid"
    set +e
    wait "$rc_pid"
    code=$?
    set -e
    rc_pid=""
    [ "$code" = 0 ] || log "WARNING: rowcast exited $code after SIGTERM"
    grep -qi 'restarting\|error' "$tmp/rowcast.log" &&
        log "WARNING: rowcast logged errors: $(grep -i 'restarting\|error' "$tmp/rowcast.log" | head -3)"
    local s first steady broker src
    s=$(fsub "$rw_done" "$t0")
    first=$(fsub "$rw_first" "$t0")
    steady=$(fdiv $((EVENTS * 8 / 10)) "$(fsub "$rw_p90" "$rw_p10")")
    broker=$([ -n "$b0" ] && [ -n "$b1" ] && fsub "$b1" "$b0" || echo null)
    src=$(fsub "$m1" "$m0")
    log "$CASE rep $rep: rowcast $s s ($(fdiv "$EVENTS" "$s") events/s, first record after $first s, steady $steady events/s)," \
        "cpu $rw_cpu s ($threads), mariadbd $src s, broker $broker s, peak RSS $((rw_peak_kb / 1024)) MiB"
    # shellcheck disable=SC2046 # common_fields is a list of words
    emit $(common_fields) consumer=rowcast role=rowcast rep="$rep" status=ok seconds="$s" \
        events_per_s="$(fdiv "$EVENTS" "$s")" agent_cpu_s="$rw_cpu" agent_cpu_s_per_1m="$(per_1m "$rw_cpu" "$EVENTS")" \
        source_cpu_s="$src" source_cpu_s_per_1m="$(per_1m "$src" "$EVENTS")" broker_cpu_s="$broker" \
        broker_cpu_s_per_1m="$(per_1m "$broker" "$EVENTS")" peak_rss_mib="$(fdiv "$rw_peak_kb" 1024 %.1f)" \
        first_record_s="$first" steady_events_per_s="$steady" threads_cpu="$threads"
}

# Debezium's MariaDB connector from start_file:start_pos (its offset file seeded there, as a connector
# restarted after the backlog built up) until the range's last record is acknowledged. Its window starts
# at its first record in Kafka (a binlog connection has no server-side process to watch come up), so
# its JVM's start-up and schema recovery are outside it; mariadbd's CPU is the whole server's, as for
# the others.
run_dbz() {
    local rep=$1 prefix="${id}dbz$1" topic
    if [ -z "$dbz_cp" ]; then
        dbz_skipped mariadb_stream "$CASE" "$rep"
        return 0
    fi
    topic="$prefix.$db.$table"
    topics+=("$topic")
    kafka_topics create "$topic" || die "cannot create topic $topic"
    cat >"$tmp/dbz.properties" <<PROPS
name=bench-$prefix
connector.class=io.debezium.connector.mariadb.MariaDbConnector
offset.storage=org.apache.kafka.connect.storage.FileOffsetBackingStore
offset.storage.file.filename=$tmp/dbz-offsets.$rep.dat
offset.flush.interval.ms=10000
schema.history.internal=io.debezium.storage.file.history.FileSchemaHistory
schema.history.internal.file.filename=$tmp/dbz-history.$rep.dat
database.hostname=$ROWCAST_TEST_MYSQL_HOST
database.port=$ROWCAST_TEST_MYSQL_PORT
database.user=$ROWCAST_TEST_MYSQL_USER
database.password=$ROWCAST_TEST_MYSQL_PASSWORD
database.server.id=$((server_id + 100 + rep))
database.include.list=$db
table.include.list=$db.$table
topic.prefix=$prefix
snapshot.mode=recovery
include.schema.changes=false
PROPS
    dbz_source_cpu() { my_server_cpu; }
    dbz_run "$tmp/dbz.properties" "$EVENTS" "$topic" --seed-offset "{\"file\":\"$start_file\",\"pos\":$start_pos}"
    # shellcheck disable=SC2046 # common_fields is a list of words
    dbz_emit "$EVENTS" $(common_fields)
}

# The order alternates (limit first in odd repetitions, rowcast first in even ones): whatever the first
# reader of a range pays (cold caches, a walsender's first spill) falls on both sides.
for rep in $(seq "$BENCH_REPS"); do
    [ $((rep % 2)) = 1 ] && run_baseline "$rep"
    run_rowcast "$rep"
    [ $((rep % 2)) = 0 ] && run_baseline "$rep"
    run_dbz "$rep"
done
