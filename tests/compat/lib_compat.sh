# Shared by the compatibility tests (sourced after tests/integration/lib.sh): Debezium's jars, cached
# once, and DebeziumRun compiled against them.
#
# compat_need_java: Java and Maven present, or skip (77; an error under ROWCAST_TEST_REQUIRE_ENV=1).
# compat_jars: sets $jars, the folder holding every jar of pom.xml's dependencies, resolved with
#   `mvn dependency:copy-dependencies` into $ROWCAST_CACHE_DIR (default ~/.cache/rowcast), in a folder
#   named after pom.xml's checksum (a changed POM resolves again; an unchanged one never asks Maven).
# compat_runner DIR: compiles DebeziumRun.java into DIR.
# compat_mariadb_jar: sets $connector_jar, Debezium's MariaDB connector (not on Maven Central):
#   ROWCAST_TEST_COMPAT_DEBEZIUM_MARIADB_JAR when set, else the jar compiled once from Debezium's sources
#   (ROWCAST_TEST_COMPAT_DEBEZIUM_SRC) and cached beside the others. Returns 1 with $compat_why when
#   neither that jar nor the sources are there. Call after compat_jars. Used by mariadb_compat.sh and
#   bench/mysql_stream_bench.sh.

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

compat_mariadb_jar() {
    local tag=v$COMPAT_DEBEZIUM_VERSION src build main
    connector_jar="$jars/debezium-connector-mariadb-$COMPAT_DEBEZIUM_VERSION-built.jar"
    compat_why=""
    if [ -n "${ROWCAST_TEST_COMPAT_DEBEZIUM_MARIADB_JAR:-}" ]; then
        connector_jar=$ROWCAST_TEST_COMPAT_DEBEZIUM_MARIADB_JAR
        return 0
    fi
    [ -f "$connector_jar" ] && return 0
    # ROWCAST_TEST_COMPAT_DEBEZIUM_SRC: a clone of Debezium's repository (with the tag; a bare one is
    # fine), or a folder holding debezium-connector-mariadb/src/main of that version.
    src=${ROWCAST_TEST_COMPAT_DEBEZIUM_SRC:-}
    if [ -z "$src" ]; then
        compat_why="debezium-connector-mariadb is not on Maven Central: set ROWCAST_TEST_COMPAT_DEBEZIUM_SRC to a clone of Debezium's repository (tag $tag) or ROWCAST_TEST_COMPAT_DEBEZIUM_MARIADB_JAR to its jar"
        return 1
    fi
    build=$(mktemp -d)
    if git --git-dir="$src" rev-parse -q --verify "$tag^{commit}" >/dev/null 2>&1; then
        git --git-dir="$src" archive "$tag" debezium-connector-mariadb/src/main | tar -x -C "$build"
    elif git -C "$src" rev-parse -q --verify "$tag^{commit}" >/dev/null 2>&1; then
        git -C "$src" archive "$tag" debezium-connector-mariadb/src/main | tar -x -C "$build"
    elif [ -d "$src/debezium-connector-mariadb/src/main" ]; then
        cp -r "$src/debezium-connector-mariadb" "$build/"
    else
        rm -rf "$build"
        fail "ROWCAST_TEST_COMPAT_DEBEZIUM_SRC=$src has neither the tag $tag nor debezium-connector-mariadb/src/main"
    fi
    main="$build/debezium-connector-mariadb/src/main"
    # The CloudEvents maker needs debezium-connect-plugins' SPI of another layout; nothing here uses it.
    find "$main/java" -name '*.java' ! -path '*/converters/*' >"$build/sources"
    mkdir -p "$build/classes"
    javac -nowarn -encoding UTF-8 -d "$build/classes" -cp "$jars/*" @"$build/sources" >"$build/javac.log" 2>&1 ||
        { cat "$build/javac.log" >&2; rm -rf "$build"; fail "compiling Debezium's MariaDB connector failed"; }
    cp -r "$main/resources/." "$build/classes/"
    rm -f "$build/classes/META-INF/services/io.debezium.converters.spi.CloudEventsProvider"
    sed -i "s/\${project.version}/$COMPAT_DEBEZIUM_VERSION/" "$build/classes/io/debezium/connector/mariadb/build.version"
    (cd "$build/classes" && jar cf "$connector_jar.tmp.$$" .)
    mv "$connector_jar.tmp.$$" "$connector_jar"
    rm -rf "$build"
}
