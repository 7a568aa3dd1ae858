# deploy/demo, the README's first command, run against this checkout's test environment with the
# binary of this build (ROWCAST_DEMO_BIN, so it builds nothing; the environment is up, so its
# install-deps and tests/env/up return at once). Asserts that it exits 0 and that, for PostgreSQL and
# for MariaDB, the events its consumer decoded from Kafka are the changes it made: the snapshot reads,
# the insert, the update (old -> new e-mail), the delete, the three rows of one transaction (one
# transaction id), and that rowcast stopped with exit 0 on SIGTERM; and that the properties files it
# offers for the user's own database are accepted by `rowcast config print`.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
# The environment the test runs against, not ports the caller's shell may have exported.
env $(env | sed -n 's/^\(ROWCAST_ENV_[A-Z_]*\)=.*/-u \1/p' | grep -v ROWCAST_ENV_FILE) \
    ROWCAST_DEMO_BIN="$ROWCAST" timeout 170 "$top_srcdir/deploy/demo" >"$out" 2>&1
rc=$?
set -e
[ "$rc" = 0 ] || { cat "$out"; fail "deploy/demo exited $rc"; }
pass "deploy/demo exited 0"

# section NAME: the decoded events the demo printed for NAME.
section() {
    awk -v h="== $1: the change events" 'index($0, h) == 1 { on = 1; next } /^== / { on = 0 } on' "$out"
}
for db in PostgreSQL MariaDB; do
    ev=$(section "$db")
    expect() {
        printf '%s\n' "$ev" | grep -Fq -- "$1" || { cat "$out"; fail "$db: no decoded event with: $1"; }
    }
    [ "$(printf '%s\n' "$ev" | grep -c ' read  ')" = 6 ] || { cat "$out"; fail "$db: not 6 snapshot reads"; }
    expect "shop.customers   read    key {id=1}  - -> {id=1, name='Ada', email='ada@example.com'"
    expect "shop.orders      read    key {id=3}  - -> {id=3, customer_id=3, amount=120.00"
    expect "shop.customers   insert  key {id=4}  - -> {id=4, name='Margaret', email='margaret@example.com'"
    expect "shop.customers   update  key {id=2}  {email='grace@example.com'} -> {email='grace@navy.example'}"
    expect "shop.orders      delete  key {id=2}  {id=2, customer_id=2, amount=5.50"
    expect "shop.customers   update  key {id=3}  {name='Linus'} -> {name='Linus T.'}"
    expect "shop.orders      insert  key {id=4}  - -> {id=4, customer_id=4, amount=42.00"
    [ "$(printf '%s\n' "$ev" | grep -c ' -> ')" = 12 ] || { cat "$out"; fail "$db: not exactly 12 events"; }
    # The transaction's three events carry the same transaction id, which no other event has.
    tx=$(printf '%s\n' "$ev" | grep -F "{name='Linus T.'}" | sed -n 's/.*  tx \(.*\)$/\1/p')
    [ -n "$tx" ] || { cat "$out"; fail "$db: the transaction's events carry no transaction id"; }
    [ "$(printf '%s\n' "$ev" | grep -cF "  tx $tx")" = 3 ] || { cat "$out"; fail "$db: not 3 events in transaction $tx"; }
    grep -q "^== $db: stopping rowcast" "$out" && grep -A1 "^== $db: stopping rowcast" "$out" | grep -q "exited 0" ||
        { cat "$out"; fail "$db: no clean stop"; }
    pass "$db: 6 reads, insert, update, delete and a 3-row transaction ($tx) decoded; exit 0 on SIGTERM"
done
grep -q "rowcast_" "$out" || { cat "$out"; fail "no /metrics lines shown"; }

for f in my-postgres my-mysql; do
    file=$(sed -n "s|^ *\(/.*/$f.properties\)$|\1|p" "$out")
    [ -f "$file" ] || { cat "$out"; fail "the demo did not write $f.properties"; }
    # Its password file is the user's to write: point it at one that exists.
    dir=$(dirname "$file")
    echo secret >"$dir/pw"
    sed "s|^database.password.file = .*|database.password.file = $dir/pw|" "$file" >"$dir/check.properties"
    "$ROWCAST" config print -c "$dir/check.properties" >"$dir/print.txt" 2>&1 ||
        fail "$file is not a valid configuration: $(cat "$dir/print.txt")"
    grep -q "^source.type" "$dir/print.txt" || fail "config print of $file: $(cat "$dir/print.txt")"
done
rm -rf "$dir"
pass "the properties files offered for the user's database are valid configurations"
