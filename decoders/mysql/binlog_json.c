/*
 * MySQL's binary JSON to text, and PARTIAL_UPDATE_ROWS diffs applied to a document (binlog_json.h has
 * the formats). The printer walks the bytes once and appends to the caller's buffer: no allocation per
 * value. The diffs need a document they can change, so rc_json_apply_diffs builds a small tree (nodes
 * in an arena the call owns; scalars keep pointing at the input bytes) and prints it with the same
 * scalar printer.
 */
#include "config.h"

#include "decoders/mysql/binlog_json.h"

#include "agent/arena.h"
#include "agent/decimal.h"
#include "agent/errors.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Type bytes (json_binary.h). */
enum {
	JT_SMALL_OBJECT = 0x00,
	JT_LARGE_OBJECT = 0x01,
	JT_SMALL_ARRAY = 0x02,
	JT_LARGE_ARRAY = 0x03,
	JT_LITERAL = 0x04,
	JT_INT16 = 0x05,
	JT_UINT16 = 0x06,
	JT_INT32 = 0x07,
	JT_UINT32 = 0x08,
	JT_INT64 = 0x09,
	JT_UINT64 = 0x0a,
	JT_DOUBLE = 0x0b,
	JT_STRING = 0x0c,
	JT_OPAQUE = 0x0f,
};

/* The field types an opaque value may carry that MySQL prints as something else than base64. */
enum {
	FT_TIMESTAMP = 7,
	FT_DATE = 10,
	FT_TIME = 11,
	FT_DATETIME = 12,
	FT_NEWDECIMAL = 246,
	FT_VAR_STRING = 253,
};

/* Where errors are reported: offsets are counted from base, the start of the value being read. */
typedef struct jctx {
	const uint8_t *base;
	const char *what; /* "JSON value", "JSON diff 2 value" */
	char *err;
	size_t errlen;
	/* values still allowed: every value of a well-formed document has bytes of its own (an entry of 3
	 * bytes at least), so there are fewer values than bytes. Entries pointing at shared bytes could
	 * otherwise make a short input print (or build) exponentially much. */
	size_t values_left;
} jctx_t;

static int jerr(const jctx_t *c, const uint8_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int jerr(const jctx_t *c, const uint8_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err || c->errlen == 0)
		return RC_ERR_FATAL;
	n = snprintf(c->err, c->errlen, "%s at byte %zu: ", c->what, (size_t)(at - c->base));
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return RC_ERR_FATAL;
}

static inline uint32_t rd16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* MySQL's variable-length length of strings and opaque values: 7 bits a byte, low group first, the
 * high bit set on every byte but the last; at most 5 bytes and at most UINT32_MAX (read_variable_length
 * in json_binary.cc). */
static int rd_varlen(const jctx_t *c, const uint8_t *p, size_t n, uint32_t *len, size_t *used)
{
	uint64_t v = 0;

	for (size_t i = 0; i < 5; i++) {
		if (i >= n)
			return jerr(c, p + i, "length of string or opaque value cut short");
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			if (v > UINT32_MAX)
				return jerr(c, p, "length %" PRIu64 " of string or opaque value too large",
				            v);
			*len = (uint32_t)v;
			*used = i + 1;
			return 0;
		}
	}
	return jerr(c, p, "length of string or opaque value longer than 5 bytes");
}

/* --- Text ------------------------------------------------------------------------------------------ */

/* A string as Json_wrapper::to_string quotes it (double_quote in json_dom.cc): ", \ and the control
 * characters 0x00..0x1f escaped (\b \t \n \f \r by name, others as \u00xx with lower-case hex), every
 * other byte as it is (MySQL does not check the UTF-8 here either). */
static void put_quoted(rc_buf_t *out, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	rc_buf_putc(out, '"');
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = s[i];
		char esc[6];
		size_t elen = 2;

		if (ch > 0x1f && ch != '"' && ch != '\\')
			continue;
		rc_buf_append(out, s + run, i - run);
		run = i + 1;
		esc[0] = '\\';
		switch (ch) {
		case '"':
		case '\\':
			esc[1] = (char)ch;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\t':
			esc[1] = 't';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 15];
			elen = 6;
			break;
		}
		rc_buf_append(out, esc, elen);
	}
	rc_buf_append(out, s + run, n - run);
	rc_buf_putc(out, '"');
}

/*
 * The shortest decimal digits that read back as a (finite, >= 0), as dtoa's mode 0 finds them, and the
 * position of the decimal point (value = 0.DIGITS * 10^decpt). A normal double has 53 bits, more than
 * 15 digits' worth, so when the correctly rounded 15 digits read back they are the shortest form once
 * trailing zeros are cut; else 16 digits, else 17. Subnormals have fewer bits: they are tried from 1
 * digit. At a power of two the interval of decimals that read back as a is lopsided (the gap below is
 * half the gap above), so the nearest 16-digit decimal may fail where its neighbour on the wide side
 * reads back: that neighbour is tried before falling back to 17 digits.
 */
static void shortest_digits(double a, char *digits, int *len, int *decpt)
{
	char tmp[40];
	int prec = a >= DBL_MIN || a == 0 ? 15 : 1, n = 0;

	for (; prec < 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, a);
		if (strtod(tmp, NULL) == a)
			break;
		if (prec == 16) {
			/* tmp is "D.DDDDDDDDDDDDDDDe[+-]XX": try the mantissa one unit up and down */
			uint64_t m = 0;
			const char *e = strchr(tmp, 'e');
			int x = atoi(e + 1) - 15;
			for (const char *q = tmp; q < e; q++)
				if (*q != '.')
					m = m * 10 + (uint64_t)(*q - '0');
			for (int k = -1; k <= 1; k += 2) {
				uint64_t c = m + (uint64_t)(int64_t)k;
				char cand[40];
				if (c < UINT64_C(1000000000000000) || c >= UINT64_C(10000000000000000))
					continue;
				snprintf(cand, sizeof cand, "%" PRIu64 "e%d", c, x);
				if (strtod(cand, NULL) == a) {
					snprintf(digits, 17, "%" PRIu64, c);
					*len = 16;
					*decpt = x + 16;
					return;
				}
			}
		}
	}
	if (prec == 17)
		snprintf(tmp, sizeof tmp, "%.16e", a);
	/* tmp is "D.DDDDe[+-]XX", or "De[+-]XX" for one digit */
	const char *e = strchr(tmp, 'e');
	for (const char *q = tmp; q < e; q++)
		if (*q != '.')
			digits[n++] = *q;
	*len = n;
	*decpt = atoi(e + 1) + 1;
}

/* Room for any double's text: "-", 17 digits, "." and up to 15 zeros or "e-324", ".0". */
#define DOUBLE_TEXT_MAX 48

/*
 * A double as MySQL prints it in JSON (wrapper_to_string's J_DOUBLE): my_gcvt(d, MY_GCVT_ARG_DOUBLE,
 * MY_GCVT_MAX_FIELD_WIDTH = 34, ...), then ".0" when that has neither '.' nor 'e'. my_gcvt takes the
 * shortest digits that read back as d (dtoa mode 4 with 34 digits allowed, so never cut) and lays them
 * out as 'f' (123.5, 0.0001, 100000000000000) unless the field is too narrow or the number is too
 * small or large for MAX_DECPT_FOR_F_FORMAT = 15, then as 'e' with no '+' and no leading zeros in the
 * exponent (1e300, 1.5e-17, 1e15). So 1.0 is "1.0", -0.0 "-0.0", 1e-15 "0.000000000000001", 1e-16
 * "1e-16", 1e14 "100000000000000.0", 1e15 "1e15", 2^64 "1.8446744073709552e19".
 *
 * Returns the length (no NUL).
 */
static size_t format_double(double d, char *buf)
{
	char digits[20];
	int len = 0, decpt, width = 34;
	bool neg = signbit(d);
	double a = fabs(d);
	size_t o = 0;

	shortest_digits(a, digits, &len, &decpt);
	while (len > 1 && digits[len - 1] == '0')
		len--;
	if (len == 1 && digits[0] == '0')
		decpt = 1; /* dtoa's zero: "0" with the point after it */

	if (d < 0)
		width--; /* my_gcvt: "remove '-' from equations early"; -0.0 is not < 0 */
	int exp_len = 1 + (decpt >= 101 || decpt <= -99) + (decpt >= 11 || decpt <= -9);
	bool have_space = (decpt <= 0 ? len - decpt + 2 : decpt < len ? len + 1 : decpt) <= width;
	bool force_e = decpt <= 0 && width <= 2 - decpt && width >= 3 + exp_len;
	bool use_f = (have_space || (decpt <= width &&
	                             (decpt >= -1 || (decpt == -2 && (len > 1 || !force_e))) && !force_e)) &&
	             (!have_space || (decpt >= -15 + 1 && (decpt <= 15 || len > decpt)));

	if (neg)
		buf[o++] = '-';
	if (use_f) {
		/* With 34 columns and at most 17 digits the 'f' layout never has to cut digits. */
		int i;
		if (decpt <= 0) {
			buf[o++] = '0';
			buf[o++] = '.';
			for (int z = decpt; z < 0; z++)
				buf[o++] = '0';
		}
		for (i = 1; i <= len; i++) {
			buf[o++] = digits[i - 1];
			if (i == decpt && i < len)
				buf[o++] = '.';
		}
		for (; i <= decpt; i++)
			buf[o++] = '0';
		if (decpt >= len) {
			buf[o++] = '.'; /* wrapper_to_string: no '.' and no 'e', so ".0" */
			buf[o++] = '0';
		}
	} else {
		int x = decpt - 1;
		buf[o++] = digits[0];
		if (len > 1) {
			buf[o++] = '.';
			memcpy(buf + o, digits + 1, (size_t)len - 1);
			o += (size_t)len - 1;
		}
		buf[o++] = 'e';
		if (x < 0) {
			buf[o++] = '-';
			x = -x;
		}
		if (x >= 100)
			buf[o++] = (char)('0' + x / 100);
		if (x >= 10)
			buf[o++] = (char)('0' + x / 10 % 10);
		buf[o++] = (char)('0' + x % 10);
	}
	return o;
}

/* MySQL's binary DECIMAL digit groups: bytes for 0..9 leftover digits (dig2bytes in decimal.cc). */
static const uint8_t dig2bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
static const uint32_t pow10_9[10] = {1,      10,      100,      1000,      10000,
                                     100000, 1000000, 10000000, 100000000, 1000000000};

/* Room for a DECIMAL's text: 65 digits, sign, point, a leading "0". */
#define DECIMAL_TEXT_MAX 72

/* Appends the digits of a group of `digits` digits with value v, zero-padded. */
static size_t put_group(char *s, uint32_t v, int digits)
{
	for (int i = digits - 1; i >= 0; i--) {
		s[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return (size_t)digits;
}

/*
 * An opaque DECIMAL (Json_decimal::convert_from_binary): precision byte, scale byte, then the value
 * in MySQL's packed form (decimal2bin: integer digits then fraction digits in groups of nine, 4 bytes
 * each big-endian, the leftover digits in 1..4 bytes; the first byte's top bit flipped; every byte
 * inverted when negative). Printed as decimal2string does: all scale digits, "0" before a bare fraction.
 * A negative zero (which MySQL never writes) is printed without its sign.
 */
static int format_decimal(const jctx_t *c, const uint8_t *p, size_t n, char *out, size_t *olen)
{
	uint8_t b[40];
	char digs[DECIMAL_TEXT_MAX];
	size_t nd = 0, o = 0;

	if (n < 2)
		return jerr(c, p, "DECIMAL value of %zu bytes, no precision and scale", n);
	int prec = p[0], scale = p[1];
	if (prec < 1 || prec > 65 || scale > 30 || scale > prec)
		return jerr(c, p, "DECIMAL(%d,%d) is not a valid precision and scale", prec, scale);
	int intg = prec - scale;
	size_t size = (size_t)(intg / 9 * 4 + dig2bytes[intg % 9] + scale / 9 * 4 + dig2bytes[scale % 9]);
	if (size != n - 2)
		return jerr(c, p, "DECIMAL(%d,%d) takes %zu bytes, value has %zu", prec, scale, size, n - 2);
	memcpy(b, p + 2, size);
	uint8_t mask = (b[0] & 0x80) ? 0 : 0xff;
	b[0] ^= 0x80;
	for (size_t i = 0; i < size; i++)
		b[i] ^= mask;

	const uint8_t *q = b;
	/* groups in order: leading partial integer group, full integer groups, full fraction groups,
	 * trailing partial fraction group */
	int parts[4][2] = {{intg % 9, 1}, {9, intg / 9}, {9, scale / 9}, {scale % 9, 1}};
	size_t int_digits;
	for (int g = 0; g < 4; g++) {
		int dg = parts[g][0], count = parts[g][1];
		if (dg == 0)
			continue;
		for (int k = 0; k < count; k++) {
			int nb = dig2bytes[dg];
			uint32_t v = 0;
			for (int i = 0; i < nb; i++)
				v = v << 8 | *q++;
			if (v >= pow10_9[dg])
				return jerr(c, p, "DECIMAL(%d,%d) digit group %" PRIu32 " out of range", prec,
				            scale, v);
			nd += put_group(digs + nd, v, dg);
		}
	}
	int_digits = (size_t)intg; /* digs holds the integer digits, then the scale fraction digits */

	size_t lead = 0;
	while (lead < int_digits && digs[lead] == '0')
		lead++;
	bool nonzero = false;
	for (size_t i = 0; i < nd; i++)
		nonzero |= digs[i] != '0';
	if (mask && nonzero)
		out[o++] = '-';
	if (lead == int_digits)
		out[o++] = '0';
	else {
		memcpy(out + o, digs + lead, int_digits - lead);
		o += int_digits - lead;
	}
	if (scale > 0) {
		out[o++] = '.';
		memcpy(out + o, digs + int_digits, (size_t)scale);
		o += (size_t)scale;
	}
	*olen = o;
	return 0;
}

/*
 * An opaque DATE, TIME, DATETIME or TIMESTAMP: MySQL's packed "longlong" time, 8 bytes little-endian
 * (Json_datetime::from_packed, TIME_from_longlong_packed), printed as my_TIME_to_str(t, 6) does:
 * "2015-01-15", "-838:59:59.000000", "2015-01-15 23:24:25.000000" (six fraction digits always).
 */
static int format_datetime(const jctx_t *c, const uint8_t *p, size_t n, int ftype, char *out, size_t *olen)
{
	if (n != 8)
		return jerr(c, p, "packed date/time value of %zu bytes, expected 8", n);
	int64_t packed = (int64_t)rd64(p);
	bool neg = packed < 0;
	uint64_t v = neg ? 0 - (uint64_t)packed : (uint64_t)packed;
	uint64_t frac = v % (1u << 24), intpart = v >> 24;
	int len;

	if (ftype == FT_TIME) {
		unsigned hour = (unsigned)((intpart >> 12) % (1u << 10)),
		         minute = (unsigned)((intpart >> 6) % 64), second = (unsigned)(intpart % 64);
		len = snprintf(out, 64, "%s%02u:%02u:%02u.%06u", neg ? "-" : "", hour, minute, second,
		               (unsigned)frac);
	} else {
		uint64_t ymd = intpart >> 17, hms = intpart % (1u << 17), ym = ymd >> 5;
		unsigned day = (unsigned)(ymd % 32), month = (unsigned)(ym % 13), year = (unsigned)(ym / 13);
		unsigned second = (unsigned)(hms % 64), minute = (unsigned)((hms >> 6) % 64),
		         hour = (unsigned)(hms >> 12);
		if (ftype == FT_DATE)
			len = snprintf(out, 64, "%04u-%02u-%02u", year, month, day);
		else
			len = snprintf(out, 64, "%04u-%02u-%02u %02u:%02u:%02u.%06u", year, month, day, hour,
			               minute, second, (unsigned)frac);
	}
	*olen = (size_t)len;
	return 0;
}

/* MySQL's base64_encode (mysys/base64.cc): the standard alphabet with '=' padding and a newline after
 * every 76 characters; the caller's quoting turns those into "\n". */
static void put_base64_quoted(rc_buf_t *out, unsigned ftype, const uint8_t *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char head[32];
	int hl = snprintf(head, sizeof head, "\"base64:type%u:", ftype);
	size_t col = 0;

	rc_buf_append(out, head, (size_t)hl);
	for (size_t i = 0; i < n; i += 3, col += 4) {
		char q[6];
		size_t ql = 0;
		uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0) |
		             (i + 2 < n ? s[i + 2] : 0);
		if (col == 76) {
			col = 0;
			q[ql++] = '\\';
			q[ql++] = 'n';
		}
		rc_buf_append(out, q, ql);
		q[0] = tab[v >> 18 & 63];
		q[1] = tab[v >> 12 & 63];
		q[2] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? tab[v & 63] : '=';
		rc_buf_append(out, q, 4);
	}
	rc_buf_putc(out, '"');
}

/*
 * A scalar of type t whose bytes start at p (n bytes available). Appends its text to out, or only
 * checks it when out is NULL (the tree builder checks scalars up front so printing the tree cannot
 * fail).
 */
static int put_scalar(const jctx_t *c, uint8_t t, const uint8_t *p, size_t n, rc_buf_t *out)
{
	static const uint8_t need[16] = {[JT_LITERAL] = 1, [JT_INT16] = 2, [JT_UINT16] = 2, [JT_INT32] = 4,
	                                 [JT_UINT32] = 4,  [JT_INT64] = 8, [JT_UINT64] = 8, [JT_DOUBLE] = 8};
	char num[DOUBLE_TEXT_MAX + DECIMAL_TEXT_MAX];
	size_t len = 0;

	if (t < 16 && need[t] && n < need[t])
		return jerr(c, p, "value of type 0x%02x needs %u bytes, %zu left", t, need[t], n);
	switch (t) {
	case JT_LITERAL:
		if (p[0] > 2)
			return jerr(c, p, "literal 0x%02x is not null, true or false", p[0]);
		if (out)
			rc_buf_puts(out, p[0] == 0 ? "null" : p[0] == 1 ? "true" : "false");
		return 0;
	case JT_INT16:
		len = rc_decimal_format_i64((int16_t)rd16(p), num);
		break;
	case JT_UINT16:
		len = rc_decimal_format_u64(rd16(p), num);
		break;
	case JT_INT32:
		len = rc_decimal_format_i64((int32_t)rd32(p), num);
		break;
	case JT_UINT32:
		len = rc_decimal_format_u64(rd32(p), num);
		break;
	case JT_INT64:
		len = rc_decimal_format_i64((int64_t)rd64(p), num);
		break;
	case JT_UINT64:
		len = rc_decimal_format_u64(rd64(p), num);
		break;
	case JT_DOUBLE: {
		uint64_t bits = rd64(p);
		double d;
		memcpy(&d, &bits, sizeof d);
		if (!isfinite(d))
			return jerr(c, p, "double is not finite");
		if (out)
			len = format_double(d, num);
		break;
	}
	case JT_STRING:
	case JT_OPAQUE: {
		size_t hdr = 0, used = 0;
		uint32_t slen = 0;
		unsigned ftype = 0;
		if (t == JT_OPAQUE) {
			if (n < 1)
				return jerr(c, p, "opaque value has no field type");
			ftype = p[0];
			hdr = 1;
		}
		if (rd_varlen(c, p + hdr, n - hdr, &slen, &used) != 0)
			return RC_ERR_FATAL;
		hdr += used;
		if (slen > n - hdr)
			return jerr(c, p, "%s of %" PRIu32 " bytes runs past the end (%zu left)",
			            t == JT_STRING ? "string" : "opaque value", slen, n - hdr);
		const uint8_t *s = p + hdr;
		if (t == JT_STRING || ftype == FT_VAR_STRING) {
			if (out)
				put_quoted(out, s,
				           slen); /* wrapper_to_string prints VAR_STRING opaques as strings */
			return 0;
		}
		if (ftype == FT_NEWDECIMAL) {
			if (format_decimal(c, s, slen, num, &len) != 0)
				return RC_ERR_FATAL;
			break;
		}
		if (ftype == FT_DATE || ftype == FT_TIME || ftype == FT_DATETIME || ftype == FT_TIMESTAMP) {
			if (format_datetime(c, s, slen, (int)ftype, num + 1, &len) != 0)
				return RC_ERR_FATAL;
			num[0] = '"';
			num[++len] = '"';
			len++;
			break;
		}
		if (out)
			put_base64_quoted(out, ftype, s, slen);
		return 0;
	}
	default:
		return jerr(c, p, "value of unknown type 0x%02x", t);
	}
	if (out)
		rc_buf_append(out, num, len);
	return 0;
}

/* --- Containers ------------------------------------------------------------------------------------- */

/*
 * An object or array (json_binary.cc's layout; offsets are counted from the container's first byte):
 *   element count, total size         2 bytes each (small) or 4 (large)
 *   key entries (objects only)        per element: key offset (2 or 4), key length (2)
 *   value entries                     per element: type (1), offset or inlined value (2 or 4)
 *   keys, then values
 * Literals, int16 and uint16 are inlined in the value entry; int32 and uint32 too in large containers.
 */
typedef struct cview {
	const uint8_t *p;
	uint32_t count, size;
	uint8_t osz; /* 2 or 4 */
	bool obj;
} cview_t;

static int cview_open(const jctx_t *c, uint8_t t, const uint8_t *p, size_t n, cview_t *cv)
{
	cv->osz = (t == JT_LARGE_OBJECT || t == JT_LARGE_ARRAY) ? 4 : 2;
	cv->obj = t == JT_SMALL_OBJECT || t == JT_LARGE_OBJECT;
	cv->p = p;
	if (n < 2u * cv->osz)
		return jerr(c, p, "%s header cut short (%zu bytes)", cv->obj ? "object" : "array", n);
	cv->count = cv->osz == 2 ? rd16(p) : rd32(p);
	cv->size = cv->osz == 2 ? rd16(p + 2) : rd32(p + 4);
	if (cv->size > n)
		return jerr(c, p, "%s of %" PRIu32 " bytes runs past the end (%zu left)",
		            cv->obj ? "object" : "array", cv->size, n);
	uint64_t hdr = 2u * cv->osz + (uint64_t)cv->count * ((cv->obj ? cv->osz + 2u : 0u) + 1u + cv->osz);
	if (hdr > cv->size)
		return jerr(c, p, "%s of %" PRIu32 " elements does not fit its %" PRIu32 " bytes",
		            cv->obj ? "object" : "array", cv->count, cv->size);
	return 0;
}

static int cview_key(const jctx_t *c, const cview_t *cv, uint32_t i, const uint8_t **k, size_t *klen)
{
	const uint8_t *e = cv->p + 2u * cv->osz + (size_t)i * (cv->osz + 2u);
	uint32_t off = cv->osz == 2 ? rd16(e) : rd32(e);
	uint32_t len = rd16(e + cv->osz);

	if (off > cv->size || len > cv->size - off)
		return jerr(c, e,
		            "key %" PRIu32 " (offset %" PRIu32 ", %" PRIu32
		            " bytes) outside its object of %" PRIu32 " bytes",
		            i, off, len, cv->size);
	*k = cv->p + off;
	*klen = len;
	return 0;
}

static bool inlined(uint8_t t, bool large)
{
	return t == JT_LITERAL || t == JT_INT16 || t == JT_UINT16 ||
	       (large && (t == JT_INT32 || t == JT_UINT32));
}

/* Element i's type and bytes: in the entry itself when inlined, else at its offset up to the end of
 * the container. */
static int cview_value(const jctx_t *c, const cview_t *cv, uint32_t i, uint8_t *t, const uint8_t **vp,
                       size_t *vn)
{
	const uint8_t *e = cv->p + 2u * cv->osz + (size_t)cv->count * (cv->obj ? cv->osz + 2u : 0u) +
	                   (size_t)i * (1u + cv->osz);

	*t = e[0];
	if (inlined(e[0], cv->osz == 4)) {
		*vp = e + 1;
		*vn = cv->osz;
		return 0;
	}
	uint32_t off = cv->osz == 2 ? rd16(e + 1) : rd32(e + 1);
	if (off >= cv->size)
		return jerr(
		    c, e, "element %" PRIu32 " offset %" PRIu32 " outside its container of %" PRIu32 " bytes",
		    i, off, cv->size);
	*vp = cv->p + off;
	*vn = cv->size - off;
	return 0;
}

static bool is_container(uint8_t t)
{
	return t <= JT_LARGE_ARRAY;
}

/* The value of type t at p (n bytes available) at nesting depth `depth` (of its parent). */
/* Counts one more value against the document's budget. */
static int count_value(jctx_t *c, const uint8_t *p)
{
	if (c->values_left == 0)
		return jerr(c, p, "more values than the document has bytes (entries share their bytes)");
	c->values_left--;
	return 0;
}

static int put_value(jctx_t *c, uint8_t t, const uint8_t *p, size_t n, int depth, rc_buf_t *out)
{
	cview_t cv;

	if (count_value(c, p) != 0)
		return RC_ERR_FATAL;
	if (!is_container(t))
		return put_scalar(c, t, p, n, out);
	if (depth + 1 > RC_JSON_MAX_DEPTH)
		return jerr(c, p, "nested deeper than %d", RC_JSON_MAX_DEPTH);
	if (cview_open(c, t, p, n, &cv) != 0)
		return RC_ERR_FATAL;
	rc_buf_putc(out, cv.obj ? '{' : '[');
	for (uint32_t i = 0; i < cv.count; i++) {
		uint8_t et;
		const uint8_t *vp;
		size_t vn;
		if (rc_buf_failed(out)) /* stop early: shared entries could repeat a long string */
			return jerr(c, p, "text past the output buffer's maximum (or out of memory)");
		if (i > 0)
			rc_buf_append(out, ", ", 2);
		if (cv.obj) {
			const uint8_t *k;
			size_t klen;
			if (cview_key(c, &cv, i, &k, &klen) != 0)
				return RC_ERR_FATAL;
			put_quoted(out, k, klen);
			rc_buf_append(out, ": ", 2);
		}
		if (cview_value(c, &cv, i, &et, &vp, &vn) != 0 ||
		    put_value(c, et, vp, vn, depth + 1, out) != 0)
			return RC_ERR_FATAL;
	}
	rc_buf_putc(out, cv.obj ? '}' : ']');
	return 0;
}

int rc_json_binary_to_text(const uint8_t *buf, size_t len, rc_buf_t *out, char *err, size_t errlen)
{
	jctx_t c = {buf, "JSON value", err, errlen, len};
	size_t start = out->len;

	if (len == 0) {
		rc_buf_puts(out, "null");
		return 0;
	}
	if (put_value(&c, buf[0], buf + 1, len - 1, 0, out) != 0) {
		out->len = start;
		return RC_ERR_FATAL;
	}
	if (rc_buf_failed(out)) {
		snprintf(err, errlen, "JSON value of %zu bytes: out of memory or past the buffer's bound",
		         len);
		return RC_ERR_FATAL;
	}
	return 0;
}

/* --- The document tree for diffs --------------------------------------------------------------------- */

typedef struct jnode jnode_t;
struct jnode {
	uint8_t type;       /* a scalar's type byte, or JT_SMALL_OBJECT / JT_SMALL_ARRAY for any container */
	const uint8_t *raw; /* scalars: their bytes, borrowed from the input */
	size_t rawlen;
	const jctx_t *ctx; /* scalars: the value they were read from (for put_scalar's messages) */
	uint32_t n, cap;   /* containers */
	jnode_t **kids;
	const uint8_t **keys; /* objects: borrowed from the input or the arena */
	size_t *klens;
};

typedef struct jtree {
	rc_arena_t arena; /* owns every node and array; the call that made it destroys it */
	bool oom;
} jtree_t;

static void *talloc(jtree_t *tr, size_t n, size_t size)
{
	void *p = rc_arena_calloc(&tr->arena, n ? n : 1, size);
	if (!p)
		tr->oom = true;
	return p;
}

/* Makes room for one more element (arrays in the arena grow by copying: diffs are few). */
static int node_reserve(jtree_t *tr, jnode_t *nd)
{
	if (nd->n < nd->cap)
		return 0;
	uint32_t cap = nd->cap ? nd->cap * 2 : 4;
	jnode_t **kids = talloc(tr, cap, sizeof *kids);
	const uint8_t **keys = nd->type == JT_SMALL_OBJECT ? talloc(tr, cap, sizeof *keys) : NULL;
	size_t *klens = nd->type == JT_SMALL_OBJECT ? talloc(tr, cap, sizeof *klens) : NULL;
	if (!kids || (nd->type == JT_SMALL_OBJECT && (!keys || !klens)))
		return -1;
	if (nd->n) {
		memcpy(kids, nd->kids, nd->n * sizeof *kids);
		if (keys) {
			memcpy(keys, nd->keys, nd->n * sizeof *keys);
			memcpy(klens, nd->klens, nd->n * sizeof *klens);
		}
	}
	nd->kids = kids;
	nd->keys = keys;
	nd->klens = klens;
	nd->cap = cap;
	return 0;
}

static int build(jtree_t *tr, jctx_t *c, uint8_t t, const uint8_t *p, size_t n, int depth, jnode_t **res)
{
	jnode_t *nd = talloc(tr, 1, sizeof *nd);
	cview_t cv;

	if (!nd)
		return jerr(c, p, "out of memory");
	*res = nd;
	if (count_value(c, p) != 0)
		return RC_ERR_FATAL;
	if (!is_container(t)) {
		if (put_scalar(c, t, p, n, NULL) != 0)
			return RC_ERR_FATAL;
		nd->type = t;
		nd->raw = p;
		nd->rawlen = n;
		nd->ctx = c;
		return 0;
	}
	if (depth + 1 > RC_JSON_MAX_DEPTH)
		return jerr(c, p, "nested deeper than %d", RC_JSON_MAX_DEPTH);
	if (cview_open(c, t, p, n, &cv) != 0)
		return RC_ERR_FATAL;
	nd->type = cv.obj ? JT_SMALL_OBJECT : JT_SMALL_ARRAY;
	nd->cap = cv.count;
	nd->n = cv.count;
	nd->kids = talloc(tr, cv.count, sizeof *nd->kids);
	if (cv.obj) {
		nd->keys = talloc(tr, cv.count, sizeof *nd->keys);
		nd->klens = talloc(tr, cv.count, sizeof *nd->klens);
	}
	if (tr->oom)
		return jerr(c, p, "out of memory");
	for (uint32_t i = 0; i < cv.count; i++) {
		uint8_t et;
		const uint8_t *vp;
		size_t vn;
		if (cv.obj && cview_key(c, &cv, i, &nd->keys[i], &nd->klens[i]) != 0)
			return RC_ERR_FATAL;
		if (cview_value(c, &cv, i, &et, &vp, &vn) != 0 ||
		    build(tr, c, et, vp, vn, depth + 1, &nd->kids[i]) != 0)
			return RC_ERR_FATAL;
	}
	return 0;
}

static int depth_of(const jnode_t *nd)
{
	int d = 0;
	if (nd->type != JT_SMALL_OBJECT && nd->type != JT_SMALL_ARRAY)
		return 0;
	for (uint32_t i = 0; i < nd->n; i++) {
		int k = depth_of(nd->kids[i]);
		if (k > d)
			d = k;
	}
	return d + 1;
}

static int put_node(const jnode_t *nd, rc_buf_t *out)
{
	if (nd->type != JT_SMALL_OBJECT && nd->type != JT_SMALL_ARRAY)
		return put_scalar(nd->ctx, nd->type, nd->raw, nd->rawlen, out);
	bool obj = nd->type == JT_SMALL_OBJECT;
	rc_buf_putc(out, obj ? '{' : '[');
	for (uint32_t i = 0; i < nd->n; i++) {
		if (rc_buf_failed(out))
			return RC_ERR_FATAL; /* the caller reports the failed buffer */
		if (i > 0)
			rc_buf_append(out, ", ", 2);
		if (obj) {
			put_quoted(out, nd->keys[i], nd->klens[i]);
			rc_buf_append(out, ": ", 2);
		}
		if (put_node(nd->kids[i], out) != 0)
			return RC_ERR_FATAL;
	}
	rc_buf_putc(out, obj ? '}' : ']');
	return 0;
}

/* --- Paths ------------------------------------------------------------------------------------------ */

/* One leg of a diff's path: what Json_path::to_string writes for the member and array-cell legs a
 * diff can hold (json_diff.cc's seek_exact_path allows no others): .name or ."quoted name", [n],
 * [last], [last-n]. */
typedef struct leg {
	bool member;
	bool from_end; /* [last-n] */
	uint64_t index;
	const uint8_t *key;
	size_t klen;
} leg_t;

static bool is_blank(uint8_t ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static int hexval(uint8_t ch)
{
	return ch >= '0' && ch <= '9'   ? ch - '0'
	       : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
	       : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
	                                : -1;
}

static size_t put_utf8(uint8_t *d, uint32_t cp)
{
	if (cp < 0x80) {
		d[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (uint8_t)(0xc0 | cp >> 6);
		d[1] = (uint8_t)(0x80 | (cp & 63));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (uint8_t)(0xe0 | cp >> 12);
		d[1] = (uint8_t)(0x80 | (cp >> 6 & 63));
		d[2] = (uint8_t)(0x80 | (cp & 63));
		return 3;
	}
	d[0] = (uint8_t)(0xf0 | cp >> 18);
	d[1] = (uint8_t)(0x80 | (cp >> 12 & 63));
	d[2] = (uint8_t)(0x80 | (cp >> 6 & 63));
	d[3] = (uint8_t)(0x80 | (cp & 63));
	return 4;
}

/* A quoted member name (after its opening '"'): JSON string escapes, decoded into the arena. */
static int parse_quoted_key(jtree_t *tr, const jctx_t *c, const uint8_t *s, size_t n, size_t *i, leg_t *lg)
{
	uint8_t *d = talloc(tr, n + 1, 1); /* the decoded name is never longer than the path */
	size_t o = 0;

	if (!d)
		return jerr(c, s, "out of memory");
	while (*i < n && s[*i] != '"') {
		uint8_t ch = s[(*i)++];
		if (ch != '\\') {
			d[o++] = ch;
			continue;
		}
		if (*i >= n)
			break;
		ch = s[(*i)++];
		switch (ch) {
		case '"':
		case '\\':
		case '/':
			d[o++] = ch;
			break;
		case 'b':
			d[o++] = '\b';
			break;
		case 'f':
			d[o++] = '\f';
			break;
		case 'n':
			d[o++] = '\n';
			break;
		case 'r':
			d[o++] = '\r';
			break;
		case 't':
			d[o++] = '\t';
			break;
		case 'u': {
			uint32_t cp = 0;
			for (int k = 0; k < 4; k++) {
				int h = *i < n ? hexval(s[*i]) : -1;
				if (h < 0)
					return jerr(c, s + *i, "bad \\u escape in path");
				cp = cp << 4 | (uint32_t)h;
				(*i)++;
			}
			if (cp >= 0xd800 && cp < 0xdc00 && *i + 6 <= n && s[*i] == '\\' && s[*i + 1] == 'u') {
				uint32_t lo = 0;
				bool ok = true;
				for (int k = 0; k < 4; k++) {
					int h = hexval(s[*i + 2 + k]);
					ok &= h >= 0;
					lo = lo << 4 | (uint32_t)(h < 0 ? 0 : h);
				}
				if (ok && lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					*i += 6;
				}
			}
			if (o + 4 > n) /* "\uXXXX" is 6 bytes and makes at most 3 (4 from 12 for a pair) */
				return jerr(c, s + *i, "bad \\u escape in path");
			o += put_utf8(d + o, cp);
			break;
		}
		default:
			return jerr(c, s + *i - 1, "bad escape \\%c in path", ch);
		}
	}
	if (*i >= n)
		return jerr(c, s + *i, "quoted member name in path not closed");
	(*i)++;
	lg->key = d;
	lg->klen = o;
	return 0;
}

static int parse_path(jtree_t *tr, const jctx_t *c, const uint8_t *s, size_t n, leg_t **legs, size_t *nlegs)
{
	size_t i = 0, cnt = 0;
	leg_t *lg = talloc(tr, n / 2 + 1, sizeof *lg); /* every leg takes at least 2 characters */

	if (!lg)
		return jerr(c, s, "out of memory");
	while (i < n && is_blank(s[i]))
		i++;
	if (i >= n || s[i] != '$')
		return jerr(c, s + i, "path does not start with '$'");
	i++;
	for (;;) {
		while (i < n && is_blank(s[i]))
			i++;
		if (i >= n)
			break;
		leg_t *l = &lg[cnt];
		memset(l, 0, sizeof *l);
		if (s[i] == '.') {
			i++;
			while (i < n && is_blank(s[i]))
				i++;
			l->member = true;
			if (i < n && s[i] == '"') {
				i++;
				if (parse_quoted_key(tr, c, s, n, &i, l) != 0)
					return RC_ERR_FATAL;
			} else {
				size_t b = i;
				while (i < n && s[i] != '.' && s[i] != '[' && !is_blank(s[i]))
					i++;
				if (i == b || (i - b == 1 && s[b] == '*'))
					return jerr(c, s + b, "path member name missing or a wildcard");
				l->key = s + b;
				l->klen = i - b;
			}
		} else if (s[i] == '[') {
			i++;
			while (i < n && is_blank(s[i]))
				i++;
			if (n - i >= 4 && memcmp(s + i, "last", 4) == 0) {
				l->from_end = true;
				i += 4;
				while (i < n && is_blank(s[i]))
					i++;
				if (i < n && s[i] == '-') {
					i++;
					while (i < n && is_blank(s[i]))
						i++;
				} else
					goto close;
			}
			if (i >= n || s[i] < '0' || s[i] > '9')
				return jerr(
				    c, s + i,
				    "path array index is not a number (ranges and wildcards are not diff paths)");
			while (i < n && s[i] >= '0' && s[i] <= '9') {
				if (l->index > (UINT32_MAX - 9) / 10)
					return jerr(c, s + i, "path array index too large");
				l->index = l->index * 10 + (uint64_t)(s[i++] - '0');
			}
		close:
			while (i < n && is_blank(s[i]))
				i++;
			if (i >= n || s[i] != ']')
				return jerr(c, s + i, "path array leg not closed with ']'");
			i++;
		} else
			return jerr(c, s + i, "unexpected '%c' in path", s[i]);
		cnt++;
	}
	*legs = lg;
	*nlegs = cnt;
	return 0;
}

/* Json_array_index: [n] is n, [last-n] counts from the end (0 when before the start); within bounds
 * only when n < size. *pos is clamped to size (where an insert appends). */
static bool array_index(const leg_t *l, uint32_t size, uint32_t *pos)
{
	bool within = l->index < size;
	if (l->from_end)
		*pos = within ? size - 1 - (uint32_t)l->index : 0;
	else
		*pos = within ? (uint32_t)l->index : size;
	return within;
}

/* MySQL's key order (json_key_less): shorter first, then bytes. */
static int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static int64_t obj_find(const jnode_t *nd, const uint8_t *k, size_t klen)
{
	for (uint32_t i = 0; i < nd->n; i++)
		if (nd->klens[i] == klen && memcmp(nd->keys[i], k, klen) == 0)
			return i;
	return -1;
}

/* seek_exact_path: the node at legs[0..nlegs), or NULL. */
static jnode_t *seek(jnode_t *nd, const leg_t *legs, size_t nlegs)
{
	for (size_t i = 0; i < nlegs && nd; i++) {
		if (nd->type == JT_SMALL_ARRAY && !legs[i].member) {
			uint32_t pos;
			nd = array_index(&legs[i], nd->n, &pos) ? nd->kids[pos] : NULL;
		} else if (nd->type == JT_SMALL_OBJECT && legs[i].member) {
			int64_t k = obj_find(nd, legs[i].key, legs[i].klen);
			nd = k >= 0 ? nd->kids[k] : NULL;
		} else
			nd = NULL;
	}
	return nd;
}

enum { OP_REPLACE = 0, OP_INSERT = 1, OP_REMOVE = 2 };

/* apply_json_diffs in json_diff.cc, for one diff; returns a reason when MySQL would reject it. */
static const char *apply_one(jtree_t *tr, jnode_t *root, int op, const leg_t *legs, size_t nlegs,
                             jnode_t *val)
{
	if (nlegs == 0)
		return "path is '$' (the root is never a diff's target)";
	if (op == OP_REPLACE) {
		jnode_t *parent = seek(root, legs, nlegs - 1);
		const leg_t *l = &legs[nlegs - 1];
		if (!parent)
			return "path not found";
		if (parent->type == JT_SMALL_ARRAY && !l->member) {
			uint32_t pos;
			if (!array_index(l, parent->n, &pos))
				return "array index out of range";
			parent->kids[pos] = val;
			return NULL;
		}
		if (parent->type == JT_SMALL_OBJECT && l->member) {
			int64_t k = obj_find(parent, l->key, l->klen);
			if (k < 0)
				return "member not found";
			parent->kids[k] = val;
			return NULL;
		}
		return "path not found";
	}
	jnode_t *parent = seek(root, legs, nlegs - 1);
	const leg_t *l = &legs[nlegs - 1];
	if (!parent)
		return "parent of the path not found";
	if (op == OP_INSERT) {
		if (parent->type == JT_SMALL_OBJECT && l->member) {
			if (obj_find(parent, l->key, l->klen) >= 0)
				return "member exists already";
			if (node_reserve(tr, parent) != 0)
				return "out of memory";
			uint32_t at = 0;
			while (at < parent->n &&
			       key_cmp(parent->keys[at], parent->klens[at], l->key, l->klen) < 0)
				at++;
			memmove(parent->kids + at + 1, parent->kids + at,
			        (parent->n - at) * sizeof *parent->kids);
			memmove(parent->keys + at + 1, parent->keys + at,
			        (parent->n - at) * sizeof *parent->keys);
			memmove(parent->klens + at + 1, parent->klens + at,
			        (parent->n - at) * sizeof *parent->klens);
			parent->kids[at] = val;
			parent->keys[at] = l->key;
			parent->klens[at] = l->klen;
			parent->n++;
			return NULL;
		}
		if (parent->type == JT_SMALL_ARRAY && !l->member) {
			uint32_t pos;
			array_index(l, parent->n, &pos);
			if (node_reserve(tr, parent) != 0)
				return "out of memory";
			memmove(parent->kids + pos + 1, parent->kids + pos,
			        (parent->n - pos) * sizeof *parent->kids);
			parent->kids[pos] = val;
			parent->n++;
			return NULL;
		}
		return "parent is not an object or array matching the path's last leg";
	}
	/* OP_REMOVE */
	if (parent->type == JT_SMALL_OBJECT && l->member) {
		int64_t k = obj_find(parent, l->key, l->klen);
		if (k < 0)
			return "member not found";
		uint32_t at = (uint32_t)k, rest = parent->n - at - 1;
		memmove(parent->kids + at, parent->kids + at + 1, rest * sizeof *parent->kids);
		memmove(parent->keys + at, parent->keys + at + 1, rest * sizeof *parent->keys);
		memmove(parent->klens + at, parent->klens + at + 1, rest * sizeof *parent->klens);
		parent->n--;
		return NULL;
	}
	if (parent->type == JT_SMALL_ARRAY && !l->member) {
		uint32_t pos;
		if (!array_index(l, parent->n, &pos))
			return "array index out of range";
		memmove(parent->kids + pos, parent->kids + pos + 1,
		        (parent->n - pos - 1) * sizeof *parent->kids);
		parent->n--;
		return NULL;
	}
	return "parent is not an object or array matching the path's last leg";
}

/* Net_field_length as Json_diff_vector::read_binary reads it (net_field_length_checked): < 251 is the
 * value, 0xfc + 2 bytes, 0xfd + 3 bytes, 0xfe + 8 bytes; 0xfb and 0xff are not lengths. */
static int rd_lenenc(const jctx_t *c, const uint8_t *p, size_t n, size_t *i, uint64_t *v)
{
	static const uint8_t width[4] = {0, 2, 3, 8};
	uint8_t b;

	if (*i >= n)
		return jerr(c, p + *i, "length cut short");
	b = p[(*i)++];
	if (b < 251) {
		*v = b;
		return 0;
	}
	if (b == 0xfb || b == 0xff)
		return jerr(c, p + *i - 1, "0x%02x is not a length", b);
	size_t w = width[b - 0xfb];
	if (n - *i < w)
		return jerr(c, p + *i, "length cut short");
	*v = 0;
	for (size_t k = 0; k < w; k++)
		*v |= (uint64_t)p[*i + k] << (8 * k);
	*i += w;
	return 0;
}

int rc_json_apply_diffs(const uint8_t *before, size_t blen, const uint8_t *diff, size_t len, rc_buf_t *out,
                        char *err, size_t errlen)
{
	jctx_t bc = {before, "JSON before image", err, errlen, blen};
	jctx_t dc = {diff, "JSON diff", err, errlen, 0};
	jctx_t *vctx = NULL; /* one context per diff value, so its errors count from its own start */
	jtree_t tr = {.oom = false};
	jnode_t *root = NULL;
	size_t start = out->len, i = 0, ndiff = 0;
	int rc = RC_ERR_FATAL;
	static const uint8_t null_literal[1] = {0};

	rc_arena_init(&tr.arena, 16384);
	if (blen == 0) {
		root = talloc(&tr, 1, sizeof *root); /* MySQL reads an empty value as null */
		if (!root)
			goto oom;
		root->type = JT_LITERAL;
		root->raw = null_literal;
		root->rawlen = 1;
		root->ctx = &bc;
	} else if (build(&tr, &bc, before[0], before + 1, blen - 1, 0, &root) != 0)
		goto out;

	while (i < len) {
		size_t at = i;
		int op = diff[i++];
		uint64_t plen, vlen;
		leg_t *legs = NULL;
		size_t nlegs = 0;
		jnode_t *val = NULL;
		const char *why;
		char what[48];

		ndiff++;
		if (op > OP_REMOVE) {
			jerr(&dc, diff + at, "diff %zu: unknown operation %d", ndiff, op);
			goto out;
		}
		if (rd_lenenc(&dc, diff, len, &i, &plen) != 0)
			goto out;
		if (plen > len - i) {
			jerr(&dc, diff + i, "diff %zu: path of %" PRIu64 " bytes runs past the end", ndiff,
			     plen);
			goto out;
		}
		if (parse_path(&tr, &dc, diff + i, (size_t)plen, &legs, &nlegs) != 0)
			goto out;
		const uint8_t *path = diff + i;
		i += (size_t)plen;
		if (op != OP_REMOVE) {
			if (rd_lenenc(&dc, diff, len, &i, &vlen) != 0)
				goto out;
			if (vlen > len - i || vlen == 0) {
				jerr(&dc, diff + i, "diff %zu: value of %" PRIu64 " bytes %s", ndiff, vlen,
				     vlen ? "runs past the end" : "is empty");
				goto out;
			}
			vctx = talloc(&tr, 1, sizeof *vctx);
			if (!vctx)
				goto oom;
			snprintf(what, sizeof what, "JSON diff %zu value", ndiff);
			vctx->base = diff + i;
			vctx->what = rc_arena_strndup(&tr.arena, what, strlen(what));
			vctx->err = err;
			vctx->errlen = errlen;
			vctx->values_left = (size_t)vlen;
			if (!vctx->what)
				goto oom;
			if (build(&tr, vctx, diff[i], diff + i + 1, (size_t)vlen - 1, 0, &val) != 0)
				goto out;
			i += (size_t)vlen;
		}
		why = apply_one(&tr, root, op, legs, nlegs, val);
		if (why) {
			jerr(&dc, diff + at, "diff %zu (%s '%.*s') rejected: %s", ndiff,
			     op == OP_REPLACE  ? "REPLACE"
			     : op == OP_INSERT ? "INSERT"
			                       : "REMOVE",
			     (int)plen, path, why);
			goto out;
		}
		if (depth_of(root) > RC_JSON_MAX_DEPTH) {
			jerr(&dc, diff + at, "diff %zu makes the document nested deeper than %d", ndiff,
			     RC_JSON_MAX_DEPTH);
			goto out;
		}
	}
	if (tr.oom)
		goto oom;
	if (put_node(root, out) != 0 || rc_buf_failed(out)) {
		snprintf(err, errlen, "JSON document after diffs: out of memory or past the buffer's bound");
		goto out;
	}
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "JSON diffs: out of memory");
out:
	if (rc != 0)
		out->len = start;
	rc_arena_destroy(&tr.arena);
	return rc;
}
