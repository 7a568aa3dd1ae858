# Shared by the compatibility tests (sourced after tests/integration/lib.sh): Debezium's jars, cached
# once, and DebeziumRun compiled against them.
#
# compat_need_java: Java and Maven present, or skip (77; an error under ROWCAST_TEST_REQUIRE_ENV=1).
# compat_jars: sets $jars, the folder holding every jar of pom.xml's dependencies, resolved with
#   `mvn dependency:copy-dependencies` into $ROWCAST_CACHE_DIR (default ~/.cache/rowcast), in a folder
#   named after pom.xml's checksum (a changed POM resolves again; an unchanged one never asks Maven).
# compat_runner DIR: compiles DebeziumRun.java into DIR.

COMPAT_DEBEZIUM_VERSION=3.6.1.Final
COMPAT_MAVEN_DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
compat_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

compat_need_java() {
    local t why=""
    for t in java javac jar mvn; do
        command -v "$t" >/dev/null 2>&1 || why="${why:+$why, }$t"
    done
    [ -z "$why" ] && return 0
    if [ "${ROWCAST_TEST_REQUIRE_ENV:-0}" = 1 ]; then
        echo "ERROR: the Debezium compatibility test needs $why (ROWCAST_TEST_REQUIRE_ENV=1)" >&2
        exit 99
    fi
    echo "SKIP: the Debezium compatibility test needs $why (a JDK 17 and Maven)" >&2
    exit 77
}

compat_jars() {
    local cache_root log
    cache_root=${ROWCAST_CACHE_DIR:-${HOME:-/tmp}/.cache/rowcast}
    jars="$cache_root/debezium-compat-$COMPAT_DEBEZIUM_VERSION-$(cksum <"$compat_here/pom.xml" | cut -d' ' -f1)"
    [ -f "$jars/.complete" ] && return 0
    mkdir -p "$cache_root"
    echo "fetching Debezium $COMPAT_DEBEZIUM_VERSION and Apicurio's converter with Maven (first run only)"
    log=$(mktemp)
    rm -rf "$jars.tmp.$$"
    (cd /tmp && mvn -B -q -f "$compat_here/pom.xml" "$COMPAT_MAVEN_DEP_PLUGIN:copy-dependencies" \
        -DincludeScope=runtime -DoutputDirectory="$jars.tmp.$$") >"$log" 2>&1 ||
        { tail -20 "$log" >&2; rm -f "$log"; rm -rf "$jars.tmp.$$"; fail "Maven could not fetch the jars (log above)"; }
    rm -f "$log"
    touch "$jars.tmp.$$/.complete"
    # Another run may have finished first: its folder is as good as ours.
    if [ -f "$jars/.complete" ]; then
        rm -rf "$jars.tmp.$$"
    else
        rm -rf "$jars"
        mv "$jars.tmp.$$" "$jars"
    fi
}

compat_runner() {
    mkdir -p "$1"
    javac -nowarn -d "$1" -cp "$jars/*" "$compat_here/DebeziumRun.java" || fail "compiling DebeziumRun.java failed"
}
