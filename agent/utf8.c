#include "config.h"

#include "agent/utf8.h"

#include "agent/clock.h"
#include "agent/errors.h"
#include "agent/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The length of the well-formed sequence at s (at most n bytes left), or 0. */
static size_t seq_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned lo = c == 0xE0 ? 0xA0 : 0x80,
		         hi = c == 0xED ? 0x9F : 0xBF; /* overlong, surrogates */
		return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned lo = c == 0xF0 ? 0x90 : 0x80,
		         hi = c == 0xF4 ? 0x8F : 0xBF; /* overlong, > U+10FFFF */
		return n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80
		           ? 4
		           : 0;
	}
	return 0;
}

size_t rc_utf8_invalid_at(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		size_t n;
		if (s[i] < 0x80) { /* the common case: ASCII runs */
			i++;
			continue;
		}
		n = seq_len(s + i, len - i);
		if (n == 0)
			return i;
		i += n;
	}
	return len;
}

/* The bytes a replaced copy of s needs: each bad byte becomes the 3 bytes of U+FFFD. */
static size_t replaced_len(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t need = 0;

	for (size_t i = 0; i < len;) {
		size_t n = seq_len(s + i, len - i);
		need += n ? n : 3;
		i += n ? n : 1;
	}
	return need;
}

static bool is_string(rc_type_t t)
{
	return t == RC_T_STRING;
}

/* The key's values as "id=1, code=x" (strings and integers; others by type) for a message. */
static void key_text(const rc_event_t *ev, const rc_value_t *vals, char *out, size_t outlen)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < ev->table->ncols && used < outlen; i++) {
		const rc_column_t *c = &ev->table->cols[i];
		const rc_value_t *v = &vals[i];
		if (!c->key)
			continue;
		if (v->state != RC_V_SET)
			used += (size_t)snprintf(out + used, outlen - used, "%s%s=null", used ? ", " : "",
			                         c->name);
		else if (c->type == RC_T_INT8 || c->type == RC_T_INT16 || c->type == RC_T_INT32 ||
		         c->type == RC_T_INT64)
			used += (size_t)snprintf(out + used, outlen - used, "%s%s=%" PRId64, used ? ", " : "",
			                         c->name, v->u.i);
		else if (is_string(c->type) &&
		         rc_utf8_invalid_at(v->u.bytes.ptr, v->u.bytes.len) == v->u.bytes.len)
			used += (size_t)snprintf(out + used, outlen - used, "%s%s=%.40s", used ? ", " : "",
			                         c->name, v->u.bytes.ptr);
		else
			used += (size_t)snprintf(out + used, outlen - used, "%s%s=(not shown)",
			                         used ? ", " : "", c->name);
	}
}

static void position_text(const rc_event_t *ev, char *out, size_t outlen)
{
	if (ev->source.file)
		snprintf(out, outlen, "binlog %s position %" PRId64 " row %" PRId32, ev->source.file,
		         ev->source.pos, ev->source.row);
	else if (ev->source.lsn)
		snprintf(out, outlen, "LSN %" PRIX32 "/%" PRIX32, (uint32_t)(ev->source.lsn >> 32),
		         (uint32_t)ev->source.lsn);
	else
		snprintf(out, outlen, "the snapshot");
}

/* Replaces v's bad sequences by U+FFFD into scratch (room reserved by the caller). */
static void replace_value(rc_value_t *v, rc_buf_t *scratch)
{
	const unsigned char *s = (const unsigned char *)v->u.bytes.ptr;
	size_t len = v->u.bytes.len;
	char *out = (char *)scratch->data + scratch->len, *w = out;

	for (size_t i = 0; i < len;) {
		size_t n = seq_len(s + i, len - i);
		if (n) {
			memcpy(w, s + i, n);
			w += n;
			i += n;
		} else {
			memcpy(w, "\xEF\xBF\xBD", 3);
			w += 3;
			i++;
		}
	}
	*w++ = '\0';
	scratch->len += (size_t)(w - out);
	v->u.bytes.ptr = out;
	v->u.bytes.len = (size_t)(w - out) - 1;
}

/* One string s (the column's value, or its array element `element`, 1-based; 0: a scalar): counts
 * the room a replacement needs (need != NULL), replaces it, or fails naming where it is. */
static int visit_string(const rc_event_t *ev, const rc_value_t *image, const rc_column_t *c, rc_value_t *s,
                        size_t element, bool replace, size_t *need, rc_buf_t *scratch, const char *which,
                        char *err, size_t errlen)
{
	size_t at = rc_utf8_invalid_at(s->u.bytes.ptr, s->u.bytes.len);
	char key[256], pos[128], elem[48] = "";

	if (at == s->u.bytes.len)
		return RC_OK;
	if (replace) {
		if (need)
			*need += replaced_len(s->u.bytes.ptr, s->u.bytes.len) + 1;
		else
			replace_value(s, scratch);
		return RC_OK;
	}
	key_text(ev, image, key, sizeof key);
	position_text(ev, pos, sizeof pos);
	if (element)
		snprintf(elem, sizeof elem, ", array element %zu", element);
	snprintf(err, errlen,
	         "table %s.%s, column %s (%s image%s), key {%s}, %s: text that is not UTF-8 (byte %zu is "
	         "0x%02x); string.invalid.utf8.mode=replace writes U+FFFD instead",
	         ev->table->schema_name, ev->table->name, c->name, which, elem, key, pos, at,
	         (unsigned char)s->u.bytes.ptr[at]);
	return RC_ERR_FATAL;
}

/* Visits one value (and an array's elements). Returns RC_OK or RC_ERR_FATAL. */
static int visit(const rc_event_t *ev, const rc_value_t *image, const rc_column_t *c, rc_value_t *v,
                 bool replace, size_t *need, rc_buf_t *scratch, const char *which, char *err, size_t errlen)
{
	if (v->state != RC_V_SET)
		return RC_OK;
	if (c->type == RC_T_ARRAY && is_string(c->elem_type)) {
		for (size_t k = 0; k < v->u.array.n; k++) {
			rc_value_t *item = &v->u.array.items[k];
			int rc = item->state != RC_V_SET ? RC_OK
			                                 : visit_string(ev, image, c, item, k + 1, replace,
			                                                need, scratch, which, err, errlen);
			if (rc != RC_OK)
				return rc;
		}
		return RC_OK;
	}
	if (is_string(c->type))
		return visit_string(ev, image, c, v, 0, replace, need, scratch, which, err, errlen);
	return RC_OK;
}

static int walk(const rc_event_t *ev, bool replace, size_t *need, rc_buf_t *scratch, char *err, size_t errlen)
{
	rc_value_t *images[2] = {ev->before, ev->after};
	const char *names[2] = {"before", "after"};

	for (int im = 0; im < 2; im++) {
		if (!images[im])
			continue;
		for (size_t i = 0; i < ev->table->ncols; i++) {
			int rc = visit(ev, images[im], &ev->table->cols[i], &images[im][i], replace, need,
			               scratch, names[im], err, errlen);
			if (rc != RC_OK)
				return rc;
		}
	}
	return RC_OK;
}

static int64_t last_warned_ms = -60000;

int rc_utf8_check_event(const rc_event_t *ev, bool replace, rc_buf_t *scratch, char *err, size_t errlen)
{
	size_t need = 0;
	int rc;

	if (!ev->table)
		return RC_OK;
	rc = walk(ev, replace, &need, NULL, err, errlen);
	if (rc != RC_OK || need == 0)
		return rc;
	/* Room for every replacement first, so the pointers written into the values stay valid. */
	if (rc_buf_grow(scratch, need) != 0) {
		snprintf(err, errlen, "table %s.%s: out of memory replacing text that is not UTF-8",
		         ev->table->schema_name, ev->table->name);
		return RC_ERR_FATAL;
	}
	/* Once a minute at most: a whole table of such text would otherwise log a line per row. */
	if (rc_clock_ms() - last_warned_ms >= 60000) {
		last_warned_ms = rc_clock_ms();
		rc_log_warn("pipeline",
		            "table %s.%s: text that is not UTF-8 replaced by U+FFFD "
		            "(string.invalid.utf8.mode=replace; said once a minute at most)",
		            ev->table->schema_name, ev->table->name);
	}
	return walk(ev, replace, NULL, scratch, err, errlen);
}
