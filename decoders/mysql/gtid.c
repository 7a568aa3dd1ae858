/*
 * GTID sets (MySQL) and GTID positions (MariaDB): parse, format, add, contain, subset; the binary
 * PREVIOUS_GTIDS body. See gtid.h for the forms.
 *
 * A set is an array of transaction sources (uuid, tag), sorted by uuid bytes then tag ("" first),
 * each with a sorted array of disjoint, non-adjacent, inclusive intervals [first, last].
 */
#include "config.h"

#include "decoders/mysql/gtid.h"

#include "decoders/mysql/gtid_internal.h"

#include "agent/codec.h"
#include "agent/errors.h"
#include "agent/reader.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ival {
	uint64_t first, last; /* inclusive, 1 <= first <= last <= RC_GTID_GNO_MAX */
} ival_t;

typedef struct tsid {
	uint8_t uuid[RC_GTID_UUID_LEN];
	char tag[RC_GTID_TAG_MAX + 1]; /* lower-case, "" when untagged */
	ival_t *iv;
	size_t n, cap;
} tsid_t;

struct rc_gtid_set {
	tsid_t *ts;
	size_t n, cap;
	size_t last;    /* index of the source added to last (hint for the hot path) */
	size_t n_ivals; /* intervals of every source together */
};

int rc_gtid_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return RC_ERR_FATAL;
}

bool rc_gtid_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* c for a message: 'x' when printable, else its code (0x0a). */
const char *rc_gtid_show(char c, char buf[8])
{
	if (c >= 0x20 && c < 0x7f)
		snprintf(buf, 8, "'%c'", c);
	else
		snprintf(buf, 8, "0x%02x", (unsigned char)c);
	return buf;
}

int rc_gtid_uuid_parse(const char *text, size_t len, uint8_t uuid[RC_GTID_UUID_LEN])
{
	size_t i, o = 0;

	if (len != RC_GTID_UUID_TEXTLEN)
		return -1;
	for (i = 0; i < len;) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (text[i] != '-')
				return -1;
			i++;
			continue;
		}
		hi = rc_codec_hex_digit(text[i]);
		lo = rc_codec_hex_digit(text[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		uuid[o++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return 0;
}

void rc_gtid_uuid_format(const uint8_t uuid[RC_GTID_UUID_LEN], char out[RC_GTID_UUID_TEXTLEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < RC_GTID_UUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[uuid[i] >> 4];
		out[o++] = hex[uuid[i] & 15];
	}
	out[o] = '\0';
}

static bool tag_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool tag_char(char c)
{
	return tag_start(c) || (c >= '0' && c <= '9');
}

/* Copies tag (NULL or "" for none) lower-cased into out; -1 when it is not a valid tag. */
static int tag_norm(const char *tag, char out[RC_GTID_TAG_MAX + 1])
{
	size_t i;

	if (!tag || !*tag) {
		out[0] = '\0';
		return 0;
	}
	if (!tag_start(tag[0]))
		return -1;
	for (i = 0; tag[i]; i++) {
		if (i >= RC_GTID_TAG_MAX || !tag_char(tag[i]))
			return -1;
		out[i] = (tag[i] >= 'A' && tag[i] <= 'Z') ? (char)(tag[i] - 'A' + 'a') : tag[i];
	}
	out[i] = '\0';
	return 0;
}

static int tsid_cmp(const uint8_t *uuid, const char *tag, const tsid_t *ts)
{
	int c = memcmp(uuid, ts->uuid, RC_GTID_UUID_LEN);

	return c ? c : strcmp(tag, ts->tag);
}

/* Index of (uuid, tag) in set, or where it would go (*found false). */
static size_t tsid_find(const rc_gtid_set_t *set, const uint8_t *uuid, const char *tag, bool *found)
{
	size_t lo = 0, hi = set->n;

	if (set->last < set->n && tsid_cmp(uuid, tag, &set->ts[set->last]) == 0) {
		*found = true;
		return set->last;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = tsid_cmp(uuid, tag, &set->ts[mid]);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*found = false;
	return lo;
}

/* The source (uuid, tag) of set (tag normalised), made empty when absent; NULL on error. */
static tsid_t *tsid_get(rc_gtid_set_t *set, const uint8_t *uuid, const char *tag, char *err, size_t errlen)
{
	bool found;
	size_t i = tsid_find(set, uuid, tag, &found);
	tsid_t *ts;

	if (found) {
		set->last = i;
		return &set->ts[i];
	}
	if (set->n >= RC_GTID_MAX_TSIDS) {
		rc_gtid_fail(err, errlen, "GTID set: more than %d transaction sources (uuid, tag)",
		             RC_GTID_MAX_TSIDS);
		return NULL;
	}
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 4;
		tsid_t *n = realloc(set->ts, cap * sizeof *n);

		if (!n) {
			rc_gtid_fail(err, errlen, "GTID set: out of memory");
			return NULL;
		}
		set->ts = n;
		set->cap = cap;
	}
	memmove(&set->ts[i + 1], &set->ts[i], (set->n - i) * sizeof *set->ts);
	set->n++;
	ts = &set->ts[i];
	memset(ts, 0, sizeof *ts);
	memcpy(ts->uuid, uuid, RC_GTID_UUID_LEN);
	strcpy(ts->tag, tag);
	set->last = i;
	return ts;
}

/* Adds [first, last] (valid) to ts, merging overlapping and adjacent intervals. */
static int ival_add(rc_gtid_set_t *set, tsid_t *ts, uint64_t first, uint64_t last, char *err, size_t errlen)
{
	size_t lo = 0, hi = ts->n, i, j;

	/* The hot path: the next GNO after the last interval, or past it. */
	if (ts->n && first >= ts->iv[ts->n - 1].first) {
		ival_t *e = &ts->iv[ts->n - 1];

		if (first <= e->last + 1) {
			if (last > e->last)
				e->last = last;
			return 0;
		}
		lo = ts->n;
	}
	/* i: the first interval that ends at or after first - 1 (it may merge with [first, last]). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ts->iv[mid].last + 1 < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	i = lo;
	/* j: one past the last interval starting at or before last + 1. */
	for (j = i; j < ts->n && ts->iv[j].first <= last + 1; j++)
		;
	if (i < j) {
		ts->iv[i].first = ts->iv[i].first < first ? ts->iv[i].first : first;
		ts->iv[i].last = ts->iv[j - 1].last > last ? ts->iv[j - 1].last : last;
		memmove(&ts->iv[i + 1], &ts->iv[j], (ts->n - j) * sizeof *ts->iv);
		ts->n -= j - i - 1;
		set->n_ivals -= j - i - 1;
		return 0;
	}
	if (set->n_ivals >= RC_GTID_MAX_INTERVALS)
		return rc_gtid_fail(err, errlen, "GTID set: more than %u intervals", RC_GTID_MAX_INTERVALS);
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 4;
		ival_t *n = realloc(ts->iv, cap * sizeof *n);

		if (!n)
			return rc_gtid_fail(err, errlen, "GTID set: out of memory");
		ts->iv = n;
		ts->cap = cap;
	}
	memmove(&ts->iv[i + 1], &ts->iv[i], (ts->n - i) * sizeof *ts->iv);
	ts->iv[i].first = first;
	ts->iv[i].last = last;
	ts->n++;
	set->n_ivals++;
	return 0;
}

rc_gtid_set_t *rc_gtid_set_new(void)
{
	return calloc(1, sizeof(rc_gtid_set_t));
}

void rc_gtid_set_free(rc_gtid_set_t *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++)
		free(set->ts[i].iv);
	free(set->ts);
	free(set);
}

bool rc_gtid_set_is_empty(const rc_gtid_set_t *set)
{
	return set->n_ivals == 0;
}

int rc_gtid_set_add(rc_gtid_set_t *set, const uint8_t uuid[RC_GTID_UUID_LEN], const char *tag, uint64_t gno,
                    char *err, size_t errlen)
{
	char t[RC_GTID_TAG_MAX + 1];
	tsid_t *ts;

	if (gno < 1 || gno > RC_GTID_GNO_MAX)
		return rc_gtid_fail(err, errlen, "GTID: GNO %" PRIu64 " out of range (1..%" PRIu64 ")", gno,
		                    RC_GTID_GNO_MAX);
	if (tag_norm(tag, t))
		return rc_gtid_fail(
		    err, errlen,
		    "GTID: bad tag \"%.40s\" (a letter or '_', then up to 31 letters, digits or '_')", tag);
	ts = tsid_get(set, uuid, t, err, errlen);
	if (!ts)
		return RC_ERR_FATAL;
	return ival_add(set, ts, gno, gno, err, errlen);
}

static bool ival_has(const tsid_t *ts, uint64_t first, uint64_t last)
{
	size_t lo = 0, hi = ts->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ts->iv[mid].last < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ts->n && ts->iv[lo].first <= first && last <= ts->iv[lo].last;
}

bool rc_gtid_set_contains(const rc_gtid_set_t *set, const uint8_t uuid[RC_GTID_UUID_LEN], const char *tag,
                          uint64_t gno)
{
	char t[RC_GTID_TAG_MAX + 1];
	bool found;
	size_t i;

	if (tag_norm(tag, t))
		return false;
	i = tsid_find(set, uuid, t, &found);
	return found && ival_has(&set->ts[i], gno, gno);
}

bool rc_gtid_set_subset(const rc_gtid_set_t *sub, const rc_gtid_set_t *super)
{
	size_t i, j = 0;

	for (i = 0; i < sub->n; i++) {
		const tsid_t *a = &sub->ts[i];
		size_t k, m = 0;

		if (a->n == 0)
			continue;
		while (j < super->n && tsid_cmp(a->uuid, a->tag, &super->ts[j]) > 0)
			j++;
		if (j == super->n || tsid_cmp(a->uuid, a->tag, &super->ts[j]) != 0)
			return false;
		/* Both interval lists are sorted: walk them together. */
		for (k = 0; k < a->n; k++) {
			const tsid_t *b = &super->ts[j];

			while (m < b->n && b->iv[m].last < a->iv[k].first)
				m++;
			if (m == b->n || b->iv[m].first > a->iv[k].first || b->iv[m].last < a->iv[k].last)
				return false;
		}
	}
	return true;
}

void rc_gtid_sb_put(rc_gtid_strbuf_t *sb, const char *s, size_t n)
{
	if (sb->oom)
		return;
	if (sb->len + n + 1 > sb->cap) {
		size_t cap = sb->cap ? sb->cap : 64;
		char *p;

		while (cap < sb->len + n + 1)
			cap *= 2;
		p = realloc(sb->p, cap);
		if (!p) {
			sb->oom = true;
			return;
		}
		sb->p = p;
		sb->cap = cap;
	}
	memcpy(sb->p + sb->len, s, n);
	sb->len += n;
	sb->p[sb->len] = '\0';
}

int rc_gtid_sb_finish(rc_gtid_strbuf_t *sb, char **out, size_t *outlen, char *err, size_t errlen)
{
	if (!sb->oom && !sb->p)
		rc_gtid_sb_put(sb, "", 0);
	if (sb->oom) {
		free(sb->p);
		return rc_gtid_fail(err, errlen, "GTID: out of memory formatting");
	}
	*out = sb->p;
	if (outlen)
		*outlen = sb->len;
	return 0;
}

int rc_gtid_set_format(const rc_gtid_set_t *set, char **out, size_t *outlen, char *err, size_t errlen)
{
	rc_gtid_strbuf_t sb = {0};
	const uint8_t *prev = NULL;
	size_t i, k;

	for (i = 0; i < set->n; i++) {
		const tsid_t *ts = &set->ts[i];
		char num[48];

		if (ts->n == 0)
			continue;
		if (!prev || memcmp(prev, ts->uuid, RC_GTID_UUID_LEN) != 0) {
			char u[RC_GTID_UUID_TEXTLEN + 1];

			if (prev)
				rc_gtid_sb_put(&sb, ",", 1);
			rc_gtid_uuid_format(ts->uuid, u);
			rc_gtid_sb_put(&sb, u, RC_GTID_UUID_TEXTLEN);
			prev = ts->uuid;
		}
		if (ts->tag[0]) {
			rc_gtid_sb_put(&sb, ":", 1);
			rc_gtid_sb_put(&sb, ts->tag, strlen(ts->tag));
		}
		for (k = 0; k < ts->n; k++) {
			int n;

			if (ts->iv[k].first == ts->iv[k].last)
				n = snprintf(num, sizeof num, ":%" PRIu64, ts->iv[k].first);
			else
				n = snprintf(num, sizeof num, ":%" PRIu64 "-%" PRIu64, ts->iv[k].first,
				             ts->iv[k].last);
			rc_gtid_sb_put(&sb, num, (size_t)n);
		}
	}
	return rc_gtid_sb_finish(&sb, out, outlen, err, errlen);
}

static void put_u64le(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int rc_gtid_set_encode(const rc_gtid_set_t *set, uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	size_t i, k, n = 8, nsids = 0;
	bool tagged = false;
	uint8_t *buf, *p;

	for (i = 0; i < set->n; i++) {
		if (set->ts[i].n == 0)
			continue;
		nsids++;
		tagged |= set->ts[i].tag[0] != '\0';
		n += RC_GTID_UUID_LEN + 8 + set->ts[i].n * 16;
	}
	if (tagged)
		for (i = 0; i < set->n; i++)
			if (set->ts[i].n)
				n += 1 + strlen(set->ts[i].tag);
	if (!(buf = malloc(n)))
		return rc_gtid_fail(err, errlen, "out of memory encoding a GTID set");
	put_u64le(buf, nsids);
	if (tagged) { /* format 1: the marker in the first and last byte, the count between */
		put_u64le(buf, (uint64_t)nsids << 8 | 1 | (uint64_t)1 << 56);
	}
	p = buf + 8;
	for (i = 0; i < set->n; i++) {
		const tsid_t *ts = &set->ts[i];

		if (ts->n == 0)
			continue;
		memcpy(p, ts->uuid, RC_GTID_UUID_LEN);
		p += RC_GTID_UUID_LEN;
		if (tagged) {
			size_t tl = strlen(ts->tag);
			*p++ = (uint8_t)(tl << 1);
			memcpy(p, ts->tag, tl);
			p += tl;
		}
		put_u64le(p, ts->n);
		p += 8;
		for (k = 0; k < ts->n; k++) {
			put_u64le(p, ts->iv[k].first);
			put_u64le(p + 8, ts->iv[k].last + 1); /* exclusive end */
			p += 16;
		}
	}
	*out = buf;
	*outlen = (size_t)(p - buf);
	return 0;
}

/* Reads a GNO at text[*pos] (a digit is there). */
static int parse_gno(const char *text, size_t len, size_t *pos, uint64_t *v, char *err, size_t errlen)
{
	size_t at = *pos;
	uint64_t n = 0;

	while (*pos < len && text[*pos] >= '0' && text[*pos] <= '9') {
		unsigned d = (unsigned)(text[*pos] - '0');

		if (n > (RC_GTID_GNO_MAX - d) / 10)
			return rc_gtid_fail(err, errlen,
			                    "GTID set: GNO at offset %zu is larger than %" PRIu64, at,
			                    RC_GTID_GNO_MAX);
		n = n * 10 + d;
		(*pos)++;
	}
	if (n == 0)
		return rc_gtid_fail(err, errlen, "GTID set: GNO 0 at offset %zu (GNOs start at 1)", at);
	*v = n;
	return 0;
}

/* One uuid_set at text[*pos], added to set. */
static int parse_uuid_set(rc_gtid_set_t *set, const char *text, size_t len, size_t *pos, char *err,
                          size_t errlen)
{
	uint8_t uuid[RC_GTID_UUID_LEN];
	char tag[RC_GTID_TAG_MAX + 1] = "", shown[8];
	size_t at = *pos, tag_at = at;
	bool any = false;     /* an interval since the uuid */
	bool pending = false; /* a tag without its intervals yet */
	tsid_t *ts = NULL;

	if (len - at < RC_GTID_UUID_TEXTLEN || rc_gtid_uuid_parse(text + at, RC_GTID_UUID_TEXTLEN, uuid))
		return rc_gtid_fail(err, errlen, "GTID set: bad UUID at offset %zu (\"%.*s\")", at,
		                    (int)(len - at < RC_GTID_UUID_TEXTLEN ? len - at : RC_GTID_UUID_TEXTLEN),
		                    text + at);
	*pos += RC_GTID_UUID_TEXTLEN;
	if (*pos < len && text[*pos] != ':')
		return rc_gtid_fail(err, errlen,
		                    "GTID set: unexpected %s at offset %zu (expected ':' after the UUID)",
		                    rc_gtid_show(text[*pos], shown), *pos);
	while (*pos < len && text[*pos] == ':') {
		char c;

		(*pos)++;
		at = *pos;
		c = at < len ? text[at] : '\0';
		if (c >= '0' && c <= '9') {
			uint64_t first, last;

			if (parse_gno(text, len, pos, &first, err, errlen))
				return RC_ERR_FATAL;
			last = first;
			if (*pos < len && text[*pos] == '-') {
				size_t end_at = ++(*pos);

				if (end_at >= len || text[end_at] < '0' || text[end_at] > '9')
					return rc_gtid_fail(
					    err, errlen, "GTID set: interval at offset %zu has no end", at);
				if (parse_gno(text, len, pos, &last, err, errlen))
					return RC_ERR_FATAL;
				if (last < first)
					return rc_gtid_fail(err, errlen,
					                    "GTID set: interval at offset %zu ends (%" PRIu64
					                    ") before it starts (%" PRIu64 ")",
					                    at, last, first);
			}
			if (!ts && !(ts = tsid_get(set, uuid, tag, err, errlen)))
				return RC_ERR_FATAL;
			if (ival_add(set, ts, first, last, err, errlen))
				return RC_ERR_FATAL;
			any = true;
			pending = false;
		} else if (tag_start(c)) {
			size_t n = 0;

			if (pending)
				return rc_gtid_fail(err, errlen,
				                    "GTID set: tag at offset %zu has no interval", tag_at);
			while (*pos < len && tag_char(text[*pos])) {
				if (n >= RC_GTID_TAG_MAX)
					return rc_gtid_fail(
					    err, errlen,
					    "GTID set: tag at offset %zu is longer than %d characters", at,
					    RC_GTID_TAG_MAX);
				c = text[(*pos)++];
				tag[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
			}
			tag[n] = '\0';
			if (*pos < len && text[*pos] != ':')
				return rc_gtid_fail(
				    err, errlen,
				    "GTID set: bad tag at offset %zu (unexpected %s at offset %zu)", at,
				    rc_gtid_show(text[*pos], shown), *pos);
			tag_at = at;
			pending = true;
			ts = NULL;
		} else {
			return rc_gtid_fail(err, errlen, "GTID set: empty interval or bad tag at offset %zu",
			                    at);
		}
	}
	if (pending)
		return rc_gtid_fail(err, errlen, "GTID set: tag at offset %zu has no interval", tag_at);
	if (!any)
		return rc_gtid_fail(err, errlen, "GTID set: UUID at offset %zu has no interval", tag_at);
	return 0;
}

int rc_gtid_set_parse(const char *text, size_t len, rc_gtid_set_t **out, char *err, size_t errlen)
{
	rc_gtid_set_t *set;
	size_t pos = 0;
	char shown[8];

	*out = NULL;
	if (len > RC_GTID_TEXT_MAX)
		return rc_gtid_fail(err, errlen, "GTID set: %zu bytes of text, more than %zu", len,
		                    RC_GTID_TEXT_MAX);
	set = rc_gtid_set_new();
	if (!set)
		return rc_gtid_fail(err, errlen, "GTID set: out of memory");
	while (pos < len && rc_gtid_is_blank(text[pos]))
		pos++;
	while (pos < len) {
		if (parse_uuid_set(set, text, len, &pos, err, errlen))
			goto bad;
		while (pos < len && rc_gtid_is_blank(text[pos]))
			pos++;
		if (pos == len)
			break;
		if (text[pos] != ',') {
			rc_gtid_fail(err, errlen, "GTID set: unexpected %s at offset %zu",
			             rc_gtid_show(text[pos], shown), pos);
			goto bad;
		}
		pos++;
		while (pos < len && rc_gtid_is_blank(text[pos]))
			pos++;
		if (pos == len) {
			rc_gtid_fail(err, errlen, "GTID set: nothing after the comma at offset %zu", pos);
			goto bad;
		}
	}
	*out = set;
	return 0;
bad:
	rc_gtid_set_free(set);
	return RC_ERR_FATAL;
}

int rc_gtid_set_from_previous_gtids(const void *body, size_t len, rc_gtid_set_t **out, char *err,
                                    size_t errlen)
{
	char what[160];
	rc_reader_t rd;
	rc_gtid_set_t *set;
	uint64_t n_sids, s;
	bool tagged;

	*out = NULL;
	rc_reader_init(&rd, body, len);
	if (rc_reader_le_u64(&rd, &n_sids))
		goto truncated;
	/* Format 0: n_sids whole (below 2^56). Format 1 (tags): the first and the last byte are 1, the
	 * count is the six bytes between. */
	tagged = (n_sids >> 56) != 0;
	if (tagged) {
		if ((n_sids >> 56) != 1 || (n_sids & 0xff) != 1)
			return rc_gtid_fail(err, errlen,
			                    "PREVIOUS_GTIDS: unknown format (first 8 bytes 0x%016" PRIx64
			                    " at offset 0)",
			                    n_sids);
		n_sids = (n_sids >> 8) & UINT64_C(0xffffffffffff);
	}
	if (n_sids > rc_reader_remaining(&rd) / (tagged ? 25 : 24))
		return rc_gtid_fail(err, errlen,
		                    "PREVIOUS_GTIDS: %" PRIu64
		                    " sids at offset 0 cannot fit in the %zu bytes left",
		                    n_sids, rc_reader_remaining(&rd));
	set = rc_gtid_set_new();
	if (!set)
		return rc_gtid_fail(err, errlen, "PREVIOUS_GTIDS: out of memory");
	for (s = 0; s < n_sids; s++) {
		char tag[RC_GTID_TAG_MAX + 1] = "", raw[RC_GTID_TAG_MAX + 1];
		const uint8_t *uuid, *tp;
		uint64_t n_iv, k;
		size_t at;
		tsid_t *ts;

		if (rc_reader_bytes(&rd, RC_GTID_UUID_LEN, &uuid))
			goto truncated_free;
		if (tagged) {
			uint8_t b;

			/* The tag: its length as MySQL's serialization writes an unsigned integer (one
			 * byte, value << 1, for anything below 128: a tag has at most 32), then the
			 * characters. */
			at = rd.pos;
			if (rc_reader_u8(&rd, &b))
				goto truncated_free;
			if ((b & 1) || (b >> 1) > RC_GTID_TAG_MAX) {
				rc_gtid_fail(err, errlen,
				             "PREVIOUS_GTIDS: bad tag length byte 0x%02x at offset %zu", b,
				             at);
				goto bad;
			}
			if (rc_reader_bytes(&rd, b >> 1, &tp))
				goto truncated_free;
			memcpy(raw, tp, b >> 1);
			raw[b >> 1] = '\0';
			if (memchr(tp, '\0', b >> 1) || tag_norm(raw, tag)) {
				rc_gtid_fail(err, errlen, "PREVIOUS_GTIDS: bad tag at offset %zu", at + 1);
				goto bad;
			}
		}
		at = rd.pos;
		if (rc_reader_le_u64(&rd, &n_iv))
			goto truncated_free;
		if (n_iv > rc_reader_remaining(&rd) / 16) {
			rc_gtid_fail(err, errlen,
			             "PREVIOUS_GTIDS: %" PRIu64
			             " intervals at offset %zu cannot fit in the %zu bytes left",
			             n_iv, at, rc_reader_remaining(&rd));
			goto bad;
		}
		if (n_iv == 0)
			continue;
		ts = tsid_get(set, uuid, tag, err, errlen);
		if (!ts)
			goto bad;
		for (k = 0; k < n_iv; k++) {
			uint64_t start, end;

			at = rd.pos;
			if (rc_reader_le_u64(&rd, &start) || rc_reader_le_u64(&rd, &end))
				goto truncated_free;
			if (start < 1 || end <= start || end > RC_GTID_GNO_MAX + 1) {
				rc_gtid_fail(err, errlen,
				             "PREVIOUS_GTIDS: bad interval [%" PRIu64 ", %" PRIu64
				             ") at offset %zu",
				             start, end, at);
				goto bad;
			}
			if (ival_add(set, ts, start, end - 1, err, errlen))
				goto bad;
		}
	}
	if (rc_reader_remaining(&rd)) {
		rc_gtid_fail(err, errlen, "PREVIOUS_GTIDS: %zu bytes after the last sid at offset %zu",
		             rc_reader_remaining(&rd), rd.pos);
		goto bad;
	}
	*out = set;
	return 0;
truncated_free:
	rc_gtid_set_free(set);
truncated:
	rc_reader_describe(&rd, what, sizeof what);
	return rc_gtid_fail(err, errlen, "PREVIOUS_GTIDS: %s", what);
bad:
	rc_gtid_set_free(set);
	return RC_ERR_FATAL;
}
