#!/usr/bin/env bash
# MariaDB streaming throughput: rowcast (binlog -> Avro -> Kafka, acks=all) against the limit,
# mariadb-binlog --read-from-remote-server decoding the same binlog range (rows decoded, -v) to
# /dev/null, in the same invocation, for two workloads:
#   single: BENCH_SINGLE_ROWS (100000) single-row autocommit INSERTs (one transaction each)
#   bulk:   one transaction of BENCH_BULK_ROWS (1000000) rows
# For each: rowcast's time until the last record is in Kafka, its CPU and peak RSS, and the ratio
# to the baseline (the faster of one run before and one after rowcast's).
#
#   bench/mysql_stream_bench.sh [path/to/rowcast]        (default: /tmp/build-bench/rowcast)
#
# Needs the test environment (tests/env/up), mariadb and mariadb-binlog, python3 with confluent_kafka.
# Knobs: BENCH_SINGLE_ROWS, BENCH_BULK_ROWS, BENCH_WORKLOADS ("single bulk"), BENCH_TIMEOUT (300),
# BENCH_KEEP_TMP=1, BENCH_EXTRA_PROPS.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
TIMEOUT=${BENCH_TIMEOUT:-300}
SINGLE_ROWS=${BENCH_SINGLE_ROWS:-100000}
BULK_ROWS=${BENCH_BULK_ROWS:-1000000}
WORKLOADS=${BENCH_WORKLOADS:-single bulk}
bench_prepare mariadb mariadb-binlog
CLK_TCK=$(getconf CLK_TCK)

id="mybench$$_$(date +%s)"
db="$id" prefix="$id"
tmp=$(mktemp -d /tmp/rowcast-bench.XXXXXX)
rc_pid="" poller_pid=""

my_q() {
    MYSQL_PWD=$ROWCAST_TEST_MYSQL_PASSWORD mariadb --no-defaults --protocol=TCP -h "$ROWCAST_TEST_MYSQL_HOST" \
        -P "$ROWCAST_TEST_MYSQL_PORT" -u "$ROWCAST_TEST_MYSQL_USER" --batch -N -e "$1"
}

cleanup() {
    local status=$?
    set +e
    trap - EXIT INT TERM
    for p in "$rc_pid" "$poller_pid"; do
        [ -n "$p" ] && kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    my_q "DROP DATABASE IF EXISTS \`$db\`" >/dev/null 2>&1
    "$PY" - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$prefix." >/dev/null 2>&1 <<'PY'
import sys
from confluent_kafka.admin import AdminClient
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
topics = [t for t in admin.list_topics(timeout=10).topics if t.startswith(sys.argv[2])]
for f in (admin.delete_topics(topics, operation_timeout=10).values() if topics else []):
    f.result()
PY
    if [ "${BENCH_KEEP_TMP:-0}" = 1 ] || [ "$status" != 0 ]; then
        log "temp dir kept: $tmp"
    else
        rm -rf "$tmp"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
fdiv() { awk -v a="$1" -v b="$2" -v f="${3:-%.0f}" 'BEGIN { if (b > 0) printf f, a / b; else printf "nan" }'; }
cpu_s() { awk -v t="$CLK_TCK" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat" 2>/dev/null || true; }

log "machine: $(nproc) cores, $(awk '/MemTotal/ {print $2/1048576 " GiB"}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
log "rowcast: $ROWCAST ($("$ROWCAST" --version 2>/dev/null | head -1 || echo '?'))"
log "server: $(my_q 'SELECT VERSION()'); $(mariadb-binlog --version)"
my_q "CREATE DATABASE \`$db\`"

# Kafka watcher: prints "ready", then "done <t> <records>" once the topic holds target records.
cat >"$tmp/hw_wait.py" <<'PY'
import sys, time
from confluent_kafka import Consumer, TopicPartition
bootstrap, topic, target, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "rowcast-bench-hw", "enable.auto.commit": False})
c.list_topics(timeout=10)
print("ready", flush=True)
deadline, parts = time.time() + limit, None
while time.time() < deadline:
    if parts is None:
        md = c.list_topics(topic, timeout=5).topics.get(topic)
        if md is not None and md.error is None and md.partitions:
            parts = [TopicPartition(topic, p) for p in md.partitions]
    if parts is not None:
        n = sum(c.get_watermark_offsets(tp, timeout=5, cached=False)[1] for tp in parts)
        if n >= target:
            print("done", "%.6f" % time.time(), n, flush=True)
            break
    time.sleep(0.05)
c.close()
PY

# The baseline: mariadb-binlog reads the range from the server and decodes every row to text.
run_baseline() {
    local t0 code
    t0=$EPOCHREALTIME
    set +e
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time.base" \
        mariadb-binlog --no-defaults --read-from-remote-server --host="$ROWCAST_TEST_MYSQL_HOST" \
        --port="$ROWCAST_TEST_MYSQL_PORT" --user="$ROWCAST_TEST_MYSQL_USER" \
        --password="$ROWCAST_TEST_MYSQL_PASSWORD" --base64-output=decode-rows -v \
        --start-position="$start_pos" --stop-position="$end_pos" "$start_file" >/dev/null 2>"$tmp/base.err"
    code=$?
    set -e
    [ "$code" = 0 ] || die "mariadb-binlog exited $code: $(cat "$tmp/base.err")"
    base_s=$(fsub "$EPOCHREALTIME" "$t0")
    read -r _ bu bs bk <"$tmp/time.base"
    log "  mariadb-binlog: $base_s s ($(fdiv "$rows" "$base_s") events/s), cpu $(awk -v u="$bu" -v s="$bs" 'BEGIN{print u+s}') s, max RSS $((bk / 1024)) MiB"
}

# rowcast from start_file:start_pos until the last record of the range is in Kafka.
run_rowcast() {
    local topic="$prefix.$db.$table" t0 t_done
    cat >"$tmp/rowcast.properties" <<PROPS
source.type = mariadb
database.hostname = $ROWCAST_TEST_MYSQL_HOST
database.port = $ROWCAST_TEST_MYSQL_PORT
database.user = $ROWCAST_TEST_MYSQL_USER
database.password = $ROWCAST_TEST_MYSQL_PASSWORD
database.server.id = $((2000 + $$ % 50000))
database.include.list = $db
table.include.list = $db\\.$table
topic.prefix = $prefix
snapshot.mode = no_data
kafka.bootstrap.servers = $ROWCAST_TEST_KAFKA_BOOTSTRAP
schema.registry.url = $ROWCAST_TEST_SCHEMA_REGISTRY_URL
offset.storage.file.filename = $tmp/offsets.$table.json
${BENCH_EXTRA_PROPS:-}
PROPS
    # The offset file says where to start: the range's first byte (no GTIDs: by file and position).
    "$PY" - "$tmp/offsets.$table.json" "$prefix" "$((2000 + $$ % 50000))" "$start_file" "$start_pos" \
        "$ROWCAST_TEST_MYSQL_HOST:$ROWCAST_TEST_MYSQL_PORT" <<'PY'
import json, sys
path, prefix, sid, f, p, host = sys.argv[1:7]
json.dump({"version": 2, "source": "mariadb", "topic.prefix": prefix, "identity": {"server.id": sid},
           "host": host, "position": {"file": f, "pos": int(p), "row": 0}}, open(path, "w"))
PY
    "$PY" "$tmp/hw_wait.py" "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$topic" "$rows" "$((TIMEOUT + 30))" >"$tmp/hw.out" 2>"$tmp/hw.err" &
    poller_pid=$!
    for _ in $(seq 200); do
        grep -q '^ready' "$tmp/hw.out" 2>/dev/null && break
        sleep 0.05
    done
    grep -q '^ready' "$tmp/hw.out" || die "Kafka watcher not ready: $(cat "$tmp/hw.err")"
    sleep 0.5
    t0=$EPOCHREALTIME
    "$ROWCAST" run -c "$tmp/rowcast.properties" >"$tmp/rowcast.$table.log" 2>&1 &
    rc_pid=$!
    peak_kb=0
    while kill -0 "$poller_pid" 2>/dev/null; do
        kill -0 "$rc_pid" 2>/dev/null || die "rowcast exited early: $(tail -5 "$tmp/rowcast.$table.log")"
        k=$(awk '/^VmHWM:/ {print $2}' "/proc/$rc_pid/status" 2>/dev/null || echo 0)
        [ "${k:-0}" -gt "$peak_kb" ] && peak_kb=$k
        [ "$(fsub "$EPOCHREALTIME" "$t0" | cut -d. -f1)" -lt "$TIMEOUT" ] || die "rowcast did not finish in $TIMEOUT s"
        sleep 0.1
    done
    poller_pid=""
    t_done=$(awk '$1 == "done" {print $2}' "$tmp/hw.out")
    [ -n "$t_done" ] || die "the topic never held $rows records: $(cat "$tmp/hw.err")"
    rc_s=$(fsub "$t_done" "$t0")
    rc_cpu=$(cpu_s "$rc_pid")
    k=$(awk '/^VmHWM:/ {print $2}' "/proc/$rc_pid/status")
    [ "$k" -gt "$peak_kb" ] && peak_kb=$k
    kill -TERM "$rc_pid"
    wait "$rc_pid" || log "WARNING: rowcast exited $? after SIGTERM"
    rc_pid=""
    grep -qi 'restarting\|error' "$tmp/rowcast.$table.log" &&
        log "WARNING: rowcast logged errors: $(grep -i 'restarting\|error' "$tmp/rowcast.$table.log" | head -3)"
    log "  rowcast: last record in Kafka after $rc_s s ($(fdiv "$rows" "$rc_s") events/s), cpu $rc_cpu s, peak RSS $((peak_kb / 1024)) MiB"
}

for w in $WORKLOADS; do
    table="t_$w"
    my_q "CREATE TABLE \`$db\`.$table (id BIGINT PRIMARY KEY, name VARCHAR(40), amount DECIMAL(12,2),
          ts TIMESTAMP(6)) ENGINE=InnoDB"
    read -r start_file start_pos < <(my_q "SHOW MASTER STATUS" | awk '{print $1, $2}')
    t_ins=$EPOCHREALTIME
    case "$w" in
    single)
        rows=$SINGLE_ROWS
        "$PY" -c "
import sys
for i in range(1, $rows + 1):
    sys.stdout.write(f\"INSERT INTO \`$db\`.$table VALUES ({i}, 'name-{i}', {i % 100000}.{i % 100:02d}, NOW(6));\n\")
" | MYSQL_PWD=$ROWCAST_TEST_MYSQL_PASSWORD mariadb --no-defaults --protocol=TCP -h "$ROWCAST_TEST_MYSQL_HOST" \
            -P "$ROWCAST_TEST_MYSQL_PORT" -u "$ROWCAST_TEST_MYSQL_USER" --batch
        ;;
    bulk)
        rows=$BULK_ROWS
        my_q "SET SESSION max_statement_time = 0; SET SESSION binlog_format = ROW;
              INSERT INTO \`$db\`.$table SELECT seq, CONCAT('name-', seq), (seq % 10000000) / 100, NOW(6)
              FROM \`$db\`.seq_1_to_$rows"
        ;;
    esac
    read -r end_file end_pos < <(my_q "SHOW MASTER STATUS" | awk '{print $1, $2}')
    [ "$start_file" = "$end_file" ] || die "the binlog rotated during the load ($start_file .. $end_file): raise max_binlog_size"
    log "$w: $rows rows inserted in $(fsub "$EPOCHREALTIME" "$t_ins") s; binlog $start_file:$start_pos .. $end_pos ($(((end_pos - start_pos) / 1048576)) MiB)"
    run_baseline
    base1=$base_s
    run_rowcast
    run_baseline
    best=$(awk -v a="$base1" -v b="$base_s" 'BEGIN { print (a < b ? a : b) }')
    echo "RESULT workload=$w events=$rows rowcast_s=$rc_s rowcast_eps=$(fdiv "$rows" "$rc_s") rowcast_cpu_s=$rc_cpu" \
        "mariadb_binlog_s=$best mariadb_binlog_eps=$(fdiv "$rows" "$best") ratio=$(awk -v a="$best" -v b="$rc_s" 'BEGIN { printf "%.3f", a / b }')" \
        "peak_rss_mb=$(awk -v k="$peak_kb" 'BEGIN { printf "%.1f", k / 1024 }')"
done
