/*
 * A growable byte buffer that encoders append to: one per sink, reused for every record, so encoding
 * a record does no allocation once the buffer has grown to the size of the largest record.
 *
 * Failure is sticky, as in a stdio stream: when a growth fails (out of memory, or past the buffer's
 * maximum size) the buffer is marked failed and later appends do nothing, so an encoder appends
 * without checking each call and tests rc_buf_failed() once at the end. rc_buf_reset() clears it.
 */
#ifndef RC_BUF_H
#define RC_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Default bound of a buffer: Kafka cannot carry a bigger record anyway (message.max.bytes). */
#define RC_BUF_DEFAULT_MAX ((size_t)256 << 20)

typedef struct rc_buf {
	unsigned char *data; /* owned; NULL until the first append */
	size_t len;
	size_t cap;
	size_t max;  /* the buffer never grows past max bytes */
	bool failed; /* a growth failed since the last reset */
} rc_buf_t;

/* Initialises an empty buffer that may grow to max bytes (0 = RC_BUF_DEFAULT_MAX). */
void rc_buf_init(rc_buf_t *buf, size_t max);

/* Empties the buffer and clears the failed mark, keeping the memory for reuse. */
void rc_buf_reset(rc_buf_t *buf);

/* Frees the memory; the buffer is empty and may be used again. */
void rc_buf_free(rc_buf_t *buf);

/* Makes room for extra more bytes. Returns 0, or -1 (and marks the buffer failed) when out of
 * memory or when len + extra would exceed max. The fast paths below call it only when full. */
int rc_buf_grow(rc_buf_t *buf, size_t extra);

/* Hands the contents to the caller, who frees them with free(); the buffer is left empty. Returns
 * NULL when the buffer is empty or failed. For producers that take ownership of the payload. */
unsigned char *rc_buf_detach(rc_buf_t *buf, size_t *len);

/* Appends formatted text (no NUL is kept in the buffer). */
void rc_buf_printf(rc_buf_t *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline bool rc_buf_failed(const rc_buf_t *buf)
{
	return buf->failed;
}

static inline void rc_buf_append(rc_buf_t *buf, const void *p, size_t n)
{
	if (n == 0 || (buf->cap - buf->len < n && rc_buf_grow(buf, n) != 0))
		return;
	memcpy(buf->data + buf->len, p, n);
	buf->len += n;
}

static inline void rc_buf_putc(rc_buf_t *buf, unsigned char c)
{
	if (buf->len == buf->cap && rc_buf_grow(buf, 1) != 0)
		return;
	buf->data[buf->len++] = c;
}

static inline void rc_buf_puts(rc_buf_t *buf, const char *s)
{
	rc_buf_append(buf, s, strlen(s));
}

#endif
