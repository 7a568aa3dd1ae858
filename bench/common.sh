# Shared start of the benchmarks (sourced): finds rowcast (argument $1, $ROWCAST, or
# /tmp/build-bench/rowcast), loads the test environment (only one tests/env/up started for this
# checkout: otherwise exit 77, or an error with ROWCAST_TEST_REQUIRE_ENV=1), and checks the tools a
# benchmark names.
# Sets here, top, ROWCAST, ROWS, PY; defines log and die.
here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
top=$(dirname "$here")
ROWCAST=${1:-${ROWCAST:-/tmp/build-bench/rowcast}}
ROWS=${BENCH_ROWS:-1000000}
PY=${BENCH_PYTHON:-/usr/bin/python3}
env_sh=${ROWCAST_ENV_FILE:-$top/tests/env/env.sh}

log() { printf '%s %s\n' "$(date +%T.%3N)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# bench_prepare TOOL...: the rowcast binary, the environment, the tools and python's confluent_kafka.
bench_prepare() {
    [ -x "$ROWCAST" ] || die "no rowcast binary at $ROWCAST (build: mkdir -p /tmp/build-bench && cd /tmp/build-bench && $top/configure CFLAGS='-O2 -g' && make -j2)"
    # shellcheck source=../tests/env/for_checkout.sh
    . "$top/tests/env/for_checkout.sh"
    if ! why=$(env_for_checkout "$env_sh" "$top"); then
        [ "${ROWCAST_TEST_REQUIRE_ENV:-0}" = 1 ] && die "$why"
        log "SKIP: $why"
        exit 77
    fi
    # shellcheck disable=SC1090
    . "$env_sh"
    export PGPASSWORD=$ROWCAST_TEST_PG_PASSWORD
    for tool in "$@" "$PY"; do command -v "$tool" >/dev/null || die "$tool not found"; done
    "$PY" -c 'import confluent_kafka' 2>/dev/null || die "$PY lacks confluent_kafka"
}

# --- shared by the benchmarks that bench/run calls ---------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)
BENCH_REPS=${BENCH_REPS:-$([ "${BENCH_QUICK:-0}" = 1 ] && echo 1 || echo 3)}

fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
fdiv() { awk -v a="$1" -v b="$2" -v f="${3:-%.0f}" 'BEGIN { if (b > 0) printf f, a / b; else printf "null" }'; }
# CPU seconds per million of $2 events, from $1 CPU seconds ("null" when unknown).
per_1m() { awk -v c="$1" -v n="$2" 'BEGIN { if (c != "" && c != "null" && n > 0) printf "%.3f", c * 1000000 / n; else printf "null" }'; }
# utime+stime of a process (or "pid/task/tid"), in seconds (empty when it is gone).
cpu_s() { awk -v t="$CLK_TCK" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat" 2>/dev/null || true; }
# The Kafka broker's pid (the test environment's pid file), empty if unknown.
broker_pid() { head -n 1 "$ROWCAST_TEST_ENV_DIR/pids/kafka.pid" 2>/dev/null || true; }

# emit KEY=VALUE...: one result as one JSON object on one line of stdout, the contract of every
# benchmark bench/run calls (bench/README.md). Values that look like JSON numbers (or null) stay bare.
emit() {
    local out="{" sep="" kv k v
    for kv in "$@"; do
        k=${kv%%=*} v=${kv#*=}
        if [[ $v =~ ^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$ || $v = null ]]; then
            out+="$sep\"$k\":$v"
        else
            v=${v//\\/\\\\} v=${v//\"/\\\"}
            out+="$sep\"$k\":\"$v\""
        fi
        sep=","
    done
    printf '%s}\n' "$out"
}

# The Debezium consumer of every benchmark: dbz_setup, dbz_run, dbz_emit (bench/debezium.sh).
# shellcheck source=debezium.sh
. "$here/debezium.sh"

# kafka_topics create|delete TOPIC...: 1 partition, RF 1.
kafka_topics() {
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

# Deletes the registry subjects of the topics given.
registry_forget() {
    local t subj
    for t in "$@"; do
        for subj in "$t-key" "$t-value"; do
            curl -s -m 5 -X DELETE "${ROWCAST_TEST_SCHEMA_REGISTRY_URL%/}/subjects/$subj" >/dev/null 2>&1
            curl -s -m 5 -X DELETE "${ROWCAST_TEST_SCHEMA_REGISTRY_URL%/}/subjects/$subj?permanent=true" >/dev/null 2>&1
        done
    done
    return 0
}

# watch_start TOPIC RECORDS TIMEOUT: starts the Kafka-side stop watch (bench/kafka_wait.py) and waits
# until it is connected, so its start-up is not in the measured run. Sets watch_pid, watch_out.
watch_start() {
    watch_out=$tmp/hw.$RANDOM
    "$PY" "$here/kafka_wait.py" "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$1" "$2" "$3" >"$watch_out" 2>"$watch_out.err" &
    watch_pid=$!
    for _ in $(seq 200); do
        grep -q '^ready' "$watch_out" 2>/dev/null && break
        kill -0 "$watch_pid" 2>/dev/null || die "Kafka watcher failed: $(cat "$watch_out.err")"
        sleep 0.05
    done
    grep -q '^ready' "$watch_out" || die "Kafka watcher not ready: $(cat "$watch_out.err")"
    sleep 0.3 # let the watcher's start-up CPU settle
}

# rowcast_watch PID: waits (after watch_start) until the topic holds its records (the sum of its high
# watermarks: RF=1, acks=all, so the moment the last record is acknowledged) while rowcast PID runs,
# sampling its peak RSS. Sets rw_done (epoch seconds), rw_first, rw_p10, rw_p90, rw_peak_kb, rw_cpu
# (rowcast's CPU seconds just then). Dies when rowcast exits early or the watcher times out.
rowcast_watch() {
    local pid=$1 k
    rw_peak_kb=0
    while kill -0 "$watch_pid" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            kill "$watch_pid" 2>/dev/null
            die "rowcast exited early: $(tail -5 "$tmp/rowcast.log")"
        fi
        k=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        [ "${k:-0}" -gt "$rw_peak_kb" ] && rw_peak_kb=$k
        sleep 0.1
    done
    wait "$watch_pid" 2>/dev/null || true
    watch_pid=""
    rw_cpu=$(cpu_s "$pid")
    k=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ "${k:-0}" -gt "$rw_peak_kb" ] && rw_peak_kb=$k
    rw_done=$(awk '$1 == "done" {print $2}' "$watch_out")
    rw_first=$(awk '$1 == "first" {print $2}' "$watch_out")
    rw_p10=$(awk '$1 == "p10" {print $2}' "$watch_out")
    rw_p90=$(awk '$1 == "p90" {print $2}' "$watch_out")
    [ -n "$rw_done" ] || die "the topic never held its records: $(tail -2 "$watch_out" "$watch_out.err")"
}

# Prints rowcast's CPU seconds per thread name, "name=seconds,..." (main loop vs librdkafka's threads).
thread_cpu() {
    local t
    for t in /proc/"$1"/task/*; do
        printf '%s=%s\n' "$(tr ' ' _ <"$t/comm")" "$(cpu_s "$1/task/${t##*/}")"
    done 2>/dev/null | awk -F= '{ c[$1] += $2 } END { for (k in c) if (c[k] > 0) printf "%s%s:%.2f", (n++ ? "," : ""), k, c[k] }'
}

# CPU seconds of the whole PostgreSQL cluster so far: the postmaster, its live children and the
# children it has reaped (its cutime/cstime), so a backend that served a COPY and exited still counts.
# Take it before and after a run; the difference is the server's CPU for that run (plus the little the
# background processes spend meanwhile).
pg_cluster_cpu() {
    local pm
    pm=$(head -n 1 "$ROWCAST_TEST_ENV_DIR/postgres/data/postmaster.pid" 2>/dev/null) || return 0
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$pm" -v t="$CLK_TCK" '
        { pid = $1; line = $0; sub(/.*\) /, "", line); split(line, f, " ") }
        pid == pm { s += f[12] + f[13] + f[14] + f[15]; next }
        f[2] == pm { s += f[12] + f[13] }
        END { printf "%.2f", s / t }'
}
# mariadbd's CPU seconds so far (one process).
my_server_cpu() { cpu_s "$(head -n 1 "$ROWCAST_TEST_ENV_DIR/pids/mariadb.pid" 2>/dev/null)"; }
