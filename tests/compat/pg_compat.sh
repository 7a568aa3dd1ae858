#!/usr/bin/env bash
# Side-by-side compatibility test: the same PostgreSQL workload (pg_workload.sh) through Debezium
# 3.6.1's PostgreSQL connector (embedded engine, tests/compat/DebeziumRun.java, Avro through
# Apicurio's converter) and through rowcast, each with its own slot, publication and topic prefix,
# snapshot.mode=initial on both; then tests/compat/compare.py compares the two record by record,
# checks rowcast's value schemas against Debezium's in the registry (BACKWARD, FORWARD, FULL) and
# decodes rowcast's records with Debezium's schemas as reader schemas. Fails on any difference not
# listed in tests/compat/pg_known_differences.json. See tests/compat/README.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
ROWCAST=${ROWCAST:-${top_builddir:-$top_srcdir}/rowcast}
export top_srcdir ROWCAST
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$here/lib_compat.sh"
compat_need_java
compat_jars

pg_sql() {
    PGPASSWORD=$ROWCAST_TEST_PG_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -At -h "$ROWCAST_TEST_PG_HOST" \
        -p "$ROWCAST_TEST_PG_PORT" -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" -f -
}

pg_test_setup cmp
dbz_slot="dbz_$slot"
rc_prefix="rc_$id" dbz_prefix="dbz_$id"
prefix=$rc_prefix
out=${ROWCAST_TEST_COMPAT_OUT:-$tmp/out}
mkdir -p "$out"
dbz_pid=
cleanup() {
    [ -n "$dbz_pid" ] && kill -9 "$dbz_pid" 2>/dev/null || true
    drop_slot "$dbz_slot" || true
    pg_test_cleanup
}
trap cleanup EXIT

. "$here/pg_workload.sh"
pg_workload_before
pass "schema $schema created, table seeded filled before both start"

compat_runner "$tmp/classes"

# --- Debezium -----------------------------------------------------------------------------------------
cat >"$tmp/engine.properties" <<PROPS
name=compat-$id
connector.class=io.debezium.connector.postgresql.PostgresConnector
offset.storage=org.apache.kafka.connect.storage.FileOffsetBackingStore
offset.storage.file.filename=$tmp/dbz-offsets.dat
offset.flush.interval.ms=1000
database.hostname=$ROWCAST_TEST_PG_HOST
database.port=$ROWCAST_TEST_PG_PORT
database.user=$ROWCAST_TEST_PG_USER
database.password=$ROWCAST_TEST_PG_PASSWORD
database.dbname=$ROWCAST_TEST_PG_DB
topic.prefix=$dbz_prefix
plugin.name=pgoutput
slot.name=$dbz_slot
publication.name=${dbz_slot}_pub
publication.autocreate.mode=all_tables
schema.include.list=$schema
snapshot.mode=initial
PROPS
# ROWCAST_TEST_COMPAT_PROPS='k=v;k=v': more properties for both sides (e.g. the handling modes:
# decimal.handling.mode=string;hstore.handling.mode=map;interval.handling.mode=string). The known
# differences are those of the defaults: other modes may show differences they do not list.
extra_props=$(printf '%s' "${ROWCAST_TEST_COMPAT_PROPS:-}" | tr ';' '\n' | sed '/^ *$/d')
[ -n "$extra_props" ] && printf '%s\n' "$extra_props" >>"$tmp/engine.properties"
# Other modes leave some of the defaults' entries unmatched: stale entries only warn then.
[ -n "$extra_props" ] && export ROWCAST_TEST_COMPAT_STRICT=${ROWCAST_TEST_COMPAT_STRICT:-0}
cat >"$tmp/converter.properties" <<PROPS
apicurio.registry.url=${ROWCAST_TEST_SCHEMA_REGISTRY_URL%/apis/ccompat/v7}/apis/registry/v2
apicurio.registry.auto-register=true
apicurio.registry.as-confluent=true
apicurio.registry.use-id=contentId
apicurio.registry.headers.enabled=false
PROPS
java -Duser.timezone=UTC -cp "$tmp/classes:$jars/*" DebeziumRun "$tmp/engine.properties" --converter avro \
    --converter-config "$tmp/converter.properties" --bootstrap "$ROWCAST_TEST_KAFKA_BOOTSTRAP" \
    --stop-topic "$dbz_prefix.$schema.zz_end" --timeout 300 >"$out/debezium.summary" 2>"$out/debezium.log" &
dbz_pid=$!
# Streaming once the snapshot is done and the replication stream is open.
dbz_streaming() { grep -q "Processing messages" "$out/debezium.log" 2>/dev/null; }
for _ in $(seq 1200); do
    dbz_streaming && break
    kill -0 "$dbz_pid" 2>/dev/null || { tail -40 "$out/debezium.log" >&2; fail "Debezium exited before streaming"; }
    sleep 0.1
done
dbz_streaming || { tail -40 "$out/debezium.log" >&2; fail "Debezium never streamed"; }
pass "Debezium $COMPAT_DEBEZIUM_VERSION (embedded engine, PostgreSQL connector) snapshotted and is streaming"

# --- rowcast: configured as a user migrating from Debezium would (Debezium's names and values) ---------
write_pg_config "$tmp/rowcast.properties" "$rc_prefix" "$slot" <<PROPS
plugin.name = pgoutput
publication.autocreate.mode = all_tables
schema.include.list = $schema
snapshot.mode = initial
kafka.message.max.bytes = 16000000
${extra_props}
PROPS
start_rowcast "$tmp/rowcast.properties" "$out/rowcast.log"
for _ in $(seq 1200); do
    grep -q "streaming from the snapshot's consistent point" "$out/rowcast.log" && break
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited before streaming"
    sleep 0.1
done
grep -q "streaming from the snapshot's consistent point" "$out/rowcast.log" || fail "rowcast never streamed"
wait_slot_active "$slot"
pass "rowcast snapshotted and is streaming (snapshot.mode=initial)"

# --- the workload -------------------------------------------------------------------------------------
pg_workload_stream >/dev/null
pass "workload written"

for _ in $(seq 1800); do
    kill -0 "$dbz_pid" 2>/dev/null || break
    sleep 0.1
done
set +e
wait "$dbz_pid"
dbz_rc=$?
set -e
dbz_pid=
[ "$dbz_rc" = 0 ] || { tail -40 "$out/debezium.log" >&2; fail "Debezium did not reach the end marker (exit $dbz_rc)"; }
pass "Debezium wrote every change up to the end marker: $(cat "$out/debezium.summary")"
wait_slot_caught_up "$slot"
stop_rowcast
pass "rowcast wrote every change and exited 0"

set +e
/usr/bin/python3 "$here/compare.py" --source postgres --bootstrap "$ROWCAST_TEST_KAFKA_BOOTSTRAP" \
    --registry "$ROWCAST_TEST_SCHEMA_REGISTRY_URL" --debezium-prefix "$dbz_prefix" --rowcast-prefix "$rc_prefix" \
    --db "$schema" --mode initial --known "$here/pg_known_differences.json" --report "$out/report.json" \
    --dump "$out/records.jsonl" --registry-check --reader-check >"$out/compare.txt" 2>&1
rc=$?
set -e
cat "$out/compare.txt"
[ "$rc" = 0 ] || fail "rowcast's topics differ from Debezium's in ways pg_known_differences.json does not list, or one of its entries matched nothing (evidence: $out)"
pass "rowcast's topics equal Debezium's but for the documented differences"
