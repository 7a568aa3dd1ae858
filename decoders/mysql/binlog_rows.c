/*
 * Binlog row images into rowcast values: binlog_rows.h. Two halves: a TABLE_MAP becomes an
 * rc_mysql_table_t (each column's binlog type and metadata, and its rc_mysql_coldef_t for
 * mysql_types.c), then each row image is walked column by column, each value read in its binlog
 * format into parts that mysql_values.c turns into the column's value.
 *
 * Formats of one value (MySQL's sql/log_event.cc log_event_print_value and field.cc, MariaDB's
 * log_event_client.cc; little-endian unless said):
 *   TINY/SHORT/INT24/LONG/LONGLONG  1/2/3/4/8 bytes      FLOAT/DOUBLE  4/8 bytes IEEE 754
 *   YEAR      1 byte, 0 or year - 1900                    DATE/NEWDATE 3 bytes: day 5 bits, month 4,
 *                                                         year the rest
 *   TIME      3 bytes, signed HHMMSS as a number          DATETIME  8 bytes, YYYYMMDDHHMMSS
 *   TIMESTAMP 4 bytes, seconds since the epoch
 *   TIME2     3 bytes big-endian + 0x800000 (sign, 1 spare bit, hour 10, minute 6, second 6),
 *             then (fsp + 1) / 2 bytes of fraction big-endian (in 1/100, 1/10000, 1/1000000 s)
 *   DATETIME2 5 bytes big-endian + 0x8000000000 (sign, year*13+month 17 bits, day 5, hour 5,
 *             minute 6, second 6), then the fraction as TIME2
 *   TIMESTAMP2 4 bytes big-endian seconds, then the fraction as TIME2
 *   NEWDECIMAL decimal2bin (strings/decimal.cc): integer digits then fraction digits, 9 digits per
 *             4 bytes big-endian, the leftover digits of each part in 1-4 bytes (dig2bytes); the
 *             first bit flipped (set for positive), a negative number with every bit inverted
 *   BIT       (meta >> 8) + (meta & 7 ? 1 : 0) bytes big-endian
 *   ENUM/SET  meta & 0xff bytes (ENUM 1-2, SET 1-8)
 *   STRING/VARCHAR/VAR_STRING  1 length byte, 2 when the column's maximum length is over 255
 *   BLOB/TEXT, JSON, GEOMETRY, VECTOR  meta bytes of length (1-4), then the bytes
 */
#include "config.h"

#include "decoders/mysql/binlog_rows.h"

#include "agent/buf.h"
#include "agent/decimal.h"
#include "agent/errors.h"
#include "decoders/mysql/binlog_json.h"
#include "decoders/mysql/mysql_values.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLLATION_BINARY 63

/* --- The table ---------------------------------------------------------------------------------- */

/* What rc_mysql_table_t owns besides its documented members: the strings its coldefs point to, and
 * a scratch buffer for JSON text (one thread decodes a table's rows at a time). */
typedef struct table_priv {
	rc_mysql_table_t pub; /* first: rc_mysql_table_t * is a table_priv_t * */
	char **strings;       /* every string the defs point to, malloc'd */
	size_t nstrings, capstrings;
	const char ***labels; /* per column: label arrays (NULL when none) */
	rc_buf_t json;        /* JSON text of the value being decoded */
	char qname[520];      /* "db.table" for messages */
} table_priv_t;

static char *own_string(table_priv_t *tp, const char *s, size_t len)
{
	char *c;

	if (tp->nstrings == tp->capstrings) {
		size_t cap = tp->capstrings ? tp->capstrings * 2 : 16;
		char **n = realloc(tp->strings, cap * sizeof *n);

		if (!n)
			return NULL;
		tp->strings = n;
		tp->capstrings = cap;
	}
	c = malloc(len + 1);
	if (!c)
		return NULL;
	memcpy(c, s, len);
	c[len] = '\0';
	tp->strings[tp->nstrings++] = c;
	return c;
}

/* The type a STRING column really is (MySQL's "real type" in the metadata's high byte: ENUM, SET or
 * STRING, with the top bits of a long CHAR's length folded into it) and its maximum length. */
static uint8_t string_real_type(uint16_t meta, uint32_t *maxlen)
{
	uint8_t b0 = (uint8_t)(meta >> 8), b1 = (uint8_t)meta;

	if (meta < 256) {
		if (maxlen)
			*maxlen = meta;
		return RC_MYT_STRING;
	}
	if ((b0 & 0x30) != 0x30) {
		if (maxlen)
			*maxlen = b1 | ((uint32_t)((b0 & 0x30) ^ 0x30) << 4);
		return (uint8_t)(b0 | 0x30);
	}
	if (maxlen)
		*maxlen = b1;
	return b0;
}

/* The type of column c as rows carry it: STRING resolved to ENUM/SET, the BLOB sizes to BLOB. */
static uint8_t real_type(uint8_t type, uint16_t meta)
{
	if (type == RC_MYT_STRING)
		return string_real_type(meta, NULL);
	return type;
}

/* The columns with a bit in the SIGNEDNESS metadata. MySQL counts the integer, decimal and float
 * types (is_numeric_type of its log_event.cc); MariaDB's YEAR is a kind of TINYINT there and has a bit
 * too (seen in MariaDB 10.11's binlogs: without it every numeric column after a YEAR took its
 * neighbour's signedness). */
static bool is_numeric(uint8_t t, bool mariadb)
{
	switch (t) {
	case RC_MYT_YEAR:
		return mariadb;
	case RC_MYT_TINY:
	case RC_MYT_SHORT:
	case RC_MYT_INT24:
	case RC_MYT_LONG:
	case RC_MYT_LONGLONG:
	case RC_MYT_NEWDECIMAL:
	case RC_MYT_FLOAT:
	case RC_MYT_DOUBLE:
		return true;
	default:
		return false;
	}
}

/* The columns DEFAULT_CHARSET and COLUMN_CHARSET count, by real type (is_character_type in the
 * servers' sql/log_event.cc): STRING, VAR_STRING, VARCHAR, BLOB; VECTOR in MySQL 9, the only server
 * with that type (the 9.0.1 fixture's bar(id, VECTOR, TEXT, VECTOR) has its TEXT as character
 * column 1); GEOMETRY in MariaDB only (its geometry field is a blob: the MariaDB geometry fixture's
 * COLUMN_CHARSET has 63 for it, MySQL 8 writes none). ENUM and SET have their own ENUM_AND_SET
 * charset fields. */
static bool is_character(uint8_t t, bool mariadb)
{
	switch (t) {
	case RC_MYT_STRING:
	case RC_MYT_VAR_STRING:
	case RC_MYT_VARCHAR:
	case RC_MYT_BLOB:
	case RC_MYT_TINY_BLOB:
	case RC_MYT_MEDIUM_BLOB:
	case RC_MYT_LONG_BLOB:
	case RC_MYT_VECTOR:
		return true;
	case RC_MYT_GEOMETRY:
		return mariadb;
	default:
		return false;
	}
}

static bool bit_set_msb(const uint8_t *bm, size_t len, uint32_t i)
{
	return bm && i / 8 < len && (bm[i / 8] & (0x80 >> (i % 8)));
}

__attribute__((format(printf, 4, 5))) static int map_fail(const rc_binlog_table_map_t *tm, char *err,
                                                          size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "table %.*s.%.*s (TABLE_MAP id %" PRIu64 "): ", (int)tm->db.len,
	                 tm->db.s, (int)tm->table.len, tm->table.s, tm->table_id);

	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return RC_ERR_FATAL;
}

/* The collation of each character column: COLUMN_CHARSET lists them one per character column in
 * column order; DEFAULT_CHARSET gives a default and the exceptions by character column index. */
static uint32_t column_collation(const rc_binlog_table_map_t *tm, uint32_t char_index)
{
	if (tm->column_charsets)
		return char_index < tm->ncolumn_charsets ? (uint32_t)tm->column_charsets[char_index] : 0;
	for (uint32_t i = 0; i < tm->ncharset_exceptions; i++)
		if (tm->charset_exceptions[2 * i] == char_index)
			return (uint32_t)tm->charset_exceptions[2 * i + 1];
	return (uint32_t)tm->default_charset;
}

/* The kind of a column from its binlog type, metadata and collation (0 unknown: the pre-8.0 binlogs
 * carry none, and then text is assumed, as mysqlbinlog prints it). */
static int column_kind(uint8_t rt, uint16_t meta, uint32_t collation, rc_mysql_coldef_t *d)
{
	bool bin = collation == COLLATION_BINARY;

	switch (rt) {
	case RC_MYT_TINY:
		d->kind = RC_MY_TINYINT;
		break;
	case RC_MYT_SHORT:
		d->kind = RC_MY_SMALLINT;
		break;
	case RC_MYT_INT24:
		d->kind = RC_MY_MEDIUMINT;
		break;
	case RC_MYT_LONG:
		d->kind = RC_MY_INT;
		break;
	case RC_MYT_LONGLONG:
		d->kind = RC_MY_BIGINT;
		break;
	case RC_MYT_FLOAT:
		d->kind = RC_MY_FLOAT;
		break;
	case RC_MYT_DOUBLE:
		d->kind = RC_MY_DOUBLE;
		break;
	case RC_MYT_NEWDECIMAL:
		d->kind = RC_MY_DECIMAL;
		d->precision = meta >> 8;
		d->scale = meta & 0xff;
		if (d->precision < 1 || d->precision > 65 || d->scale > 30 || d->scale > d->precision)
			return -1;
		break;
	case RC_MYT_BIT:
		d->kind = RC_MY_BIT;
		d->length = (int32_t)((meta >> 8) * 8 + (meta & 0xff));
		if (d->length < 1 || d->length > 64)
			return -1;
		break;
	case RC_MYT_YEAR:
		d->kind = RC_MY_YEAR;
		break;
	case RC_MYT_DATE:
	case RC_MYT_NEWDATE:
		d->kind = RC_MY_DATE;
		break;
	case RC_MYT_TIME:
	case RC_MYT_TIME2:
		d->kind = RC_MY_TIME;
		d->fsp = rt == RC_MYT_TIME2 ? meta : 0;
		break;
	case RC_MYT_DATETIME:
	case RC_MYT_DATETIME2:
		d->kind = RC_MY_DATETIME;
		d->fsp = rt == RC_MYT_DATETIME2 ? meta : 0;
		break;
	case RC_MYT_TIMESTAMP:
	case RC_MYT_TIMESTAMP2:
		d->kind = RC_MY_TIMESTAMP;
		d->fsp = rt == RC_MYT_TIMESTAMP2 ? meta : 0;
		break;
	case RC_MYT_STRING:
		d->kind = bin ? RC_MY_BINARY : RC_MY_CHAR;
		{
			uint32_t maxlen = 0;

			string_real_type(meta, &maxlen);
			if (bin)
				d->length = (int32_t)maxlen; /* the builder pads values back to it */
			else
				d->max_bytes = (int32_t)maxlen;
		}
		break;
	case RC_MYT_VARCHAR:
	case RC_MYT_VAR_STRING:
		d->kind = bin ? RC_MY_VARBINARY : RC_MY_VARCHAR;
		if (!bin)
			d->max_bytes = meta;
		break;
	case RC_MYT_BLOB:
	case RC_MYT_TINY_BLOB:
	case RC_MYT_MEDIUM_BLOB:
	case RC_MYT_LONG_BLOB:
		d->kind = bin ? RC_MY_BLOB : RC_MY_TEXT;
		if (meta < 1 || meta > 4)
			return -1;
		break;
	case RC_MYT_ENUM:
		d->kind = RC_MY_ENUM;
		break;
	case RC_MYT_SET:
		d->kind = RC_MY_SET;
		break;
	case RC_MYT_JSON:
		d->kind = RC_MY_JSON;
		if (meta < 1 || meta > 4)
			return -1;
		break;
	case RC_MYT_GEOMETRY:
		d->kind = RC_MY_GEOMETRY;
		if (meta < 1 || meta > 4)
			return -1;
		break;
	case RC_MYT_VECTOR:
		d->kind = RC_MY_VECTOR;
		if (meta < 1 || meta > 4)
			return -1;
		break;
	default:
		return -1; /* old DECIMAL (pre-5.0), NULL, and numbers rowcast does not know */
	}
	if ((d->kind == RC_MY_TIME || d->kind == RC_MY_DATETIME || d->kind == RC_MY_TIMESTAMP) && d->fsp > 6)
		return -1;
	return 0;
}

static int copy_labels(table_priv_t *tp, uint32_t c, const rc_binlog_strlist_t *l, rc_mysql_coldef_t *d)
{
	const char **v = calloc(l->n ? l->n : 1, sizeof *v);

	if (!v)
		return -1;
	tp->labels[c] = v;
	for (uint32_t i = 0; i < l->n; i++)
		if (!(v[i] = own_string(tp, l->v[i].s, l->v[i].len)))
			return -1;
	d->labels = v;
	d->nlabels = l->n;
	return 0;
}

int rc_mysql_table_from_map(const rc_binlog_table_map_t *tm, const rc_mysql_modes_t *modes,
                            const char *topic_prefix, rc_mysql_table_t **out, char *err, size_t errlen)
{
	table_priv_t *tp = calloc(1, sizeof *tp);
	rc_mysql_table_t *t = &tp->pub;
	char db[256], name[256], topic[1024], cerr[512];
	uint32_t nchar = 0, nnum = 0, nvec = 0;
	int rc = RC_ERR_FATAL;

	*out = NULL;
	if (!tp)
		return map_fail(tm, err, errlen, "out of memory");
	rc_buf_init(&tp->json, 0);
	snprintf(db, sizeof db, "%.*s", (int)tm->db.len, tm->db.s);
	snprintf(name, sizeof name, "%.*s", (int)tm->table.len, tm->table.s);
	snprintf(tp->qname, sizeof tp->qname, "%s.%s", db, name);
	if (rc_mysql_topic(topic, sizeof topic, topic_prefix ? topic_prefix : "", db, name) != 0) {
		map_fail(tm, err, errlen, "topic name too long");
		goto out;
	}
	t->table_id = tm->table_id;
	t->ncolumns = tm->ncolumns;
	t->names_known = tm->column_names != NULL;
	t->table = rc_table_new(db, name, topic, tm->ncolumns);
	t->types = calloc(tm->ncolumns ? tm->ncolumns : 1, sizeof *t->types);
	t->meta = calloc(tm->ncolumns ? tm->ncolumns : 1, sizeof *t->meta);
	t->defs = calloc(tm->ncolumns ? tm->ncolumns : 1, sizeof *t->defs);
	tp->labels = calloc(tm->ncolumns ? tm->ncolumns : 1, sizeof *tp->labels);
	if (!t->table || !t->types || !t->meta || !t->defs || !tp->labels) {
		map_fail(tm, err, errlen, "out of memory");
		goto out;
	}
	t->table->source_id = (uint32_t)tm->table_id;
	for (uint32_t c = 0; c < tm->ncolumns; c++) {
		rc_mysql_coldef_t *d = &t->defs[c];
		uint16_t meta = tm->meta[c];
		uint8_t rt = real_type(tm->types[c], meta);

		t->types[c] = rt;
		t->meta[c] = meta;
		if (tm->column_names) {
			d->name = own_string(tp, tm->column_names[c].s, tm->column_names[c].len);
			if (!d->name) {
				map_fail(tm, err, errlen, "out of memory");
				goto out;
			}
		}
		d->nullable = tm->null_bitmap && (tm->null_bitmap[c / 8] & (1u << (c % 8)));
		if (is_numeric(rt, tm->mariadb)) {
			bool u = bit_set_msb(tm->signedness, tm->signedness_len, nnum++);
			/* YEAR's bit (MariaDB) is consumed but says nothing: a year is a year. */
			d->is_unsigned = rt != RC_MYT_YEAR && u;
		}
		if (is_character(rt, tm->mariadb))
			d->collation = column_collation(tm, nchar++);
		if (rt == RC_MYT_VECTOR || rt == RC_MYT_GEOMETRY)
			d->collation = COLLATION_BINARY; /* binary whatever the metadata says */
		if (column_kind(rt, meta, d->collation, d) != 0) {
			map_fail(tm, err, errlen,
			         "column %u (%s): binlog type %u with metadata 0x%04x cannot be read", c + 1,
			         d->name ? d->name : "unnamed", tm->types[c], meta);
			goto out;
		}
		if (rt == RC_MYT_VECTOR) {
			if (nvec < tm->nvector_dims)
				d->length = (int32_t)tm->vector_dims[nvec];
			/* else 0: the dimensions are unknown without VECTOR_DIMENSIONALITY */
			nvec++;
		}
	}
	for (uint32_t i = 0; i < tm->nenums; i++)
		if (tm->enums[i].column < tm->ncolumns &&
		    copy_labels(tp, tm->enums[i].column, &tm->enums[i], &t->defs[tm->enums[i].column])) {
			map_fail(tm, err, errlen, "out of memory");
			goto out;
		}
	for (uint32_t i = 0; i < tm->nsets; i++)
		if (tm->sets[i].column < tm->ncolumns &&
		    copy_labels(tp, tm->sets[i].column, &tm->sets[i], &t->defs[tm->sets[i].column])) {
			map_fail(tm, err, errlen, "out of memory");
			goto out;
		}
	for (uint32_t i = 0; i < tm->npk; i++)
		t->defs[tm->pk[i]].key =
		    true; /* a prefix key (PRIMARY_KEY_WITH_PREFIX) keys the whole column */
	for (uint32_t c = 0; c < tm->ncolumns; c++) {
		if (rc_mysql_column_init(&t->table->cols[c], c, &t->defs[c], modes, cerr, sizeof cerr) != 0) {
			map_fail(tm, err, errlen, "column %u: %s", c + 1, cerr);
			goto out;
		}
	}
	rc_table_count_keys(t->table);
	*out = t;
	rc = 0;
out:
	if (rc != 0)
		rc_mysql_table_free(t);
	return rc;
}

void rc_mysql_table_free(rc_mysql_table_t *t)
{
	table_priv_t *tp = (table_priv_t *)t;

	if (!t)
		return;
	if (t->table)
		rc_table_release(t->table);
	for (size_t i = 0; i < tp->nstrings; i++)
		free(tp->strings[i]);
	free(tp->strings);
	if (tp->labels)
		for (uint32_t c = 0; c < t->ncolumns; c++)
			free(tp->labels[c]);
	free(tp->labels);
	rc_buf_free(&tp->json);
	free(t->types);
	free(t->meta);
	free(t->defs);
	free(tp);
}

/* --- Values ------------------------------------------------------------------------------------- */

/* The decoding of one image in progress. */
typedef struct image {
	rc_binlog_rows_iter_t *it;
	rc_arena_t *arena;
	const uint8_t *p, *end;
	uint32_t col; /* column being read */
	char *err;
	size_t errlen;
} image_t;

/* Where the iterator is in the event: rows start at ev->u.rows.rows_offset. */
static size_t ev_offset(const image_t *im, const uint8_t *at)
{
	const rc_binlog_rows_t *r = &im->it->ev->u.rows;

	return r->rows_offset + (size_t)(at - r->rows);
}

__attribute__((format(printf, 2, 3))) static int row_fail(image_t *im, const char *fmt, ...)
{
	const table_priv_t *tp = (const table_priv_t *)im->it->t;
	const rc_mysql_table_t *t = im->it->t;
	va_list ap;
	int n;

	if (im->col < t->ncolumns)
		n = snprintf(im->err, im->errlen,
		             "binlog %s at log position %" PRIu32 ": table %s row %" PRIu32
		             " column %s (%u) at event offset %zu: ",
		             rc_binlog_type_name(im->it->ev->type), im->it->ev->log_pos, tp->qname,
		             im->it->row + 1, t->table->cols[im->col].name, im->col + 1,
		             ev_offset(im, im->p));
	else
		n = snprintf(im->err, im->errlen,
		             "binlog %s at log position %" PRIu32 ": table %s row %" PRIu32
		             " at event offset %zu: ",
		             rc_binlog_type_name(im->it->ev->type), im->it->ev->log_pos, tp->qname,
		             im->it->row + 1, ev_offset(im, im->p));
	if (n >= 0 && (size_t)n < im->errlen) {
		va_start(ap, fmt);
		vsnprintf(im->err + n, im->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return RC_ERR_FATAL;
}

/* A builder's failure (its message in im->err already names the column): prefix where it was. */
static int builder_fail(image_t *im, const uint8_t *at)
{
	char why[512];

	snprintf(why, sizeof why, "%s", im->err);
	im->p = at;
	return row_fail(im, "%s", why);
}

static int need(image_t *im, size_t n, const char *what)
{
	if ((size_t)(im->end - im->p) < n)
		return row_fail(im, "%s needs %zu bytes, %zu left in the event", what, n,
		                (size_t)(im->end - im->p));
	return 0;
}

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int64_t sign_extend(uint64_t v, int bytes)
{
	int shift = 64 - 8 * bytes;

	return (int64_t)(v << shift) >> shift;
}

/* The fraction of TIME2/DATETIME2/TIMESTAMP2: (fsp + 1) / 2 bytes big-endian, in microseconds. */
static int frac_bytes(int fsp)
{
	return (fsp + 1) / 2;
}

static int32_t frac_micros(uint64_t raw, int nbytes)
{
	static const int32_t scale[] = {0, 10000, 100, 1};

	return (int32_t)raw * scale[nbytes];
}

/* Bytes of the leftover digits of a decimal2bin part (strings/decimal.cc's dig2bytes). */
static const int dig2bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};

size_t rc_binlog_decimal_size(int precision, int scale)
{
	int intg = precision - scale;

	return (size_t)((intg / 9) * 4 + dig2bytes[intg % 9] + (scale / 9) * 4 + dig2bytes[scale % 9]);
}

int rc_binlog_decimal_decode(const uint8_t *p, int precision, int scale, rc_arena_t *arena, rc_decimal_t *dec,
                             const char **why)
{
	static const uint32_t pow10[10] = {1,      10,      100,      1000,      10000,
	                                   100000, 1000000, 10000000, 100000000, 1000000000};
	int intg = precision - scale, intg0 = intg / 9, intg0x = intg % 9, frac0 = scale / 9,
	    frac0x = scale % 9;
	size_t size = rc_binlog_decimal_size(precision, scale), pos = 0, nd = 0;
	uint8_t buf[40], mask;
	char *digits, *d;
	bool negative;

	if (size == 0 || size > sizeof buf) {
		*why = "impossible precision";
		return -1;
	}
	memcpy(buf, p, size);
	negative = !(buf[0] & 0x80);
	mask = negative ? 0xff : 0x00;
	buf[0] ^= 0x80;
	for (size_t i = 0; i < size; i++)
		buf[i] ^= mask;
	digits = rc_arena_alloc(arena, (size_t)precision + 2);
	if (!digits) {
		*why = "out of memory";
		return -1;
	}
	d = digits;
	/* Each group as its digit count of zero-padded decimal text. */
#define GROUP(nbytes, ndig)                                                                                  \
	do {                                                                                                 \
		uint32_t g = (uint32_t)be(buf + pos, (nbytes));                                              \
		pos += (size_t)(nbytes);                                                                     \
		if (g >= pow10[(ndig)]) {                                                                    \
			*why = "a digit group out of range";                                                 \
			return -1;                                                                           \
		}                                                                                            \
		for (int k = (ndig)-1; k >= 0; k--) {                                                        \
			d[k] = (char)('0' + g % 10);                                                         \
			g /= 10;                                                                             \
		}                                                                                            \
		d += (ndig);                                                                                 \
	} while (0)
	if (intg0x)
		GROUP(dig2bytes[intg0x], intg0x);
	for (int i = 0; i < intg0; i++)
		GROUP(4, 9);
	for (int i = 0; i < frac0; i++)
		GROUP(4, 9);
	if (frac0x)
		GROUP(dig2bytes[frac0x], frac0x);
#undef GROUP
	nd = (size_t)(d - digits);
	*d = '\0';
	/* No leading zeros, "0" for zero. */
	{
		size_t skip = 0;

		while (skip + 1 < nd && digits[skip] == '0')
			skip++;
		digits += skip;
		nd -= skip;
	}
	if (nd == 0) {
		digits[0] = '0';
		digits[1] = '\0';
		nd = 1;
	}
	dec->negative = negative && !(nd == 1 && digits[0] == '0');
	dec->digits = digits;
	dec->n = nd;
	dec->scale = scale;
	return 0;
}

/* Length-prefixed bytes: nlen bytes of little-endian length, then the bytes. */
static int prefixed(image_t *im, int nlen, const uint8_t **data, size_t *len, const char *what)
{
	uint64_t n;

	if (need(im, (size_t)nlen, what))
		return RC_ERR_FATAL;
	n = le(im->p, nlen);
	if ((uint64_t)(im->end - im->p - nlen) < n)
		return row_fail(im, "%s of %" PRIu64 " bytes, %zu left in the event", what, n,
		                (size_t)(im->end - im->p - nlen));
	*data = im->p + nlen;
	*len = (size_t)n;
	im->p += nlen + (size_t)n;
	return 0;
}

/* The JSON text of a binary JSON value, or of the before document with diffs applied. */
static int json_value(image_t *im, const rc_column_t *col, const uint8_t *at, const uint8_t *bin, size_t blen,
                      const uint8_t *diff, size_t dlen, rc_value_t *v)
{
	table_priv_t *tp = (table_priv_t *)im->it->t;
	char why[256];
	int rc;

	rc_buf_reset(&tp->json);
	if (diff)
		rc = rc_json_apply_diffs(bin, blen, diff, dlen, &tp->json, why, sizeof why);
	else
		rc = rc_json_binary_to_text(bin, blen, &tp->json, why, sizeof why);
	if (rc != 0) {
		im->p = at;
		return row_fail(im, "JSON %s: %s", diff ? "partial update" : "value", why);
	}
	if (rc_buf_failed(&tp->json)) {
		im->p = at;
		return row_fail(im, "JSON text of %zu bytes: out of memory", blen);
	}
	if (rc_mysql_value_json_text(col, (const char *)tp->json.data, tp->json.len, im->arena, v, im->err,
	                             im->errlen) != 0)
		return builder_fail(im, at);
	return 0;
}

/* One non-null value of column c at im->p. For JSON columns, raw and rawlen get the binary document
 * (what a later partial update of the same column applies its diffs to); diff set: the value is a
 * partial update against before/beforelen. */
static int read_value(image_t *im, uint32_t c, rc_value_t *v, bool partial, const uint8_t *before,
                      size_t beforelen, const uint8_t **raw, size_t *rawlen)
{
	const rc_mysql_table_t *t = im->it->t;
	const rc_column_t *col = &t->table->cols[c];
	const rc_mysql_coldef_t *def = &t->defs[c];
	uint16_t meta = t->meta[c];
	const uint8_t *at = im->p, *data = NULL;
	size_t len = 0;
	char *err = im->err;
	size_t errlen = im->errlen;
	rc_arena_t *arena = im->arena;
	rc_mysql_datetime_t dt;
	uint64_t u;
	int n;

	memset(&dt, 0, sizeof dt);
	switch (t->types[c]) {
	case RC_MYT_TINY:
		n = 1;
		goto integer;
	case RC_MYT_SHORT:
		n = 2;
		goto integer;
	case RC_MYT_INT24:
		n = 3;
		goto integer;
	case RC_MYT_LONG:
		n = 4;
		goto integer;
	case RC_MYT_LONGLONG:
		n = 8;
	integer:
		if (need(im, (size_t)n, "integer"))
			return RC_ERR_FATAL;
		u = le(im->p, n);
		im->p += n;
		if (rc_mysql_value_int(col, def, sign_extend(u, n), u, arena, v, err, errlen))
			return builder_fail(im, at);
		return 0;
	case RC_MYT_FLOAT: {
		float f;
		uint32_t b;

		if (need(im, 4, "FLOAT"))
			return RC_ERR_FATAL;
		b = (uint32_t)le(im->p, 4);
		memcpy(&f, &b, 4);
		im->p += 4;
		return rc_mysql_value_double(col, def, f, v) ? builder_fail(im, at) : 0;
	}
	case RC_MYT_DOUBLE: {
		double f;

		if (need(im, 8, "DOUBLE"))
			return RC_ERR_FATAL;
		u = le(im->p, 8);
		memcpy(&f, &u, 8);
		im->p += 8;
		return rc_mysql_value_double(col, def, f, v) ? builder_fail(im, at) : 0;
	}
	case RC_MYT_NEWDECIMAL: {
		size_t size = rc_binlog_decimal_size(def->precision, def->scale);
		const char *why = NULL;
		rc_decimal_t dec;

		if (need(im, size, "DECIMAL"))
			return RC_ERR_FATAL;
		if (rc_binlog_decimal_decode(im->p, def->precision, def->scale, arena, &dec, &why) != 0)
			return row_fail(im, "DECIMAL(%d,%d): %s", def->precision, def->scale, why);
		im->p += size;
		if (rc_mysql_value_decimal(col, def, &dec, arena, v, err, errlen))
			return builder_fail(im, at);
		return 0;
	}
	case RC_MYT_YEAR:
		if (need(im, 1, "YEAR"))
			return RC_ERR_FATAL;
		u = im->p[0];
		im->p += 1;
		if (rc_mysql_value_int(col, def, u ? (int64_t)u + 1900 : 0, u ? u + 1900 : 0, arena, v, err,
		                       errlen))
			return builder_fail(im, at);
		return 0;
	case RC_MYT_DATE:
	case RC_MYT_NEWDATE:
		if (need(im, 3, "DATE"))
			return RC_ERR_FATAL;
		u = le(im->p, 3);
		im->p += 3;
		dt.day = (int32_t)(u & 31);
		dt.month = (int32_t)((u >> 5) & 15);
		dt.year = (int32_t)(u >> 9);
		goto datetime;
	case RC_MYT_TIME: {
		int64_t hms;

		if (need(im, 3, "TIME"))
			return RC_ERR_FATAL;
		hms = sign_extend(le(im->p, 3), 3);
		im->p += 3;
		dt.negative = hms < 0;
		if (hms < 0)
			hms = -hms;
		dt.hour = (int32_t)(hms / 10000);
		dt.minute = (int32_t)(hms / 100 % 100);
		dt.second = (int32_t)(hms % 100);
		goto datetime;
	}
	case RC_MYT_TIME2: {
		int nf = frac_bytes(def->fsp);
		int64_t ip, fr = 0, packed;

		if (need(im, 3 + (size_t)nf, "TIME(fsp)"))
			return RC_ERR_FATAL;
		ip = (int64_t)be(im->p, 3) - 0x800000;
		if (nf == 3) {
			packed = (int64_t)be(im->p, 6) - 0x800000000000LL;
		} else {
			if (nf > 0) {
				fr = (int64_t)be(im->p + 3, nf);
				if (ip < 0 && fr) { /* the fraction counts up from the next lower second */
					ip++;
					fr -= nf == 1 ? 0x100 : 0x10000;
				}
				fr *= nf == 1 ? 10000 : 100;
			}
			packed = ip * (1LL << 24) + fr;
		}
		im->p += 3 + nf;
		dt.negative = packed < 0;
		if (packed < 0)
			packed = -packed;
		ip = packed >> 24;
		dt.micro = (int32_t)(packed % (1LL << 24));
		dt.hour = (int32_t)((ip >> 12) % (1 << 10));
		dt.minute = (int32_t)((ip >> 6) % (1 << 6));
		dt.second = (int32_t)(ip % (1 << 6));
		goto datetime;
	}
	case RC_MYT_DATETIME: {
		uint64_t x;

		if (need(im, 8, "DATETIME"))
			return RC_ERR_FATAL;
		x = le(im->p, 8);
		im->p += 8;
		dt.second = (int32_t)(x % 100);
		dt.minute = (int32_t)(x / 100 % 100);
		dt.hour = (int32_t)(x / 10000 % 100);
		dt.day = (int32_t)(x / 1000000 % 100);
		dt.month = (int32_t)(x / 100000000 % 100);
		dt.year = (int32_t)(x / 10000000000ULL);
		goto datetime;
	}
	case RC_MYT_DATETIME2: {
		int nf = frac_bytes(def->fsp);
		int64_t ip, ymd, ym, hms;

		if (need(im, 5 + (size_t)nf, "DATETIME(fsp)"))
			return RC_ERR_FATAL;
		ip = (int64_t)be(im->p, 5) - 0x8000000000LL;
		if (ip < 0)
			return row_fail(im, "negative DATETIME");
		if (nf)
			dt.micro = frac_micros(be(im->p + 5, nf), nf);
		im->p += 5 + nf;
		ymd = ip >> 17;
		ym = ymd >> 5;
		hms = ip % (1 << 17);
		dt.day = (int32_t)(ymd % (1 << 5));
		dt.month = (int32_t)(ym % 13);
		dt.year = (int32_t)(ym / 13);
		dt.second = (int32_t)(hms % (1 << 6));
		dt.minute = (int32_t)((hms >> 6) % (1 << 6));
		dt.hour = (int32_t)(hms >> 12);
		goto datetime;
	}
	case RC_MYT_TIMESTAMP:
		if (need(im, 4, "TIMESTAMP"))
			return RC_ERR_FATAL;
		u = le(im->p, 4);
		im->p += 4;
		if (rc_mysql_value_timestamp(col, def, (int64_t)u, 0, arena, v, err, errlen))
			return builder_fail(im, at);
		return 0;
	case RC_MYT_TIMESTAMP2: {
		int nf = frac_bytes(def->fsp);
		int32_t micro = 0;

		if (need(im, 4 + (size_t)nf, "TIMESTAMP(fsp)"))
			return RC_ERR_FATAL;
		u = be(im->p, 4);
		if (nf)
			micro = frac_micros(be(im->p + 4, nf), nf);
		im->p += 4 + nf;
		if (rc_mysql_value_timestamp(col, def, (int64_t)u, micro, arena, v, err, errlen))
			return builder_fail(im, at);
		return 0;
	}
	case RC_MYT_BIT: {
		int nb = (meta >> 8) + ((meta & 0xff) ? 1 : 0);

		if (need(im, (size_t)nb, "BIT"))
			return RC_ERR_FATAL;
		u = be(im->p, nb);
		im->p += nb;
		if (rc_mysql_value_int(col, def, (int64_t)u, u, arena, v, err, errlen))
			return builder_fail(im, at);
		return 0;
	}
	case RC_MYT_ENUM:
	case RC_MYT_SET:
		n = meta & 0xff;
		if (n < 1 || n > 8 || (t->types[c] == RC_MYT_ENUM && n > 2))
			return row_fail(im, "%s of %d bytes", t->types[c] == RC_MYT_ENUM ? "ENUM" : "SET", n);
		if (need(im, (size_t)n, t->types[c] == RC_MYT_ENUM ? "ENUM" : "SET"))
			return RC_ERR_FATAL;
		u = le(im->p, n);
		im->p += n;
		if (rc_mysql_value_enum(col, def, u, arena, v, err, errlen))
			return builder_fail(im, at);
		return 0;
	case RC_MYT_STRING: {
		uint32_t maxlen = 0;

		/* a BINARY(n)'s trailing 0x00 pad is not in the binlog (Field_string::pack): the builder
		 * pads back to def->length, set from the same metadata */
		string_real_type(meta, &maxlen);
		if (prefixed(im, maxlen > 255 ? 2 : 1, &data, &len, "CHAR"))
			return RC_ERR_FATAL;
		goto bytes;
	}
	case RC_MYT_VARCHAR:
	case RC_MYT_VAR_STRING:
		if (prefixed(im, meta > 255 ? 2 : 1, &data, &len, "VARCHAR"))
			return RC_ERR_FATAL;
		goto bytes;
	case RC_MYT_BLOB:
	case RC_MYT_TINY_BLOB:
	case RC_MYT_MEDIUM_BLOB:
	case RC_MYT_LONG_BLOB:
	case RC_MYT_GEOMETRY:
	case RC_MYT_VECTOR:
		if (prefixed(im, meta, &data, &len,
		             t->types[c] == RC_MYT_GEOMETRY ? "GEOMETRY"
		             : t->types[c] == RC_MYT_VECTOR ? "VECTOR"
		                                            : "BLOB"))
			return RC_ERR_FATAL;
	bytes:
		if (rc_mysql_value_bytes(col, def, data, len, arena, v, err, errlen))
			return builder_fail(im, at);
		return 0;
	case RC_MYT_JSON:
		if (prefixed(im, meta, &data, &len, partial ? "JSON diff" : "JSON"))
			return RC_ERR_FATAL;
		if (partial) {
			/* Diffs need the document they apply to: without it in the before image
			 * (binlog_row_image=MINIMAL with PARTIAL_JSON) the new value cannot be known
			 * here, and is reported unavailable as an unchanged TOAST value is. */
			if (!before) {
				v->state = RC_V_UNCHANGED;
				return 0;
			}
			return json_value(im, col, at, before, beforelen, data, len, v);
		}
		if (raw) {
			*raw = data;
			*rawlen = len;
		}
		return json_value(im, col, at, data, len, NULL, 0, v);
	default:
		return row_fail(im, "binlog type %u cannot be read", t->types[c]);
	}
datetime:
	if (rc_mysql_value_datetime(col, def, &dt, arena, v, err, errlen))
		return builder_fail(im, at);
	return 0;
}

/* The JSON documents of a before image, for the partial updates of the after image. */
typedef struct json_docs {
	const uint8_t **p;
	size_t *len;
} json_docs_t;

/*
 * One image: [PARTIAL_UPDATE_ROWS after image: lenenc value options, with PARTIAL_JSON (1) a bitmap
 * of one bit per JSON column of the table, LSB first], a null bitmap over the present columns (LSB
 * first), then each present non-null value.
 */
static int read_image(image_t *im, const uint8_t *present, bool partial_after, json_docs_t *docs,
                      rc_value_t **out)
{
	const rc_mysql_table_t *t = im->it->t;
	uint32_t ncols = t->ncolumns, npresent = 0, k = 0, jk = 0;
	const uint8_t *nulls, *partial_bits = NULL;
	/* A before image records its JSON documents, the after image reads them for its diffs. */
	bool doc_out = docs && !partial_after, doc_in = docs && partial_after;
	rc_value_t *vals;

	im->col = UINT32_MAX;
	vals = rc_arena_alloc(im->arena, (ncols ? ncols : 1) * sizeof *vals);
	if (!vals)
		return row_fail(im, "out of memory");
	if (partial_after) {
		uint64_t opts = 0;
		uint8_t b;

		if (need(im, 1, "value options"))
			return RC_ERR_FATAL;
		b = im->p[0];
		if (b < 251) {
			opts = b;
			im->p += 1;
		} else if (b == 0xfc || b == 0xfd || b == 0xfe) {
			int nb = b == 0xfc ? 2 : b == 0xfd ? 3 : 8;

			if (need(im, 1 + (size_t)nb, "value options"))
				return RC_ERR_FATAL;
			opts = le(im->p + 1, nb);
			im->p += 1 + nb;
		} else {
			return row_fail(im, "value options start with 0x%02x", b);
		}
		if (opts & 1) {
			uint32_t njson = 0;

			for (uint32_t c = 0; c < ncols; c++)
				njson += t->types[c] == RC_MYT_JSON;
			if (need(im, (njson + 7) / 8, "partial JSON bitmap"))
				return RC_ERR_FATAL;
			partial_bits = im->p;
			im->p += (njson + 7) / 8;
		}
	}
	npresent = im->it->npresent[present == im->it->ev->u.rows.present ? 0 : 1];
	if (need(im, (npresent + 7) / 8, "null bitmap"))
		return RC_ERR_FATAL;
	nulls = im->p;
	im->p += (npresent + 7) / 8;
	for (uint32_t c = 0; c < ncols; c++) {
		bool is_json = t->types[c] == RC_MYT_JSON, partial = false;

		if (is_json && partial_bits)
			partial = (partial_bits[jk / 8] >> (jk % 8)) & 1;
		jk += is_json;
		if (!((present[c / 8] >> (c % 8)) & 1)) {
			vals[c].state = RC_V_UNCHANGED;
			continue;
		}
		im->col = c;
		if ((nulls[k / 8] >> (k % 8)) & 1) {
			vals[c].state = RC_V_NULL;
		} else if (read_value(im, c, &vals[c], partial, doc_in ? docs->p[c] : NULL,
		                      doc_in ? docs->len[c] : 0, doc_out ? &docs->p[c] : NULL,
		                      doc_out ? &docs->len[c] : NULL) != 0) {
			return RC_ERR_FATAL;
		}
		k++;
	}
	*out = vals;
	return 0;
}

void rc_binlog_rows_begin(rc_binlog_rows_iter_t *it, const rc_mysql_table_t *t, const rc_binlog_event_t *ev)
{
	it->t = t;
	it->ev = ev;
	it->p = ev->u.rows.rows;
	it->end = ev->u.rows.rows + ev->u.rows.rows_len;
	it->row = 0;
	it->npresent[0] = it->npresent[1] = 0;
	for (uint32_t c = 0; c < ev->u.rows.ncolumns; c++) {
		it->npresent[0] += (ev->u.rows.present[c / 8] >> (c % 8)) & 1;
		if (ev->u.rows.present_after)
			it->npresent[1] += (ev->u.rows.present_after[c / 8] >> (c % 8)) & 1;
	}
}

/* The operation of a rows event type, 0 for none. */
static rc_op_t type_op(int type)
{
	switch (type) {
	case RC_BINLOG_WRITE_ROWS_V1:
	case RC_BINLOG_WRITE_ROWS_V2:
	case RC_BINLOG_MARIA_WRITE_ROWS_COMPRESSED_V1:
	case RC_BINLOG_MARIA_WRITE_ROWS_COMPRESSED:
		return RC_OP_CREATE;
	case RC_BINLOG_UPDATE_ROWS_V1:
	case RC_BINLOG_UPDATE_ROWS_V2:
	case RC_BINLOG_PARTIAL_UPDATE_ROWS:
	case RC_BINLOG_MARIA_UPDATE_ROWS_COMPRESSED_V1:
	case RC_BINLOG_MARIA_UPDATE_ROWS_COMPRESSED:
		return RC_OP_UPDATE;
	case RC_BINLOG_DELETE_ROWS_V1:
	case RC_BINLOG_DELETE_ROWS_V2:
	case RC_BINLOG_MARIA_DELETE_ROWS_COMPRESSED_V1:
	case RC_BINLOG_MARIA_DELETE_ROWS_COMPRESSED:
		return RC_OP_DELETE;
	default:
		return (rc_op_t)0;
	}
}

int rc_binlog_rows_next(rc_binlog_rows_iter_t *it, rc_arena_t *arena, rc_op_t *op, rc_value_t **before,
                        rc_value_t **after, char *err, size_t errlen)
{
	const rc_binlog_rows_t *r = &it->ev->u.rows;
	image_t im = {.it = it,
	              .arena = arena,
	              .p = it->p,
	              .end = it->end,
	              .col = UINT32_MAX,
	              .err = err,
	              .errlen = errlen};
	bool partial = it->ev->type == RC_BINLOG_PARTIAL_UPDATE_ROWS;
	json_docs_t docs = {0}, *dp = NULL;

	*before = *after = NULL;
	if (it->p >= it->end)
		return 0;
	*op = type_op(it->ev->type);
	if (!*op)
		return row_fail(&im, "not a rows event");
	if (it->ev->kind != RC_BINLOG_K_ROWS || r->ncolumns != it->t->ncolumns)
		return row_fail(&im, "the event has %u columns, its TABLE_MAP %u", r->ncolumns,
		                it->t->ncolumns);
	if (partial) {
		docs.p = rc_arena_calloc(arena, it->t->ncolumns ? it->t->ncolumns : 1, sizeof *docs.p);
		docs.len = rc_arena_calloc(arena, it->t->ncolumns ? it->t->ncolumns : 1, sizeof *docs.len);
		if (!docs.p || !docs.len)
			return row_fail(&im, "out of memory");
		dp = &docs;
	}
	if (*op != RC_OP_CREATE && read_image(&im, r->present, false, dp, before) != 0)
		return RC_ERR_FATAL;
	if (*op != RC_OP_DELETE &&
	    read_image(&im, *op == RC_OP_UPDATE ? r->present_after : r->present, partial, dp, after) != 0)
		return RC_ERR_FATAL;
	/* An image of no columns takes no bytes: the same row again and again, never the end. */
	if (im.p == it->p)
		return row_fail(&im, "a row of no bytes (no column in its images)");
	it->p = im.p;
	it->row++;
	return 1;
}
