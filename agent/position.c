#include "config.h"

#include "agent/position.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rc_pos_blob_t *rc_pos_blob_new(const void *data, size_t len)
{
	rc_pos_blob_t *b = malloc(sizeof *b + len + 1);

	if (!b)
		return NULL;
	b->refs = 1;
	b->len = len;
	if (len && data)
		memcpy(b->data, data, len);
	else if (len)
		memset(b->data, 0, len);
	b->data[len] = '\0';
	return b;
}

static void blob_release(rc_pos_blob_t *b)
{
	if (b && --b->refs == 0)
		free(b);
}

void rc_pos_copy(rc_pos_t *dst, const rc_pos_t *src)
{
	rc_pos_blob_t *old = dst->blob;

	if (src->blob)
		src->blob->refs++;
	*dst = *src;
	blob_release(old); /* after the count: dst and src may share the blob */
}

void rc_pos_move(rc_pos_t *dst, rc_pos_t *src)
{
	if (dst == src)
		return;
	blob_release(dst->blob);
	*dst = *src;
	*src = RC_POS_NONE;
}

void rc_pos_clear(rc_pos_t *p)
{
	blob_release(p->blob);
	*p = RC_POS_NONE;
}

bool rc_pos_same(const rc_pos_t *a, const rc_pos_t *b)
{
	if (a->set != b->set)
		return false;
	if (!a->set)
		return true;
	if (a->order != b->order || a->sub != b->sub)
		return false;
	if (a->blob == b->blob)
		return true;
	if (!a->blob || !b->blob)
		return false;
	return a->blob->len == b->blob->len && memcmp(a->blob->data, b->blob->data, a->blob->len) == 0;
}

bool rc_pos_after(const rc_pos_t *a, const rc_pos_t *b)
{
	if (!a->set)
		return false;
	if (!b->set)
		return true;
	return a->order > b->order || (a->order == b->order && a->sub > b->sub);
}

const char *rc_pos_text(const rc_pos_codec_t *codec, const rc_pos_t *p, char *buf, size_t len)
{
	if (!p->set)
		snprintf(buf, len, "none");
	else if (codec)
		codec->format(p, buf, len);
	else
		snprintf(buf, len, "%llu.%llu", (unsigned long long)p->order, (unsigned long long)p->sub);
	return buf;
}
