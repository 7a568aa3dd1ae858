/*
 * binlog_rows.c on hand-built TABLE_MAPs and row images: the bytes of each value are written here
 * from the formats MySQL documents (strings/decimal.cc's decimal2bin example, the packed temporal
 * formats of sql-common/my_time.cc), and the decoded values are what Debezium's MySQL connector
 * gives for them under its defaults (time.precision.mode=adaptive_time_microseconds,
 * decimal.handling.mode=precise, binary.handling.mode=bytes). Also: DECIMAL edge cases (65 digits,
 * negative, scale 30, a digit group out of range), collations from COLUMN_CHARSET and
 * DEFAULT_CHARSET, names and keys, MINIMAL images, a partial JSON update without its document, and
 * every image cut short is an error naming the table, row, column and offset.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/decimal.h"
#include "agent/errors.h"
#include "decoders/mysql/binlog_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- DECIMAL ------------------------------------------------------------------------------------ */

static void expect_decimal(const char *hex, int precision, int scale, bool negative, const char *digits)
{
	uint8_t b[64];
	size_t n = strlen(hex) / 2;
	rc_arena_t arena;
	rc_decimal_t dec;
	const char *why = NULL;

	for (size_t i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", &b[i]);
	assert_int_equal(rc_binlog_decimal_size(precision, scale), n);
	rc_arena_init(&arena, 0);
	assert_int_equal(rc_binlog_decimal_decode(b, precision, scale, &arena, &dec, &why), 0);
	assert_int_equal(dec.negative, negative);
	assert_int_equal(dec.scale, scale);
	assert_int_equal(dec.n, strlen(digits));
	assert_memory_equal(dec.digits, digits, dec.n);
	rc_arena_destroy(&arena);
}

static void test_decimal(void **state)
{
	(void)state;
	/* decimal2bin's own example: 1234567890.1234 as DECIMAL(14,4), and its negative */
	expect_decimal("810dfb38d204d2", 14, 4, false, "12345678901234");
	expect_decimal("7ef204c72dfb2d", 14, 4, true, "12345678901234");
	/* 65 digits, scale 30: 35 nines . 30 nines; 8 leftover integer digits in 4 bytes, 3 groups,
	 * 3 fraction groups, 3 leftover fraction digits in 2 bytes */
	expect_decimal("85f5e0ff3b9ac9ff3b9ac9ff3b9ac9ff3b9ac9ff3b9ac9ff3b9ac9ff03e7", 65, 30, false,
	               "99999999999999999999999999999999999999999999999999999999999999999");
	expect_decimal("7a0a1f00c4653600c4653600c4653600c4653600c4653600c4653600fc18", 65, 30, true,
	               "99999999999999999999999999999999999999999999999999999999999999999");
	/* the smallest DECIMAL(30,30): 0.000...001, and zero (never negative) */
	expect_decimal("8000000000000000000000000001", 30, 30, false, "1");
	expect_decimal("8000000000", 10, 2, false, "0");
	/* DECIMAL(10,2) -12345678.90: 8 integer digits in 4 bytes, 2 fraction digits in 1 */
	expect_decimal("7f439eb1a5", 10, 2, true, "1234567890");
	assert_int_equal(rc_binlog_decimal_size(65, 30), 30);
	assert_int_equal(rc_binlog_decimal_size(1, 0), 1);
	assert_int_equal(rc_binlog_decimal_size(18, 9), 8);
}

static void test_decimal_bad_group(void **state)
{
	/* DECIMAL(18,0): two groups of 9 digits; the first holds 10^9, which no 9 digits can */
	const uint8_t b[8] = {0xbb, 0x9a, 0xca, 0x00, 0x00, 0x00, 0x00, 0x00};
	rc_arena_t arena;
	rc_decimal_t dec;
	const char *why = NULL;

	(void)state;
	rc_arena_init(&arena, 0);
	assert_int_equal(rc_binlog_decimal_decode(b, 18, 0, &arena, &dec, &why), -1);
	assert_non_null(strstr(why, "out of range"));
	rc_arena_destroy(&arena);
}

/* --- Hand-built tables and images --------------------------------------------------------------- */

typedef struct {
	uint8_t type;
	uint16_t meta;
	bool nullable;
} col_t;

typedef struct {
	rc_binlog_table_map_t tm;
	uint8_t types[32];
	uint16_t meta[32];
	uint8_t nulls[4];
	rc_binlog_str_t names[32];
} map_t;

static void map_init(map_t *m, const col_t *cols, uint32_t n, const char *const *names)
{
	memset(m, 0, sizeof *m);
	for (uint32_t i = 0; i < n; i++) {
		m->types[i] = cols[i].type;
		m->meta[i] = cols[i].meta;
		if (cols[i].nullable)
			m->nulls[i / 8] |= (uint8_t)(1u << (i % 8));
		if (names) {
			m->names[i].s = names[i];
			m->names[i].len = strlen(names[i]);
		}
	}
	m->tm.table_id = 42;
	m->tm.db.s = "db";
	m->tm.db.len = 2;
	m->tm.table.s = "t";
	m->tm.table.len = 1;
	m->tm.ncolumns = n;
	m->tm.types = m->types;
	m->tm.meta = m->meta;
	m->tm.null_bitmap = m->nulls;
	m->tm.column_names = names ? m->names : NULL;
}

static rc_mysql_table_t *table_of(const map_t *m)
{
	rc_mysql_modes_t modes;
	rc_mysql_table_t *t = NULL;
	char err[RC_ERRSTR_LEN];

	memset(&modes, 0, sizeof modes);
	rc_typemodes_default(&modes.base);
	modes.base.time = RC_TIME_MODE_ADAPTIVE_MICROS; /* the MySQL connector's default */
	if (rc_mysql_table_from_map(&m->tm, &modes, "p", &t, err, sizeof err) != 0)
		fail_msg("table: %s", err);
	return t;
}

typedef struct {
	uint8_t b[512];
	size_t n;
} img_t;

static void put(img_t *im, const char *hex)
{
	for (; hex[0] && hex[1]; hex += 2)
		sscanf(hex, "%2hhx", &im->b[im->n++]);
}

static void put_str(img_t *im, const char *s)
{
	memcpy(im->b + im->n, s, strlen(s));
	im->n += strlen(s);
}

static void rows_event(rc_binlog_event_t *ev, int type, uint32_t ncols, const uint8_t *present,
                       const uint8_t *present_after, const img_t *im)
{
	memset(ev, 0, sizeof *ev);
	ev->type = (uint8_t)type;
	ev->kind = RC_BINLOG_K_ROWS;
	ev->log_pos = 4321;
	ev->u.rows.version = 2;
	ev->u.rows.table_id = 42;
	ev->u.rows.ncolumns = ncols;
	ev->u.rows.present = present;
	ev->u.rows.present_after = present_after;
	ev->u.rows.rows = im->b;
	ev->u.rows.rows_len = im->n;
	ev->u.rows.rows_offset = 30;
}

/* MySQL type numbers */
enum {
	TINY = 1,
	SHORT = 2,
	LONG = 3,
	DOUBLE = 5,
	LONGLONG = 8,
	DATE = 10,
	YEAR = 13,
	VARCHAR = 15,
	BIT = 16,
	TIMESTAMP2 = 17,
	DATETIME2 = 18,
	TIME2 = 19,
	JSON = 245,
	NEWDECIMAL = 246,
	BLOB = 252,
	STRING = 254,
};

static void assert_bytes(const rc_value_t *v, const void *p, size_t n)
{
	assert_int_equal(v->state, RC_V_SET);
	assert_int_equal(v->u.bytes.len, n);
	assert_memory_equal(v->u.bytes.ptr, p, n);
}

static void assert_text(const rc_value_t *v, const char *s)
{
	assert_bytes(v, s, strlen(s));
}

static void assert_int(const rc_value_t *v, int64_t i)
{
	assert_int_equal(v->state, RC_V_SET);
	assert_int_equal(v->u.i, i);
}

static void test_types(void **state)
{
	static const col_t cols[] = {
	    {LONG, 0, false},            /* 0 i: -2 */
	    {LONG, 0, false},            /* 1 u: INT UNSIGNED 4294967295 */
	    {TINY, 0, false},            /* 2 ti: -128 */
	    {DOUBLE, 8, false},          /* 3 d: 2.5 */
	    {VARCHAR, 1000, false},      /* 4 vc: VARCHAR(250) utf8mb4, 2-byte length */
	    {STRING, 0xfe28, false},     /* 5 c: CHAR(10) utf8mb4 (40 bytes), 1-byte length */
	    {BLOB, 2, false},            /* 6 bl: BLOB, binary */
	    {DATETIME2, 6, false},       /* 7 dt: DATETIME(6) 2022-11-20 12:34:56.123456 */
	    {TIME2, 1, false},           /* 8 tm: TIME(1) -01:02:03.5 */
	    {TIMESTAMP2, 3, false},      /* 9 ts: TIMESTAMP(3) 1668951630.125 */
	    {DATE, 0, false},            /* 10 da: 2024-02-29 */
	    {YEAR, 0, false},            /* 11 y: 2155 */
	    {STRING, 0xf701, false},     /* 12 e: ENUM('a','b','c') = 'b' */
	    {STRING, 0xf801, false},     /* 13 s: SET('a','b','c','d') = 'a,d' */
	    {BIT, 5, false},             /* 14 b5: BIT(5) b'10101' */
	    {NEWDECIMAL, 0x0a02, false}, /* 15 dec: DECIMAL(10,2) -12345678.90 */
	    {LONGLONG, 0, true},         /* 16 n: NULL */
	    {STRING, 0xfe04, false},     /* 17 bn: BINARY(4) x'6162' (the binlog drops the 0x00 pad) */
	};
	static const char *const names[] = {"i",  "u",  "ti", "d", "vc", "c",  "bl",  "dt", "tm",
	                                    "ts", "da", "y",  "e", "s",  "b5", "dec", "n",  "bn"};
	static const uint8_t signedness[] = {0x40}; /* numeric columns i, u, ti, d, dec, n: u unsigned */
	static const uint64_t charsets[] = {45, 255, 63, 63};
	static rc_binlog_str_t labels_e[] = {{"a", 1}, {"b", 1}, {"c", 1}};
	static rc_binlog_str_t labels_s[] = {{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}};
	rc_binlog_strlist_t enums = {12, 3, labels_e}, sets = {13, 4, labels_s};
	const uint8_t present[3] = {0xff, 0xff, 0x03};
	uint32_t pk[] = {0};
	map_t m;
	rc_mysql_table_t *t;
	rc_binlog_event_t ev;
	rc_binlog_rows_iter_t it;
	rc_value_t *before, *after;
	rc_arena_t arena;
	rc_op_t op;
	img_t im = {.n = 0};
	char err[RC_ERRSTR_LEN];
	rc_decimal_t dec;

	(void)state;
	map_init(&m, cols, 18, names);
	m.tm.signedness = signedness;
	m.tm.signedness_len = 1;
	m.tm.column_charsets = (uint64_t *)charsets; /* vc, c, bl, bn: the character columns */
	m.tm.ncolumn_charsets = 4;
	m.tm.enums = &enums;
	m.tm.nenums = 1;
	m.tm.sets = &sets;
	m.tm.nsets = 1;
	m.tm.pk = pk;
	m.tm.npk = 1;
	t = table_of(&m);
	assert_string_equal(t->table->topic, "p.db.t");
	assert_int_equal(t->table->nkey, 1);
	assert_true(t->table->cols[0].key);
	assert_int_equal(t->defs[4].kind, RC_MY_VARCHAR);
	assert_int_equal(t->defs[4].collation, 45);
	assert_int_equal(t->defs[5].kind, RC_MY_CHAR);
	assert_int_equal(t->defs[6].kind, RC_MY_BLOB);
	assert_int_equal(t->defs[17].kind, RC_MY_BINARY);
	assert_int_equal(t->defs[12].kind, RC_MY_ENUM);
	assert_int_equal(t->defs[13].kind, RC_MY_SET);
	assert_true(t->defs[1].is_unsigned);
	assert_false(t->defs[0].is_unsigned);
	assert_int_equal(t->defs[15].precision, 10);
	assert_int_equal(t->defs[15].scale, 2);
	assert_int_equal(t->defs[14].length, 5);

	put(&im, "000001"); /* null bitmap: column 16 (the 17th present) is NULL */
	put(&im, "feffffff"
	         "ffffffff"
	         "80"
	         "0000000000000440");
	put(&im, "0600");
	put_str(&im, "h\xc3\xa9llo"); /* VARCHAR: 2-byte length */
	put(&im, "02");
	put_str(&im, "ab");
	put(&im, "0200"
	         "00ff");
	put(&im, "99ae68c8b8"
	         "01e240");
	put(&im, "7fef7c"
	         "ce");
	put(&im, "637a2e4e"
	         "04e2");
	put(&im, "5dd00f"
	         "ff"
	         "02"
	         "09"
	         "15"
	         "7f439eb1a5");
	put(&im, "02"
	         "6162");
	rows_event(&ev, 30, 18, present, NULL, &im);
	rc_arena_init(&arena, 0);
	rc_binlog_rows_begin(&it, t, &ev);
	if (rc_binlog_rows_next(&it, &arena, &op, &before, &after, err, sizeof err) != 1)
		fail_msg("row: %s", err);
	assert_int_equal(op, RC_OP_CREATE);
	assert_null(before);
	assert_int(&after[0], -2);
	assert_int(&after[1], 4294967295LL);
	assert_int(&after[2], -128);
	assert_int_equal(after[3].state, RC_V_SET);
	assert_true(after[3].u.f == 2.5);
	assert_text(&after[4], "h\xc3\xa9llo");
	assert_text(&after[5], "ab");
	assert_bytes(&after[6], "\x00\xff", 2);
	assert_int(&after[7], 1668947696123456LL); /* MicroTimestamp */
	assert_int(&after[8], -3723500000LL);      /* MicroTime */
	assert_text(&after[9], "2022-11-20T13:40:30.125Z");
	assert_int(&after[10], 19782); /* days */
	assert_int(&after[11], 2155);
	assert_text(&after[12], "b");
	assert_text(&after[13], "a,d");
	assert_bytes(&after[14], "\x15", 1); /* Bits, little-endian */
	assert_int_equal(after[15].state, RC_V_SET);
	assert_int_equal(rc_decimal_from_twos((const unsigned char *)after[15].u.bytes.ptr,
	                                      after[15].u.bytes.len, 2, &arena, &dec),
	                 0);
	assert_true(dec.negative);
	assert_string_equal(dec.digits, "1234567890");
	assert_int_equal(after[16].state, RC_V_NULL);
	assert_bytes(&after[17], "ab\0\0", 4);
	assert_int_equal(rc_binlog_rows_next(&it, &arena, &op, &before, &after, err, sizeof err), 0);

	/* Every cut of the image is an error naming the table, the row, a column and the offset. */
	for (size_t cut = 0; cut < im.n; cut++) {
		img_t part = im;

		part.n = cut;
		rows_event(&ev, 30, 18, present, NULL, &part);
		rc_binlog_rows_begin(&it, t, &ev);
		rc_arena_reset(&arena);
		if (cut == 0) {
			assert_int_equal(
			    rc_binlog_rows_next(&it, &arena, &op, &before, &after, err, sizeof err), 0);
			continue;
		}
		assert_int_equal(rc_binlog_rows_next(&it, &arena, &op, &before, &after, err, sizeof err),
		                 RC_ERR_FATAL);
		assert_non_null(strstr(err, "db.t row 1"));
		assert_non_null(strstr(err, "event offset"));
		assert_non_null(strstr(err, "log position 4321"));
	}
	/* Any byte changed: a row, the end or an error, never a read outside the image (run under
	 * ASan by the sanitizer build). */
	for (size_t at = 0; at < im.n; at++) {
		static const uint8_t flips[] = {0x01, 0x80, 0xff};

		for (size_t f = 0; f < sizeof flips; f++) {
			img_t bad = im;
			int rc;

			bad.b[at] ^= flips[f];
			rows_event(&ev, 30, 18, present, NULL, &bad);
			rc_binlog_rows_begin(&it, t, &ev);
			rc_arena_reset(&arena);
			while ((rc = rc_binlog_rows_next(&it, &arena, &op, &before, &after, err,
			                                 sizeof err)) == 1)
				;
			assert_true(rc == 0 || rc == RC_ERR_FATAL);
		}
	}
	rc_arena_destroy(&arena);
	rc_mysql_table_free(t);
}

/* No names: @1, @2...; no key; MINIMAL images leave columns out as RC_V_UNCHANGED. */
static void test_minimal_update(void **state)
{
	static const col_t cols[] = {{LONG, 0, false}, {SHORT, 0, true}, {LONG, 0, true}};
	const uint8_t before_bm[1] = {0x01}, after_bm[1] = {0x06};
	map_t m;
	rc_mysql_table_t *t;
	rc_binlog_event_t ev;
	rc_binlog_rows_iter_t it;
	rc_value_t *before, *after;
	rc_arena_t arena;
	rc_op_t op;
	img_t im = {.n = 0};
	char err[RC_ERRSTR_LEN];

	(void)state;
	map_init(&m, cols, 3, NULL);
	t = table_of(&m);
	assert_string_equal(t->table->cols[0].name, "@1");
	assert_string_equal(t->table->cols[2].name, "@3");
	assert_int_equal(t->table->nkey, 0);
	assert_false(t->names_known);
	/* before: id 7; after: @2 NULL, @3 9; then a second row */
	put(&im, "00"
	         "07000000"
	         "01"
	         "09000000");
	put(&im, "00"
	         "08000000"
	         "00"
	         "0500"
	         "0a000000");
	rows_event(&ev, 31, 3, before_bm, after_bm, &im);
	rc_arena_init(&arena, 0);
	rc_binlog_rows_begin(&it, t, &ev);
	assert_int_equal(rc_binlog_rows_next(&it, &arena, &op, &before, &after, err, sizeof err), 1);
	assert_int_equal(op, RC_OP_UPDATE);
	assert_int(&before[0], 7);
	assert_int_equal(before[1].state, RC_V_UNCHANGED);
	assert_int_equal(before[2].state, RC_V_UNCHANGED);
	assert_int_equal(after[0].state, RC_V_UNCHANGED);
	assert_int_equal(after[1].state, RC_V_NULL);
	assert_int(&after[2], 9);
	assert_int_equal(rc_binlog_rows_next(&it, &arena, &op, &before, &after, err, sizeof err), 1);
	assert_int(&before[0], 8);
	assert_int(&after[1], 5);
	assert_int(&after[2], 10);
	assert_int_equal(rc_binlog_rows_next(&it, &arena, &op, &before, &after, err, sizeof err), 0);
	assert_int_equal(it.row, 2);

	/* A delete has a before image only; a column count other than the map's is an error. */
	im.n = 0;
	put(&im, "00"
	         "07000000");
	rows_event(&ev, 32, 3, before_bm, NULL, &im);
	rc_binlog_rows_begin(&it, t, &ev);
	assert_int_equal(rc_binlog_rows_next(&it, &arena, &op, &before, &after, err, sizeof err), 1);
	assert_int_equal(op, RC_OP_DELETE);
	assert_null(after);
	assert_int(&before[0], 7);
	ev.u.rows.ncolumns = 2;
	rc_binlog_rows_begin(&it, t, &ev);
	assert_int_equal(rc_binlog_rows_next(&it, &arena, &op, &before, &after, err, sizeof err),
	                 RC_ERR_FATAL);
	assert_non_null(strstr(err, "2 columns"));
	rc_arena_destroy(&arena);
	rc_mysql_table_free(t);
}

/* DEFAULT_CHARSET: a default collation and exceptions by character column index (ENUM and INT
 * columns do not count). */
static void test_default_charset(void **state)
{
	static const col_t cols[] = {{LONG, 0, false},
	                             {VARCHAR, 40, true},
	                             {STRING, 0xf701, true},
	                             {BLOB, 2, true},
	                             {STRING, 0xfe0a, true}};
	uint64_t exceptions[] = {1, 63, 2, 8}; /* character column 1 (the BLOB): binary; 2 (CHAR): latin1 */
	map_t m;
	rc_mysql_table_t *t;

	(void)state;
	map_init(&m, cols, 5, NULL);
	m.tm.default_charset = 255;
	m.tm.charset_exceptions = exceptions;
	m.tm.ncharset_exceptions = 2;
	t = table_of(&m);
	assert_int_equal(t->defs[1].collation, 255);
	assert_int_equal(t->defs[1].kind, RC_MY_VARCHAR);
	assert_int_equal(t->defs[3].collation, 63);
	assert_int_equal(t->defs[3].kind, RC_MY_BLOB);
	assert_int_equal(t->defs[4].collation, 8);
	assert_int_equal(t->defs[4].kind, RC_MY_CHAR);
	assert_int_equal(t->defs[2].kind, RC_MY_ENUM);
	rc_mysql_table_free(t);
}

/* A type the binlog cannot carry (old DECIMAL, 0) or impossible metadata: an error naming the
 * table and column. */
static void test_bad_map(void **state)
{
	static const col_t old_decimal[] = {{0, 0, false}};
	static const col_t bad_decimal[] = {{NEWDECIMAL, 0x4600, false}}; /* precision 70 */
	rc_mysql_modes_t modes;
	rc_mysql_table_t *t = NULL;
	char err[RC_ERRSTR_LEN];
	map_t m;

	(void)state;
	memset(&modes, 0, sizeof modes);
	rc_typemodes_default(&modes.base);
	map_init(&m, old_decimal, 1, NULL);
	assert_int_equal(rc_mysql_table_from_map(&m.tm, &modes, "p", &t, err, sizeof err), RC_ERR_FATAL);
	assert_null(t);
	assert_non_null(strstr(err, "db.t"));
	assert_non_null(strstr(err, "column 1"));
	map_init(&m, bad_decimal, 1, NULL);
	assert_int_equal(rc_mysql_table_from_map(&m.tm, &modes, "p", &t, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, "0x4600"));
}

/* PARTIAL_UPDATE_ROWS: the after image starts with value options and the partial bits; a JSON
 * column sent as diffs, whose document is not in the (MINIMAL) before image, is unavailable. */
static void test_partial_json_without_document(void **state)
{
	static const col_t cols[] = {{LONG, 0, false}, {JSON, 4, true}, {LONG, 0, true}};
	const uint8_t before_bm[1] = {0x01}, after_bm[1] = {0x06};
	map_t m;
	rc_mysql_table_t *t;
	rc_binlog_event_t ev;
	rc_binlog_rows_iter_t it;
	rc_value_t *before, *after;
	rc_arena_t arena;
	rc_op_t op;
	img_t im = {.n = 0};
	char err[RC_ERRSTR_LEN];

	(void)state;
	map_init(&m, cols, 3, NULL);
	t = table_of(&m);
	/* the 8.0.22 fixture's first row: before id 1; after: options PARTIAL_JSON, partial bit set,
	 * nulls 00, @2 a REPLACE of $.age by 26 (11 bytes), @3 26 */
	put(&im, "00"
	         "01000000");
	put(&im, "01"
	         "01"
	         "00"
	         "0b000000"
	         "0005242e616765"
	         "03051a00"
	         "1a000000");
	rows_event(&ev, 39, 3, before_bm, after_bm, &im);
	rc_arena_init(&arena, 0);
	rc_binlog_rows_begin(&it, t, &ev);
	if (rc_binlog_rows_next(&it, &arena, &op, &before, &after, err, sizeof err) != 1)
		fail_msg("row: %s", err);
	assert_int_equal(op, RC_OP_UPDATE);
	assert_int(&before[0], 1);
	assert_int_equal(after[1].state, RC_V_UNCHANGED);
	assert_int(&after[2], 26);
	assert_int_equal(rc_binlog_rows_next(&it, &arena, &op, &before, &after, err, sizeof err), 0);
	rc_arena_destroy(&arena);
	rc_mysql_table_free(t);
}

/* With the document in the before image (FULL), the diffs apply to it: {"age": 24} with $.age
 * replaced by 26 is {"age": 26}. The binary document by hand: small object, 1 member, 14 bytes,
 * key entry (offset 11, length 3), value entry (int16 24 inlined), key "age". */
static void test_partial_json_applied(void **state)
{
	static const col_t cols[] = {{LONG, 0, false}, {JSON, 4, true}};
	const uint8_t both[1] = {0x03};
	map_t m;
	rc_mysql_table_t *t;
	rc_binlog_event_t ev;
	rc_binlog_rows_iter_t it;
	rc_value_t *before, *after;
	rc_arena_t arena;
	rc_op_t op;
	img_t im = {.n = 0};
	char err[RC_ERRSTR_LEN];

	(void)state;
	map_init(&m, cols, 2, NULL);
	t = table_of(&m);
	put(&im, "00"
	         "01000000"
	         "0f000000"
	         "0001000e000b000300051800616765");
	put(&im, "01"
	         "01"
	         "00"
	         "02000000"
	         "0b000000"
	         "0005242e616765"
	         "03051a00");
	rows_event(&ev, 39, 2, both, both, &im);
	rc_arena_init(&arena, 0);
	rc_binlog_rows_begin(&it, t, &ev);
	if (rc_binlog_rows_next(&it, &arena, &op, &before, &after, err, sizeof err) != 1)
		fail_msg("row: %s", err);
	assert_text(&before[1], "{\"age\": 24}");
	assert_int(&after[0], 2);
	assert_text(&after[1], "{\"age\": 26}");
	rc_arena_destroy(&arena);
	rc_mysql_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decimal),
	    cmocka_unit_test(test_decimal_bad_group),
	    cmocka_unit_test(test_types),
	    cmocka_unit_test(test_minimal_update),
	    cmocka_unit_test(test_default_charset),
	    cmocka_unit_test(test_bad_map),
	    cmocka_unit_test(test_partial_json_without_document),
	    cmocka_unit_test(test_partial_json_applied),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
