# MariaDB's counters on /metrics: rows written to MariaDB are counted per table and op, acknowledged,
# and equal what a consumer reads back; rowcast_source_lag_bytes is there (the side thread's SHOW
# BINARY LOGS); /readyz answers 200 while streaming.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/lib_mysql.sh"

my_test_setup mym
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

my_q "CREATE TABLE \`$db\`.t (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB;"
write_my_config "$tmp/rowcast.properties" <<PROPS
offset.storage.file.filename = $tmp/offsets.json
http.port = $port
PROPS
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
wait_my_streaming
my_q "USE \`$db\`; INSERT INTO t SELECT seq, 'a' FROM seq_1_to_400;
UPDATE \`$db\`.t SET v = 'b' WHERE id <= 40;
DELETE FROM \`$db\`.t WHERE id > 390;"
wait_my_caught_up "$tmp/offsets.json"
for _ in $(seq 50); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/readyz")" = 200 ] && break
    sleep 0.2
done
[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/readyz")" = 200 ] ||
    fail "/readyz is not 200 while streaming from MariaDB: $(curl -s "http://127.0.0.1:$port/readyz")"
verify_my_topics --prefix "$prefix" --tables "$db.t" --records-out "$tmp/records.jsonl" >"$tmp/verify.json" 2>"$tmp/verify.err" ||
    { cat "$tmp/verify.err" "$tmp/verify.json"; fail "the table rebuilt from Kafka differs from MariaDB"; }
/usr/bin/python3 "$top_srcdir/tests/integration/metrics_check.py" "http://127.0.0.1:$port/metrics" \
    --table "$db.t" --expect c=400 --expect u=40 --expect d=10 --acked 460 --lag-bytes --records-out "$tmp/records.jsonl" \
    >"$tmp/m.json" || fail "MariaDB metrics: $(cat "$tmp/m.json")"
pass "MariaDB: /metrics counts c=400 u=40 d=10, 460 acknowledged, equal to the consumer's: $(cat "$tmp/m.json")"
stop_rowcast
