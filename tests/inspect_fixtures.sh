# `rowcast inspect binlog` over every fixture binlog (tests/fixtures/mysql-binlog/*.binlog and
# mariadb/*.binlog): its output must equal the expectation beside the file (<file>.expected.jsonl; a
# missing one fails), the expectations must agree with what is known of the files independently
# (tests/inspect_known_values.py: the README's values, mariadb-binlog's decoding, an independent
# count of rows events), and damaged copies must fail with exit 1 and the offset at fault.
#
# ROWCAST_REGENERATE=1 rewrites the expectations from the current output (then review the diff:
# the known-values check still runs, so a wrong decoder cannot pass by regenerating).
set -eu
. "$top_srcdir/tests/integration/lib.sh"

fx="$top_srcdir/tests/fixtures/mysql-binlog"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for v in $(env | sed -n 's/^\(ROWCAST_[A-Z0-9_]*\)=.*/\1/p'); do
    case "$v" in ROWCAST_TEST_*|ROWCAST_ENV_*|ROWCAST_REGENERATE) ;; *) unset "$v" ;; esac
done

n=0
for f in "$fx"/*.binlog "$fx"/mariadb/*.binlog; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    exp="$f.expected.jsonl"
    if ! "$ROWCAST" inspect binlog "$f" >"$tmp/out" 2>"$tmp/err"; then
        fail "inspect $(basename "$f") exited $?: $(cat "$tmp/err")"
    fi
    if [ "${ROWCAST_REGENERATE:-}" = 1 ]; then
        cp "$tmp/out" "$exp"
    fi
    [ -e "$exp" ] || fail "$(basename "$f"): no expectation $(basename "$exp") (ROWCAST_REGENERATE=1 writes it)"
    if ! diff -u "$exp" "$tmp/out" >"$tmp/diff"; then
        head -40 "$tmp/diff"
        fail "$(basename "$f"): output differs from $(basename "$exp")"
    fi
done
[ "$n" -ge 16 ] || fail "only $n fixture binlogs found in $fx"
pass "$n fixture binlogs decode to their expectations"

python3 "$top_srcdir/tests/inspect_known_values.py" "$ROWCAST" "$fx" || fail "known values (above)"
pass "the expectations hold the known values"

# Filters and bounds: --table keeps one table, the positions bound the events printed.
run_rowcast inspect binlog --table a.emoji "$fx/mysql-5.7.40_gtid_rows.binlog"
expect_code 0 "--table"
[ -n "$out" ] || fail "--table a.emoji printed nothing"
if printf '%s\n' "$out" | grep -v '"db":"a","table":"emoji"' >/dev/null; then fail "--table a.emoji let other tables through"; fi
pass "--table"
all=$("$ROWCAST" inspect binlog "$fx/mysql-5.7.21_rows_crc32.binlog" 2>/dev/null | wc -l)
run_rowcast inspect binlog --start-position 10000 --stop-position 20000 "$fx/mysql-5.7.21_rows_crc32.binlog"
expect_code 0 "positions"
some=$(printf '%s\n' "$out" | grep -c '"pos"' || true)
[ "$some" -gt 0 ] && [ "$some" -lt "$all" ] || fail "positions: $some of $all row changes"
printf '%s\n' "$out" | python3 -c '
import json, sys
for l in sys.stdin:
    p = json.loads(l)["pos"]
    assert 10000 <= p < 20000, p' || fail "a row change outside [10000, 20000)"
pass "--start-position / --stop-position ($some of $all row changes)"
run_rowcast inspect binlog --stop-position x "$fx/mysql-5.7.21_rows_crc32.binlog"
expect_code 2 "a bad position"
run_rowcast inspect binlog
expect_code 2 "no file"
pass "usage errors exit 2"

# Damaged copies. damage.py FILE OUT MODE: truncate (cut inside the last rows event), flip (one byte
# of a rows event's image changed), shrink (a rows event cut short inside its last value, in a file
# without checksums), nomap (the first TABLE_MAP cut out); prints the file offset that must be named.
cat >"$tmp/damage.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[4])
import binlog_walk
src, dst, mode = sys.argv[1:4]
d = bytearray(open(src, "rb").read())
evs = [(o, t, e) for o, t, e, inner in binlog_walk.events(src) if not inner]
rows = [(o, e) for o, t, e in evs if t in binlog_walk.ROWS_TYPES]
if mode == "truncate":
    o, e = rows[-1]
    d = d[:o + len(e) // 2]
    print(o)
elif mode == "flip":
    o, e = rows[0]
    d[o + len(e) - 8] ^= 0x55
    print(o)
elif mode == "shrink":
    # the first rows event 3 bytes shorter (its last value runs past the event; no checksum here)
    o, e = rows[0]
    d[o + 9:o + 13] = (len(e) - 3).to_bytes(4, "little")
    del d[o + len(e) - 3:o + len(e)]
    print(o)
elif mode == "nomap":
    o, t, e = next(x for x in evs if x[1] == 19)
    d = d[:o] + d[o + len(e):]
    print(o)
open(dst, "wb").write(bytes(d))
PY
damaged() { # mode source
    at=$(python3 "$tmp/damage.py" "$fx/$2" "$tmp/bad.binlog" "$1" "$top_srcdir/tests")
    run_rowcast inspect binlog "$tmp/bad.binlog"
    expect_code 1 "$1"
    expect_err "offset $at"
}
damaged truncate mysql-5.7.21_rows_crc32.binlog
expect_err "file has"
pass "a truncated file exits 1 naming the offset ($at)"
damaged flip mysql-8.0.26_bit_gtid.binlog
expect_err "checksum mismatch"
pass "a changed byte exits 1 naming the event's offset ($at)"
damaged shrink mysql-5.7.20_rows_no_checksum.binlog
expect_err "left in the event"
pass "a row image running past its event exits 1 naming the event's offset ($at)"
damaged nomap mysql-8.0.40_negative_time.binlog
expect_err "which no TABLE_MAP before it maps"
pass "a rows event without its TABLE_MAP exits 1 naming the table id and offset"
