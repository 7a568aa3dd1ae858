#!/usr/bin/env bash
# PostgreSQL streaming throughput: rowcast (pgoutput -> Avro -> Kafka, acks=all) against the limit,
# pg_recvlogical reading the same WAL range of the same publication into /dev/null.
#
#   bench/pg_stream_bench.sh [path/to/rowcast]        (default: /tmp/build-bench/rowcast)
#
# Needs the test environment (tests/env/up; tests/env/env.sh), pg_recvlogical, psql, python3 with
# confluent_kafka (Kafka high-watermark polling), and optionally kcat (byte count). See bench/README.md.
#
# Environment knobs: BENCH_ROWS (1000000), BENCH_TXN_ROWS (100), BENCH_TIMEOUT (seconds for the rowcast
# run, 240), BENCH_PERF=<file> (perf record of rowcast during its run; options in BENCH_PERF_ARGS,
# default "-g -F 997", e.g. "--call-graph dwarf -F 499" for full stacks), BENCH_COUNT_BYTES (1: read the
# topic back with kcat to count records and bytes), BENCH_KEEP_TMP (1: keep the temp dir),
# BENCH_EXTRA_PROPS (extra lines for rowcast's properties file, e.g. "kafka.linger.ms = 5"),
# BENCH_PRECREATE_TOPIC (1: create the topic, 1 partition, before rowcast starts, so the ~2 s that
# librdkafka needs to get a broker-auto-created topic's metadata is not in rowcast's time; default 0).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
TXN_ROWS=${BENCH_TXN_ROWS:-100}
TIMEOUT=${BENCH_TIMEOUT:-240}
PERF_OUT=${BENCH_PERF:-}
COUNT_BYTES=${BENCH_COUNT_BYTES:-1}
bench_prepare psql pg_recvlogical
[ $((ROWS % TXN_ROWS)) = 0 ] || die "BENCH_ROWS must be a multiple of BENCH_TXN_ROWS"
CLK_TCK=$(getconf CLK_TCK)

id="bench$$_$(date +%s)"
schema="$id" table="t" pub="${id}_pub" prefix="$id"
slot_rc="${id}_rc" slot_pg1="${id}_pg1" slot_pg2="${id}_pg2"
topic="$prefix.$schema.$table"
tmp=$(mktemp -d /tmp/rowcast-bench.XXXXXX)
rc_pid="" poller_pid="" recv_pid="" perf_pid=""

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
# Prints one result line of a one-row query on the polling session.
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
    for p in "$rc_pid" "$recv_pid" "$poller_pid"; do
        [ -n "$p" ] && kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    [ -n "$pq_pid" ] && { echo '\q' >&"$pq_fd_in"; wait "$pq_pid"; } 2>/dev/null
    for s in "$slot_rc" "$slot_pg1" "$slot_pg2"; do
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
    "$PY" - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$topic" >/dev/null 2>&1 <<'PY'
import sys
from confluent_kafka.admin import AdminClient
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
for f in admin.delete_topics([sys.argv[2]], operation_timeout=10).values():
    f.result()
PY
    for subj in "$topic-key" "$topic-value"; do
        curl -s -m 5 -X DELETE "${ROWCAST_TEST_SCHEMA_REGISTRY_URL%/}/subjects/$subj" >/dev/null 2>&1
        curl -s -m 5 -X DELETE "${ROWCAST_TEST_SCHEMA_REGISTRY_URL%/}/subjects/$subj?permanent=true" >/dev/null 2>&1
    done
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
# utime+stime of a process, in seconds (empty when it is gone).
cpu_s() { awk -v t="$CLK_TCK" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat" 2>/dev/null || true; }

log "machine: $(nproc) cores, $(awk '/MemTotal/ {print $2/1048576 " GiB"}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
log "rowcast: $ROWCAST ($("$ROWCAST" --version 2>/dev/null | head -1 || echo '?'))"
log "server: $(psql_q 'SHOW server_version'); $(pg_recvlogical --version)"

# --- setup: table, publication, slots, then the load (so every reader does a catch-up read) -------
psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.$table (id bigint PRIMARY KEY, name text, amount numeric(12,2), ts timestamptz)
    WITH (autovacuum_enabled = false);
CREATE PUBLICATION $pub FOR TABLE $schema.$table;" >/dev/null
for s in "$slot_pg1" "$slot_rc" "$slot_pg2"; do
    psql_q "SELECT pg_create_logical_replication_slot('$s', 'pgoutput')" >/dev/null
done
start_lsn=$(psql_q "SELECT pg_current_wal_lsn()")
log "slots $slot_pg1, $slot_rc, $slot_pg2 created at $start_lsn; inserting $ROWS rows as $((ROWS / TXN_ROWS)) transactions of $TXN_ROWS"
t_ins=$EPOCHREALTIME
psql_q "DO \$\$
BEGIN
    FOR i IN 0..$((ROWS / TXN_ROWS - 1)) LOOP
        INSERT INTO $schema.$table
        SELECT g, 'name-' || g, (g % 10000000) / 100.0, now()
        FROM generate_series(i * $TXN_ROWS + 1, (i + 1) * $TXN_ROWS) g;
        COMMIT;
    END LOOP;
END
\$\$" >/dev/null
end_lsn=$(psql_q "SELECT pg_current_wal_lsn()")
wal_bytes=$(psql_q "SELECT pg_wal_lsn_diff('$end_lsn', '$start_lsn')::bigint")
log "inserted in $(fsub "$EPOCHREALTIME" "$t_ins") s; WAL $start_lsn .. $end_lsn ($((wal_bytes / 1048576)) MiB)"
# Write the dirty pages out now rather than during a measurement.
psql_q "CHECKPOINT" >/dev/null
sleep 1

# Polls slot $3 every 50 ms while process $1 runs; sets walsender_cpu (of the slot's walsender) and, once the
# slot's confirmed_flush_lsn has reached end_lsn, t_confirmed (0 if it never did before the process
# ended). Gives up after $2 seconds.
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

# --- (a) the limit: pg_recvlogical, pgoutput v1, to /dev/null -------------------------------------
run_recvlogical() {
    local slot=$1 t0 t1 code
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time.$slot" \
        pg_recvlogical -h "$ROWCAST_TEST_PG_HOST" -p "$ROWCAST_TEST_PG_PORT" -U "$ROWCAST_TEST_PG_USER" \
        -d "$ROWCAST_TEST_PG_DB" --slot="$slot" --start --endpos="$end_lsn" --no-loop \
        -o proto_version=1 -o publication_names="$pub" -f /dev/null 2>"$tmp/recv.$slot.err" &
    recv_pid=$!
    watch_slot "$recv_pid" 120 "$slot" || die "pg_recvlogical on $slot did not finish in 120 s"
    set +e
    wait "$recv_pid"
    code=$?
    set -e
    t1=$EPOCHREALTIME
    recv_pid=""
    [ "$code" = 0 ] || die "pg_recvlogical exited $code: $(cat "$tmp/recv.$slot.err")"
    recv_s=$(fsub "$t1" "$t0")
    read -r _ recv_user recv_sys recv_maxkb <"$tmp/time.$slot"
    recv_ws_cpu=$walsender_cpu
    log "pg_recvlogical on $slot: $recv_s s ($(fdiv "$ROWS" "$recv_s") events/s); client cpu $(awk -v u="$recv_user" -v s="$recv_sys" 'BEGIN{print u+s}') s, client max RSS $((recv_maxkb / 1024)) MiB, walsender cpu ${recv_ws_cpu:-?} s"
}

run_recvlogical "$slot_pg1"
recv1_s=$recv_s recv1_ws=$recv_ws_cpu

# --- (b) rowcast run, Kafka sink, until the last event is acknowledged --------------------------
cat >"$tmp/rowcast.properties" <<PROPS
source.type = postgres
database.hostname = $ROWCAST_TEST_PG_HOST
database.port = $ROWCAST_TEST_PG_PORT
database.user = $ROWCAST_TEST_PG_USER
database.password = $ROWCAST_TEST_PG_PASSWORD
database.dbname = $ROWCAST_TEST_PG_DB
topic.prefix = $prefix
slot.name = $slot_rc
publication.name = $pub
publication.autocreate.mode = disabled
table.include.list = $schema\\.$table
snapshot.mode = no_data
kafka.bootstrap.servers = $ROWCAST_TEST_KAFKA_BOOTSTRAP
schema.registry.url = $ROWCAST_TEST_SCHEMA_REGISTRY_URL
offset.storage.file.filename = $tmp/offsets.json
${BENCH_EXTRA_PROPS:-}
PROPS

# Kafka-side watcher: the sum of the topic's high watermarks reaching ROWS is the moment the last
# record is appended (RF=1, acks=all: the ack leaves the broker then). Prints "ready" once connected,
# then "first <t>", "p10 <t>", "p90 <t>", "done <t> <records>" (epoch seconds).
cat >"$tmp/hw_wait.py" <<'PY'
import sys, time
from confluent_kafka import Consumer, TopicPartition
bootstrap, topic, target, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "rowcast-bench-hw", "enable.auto.commit": False})
c.list_topics(timeout=10)
print("ready", flush=True)
deadline = time.time() + limit
parts, marks = None, {}
while time.time() < deadline:
    if parts is None:
        md = c.list_topics(topic, timeout=5).topics.get(topic)
        if md is not None and md.error is None and md.partitions:
            parts = [TopicPartition(topic, p) for p in md.partitions]
    if parts is not None:
        n = sum(c.get_watermark_offsets(tp, timeout=5, cached=False)[1] for tp in parts)
        now = time.time()
        for name, at in (("first", 1), ("p10", target // 10), ("p90", target * 9 // 10)):
            if n >= at and name not in marks:
                marks[name] = now
                print(name, "%.6f" % now, flush=True)
        if n >= target:
            print("done", "%.6f" % now, n, flush=True)
            break
    time.sleep(0.05)
c.close()
PY
if [ "${BENCH_PRECREATE_TOPIC:-0}" = 1 ]; then
    "$PY" - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$topic" <<'PY' || die "cannot create topic $topic"
import sys
from confluent_kafka.admin import AdminClient, NewTopic
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
for f in admin.create_topics([NewTopic(sys.argv[2], 1, 1)]).values():
    f.result()
PY
fi
"$PY" "$tmp/hw_wait.py" "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$topic" "$ROWS" "$((TIMEOUT + 30))" >"$tmp/hw.out" 2>"$tmp/hw.err" &
poller_pid=$!
for _ in $(seq 200); do
    grep -q '^ready' "$tmp/hw.out" 2>/dev/null && break
    kill -0 "$poller_pid" 2>/dev/null || die "Kafka watcher failed: $(cat "$tmp/hw.err")"
    sleep 0.05
done
grep -q '^ready' "$tmp/hw.out" || die "Kafka watcher not ready: $(cat "$tmp/hw.err")"
sleep 0.5 # let the watcher's startup CPU settle

log "rowcast run on $slot_rc -> topic $topic"
t0=$EPOCHREALTIME
"$ROWCAST" run -c "$tmp/rowcast.properties" >"$tmp/rowcast.log" 2>&1 &
rc_pid=$!
if [ -n "$PERF_OUT" ]; then
    # shellcheck disable=SC2086 # word splitting of the perf options is intended
    perf record -q ${BENCH_PERF_ARGS:--g -F 997} -o "$PERF_OUT" -p "$rc_pid" >"$tmp/perf.log" 2>&1 &
    perf_pid=$!
fi
watch_slot "$rc_pid" "$TIMEOUT" "$slot_rc" ||
    die "rowcast did not confirm $end_lsn within $TIMEOUT s (log: $tmp/rowcast.log)"
kill -0 "$rc_pid" 2>/dev/null || die "rowcast exited early: $(tail -5 "$tmp/rowcast.log")"
[ "$t_confirmed" != 0 ] || die "slot never reached $end_lsn"
rc_ws_cpu=$walsender_cpu
peak_rss_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$rc_pid/status")
rc_cpu=$(cpu_s "$rc_pid")
# Per thread (main loop vs librdkafka's threads), "name=seconds".
rc_threads=$(for t in /proc/"$rc_pid"/task/*; do
    printf '%s=%s\n' "$(tr ' ' _ <"$t/comm")" "$(cpu_s "$rc_pid/task/${t##*/}")"
done | awk -F= '{ c[$1] += $2 } END { for (k in c) if (c[k] > 0) printf "%s%s=%.2f", (n++ ? "," : ""), k, c[k] }')
if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid" 2>/dev/null
    wait "$perf_pid" 2>/dev/null || true
    perf_pid=""
fi
kill -TERM "$rc_pid"
set +e
wait "$rc_pid"
rc_code=$?
set -e
rc_pid=""
[ "$rc_code" = 0 ] || log "WARNING: rowcast exited $rc_code after SIGTERM"
grep -qi 'restarting\|error' "$tmp/rowcast.log" && log "WARNING: rowcast logged errors/restarts: $(grep -i 'restarting\|error' "$tmp/rowcast.log" | head -3)"
wait "$poller_pid" 2>/dev/null || true
poller_pid=""

rc_slot_s=$(fsub "$t_confirmed" "$t0")
t_done=$(awk '$1 == "done" {print $2}' "$tmp/hw.out")
if [ -n "$t_done" ]; then
    rc_s=$(fsub "$t_done" "$t0")
    t_first=$(awk '$1 == "first" {print $2}' "$tmp/hw.out")
    t_p10=$(awk '$1 == "p10" {print $2}' "$tmp/hw.out")
    t_p90=$(awk '$1 == "p90" {print $2}' "$tmp/hw.out")
    first_s=$(fsub "$t_first" "$t0")
    steady_eps=$(fdiv $((ROWS * 8 / 10)) "$(fsub "$t_p90" "$t_p10")")
else
    log "WARNING: Kafka high watermark never reached $ROWS ($(cat "$tmp/hw.out" "$tmp/hw.err" | tail -2)); using the slot time"
    rc_s=$rc_slot_s first_s=nan steady_eps=nan
fi
log "rowcast: last record in Kafka after $rc_s s ($(fdiv "$ROWS" "$rc_s") events/s), slot confirmed after $rc_slot_s s;" \
    "first record after $first_s s, steady (10%..90%) $steady_eps events/s; cpu $rc_cpu s, walsender cpu ${rc_ws_cpu:-?} s," \
    "peak RSS $((peak_rss_kb / 1024)) MiB; exit $rc_code; threads cpu: $rc_threads"

# --- (a') the limit again, after rowcast (fairness: one baseline before, one after) ---------------
run_recvlogical "$slot_pg2"
recv2_s=$recv_s recv2_ws=$recv_ws_cpu
# The faster of the two baseline runs (the ratio is then the conservative one).
recv_best=$(awk -v a="$recv1_s" -v b="$recv2_s" 'BEGIN { print (a < b ? a : b) }')

# --- what rowcast produced -----------------------------------------------------------------------
kafka_records=nan kafka_bytes=nan
if [ "$COUNT_BYTES" = 1 ] && command -v kcat >/dev/null; then
    read -r kafka_records kafka_bytes < <(kcat -C -q -b "$ROWCAST_TEST_KAFKA_BOOTSTRAP" -t "$topic" -o beginning -e \
        -f '%K %S\n' 2>/dev/null | awk '{ n++; b += ($1 > 0 ? $1 : 0) + ($2 > 0 ? $2 : 0) } END { print n + 0, b + 0 }')
    [ "$kafka_records" = "$ROWS" ] || log "WARNING: $kafka_records records in $topic, expected $ROWS"
fi
disk_bytes=$(du -scb "$ROWCAST_TEST_ENV_DIR"/kafka/data/"$topic"-* 2>/dev/null | awk 'END {print $1}')

rc_eps=$(fdiv "$ROWS" "$rc_s")
recv_eps=$(fdiv "$ROWS" "$recv_best")
ratio=$(awk -v a="$recv_best" -v b="$rc_s" 'BEGIN { printf "%.3f", a / b }')
echo "DETAIL recvlogical_runs_s=$recv1_s,$recv2_s walsender_cpu_s(recv)=${recv1_ws:-?},${recv2_ws:-?}" \
    "rowcast_slot_confirmed_s=$rc_slot_s rowcast_first_record_s=$first_s rowcast_steady_eps=$steady_eps" \
    "rowcast_cpu_s=$rc_cpu walsender_cpu_s(rowcast)=${rc_ws_cpu:-?} rowcast_cpu_s_per_1M=$(awk -v c="$rc_cpu" -v n="$ROWS" 'BEGIN { printf "%.2f", c * 1000000 / n }')" \
    "wal_mib=$((wal_bytes / 1048576)) kafka_records=$kafka_records kafka_key_value_bytes=$kafka_bytes kafka_log_bytes=${disk_bytes:-nan}"
echo "RESULT events=$ROWS rowcast_s=$rc_s rowcast_eps=$rc_eps recvlogical_s=$recv_best recvlogical_eps=$recv_eps" \
    "ratio=$ratio peak_rss_mb=$(awk -v k="$peak_rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')"
