/* rc_pg_value_from_text: PostgreSQL's text output turned into rc values (pg_types.h says how). */
#include "config.h"

#include "decoders/postgres/pg_types.h"

#include "agent/calendar.h"
#include "agent/codec.h"
#include "agent/decimal.h"
#include "agent/log.h"
#include "decoders/postgres/pg_datetime.h"
#include "decoders/postgres/pg_numeric.h"
#include "decoders/postgres/pg_values_ext.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define US_PER_SEC RC_CALENDAR_US_PER_SEC
#define US_PER_DAY RC_CALENDAR_US_PER_DAY

/* pgjdbc's PGStatement.DATE_POSITIVE_INFINITY / DATE_NEGATIVE_INFINITY, Debezium's timestamps for
 * PostgreSQL's infinity as µs. */
#define TS_PINF_US INT64_C(9223372036825200000)
#define TS_NINF_US INT64_C(-9223372036832400000)

/* ---- errors and lossy conversions ---------------------------------------------------------- */

static uint64_t lossy_total;

uint64_t rc_pg_types_lossy_count(void)
{
	return __atomic_load_n(&lossy_total, __ATOMIC_RELAXED);
}

/* The text as a message shows it: at most 60 bytes, control characters as '?'. */
static void quote_text(char *buf, size_t n, const char *text, size_t len)
{
	size_t w = 0, max = len > 60 ? 60 : len;

	while (max < len && max > 0 && ((unsigned char)text[max] & 0xc0) == 0x80)
		max--; /* cut before a UTF-8 character, not inside one */
	for (size_t i = 0; i < max && w + 4 < n; i++)
		buf[w++] = (unsigned char)text[i] < 0x20 || text[i] == 0x7f ? '?' : text[i];
	if (len > max && w + 4 < n) {
		memcpy(buf + w, "...", 3);
		w += 3;
	}
	buf[w] = '\0';
}

__attribute__((format(printf, 6, 7))) static int fail(const rc_column_t *col, const char *text, size_t len,
                                                      char *err, size_t errlen, const char *fmt, ...)
{
	char what[256], shown[80];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	quote_text(shown, sizeof shown, text, len);
	snprintf(err, errlen, "column %s: %s: '%s'", col->name ? col->name : "?", what, shown);
	return -1;
}

__attribute__((format(printf, 4, 5))) static void lossy(const rc_column_t *col, const char *text, size_t len,
                                                        const char *fmt, ...)
{
	uint64_t n = __atomic_add_fetch(&lossy_total, 1, __ATOMIC_RELAXED);
	char what[256], shown[80];
	va_list ap;

	if (n > 10 && n % 1000 != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	quote_text(shown, sizeof shown, text, len);
	rc_log_warn("pg", "column %s: %s: '%s' (%llu lossy conversions so far)", col->name ? col->name : "?",
	            what, shown, (unsigned long long)n);
}

static int oom(const rc_column_t *col, const char *text, size_t len, char *err, size_t errlen)
{
	return fail(col, text, len, err, errlen, "out of memory");
}

static bool text_is(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

/* ---- numbers ------------------------------------------------------------------------------- */

static int parse_int(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	uint64_t v = 0, limit;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (i == len)
		return -1;
	limit = neg ? (uint64_t)(-(min + 1)) + 1 : (uint64_t)max;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (limit - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* strtod/strtof in the C locale (whatever setlocale says) over exactly len bytes. */
static int parse_float(const char *s, size_t len, bool single, rc_arena_t *arena, double *out)
{
	char local[64], *buf = local, *end;

	if (len == 0 || s[0] == ' ' || s[0] == '\t' || s[0] == '\n')
		return -1;
	if (len >= sizeof local) {
		buf = rc_arena_alloc(arena, len + 1);
		if (!buf)
			return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (rc_pg_strtod_c(buf, single, out, &end) != 0)
		return -1;
	return end == buf + len ? 0 : -1;
}

static bool is_money(uint32_t oid)
{
	return oid == RC_PG_OID_MONEY || oid == RC_PG_OID_MONEY_ARRAY;
}

static bool is_numeric(uint32_t oid)
{
	return oid == RC_PG_OID_NUMERIC || oid == RC_PG_OID_NUMERIC_ARRAY;
}

static bool is_bytea(uint32_t oid)
{
	return oid == RC_PG_OID_BYTEA || oid == RC_PG_OID_BYTEA_ARRAY;
}

static int set_bytes(rc_value_t *out, const void *p, size_t len)
{
	out->u.bytes.ptr = p;
	out->u.bytes.len = len;
	out->u.bytes.scale = 0;
	out->state = RC_V_SET;
	return 0;
}

static int set_string(rc_value_t *out, const char *s)
{
	return set_bytes(out, s, strlen(s));
}

/* DECIMAL, VARDECIMAL, and FLOAT64 / STRING columns of numeric or money. */
static int conv_decimal(const rc_column_t *col, rc_type_t type, uint32_t oid, const char *s, size_t len,
                        rc_arena_t *arena, rc_value_t *out, char *err, size_t errlen)
{
	bool money = is_money(oid);
	rc_pg_num_t nm;
	rc_decimal_t d;
	const unsigned char *b;
	size_t nb;
	int32_t scale;
	int r;

	if (money && rc_pg_money_parse(s, len, col->scale, &nm) != 0)
		return fail(col, s, len, err, errlen,
		            "not money with %d fraction digits (money.fraction.digits)", (int)col->scale);
	if (!money && rc_pg_num_parse(s, len, &nm) != 0)
		return fail(col, s, len, err, errlen, "not a numeric");
	if (nm.kind != RC_PG_NUM_FINITE) {
		static const char *const names[] = {"", "NAN", "POSITIVE_INFINITY", "NEGATIVE_INFINITY"};
		static const double values[] = {0, NAN, INFINITY, -INFINITY};
		if (type == RC_T_FLOAT64) {
			out->u.f = values[nm.kind];
			out->state = RC_V_SET;
			return 0;
		}
		if (type == RC_T_STRING)
			return set_string(out, names[nm.kind]);
		lossy(
		    col, s, len,
		    "a Decimal cannot hold NaN or Infinity (decimal.handling.mode=string or double can); sent as null");
		out->state = RC_V_NULL;
		return 0;
	}
	if (type == RC_T_FLOAT64) {
		const char *text = s;
		size_t tlen = len;
		if (money) {
			/* money as decimal text first, then strtod: correctly rounded, as numeric::float8 */
			if (rc_decimal_unscaled(&nm.dec, col->scale, arena, &d) != 0 ||
			    !(text = rc_decimal_to_string(&d, RC_DECIMAL_PLAIN, arena)))
				return oom(col, s, len, err, errlen);
			tlen = strlen(text);
		}
		if (parse_float(text, tlen, false, arena, &out->u.f) != 0)
			return fail(col, s, len, err, errlen, "not a number");
		out->state = RC_V_SET;
		return 0;
	}
	/* The scale the value is written at: the column's, or the text's own (trailing zeros dropped
	 * for VariableScaleDecimal, kept for string mode as BigDecimal(String) keeps them). */
	if (type == RC_T_DECIMAL || money || (type == RC_T_STRING && col->precision > 0)) {
		scale = col->scale;
	} else {
		size_t nf = nm.dec.nf;
		if (type == RC_T_VARDECIMAL)
			while (nf > 0 && nm.dec.fp[nf - 1] == '0')
				nf--;
		scale = (int32_t)nf;
	}
	r = rc_decimal_unscaled(&nm.dec, scale, arena, &d);
	if (r == RC_DECIMAL_INEXACT)
		return fail(col, s, len, err, errlen, "more fraction digits than the scale %d", (int)scale);
	if (r != 0)
		return oom(col, s, len, err, errlen);
	if (type == RC_T_STRING) {
		/* Debezium writes BigDecimal.toPlainString() (PostgresValueConverter, SpecialValueDecimal):
		 * "0.00000000000000000001", never "1E-20". */
		char *t = rc_decimal_to_string(&d, RC_DECIMAL_PLAIN, arena);
		return t ? set_string(out, t) : oom(col, s, len, err, errlen);
	}
	if (rc_decimal_to_twos(&d, arena, &b, &nb) != 0)
		return oom(col, s, len, err, errlen);
	set_bytes(out, b, nb);
	out->u.bytes.scale = type == RC_T_VARDECIMAL ? scale : 0;
	return 0;
}

/* ---- bytes and bit strings ----------------------------------------------------------------- */

/* bytea's text: hex "\x0102ff", or the escape format (\ooo octal, \\ a backslash, other bytes as
 * they are). Returns the byte count, or -1 when malformed or out of memory (*oomp says which). */
static int64_t bytea_decode(const char *s, size_t len, rc_arena_t *arena, unsigned char **out, bool *oomp)
{
	unsigned char *b;
	size_t w = 0;

	*oomp = false;
	b = rc_arena_alloc(arena, len + 1);
	if (!b) {
		*oomp = true;
		return -1;
	}
	if (len >= 2 && s[0] == '\\' && s[1] == 'x') {
		if (rc_codec_hex_decode(s + 2, len - 2, b) != 0)
			return -1;
		w = (len - 2) / 2;
	} else {
		for (size_t i = 0; i < len;) {
			if (s[i] != '\\') {
				b[w++] = (unsigned char)s[i++];
			} else if (i + 1 < len && s[i + 1] == '\\') {
				b[w++] = '\\';
				i += 2;
			} else if (i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
			           s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
				b[w++] = (unsigned char)((s[i + 1] - '0') << 6 | (s[i + 2] - '0') << 3 |
				                         (s[i + 3] - '0'));
				i += 4;
			} else {
				return -1;
			}
		}
	}
	*out = b;
	return (int64_t)w;
}

/* bytes as base64 or hex text, NUL-terminated in the arena; NULL when out of memory. */
static char *bytes_text(const unsigned char *b, size_t n, bool hex, rc_arena_t *arena)
{
	size_t cap = hex ? 2 * n : rc_codec_base64_len(n);
	char *s = rc_arena_alloc(arena, cap + 1);

	if (!s)
		return NULL;
	s[hex ? rc_codec_hex_encode(b, n, s) : rc_codec_base64_encode(b, n, s)] = '\0';
	return s;
}

static int conv_bytea(const rc_column_t *col, rc_type_t type, const char *s, size_t len, rc_arena_t *arena,
                      rc_value_t *out, char *err, size_t errlen)
{
	unsigned char *b;
	bool oomp;
	int64_t n = bytea_decode(s, len, arena, &b, &oomp);
	char *t;

	if (n < 0)
		return oomp ? oom(col, s, len, err, errlen)
		            : fail(col, s, len, err, errlen, "not bytea text");
	if (type == RC_T_BYTES)
		return set_bytes(out, b, (size_t)n);
	t = bytes_text(b, (size_t)n, col->length == RC_BINARY_MODE_HEX, arena);
	return t ? set_string(out, t) : oom(col, s, len, err, errlen);
}

/* A bit string as Debezium's BitSet.toByteArray(): the last character is bit 0; bytes least
 * significant first; trailing zero bytes dropped. */
static int conv_bits(const rc_column_t *col, const char *s, size_t len, rc_arena_t *arena, rc_value_t *out,
                     char *err, size_t errlen)
{
	unsigned char *b = rc_arena_calloc(arena, len / 8 + 1, 1);
	size_t n = 0;

	if (!b)
		return oom(col, s, len, err, errlen);
	for (size_t k = 0; k < len; k++) {
		size_t bit = len - 1 - k;
		if (s[k] != '0' && s[k] != '1')
			return fail(col, s, len, err, errlen, "not a bit string");
		if (s[k] == '1') {
			b[bit / 8] |= (unsigned char)(1u << (bit % 8));
			if (bit / 8 + 1 > n)
				n = bit / 8 + 1;
		}
	}
	return set_bytes(out, b, n);
}

/* ---- dates and times ----------------------------------------------------------------------- */

/* days * US_PER_DAY + tod in µs, clamped (and counted lossy) beyond int64. */
static int64_t instant_us(const rc_column_t *col, const char *s, size_t len, int64_t days, int64_t tod)
{
	int64_t v;

	if (__builtin_mul_overflow(days, US_PER_DAY, &v) || __builtin_add_overflow(v, tod, &v)) {
		lossy(col, s, len, "beyond int64 microseconds since 1970; clamped");
		return days < 0 ? INT64_MIN : INT64_MAX;
	}
	return v;
}

static int conv_temporal(const rc_column_t *col, rc_type_t type, const char *s, size_t len, rc_arena_t *arena,
                         rc_value_t *out, char *err, size_t errlen)
{
	rc_pg_datetime_t dt;
	int64_t v;

	switch (type) {
	case RC_T_DATE:
		if (rc_pg_parse_date(s, len, &dt) != 0)
			return fail(col, s, len, err, errlen, "not a date");
		if (dt.inf)
			v = dt.inf > 0 ? INT32_MAX : INT32_MIN;
		else if (dt.days < INT32_MIN || dt.days > INT32_MAX)
			return fail(col, s, len, err, errlen, "date out of range");
		else
			v = dt.days;
		break;
	case RC_T_TIME_MILLIS:
	case RC_T_TIME_MICROS:
		if (rc_pg_parse_time(s, len, false, &dt) != 0)
			return fail(col, s, len, err, errlen, "not a time");
		v = type == RC_T_TIME_MILLIS ? dt.tod_us / 1000 : dt.tod_us;
		break;
	case RC_T_TIMESTAMP_MILLIS:
	case RC_T_TIMESTAMP_MICROS:
		if (rc_pg_parse_timestamp(s, len, false, &dt) != 0)
			return fail(col, s, len, err, errlen, "not a timestamp");
		if (dt.inf)
			v = dt.inf > 0 ? TS_PINF_US : TS_NINF_US;
		else if (type == RC_T_TIMESTAMP_MILLIS) /* every PostgreSQL timestamp fits in ms */
			v = dt.days * INT64_C(86400000) + rc_calendar_floor_div(dt.tod_us, 1000);
		else
			v = instant_us(col, s, len, dt.days, dt.tod_us);
		if (dt.inf && type == RC_T_TIMESTAMP_MILLIS)
			v /= 1000;
		break;
	default: {
		char buf[RC_CALENDAR_TEXT_MAX];
		size_t n;
		int64_t tod;
		if (col->semantic && strcmp(col->semantic, RC_PG_SEM_ZONEDTIME) == 0) {
			if (rc_pg_parse_time(s, len, true, &dt) != 0)
				return fail(col, s, len, err, errlen, "not a time with time zone");
			/* "24:00:00+00" is 00:00:00Z: Debezium parses timetz with java.time's SMART
			 * resolver, which makes hour 24 midnight of the next day, and keeps the time */
			tod = (dt.tod_us - dt.offset_s * US_PER_SEC) % US_PER_DAY;
			if (tod < 0)
				tod += US_PER_DAY;
			n = rc_calendar_format_zoned_time(buf, tod);
		} else if ((n = rc_calendar_zoned_from_utc_text(buf, s, len, col->scale)) == 0) {
			/* not the UTC text the session's TimeZone gives (pg_conn.c): parse, then format */
			if (rc_pg_parse_timestamp(s, len, true, &dt) != 0)
				return fail(col, s, len, err, errlen, "not a timestamp with time zone");
			if (dt.inf)
				return set_string(out, dt.inf > 0 ? "infinity" : "-infinity");
			n = rc_calendar_format_zoned_timestamp(
			    buf, dt.days, dt.tod_us - dt.offset_s * US_PER_SEC, col->scale);
		}
		{
			char *t = rc_arena_strndup(arena, buf, n);
			return t ? set_string(out, t) : oom(col, s, len, err, errlen);
		}
	}
	}
	out->u.i = v;
	out->state = RC_V_SET;
	return 0;
}

static int conv_interval(const rc_column_t *col, const char *s, size_t len, rc_value_t *out, char *err,
                         size_t errlen)
{
	int64_t months, days, us, v;
	bool clamped = false;
	int inf;

	if (rc_pg_parse_interval(s, len, &months, &days, &us, &inf) != 0)
		return fail(col, s, len, err, errlen, "not an interval (IntervalStyle postgres)");
	if (inf)
		v = inf > 0 ? INT64_MAX : INT64_MIN;
	else
		v = rc_pg_interval_micros(months, days, us, &clamped);
	if (clamped)
		lossy(col, s, len, "interval beyond int64 microseconds; clamped");
	out->u.i = v;
	out->state = RC_V_SET;
	return 0;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

static int conv_array(const rc_column_t *col, const char *s, size_t len, rc_arena_t *arena, rc_value_t *out,
                      char *err, size_t errlen);

static bool sem_is(const rc_column_t *col, const char *sem)
{
	return col->semantic && strcmp(col->semantic, sem) == 0;
}

/* The conversions of pg_values_ext.c, or 1 when col->source_conv names none of them. */
static int conv_ext(const rc_column_t *col, const char *s, size_t len, rc_arena_t *arena, rc_value_t *out,
                    char *err, size_t errlen)
{
	int r;
	const char *what;

	switch ((rc_pg_conv_t)col->source_conv) {
	case RC_PG_CONV_POINT:
		r = rc_pg_conv_point(s, len, arena, out);
		what = "not a point";
		break;
	case RC_PG_CONV_EWKB:
		r = rc_pg_conv_ewkb(s, len, arena, out);
		what = "not PostGIS hex EWKB";
		break;
	case RC_PG_CONV_HSTORE_JSON:
	case RC_PG_CONV_HSTORE_MAP:
		r = rc_pg_conv_hstore(s, len, col->source_conv == RC_PG_CONV_HSTORE_JSON, arena, out);
		what = "not hstore text";
		break;
	case RC_PG_CONV_INTERVAL_ISO:
		r = rc_pg_conv_interval_iso(s, len, arena, out);
		what = "not an interval (IntervalStyle postgres)";
		break;
	default:
		return 1;
	}
	if (r == RC_PG_EXT_OOM)
		return oom(col, s, len, err, errlen);
	if (r != 0)
		return fail(col, s, len, err, errlen, "%s", what);
	return 0;
}

/* One value of type col->type (not an array). */
static int conv_scalar(const rc_column_t *col, const char *s, size_t len, rc_arena_t *arena, rc_value_t *out,
                       char *err, size_t errlen)
{
	int64_t v;
	char *t;
	int r;

	if (col->source_conv != RC_PG_CONV_TEXT && (r = conv_ext(col, s, len, arena, out, err, errlen)) != 1)
		return r;
	switch (col->type) {
	case RC_T_BOOL:
		/* bool prints t/f; bit(1) prints 1/0 */
		if (text_is(s, len, "t") || text_is(s, len, "1"))
			out->u.b = true;
		else if (text_is(s, len, "f") || text_is(s, len, "0"))
			out->u.b = false;
		else
			return fail(col, s, len, err, errlen, "not a boolean");
		out->state = RC_V_SET;
		return 0;
	case RC_T_INT8: /* PostgreSQL has no one-byte integer: never mapped to it */
	case RC_T_INT16:
		if (parse_int(s, len, INT16_MIN, INT16_MAX, &v) != 0)
			return fail(col, s, len, err, errlen, "not a smallint");
		break;
	case RC_T_INT32:
		if (parse_int(s, len, INT32_MIN, INT32_MAX, &v) != 0)
			return fail(col, s, len, err, errlen, "not an integer");
		break;
	case RC_T_INT64:
		if (parse_int(s, len, INT64_MIN, INT64_MAX, &v) != 0)
			return fail(col, s, len, err, errlen, "not a bigint");
		break;
	case RC_T_FLOAT32:
		if (parse_float(s, len, true, arena, &out->u.f) != 0)
			return fail(col, s, len, err, errlen, "not a real");
		out->state = RC_V_SET;
		return 0;
	case RC_T_FLOAT64:
		if (is_money(col->source_oid) || is_numeric(col->source_oid))
			return conv_decimal(col, col->type, col->source_oid, s, len, arena, out, err, errlen);
		if (parse_float(s, len, false, arena, &out->u.f) != 0)
			return fail(col, s, len, err, errlen, "not a double precision");
		out->state = RC_V_SET;
		return 0;
	case RC_T_DECIMAL:
	case RC_T_VARDECIMAL:
		return conv_decimal(col, col->type, col->source_oid, s, len, arena, out, err, errlen);
	case RC_T_STRING:
		if (sem_is(col, RC_PG_SEM_ZONEDTIMESTAMP) || sem_is(col, RC_PG_SEM_ZONEDTIME))
			return conv_temporal(col, col->type, s, len, arena, out, err, errlen);
		if (!col->semantic && (is_money(col->source_oid) || is_numeric(col->source_oid)))
			return conv_decimal(col, col->type, col->source_oid, s, len, arena, out, err, errlen);
		if (!col->semantic && is_bytea(col->source_oid))
			return conv_bytea(col, col->type, s, len, arena, out, err, errlen);
		t = rc_arena_strndup(arena, s, len);
		if (!t)
			return oom(col, s, len, err, errlen);
		return set_bytes(out, t, len);
	case RC_T_BYTES:
		if (sem_is(col, RC_PG_SEM_BITS))
			return conv_bits(col, s, len, arena, out, err, errlen);
		return conv_bytea(col, col->type, s, len, arena, out, err, errlen);
	case RC_T_DATE:
	case RC_T_TIME_MILLIS:
	case RC_T_TIME_MICROS:
	case RC_T_TIMESTAMP_MILLIS:
	case RC_T_TIMESTAMP_MICROS:
		return conv_temporal(col, col->type, s, len, arena, out, err, errlen);
	case RC_T_INTERVAL_MICROS:
		return conv_interval(col, s, len, out, err, errlen);
	case RC_T_ARRAY:
	case RC_T_GEOMETRY: /* with source_conv only (above) */
	case RC_T_POINT:
	case RC_T_MAP:
		break;
	}
	if (col->type == RC_T_ARRAY)
		return fail(col, s, len, err, errlen, "arrays of arrays are not supported");
	out->u.i = v;
	out->state = RC_V_SET;
	return 0;
}

int rc_pg_value_from_text(const rc_column_t *col, const char *text, size_t len, rc_arena_t *arena,
                          rc_value_t *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (!text) {
		out->state = RC_V_NULL;
		return 0;
	}
	if (col->type == RC_T_ARRAY)
		return conv_array(col, text, len, arena, out, err, errlen);
	return conv_scalar(col, text, len, arena, out, err, errlen);
}

/* ---- arrays -------------------------------------------------------------------------------- */

#define MAXDIM 6 /* PostgreSQL's limit on array dimensions */

typedef struct array_ctx {
	const rc_column_t *col;  /* the array column, for messages */
	const rc_column_t *elem; /* its element, as a column of type elem_type */
	const char *s;
	size_t len, i;
	rc_arena_t *arena;
	rc_value_t *items;
	size_t n, cap;
	char *tmp;  /* an unescaped element */
	char delim; /* the element type's typdelim: ',' (':' for PostGIS types) */
	bool multidim;
	char *err;
	size_t errlen;
} array_ctx_t;

static void skip_blanks(array_ctx_t *a)
{
	while (a->i < a->len &&
	       (a->s[a->i] == ' ' || a->s[a->i] == '\t' || a->s[a->i] == '\n' || a->s[a->i] == '\r'))
		a->i++;
}

static int array_syntax(array_ctx_t *a)
{
	return fail(a->col, a->s, a->len, a->err, a->errlen, "malformed array text at offset %zu", a->i);
}

/* One element: "quoted \"with\" escapes", or unquoted up to ',' or '}' (NULL is SQL NULL). */
static int array_element(array_ctx_t *a)
{
	size_t w = 0;
	bool quoted = false, isnull;
	rc_value_t *v;

	if (a->i < a->len && a->s[a->i] == '"') {
		quoted = true;
		a->i++;
		while (a->i < a->len && a->s[a->i] != '"') {
			if (a->s[a->i] == '\\' && ++a->i == a->len)
				break;
			a->tmp[w++] = a->s[a->i++];
		}
		if (a->i == a->len)
			return array_syntax(a);
		a->i++;
	} else {
		while (a->i < a->len && a->s[a->i] != a->delim && a->s[a->i] != '}' && a->s[a->i] != '{' &&
		       a->s[a->i] != '"') {
			if (a->s[a->i] == '\\' && ++a->i == a->len)
				return array_syntax(a);
			a->tmp[w++] = a->s[a->i++];
		}
		while (w > 0 && (a->tmp[w - 1] == ' ' || a->tmp[w - 1] == '\t'))
			w--;
		if (w == 0)
			return array_syntax(a);
	}
	isnull = !quoted && w == 4 && strncasecmp(a->tmp, "NULL", 4) == 0;
	if (a->n == a->cap)
		return array_syntax(a);
	v = &a->items[a->n++];
	if (isnull) {
		v->state = RC_V_NULL;
		return 0;
	}
	if (conv_scalar(a->elem, a->tmp, w, a->arena, v, a->err, a->errlen) != 0) {
		char why[512];
		snprintf(why, sizeof why, "%s", a->err);
		return fail(a->col, a->s, a->len, a->err, a->errlen, "array element (%s)", why);
	}
	return 0;
}

/* '{' elements or sub-arrays separated by ',' '}' */
static int array_level(array_ctx_t *a, int depth)
{
	if (depth > MAXDIM)
		return array_syntax(a);
	skip_blanks(a);
	if (a->i >= a->len || a->s[a->i] != '{')
		return array_syntax(a);
	a->i++;
	skip_blanks(a);
	if (a->i < a->len && a->s[a->i] == '}') {
		a->i++;
		return 0;
	}
	for (;;) {
		int r;
		skip_blanks(a);
		if (a->i < a->len && a->s[a->i] == '{') {
			a->multidim = true;
			r = array_level(a, depth + 1);
		} else {
			r = array_element(a);
		}
		if (r != 0)
			return r;
		skip_blanks(a);
		if (a->i < a->len && a->s[a->i] == a->delim) {
			a->i++;
			continue;
		}
		if (a->i < a->len && a->s[a->i] == '}') {
			a->i++;
			return 0;
		}
		return array_syntax(a);
	}
}

static int conv_array(const rc_column_t *col, const char *s, size_t len, rc_arena_t *arena, rc_value_t *out,
                      char *err, size_t errlen)
{
	const rc_pg_typeinfo_t *b = rc_pg_typeinfo_builtin(col->source_oid);
	rc_column_t elem = *col;
	array_ctx_t a = {
	    .col = col, .elem = &elem, .s = s, .len = len, .arena = arena, .err = err, .errlen = errlen};

	elem.type = col->elem_type;
	elem.source_oid = b && b->elem_oid ? b->elem_oid : 0;
	a.delim = col->source_conv == RC_PG_CONV_EWKB ? ':' : ',';
	/* Elements are at most one more than the delimiters; an unescaped element is shorter than the text.
	 */
	a.cap = 1;
	for (size_t i = 0; i < len; i++)
		a.cap += s[i] == a.delim;
	a.items = rc_arena_calloc(arena, a.cap, sizeof *a.items);
	a.tmp = rc_arena_alloc(arena, len + 1);
	if (!a.items || !a.tmp)
		return oom(col, s, len, err, errlen);
	if (len > 0 && s[0] == '[') {
		/* "[0:1]={1,2}": bounds other than 1 are written in front; the values are what counts */
		const char *eq = memchr(s, '=', len);
		if (!eq)
			return array_syntax(&a);
		a.i = (size_t)(eq - s) + 1;
	}
	if (array_level(&a, 1) != 0)
		return -1;
	skip_blanks(&a);
	if (a.i != a.len)
		return array_syntax(&a);
	if (a.multidim)
		lossy(col, s, len, "multi-dimensional array flattened to %zu elements", a.n);
	if (rc_column_items_required(col)) {
		/* Debezium's schema of enum and tsvector arrays has required elements: its struct refuses a
		 * NULL element and leaves the whole field null */
		for (size_t i = 0; i < a.n; i++)
			if (a.items[i].state != RC_V_SET) {
				lossy(col, s, len,
				      "a NULL element in an array of required elements; sent as null");
				out->state = RC_V_NULL;
				return 0;
			}
	}
	out->u.array.items = a.items;
	out->u.array.n = a.n;
	out->state = RC_V_SET;
	return 0;
}
