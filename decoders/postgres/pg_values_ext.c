/* Semantic PostgreSQL values (pg_values_ext.h) and unchanged TOAST placeholders (pg_types.h). */
#include "config.h"

#include "decoders/postgres/pg_values_ext.h"

#include "agent/codec.h"
#include "decoders/postgres/pg_datetime.h"
#include "decoders/postgres/pg_types.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int set_bytes(rc_value_t *out, const void *p, size_t len, int32_t scale)
{
	out->u.bytes.ptr = p;
	out->u.bytes.len = len;
	out->u.bytes.scale = scale;
	out->state = RC_V_SET;
	return 0;
}

/* ---- point --------------------------------------------------------------------------------- */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

int rc_pg_strtod_c(const char *buf, bool single, double *out, char **end)
{
	pthread_once(&c_locale_once, c_locale_init);
	if (!c_locale)
		return -1;
	*out = single ? (double)strtof_l(buf, end, c_locale) : strtod_l(buf, end, c_locale);
	return 0;
}

/* A double of exactly len bytes, as Java's Double.parseDouble reads PostgreSQL's float8 text. */
static int parse_double(const char *s, size_t len, double *out)
{
	char buf[64], *end;

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (rc_pg_strtod_c(buf, false, out, &end) != 0)
		return -1;
	return end == buf + len ? 0 : -1;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put_le_double(unsigned char *p, double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof u);
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(u >> (8 * i));
}

int rc_pg_conv_point(const char *s, size_t len, rc_arena_t *arena, rc_value_t *out)
{
	const char *comma;
	unsigned char *wkb;
	double x, y;

	if (len < 5 || s[0] != '(' || s[len - 1] != ')')
		return RC_PG_EXT_BAD;
	comma = memchr(s, ',', len);
	if (!comma || parse_double(s + 1, (size_t)(comma - s - 1), &x) != 0 ||
	    parse_double(comma + 1, (size_t)(s + len - 1 - comma - 1), &y) != 0)
		return RC_PG_EXT_BAD;
	wkb = rc_arena_alloc(arena, 21);
	if (!wkb)
		return RC_PG_EXT_OOM;
	wkb[0] = 1; /* little-endian */
	put_le32(wkb + 1, 1);
	put_le_double(wkb + 5, x);
	put_le_double(wkb + 13, y);
	return set_bytes(out, wkb, 21, 0);
}

/* ---- PostGIS ------------------------------------------------------------------------------- */

static uint32_t get32(const unsigned char *p, bool le)
{
	return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
	          : (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

int rc_pg_conv_ewkb(const char *s, size_t len, rc_arena_t *arena, rc_value_t *out)
{
	unsigned char *b;
	size_t n = len / 2;
	int32_t srid = 0;
	bool le;

	if (len % 2 != 0 || n < 5)
		return RC_PG_EXT_BAD;
	b = rc_arena_alloc(arena, n);
	if (!b)
		return RC_PG_EXT_OOM;
	if (rc_codec_hex_decode(s, len, b) != 0)
		return RC_PG_EXT_BAD;
	le = b[0] != 0;
	if (get32(b + 1, le) & 0x20000000u) { /* EWKB's SRID flag: the SRID follows the type */
		if (n < 9)
			return RC_PG_EXT_BAD;
		srid = (int32_t)get32(b + 5, le);
	}
	return set_bytes(out, b, n, srid);
}

/* ---- hstore -------------------------------------------------------------------------------- */

typedef struct hs_item {
	const char *k, *v; /* v NULL: SQL NULL */
	size_t klen, vlen;
	uint32_t hash; /* Java's HashMap.hash(key) */
	size_t order;  /* position in the text */
} hs_item_t;

/* One token: "quoted with \" and \\ escapes" or bare up to a blank, ',' or '=>'. *isnull for a
 * bare NULL. The unescaped text goes to buf (at least len bytes). */
static int hs_token(const char *s, size_t len, size_t *i, char *buf, size_t *blen, bool *isnull)
{
	size_t w = 0;

	*isnull = false;
	if (*i < len && s[*i] == '"') {
		(*i)++;
		while (*i < len && s[*i] != '"') {
			if (s[*i] == '\\' && ++*i == len)
				return -1;
			buf[w++] = s[(*i)++];
		}
		if (*i == len)
			return -1;
		(*i)++;
	} else {
		while (*i < len && s[*i] != ' ' && s[*i] != ',' && s[*i] != '=' && s[*i] != '"') {
			if (s[*i] == '\\' && ++*i == len)
				return -1;
			buf[w++] = s[(*i)++];
		}
		if (w == 0)
			return -1;
		*isnull = w == 4 && strncasecmp(buf, "NULL", 4) == 0;
	}
	*blen = w;
	return 0;
}

static void hs_blanks(const char *s, size_t len, size_t *i)
{
	while (*i < len && (s[*i] == ' ' || s[*i] == '\t' || s[*i] == '\n' || s[*i] == '\r'))
		(*i)++;
}

/* String.hashCode over the UTF-16 code units of UTF-8 text (invalid bytes count as themselves),
 * spread as HashMap.hash does. */
static uint32_t java_hash(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	uint32_t h = 0;

	for (size_t i = 0; i < n;) {
		uint32_t cp = s[i];
		size_t k = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : cp >= 0xc0 ? 1 : 0;

		if (k > 0 && i + k < n) { /* a whole UTF-8 sequence */
			cp &= 0x3fu >> k;
			for (size_t j = 1; j <= k; j++)
				cp = cp << 6 | (s[i + j] & 0x3f);
			i += k + 1;
		} else {
			i++;
		}
		if (cp > 0xffff) {
			cp -= 0x10000;
			h = 31 * h + (0xd800 + (cp >> 10));
			h = 31 * h + (0xdc00 + (cp & 0x3ff));
		} else {
			h = 31 * h + cp;
		}
	}
	return h ^ (h >> 16);
}

/* The capacity of a HashMap after n puts from empty: 16, doubled while n exceeds 3/4 of it. Its
 * iteration order is then bucket by bucket, insertion order within one. (A bucket of 8 or more keys
 * makes Java resize early, or build a tree whose order differs; hash collisions that dense are left
 * out here.) */
static size_t java_capacity(size_t n)
{
	size_t cap = 16;

	while (n > cap / 4 * 3)
		cap *= 2;
	return cap;
}

static size_t hs_cap; /* the sort's capacity: qsort has no context argument; set under hs_lock */
static pthread_mutex_t hs_lock = PTHREAD_MUTEX_INITIALIZER;

static int hs_cmp(const void *a, const void *b)
{
	const hs_item_t *x = a, *y = b;
	size_t bx = x->hash & (hs_cap - 1), by = y->hash & (hs_cap - 1);

	if (bx != by)
		return bx < by ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Appends a JSON string as Jackson writes it: \" \\ \b \t \n \f \r, other controls \u00XX. */
static size_t json_str(char *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t w = 0;

	o[w++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = c == '"'    ? "\\\""
		                  : c == '\\' ? "\\\\"
		                  : c == '\b' ? "\\b"
		                  : c == '\t' ? "\\t"
		                  : c == '\n' ? "\\n"
		                  : c == '\f' ? "\\f"
		                  : c == '\r' ? "\\r"
		                              : NULL;
		if (esc) {
			memcpy(o + w, esc, 2);
			w += 2;
		} else if (c < 0x20) {
			memcpy(o + w, "\\u00", 4);
			o[w + 4] = hex[c >> 4];
			o[w + 5] = hex[c & 15];
			w += 6;
		} else {
			o[w++] = (char)c;
		}
	}
	o[w++] = '"';
	return w;
}

char *rc_pg_hstore_json_pair(const char *key, size_t klen, const char *val, size_t vlen, rc_arena_t *arena)
{
	char *o = rc_arena_alloc(arena, 6 * (klen + vlen) + 8);
	size_t w = 0;

	if (!o)
		return NULL;
	o[w++] = '{';
	w += json_str(o + w, key, klen);
	o[w++] = ':';
	w += json_str(o + w, val, vlen);
	o[w++] = '}';
	o[w] = '\0';
	return o;
}

int rc_pg_conv_hstore(const char *s, size_t len, bool json, rc_arena_t *arena, rc_value_t *out)
{
	size_t i = 0, n = 0, cap = 1;
	hs_item_t *items;
	char *buf;

	for (size_t k = 0; k < len; k++)
		cap += s[k] == '>';
	items = rc_arena_calloc(arena, cap, sizeof *items);
	buf = rc_arena_alloc(arena, len + 1);
	if (!items || !buf)
		return RC_PG_EXT_OOM;
	hs_blanks(s, len, &i);
	while (i < len) {
		size_t klen, vlen;
		bool knull, vnull;
		char *k = buf, *v;

		if (n == cap || hs_token(s, len, &i, k, &klen, &knull) != 0 || knull)
			return RC_PG_EXT_BAD;
		buf += klen;
		hs_blanks(s, len, &i);
		if (i + 1 >= len || s[i] != '=' || s[i + 1] != '>')
			return RC_PG_EXT_BAD;
		i += 2;
		hs_blanks(s, len, &i);
		v = buf;
		if (hs_token(s, len, &i, v, &vlen, &vnull) != 0)
			return RC_PG_EXT_BAD;
		buf += vlen;
		items[n] = (hs_item_t){
		    .k = k, .klen = klen, .v = vnull ? NULL : v, .vlen = vnull ? 0 : vlen, .order = n};
		items[n].hash = java_hash(k, klen);
		n++;
		hs_blanks(s, len, &i);
		if (i < len) {
			if (s[i] != ',')
				return RC_PG_EXT_BAD;
			i++;
			hs_blanks(s, len, &i);
		}
	}
	if (!json) {
		rc_value_t *kv = rc_arena_calloc(arena, n ? 2 * n : 1, sizeof *kv);
		if (!kv)
			return RC_PG_EXT_OOM;
		for (size_t k = 0; k < n; k++) {
			char *ks = rc_arena_strndup(arena, items[k].k, items[k].klen);
			char *vs = items[k].v ? rc_arena_strndup(arena, items[k].v, items[k].vlen) : NULL;
			if (!ks || (items[k].v && !vs))
				return RC_PG_EXT_OOM;
			set_bytes(&kv[2 * k], ks, items[k].klen, 0);
			if (vs)
				set_bytes(&kv[2 * k + 1], vs, items[k].vlen, 0);
			else
				kv[2 * k + 1].state = RC_V_NULL;
		}
		out->u.array.items = kv;
		out->u.array.n = 2 * n;
		out->state = RC_V_SET;
		return 0;
	}
	{
		size_t need = 3, w = 0;
		char *o;
		for (size_t k = 0; k < n; k++)
			need += 6 * (items[k].klen + items[k].vlen) + 8;
		o = rc_arena_alloc(arena, need);
		if (!o)
			return RC_PG_EXT_OOM;
		pthread_mutex_lock(&hs_lock);
		hs_cap = java_capacity(n);
		qsort(items, n, sizeof *items, hs_cmp);
		pthread_mutex_unlock(&hs_lock);
		o[w++] = '{';
		for (size_t k = 0; k < n; k++) {
			if (k)
				o[w++] = ',';
			w += json_str(o + w, items[k].k, items[k].klen);
			o[w++] = ':';
			if (items[k].v) {
				w += json_str(o + w, items[k].v, items[k].vlen);
			} else {
				memcpy(o + w, "null", 4);
				w += 4;
			}
		}
		o[w++] = '}';
		o[w] = '\0';
		return set_bytes(out, o, w, 0);
	}
}

/* ---- intervals ----------------------------------------------------------------------------- */

/* pgjdbc's PGInterval.getSeconds() of the seconds part of a time of day in µs (sign included). */
static double pginterval_seconds(int64_t secs_us)
{
	return (double)(secs_us / 1000000) + (double)(secs_us % 1000000) / 1e6;
}

int64_t rc_pg_interval_micros(int64_t months, int64_t days, int64_t us, bool *clamped)
{
	/* Each step stored, so that no compiler fuses a multiply and an add (Java rounds each) */
	volatile double d;
	int64_t hours = us / INT64_C(3600000000), minutes = us % INT64_C(3600000000) / 60000000;
	int32_t ym = (int32_t)((uint32_t)(int32_t)(months / 12) * 12u + (uint32_t)(int32_t)(months % 12));

	d = (double)ym * (365.25 / 12.0);
	d = d + (double)days;
	d = d * 24;
	d = d + (double)hours;
	d = d * 60;
	d = d + (double)minutes;
	d = d * 60;
	d = d + pginterval_seconds(us % 60000000);
	d = d * 1e6;
	*clamped = false;
	if (d != d)
		return 0;
	if (d >= 9223372036854775807.0) {
		*clamped = true;
		return INT64_MAX;
	}
	if (d <= -9223372036854775808.0) {
		*clamped = d < -9223372036854775808.0;
		return INT64_MIN;
	}
	return (int64_t)d;
}

/* ---- interval as ISO 8601 ------------------------------------------------------------------ */

/* Java's BigDecimal.valueOf(d).setScale(9, DOWN) when the scale is over 9, stripTrailingZeros,
 * toPlainString: the shortest decimal that reads back as d, in plain notation. */
static size_t java_seconds(char *o, double d)
{
	char e[40], digits[24];
	int p, exp, nd = 0;
	size_t w = 0;

	if (d == 0 || !isfinite(d)) {
		o[0] = '0';
		o[1] = '\0';
		return 1;
	}
	for (p = 1; p <= 17; p++) {
		snprintf(e, sizeof e, "%.*e", p - 1, d);
		if (strtod(e, NULL) == d)
			break;
	}
	/* "-d.ddde+XX" */
	for (const char *c = e; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9')
			digits[nd++] = *c;
	exp = atoi(strchr(e, 'e') + 1);
	if (d < 0)
		o[w++] = '-';
	/* digits[0] is at 10^exp */
	if (exp < 0) {
		o[w++] = '0';
		o[w++] = '.';
		for (int z = 0; z < -exp - 1; z++)
			o[w++] = '0';
		for (int k = 0; k < nd; k++)
			o[w++] = digits[k];
	} else {
		for (int k = 0; k <= exp; k++)
			o[w++] = k < nd ? digits[k] : '0';
		if (nd > exp + 1) {
			o[w++] = '.';
			for (int k = exp + 1; k < nd; k++)
				o[w++] = digits[k];
		}
	}
	o[w] = '\0';
	{
		char *dot = strchr(o, '.');
		if (dot) {
			size_t frac = strlen(dot + 1);
			if (frac > 9)
				w = (size_t)(dot - o) + 10;
			while (o[w - 1] == '0')
				w--;
			if (o[w - 1] == '.')
				w--;
			o[w] = '\0';
		}
	}
	if (strcmp(o, "-0") == 0) {
		o[0] = '0';
		o[1] = '\0';
		w = 1;
	}
	return w;
}

int rc_pg_conv_interval_iso(const char *s, size_t len, rc_arena_t *arena, rc_value_t *out)
{
	int64_t months, days, us, hours, minutes, secs_us;
	char secs[64], *t;
	int inf, n;
	double d;

	if (rc_pg_parse_interval(s, len, &months, &days, &us, &inf) != 0 || inf)
		return RC_PG_EXT_BAD;
	/* PostgreSQL writes years and months, and the time as one signed h:m:s; pgjdbc's PGInterval
	 * gives each part that sign */
	hours = us / INT64_C(3600000000);
	minutes = us % INT64_C(3600000000) / 60000000;
	secs_us = us % 60000000;
	d = pginterval_seconds(secs_us);
	java_seconds(secs, d);
	t = rc_arena_alloc(arena, 160);
	if (!t)
		return RC_PG_EXT_OOM;
	n = snprintf(t, 160, "P%lldY%lldM%lldDT%lldH%lldM%sS", (long long)(months / 12),
	             (long long)(months % 12), (long long)days, (long long)hours, (long long)minutes, secs);
	return set_bytes(out, t, (size_t)n, 0);
}

/* ---- unchanged TOAST values ---------------------------------------------------------------- */

/* MD5 (RFC 1321), for Java's UUID.nameUUIDFromBytes. */
static void md5(const unsigned char *msg, size_t len, unsigned char out[16])
{
	static const uint32_t K[64] = {
	    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
	static const int R[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
	                          5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
	                          4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
	                          6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
	uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
	size_t total = (len + 8) / 64 * 64 + 64;

	for (size_t off = 0; off < total; off += 64) {
		unsigned char blk[64];
		uint32_t m[16], a = h[0], b = h[1], c = h[2], d = h[3];

		for (size_t i = 0; i < 64; i++) {
			size_t at = off + i;
			blk[i] = at < len ? msg[at] : at == len ? 0x80 : 0;
		}
		if (off + 64 == total)
			for (int i = 0; i < 8; i++)
				blk[56 + i] = (unsigned char)((uint64_t)len * 8 >> (8 * i));
		for (int i = 0; i < 16; i++)
			m[i] = (uint32_t)blk[4 * i] | (uint32_t)blk[4 * i + 1] << 8 |
			       (uint32_t)blk[4 * i + 2] << 16 | (uint32_t)blk[4 * i + 3] << 24;
		for (int i = 0; i < 64; i++) {
			uint32_t f, g, tmp;
			if (i < 16) {
				f = (b & c) | (~b & d);
				g = (uint32_t)i;
			} else if (i < 32) {
				f = (d & b) | (~d & c);
				g = (uint32_t)(5 * i + 1) % 16;
			} else if (i < 48) {
				f = b ^ c ^ d;
				g = (uint32_t)(3 * i + 5) % 16;
			} else {
				f = c ^ (b | ~d);
				g = (uint32_t)(7 * i) % 16;
			}
			tmp = d;
			d = c;
			c = b;
			f += a + K[i] + m[g];
			b += f << R[i] | f >> (32 - R[i]);
			a = tmp;
		}
		h[0] += a;
		h[1] += b;
		h[2] += c;
		h[3] += d;
	}
	for (int i = 0; i < 16; i++)
		out[i] = (unsigned char)(h[i / 4] >> (8 * (i % 4)));
}

/* The column's type name as Debezium's UnchangedToastedReplicationMessageColumn compares it: the
 * source type without a modifier ("_varchar(20)" -> "_varchar"). */
static bool type_is(const rc_column_t *col, const char *name)
{
	const char *st = col->source_type ? col->source_type : "";
	size_t n = strcspn(st, "(");

	return strlen(name) == n && strncmp(st, name, n) == 0;
}

static int one_item(rc_value_t *out, rc_arena_t *arena, const void *p, size_t len)
{
	rc_value_t *it = rc_arena_calloc(arena, 1, sizeof *it);

	if (!it)
		return -1;
	set_bytes(it, p, len, 0);
	out->u.array.items = it;
	out->u.array.n = 1;
	out->state = RC_V_SET;
	return 0;
}

int rc_pg_value_unchanged(const rc_column_t *col, const rc_pg_type_opts_t *opts, rc_arena_t *arena,
                          rc_value_t *out, char *err, size_t errlen)
{
	const char *ph = opts->placeholder;
	size_t n = opts->placeholder_len;
	char *text;

	memset(out, 0, sizeof *out);
	out->state = RC_V_NULL;
	text = rc_arena_strndup(arena, ph, n);
	if (!text)
		goto oom;
	if (col->type == RC_T_ARRAY) {
		if (type_is(col, "_text") || type_is(col, "_varchar") || type_is(col, "_bpchar") ||
		    type_is(col, "_json") || type_is(col, "_jsonb")) {
			if (col->elem_type == RC_T_STRING && one_item(out, arena, text, n) != 0)
				goto oom;
		} else if (type_is(col, "_bytea")) {
			char *t = NULL;
			size_t tn = n;
			if (col->elem_type == RC_T_STRING) { /* base64 / hex of the bytes, as the element's */
				bool hex = col->length == RC_BINARY_MODE_HEX;
				tn = hex ? 2 * n : rc_codec_base64_len(n);
				t = rc_arena_alloc(arena, tn + 1);
				if (!t)
					goto oom;
				t[hex ? rc_codec_hex_encode((const uint8_t *)ph, n, t)
				      : rc_codec_base64_encode((const uint8_t *)ph, n, t)] = '\0';
			}
			if (one_item(out, arena, t ? t : text, tn) != 0)
				goto oom;
		} else if (type_is(col, "_int4") || type_is(col, "_date") || type_is(col, "_int8")) {
			rc_value_t *it = rc_arena_calloc(arena, n ? n : 1, sizeof *it);
			if (!it)
				goto oom;
			for (size_t i = 0; i < n; i++) { /* Java's (int) of a signed byte */
				it[i].state = RC_V_SET;
				it[i].u.i = (int8_t)(unsigned char)ph[i];
			}
			out->u.array.items = it;
			out->u.array.n = n;
			out->state = RC_V_SET;
		} else if (type_is(col, "_uuid")) {
			unsigned char h[16];
			char *u = rc_arena_alloc(arena, 37);
			if (!u)
				goto oom;
			md5((const unsigned char *)ph, n, h);
			h[6] = (unsigned char)((h[6] & 0x0f) | 0x30); /* version 3 */
			h[8] = (unsigned char)((h[8] & 0x3f) | 0x80); /* IETF variant */
			for (int i = 0, w = 0; i < 16; i++) {
				if (i == 4 || i == 6 || i == 8 || i == 10)
					u[w++] = '-';
				snprintf(u + w, 3, "%02x", h[i]);
				w += 2;
			}
			if (one_item(out, arena, u, 36) != 0)
				goto oom;
		}
		return 0;
	}
	if (type_is(col, "hstore") && col->source_conv == RC_PG_CONV_HSTORE_JSON) {
		char *j = rc_pg_hstore_json_pair(ph, n, ph, n, arena);
		if (!j)
			goto oom;
		set_bytes(out, j, strlen(j), 0);
	} else if (type_is(col, "hstore") && col->type == RC_T_MAP) {
		rc_value_t *kv = rc_arena_calloc(arena, 2, sizeof *kv);
		if (!kv)
			goto oom;
		set_bytes(&kv[0], text, n, 0);
		set_bytes(&kv[1], text, n, 0);
		out->u.array.items = kv;
		out->u.array.n = 2;
		out->state = RC_V_SET;
	} else if (col->type == RC_T_STRING) {
		set_bytes(out, text, n, 0);
	} else if (col->type == RC_T_BYTES &&
	           !(col->semantic && strcmp(col->semantic, RC_PG_SEM_BITS) == 0)) {
		set_bytes(out, text, n, 0);
	}
	return 0;
oom:
	snprintf(err, errlen, "column %s: out of memory for the unavailable-value placeholder",
	         col->name ? col->name : "?");
	return -1;
}
