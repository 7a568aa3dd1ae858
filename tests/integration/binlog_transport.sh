# The MySQL/MariaDB replication transport against the real MariaDB (binlog_transport_check.c).
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
set +e
"$top_builddir/tests/integration/binlog_transport_check"
rc=$?
set -e
[ "$rc" = 0 ] || fail "binlog_transport_check failed (exit $rc)"
pass "replication transport: rows, heartbeats, GTID resume, a killed connection, a missing binlog"
