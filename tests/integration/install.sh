# make install into a DESTDIR, as a packager runs it (no servers needed):
# 1. the files: the binary, rowcast(1), the example configurations, the systemd unit;
# 2. rowcast --version reports configure's version (config.h's PACKAGE_VERSION);
# 3. the manual page renders without a warning (man -l) and names every property of
#    `rowcast config list` and every command of `rowcast --help`: a property added to the table without
#    the page (impossible while the page is generated from it) or a command missing fails here;
# 4. the examples are valid configurations (`rowcast config print` on each);
# 5. the installed unit passes `systemd-analyze verify` (ExecStart pointed at the DESTDIR's binary, the
#    man page of Documentation= found through MANPATH) and `systemd-analyze security --offline=yes`
#    scores it below 3.0 ("OK").
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "$top_srcdir/tests/integration/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mk() { sed -n "s|^$1 = ||p" "$top_builddir/Makefile" | head -1; }
prefix=$(mk prefix)
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")
[ -n "$prefix" ] && [ -n "$version" ] || fail "cannot read prefix or PACKAGE_VERSION from the build"

# ---------------------------------------------------------------- 1: the files
${MAKE:-make} -s -C "$top_builddir" install DESTDIR="$root" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "make install DESTDIR=$root failed"; }
bin=$root$prefix/bin/rowcast
man1=$root$prefix/share/man/man1/rowcast.1
docs=$root$prefix/share/doc/rowcast/examples
[ -x "$bin" ] || fail "no executable $bin"
[ -f "$man1" ] || fail "no manual page $man1"
for f in postgres.properties mysql.properties; do
    [ -f "$docs/$f" ] || fail "no example $docs/$f"
done
unit=$(find "$root" -name 'rowcast@.service' -path '*/systemd/system/*' | head -1)
[ -n "$unit" ] || fail "no rowcast@.service installed under $root"
grep -qx "ExecStart=$prefix/bin/rowcast run -c /etc/rowcast/%i.properties" "$unit" ||
    fail "the unit's ExecStart is not the installed binary: $(grep ExecStart "$unit")"
pass "installed: ${bin#"$root"}, ${man1#"$root"}, ${docs#"$root"}/{postgres,mysql}.properties, ${unit#"$root"}"

# ---------------------------------------------------------------- 2: the version
got=$("$bin" --version | head -1)
[ "$got" = "rowcast $version" ] || fail "--version says '$got', configure says $version"
pass "--version: $got"

# ---------------------------------------------------------------- 3: the manual page
MANWIDTH=200 man -l "$man1" >"$tmp/man.txt" 2>"$tmp/man.err" || fail "man -l $man1 failed: $(cat "$tmp/man.err")"
[ ! -s "$tmp/man.err" ] || fail "man -l warns: $(cat "$tmp/man.err")"
has() { grep -qE "^ {7}$(printf '%s' "$1" | sed 's/[].[*^$\\]/\\&/g')( |$)" "$tmp/man.txt"; }
nprops=0
while read -r name _; do
    has "$name" || fail "property $name (rowcast config list) is not in rowcast(1)"
    nprops=$((nprops + 1))
done < <("$bin" config list)
[ "$nprops" -gt 50 ] || fail "rowcast config list printed only $nprops properties"
ncmds=0
while read -r cmd; do
    has "$cmd" || fail "command '$cmd' (rowcast --help) is not in rowcast(1)"
    ncmds=$((ncmds + 1))
done < <("$bin" --help | sed -n '/^Commands:/,/^Options:/p' | grep '^  [a-z]' |
    sed 's/^  //; s/  .*//; s/ \[.*//')
[ "$ncmds" -ge 6 ] || fail "found only $ncmds commands in rowcast --help"
grep -q "^ROWCAST(1)" "$tmp/man.txt" || fail "no ROWCAST(1) header"
pass "rowcast(1) renders cleanly and names all $nprops properties and $ncmds commands"

# ---------------------------------------------------------------- 4: the examples
echo secret >"$tmp/password"
for f in "$docs"/*.properties; do
    env -u ROWCAST_CONFIG "$bin" -c "$f" -s database.password.file="$tmp/password" config print \
        >"$tmp/print.out" 2>&1 || { cat "$tmp/print.out"; fail "example $(basename "$f") is not a valid configuration"; }
done
pass "the examples are valid configurations"

# ---------------------------------------------------------------- 5: the unit
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (deploy/install-deps: systemd)"
mkdir "$tmp/units"
check=$tmp/units/rowcast@check.service
sed "s|^ExecStart=$prefix/bin/rowcast |ExecStart=$bin |" "$unit" >"$check"
echo "--- systemd-analyze verify ${check#"$tmp/"}"
MANPATH=$root$prefix/share/man systemd-analyze verify "$check" >"$tmp/verify.out" 2>&1 || true
cat "$tmp/verify.out"
MANPATH=$root$prefix/share/man systemd-analyze verify "$check" >/dev/null 2>&1 ||
    fail "systemd-analyze verify rejects the unit"
[ ! -s "$tmp/verify.out" ] || fail "systemd-analyze verify warns about the unit"
pass "systemd-analyze verify: no error, no warning"
systemd-analyze security --offline=yes "$check" >"$tmp/security.out" 2>&1 || true
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' "$tmp/security.out")
[ -n "$score" ] || { cat "$tmp/security.out"; fail "no score from systemd-analyze security"; }
grep '^✗' "$tmp/security.out" || true
grep 'Overall exposure' "$tmp/security.out"
awk -v s="$score" 'BEGIN { exit !(s < 3.0) }' || fail "systemd-analyze security scores the unit $score, not below 3.0"
pass "systemd-analyze security --offline=yes: exposure $score (below 3.0)"
