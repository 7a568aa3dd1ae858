# Every C file follows .clang-format (CONVENTIONS.md rule 16).
set -eu
if ! command -v clang-format >/dev/null; then
    [ "${ROWCAST_TEST_REQUIRE_ENV:-0}" = 1 ] && { echo "ERROR: clang-format missing" >&2; exit 99; }
    echo "SKIP: clang-format not installed" >&2
    exit 77
fi
cd "$top_srcdir"
bad=0
# Every C file under the source folders, at any depth (a tarball has no git: find, not git ls-files).
for f in $(find agent decoders sinks snapshot tests/unit tests/integration fuzz bench -name '*.[ch]' | sort); do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "not formatted: $f (clang-format -i $f)"
        bad=1
    fi
done
[ "$bad" = 0 ] && echo "ok: every C file is clang-format clean"
exit "$bad"
