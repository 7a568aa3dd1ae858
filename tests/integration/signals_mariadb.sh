# Debezium's source signal channel on MariaDB: `rowcast snapshot --incremental` INSERTs into the signal
# table (database.table), the running rowcast receives it from the binlog (the log names id, type,
# channel and tables), a malformed one is refused with its id, and the signal table's rows are still
# published (rebuilt from Kafka, equal to MariaDB). Without signal.data.collection and without the
# kafka channel the CLI has no channel on MariaDB: exit 2, saying so.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/lib_mysql.sh"
my_test_setup msig

wait_log() {
    for _ in $(seq 600); do
        grep -qF -- "$1" "$rowcast_log" && return 0
        kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited while waiting for '$1'"
        sleep 0.1
    done
    fail "no '$1' in the log"
}

my_q "CREATE TABLE \`$db\`.t (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB;
CREATE TABLE \`$db\`.debezium_signal (id VARCHAR(64) PRIMARY KEY, type VARCHAR(32) NOT NULL, data TEXT) ENGINE=InnoDB;
INSERT INTO \`$db\`.t VALUES (1, 'one'), (2, 'two')"
write_my_config "$tmp/rc.properties" <<PROPS
signal.data.collection = $db.debezium_signal
snapshot.mode = initial
PROPS

run_rowcast snapshot --incremental --table "$db.t" -c "$tmp/rc.properties" -s signal.data.collection=
expect_code 2 "MariaDB without a signal table or kafka"
expect_err "no signal channel can carry the request"
pass "no channel on MariaDB without a signal table: exit 2"

start_rowcast "$tmp/rc.properties" "$tmp/run.log"
wait_my_streaming
wait_log "streaming from the snapshot's consistent point"
run_rowcast snapshot --incremental --table "$db.t" -c "$tmp/rc.properties"
expect_code 0 "CLI through the MariaDB signal table"
cli_id=$(printf '%s\n' "$out" | sed -n "s/^sent execute-snapshot signal '\([^']*\)'.*/\1/p")
[ -n "$cli_id" ] || fail "no id in the CLI's output: $out"
wait_log "received signal '$cli_id' (execute-snapshot) on channel source: tables $db.t"
my_q "INSERT INTO \`$db\`.debezium_signal VALUES ('bad-1', 'resnapshot', '{}')"
wait_log "signal 'bad-1' (channel source, type resnapshot): unknown signal type"
pass "MariaDB signal table: '$cli_id' received from the binlog, an unknown type refused by id"

my_q "INSERT INTO \`$db\`.t VALUES (3, 'three')"
wait_my_caught_up "$tmp/offsets.json" 60
stop_rowcast
rowcast_pid=""
verify_my_topics --prefix "$prefix" --tables "$db.t,$db.debezium_signal" >"$tmp/verify.out" 2>&1 ||
    { cat "$tmp/verify.out" >&2; fail "the tables rebuilt from Kafka differ from MariaDB"; }
pass "t and the signal table rebuilt from Kafka equal MariaDB"
