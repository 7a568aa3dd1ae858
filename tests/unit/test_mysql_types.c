/*
 * MySQL/MariaDB column mapping and values (decoders/mysql/mysql_types.c, mysql_values.c,
 * mysql_charset.c). Expected values come from Debezium's documented mapping (shared-mariadb-mysql.adoc
 * type tables, BinlogValueConverters), from a real MariaDB 10.11 (CONVERT(... USING utf8mb4) and
 * ST_GeomFromText/ST_AsBinary results, quoted as hex), and from calendar arithmetic done outside
 * rowcast (Python's datetime: 1000-01-01 is day -354285).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/arena.h"
#include "agent/conf.h"
#include "agent/errors.h"
#include "decoders/mysql/mysql_charset.h"
#include "decoders/mysql/mysql_types.h"
#include "decoders/mysql/mysql_values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UTF8MB4 45u /* utf8mb4_general_ci */
#define UTF8MB3 33u /* utf8mb3_general_ci */
#define LATIN1 8u   /* latin1_swedish_ci */
#define BINARY 63u

static rc_mysql_modes_t modes(rc_decimal_mode_t d, rc_time_mode_t t, rc_binary_mode_t b, bool precise)
{
	rc_mysql_modes_t m;
	m.base.decimal = d;
	m.base.time = t;
	m.base.binary = b;
	m.bigint_precise = precise;
	return m;
}

static const rc_mysql_modes_t *dflt(void)
{
	static rc_mysql_modes_t m;
	m = modes(RC_DECIMAL_MODE_PRECISE, RC_TIME_MODE_ADAPTIVE_MICROS, RC_BINARY_MODE_BYTES, false);
	return &m;
}

static rc_mysql_coldef_t def_of(rc_mysql_kind_t kind)
{
	rc_mysql_coldef_t d;
	memset(&d, 0, sizeof d);
	d.name = "c";
	d.kind = kind;
	d.nullable = true;
	return d;
}

/* A column of def under m; the caller frees with free_col. */
static rc_column_t col_of(const rc_mysql_coldef_t *def, const rc_mysql_modes_t *m)
{
	rc_column_t c;
	char err[256];
	memset(&c, 0, sizeof c);
	if (rc_mysql_column_init(&c, 0, def, m, err, sizeof err) != 0)
		fail_msg("column_init: %s", err);
	return c;
}

static void free_col(rc_column_t *c)
{
	free(c->name);
	free(c->source_type);
	free(c->enum_values);
}

static void assert_bytes_hex(const rc_value_t *v, const char *hex)
{
	char buf[1024];
	size_t n = 0;
	assert_int_equal(v->state, RC_V_SET);
	assert_true(v->u.bytes.len * 2 < sizeof buf);
	for (size_t i = 0; i < v->u.bytes.len; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%02X", (unsigned char)v->u.bytes.ptr[i]);
	buf[n] = '\0';
	assert_string_equal(buf, hex);
}

static size_t unhex(const char *hex, unsigned char *out)
{
	size_t n = strlen(hex) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned int b;
		sscanf(hex + 2 * i, "%2x", &b);
		out[i] = (unsigned char)b;
	}
	return n;
}

/* ---- mapping ------------------------------------------------------------------------------ */

static void check_map(rc_mysql_kind_t kind, bool uns, int32_t fsp, const rc_mysql_modes_t *m, rc_type_t type,
                      const char *sem, const char *source_type)
{
	rc_mysql_coldef_t d = def_of(kind);
	rc_column_t c;
	d.is_unsigned = uns;
	d.fsp = fsp;
	d.precision = kind == RC_MY_DECIMAL ? 10 : 0;
	d.scale = kind == RC_MY_DECIMAL ? 2 : 0;
	d.length = kind == RC_MY_BIT ? 10 : kind == RC_MY_VECTOR ? 3 : 0;
	d.collation = UTF8MB4;
	c = col_of(&d, m);
	if (c.type != type)
		fail_msg("kind %d unsigned %d fsp %d: type %d, expected %d", (int)kind, uns, (int)fsp,
		         (int)c.type, (int)type);
	if (sem)
		assert_non_null(c.semantic);
	if (sem && strcmp(c.semantic, sem) != 0)
		fail_msg("kind %d fsp %d: semantic %s, expected %s", (int)kind, (int)fsp, c.semantic, sem);
	if (!sem && c.semantic)
		fail_msg("kind %d: semantic %s, expected none", (int)kind, c.semantic);
	if (source_type)
		assert_string_equal(c.source_type, source_type);
	free_col(&c);
}

static void test_map_numbers(void **state)
{
	const rc_mysql_modes_t *m = dflt();
	rc_mysql_modes_t precise = *m, dbl = *m, str = *m;
	(void)state;
	precise.bigint_precise = true;
	dbl.base.decimal = RC_DECIMAL_MODE_DOUBLE;
	str.base.decimal = RC_DECIMAL_MODE_STRING;

	/* Debezium (3.6.1 as it sends, tests/compat/): TINYINT INT16 (signed too), SMALLINT INT16 (INT32
	 * unsigned), MEDIUMINT INT32, INT INT32 (INT64 unsigned), BIGINT INT64, BIGINT UNSIGNED INT64 or
	 * Decimal(20,0) */
	check_map(RC_MY_TINYINT, false, 0, m, RC_T_INT16, NULL, "TINYINT");
	check_map(RC_MY_TINYINT, true, 0, m, RC_T_INT16, NULL, "TINYINT UNSIGNED");
	check_map(RC_MY_SMALLINT, false, 0, m, RC_T_INT16, NULL, "SMALLINT");
	check_map(RC_MY_SMALLINT, true, 0, m, RC_T_INT32, NULL, NULL);
	check_map(RC_MY_MEDIUMINT, false, 0, m, RC_T_INT32, NULL, NULL);
	check_map(RC_MY_MEDIUMINT, true, 0, m, RC_T_INT32, NULL, "MEDIUMINT UNSIGNED");
	check_map(RC_MY_INT, false, 0, m, RC_T_INT32, NULL, "INT");
	check_map(RC_MY_INT, true, 0, m, RC_T_INT64, NULL, "INT UNSIGNED");
	check_map(RC_MY_BIGINT, false, 0, m, RC_T_INT64, NULL, NULL);
	check_map(RC_MY_BIGINT, true, 0, m, RC_T_INT64, NULL, "BIGINT UNSIGNED");
	check_map(RC_MY_BIGINT, true, 0, &precise, RC_T_DECIMAL, NULL, NULL);
	check_map(RC_MY_BIGINT, false, 0, &precise, RC_T_INT64, NULL, NULL);
	check_map(RC_MY_FLOAT, false, 0, m, RC_T_FLOAT32, NULL, "FLOAT");
	check_map(RC_MY_DOUBLE, false, 0, m, RC_T_FLOAT64, NULL, "DOUBLE");
	check_map(RC_MY_DECIMAL, false, 0, m, RC_T_DECIMAL, NULL, "DECIMAL");
	check_map(RC_MY_DECIMAL, false, 0, &dbl, RC_T_FLOAT64, NULL, NULL);
	check_map(RC_MY_DECIMAL, false, 0, &str, RC_T_STRING, NULL, NULL);
	check_map(RC_MY_BIT, false, 0, m, RC_T_BYTES, "io.debezium.data.Bits", "BIT");
	check_map(RC_MY_YEAR, false, 0, m, RC_T_INT32, "io.debezium.time.Year", "YEAR");
}

static void test_map_precise_bigint_params(void **state)
{
	rc_mysql_modes_t m = *dflt();
	rc_mysql_coldef_t d = def_of(RC_MY_BIGINT);
	rc_column_t c;
	(void)state;
	m.bigint_precise = true;
	d.is_unsigned = true;
	c = col_of(&d, &m);
	/* Debezium: Decimal with connect.decimal.precision 20, scale 0 */
	assert_int_equal(c.precision, 20);
	assert_int_equal(c.scale, 0);
	free_col(&c);

	d = def_of(RC_MY_BIT);
	d.length = 1;
	c = col_of(&d, &m);
	assert_int_equal(c.type, RC_T_BOOL); /* BIT(1): BOOLEAN */
	free_col(&c);
	d.length = 64;
	c = col_of(&d, &m);
	assert_int_equal(c.type, RC_T_BYTES);
	assert_int_equal(c.length, 64);
	free_col(&c);

	d = def_of(RC_MY_DECIMAL);
	d.precision = 65;
	d.scale = 30;
	c = col_of(&d, &m);
	assert_int_equal(c.precision, 65);
	assert_int_equal(c.scale, 30);
	free_col(&c);

	/* FLOAT(M,D): FLOAT64 (the snapshot knows the scale) */
	d = def_of(RC_MY_FLOAT);
	d.scale = 2;
	c = col_of(&d, &m);
	assert_int_equal(c.type, RC_T_FLOAT64);
	free_col(&c);
}

static void test_map_temporal(void **state)
{
	rc_mysql_modes_t am = *dflt(), ad = am, cn = am;
	(void)state;
	ad.base.time = RC_TIME_MODE_ADAPTIVE;
	cn.base.time = RC_TIME_MODE_CONNECT;

	check_map(RC_MY_DATE, false, 0, &am, RC_T_DATE, "io.debezium.time.Date", "DATE");
	check_map(RC_MY_DATE, false, 0, &cn, RC_T_DATE, "org.apache.kafka.connect.data.Date", NULL);
	/* adaptive_time_microseconds: TIME is MicroTime whatever its fsp */
	check_map(RC_MY_TIME, false, 0, &am, RC_T_TIME_MICROS, "io.debezium.time.MicroTime", "TIME");
	check_map(RC_MY_TIME, false, 6, &am, RC_T_TIME_MICROS, "io.debezium.time.MicroTime", NULL);
	/* adaptive: Time (ms) for fsp 0-3, MicroTime for 4-6 */
	check_map(RC_MY_TIME, false, 3, &ad, RC_T_TIME_MILLIS, "io.debezium.time.Time", NULL);
	check_map(RC_MY_TIME, false, 4, &ad, RC_T_TIME_MICROS, "io.debezium.time.MicroTime", NULL);
	check_map(RC_MY_TIME, false, 6, &cn, RC_T_TIME_MILLIS, "org.apache.kafka.connect.data.Time", NULL);
	/* DATETIME: Timestamp (ms) for fsp 0-3, MicroTimestamp for 4-6, in both adaptive modes */
	check_map(RC_MY_DATETIME, false, 0, &am, RC_T_TIMESTAMP_MILLIS, "io.debezium.time.Timestamp",
	          "DATETIME");
	check_map(RC_MY_DATETIME, false, 3, &ad, RC_T_TIMESTAMP_MILLIS, "io.debezium.time.Timestamp", NULL);
	check_map(RC_MY_DATETIME, false, 4, &am, RC_T_TIMESTAMP_MICROS, "io.debezium.time.MicroTimestamp",
	          NULL);
	check_map(RC_MY_DATETIME, false, 6, &ad, RC_T_TIMESTAMP_MICROS, "io.debezium.time.MicroTimestamp",
	          NULL);
	check_map(RC_MY_DATETIME, false, 6, &cn, RC_T_TIMESTAMP_MILLIS,
	          "org.apache.kafka.connect.data.Timestamp", NULL);
	/* TIMESTAMP: ZonedTimestamp in every mode */
	check_map(RC_MY_TIMESTAMP, false, 0, &am, RC_T_STRING, "io.debezium.time.ZonedTimestamp",
	          "TIMESTAMP");
	check_map(RC_MY_TIMESTAMP, false, 6, &cn, RC_T_STRING, "io.debezium.time.ZonedTimestamp", NULL);
}

static void test_map_strings(void **state)
{
	rc_mysql_modes_t m = *dflt(), b64 = m, hex = m;
	rc_mysql_coldef_t d;
	rc_column_t c;
	char err[256];
	static const char *const labels[] = {"a", "b", "c"};
	(void)state;
	b64.base.binary = RC_BINARY_MODE_BASE64;
	hex.base.binary = RC_BINARY_MODE_HEX;

	check_map(RC_MY_VARCHAR, false, 0, &m, RC_T_STRING, NULL, "VARCHAR");
	check_map(RC_MY_CHAR, false, 0, &m, RC_T_STRING, NULL, "CHAR");
	check_map(RC_MY_TEXT, false, 0, &m, RC_T_STRING, NULL, "TEXT");
	check_map(RC_MY_JSON, false, 0, &m, RC_T_STRING, "io.debezium.data.Json", "JSON");
	check_map(RC_MY_GEOMETRY, false, 0, &m, RC_T_GEOMETRY, "io.debezium.data.geometry.Geometry",
	          "GEOMETRY");
	check_map(RC_MY_VECTOR, false, 0, &m, RC_T_ARRAY, "io.debezium.data.FloatVector", "VECTOR");
	check_map(RC_MY_BLOB, false, 0, &m, RC_T_BYTES, NULL, "BLOB");
	check_map(RC_MY_VARBINARY, false, 0, &b64, RC_T_STRING, NULL, NULL);

	/* binary.handling.mode base64/hex: a string, the mode kept in length as on the PostgreSQL side */
	d = def_of(RC_MY_BINARY);
	c = col_of(&d, &hex);
	assert_int_equal(c.type, RC_T_STRING);
	assert_int_equal(c.length, RC_BINARY_MODE_HEX);
	free_col(&c);
	/* the binlog says STRING for CHAR and BINARY: collation 63 makes it binary */
	d = def_of(RC_MY_CHAR);
	d.collation = BINARY;
	c = col_of(&d, &m);
	assert_int_equal(c.type, RC_T_BYTES);
	free_col(&c);

	d = def_of(RC_MY_ENUM);
	d.labels = labels;
	d.nlabels = 3;
	c = col_of(&d, &m);
	assert_int_equal(c.type, RC_T_STRING);
	assert_string_equal(c.semantic, "io.debezium.data.Enum");
	assert_string_equal(c.enum_values, "a,b,c");
	free_col(&c);
	d.kind = RC_MY_SET;
	c = col_of(&d, &m);
	assert_string_equal(c.semantic, "io.debezium.data.EnumSet");
	assert_string_equal(c.enum_values, "a,b,c");
	free_col(&c);

	/* an unknown collation of a text column: an error naming the column */
	d = def_of(RC_MY_VARCHAR);
	d.name = "title";
	d.collation = 4000;
	memset(&c, 0, sizeof c);
	assert_int_equal(rc_mysql_column_init(&c, 0, &d, &m, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, "title"));
	assert_non_null(strstr(err, "4000"));
	free_col(&c);
	d.collation = 0;
	memset(&c, 0, sizeof c);
	assert_int_equal(rc_mysql_column_init(&c, 0, &d, &m, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, "title"));
	free_col(&c);

	/* no name: "@<position>" */
	d = def_of(RC_MY_INT);
	d.name = NULL;
	d.key = true;
	d.nullable = false;
	memset(&c, 0, sizeof c);
	assert_int_equal(rc_mysql_column_init(&c, 6, &d, &m, err, sizeof err), 0);
	assert_string_equal(c.name, "@7");
	assert_true(c.key);
	assert_false(c.optional);
	free_col(&c);
}

static void test_modes_from_conf(void **state)
{
	rc_conf_t *conf = rc_conf_new();
	rc_mysql_modes_t m;
	char err[256];
	(void)state;

	assert_int_equal(rc_mysql_modes_from_conf(&m, conf, err, sizeof err), 0);
	assert_int_equal(m.base.time, RC_TIME_MODE_ADAPTIVE_MICROS); /* Debezium's MySQL default */
	assert_int_equal(m.base.decimal, RC_DECIMAL_MODE_PRECISE);
	assert_int_equal(m.base.binary, RC_BINARY_MODE_BYTES);
	assert_false(m.bigint_precise);
	assert_int_equal(
	    rc_conf_set(conf, "time.precision.mode", "adaptive", RC_CONF_CLI, "t", err, sizeof err), 0);
	assert_int_equal(
	    rc_conf_set(conf, "bigint.unsigned.handling.mode", "precise", RC_CONF_CLI, "t", err, sizeof err),
	    0);
	assert_int_equal(rc_mysql_modes_from_conf(&m, conf, err, sizeof err), 0);
	assert_int_equal(m.base.time, RC_TIME_MODE_ADAPTIVE);
	assert_true(m.bigint_precise);
	rc_conf_free(conf);
}

static void test_topic(void **state)
{
	char buf[32];
	(void)state;
	assert_int_equal(rc_mysql_topic(buf, sizeof buf, "srv", "inventory", "orders"), 0);
	assert_string_equal(buf, "srv.inventory.orders");
	assert_int_equal(rc_mysql_topic(buf, 10, "srv", "inventory", "orders"), -1);
}

/* ---- integers and BIT ---------------------------------------------------------------------- */

typedef struct {
	rc_mysql_kind_t kind;
	bool uns;
	int64_t i;
	uint64_t u;
	int64_t want;
} int_case_t;

static void test_int_values(void **state)
{
	static const int_case_t cases[] = {
	    {RC_MY_TINYINT, false, -128, 0, -128},
	    {RC_MY_TINYINT, false, 127, 0, 127},
	    {RC_MY_TINYINT, true, 0, 255, 255},
	    {RC_MY_SMALLINT, false, -32768, 0, -32768},
	    {RC_MY_SMALLINT, false, 32767, 0, 32767},
	    {RC_MY_SMALLINT, true, 0, 65535, 65535},
	    {RC_MY_MEDIUMINT, false, -8388608, 0, -8388608},
	    {RC_MY_MEDIUMINT, false, 8388607, 0, 8388607},
	    {RC_MY_MEDIUMINT, true, 0, 16777215, 16777215},
	    {RC_MY_INT, false, INT32_MIN, 0, INT32_MIN},
	    {RC_MY_INT, false, INT32_MAX, 0, INT32_MAX},
	    {RC_MY_INT, true, 0, 4294967295u, 4294967295},
	    {RC_MY_BIGINT, false, INT64_MIN, 0, INT64_MIN},
	    {RC_MY_BIGINT, false, INT64_MAX, 0, INT64_MAX},
	    /* long mode: 18446744073709551615 as the signed long -1, as Debezium sends it */
	    {RC_MY_BIGINT, true, 0, UINT64_MAX, -1},
	    {RC_MY_BIGINT, true, 0, UINT64_C(9223372036854775808), INT64_MIN},
	    {RC_MY_YEAR, false, 2155, 0, 2155},
	    {RC_MY_YEAR, false, 1901, 0, 1901},
	    /* YEAR 0000: Debezium's binlog reader gives Year.of(1900 + 0) */
	    {RC_MY_YEAR, false, 0, 0, 1900},
	};
	rc_arena_t arena;
	char err[256];
	(void)state;

	rc_arena_init(&arena, 0);
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		rc_mysql_coldef_t d = def_of(cases[k].kind);
		rc_column_t c;
		rc_value_t v;
		d.is_unsigned = cases[k].uns;
		c = col_of(&d, dflt());
		memset(&v, 0, sizeof v);
		if (rc_mysql_value_int(&c, &d, cases[k].i, cases[k].u, &arena, &v, err, sizeof err) != 0)
			fail_msg("case %zu: %s", k, err);
		assert_int_equal(v.state, RC_V_SET);
		if (v.u.i != cases[k].want)
			fail_msg("case %zu: %lld, expected %lld", k, (long long)v.u.i,
			         (long long)cases[k].want);
		free_col(&c);
	}
	rc_arena_destroy(&arena);
}

static void test_int_out_of_range(void **state)
{
	rc_mysql_coldef_t d = def_of(RC_MY_TINYINT);
	rc_column_t c;
	rc_value_t v;
	rc_arena_t arena;
	char err[256];
	(void)state;

	rc_arena_init(&arena, 0);
	d.name = "qty";
	c = col_of(&d, dflt());
	assert_int_equal(rc_mysql_value_int(&c, &d, 32768, 0, &arena, &v, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, "qty"));
	free_col(&c);
	rc_arena_destroy(&arena);
}

static void test_bigint_precise(void **state)
{
	rc_mysql_modes_t m = *dflt();
	rc_mysql_coldef_t d = def_of(RC_MY_BIGINT);
	rc_column_t c;
	rc_value_t v;
	rc_arena_t arena;
	char err[256];
	(void)state;

	rc_arena_init(&arena, 0);
	m.bigint_precise = true;
	d.is_unsigned = true;
	c = col_of(&d, &m);
	/* BigInteger("18446744073709551615").toByteArray(): 00 ff ff ff ff ff ff ff ff */
	assert_int_equal(rc_mysql_value_int(&c, &d, -1, UINT64_MAX, &arena, &v, err, sizeof err), 0);
	assert_bytes_hex(&v, "00FFFFFFFFFFFFFFFF");
	assert_int_equal(rc_mysql_value_int(&c, &d, 0, 0, &arena, &v, err, sizeof err), 0);
	assert_bytes_hex(&v, "00");
	assert_int_equal(rc_mysql_value_int(&c, &d, 128, 128, &arena, &v, err, sizeof err), 0);
	assert_bytes_hex(&v, "0080");
	free_col(&c);
	rc_arena_destroy(&arena);
}

static void test_bits(void **state)
{
	static const struct {
		int32_t len;
		uint64_t u;
		const char *hex; /* Debezium: little-endian, n/8 + (n%8 != 0) bytes */
	} cases[] = {
	    {10, 0x201, "0102"},
	    {10, 0, "0000"},
	    {10, 0x3ff, "FF03"},
	    {8, 0x80, "80"},
	    {16, 0x0100, "0001"},
	    {64, UINT64_C(0x0102030405060708), "0807060504030201"},
	    {64, UINT64_MAX, "FFFFFFFFFFFFFFFF"},
	};
	rc_arena_t arena;
	char err[256];
	(void)state;

	rc_arena_init(&arena, 0);
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		rc_mysql_coldef_t d = def_of(RC_MY_BIT);
		rc_column_t c;
		rc_value_t v;
		d.length = cases[k].len;
		c = col_of(&d, dflt());
		assert_int_equal(c.length, cases[k].len);
		if (rc_mysql_value_int(&c, &d, 0, cases[k].u, &arena, &v, err, sizeof err) != 0)
			fail_msg("case %zu: %s", k, err);
		assert_bytes_hex(&v, cases[k].hex);
		free_col(&c);
	}
	{
		rc_mysql_coldef_t d = def_of(RC_MY_BIT);
		rc_column_t c;
		rc_value_t v;
		d.length = 1;
		c = col_of(&d, dflt());
		assert_int_equal(rc_mysql_value_int(&c, &d, 0, 1, &arena, &v, err, sizeof err), 0);
		assert_true(v.u.b);
		assert_int_equal(rc_mysql_value_int(&c, &d, 0, 0, &arena, &v, err, sizeof err), 0);
		assert_false(v.u.b);
		free_col(&c);
		/* an integer for a BLOB column: an error, not bits */
		{
			rc_mysql_coldef_t b = def_of(RC_MY_BLOB);
			rc_column_t bc = col_of(&b, dflt());
			assert_int_equal(rc_mysql_value_int(&bc, &b, 1, 1, &arena, &v, err, sizeof err),
			                 RC_ERR_FATAL);
			free_col(&bc);
		}
		/* a value wider than BIT(10): an error */
		d.length = 10;
		c = col_of(&d, dflt());
		assert_int_equal(rc_mysql_value_int(&c, &d, 0, 0x400, &arena, &v, err, sizeof err),
		                 RC_ERR_FATAL);
		free_col(&c);
	}
	rc_arena_destroy(&arena);
}

static void test_floats(void **state)
{
	rc_mysql_coldef_t d = def_of(RC_MY_FLOAT);
	rc_column_t c = col_of(&d, dflt());
	rc_value_t v;
	(void)state;

	assert_int_equal(rc_mysql_value_double(&c, &d, 3.4028234663852886e38, &v), 0);
	assert_true(v.u.f == (double)3.4028234663852886e38f);
	assert_int_equal(rc_mysql_value_double(&c, &d, 0.1, &v), 0);
	assert_true(v.u.f == (double)0.1f); /* the 4-byte value MySQL stored */
	free_col(&c);
	d = def_of(RC_MY_DOUBLE);
	c = col_of(&d, dflt());
	assert_int_equal(rc_mysql_value_double(&c, &d, -1.7976931348623157e308, &v), 0);
	assert_true(v.u.f == -1.7976931348623157e308);
	free_col(&c);
}

/* ---- DECIMAL --------------------------------------------------------------------------------- */

static void check_decimal(int32_t p, int32_t s, rc_decimal_mode_t mode, bool neg, const char *digits,
                          const char *want_hex, const char *want_str, double want_f)
{
	rc_mysql_modes_t m = *dflt();
	rc_mysql_coldef_t d = def_of(RC_MY_DECIMAL);
	rc_decimal_t dec = {.negative = neg, .digits = digits, .n = strlen(digits), .scale = s};
	rc_column_t c;
	rc_value_t v;
	rc_arena_t arena;
	char err[256];

	rc_arena_init(&arena, 0);
	m.base.decimal = mode;
	d.precision = p;
	d.scale = s;
	c = col_of(&d, &m);
	if (rc_mysql_value_decimal(&c, &d, &dec, &arena, &v, err, sizeof err) != 0)
		fail_msg("%s: %s", digits, err);
	if (want_hex)
		assert_bytes_hex(&v, want_hex);
	if (want_str)
		assert_string_equal(v.u.bytes.ptr, want_str);
	if (!want_hex && !want_str)
		assert_true(v.u.f == want_f);
	free_col(&c);
	rc_arena_destroy(&arena);
}

static void test_decimals(void **state)
{
	static const char nines[] = "99999999999999999999999999999999999999999999999999999999999999999";
	(void)state;
	assert_int_equal(strlen(nines), 65);

	/* DECIMAL(65,0) at its maximum, both signs: 10^65-1 is 28 bytes of two's complement */
	check_decimal(65, 0, RC_DECIMAL_MODE_PRECISE, false, nines,
	              "00F316271C7FC3908A8BEF464E3945EF7A253609FFFFFFFFFFFFFFFF", NULL, 0);
	check_decimal(65, 0, RC_DECIMAL_MODE_PRECISE, true, nines,
	              "FF0CE9D8E3803C6F757410B9B1C6BA1085DAC9F60000000000000001", NULL, 0);
	check_decimal(65, 30, RC_DECIMAL_MODE_STRING, true, nines, NULL,
	              "-99999999999999999999999999999999999.999999999999999999999999999999", 0);
	check_decimal(65, 0, RC_DECIMAL_MODE_STRING, false, nines, NULL, nines, 0);
	check_decimal(65, 0, RC_DECIMAL_MODE_DOUBLE, false, nines, NULL, NULL, 1e65);

	/* -0.50 in DECIMAL(10,2): unscaled -50 = 0xCE; "-0.50"; -0.5 */
	check_decimal(10, 2, RC_DECIMAL_MODE_PRECISE, true, "050", "CE", NULL, 0);
	check_decimal(10, 2, RC_DECIMAL_MODE_STRING, true, "050", NULL, "-0.50", 0);
	check_decimal(10, 2, RC_DECIMAL_MODE_DOUBLE, true, "050", NULL, NULL, -0.5);
	/* -12.50: fb 1e (decimal.h's example) */
	check_decimal(10, 2, RC_DECIMAL_MODE_PRECISE, true, "1250", "FB1E", NULL, 0);
	/* Debezium writes BigDecimal.toPlainString(): "0.00000001", not toString()'s "1E-8" */
	check_decimal(10, 8, RC_DECIMAL_MODE_STRING, false, "1", NULL, "0.00000001", 0);
	check_decimal(10, 8, RC_DECIMAL_MODE_STRING, true, "1", NULL, "-0.00000001", 0);
	check_decimal(30, 20, RC_DECIMAL_MODE_STRING, false, "0", NULL, "0.00000000000000000000", 0);
	/* zero with a sign is zero */
	check_decimal(10, 2, RC_DECIMAL_MODE_STRING, true, "000", NULL, "0.00", 0);
	check_decimal(10, 2, RC_DECIMAL_MODE_PRECISE, true, "000", "00", NULL, 0);
}

/* A value at another scale than the column's: padded to it (BigDecimal with the column's scale:
 * 1.5 in DECIMAL(10,2) is "1.50", unscaled 150 = 00 96), or an error when digits would be cut. */
static void test_decimal_rescale(void **state)
{
	rc_mysql_modes_t m = *dflt(), str = m;
	rc_mysql_coldef_t d = def_of(RC_MY_DECIMAL);
	rc_decimal_t dec = {.negative = false, .digits = "15", .n = 2, .scale = 1};
	rc_column_t c;
	rc_value_t v;
	rc_arena_t arena;
	char err[256];
	(void)state;

	rc_arena_init(&arena, 0);
	str.base.decimal = RC_DECIMAL_MODE_STRING;
	d.precision = 10;
	d.scale = 2;
	c = col_of(&d, &str);
	assert_int_equal(rc_mysql_value_decimal(&c, &d, &dec, &arena, &v, err, sizeof err), 0);
	assert_string_equal(v.u.bytes.ptr, "1.50");
	free_col(&c);
	c = col_of(&d, &m);
	assert_int_equal(rc_mysql_value_decimal(&c, &d, &dec, &arena, &v, err, sizeof err), 0);
	assert_bytes_hex(&v, "0096");
	dec.digits = "155";
	dec.n = 3;
	dec.scale = 3;
	assert_int_equal(rc_mysql_value_decimal(&c, &d, &dec, &arena, &v, err, sizeof err), RC_ERR_FATAL);
	/* more digits than DECIMAL(10,2) holds */
	dec.digits = "123456789012";
	dec.n = 12;
	dec.scale = 2;
	assert_int_equal(rc_mysql_value_decimal(&c, &d, &dec, &arena, &v, err, sizeof err), RC_ERR_FATAL);
	free_col(&c);
	rc_arena_destroy(&arena);
}

/* ---- temporal ------------------------------------------------------------------------------- */

static rc_value_t temporal(rc_mysql_kind_t kind, int32_t fsp, rc_time_mode_t tm, rc_mysql_datetime_t dt,
                           int *rc)
{
	rc_mysql_modes_t m = *dflt();
	rc_mysql_coldef_t d = def_of(kind);
	rc_column_t c;
	rc_value_t v;
	rc_arena_t arena;
	char err[256];

	rc_arena_init(&arena, 0);
	m.base.time = tm;
	d.fsp = fsp;
	c = col_of(&d, &m);
	memset(&v, 0, sizeof v);
	*rc = rc_mysql_value_datetime(&c, &d, &dt, &arena, &v, err, sizeof err);
	free_col(&c);
	rc_arena_destroy(&arena);
	return v;
}

static void want_i(rc_mysql_kind_t kind, int32_t fsp, rc_time_mode_t tm, rc_mysql_datetime_t dt, int64_t want)
{
	int rc;
	rc_value_t v = temporal(kind, fsp, tm, dt, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(v.state, RC_V_SET);
	if (v.u.i != want)
		fail_msg("kind %d fsp %d mode %d: %lld, expected %lld", (int)kind, (int)fsp, (int)tm,
		         (long long)v.u.i, (long long)want);
}

static void want_null(rc_mysql_kind_t kind, rc_mysql_datetime_t dt)
{
	int rc;
	rc_value_t v = temporal(kind, 0, RC_TIME_MODE_ADAPTIVE_MICROS, dt, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(v.state, RC_V_NULL);
}

static rc_mysql_datetime_t ymd(int y, int m, int d, int hh, int mi, int ss, int us)
{
	rc_mysql_datetime_t t = {false, y, m, d, hh, mi, ss, us};
	return t;
}

static rc_mysql_datetime_t hms(bool neg, int hh, int mi, int ss, int us)
{
	rc_mysql_datetime_t t = {neg, 0, 0, 0, hh, mi, ss, us};
	return t;
}

static void test_dates(void **state)
{
	const rc_time_mode_t AM = RC_TIME_MODE_ADAPTIVE_MICROS, AD = RC_TIME_MODE_ADAPTIVE,
	                     CN = RC_TIME_MODE_CONNECT;
	int rc;
	(void)state;

	/* DATE: days since the epoch, the same in every mode */
	want_i(RC_MY_DATE, 0, AM, ymd(1000, 1, 1, 0, 0, 0, 0), -354285);
	want_i(RC_MY_DATE, 0, CN, ymd(9999, 12, 31, 0, 0, 0, 0), 2932896);
	want_i(RC_MY_DATE, 0, AD, ymd(1970, 1, 1, 0, 0, 0, 0), 0);
	/* DATETIME 1000-01-01 00:00:00 and 9999-12-31 23:59:59.999999 */
	want_i(RC_MY_DATETIME, 6, AM, ymd(9999, 12, 31, 23, 59, 59, 999999), INT64_C(253402300799999999));
	want_i(RC_MY_DATETIME, 6, AD, ymd(9999, 12, 31, 23, 59, 59, 999999), INT64_C(253402300799999999));
	want_i(RC_MY_DATETIME, 3, AM, ymd(9999, 12, 31, 23, 59, 59, 999000), INT64_C(253402300799999));
	want_i(RC_MY_DATETIME, 6, CN, ymd(9999, 12, 31, 23, 59, 59, 999000), INT64_C(253402300799999));
	want_i(RC_MY_DATETIME, 0, AM, ymd(1000, 1, 1, 0, 0, 0, 0), INT64_C(-30610224000000));
	want_i(RC_MY_DATETIME, 6, AM, ymd(1000, 1, 1, 0, 0, 0, 0), INT64_C(-30610224000000000));
	/* Debezium doc example: DATETIME 2018-06-20 06:37:03 is 1529476623000 */
	want_i(RC_MY_DATETIME, 0, AM, ymd(2018, 6, 20, 6, 37, 3, 0), INT64_C(1529476623000));

	/* zero dates, zero month or day: null */
	want_null(RC_MY_DATE, ymd(0, 0, 0, 0, 0, 0, 0));
	want_null(RC_MY_DATE, ymd(2024, 0, 10, 0, 0, 0, 0));
	want_null(RC_MY_DATE, ymd(2024, 5, 0, 0, 0, 0, 0));
	want_null(RC_MY_DATETIME, ymd(0, 0, 0, 0, 0, 0, 0));
	want_null(RC_MY_DATETIME, ymd(2024, 0, 0, 10, 0, 0, 0));
	/* Debezium's binlog reader: a zero year is null too (year == 0 || month == 0 || day == 0) */
	want_null(RC_MY_DATE, ymd(0, 1, 1, 0, 0, 0, 0));
	want_null(RC_MY_DATETIME, ymd(0, 1, 1, 0, 0, 0, 0));
	/* a day the month does not have: an error */
	temporal(RC_MY_DATE, 0, AM, ymd(2023, 2, 29, 0, 0, 0, 0), &rc);
	assert_int_equal(rc, RC_ERR_FATAL);
	want_i(RC_MY_DATE, 0, AM, ymd(2024, 2, 29, 0, 0, 0, 0), 19782);
}

static void test_times(void **state)
{
	const rc_time_mode_t AM = RC_TIME_MODE_ADAPTIVE_MICROS, AD = RC_TIME_MODE_ADAPTIVE,
	                     CN = RC_TIME_MODE_CONNECT;
	const int64_t max_s = 838 * 3600 + 59 * 60 + 59;
	int rc;
	(void)state;

	/* MicroTime: -838:59:59.000000 .. 838:59:59.000000 as signed µs */
	want_i(RC_MY_TIME, 6, AM, hms(true, 838, 59, 59, 0), -max_s * 1000000);
	want_i(RC_MY_TIME, 0, AM, hms(false, 838, 59, 59, 0), max_s * 1000000);
	want_i(RC_MY_TIME, 6, AM, hms(true, 0, 0, 0, 1), -1);
	want_i(RC_MY_TIME, 6, AM, hms(false, 25, 0, 0, 500000), INT64_C(90000500000));
	/* adaptive: Time ms for fsp <= 3 */
	want_i(RC_MY_TIME, 3, AD, hms(false, 838, 59, 59, 0), max_s * 1000);
	want_i(RC_MY_TIME, 3, AD, hms(true, 838, 59, 59, 0), -max_s * 1000);
	want_i(RC_MY_TIME, 6, AD, hms(false, 12, 0, 0, 123456), INT64_C(43200123456));
	want_i(RC_MY_TIME, 0, CN, hms(false, 12, 0, 0, 0), 43200000);
	temporal(RC_MY_TIME, 0, AM, hms(false, 839, 0, 0, 0), &rc);
	assert_int_equal(rc, RC_ERR_FATAL);
	temporal(RC_MY_TIME, 0, AM, hms(false, 1, 60, 0, 0), &rc);
	assert_int_equal(rc, RC_ERR_FATAL);
}

static void test_timestamps(void **state)
{
	static const struct {
		int32_t fsp;
		int64_t sec;
		int32_t micro;
		const char *want;
	} cases[] = {
	    /* ZonedTimestamp in UTC with the column's fractional digits */
	    {0, 1704164645, 0, "2024-01-02T03:04:05Z"},
	    {1, 1704164645, 100000, "2024-01-02T03:04:05.1Z"},
	    {2, 1704164645, 120000, "2024-01-02T03:04:05.12Z"},
	    {3, 1704164645, 100000, "2024-01-02T03:04:05.100Z"},
	    {3, 1704164645, 0, "2024-01-02T03:04:05.000Z"},
	    {4, 1704164645, 123400, "2024-01-02T03:04:05.1234Z"},
	    {5, 1704164645, 123450, "2024-01-02T03:04:05.12345Z"},
	    {6, 1704164645, 123456, "2024-01-02T03:04:05.123456Z"},
	    {6, 1704164645, 1, "2024-01-02T03:04:05.000001Z"},
	    /* the TIMESTAMP range: 1970-01-01 00:00:01 .. 2038-01-19 03:14:07.999999 UTC */
	    {0, 1, 0, "1970-01-01T00:00:01Z"},
	    {6, 2147483647, 999999, "2038-01-19T03:14:07.999999Z"},
	    /* Debezium doc: TIMESTAMP 2018-06-20 06:37:03 at UTC-7 is 2018-06-20T13:37:03Z */
	    {0, 1529501823, 0, "2018-06-20T13:37:03Z"},
	};
	rc_arena_t arena;
	char err[256];
	(void)state;

	rc_arena_init(&arena, 0);
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		rc_mysql_coldef_t d = def_of(RC_MY_TIMESTAMP);
		rc_column_t c;
		rc_value_t v;
		d.fsp = cases[k].fsp;
		c = col_of(&d, dflt());
		if (rc_mysql_value_timestamp(&c, &d, cases[k].sec, cases[k].micro, &arena, &v, err,
		                             sizeof err))
			fail_msg("case %zu: %s", k, err);
		assert_int_equal(v.state, RC_V_SET);
		assert_string_equal(v.u.bytes.ptr, cases[k].want);
		assert_int_equal(v.u.bytes.len, strlen(cases[k].want));
		/* the zero TIMESTAMP: null */
		assert_int_equal(rc_mysql_value_timestamp(&c, &d, 0, 0, &arena, &v, err, sizeof err), 0);
		assert_int_equal(v.state, RC_V_NULL);
		free_col(&c);
	}
	rc_arena_destroy(&arena);
}

/* ---- text and binary ------------------------------------------------------------------------ */

static int text(uint32_t collation, rc_mysql_kind_t kind, const rc_mysql_modes_t *m, const void *p,
                size_t len, rc_arena_t *arena, rc_value_t *v, char *err, size_t errlen)
{
	rc_mysql_coldef_t d = def_of(kind);
	rc_column_t c;
	int rc;
	d.name = "body";
	d.collation = collation;
	d.length = kind == RC_MY_BINARY ? 4 : 0;
	c = col_of(&d, m);
	rc = rc_mysql_value_bytes(&c, &d, p, len, arena, v, err, errlen);
	free_col(&c);
	return rc;
}

/* text in collation, given as hex, must become the UTF-8 given as hex (MariaDB's CONVERT). */
static void want_utf8(uint32_t collation, const char *in_hex, const char *want_hex)
{
	unsigned char in[512];
	size_t n = unhex(in_hex, in);
	rc_arena_t arena;
	rc_value_t v;
	char err[256];

	rc_arena_init(&arena, 0);
	if (text(collation, RC_MY_VARCHAR, dflt(), in, n, &arena, &v, err, sizeof err) != 0)
		fail_msg("collation %u: %s", collation, err);
	assert_bytes_hex(&v, want_hex);
	assert_int_equal(v.u.bytes.ptr[v.u.bytes.len], '\0');
	rc_arena_destroy(&arena);
}

static void want_invalid(uint32_t collation, const char *in_hex)
{
	unsigned char in[64];
	size_t n = unhex(in_hex, in);
	rc_arena_t arena;
	rc_value_t v;
	char err[256];

	rc_arena_init(&arena, 0);
	if (text(collation, RC_MY_VARCHAR, dflt(), in, n, &arena, &v, err, sizeof err) != RC_ERR_FATAL)
		fail_msg("collation %u, %s: accepted", collation, in_hex);
	assert_non_null(strstr(err, "body"));
	rc_arena_destroy(&arena);
}

static void test_text(void **state)
{
	char latin1[0x80 * 2 + 1];
	(void)state;

	for (int b = 0x80; b < 0x100; b++)
		snprintf(latin1 + 2 * (b - 0x80), 3, "%02x", b);
	/* MariaDB: SELECT HEX(CONVERT(_latin1 x'80...FF' USING utf8mb4)) */
	want_utf8(
	    LATIN1, latin1,
	    "E282ACC281E2809AC692E2809EE280A6E280A0E280A1CB86E280B0C5A0E280B9C592C28DC5BDC28FC290E28098"
	    "E28099E2809CE2809DE280A2E28093E28094CB9CE284A2C5A1E280BAC593C29DC5BEC5B8C2A0C2A1C2A2C2A3C2A4"
	    "C2A5C2A6C2A7C2A8C2A9C2AAC2ABC2ACC2ADC2AEC2AFC2B0C2B1C2B2C2B3C2B4C2B5C2B6C2B7C2B8C2B9C2BAC2BB"
	    "C2BCC2BDC2BEC2BFC380C381C382C383C384C385C386C387C388C389C38AC38BC38CC38DC38EC38FC390C391C392"
	    "C393C394C395C396C397C398C399C39AC39BC39CC39DC39EC39FC3A0C3A1C3A2C3A3C3A4C3A5C3A6C3A7C3A8C3A9"
	    "C3AAC3ABC3ACC3ADC3AEC3AFC3B0C3B1C3B2C3B3C3B4C3B5C3B6C3B7C3B8C3B9C3BAC3BBC3BCC3BDC3BEC3BF");
	want_utf8(LATIN1, "616263", "616263");
	want_utf8(48, "e9", "C3A9"); /* latin1_general_ci */
	/* 4-byte UTF-8 in utf8mb4 (U+1F600), 3-byte in utf8mb3 */
	want_utf8(UTF8MB4, "f09f9880", "F09F9880");
	want_utf8(255, "f09f9880", "F09F9880");  /* MySQL 8's utf8mb4_0900_ai_ci */
	want_utf8(2304, "f09f9880", "F09F9880"); /* MariaDB's utf8mb4_uca1400_ai_ci */
	want_utf8(UTF8MB3, "e282ac", "E282AC");
	want_utf8(UTF8MB4, "", "");
	/* MariaDB: CONVERT(_ucs2 x'00e920ac'), (_utf16 x'd83dde00'), (_utf32 x'0001f600'),
	 * (_utf16le x'3dd800de') USING utf8mb4 */
	want_utf8(35, "00e920ac", "C3A9E282AC");
	want_utf8(54, "d83dde00", "F09F9880");
	want_utf8(60, "0001f600", "F09F9880");
	want_utf8(56, "3dd800de", "F09F9880");
	/* cp1251 through iconv: CONVERT(_cp1251 x'cff0e8e2e5f2' USING utf8mb4) ("Привет") */
	want_utf8(51, "cff0e8e2e5f2", "D09FD180D0B8D0B2D0B5D182");
	want_utf8(11, "414243", "414243"); /* ascii */
	/* single-byte charsets as the server converts them (MariaDB CONVERT(_cs x'..' USING utf8mb4)),
	 * where glibc's iconv says otherwise: hebrew 0xAF is U+203E, greek 0xA1 U+02BD, cp866 0xFC
	 * U+207F, tis620 0x80 U+0080, geostd8 0x80 U+20AC; and swe7's 7-bit Swedish letters */
	want_utf8(16, "afe0", "E280BED790");
	want_utf8(25, "a1c1", "CABDCE91");
	want_utf8(36, "fc80", "E281BFD090");
	want_utf8(18, "80a1", "C280E0B881");
	want_utf8(92, "80c0", "E282ACE18390");
	want_utf8(10, "5b7d", "C384C3A5");
	want_utf8(7, "c1d7", "D0B0D0B2"); /* koi8r */
	want_utf8(9, "b1e6", "C485C487"); /* latin2 */
	want_utf8(13, "82a0", "E38182");  /* sjis, through iconv */
	/* sjis 0x5C and 0x7E are ASCII for MySQL (glibc's SHIFT_JIS says yen and overline), and 0x5C
	 * as the trail byte of 0x835C is part of U+30BD: MariaDB's CONVERT of x'5c81605c7e82a041' and
	 * x'835c' */
	want_utf8(13, "5c81605c7e82a041", "5CE3809C5C7EE3818241");
	want_utf8(13, "835c", "E382BD");
	want_invalid(13, "82");          /* a lead byte without its trail */
	want_utf8(28, "c4e3", "E4BDA0"); /* gbk, through iconv */
	want_invalid(26, "81");          /* cp1250 0x81: the server has no character for it */
	want_invalid(11, "ff");          /* ascii */

	/* invalid: a truncated sequence, an overlong form, a surrogate, 4 bytes in utf8mb3, a byte
	 * beyond ascii, an odd ucs2 length, a lone utf16 surrogate, utf32 beyond U+10FFFF */
	want_invalid(UTF8MB4, "c328");
	want_invalid(UTF8MB4, "e282");
	want_invalid(UTF8MB4, "c0af");
	want_invalid(UTF8MB4, "eda080");
	want_invalid(UTF8MB4, "f4908080");
	want_invalid(UTF8MB3, "f09f9880");
	want_invalid(UTF8MB4, "ff");
	want_invalid(11, "80");
	want_invalid(35, "00e920");
	want_invalid(54, "d83d0041");
	want_invalid(60, "00110000");
}

static void test_binary(void **state)
{
	static const unsigned char raw[] = {0x00, 0xff, 0x10};
	rc_mysql_modes_t m = *dflt(), b64 = m, hex = m;
	rc_arena_t arena;
	rc_value_t v;
	char err[256];
	(void)state;

	rc_arena_init(&arena, 0);
	b64.base.binary = RC_BINARY_MODE_BASE64;
	hex.base.binary = RC_BINARY_MODE_HEX;
	assert_int_equal(text(0, RC_MY_VARBINARY, &m, raw, 3, &arena, &v, err, sizeof err), 0);
	assert_bytes_hex(&v, "00FF10");
	assert_int_equal(text(0, RC_MY_BLOB, &b64, raw, 3, &arena, &v, err, sizeof err), 0);
	assert_string_equal(v.u.bytes.ptr, "AP8Q");
	assert_int_equal(text(0, RC_MY_BLOB, &hex, raw, 3, &arena, &v, err, sizeof err), 0);
	assert_string_equal(v.u.bytes.ptr, "00ff10");
	/* collation 63 on a text kind: the bytes as they are, not UTF-8 checked */
	assert_int_equal(text(BINARY, RC_MY_VARCHAR, &m, raw, 3, &arena, &v, err, sizeof err), 0);
	assert_bytes_hex(&v, "00FF10");
	/* BINARY(4) 'ab': the binlog drops the trailing zeros, Debezium pads them back (DBZ-254) */
	assert_int_equal(text(BINARY, RC_MY_BINARY, &m, "ab", 2, &arena, &v, err, sizeof err), 0);
	assert_bytes_hex(&v, "61620000");
	assert_int_equal(text(BINARY, RC_MY_BINARY, &b64, "ab", 2, &arena, &v, err, sizeof err), 0);
	assert_string_equal(v.u.bytes.ptr, "YWIAAA==");
	rc_arena_destroy(&arena);
}

/* ---- ENUM, SET, JSON, GEOMETRY, VECTOR ---------------------------------------------------- */

static void test_enum_set(void **state)
{
	static const char *const labels[] = {"a", "b", "c"};
	rc_mysql_coldef_t d = def_of(RC_MY_ENUM);
	rc_column_t c;
	rc_value_t v;
	rc_arena_t arena;
	char err[256];
	(void)state;

	rc_arena_init(&arena, 0);
	d.labels = labels;
	d.nlabels = 3;
	d.name = "size";
	c = col_of(&d, dflt());
	assert_int_equal(rc_mysql_value_enum(&c, &d, 0, &arena, &v, err, sizeof err), 0);
	assert_string_equal(v.u.bytes.ptr, ""); /* index 0: the invalid value '' */
	assert_int_equal(rc_mysql_value_enum(&c, &d, 1, &arena, &v, err, sizeof err), 0);
	assert_string_equal(v.u.bytes.ptr, "a");
	assert_int_equal(rc_mysql_value_enum(&c, &d, 3, &arena, &v, err, sizeof err), 0);
	assert_string_equal(v.u.bytes.ptr, "c");
	assert_int_equal(rc_mysql_value_enum(&c, &d, 4, &arena, &v, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, "size"));
	free_col(&c);

	d.kind = RC_MY_SET;
	c = col_of(&d, dflt());
	assert_int_equal(rc_mysql_value_enum(&c, &d, 5, &arena, &v, err, sizeof err), 0);
	assert_string_equal(v.u.bytes.ptr, "a,c");
	assert_int_equal(rc_mysql_value_enum(&c, &d, 7, &arena, &v, err, sizeof err), 0);
	assert_string_equal(v.u.bytes.ptr, "a,b,c");
	assert_int_equal(rc_mysql_value_enum(&c, &d, 2, &arena, &v, err, sizeof err), 0);
	assert_string_equal(v.u.bytes.ptr, "b");
	assert_int_equal(rc_mysql_value_enum(&c, &d, 0, &arena, &v, err, sizeof err), 0);
	assert_string_equal(v.u.bytes.ptr, "");
	assert_int_equal(v.u.bytes.len, 0);
	assert_int_equal(rc_mysql_value_enum(&c, &d, 8, &arena, &v, err, sizeof err), RC_ERR_FATAL);
	free_col(&c);
	rc_arena_destroy(&arena);
}

/* Labels in the column's charset (the binlog's ENUM_STR_VALUE is latin1 for a latin1 column) come
 * out in UTF-8, in "allowed" and in the values; labels that are not text in it are an error. */
static void test_enum_labels_charset(void **state)
{
	static const char *const latin1[] = {"caf\xe9", "na\xefve"};
	static const char *const broken[] = {"ok", "\xff"};
	rc_mysql_coldef_t d = def_of(RC_MY_ENUM);
	rc_column_t c;
	rc_value_t v;
	rc_arena_t arena;
	char err[256];
	(void)state;

	rc_arena_init(&arena, 0);
	d.labels = latin1;
	d.nlabels = 2;
	d.collation = LATIN1;
	c = col_of(&d, dflt());
	assert_string_equal(c.enum_values, "caf\xc3\xa9,na\xc3\xafve");
	assert_int_equal(rc_mysql_value_enum(&c, &d, 1, &arena, &v, err, sizeof err), 0);
	assert_string_equal(v.u.bytes.ptr, "caf\xc3\xa9");
	free_col(&c);
	d.kind = RC_MY_SET;
	c = col_of(&d, dflt());
	assert_int_equal(rc_mysql_value_enum(&c, &d, 3, &arena, &v, err, sizeof err), 0);
	assert_string_equal(v.u.bytes.ptr, "caf\xc3\xa9,na\xc3\xafve");
	free_col(&c);
	/* collation 0: the labels must already be UTF-8 */
	d.labels = broken;
	d.collation = 0;
	d.name = "mood";
	memset(&c, 0, sizeof c);
	assert_int_equal(rc_mysql_column_init(&c, 0, &d, dflt(), err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, "mood"));
	free_col(&c);
	rc_arena_destroy(&arena);
}

static void test_json(void **state)
{
	rc_mysql_coldef_t d = def_of(RC_MY_JSON);
	rc_column_t c = col_of(&d, dflt());
	rc_value_t v;
	rc_arena_t arena;
	char err[256];
	(void)state;

	rc_arena_init(&arena, 0);
	assert_int_equal(rc_mysql_value_json_text(&c, "{\"a\":1}", 7, &arena, &v, err, sizeof err), 0);
	assert_string_equal(v.u.bytes.ptr, "{\"a\":1}");
	assert_int_equal(rc_mysql_value_json_text(&c, "\"\xff\"", 3, &arena, &v, err, sizeof err),
	                 RC_ERR_FATAL);
	free_col(&c);
	rc_arena_destroy(&arena);
}

static void test_geometry(void **state)
{
	unsigned char in[64];
	/* MariaDB: HEX(ST_GeomFromText('POINT(1 2)', 4326)) and HEX(ST_AsBinary(...)) */
	size_t n = unhex("E61000000101000000000000000000F03F0000000000000040", in);
	rc_mysql_coldef_t d = def_of(RC_MY_GEOMETRY);
	rc_column_t c = col_of(&d, dflt());
	rc_value_t v;
	rc_arena_t arena;
	char err[256];
	(void)state;

	rc_arena_init(&arena, 0);
	assert_int_equal(rc_mysql_value_bytes(&c, &d, in, n, &arena, &v, err, sizeof err), 0);
	assert_bytes_hex(&v, "0101000000000000000000F03F0000000000000040");
	assert_int_equal(v.u.bytes.scale, 4326);
	/* HEX(ST_GeomFromText('LINESTRING(0 0,1 1)')): SRID 0 (Debezium: a null srid) */
	n = unhex(
	    "0000000001020000000200000000000000000000000000000000000000000000000000F03F000000000000F03F", in);
	assert_int_equal(rc_mysql_value_bytes(&c, &d, in, n, &arena, &v, err, sizeof err), 0);
	assert_int_equal(v.u.bytes.scale, 0);
	assert_int_equal(v.u.bytes.len, n - 4);
	assert_int_equal(rc_mysql_value_bytes(&c, &d, in, 6, &arena, &v, err, sizeof err), RC_ERR_FATAL);
	free_col(&c);
	rc_arena_destroy(&arena);
}

static void test_vector(void **state)
{
	/* MySQL 9 VECTOR: little-endian IEEE floats: [1.0, -2.5, 0.1f] */
	static const unsigned char in[] = {0x00, 0x00, 0x80, 0x3f, 0x00, 0x00,
	                                   0x20, 0xc0, 0xcd, 0xcc, 0xcc, 0x3d};
	rc_mysql_coldef_t d = def_of(RC_MY_VECTOR);
	rc_column_t c;
	rc_value_t v;
	rc_arena_t arena;
	char err[256];
	(void)state;

	rc_arena_init(&arena, 0);
	d.length = 3;
	c = col_of(&d, dflt());
	assert_int_equal(c.elem_type, RC_T_FLOAT32);
	assert_int_equal(rc_mysql_value_bytes(&c, &d, in, sizeof in, &arena, &v, err, sizeof err), 0);
	assert_int_equal(v.u.array.n, 3);
	assert_true(v.u.array.items[0].u.f == 1.0);
	assert_true(v.u.array.items[1].u.f == -2.5);
	assert_true(v.u.array.items[2].u.f == (double)0.1f);
	assert_int_equal(rc_mysql_value_bytes(&c, &d, in, 7, &arena, &v, err, sizeof err), RC_ERR_FATAL);
	assert_int_equal(rc_mysql_value_bytes(&c, &d, in, 8, &arena, &v, err, sizeof err), RC_ERR_FATAL);
	free_col(&c);
	rc_arena_destroy(&arena);
}

/* ---- the collation table ------------------------------------------------------------------- */

static void test_collations(void **state)
{
	static const struct {
		uint32_t id;
		rc_mysql_charset_t cs;
	} cases[] = {
	    {8, RC_MY_CS_LATIN1},     {5, RC_MY_CS_LATIN1},     {15, RC_MY_CS_LATIN1},
	    {31, RC_MY_CS_LATIN1},    {47, RC_MY_CS_LATIN1},    {48, RC_MY_CS_LATIN1},
	    {49, RC_MY_CS_LATIN1},    {94, RC_MY_CS_LATIN1},    {33, RC_MY_CS_UTF8MB3},
	    {83, RC_MY_CS_UTF8MB3},   {192, RC_MY_CS_UTF8MB3},  {215, RC_MY_CS_UTF8MB3},
	    {223, RC_MY_CS_UTF8MB3},  {76, RC_MY_CS_UTF8MB3},   {576, RC_MY_CS_UTF8MB3},
	    {2048, RC_MY_CS_UTF8MB3}, {45, RC_MY_CS_UTF8MB4},   {46, RC_MY_CS_UTF8MB4},
	    {224, RC_MY_CS_UTF8MB4},  {247, RC_MY_CS_UTF8MB4},  {255, RC_MY_CS_UTF8MB4},
	    {309, RC_MY_CS_UTF8MB4},  {323, RC_MY_CS_UTF8MB4},  {608, RC_MY_CS_UTF8MB4},
	    {2304, RC_MY_CS_UTF8MB4}, {1069, RC_MY_CS_UTF8MB4}, {63, RC_MY_CS_BINARY},
	    {11, RC_MY_CS_ASCII},     {65, RC_MY_CS_ASCII},     {35, RC_MY_CS_UCS2},
	    {90, RC_MY_CS_UCS2},      {54, RC_MY_CS_UTF16},     {56, RC_MY_CS_UTF16LE},
	    {60, RC_MY_CS_UTF32},     {1057, RC_MY_CS_UTF8MB3}, {1032, RC_MY_CS_LATIN1},
	    {248, RC_MY_CS_GB18030},  {51, RC_MY_CS_CP1251},    {0, RC_MY_CS_UNKNOWN},
	    {17, RC_MY_CS_UNKNOWN},   {324, RC_MY_CS_UNKNOWN},  {4000, RC_MY_CS_UNKNOWN},
	};
	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
		if (rc_mysql_charset_of(cases[k].id) != cases[k].cs)
			fail_msg("collation %u: %s, expected %s", cases[k].id,
			         rc_mysql_charset_name(rc_mysql_charset_of(cases[k].id)),
			         rc_mysql_charset_name(cases[k].cs));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_map_numbers),
	    cmocka_unit_test(test_map_precise_bigint_params),
	    cmocka_unit_test(test_map_temporal),
	    cmocka_unit_test(test_map_strings),
	    cmocka_unit_test(test_modes_from_conf),
	    cmocka_unit_test(test_topic),
	    cmocka_unit_test(test_int_values),
	    cmocka_unit_test(test_int_out_of_range),
	    cmocka_unit_test(test_bigint_precise),
	    cmocka_unit_test(test_bits),
	    cmocka_unit_test(test_floats),
	    cmocka_unit_test(test_decimals),
	    cmocka_unit_test(test_decimal_rescale),
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_times),
	    cmocka_unit_test(test_timestamps),
	    cmocka_unit_test(test_text),
	    cmocka_unit_test(test_binary),
	    cmocka_unit_test(test_enum_set),
	    cmocka_unit_test(test_enum_labels_charset),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_geometry),
	    cmocka_unit_test(test_vector),
	    cmocka_unit_test(test_collations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
