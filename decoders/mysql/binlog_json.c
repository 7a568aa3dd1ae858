/*
 * MySQL's binary JSON to text, and PARTIAL_JSON diffs applied: binlog_json.h. Written here because
 * no other branch provided it in this session (see the commit); the format, from MySQL's
 * sql-common/json_binary.h:
 *
 *   doc     ::= type value
 *   type    0x00 small object, 0x01 large object, 0x02 small array, 0x03 large array, 0x04 literal
 *           (0 null, 1 true, 2 false), 0x05 int16, 0x06 uint16, 0x07 int32, 0x08 uint32, 0x09 int64,
 *           0x0a uint64, 0x0b double, 0x0c string, 0x0f opaque (custom data)
 *   object  ::= count size key-entry* value-entry* keys values   (small: 2-byte count, size and
 *               offsets; large: 4-byte; offsets from the start of count)
 *   array   ::= count size value-entry* values
 *   key-entry   ::= key offset, Int2 key length
 *   value-entry ::= Int1 type, offset or the value itself when it fits (literal, int16, uint16;
 *                   int32, uint32 in large containers)
 *   string  ::= length (7 bits per byte, low first, high bit: more) bytes
 *   opaque  ::= Int1 MySQL field type, length as string, bytes
 *
 * Text as MySQL prints a JSON value: ", " and ": " separators, keys in stored order, doubles in
 * the shortest form that reads back the same (".0" added to integral ones, as MySQL does),
 * DECIMAL opaques as numbers, DATE/TIME/DATETIME/TIMESTAMP opaques as quoted strings, other opaques
 * as "base64:typeN:...".
 *
 * Diffs (Json_diff_vector::write_binary): per diff Int1 operation (0 REPLACE, 1 INSERT, 2 REMOVE),
 * lenenc path length, path ("$.a", "$[3]", "$.\"k y\"[0]"), and for REPLACE and INSERT lenenc value
 * length and a binary JSON value. The before document is parsed into a tree (arena), the diffs
 * applied to the tree, the tree printed.
 */
#include "config.h"

#include "decoders/mysql/binlog_json.h"

#include "agent/arena.h"
#include "agent/codec.h"
#include "agent/decimal.h"
#include "agent/errors.h"
#include "decoders/mysql/binlog_rows.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	J_SMALL_OBJ = 0x00,
	J_LARGE_OBJ = 0x01,
	J_SMALL_ARR = 0x02,
	J_LARGE_ARR = 0x03,
	J_LITERAL = 0x04,
	J_INT16 = 0x05,
	J_UINT16 = 0x06,
	J_INT32 = 0x07,
	J_UINT32 = 0x08,
	J_INT64 = 0x09,
	J_UINT64 = 0x0a,
	J_DOUBLE = 0x0b,
	J_STRING = 0x0c,
	J_OPAQUE = 0x0f,
};

/* A parsed value. Scalars keep their encoded bytes (printed from there); containers their items. */
typedef struct jnode {
	uint8_t type;     /* J_*; containers as J_SMALL_OBJ / J_SMALL_ARR */
	const uint8_t *p; /* scalar: its bytes (literal: one byte) */
	size_t len;
	struct jnode **items; /* containers */
	const uint8_t **keys; /* objects */
	uint16_t *klen;
	size_t n, cap;
} jnode_t;

typedef struct jctx {
	const uint8_t *base; /* the document, for offsets in messages */
	rc_arena_t *arena;
	char *err;
	size_t errlen;
	int depth;
} jctx_t;

__attribute__((format(printf, 3, 4))) static int jfail(jctx_t *j, const uint8_t *at, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(j->err, j->errlen, "binary JSON at byte %td: ", at - j->base);

	if (n >= 0 && (size_t)n < j->errlen) {
		va_start(ap, fmt);
		vsnprintf(j->err + n, j->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return RC_ERR_FATAL;
}

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The variable-length length of strings and opaques. */
static int varlen(jctx_t *j, const uint8_t *p, const uint8_t *end, uint64_t *v, size_t *used)
{
	*v = 0;
	for (size_t i = 0; i < 5; i++) {
		if (p + i >= end)
			return jfail(j, p, "length runs past the value");
		*v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*used = i + 1;
			return 0;
		}
	}
	return jfail(j, p, "length of more than 5 bytes");
}

static int parse(jctx_t *j, uint8_t type, const uint8_t *p, const uint8_t *end, jnode_t **out);

/* The scalar sizes, 0 for variable ones. */
static size_t fixed_size(uint8_t type)
{
	switch (type) {
	case J_LITERAL:
		return 1;
	case J_INT16:
	case J_UINT16:
		return 2;
	case J_INT32:
	case J_UINT32:
		return 4;
	case J_INT64:
	case J_UINT64:
	case J_DOUBLE:
		return 8;
	default:
		return 0;
	}
}

static int parse_container(jctx_t *j, uint8_t type, const uint8_t *p, const uint8_t *end, jnode_t *nd)
{
	bool large = type == J_LARGE_OBJ || type == J_LARGE_ARR;
	bool obj = type == J_SMALL_OBJ || type == J_LARGE_OBJ;
	int w = large ? 4 : 2;
	uint64_t count, size;
	size_t hdr, entry = (size_t)w + 1;

	if (++j->depth > RC_JSON_MAX_DEPTH)
		return jfail(j, p, "nested deeper than %d", RC_JSON_MAX_DEPTH);
	if ((size_t)(end - p) < (size_t)(2 * w))
		return jfail(j, p, "container header runs past the value");
	count = le(p, w);
	size = le(p + w, w);
	if (size > (uint64_t)(end - p) || size < (uint64_t)(2 * w))
		return jfail(j, p, "container of %" PRIu64 " bytes, %td there", size, end - p);
	end = p + size;
	hdr = (size_t)(2 * w) + (size_t)count * ((obj ? (size_t)w + 2 : 0) + entry);
	if (count > size || hdr > size)
		return jfail(j, p, "%" PRIu64 " elements cannot fit in %" PRIu64 " bytes", count, size);
	nd->type = obj ? J_SMALL_OBJ : J_SMALL_ARR;
	nd->n = nd->cap = (size_t)count;
	nd->items = rc_arena_calloc(j->arena, count ? (size_t)count : 1, sizeof *nd->items);
	if (obj) {
		nd->keys = rc_arena_calloc(j->arena, count ? (size_t)count : 1, sizeof *nd->keys);
		nd->klen = rc_arena_calloc(j->arena, count ? (size_t)count : 1, sizeof *nd->klen);
	}
	if (!nd->items || (obj && (!nd->keys || !nd->klen)))
		return jfail(j, p, "out of memory");
	for (size_t i = 0; i < count; i++) {
		const uint8_t *ve = p + 2 * w + (obj ? count * ((size_t)w + 2) : 0) + i * entry;
		uint8_t vt = ve[0];

		if (obj) {
			const uint8_t *ke = p + 2 * w + i * ((size_t)w + 2);
			uint64_t ko = le(ke, w), kl = le(ke + w, 2);

			if (ko > size || kl > size - ko)
				return jfail(j, ke,
				             "key %zu at %" PRIu64 " (%" PRIu64 " bytes) outside the object",
				             i, ko, kl);
			nd->keys[i] = p + ko;
			nd->klen[i] = (uint16_t)kl;
		}
		if (vt == J_LITERAL || vt == J_INT16 || vt == J_UINT16 ||
		    (large && (vt == J_INT32 || vt == J_UINT32))) {
			jnode_t *s = rc_arena_calloc(j->arena, 1, sizeof *s);

			if (!s)
				return jfail(j, ve, "out of memory");
			s->type = vt;
			s->p = ve + 1;
			s->len = fixed_size(vt);
			nd->items[i] = s;
		} else {
			uint64_t off = le(ve + 1, w);

			if (off >= size)
				return jfail(j, ve, "value %zu at offset %" PRIu64 " outside the container",
				             i, off);
			if (parse(j, vt, p + off, end, &nd->items[i]))
				return RC_ERR_FATAL;
		}
	}
	j->depth--;
	return 0;
}

static int parse(jctx_t *j, uint8_t type, const uint8_t *p, const uint8_t *end, jnode_t **out)
{
	jnode_t *nd = rc_arena_calloc(j->arena, 1, sizeof *nd);
	size_t fs = fixed_size(type), used;
	uint64_t n;

	if (!nd)
		return jfail(j, p, "out of memory");
	*out = nd;
	nd->type = type;
	switch (type) {
	case J_SMALL_OBJ:
	case J_LARGE_OBJ:
	case J_SMALL_ARR:
	case J_LARGE_ARR:
		return parse_container(j, type, p, end, nd);
	case J_STRING:
		if (varlen(j, p, end, &n, &used))
			return RC_ERR_FATAL;
		if (n > (uint64_t)(end - p - (ptrdiff_t)used))
			return jfail(j, p, "string of %" PRIu64 " bytes runs past the value", n);
		nd->p = p + used;
		nd->len = (size_t)n;
		return 0;
	case J_OPAQUE:
		if (end - p < 2)
			return jfail(j, p, "opaque value runs past the value");
		if (varlen(j, p + 1, end, &n, &used))
			return RC_ERR_FATAL;
		if (n > (uint64_t)(end - p - 1 - (ptrdiff_t)used))
			return jfail(j, p, "opaque value of %" PRIu64 " bytes runs past the value", n);
		nd->p = p; /* field type, length, bytes */
		nd->len = 1 + used + (size_t)n;
		return 0;
	default:
		if (!fs)
			return jfail(j, p - 1, "type 0x%02x unknown", type);
		if ((size_t)(end - p) < fs)
			return jfail(j, p, "value of type 0x%02x runs past the document", type);
		if (type == J_LITERAL && p[0] > 2)
			return jfail(j, p, "literal %u unknown", p[0]);
		nd->p = p;
		nd->len = fs;
		return 0;
	}
}

/* --- Text ----------------------------------------------------------------------------------------- */

static void put_string(rc_buf_t *out, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	rc_buf_putc(out, '"');
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];

		switch (c) {
		case '"':
			rc_buf_puts(out, "\\\"");
			break;
		case '\\':
			rc_buf_puts(out, "\\\\");
			break;
		case '\b':
			rc_buf_puts(out, "\\b");
			break;
		case '\f':
			rc_buf_puts(out, "\\f");
			break;
		case '\n':
			rc_buf_puts(out, "\\n");
			break;
		case '\r':
			rc_buf_puts(out, "\\r");
			break;
		case '\t':
			rc_buf_puts(out, "\\t");
			break;
		default:
			if (c < 0x20) {
				rc_buf_puts(out, "\\u00");
				rc_buf_putc(out, (unsigned char)hex[c >> 4]);
				rc_buf_putc(out, (unsigned char)hex[c & 15]);
			} else {
				rc_buf_putc(out, c);
			}
		}
	}
	rc_buf_putc(out, '"');
}

static void put_double(rc_buf_t *out, double d)
{
	char s[40];

	for (int prec = 15; prec <= 17; prec++) {
		snprintf(s, sizeof s, "%.*g", prec, d);
		if (strtod(s, NULL) == d)
			break;
	}
	/* "1e+300", "1e-07" as MySQL writes them: "1e300", "1e-7" */
	{
		char *e = strchr(s, 'e');

		if (e) {
			char *dst = e + 1, *src = e + 1;

			if (*src == '+')
				src++;
			else if (*src == '-')
				*dst++ = *src++;
			while (*src == '0' && src[1])
				src++;
			memmove(dst, src, strlen(src) + 1);
		}
	}
	rc_buf_puts(out, s);
	if (!strpbrk(s, ".en")) /* integral: MySQL writes 1.0 */
		rc_buf_puts(out, ".0");
}

/* The packed DATETIME/TIME longlong of MySQL (my_time.h): int part << 24 | microseconds. */
static void put_temporal(rc_buf_t *out, uint8_t field_type, int64_t packed)
{
	bool neg = packed < 0;
	uint64_t v = neg ? (uint64_t)-packed : (uint64_t)packed;
	uint64_t ip = v >> 24, micro = v % (1u << 24);

	rc_buf_putc(out, '"');
	if (field_type == 11) { /* TIME */
		rc_buf_printf(out, "%s%02u:%02u:%02u.%06u", neg ? "-" : "",
		              (unsigned)((ip >> 12) % (1 << 10)), (unsigned)((ip >> 6) % 64),
		              (unsigned)(ip % 64), (unsigned)micro);
	} else {
		uint64_t ymd = ip >> 17, ym = ymd >> 5, hms = ip % (1 << 17);

		rc_buf_printf(out, "%04u-%02u-%02u", (unsigned)(ym / 13), (unsigned)(ym % 13),
		              (unsigned)(ymd % 32));
		if (field_type != 10 && field_type != 14) /* not DATE */
			rc_buf_printf(out, " %02u:%02u:%02u.%06u", (unsigned)(hms >> 12),
			              (unsigned)((hms >> 6) % 64), (unsigned)(hms % 64), (unsigned)micro);
	}
	rc_buf_putc(out, '"');
}

static int put_opaque(jctx_t *j, rc_buf_t *out, const jnode_t *nd)
{
	uint8_t ft = nd->p[0];
	size_t used = nd->len, n;
	const uint8_t *data;
	uint64_t len;

	varlen(j, nd->p + 1, nd->p + nd->len, &len, &used);
	data = nd->p + 1 + used;
	n = (size_t)len;
	if (ft == 246 && n >= 2) { /* DECIMAL: precision, scale, decimal2bin */
		rc_decimal_t dec;
		const char *why = NULL;
		int prec = data[0], scale = data[1];

		if (prec >= 1 && prec <= 65 && scale <= prec &&
		    rc_binlog_decimal_size(prec, scale) == n - 2 &&
		    rc_binlog_decimal_decode(data + 2, prec, scale, j->arena, &dec, &why) == 0) {
			char *s = rc_decimal_to_string(&dec, RC_DECIMAL_PLAIN, j->arena);

			if (!s)
				return jfail(j, nd->p, "out of memory");
			rc_buf_puts(out, s);
			return 0;
		}
		return jfail(j, nd->p, "DECIMAL opaque value does not decode");
	}
	if ((ft == 10 || ft == 11 || ft == 12 || ft == 7 || ft == 14 || ft == 17 || ft == 18 || ft == 19) &&
	    n == 8) {
		put_temporal(out,
		             ft == 19                          ? 11
		             : ft == 17 || ft == 18 || ft == 7 ? 12
		                                               : ft,
		             (int64_t)le(data, 8));
		return 0;
	}
	rc_buf_printf(out, "\"base64:type%u:", ft);
	{
		char *b64 = rc_arena_alloc(j->arena, (n + 2) / 3 * 4 + 1);
		static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		size_t k = 0;

		if (!b64)
			return jfail(j, nd->p, "out of memory");
		for (size_t i = 0; i < n; i += 3) {
			uint32_t v = (uint32_t)data[i] << 16 | (i + 1 < n ? (uint32_t)data[i + 1] << 8 : 0) |
			             (i + 2 < n ? data[i + 2] : 0);

			b64[k++] = tbl[v >> 18];
			b64[k++] = tbl[(v >> 12) & 63];
			b64[k++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
			b64[k++] = i + 2 < n ? tbl[v & 63] : '=';
		}
		rc_buf_append(out, b64, k);
	}
	rc_buf_putc(out, '"');
	return 0;
}

static int print(jctx_t *j, rc_buf_t *out, const jnode_t *nd)
{
	uint64_t u;

	switch (nd->type) {
	case J_SMALL_OBJ:
		rc_buf_putc(out, '{');
		for (size_t i = 0; i < nd->n; i++) {
			if (i)
				rc_buf_puts(out, ", ");
			put_string(out, nd->keys[i], nd->klen[i]);
			rc_buf_puts(out, ": ");
			if (print(j, out, nd->items[i]))
				return RC_ERR_FATAL;
		}
		rc_buf_putc(out, '}');
		return 0;
	case J_SMALL_ARR:
		rc_buf_putc(out, '[');
		for (size_t i = 0; i < nd->n; i++) {
			if (i)
				rc_buf_puts(out, ", ");
			if (print(j, out, nd->items[i]))
				return RC_ERR_FATAL;
		}
		rc_buf_putc(out, ']');
		return 0;
	case J_LITERAL:
		rc_buf_puts(out, nd->p[0] == 0 ? "null" : nd->p[0] == 1 ? "true" : "false");
		return 0;
	case J_INT16:
		rc_buf_printf(out, "%d", (int16_t)le(nd->p, 2));
		return 0;
	case J_UINT16:
		rc_buf_printf(out, "%u", (unsigned)le(nd->p, 2));
		return 0;
	case J_INT32:
		rc_buf_printf(out, "%" PRId32, (int32_t)le(nd->p, 4));
		return 0;
	case J_UINT32:
		rc_buf_printf(out, "%" PRIu32, (uint32_t)le(nd->p, 4));
		return 0;
	case J_INT64:
		rc_buf_printf(out, "%" PRId64, (int64_t)le(nd->p, 8));
		return 0;
	case J_UINT64:
		rc_buf_printf(out, "%" PRIu64, le(nd->p, 8));
		return 0;
	case J_DOUBLE: {
		double d;

		u = le(nd->p, 8);
		memcpy(&d, &u, 8);
		put_double(out, d);
		return 0;
	}
	case J_STRING:
		put_string(out, nd->p, nd->len);
		return 0;
	case J_OPAQUE:
		return put_opaque(j, out, nd);
	default:
		return jfail(j, nd->p, "type 0x%02x cannot be printed", nd->type);
	}
}

/* A whole document: type byte, value. An empty one is the JSON null MySQL writes for it. */
static int parse_doc(jctx_t *j, const uint8_t *buf, size_t len, jnode_t **out)
{
	static const uint8_t null_literal = 0;

	if (len == 0) {
		jnode_t *nd = rc_arena_calloc(j->arena, 1, sizeof *nd);

		if (!nd)
			return jfail(j, buf, "out of memory");
		nd->type = J_LITERAL;
		nd->p = &null_literal;
		nd->len = 1;
		*out = nd;
		return 0;
	}
	return parse(j, buf[0], buf + 1, buf + len, out);
}

int rc_json_binary_to_text(const uint8_t *buf, size_t len, rc_buf_t *out, char *err, size_t errlen)
{
	rc_arena_t arena;
	jctx_t j = {.base = buf, .arena = &arena, .err = err, .errlen = errlen};
	jnode_t *root;
	int rc;

	rc_arena_init(&arena, 0);
	rc = parse_doc(&j, buf, len, &root);
	if (rc == 0)
		rc = print(&j, out, root);
	rc_arena_destroy(&arena);
	return rc;
}

/* --- Diffs ---------------------------------------------------------------------------------------- */

typedef struct leg {
	bool is_index;
	size_t index;
	const uint8_t *key;
	size_t klen;
} leg_t;

/* "$", then ".key", ".\"quoted key\"" or "[n]" legs (the canonical paths MySQL writes in diffs). */
static int parse_path(jctx_t *j, const uint8_t *p, size_t n, leg_t *legs, size_t *nlegs, size_t max)
{
	size_t i = 1, k = 0;

	if (n < 1 || p[0] != '$')
		return jfail(j, p, "path does not start with $");
	while (i < n) {
		if (k == max)
			return jfail(j, p, "path of more than %zu legs", max);
		if (p[i] == '.') {
			i++;
			if (i < n && p[i] == '"') {
				size_t s = ++i;
				uint8_t *key;
				size_t kl = 0;

				key = rc_arena_alloc(j->arena, n);
				if (!key)
					return jfail(j, p, "out of memory");
				while (i < n && p[i] != '"') {
					if (p[i] == '\\' && i + 1 < n)
						i++;
					key[kl++] = p[i++];
				}
				if (i >= n)
					return jfail(j, p + s, "unterminated key in the path");
				i++;
				legs[k].key = key;
				legs[k].klen = kl;
			} else {
				size_t s = i;

				while (i < n && p[i] != '.' && p[i] != '[')
					i++;
				legs[k].key = p + s;
				legs[k].klen = i - s;
			}
			legs[k++].is_index = false;
		} else if (p[i] == '[') {
			size_t v = 0, s = ++i;

			while (i < n && p[i] >= '0' && p[i] <= '9')
				v = v * 10 + (size_t)(p[i++] - '0');
			if (i == s || i >= n || p[i] != ']')
				return jfail(j, p + s, "array index in the path is not a number");
			i++;
			legs[k].is_index = true;
			legs[k++].index = v;
		} else {
			return jfail(j, p + i, "path leg starts with '%c'", p[i]);
		}
	}
	*nlegs = k;
	return 0;
}

/* MySQL keeps object keys sorted by length, then bytes: a new key goes where MySQL would put it. */
static int key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	if (al != bl)
		return al < bl ? -1 : 1;
	return memcmp(a, b, al);
}

static int grow(jctx_t *j, jnode_t *nd)
{
	size_t cap = nd->n + 4;
	jnode_t **items = rc_arena_calloc(j->arena, cap, sizeof *items);
	const uint8_t **keys = nd->keys ? rc_arena_calloc(j->arena, cap, sizeof *keys) : NULL;
	uint16_t *klen = nd->keys ? rc_arena_calloc(j->arena, cap, sizeof *klen) : NULL;

	if (!items || (nd->keys && (!keys || !klen)))
		return -1;
	memcpy(items, nd->items, nd->n * sizeof *items);
	if (nd->keys) {
		memcpy(keys, nd->keys, nd->n * sizeof *keys);
		memcpy(klen, nd->klen, nd->n * sizeof *klen);
		nd->keys = keys;
		nd->klen = klen;
	}
	nd->items = items;
	nd->cap = cap;
	return 0;
}

static int apply_one(jctx_t *j, jnode_t *root, int op, const leg_t *legs, size_t nlegs, jnode_t *val,
                     const uint8_t *at)
{
	jnode_t *parent = root;
	const leg_t *last;
	size_t i, pos;

	if (nlegs == 0) {
		if (op != 0)
			return jfail(j, at, "diff operation %d on the whole document", op);
		*root = *val;
		return 0;
	}
	for (i = 0; i + 1 < nlegs; i++) {
		const leg_t *lg = &legs[i];
		size_t k;

		if (lg->is_index) {
			if (parent->type != J_SMALL_ARR || lg->index >= parent->n)
				return jfail(j, at, "path leg %zu: no element [%zu]", i + 1, lg->index);
			parent = parent->items[lg->index];
		} else {
			if (parent->type != J_SMALL_OBJ)
				return jfail(j, at, "path leg %zu: not an object", i + 1);
			for (k = 0; k < parent->n; k++)
				if (key_cmp(parent->keys[k], parent->klen[k], lg->key, lg->klen) == 0)
					break;
			if (k == parent->n)
				return jfail(j, at, "path leg %zu: no key \"%.*s\"", i + 1, (int)lg->klen,
				             lg->key);
			parent = parent->items[k];
		}
	}
	last = &legs[nlegs - 1];
	if (last->is_index) {
		if (parent->type != J_SMALL_ARR)
			return jfail(j, at, "last path leg: not an array");
		pos = last->index;
		if (op == 1) { /* INSERT: at the index, or appended past the end */
			if (pos > parent->n)
				pos = parent->n;
			if (parent->n == parent->cap && grow(j, parent))
				return jfail(j, at, "out of memory");
			memmove(parent->items + pos + 1, parent->items + pos,
			        (parent->n - pos) * sizeof *parent->items);
			parent->items[pos] = val;
			parent->n++;
			return 0;
		}
		if (pos >= parent->n)
			return jfail(j, at, "no element [%zu] to %s", pos, op == 0 ? "replace" : "remove");
		if (op == 0) {
			parent->items[pos] = val;
		} else {
			memmove(parent->items + pos, parent->items + pos + 1,
			        (parent->n - pos - 1) * sizeof *parent->items);
			parent->n--;
		}
		return 0;
	}
	if (parent->type != J_SMALL_OBJ)
		return jfail(j, at, "last path leg: not an object");
	for (pos = 0; pos < parent->n; pos++) {
		int c = key_cmp(parent->keys[pos], parent->klen[pos], last->key, last->klen);

		if (c == 0)
			break;
		if (c > 0 && op == 1)
			break;
	}
	if (op == 1) {
		if (pos < parent->n &&
		    key_cmp(parent->keys[pos], parent->klen[pos], last->key, last->klen) == 0) {
			parent->items[pos] = val;
			return 0;
		}
		if (parent->n == parent->cap && grow(j, parent))
			return jfail(j, at, "out of memory");
		memmove(parent->items + pos + 1, parent->items + pos,
		        (parent->n - pos) * sizeof *parent->items);
		memmove(parent->keys + pos + 1, parent->keys + pos, (parent->n - pos) * sizeof *parent->keys);
		memmove(parent->klen + pos + 1, parent->klen + pos, (parent->n - pos) * sizeof *parent->klen);
		parent->items[pos] = val;
		parent->keys[pos] = last->key;
		parent->klen[pos] = (uint16_t)last->klen;
		parent->n++;
		return 0;
	}
	if (pos == parent->n)
		return jfail(j, at, "no key \"%.*s\" to %s", (int)last->klen, last->key,
		             op == 0 ? "replace" : "remove");
	if (op == 0) {
		parent->items[pos] = val;
	} else {
		memmove(parent->items + pos, parent->items + pos + 1,
		        (parent->n - pos - 1) * sizeof *parent->items);
		memmove(parent->keys + pos, parent->keys + pos + 1,
		        (parent->n - pos - 1) * sizeof *parent->keys);
		memmove(parent->klen + pos, parent->klen + pos + 1,
		        (parent->n - pos - 1) * sizeof *parent->klen);
		parent->n--;
	}
	return 0;
}

/* A lenenc integer of the diff format. */
static int lenenc(jctx_t *j, const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	const uint8_t *q = *p;
	int n;

	if (q >= end)
		return jfail(j, q, "diff runs past its length");
	if (q[0] < 251) {
		*v = q[0];
		*p = q + 1;
		return 0;
	}
	n = q[0] == 0xfc ? 2 : q[0] == 0xfd ? 3 : q[0] == 0xfe ? 8 : 0;
	if (!n || end - q - 1 < n)
		return jfail(j, q, "bad length 0x%02x in the diff", q[0]);
	*v = le(q + 1, n);
	*p = q + 1 + n;
	return 0;
}

int rc_json_apply_diffs(const uint8_t *before, size_t blen, const uint8_t *diff, size_t len, rc_buf_t *out,
                        char *err, size_t errlen)
{
	rc_arena_t arena;
	jctx_t j = {.base = before, .arena = &arena, .err = err, .errlen = errlen};
	const uint8_t *p = diff, *end = diff + len;
	jnode_t *root;
	int rc;
	size_t ndiff = 0;

	rc_arena_init(&arena, 0);
	rc = parse_doc(&j, before, blen, &root);
	j.base = diff;
	while (rc == 0 && p < end) {
		leg_t legs[64];
		size_t nlegs = 0;
		uint64_t plen = 0, vlen = 0;
		jnode_t *val = NULL;
		const uint8_t *at = p;
		int op = *p++;

		ndiff++;
		if (op > 2) {
			rc = jfail(&j, at, "diff %zu: operation %d unknown", ndiff, op);
			break;
		}
		if ((rc = lenenc(&j, &p, end, &plen)) != 0)
			break;
		if (plen > (uint64_t)(end - p)) {
			rc = jfail(&j, p, "diff %zu: path of %" PRIu64 " bytes runs past the diffs", ndiff,
			           plen);
			break;
		}
		if ((rc = parse_path(&j, p, (size_t)plen, legs, &nlegs, 64)) != 0)
			break;
		p += plen;
		if (op != 2) {
			const uint8_t *vbase;

			if ((rc = lenenc(&j, &p, end, &vlen)) != 0)
				break;
			if (vlen == 0 || vlen > (uint64_t)(end - p)) {
				rc = jfail(&j, p, "diff %zu: value of %" PRIu64 " bytes", ndiff, vlen);
				break;
			}
			vbase = p;
			if ((rc = parse(&j, vbase[0], vbase + 1, vbase + vlen, &val)) != 0)
				break;
			p += vlen;
		}
		rc = apply_one(&j, root, op, legs, nlegs, val, at);
	}
	if (rc == 0)
		rc = print(&j, out, root);
	rc_arena_destroy(&arena);
	return rc;
}
