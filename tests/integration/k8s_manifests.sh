# deploy/kubernetes, checked offline (no cluster, no servers): every manifest against the Kubernetes
# API schema, and names, ports and variables against rowcast itself (k8s_manifests.py says what).
# Then the check must fail on two broken copies: a property renamed in a ConfigMap (as a rename in
# rowcast's table would leave the manifests behind) and a manifest that is not a valid object.
# The validator comes from PyPI (k8s_manifests.requirements.txt, pinned) into a virtualenv under
# the cache directory, made once; without pip or the index it skips (77), naming why.
set -eu
. "$top_srcdir/tests/integration/lib.sh"

dir=${K8S_MANIFESTS_DIR:-$top_srcdir/deploy/kubernetes}
req=$top_srcdir/tests/integration/k8s_manifests.requirements.txt
cache=${ROWCAST_CACHE_DIR:-${HOME:-/tmp}/.cache/rowcast}
venv=$cache/k8s-validate-$(sha256sum "$req" | cut -c1-12)
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)

# Skips (77) naming why; under ROWCAST_TEST_REQUIRE_ENV=1 (CI) that is an error, as for need_env.
skip() {
    if [ "${ROWCAST_TEST_REQUIRE_ENV:-0}" = 1 ]; then echo "ERROR: $* (ROWCAST_TEST_REQUIRE_ENV=1)" >&2; exit 99; fi
    echo "SKIP: $*" >&2
    exit 77
}
if [ ! -e "$venv/.installed" ]; then   # made once; a half-made one (no marker) is made again
    rm -rf "$venv"
    mkdir -p "$cache"
    "$py" -m venv "$venv" >/dev/null 2>&1 || { rm -rf "$venv"; skip "cannot make a virtualenv ($py -m venv; Debian: python3-venv)"; }
    if ! log=$("$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req" 2>&1); then
        rm -rf "$venv"
        skip "pip cannot install the validator from $req: $(printf '%s' "$log" | tail -n 1)"
    fi
    touch "$venv/.installed"
fi
echo "validator: kubernetes-validate $("$venv/bin/python" -c 'import kubernetes_validate as k; print(k.__version__, "(schemas up to", k.latest_version() + ")")')"

# The test's own environment must not reach the rowcast runs of the checker.
for v in $(env | sed -n 's/^\(ROWCAST_[A-Z0-9_]*\)=.*/\1/p'); do
    case "$v" in ROWCAST_TEST_*|ROWCAST_ENV_*) ;; *) unset "$v" ;; esac
done

check() { "$venv/bin/python" "$top_srcdir/tests/integration/k8s_manifests.py" --rowcast "$ROWCAST" --top "$top_srcdir" --dir "$1"; }

check "$dir" || fail "the manifests in $dir"
pass "deploy/kubernetes: schema, names, ports and variables"
[ -n "${K8S_MANIFESTS_DIR:-}" ] && exit 0   # checking another directory: no self-test

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A property renamed: the checker must name the variable rowcast does not know.
cp -r "$dir" "$tmp/renamed"
sed -i 's/ROWCAST_SHUTDOWN_TIMEOUT_MS:/ROWCAST_SHUTDOWN_TIMEOUT:/' "$tmp/renamed/rowcast-postgres-config.yaml"
grep -q 'ROWCAST_SHUTDOWN_TIMEOUT:' "$tmp/renamed/rowcast-postgres-config.yaml" || fail "the rename did not apply"
if out=$(check "$tmp/renamed" 2>&1); then fail "a renamed property passed the check"; fi
case "$out" in
    *"FAIL: postgres.yaml StatefulSet/postgres container rowcast: ROWCAST_SHUTDOWN_TIMEOUT is no property rowcast knows"*) ;;
    *) fail "a renamed property failed, but not as expected: $out" ;;
esac
printf '%s\n' "$out" | grep '^FAIL' | sed 's/^/  (expected) /'
pass "a renamed property (ROWCAST_SHUTDOWN_TIMEOUT_MS -> ROWCAST_SHUTDOWN_TIMEOUT) fails the check"

# Invalid manifests: a field the API does not have (strict), a port that is not a number.
cp -r "$dir" "$tmp/invalid"
sed -i 's/^  ttlSecondsAfterFinished:/  ttlSecondsAfterFinish:/' "$tmp/invalid/snapshot-job.yaml"
sed -i 's/containerPort: 8080/containerPort: "eighty"/' "$tmp/invalid/postgres.yaml"
if out=$(check "$tmp/invalid" 2>&1); then fail "an invalid manifest passed the check"; fi
case "$out" in
    *"FAIL: postgres.yaml StatefulSet/postgres is not a valid Kubernetes 1.29.0 object: spec.template.spec.initContainers.0.ports.0.containerPort"*"FAIL: snapshot-job.yaml Job/rowcast-snapshot is not a valid Kubernetes 1.29.0 object: spec: Additional properties"*"ttlSecondsAfterFinish"*) ;;
    *) fail "an invalid manifest failed, but not as expected: $out" ;;
esac
printf '%s\n' "$out" | grep '^FAIL' | sed 's/^/  (expected) /'
pass "invalid manifests (containerPort: \"eighty\", the Job's ttlSecondsAfterFinish) fail the schema check"
