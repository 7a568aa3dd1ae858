# The Schema Registry client against the real registry of tests/env: a generated schema is
# registered and fetched back by id, registering it again gives the same id (from the registry, and
# from the client's cache without a request), a compatible change is accepted and an incompatible one
# (a column's type changed under BACKWARD) is refused with a message naming the subject.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

url=$ROWCAST_TEST_SCHEMA_REGISTRY_URL
tool=$top_builddir/tests/unit/tools/registry_tool
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Unique names per run: reruns and parallel runs never share a subject.
prefix="rowcast_test_$$_$(date +%s)"
topic="$prefix.public.items"
subject="$topic-value"

run_tool() { # captures stdout in $out, stderr in $errout, the exit code in $code
    set +e
    out=$("$tool" "$@" 2>"$tmp/stderr")
    code=$?
    set -e
    errout=$(cat "$tmp/stderr")
}

run_tool check "$url"
[ "$code" = 0 ] || fail "rowcast check of the registry: $out $errout"
case "$out" in *"ok    Schema Registry at "*" answers: "*) ;; *) fail "check output: $out" ;; esac
pass "check: $(echo "$out" | head -1 | sed 's/^ok *//')"

for v in v1 v2 v3 key; do
    "$tool" schema "$v" "$prefix" >"$tmp/$v.avsc" || fail "schema $v"
done

run_tool register "$url" "$subject" "$tmp/v1.avsc"
[ "$code" = 0 ] || fail "register v1 (exit $code): $errout"
id1=$out
case "$id1" in '' | *[!0-9]*) fail "register v1 printed '$id1'" ;; esac
pass "registered $subject as id $id1"

run_tool get "$url" "$id1"
[ "$code" = 0 ] || fail "get id $id1: $errout"
printf '%s' "$out" >"$tmp/back.avsc"
"$py" - "$tmp/v1.avsc" "$tmp/back.avsc" <<'PY' || fail "schema $id1 fetched back differs from what was registered"
import json, sys
sent, back = (json.load(open(p)) for p in sys.argv[1:3])
if sent != back:
    sys.exit("sent %s\nback %s" % (json.dumps(sent), json.dumps(back)))
PY
printf '%s\n' "$out" >"$tmp/back.txt"
if cmp -s "$tmp/v1.avsc" "$tmp/back.txt"; then same="byte for byte"; else same="as JSON"; fi
pass "schema id $id1 fetched back, equal to the registered one $same"

run_tool register "$url" "$subject" "$tmp/v1.avsc"
[ "$code" = 0 ] && [ "$out" = "$id1" ] || fail "registering again gave '$out' (exit $code, $errout), expected $id1"
run_tool register2 "$url" "$subject" "$tmp/v1.avsc"
[ "$out" = "$id1 $id1 1" ] || fail "register twice in one client: '$out' (expected '$id1 $id1 1': 1 request) $errout"
pass "registering the same schema again gives id $id1 (registry), and costs no request the second time (cache)"

run_tool register "$url" "$topic-key" "$tmp/key.avsc"
[ "$code" = 0 ] || fail "register key schema: $errout"
pass "key schema registered as $topic-key id $out"

# The subject's own compatibility level (the registry's default may be NONE, e.g. Apicurio's).
ct='Content-Type: application/vnd.schemaregistry.v1+json'
curl -sf -X PUT -H "$ct" --data '{"compatibility":"BACKWARD"}' "${url%/}/config/$subject" >/dev/null \
    || fail "cannot set BACKWARD on $subject"

run_tool register "$url" "$subject" "$tmp/v2.avsc"
[ "$code" = 0 ] || fail "a new optional column must be BACKWARD compatible (exit $code): $errout"
[ "$out" != "$id1" ] || fail "v2 got the id of v1"
pass "added column accepted under BACKWARD: id $out"

run_tool register "$url" "$subject" "$tmp/v3.avsc"
[ "$code" = 3 ] || fail "changing name from string to int: exit $code (expected 3, refused): $out $errout"
case "$errout" in
*"refused the schema of subject $subject as incompatible"*) ;;
*) fail "message for an incompatible change: $errout" ;;
esac
pass "incompatible change refused: $errout"

# Best effort: leave the registry as it was.
curl -s -X DELETE "${url%/}/subjects/$subject" >/dev/null 2>&1 || true
curl -s -X DELETE "${url%/}/subjects/$topic-key" >/dev/null 2>&1 || true
