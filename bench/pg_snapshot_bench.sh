#!/usr/bin/env bash
# PostgreSQL snapshot: BENCH_SNAPSHOT_ROWS narrow rows (5,000,000; BENCH_QUICK=1: 500,000) in two tables
# of half as many (rowcast's readers split the work by table, so two tables are what lets a second
# reader help), read BENCH_REPS times each way:
#   copy:               `COPY t1 TO STDOUT; COPY t2 TO STDOUT` through psql to /dev/null (the limit)
#   copy_2conn:         the same two COPYs on two connections at once (what two readers can reach)
#   rowcast_1reader:    `rowcast snapshot` (COPY -> Avro + registry -> Kafka, acks=all, until the last
#                       record is acknowledged), snapshot.max.threads=1
#   rowcast_2readers:   the same, snapshot.max.threads=2
#   rowcast_1table_1reader, rowcast_1table_2readers: t1 alone (half the rows), 1 and 2 readers: the
#                       second reader can only help by sharing the one table's chunks (issue 13)
#   debezium:           Debezium 3.6.1's PostgreSQL connector, snapshot.mode=initial_only, in the
#                       embedded engine (bench/debezium.sh: Apicurio Avro, rowcast's producer settings);
#                       rows/s from its first record in Kafka to its last (the JVM's start-up excluded)
# rows/s, CPU of the agent (the client), the source (the whole PostgreSQL cluster's CPU over the run)
# and the broker, and peak RSS. One JSON object per run on stdout (bench/README.md).
#
#   bench/pg_snapshot_bench.sh [path/to/rowcast]
#
# Needs the test environment (tests/env/up), psql, /usr/bin/time, python3 with confluent_kafka.
# Knobs: BENCH_SNAPSHOT_ROWS, BENCH_REPS, BENCH_EXTRA_PROPS, BENCH_PERF=<file> (perf record of the
# first 1-reader run; BENCH_PERF_ARGS), BENCH_RC_WRAP (a command the first 1-reader run runs under, e.g.
# valgrind --tool=callgrind), BENCH_KEEP_TMP=1.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ROWS=${BENCH_SNAPSHOT_ROWS:-$([ "${BENCH_QUICK:-0}" = 1 ] && echo 500000 || echo 5000000)}
ROWS=$((ROWS / 2 * 2))
bench_prepare psql /usr/bin/time
TIMEOUT=${BENCH_TIMEOUT:-1800}
. "$here/workloads.sh"

id="snap$$_$(date +%s)"
schema="$id"
tmp=$(mktemp -d /tmp/rowcast-snapbench.XXXXXX)
topics=()
CASE="narrow-2x$((ROWS / 2))"

psql_q() {
    psql -X -q -v ON_ERROR_STOP=1 -At -h "$ROWCAST_TEST_PG_HOST" -p "$ROWCAST_TEST_PG_PORT" \
        -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" -c "$1"
}

cleanup() {
    local status=$?
    set +e
    trap - EXIT INT TERM
    dbz_kill
    psql_q "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
    [ ${#topics[@]} -gt 0 ] && kafka_topics delete "${topics[@]}" >/dev/null 2>&1
    registry_forget "${topics[@]}"
    [ "${BENCH_KEEP_TMP:-0}" = 1 ] || rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

high_watermarks() { # TOPIC...: the sum of their high watermarks
    "$PY" - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$@" <<'PY'
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "snapbench"})
print(sum(c.get_watermark_offsets(TopicPartition(t, 0), timeout=10)[1] for t in sys.argv[2:]))
c.close()
PY
}

log "snapshot: making $schema.t1 and $schema.t2, $((ROWS / 2)) narrow rows each"
t_gen=$EPOCHREALTIME
psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.t1 ($(pg_cols narrow)) WITH (autovacuum_enabled = false);
CREATE TABLE $schema.t2 ($(pg_cols narrow)) WITH (autovacuum_enabled = false);
INSERT INTO $schema.t1 SELECT $(pg_vals narrow) FROM generate_series(1, $((ROWS / 2))) g;
INSERT INTO $schema.t2 SELECT $(pg_vals narrow) FROM generate_series($((ROWS / 2 + 1)), $ROWS) g;"
psql_q "VACUUM (FREEZE, ANALYZE) $schema.t1, $schema.t2" # hint bits set: no reader pays for them
psql_q "CHECKPOINT" >/dev/null
gen_s=$(fsub "$EPOCHREALTIME" "$t_gen")
table_mib=$(psql_q "SELECT (pg_table_size('$schema.t1') + pg_table_size('$schema.t2')) / 1048576")
log "snapshot: made in $gen_s s, $table_mib MiB"

common_fields() { echo "bench=pg_snapshot case=$CASE rows=$ROWS table_mib=$table_mib generate_s=$gen_s"; }

# The limit: the COPY text to /dev/null through psql (a client like rowcast), on 1 or 2 connections.
copy_run() { # REP CONNECTIONS
    local t0 s0 s1 w st rss u sy cpu=0 kb=0 i
    s0=$(pg_cluster_cpu)
    t0=$EPOCHREALTIME
    if [ "$2" = 1 ]; then
        PGOPTIONS="-c DateStyle=ISO -c extra_float_digits=3 -c TimeZone=UTC" /usr/bin/time -f '%U %S %M' -o "$tmp/time.copy" \
            psql -X -q -h "$ROWCAST_TEST_PG_HOST" -p "$ROWCAST_TEST_PG_PORT" -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" \
            -c "COPY $schema.t1 TO STDOUT" -c "COPY $schema.t2 TO STDOUT" >/dev/null
    else
        for i in 1 2; do
            PGOPTIONS="-c DateStyle=ISO -c extra_float_digits=3 -c TimeZone=UTC" /usr/bin/time -f '%U %S %M' -o "$tmp/time.copy$i" \
                psql -X -q -h "$ROWCAST_TEST_PG_HOST" -p "$ROWCAST_TEST_PG_PORT" -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" \
                -c "COPY $schema.t$i TO STDOUT" >/dev/null &
        done
        wait
    fi
    w=$(fsub "$EPOCHREALTIME" "$t0")
    s1=$(pg_cluster_cpu)
    for f in "$tmp"/time.copy*; do
        read -r u sy rss <"$f"
        cpu=$(awk -v c="$cpu" -v u="$u" -v s="$sy" 'BEGIN { printf "%.2f", c + u + s }')
        [ "$rss" -gt "$kb" ] && kb=$rss
    done
    rm -f "$tmp"/time.copy*
    st=$(fsub "$s1" "$s0")
    local name=copy role=limit
    [ "$2" = 2 ] && name=copy_2conn role=reference
    log "snapshot rep $1: $name $w s ($(fdiv "$ROWS" "$w") rows/s), client cpu $cpu s, server cpu $st s"
    # shellcheck disable=SC2046 # common_fields is a list of words
    emit $(common_fields) consumer="$name" role="$role" rep="$1" status=ok seconds="$w" rows_per_s="$(fdiv "$ROWS" "$w")" \
        agent_cpu_s="$cpu" agent_cpu_s_per_1m="$(per_1m "$cpu" "$ROWS")" source_cpu_s="$st" \
        source_cpu_s_per_1m="$(per_1m "$st" "$ROWS")" peak_rss_mib="$(fdiv "$kb" 1024 %.1f)"
}

cat >"$tmp/rowcast.properties" <<PROPS
source.type = postgres
database.hostname = $ROWCAST_TEST_PG_HOST
database.port = $ROWCAST_TEST_PG_PORT
database.user = $ROWCAST_TEST_PG_USER
database.password = $ROWCAST_TEST_PG_PASSWORD
database.dbname = $ROWCAST_TEST_PG_DB
kafka.bootstrap.servers = $ROWCAST_TEST_KAFKA_BOOTSTRAP
schema.registry.url = $ROWCAST_TEST_SCHEMA_REGISTRY_URL
table.include.list = $schema\\.t1,$schema\\.t2
offset.storage.file.filename = $tmp/offsets.json
${BENCH_EXTRA_PROPS:-}
PROPS

rowcast_run() { # REP READERS [t1: that table alone]
    local prefix="${id}r$1x$2${3:-}" t0 w s0 s1 b0 b1 bp u sy kb cpu n st br perf=() rows=$ROWS only=()
    local ts=("$prefix.$schema.t1" "$prefix.$schema.t2")
    if [ "${3:-}" = t1 ]; then
        ts=("$prefix.$schema.t1") rows=$((ROWS / 2)) only=(--set "table.include.list=$schema\\.t1")
    fi
    topics+=("${ts[@]}")
    kafka_topics create "${ts[@]}" || die "cannot create ${ts[*]}"
    if [ -n "${BENCH_PERF:-}" ] && [ "$1" = 1 ] && [ "$2" = 1 ]; then
        # shellcheck disable=SC2206 # word splitting of the perf options is intended
        perf=(perf record -q ${BENCH_PERF_ARGS:---call-graph dwarf,16384 -F 499} -o "$BENCH_PERF" --)
    fi
    if [ -n "${BENCH_RC_WRAP:-}" ] && [ "$1" = 1 ] && [ "$2" = 1 ]; then
        # shellcheck disable=SC2206 # word splitting of the wrapper is intended
        perf=($BENCH_RC_WRAP)
    fi
    bp=$(broker_pid)
    b0=$(cpu_s "$bp") s0=$(pg_cluster_cpu)
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%U %S %M' -o "$tmp/time.rc" "${perf[@]}" "$ROWCAST" -c "$tmp/rowcast.properties" \
        --set "topic.prefix=$prefix" --set "snapshot.max.threads=$2" "${only[@]}" snapshot >"$tmp/summary" 2>"$tmp/rowcast.log" ||
        { tail -20 "$tmp/rowcast.log" >&2; die "rowcast snapshot failed"; }
    w=$(fsub "$EPOCHREALTIME" "$t0")
    b1=$(cpu_s "$bp") s1=$(pg_cluster_cpu)
    read -r u sy kb <"$tmp/time.rc"
    cpu=$(awk -v u="$u" -v s="$sy" 'BEGIN { printf "%.2f", u + s }')
    n=$(high_watermarks "${ts[@]}")
    [ "$n" = "$rows" ] || die "topics ${ts[*]} hold $n records, not $rows"
    [ ! -e "$tmp/offsets.json" ] || die "rowcast snapshot wrote the offset file"
    st=$(fsub "$s1" "$s0")
    br=$([ -n "$b0" ] && [ -n "$b1" ] && fsub "$b1" "$b0" || echo null)
    local name="rowcast_${3:+1table_}$2reader$([ "$2" -gt 1 ] && echo s)" role
    role=$([ "$2" = 1 ] && echo rowcast || echo rowcast_parallel)
    [ -n "${3:-}" ] && role=reference
    [ -z "${3:-}" ] || [ "$2" = 1 ] || grep -q "readers share its chunks" "$tmp/rowcast.log" ||
        die "$name: the second reader did not share t1's chunks"
    log "snapshot rep $1: $name $w s ($(fdiv "$rows" "$w") rows/s), cpu $cpu s, server cpu $st s, broker cpu $br s, peak RSS $((kb / 1024)) MiB"
    # shellcheck disable=SC2046 # common_fields is a list of words
    emit $(common_fields) consumer="$name" role="$role" rep="$1" \
        status=ok seconds="$w" rows_per_s="$(fdiv "$rows" "$w")" agent_cpu_s="$cpu" \
        agent_cpu_s_per_1m="$(per_1m "$cpu" "$rows")" source_cpu_s="$st" source_cpu_s_per_1m="$(per_1m "$st" "$rows")" \
        broker_cpu_s="$br" broker_cpu_s_per_1m="$(per_1m "$br" "$rows")" peak_rss_mib="$(fdiv "$kb" 1024 %.1f)"
}

[ "${BENCH_DEBEZIUM:-1}" = 0 ] && dbz_skip="BENCH_DEBEZIUM=0" || dbz_setup
dbz_snapshot() { # REP
    local rep=$1 prefix="${id}dbz$1" ts
    if [ -z "$dbz_cp" ]; then
        dbz_skipped pg_snapshot "$CASE" "$rep"
        return 0
    fi
    ts="$prefix.$schema.t1,$prefix.$schema.t2"
    topics+=("$prefix.$schema.t1" "$prefix.$schema.t2")
    kafka_topics create "$prefix.$schema.t1" "$prefix.$schema.t2" || die "cannot create $ts"
    dbz_pg_properties "$tmp/dbz.properties" "bench-$prefix" "$tmp/dbz-offsets.$rep.dat" "$prefix" "$schema.t1,$schema.t2" \
        snapshot.mode=initial_only
    dbz_source_cpu() { pg_cluster_cpu; } # the whole cluster, as for the others
    RECORDS=$ROWS
    dbz_run "$tmp/dbz.properties" "$ROWS" "$ts"
    # shellcheck disable=SC2046 # common_fields is a list of words
    DBZ_RATE_KEY=rows_per_s dbz_emit "$ROWS" $(common_fields)
}

copy_run 0 1 >/dev/null # warm the cache for every reader
for rep in $(seq "$BENCH_REPS"); do
    copy_run "$rep" 1
    copy_run "$rep" 2
    rowcast_run "$rep" 1
    rowcast_run "$rep" 2
    rowcast_run "$rep" 1 t1
    rowcast_run "$rep" 2 t1
    dbz_snapshot "$rep"
done
