/*
 * MySQL's binary JSON to text (binlog_json.h has the format). The printer walks the bytes once and
 * appends to the caller's buffer: no allocation per value. The diffs of partial updates are in
 * binlog_json_diff.c, which shares the reader's pieces through binlog_json_internal.h.
 */
#include "config.h"

#include "decoders/mysql/binlog_json.h"

#include "decoders/mysql/binlog_json_internal.h"

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

/* The field types an opaque value may carry that MySQL prints as something else than base64. */
enum {
	FT_TIMESTAMP = 7,
	FT_DATE = 10,
	FT_TIME = 11,
	FT_DATETIME = 12,
	FT_NEWDECIMAL = 246,
	FT_VAR_STRING = 253,
};

int rc_json_err(const jctx_t *c, const uint8_t *at, const char *fmt, ...)
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
			return rc_json_err(c, p + i, "length of string or opaque value cut short");
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			if (v > UINT32_MAX)
				return rc_json_err(
				    c, p, "length %" PRIu64 " of string or opaque value too large", v);
			*len = (uint32_t)v;
			*used = i + 1;
			return 0;
		}
	}
	return rc_json_err(c, p, "length of string or opaque value longer than 5 bytes");
}

/* --- Text ------------------------------------------------------------------------------------------ */

/* A string as Json_wrapper::to_string quotes it (double_quote in json_dom.cc): ", \ and the control
 * characters 0x00..0x1f escaped (\b \t \n \f \r by name, others as \u00xx with lower-case hex), every
 * other byte as it is (MySQL does not check the UTF-8 here either). */
void rc_json_put_quoted(rc_buf_t *out, const uint8_t *s, size_t n)
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
		return rc_json_err(c, p, "DECIMAL value of %zu bytes, no precision and scale", n);
	int prec = p[0], scale = p[1];
	if (prec < 1 || prec > 65 || scale > 30 || scale > prec)
		return rc_json_err(c, p, "DECIMAL(%d,%d) is not a valid precision and scale", prec, scale);
	int intg = prec - scale;
	size_t size = (size_t)(intg / 9 * 4 + dig2bytes[intg % 9] + scale / 9 * 4 + dig2bytes[scale % 9]);
	if (size != n - 2)
		return rc_json_err(c, p, "DECIMAL(%d,%d) takes %zu bytes, value has %zu", prec, scale, size,
		                   n - 2);
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
				return rc_json_err(c, p,
				                   "DECIMAL(%d,%d) digit group %" PRIu32 " out of range",
				                   prec, scale, v);
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
		return rc_json_err(c, p, "packed date/time value of %zu bytes, expected 8", n);
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
int rc_json_put_scalar(const jctx_t *c, uint8_t t, const uint8_t *p, size_t n, rc_buf_t *out)
{
	static const uint8_t need[16] = {[JT_LITERAL] = 1, [JT_INT16] = 2, [JT_UINT16] = 2, [JT_INT32] = 4,
	                                 [JT_UINT32] = 4,  [JT_INT64] = 8, [JT_UINT64] = 8, [JT_DOUBLE] = 8};
	char num[DOUBLE_TEXT_MAX + DECIMAL_TEXT_MAX];
	size_t len = 0;

	if (t < 16 && need[t] && n < need[t])
		return rc_json_err(c, p, "value of type 0x%02x needs %u bytes, %zu left", t, need[t], n);
	switch (t) {
	case JT_LITERAL:
		if (p[0] > 2)
			return rc_json_err(c, p, "literal 0x%02x is not null, true or false", p[0]);
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
			return rc_json_err(c, p, "double is not finite");
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
				return rc_json_err(c, p, "opaque value has no field type");
			ftype = p[0];
			hdr = 1;
		}
		if (rd_varlen(c, p + hdr, n - hdr, &slen, &used) != 0)
			return RC_ERR_FATAL;
		hdr += used;
		if (slen > n - hdr)
			return rc_json_err(c, p, "%s of %" PRIu32 " bytes runs past the end (%zu left)",
			                   t == JT_STRING ? "string" : "opaque value", slen, n - hdr);
		const uint8_t *s = p + hdr;
		if (t == JT_STRING || ftype == FT_VAR_STRING) {
			if (out)
				rc_json_put_quoted(
				    out, s,
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
		return rc_json_err(c, p, "value of unknown type 0x%02x", t);
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

int rc_json_cview_open(const jctx_t *c, uint8_t t, const uint8_t *p, size_t n, cview_t *cv)
{
	cv->osz = (t == JT_LARGE_OBJECT || t == JT_LARGE_ARRAY) ? 4 : 2;
	cv->obj = t == JT_SMALL_OBJECT || t == JT_LARGE_OBJECT;
	cv->p = p;
	if (n < 2u * cv->osz)
		return rc_json_err(c, p, "%s header cut short (%zu bytes)", cv->obj ? "object" : "array", n);
	cv->count = cv->osz == 2 ? rd16(p) : rd32(p);
	cv->size = cv->osz == 2 ? rd16(p + 2) : rd32(p + 4);
	if (cv->size > n)
		return rc_json_err(c, p, "%s of %" PRIu32 " bytes runs past the end (%zu left)",
		                   cv->obj ? "object" : "array", cv->size, n);
	uint64_t hdr = 2u * cv->osz + (uint64_t)cv->count * ((cv->obj ? cv->osz + 2u : 0u) + 1u + cv->osz);
	if (hdr > cv->size)
		return rc_json_err(c, p, "%s of %" PRIu32 " elements does not fit its %" PRIu32 " bytes",
		                   cv->obj ? "object" : "array", cv->count, cv->size);
	return 0;
}

int rc_json_cview_key(const jctx_t *c, const cview_t *cv, uint32_t i, const uint8_t **k, size_t *klen)
{
	const uint8_t *e = cv->p + 2u * cv->osz + (size_t)i * (cv->osz + 2u);
	uint32_t off = cv->osz == 2 ? rd16(e) : rd32(e);
	uint32_t len = rd16(e + cv->osz);

	if (off > cv->size || len > cv->size - off)
		return rc_json_err(c, e,
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
int rc_json_cview_value(const jctx_t *c, const cview_t *cv, uint32_t i, uint8_t *t, const uint8_t **vp,
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
		return rc_json_err(
		    c, e, "element %" PRIu32 " offset %" PRIu32 " outside its container of %" PRIu32 " bytes",
		    i, off, cv->size);
	*vp = cv->p + off;
	*vn = cv->size - off;
	return 0;
}

bool rc_json_is_container(uint8_t t)
{
	return t <= JT_LARGE_ARRAY;
}

/* Counts one more value against the document's budget. */
int rc_json_count_value(jctx_t *c, const uint8_t *p)
{
	if (c->values_left == 0)
		return rc_json_err(c, p,
		                   "more values than the document has bytes (entries share their bytes)");
	c->values_left--;
	return 0;
}

/* The value of type t at p (n bytes available) at nesting depth `depth` (of its parent). */
static int put_value(jctx_t *c, uint8_t t, const uint8_t *p, size_t n, int depth, rc_buf_t *out)
{
	cview_t cv;

	if (rc_json_count_value(c, p) != 0)
		return RC_ERR_FATAL;
	if (!rc_json_is_container(t))
		return rc_json_put_scalar(c, t, p, n, out);
	if (depth + 1 > RC_JSON_MAX_DEPTH)
		return rc_json_err(c, p, "nested deeper than %d", RC_JSON_MAX_DEPTH);
	if (rc_json_cview_open(c, t, p, n, &cv) != 0)
		return RC_ERR_FATAL;
	rc_buf_putc(out, cv.obj ? '{' : '[');
	for (uint32_t i = 0; i < cv.count; i++) {
		uint8_t et;
		const uint8_t *vp;
		size_t vn;
		if (rc_buf_failed(out)) /* stop early: shared entries could repeat a long string */
			return rc_json_err(c, p, "text past the output buffer's maximum (or out of memory)");
		if (i > 0)
			rc_buf_append(out, ", ", 2);
		if (cv.obj) {
			const uint8_t *k;
			size_t klen;
			if (rc_json_cview_key(c, &cv, i, &k, &klen) != 0)
				return RC_ERR_FATAL;
			rc_json_put_quoted(out, k, klen);
			rc_buf_append(out, ": ", 2);
		}
		if (rc_json_cview_value(c, &cv, i, &et, &vp, &vn) != 0 ||
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
