# One MariaDB transaction of 1,000,000 rows (BIGTXN_ROWS) through rowcast: every row in Kafka exactly
# once (the topic's record count), the first and the last decoded by an independent Avro decoder, and
# the offset file past the transaction once Kafka acknowledged it all.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
need_env
. "$top_srcdir/tests/integration/lib_mysql.sh"

rows=${BIGTXN_ROWS:-1000000}
my_test_setup mbt
my_q "CREATE TABLE \`$db\`.big (id BIGINT PRIMARY KEY, v VARCHAR(40), n DECIMAL(12,2)) ENGINE=InnoDB"
write_my_config "$tmp/rowcast.properties" <<PROPS
offset.storage.file.filename = $tmp/offsets.json
PROPS
start_rowcast "$tmp/rowcast.properties" "$tmp/rowcast.log"
wait_my_streaming
my_q "INSERT INTO \`$db\`.big SELECT seq, CONCAT('row ', seq), seq / 100 FROM \`$db\`.seq_1_to_$rows"
pass "$rows rows inserted in one transaction"
wait_my_caught_up "$tmp/offsets.json" 300
stop_rowcast
pass "the offset file is past the transaction"

/usr/bin/python3 - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$ROWCAST_TEST_SCHEMA_REGISTRY_URL" "$prefix.$db.big" "$rows" \
    "$top_srcdir/tests/integration" <<'PY' || fail "the topic does not hold the transaction's rows"
import sys
sys.path.insert(0, sys.argv[5])
from confluent_kafka import Consumer, TopicPartition
from cdc_verify import Registry
bootstrap, registry, topic, rows = sys.argv[1], Registry(sys.argv[2]), sys.argv[3], int(sys.argv[4])
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bigtxn", "enable.auto.commit": False})
md = c.list_topics(topic, timeout=10).topics[topic]
total = 0
ends = []
for p in md.partitions:
    lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
    total += hi - lo
    ends.append((p, lo, hi))
assert total == rows, f"{total} records for {rows} rows"
ids = set()
for p, lo, hi in ends:
    for off in (lo, hi - 1):
        c.assign([TopicPartition(topic, p, off)])
        m = c.poll(10)
        assert m is not None and not m.error(), m and m.error()
        v = registry.decode(m.value())
        assert v["op"] == "c" and v["after"]["v"] == f"row {v['after']['id']}", v
        ids.add(v["after"]["id"])
assert 1 in ids and rows in ids, ids
print(f"ok: {total} records; first and last decoded: ids {sorted(ids)}")
PY
pass "every row of the transaction in Kafka once"
