/*
 * Binlog files, offline: binlog_file.h. The events of one file are walked with one arena, reset
 * before each event, so memory stays that of the largest event.
 */
#include "config.h"

#include "decoders/mysql/binlog_file.h"
#include "decoders/mysql/binlog_payload.h"

#include "agent/reader.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a walk keeps from one event to the next. */
typedef struct walker {
	rc_binlog_fmt_t fmt;
	rc_arena_t arena;       /* the event's, reset before each */
	rc_arena_t inner_arena; /* an inner event's, reset before each */
	rc_binlog_payload_iter_t payload;
} walker_t;

static void walker_init(walker_t *w)
{
	rc_binlog_fmt_init(&w->fmt);
	rc_arena_init(&w->arena, 0);
	rc_arena_init(&w->inner_arena, 0);
	rc_binlog_payload_init(&w->payload);
}

static void walker_destroy(walker_t *w)
{
	rc_arena_destroy(&w->arena);
	rc_arena_destroy(&w->inner_arena);
	rc_binlog_payload_free(&w->payload);
}

/* The events inside a TRANSACTION_PAYLOAD, each called back at the payload event's offset with
 * in_payload set. */
static int payload_events(walker_t *w, const rc_binlog_event_t *outer, uint64_t offset, rc_binlog_file_cb cb,
                          void *opaque, char *err, size_t errlen)
{
	rc_binlog_fmt_t inner;
	const uint8_t *ib;
	size_t n, at;
	int rc;

	if (rc_binlog_payload_open(&w->payload, outer, err, errlen))
		goto fail;
	rc_binlog_payload_fmt(&w->fmt, &inner);
	while ((rc = rc_binlog_payload_next(&w->payload, &ib, &n, &at, err, errlen)) == 1) {
		rc_binlog_event_t ev;

		rc_arena_reset(&w->inner_arena);
		if (rc_binlog_parse(&inner, ib, n, &w->inner_arena, &ev, err, errlen)) {
			size_t used = strlen(err);

			snprintf(err + used, errlen - used, " (payload offset %zu)", at);
			goto fail;
		}
		ev.in_payload = true;
		if ((rc = cb(&ev, offset, ib, n, opaque)) != 0)
			return rc;
	}
	if (rc == 0)
		return 0;
fail : {
	size_t used = strlen(err);

	snprintf(err + used, errlen - used, " (inside the TRANSACTION_PAYLOAD at file offset %" PRIu64 ")",
	         offset);
}
	return RC_ERR_FATAL;
}

/* One event at offset: decode it, adopt a FORMAT_DESCRIPTION, call back; then the events inside a
 * TRANSACTION_PAYLOAD. */
static int one_event(walker_t *w, const uint8_t *ev_buf, size_t n, uint64_t offset, rc_binlog_file_cb cb,
                     void *opaque, char *err, size_t errlen)
{
	rc_binlog_event_t ev;
	int rc;

	rc_arena_reset(&w->arena);
	/* Without a FORMAT_DESCRIPTION first, whether events carry checksums is unknown. */
	if (offset == RC_BINLOG_MAGIC_LEN && ev_buf[4] != RC_BINLOG_FORMAT_DESCRIPTION) {
		snprintf(err, errlen,
		         "binlog: the first event (file offset 4) is %s (type %u), not a FORMAT_DESCRIPTION",
		         rc_binlog_type_name(ev_buf[4]), ev_buf[4]);
		return RC_ERR_FATAL;
	}
	if (rc_binlog_parse(&w->fmt, ev_buf, n, &w->arena, &ev, err, errlen)) {
		size_t used = strlen(err);

		snprintf(err + used, errlen - used, " (event at file offset %" PRIu64 ")", offset);
		return RC_ERR_FATAL;
	}
	if (ev.kind == RC_BINLOG_K_FDE)
		rc_binlog_fmt_update(&w->fmt, &ev);
	rc = cb(&ev, offset, ev_buf, n, opaque);
	if (rc == 0 && ev.kind == RC_BINLOG_K_PAYLOAD)
		rc = payload_events(w, &ev, offset, cb, opaque, err, errlen);
	return rc;
}

/* The event size in a header's bytes, checked against the bounds. */
static int event_size(const uint8_t *hdr, uint64_t offset, size_t *n, char *err, size_t errlen)
{
	rc_reader_t rd;
	uint32_t size = 0;

	rc_reader_init(&rd, hdr, RC_BINLOG_HEADER_LEN);
	rc_reader_skip(&rd, 9);
	rc_reader_le_u32(&rd, &size);
	if (size < RC_BINLOG_HEADER_LEN || size > RC_BINLOG_EVENT_MAX) {
		snprintf(err, errlen,
		         "binlog: event at file offset %" PRIu64 " (type %u) has size %" PRIu32
		         " (at least %d, at most %zu)",
		         offset, hdr[4], size, RC_BINLOG_HEADER_LEN, RC_BINLOG_EVENT_MAX);
		return RC_ERR_FATAL;
	}
	*n = size;
	return 0;
}

int rc_binlog_file_walk_mem(const uint8_t *buf, size_t len, rc_binlog_file_cb cb, void *opaque, char *err,
                            size_t errlen)
{
	walker_t w;
	size_t pos = RC_BINLOG_MAGIC_LEN, n = 0;
	int rc = 0;

	if (len < RC_BINLOG_MAGIC_LEN || memcmp(buf, RC_BINLOG_MAGIC, RC_BINLOG_MAGIC_LEN) != 0) {
		snprintf(err, errlen, "binlog: no binlog magic (\\xfe bin) at file offset 0");
		return RC_ERR_FATAL;
	}
	walker_init(&w);
	while (pos < len) {
		if (len - pos < RC_BINLOG_HEADER_LEN) {
			snprintf(err, errlen,
			         "binlog: truncated event header at file offset %zu: %zu of 19 bytes", pos,
			         len - pos);
			rc = RC_ERR_FATAL;
			break;
		}
		if ((rc = event_size(buf + pos, pos, &n, err, errlen)) != 0)
			break;
		if (n > len - pos) {
			snprintf(
			    err, errlen,
			    "binlog: event at file offset %zu (type %u) is %zu bytes, the file has %zu left",
			    pos, buf[pos + 4], n, len - pos);
			rc = RC_ERR_FATAL;
			break;
		}
		if ((rc = one_event(&w, buf + pos, n, pos, cb, opaque, err, errlen)) != 0)
			break;
		pos += n;
	}
	walker_destroy(&w);
	return rc;
}

int rc_binlog_file_walk(const char *path, rc_binlog_file_cb cb, void *opaque, char *err, size_t errlen)
{
	FILE *f = NULL;
	uint8_t magic[RC_BINLOG_MAGIC_LEN];
	uint8_t *ev_buf = NULL;
	size_t cap = 0, n = 0;
	uint64_t offset = RC_BINLOG_MAGIC_LEN;
	walker_t w;
	int rc = 0;

	walker_init(&w);
	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "binlog: %s: %s", path, strerror(errno));
		rc = RC_ERR_FATAL;
		goto out;
	}
	if (fread(magic, 1, sizeof magic, f) != sizeof magic ||
	    memcmp(magic, RC_BINLOG_MAGIC, sizeof magic)) {
		snprintf(err, errlen, "binlog: %s: no binlog magic (\\xfe bin) at file offset 0", path);
		rc = RC_ERR_FATAL;
		goto out;
	}
	for (;;) {
		uint8_t hdr[RC_BINLOG_HEADER_LEN];
		size_t got = fread(hdr, 1, sizeof hdr, f);

		if (got == 0 && feof(f))
			break;
		if (got != sizeof hdr) {
			snprintf(err, errlen,
			         "binlog: %s: truncated event header at file offset %" PRIu64
			         ": %zu of 19 bytes",
			         path, offset, got);
			rc = RC_ERR_FATAL;
			goto out;
		}
		if ((rc = event_size(hdr, offset, &n, err, errlen)) != 0)
			goto out;
		if (n > cap) {
			uint8_t *nb = realloc(ev_buf, n);

			if (!nb) {
				snprintf(err, errlen, "binlog: out of memory for an event of %zu bytes", n);
				rc = RC_ERR_FATAL;
				goto out;
			}
			ev_buf = nb;
			cap = n;
		}
		memcpy(ev_buf, hdr, sizeof hdr);
		got = fread(ev_buf + sizeof hdr, 1, n - sizeof hdr, f);
		if (got != n - sizeof hdr) {
			snprintf(err, errlen,
			         "binlog: %s: event at file offset %" PRIu64
			         " (type %u) is %zu bytes, the file has %zu left",
			         path, offset, hdr[4], n, got + sizeof hdr);
			rc = RC_ERR_FATAL;
			goto out;
		}
		if ((rc = one_event(&w, ev_buf, n, offset, cb, opaque, err, errlen)) != 0)
			goto out;
		offset += n;
	}
out:
	if (f)
		fclose(f);
	free(ev_buf);
	walker_destroy(&w);
	return rc;
}
