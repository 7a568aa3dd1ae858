# shellcheck shell=bash disable=SC2034  # the variables are used by up and down
# Shared settings and helpers for tests/env/up and tests/env/down.
# Sourced, not executed. Everything is overridable from the environment so that
# two checkouts (or CI and a developer) can run side by side.

ENV_SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Where up writes the exports for the tests (and down deletes them).
ENV_SH="${ROWCAST_ENV_FILE:-$ENV_SRC_DIR/env.sh}"

# --- where things live -------------------------------------------------------
STATE_DIR="${ROWCAST_ENV_DIR:-/tmp/rowcast-env}"
CACHE_DIR="${ROWCAST_CACHE_DIR:-${HOME:-/tmp}/.cache/rowcast}"

LOG_DIR="$STATE_DIR/logs"
PID_DIR="$STATE_DIR/pids"
PG_DIR="$STATE_DIR/postgres"       # owned by postgres; also the unix socket dir
PG_DATA="$PG_DIR/data"
MY_DIR="$STATE_DIR/mariadb"        # owned by mysql
MY_DATA="$MY_DIR/data"
MY_CNF="$MY_DIR/my.cnf"
MY_SOCK="$MY_DIR/mysqld.sock"
KAFKA_DIR="$STATE_DIR/kafka"
REG_DIR="$STATE_DIR/registry"

# --- ports (all on 127.0.0.1) ------------------------------------------------
PG_PORT="${ROWCAST_ENV_PG_PORT:-54329}"
MY_PORT="${ROWCAST_ENV_MYSQL_PORT:-53306}"
KAFKA_PORT="${ROWCAST_ENV_KAFKA_PORT:-59092}"
KAFKA_CONTROLLER_PORT="${ROWCAST_ENV_KAFKA_CONTROLLER_PORT:-59093}"
# TLS listeners of the broker (the TLS tests): SSL, and SASL_SSL with SCRAM-SHA-256.
KAFKA_SSL_PORT="${ROWCAST_ENV_KAFKA_SSL_PORT:-$((KAFKA_PORT + 1000))}"
KAFKA_SASL_PORT="${ROWCAST_ENV_KAFKA_SASL_PORT:-$((KAFKA_PORT + 2000))}"
KAFKA_SCRAM_USER="rowcast-scram"
KAFKA_SCRAM_PASSWORD="rowcast-scram-pw"
TLS_DIR="$STATE_DIR/tls"
REG_PORT="${ROWCAST_ENV_REGISTRY_PORT:-58081}"

# --- versions ------------------------------------------------------------------
PG_BIN="/usr/lib/postgresql/15/bin"
KAFKA_VERSION="${ROWCAST_ENV_KAFKA_VERSION:-4.1.1}"
APICURIO_VERSION="${ROWCAST_ENV_APICURIO_VERSION:-2.6.13.Final}"

# --- credentials used by the tests --------------------------------------------
DB_USER=rowcast
DB_PASSWORD=rowcast-test-pw
DB_NAME=rowcast

# The marker lets `down` refuse to rm -rf a folder that up did not create.
STATE_MARKER="$STATE_DIR/.rowcast-env"

# --- helpers -------------------------------------------------------------------
log() { printf '%s\n' "$*"; }
warn() { printf '%s\n' "$*" >&2; }

# die SERVICE MESSAGE [LOGFILE]: name the service, show the end of its log, exit 1.
die() {
    local svc="$1" msg="$2" logfile="${3:-}"
    warn "$svc: ERROR: $msg"
    if [[ -n "$logfile" && -s "$logfile" ]]; then
        warn "---- last lines of $logfile ----"
        tail -n 40 "$logfile" >&2 || true
        warn "---- end of $logfile ----"
    fi
    exit 1
}

# pid_alive PID PATTERN: true if PID runs and its command line contains PATTERN
# (guards against a stale pid file whose number was reused by another process).
pid_alive() {
    local pid="$1" pattern="$2"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    local cmdline
    cmdline="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" || return 1
    [[ "$cmdline" == *"$pattern"* ]]
}

# read_pid FILE: first line of a pid file, empty if missing.
read_pid() {
    if [[ -r "$1" ]]; then head -n 1 "$1" | tr -dc '0-9'; fi
}

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
# Uses bash's /dev/tcp so it needs no extra package.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# as_user USER CMD...: run as a service user when we are root (servers refuse
# to run as root); when not root, run as ourselves. From / because the caller's
# folder may not be readable by the service user (all our paths are absolute).
as_user() {
    local user="$1"; shift
    if [[ $EUID -eq 0 ]]; then
        (cd / && runuser -u "$user" -- "$@")
    else
        "$@"
    fi
}

# stop_pid NAME PID PATTERN [TIMEOUT]: SIGTERM, wait, then SIGKILL its process
# group (each background service is started with setsid, so pid == pgid).
stop_pid() {
    local name="$1" pid="$2" pattern="$3" timeout="${4:-30}" i
    pid_alive "$pid" "$pattern" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < timeout * 5; i++)); do
        pid_alive "$pid" "$pattern" || return 0
        sleep 0.2
    done
    warn "$name: did not stop within ${timeout}s, killing"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        pid_alive "$pid" "$pattern" || return 0
        sleep 0.2
    done
}
