/*
 * TRANSACTION_PAYLOAD's inner events: binlog_payload.h. MySQL writes the payload as one zstd frame
 * (sql/binlog/.../compression: a streaming compressor over the transaction's events), whose content
 * size may be absent from the frame header, so the output size comes from the event's
 * uncompressed-size field and the stream is decompressed with ZSTD_decompressStream until the frame
 * ends.
 */
#include "config.h"

#include "decoders/mysql/binlog_payload.h"

#include "agent/errors.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

void rc_binlog_payload_init(rc_binlog_payload_iter_t *it)
{
	memset(it, 0, sizeof *it);
}

void rc_binlog_payload_free(rc_binlog_payload_iter_t *it)
{
	free(it->buf);
	memset(it, 0, sizeof *it);
}

void rc_binlog_payload_fmt(const rc_binlog_fmt_t *fmt, rc_binlog_fmt_t *inner)
{
	*inner = *fmt;
	inner->crc32 = false;
}

static int reserve(rc_binlog_payload_iter_t *it, size_t n, char *err, size_t errlen)
{
	uint8_t *nb;

	if (n <= it->cap)
		return 0;
	nb = realloc(it->buf, n);
	if (!nb) {
		snprintf(err, errlen,
		         "binlog TRANSACTION_PAYLOAD at log position %" PRIu32
		         ": out of memory for %zu bytes",
		         it->log_pos, n);
		return RC_ERR_FATAL;
	}
	it->buf = nb;
	it->cap = n;
	return 0;
}

static int unzstd(rc_binlog_payload_iter_t *it, const rc_binlog_payload_t *pl, size_t want, char *err,
                  size_t errlen)
{
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	ZSTD_inBuffer in = {pl->payload, pl->payload_len, 0};
	ZSTD_outBuffer out = {it->buf, want, 0};
	size_t r = 1;
	int rc = 0;

	if (!dc) {
		snprintf(err, errlen, "binlog TRANSACTION_PAYLOAD at log position %" PRIu32 ": out of memory",
		         it->log_pos);
		return RC_ERR_FATAL;
	}
	while (r != 0) {
		size_t before_in = in.pos, before_out = out.pos;

		r = ZSTD_decompressStream(dc, &out, &in);
		if (ZSTD_isError(r)) {
			snprintf(err, errlen,
			         "binlog TRANSACTION_PAYLOAD at log position %" PRIu32
			         ": zstd: %s (payload byte %zu of %zu)",
			         it->log_pos, ZSTD_getErrorName(r), in.pos, pl->payload_len);
			rc = RC_ERR_FATAL;
			break;
		}
		if (r != 0 && in.pos == before_in && out.pos == before_out) {
			snprintf(err, errlen,
			         "binlog TRANSACTION_PAYLOAD at log position %" PRIu32
			         ": zstd frame %s after %zu bytes out of %zu in (the size field says %zu)",
			         it->log_pos, out.pos == want ? "holds more" : "is truncated", out.pos,
			         in.pos, want);
			rc = RC_ERR_FATAL;
			break;
		}
	}
	if (rc == 0 && (out.pos != want || in.pos != in.size)) {
		snprintf(err, errlen,
		         "binlog TRANSACTION_PAYLOAD at log position %" PRIu32
		         ": zstd gave %zu bytes from %zu of %zu, the size field says %zu",
		         it->log_pos, out.pos, in.pos, in.size, want);
		rc = RC_ERR_FATAL;
	}
	ZSTD_freeDCtx(dc);
	it->len = out.pos;
	return rc;
}

int rc_binlog_payload_open(rc_binlog_payload_iter_t *it, const rc_binlog_event_t *ev, char *err,
                           size_t errlen)
{
	const rc_binlog_payload_t *pl = &ev->u.payload;
	size_t want;

	it->len = it->pos = 0;
	it->log_pos = ev->log_pos;
	if (ev->kind != RC_BINLOG_K_PAYLOAD) {
		snprintf(err, errlen, "binlog %s at log position %" PRIu32 ": not a TRANSACTION_PAYLOAD",
		         rc_binlog_type_name(ev->type), ev->log_pos);
		return RC_ERR_FATAL;
	}
	if (pl->compression == 255) {
		if (pl->uncompressed_size && pl->uncompressed_size != pl->payload_len) {
			snprintf(err, errlen,
			         "binlog TRANSACTION_PAYLOAD at log position %" PRIu32
			         ": uncompressed payload of %zu bytes, the size field says %" PRIu64,
			         ev->log_pos, pl->payload_len, pl->uncompressed_size);
			return RC_ERR_FATAL;
		}
		if (reserve(it, pl->payload_len ? pl->payload_len : 1, err, errlen))
			return RC_ERR_FATAL;
		memcpy(it->buf, pl->payload, pl->payload_len);
		it->len = pl->payload_len;
		return 0;
	}
	if (pl->compression != 0) {
		snprintf(err, errlen,
		         "binlog TRANSACTION_PAYLOAD at log position %" PRIu32 ": compression %" PRIu64
		         " unknown (0 zstd and 255 none are)",
		         ev->log_pos, pl->compression);
		return RC_ERR_FATAL;
	}
	if (pl->uncompressed_size == 0 || pl->uncompressed_size > RC_BINLOG_PAYLOAD_MAX) {
		snprintf(err, errlen,
		         "binlog TRANSACTION_PAYLOAD at log position %" PRIu32 ": uncompressed size %" PRIu64
		         " (1 to %zu accepted)",
		         ev->log_pos, pl->uncompressed_size, RC_BINLOG_PAYLOAD_MAX);
		return RC_ERR_FATAL;
	}
	want = (size_t)pl->uncompressed_size;
	if (reserve(it, want, err, errlen))
		return RC_ERR_FATAL;
	return unzstd(it, pl, want, err, errlen);
}

int rc_binlog_payload_next(rc_binlog_payload_iter_t *it, const uint8_t **ev_buf, size_t *len, size_t *at,
                           char *err, size_t errlen)
{
	const uint8_t *h;
	uint32_t size;

	if (it->pos >= it->len)
		return 0;
	if (it->len - it->pos < RC_BINLOG_HEADER_LEN) {
		snprintf(err, errlen,
		         "binlog TRANSACTION_PAYLOAD at log position %" PRIu32
		         ": truncated inner event header at payload offset %zu: %zu of 19 bytes",
		         it->log_pos, it->pos, it->len - it->pos);
		return RC_ERR_FATAL;
	}
	h = it->buf + it->pos;
	size = (uint32_t)h[9] | (uint32_t)h[10] << 8 | (uint32_t)h[11] << 16 | (uint32_t)h[12] << 24;
	if (size < RC_BINLOG_HEADER_LEN || size > it->len - it->pos) {
		snprintf(err, errlen,
		         "binlog TRANSACTION_PAYLOAD at log position %" PRIu32
		         ": inner event at payload offset %zu (type %u) has size %" PRIu32 ", %zu bytes left",
		         it->log_pos, it->pos, h[4], size, it->len - it->pos);
		return RC_ERR_FATAL;
	}
	*ev_buf = h;
	*len = size;
	*at = it->pos;
	it->pos += size;
	return 1;
}
