# A short subset of the fault suite (tests/faults/run) for make check, under ~3 minutes: kill -9
# during streaming (5 rounds) on PostgreSQL and MariaDB, SIGTERM under load, a corrupt offset file,
# and the verifier's own self-test (it must fail on a ledger that Kafka does not match).
# `make faults` runs the whole suite.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
export ROWCAST_TEST_BIN="${ROWCAST_TEST_BIN:-$ROWCAST}"
export ROWCAST_TEST_FAULTS_ROUNDS="${ROWCAST_TEST_FAULTS_ROUNDS:-5}"
/usr/bin/python3 "$top_srcdir/tests/faults/run" --selftest T02_kill9_stream.pg T02_kill9_stream.mariadb \
    T07_sigterm.pg T19_offset_corrupt.pg
