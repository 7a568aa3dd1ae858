/* The bounded byte reader of agent/reader.h: every read checks, then reads, then advances. */
#include "config.h"

#include "agent/reader.h"

#include <stdio.h>
#include <string.h>

void rc_reader_init(rc_reader_t *rd, const void *buf, size_t len)
{
	static const uint8_t empty[1];

	memset(rd, 0, sizeof *rd);
	rd->buf = buf ? buf : empty; /* never arithmetic on NULL, even for reads of 0 bytes */
	rd->len = buf ? len : 0;
}

/* Records a failure at the current position (only the first one: later reads never get here). */
static int fail(rc_reader_t *rd, rc_reader_status_t status, size_t need)
{
	rd->status = status;
	rd->err_at = rd->pos;
	rd->err_need = need;
	return RC_ERR_FATAL;
}

/* 0 when n more bytes can be read; else the failure. */
static int need(rc_reader_t *rd, size_t n)
{
	if (rd->status != RC_READER_OK)
		return RC_ERR_FATAL;
	if (rc_reader_remaining(rd) < n)
		return fail(rd, RC_READER_SHORT, n);
	return 0;
}

static uint64_t load_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	/* The widths the wire protocols use, without a loop: this runs for every field of every row. */
	switch (n) {
	case 1:
		return p[0];
	case 2:
		return (uint64_t)p[0] << 8 | p[1];
	case 4:
		return (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
	case 8:
		return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
		       (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
		       (uint64_t)p[6] << 8 | p[7];
	}
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static uint64_t load_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* The nbytes-wide two's complement u as int64, without implementation-defined conversions. */
static int64_t sign_extend(uint64_t u, int nbytes)
{
	uint64_t sign = (uint64_t)1 << (nbytes * 8 - 1);

	if (nbytes < 8 && (u & sign))
		u |= ~((sign << 1) - 1);
	return u <= INT64_MAX ? (int64_t)u : -(int64_t)~u - 1;
}

/* A width outside 1..8 is a caller's bug, not a property of the bytes: it fails as a short read of
 * nothing rather than reading a wrong amount. */
static int width_ok(rc_reader_t *rd, int nbytes)
{
	if (nbytes >= 1 && nbytes <= 8)
		return need(rd, (size_t)nbytes);
	if (rd->status == RC_READER_OK)
		fail(rd, RC_READER_SHORT, SIZE_MAX);
	return RC_ERR_FATAL;
}

int rc_reader_be_uint(rc_reader_t *rd, int nbytes, uint64_t *v)
{
	if (width_ok(rd, nbytes))
		return RC_ERR_FATAL;
	*v = load_be(rd->buf + rd->pos, nbytes);
	rd->pos += (size_t)nbytes;
	return 0;
}

int rc_reader_le_uint(rc_reader_t *rd, int nbytes, uint64_t *v)
{
	if (width_ok(rd, nbytes))
		return RC_ERR_FATAL;
	*v = load_le(rd->buf + rd->pos, nbytes);
	rd->pos += (size_t)nbytes;
	return 0;
}

int rc_reader_be_int(rc_reader_t *rd, int nbytes, int64_t *v)
{
	uint64_t u;

	if (rc_reader_be_uint(rd, nbytes, &u))
		return RC_ERR_FATAL;
	*v = sign_extend(u, nbytes);
	return 0;
}

int rc_reader_le_int(rc_reader_t *rd, int nbytes, int64_t *v)
{
	uint64_t u;

	if (rc_reader_le_uint(rd, nbytes, &u))
		return RC_ERR_FATAL;
	*v = sign_extend(u, nbytes);
	return 0;
}

int rc_reader_peek_u8(rc_reader_t *rd, uint8_t *v)
{
	if (need(rd, 1))
		return RC_ERR_FATAL;
	*v = rd->buf[rd->pos];
	return 0;
}

int rc_reader_bytes(rc_reader_t *rd, size_t n, const uint8_t **p)
{
	if (need(rd, n))
		return RC_ERR_FATAL;
	*p = rd->buf + rd->pos;
	rd->pos += n;
	return 0;
}

int rc_reader_skip(rc_reader_t *rd, size_t n)
{
	const uint8_t *p;

	return rc_reader_bytes(rd, n, &p);
}

int rc_reader_cstring(rc_reader_t *rd, const char **s, size_t *n)
{
	const uint8_t *nul;

	if (need(rd, 1))
		return RC_ERR_FATAL;
	nul = memchr(rd->buf + rd->pos, '\0', rc_reader_remaining(rd));
	if (!nul)
		return fail(rd, RC_READER_UNTERMINATED, 0);
	*s = (const char *)(rd->buf + rd->pos);
	if (n)
		*n = (size_t)(nul - (rd->buf + rd->pos));
	rd->pos = (size_t)(nul - rd->buf) + 1;
	return 0;
}

/* Decodes the length-encoded integer at the position without advancing: *width gets its size. */
static int lenenc_at(rc_reader_t *rd, uint64_t *v, bool *is_null, size_t *width)
{
	uint8_t first;
	int extra;

	if (rc_reader_peek_u8(rd, &first))
		return RC_ERR_FATAL;
	if (first < 0xfb) {
		*v = first;
		*width = 1;
		if (is_null)
			*is_null = false;
		return 0;
	}
	if (first == 0xff || (first == 0xfb && !is_null)) {
		rd->err_byte = first;
		return fail(rd, RC_READER_BAD_LENENC, 0);
	}
	if (first == 0xfb) {
		*v = 0;
		*width = 1;
		*is_null = true;
		return 0;
	}
	extra = first == 0xfc ? 2 : first == 0xfd ? 3 : 8;
	if (need(rd, (size_t)extra + 1))
		return RC_ERR_FATAL;
	*v = load_le(rd->buf + rd->pos + 1, extra);
	*width = (size_t)extra + 1;
	if (is_null)
		*is_null = false;
	return 0;
}

int rc_reader_lenenc(rc_reader_t *rd, uint64_t *v, bool *is_null)
{
	size_t width;

	if (lenenc_at(rd, v, is_null, &width))
		return RC_ERR_FATAL;
	rd->pos += width;
	return 0;
}

int rc_reader_lenenc_str(rc_reader_t *rd, const uint8_t **p, size_t *n, bool *is_null)
{
	bool null = false;
	uint64_t len;
	size_t width;

	if (lenenc_at(rd, &len, is_null ? &null : NULL, &width))
		return RC_ERR_FATAL;
	if (null) {
		*is_null = true;
		*p = NULL;
		*n = 0;
		rd->pos += width;
		return 0;
	}
	if (len > rc_reader_remaining(rd) - width)
		return fail(rd, RC_READER_SHORT, len > SIZE_MAX - width ? SIZE_MAX : width + (size_t)len);
	if (is_null)
		*is_null = false;
	*p = rd->buf + rd->pos + width;
	*n = (size_t)len;
	rd->pos += width + (size_t)len;
	return 0;
}

int rc_reader_describe(const rc_reader_t *rd, char *buf, size_t buflen)
{
	size_t left = rd->len - rd->err_at;

	switch (rd->status) {
	case RC_READER_OK:
		break;
	case RC_READER_SHORT:
		return snprintf(buf, buflen, "truncated at offset %zu: need %zu bytes, %zu left", rd->err_at,
		                rd->err_need, left);
	case RC_READER_UNTERMINATED:
		return snprintf(
		    buf, buflen,
		    "string at offset %zu has no NUL terminator within the message (%zu bytes left)",
		    rd->err_at, left);
	case RC_READER_BAD_LENENC:
		return snprintf(buf, buflen, "length-encoded integer at offset %zu starts with 0x%02x",
		                rd->err_at, rd->err_byte);
	}
	return snprintf(buf, buflen, "no error");
}
