/*
 * Binlog files, offline: binlog_file.h. The events of one file are walked with one arena, reset
 * before each event, so memory stays that of the largest event.
 */
#include "config.h"

#include "decoders/mysql/binlog_file.h"

#include "agent/reader.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One event at offset: decode it, adopt a FORMAT_DESCRIPTION, call back. */
static int one_event(rc_binlog_fmt_t *fmt, rc_arena_t *arena, const uint8_t *ev_buf, size_t n,
                     uint64_t offset, rc_binlog_file_cb cb, void *opaque, char *err, size_t errlen)
{
	rc_binlog_event_t ev;
	int rc;

	rc_arena_reset(arena);
	/* Without a FORMAT_DESCRIPTION first, whether events carry checksums is unknown. */
	if (offset == RC_BINLOG_MAGIC_LEN && ev_buf[4] != RC_BINLOG_FORMAT_DESCRIPTION) {
		snprintf(err, errlen,
		         "binlog: the first event (file offset 4) is %s (type %u), not a FORMAT_DESCRIPTION",
		         rc_binlog_type_name(ev_buf[4]), ev_buf[4]);
		return RC_ERR_FATAL;
	}
	if (rc_binlog_parse(fmt, ev_buf, n, arena, &ev, err, errlen)) {
		size_t used = strlen(err);

		snprintf(err + used, errlen - used, " (event at file offset %" PRIu64 ")", offset);
		return RC_ERR_FATAL;
	}
	if (ev.kind == RC_BINLOG_K_FDE)
		rc_binlog_fmt_update(fmt, &ev);
	rc = cb(&ev, offset, ev_buf, n, opaque);
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
	rc_binlog_fmt_t fmt;
	rc_arena_t arena;
	size_t pos = RC_BINLOG_MAGIC_LEN, n = 0;
	int rc = 0;

	if (len < RC_BINLOG_MAGIC_LEN || memcmp(buf, RC_BINLOG_MAGIC, RC_BINLOG_MAGIC_LEN) != 0) {
		snprintf(err, errlen, "binlog: no binlog magic (\\xfe bin) at file offset 0");
		return RC_ERR_FATAL;
	}
	rc_binlog_fmt_init(&fmt);
	rc_arena_init(&arena, 0);
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
		if ((rc = one_event(&fmt, &arena, buf + pos, n, pos, cb, opaque, err, errlen)) != 0)
			break;
		pos += n;
	}
	rc_arena_destroy(&arena);
	return rc;
}

int rc_binlog_file_walk(const char *path, rc_binlog_file_cb cb, void *opaque, char *err, size_t errlen)
{
	FILE *f = NULL;
	uint8_t magic[RC_BINLOG_MAGIC_LEN];
	uint8_t *ev_buf = NULL;
	size_t cap = 0, n = 0;
	uint64_t offset = RC_BINLOG_MAGIC_LEN;
	rc_binlog_fmt_t fmt;
	rc_arena_t arena;
	int rc = 0;

	rc_binlog_fmt_init(&fmt);
	rc_arena_init(&arena, 0);
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
		if ((rc = one_event(&fmt, &arena, ev_buf, n, offset, cb, opaque, err, errlen)) != 0)
			goto out;
		offset += n;
	}
out:
	if (f)
		fclose(f);
	free(ev_buf);
	rc_arena_destroy(&arena);
	return rc;
}
