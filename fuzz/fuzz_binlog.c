/*
 * libFuzzer target for the MySQL/MariaDB binlog parser (decoders/mysql/binlog.c, binlog_table_map.c)
 * and the offline reader (binlog_file.c). The first byte picks the mode: even, the rest is a whole
 * binlog file, walked event by event; odd, the rest is one event parsed without checksums (its
 * header's size is set to the input's length, so mutations reach the bodies instead of the CRC).
 */
#include "config.h"

#include "agent/arena.h"
#include "agent/errors.h"
#include "decoders/mysql/binlog.h"
#include "decoders/mysql/binlog_file.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(const rc_binlog_event_t *ev, uint64_t offset, const uint8_t *raw, size_t len, void *opaque)
{
	(void)ev;
	(void)offset;
	(void)raw;
	(void)len;
	++*(size_t *)opaque;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[RC_ERRSTR_LEN];
	size_t events = 0;

	if (size < 1)
		return 0;
	if (data[0] % 2 == 0) {
		rc_binlog_file_walk_mem(data + 1, size - 1, count, &events, err, sizeof err);
	} else if (size - 1 >= 19 && size - 1 <= UINT32_MAX) {
		uint8_t *ev_bytes = malloc(size - 1);
		uint32_t n = (uint32_t)(size - 1);
		rc_binlog_fmt_t fmt;
		rc_binlog_event_t ev;
		rc_arena_t arena;

		if (!ev_bytes)
			return 0;
		memcpy(ev_bytes, data + 1, size - 1);
		memcpy(ev_bytes + 9, (uint8_t[]){n & 0xff, n >> 8 & 0xff, n >> 16 & 0xff, n >> 24}, 4);
		rc_arena_init(&arena, 0);
		rc_binlog_fmt_init(&fmt);
		rc_binlog_parse(&fmt, ev_bytes, size - 1, &arena, &ev, err, sizeof err);
		rc_arena_destroy(&arena);
		free(ev_bytes);
	}
	return 0;
}
