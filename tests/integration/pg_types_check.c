/*
 * Converts values of every type rowcast maps, read from a real PostgreSQL, and checks each against
 * a second computation done by PostgreSQL itself: extract(epoch ...) for timestamps, date
 * differences for dates, numeric arithmetic for decimals (compared with our two's complement bytes
 * turned back into decimal here), encode() for bytea, float8send() for floats, unnest() for arrays.
 *
 * Usage: pg_types_check (connection from ROWCAST_TEST_PG_HOST, _PORT, _USER, _PASSWORD, _DB).
 * Creates and drops its own schema. Prints one line per failure and a summary; exit 0 when all
 * values agree, 1 when some do not, 99 when it cannot run.
 */
#include "config.h"

#include "agent/log.h"
#include "decoders/postgres/pg_catalog.h"
#include "decoders/postgres/pg_types.h"

#include <libpq-fe.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static PGconn *pg;
static char schema[64];
static int failures, checked;

__attribute__((format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "pg_types_check: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	if (pg && schema[0]) {
		char sql[128];
		snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", schema);
		PQclear(PQexec(pg, sql));
	}
	exit(99);
}

static void exec(const char *sql)
{
	PGresult *res = PQexec(pg, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		die("%s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
}

/* The columns: name, SQL type, literals (one row each; other columns are NULL in that row). */
typedef struct spec {
	const char *name, *type;
	const char *values[12];
} spec_t;

static const spec_t specs[] = {
    {"b", "bool", {"true", "false"}},
    {"i2", "int2", {"32767", "-32768", "0"}},
    {"i4", "int4", {"2147483647", "-2147483648"}},
    {"i8", "int8", {"9223372036854775807", "-9223372036854775808"}},
    {"o", "oid", {"4294967295", "0"}},
    {"f4", "float4", {"'NaN'", "'Infinity'", "'-Infinity'", "1.1", "3.4028235e38", "1e-45", "'-0'"}},
    {"f8",
     "float8",
     {"'NaN'", "'Infinity'", "'-Infinity'", "0.1", "1.7976931348623157e308", "5e-324", "'-0'", "1e-310"}},
    {"n",
     "numeric",
     {"'NaN'", "0", "-0.001", "1.500", "12345678901234567890.123456789", "1e100", "'Infinity'",
      "('-' || repeat('9', 300) || '.' || repeat('9', 100))::numeric", "0.0000001", "100"}},
    {"n122", "numeric(12,2)", {"0", "-1234.5", "9999999999.99", "-9999999999.99", "0.01", "'NaN'"}},
    {"n5m2", "numeric(5,-2)", {"12345", "-9999949"}},
    {"n35", "numeric(3,5)", {"0.00123", "-0.00999"}},
    {"m",
     "money",
     {"'$1,234.56'", "'-$1.00'", "'-92233720368547758.08'", "'92233720368547758.07'", "0", "'$0.05'"}},
    {"t",
     "text",
     {"''", "'h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93'", "E'tab\\tnew\\nline'", "'a''b'", "'NULL'"}},
    {"vc", "varchar(5)", {"'abc'"}},
    {"bp", "char(5)", {"'ab'"}},
    {"nm", "name", {"'x'"}},
    {"ch", "\"char\"", {"'z'"}},
    {"by", "bytea", {"'\\x'", "'\\x0102ff'", "decode(repeat('ab', 1000), 'hex')"}},
    {"u", "uuid", {"'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"}},
    {"j", "json", {"'{\"a\": [1, \"\xc3\xa9\"]}'"}},
    {"jb", "jsonb", {"'{\"a\": [1, \"\xc3\xa9\"]}'"}},
    {"x", "xml", {"'<a>\xc3\xa9</a>'"}},
    {"ip", "inet", {"'192.168.0.1/24'", "'::1'"}},
    {"cd", "cidr", {"'10.0.0.0/8'"}},
    {"mac", "macaddr", {"'08:00:2b:01:02:03'"}},
    {"mac8", "macaddr8", {"'08:00:2b:01:02:03:04:05'"}},
    {"d",
     "date",
     {"'1970-01-01'", "'1969-12-31'", "'0001-01-01 BC'", "'4713-01-01 BC'", "'5874897-12-31'", "'infinity'",
      "'-infinity'", "'2000-02-29'"}},
    {"tm", "time", {"'00:00:00'", "'24:00:00'", "'23:59:59.999999'", "'10:15:30.5'"}},
    {"tm3", "time(3)", {"'10:15:30.123'", "'24:00:00'"}},
    {"tz",
     "timetz",
     {"'10:15:30.5-03'", "'24:00:00+00'", "'00:00:00+15:59:59'", "'23:59:59.999999-15:59:59'",
      "'00:00:00-00'", "'24:00:00+05'"}},
    {"ts",
     "timestamp",
     {"'1970-01-01 00:00'", "'1969-12-31 23:59:59.999999'", "'0044-03-15 10:00 BC'", "'4713-01-01 BC'",
      "'294276-12-31 23:59:59.999999'", "'infinity'", "'-infinity'", "'2026-11-24 10:15:30.123456'"}},
    {"ts3", "timestamp(3)", {"'1969-12-31 23:59:59.999'", "'infinity'", "'294276-12-31 23:59:59.999'"}},
    {"tstz",
     "timestamptz",
     {"'2026-11-24 10:15:30.123456+05:30'", "'0044-03-15 10:00+00 BC'", "'1850-01-01 00:00 Europe/Amsterdam'",
      "'10000-01-01 00:00+00'", "'infinity'", "'-infinity'", "'294276-12-31 23:59:59.999999+00'",
      "'2026-01-01 00:30-03:30'"}},
    {"tstz0", "timestamptz(0)", {"'2026-11-24 10:15:30+00'"}},
    {"tstz3", "timestamptz(3)", {"'2026-11-24 10:15:30.5+00'", "'2026-11-24 10:15:30+00'"}},
    {"iv",
     "interval",
     {"'1 year 2 mons -3 days 04:05:06.789'", "'-00:00:01'", "'0'", "'1000000 hours'", "'178000000 years'",
      "'-178000000 years'", "'1 day -00:00:01'", "'-2562047788:00:54.775807'", "'-1 year -2 mons +3 days'"}},
    {"bt", "bit(12)", {"B'101100000001'", "B'000000000000'"}},
    {"b1", "bit(1)", {"B'1'", "B'0'"}},
    {"vb", "varbit", {"B''", "B'1'", "B'10110'", "repeat('1', 100)::varbit"}},
    {"e", "mood", {"'sad'", "'happy'"}},
    {"dp", "price", {"1.5", "-0.01"}},
    {"dd", "price2", {"2.25"}},
    {"dbl", "blob", {"'\\xdead'"}},
    {"ai", "int4[]", {"'{1,2,NULL}'", "'{}'", "'[0:1]={1,2}'", "'{{1,2},{3,4}}'"}},
    {"at", "text[]", {"ARRAY['a,b', 'c\"d', NULL, 'NULL', '', ' x ', '\xc3\xa9', 'e\\f', '{}']"}},
    {"an", "numeric(10,2)[]", {"'{1.5,NULL,NaN}'"}},
    {"anu", "numeric[]", {"'{1.50,NaN,-0.001}'"}},
    {"aby", "bytea[]", {"ARRAY['\\x0102'::bytea, NULL, '\\x']"}},
    {"atz", "timestamptz[]", {"ARRAY['2020-01-01 00:00+00'::timestamptz, 'infinity']"}},
    {"ad", "date[]", {"'{2020-01-01,infinity}'"}},
    {"ab", "bool[]", {"'{t,f}'"}},
    {"am", "money[]", {"'{$1.00,-$0.01}'"}},
    {"abit", "bit(3)[]", {"'{101,011}'"}},
    {"aiv", "interval[]", {"ARRAY['1 day'::interval, '-00:00:01']"}},
    {"aj", "jsonb[]", {"ARRAY['{\"a\": 1}'::jsonb]"}},
    {"au", "uuid[]", {"ARRAY['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid]"}},
    {"ae", "mood[]", {"'{sad,happy}'"}},
    {"adp", "price[]", {"'{1.5,NULL}'"}},
    {"ats", "timestamp(3)[]", {"'{\"1969-12-31 23:59:59.999\"}'"}},
    {"atm", "time[]", {"'{24:00:00,00:00:01}'"}},
    {"atimetz", "timetz[]", {"'{10:00:00+01}'"}},
    {"af8", "float8[]", {"'{NaN,Infinity,1.5}'"}},
    {"ainet", "inet[]", {"'{::1,10.0.0.1}'"}},
    {"pt", "point", {"'(1,2)'", "'(-1.5,1e+300)'", "'(0,-0)'"}},
    {"apt", "point[]", {"ARRAY['(1,2)'::point, NULL]"}},
    {"r", "int4range", {"'[1,5)'"}},
    {"nr", "numrange", {"'(1.5,2.25]'", "'empty'"}},
    {"tr", "tstzrange", {"'[2026-01-01 00:00+00,infinity)'"}},
    {"dr", "daterange", {"'[2026-01-01,2026-02-01)'"}},
    {"g",
     "public.geometry",
     {"'POINT(1 2)'", "'SRID=4326;LINESTRING(0 0,1 1)'", "'SRID=3857;POLYGON((0 0,1 0,1 1,0 0))'",
      "'GEOMETRYCOLLECTION EMPTY'", "'SRID=4326;POINT Z(1 2 3)'"}},
    {"gg", "public.geography", {"'POINT(1 2)'", "'SRID=4326;LINESTRING(0 0,1 1)'"}},
    {"ag", "public.geometry[]", {"ARRAY['POINT(1 2)'::public.geometry, NULL, 'SRID=4326;POINT(3 4)']"}},
    {"hs",
     "public.hstore",
     {"'a=>1, b=>NULL'", "E'\"key 1\"=>\"a\\\\\"b\", \xc3\xa9=>x, \"tab\"=>\"\\t\"'", "''",
      "(SELECT public.hstore(array_agg('k' || g), array_agg(g::text)) FROM generate_series(1, 40) g)"}},
    {"ahs", "public.hstore[]", {"ARRAY['a=>1'::public.hstore, NULL]"}},
    {"lt", "public.ltree", {"'a.b.c'", "''"}},
    {"alt", "public.ltree[]", {"ARRAY['a.b'::public.ltree, 'c']"}},
    {"ci", "public.citext", {"'AbC \xc3\xa9'"}},
    {"bx", "box[]", {"ARRAY['(1,1),(0,0)'::box, '(2,2),(1,1)']"}},
    {"tsv", "tsvector", {"'a fat cat'"}},
    {"lsn", "pg_lsn", {"'0/16B6C50'"}},
    {"cp", "pair", {"ROW(1, 'a b')"}},
};
#define NSPECS (sizeof specs / sizeof specs[0])

/* ---- an independent decimal rendering of two's complement bytes --------------------------- */

static void twos_to_decimal(const unsigned char *b, size_t n, char *out, size_t outlen)
{
	unsigned char mag[4096];
	char digits[10000];
	size_t nd = 0, w = 0;
	bool neg = n > 0 && (b[0] & 0x80);

	if (n > sizeof mag) {
		snprintf(out, outlen, "(too long)");
		return;
	}
	memcpy(mag, b, n);
	if (neg) { /* magnitude = ~x + 1 */
		unsigned carry = 1;
		for (size_t i = n; i-- > 0;) {
			unsigned v = (unsigned)(unsigned char)~mag[i] + carry;
			mag[i] = (unsigned char)v;
			carry = v >> 8;
		}
	}
	for (;;) { /* divide by 10 until zero, collecting remainders */
		unsigned rem = 0;
		bool zero = true;
		for (size_t i = 0; i < n; i++) {
			unsigned cur = rem * 256 + mag[i];
			mag[i] = (unsigned char)(cur / 10);
			rem = cur % 10;
			zero &= mag[i] == 0;
		}
		digits[nd++] = (char)('0' + rem);
		if (zero || nd + 2 >= sizeof digits)
			break;
	}
	if (neg)
		out[w++] = '-';
	while (nd > 0 && w + 1 < outlen)
		out[w++] = digits[--nd];
	out[w] = '\0';
}

static void hexstr(const void *p, size_t n, char *out, size_t outlen)
{
	const unsigned char *b = p;
	size_t w = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && w + 3 <= outlen; i++)
		w += (size_t)snprintf(out + w, outlen - w, "%02x", b[i]);
}

/* ---- expectations computed by PostgreSQL --------------------------------------------------- */

static bool sem_is(const rc_column_t *c, const char *s)
{
	return c->semantic && strcmp(c->semantic, s) == 0;
}

/* The SQL expression whose text the value of expression x of column c (typed t) must match. */
static void expected_sql(const rc_column_t *c, rc_type_t t, const char *x, char *sql, size_t n)
{
	uint32_t oid = c->source_oid;

	if (t == RC_T_ARRAY) {
		char elem[4096];
		rc_column_t ec = *c;
		const rc_pg_typeinfo_t *b = rc_pg_typeinfo_builtin(c->source_oid);
		ec.source_oid = b && b->elem_oid ? b->elem_oid : 0;
		expected_sql(&ec, c->elem_type, "e", elem, sizeof elem);
		snprintf(
		    sql, n,
		    "cardinality(%s)::text || '#' || coalesce((SELECT string_agg(CASE WHEN e IS NULL THEN "
		    "'NULL' ELSE %s END, '|' ORDER BY o) FROM unnest(%s) WITH ORDINALITY AS u(e, o)), '')",
		    x, elem, x);
		return;
	}
	switch (t) {
	case RC_T_BOOL:
	case RC_T_INT16:
	case RC_T_INT32:
	case RC_T_INT64:
		snprintf(sql, n, "%s::text", x);
		break;
	case RC_T_FLOAT32:
		snprintf(sql, n, "encode(float4send(%s), 'hex')", x);
		break;
	case RC_T_FLOAT64:
		snprintf(sql, n, "encode(float8send(%s::numeric::float8), 'hex')", x);
		if (oid == RC_PG_OID_FLOAT8)
			snprintf(sql, n, "encode(float8send(%s), 'hex')", x);
		break;
	case RC_T_DECIMAL:
		snprintf(sql, n,
		         "CASE WHEN %1$s::numeric IN ('NaN', 'Infinity', '-Infinity') THEN %1$s::text "
		         "ELSE trunc(%1$s::numeric * power(10::numeric, %2$d))::text END",
		         x, (int)c->scale);
		break;
	case RC_T_VARDECIMAL:
		snprintf(sql, n,
		         "CASE WHEN %1$s IN ('NaN', 'Infinity', '-Infinity') THEN %1$s::text ELSE "
		         "scale(trim_scale(%1$s)) || ':' || trunc(trim_scale(%1$s) * power(10::numeric, "
		         "scale(trim_scale(%1$s))))::text END",
		         x);
		break;
	case RC_T_STRING:
		if (c->source_conv == RC_PG_CONV_HSTORE_JSON)
			snprintf(sql, n, "public.hstore_to_json(%s)::text", x);
		else if (c->source_conv == RC_PG_CONV_INTERVAL_ISO)
			/* Interval.toIsoString of PGInterval's parts: seconds without trailing zeros */
			snprintf(
			    sql, n,
			    "'P' || extract(year FROM %1$s) || 'Y' || extract(month FROM %1$s) || 'M' || "
			    "extract(day FROM %1$s) || 'DT' || extract(hour FROM %1$s) || 'H' || "
			    "extract(minute FROM %1$s) || 'M' || trim_scale(extract(second FROM %1$s)) || "
			    "'S'",
			    x);
		else if (sem_is(c, RC_PG_SEM_ZONEDTIMESTAMP))
			snprintf(
			    sql, n,
			    "CASE WHEN isfinite(%1$s) THEN (extract(year FROM %1$s AT TIME ZONE 'UTC') + "
			    "CASE "
			    "WHEN extract(year FROM %1$s AT TIME ZONE 'UTC') < 0 THEN 1 ELSE 0 END)::text || "
			    "';' || "
			    "to_char(%1$s AT TIME ZONE 'UTC', 'MM-DD\"T\"HH24:MI:SS.US') ELSE %1$s::text END",
			    x);
		else if (sem_is(c, RC_PG_SEM_ZONEDTIME))
			snprintf(sql, n, "trunc(extract(epoch FROM %s) * 1000000)::text", x);
		else if (oid == RC_PG_OID_NUMERIC || oid == RC_PG_OID_MONEY)
			snprintf(sql, n, "%s::numeric::text", x);
		else if (oid == RC_PG_OID_BYTEA && c->length == RC_BINARY_MODE_BASE64)
			snprintf(sql, n, "replace(encode(%s, 'base64'), E'\\n', '')", x);
		else if (oid == RC_PG_OID_BYTEA)
			snprintf(sql, n, "encode(%s, 'hex')", x);
		else /* format() uses the output function: char(n) keeps its blanks, inet its form */
			snprintf(sql, n, "encode(convert_to(format('%%s', %s), 'UTF8'), 'hex')", x);
		break;
	case RC_T_BYTES:
		if (sem_is(c, RC_PG_SEM_BITS))
			snprintf(sql, n,
			         "(SELECT coalesce(string_agg(i::text, ',' ORDER BY i), '') FROM "
			         "generate_series(0, "
			         "length(%1$s) - 1) i WHERE substring(%1$s::text FROM length(%1$s) - i FOR "
			         "1) = '1')",
			         x);
		else
			snprintf(sql, n, "encode(%s, 'hex')", x);
		break;
	case RC_T_DATE:
		snprintf(
		    sql, n,
		    "CASE WHEN isfinite(%1$s) THEN (%1$s - '1970-01-01'::date)::text ELSE %1$s::text END", x);
		break;
	case RC_T_TIME_MICROS:
		snprintf(sql, n, "trunc(extract(epoch FROM %s) * 1000000)::text", x);
		break;
	case RC_T_TIME_MILLIS:
		snprintf(sql, n, "trunc(extract(epoch FROM %s) * 1000)::text", x);
		break;
	case RC_T_TIMESTAMP_MICROS: /* days and time of day apart: extract(epoch) goes inexact near the end */
		snprintf(sql, n,
		         "CASE WHEN isfinite(%1$s) THEN ((%1$s::date - '1970-01-01'::date)::numeric * "
		         "86400000000 + "
		         "trunc(extract(epoch FROM %1$s::time) * 1000000))::text ELSE %1$s::text END",
		         x);
		break;
	case RC_T_TIMESTAMP_MILLIS:
		snprintf(
		    sql, n,
		    "CASE WHEN isfinite(%1$s) THEN ((%1$s::date - '1970-01-01'::date)::numeric * 86400000 + "
		    "floor(extract(epoch FROM %1$s::time) * 1000))::text ELSE %1$s::text END",
		    x);
		break;
	case RC_T_INTERVAL_MICROS:
		/* Debezium's MicroDuration in float8 (IEEE doubles, as Java's): a month is 365.25 / 12
		 * days; seconds as pgjdbc's PGInterval gives them (whole + µs / 1e6) */
		snprintf(
		    sql, n,
		    "trunc((((((extract(year FROM %1$s) * 12 + extract(month FROM %1$s))::float8 * "
		    "30.4375::float8 + extract(day FROM %1$s)::float8) * 24 + extract(hour FROM "
		    "%1$s)::float8) * 60 + extract(minute FROM %1$s)::float8) * 60 + (trunc(extract(second "
		    "FROM %1$s))::float8 + (extract(microseconds FROM %1$s) - trunc(extract(second FROM "
		    "%1$s)) * 1000000)::float8 / 1000000::float8)) * 1000000::float8)::text",
		    x);
		break;
	case RC_T_POINT: /* x and y as float8send */
		snprintf(
		    sql, n,
		    "encode(float8send((%1$s)[0]), 'hex') || ',' || encode(float8send((%1$s)[1]), 'hex')", x);
		break;
	case RC_T_GEOMETRY: /* the EWKB and the SRID, from PostGIS's own functions */
		snprintf(sql, n,
		         "encode(public.ST_AsEWKB(%1$s::public.geometry), 'hex') || ':' || "
		         "public.ST_SRID(%1$s::public.geometry)",
		         x);
		break;
	case RC_T_MAP: /* compared as JSON (matches) */
		snprintf(sql, n, "public.hstore_to_json(%s)::text", x);
		break;
	default:
		snprintf(sql, n, "'unexpected type'");
		break;
	}
}

/* ---- comparison ------------------------------------------------------------------------------ */

static int64_t clamp_ll(const char *s)
{
	errno = 0;
	return (int64_t)strtoll(s, NULL, 10); /* beyond int64: LLONG_MAX / LLONG_MIN, our clamping */
}

/* Java's ISO year: 0000-9999, +10000, -0043. */
static void java_year(long long y, char *out, size_t n)
{
	if (y > 9999)
		snprintf(out, n, "+%lld", y);
	else if (y < 0)
		snprintf(out, n, "-%04lld", -y);
	else
		snprintf(out, n, "%04lld", y);
}

static bool numeric_string_matches(const char *ours, const char *pg_text)
{
	const char *params[2] = {ours, pg_text};
	const Oid types[2] = {25, 25};
	PGresult *res;
	bool ok;

	if (strcmp(pg_text, "Infinity") == 0)
		return strcmp(ours, "POSITIVE_INFINITY") == 0;
	if (strcmp(pg_text, "-Infinity") == 0)
		return strcmp(ours, "NEGATIVE_INFINITY") == 0;
	if (strcmp(pg_text, "NaN") == 0)
		return strcmp(ours, "NAN") == 0;
	res = PQexecParams(pg,
	                   "SELECT $1::numeric = $2::numeric AND scale($1::numeric) = scale($2::numeric) AND "
	                   "$1 NOT LIKE '%E+%'",
	                   2, types, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return ok;
}

/* Equal JSON documents, as PostgreSQL's jsonb compares them (key order aside). */
static bool json_matches(const char *ours, const char *pg_text)
{
	const char *params[2] = {ours, pg_text};
	PGresult *res = PQexecParams(pg, "SELECT $1::jsonb = $2::jsonb", 2, NULL, params, NULL, NULL, 0);
	bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQgetvalue(res, 0, 0)[0] == 't';

	PQclear(res);
	return ok;
}

/* s (len bytes) as a JSON string into out; returns the bytes written (as snprintf would). */
static size_t json_quote(char *out, size_t n, const char *s, size_t len)
{
	size_t w = 0;

	if (n < 2)
		return 0;
	out[w++] = '"';
	for (size_t i = 0; i < len && w + 8 < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			w += (size_t)snprintf(out + w, n - w, "\\%c", c);
		else if (c < 0x20)
			w += (size_t)snprintf(out + w, n - w, "\\u%04x", c);
		else
			out[w++] = (char)c;
	}
	out[w++] = '"';
	out[w] = '\0';
	return w;
}

/* Does v (of type t in column c) agree with what PostgreSQL computed (exp)? why gets ours. */
static bool matches(const rc_column_t *c, rc_type_t t, const rc_value_t *v, const char *exp, char *why,
                    size_t n)
{
	char buf[20000];
	uint32_t oid = c->source_oid;

	why[0] = '\0';
	if (t == RC_T_ARRAY) {
		rc_column_t ec = *c;
		const rc_pg_typeinfo_t *b = rc_pg_typeinfo_builtin(c->source_oid);
		const char *hash = strchr(exp, '#'), *p;
		ec.type = c->elem_type;
		ec.source_oid = b && b->elem_oid ? b->elem_oid : 0;
		if (!hash || (size_t)atol(exp) != v->u.array.n) {
			snprintf(why, n, "%zu items", v->u.array.n);
			return false;
		}
		p = hash + 1;
		for (size_t i = 0; i < v->u.array.n; i++) {
			const char *bar = strchr(p, '|');
			size_t len = bar ? (size_t)(bar - p) : strlen(p);
			char item[4096];
			snprintf(item, sizeof item, "%.*s", (int)len, p);
			if (!matches(&ec, ec.type, &v->u.array.items[i], item, why, n)) {
				char inner[512];
				snprintf(inner, sizeof inner, "%s", why);
				snprintf(why, n, "item %zu: %s", i, inner);
				return false;
			}
			p = bar ? bar + 1 : p + len;
		}
		return true;
	}
	if (v->state == RC_V_NULL) {
		snprintf(why, n, "null");
		return strcmp(exp, "NULL") == 0 || strcmp(exp, "NaN") == 0 || strcmp(exp, "Infinity") == 0 ||
		       strcmp(exp, "-Infinity") == 0;
	}
	switch (t) {
	case RC_T_BOOL:
		snprintf(why, n, "%s", v->u.b ? "true" : "false");
		return v->u.b == (strcmp(exp, "t") == 0 || strcmp(exp, "true") == 0 || strcmp(exp, "1") == 0);
	case RC_T_INT16:
	case RC_T_INT32:
	case RC_T_INT64:
	case RC_T_TIME_MICROS:
	case RC_T_TIME_MILLIS:
		snprintf(why, n, "%" PRId64, v->u.i);
		return v->u.i == clamp_ll(exp);
	case RC_T_INTERVAL_MICROS: { /* a float8's text; Java's (long) cast saturates */
		double d = strtod(exp, NULL);
		int64_t want = d >= 9223372036854775807.0    ? INT64_MAX
		               : d <= -9223372036854775808.0 ? INT64_MIN
		                                             : (int64_t)d;
		snprintf(why, n, "%" PRId64, v->u.i);
		return v->u.i == want;
	}
	case RC_T_POINT: {
		const unsigned char *w = (const unsigned char *)v->u.bytes.ptr;
		unsigned char be[8];
		char xs[20], ys[20];
		if (v->u.bytes.len != 21 || w[0] != 1 || w[1] != 1 || w[2] || w[3] || w[4]) {
			snprintf(why, n, "not a 21-byte little-endian WKB point");
			return false;
		}
		for (int i = 0; i < 8; i++)
			be[i] = w[12 - i];
		hexstr(be, 8, xs, sizeof xs);
		for (int i = 0; i < 8; i++)
			be[i] = w[20 - i];
		hexstr(be, 8, ys, sizeof ys);
		snprintf(buf, sizeof buf, "%s,%s", xs, ys);
		snprintf(why, n, "%.60s", buf);
		return strcmp(buf, exp) == 0;
	}
	case RC_T_GEOMETRY: {
		size_t w;
		hexstr(v->u.bytes.ptr, v->u.bytes.len, buf, sizeof buf);
		w = strlen(buf);
		snprintf(buf + w, sizeof buf - w, ":%d", (int)v->u.bytes.scale);
		snprintf(why, n, "%.400s", buf);
		return strcmp(buf, exp) == 0;
	}
	case RC_T_MAP: { /* ours as a JSON object, compared with PostgreSQL's as jsonb */
		size_t w = 0;
		w += (size_t)snprintf(buf + w, sizeof buf - w, "{");
		for (size_t i = 0; i + 1 < v->u.array.n && w < sizeof buf; i += 2) {
			const rc_value_t *k = &v->u.array.items[i], *val = &v->u.array.items[i + 1];
			w += (size_t)snprintf(buf + w, sizeof buf - w, "%s", i ? "," : "");
			w += json_quote(buf + w, sizeof buf - w, k->u.bytes.ptr, k->u.bytes.len);
			w += (size_t)snprintf(buf + w, sizeof buf - w, ":");
			if (val->state == RC_V_SET)
				w += json_quote(buf + w, sizeof buf - w, val->u.bytes.ptr, val->u.bytes.len);
			else
				w += (size_t)snprintf(buf + w, sizeof buf - w, "null");
		}
		snprintf(buf + w, sizeof buf - w, "}");
		snprintf(why, n, "%.400s", buf);
		return json_matches(buf, exp);
	}
	case RC_T_DATE:
		snprintf(why, n, "%" PRId64, v->u.i);
		if (strcmp(exp, "infinity") == 0)
			return v->u.i == INT32_MAX;
		if (strcmp(exp, "-infinity") == 0)
			return v->u.i == INT32_MIN;
		return v->u.i == clamp_ll(exp);
	case RC_T_TIMESTAMP_MICROS:
	case RC_T_TIMESTAMP_MILLIS: {
		int64_t div = t == RC_T_TIMESTAMP_MILLIS ? 1000 : 1;
		snprintf(why, n, "%" PRId64, v->u.i);
		if (strcmp(exp, "infinity") == 0)
			return v->u.i == INT64_C(9223372036825200000) / div;
		if (strcmp(exp, "-infinity") == 0)
			return v->u.i == INT64_C(-9223372036832400000) / div;
		return v->u.i == clamp_ll(exp);
	}
	case RC_T_FLOAT32: {
		float f = (float)v->u.f;
		unsigned char be[4];
		uint32_t bits;
		memcpy(&bits, &f, 4);
		for (int i = 0; i < 4; i++)
			be[i] = (unsigned char)(bits >> (24 - 8 * i));
		hexstr(be, 4, buf, sizeof buf);
		snprintf(why, n, "%.9g (%s)", v->u.f, buf);
		return strcmp(buf, exp) == 0;
	}
	case RC_T_FLOAT64: {
		unsigned char be[8];
		uint64_t bits;
		memcpy(&bits, &v->u.f, 8);
		for (int i = 0; i < 8; i++)
			be[i] = (unsigned char)(bits >> (56 - 8 * i));
		hexstr(be, 8, buf, sizeof buf);
		snprintf(why, n, "%.17g (%s)", v->u.f, buf);
		return strcmp(buf, exp) == 0;
	}
	case RC_T_DECIMAL:
		twos_to_decimal((const unsigned char *)v->u.bytes.ptr, v->u.bytes.len, buf, sizeof buf);
		snprintf(why, n, "%.400s", buf);
		return strcmp(buf, exp) == 0;
	case RC_T_VARDECIMAL: {
		int w = snprintf(buf, sizeof buf, "%d:", (int)v->u.bytes.scale);
		twos_to_decimal((const unsigned char *)v->u.bytes.ptr, v->u.bytes.len, buf + w,
		                sizeof buf - (size_t)w);
		snprintf(why, n, "%.400s", buf);
		return strcmp(buf, exp) == 0;
	}
	case RC_T_BYTES:
		if (sem_is(c, RC_PG_SEM_BITS)) {
			size_t w = 0;
			buf[0] = '\0';
			for (size_t i = 0; i < v->u.bytes.len * 8; i++)
				if ((unsigned char)v->u.bytes.ptr[i / 8] & (1u << (i % 8)))
					w += (size_t)snprintf(buf + w, sizeof buf - w, "%s%zu", w ? "," : "",
					                      i);
			if (v->u.bytes.len && v->u.bytes.ptr[v->u.bytes.len - 1] == 0) {
				snprintf(why, n, "not minimal: %s", buf);
				return false;
			}
		} else {
			hexstr(v->u.bytes.ptr, v->u.bytes.len, buf, sizeof buf);
		}
		snprintf(why, n, "%.400s", buf);
		return strcmp(buf, exp) == 0;
	case RC_T_STRING: {
		const char *s = v->u.bytes.ptr;
		snprintf(why, n, "%.400s", s);
		if (strlen(s) != v->u.bytes.len)
			return false;
		if (sem_is(c, RC_PG_SEM_ZONEDTIMESTAMP)) {
			const char *semi = strchr(exp, ';');
			char year[32], frac[16] = "", want[128];
			const char *dot;
			int width = c->scale;
			if (!semi)
				return strcmp(s, exp) == 0; /* infinity */
			java_year(atoll(exp), year, sizeof year);
			dot = strchr(semi, '.');
			if (width > 0)
				snprintf(frac, sizeof frac, ".%.*s", width, dot + 1);
			else if (strcmp(dot + 1, "000000") != 0) /* minimal digits */
				snprintf(frac, sizeof frac, ".%s", dot + 1);
			for (size_t k = strlen(frac); width == 0 && k > 1 && frac[k - 1] == '0'; k--)
				frac[k - 1] = '\0';
			snprintf(want, sizeof want, "%s-%.*s%sZ", year, (int)(dot - semi - 1), semi + 1,
			         frac);
			return strcmp(s, want) == 0;
		}
		if (sem_is(c, RC_PG_SEM_ZONEDTIME)) {
			int64_t e = clamp_ll(exp), day = INT64_C(86400000000), us;
			int hh, mm, ss, consumed = 0;
			char fr[16] = "0";
			/* PostgreSQL's epoch of a timetz is its UTC time of day, possibly outside 0..24h */
			if (sscanf(s, "%2d:%2d:%2d%n", &hh, &mm, &ss, &consumed) != 3)
				return false;
			if (s[consumed] == '.')
				sscanf(s + consumed + 1, "%15[0-9]", fr);
			us = ((int64_t)(hh * 60 + mm) * 60 + ss) * 1000000;
			for (size_t k = 0; k < 6; k++)
				us += (k < strlen(fr) ? fr[k] - '0' : 0) *
				      (int64_t[]){100000, 10000, 1000, 100, 10, 1}[k];
			if (s[strlen(s) - 1] != 'Z' || (strlen(fr) > 1 && fr[strlen(fr) - 1] == '0'))
				return false;
			/* "24:00:00+00" (epoch 86400) is 00:00:00Z, as Debezium */
			return us == ((e % day) + day) % day && us < day;
		}
		if (c->source_conv == RC_PG_CONV_HSTORE_JSON)
			return json_matches(s, exp);
		if (c->source_conv == RC_PG_CONV_INTERVAL_ISO)
			return strcmp(s, exp) == 0;
		if (!c->semantic && (oid == RC_PG_OID_NUMERIC || oid == RC_PG_OID_NUMERIC_ARRAY))
			return numeric_string_matches(s, exp);
		if (!c->semantic && (oid == RC_PG_OID_MONEY || oid == RC_PG_OID_BYTEA))
			return strcmp(s, exp) == 0;
		hexstr(s, v->u.bytes.len, buf, sizeof buf);
		return strcmp(buf, exp) == 0;
	}
	default:
		snprintf(why, n, "unexpected type %d", t);
		return false;
	}
}

/* ---- the run ------------------------------------------------------------------------------- */

static bool sem_eq(const rc_column_t *c, const char *s)
{
	return s ? c->semantic && strcmp(c->semantic, s) == 0 : !c->semantic;
}

/* The semantic types Debezium gives the extension and geometric types (found by name in this
 * server's catalog): a fallback to plain text would pass the value checks, not this one. */
static bool mapped_as_debezium(const rc_column_t *c, const char *name, const rc_pg_type_opts_t *o)
{
	bool map = o->hstore == RC_HSTORE_MODE_MAP, iso = o->interval == RC_INTERVAL_MODE_STRING;

	if (strcmp(name, "pt") == 0)
		return c->type == RC_T_POINT && sem_eq(c, RC_PG_SEM_POINT);
	if (strcmp(name, "apt") == 0)
		return c->type == RC_T_ARRAY && c->elem_type == RC_T_POINT;
	if (strcmp(name, "g") == 0)
		return c->type == RC_T_GEOMETRY && sem_eq(c, RC_PG_SEM_GEOMETRY);
	if (strcmp(name, "gg") == 0)
		return c->type == RC_T_GEOMETRY && sem_eq(c, RC_PG_SEM_GEOGRAPHY);
	if (strcmp(name, "ag") == 0)
		return c->type == RC_T_ARRAY && c->elem_type == RC_T_GEOMETRY &&
		       sem_eq(c, RC_PG_SEM_GEOMETRY);
	if (strcmp(name, "hs") == 0)
		return map ? c->type == RC_T_MAP : c->type == RC_T_STRING && sem_eq(c, RC_PG_SEM_JSON);
	if (strcmp(name, "ahs") == 0)
		return c->type == RC_T_ARRAY && c->elem_type == (map ? RC_T_MAP : RC_T_STRING);
	if (strcmp(name, "lt") == 0 || strcmp(name, "alt") == 0)
		return sem_eq(c, RC_PG_SEM_LTREE);
	if (strcmp(name, "tsv") == 0)
		return c->type == RC_T_STRING && sem_eq(c, RC_PG_SEM_TSVECTOR);
	if (strcmp(name, "ci") == 0 || strcmp(name, "r") == 0 || strcmp(name, "nr") == 0 ||
	    strcmp(name, "tr") == 0 || strcmp(name, "dr") == 0)
		return c->type == RC_T_STRING && sem_eq(c, NULL);
	if (strcmp(name, "iv") == 0)
		return iso ? c->type == RC_T_STRING && sem_eq(c, RC_PG_SEM_INTERVAL)
		           : c->type == RC_T_INTERVAL_MICROS && sem_eq(c, RC_PG_SEM_MICRODURATION);
	return true;
}

static void run_pass(rc_pg_typecache_t *tc, const char *tz, int decimal, int time, int binary, int hstore,
                     int interval)
{
	rc_pg_type_opts_t opts;
	char sql[65536], err[1024];
	rc_arena_t arena;

	rc_pg_type_opts_default(&opts);
	opts.modes.decimal = (rc_decimal_mode_t)decimal;
	opts.modes.time = (rc_time_mode_t)time;
	opts.modes.binary = (rc_binary_mode_t)binary;
	opts.hstore = (rc_hstore_mode_t)hstore;
	opts.interval = (rc_interval_mode_t)interval;
	snprintf(sql, sizeof sql, "SET TimeZone = '%s'", tz);
	exec(sql);
	rc_arena_init(&arena, 0);
	for (size_t k = 0; k < NSPECS; k++) {
		const spec_t *sp = &specs[k];
		rc_column_t col;
		const rc_pg_typeinfo_t *ti;
		char expr[16384];
		const char *params[2] = {schema, sp->name};
		PGresult *res =
		    PQexecParams(pg,
		                 "SELECT a.atttypid, a.atttypmod FROM pg_attribute a JOIN pg_class c ON "
		                 "c.oid = a.attrelid JOIN pg_namespace s ON s.oid = c.relnamespace "
		                 "WHERE s.nspname = $1 AND c.relname = 'v' AND a.attname = $2",
		                 2, NULL, params, NULL, NULL, 0);
		uint32_t typid;
		int32_t typmod;

		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
			die("attribute %s: %s", sp->name, PQresultErrorMessage(res));
		typid = (uint32_t)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
		typmod = (int32_t)strtol(PQgetvalue(res, 0, 1), NULL, 10);
		PQclear(res);
		ti = rc_pg_typecache_get(tc, pg, typid, err, sizeof err);
		if (!ti)
			die("type of %s: %s", sp->name, err);
		memset(&col, 0, sizeof col);
		rc_column_set_names(&col, sp->name, NULL);
		if (rc_pg_column_map(&col, ti, typmod, &opts, err, sizeof err) != 0)
			die("%s", err);
		if (!mapped_as_debezium(&col, sp->name, &opts)) {
			printf("FAIL %s (%s): mapped to type %d semantic %s\n", sp->name, col.source_type,
			       (int)col.type, col.semantic ? col.semantic : "(none)");
			failures++;
		}
		expected_sql(&col, col.type, sp->name, expr, sizeof expr);
		snprintf(sql, sizeof sql, "SELECT %s, %s FROM %s.v ORDER BY id", sp->name, expr, schema);
		res = PQexec(pg, sql);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			die("%s: %s", sql, PQresultErrorMessage(res));
		for (int r = 0; r < PQntuples(res); r++) {
			rc_value_t v;
			char why[1024];
			const char *text = PQgetisnull(res, r, 0) ? NULL : PQgetvalue(res, r, 0);
			const char *exp = PQgetisnull(res, r, 1) ? "NULL" : PQgetvalue(res, r, 1);

			checked++;
			if (rc_pg_value_from_text(&col, text, text ? strlen(text) : 0, &arena, &v, err,
			                          sizeof err) != 0) {
				printf("FAIL tz=%s modes=%d%d%d %s (%s) row %d: %s\n", tz, decimal, time,
				       binary, sp->name, col.source_type, r, err);
				failures++;
				continue;
			}
			if (!text) {
				if (v.state != RC_V_NULL) {
					printf("FAIL %s row %d: NULL text gave a value\n", sp->name, r);
					failures++;
				}
				continue;
			}
			if (!matches(&col, col.type, &v, exp, why, sizeof why)) {
				printf("FAIL tz=%s modes=%d%d%d %s (%s) row %d: text '%.200s' gave %.400s, "
				       "PostgreSQL "
				       "computed %.400s\n",
				       tz, decimal, time, binary, sp->name, col.source_type, r, text, why,
				       exp);
				failures++;
			}
		}
		PQclear(res);
		free(col.name);
		free(col.source_type);
		free(col.enum_values);
		rc_arena_reset(&arena);
	}
	rc_arena_destroy(&arena);
}

/* An enum gains a label: the cache must read it again after invalidation, arrays of it too. */
static void check_invalidation(rc_pg_typecache_t *tc)
{
	char sql[256], err[512];
	const char *params[1] = {schema};
	PGresult *res = PQexecParams(pg,
	                             "SELECT t.oid, t.typarray FROM pg_type t JOIN pg_namespace n ON n.oid = "
	                             "t.typnamespace WHERE n.nspname = $1 AND t.typname = 'mood'",
	                             1, NULL, params, NULL, NULL, 0);
	uint32_t mood, moods;
	const rc_pg_typeinfo_t *ti;
	uint64_t q;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		die("mood: %s", PQresultErrorMessage(res));
	mood = (uint32_t)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	moods = (uint32_t)strtoul(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	q = rc_pg_typecache_queries(tc);
	ti = rc_pg_typecache_get(tc, pg, moods, err, sizeof err);
	checked++;
	if (!ti || strcmp(ti->enum_labels, "sad,ok,happy") != 0 || rc_pg_typecache_queries(tc) != q) {
		printf("FAIL cached mood[]: %s (queries %llu -> %llu)\n", ti ? ti->enum_labels : err,
		       (unsigned long long)q, (unsigned long long)rc_pg_typecache_queries(tc));
		failures++;
	}
	snprintf(sql, sizeof sql, "ALTER TYPE %s.mood ADD VALUE 'ecstatic'", schema);
	exec(sql);
	rc_pg_typecache_invalidate(tc, mood);
	ti = rc_pg_typecache_get(tc, pg, moods, err, sizeof err);
	checked++;
	if (!ti || strcmp(ti->enum_labels, "sad,ok,happy,ecstatic") != 0 ||
	    rc_pg_typecache_queries(tc) == q) {
		printf("FAIL mood[] after invalidating mood: %s\n", ti ? ti->enum_labels : err);
		failures++;
	}
	ti = rc_pg_typecache_get(tc, pg, 4242424242u, err, sizeof err);
	checked++;
	if (ti || !strstr(err, "does not exist")) {
		printf("FAIL unknown OID: %s\n", ti ? "found" : err);
		failures++;
	}
}

int main(void)
{
	const char *keys[] = {"host", "port", "user", "password", "dbname", "options", NULL};
	const char *vals[] = {
	    getenv("ROWCAST_TEST_PG_HOST"),
	    getenv("ROWCAST_TEST_PG_PORT"),
	    getenv("ROWCAST_TEST_PG_USER"),
	    getenv("ROWCAST_TEST_PG_PASSWORD"),
	    getenv("ROWCAST_TEST_PG_DB"),
	    "-c DateStyle=ISO -c IntervalStyle=postgres -c extra_float_digits=3 -c bytea_output=hex "
	    "-c lc_monetary=C -c client_encoding=UTF8 -c client_min_messages=warning",
	    NULL};
	char sql[65536];
	size_t w, rows = 0;
	rc_pg_typecache_t *tc;

	rc_log_setup(RC_LOG_ERROR, RC_LOG_FORMAT_TEXT); /* the lossy conversions are expected here */
	pg = PQconnectdbParams(keys, vals, 0);
	if (PQstatus(pg) != CONNECTION_OK)
		die("cannot connect: %s", PQerrorMessage(pg));
	snprintf(schema, sizeof schema, "rc_pg_types_%ld", (long)getpid());
	/* The extensions Debezium maps (in public, shared by the database's tests) */
	exec("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public; CREATE EXTENSION IF NOT EXISTS hstore "
	     "SCHEMA public; CREATE EXTENSION IF NOT EXISTS ltree SCHEMA public; CREATE EXTENSION IF NOT "
	     "EXISTS citext SCHEMA public");
	snprintf(sql, sizeof sql,
	         "CREATE SCHEMA %1$s; SET search_path = %1$s, pg_catalog; "
	         "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy'); "
	         "CREATE DOMAIN price AS numeric(10,2); CREATE DOMAIN price2 AS price; "
	         "CREATE DOMAIN blob AS bytea; CREATE TYPE pair AS (a int, b text)",
	         schema);
	exec(sql);
	w = (size_t)snprintf(sql, sizeof sql, "CREATE TABLE v (id serial PRIMARY KEY");
	for (size_t k = 0; k < NSPECS; k++) {
		w += (size_t)snprintf(sql + w, sizeof sql - w, ", %s %s", specs[k].name, specs[k].type);
		for (size_t r = 0; r < 12 && specs[k].values[r]; r++)
			rows = r + 1 > rows ? r + 1 : rows;
	}
	snprintf(sql + w, sizeof sql - w, ")");
	exec(sql);
	for (size_t r = 0; r < rows + 1; r++) { /* the last row is all NULL */
		w = (size_t)snprintf(sql, sizeof sql, "INSERT INTO v (id");
		for (size_t k = 0; k < NSPECS; k++)
			if (specs[k].values[r] && r < 12)
				w += (size_t)snprintf(sql + w, sizeof sql - w, ", %s", specs[k].name);
		w += (size_t)snprintf(sql + w, sizeof sql - w, ") VALUES (%zu", r + 1);
		for (size_t k = 0; k < NSPECS; k++)
			if (specs[k].values[r] && r < 12)
				w += (size_t)snprintf(sql + w, sizeof sql - w, ", %s", specs[k].values[r]);
		snprintf(sql + w, sizeof sql - w, ")");
		exec(sql);
	}

	tc = rc_pg_typecache_new();
	if (!tc)
		die("out of memory");
	run_pass(tc, "UTC", RC_DECIMAL_MODE_PRECISE, RC_TIME_MODE_ADAPTIVE, RC_BINARY_MODE_BYTES,
	         RC_HSTORE_MODE_JSON, RC_INTERVAL_MODE_NUMERIC);
	run_pass(tc, "Asia/Kolkata", RC_DECIMAL_MODE_PRECISE, RC_TIME_MODE_ADAPTIVE, RC_BINARY_MODE_BYTES,
	         RC_HSTORE_MODE_MAP, RC_INTERVAL_MODE_STRING);
	run_pass(tc, "America/St_Johns", RC_DECIMAL_MODE_STRING, RC_TIME_MODE_CONNECT, RC_BINARY_MODE_BASE64,
	         RC_HSTORE_MODE_JSON, RC_INTERVAL_MODE_STRING);
	run_pass(tc, "Europe/Amsterdam", RC_DECIMAL_MODE_DOUBLE, RC_TIME_MODE_ADAPTIVE_MICROS,
	         RC_BINARY_MODE_HEX, RC_HSTORE_MODE_MAP, RC_INTERVAL_MODE_NUMERIC);
	check_invalidation(tc);
	rc_pg_typecache_free(tc);

	snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
	exec(sql);
	PQfinish(pg);
	printf("%d values checked against PostgreSQL, %d failures (%zu columns x 4 passes, %llu lossy)\n",
	       checked, failures, NSPECS, (unsigned long long)rc_pg_types_lossy_count());
	return failures ? 1 : 0;
}
