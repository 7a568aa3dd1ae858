# Shared helpers for integration tests (sourced). Tests print what they check and exit 0 (pass),
# 1 (fail), 77 (skip: no test environment) or 99 (hard error).

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# Loads tests/env/env.sh; without it the test is skipped, unless ROWCAST_REQUIRE_ENV=1 (CI), where a
# missing environment is an error, so CI can never pass by skipping.
need_env() {
    local env_sh="$top_srcdir/tests/env/env.sh"
    if [ ! -f "$env_sh" ]; then
        if [ "${ROWCAST_REQUIRE_ENV:-0}" = 1 ]; then
            echo "ERROR: $env_sh missing but ROWCAST_REQUIRE_ENV=1 (run tests/env/up)" >&2
            exit 99
        fi
        echo "SKIP: no test environment ($env_sh); run tests/env/up" >&2
        exit 77
    fi
    # shellcheck disable=SC1090
    . "$env_sh"
}

# Runs rowcast, capturing stdout, stderr and the exit code into $out, $errout, $code.
run_rowcast() {
    local tmp_out tmp_err
    tmp_out=$(mktemp) tmp_err=$(mktemp)
    set +e
    "$ROWCAST" "$@" >"$tmp_out" 2>"$tmp_err"
    code=$?
    set -e
    out=$(cat "$tmp_out") errout=$(cat "$tmp_err")
    rm -f "$tmp_out" "$tmp_err"
}

expect_code() {
    [ "$code" = "$1" ] || fail "$2: exit code $code, expected $1 (stderr: $errout)"
}

expect_err() {
    case "$errout" in
    *"$1"*) ;;
    *) fail "$2: stderr lacks '$1': $errout" ;;
    esac
}
