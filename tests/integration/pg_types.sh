# Every PostgreSQL type rowcast maps, read from the test environment's server and converted by
# decoders/pg_types.h, checked against values PostgreSQL computes itself (pg_types_check.c).
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

"$top_builddir/tests/integration/pg_types_check" || fail "pg_types_check exited with $?"
pass "PostgreSQL types converted as PostgreSQL computes them"
