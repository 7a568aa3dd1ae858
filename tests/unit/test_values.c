/* The value code of the core, shared by every source: the byte reader, decimals, base64 and hex,
 * the calendar, the type modes and the source block tables. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/calendar.h"
#include "agent/codec.h"
#include "agent/decimal.h"
#include "agent/errors.h"
#include "agent/properties.h"
#include "agent/reader.h"
#include "agent/source_block.h"
#include "agent/typemodes.h"
#include "agent/utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A fixed xorshift sequence: the random cases are the same on every run. */
static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void hexs(char *out, const unsigned char *p, size_t n)
{
	out[rc_codec_hex_encode(p, n, out)] = '\0';
}

/* ---- reader ------------------------------------------------------------------------------------ */

/* One read of the reader's API, its result widened to 64 bits (negative values modulo 2^64). When it
 * fails, *v is SENTINEL if the output was left untouched, 0 if not. */
typedef int (*read_fn)(rc_reader_t *rd, uint64_t *v);
#define SENTINEL UINT64_C(0x5a5a5a5a5a5a5a5a)

#define READ(name, type)                                                                                     \
	static int r_##name(rc_reader_t *rd, uint64_t *v)                                                    \
	{                                                                                                    \
		type x = (type)SENTINEL;                                                                     \
		int rc = rc_reader_##name(rd, &x);                                                           \
		*v = !rc ? (uint64_t)x : x == (type)SENTINEL ? SENTINEL : 0;                                 \
		return rc;                                                                                   \
	}
READ(u8, uint8_t)
READ(be_u16, uint16_t)
READ(le_u16, uint16_t)
READ(be_u24, uint32_t)
READ(le_u24, uint32_t)
READ(be_u32, uint32_t)
READ(le_u32, uint32_t)
READ(be_u48, uint64_t)
READ(le_u48, uint64_t)
READ(be_u64, uint64_t)
READ(le_u64, uint64_t)
READ(i8, int8_t)
READ(be_i16, int16_t)
READ(le_i16, int16_t)
READ(be_i24, int32_t)
READ(le_i24, int32_t)
READ(be_i32, int32_t)
READ(le_i32, int32_t)
READ(be_i48, int64_t)
READ(le_i48, int64_t)
READ(be_i64, int64_t)
READ(le_i64, int64_t)

static int r_lenenc(rc_reader_t *rd, uint64_t *v)
{
	bool null = true;
	uint64_t x = SENTINEL;
	int rc = rc_reader_lenenc(rd, &x, &null);

	*v = !rc ? (null ? UINT64_MAX : x) : x == SENTINEL && null ? SENTINEL : 0;
	return rc;
}

/* lenenc strings and NUL-terminated strings as their length, byte runs as their first byte. */
static int r_lenenc_str(rc_reader_t *rd, uint64_t *v)
{
	const uint8_t *p = NULL;
	size_t n = 0;
	int rc = rc_reader_lenenc_str(rd, &p, &n, NULL);

	*v = !rc ? n : !p && !n ? SENTINEL : 0;
	assert_true(rc || p);
	return rc;
}

static int r_cstring(rc_reader_t *rd, uint64_t *v)
{
	const char *s = NULL;
	size_t n = 0;
	int rc = rc_reader_cstring(rd, &s, &n);

	*v = !rc ? n : !s && !n ? SENTINEL : 0;
	assert_true(rc || strlen(s) == n);
	return rc;
}

static int r_bytes4(rc_reader_t *rd, uint64_t *v)
{
	const uint8_t *p = NULL;
	int rc = rc_reader_bytes(rd, 4, &p);

	*v = !rc ? p[0] : !p ? SENTINEL : 0;
	return rc;
}

static const struct {
	const char *name;
	read_fn read;
	const char *bytes;
	size_t len;
	uint64_t want;
} reads[] = {
    {"u8", r_u8, "\x80", 1, 0x80},
    {"be_u16", r_be_u16, "\x12\x34", 2, 0x1234},
    {"le_u16", r_le_u16, "\x12\x34", 2, 0x3412},
    {"be_u24", r_be_u24, "\x12\x34\x56", 3, 0x123456},
    {"le_u24", r_le_u24, "\x12\x34\x56", 3, 0x563412},
    {"be_u32", r_be_u32, "\x89\xab\xcd\xef", 4, 0x89abcdef},
    {"le_u32", r_le_u32, "\x89\xab\xcd\xef", 4, 0xefcdab89},
    {"be_u48", r_be_u48, "\x01\x02\x03\x04\x05\x06", 6, UINT64_C(0x010203040506)},
    {"le_u48", r_le_u48, "\x01\x02\x03\x04\x05\x06", 6, UINT64_C(0x060504030201)},
    {"be_u64", r_be_u64, "\x01\x02\x03\x04\x05\x06\x07\x88", 8, UINT64_C(0x0102030405060788)},
    {"le_u64", r_le_u64, "\x01\x02\x03\x04\x05\x06\x07\x88", 8, UINT64_C(0x8807060504030201)},
    {"i8", r_i8, "\xff", 1, (uint64_t)-1},
    {"be_i16", r_be_i16, "\xff\xfe", 2, (uint64_t)-2},
    {"le_i16", r_le_i16, "\xfe\xff", 2, (uint64_t)-2},
    {"be_i24", r_be_i24, "\x80\x00\x00", 3, (uint64_t)-8388608},
    {"le_i24", r_le_i24, "\xff\xff\x7f", 3, 8388607},
    {"be_i32", r_be_i32, "\x80\x00\x00\x00", 4, (uint64_t)(int64_t)INT32_MIN},
    {"le_i32", r_le_i32, "\xff\xff\xff\x7f", 4, INT32_MAX},
    {"be_i48", r_be_i48, "\xff\xff\xff\xff\xff\xfe", 6, (uint64_t)-2},
    {"le_i48", r_le_i48, "\x00\x00\x00\x00\x00\x80", 6, (uint64_t) - (INT64_C(1) << 47)},
    {"be_i64", r_be_i64, "\x80\x00\x00\x00\x00\x00\x00\x00", 8, (uint64_t)INT64_MIN},
    {"le_i64", r_le_i64, "\xff\xff\xff\xff\xff\xff\xff\x7f", 8, INT64_MAX},
    {"lenenc 1", r_lenenc, "\xfa", 1, 250},
    {"lenenc null", r_lenenc, "\xfb", 1, UINT64_MAX},
    {"lenenc 2", r_lenenc, "\xfc\x34\x12", 3, 0x1234},
    {"lenenc 3", r_lenenc, "\xfd\x56\x34\x12", 4, 0x123456},
    {"lenenc 8", r_lenenc, "\xfe\x08\x07\x06\x05\x04\x03\x02\x01", 9, UINT64_C(0x0102030405060708)},
    {"lenenc_str", r_lenenc_str,
     "\x03"
     "abc",
     4, 3},
    {"lenenc_str 2", r_lenenc_str,
     "\xfc\x02\x00"
     "xy",
     5, 2},
    {"lenenc_str empty", r_lenenc_str, "\x00", 1, 0},
    {"cstring", r_cstring, "abc\0", 4, 3},
    {"cstring empty", r_cstring, "\0", 1, 0},
    {"bytes", r_bytes4, "wxyz", 4, 'w'},
};

static void test_reader_every_truncation(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof reads / sizeof reads[0]; k++) {
		for (size_t cut = 0; cut <= reads[k].len; cut++) {
			/* an exact-size copy, so that a read past it is a sanitizer error */
			uint8_t *copy = malloc(cut ? cut : 1);
			rc_reader_t rd;
			uint64_t v = 0;
			char why[160];
			int rc;

			assert_non_null(copy);
			memcpy(copy, reads[k].bytes, cut);
			rc_reader_init(&rd, copy, cut);
			rc = reads[k].read(&rd, &v);
			if (cut == reads[k].len) {
				if (rc != 0 || v != reads[k].want)
					fail_msg("%s: rc %d, value %" PRIx64 ", want %" PRIx64, reads[k].name,
					         rc, v, reads[k].want);
				assert_int_equal(rd.pos, cut);
				assert_int_equal(rc_reader_remaining(&rd), 0);
			} else {
				if (rc != RC_ERR_FATAL)
					fail_msg("%s: read of %zu bytes did not fail", reads[k].name, cut);
				assert_int_equal(v, SENTINEL);
				assert_int_equal(rd.pos, 0); /* all or nothing */
				assert_true(rc_reader_failed(&rd));
				assert_int_equal(rd.status, reads[k].read == r_cstring && cut > 0
				                                ? RC_READER_UNTERMINATED
				                                : RC_READER_SHORT);
				rc_reader_describe(&rd, why, sizeof why);
				assert_true(strncmp(why, "truncated at offset 0: need ", 28) == 0 ||
				            strncmp(why, "string at offset 0 has no NUL", 29) == 0);
				/* sticky: what follows fails too, even a read that would fit */
				rd.len = reads[k].len;
				rd.buf = (const uint8_t *)reads[k].bytes;
				assert_int_equal(r_u8(&rd, &v), RC_ERR_FATAL);
				assert_int_equal(rd.pos, 0);
			}
			free(copy);
		}
	}
}

static void test_reader_messages_and_edges(void **state)
{
	static const uint8_t msg[] = {0x00, 0x01, 'h', 'i', 0x00, 0xfb, 0xff, 0x05, 'a', 'b'};
	rc_reader_t rd;
	const char *s;
	const uint8_t *p;
	uint64_t u;
	int64_t i;
	uint8_t b;
	bool null;
	size_t n;
	char why[160];
	(void)state;

	rc_reader_init(&rd, msg, sizeof msg);
	assert_int_equal(rc_reader_describe(&rd, why, sizeof why), 8);
	assert_string_equal(why, "no error");
	assert_int_equal(rc_reader_peek_u8(&rd, &b), 0);
	assert_int_equal(rd.pos, 0);
	assert_int_equal(rc_reader_be_uint(&rd, 2, &u), 0);
	assert_int_equal(u, 1);
	assert_int_equal(rc_reader_cstring(&rd, &s, &n), 0);
	assert_string_equal(s, "hi");
	assert_int_equal(rc_reader_lenenc(&rd, &u, &null), 0);
	assert_true(null);
	/* 0xff is never a length; 0xfb is NULL only where NULL may stand */
	assert_int_equal(rc_reader_lenenc(&rd, &u, &null), RC_ERR_FATAL);
	rc_reader_describe(&rd, why, sizeof why);
	assert_string_equal(why, "length-encoded integer at offset 6 starts with 0xff");
	rc_reader_init(&rd, msg + 5, 1);
	assert_int_equal(rc_reader_lenenc(&rd, &u, NULL), RC_ERR_FATAL);
	assert_int_equal(rd.status, RC_READER_BAD_LENENC);
	/* a string longer than what is left: the position stays before its length */
	rc_reader_init(&rd, msg + 7, 3);
	assert_int_equal(rc_reader_lenenc_str(&rd, &p, &n, &null), RC_ERR_FATAL);
	assert_int_equal(rd.pos, 0);
	rc_reader_describe(&rd, why, sizeof why);
	assert_string_equal(why, "truncated at offset 0: need 6 bytes, 3 left");
	rc_reader_init(&rd, msg + 2, 2);
	assert_int_equal(rc_reader_cstring(&rd, &s, NULL), RC_ERR_FATAL);
	rc_reader_describe(&rd, why, sizeof why);
	assert_string_equal(why,
	                    "string at offset 0 has no NUL terminator within the message (2 bytes left)");
	/* widths outside 1..8 are refused, never read */
	rc_reader_init(&rd, msg, sizeof msg);
	assert_int_equal(rc_reader_le_int(&rd, 0, &i), RC_ERR_FATAL);
	rc_reader_init(&rd, msg, sizeof msg);
	assert_int_equal(rc_reader_be_uint(&rd, 9, &u), RC_ERR_FATAL);
	assert_int_equal(rd.pos, 0);
	/* skip and a read at the very end */
	rc_reader_init(&rd, msg, sizeof msg);
	assert_int_equal(rc_reader_skip(&rd, 9), 0);
	assert_int_equal(rc_reader_u8(&rd, &b), 0);
	assert_int_equal(b, 'b');
	assert_int_equal(rc_reader_skip(&rd, 1), RC_ERR_FATAL);
	rc_reader_describe(&rd, why, sizeof why);
	assert_string_equal(why, "truncated at offset 10: need 1 bytes, 0 left");
	/* no buffer at all reads as an empty one */
	rc_reader_init(&rd, NULL, 5);
	assert_int_equal(rc_reader_remaining(&rd), 0);
	assert_int_equal(rc_reader_bytes(&rd, 0, &p), 0);
	assert_non_null(p);
	assert_int_equal(rc_reader_u8(&rd, &b), RC_ERR_FATAL);
}

/* ---- decimal ----------------------------------------------------------------------------------- */

/* The minimal two's complement of v, straight from its 64 bits: an oracle for small values. */
static size_t twos_of_i64(int64_t v, unsigned char *out)
{
	unsigned char b[8];
	size_t first = 0;

	for (int k = 0; k < 8; k++)
		b[k] = (unsigned char)((uint64_t)v >> (56 - 8 * k));
	while (first < 7 &&
	       ((b[first] == 0 && !(b[first + 1] & 0x80)) || (b[first] == 0xff && (b[first + 1] & 0x80))))
		first++;
	memcpy(out, b + first, 8 - first);
	return 8 - first;
}

static const char *plain(rc_arena_t *a, const char *text, int32_t scale)
{
	rc_decimal_text_t t;
	rc_decimal_t d;

	assert_int_equal(rc_decimal_parse(text, strlen(text), &t), 0);
	assert_int_equal(rc_decimal_unscaled(&t, scale, a, &d), 0);
	return rc_decimal_to_string(&d, RC_DECIMAL_PLAIN, a);
}

static const char *java(rc_arena_t *a, const char *digits, bool neg, int32_t scale)
{
	rc_decimal_t d = {neg, digits, strlen(digits), scale};

	return rc_decimal_to_string(&d, RC_DECIMAL_JAVA, a);
}

static void test_decimal_edges(void **state)
{
	static const struct {
		const char *d;
		bool neg;
		const char *hex;
	} twos[] = {{"0", false, "00"},
	            {"000", true, "00"}, /* -0 */
	            {"127", false, "7f"},
	            {"128", false, "0080"},
	            {"128", true, "80"},
	            {"129", true, "ff7f"},
	            {"999999999", false, "3b9ac9ff"},
	            {"1000000000", false, "3b9aca00"},
	            {"4294967296", false, "0100000000"},
	            {"2147483648", true, "80000000"},
	            {"2147483649", true, "ff7fffffff"},
	            {"9223372036854775808", false, "008000000000000000"},
	            {"18446744073709551616", true, "ff0000000000000000"}};
	static const char *const bad[] = {"", "-", "+", ".", "-.", "1e5", "1.2.3", " 1", "1 ", "0x10", "NaN"};
	rc_arena_t a;
	rc_decimal_text_t t;
	rc_decimal_t d;
	const unsigned char *b;
	size_t n;
	char hex[128];
	(void)state;
	rc_arena_init(&a, 0);
	for (size_t i = 0; i < sizeof twos / sizeof twos[0]; i++) {
		d = (rc_decimal_t){twos[i].neg, twos[i].d, strlen(twos[i].d), 0};
		assert_int_equal(rc_decimal_to_twos(&d, &a, &b, &n), 0);
		hexs(hex, b, n);
		assert_string_equal(hex, twos[i].hex);
	}
	d = (rc_decimal_t){false, "1x", 2, 0};
	assert_int_equal(rc_decimal_to_twos(&d, &a, &b, &n), RC_ERR_FATAL);
	d.n = 0;
	assert_int_equal(rc_decimal_to_twos(&d, &a, &b, &n), RC_ERR_FATAL);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(rc_decimal_parse(bad[i], strlen(bad[i]), &t), RC_ERR_FATAL);

	/* text -> digits at a scale -> plain text: -0, leading zeros, scale beyond the digits */
	assert_string_equal(plain(&a, "-0", 0), "0");
	assert_string_equal(plain(&a, "-0.000", 2), "0.00");
	assert_string_equal(plain(&a, "000123.4500", 2), "123.45");
	assert_string_equal(plain(&a, ".5", 3), "0.500");
	assert_string_equal(plain(&a, "5.", 0), "5");
	assert_string_equal(plain(&a, "-0.001", 3), "-0.001");
	assert_string_equal(plain(&a, "+7", 5), "7.00000");
	assert_int_equal(rc_decimal_parse("1.25", 4, &t), 0);
	assert_int_equal(rc_decimal_unscaled(&t, 1, &a, &d), RC_DECIMAL_INEXACT);
	assert_int_equal(rc_decimal_unscaled(&t, -1, &a, &d), RC_ERR_FATAL);
	assert_int_equal(rc_decimal_unscaled(&t, 4, &a, &d), 0);
	assert_string_equal(d.digits, "12500");
	assert_int_equal(d.scale, 4);

	/* BigDecimal.toString() */
	assert_string_equal(java(&a, "12345", false, 2), "123.45");
	assert_string_equal(java(&a, "12345", true, 9), "-0.000012345");
	assert_string_equal(java(&a, "1", false, 6), "0.000001");
	assert_string_equal(java(&a, "1", false, 7), "1E-7");
	assert_string_equal(java(&a, "10", false, 8), "1.0E-7");
	assert_string_equal(java(&a, "0", true, 10), "0E-10");
	assert_string_equal(java(&a, "0", false, 2), "0.00");
	assert_string_equal(java(&a, "12", false, -3), "1.2E+4");
	assert_string_equal(java(&a, "000120", false, 0), "120");
	{
		rc_decimal_t z = {true, "12", 2, -3};
		assert_string_equal(rc_decimal_to_string(&z, RC_DECIMAL_PLAIN, &a), "-12000");
	}
	rc_arena_destroy(&a);
}

/* Random values both ways: digits -> two's complement -> digits, text -> plain text, and two's
 * complement -> text, with an independent oracle where the value fits 64 bits. */
static void test_decimal_round_trips(void **state)
{
	rc_arena_t a;
	rc_buf_t out;
	(void)state;
	rc_arena_init(&a, 0);
	rc_buf_init(&out, 0);
	for (int k = 0; k < 20000; k++) {
		char digits[1100], text[1200];
		size_t n = 1 + (size_t)(rng() % (k % 100 == 0 ? 1000 : 40)), w = 0;
		int32_t scale = (int32_t)(rng() % (n + 4));
		bool neg = rng() & 1;
		rc_decimal_t d, back;
		const unsigned char *b;
		size_t nb;
		const char *s;

		for (size_t i = 0; i < n; i++)
			digits[i] = (char)('0' + rng() % 10);
		digits[n] = '\0';
		d = (rc_decimal_t){neg, digits, n, scale};
		assert_int_equal(rc_decimal_to_twos(&d, &a, &b, &nb), 0);
		assert_int_equal(rc_decimal_from_twos(b, nb, scale, &a, &back), 0);
		while (d.n > 1 && d.digits[0] == '0')
			d.digits++, d.n--;
		assert_int_equal(back.n, d.n);
		assert_memory_equal(back.digits, d.digits, d.n);
		assert_int_equal(back.negative, neg && strcmp(d.digits, "0") != 0);
		assert_int_equal(back.scale, scale);
		if (d.n <= 18) {
			unsigned char want[8];
			int64_t v = (int64_t)strtoll(d.digits, NULL, 10);
			size_t nw = twos_of_i64(neg ? -v : v, want);
			assert_int_equal(nb, nw);
			assert_memory_equal(b, want, nw);
		}
		/* the same value as text, then through the JSON encoder's path */
		if (neg)
			text[w++] = '-';
		if (d.n > (size_t)scale) {
			memcpy(text + w, d.digits, d.n - (size_t)scale);
			w += d.n - (size_t)scale;
		} else {
			text[w++] = '0';
		}
		if (scale > 0) {
			text[w++] = '.';
			for (size_t i = d.n; i < (size_t)scale; i++)
				text[w++] = '0';
			memcpy(text + w, d.n > (size_t)scale ? d.digits + d.n - (size_t)scale : d.digits,
			       d.n > (size_t)scale ? (size_t)scale : d.n);
			w += d.n > (size_t)scale ? (size_t)scale : d.n;
		}
		text[w] = '\0';
		s = strcmp(d.digits, "0") == 0 && neg ? text + 1 : text;
		assert_string_equal(plain(&a, text, scale), s);
		rc_buf_reset(&out);
		rc_decimal_append_twos(&out, b, nb, scale, RC_DECIMAL_PLAIN);
		assert_int_equal(out.len, strlen(s));
		assert_memory_equal(out.data, s, out.len);
		rc_arena_reset(&a);
	}
	rc_buf_free(&out);
	rc_arena_destroy(&a);
}

static void test_integers(void **state)
{
	static const int64_t v[] = {0, 1, -1, 9, 10, 99, 100, -100, 12345678901, INT64_MAX, INT64_MIN};
	char got[RC_DECIMAL_INT64_CHARS + 1], want[32];
	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		got[rc_decimal_format_i64(v[i], got)] = '\0';
		snprintf(want, sizeof want, "%" PRId64, v[i]);
		assert_string_equal(got, want);
	}
	for (int k = 0; k < 10000; k++) {
		uint64_t u = rng() >> (rng() % 64);
		got[rc_decimal_format_u64(u, got)] = '\0';
		snprintf(want, sizeof want, "%" PRIu64, u);
		assert_string_equal(got, want);
	}
	got[rc_decimal_format_u64(UINT64_MAX, got)] = '\0';
	assert_string_equal(got, "18446744073709551615");
}

/* ---- base64 and hex ---------------------------------------------------------------------------- */

static void test_codec(void **state)
{
	/* RFC 4648 section 10 */
	static const char *const vec[][2] = {{"", ""},
	                                     {"f", "Zg=="},
	                                     {"fo", "Zm8="},
	                                     {"foo", "Zm9v"},
	                                     {"foob", "Zm9vYg=="},
	                                     {"fooba", "Zm9vYmE="},
	                                     {"foobar", "Zm9vYmFy"}};
	static const char *const bad64[] = {"Zg=",      "Zg",        "Z===",     "====",
	                                    "Zh==",     "Zm9=",      "Zm9v\n",   "Zm=v",
	                                    "Zg==Zm9v", "Zm9v YmFy", "Zm9vYmF!", "Z\xc3\xa9=="};
	uint8_t bin[256], back[256];
	char txt[512];
	size_t n;
	(void)state;
	for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
		size_t len = strlen(vec[i][0]);
		n = rc_codec_base64_encode(vec[i][0], len, txt);
		assert_int_equal(n, rc_codec_base64_len(len));
		assert_memory_equal(txt, vec[i][1], n);
		assert_int_equal(rc_codec_base64_decode(vec[i][1], n, back, &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(back, vec[i][0], len);
	}
	for (size_t i = 0; i < sizeof bad64 / sizeof bad64[0]; i++)
		assert_int_equal(rc_codec_base64_decode(bad64[i], strlen(bad64[i]), back, &n), RC_ERR_FATAL);
	for (int k = 0; k < 2000; k++) {
		size_t len = rng() % sizeof bin, m;
		for (size_t i = 0; i < len; i++)
			bin[i] = (uint8_t)rng();
		n = rc_codec_base64_encode(bin, len, txt);
		assert_true(rc_codec_base64_max_decoded(n) >= len);
		assert_int_equal(rc_codec_base64_decode(txt, n, back, &m), 0);
		assert_int_equal(m, len);
		assert_memory_equal(back, bin, len);
		n = rc_codec_hex_encode(bin, len, txt);
		assert_int_equal(n, 2 * len);
		assert_int_equal(rc_codec_hex_decode(txt, n, back), 0);
		assert_memory_equal(back, bin, len);
	}
	n = rc_codec_hex_encode("\x00\xab\xff", 3, txt);
	assert_memory_equal(txt, "00abff", n);
	assert_int_equal(rc_codec_hex_decode("00ABff", 6, back), 0);
	assert_memory_equal(back, "\x00\xab\xff", 3);
	assert_int_equal(rc_codec_hex_decode("abc", 3, back), RC_ERR_FATAL);
	assert_int_equal(rc_codec_hex_decode("0g", 2, back), RC_ERR_FATAL);
	assert_int_equal(rc_codec_hex_digit('F'), 15);
	assert_int_equal(rc_codec_hex_digit('x'), -1);
}

/* ---- calendar ---------------------------------------------------------------------------------- */

static void test_calendar_days(void **state)
{
	int64_t y;
	int m, d;
	(void)state;
	/* round trip over ±6 million years */
	for (int64_t day = -2200000000; day <= 2200000000; day += 9973) {
		rc_calendar_civil_from_days(day, &y, &m, &d);
		assert_true(m >= 1 && m <= 12 && d >= 1 && d <= rc_calendar_month_days(y, m));
		assert_int_equal(rc_calendar_days_from_civil(y, m, d), day);
	}
	assert_int_equal(rc_calendar_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(rc_calendar_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(rc_calendar_days_from_civil(1970, 1, 2), 1);
	assert_int_equal(rc_calendar_days_from_civil(1, 1, 1), -719162);
	assert_int_equal(rc_calendar_days_from_civil(9999, 12, 31), 2932896);
	assert_int_equal(rc_calendar_days_from_civil(0, 1, 1), -719528);    /* 1 BC */
	assert_int_equal(rc_calendar_days_from_civil(-43, 3, 15), -735160); /* 44 BC */
	rc_calendar_civil_from_days(-1, &y, &m, &d);
	assert_true(y == 1969 && m == 12 && d == 31);
	/* leap years: every 4th, not every 100th, every 400th; year 0 and -4 are leap years */
	assert_true(rc_calendar_is_leap(2000) && rc_calendar_is_leap(2024) && rc_calendar_is_leap(1600));
	assert_false(rc_calendar_is_leap(1900) || rc_calendar_is_leap(2023) || rc_calendar_is_leap(-1));
	assert_true(rc_calendar_is_leap(0) && rc_calendar_is_leap(-4));
	assert_int_equal(rc_calendar_month_days(1900, 2), 28);
	assert_int_equal(rc_calendar_month_days(2000, 2), 29);
	assert_int_equal(rc_calendar_days_from_civil(2000, 3, 1) - rc_calendar_days_from_civil(2000, 2, 28),
	                 2);
	assert_int_equal(rc_calendar_days_from_civil(1900, 3, 1) - rc_calendar_days_from_civil(1900, 2, 28),
	                 1);
	assert_int_equal(rc_calendar_floor_div(-1, 1000), -1);
	assert_int_equal(rc_calendar_floor_div(-1000, 1000), -1);
	assert_int_equal(rc_calendar_floor_div(1999, 1000), 1);
	assert_int_equal(rc_calendar_floor_div(5, -2), -3);
}

static void test_calendar_texts(void **state)
{
	static const struct {
		int64_t days, tod_us;
		int width;
		const char *text;
	} ts[] = {
	    {0, 0, 0, "1970-01-01T00:00:00Z"},
	    {0, -1, 0, "1969-12-31T23:59:59.999999Z"},
	    {0, 500000, 9, "1970-01-01T00:00:00.500000000Z"},
	    {0, 120000, 0, "1970-01-01T00:00:00.12Z"},
	    {0, 120000, 3, "1970-01-01T00:00:00.120Z"},
	    {0, 123456, 2, "1970-01-01T00:00:00.12Z"},
	    {0, 0, 6, "1970-01-01T00:00:00.000000Z"},
	    {19724, 11045123456, 6, "2024-01-02T03:04:05.123456Z"},
	    {19724, 11045000000, 0, "2024-01-02T03:04:05Z"},
	    {19724, 11045000000, 12, "2024-01-02T03:04:05.000000000Z"},
	    {-719162, 0, 0, "0001-01-01T00:00:00Z"},
	    {2932896, 86399999999, 0, "9999-12-31T23:59:59.999999Z"},
	    {2932897, 0, 0, "+10000-01-01T00:00:00Z"},
	    {-719528, 0, 0, "0000-01-01T00:00:00Z"},
	    {-735160, 36000000000, 0, "-0043-03-15T10:00:00Z"},
	    {-4371953, 0, 0, "-10000-01-01T00:00:00Z"},
	    {0, 3 * RC_CALENDAR_US_PER_DAY + 1, 0, "1970-01-04T00:00:00.000001Z"},
	};
	char buf[RC_CALENDAR_TEXT_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		size_t n = rc_calendar_format_zoned_timestamp(buf, ts[i].days, ts[i].tod_us, ts[i].width);
		assert_string_equal(buf, ts[i].text);
		assert_int_equal(n, strlen(ts[i].text));
	}
	/* the widest there can be */
	assert_true(rc_calendar_format_zoned_timestamp(buf, INT64_MAX / 400, -1, 9) < RC_CALENDAR_TEXT_MAX);
	/* against gmtime over years 1..9999 */
	for (int k = 0; k < 20000; k++) {
		int64_t secs = -62135596800 + (int64_t)(rng() % UINT64_C(315537897600)),
		        us = (int64_t)(rng() % 1000000);
		time_t t = (time_t)secs;
		struct tm tm;
		char want[64];

		assert_non_null(gmtime_r(&t, &tm));
		snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)us);
		rc_calendar_format_zoned_timestamp(
		    buf, rc_calendar_floor_div(secs, 86400),
		    (secs - rc_calendar_floor_div(secs, 86400) * 86400) * 1000000 + us, 6);
		assert_string_equal(buf, want);
	}
	rc_calendar_format_zoned_time(buf, 0);
	assert_string_equal(buf, "00:00:00Z");
	rc_calendar_format_zoned_time(buf, RC_CALENDAR_US_PER_DAY);
	assert_string_equal(buf, "24:00:00Z");
	rc_calendar_format_zoned_time(buf, 37230500000);
	assert_string_equal(buf, "10:20:30.5Z");
	assert_int_equal(rc_calendar_format_zoned_time(buf, 1), 16);
	assert_string_equal(buf, "00:00:00.000001Z");
}

/* ---- type modes -------------------------------------------------------------------------------- */

static void test_typemodes(void **state)
{
	rc_conf_t *conf = rc_conf_new();
	rc_typemodes_t m;
	char err[256];
	(void)state;
	/* properties.c validates with the same lists the enums are read from */
	assert_string_equal(rc_prop_find("decimal.handling.mode")->choices, RC_DECIMAL_MODE_CHOICES);
	assert_string_equal(rc_prop_find("time.precision.mode")->choices, RC_TIME_MODE_CHOICES);
	assert_string_equal(rc_prop_find("binary.handling.mode")->choices, RC_BINARY_MODE_CHOICES);
	assert_int_equal(rc_typemodes_choice(RC_TIME_MODE_CHOICES, "connect"), RC_TIME_MODE_CONNECT);
	assert_int_equal(rc_typemodes_choice(RC_TIME_MODE_CHOICES, "adaptive"), RC_TIME_MODE_ADAPTIVE);
	assert_int_equal(rc_typemodes_choice(RC_TIME_MODE_CHOICES, "adapt"), -1);
	assert_int_equal(rc_typemodes_from_conf(&m, conf, err, sizeof err), 0);
	assert_true(m.decimal == RC_DECIMAL_MODE_PRECISE && m.time == RC_TIME_MODE_ADAPTIVE &&
	            m.binary == RC_BINARY_MODE_BYTES);
	assert_int_equal(
	    rc_conf_set(conf, "decimal.handling.mode", "double", RC_CONF_CLI, "t", err, sizeof err), 0);
	assert_int_equal(
	    rc_conf_set(conf, "binary.handling.mode", "base64", RC_CONF_CLI, "t", err, sizeof err), 0);
	assert_int_equal(rc_typemodes_from_conf(&m, conf, err, sizeof err), 0);
	assert_true(m.decimal == RC_DECIMAL_MODE_DOUBLE && m.binary == RC_BINARY_MODE_BASE64);
	assert_int_equal(rc_conf_set(conf, "time.precision.mode", "nanos", RC_CONF_CLI, "t", err, sizeof err),
	                 0);
	assert_int_equal(rc_typemodes_from_conf(&m, conf, err, sizeof err), RC_ERR_FATAL);
	assert_string_equal(err, "time.precision.mode = 'nanos' is not valid (expected one of: "
	                         "adaptive|adaptive_time_microseconds|connect)");
	rc_conf_free(conf);
}

/* ---- source block ------------------------------------------------------------------------------ */

static void expect_fields(const rc_source_block_t *sb, const char *names, const char *kinds)
{
	/* kinds: S string, s optional string, L long, l optional long, I int, E the snapshot enum */
	char got[512] = "", gotk[64] = "";

	for (size_t i = 0; i < sb->nfields; i++) {
		static const char letter[] = {
		    [RC_SOURCE_STRING] = 'S',   [RC_SOURCE_OPT_STRING] = 's', [RC_SOURCE_LONG] = 'L',
		    [RC_SOURCE_OPT_LONG] = 'l', [RC_SOURCE_INT] = 'I',        [RC_SOURCE_SNAPSHOT] = 'E'};
		assert_int_equal(strlen(sb->fields[i].name), sb->fields[i].name_len);
		strcat(got, i ? "," : "");
		strcat(got, sb->fields[i].name);
		gotk[i] = letter[sb->fields[i].kind];
	}
	assert_string_equal(got, names);
	assert_string_equal(gotk, kinds);
}

static const char *value_text(const rc_source_block_t *sb, const rc_event_t *ev, const char *field, char *buf)
{
	rc_source_ctx_t cx;

	rc_source_block_ctx(&cx, sb, ev, "shop");
	for (size_t i = 0; i < sb->nfields; i++) {
		const rc_source_field_t *f = &sb->fields[i];
		rc_source_value_t v;
		if (strcmp(f->name, field) != 0)
			continue;
		rc_source_block_value(&cx, f, &v);
		if (v.null)
			return "null";
		if (f->kind == RC_SOURCE_LONG || f->kind == RC_SOURCE_OPT_LONG || f->kind == RC_SOURCE_INT)
			buf[rc_decimal_format_i64(v.i, buf)] = '\0';
		else
			snprintf(buf, 64, "%.*s", (int)v.len, v.s);
		return buf;
	}
	fail_msg("no field %s", field);
	return NULL;
}

static void test_source_blocks(void **state)
{
	const rc_source_block_t *pg = rc_source_block_find("postgresql"), *my = rc_source_block_find("mysql"),
	                        *maria = rc_source_block_find("mariadb");
	rc_table_t *t = rc_table_new("public", "orders", "shop.public.orders", 1);
	rc_event_t ev = {.op = RC_OP_CREATE, .table = t};
	char buf[64];
	(void)state;
	assert_non_null(pg);
	assert_non_null(my);
	assert_non_null(maria);
	assert_null(rc_source_block_find("oracle"));
	assert_null(rc_source_block_find("postgres"));
	assert_null(rc_source_block_find(NULL));
	expect_fields(
	    pg,
	    "version,connector,name,ts_ms,snapshot,db,sequence,ts_us,ts_ns,schema,table,txId,lsn,xmin,"
	    "origin,origin_lsn",
	    "SSSLESsllSSlllsl");
	expect_fields(
	    my,
	    "version,connector,name,ts_ms,snapshot,db,sequence,ts_us,ts_ns,table,server_id,gtid,file,pos,"
	    "row,thread,query",
	    "SSSLESslls"
	    "LsSLIls");
	expect_fields(
	    maria,
	    "version,connector,name,ts_ms,snapshot,db,sequence,ts_us,ts_ns,table,server_id,gtid,file,pos,"
	    "row,thread,query",
	    "SSSLESslls"
	    "LsSLIls");
	assert_string_equal(pg->record_namespace, "io.debezium.connector.postgresql");
	assert_string_equal(my->record_namespace, "io.debezium.connector.mysql");
	assert_string_equal(maria->record_namespace, "io.debezium.connector.mariadb");
	assert_int_equal(maria->connector_len, 7);

	/* values: what each getter finds in an event, and its defaults */
	ev.source = (rc_source_info_t){.ts_us = -1, .txid = -1, .lsn = 1234, .thread = -1};
	assert_string_equal(value_text(pg, &ev, "version", buf), RC_SOURCE_BLOCK_VERSION);
	assert_string_equal(value_text(maria, &ev, "connector", buf), "mariadb");
	assert_string_equal(value_text(pg, &ev, "name", buf), "shop");
	assert_string_equal(value_text(pg, &ev, "ts_ms", buf), "-1");
	assert_string_equal(value_text(pg, &ev, "ts_ns", buf), "-1000");
	assert_string_equal(value_text(pg, &ev, "snapshot", buf), "false");
	assert_string_equal(value_text(pg, &ev, "db", buf), "");
	assert_string_equal(value_text(pg, &ev, "sequence", buf), "[null,\"1234\"]");
	assert_string_equal(value_text(pg, &ev, "txId", buf), "null");
	assert_string_equal(value_text(pg, &ev, "lsn", buf), "1234");
	assert_string_equal(value_text(pg, &ev, "schema", buf), "public");
	assert_string_equal(value_text(pg, &ev, "origin", buf), "null");
	assert_string_equal(value_text(my, &ev, "sequence", buf), "null");
	assert_string_equal(value_text(my, &ev, "table", buf), "orders");
	assert_string_equal(value_text(my, &ev, "gtid", buf), "null");
	assert_string_equal(value_text(my, &ev, "file", buf), "");
	assert_string_equal(value_text(my, &ev, "thread", buf), "null");
	ev.source = (rc_source_info_t){.db = "inventory",
	                               .ts_us = 1700000000123456,
	                               .snapshot = "last",
	                               .txid = 77,
	                               .lsn = UINT64_MAX,
	                               .last_commit_lsn = 18446744073709551614u,
	                               .file = "mysql-bin.000003",
	                               .pos = 154,
	                               .row = 2,
	                               .server_id = 223344,
	                               .gtid = "0-1-42",
	                               .thread = 7};
	assert_string_equal(value_text(pg, &ev, "ts_ms", buf), "1700000000123");
	assert_string_equal(value_text(pg, &ev, "snapshot", buf), "last");
	assert_string_equal(value_text(pg, &ev, "sequence", buf),
	                    "[\"18446744073709551614\",\"18446744073709551615\"]");
	assert_string_equal(value_text(pg, &ev, "txId", buf), "77");
	assert_string_equal(value_text(my, &ev, "db", buf), "inventory");
	assert_string_equal(value_text(my, &ev, "server_id", buf), "223344");
	assert_string_equal(value_text(my, &ev, "gtid", buf), "0-1-42");
	assert_string_equal(value_text(my, &ev, "file", buf), "mysql-bin.000003");
	assert_string_equal(value_text(my, &ev, "pos", buf), "154");
	assert_string_equal(value_text(my, &ev, "row", buf), "2");
	assert_string_equal(value_text(my, &ev, "thread", buf), "7");
	/* a message has no table: PostgreSQL's required names are empty, the binlog's table null */
	ev.table = NULL;
	assert_string_equal(value_text(pg, &ev, "table", buf), "");
	assert_string_equal(value_text(my, &ev, "table", buf), "null");
	rc_table_release(t);
}

/* Well-formed UTF-8 only (RFC 3629): no overlong forms, surrogates or code points past U+10FFFF. */
static void test_utf8_validity(void **state)
{
	static const struct {
		const char *s;
		size_t len, bad_at;
	} cases[] = {
	    {"", 0, 0},
	    {"plain ascii", 11, 11},
	    {"caf\xc3\xa9", 5, 5},
	    {"\xe2\x82\xac \xf0\x9f\x98\x80", 8, 8},
	    {"\xf4\x8f\xbf\xbf", 4, 4}, /* U+10FFFF */
	    {"ca\xe9", 3, 2},           /* latin1 */
	    {"\xc0\xaf", 2, 0},         /* overlong '/' */
	    {"\xc1\xbf", 2, 0},         /* overlong */
	    {"\xe0\x80\xaf", 3, 0},     /* overlong */
	    {"\xed\xa0\x80", 3, 0},     /* surrogate U+D800 */
	    {"\xf4\x90\x80\x80", 4, 0}, /* past U+10FFFF */
	    {"\xf5\x80\x80\x80", 4, 0},
	    {"ab\xe2\x82", 4, 2}, /* cut short */
	    {"a\x80", 2, 1},      /* lone continuation */
	    {"x\0y", 3, 3},       /* NUL is a character (PostgreSQL text has none anyway) */
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (rc_utf8_invalid_at(cases[i].s, cases[i].len) != cases[i].bad_at)
			fail_msg("case %zu: %zu, expected %zu", i,
			         rc_utf8_invalid_at(cases[i].s, cases[i].len), cases[i].bad_at);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reader_every_truncation),
	    cmocka_unit_test(test_reader_messages_and_edges),
	    cmocka_unit_test(test_decimal_edges),
	    cmocka_unit_test(test_decimal_round_trips),
	    cmocka_unit_test(test_integers),
	    cmocka_unit_test(test_codec),
	    cmocka_unit_test(test_calendar_days),
	    cmocka_unit_test(test_calendar_texts),
	    cmocka_unit_test(test_typemodes),
	    cmocka_unit_test(test_source_blocks),
	    cmocka_unit_test(test_utf8_validity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
