/* Avro schemas (exact JSON), the Avro binary encoder (exact bytes) and the JSON rendering. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sinks/avro_encode.h"
#include "sinks/avro_schema.h"
#include "agent/buf.h"
#include "sinks/json_encode.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const rc_avro_opts_t pg_opts = {"shop", "postgresql", false};

typedef struct colspec {
	const char *name;
	rc_type_t type;
	rc_type_t elem_type;
	const char *semantic;
	int32_t precision, scale, length;
	const char *enum_values;
	bool key;
} colspec_t;

static rc_table_t *mk_table(const char *schema, const char *name, const colspec_t *specs, size_t n)
{
	char topic[256];
	rc_table_t *t;

	snprintf(topic, sizeof topic, "shop.%s.%s", schema, name);
	t = rc_table_new(schema, name, topic, n);
	assert_non_null(t);
	for (size_t i = 0; i < n; i++) {
		rc_column_t *c = &t->cols[i];
		assert_int_equal(rc_column_set_names(c, specs[i].name, "x"), 0);
		c->type = specs[i].type;
		c->elem_type = specs[i].elem_type;
		c->semantic = specs[i].semantic;
		c->precision = specs[i].precision;
		c->scale = specs[i].scale;
		c->length = specs[i].length;
		c->key = specs[i].key;
		if (specs[i].enum_values)
			assert_int_equal(rc_column_set_enum_values(c, specs[i].enum_values), 0);
	}
	rc_table_count_keys(t);
	return t;
}

/* The orders table of the exact-text test: id int key, name text, price numeric(10,2). */
static rc_table_t *orders(void)
{
	static const colspec_t cols[] = {
	    {.name = "id", .type = RC_T_INT32, .key = true},
	    {.name = "name", .type = RC_T_STRING},
	    {.name = "price", .type = RC_T_DECIMAL, .precision = 10, .scale = 2},
	};
	return mk_table("public", "orders", cols, 3);
}

#define PG_SOURCE_FIELDS                                                                                     \
	"{\"name\":\"version\",\"type\":\"string\"},{\"name\":\"connector\",\"type\":\"string\"},"           \
	"{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"ts_ms\",\"type\":\"long\"},"                    \
	"{\"name\":\"snapshot\",\"type\":[{\"type\":\"string\",\"connect.version\":1,\"connect."             \
	"parameters\":"                                                                                      \
	"{\"allowed\":\"true,first,first_in_data_collection,last_in_data_collection,last,false,"             \
	"incremental\"},"                                                                                    \
	"\"connect.default\":\"false\",\"connect.name\":\"io.debezium.data.Enum\"},\"null\"],"               \
	"\"default\":\"false\"},"                                                                            \
	"{\"name\":\"db\",\"type\":\"string\"},"                                                             \
	"{\"name\":\"sequence\",\"type\":[\"null\",\"string\"],\"default\":null},"                           \
	"{\"name\":\"ts_us\",\"type\":[\"null\",\"long\"],\"default\":null},"                                \
	"{\"name\":\"ts_ns\",\"type\":[\"null\",\"long\"],\"default\":null},"                                \
	"{\"name\":\"schema\",\"type\":\"string\"},{\"name\":\"table\",\"type\":\"string\"},"                \
	"{\"name\":\"txId\",\"type\":[\"null\",\"long\"],\"default\":null},"                                 \
	"{\"name\":\"lsn\",\"type\":[\"null\",\"long\"],\"default\":null},"                                  \
	"{\"name\":\"xmin\",\"type\":[\"null\",\"long\"],\"default\":null},"                                 \
	"{\"name\":\"origin\",\"type\":[\"null\",\"string\"],\"default\":null},"                             \
	"{\"name\":\"origin_lsn\",\"type\":[\"null\",\"long\"],\"default\":null}"

#define TRANSACTION_FIELD                                                                                    \
	"{\"name\":\"transaction\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"block\","              \
	"\"namespace\":\"event\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"},"                         \
	"{\"name\":\"total_order\",\"type\":\"long\"},{\"name\":\"data_collection_order\",\"type\":"         \
	"\"long\"}],"                                                                                        \
	"\"connect.version\":1,\"connect.name\":\"event.block\"}],\"default\":null}"

static void test_schema_exact_text(void **state)
{
	static const char key[] =
	    "{\"type\":\"record\",\"name\":\"Key\",\"namespace\":\"shop.public.orders\","
	    "\"fields\":[{\"name\":\"id\",\"type\":\"int\"}],"
	    "\"connect.name\":\"shop.public.orders.Key\"}";
	static const char value[] =
	    "{\"type\":\"record\",\"name\":\"Envelope\",\"namespace\":\"shop.public.orders\",\"fields\":["
	    "{\"name\":\"before\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"Value\",\"fields\":["
	    "{\"name\":\"id\",\"type\":[\"null\",\"int\"],\"default\":null},"
	    "{\"name\":\"name\",\"type\":[\"null\",\"string\"],\"default\":null},"
	    "{\"name\":\"price\",\"type\":[\"null\",{\"type\":\"bytes\",\"scale\":2,\"precision\":10,"
	    "\"connect.version\":1,\"connect.parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":"
	    "\"10\"},"
	    "\"connect.name\":\"org.apache.kafka.connect.data.Decimal\",\"logicalType\":\"decimal\"}],"
	    "\"default\":null}],\"connect.name\":\"shop.public.orders.Value\"}],\"default\":null},"
	    "{\"name\":\"after\",\"type\":[\"null\",\"shop.public.orders.Value\"],\"default\":null},"
	    "{\"name\":\"source\",\"type\":{\"type\":\"record\",\"name\":\"Source\","
	    "\"namespace\":\"io.debezium.connector.postgresql\",\"fields\":[" PG_SOURCE_FIELDS "],"
	    "\"connect.version\":1,\"connect.name\":\"io.debezium.connector.postgresql.Source\"}}"
	    "," TRANSACTION_FIELD ",{\"name\":\"op\",\"type\":\"string\"},"
	    "{\"name\":\"ts_ms\",\"type\":[\"null\",\"long\"],\"default\":null},"
	    "{\"name\":\"ts_us\",\"type\":[\"null\",\"long\"],\"default\":null},"
	    "{\"name\":\"ts_ns\",\"type\":[\"null\",\"long\"],\"default\":null}],"
	    "\"connect.version\":2,\"connect.name\":\"shop.public.orders.Envelope\"}";
	rc_table_t *t = orders();
	char err[512], *json, *again;
	(void)state;

	assert_int_equal(rc_avro_key_schema(t, &pg_opts, &json, err, sizeof err), 0);
	assert_string_equal(json, key);
	free(json);
	assert_int_equal(rc_avro_value_schema(t, &pg_opts, &json, err, sizeof err), 0);
	assert_string_equal(json, value);
	/* deterministic */
	assert_int_equal(rc_avro_value_schema(t, &pg_opts, &again, err, sizeof err), 0);
	assert_string_equal(json, again);
	free(json);
	free(again);
	rc_table_release(t);
}

static void test_name_adjustment(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"plain_09", "plain_09"}, {"a-b", "a_b"},  {"1abc", "_1abc"},  {"", "_"},    {"é", "_"},
	    {"日本", "__"},           {"x😀y", "x__y"}, {"a b.c", "a_b_c"}, {"$x", "_x"},
	};
	static const colspec_t cols[] = {{.name = "Grüße-1", .type = RC_T_INT32, .key = true}};
	rc_avro_opts_t opts = {"my-shop", "postgresql", false};
	char buf[64], err[256], *json;
	rc_table_t *t;
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(rc_avro_name(cases[i].in, buf, sizeof buf), strlen(cases[i].out));
		assert_string_equal(buf, cases[i].out);
	}
	assert_int_equal(rc_avro_name("abcdef", buf, 4), 6); /* truncated, full length returned */
	assert_string_equal(buf, "abc");

	t = mk_table("2024", "order items", cols, 1);
	assert_int_equal(rc_avro_key_schema(t, &opts, &json, err, sizeof err), 0);
	assert_non_null(strstr(json, "\"namespace\":\"my_shop._2024.order_items\""));
	assert_non_null(strstr(json, "{\"name\":\"Gr__e_1\",\"type\":\"int\"}"));
	assert_non_null(strstr(json, "\"connect.name\":\"my_shop._2024.order_items.Key\""));
	free(json);
	rc_table_release(t);
}

static void test_field_collision(void **state)
{
	static const colspec_t cols[] = {
	    {.name = "id", .type = RC_T_INT32, .key = true},
	    {.name = "a-b", .type = RC_T_STRING},
	    {.name = "a_b", .type = RC_T_STRING},
	};
	rc_table_t *t = mk_table("public", "t", cols, 3);
	char err[512], *json = (char *)"untouched";
	(void)state;

	assert_int_equal(rc_avro_value_schema(t, &pg_opts, &json, err, sizeof err), -1);
	assert_null(json);
	assert_string_equal(err,
	                    "table public.t: columns \"a-b\" and \"a_b\" both become the Avro field \"a_b\"; "
	                    "rename one of them or leave one out with column.exclude.list");
	assert_int_equal(rc_avro_key_schema(t, &pg_opts, &json, err, sizeof err), -1);
	rc_table_release(t);
}

/* Compact JSON of the type of field `name` in the Value record of a value schema, unwrapped from its
 * ["null", T] union. Caller frees. */
static char *value_field_type(const char *schema, const char *name)
{
	json_error_t jerr;
	json_t *root = json_loads(schema, 0, &jerr), *before, *fields, *f;
	char *out = NULL;
	size_t i;

	assert_non_null(root);
	before = json_array_get(json_object_get(root, "fields"), 0);
	fields = json_object_get(json_array_get(json_object_get(before, "type"), 1), "fields");
	json_array_foreach(fields, i, f)
	{
		if (strcmp(json_string_value(json_object_get(f, "name")), name) == 0) {
			json_t *u = json_object_get(f, "type");
			assert_string_equal(json_string_value(json_array_get(u, 0)), "null");
			assert_true(json_is_null(json_object_get(f, "default")));
			out = json_dumps(json_array_get(u, 1),
			                 JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
		}
	}
	json_decref(root);
	assert_non_null(out);
	return out;
}

static const colspec_t typed_cols[] = {
    {.name = "id", .type = RC_T_INT64, .key = true},
    {.name = "b", .type = RC_T_BOOL},
    {.name = "i16", .type = RC_T_INT16},
    {.name = "f32", .type = RC_T_FLOAT32},
    {.name = "f64", .type = RC_T_FLOAT64},
    {.name = "dec", .type = RC_T_DECIMAL, .scale = 3},
    {.name = "vsd1", .type = RC_T_VARDECIMAL},
    {.name = "vsd2", .type = RC_T_VARDECIMAL},
    {.name = "js", .type = RC_T_STRING, .semantic = "io.debezium.data.Json"},
    {.name = "uid", .type = RC_T_STRING, .semantic = "io.debezium.data.Uuid"},
    {.name = "mood", .type = RC_T_STRING, .semantic = "io.debezium.data.Enum", .enum_values = "happy,sad"},
    {.name = "bits", .type = RC_T_BYTES, .semantic = "io.debezium.data.Bits", .length = 12},
    {.name = "raw", .type = RC_T_BYTES},
    {.name = "d", .type = RC_T_DATE},
    {.name = "tm", .type = RC_T_TIME_MILLIS},
    {.name = "tu", .type = RC_T_TIME_MICROS},
    {.name = "tsm", .type = RC_T_TIMESTAMP_MILLIS},
    {.name = "tsu", .type = RC_T_TIMESTAMP_MICROS},
    {.name = "iv", .type = RC_T_INTERVAL_MICROS},
    {.name = "tstz", .type = RC_T_STRING, .semantic = "io.debezium.time.ZonedTimestamp"},
    {.name = "cd", .type = RC_T_DATE, .semantic = "org.apache.kafka.connect.data.Date"},
    {.name = "ints", .type = RC_T_ARRAY, .elem_type = RC_T_INT32},
    {.name = "uids", .type = RC_T_ARRAY, .elem_type = RC_T_STRING, .semantic = "io.debezium.data.Uuid"},
};

static void test_types(void **state)
{
	static const struct {
		const char *field, *type, *native; /* native: with avro.native.logical.types, if different */
	} cases[] = {
	    {"b", "\"boolean\"", NULL},
	    {"i16", "{\"type\":\"int\",\"connect.type\":\"int16\"}", NULL},
	    {"f32", "\"float\"", NULL},
	    {"f64", "\"double\"", NULL},
	    {"dec",
	     "{\"type\":\"bytes\",\"scale\":3,\"precision\":64,\"connect.version\":1,\"connect.parameters\":"
	     "{\"scale\":\"3\"},\"connect.name\":\"org.apache.kafka.connect.data.Decimal\",\"logicalType\":"
	     "\"decimal\"}",
	     NULL},
	    {"vsd1",
	     "{\"type\":\"record\",\"name\":\"VariableScaleDecimal\",\"namespace\":\"io.debezium.data\","
	     "\"fields\":"
	     "[{\"name\":\"scale\",\"type\":\"int\"},{\"name\":\"value\",\"type\":\"bytes\"}],"
	     "\"connect.doc\":\"Variable scaled decimal\",\"connect.version\":1,"
	     "\"connect.name\":\"io.debezium.data.VariableScaleDecimal\"}",
	     NULL},
	    {"vsd2", "\"io.debezium.data.VariableScaleDecimal\"", NULL},
	    {"js", "{\"type\":\"string\",\"connect.version\":1,\"connect.name\":\"io.debezium.data.Json\"}",
	     NULL},
	    {"uid", "{\"type\":\"string\",\"connect.version\":1,\"connect.name\":\"io.debezium.data.Uuid\"}",
	     "{\"type\":\"string\",\"connect.version\":1,\"connect.name\":\"io.debezium.data.Uuid\","
	     "\"logicalType\":\"uuid\"}"},
	    {"mood",
	     "{\"type\":\"string\",\"connect.version\":1,\"connect.parameters\":{\"allowed\":\"happy,sad\"},"
	     "\"connect.name\":\"io.debezium.data.Enum\"}",
	     NULL},
	    {"bits",
	     "{\"type\":\"bytes\",\"connect.version\":1,\"connect.parameters\":{\"length\":\"12\"},"
	     "\"connect.name\":\"io.debezium.data.Bits\"}",
	     NULL},
	    {"raw", "\"bytes\"", NULL},
	    {"d", "{\"type\":\"int\",\"connect.version\":1,\"connect.name\":\"io.debezium.time.Date\"}",
	     "{\"type\":\"int\",\"connect.version\":1,\"connect.name\":\"io.debezium.time.Date\","
	     "\"logicalType\":\"date\"}"},
	    {"tm", "{\"type\":\"int\",\"connect.version\":1,\"connect.name\":\"io.debezium.time.Time\"}",
	     "{\"type\":\"int\",\"connect.version\":1,\"connect.name\":\"io.debezium.time.Time\","
	     "\"logicalType\":\"time-millis\"}"},
	    {"tu",
	     "{\"type\":\"long\",\"connect.version\":1,\"connect.name\":\"io.debezium.time.MicroTime\"}",
	     "{\"type\":\"long\",\"connect.version\":1,\"connect.name\":\"io.debezium.time.MicroTime\","
	     "\"logicalType\":\"time-micros\"}"},
	    {"tsm",
	     "{\"type\":\"long\",\"connect.version\":1,\"connect.name\":\"io.debezium.time.Timestamp\"}",
	     "{\"type\":\"long\",\"connect.version\":1,\"connect.name\":\"io.debezium.time.Timestamp\","
	     "\"logicalType\":\"timestamp-millis\"}"},
	    {"tsu",
	     "{\"type\":\"long\",\"connect.version\":1,\"connect.name\":\"io.debezium.time.MicroTimestamp\"}",
	     "{\"type\":\"long\",\"connect.version\":1,\"connect.name\":\"io.debezium.time.MicroTimestamp\","
	     "\"logicalType\":\"timestamp-micros\"}"},
	    {"iv",
	     "{\"type\":\"long\",\"connect.version\":1,\"connect.name\":\"io.debezium.time.MicroDuration\"}",
	     NULL},
	    {"tstz",
	     "{\"type\":\"string\",\"connect.version\":1,\"connect.name\":\"io.debezium.time."
	     "ZonedTimestamp\"}",
	     NULL},
	    {"cd",
	     "{\"type\":\"int\",\"connect.version\":1,\"connect.name\":\"org.apache.kafka.connect.data."
	     "Date\","
	     "\"logicalType\":\"date\"}",
	     NULL},
	    {"ints", "{\"type\":\"array\",\"items\":[\"null\",\"int\"]}", NULL},
	    {"uids",
	     "{\"type\":\"array\",\"items\":[\"null\",{\"type\":\"string\",\"connect.version\":1,"
	     "\"connect.name\":\"io.debezium.data.Uuid\"}]}",
	     "{\"type\":\"array\",\"items\":[\"null\",{\"type\":\"string\",\"connect.version\":1,"
	     "\"connect.name\":\"io.debezium.data.Uuid\",\"logicalType\":\"uuid\"}]}"},
	};
	rc_table_t *t = mk_table("public", "typed", typed_cols, sizeof typed_cols / sizeof typed_cols[0]);
	rc_avro_opts_t native = {"shop", "postgresql", true};
	char err[512], *plain_json, *native_json;
	(void)state;

	assert_int_equal(rc_avro_value_schema(t, &pg_opts, &plain_json, err, sizeof err), 0);
	assert_int_equal(rc_avro_value_schema(t, &native, &native_json, err, sizeof err), 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *p = value_field_type(plain_json, cases[i].field);
		char *n = value_field_type(native_json, cases[i].field);
		assert_string_equal(p, cases[i].type);
		assert_string_equal(n, cases[i].native ? cases[i].native : cases[i].type);
		free(p);
		free(n);
	}
	/* The field of a VariableScaleDecimal carries its doc, as AvroData writes it. */
	assert_non_null(strstr(plain_json, "\"connect.name\":\"io.debezium.data.VariableScaleDecimal\"}],"
	                                   "\"doc\":\"Variable scaled decimal\",\"default\":null}"));
	free(plain_json);
	free(native_json);
	rc_table_release(t);
}

static void test_mysql_source_no_key_bad_opts(void **state)
{
	static const colspec_t cols[] = {{.name = "v", .type = RC_T_STRING}};
	rc_avro_opts_t my = {"srv", "mariadb", false}, bad = {"srv", "oracle", false};
	rc_table_t *t = mk_table("inventory", "log", cols, 1);
	char err[512], *json;
	(void)state;

	assert_int_equal(rc_avro_key_schema(t, &my, &json, err, sizeof err), 0);
	assert_null(json); /* no key column: null key */
	assert_int_equal(rc_avro_value_schema(t, &my, &json, err, sizeof err), 0);
	assert_non_null(
	    strstr(json, "\"name\":\"Source\",\"namespace\":\"io.debezium.connector.mariadb\",\"fields\":["
	                 "{\"name\":\"version\",\"type\":\"string\"}"));
	assert_non_null(
	    strstr(json, "{\"name\":\"ts_ns\",\"type\":[\"null\",\"long\"],\"default\":null},"
	                 "{\"name\":\"table\",\"type\":[\"null\",\"string\"],\"default\":null},"
	                 "{\"name\":\"server_id\",\"type\":\"long\"},"
	                 "{\"name\":\"gtid\",\"type\":[\"null\",\"string\"],\"default\":null},"
	                 "{\"name\":\"file\",\"type\":\"string\"},{\"name\":\"pos\",\"type\":\"long\"},"
	                 "{\"name\":\"row\",\"type\":\"int\"},"
	                 "{\"name\":\"thread\",\"type\":[\"null\",\"long\"],\"default\":null},"
	                 "{\"name\":\"query\",\"type\":[\"null\",\"string\"],\"default\":null}],"
	                 "\"connect.version\":1,\"connect.name\":\"io.debezium.connector.mariadb.Source\"}"));
	assert_non_null(strstr(json, "\"namespace\":\"srv.inventory.log\""));
	free(json);
	assert_int_equal(rc_avro_value_schema(t, &bad, &json, err, sizeof err), -1);
	assert_string_equal(err, "Avro schema: connector 'oracle' is not postgresql, mysql or mariadb");
	assert_int_equal(rc_avro_message_value_schema(&my, &json, err, sizeof err), -1);
	assert_non_null(strstr(err, "only with PostgreSQL"));
	rc_table_release(t);
}

static void test_message_schemas(void **state)
{
	char err[256], *json;
	(void)state;

	assert_int_equal(rc_avro_message_key_schema(&json, err, sizeof err), 0);
	assert_string_equal(json,
	                    "{\"type\":\"record\",\"name\":\"MessageKey\",\"namespace\":"
	                    "\"io.debezium.connector.postgresql\",\"fields\":[{\"name\":\"prefix\",\"type\":"
	                    "[\"null\",\"string\"],\"default\":null}],\"connect.version\":1,"
	                    "\"connect.name\":\"io.debezium.connector.postgresql.MessageKey\"}");
	free(json);
	assert_int_equal(rc_avro_message_value_schema(&pg_opts, &json, err, sizeof err), 0);
	assert_string_equal(
	    json, "{\"type\":\"record\",\"name\":\"MessageValue\","
	          "\"namespace\":\"io.debezium.connector.postgresql\","
	          "\"fields\":[{\"name\":\"op\",\"type\":\"string\"},"
	          "{\"name\":\"ts_ms\",\"type\":[\"null\",\"long\"],\"default\":null},"
	          "{\"name\":\"source\",\"type\":{\"type\":\"record\",\"name\":\"Source\","
	          "\"fields\":[" PG_SOURCE_FIELDS "],\"connect.version\":1,"
	          "\"connect.name\":\"io.debezium.connector.postgresql.Source\"}}," TRANSACTION_FIELD
	          ",{\"name\":\"message\",\"type\":{\"type\":\"record\",\"name\":\"Message\","
	          "\"fields\":[{\"name\":\"prefix\",\"type\":[\"null\",\"string\"],\"default\":null},"
	          "{\"name\":\"content\",\"type\":[\"null\",\"bytes\"],\"default\":null}],"
	          "\"connect.version\":1,\"connect.name\":\"io.debezium.connector.postgresql.Message\"}}],"
	          "\"connect.version\":1,"
	          "\"connect.name\":\"io.debezium.connector.postgresql.MessageValue\"}");
	free(json);
}

/* ---- encoder ---- */

static void assert_bytes(const rc_buf_t *b, const void *expected, size_t len)
{
	if (b->len != len || memcmp(b->data, expected, len) != 0) {
		fprintf(stderr, "got %zu bytes:", b->len);
		for (size_t i = 0; i < b->len; i++)
			fprintf(stderr, " %02x", b->data[i]);
		fprintf(stderr, "\nexpected %zu bytes:", len);
		for (size_t i = 0; i < len; i++)
			fprintf(stderr, " %02x", ((const unsigned char *)expected)[i]);
		fprintf(stderr, "\n");
		fail();
	}
}

#define ASSERT_BYTES(b, ...)                                                                                 \
	do {                                                                                                 \
		static const unsigned char exp_[] = {__VA_ARGS__};                                           \
		assert_bytes((b), exp_, sizeof exp_);                                                        \
	} while (0)

static void test_primitives(void **state)
{
	static const struct {
		int64_t v;
		unsigned char bytes[10];
		size_t n;
	} longs[] = {
	    {0, {0x00}, 1},
	    {-1, {0x01}, 1},
	    {1, {0x02}, 1},
	    {-64, {0x7f}, 1},
	    {64, {0x80, 0x01}, 2},
	    {-65, {0x81, 0x01}, 2},
	    {8192, {0x80, 0x80, 0x01}, 3},
	    {INT32_MAX, {0xfe, 0xff, 0xff, 0xff, 0x0f}, 5},
	    {INT32_MIN, {0xff, 0xff, 0xff, 0xff, 0x0f}, 5},
	    {INT64_MAX, {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10},
	    {INT64_MIN, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10},
	};
	rc_buf_t b;
	(void)state;

	rc_buf_init(&b, 0);
	for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++) {
		rc_buf_reset(&b);
		rc_avro_write_long(&b, longs[i].v);
		assert_bytes(&b, longs[i].bytes, longs[i].n);
	}
	rc_buf_reset(&b);
	rc_avro_write_string(&b, "foo");
	rc_avro_write_string(&b, "");
	rc_avro_write_string(&b, "é");
	ASSERT_BYTES(&b, 0x06, 'f', 'o', 'o', 0x00, 0x04, 0xc3, 0xa9);
	rc_buf_reset(&b);
	rc_avro_write_float(&b, 1.0f);
	rc_avro_write_double(&b, -2.0);
	ASSERT_BYTES(&b, 0x00, 0x00, 0x80, 0x3f, 0, 0, 0, 0, 0, 0, 0x00, 0xc0);
	rc_buf_reset(&b);
	rc_avro_write_header(&b, 0x01020304);
	rc_avro_write_header(&b, 7);
	ASSERT_BYTES(&b, 0x00, 0x01, 0x02, 0x03, 0x04, 0x00, 0, 0, 0, 7);
	rc_buf_free(&b);
}

static void test_buffer_bound(void **state)
{
	rc_buf_t b;
	unsigned char *p;
	size_t len = 0;
	(void)state;

	rc_buf_init(&b, 8);
	rc_buf_append(&b, "12345678", 8);
	assert_false(rc_buf_failed(&b));
	rc_buf_putc(&b, '9');
	assert_true(rc_buf_failed(&b));
	assert_int_equal(b.len, 8);
	assert_null(rc_buf_detach(&b, &len));
	rc_buf_reset(&b);
	rc_buf_printf(&b, "%d-%s", 42, "x");
	p = rc_buf_detach(&b, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(p, "42-x", 4);
	free(p);
	assert_int_equal(b.len, 0);
	rc_buf_free(&b);
}

static rc_value_t set_i(int64_t i)
{
	rc_value_t v = {.state = RC_V_SET};
	v.u.i = i;
	return v;
}

static rc_value_t set_s(const char *s)
{
	rc_value_t v = {.state = RC_V_SET};
	v.u.bytes.ptr = s;
	v.u.bytes.len = strlen(s);
	return v;
}

static rc_value_t set_b(const void *p, size_t len)
{
	rc_value_t v = {.state = RC_V_SET};
	v.u.bytes.ptr = p;
	v.u.bytes.len = len;
	return v;
}

static const rc_value_t null_v = {.state = RC_V_NULL};
static const rc_value_t unchanged_v = {.state = RC_V_UNCHANGED};

static rc_source_info_t pg_source(void)
{
	rc_source_info_t s = {0};
	s.connector = "postgresql";
	s.db = "shop";
	s.ts_us = 1700000000123456;
	s.txid = 750;
	s.lsn = 24023128;
	s.last_commit_lsn = 24023000;
	return s;
}

/* The expected Source record of pg_source() for table <schema>.<table>. */
static void expect_pg_source(rc_buf_t *b, const char *schema, const char *table)
{
	rc_avro_write_string(b, RC_AVRO_SOURCE_VERSION);
	rc_avro_write_string(b, "postgresql");
	rc_avro_write_string(b, "shop");
	rc_avro_write_long(b, 1700000000123);
	rc_buf_putc(b, 0); /* snapshot: branch 0 = string */
	rc_avro_write_string(b, "false");
	rc_avro_write_string(b, "shop");
	rc_buf_putc(b, 2);
	rc_avro_write_string(b, "[\"24023000\",\"24023128\"]");
	rc_buf_putc(b, 2);
	rc_avro_write_long(b, 1700000000123456);
	rc_buf_putc(b, 2);
	rc_avro_write_long(b, 1700000000123456000);
	rc_avro_write_string(b, schema);
	rc_avro_write_string(b, table);
	rc_buf_putc(b, 2);
	rc_avro_write_long(b, 750);
	rc_buf_putc(b, 2);
	rc_avro_write_long(b, 24023128);
	rc_buf_putc(b, 0); /* xmin */
	rc_buf_putc(b, 0); /* origin */
	rc_buf_putc(b, 0); /* origin_lsn */
}

static void test_encode_key_and_envelope(void **state)
{
	static const unsigned char price_bytes[] = {0xfb, 0x1e}; /* -1250: -12.50 */
	rc_table_t *t = orders();
	rc_value_t after[3] = {set_i(42), set_s("x"), set_b(price_bytes, 2)};
	rc_event_t ev = {.op = RC_OP_CREATE, .table = t, .after = after, .source = pg_source()};
	const int64_t now = 1700000001000000123;
	rc_buf_t b, exp;
	char err[256];
	(void)state;

	rc_buf_init(&b, 0);
	rc_buf_init(&exp, 0);
	assert_int_equal(rc_avro_encode_key(&ev, 7, &b, err, sizeof err), 0);
	ASSERT_BYTES(&b, 0x00, 0, 0, 0, 7, 0x54); /* id 42 -> zig-zag 84 */

	rc_buf_reset(&b);
	assert_int_equal(rc_avro_encode_value(&ev, &pg_opts, 8, now, &b, err, sizeof err), 0);
	rc_avro_write_header(&exp, 8);
	rc_buf_putc(&exp, 0); /* before: null */
	rc_buf_putc(&exp, 2); /* after: Value */
	rc_buf_append(&exp, "\x02\x54", 2);
	rc_buf_append(&exp, "\x02\x02x", 3);
	rc_buf_append(&exp, "\x02\x04\xfb\x1e", 4);
	expect_pg_source(&exp, "public", "orders");
	rc_buf_putc(&exp, 0); /* transaction */
	rc_avro_write_string(&exp, "c");
	rc_buf_putc(&exp, 2);
	rc_avro_write_long(&exp, 1700000001000);
	rc_buf_putc(&exp, 2);
	rc_avro_write_long(&exp, 1700000001000000);
	rc_buf_putc(&exp, 2);
	rc_avro_write_long(&exp, now);
	assert_bytes(&b, exp.data, exp.len);

	/* A delete takes its key from the before image; a truncate has none. */
	ev.op = RC_OP_DELETE;
	ev.before = after;
	ev.after = NULL;
	rc_buf_reset(&b);
	assert_int_equal(rc_avro_encode_key(&ev, 7, &b, err, sizeof err), 0);
	ASSERT_BYTES(&b, 0x00, 0, 0, 0, 7, 0x54);
	ev.op = RC_OP_TRUNCATE;
	ev.before = NULL;
	rc_buf_reset(&b);
	assert_int_equal(rc_avro_encode_key(&ev, 7, &b, err, sizeof err), 1);
	assert_int_equal(b.len, 0);
	rc_buf_free(&b);
	rc_buf_free(&exp);
	rc_table_release(t);
}

static void test_encode_unions_arrays_toast(void **state)
{
	static const colspec_t cols[] = {
	    {.name = "id", .type = RC_T_INT16, .key = true},
	    {.name = "s", .type = RC_T_STRING},
	    {.name = "n", .type = RC_T_INT32},
	    {.name = "ints", .type = RC_T_ARRAY, .elem_type = RC_T_INT32},
	    {.name = "strs", .type = RC_T_ARRAY, .elem_type = RC_T_STRING},
	    {.name = "raw", .type = RC_T_BYTES},
	    {.name = "vsd", .type = RC_T_VARDECIMAL},
	    {.name = "ok", .type = RC_T_BOOL},
	};
	rc_table_t *t = mk_table("public", "u", cols, 8);
	rc_value_t items[3] = {set_i(1), null_v, set_i(-1)};
	rc_value_t vsd = set_b("\x01", 1);
	rc_value_t img[8] = {set_i(-2),           null_v,      set_i(0), {.state = RC_V_SET},
	                     {.state = RC_V_SET}, unchanged_v, vsd,      {.state = RC_V_SET}};
	rc_event_t ev = {.op = RC_OP_UPDATE, .table = t, .after = img, .source = pg_source()};
	rc_buf_t b;
	char err[256];
	size_t body;
	(void)state;

	img[3].u.array.items = items;
	img[3].u.array.n = 3;
	img[4].u.array.n = 0; /* empty array: just the end marker */
	img[6].u.bytes.scale = 3;
	img[7].u.b = true;
	rc_buf_init(&b, 0);
	assert_int_equal(rc_avro_encode_value(&ev, &pg_opts, 1, 0, &b, err, sizeof err), 0);
	body = 5 + 1; /* header, before null */
	{
		static const unsigned char exp[] =
		    {
		        0x02,                                           /* after: Value */
		        0x02, 0x03,                                     /* id -2 */
		        0x00,                                           /* s null */
		        0x02, 0x00,                                     /* n 0 */
		        0x02, 0x06, 0x02, 0x02, 0x00, 0x02, 0x01, 0x00, /* ints [1, null, -1] */
		        0x02, 0x00,                                     /* strs [] */
		        0x02, 0x38, '_',  '_',  'd',  'e',  'b',  'e',  'z', 'i',
		        'u',  'm',  '_',  'u',  'n',  'a',  'v',  'a',  'i', 'l',
		        'a',  'b',  'l',  'e',  '_',  'v',  'a',  'l',  'u', 'e', /* raw: placeholder bytes */
		        0x02, 0x06, 0x02, 0x01, /* vsd {scale 3, value 01} */
		        0x02, 0x01,             /* ok true */
		    };
		assert_true(b.len > body + sizeof exp);
		assert_memory_equal(b.data + body, exp, sizeof exp);
	}

	/* Unchanged TOAST: string -> placeholder, int -> null, array of strings -> [placeholder]. */
	img[1] = unchanged_v;
	img[2] = unchanged_v;
	img[4] = unchanged_v;
	rc_buf_reset(&b);
	assert_int_equal(rc_avro_encode_value(&ev, &pg_opts, 1, 0, &b, err, sizeof err), 0);
	{
		static const unsigned char exp[] = {
		    0x02, 0x02, 0x03, 0x02, 0x38, '_',  '_',  'd',  'e', 'b', 'e',
		    'z',  'i',  'u',  'm',  '_',  'u',  'n',  'a',  'v', 'a', 'i',
		    'l',  'a',  'b',  'l',  'e',  '_',  'v',  'a',  'l', 'u', 'e', /* s */
		    0x00,                                                          /* n: null */
		    0x02, 0x06, 0x02, 0x02, 0x00, 0x02, 0x01, 0x00,                /* ints */
		    0x02, 0x02, 0x02, 0x38, '_',  '_',  'd',  'e',  'b', 'e', 'z',
		    'i',  'u',  'm',  '_',  'u',  'n',  'a',  'v',  'a', 'i', 'l',
		    'a',  'b',  'l',  'e',  '_',  'v',  'a',  'l',  'u', 'e', 0x00, /* strs */
		};
		assert_memory_equal(b.data + body, exp, sizeof exp);
	}
	rc_buf_free(&b);
	rc_table_release(t);
}

static void test_encode_errors(void **state)
{
	static const colspec_t cols[] = {
	    {.name = "id", .type = RC_T_INT16, .key = true},
	    {.name = "n", .type = RC_T_INT32},
	};
	rc_table_t *t = mk_table("public", "e", cols, 2);
	rc_value_t img[2] = {null_v, set_i(1)};
	rc_event_t ev = {.op = RC_OP_CREATE, .table = t, .after = img, .source = pg_source()};
	rc_buf_t b;
	char err[256];
	(void)state;

	rc_buf_init(&b, 0);
	rc_buf_append(&b, "keep", 4);
	assert_int_equal(rc_avro_encode_key(&ev, 1, &b, err, sizeof err), -1);
	assert_string_equal(err, "table public.e column id: key column is null");
	assert_int_equal(b.len, 4); /* rewound */

	img[0] = set_i(40000);
	assert_int_equal(rc_avro_encode_key(&ev, 1, &b, err, sizeof err), -1);
	assert_string_equal(err, "table public.e column id: value 40000 does not fit in int16");
	img[0] = set_i(1);
	img[1] = set_i(INT64_C(1) << 40);
	assert_int_equal(rc_avro_encode_value(&ev, &pg_opts, 1, 0, &b, err, sizeof err), -1);
	assert_string_equal(err, "table public.e column n: value 1099511627776 does not fit in an Avro int");
	assert_int_equal(b.len, 4);

	ev.after = NULL;
	assert_int_equal(rc_avro_encode_key(&ev, 1, &b, err, sizeof err), -1);
	assert_string_equal(err, "table public.e: 'c' event: no after image for the key");

	/* A record past the buffer's bound fails cleanly. */
	ev.after = img;
	img[1] = set_i(1);
	rc_buf_free(&b);
	rc_buf_init(&b, 16);
	assert_int_equal(rc_avro_encode_value(&ev, &pg_opts, 1, 0, &b, err, sizeof err), -1);
	assert_string_equal(err, "table public.e: record larger than 16 bytes or out of memory");
	assert_int_equal(b.len, 0);
	rc_buf_free(&b);
	rc_table_release(t);
}

static void test_encode_message(void **state)
{
	rc_event_t ev = {.op = RC_OP_MESSAGE,
	                 .source = pg_source(),
	                 .msg_prefix = "p",
	                 .msg_content = "a\0b",
	                 .msg_len = 3};
	rc_buf_t b, exp;
	char err[256];
	(void)state;

	rc_buf_init(&b, 0);
	rc_buf_init(&exp, 0);
	assert_int_equal(rc_avro_encode_key(&ev, 3, &b, err, sizeof err), 0);
	ASSERT_BYTES(&b, 0, 0, 0, 0, 3, 0x02, 0x02, 'p');
	rc_buf_reset(&b);
	assert_int_equal(rc_avro_encode_value(&ev, &pg_opts, 4, 2000000, &b, err, sizeof err), 0);
	rc_avro_write_header(&exp, 4);
	rc_avro_write_string(&exp, "m");
	rc_buf_append(&exp, "\x02\x04", 2); /* ts_ms 2 */
	expect_pg_source(&exp, "", "");
	rc_buf_append(&exp,
	              "\x00\x02\x02p\x02\x06"
	              "a\0b",
	              9);
	assert_bytes(&b, exp.data, exp.len);
	rc_buf_free(&b);
	rc_buf_free(&exp);
}

/* ---- JSON ---- */

static void test_json_decimal_and_strings(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		int32_t scale;
		const char *text;
	} cases[] = {
	    {"", 0, 2, "0.00"},
	    {"\x00", 1, 0, "0"},
	    {"\xfb\x1e", 2, 2, "-12.50"},
	    {"\x01", 1, 3, "0.001"},
	    {"\xff", 1, 1, "-0.1"},
	    {"\x80", 1, 0, "-128"},
	    {"\x7f\xff\xff\xff\xff\xff\xff\xff", 8, 0, "9223372036854775807"},
	    {"\x80\x00\x00\x00\x00\x00\x00\x00\x00", 9, 4, "-236118324143482260.6848"},
	    {"\x0d\xe0\xb6\xb3\xa7\x64\x00\x00", 8, 18, "1.000000000000000000"},
	    {"\x01", 1, -3, "1000"},
	    {"\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 13, 0, "79228162514264337593543950336"},
	};
	rc_buf_t b;
	(void)state;

	rc_buf_init(&b, 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rc_buf_reset(&b);
		rc_json_write_decimal(&b, (const unsigned char *)cases[i].bytes, cases[i].len,
		                      cases[i].scale);
		rc_buf_putc(&b, 0);
		assert_string_equal((const char *)b.data, cases[i].text);
	}
	rc_buf_reset(&b);
	rc_json_write_string(&b, "a\"b\\\n\x01\xc3\xa9\xff\xe2\x82", 11);
	rc_buf_putc(&b, 0);
	assert_string_equal((const char *)b.data, "\"a\\\"b\\\\\\n\\u0001\xc3\xa9\\ufffd\\ufffd\\ufffd\"");
	rc_buf_free(&b);
}

static void test_json_event(void **state)
{
	static const colspec_t cols[] = {
	    {.name = "id", .type = RC_T_INT32, .key = true},
	    {.name = "na-me", .type = RC_T_STRING},
	    {.name = "price", .type = RC_T_DECIMAL, .precision = 10, .scale = 2},
	    {.name = "raw", .type = RC_T_BYTES},
	    {.name = "f", .type = RC_T_FLOAT64},
	    {.name = "tags", .type = RC_T_ARRAY, .elem_type = RC_T_STRING},
	};
	rc_table_t *t = mk_table("public", "j", cols, 6);
	rc_value_t tags[2] = {set_s("a"), null_v};
	rc_value_t after[6] = {set_i(1),        set_s("é\t"),        set_b("\x04\xd2", 2),
	                       set_b("hi!", 3), {.state = RC_V_SET}, {.state = RC_V_SET}};
	rc_value_t before[6] = {set_i(1), null_v, unchanged_v, null_v, null_v, unchanged_v};
	rc_event_t ev = {
	    .op = RC_OP_UPDATE, .table = t, .before = before, .after = after, .source = pg_source()};
	rc_buf_t b;
	char err[256];
	(void)state;

	after[4].u.f = 0.1;
	after[5].u.array.items = tags;
	after[5].u.array.n = 2;
	rc_buf_init(&b, 0);
	assert_int_equal(rc_json_encode_event(&ev, &pg_opts, 1700000001000000123, false, &b, err, sizeof err),
	                 0);
	rc_buf_putc(&b, 0);
	assert_string_equal(
	    (const char *)b.data,
	    "{\"topic\":\"shop.public.j\",\"key\":{\"id\":1},\"value\":{"
	    "\"before\":{\"id\":1,\"na_me\":null,\"price\":\"__debezium_unavailable_value\",\"raw\":null,"
	    "\"f\":null,"
	    "\"tags\":[\"__debezium_unavailable_value\"]},"
	    "\"after\":{\"id\":1,\"na_me\":\"é\\t\",\"price\":\"12.34\",\"raw\":\"aGkh\",\"f\":0.1,\"tags\":["
	    "\"a\",null]},"
	    "\"source\":{\"version\":\"" RC_AVRO_SOURCE_VERSION
	    "\",\"connector\":\"postgresql\",\"name\":\"shop\","
	    "\"ts_ms\":1700000000123,\"snapshot\":\"false\",\"db\":\"shop\",\"sequence\":\"[\\\"24023000\\\","
	    "\\\"24023128\\\"]\",\"ts_us\":1700000000123456,\"ts_ns\":1700000000123456000,\"schema\":"
	    "\"public\","
	    "\"table\":\"j\",\"txId\":750,\"lsn\":24023128,\"xmin\":null,\"origin\":null,\"origin_lsn\":null}"
	    ","
	    "\"transaction\":null,\"op\":\"u\",\"ts_ms\":1700000001000,\"ts_us\":1700000001000000,"
	    "\"ts_ns\":1700000001000000123}}\n");

	rc_buf_reset(&b);
	ev.op = RC_OP_DELETE;
	ev.before = after;
	assert_int_equal(rc_json_encode_event(&ev, &pg_opts, 0, true, &b, err, sizeof err), 0);
	rc_buf_putc(&b, 0);
	assert_string_equal((const char *)b.data,
	                    "{\"topic\":\"shop.public.j\",\"key\":{\"id\":1},\"value\":null}\n");

	rc_buf_reset(&b);
	{
		rc_event_t m = {.op = RC_OP_MESSAGE,
		                .source = pg_source(),
		                .msg_prefix = "p",
		                .msg_content = "xyz",
		                .msg_len = 3};
		assert_int_equal(rc_json_encode_event(&m, &pg_opts, 5000000, false, &b, err, sizeof err), 0);
		rc_buf_putc(&b, 0);
		assert_non_null(strstr((const char *)b.data,
		                       "{\"topic\":\"shop.message\",\"key\":{\"prefix\":\"p\"},"
		                       "\"value\":{\"op\":\"m\",\"ts_ms\":5,\"source\":{"));
		assert_non_null(strstr((const char *)b.data, "\"schema\":\"\",\"table\":\"\","));
		assert_non_null(
		    strstr((const char *)b.data,
		           "\"transaction\":null,\"message\":{\"prefix\":\"p\",\"content\":\"eHl6\"}}}\n"));
	}
	rc_buf_free(&b);
	rc_table_release(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_schema_exact_text),
	    cmocka_unit_test(test_name_adjustment),
	    cmocka_unit_test(test_field_collision),
	    cmocka_unit_test(test_types),
	    cmocka_unit_test(test_mysql_source_no_key_bad_opts),
	    cmocka_unit_test(test_message_schemas),
	    cmocka_unit_test(test_primitives),
	    cmocka_unit_test(test_buffer_bound),
	    cmocka_unit_test(test_encode_key_and_envelope),
	    cmocka_unit_test(test_encode_unions_arrays_toast),
	    cmocka_unit_test(test_encode_errors),
	    cmocka_unit_test(test_encode_message),
	    cmocka_unit_test(test_json_decimal_and_strings),
	    cmocka_unit_test(test_json_event),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
