# Decodes rowcast's Avro with a second, independent implementation (python3-avro): every rc_type_t,
# nulls, unchanged TOAST values, negative decimals, non-ASCII text, empty strings and arrays, the
# PostgreSQL, MariaDB and message envelopes, with and without native logical types. No servers.
set -eu
. "$top_srcdir/tests/integration/lib.sh"

# Debian's python (python3-avro is a Debian package), not a pyenv python earlier on PATH.
py=/usr/bin/python3
if ! "$py" -c 'import avro.schema, avro.io' 2>/dev/null; then
    if [ "${ROWCAST_TEST_REQUIRE_ENV:-0}" = 1 ]; then
        echo "ERROR: $py cannot import avro but ROWCAST_TEST_REQUIRE_ENV=1 (apt-get install python3-avro)" >&2
        exit 99
    fi
    echo "SKIP: $py cannot import avro (apt-get install python3-avro)" >&2
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$top_builddir/tests/unit/tools/avro_dump" "$tmp" || fail "avro_dump could not write the records"
pass "avro_dump wrote $(ls "$tmp" | wc -l) files"
"$py" "$top_srcdir/tests/integration/avro_decode.py" "$tmp" || fail "python3-avro decoding differs (see above)"
