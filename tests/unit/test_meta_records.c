/* The records that are not change events: transaction BEGIN/END and heartbeats (sinks/meta_encode.h),
 * encoded by rowcast and decoded by avro-c against the schema JSON rowcast registers for them, and
 * their JSON lines parsed by jansson; and the counting behind them (agent/txmeta.h). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/buf.h"
#include "agent/conf.h"
#include "agent/errors.h"
#include "agent/txmeta.h"
#include "sinks/avro_check.h"
#include "sinks/meta_encode.h"
#include "tests/unit/avro_read.h"

#include <avro.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The framing and body of b, decoded against the schema rowcast registers for which. */
static void decode_meta(decoded_t *d, rc_meta_schema_t which, int32_t id, const rc_buf_t *b)
{
	decode(d, rc_meta_schema_json(which), id, b);
}

static void assert_str_field(avro_value_t *rec, const char *name, const char *want)
{
	avro_value_t f = field(rec, name);
	const char *s = NULL;
	size_t n = 0;

	assert_int_equal(avro_value_get_string(&f, &s, &n), 0);
	assert_string_equal(s, want);
}

static int64_t long_field(avro_value_t *rec, const char *name)
{
	avro_value_t f = field(rec, name);

	return long_of(&f);
}

static const rc_txn_count_t counts[] = {{"inventory.orders", 3}, {"inventory.customers", 1}};

static void test_schemas_name_debezium_types(void **state)
{
	static const struct {
		rc_meta_schema_t which;
		const char *name;
	} want[] = {{RC_META_TXN_KEY, "io.debezium.connector.common.TransactionMetadataKey"},
	            {RC_META_TXN_VALUE, "io.debezium.connector.common.TransactionMetadataValue"},
	            {RC_META_HEARTBEAT_KEY, "io.debezium.connector.common.ServerNameKey"},
	            {RC_META_HEARTBEAT_VALUE, "io.debezium.connector.common.Heartbeat"}};

	(void)state;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		char *json = rc_meta_schema_json(want[i].which), full[256];
		json_t *root = json_loads(json, 0, NULL);

		assert_non_null(root);
		snprintf(full, sizeof full, "%s.%s", json_string_value(json_object_get(root, "namespace")),
		         json_string_value(json_object_get(root, "name")));
		assert_string_equal(full, want[i].name);
		assert_string_equal(json_string_value(json_object_get(root, "connect.name")), want[i].name);
		assert_int_equal(json_integer_value(json_object_get(root, "connect.version")), 1);
		json_decref(root);
		free(json);
	}
	{
		/* The optional fields default to null, as the AvroConverter writes them. */
		char *json = rc_meta_schema_json(RC_META_TXN_VALUE);
		json_t *root = json_loads(json, 0, NULL), *fields = json_object_get(root, "fields");
		const char *names[] = {"status", "id", "event_count", "data_collections", "ts_ms"};

		assert_int_equal(json_array_size(fields), 5);
		for (size_t i = 0; i < 5; i++) {
			json_t *f = json_array_get(fields, i);
			assert_string_equal(json_string_value(json_object_get(f, "name")), names[i]);
			assert_int_equal(json_object_get(f, "default") != NULL, i == 2 || i == 3);
		}
		json_decref(root);
		free(json);
	}
}

static void test_begin_avro(void **state)
{
	rc_txn_record_t tr = {.topic = "p.transaction", .id = "571:53195829", .ts_ms = 1700000000123};
	rc_buf_t k, v;
	decoded_t dk, dv;
	avro_value_t u, inner;

	(void)state;
	rc_buf_init(&k, 0);
	rc_buf_init(&v, 0);
	assert_int_equal(rc_meta_avro_txn_key(&tr, 7, &k), 0);
	assert_int_equal(rc_meta_avro_txn_value(&tr, 8, &v), 0);
	decode_meta(&dk, RC_META_TXN_KEY, 7, &k);
	assert_str_field(&dk.value, "id", "571:53195829");
	decode_meta(&dv, RC_META_TXN_VALUE, 8, &v);
	assert_str_field(&dv.value, "status", "BEGIN");
	assert_str_field(&dv.value, "id", "571:53195829");
	u = field(&dv.value, "event_count");
	inner = branch(&u, 0);
	assert_int_equal(avro_value_get_null(&inner), 0);
	u = field(&dv.value, "data_collections");
	inner = branch(&u, 0);
	assert_int_equal(avro_value_get_null(&inner), 0);
	assert_int_equal(long_field(&dv.value, "ts_ms"), 1700000000123);
	decoded_free(&dk);
	decoded_free(&dv);
	rc_buf_free(&k);
	rc_buf_free(&v);
}

static void test_end_avro(void **state)
{
	rc_txn_record_t tr = {.topic = "p.transaction",
	                      .end = true,
	                      .id = "0-1-42",
	                      .ts_ms = 1700000000999,
	                      .event_count = 4,
	                      .collections = counts,
	                      .ncollections = 2};
	rc_buf_t v;
	decoded_t dv;
	avro_value_t u, inner, arr;
	size_t n = 0;
	int64_t total = 0;

	(void)state;
	rc_buf_init(&v, 0);
	assert_int_equal(rc_meta_avro_txn_value(&tr, 9, &v), 0);
	decode_meta(&dv, RC_META_TXN_VALUE, 9, &v);
	assert_str_field(&dv.value, "status", "END");
	assert_str_field(&dv.value, "id", "0-1-42");
	u = field(&dv.value, "event_count");
	inner = branch(&u, 1);
	assert_int_equal(avro_value_get_long(&inner, &total), 0);
	assert_int_equal(total, 4);
	u = field(&dv.value, "data_collections");
	arr = branch(&u, 1);
	assert_int_equal(avro_value_get_size(&arr, &n), 0);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		avro_value_t item, rec;
		assert_int_equal(avro_value_get_by_index(&arr, i, &item, NULL), 0);
		rec = branch(&item, 1);
		assert_str_field(&rec, "data_collection", counts[i].data_collection);
		assert_int_equal(long_field(&rec, "event_count"), counts[i].event_count);
	}
	assert_int_equal(long_field(&dv.value, "ts_ms"), 1700000000999);
	decoded_free(&dv);

	/* An END without collections still writes an empty array, not null. */
	tr.ncollections = 0;
	rc_buf_reset(&v);
	assert_int_equal(rc_meta_avro_txn_value(&tr, 9, &v), 0);
	decode_meta(&dv, RC_META_TXN_VALUE, 9, &v);
	u = field(&dv.value, "data_collections");
	arr = branch(&u, 1);
	assert_int_equal(avro_value_get_size(&arr, &n), 0);
	assert_int_equal(n, 0);
	decoded_free(&dv);
	rc_buf_free(&v);
}

static void test_heartbeat_avro(void **state)
{
	rc_heartbeat_record_t hr = {.topic = "__debezium-heartbeat.p",
	                            .server_name = "p",
	                            .ts_ms = 1700000000555,
	                            .position = "{\"lsn\":\"0/16B3748\"}"};
	rc_buf_t k, v;
	decoded_t dk, dv;

	(void)state;
	rc_buf_init(&k, 0);
	rc_buf_init(&v, 0);
	assert_int_equal(rc_meta_avro_heartbeat_key(&hr, 3, &k), 0);
	assert_int_equal(rc_meta_avro_heartbeat_value(&hr, 4, &v), 0);
	decode_meta(&dk, RC_META_HEARTBEAT_KEY, 3, &k);
	assert_str_field(&dk.value, "serverName", "p");
	decode_meta(&dv, RC_META_HEARTBEAT_VALUE, 4, &v);
	assert_int_equal(long_field(&dv.value, "ts_ms"), 1700000000555);
	decoded_free(&dk);
	decoded_free(&dv);
	rc_buf_free(&k);
	rc_buf_free(&v);
}

static json_t *parse_line(rc_buf_t *b)
{
	json_error_t jerr;
	json_t *root;

	assert_true(b->len > 0 && b->data[b->len - 1] == '\n');
	root = json_loadb((const char *)b->data, b->len, 0, &jerr);
	if (!root)
		fail_msg("%s: %.*s", jerr.text, (int)b->len, b->data);
	return root;
}

static void test_json_lines(void **state)
{
	rc_txn_record_t begin = {.topic = "p.transaction", .id = "t\"1", .ts_ms = 5};
	rc_txn_record_t end = {.topic = "p.transaction",
	                       .end = true,
	                       .id = "t\"1",
	                       .ts_ms = 6,
	                       .event_count = 4,
	                       .collections = counts,
	                       .ncollections = 2};
	rc_heartbeat_record_t hr = {.topic = "__debezium-heartbeat.p",
	                            .server_name = "p",
	                            .ts_ms = 7,
	                            .position = "{\"lsn\":\"0/1\"}"};
	rc_buf_t b;
	json_t *root, *v;

	(void)state;
	rc_buf_init(&b, 0);
	assert_int_equal(rc_meta_json_txn(&begin, &b), 0);
	root = parse_line(&b);
	assert_string_equal(json_string_value(json_object_get(root, "topic")), "p.transaction");
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "key"), "id")), "t\"1");
	v = json_object_get(root, "value");
	assert_string_equal(json_string_value(json_object_get(v, "status")), "BEGIN");
	assert_true(json_is_null(json_object_get(v, "event_count")));
	assert_true(json_is_null(json_object_get(v, "data_collections")));
	assert_int_equal(json_integer_value(json_object_get(v, "ts_ms")), 5);
	json_decref(root);

	rc_buf_reset(&b);
	assert_int_equal(rc_meta_json_txn(&end, &b), 0);
	root = parse_line(&b);
	v = json_object_get(root, "value");
	assert_string_equal(json_string_value(json_object_get(v, "status")), "END");
	assert_int_equal(json_integer_value(json_object_get(v, "event_count")), 4);
	assert_int_equal(json_array_size(json_object_get(v, "data_collections")), 2);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(json_object_get(v, "data_collections"), 1),
	                                      "data_collection")),
	    "inventory.customers");
	json_decref(root);

	rc_buf_reset(&b);
	assert_int_equal(rc_meta_json_heartbeat(&hr, &b), 0);
	root = parse_line(&b);
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "key"), "serverName")),
	                    "p");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "value"), "ts_ms")), 7);
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "headers"),
	                                                      RC_HEARTBEAT_POSITION_HEADER)),
	                    "{\"lsn\":\"0/1\"}");
	json_decref(root);
	rc_buf_free(&b);
}

/* ---- agent/txmeta.c: what gets counted and framed ---- */

static rc_table_t table_a = {.schema_name = "s", .name = "a"}, table_b = {.schema_name = "s", .name = "b"};

static rc_event_t ev_of(rc_table_t *t, const char *txn_id)
{
	return (rc_event_t){.op = RC_OP_CREATE, .table = t, .source = {.txn_id = txn_id}};
}

static rc_conf_t *conf_with(const char *metadata)
{
	rc_conf_t *conf = rc_conf_new();
	char err[256], text[512];

	assert_non_null(conf);
	snprintf(
	    text, sizeof text,
	    "source.type = postgres\ndatabase.hostname = h\ndatabase.user = u\ntopic.prefix = p\nsink.type = stdout\n"
	    "provide.transaction.metadata = %s\n",
	    metadata);
	if (rc_conf_load_properties(conf, text, "test", err, sizeof err) != 0 ||
	    rc_conf_finalize(conf, err, sizeof err) != 0)
		fail_msg("%s", err);
	return conf;
}

static void test_txmeta_counts(void **state)
{
	rc_conf_t *conf = conf_with("true");
	rc_txmeta_t tm;
	rc_ack_txn_t *t1 = (rc_ack_txn_t *)&table_a, *t2 = (rc_ack_txn_t *)&table_b; /* opaque tickets */
	rc_txn_record_t begin, end;
	rc_event_t out, e;
	char err[256];
	bool oom;
	const char *tables[] = {"a", "b", "a", "a"};
	int64_t want_dco[] = {1, 1, 2, 3};

	(void)state;
	assert_int_equal(rc_txmeta_init(&tm, conf, err, sizeof err), RC_OK);
	assert_string_equal(tm.topic, "p.transaction");

	/* A transaction whose events are all filtered out: nothing framed. */
	assert_int_equal(rc_txmeta_mark(&tm, t1, false, &(rc_txn_mark_t){.id = "9:100", .ts_us = 1000}),
	                 RC_OK);
	assert_false(rc_txmeta_commit(&tm, t1, &end));

	/* Four events over two tables. */
	assert_int_equal(rc_txmeta_mark(&tm, t2, false, &(rc_txn_mark_t){.id = "10:200", .ts_us = 2000000}),
	                 RC_OK);
	for (int i = 0; i < 4; i++) {
		char id[32];
		snprintf(id, sizeof id, "10:%d", 201 + i);
		e = ev_of(tables[i][0] == 'a' ? &table_a : &table_b, id);
		assert_int_equal(rc_txmeta_event(&tm, t2, &e, &out, &begin, &oom), i == 0);
		assert_false(oom);
		if (i == 0) {
			assert_false(begin.end);
			assert_string_equal(begin.id, "10:200");
			assert_int_equal(begin.ts_ms, 2000);
		}
		assert_non_null(out.transaction);
		assert_string_equal(out.transaction->id, id);
		assert_int_equal(out.transaction->total_order, i + 1);
		assert_int_equal(out.transaction->data_collection_order, want_dco[i]);
	}
	/* A snapshot row (another ticket, never marked): no block. */
	e = ev_of(&table_a, NULL);
	e.op = RC_OP_READ;
	assert_false(rc_txmeta_event(&tm, t1, &e, &out, &begin, &oom));
	assert_null(out.transaction);

	assert_int_equal(rc_txmeta_mark(&tm, t2, true, &(rc_txn_mark_t){.id = "10:300", .ts_us = 3000000}),
	                 RC_OK);
	assert_true(rc_txmeta_commit(&tm, t2, &end));
	assert_true(end.end);
	assert_string_equal(end.id, "10:300");
	assert_int_equal(end.ts_ms, 3000);
	assert_int_equal(end.event_count, 4);
	assert_int_equal(end.ncollections, 2);
	assert_string_equal(end.collections[0].data_collection, "s.a");
	assert_int_equal(end.collections[0].event_count, 3);
	assert_string_equal(end.collections[1].data_collection, "s.b");
	assert_int_equal(end.collections[1].event_count, 1);

	/* An aborted transaction is forgotten. */
	assert_int_equal(rc_txmeta_mark(&tm, t1, false, &(rc_txn_mark_t){.id = "11:1"}), RC_OK);
	e = ev_of(&table_a, "11:2");
	assert_true(rc_txmeta_event(&tm, t1, &e, &out, &begin, &oom));
	rc_txmeta_abort(&tm, t1);
	assert_false(rc_txmeta_commit(&tm, t1, &end));
	rc_txmeta_destroy(&tm);
	rc_conf_free(conf);
}

static void test_txmeta_off(void **state)
{
	rc_conf_t *conf = conf_with("false");
	rc_txmeta_t tm;
	rc_ack_txn_t *t1 = (rc_ack_txn_t *)&table_a;
	rc_txn_record_t begin, end;
	rc_event_t out, e = ev_of(&table_a, "1:1");
	char err[256];
	bool oom;

	(void)state;
	assert_int_equal(rc_txmeta_init(&tm, conf, err, sizeof err), RC_OK);
	assert_int_equal(rc_txmeta_mark(&tm, t1, false, &(rc_txn_mark_t){.id = "1:1"}), RC_OK);
	assert_false(rc_txmeta_event(&tm, t1, &e, &out, &begin, &oom));
	assert_null(out.transaction);
	assert_false(rc_txmeta_commit(&tm, t1, &end));
	rc_txmeta_destroy(&tm);
	rc_conf_free(conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_schemas_name_debezium_types),
	    cmocka_unit_test(test_begin_avro),
	    cmocka_unit_test(test_end_avro),
	    cmocka_unit_test(test_heartbeat_avro),
	    cmocka_unit_test(test_json_lines),
	    cmocka_unit_test(test_txmeta_counts),
	    cmocka_unit_test(test_txmeta_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
