# An incremental snapshot asked for by a signal lands while the stream goes on (issue 13): a table
# whose rows rowcast never copied (snapshot.mode=no_data) is snapshotted on `rowcast snapshot
# --incremental` while a writer inserts, updates and deletes in it; its rows arrive as op=r events with
# source.snapshot="incremental", and the table rebuilt from Kafka equals PostgreSQL (no deleted row
# comes back, no update lost), for each channel: the signal table, the rowcast.signal message, Kafka.
# Then one signal whose data-collection is a regular expression (Debezium's data-collections) takes
# the two tables it matches and no other.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
pg_test_setup sinc

wait_log() {
    for _ in $(seq 600); do
        grep -qF -- "$1" "$rowcast_log" && return 0
        kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited while waiting for '$1'"
        sleep 0.1
    done
    fail "no '$1' in the log"
}

rows=3000
psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.debezium_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data text);"
for t in a b c r1 r2 r10; do
    psql_q "CREATE TABLE $schema.$t (id int PRIMARY KEY, v text);
    INSERT INTO $schema.$t SELECT g, 'before ' || g FROM generate_series(1, $rows) g"
done
write_pg_config "$tmp/rc.properties" "$prefix" "$slot" <<PROPS
table.include.list = $schema\\..*
publication.autocreate.mode = filtered
snapshot.mode = no_data
signal.data.collection = $schema.debezium_signal
signal.enabled.channels = source,kafka
signal.poll.interval.ms = 100
PROPS
start_rowcast "$tmp/rc.properties" "$tmp/run.log"
wait_slot_active "$slot"

# A writer on table $1 while its snapshot runs: inserts past the end, updates and deletes inside.
writer() {
    for i in $(seq 1 40); do
        psql_q "INSERT INTO $schema.$1 VALUES ($rows + $i, 'inserted $i');
        UPDATE $schema.$1 SET v = 'updated $i' WHERE id = $i * 50;
        DELETE FROM $schema.$1 WHERE id = $i * 50 + 7" >/dev/null
        sleep 0.05
    done
}

send() { # table, channel overrides...
    local t=$1
    shift
    run_rowcast snapshot --incremental --table "$schema.$t" -c "$tmp/rc.properties" "$@"
    expect_code 0 "CLI for $t"
    sig_id=$(printf '%s\n' "$out" | sed -n "s/^sent execute-snapshot signal '\([^']*\)'.*/\1/p")
    wait_log "received signal '$sig_id' (execute-snapshot)"
}

writer a & w1=$!
send a
wait "$w1"
writer b & w2=$!
send b -s signal.data.collection=
wait "$w2"
writer c & w3=$!
send c -s signal.enabled.channels=kafka
wait "$w3"
run_rowcast snapshot --incremental --table "$schema\\.r[12]" -c "$tmp/rc.properties"
expect_code 0 "CLI for the pattern $schema\\.r[12]"
sig_id=$(printf '%s\n' "$out" | sed -n "s/^sent execute-snapshot signal '\([^']*\)'.*/\1/p")
wait_log "received signal '$sig_id' (execute-snapshot)"
wait_log "incremental snapshot of $schema.r1 complete"
wait_log "incremental snapshot of $schema.r2 complete"
grep -q "$schema.r10 queued" "$rowcast_log" && fail "the pattern $schema\\.r[12] took r10 too"
pass "the pattern $schema\\.r[12] queued r1 and r2, not r10"
run_rowcast snapshot --incremental --table "$schema\\.r[" -c "$tmp/rc.properties"
expect_code 2 "CLI for a broken pattern"
printf '%s\n' "$errout" | grep -q "not a table name nor a regular expression" ||
    fail "a broken pattern is not named as one: $errout"
pass "a broken pattern is refused by the CLI, saying so"
grep -q "signal .* is ignored" "$rowcast_log" && fail "a signal was refused: $(grep 'is ignored' "$rowcast_log")"

# Every row of each table arrives: wait for the reconstruction, then check it.
for _ in $(seq 120); do
    if verify_topics --prefix "$prefix" --tables "$schema.a,$schema.b,$schema.c,$schema.r1,$schema.r2" --records-out "$tmp/records.jsonl" \
        >"$tmp/verify.json" 2>"$tmp/verify.err"; then
        ok=1
        break
    fi
    ok=0
    sleep 2
done
[ "$ok" = 1 ] || { cat "$tmp/verify.err" "$tmp/verify.json" >&2; fail "the tables rebuilt from Kafka differ from PostgreSQL"; }
for t in a b c r1 r2; do
    n=$(grep -c "\"topic\": \"$prefix.$schema.$t\".*\"op\": \"r\", \"snapshot\": \"incremental\"" "$tmp/records.jsonl" || true)
    [ "$n" -ge $((rows - 100)) ] || fail "$t: only $n op=r records with source.snapshot=incremental"
    pass "$t: $n rows as op=r, source.snapshot=incremental, while a writer changed the table"
done
stop_rowcast
rowcast_pid=""
pass "the three tables rebuilt from Kafka equal PostgreSQL (signal table, rowcast.signal message, Kafka)"
