# The one-shot `rowcast snapshot`: three tables copied in parallel (snapshot.max.threads=3), exit 0
# once Kafka acknowledged every row, a summary with the right counts, the content equal to the
# tables, and nothing left behind (no replication slot, no offset file). An unknown or excluded
# --table is a usage error naming it. snapshot.mode=initial_only does the same through `run`.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env

pg_test_setup sc
psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.orders (id bigint PRIMARY KEY, customer text, amount numeric(12,2), paid boolean,
    created timestamptz);
INSERT INTO $schema.orders SELECT g, 'customer ' || (g % 997), g / 7.0, g % 2 = 0,
    '2025-06-01 00:00:00+00'::timestamptz + g * interval '1 minute' FROM generate_series(1, 60000) g;
CREATE TABLE $schema.events (id int PRIMARY KEY, kind text, body jsonb, tags text[], at date, raw bytea);
INSERT INTO $schema.events SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'k' || (g % 5) END,
    jsonb_build_object('n', g, 's', E'tab\\there'), ARRAY['x', NULL, 'y' || g], DATE '2000-01-01' + g,
    decode(md5(g::text), 'hex') FROM generate_series(1, 30000) g;
CREATE TABLE $schema.u_$id (code text PRIMARY KEY, note text, n float8);
INSERT INTO $schema.u_$id SELECT 'c' || g, CASE WHEN g % 3 = 0 THEN '' WHEN g % 3 = 1 THEN NULL
    ELSE E'multi\\nline \\\\ text' END, g / 3.0 FROM generate_series(1, 10000) g;
CREATE TABLE $schema.other (id int PRIMARY KEY);
INSERT INTO $schema.other VALUES (1);"

write_pg_config "$tmp/rowcast.properties" "$prefix" "$slot" <<PROPS
snapshot.max.threads = 3
table.include.list = $schema\\.(orders|events|u_.*)
offset.storage.file.filename = $tmp/offsets.json
PROPS

# Unknown and excluded tables: exit 2, naming the table, before anything is published.
run_rowcast -c "$tmp/rowcast.properties" snapshot --table "$schema.orders" --table "$schema.nosuch"
expect_code 2 "unknown --table"
expect_err "unknown table '$schema.nosuch'"
run_rowcast -c "$tmp/rowcast.properties" snapshot --table "$schema.other"
expect_code 2 "excluded --table"
expect_err "table '$schema.other' is not captured"
pass "unknown or excluded --table: exit 2 naming it"

# Two tables named with their schema, one by its (unique) name alone.
run_rowcast -c "$tmp/rowcast.properties" snapshot --table "$schema.orders" --table "$schema.events" \
    --table "u_$id"
expect_code 0 "rowcast snapshot"
echo "$out"
count_of() { echo "$out" | awk -v t="$1" '$1 == t { print $2 }'; }
[ "$(count_of "$schema.orders")" = 60000 ] || fail "summary: orders has not 60000 rows"
[ "$(count_of "$schema.events")" = 30000 ] || fail "summary: events has not 30000 rows"
[ "$(count_of "$schema.u_$id")" = 10000 ] || fail "summary: u_$id has not 10000 rows"
[ "$(count_of total)" = 100000 ] || fail "summary: total is not 100000 rows"
echo "$out" | grep -q "^3 tables, 100000 rows, [0-9]* bytes read, [0-9.]* s" || fail "summary line missing"
echo "$errout" | grep -q "snapshot .*: 3 tables, 3 readers" || fail "not three readers: $errout"
pass "exit 0, summary with the right row counts, three readers"

[ -z "$(psql_q "SELECT slot_name FROM pg_replication_slots WHERE slot_name = '$slot'")" ] || fail "a slot was left"
[ -z "$(psql_q "SELECT 1 FROM pg_replication_slots WHERE NOT active AND slot_name LIKE '%$id%'")" ] ||
    fail "a slot was left"
[ ! -e "$tmp/offsets.json" ] || fail "the one-shot snapshot wrote the offset file"
pass "no replication slot left behind, no offset file written"

tables="$schema.orders,$schema.events,$schema.u_$id"
if ! verify_topics --prefix "$prefix" --tables "$tables" >"$tmp/verify.json" 2>"$tmp/verify.err"; then
    cat "$tmp/verify.err" >&2
    cat "$tmp/verify.json" >&2
    fail "the tables rebuilt from Kafka differ from PostgreSQL"
fi
cat "$tmp/verify.json"
/usr/bin/python3 -c 'import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
m = s.get("snapshot_markers")
sys.exit(s.get("snapshot_marker_problems") or m != {"first": 1, "first_in_data_collection": 2,
         "last_in_data_collection": 2, "last": 1, "true": 99994})' "$tmp/verify.json" ||
    fail "snapshot markers are not Debezium's: one first, one last, each of the other tables first_in_data_collection and last_in_data_collection, 99994 true"
pass "content of the three tables rebuilt from Kafka equals PostgreSQL"

# snapshot.mode=initial_only through `run`: the included tables, then exit 0; no slot, no offsets.
run_rowcast -c "$tmp/rowcast.properties" --set snapshot.mode=initial_only --set "topic.prefix=${prefix}_io" \
    --set "table.include.list=$schema\\.u_.*" run
expect_code 0 "run with snapshot.mode=initial_only"
expect_err "snapshot complete: 10000 rows of 1 tables"
[ -z "$(psql_q "SELECT slot_name FROM pg_replication_slots WHERE slot_name = '$slot'")" ] || fail "a slot was left"
[ ! -e "$tmp/offsets.json" ] || fail "initial_only wrote the offset file"
pass "snapshot.mode=initial_only: snapshot, exit 0, no slot, no offset file"
