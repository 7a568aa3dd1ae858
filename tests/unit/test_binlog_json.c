/*
 * MySQL's binary JSON to text and PARTIAL_UPDATE_ROWS diffs (decoders/mysql/binlog_json.c).
 *
 * Real values first: the JSON columns of tests/fixtures/mysql-binlog/mysql-9.0.1_json_opaque (opaque
 * DATE, DATETIME, TIME, DECIMAL and VARCHAR values; the values upstream's test asserts, README), and of
 * mysql-8.0.22_json_partial_update, whose table has two generated columns computed by the server from
 * the JSON (name = json_col->>'$.name', age = json_col->'$.age'): every decoded document, and every
 * document rebuilt from the PARTIAL_UPDATE_ROWS diffs, must agree with the server's own name and age
 * of the same row image. Then hand-built values for every type and edge (vectors from MySQL's
 * sources where it documents them, e.g. decimal.cc's packed 1234567890.1234), the error paths
 * (every truncation, offsets out of range, the depth limit) and the diff operations.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/fixture_path.h"

#include "agent/buf.h"
#include "agent/errors.h"
#include "decoders/mysql/binlog_file.h"
#include "decoders/mysql/binlog_json.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- Helpers ------------------------------------------------------------------------------------ */

static char errbuf[RC_ERRSTR_LEN];

/* The text of a binary value, malloc'd; NULL (and errbuf set) when it does not decode. */
static char *to_text(const uint8_t *b, size_t n)
{
	rc_buf_t out;
	char *s = NULL;

	rc_buf_init(&out, 0);
	rc_buf_puts(&out, "<"); /* something before, which an error must leave alone */
	errbuf[0] = 0;
	if (rc_json_binary_to_text(b, n, &out, errbuf, sizeof errbuf) == 0) {
		s = calloc(1, out.len);
		memcpy(s, out.data + 1, out.len - 1);
	} else
		assert_int_equal(out.len, 1);
	rc_buf_free(&out);
	return s;
}

static void expect_text(const uint8_t *b, size_t n, const char *want)
{
	char *s = to_text(b, n);
	if (!s)
		fail_msg("decode failed: %s (want %s)", errbuf, want);
	assert_string_equal(s, want);
	free(s);
}

#define EXPECT(want, ...)                                                                                    \
	do {                                                                                                 \
		static const uint8_t v_[] = {__VA_ARGS__};                                                   \
		expect_text(v_, sizeof v_, want);                                                            \
	} while (0)

/* Decoding must fail with a message naming byte `at`. */
static void expect_error(const uint8_t *b, size_t n, long at)
{
	char *s = to_text(b, n), want[32];
	if (s)
		fail_msg("decoded to %s, expected an error", s);
	if (at >= 0) {
		snprintf(want, sizeof want, "at byte %ld:", at);
		if (!strstr(errbuf, want))
			fail_msg("error '%s' does not name byte %ld", errbuf, at);
	}
}

/* A small test-side serializer of containers: elements are (type, bytes without the type) with an
 * optional key, laid out as json_binary.cc does (inlined values in the entry, others after the keys). */
typedef struct el {
	uint8_t t;
	const uint8_t *v;
	size_t n;
	const char *key;
} el_t;

static bool inl(uint8_t t, bool large)
{
	return t == 4 || t == 5 || t == 6 || (large && (t == 7 || t == 8));
}

static void put_off(uint8_t *p, size_t v, bool large)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	if (large) {
		p[2] = (uint8_t)(v >> 16);
		p[3] = (uint8_t)(v >> 24);
	}
}

/* Writes type byte + container into out (room assumed); returns the length. */
static size_t container(uint8_t *out, bool obj, bool large, const el_t *els, size_t cnt)
{
	size_t o = large ? 4 : 2, hdr = 2 * o + cnt * ((obj ? o + 2 : 0) + 1 + o), pos = hdr;
	uint8_t *p = out + 1;

	out[0] = (uint8_t)((obj ? 0 : 2) + (large ? 1 : 0));
	memset(p, 0, hdr);
	put_off(p, cnt, large);
	for (size_t i = 0; obj && i < cnt; i++) {
		size_t kl = strlen(els[i].key);
		put_off(p + 2 * o + i * (o + 2), pos, large);
		p[2 * o + i * (o + 2) + o] = (uint8_t)kl;
		p[2 * o + i * (o + 2) + o + 1] = (uint8_t)(kl >> 8);
		memcpy(p + pos, els[i].key, kl);
		pos += kl;
	}
	for (size_t i = 0; i < cnt; i++) {
		uint8_t *e = p + 2 * o + cnt * (obj ? o + 2 : 0) + i * (1 + o);
		e[0] = els[i].t;
		if (inl(els[i].t, large))
			memcpy(e + 1, els[i].v, els[i].n);
		else {
			put_off(e + 1, pos, large);
			memcpy(p + pos, els[i].v, els[i].n);
			pos += els[i].n;
		}
	}
	put_off(p + o, pos, large);
	return pos + 1;
}

/* --- Real values: mysql-9.0.1_json_opaque ------------------------------------------------------- */

/*
 * Pulls the JSON column out of every single-column WRITE_ROWS row image by hand (the row decoder is
 * not this file's job): null bitmap (1 byte), then the JSON value's Int4 length and bytes.
 */
typedef struct opaque_walk {
	int n;
	char *texts[16];
} opaque_walk_t;

static int opaque_cb(const rc_binlog_event_t *ev, uint64_t offset, const uint8_t *raw, size_t len,
                     void *opaque)
{
	opaque_walk_t *w = opaque;
	(void)offset;
	(void)raw;
	(void)len;
	if (ev->kind != RC_BINLOG_K_ROWS || ev->type != RC_BINLOG_WRITE_ROWS_V2)
		return 0;
	const uint8_t *r = ev->u.rows.rows;
	assert_true(ev->u.rows.rows_len >= 5);
	assert_int_equal(r[0], 0); /* not null */
	uint32_t jl = (uint32_t)r[1] | (uint32_t)r[2] << 8 | (uint32_t)r[3] << 16 | (uint32_t)r[4] << 24;
	assert_true(5 + (size_t)jl <= ev->u.rows.rows_len);
	char *s = to_text(r + 5, jl);
	if (!s)
		fail_msg("row %d: %s", w->n, errbuf);
	assert_true(w->n < 16);
	w->texts[w->n++] = s;
	return 0;
}

static void test_fixture_opaque(void **state)
{
	(void)state;
	/* upstream's assertions (README), in MySQL's text: decimals are bare numbers, dates and times
	 * quoted with six fraction digits, other opaque types base64 with their field type */
	static const char *const want[] = {
	    "{\"a\": \"base64:type15:VQ==\"}",
	    "{\"b\": \"2012-03-18\"}",
	    "{\"c\": \"2012-03-18 11:30:45.000000\"}",
	    "{\"c\": \"87:31:46.654321\"}",
	    "{\"d\": 123.456}",
	    "{\"e\": 9.00}",
	    "{\"e\": [0, 1, true, false]}",
	    "{\"e\": null}",
	};
	opaque_walk_t w = {0};
	char *path = rc_test_fixture_path("mysql-binlog", "mysql-9.0.1_json_opaque", ".binlog");

	assert_int_equal(rc_binlog_file_walk(path, opaque_cb, &w, errbuf, sizeof errbuf), 0);
	assert_int_equal(w.n, 8);
	for (int i = 0; i < w.n; i++) {
		assert_string_equal(w.texts[i], want[i]);
		free(w.texts[i]);
	}
	free(path);
}

/* --- Real values: mysql-8.0.22_json_partial_update ----------------------------------------------- */

/*
 * Table t(id INT, json_col JSON, name VARCHAR(100) AS (json_col->>'$.name'), age INT AS
 * (json_col->'$.age')). Full images: null bitmap (1 byte), id Int4, JSON Int4 length + bytes, name
 * Int2 length + bytes (VARCHAR(100) utf8mb4: 400 bytes, so 2 length bytes), age Int4. The
 * PARTIAL_UPDATE_ROWS rows (binlog_row_image=MINIMAL here): before image = null bitmap + id; after
 * image = lenenc value options (1 = PARTIAL_JSON_UPDATES), the partial-JSON bitmap (1 byte), the null
 * bitmap, then json_col as Int4 length + the diff vector, name and age.
 */
typedef struct partial_walk {
	char *doc[8];    /* latest document text by id */
	uint8_t *bin[8]; /* and its binary value */
	size_t binlen[8];
	int full, partial;     /* images checked */
	char *partial_text[8]; /* documents rebuilt from the diffs, by id */
} partial_walk_t;

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The server's generated name and age must be what the document says. */
static void check_generated(const char *doc, const uint8_t *name, size_t nlen, uint32_t age)
{
	char want[160];
	snprintf(want, sizeof want, "\"age\": %u, ", age);
	if (!strstr(doc, want))
		fail_msg("document %s has no %s (the generated age column)", doc, want);
	snprintf(want, sizeof want, "\"name\": \"%.*s\"}", (int)nlen, (const char *)name);
	if (!strstr(doc, want))
		fail_msg("document %s has no %s (the generated name column)", doc, want);
}

/* A full image at p: returns its length. */
static size_t full_image(partial_walk_t *w, const uint8_t *p, size_t left)
{
	assert_true(left >= 9);
	assert_int_equal(p[0], 0);
	uint32_t id = le32(p + 1), jl = le32(p + 5);
	assert_true(id < 8 && 9 + (size_t)jl + 2 <= left);
	char *s = to_text(p + 9, jl);
	if (!s)
		fail_msg("id %u: %s", id, errbuf);
	const uint8_t *q = p + 9 + jl;
	size_t nl = (size_t)q[0] | (size_t)q[1] << 8;
	assert_true((size_t)(q + 2 + nl + 4 - p) <= left);
	check_generated(s, q + 2, nl, le32(q + 2 + nl));
	free(w->doc[id]);
	free(w->bin[id]);
	w->doc[id] = s;
	w->bin[id] = malloc(jl);
	memcpy(w->bin[id], p + 9, jl);
	w->binlen[id] = jl;
	w->full++;
	return (size_t)(q + 2 + nl + 4 - p);
}

static int partial_cb(const rc_binlog_event_t *ev, uint64_t offset, const uint8_t *raw, size_t len,
                      void *opaque)
{
	partial_walk_t *w = opaque;
	(void)offset;
	(void)raw;
	(void)len;
	if (ev->kind != RC_BINLOG_K_ROWS)
		return 0;
	const uint8_t *p = ev->u.rows.rows, *end = p + ev->u.rows.rows_len;
	while (p < end) {
		if (ev->type != RC_BINLOG_PARTIAL_UPDATE_ROWS) {
			p += full_image(w, p,
			                (size_t)(end - p)); /* WRITE: the row; UPDATE: before, then after */
			continue;
		}
		assert_true(end - p >= 5 + 4);
		assert_int_equal(p[0], 0);
		uint32_t id = le32(p + 1);
		assert_true(id < 8 && w->bin[id]);
		p += 5;
		assert_int_equal(p[0], 1); /* value options: PARTIAL_JSON_UPDATES */
		assert_int_equal(p[1], 1); /* json_col is a partial update */
		assert_int_equal(p[2], 0); /* null bitmap */
		uint32_t dl = le32(p + 3);
		const uint8_t *diff = p + 7;
		assert_true(diff + dl + 2 <= end);
		rc_buf_t out;
		rc_buf_init(&out, 0);
		if (rc_json_apply_diffs(w->bin[id], w->binlen[id], diff, dl, &out, errbuf, sizeof errbuf) !=
		    0)
			fail_msg("id %u: %s", id, errbuf);
		rc_buf_putc(&out, 0);
		const uint8_t *q = diff + dl;
		size_t nl = (size_t)q[0] | (size_t)q[1] << 8;
		check_generated((const char *)out.data, q + 2, nl, le32(q + 2 + nl));
		free(w->partial_text[id]);
		w->partial_text[id] = strdup((const char *)out.data);
		rc_buf_free(&out);
		w->partial++;
		p = q + 2 + nl + 4;
	}
	return 0;
}

static void test_fixture_partial_update(void **state)
{
	(void)state;
	partial_walk_t w = {0};
	char *path = rc_test_fixture_path("mysql-binlog", "mysql-8.0.22_json_partial_update", ".binlog");

	assert_int_equal(rc_binlog_file_walk(path, partial_cb, &w, errbuf, sizeof errbuf), 0);
	/* 4 WRITE_ROWS with 1+1+1+3 rows, one UPDATE_ROWS of 6 rows (12 images), 6 partial rows */
	assert_int_equal(w.full, 18);
	assert_int_equal(w.partial, 6);
	/* The documents as the server's generated columns and the row bytes show them: age 24/32/40 at
	 * insert, +1 by the full UPDATE, +1 again by the partial one ("$.age" REPLACE). */
	assert_string_equal(w.doc[1], "{\"age\": 25, \"data\": \"xxxxxxxxxx\", \"name\": \"Joe\"}");
	assert_string_equal(w.partial_text[1], "{\"age\": 26, \"data\": \"xxxxxxxxxx\", \"name\": \"Joe\"}");
	assert_string_equal(w.partial_text[2], "{\"age\": 34, \"data\": \"yyyyyyyyyy\", \"name\": \"Sue\"}");
	assert_string_equal(w.partial_text[3], "{\"age\": 42, \"data\": \"zzzzzzzzzz\", \"name\": \"Pete\"}");
	assert_string_equal(w.partial_text[6], "{\"age\": 42, \"data\": \"zzzzzzzzzz\", \"name\": \"Pete\"}");
	for (int i = 0; i < 8; i++) {
		free(w.doc[i]);
		free(w.bin[i]);
		free(w.partial_text[i]);
	}
	free(path);
}

/* --- Scalars ------------------------------------------------------------------------------------ */

static void test_literals_and_ints(void **state)
{
	(void)state;
	expect_text(NULL, 0, "null"); /* Field_json::val_json: an empty value is the JSON null */
	EXPECT("null", 0x04, 0x00);
	EXPECT("true", 0x04, 0x01);
	EXPECT("false", 0x04, 0x02);
	EXPECT("-1", 0x05, 0xff, 0xff);
	EXPECT("-32768", 0x05, 0x00, 0x80);
	EXPECT("65535", 0x06, 0xff, 0xff);
	EXPECT("-2147483648", 0x07, 0x00, 0x00, 0x00, 0x80);
	EXPECT("4294967295", 0x08, 0xff, 0xff, 0xff, 0xff);
	EXPECT("-9223372036854775808", 0x09, 0, 0, 0, 0, 0, 0, 0, 0x80);
	EXPECT("9223372036854775807", 0x09, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f);
	EXPECT("18446744073709551615", 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
	EXPECT("0", 0x0a, 0, 0, 0, 0, 0, 0, 0, 0);
}

static void expect_double(double d, const char *want)
{
	uint8_t b[9] = {0x0b};
	uint64_t bits;
	memcpy(&bits, &d, 8);
	for (int i = 0; i < 8; i++)
		b[1 + i] = (uint8_t)(bits >> (8 * i));
	expect_text(b, 9, want);
}

static void test_doubles(void **state)
{
	(void)state;
	/* my_gcvt(MY_GCVT_MAX_FIELD_WIDTH = 34) then ".0" when neither '.' nor 'e' (json_dom.cc): 'f'
	 * layout for decimal exponents -14..15 (MAX_DECPT_FOR_F_FORMAT), 'e' beyond, shortest digits */
	expect_double(1.5, "1.5");
	expect_double(1.0, "1.0");
	expect_double(0.0, "0.0");
	expect_double(-0.0, "-0.0");
	expect_double(0.1, "0.1");
	expect_double(-2.5, "-2.5");
	expect_double(3.14, "3.14");
	expect_double(100.0, "100.0");
	expect_double(1e300, "1e300");
	expect_double(-1e300, "-1e300");
	expect_double(1e14, "100000000000000.0");
	expect_double(1e15, "1e15");
	expect_double(123456789012345678.0, "1.2345678901234568e17");
	expect_double(1234567890123456.7, "1234567890123456.8"); /* 17 digits, decpt 16 < len: 'f' */
	expect_double(1e-5, "0.00001");
	expect_double(1e-15, "0.000000000000001");
	expect_double(1e-16, "1e-16");
	expect_double(-1.5e-7, "-0.00000015");
	expect_double(1.5e-17, "1.5e-17");
	expect_double(0.30000000000000004, "0.30000000000000004");
	expect_double(5e-324, "5e-324");
	expect_double(1.7976931348623157e308, "1.7976931348623157e308");
	expect_double(2.2250738585072014e-308, "2.2250738585072014e-308");
	expect_double(1e22, "1e22");
	expect_double(12e9, "12000000000.0");
	/* powers of two whose shortest form is 16 digits on the wide side of a lopsided interval, where
	 * the nearest 16-digit decimal does not read back (the digits of Python's repr, also Gay's dtoa) */
	expect_double(ldexp(1.0, -1017), "7.120236347223045e-307");
	expect_double(ldexp(1.0, -808), "5.858190679279809e-244");
	expect_double(ldexp(1.0, 0), "1.0");
	expect_double(ldexp(1.0, 60), "1.152921504606847e18");
}

static void test_strings(void **state)
{
	(void)state;
	EXPECT("\"\"", 0x0c, 0x00);
	EXPECT("\"x\"", 0x0c, 0x01, 'x');
	/* double_quote: ", \ and every byte <= 0x1f escaped; / and DEL are not */
	EXPECT("\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001f\\u0000/\x7f\"", 0x0c, 15, 'a', '"', 'b', '\\', 'c',
	       '\b', '\f', '\n', '\r', '\t', 0x01, 0x1f, 0x00, '/', 0x7f);
	/* utf8mb4 passes through: é € 😀 */
	EXPECT("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", 0x0c, 9, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f,
	       0x98, 0x80);

	/* a 200-byte string: 2-byte variable length (0xc8 0x01) */
	uint8_t b[3 + 200];
	char want[203];
	b[0] = 0x0c;
	b[1] = 0xc8;
	b[2] = 0x01;
	memset(b + 3, 'q', 200);
	want[0] = '"';
	memset(want + 1, 'q', 200);
	want[201] = '"';
	want[202] = 0;
	expect_text(b, sizeof b, want);
	/* the same length spelled in 5 bytes is still read (at most 5) */
	EXPECT("\"ab\"", 0x0c, 0x82, 0x80, 0x80, 0x80, 0x00, 'a', 'b');
}

static void test_opaque(void **state)
{
	(void)state;
	/* DECIMAL(14,4) 1234567890.1234 and its negative: decimal.cc's own example of decimal2bin */
	EXPECT("1234567890.1234", 0x0f, 246, 9, 14, 4, 0x81, 0x0d, 0xfb, 0x38, 0xd2, 0x04, 0xd2);
	EXPECT("-1234567890.1234", 0x0f, 246, 9, 14, 4, 0x7e, 0xf2, 0x04, 0xc7, 0x2d, 0xfb, 0x2d);
	/* DECIMAL(5,2) 123.45, -123.45; DECIMAL(1,1) 0.5; DECIMAL(3,0) 7; DECIMAL(4,2) 0.00 */
	EXPECT("123.45", 0x0f, 246, 5, 5, 2, 0x80, 0x7b, 0x2d);
	EXPECT("-123.45", 0x0f, 246, 5, 5, 2, 0x7f, 0x84, 0xd2);
	EXPECT("0.5", 0x0f, 246, 3, 1, 1, 0x85);
	EXPECT("7", 0x0f, 246, 4, 3, 0, 0x80, 0x07);
	EXPECT("0.00", 0x0f, 246, 4, 4, 2, 0x80, 0x00);
	/* DECIMAL(20,10) 1234567890.0123456789: a full fraction group, then a partial one */
	EXPECT("1234567890.0123456789", 0x0f, 246, 12, 20, 10, 0x81, 0x0d, 0xfb, 0x38, 0xd2, 0x00, 0xbc, 0x61,
	       0x4e, 0x09);
	/* DATE, DATETIME, TIME, TIMESTAMP packed (the fixture's bytes, and a negative TIME) */
	EXPECT("\"2012-03-18\"", 0x0f, 10, 8, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe4, 0x8b, 0x19);
	EXPECT("\"2012-03-18 11:30:45.000000\"", 0x0f, 12, 8, 0x00, 0x00, 0x00, 0xad, 0xb7, 0xe4, 0x8b, 0x19);
	EXPECT("\"2012-03-18 11:30:45.000000\"", 0x0f, 7, 8, 0x00, 0x00, 0x00, 0xad, 0xb7, 0xe4, 0x8b, 0x19);
	EXPECT("\"87:31:46.654321\"", 0x0f, 11, 8, 0xf1, 0xfb, 0x09, 0xee, 0x77, 0x05, 0x00, 0x00);
	/* -87:31:46.654321 is the two's complement of the above */
	EXPECT("\"-87:31:46.654321\"", 0x0f, 11, 8, 0x0f, 0x04, 0xf6, 0x11, 0x88, 0xfa, 0xff, 0xff);
	/* VAR_STRING opaques print as strings; others as base64 with the type; MySQL's base64_encode
	 * breaks lines every 76 characters, which the quoting shows as \n */
	EXPECT("\"ab\\n\"", 0x0f, 253, 3, 'a', 'b', '\n');
	EXPECT("\"base64:type15:VQ==\"", 0x0f, 15, 1, 0x55);
	EXPECT("\"base64:type252:\"", 0x0f, 252, 0);
	EXPECT("\"base64:type16:AQI=\"", 0x0f, 16, 2, 1, 2);
	uint8_t b[3 + 60];
	b[0] = 0x0f;
	b[1] = 252;
	b[2] = 60;
	memset(b + 3, 0, 60);
	expect_text(
	    b, sizeof b,
	    "\"base64:type252:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\\nAAAA\"");
}

/* --- Containers ---------------------------------------------------------------------------------- */

static void test_containers(void **state)
{
	(void)state;
	uint8_t b[4096], inner[512];
	static const uint8_t one[] = {1, 0}, tru[] = {1}, nul[] = {0}, x[] = {1, 'x'};
	static const uint8_t i32[] = {0x00, 0x00, 0x01, 0x00}; /* 65536 */

	EXPECT("{}", 0x00, 0, 0, 4, 0);
	EXPECT("[]", 0x02, 0, 0, 4, 0);
	EXPECT("{}", 0x01, 0, 0, 0, 0, 8, 0, 0, 0);
	EXPECT("[]", 0x03, 0, 0, 0, 0, 8, 0, 0, 0);

	/* {"a": 1, "b": [true, null, "x"]} */
	el_t arr[] = {{4, tru, 1, NULL}, {4, nul, 1, NULL}, {0x0c, x, 2, NULL}};
	size_t in = container(inner, false, false, arr, 3);
	el_t obj[] = {{5, one, 2, "a"}, {inner[0], inner + 1, in - 1, "b"}};
	size_t n = container(b, true, false, obj, 2);
	expect_text(b, n, "{\"a\": 1, \"b\": [true, null, \"x\"]}");

	/* the same as large containers; int32 inlined in a large one, stored after the keys in a small */
	in = container(inner, false, true, arr, 3);
	el_t lobj[] = {{5, one, 2, "a"}, {inner[0], inner + 1, in - 1, "b"}, {7, i32, 4, "cc"}};
	n = container(b, true, true, lobj, 3);
	expect_text(b, n, "{\"a\": 1, \"b\": [true, null, \"x\"], \"cc\": 65536}");
	n = container(b, true, false, lobj, 3);
	expect_text(b, n, "{\"a\": 1, \"b\": [true, null, \"x\"], \"cc\": 65536}");

	/* keys needing escapes */
	el_t ek[] = {{4, tru, 1, "q\"\n"}};
	n = container(b, true, false, ek, 1);
	expect_text(b, n, "{\"q\\\"\\n\": true}");

	/* a large array of 300 elements of which the text is known */
	static el_t many[300];
	static uint8_t vals[300][2];
	for (int i = 0; i < 300; i++) {
		vals[i][0] = (uint8_t)i;
		vals[i][1] = (uint8_t)(i >> 8);
		many[i] = (el_t){6, vals[i], 2, NULL};
	}
	n = container(b, false, true, many, 300);
	char *s = to_text(b, n);
	assert_non_null(s);
	assert_int_equal(strncmp(s, "[0, 1, 2, ", 10), 0);
	assert_non_null(strstr(s, ", 298, 299]"));
	free(s);
}

/* Nested arrays [[[...]]] of `levels` levels. */
static size_t nested(uint8_t *b, int levels)
{
	/* each level: 02, count 1, size 7 + inner, entry 02 + offset 7 */
	size_t n = 0;
	uint8_t tmp[2048];
	tmp[0] = 0x02;
	tmp[1] = 0;
	tmp[2] = 0;
	tmp[3] = 4;
	tmp[4] = 0;
	n = 5;
	for (int l = 1; l < levels; l++) {
		size_t size = 7 + (n - 1);
		b[0] = 0x02;
		b[1] = 1;
		b[2] = 0;
		b[3] = (uint8_t)size;
		b[4] = (uint8_t)(size >> 8);
		b[5] = 0x02;
		b[6] = 7;
		b[7] = 0;
		memcpy(b + 8, tmp + 1, n - 1);
		n = 8 + n - 1;
		memcpy(tmp, b, n);
	}
	memcpy(b, tmp, n);
	return n;
}

static void test_depth(void **state)
{
	(void)state;
	uint8_t b[2048];
	size_t n = nested(b, RC_JSON_MAX_DEPTH);
	char *s = to_text(b, n);
	assert_non_null(s);
	assert_int_equal(strlen(s), 2 * RC_JSON_MAX_DEPTH);
	free(s);
	n = nested(b, RC_JSON_MAX_DEPTH + 1);
	expect_error(b, n, -1);
	assert_non_null(strstr(errbuf, "deeper than 100"));
}

/* 40 levels of arrays whose two entries both point at the level below: 2^40 values in 400 bytes. */
static void test_shared_entries(void **state)
{
	(void)state;
	uint8_t b[1024], tmp[1024];
	size_t n = 4;
	memcpy(tmp, (uint8_t[]){0, 0, 4, 0}, 4); /* [] without its type byte */
	for (int l = 0; l < 40; l++) {
		size_t size = 10 + n;
		uint8_t hdr[10] = {2, 0, (uint8_t)size, (uint8_t)(size >> 8), 0x02, 10, 0, 0x02, 10, 0};
		memcpy(b, hdr, 10);
		memcpy(b + 10, tmp, n);
		n += 10;
		memcpy(tmp, b, n);
	}
	b[0] = 0x02;
	memcpy(b + 1, tmp, n);
	expect_error(b, n + 1, -1);
	assert_non_null(strstr(errbuf, "share their bytes"));
	rc_buf_t out;
	rc_buf_init(&out, 0);
	assert_int_equal(rc_json_apply_diffs(b, n + 1, NULL, 0, &out, errbuf, sizeof errbuf), RC_ERR_FATAL);
	assert_non_null(strstr(errbuf, "share their bytes"));
	rc_buf_free(&out);
}

static void test_errors(void **state)
{
	(void)state;
	uint8_t b[512], inner[128];
	static const uint8_t one[] = {1, 0}, x[] = {3, 'a', 'b', 'c'}, dbl[] = {0, 0, 0, 0, 0, 0, 0xf8, 0x3f};
	el_t arr[] = {{0x0c, x, 4, NULL}, {0x0b, dbl, 8, NULL}};
	size_t in = container(inner, false, false, arr, 2);
	el_t obj[] = {{5, one, 2, "a"}, {inner[0], inner + 1, in - 1, "bb"}};
	size_t n = container(b, true, false, obj, 2);

	expect_text(b, n, "{\"a\": 1, \"bb\": [\"abc\", 1.5]}");
	/* every truncation is an error, never a read past the end (ASan checks the latter) */
	for (size_t cut = 1; cut < n; cut++) {
		uint8_t *c = malloc(cut);
		memcpy(c, b, cut);
		expect_error(c, cut, -1);
		free(c);
	}
	/* a container size past the end of the buffer, named at the container's first byte (1) */
	uint8_t big[] = {0x00, 0x01, 0x00, 0xff, 0x00};
	expect_error(big, sizeof big, 1);
	/* a value offset outside its container: the entry at byte 5 points at 0x40 */
	uint8_t off[] = {0x02, 0x01, 0x00, 0x07, 0x00, 0x0c, 0x40, 0x00};
	expect_error(off, sizeof off, 5);
	assert_non_null(strstr(errbuf, "offset 64"));
	/* a key outside its object */
	uint8_t key[] = {0x00, 0x01, 0x00, 0x0b, 0x00, 0x20, 0x00, 0x01, 0x00, 0x04, 0x01, 0x00};
	expect_error(key, sizeof key, 5);
	/* more elements than the container's bytes can hold */
	uint8_t cnt[] = {0x02, 0xff, 0x00, 0x07, 0x00, 0x04, 0x01, 0x00};
	expect_error(cnt, sizeof cnt, 1);
	/* unknown type, bad literal, string past the end, 6-byte length, bad decimal, bad date length */
	EXPECT("[]", 0x02, 0, 0, 4, 0, 0xee); /* bytes after the value are not looked at */
	static const uint8_t unk[] = {0x0d, 0}, lit[] = {0x04, 0x03}, str[] = {0x0c, 0x05, 'a'},
	                     vl[] = {0x0c, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00},
	                     vlbig[] = {0x0c, 0xff, 0xff, 0xff, 0xff, 0x7f},
	                     dec[] = {0x0f, 246, 3, 5, 2, 0x80}, decgrp[] = {0x0f, 246, 4, 3, 0, 0x83, 0xe8},
	                     dt[] = {0x0f, 12, 4, 0, 0, 0, 0},
	                     ilit[] = {0x02, 0x01, 0x00, 0x07, 0x00, 0x04, 0x09, 0x00},
	                     nan[] = {0x0b, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f};
	expect_error(unk, sizeof unk, 1);
	expect_error(lit, sizeof lit, 1);
	expect_error(str, sizeof str, 1);
	expect_error(vl, sizeof vl, 1);
	expect_error(vlbig, sizeof vlbig, 1);
	expect_error(dec, sizeof dec, 3);
	expect_error(decgrp, sizeof decgrp, 3); /* 1000 in a 3-digit group */
	expect_error(dt, sizeof dt, 3);
	expect_error(ilit, sizeof ilit, 6); /* an inlined literal 9 in the entry at byte 5 */
	expect_error(nan, sizeof nan, 1);
}

/* --- Diffs --------------------------------------------------------------------------------------- */

/* Appends one diff: op, lenenc path, [lenenc value]. */
static size_t add_diff(uint8_t *d, size_t n, int op, const char *path, const uint8_t *val, size_t vlen)
{
	size_t pl = strlen(path);
	d[n++] = (uint8_t)op;
	d[n++] = (uint8_t)pl;
	memcpy(d + n, path, pl);
	n += pl;
	if (op != 2) {
		if (vlen < 251)
			d[n++] = (uint8_t)vlen;
		else {
			d[n++] = 0xfc;
			d[n++] = (uint8_t)vlen;
			d[n++] = (uint8_t)(vlen >> 8);
		}
		memcpy(d + n, val, vlen);
		n += vlen;
	}
	return n;
}

static size_t before_doc(uint8_t *b)
{
	/* {"a": 1, "b": [1, 2]} */
	static const uint8_t one[] = {1, 0}, two[] = {2, 0};
	uint8_t inner[64];
	el_t arr[] = {{5, one, 2, NULL}, {5, two, 2, NULL}};
	size_t in = container(inner, false, false, arr, 2);
	el_t obj[] = {{5, one, 2, "a"}, {inner[0], inner + 1, in - 1, "b"}};
	return container(b, true, false, obj, 2);
}

static void expect_diffs(const uint8_t *d, size_t dn, const char *want)
{
	uint8_t b[256];
	size_t bn = before_doc(b);
	rc_buf_t out;
	rc_buf_init(&out, 0);
	errbuf[0] = 0;
	int rc = rc_json_apply_diffs(b, bn, d, dn, &out, errbuf, sizeof errbuf);
	if (want) {
		if (rc != 0)
			fail_msg("diffs failed: %s (want %s)", errbuf, want);
		rc_buf_putc(&out, 0);
		assert_string_equal((char *)out.data, want);
	} else {
		if (rc == 0)
			fail_msg("diffs applied, expected an error");
		assert_int_equal(out.len, 0);
		assert_true(errbuf[0] != 0);
	}
	rc_buf_free(&out);
}

static void test_diffs(void **state)
{
	(void)state;
	uint8_t d[512] = {0};
	static const uint8_t vx[] = {0x0c, 1, 'x'}, v3[] = {0x05, 3, 0}, vnull[] = {0x04, 0},
	                     vobj[] = {0x00, 0, 0, 4, 0};
	size_t n;

	expect_diffs(d, 0, "{\"a\": 1, \"b\": [1, 2]}");
	n = add_diff(d, 0, 0, "$.a", vx, sizeof vx);
	expect_diffs(d, n, "{\"a\": \"x\", \"b\": [1, 2]}");
	/* INSERT keeps MySQL's key order: shorter keys first, then bytes */
	n = add_diff(d, 0, 1, "$.aa", v3, sizeof v3);
	n = add_diff(d, n, 1, "$.c", vnull, sizeof vnull);
	n = add_diff(d, n, 1, "$.\"\"", vobj, sizeof vobj);
	expect_diffs(d, n, "{\"\": {}, \"a\": 1, \"b\": [1, 2], \"c\": null, \"aa\": 3}");
	/* array INSERT at a position, past the end (appends), REMOVE [last], REPLACE [last-1] */
	n = add_diff(d, 0, 1, "$.b[0]", v3, sizeof v3);
	n = add_diff(d, n, 1, "$.b[99]", vx, sizeof vx);
	expect_diffs(d, n, "{\"a\": 1, \"b\": [3, 1, 2, \"x\"]}");
	n = add_diff(d, 0, 0, "$.b[last-1]", vnull, sizeof vnull);
	n = add_diff(d, n, 2, "$.b[last]", NULL, 0);
	expect_diffs(d, n, "{\"a\": 1, \"b\": [null]}");
	/* quoted member names, blanks between legs, nested paths, REMOVE of a member */
	n = add_diff(d, 0, 0, " $ .\"b\" [ 1 ]", vobj, sizeof vobj);
	n = add_diff(d, n, 1, "$.b[1].\"k\\u00e9\"", vx, sizeof vx);
	n = add_diff(d, n, 2, "$.\"a\"", NULL, 0);
	expect_diffs(d, n, "{\"b\": [1, {\"k\xc3\xa9\": \"x\"}]}");
	/* a big value (lenenc 0xfc) */
	uint8_t bigv[3 + 300];
	bigv[0] = 0x0c;
	bigv[1] = 0xac;
	bigv[2] = 0x02;
	memset(bigv + 3, 'z', 300);
	n = add_diff(d, 0, 0, "$.a", bigv, sizeof bigv);
	rc_buf_t out;
	uint8_t b[64];
	size_t bn = before_doc(b);
	rc_buf_init(&out, 0);
	assert_int_equal(rc_json_apply_diffs(b, bn, d, n, &out, errbuf, sizeof errbuf), 0);
	assert_int_equal(out.len, strlen("{\"a\": \"\", \"b\": [1, 2]}") + 300);
	rc_buf_free(&out);

	/* what MySQL's apply_json_diffs rejects */
	n = add_diff(d, 0, 0, "$", vx, sizeof vx); /* the root */
	expect_diffs(d, n, NULL);
	n = add_diff(d, 0, 0, "$.zz", vx, sizeof vx); /* REPLACE of nothing */
	expect_diffs(d, n, NULL);
	assert_non_null(strstr(errbuf, "diff 1 (REPLACE '$.zz') rejected"));
	n = add_diff(d, 0, 1, "$.a", vx, sizeof vx); /* INSERT of an existing member */
	expect_diffs(d, n, NULL);
	n = add_diff(d, 0, 0, "$.b[2]", vx, sizeof vx); /* REPLACE past the end */
	expect_diffs(d, n, NULL);
	n = add_diff(d, 0, 2, "$.b[5]", NULL, 0); /* REMOVE past the end */
	expect_diffs(d, n, NULL);
	n = add_diff(d, 0, 2, "$.a.b", NULL, 0); /* through a scalar */
	expect_diffs(d, n, NULL);
	n = add_diff(d, 0, 1, "$.b.c", vx, sizeof vx); /* a member of an array */
	expect_diffs(d, n, NULL);
	n = add_diff(d, 0, 0, "$.b[*]", vx, sizeof vx); /* wildcards are no diff path */
	expect_diffs(d, n, NULL);
	n = add_diff(d, 0, 0, "a", vx, sizeof vx);
	expect_diffs(d, n, NULL);
	n = add_diff(d, 0, 0, "$.a", vx, sizeof vx);
	d[0] = 3; /* unknown operation */
	expect_diffs(d, n, NULL);
	assert_non_null(strstr(errbuf, "at byte 0: diff 1: unknown operation 3"));
	/* every truncation of a two-diff vector is an error */
	n = add_diff(d, 0, 0, "$.a", vx, sizeof vx);
	size_t first = n;
	n = add_diff(d, n, 1, "$.b[0]", v3, sizeof v3);
	for (size_t cut = 1; cut < n; cut++) {
		if (cut == first)
			continue; /* a whole first diff is a valid vector */
		uint8_t *c = malloc(cut);
		memcpy(c, d, cut);
		expect_diffs(c, cut, NULL);
		free(c);
	}
	/* a bad value in a diff names the diff and the offset in the value */
	static const uint8_t bad[] = {0x0c, 9, 'a'};
	n = add_diff(d, 0, 0, "$.a", bad, sizeof bad);
	n = add_diff(d, 0, 0, "$.a", vx, sizeof vx);
	n = add_diff(d, n, 0, "$.a", bad, sizeof bad);
	expect_diffs(d, n, NULL);
	assert_non_null(strstr(errbuf, "JSON diff 2 value at byte 1"));
}

static void test_diffs_empty_before(void **state)
{
	(void)state;
	uint8_t d[64];
	static const uint8_t vx[] = {0x0c, 1, 'x'};
	size_t n = add_diff(d, 0, 1, "$.a", vx, sizeof vx);
	rc_buf_t out;
	rc_buf_init(&out, 0);
	/* an empty before image is null, which has no members */
	assert_int_equal(rc_json_apply_diffs(NULL, 0, d, n, &out, errbuf, sizeof errbuf), RC_ERR_FATAL);
	assert_int_equal(rc_json_apply_diffs(NULL, 0, d, 0, &out, errbuf, sizeof errbuf), 0);
	assert_int_equal(out.len, 4);
	assert_memory_equal(out.data, "null", 4);
	rc_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_opaque),
	    cmocka_unit_test(test_fixture_partial_update),
	    cmocka_unit_test(test_literals_and_ints),
	    cmocka_unit_test(test_doubles),
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_opaque),
	    cmocka_unit_test(test_containers),
	    cmocka_unit_test(test_depth),
	    cmocka_unit_test(test_shared_entries),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_diffs),
	    cmocka_unit_test(test_diffs_empty_before),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
