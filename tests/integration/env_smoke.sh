# Proves each server of tests/env is really usable for rowcast (not merely listening).
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

export PGPASSWORD=$ROWCAST_TEST_PG_PASSWORD
psql_q() {
    psql -X -q -v ON_ERROR_STOP=1 -At -h "$ROWCAST_TEST_PG_HOST" -p "$ROWCAST_TEST_PG_PORT" \
        -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" -c "$1"
}
my_q() {
    mariadb --protocol=tcp -h "$ROWCAST_TEST_MYSQL_HOST" -P "$ROWCAST_TEST_MYSQL_PORT" \
        -u "$ROWCAST_TEST_MYSQL_USER" -p"$ROWCAST_TEST_MYSQL_PASSWORD" -N -B -e "$1" "$ROWCAST_TEST_MYSQL_DB"
}
tag="smoke_$$"

# PostgreSQL: a pgoutput slot is created and yields an Insert message for a published table.
psql_q "CREATE TABLE $tag (id int PRIMARY KEY, v text); CREATE PUBLICATION ${tag}_pub FOR TABLE $tag;"
psql_q "SELECT pg_create_logical_replication_slot('${tag}_slot', 'pgoutput');" >/dev/null
psql_q "INSERT INTO $tag VALUES (1, 'héllo');"
# Decoding sees only flushed WAL, so the commit may take a moment to show up.
for _ in $(seq 50); do
    msgs=$(psql_q "SELECT string_agg(chr(get_byte(data, 0)), '') FROM pg_logical_slot_peek_binary_changes(
        '${tag}_slot', NULL, NULL, 'proto_version', '1', 'publication_names', '${tag}_pub');")
    [ -n "$msgs" ] && break
    sleep 0.1
done
psql_q "SELECT pg_drop_replication_slot('${tag}_slot'); DROP PUBLICATION ${tag}_pub; DROP TABLE $tag;"
[ "$msgs" = "BRIC" ] || fail "pgoutput messages: '$msgs', expected Begin, Relation, Insert, Commit (BRIC)"
pass "PostgreSQL: pgoutput slot decodes an insert ($msgs)"

# MariaDB: the binary log is ROW with full images and GTIDs.
vars=$(my_q "SELECT @@log_bin, @@binlog_format, @@binlog_row_image, @@gtid_strict_mode")
[ "$vars" = "$(printf '1\tROW\tFULL\t1')" ] || fail "MariaDB settings: $vars"
my_q "CREATE TABLE $tag (id int PRIMARY KEY, v varchar(10)); INSERT INTO $tag VALUES (1, 'x');"
file=$(my_q "SHOW MASTER STATUS" | cut -f1)
events=$(my_q "SHOW BINLOG EVENTS IN '$file'" | cut -f3 | sort -u | tr '\n' ' ')
my_q "DROP TABLE $tag"
case "$events" in *Gtid*Table_map*Write_rows*) ;; *) fail "binlog events: $events" ;; esac
pass "MariaDB: binlog ROW/FULL with GTIDs ($events)"

# Kafka: messages produced with librdkafka are consumed back, keys and values intact.
"$top_builddir/tests/integration/kafka_roundtrip" "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "${tag}_topic" 1000 \
    || fail "Kafka round trip"
pass "Kafka: 1000 messages produced and consumed back"

# Schema Registry: a schema registered over HTTP is fetched back by its id.
ct='Content-Type: application/vnd.schemaregistry.v1+json'
schema='{"type":"record","name":"Smoke","fields":[{"name":"id","type":"long"}]}'
body=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"schema": sys.argv[1]}))' "$schema")
answer=$(curl -sf -X POST -H "$ct" --data "$body" "$ROWCAST_TEST_SCHEMA_REGISTRY_URL/subjects/${tag}-value/versions") \
    || fail "registry POST failed"
id=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$answer")
back=$(curl -sf "$ROWCAST_TEST_SCHEMA_REGISTRY_URL/schemas/ids/$id") || fail "registry GET id $id failed"
/usr/bin/python3 - "$back" "$schema" <<'PY' || fail "registry returned another schema: $back"
import json, sys
assert json.loads(json.loads(sys.argv[1])["schema"]) == json.loads(sys.argv[2])
PY
pass "Schema Registry: schema registered as id $id and fetched back"
