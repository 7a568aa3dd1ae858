/* The watermark window's key set (snapshot/incremental_window.h): open addressing, FNV-1a. */
#include "config.h"

#include "snapshot/incremental_window.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_bytes(const unsigned char *p, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * UINT64_C(0x100000001b3);
	return h;
}

void rc_inc_window_init(rc_inc_window_t *w)
{
	memset(w, 0, sizeof *w);
	rc_arena_init(&w->arena, 64 * 1024);
}

void rc_inc_window_reset(rc_inc_window_t *w)
{
	if (w->slots)
		memset(w->slots, 0, w->cap * sizeof *w->slots);
	w->n = 0;
	w->everything = false;
	rc_arena_reset(&w->arena);
}

void rc_inc_window_destroy(rc_inc_window_t *w)
{
	free(w->slots);
	rc_arena_destroy(&w->arena);
	memset(w, 0, sizeof *w);
}

static void put_u64(rc_buf_t *out, uint64_t v)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (56 - 8 * i));
	rc_buf_append(out, b, sizeof b);
}

static void put_value(rc_buf_t *out, const rc_value_t *v)
{
	rc_buf_putc(out, (unsigned char)v->state);
	if (v->state != RC_V_SET)
		return;
	put_u64(out, (uint64_t)v->u.i);
}

static void put_typed(rc_buf_t *out, const rc_column_t *c, rc_type_t type, const rc_value_t *v)
{
	rc_buf_putc(out, (unsigned char)v->state);
	if (v->state != RC_V_SET)
		return;
	switch (type) {
	case RC_T_BOOL:
		rc_buf_putc(out, v->u.b ? 1 : 0);
		break;
	case RC_T_FLOAT32:
	case RC_T_FLOAT64: {
		double d = v->u.f == 0 ? 0.0 : v->u.f; /* -0 and 0 are one key */
		uint64_t bits;
		memcpy(&bits, &d, sizeof bits);
		put_u64(out, bits);
		break;
	}
	case RC_T_STRING:
	case RC_T_BYTES:
	case RC_T_DECIMAL:
	case RC_T_VARDECIMAL:
	case RC_T_GEOMETRY:
	case RC_T_POINT:
		put_u64(out, v->u.bytes.len);
		rc_buf_append(out, v->u.bytes.ptr, v->u.bytes.len);
		if (type == RC_T_VARDECIMAL || type == RC_T_GEOMETRY)
			put_u64(out, (uint64_t)(int64_t)v->u.bytes.scale);
		break;
	case RC_T_ARRAY:
	case RC_T_MAP: /* a map's items are strings, key then value */
		put_u64(out, v->u.array.n);
		for (size_t i = 0; i < v->u.array.n; i++)
			put_typed(out, c, type == RC_T_MAP ? RC_T_STRING : c->elem_type,
			          &v->u.array.items[i]);
		break;
	default: /* integers, dates, times, timestamps, intervals: i */
		put_value(out, v);
		break;
	}
}

int rc_inc_key_bytes(const rc_table_t *t, const rc_value_t *image, rc_buf_t *out)
{
	rc_buf_reset(out);
	for (size_t i = 0; i < t->ncols; i++) {
		const rc_column_t *c = &t->cols[i];
		if (t->nkey && !c->key)
			continue;
		/* A key column must be set; a keyless table's row is its identity, NULLs included, but a
		 * value the server left out (unchanged TOAST) leaves nothing whole to compare. */
		if (t->nkey ? image[i].state != RC_V_SET : image[i].state == RC_V_UNCHANGED)
			return -1;
		put_typed(out, c, c->type, &image[i]);
	}
	return rc_buf_failed(out) ? -2 : 0;
}

static struct rc_inc_slot *find(const rc_inc_window_t *w, uint64_t h, const unsigned char *key, size_t len)
{
	size_t i = (size_t)h & (w->cap - 1);

	for (;; i = (i + 1) & (w->cap - 1)) {
		struct rc_inc_slot *s = &w->slots[i];
		if (!s->key || (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
	}
}

static int grow(rc_inc_window_t *w)
{
	size_t cap = w->cap ? w->cap * 2 : 256;
	struct rc_inc_slot *old = w->slots, *slots = calloc(cap, sizeof *slots);
	size_t oldcap = w->cap;

	if (!slots)
		return -1;
	w->slots = slots;
	w->cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key)
			*find(w, old[i].hash, old[i].key, old[i].len) = old[i];
	free(old);
	return 0;
}

int rc_inc_window_add(rc_inc_window_t *w, const unsigned char *key, size_t len)
{
	uint64_t h = hash_bytes(key, len);
	struct rc_inc_slot *s;
	unsigned char *copy;

	if ((w->n + 1) * 2 > w->cap && grow(w) != 0)
		return -1;
	s = find(w, h, key, len);
	if (s->key)
		return 0;
	if (!(copy = rc_arena_alloc(&w->arena, len ? len : 1)))
		return -1;
	memcpy(copy, key, len);
	*s = (struct rc_inc_slot){.hash = h, .key = copy, .len = len};
	w->n++;
	return 0;
}

bool rc_inc_window_has(const rc_inc_window_t *w, const unsigned char *key, size_t len)
{
	if (w->everything)
		return true;
	if (!w->cap)
		return false;
	return find(w, hash_bytes(key, len), key, len)->key != NULL;
}
