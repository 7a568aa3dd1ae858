/* Avro schemas (exact JSON), the Avro binary encoder (exact bytes) and the JSON rendering. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/buf.h"
#include "agent/decimal.h"
#include "agent/errors.h"
#include "sinks/avro_check.h"
#include "sinks/avro_encode.h"
#include "sinks/avro_schema.h"
#include "sinks/json_encode.h"
#include "tests/unit/avro_read.h"

#include <avro.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const rc_avro_opts_t pg_opts = {"shop", "postgresql", false, false};

typedef struct colspec {
	const char *name;
	rc_type_t type;
	rc_type_t elem_type;
	const char *semantic;
	int32_t precision, scale, length;
	const char *enum_values;
	bool key;
	bool notnull; /* required in the value schema (the other columns are nullable) */
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
		c->optional = !specs[i].notnull;
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
	rc_avro_opts_t opts = {"my-shop", "postgresql", false, false};
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
	rc_avro_opts_t native = {"shop", "postgresql", true, false};
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
	/* The field of a VariableScaleDecimal has no doc of its own, as AvroData writes it by default
	 * (the type's doc is the record's connect.doc; a field doc comes only from a Connect parameter
	 * Debezium never sets). */
	assert_non_null(strstr(plain_json, "\"connect.name\":\"io.debezium.data.VariableScaleDecimal\"}],"
	                                   "\"default\":null}"));
	assert_null(strstr(plain_json, "\"doc\":"));
	free(plain_json);
	free(native_json);
	rc_table_release(t);
}

static void test_mysql_source_no_key_bad_opts(void **state)
{
	static const colspec_t cols[] = {{.name = "v", .type = RC_T_STRING}};
	rc_avro_opts_t my = {"srv", "mariadb", false, false}, bad = {"srv", "oracle", false, false};
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

/* ---- avro-c as the oracle ----
 * Every record the tests encode is also decoded by avro-c (avro_value_read) against avro-c's parse of
 * the schema JSON rowcast builds for it, and the decoded value is walked by field name and compared
 * with the event: a second reading that shares no code with rowcast's encoder or its tests' bytes. */

/* Field `name` of record rec; *seen counts the fields looked at, for check_size. */
static avro_value_t get_field(avro_value_t *rec, const char *name, size_t *seen)
{
	(*seen)++;
	return field(rec, name);
}

/* Field idx of record rec, whose name must be the Avro form of column name col_name. */
static avro_value_t get_field_at(avro_value_t *rec, size_t idx, const char *col_name)
{
	avro_value_t f = {0};
	const char *name;
	char adjusted[256];

	assert_int_equal(avro_value_get_by_index(rec, idx, &f, &name), 0);
	rc_avro_name(col_name, adjusted, sizeof adjusted);
	assert_string_equal(name, adjusted);
	return f;
}

/* Every field of rec was looked at. */
static void check_size(avro_value_t *rec, size_t seen)
{
	assert_int_equal(size_of(rec), seen);
}

static void check_null_branch(avro_value_t *u)
{
	avro_value_t b = branch(u, 0);

	assert_int_equal(avro_value_get_null(&b), 0);
}

/* An Avro int (type AVRO_INT32) or long (AVRO_INT64) equal to x. */
static void check_integer(avro_value_t *v, avro_type_t type, int64_t x)
{
	int32_t i = 0;
	int64_t l = 0;

	assert_int_equal(avro_value_get_type(v), type);
	assert_int_equal(type == AVRO_INT32 ? avro_value_get_int(v, &i) : avro_value_get_long(v, &l), 0);
	assert_int_equal(type == AVRO_INT32 ? i : l, x);
}

static void field_string(avro_value_t *rec, const char *name, const char *s, size_t *seen)
{
	avro_value_t f = get_field(rec, name, seen);

	is_string(&f, s, strlen(s));
}

static void field_long(avro_value_t *rec, const char *name, int64_t x, size_t *seen)
{
	avro_value_t f = get_field(rec, name, seen);

	check_integer(&f, AVRO_INT64, x);
}

/* An optional (["null", "string"]) field: s, or null when s is NULL. */
static void field_opt_string(avro_value_t *rec, const char *name, const char *s, size_t *seen)
{
	avro_value_t f = get_field(rec, name, seen), b;

	if (!s) {
		check_null_branch(&f);
		return;
	}
	b = branch(&f, 1);
	is_string(&b, s, strlen(s));
}

static void field_opt_long(avro_value_t *rec, const char *name, bool present, int64_t x, size_t *seen)
{
	avro_value_t f = get_field(rec, name, seen), b;

	if (!present) {
		check_null_branch(&f);
		return;
	}
	b = branch(&f, 1);
	check_integer(&b, AVRO_INT64, x);
}

static void check_optional(avro_value_t *u, const rc_column_t *c, const rc_value_t *exp);

/* A non-null value of column c, of the column's type (for array elements: of elem_type). */
static void check_typed(avro_value_t *v, const rc_column_t *c, rc_type_t type, const rc_value_t *exp)
{
	avro_value_t f = {0};
	rc_column_t elem;
	size_t n = 0, seen = 0;
	double d = 0;
	float fl = 0;
	int b = 0;

	switch (type) {
	case RC_T_BOOL:
		assert_int_equal(avro_value_get_boolean(v, &b), 0);
		assert_int_equal(b != 0, exp->u.b);
		return;
	case RC_T_INT8:
	case RC_T_INT16:
	case RC_T_INT32:
	case RC_T_DATE:
	case RC_T_TIME_MILLIS:
		check_integer(v, AVRO_INT32, exp->u.i);
		return;
	case RC_T_INT64:
	case RC_T_TIME_MICROS:
	case RC_T_TIMESTAMP_MILLIS:
	case RC_T_TIMESTAMP_MICROS:
	case RC_T_INTERVAL_MICROS:
		check_integer(v, AVRO_INT64, exp->u.i);
		return;
	case RC_T_FLOAT32:
		assert_int_equal(avro_value_get_float(v, &fl), 0);
		assert_true(fl == (float)exp->u.f);
		return;
	case RC_T_FLOAT64:
		assert_int_equal(avro_value_get_double(v, &d), 0);
		assert_true(d == exp->u.f);
		return;
	case RC_T_STRING:
		is_string(v, exp->u.bytes.ptr, exp->u.bytes.len);
		return;
	case RC_T_BYTES:
	case RC_T_DECIMAL:
		is_bytes(v, exp->u.bytes.ptr, exp->u.bytes.len);
		return;
	case RC_T_VARDECIMAL:
		f = get_field(v, "scale", &seen);
		check_integer(&f, AVRO_INT32, exp->u.bytes.scale);
		f = get_field(v, "value", &seen);
		is_bytes(&f, exp->u.bytes.ptr, exp->u.bytes.len);
		check_size(v, seen);
		return;
	case RC_T_GEOMETRY: /* {wkb, srid}: SRID 0 is null */
		f = get_field(v, "wkb", &seen);
		is_bytes(&f, exp->u.bytes.ptr, exp->u.bytes.len);
		f = get_field(v, "srid", &seen);
		if (exp->u.bytes.scale == 0) {
			check_null_branch(&f);
		} else {
			avro_value_t sb = branch(&f, 1);
			check_integer(&sb, AVRO_INT32, exp->u.bytes.scale);
		}
		check_size(v, seen);
		return;
	case RC_T_POINT: { /* {x, y, wkb, srid null}: x and y read back from the WKB independently */
		const unsigned char *w = (const unsigned char *)exp->u.bytes.ptr;
		double x, y;
		uint64_t ux = 0, uy = 0;
		assert_int_equal(exp->u.bytes.len, 21);
		for (int i = 0; i < 8; i++) {
			ux |= (uint64_t)w[5 + i] << (8 * i);
			uy |= (uint64_t)w[13 + i] << (8 * i);
		}
		memcpy(&x, &ux, 8);
		memcpy(&y, &uy, 8);
		f = get_field(v, "x", &seen);
		assert_int_equal(avro_value_get_double(&f, &d), 0);
		assert_memory_equal(&d, &x, 8);
		f = get_field(v, "y", &seen);
		assert_int_equal(avro_value_get_double(&f, &d), 0);
		assert_memory_equal(&d, &y, 8);
		f = get_field(v, "wkb", &seen);
		{
			avro_value_t wb = branch(&f, 1);
			is_bytes(&wb, w, 21);
		}
		f = get_field(v, "srid", &seen);
		check_null_branch(&f);
		check_size(v, seen);
		return;
	}
	case RC_T_MAP: /* every key once, each value ["null", "string"] */
		assert_int_equal(avro_value_get_size(v, &n), 0);
		assert_int_equal(n, exp->u.array.n / 2);
		for (size_t i = 0; i < exp->u.array.n; i += 2) {
			avro_value_t mv;
			elem = *c;
			elem.type = RC_T_STRING;
			assert_int_equal(
			    avro_value_get_by_name(v, exp->u.array.items[i].u.bytes.ptr, &mv, NULL), 0);
			check_optional(&mv, &elem, &exp->u.array.items[i + 1]);
		}
		return;
	case RC_T_ARRAY:
		assert_int_equal(avro_value_get_size(v, &n), 0);
		assert_int_equal(n, exp->u.array.n);
		elem = *c;
		elem.type = c->elem_type; /* elements are ["null", E] as optional fields are, or E */
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(avro_value_get_by_index(v, i, &f, NULL), 0);
			if (rc_column_items_required(c))
				check_typed(&f, &elem, elem.type, &exp->u.array.items[i]);
			else
				check_optional(&f, &elem, &exp->u.array.items[i]);
		}
		return;
	}
	fail_msg("column %s: type %d", c->name, (int)type);
}

/* A field of a Value record (["null", T]), with the unchanged-TOAST rules of avro_encode.h. */
/* The options of the record oracle_value reads: value.fields.all.optional decides the fields' shape. */
static bool oracle_all_optional;

static void check_optional(avro_value_t *u, const rc_column_t *c, const rc_value_t *exp)
{
	static const char ph[] = RC_AVRO_UNAVAILABLE;
	avro_value_t b = {0}, item = {0};
	size_t n = 0;

	if (!oracle_all_optional && !c->optional) { /* required: the value itself (SET in these tests) */
		assert_int_equal(exp->state, RC_V_SET);
		check_typed(u, c, c->type, exp);
		return;
	}
	if (!oracle_all_optional && c->dflt.set) { /* [T, "null"] */
		if (exp->state == RC_V_SET) {
			b = branch(u, 0);
			check_typed(&b, c, c->type, exp);
		} else {
			b = branch(u, 1);
			assert_int_equal(avro_value_get_null(&b), 0);
		}
		return;
	}
	if (exp->state == RC_V_SET) {
		b = branch(u, 1);
		check_typed(&b, c, c->type, exp);
	} else if (exp->state == RC_V_UNCHANGED && c->type == RC_T_STRING) {
		b = branch(u, 1);
		is_string(&b, ph, sizeof ph - 1);
	} else if (exp->state == RC_V_UNCHANGED && (c->type == RC_T_BYTES || c->type == RC_T_DECIMAL)) {
		b = branch(u, 1);
		is_bytes(&b, ph, sizeof ph - 1);
	} else if (exp->state == RC_V_UNCHANGED && c->type == RC_T_ARRAY && c->elem_type == RC_T_STRING) {
		b = branch(u, 1);
		assert_int_equal(avro_value_get_size(&b, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(avro_value_get_by_index(&b, 0, &item, NULL), 0);
		b = branch(&item, 1);
		is_string(&b, ph, sizeof ph - 1);
	} else {
		check_null_branch(u);
	}
}

/* The before or after field: null, or the Value record of img. */
static void check_image(avro_value_t *u, const rc_table_t *t, const rc_value_t *img)
{
	avro_value_t rec;

	if (!img) {
		check_null_branch(u);
		return;
	}
	rec = branch(u, 1);
	check_size(&rec, t->ncols);
	for (size_t i = 0; i < t->ncols; i++) {
		avro_value_t f = get_field_at(&rec, i, t->cols[i].name);
		check_optional(&f, &t->cols[i], &img[i]);
	}
}

/* The Source record, from ev->source and the options, per connector. */
static void check_source(avro_value_t *src, const rc_event_t *ev, const rc_avro_opts_t *opts)
{
	const rc_source_info_t *s = &ev->source;
	const rc_table_t *t = ev->table;
	avro_value_t f, b;
	size_t seen = 0;
	char seq[64];

	field_string(src, "version", RC_AVRO_SOURCE_VERSION, &seen);
	field_string(src, "connector", opts->connector, &seen);
	field_string(src, "name", opts->topic_prefix, &seen);
	field_long(src, "ts_ms", s->ts_us / 1000, &seen); /* the tests' times are after 1970 */
	f = get_field(src, "snapshot", &seen);
	b = branch(&f, 0); /* ["string", "null"] */
	is_string(&b, s->snapshot ? s->snapshot : "false", strlen(s->snapshot ? s->snapshot : "false"));
	field_string(src, "db", s->db ? s->db : "", &seen);
	field_opt_long(src, "ts_us", true, s->ts_us, &seen);
	field_opt_long(src, "ts_ns", true, s->ts_us * 1000, &seen);
	if (strcmp(opts->connector, "postgresql") == 0) {
		if (s->last_commit_lsn)
			snprintf(seq, sizeof seq, "[\"%" PRIu64 "\",\"%" PRIu64 "\"]", s->last_commit_lsn,
			         s->lsn);
		else
			snprintf(seq, sizeof seq, "[null,\"%" PRIu64 "\"]", s->lsn);
		field_opt_string(src, "sequence", seq, &seen);
		field_string(src, "schema", t ? t->schema_name : "", &seen);
		field_string(src, "table", t ? t->name : "", &seen);
		field_opt_long(src, "txId", s->txid >= 0, s->txid, &seen);
		field_opt_long(src, "lsn", s->lsn != 0, (int64_t)s->lsn, &seen);
		field_opt_long(src, "xmin", false, 0, &seen);
		field_opt_string(src, "origin", NULL, &seen);
		field_opt_long(src, "origin_lsn", false, 0, &seen);
	} else {
		field_opt_string(src, "sequence", NULL, &seen);
		field_opt_string(src, "table", t ? t->name : NULL, &seen);
		field_long(src, "server_id", s->server_id, &seen);
		field_opt_string(src, "gtid", s->gtid, &seen);
		field_string(src, "file", s->file ? s->file : "", &seen);
		field_long(src, "pos", s->pos, &seen);
		f = get_field(src, "row", &seen);
		check_integer(&f, AVRO_INT32, s->row);
		field_opt_long(src, "thread", s->thread >= 0, s->thread, &seen);
		field_opt_string(src, "query", NULL, &seen);
	}
	check_size(src, seen);
}

/* Decodes the key record b with avro-c and compares it with ev's key: the key columns of the after
 * image (the before image for a delete), or the prefix of a message. */
static void oracle_key(const rc_event_t *ev, const rc_avro_opts_t *opts, int32_t id, const rc_buf_t *b)
{
	const rc_table_t *t = ev->table;
	decoded_t d;
	char err[512], *json = NULL;
	size_t k = 0, seen = 0;

	if (ev->op == RC_OP_MESSAGE) {
		assert_int_equal(rc_avro_message_key_schema(&json, err, sizeof err), 0);
		decode(&d, json, id, b);
		field_opt_string(&d.value, "prefix", ev->msg_prefix, &seen);
		check_size(&d.value, seen);
		decoded_free(&d);
		return;
	}
	assert_int_equal(rc_avro_key_schema(t, opts, &json, err, sizeof err), 0);
	decode(&d, json, id, b);
	for (size_t i = 0; i < t->ncols; i++) {
		const rc_value_t *img = ev->op == RC_OP_DELETE ? ev->before : ev->after;
		avro_value_t f;
		if (!t->cols[i].key)
			continue;
		f = get_field_at(&d.value, k++, t->cols[i].name);
		check_typed(&f, &t->cols[i], t->cols[i].type, &img[i]);
	}
	check_size(&d.value, k);
	decoded_free(&d);
}

/* Decodes the value record b with avro-c and compares it with ev: the Envelope, or for a message the
 * MessageValue, with the times of now_ns. */
static void oracle_value(const rc_event_t *ev, const rc_avro_opts_t *opts, int32_t id, int64_t now_ns,
                         const rc_buf_t *b)
{
	char err[512], *json = NULL, op[2] = {(char)ev->op, '\0'};
	avro_value_t f, msg;
	decoded_t d;
	size_t seen = 0, mseen = 0;

	if (ev->op == RC_OP_MESSAGE)
		assert_int_equal(rc_avro_message_value_schema(opts, &json, err, sizeof err), 0);
	else
		assert_int_equal(rc_avro_value_schema(ev->table, opts, &json, err, sizeof err), 0);
	decode(&d, json, id, b);
	oracle_all_optional = opts->all_optional;
	if (ev->op != RC_OP_MESSAGE) {
		f = get_field(&d.value, "before", &seen);
		check_image(&f, ev->table, ev->before);
		f = get_field(&d.value, "after", &seen);
		check_image(&f, ev->table, ev->after);
	}
	f = get_field(&d.value, "source", &seen);
	check_source(&f, ev, opts);
	f = get_field(&d.value, "transaction", &seen);
	check_null_branch(&f);
	field_string(&d.value, "op", op, &seen);
	field_opt_long(&d.value, "ts_ms", true, now_ns / 1000000, &seen);
	if (ev->op == RC_OP_MESSAGE) {
		msg = get_field(&d.value, "message", &seen);
		field_opt_string(&msg, "prefix", ev->msg_prefix, &mseen);
		f = get_field(&msg, "content", &mseen);
		if (ev->msg_content) {
			avro_value_t c = branch(&f, 1);
			is_bytes(&c, ev->msg_content, ev->msg_len);
		} else {
			check_null_branch(&f);
		}
		check_size(&msg, mseen);
	} else {
		field_opt_long(&d.value, "ts_us", true, now_ns / 1000, &seen);
		field_opt_long(&d.value, "ts_ns", true, now_ns, &seen);
	}
	check_size(&d.value, seen);
	decoded_free(&d);
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
	oracle_key(&ev, &pg_opts, 7, &b);

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
	oracle_value(&ev, &pg_opts, 8, now, &b);

	/* A delete takes its key from the before image; a truncate has none. */
	ev.op = RC_OP_DELETE;
	ev.before = after;
	ev.after = NULL;
	rc_buf_reset(&b);
	assert_int_equal(rc_avro_encode_key(&ev, 7, &b, err, sizeof err), 0);
	ASSERT_BYTES(&b, 0x00, 0, 0, 0, 7, 0x54);
	oracle_key(&ev, &pg_opts, 7, &b);
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
		oracle_value(&ev, &pg_opts, 1, 0, &b);
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
		oracle_value(&ev, &pg_opts, 1, 0, &b);
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
	oracle_key(&ev, &pg_opts, 3, &b);
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
	oracle_value(&ev, &pg_opts, 4, 2000000, &b);
	rc_buf_free(&b);
	rc_buf_free(&exp);
}

/* Encodes ev's key and value with rowcast's encoder and has the oracle decode both. */
static void encode_and_decode(const rc_event_t *ev, const rc_avro_opts_t *opts)
{
	const int64_t now = 1700000002000000777;
	char err[256];
	rc_buf_t b;
	int rc;

	rc_buf_init(&b, 0);
	rc = rc_avro_encode_key(ev, 5, &b, err, sizeof err);
	if (rc < 0)
		fail_msg("key: %s", err);
	if (rc == 0)
		oracle_key(ev, opts, 5, &b);
	rc_buf_reset(&b);
	if (rc_avro_encode_value(ev, opts, 6, now, &b, err, sizeof err) != 0)
		fail_msg("value: %s", err);
	oracle_value(ev, opts, 6, now, &b);
	rc_buf_free(&b);
}

/* The table of the optionality/default tests: Debezium's shapes for NOT NULL columns and DEFAULTs. */
static rc_table_t *defaults_table(void)
{
	static const colspec_t cols[] = {
	    {.name = "id", .type = RC_T_INT32, .key = true, .notnull = true},
	    {.name = "n", .type = RC_T_INT32, .notnull = true},
	    {.name = "s", .type = RC_T_STRING},
	    {.name = "d", .type = RC_T_DECIMAL, .precision = 10, .scale = 2, .notnull = true},
	    {.name = "b", .type = RC_T_BOOL},
	    {.name = "ts",
	     .type = RC_T_STRING,
	     .semantic = "io.debezium.time.ZonedTimestamp",
	     .notnull = true},
	    {.name = "f", .type = RC_T_FLOAT64},
	};
	rc_table_t *t = mk_table("public", "d", cols, 7);

	t->cols[1].dflt = (rc_column_default_t){.set = true, .i = 7};
	assert_int_equal(rc_column_set_default_bytes(&t->cols[2], "abc", 3), 0);
	assert_int_equal(rc_column_set_default_bytes(&t->cols[3], "\x04\xe2", 2), 0); /* 12.50 */
	t->cols[6].dflt = (rc_column_default_t){.set = true, .f = 2.25};
	return t;
}

/* The Value record's fields in the schema text (between "fields":[ of Value and its end). */
static char *value_fields_text(const char *json)
{
	const char *start = strstr(json, "\"name\":\"Value\",\"fields\":[");
	const char *end = start ? strstr(start, "],\"connect.name\"") : NULL;

	assert_non_null(end);
	start += strlen("\"name\":\"Value\",\"fields\":[");
	return strndup(start, (size_t)(end - start));
}

/* NOT NULL columns required, DEFAULTs as "default" and "connect.default" (the default's type first in
 * an optional column's union), and value.fields.all.optional's old shape. */
static void test_required_and_defaults_schema(void **state)
{
	static const char expected[] =
	    "{\"name\":\"id\",\"type\":\"int\"},"
	    "{\"name\":\"n\",\"type\":{\"type\":\"int\",\"connect.default\":7},\"default\":7},"
	    "{\"name\":\"s\",\"type\":[{\"type\":\"string\",\"connect.default\":\"abc\"},\"null\"],"
	    "\"default\":\"abc\"},"
	    "{\"name\":\"d\",\"type\":{\"type\":\"bytes\",\"scale\":2,\"precision\":10,\"connect.version\":1,"
	    "\"connect.parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"10\"},"
	    "\"connect.default\":\"\\u0004\xc3\xa2\",\"connect.name\":\"org.apache.kafka.connect.data.Decimal\","
	    "\"logicalType\":\"decimal\"},\"default\":\"\\u0004\xc3\xa2\"},"
	    "{\"name\":\"b\",\"type\":[\"null\",\"boolean\"],\"default\":null},"
	    "{\"name\":\"ts\",\"type\":{\"type\":\"string\",\"connect.version\":1,"
	    "\"connect.name\":\"io.debezium.time.ZonedTimestamp\"}},"
	    "{\"name\":\"f\",\"type\":[{\"type\":\"double\",\"connect.default\":2.25},\"null\"],"
	    "\"default\":2.25}";
	static const char all_optional[] =
	    "{\"name\":\"id\",\"type\":[\"null\",\"int\"],\"default\":null},"
	    "{\"name\":\"n\",\"type\":[\"null\",\"int\"],\"default\":null},"
	    "{\"name\":\"s\",\"type\":[\"null\",\"string\"],\"default\":null},"
	    "{\"name\":\"d\",\"type\":[\"null\",{\"type\":\"bytes\",\"scale\":2,\"precision\":10,"
	    "\"connect.version\":1,\"connect.parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":"
	    "\"10\"},\"connect.name\":\"org.apache.kafka.connect.data.Decimal\",\"logicalType\":\"decimal\"}],"
	    "\"default\":null},"
	    "{\"name\":\"b\",\"type\":[\"null\",\"boolean\"],\"default\":null},"
	    "{\"name\":\"ts\",\"type\":[\"null\",{\"type\":\"string\",\"connect.version\":1,"
	    "\"connect.name\":\"io.debezium.time.ZonedTimestamp\"}],\"default\":null},"
	    "{\"name\":\"f\",\"type\":[\"null\",\"double\"],\"default\":null}";
	rc_avro_opts_t old = {"shop", "postgresql", false, true};
	rc_table_t *t = defaults_table();
	char err[512], *json, *fields;
	avro_schema_t parsed;
	(void)state;

	assert_int_equal(rc_avro_value_schema(t, &pg_opts, &json, err, sizeof err), 0);
	fields = value_fields_text(json);
	assert_string_equal(fields, expected);
	free(fields);
	assert_int_equal(rc_avro_parse_schema(json, strlen(json), &parsed, err, sizeof err), RC_OK);
	avro_schema_decref(parsed);
	free(json);

	assert_int_equal(rc_avro_value_schema(t, &old, &json, err, sizeof err), 0);
	fields = value_fields_text(json);
	assert_string_equal(fields, all_optional);
	assert_null(strstr(json, "connect.default\":7"));
	free(fields);
	free(json);
	/* The key schema is the same either way for a key without a default. */
	assert_int_equal(rc_avro_key_schema(t, &pg_opts, &json, err, sizeof err), 0);
	assert_non_null(strstr(json, "\"fields\":[{\"name\":\"id\",\"type\":\"int\"}]"));
	free(json);
	/* A key column with a default (an `id serial` key: nextval gives 0) carries it in the Key record
	 * as in the Value record, Debezium building both from one column schema; all_optional: none. */
	t->cols[0].dflt = (rc_column_default_t){.set = true, .i = 0};
	assert_int_equal(rc_avro_key_schema(t, &pg_opts, &json, err, sizeof err), 0);
	assert_non_null(strstr(json, "\"fields\":[{\"name\":\"id\",\"type\":{\"type\":\"int\","
	                             "\"connect.default\":0},\"default\":0}]"));
	assert_int_equal(rc_avro_parse_schema(json, strlen(json), &parsed, err, sizeof err), RC_OK);
	avro_schema_decref(parsed);
	free(json);
	assert_int_equal(rc_avro_key_schema(t, &old, &json, err, sizeof err), 0);
	assert_non_null(strstr(json, "\"fields\":[{\"name\":\"id\",\"type\":\"int\"}]"));
	free(json);
	rc_table_release(t);
}

/* Values in those fields: a delete's before image that lacks the NOT NULL columns (REPLICA IDENTITY
 * DEFAULT) writes their default or the type's zero, as Debezium's converters do; optional columns
 * with a default have their null in the second branch. Exact bytes, then avro-c reads them back. */
static void test_required_and_defaults_values(void **state)
{
	static const char epoch[] = "1970-01-01T00:00:00Z";
	rc_avro_opts_t old = {"shop", "postgresql", false, true};
	rc_table_t *t = defaults_table();
	rc_value_t before[7] = {set_i(1), null_v, null_v, null_v, null_v, null_v, null_v};
	rc_value_t after[7] = {set_i(2),           set_i(-1),           set_s("x"),
	                       set_b("\x01", 1),   {.state = RC_V_SET}, set_s("2020-01-01T00:00:00Z"),
	                       {.state = RC_V_SET}};
	rc_event_t ev = {.op = RC_OP_DELETE, .table = t, .before = before, .source = pg_source()};
	const int64_t now = 1700000001000000123;
	rc_buf_t b, exp;
	char err[256];
	decoded_t d;
	avro_value_t f, rec, v;
	size_t seen = 0;
	char *json;
	(void)state;

	after[4].u.b = true;
	after[6].u.f = 0.5;
	rc_buf_init(&b, 0);
	rc_buf_init(&exp, 0);
	assert_int_equal(rc_avro_encode_value(&ev, &pg_opts, 8, now, &b, err, sizeof err), 0);
	rc_avro_write_header(&exp, 8);
	rc_buf_putc(&exp, 2);                   /* before: Value */
	rc_buf_putc(&exp, 0x02);                /* id 1, no union */
	rc_buf_putc(&exp, 0x0e);                /* n: its default 7 */
	rc_buf_putc(&exp, 0x02);                /* s: null, the second branch of [string, null] */
	rc_buf_append(&exp, "\x04\x04\xe2", 3); /* d: its default 12.50 */
	rc_buf_putc(&exp, 0x00);                /* b: null */
	rc_avro_write_string(&exp, epoch);      /* ts: no default, the epoch */
	rc_buf_putc(&exp, 0x02);                /* f: null, second branch */
	rc_buf_putc(&exp, 0);                   /* after: null */
	assert_true(b.len > exp.len);
	assert_memory_equal(b.data, exp.data, exp.len);
	assert_int_equal(rc_avro_value_schema(t, &pg_opts, &json, err, sizeof err), 0);
	decode(&d, json, 8, &b);
	f = get_field(&d.value, "before", &seen);
	rec = branch(&f, 1);
	assert_int_equal(avro_value_get_by_name(&rec, "n", &v, NULL), 0);
	check_integer(&v, AVRO_INT32, 7);
	assert_int_equal(avro_value_get_by_name(&rec, "ts", &v, NULL), 0);
	is_string(&v, epoch, strlen(epoch));
	assert_int_equal(avro_value_get_by_name(&rec, "s", &v, NULL), 0);
	{
		avro_value_t br = branch(&v, 1);
		assert_int_equal(avro_value_get_null(&br), 0);
	}
	decoded_free(&d);

	/* A create with every value: the optional columns with a default in their first branch. */
	ev.op = RC_OP_CREATE;
	ev.before = NULL;
	ev.after = after;
	rc_buf_reset(&b);
	rc_buf_reset(&exp);
	assert_int_equal(rc_avro_encode_value(&ev, &pg_opts, 8, now, &b, err, sizeof err), 0);
	rc_avro_write_header(&exp, 8);
	rc_buf_putc(&exp, 0); /* before: null */
	rc_buf_putc(&exp, 2); /* after */
	rc_buf_putc(&exp, 0x04);
	rc_buf_putc(&exp, 0x01); /* -1 */
	rc_buf_append(&exp, "\x00\x02x", 3);
	rc_buf_append(&exp, "\x02\x01", 2);
	rc_buf_append(&exp, "\x02\x01", 2); /* b: ["null", boolean], true */
	rc_avro_write_string(&exp, "2020-01-01T00:00:00Z");
	rc_buf_putc(&exp, 0x00);
	rc_avro_write_double(&exp, 0.5);
	assert_true(b.len > exp.len);
	assert_memory_equal(b.data, exp.data, exp.len);
	oracle_value(&ev, &pg_opts, 8, now, &b) /* after has every value set: check_image's rules hold */;

	/* value.fields.all.optional: every field ["null", T]; the delete's missing columns are null. */
	ev.op = RC_OP_DELETE;
	ev.before = before;
	ev.after = NULL;
	rc_buf_reset(&b);
	rc_buf_reset(&exp);
	assert_int_equal(rc_avro_encode_value(&ev, &old, 8, now, &b, err, sizeof err), 0);
	rc_avro_write_header(&exp, 8);
	rc_buf_append(&exp, "\x02\x02\x02\x00\x00\x00\x00\x00\x00\x00", 10);
	assert_true(b.len > exp.len);
	assert_memory_equal(b.data, exp.data, exp.len);
	oracle_value(&ev, &old, 8, now, &b);
	rc_buf_free(&b);
	rc_buf_free(&exp);
	rc_table_release(t);
}

/* Every column type, every image shape and both connectors' Source records through avro-c. */
static void test_oracle_every_type(void **state)
{
	static const unsigned char dec[] = {0xfb, 0x1e}, bits[] = {0x0f, 0xff};
	rc_table_t *t = mk_table("public", "typed", typed_cols, sizeof typed_cols / sizeof typed_cols[0]);
	rc_avro_opts_t native = {"shop", "postgresql", true, false};
	rc_value_t ints[3] = {set_i(1), null_v, set_i(-7)}, uids[2] = {set_s("0c7e-uuid"), null_v};
	rc_value_t after[23] = {
	    set_i(INT64_MAX),
	    {.state = RC_V_SET},
	    set_i(INT16_MIN),
	    {.state = RC_V_SET},
	    {.state = RC_V_SET},
	    set_b(dec, 2),
	    set_b("\x01\x00", 2),
	    set_b("\xff", 1),
	    set_s("{\"a\":1}"),
	    set_s("0c7e-uuid"),
	    set_s("happy"),
	    set_b(bits, 2),
	    set_b("a\0b", 3),
	    set_i(19000),
	    set_i(3600000),
	    set_i(INT64_C(3600000000)),
	    set_i(1700000000123),
	    set_i(-1),
	    set_i(-1000000),
	    set_s("2023-11-14T22:13:20.123456Z"),
	    set_i(-1),
	    {.state = RC_V_SET},
	    {.state = RC_V_SET},
	};
	rc_value_t before[23];
	rc_event_t ev = {
	    .op = RC_OP_UPDATE, .table = t, .before = before, .after = after, .source = pg_source()};
	(void)state;

	after[1].u.b = true;
	after[3].u.f = 1.5;
	after[4].u.f = -0.1;
	after[6].u.bytes.scale = 2;
	after[21].u.array.items = ints;
	after[21].u.array.n = 3;
	after[22].u.array.items = uids;
	after[22].u.array.n = 2;
	/* The before image: the key, unchanged TOAST values of every kind, nulls. */
	for (size_t i = 0; i < 23; i++)
		before[i] = i % 2 ? unchanged_v : null_v;
	before[0] = after[0];
	before[22] = unchanged_v;
	encode_and_decode(&ev, &pg_opts);
	encode_and_decode(&ev, &native);

	ev.op = RC_OP_DELETE; /* key from the before image, no after */
	ev.before = after;
	ev.after = NULL;
	encode_and_decode(&ev, &pg_opts);
	ev.op = RC_OP_READ; /* a snapshot row: no txId, no previous commit */
	ev.before = NULL;
	ev.after = after;
	ev.source.snapshot = "last";
	ev.source.txid = -1;
	ev.source.last_commit_lsn = 0;
	encode_and_decode(&ev, &pg_opts);
	rc_table_release(t);

	{
		static const colspec_t cols[] = {{.name = "id", .type = RC_T_INT32, .key = true},
		                                 {.name = "v", .type = RC_T_STRING}};
		rc_avro_opts_t my = {"srv", "mariadb", false, false};
		rc_value_t img[2] = {set_i(-3), set_s("x")};
		rc_event_t mev = {.op = RC_OP_CREATE, .after = img};
		mev.table = mk_table("inventory", "log", cols, 2);
		mev.source = (rc_source_info_t){.connector = "mariadb",
		                                .db = "inventory",
		                                .ts_us = 1700000000654321,
		                                .file = "mysql-bin.000003",
		                                .pos = 154,
		                                .row = 2,
		                                .server_id = 223344,
		                                .gtid = "0-1-42",
		                                .thread = 7};
		encode_and_decode(&mev, &my);
		mev.source.gtid = NULL;
		mev.source.thread = -1;
		mev.source.snapshot = "true";
		encode_and_decode(&mev, &my);
		rc_table_release(mev.table);
	}
}

/* PostgreSQL's semantic types: each field's Avro type exactly as Apicurio's AvroData (the
 * AvroConverter's rules) writes Debezium 3.6.1's Connect schemas (Point.builder(), Geometry.builder(),
 * Geography.builder(), map<string, string?>, Ltree, TsVector, Interval), and records of them through
 * avro-c. */
static void test_pg_semantic_types(void **state)
{
	static const colspec_t cols[] = {
	    {.name = "id", .type = RC_T_INT32, .key = true},
	    {.name = "pt", .type = RC_T_POINT, .semantic = "io.debezium.data.geometry.Point"},
	    {.name = "g", .type = RC_T_GEOMETRY, .semantic = "io.debezium.data.geometry.Geometry"},
	    {.name = "gg", .type = RC_T_GEOMETRY, .semantic = "io.debezium.data.geometry.Geography"},
	    {.name = "g2", .type = RC_T_GEOMETRY, .semantic = "io.debezium.data.geometry.Geometry"},
	    {.name = "ag",
	     .type = RC_T_ARRAY,
	     .elem_type = RC_T_GEOMETRY,
	     .semantic = "io.debezium.data.geometry.Geometry"},
	    {.name = "hm", .type = RC_T_MAP},
	    {.name = "ahm", .type = RC_T_ARRAY, .elem_type = RC_T_MAP},
	    {.name = "lt", .type = RC_T_STRING, .semantic = "io.debezium.data.Ltree"},
	    {.name = "tsv", .type = RC_T_STRING, .semantic = "io.debezium.data.Tsvector"},
	    {.name = "iv", .type = RC_T_STRING, .semantic = "io.debezium.time.Interval"},
	    {.name = "ae",
	     .type = RC_T_ARRAY,
	     .elem_type = RC_T_STRING,
	     .semantic = "io.debezium.data.Enum",
	     .enum_values = "sad,ok,happy"},
	    {.name = "atsv",
	     .type = RC_T_ARRAY,
	     .elem_type = RC_T_STRING,
	     .semantic = "io.debezium.data.Tsvector"},
	};
	static const struct {
		const char *field, *type;
	} cases[] = {
	    {"pt",
	     "{\"type\":\"record\",\"name\":\"Point\",\"namespace\":\"io.debezium.data.geometry\",\"fields\":[{"
	     "\"name\":\"x\",\"type\":\"double\"},{\"name\":\"y\",\"type\":\"double\"},{\"name\":\"wkb\","
	     "\"type\":[\"null\",\"bytes\"],\"default\":null},{\"name\":\"srid\",\"type\":[\"null\",\"int\"],"
	     "\"default\":null}],\"connect.doc\":\"Geometry (POINT)\",\"connect.version\":1,\"connect.name\":"
	     "\"io.debezium.data.geometry.Point\"}"},
	    {"g", "{\"type\":\"record\",\"name\":\"Geometry\",\"namespace\":\"io.debezium.data.geometry\","
	          "\"fields\":[{\"name\":\"wkb\",\"type\":\"bytes\"},{\"name\":\"srid\",\"type\":[\"null\","
	          "\"int\"],\"default\":null}],\"connect.doc\":\"Geometry\",\"connect.version\":1,"
	          "\"connect.name\":\"io.debezium.data.geometry.Geometry\"}"},
	    {"gg", "{\"type\":\"record\",\"name\":\"Geography\",\"namespace\":\"io.debezium.data.geometry\","
	           "\"fields\":[{\"name\":\"wkb\",\"type\":\"bytes\"},{\"name\":\"srid\",\"type\":[\"null\","
	           "\"int\"],\"default\":null}],\"connect.doc\":\"Geography\",\"connect.version\":1,"
	           "\"connect.name\":\"io.debezium.data.geometry.Geography\"}"},
	    {"g2", "\"io.debezium.data.geometry.Geometry\""},
	    {"ag", "{\"type\":\"array\",\"items\":[\"null\",\"io.debezium.data.geometry.Geometry\"]}"},
	    {"hm", "{\"type\":\"map\",\"values\":[\"null\",\"string\"]}"},
	    {"ahm",
	     "{\"type\":\"array\",\"items\":[\"null\",{\"type\":\"map\",\"values\":[\"null\",\"string\"]}]}"},
	    {"lt", "{\"type\":\"string\",\"connect.version\":1,\"connect.name\":\"io.debezium.data.Ltree\"}"},
	    {"tsv",
	     "{\"type\":\"string\",\"connect.version\":1,\"connect.name\":\"io.debezium.data.Tsvector\"}"},
	    {"iv",
	     "{\"type\":\"string\",\"connect.version\":1,\"connect.name\":\"io.debezium.time.Interval\"}"},
	    /* SchemaBuilder.array(Enum.builder(...)): required elements */
	    {"ae",
	     "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"connect.version\":1,\"connect.parameters\":{"
	     "\"allowed\":\"sad,ok,happy\"},\"connect.name\":\"io.debezium.data.Enum\"}}"},
	    {"atsv",
	     "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"connect.version\":1,\"connect.name\":"
	     "\"io.debezium.data.Tsvector\"}}"},
	};
	static const unsigned char wkb[21] = {1,    1,    0, 0, 0, 0, 0, 0, 0, 0,   0,
	                                      0xf8, 0xbf, 0, 0, 0, 0, 0, 0, 0, 0x40};
	/* SRID=4326;POINT(1 2) as PostGIS writes it: little-endian, type 1 with the SRID flag */
	static const unsigned char ewkb[25] = {1, 1, 0,    0,    0x20, 0xe6, 0x10, 0, 0, 0, 0, 0,   0,
	                                       0, 0, 0xf0, 0x3f, 0,    0,    0,    0, 0, 0, 0, 0x40};
	rc_table_t *t = mk_table("public", "sem", cols, sizeof cols / sizeof cols[0]);
	rc_value_t geoms[2], kv[4] = {set_s("a"), set_s("1"), set_s("b"), null_v}, maps[2];
	rc_value_t moods[2] = {set_s("sad"), set_s("happy")};
	rc_value_t after[13] = {set_i(1),
	                        set_b(wkb, 21),
	                        set_b(ewkb, 25),
	                        set_b(ewkb, 25),
	                        set_b(wkb, 21),
	                        {.state = RC_V_SET},
	                        {.state = RC_V_SET},
	                        {.state = RC_V_SET},
	                        set_s("a.b.c"),
	                        set_s("'cat':1"),
	                        set_s("P1Y2M-3DT4H5M6.789S"),
	                        {.state = RC_V_SET},
	                        {.state = RC_V_SET}};
	rc_event_t ev = {.op = RC_OP_CREATE, .table = t, .after = after, .source = pg_source()};
	char err[512], *json;
	(void)state;

	assert_int_equal(rc_avro_value_schema(t, &pg_opts, &json, err, sizeof err), 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *f = value_field_type(json, cases[i].field);
		assert_string_equal(f, cases[i].type);
		free(f);
	}
	assert_int_equal(rc_avro_check_schema(json, strlen(json), err, sizeof err), 0);
	free(json);

	after[2].u.bytes.scale = 4326;
	after[3].u.bytes.scale = 4326;
	geoms[0] = set_b(ewkb, 25);
	geoms[0].u.bytes.scale = 4326;
	geoms[1] = null_v;
	after[5].u.array.items = geoms;
	after[5].u.array.n = 2;
	after[6].u.array.items = kv;
	after[6].u.array.n = 4;
	maps[0] = after[6];
	maps[1] = null_v;
	after[7].u.array.items = maps;
	after[7].u.array.n = 2;
	after[11].u.array.items = moods;
	after[11].u.array.n = 2;
	after[12].u.array.items = moods;
	after[12].u.array.n = 1;
	encode_and_decode(&ev, &pg_opts);
	after[6].u.array.n = 0; /* an empty map */
	encode_and_decode(&ev, &pg_opts);
	{
		rc_buf_t b;
		rc_value_t bad = set_b("\x01", 1); /* not a WKB point */
		after[1] = bad;
		rc_buf_init(&b, 0);
		assert_int_not_equal(rc_avro_encode_value(&ev, &pg_opts, 6, 0, &b, err, sizeof err), 0);
		assert_non_null(strstr(err, "not a 2D WKB point"));
		rc_buf_free(&b);
	}
	rc_table_release(t);
}

/* An invalid schema is refused with avro-c's words; what rowcast builds is accepted. */
static void test_check_schema(void **state)
{
	static const struct {
		const char *json, *err;
	} bad[] = {
	    {"{\"type\":\"record\",\"name\":\"Key\",\"fields\":[{\"name\":\"id\",\"type\":\"integer\"}]}",
	     "avro-c refuses the schema: Unknown Avro \"type\": integer"},
	    {"{\"type\":\"record\",\"name\":\"Envelope\",\"namespace\":\"a\",\"fields\":[{\"name\":\"after\","
	     "\"type\":[\"null\",\"b.Value\"]}]}",
	     "avro-c refuses the schema: Unknown Avro \"type\": b.Value"},
	    {"{\"type\":\"record\",\"name\":\"Key\",\"fields\":[{\"name\":\"1id\",\"type\":\"int\"}]}",
	     "avro-c refuses the schema: Invalid Avro identifier"},
	    {"{\"type\":\"record\",\"name\":\"Key\",\"fields\":[",
	     "avro-c refuses the schema: Error parsing JSON: "},
	};
	rc_table_t *t = orders();
	char err[512], *json, *padded;
	size_t len;
	(void)state;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		strcpy(err, "untouched");
		assert_int_equal(rc_avro_check_schema(bad[i].json, strlen(bad[i].json), err, sizeof err),
		                 RC_ERR_FATAL);
		if (strncmp(err, bad[i].err, strlen(bad[i].err)) != 0)
			fail_msg("schema %zu: got \"%s\", expected \"%s\"", i, err, bad[i].err);
	}
	assert_int_equal(rc_avro_value_schema(t, &pg_opts, &json, err, sizeof err), 0);
	assert_int_equal(rc_avro_check_schema(json, strlen(json), err, sizeof err), RC_OK);
	/* Exactly len bytes are read: the schema followed by anything is valid, one byte short is not. */
	len = strlen(json);
	padded = malloc(len + 4);
	assert_non_null(padded);
	memcpy(padded, json, len);
	memcpy(padded + len, "}}x", 4);
	assert_int_equal(rc_avro_check_schema(padded, len, err, sizeof err), RC_OK);
	assert_int_equal(rc_avro_check_schema(padded, len - 1, err, sizeof err), RC_ERR_FATAL);
	free(padded);
	free(json);
	rc_table_release(t);
	/* A decimal default with a zero byte (1.5 in numeric(10,2): 00 96) is valid JSON and Avro, which
	 * avro-c's parser refuses unless told: accepted; an escaped backslash before "u0000" is text. */
	{
		static const char *nul =
		    "{\"type\":\"record\",\"name\":\"V\",\"fields\":[{\"name\":\"c\","
		    "\"type\":[{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"scale\":2,"
		    "\"precision\":10},\"null\"],\"default\":\"\\u0000\\u0096\"},"
		    "{\"name\":\"s\",\"type\":\"string\",\"default\":\"a\\\\u0000\"}]}";
		assert_int_equal(rc_avro_check_schema(nul, strlen(nul), err, sizeof err), RC_OK);
	}
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
		rc_decimal_append_twos(&b, (const unsigned char *)cases[i].bytes, cases[i].len,
		                       cases[i].scale, RC_DECIMAL_PLAIN);
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
	    cmocka_unit_test(test_oracle_every_type),
	    cmocka_unit_test(test_required_and_defaults_schema),
	    cmocka_unit_test(test_required_and_defaults_values),
	    cmocka_unit_test(test_pg_semantic_types),
	    cmocka_unit_test(test_check_schema),
	    cmocka_unit_test(test_json_decimal_and_strings),
	    cmocka_unit_test(test_json_event),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
