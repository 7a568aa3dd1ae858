/*
 * Values of MySQL/MariaDB columns from their decoded parts (mysql_values.h), as Debezium's
 * BinlogValueConverters makes them: the column's rc_column_t (mysql_types.c) says which form.
 */
#include "config.h"

#include "decoders/mysql/mysql_values.h"

#include "agent/calendar.h"
#include "agent/codec.h"
#include "agent/errors.h"
#include "decoders/mysql/mysql_charset.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const rc_column_t *col, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(const rc_column_t *col, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "column %s (%s): ", col->name ? col->name : "?",
	                 col->source_type ? col->source_type : "?");

	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return RC_ERR_FATAL;
}

static int oom(const rc_column_t *col, char *err, size_t errlen)
{
	return fail(col, err, errlen, "out of memory");
}

static void set_string(rc_value_t *out, const char *s, size_t len)
{
	out->state = RC_V_SET;
	out->u.bytes.ptr = s;
	out->u.bytes.len = len;
	out->u.bytes.scale = 0;
}

static void set_null(rc_value_t *out)
{
	memset(out, 0, sizeof *out);
	out->state = RC_V_NULL;
}

/* ---- integers, BIT, YEAR ---------------------------------------------------------------- */

/* The decimal digits of v into the arena (NUL-terminated), or NULL. */
static char *u64_digits(uint64_t v, rc_arena_t *arena, size_t *n)
{
	char tmp[RC_DECIMAL_INT64_CHARS];
	size_t len = rc_decimal_format_u64(v, tmp);
	char *s = rc_arena_strndup(arena, tmp, len);

	*n = len;
	return s;
}

int rc_mysql_value_int(const rc_column_t *col, const rc_mysql_coldef_t *def, int64_t i, uint64_t u,
                       rc_arena_t *arena, rc_value_t *out, char *err, size_t errlen)
{
	int64_t lo = INT64_MIN, hi = INT64_MAX, v;

	if ((def->kind == RC_MY_BIT) != (col->type == RC_T_BOOL || col->type == RC_T_BYTES) ||
	    (col->type == RC_T_DECIMAL && def->kind != RC_MY_BIGINT))
		return fail(col, err, errlen, "not an integer, YEAR or BIT column");
	switch (col->type) {
	case RC_T_BOOL: /* BIT(1) */
		out->state = RC_V_SET;
		out->u.b = (u & 1) != 0;
		return 0;
	case RC_T_BYTES: { /* BIT(n): Debezium's little-endian bytes, exactly (n + 7) / 8 of them */
		size_t nb = (size_t)(col->length + 7) / 8;
		unsigned char *b = rc_arena_alloc(arena, nb + 1);
		if (!b)
			return oom(col, err, errlen);
		if (col->length < 64 && (u >> col->length) != 0)
			return fail(col, err, errlen, "value 0x%" PRIx64 " has more than %d bits", u,
			            (int)col->length);
		for (size_t k = 0; k < nb; k++)
			b[k] = (unsigned char)(u >> (8 * k));
		b[nb] = 0;
		set_string(out, (const char *)b, nb);
		return 0;
	}
	case RC_T_DECIMAL: { /* BIGINT UNSIGNED, bigint.unsigned.handling.mode=precise */
		rc_decimal_t d = {.negative = false, .scale = 0};
		const unsigned char *tw;
		size_t n;
		d.digits = u64_digits(u, arena, &d.n);
		if (!d.digits || rc_decimal_to_twos(&d, arena, &tw, &n) != 0)
			return oom(col, err, errlen);
		set_string(out, (const char *)tw, n);
		return 0;
	}
	case RC_T_INT8:
		lo = INT8_MIN, hi = INT8_MAX;
		break;
	case RC_T_INT16:
		lo = INT16_MIN, hi = INT16_MAX;
		break;
	case RC_T_INT32:
		lo = INT32_MIN, hi = INT32_MAX;
		break;
	case RC_T_INT64:
		break;
	default:
		return fail(col, err, errlen, "not an integer column");
	}
	if (def->is_unsigned) {
		/* BIGINT UNSIGNED in long mode: the bits as a signed long, as Debezium does. */
		if (col->type == RC_T_INT64)
			v = (int64_t)u;
		else if (u > (uint64_t)hi)
			return fail(col, err, errlen, "value %" PRIu64 " is out of range", u);
		else
			v = (int64_t)u;
	} else {
		v = i;
		/* YEAR 0000: Debezium's binlog reader makes the stored byte 0 Year.of(1900 + 0), so the
		 * stream says 1900 (its snapshot would say 2000, adjustTemporal of 0); rowcast follows
		 * the stream on both sides. */
		if (def->kind == RC_MY_YEAR && v == 0)
			v = 1900;
		if (v < lo || v > hi)
			return fail(col, err, errlen, "value %" PRId64 " is out of range", v);
	}
	out->state = RC_V_SET;
	out->u.i = v;
	return 0;
}

/* ---- FLOAT, DOUBLE --------------------------------------------------------------------- */

int rc_mysql_value_double(const rc_column_t *col, const rc_mysql_coldef_t *def, double d, rc_value_t *out)
{
	(void)def;
	out->state = RC_V_SET;
	/* FLOAT32 goes through float: the 4-byte value MySQL stored, exactly. */
	out->u.f = col->type == RC_T_FLOAT32 ? (double)(float)d : d;
	return 0;
}

/* ---- DECIMAL --------------------------------------------------------------------------- */

/* dec at scale s (its own scale or the column's), digits without leading zeros. */
static int rescale(const rc_decimal_t *dec, int32_t s, rc_arena_t *arena, rc_decimal_t *out)
{
	char *plain;
	rc_decimal_text_t t;
	int rc;

	if (dec->scale == s) {
		size_t k = 0;
		while (k + 1 < dec->n && dec->digits[k] == '0')
			k++;
		*out = *dec;
		out->digits += k;
		out->n -= k;
		if (out->n == 1 && out->digits[0] == '0')
			out->negative = false;
		return 0;
	}
	plain = rc_decimal_to_string(dec, RC_DECIMAL_PLAIN, arena);
	if (!plain)
		return RC_ERR_FATAL;
	if (rc_decimal_parse(plain, strlen(plain), &t) != 0)
		return RC_ERR_FATAL;
	rc = rc_decimal_unscaled(&t, s, arena, out);
	if (rc == 0 && out->n == 1 && out->digits[0] == '0')
		out->negative = false;
	return rc;
}

int rc_mysql_value_decimal(const rc_column_t *col, const rc_mysql_coldef_t *def, const rc_decimal_t *dec,
                           rc_arena_t *arena, rc_value_t *out, char *err, size_t errlen)
{
	rc_decimal_t d;
	int rc;

	(void)def;
	if (!dec->digits || dec->n == 0)
		return fail(col, err, errlen, "decimal without digits");
	for (size_t k = 0; k < dec->n; k++)
		if (dec->digits[k] < '0' || dec->digits[k] > '9')
			return fail(col, err, errlen, "decimal digits hold '%c'", dec->digits[k]);
	/* The column's scale for Decimal(p,s) and the string (a DECIMAL(10,2) value reads "1.50", as
	 * BigDecimal with the column's scale prints it); the value's own for double. */
	rc = rescale(dec, col->type == RC_T_FLOAT64 ? dec->scale : col->scale, arena, &d);
	if (rc == RC_DECIMAL_INEXACT)
		return fail(col, err, errlen, "value has more than %d fraction digits", (int)col->scale);
	if (rc != 0)
		return oom(col, err, errlen);
	if (col->type == RC_T_DECIMAL) {
		const unsigned char *tw;
		size_t n;
		if (col->precision > 0 && (int64_t)d.n > col->precision)
			return fail(col, err, errlen, "value has more than %d digits", (int)col->precision);
		if (rc_decimal_to_twos(&d, arena, &tw, &n) != 0)
			return oom(col, err, errlen);
		set_string(out, (const char *)tw, n);
		return 0;
	}
	if (col->type == RC_T_STRING) {
		/* decimal.handling.mode=string: BigDecimal.toPlainString() (SpecialValueDecimal.fromLogical),
		 * as the PostgreSQL side. */
		char *s = rc_decimal_to_string(&d, RC_DECIMAL_PLAIN, arena);
		if (!s)
			return oom(col, err, errlen);
		set_string(out, s, strlen(s));
		return 0;
	}
	if (col->type == RC_T_FLOAT64) {
		/* BigDecimal.doubleValue() rounds correctly, and so does strtod of the plain text. */
		char *s = rc_decimal_to_string(&d, RC_DECIMAL_PLAIN, arena);
		if (!s)
			return oom(col, err, errlen);
		out->state = RC_V_SET;
		out->u.f = strtod(s, NULL);
		return 0;
	}
	return fail(col, err, errlen, "not a decimal column");
}

/* ---- DATE, TIME, DATETIME, TIMESTAMP -------------------------------------------------- */

static int check_date(const rc_column_t *col, const rc_mysql_datetime_t *dt, char *err, size_t errlen)
{
	if (dt->year < 0 || dt->year > 9999 || dt->month < 1 || dt->month > 12 || dt->day < 1 ||
	    dt->day > rc_calendar_month_days(dt->year, dt->month))
		return fail(col, err, errlen, "%04d-%02d-%02d is not a date", (int)dt->year, (int)dt->month,
		            (int)dt->day);
	return 0;
}

static int64_t tod_us(const rc_mysql_datetime_t *dt)
{
	return ((int64_t)dt->hour * 3600 + dt->minute * 60 + dt->second) * RC_CALENDAR_US_PER_SEC + dt->micro;
}

int rc_mysql_value_datetime(const rc_column_t *col, const rc_mysql_coldef_t *def,
                            const rc_mysql_datetime_t *dt, rc_arena_t *arena, rc_value_t *out, char *err,
                            size_t errlen)
{
	int64_t us;

	(void)arena;
	if (dt->micro < 0 || dt->micro > 999999 || dt->minute < 0 || dt->minute > 59 || dt->second < 0 ||
	    dt->second > 59 || dt->hour < 0)
		return fail(col, err, errlen, "%d:%02d:%02d.%06d is not a time", (int)dt->hour,
		            (int)dt->minute, (int)dt->second, (int)dt->micro);
	switch (def->kind) {
	case RC_MY_TIME:
		/* -838:59:59.000000 .. 838:59:59.000000: a duration, not a time of day, as Debezium
		 * keeps it (Duration.toNanos() / 1000; negative and over 24 h as they are). */
		if (dt->hour > 838)
			return fail(col, err, errlen, "%s%d:%02d:%02d.%06d is beyond 838:59:59",
			            dt->negative ? "-" : "", (int)dt->hour, (int)dt->minute, (int)dt->second,
			            (int)dt->micro);
		us = tod_us(dt);
		if (dt->negative)
			us = -us;
		out->state = RC_V_SET;
		out->u.i = col->type == RC_T_TIME_MILLIS ? rc_calendar_floor_div(us, 1000) : us;
		return 0;
	case RC_MY_DATE:
	case RC_MY_DATETIME:
		/* The zero date 0000-00-00 and dates with a zero year, month or day: null, as
		 * Debezium's binlog reader makes them (RowDeserializers.deserializeDate/DatetimeV2).
		 * Its snapshot reader nulls only a zero month or day, and would make 0000-01-01 day
		 * -719528: rowcast follows the stream on both sides, so a row has one value. */
		if (dt->year == 0 || dt->month == 0 || dt->day == 0) {
			set_null(out);
			return 0;
		}
		if (check_date(col, dt, err, errlen) != 0)
			return RC_ERR_FATAL;
		us = rc_calendar_days_from_civil(dt->year, dt->month, dt->day);
		out->state = RC_V_SET;
		if (def->kind == RC_MY_DATE) {
			out->u.i = us;
			return 0;
		}
		if (dt->hour > 23)
			return fail(col, err, errlen, "hour %d is not a time of day", (int)dt->hour);
		us = us * RC_CALENDAR_US_PER_DAY + tod_us(dt);
		out->u.i = col->type == RC_T_TIMESTAMP_MILLIS ? rc_calendar_floor_div(us, 1000) : us;
		return 0;
	default:
		return fail(col, err, errlen, "not a DATE, TIME or DATETIME column");
	}
}

int rc_mysql_value_timestamp(const rc_column_t *col, const rc_mysql_coldef_t *def, int64_t sec, int32_t micro,
                             rc_arena_t *arena, rc_value_t *out, char *err, size_t errlen)
{
	char buf[RC_CALENDAR_TEXT_MAX];
	size_t n;
	char *s;

	if (sec == 0 && micro == 0) { /* '0000-00-00 00:00:00': 1970-01-01 00:00:00 UTC is not a TIMESTAMP */
		set_null(out);
		return 0;
	}
	if (micro < 0 || micro > 999999 || sec < 0 || sec > INT64_C(253402300799))
		return fail(col, err, errlen, "%" PRId64 ".%06d is not a TIMESTAMP", sec, (int)micro);
	/* ZonedTimestamp with the column's fractional digits: Debezium prints TIMESTAMP(3) values
	 * with exactly three ("...T10:15:30.100Z"), TIMESTAMP(0) with none. */
	n = rc_calendar_format_zoned_timestamp(buf, rc_calendar_floor_div(sec, 86400),
	                                       (sec % 86400) * RC_CALENDAR_US_PER_SEC + micro, def->fsp);
	s = rc_arena_strndup(arena, buf, n);
	if (!s)
		return oom(col, err, errlen);
	set_string(out, s, n);
	return 0;
}

/* ---- strings, binary, GEOMETRY, VECTOR ------------------------------------------------- */

static int binary_value(const rc_column_t *col, const rc_mysql_coldef_t *def, const unsigned char *p,
                        size_t len, rc_arena_t *arena, rc_value_t *out, char *err, size_t errlen)
{
	size_t n = len;
	unsigned char *b;
	char *t;

	/* BINARY(n): the binlog drops trailing 0x00 bytes; Debezium pads them back (DBZ-254). */
	if (def->kind == RC_MY_BINARY && def->length > 0 && (size_t)def->length > n)
		n = (size_t)def->length;
	b = rc_arena_alloc(arena, n + 1);
	if (!b)
		return oom(col, err, errlen);
	if (len)
		memcpy(b, p, len);
	memset(b + len, 0, n + 1 - len);
	if (col->type == RC_T_BYTES) {
		set_string(out, (const char *)b, n);
		return 0;
	}
	if (col->length == RC_BINARY_MODE_HEX) {
		t = rc_arena_alloc(arena, n * 2 + 1);
		if (!t)
			return oom(col, err, errlen);
		n = rc_codec_hex_encode(b, n, t);
	} else {
		t = rc_arena_alloc(arena, rc_codec_base64_len(n) + 1);
		if (!t)
			return oom(col, err, errlen);
		n = rc_codec_base64_encode(b, n, t);
	}
	t[n] = '\0';
	set_string(out, t, n);
	return 0;
}

static int text_value(const rc_column_t *col, const rc_mysql_coldef_t *def, const void *p, size_t len,
                      rc_arena_t *arena, rc_value_t *out, char *err, size_t errlen)
{
	rc_mysql_charset_t cs = rc_mysql_charset_of(def->collation);
	const char *s;
	size_t n, bad;
	int rc = rc_mysql_charset_to_utf8(cs, p, len, arena, &s, &n, &bad);

	if (rc == RC_MY_CS_INVALID) {
		const unsigned char *b = p;
		return fail(col, err, errlen, "byte 0x%02x at offset %zu of a %zu-byte value is not %s text",
		            bad < len ? b[bad] : 0, bad, len, rc_mysql_charset_name(cs));
	}
	if (rc != 0)
		return bad == SIZE_MAX && cs != RC_MY_CS_UNKNOWN
		           ? fail(col, err, errlen, "no converter from %s to UTF-8 (or out of memory)",
		                  rc_mysql_charset_name(cs))
		           : fail(col, err, errlen, "collation %u has no known character set",
		                  (unsigned)def->collation);
	set_string(out, s, n);
	return 0;
}

static int geometry_value(const rc_column_t *col, const unsigned char *p, size_t len, rc_arena_t *arena,
                          rc_value_t *out, char *err, size_t errlen)
{
	char *w;

	/* MySQL's internal form: a little-endian 4-byte SRID, then the WKB (at least byte order and a
	 * 4-byte type). */
	if (len < 4 + 5)
		return fail(col, err, errlen, "%zu bytes are no geometry (SRID and WKB)", len);
	w = rc_arena_alloc(arena, len - 4 + 1);
	if (!w)
		return oom(col, err, errlen);
	memcpy(w, p + 4, len - 4);
	w[len - 4] = '\0';
	out->state = RC_V_SET;
	out->u.bytes.ptr = w;
	out->u.bytes.len = len - 4;
	/* SRID 0 stands for none: Debezium's BinlogGeometry writes it as a null srid. */
	out->u.bytes.scale =
	    (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
	return 0;
}

static int vector_value(const rc_column_t *col, const unsigned char *p, size_t len, rc_arena_t *arena,
                        rc_value_t *out, char *err, size_t errlen)
{
	size_t n = len / 4;
	rc_value_t *items;

	if (len % 4 != 0)
		return fail(col, err, errlen, "%zu bytes are not a whole number of floats", len);
	if (col->length > 0 && n != (size_t)col->length)
		return fail(col, err, errlen, "%zu floats in a VECTOR(%d)", n, (int)col->length);
	items = rc_arena_calloc(arena, n ? n : 1, sizeof *items);
	if (!items)
		return oom(col, err, errlen);
	for (size_t k = 0; k < n; k++) {
		uint32_t bits = (uint32_t)p[4 * k] | (uint32_t)p[4 * k + 1] << 8 |
		                (uint32_t)p[4 * k + 2] << 16 | (uint32_t)p[4 * k + 3] << 24;
		float f;
		memcpy(&f, &bits, sizeof f);
		items[k].state = RC_V_SET;
		items[k].u.f = f;
	}
	out->state = RC_V_SET;
	out->u.array.items = items;
	out->u.array.n = n;
	return 0;
}

int rc_mysql_value_bytes(const rc_column_t *col, const rc_mysql_coldef_t *def, const void *p, size_t len,
                         rc_arena_t *arena, rc_value_t *out, char *err, size_t errlen)
{
	if (!p && len > 0)
		return fail(col, err, errlen, "value of %zu bytes has no data", len);
	switch (def->kind) {
	case RC_MY_GEOMETRY:
		return geometry_value(col, p, len, arena, out, err, errlen);
	case RC_MY_VECTOR:
		return vector_value(col, p, len, arena, out, err, errlen);
	case RC_MY_JSON:
		/* JSON as text (MariaDB's, or MySQL's after binlog_json.c): UTF-8 unless the column
		 * names a text collation (MySQL's JSON is utf8mb4; its binlog says 63) */
		if (def->collation == 0 || def->collation == 63)
			return rc_mysql_value_json_text(col, p, len, arena, out, err, errlen);
		return text_value(col, def, p, len, arena, out, err, errlen);
	case RC_MY_CHAR:
	case RC_MY_VARCHAR:
	case RC_MY_TEXT:
	case RC_MY_BINARY:
	case RC_MY_VARBINARY:
	case RC_MY_BLOB:
		/* binary as mysql_types.c decides it: a binary kind, or text with the binary collation */
		if (def->kind == RC_MY_BINARY || def->kind == RC_MY_VARBINARY || def->kind == RC_MY_BLOB ||
		    def->collation == 63)
			return binary_value(col, def, p, len, arena, out, err, errlen);
		return text_value(col, def, p, len, arena, out, err, errlen);
	default:
		return fail(col, err, errlen, "not a string, binary, GEOMETRY or VECTOR column");
	}
}

/* ---- ENUM, SET, JSON ------------------------------------------------------------------- */

int rc_mysql_value_enum(const rc_column_t *col, const rc_mysql_coldef_t *def, uint64_t index_or_mask,
                        rc_arena_t *arena, rc_value_t *out, char *err, size_t errlen)
{
	if (def->kind == RC_MY_ENUM) {
		const char *l;
		size_t n, bad;
		if (index_or_mask == 0) { /* the '' MySQL stores for a value not in the list */
			set_string(out, "", 0);
			return 0;
		}
		if (index_or_mask > def->nlabels)
			return fail(col, err, errlen, "index %" PRIu64 " beyond the %u labels", index_or_mask,
			            (unsigned)def->nlabels);
		if (rc_mysql_label_utf8(def->collation, def->labels[index_or_mask - 1], arena, &l, &n,
		                        &bad) != 0)
			return fail(col, err, errlen, "label %" PRIu64 " is not text in the column's charset",
			            index_or_mask);
		set_string(out, l, n);
		return 0;
	}
	if (def->kind == RC_MY_SET) {
		const char *u[64];
		size_t ul[64], n = 0, bad;
		char *s, *q;
		if (def->nlabels < 64 && (index_or_mask >> def->nlabels) != 0)
			/* Debezium logs these and writes an empty item; MySQL cannot store them, so a mask
			 * like that means a wrong column definition: an error rather than a guess. */
			return fail(col, err, errlen, "mask 0x%" PRIx64 " has bits beyond the %u labels",
			            index_or_mask, (unsigned)def->nlabels);
		for (uint32_t k = 0; k < def->nlabels && k < 64; k++) {
			if (!(index_or_mask >> k & 1))
				continue;
			if (rc_mysql_label_utf8(def->collation, def->labels[k], arena, &u[k], &ul[k], &bad) !=
			    0)
				return fail(col, err, errlen, "label %u is not text in the column's charset",
				            (unsigned)k + 1);
			n += ul[k] + 1;
		}
		q = s = rc_arena_alloc(arena, n + 1);
		if (!s)
			return oom(col, err, errlen);
		for (uint32_t k = 0; k < def->nlabels && k < 64; k++) {
			if (index_or_mask >> k & 1) {
				if (q != s)
					*q++ = ',';
				memcpy(q, u[k], ul[k]);
				q += ul[k];
			}
		}
		*q = '\0';
		set_string(out, s, (size_t)(q - s));
		return 0;
	}
	return fail(col, err, errlen, "not an ENUM or SET column");
}

int rc_mysql_value_json_text(const rc_column_t *col, const char *text, size_t len, rc_arena_t *arena,
                             rc_value_t *out, char *err, size_t errlen)
{
	const char *s;
	size_t n, bad;
	int rc;

	if (!text && len > 0)
		return fail(col, err, errlen, "JSON of %zu bytes has no data", len);
	rc = rc_mysql_charset_to_utf8(RC_MY_CS_UTF8MB4, text ? text : "", len, arena, &s, &n, &bad);
	if (rc == RC_MY_CS_INVALID)
		return fail(col, err, errlen, "JSON text is not UTF-8 at offset %zu", bad);
	if (rc != 0)
		return oom(col, err, errlen);
	set_string(out, s, n);
	return 0;
}
