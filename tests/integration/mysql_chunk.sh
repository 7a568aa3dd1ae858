# MySQL/MariaDB chunked reads and binlog watermarks (issue 13) against the test environment's server
# (mysql_chunk_check.c): every kind of key read in chunks of 1, 7 and 1000 rows, every row once, in
# the server's key order, with the whole-table reader's values; upto and max_key; a keyless table's
# error naming it; forged boundaries refused. Then watermarks ordered against a real binlog stream's
# commits, a quiet stream reaching a high watermark within the heartbeat period, and a snapshot's
# point accepted as a recorded position (a purged one refused).
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

check="$top_builddir/tests/integration/mysql_chunk_check"

run_check() {
    set +e
    "$check" "$@"
    rc=$?
    set -e
    if [ "$rc" = 99 ]; then
        echo "ERROR: mysql_chunk_check $* could not run against $ROWCAST_TEST_MYSQL_HOST:$ROWCAST_TEST_MYSQL_PORT" >&2
        exit 99
    fi
    [ "$rc" = 0 ] || fail "mysql_chunk_check $*: exit $rc"
}

run_check read
pass "INT, BIGINT UNSIGNED, (INT, VARCHAR _ci), DECIMAL, DATETIME(3), VARBINARY and message.key.columns keys: chunks of 1, 7, 1000 rows give every row once, in key order, as read_table; upto; keyless refused"
run_check watermark
pass "binlog watermarks: before <= low < a commit in the window <= high in the stream's order; a quiet stream reaches high by heartbeats"
run_check resume
pass "a snapshot's point, through the offset JSON, accepted by prepare_stream and streamed from; a purged one refused (really purged, resumed by GTIDs and refused by the server, with ROWCAST_TEST_MYSQL_EXCLUSIVE=1)"
