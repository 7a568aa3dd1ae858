# MySQL/MariaDB snapshots against the test environment's server (mysql_snapshot_check.c): every
# type at its edges, read by the snapshot and compared with values the server computes, with the
# lock-free MariaDB point (one reader), the global read lock (three readers) and no lock; refusals
# (binlog_format, RELOAD); a stop half-way; then a snapshot under a concurrent writer, whose rows plus
# the binlog from the point must rebuild the table.
# ROWCAST_TEST_MYSQL_EXCLUSIVE=1 (nothing else uses the server) adds what changes global settings for
# a moment (binlog_format=MIXED refused, a server-wide PAD_CHAR_TO_FULL_LENGTH) and the exact point.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

check="$top_builddir/tests/integration/mysql_snapshot_check"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run_check() {
    set +e
    "$check" "$@"
    rc=$?
    set -e
    if [ "$rc" = 99 ]; then
        echo "ERROR: mysql_snapshot_check $* could not run against $ROWCAST_TEST_MYSQL_HOST:$ROWCAST_TEST_MYSQL_PORT" >&2
        exit 99
    fi
    [ "$rc" = 0 ] || fail "mysql_snapshot_check $*: exit $rc"
}

run_check types 1
pass "every type read by a lock-free snapshot (1 reader) as the server computes it"
run_check types 3
pass "every type read by a locked snapshot (3 readers) as the server computes it"
run_check types-none 2
pass "every type read by an unlocked snapshot (snapshot.locking.mode=none, 2 readers)"
run_check refusals 2
pass "a user without RELOAD refused, naming the fix (and binlog_format=MIXED when exclusive)"
run_check ddl 2
run_check ddl 1
pass "a table altered after the point is read with the columns it had at the point"
run_check stop 1
run_check stop 2
pass "a snapshot stopped half-way ends at once, its readers' queries killed"

for threads in 1 2; do
    rm -f "$tmp"/*
    run_check consistency $threads "$tmp"
    read -r file pos <"$tmp/point"
    mariadb-binlog --read-from-remote-server --host="$ROWCAST_TEST_MYSQL_HOST" --port="$ROWCAST_TEST_MYSQL_PORT" \
        --user="$ROWCAST_TEST_MYSQL_USER" --password="$ROWCAST_TEST_MYSQL_PASSWORD" --to-last-log \
        --start-position="$pos" --base64-output=DECODE-ROWS --verbose "$file" >"$tmp/binlog.txt" 2>"$tmp/binlog.err" ||
        fail "mariadb-binlog from $file:$pos: $(cat "$tmp/binlog.err")"
    /usr/bin/python3 "$top_srcdir/tests/integration/mysql_binlog_replay.py" "$tmp/binlog.txt" rc_snapc.t \
        "$tmp/snapshot" "$tmp/final" ||
        fail "$threads reader(s): the snapshot and the binlog from its point $file:$pos do not rebuild the table"
    pass "$threads reader(s): snapshot + binlog from $file:$pos rebuild the table under concurrent writes"
done
