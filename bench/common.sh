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
