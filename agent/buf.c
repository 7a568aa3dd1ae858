#include "config.h"

#include "agent/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define MIN_CAPACITY 256

void rc_buf_init(rc_buf_t *buf, size_t max)
{
	buf->data = NULL;
	buf->len = buf->cap = 0;
	buf->max = max ? max : RC_BUF_DEFAULT_MAX;
	buf->failed = false;
}

void rc_buf_reset(rc_buf_t *buf)
{
	buf->len = 0;
	buf->failed = false;
}

void rc_buf_free(rc_buf_t *buf)
{
	free(buf->data);
	rc_buf_init(buf, buf->max);
}

int rc_buf_grow(rc_buf_t *buf, size_t extra)
{
	size_t need, cap;
	unsigned char *p;

	if (buf->failed)
		return -1;
	if (extra > buf->max || buf->len > buf->max - extra) {
		buf->failed = true;
		return -1;
	}
	need = buf->len + extra;
	if (need <= buf->cap)
		return 0;
	cap = buf->cap ? buf->cap : MIN_CAPACITY;
	if (cap > buf->max)
		cap = buf->max; /* the fast paths only look at cap */
	while (cap < need)
		cap = cap > buf->max / 2 ? buf->max : cap * 2;
	p = realloc(buf->data, cap);
	if (!p) {
		buf->failed = true;
		return -1;
	}
	buf->data = p;
	buf->cap = cap;
	return 0;
}

unsigned char *rc_buf_detach(rc_buf_t *buf, size_t *len)
{
	unsigned char *p = buf->data;

	if (buf->failed || buf->len == 0)
		return NULL;
	*len = buf->len;
	rc_buf_init(buf, buf->max);
	return p;
}

void rc_buf_printf(rc_buf_t *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	/* + 1: vsnprintf writes a NUL, which is not counted in len */
	if (n < 0 || rc_buf_grow(buf, (size_t)n + 1) != 0) {
		buf->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf((char *)buf->data + buf->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf->len += (size_t)n;
}
