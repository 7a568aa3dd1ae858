# Every PostgreSQL type rowcast maps, read from the test environment's server and converted by
# decoders/postgres/pg_types.h, checked against values PostgreSQL computes itself (pg_types_check.c).
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

set +e
"$top_builddir/tests/integration/pg_types_check"
rc=$?
set -e
if [ "$rc" = 99 ]; then
    echo "ERROR: pg_types_check could not run against $ROWCAST_TEST_PG_HOST:$ROWCAST_TEST_PG_PORT" >&2
    exit 99
fi
[ "$rc" = 0 ] || fail "pg_types_check: converted values differ from PostgreSQL's (exit $rc)"
pass "PostgreSQL types converted as PostgreSQL computes them"
