# The floors of the layout (DESIGN.md, "Target layout"), checked on every include:
#
#   agent/ (the core)  <-  sinks/, decoders/<db>/  <-  snapshot/, snapshot/<db>/  <-  agent/cli/
#
# The core includes nothing of the floors above it; a database's folder includes no other database's;
# the generic snapshot coordinator includes no database; only agent/cli/ (the command line and the
# table of source types) includes everything. Prints every include that breaks a floor.
set -eu
cd "${top_srcdir:-$(dirname "$0")/..}"

bad=0 files=0
# rule FILES... -- PATTERN MESSAGE: no file of FILES may include a header matching PATTERN.
check() {
    local pattern=$1 why=$2 f hits
    shift 2
    for f in "$@"; do
        [ -f "$f" ] || continue
        files=$((files + 1))
        if hits=$(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]+\"($pattern)" "$f"); then
            printf '%s\n' "$hits" | sed "s|^|layering: $f:|; s|\$|   ($why)|"
            bad=1
        fi
    done
}

core=$(find agent -path agent/cli -prune -o -name '*.[ch]' -print | sort)
sinks=$(find sinks -name '*.[ch]' | sort)
snapshot_generic=$(find snapshot -maxdepth 1 -name '*.[ch]' | sort)
dbs=$(find decoders snapshot -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -u)

# shellcheck disable=SC2086
check 'decoders/|sinks/|snapshot/|agent/cli/' "the core includes no floor above it" $core
# shellcheck disable=SC2086
check 'decoders/|snapshot/|agent/cli/' "sinks know events, not databases" $sinks
# shellcheck disable=SC2086
check 'decoders/|sinks/|agent/cli/|snapshot/[a-z_]+/' "the snapshot coordinator knows no database" $snapshot_generic
for db in $dbs; do
    others=$(printf '%s\n' $dbs | grep -vx "$db" | sed 's|.*|decoders/&/\|snapshot/&/|' | tr -d '\n' | sed 's/|$//')
    dec=$(find "decoders/$db" -name '*.[ch]' 2>/dev/null | sort)
    snap=$(find "snapshot/$db" -name '*.[ch]' 2>/dev/null | sort)
    # shellcheck disable=SC2086
    check "snapshot/|sinks/|agent/cli/${others:+|$others}" "decoders/$db streams; it knows no snapshot, sink or other database" $dec
    # shellcheck disable=SC2086
    check "sinks/|agent/cli/${others:+|$others}" "snapshot/$db reads $db only" $snap
done
# Files directly in decoders/ or snapshot/<db>/ of nothing: every database has its folder.
loose=$(find decoders -maxdepth 1 -name '*.[ch]' | sort)
if [ -n "$loose" ]; then
    printf 'layering: %s is not in a database folder (decoders/<db>/)\n' $loose
    bad=1
fi

if [ "$bad" = 0 ]; then
    echo "ok: $files files checked, every include respects the floors (agent <- sinks, decoders/<db> <- snapshot <- agent/cli)"
fi
exit "$bad"
