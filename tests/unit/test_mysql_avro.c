/*
 * MySQL columns through the sinks: the Avro schemas of TINYINT (Connect INT8) and GEOMETRY
 * (io.debezium.data.geometry.Geometry) as Debezium's AvroData writes them, and a GEOMETRY value
 * encoded by rowcast and read back by avro-c. Expected schema text: Debezium's Geometry.builder()
 * (struct "wkb" BYTES, "srid" OPTIONAL_INT32, doc "Geometry", version 1) as AvroData renders a
 * Connect struct (connect.doc, connect.version, connect.name; optional fields as ["null", T] with
 * default null), and TINYINT as Connect INT16 ({"type":"int","connect.type":"int16"}).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/buf.h"
#include "agent/errors.h"
#include "decoders/mysql/mysql_types.h"
#include "sinks/avro_check.h"
#include "sinks/avro_encode.h"
#include "sinks/avro_schema.h"
#include "sinks/json_encode.h"
#include "tests/unit/avro_read.h"

#include <avro.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const rc_avro_opts_t my_opts = {"srv", "mysql", false, false};

#define GEOMETRY_RECORD                                                                                      \
	"{\"type\":\"record\",\"name\":\"Geometry\",\"namespace\":\"io.debezium.data.geometry\","            \
	"\"fields\":[{\"name\":\"wkb\",\"type\":\"bytes\"},"                                                 \
	"{\"name\":\"srid\",\"type\":[\"null\",\"int\"],\"default\":null}],"                                 \
	"\"connect.doc\":\"Geometry\",\"connect.version\":1,"                                                \
	"\"connect.name\":\"io.debezium.data.geometry.Geometry\"}"

/* A table of (id INT key, t TINYINT, tu TINYINT UNSIGNED, g GEOMETRY, g2 GEOMETRY, v VECTOR(2))
 * mapped by mysql_types.c. */
static rc_table_t *geo_table(void)
{
	static const rc_mysql_kind_t kinds[] = {RC_MY_INT,      RC_MY_TINYINT,  RC_MY_TINYINT,
	                                        RC_MY_GEOMETRY, RC_MY_GEOMETRY, RC_MY_VECTOR};
	static const char *const names[] = {"id", "t", "tu", "g", "g2", "v"};
	rc_table_t *t = rc_table_new("inventory", "places", "srv.inventory.places", 6);
	rc_mysql_modes_t m;
	char err[256];

	assert_non_null(t);
	rc_typemodes_default(&m.base);
	m.bigint_precise = false;
	for (size_t i = 0; i < 6; i++) {
		rc_mysql_coldef_t d;
		memset(&d, 0, sizeof d);
		d.name = names[i];
		d.kind = kinds[i];
		d.is_unsigned = i == 2;
		d.key = i == 0;
		d.nullable = i != 0;
		d.length = kinds[i] == RC_MY_VECTOR ? 2 : 0;
		if (rc_mysql_column_init(&t->cols[i], i, &d, &m, err, sizeof err) != 0)
			fail_msg("%s", err);
	}
	rc_table_count_keys(t);
	return t;
}

static void test_schema(void **state)
{
	rc_table_t *t = geo_table();
	char err[512], *json;
	(void)state;

	assert_int_equal(rc_avro_value_schema(t, &my_opts, &json, err, sizeof err), 0);
	/* TINYINT and TINYINT UNSIGNED: Connect INT16 (what Debezium 3.6.1 sends, tests/compat/) */
	assert_non_null(strstr(json, "{\"name\":\"t\",\"type\":[\"null\",{\"type\":\"int\",\"connect.type\":"
	                             "\"int16\"}],\"default\":null}"));
	assert_non_null(strstr(json, "{\"name\":\"tu\",\"type\":[\"null\",{\"type\":\"int\",\"connect.type\":"
	                             "\"int16\"}],\"default\":null}"));
	/* the first GEOMETRY defines the record, the second names it */
	assert_non_null(
	    strstr(json, "{\"name\":\"g\",\"type\":[\"null\"," GEOMETRY_RECORD "],\"default\":null}"));
	assert_non_null(strstr(json,
	                       "{\"name\":\"g2\",\"type\":[\"null\",\"io.debezium.data.geometry.Geometry\"],"
	                       "\"default\":null}"));
	/* VECTOR: Debezium's FloatVector, SchemaBuilder.array(FLOAT32_SCHEMA) named and versioned: the
	 * Connect name on the array, plain float items */
	assert_non_null(strstr(json, "{\"name\":\"v\",\"type\":[\"null\",{\"type\":\"array\",\"items\":"
	                             "\"float\",\"connect.version\":1,\"connect.name\":"
	                             "\"io.debezium.data.FloatVector\"}],\"default\":null}"));
	/* and avro-c accepts it */
	{
		avro_schema_t s;
		if (rc_avro_parse_schema(json, strlen(json), &s, err, sizeof err) != RC_OK)
			fail_msg("%s in %s", err, json);
		avro_schema_decref(s);
	}
	free(json);
	rc_table_release(t);
}

static void check_geometry(avro_value_t *after, const char *name, const void *wkb, size_t len, int32_t srid)
{
	avro_value_t f = field(after, name), g = branch(&f, 1), w = field(&g, "wkb"), s = field(&g, "srid");

	is_bytes(&w, wkb, len);
	if (srid == 0) {
		avro_value_t null = branch(&s, 0);
		assert_int_equal(avro_value_get_null(&null), 0);
	} else {
		avro_value_t sv = branch(&s, 1);
		assert_int_equal(int_of(&sv), srid);
	}
}

static void test_encode(void **state)
{
	/* POINT(1 2): ST_AsBinary's WKB */
	static const unsigned char wkb[] = {0x01, 0x01, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0,   0,
	                                    0xf0, 0x3f, 0,    0,    0,    0, 0, 0, 0, 0x40};
	rc_table_t *t = geo_table();
	rc_value_t after[6], items[2];
	rc_event_t ev;
	rc_buf_t b;
	char err[512], *json;
	decoded_t d;
	avro_value_t a, av, tv;
	(void)state;

	memset(after, 0, sizeof after);
	memset(&ev, 0, sizeof ev);
	after[0].state = RC_V_SET;
	after[0].u.i = 7;
	after[1].state = RC_V_SET;
	after[1].u.i = -128;
	after[2].state = RC_V_SET;
	after[2].u.i = 255;
	after[3].state = RC_V_SET;
	after[3].u.bytes.ptr = (const char *)wkb;
	after[3].u.bytes.len = sizeof wkb;
	after[3].u.bytes.scale = 4326;
	after[4] = after[3];
	after[4].u.bytes.scale = 0; /* no SRID: null */
	memset(items, 0, sizeof items);
	items[0].state = RC_V_SET;
	items[0].u.f = 1.0;
	items[1].state = RC_V_SET;
	items[1].u.f = -2.5;
	after[5].state = RC_V_SET;
	after[5].u.array.items = items;
	after[5].u.array.n = 2;
	ev.op = RC_OP_CREATE;
	ev.table = t;
	ev.after = after;
	ev.source.connector = "mysql";
	ev.source.db = "inventory";
	ev.source.snapshot = "false";
	ev.source.file = "binlog.000001";
	ev.source.txid = -1;
	ev.source.thread = -1;

	rc_buf_init(&b, 0);
	if (rc_avro_encode_value(&ev, &my_opts, 3, 1700000000000000000, &b, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(rc_avro_value_schema(t, &my_opts, &json, err, sizeof err), 0);
	decode(&d, json, 3, &b);

	a = field(&d.value, "after");
	av = branch(&a, 1);
	tv = field(&av, "t");
	tv = branch(&tv, 1);
	assert_int_equal(int_of(&tv), -128);
	check_geometry(&av, "g", wkb, sizeof wkb, 4326);
	check_geometry(&av, "g2", wkb, sizeof wkb, 0);
	{
		avro_value_t vf = field(&av, "v"), arr = branch(&vf, 1), el = {0};
		float fl = 0;
		assert_int_equal(size_of(&arr), 2);
		assert_int_equal(avro_value_get_by_index(&arr, 1, &el, NULL), 0);
		assert_int_equal(avro_value_get_float(&el, &fl), 0);
		assert_true(fl == -2.5f);
	}

	/* the JSON lines form: {"wkb": base64, "srid": n or null} */
	rc_buf_reset(&b);
	if (rc_json_encode_event(&ev, &my_opts, 1700000000000000000, false, &b, err, sizeof err) != 0)
		fail_msg("%s", err);
	rc_buf_putc(&b, '\0');
	assert_non_null(
	    strstr((const char *)b.data, "\"g\":{\"wkb\":\"AQEAAAAAAAAAAADwPwAAAAAAAABA\",\"srid\":4326}"));
	assert_non_null(
	    strstr((const char *)b.data, "\"g2\":{\"wkb\":\"AQEAAAAAAAAAAADwPwAAAAAAAABA\",\"srid\":null}"));
	assert_non_null(strstr((const char *)b.data, "\"v\":[1,-2.5]"));

	decoded_free(&d);
	rc_buf_free(&b);
	rc_table_release(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_schema),
	    cmocka_unit_test(test_encode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
