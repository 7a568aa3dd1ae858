#!/usr/bin/env bash
# Side-by-side compatibility test: the same MariaDB workload through Debezium 3.6.1's MariaDB
# connector (embedded engine, tests/compat/DebeziumRun.java) and through rowcast, each to its own
# topic prefix on the test Kafka, then tests/compat/compare.py compares the two record by
# record and fails on any difference not listed in tests/compat/mariadb_known_differences.json.
# See tests/compat/README.md. Skipped (77) unless ROWCAST_TEST_COMPAT=1.
set -eu

if [ "${ROWCAST_TEST_COMPAT:-0}" != 1 ]; then
    echo "SKIP: the Debezium compatibility test runs only with ROWCAST_TEST_COMPAT=1 (it fetches ~50 MB of jars)" >&2
    exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
ROWCAST=${ROWCAST:-${top_builddir:-$top_srcdir}/rowcast}
export top_srcdir ROWCAST
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/lib_mysql.sh"

. "$here/lib_compat.sh"
compat_need_java
compat_jars
# The MariaDB connector: not on Maven Central, compiled from Debezium's sources once (lib_compat.sh).
if ! compat_mariadb_jar; then
    [ "${ROWCAST_TEST_REQUIRE_ENV:-0}" = 1 ] && { echo "ERROR: $compat_why" >&2; exit 99; }
    echo "SKIP: $compat_why" >&2
    exit 77
fi

my_test_setup cmp
# ROWCAST_TEST_COMPAT_SNAPSHOT_MODE=initial: a table with rows exists before both start, and both
# snapshot it (op r) before streaming; the default, no_data, snapshots nothing.
snapshot_mode=${ROWCAST_TEST_COMPAT_SNAPSHOT_MODE:-no_data}
case $snapshot_mode in
no_data) ;;
initial)
    my_q "SET SESSION sql_mode = '';
CREATE TABLE \`$db\`.seeded (id INT PRIMARY KEY, v VARCHAR(20), amount DECIMAL(10,2), ts TIMESTAMP(3) NULL,
    dt DATETIME(6), y YEAR, n INT, b BIT(3), e ENUM('p','q'), j JSON) ENGINE=InnoDB;
INSERT INTO \`$db\`.seeded VALUES (1, 'one', 1.50, '2020-01-01 00:00:00.123', '2020-01-01 00:00:00.654321', 2020, -1,
    b'101', 'q', '{\"k\": 1}'), (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (3, 'three', -0.01, '1970-01-01 00:00:01.000', '0000-00-00 00:00:00', 1901, 2147483647, b'0', 'p', '[]');"
    ;;
*) fail "ROWCAST_TEST_COMPAT_SNAPSHOT_MODE=$snapshot_mode: no_data or initial" ;;
esac
rc_prefix="rc_$id" dbz_prefix="dbz_$id"
prefix=$rc_prefix
out=${ROWCAST_TEST_COMPAT_OUT:-$tmp/out}
mkdir -p "$out"
classes="$tmp/classes"
mkdir -p "$classes"
compat_runner "$classes"
cp_all="$classes:$connector_jar:$jars/*"

# --- Debezium -----------------------------------------------------------------------------------------
cat >"$tmp/engine.properties" <<PROPS
name=compat-$id
connector.class=io.debezium.connector.mariadb.MariaDbConnector
offset.storage=org.apache.kafka.connect.storage.FileOffsetBackingStore
offset.storage.file.filename=$tmp/dbz-offsets.dat
offset.flush.interval.ms=1000
schema.history.internal=io.debezium.storage.file.history.FileSchemaHistory
schema.history.internal.file.filename=$tmp/dbz-history.dat
database.hostname=$ROWCAST_TEST_MYSQL_HOST
database.port=$ROWCAST_TEST_MYSQL_PORT
database.user=$ROWCAST_TEST_MYSQL_USER
database.password=$ROWCAST_TEST_MYSQL_PASSWORD
database.server.id=$((server_id + 1))
database.include.list=$db
topic.prefix=$dbz_prefix
snapshot.mode=$snapshot_mode
include.schema.changes=true
PROPS
cat >"$tmp/converter.properties" <<PROPS
apicurio.registry.url=${ROWCAST_TEST_SCHEMA_REGISTRY_URL%/apis/ccompat/v7}/apis/registry/v2
apicurio.registry.auto-register=true
apicurio.registry.as-confluent=true
apicurio.registry.use-id=contentId
apicurio.registry.headers.enabled=false
PROPS
end_table=zz_end
java -Duser.timezone=UTC -cp "$cp_all" DebeziumRun "$tmp/engine.properties" --converter avro \
    --converter-config "$tmp/converter.properties" --bootstrap "$ROWCAST_TEST_KAFKA_BOOTSTRAP" \
    --stop-topic "$dbz_prefix.$db.$end_table" >"$out/debezium.summary" 2>"$out/debezium.log" &
dbz_pid=$!
trap 'kill -9 $dbz_pid 2>/dev/null || true; my_test_cleanup' EXIT
for _ in $(seq 1800); do
    grep -qE "Connected to (binlog|[0-9.]+:[0-9]+ at )" "$out/debezium.log" 2>/dev/null && break
    kill -0 $dbz_pid 2>/dev/null || { tail -40 "$out/debezium.log" >&2; fail "Debezium exited before streaming"; }
    sleep 0.1
done
grep -qE "Connected to (binlog|[0-9.]+:[0-9]+ at )" "$out/debezium.log" || { tail -40 "$out/debezium.log" >&2; fail "Debezium never streamed"; }
pass "Debezium $COMPAT_DEBEZIUM_VERSION (embedded engine, MariaDB connector) is reading the binlog"

# --- rowcast ------------------------------------------------------------------------------------------
write_my_config "$tmp/rowcast.properties" <<PROPS
offset.storage.file.filename = $tmp/offsets.json
kafka.message.max.bytes = 16000000
snapshot.mode = $snapshot_mode
PROPS
start_rowcast "$tmp/rowcast.properties" "$out/rowcast.log"
wait_my_streaming
pass "rowcast is reading the binlog (snapshot.mode=$snapshot_mode)"

# --- the workload (tables created mid-stream, so both read their CREATE TABLE from the binlog) ---------
. "$here/mariadb_workload.sh"
pass "workload written"

for _ in $(seq 1800); do
    kill -0 $dbz_pid 2>/dev/null || break
    sleep 0.1
done
set +e
wait $dbz_pid
dbz_rc=$?
set -e
[ "$dbz_rc" = 0 ] || { tail -40 "$out/debezium.log" >&2; fail "Debezium did not reach the end marker (exit $dbz_rc)"; }
pass "Debezium wrote every change up to the end marker"
wait_my_caught_up "$tmp/offsets.json"
stop_rowcast
pass "rowcast wrote every change and exited 0"

if ! /usr/bin/python3 "$here/compare.py" --source mariadb --bootstrap "$ROWCAST_TEST_KAFKA_BOOTSTRAP" \
    --registry "$ROWCAST_TEST_SCHEMA_REGISTRY_URL" --debezium-prefix "$dbz_prefix" --rowcast-prefix "$rc_prefix" \
    --db "$db" --mode "$snapshot_mode" --known "$here/mariadb_known_differences.json" --report "$out/report.json" --dump "$out/records.jsonl" \
    --registry-check --reader-check \
    >"$out/compare.txt" 2>&1; then
    cat "$out/compare.txt" >&2
    fail "rowcast's topics differ from Debezium's in ways mariadb_known_differences.json does not list, or one of its entries matched nothing (evidence: $out)"
fi
cat "$out/compare.txt"
pass "rowcast's topics equal Debezium's but for the documented differences"
