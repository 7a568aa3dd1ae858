#!/usr/bin/env bash
# PostgreSQL snapshot throughput: `rowcast snapshot` of a 1,000,000-row table (COPY -> Avro -> Kafka,
# acks=all, until the last record is acknowledged) beside `psql -c "\copy t TO '/dev/null'"` (the same
# COPY text, to nowhere) on the same table in the same run, their ratio, and rowcast's peak RSS.
#
#   bench/pg_snapshot_bench.sh [path/to/rowcast]        (default: /tmp/build-bench/rowcast)
#
# Needs the test environment (tests/env/up; tests/env/env.sh), psql, /usr/bin/time and python3 with
# confluent_kafka (topic creation and the high-watermark check).
#
# Environment knobs: BENCH_ROWS (1000000), BENCH_RUNS (2: rowcast runs, each into a fresh topic; the
# \copy baseline runs before and after each), BENCH_PRECREATE_TOPIC (1: make the 1-partition topic
# before rowcast starts, so librdkafka's first metadata wait for an auto-created topic is not timed),
# BENCH_EXTRA_PROPS (extra lines for rowcast's properties file), BENCH_KEEP_TMP (1: keep the temp dir).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
RUNS=${BENCH_RUNS:-2}
bench_prepare psql /usr/bin/time

id="snapbench$$_$(date +%s)"
schema="$id" table="t"
tmp=$(mktemp -d /tmp/rowcast-snapbench.XXXXXX)
topics=()

psql_q() {
    psql -X -q -v ON_ERROR_STOP=1 -At -h "$ROWCAST_TEST_PG_HOST" -p "$ROWCAST_TEST_PG_PORT" \
        -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" -c "$1"
}

kafka_admin() { # create|delete topic...
    "$PY" - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$@" <<'PY'
import sys
from confluent_kafka.admin import AdminClient, NewTopic
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
if sys.argv[2] == "create":
    fs = admin.create_topics([NewTopic(t, 1, 1) for t in sys.argv[3:]])
else:
    fs = admin.delete_topics(sys.argv[3:], operation_timeout=10)
for f in fs.values():
    f.result()
PY
}

high_watermark() {
    "$PY" - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$1" <<'PY'
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "snapbench"})
print(c.get_watermark_offsets(TopicPartition(sys.argv[2], 0), timeout=10)[1])
c.close()
PY
}

cleanup() {
    local status=$?
    set +e
    trap - EXIT INT TERM
    psql_q "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
    [ ${#topics[@]} -gt 0 ] && kafka_admin delete "${topics[@]}" >/dev/null 2>&1
    [ "${BENCH_KEEP_TMP:-0}" = 1 ] || rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT INT TERM

log "making $schema.$table: $ROWS rows"
psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.$table (id bigint PRIMARY KEY, name text, amount numeric(12,2), ts timestamptz)
    WITH (autovacuum_enabled = false);
INSERT INTO $schema.$table SELECT g, 'name ' || g, (g % 100000) / 100.0,
    '2026-01-01 00:00:00+00'::timestamptz + g * interval '1 second' FROM generate_series(1, $ROWS) g;"
psql_q "VACUUM (FREEZE, ANALYZE) $schema.$table" # hint bits set: neither reader pays for them
table_mb=$(psql_q "SELECT round(pg_table_size('$schema.$table') / 1e6, 1)")

# The baseline: the same COPY text to /dev/null through psql (a client like rowcast), wall time.
copy_once() {
    local t0 t1
    t0=$(date +%s.%N)
    PGOPTIONS="-c DateStyle=ISO -c extra_float_digits=3 -c TimeZone=UTC" psql -X -q -h "$ROWCAST_TEST_PG_HOST" \
        -p "$ROWCAST_TEST_PG_PORT" -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" \
        -c "\\copy $schema.$table TO '/dev/null'"
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
copy_once >/dev/null # warm the cache for both sides
copy_times=()
copy_times+=("$(copy_once)")

cat >"$tmp/rowcast.properties" <<PROPS
source.type = postgres
database.hostname = $ROWCAST_TEST_PG_HOST
database.port = $ROWCAST_TEST_PG_PORT
database.user = $ROWCAST_TEST_PG_USER
database.password = $ROWCAST_TEST_PG_PASSWORD
database.dbname = $ROWCAST_TEST_PG_DB
kafka.bootstrap.servers = $ROWCAST_TEST_KAFKA_BOOTSTRAP
schema.registry.url = $ROWCAST_TEST_SCHEMA_REGISTRY_URL
table.include.list = $schema\\.$table
offset.storage.file.filename = $tmp/offsets.json
${BENCH_EXTRA_PROPS:-}
PROPS

rc_times=() rc_rss=() rc_cpu=() rc_inner=()
for run in $(seq "$RUNS"); do
    prefix="${id}_r$run"
    topic="$prefix.$schema.$table"
    topics+=("$topic")
    [ "${BENCH_PRECREATE_TOPIC:-1}" = 1 ] && kafka_admin create "$topic"
    log "rowcast snapshot, run $run -> $topic"
    /usr/bin/time -f '%e %M %U %S' -o "$tmp/time.$run" "$ROWCAST" -c "$tmp/rowcast.properties" \
        --set "topic.prefix=$prefix" snapshot --table "$schema.$table" >"$tmp/summary.$run" 2>"$tmp/log.$run" ||
        { cat "$tmp/log.$run" >&2; die "rowcast snapshot failed"; }
    read -r wall rss user sys <"$tmp/time.$run"
    n=$(high_watermark "$topic")
    [ "$n" = "$ROWS" ] || die "topic $topic holds $n records, not $ROWS"
    [ ! -e "$tmp/offsets.json" ] || die "rowcast snapshot wrote the offset file"
    rc_times+=("$wall") rc_rss+=("$rss")
    rc_cpu+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')")
    rc_inner+=("$(awk '$1 == "total" { print $4 }' "$tmp/summary.$run")")
    copy_times+=("$(copy_once)")
    log "run $run: ${wall}s wall, peak RSS $((rss / 1024)) MiB; \\copy baseline now ${copy_times[-1]}s"
done

best() { printf '%s\n' "$@" | sort -g | head -n 1; }
rc_best=$(best "${rc_times[@]}")
copy_best=$(best "${copy_times[@]}")
rss_max=$(printf '%s\n' "${rc_rss[@]}" | sort -g | tail -n 1)
echo
echo "table: $ROWS rows, $table_mb MB (pg_table_size); kafka: 1 partition, acks=all, lz4; $(nproc) cores"
printf '%-34s %10s %12s\n' "" "seconds" "rows/s"
for i in "${!rc_times[@]}"; do
    printf '%-34s %10s %12.0f   (peak RSS %d MiB, CPU %s s, first row to last ack %s s)\n' \
        "rowcast snapshot, run $((i + 1))" "${rc_times[$i]}" "$(awk -v r="$ROWS" -v t="${rc_times[$i]}" 'BEGIN { print r / t }')" \
        $((rc_rss[$i] / 1024)) "${rc_cpu[$i]}" "${rc_inner[$i]}"
done
for i in "${!copy_times[@]}"; do
    printf '%-34s %10s %12.0f\n' "psql \\copy to /dev/null, run $((i + 1))" "${copy_times[$i]}" \
        "$(awk -v r="$ROWS" -v t="${copy_times[$i]}" 'BEGIN { print r / t }')"
done
echo "RESULT rows=$ROWS rowcast_s=$rc_best copy_s=$copy_best" \
    "rowcast_rows_per_s=$(awk -v r="$ROWS" -v t="$rc_best" 'BEGIN { printf "%.0f", r / t }')" \
    "copy_rows_per_s=$(awk -v r="$ROWS" -v t="$copy_best" 'BEGIN { printf "%.0f", r / t }')" \
    "ratio_copy_over_rowcast=$(awk -v a="$copy_best" -v b="$rc_best" 'BEGIN { printf "%.3f", a / b }')" \
    "peak_rss_mb=$(awk -v k="$rss_max" 'BEGIN { printf "%.1f", k / 1024 }')"
