/*
 * What binlog.c and binlog_table_map.c share: the parse of one event in progress and its error
 * helpers. Not for other modules: they see binlog.h.
 */
#ifndef RC_BINLOG_INTERNAL_H
#define RC_BINLOG_INTERNAL_H

#include "agent/reader.h"
#include "decoders/mysql/binlog.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rc_binlog_ctx {
	rc_reader_t rd; /* over the event without its checksum: offsets are the event's */
	const rc_binlog_fmt_t *fmt;
	rc_arena_t *arena; /* borrowed: what the event's arrays are allocated from */
	rc_binlog_event_t *ev;
	char *err;
	size_t errlen;
} rc_binlog_ctx_t;

/* Writes "binlog TYPE (type N) at log position P: " and the message into the error buffer; returns
 * RC_ERR_FATAL. */
int rc_binlog_perr(rc_binlog_ctx_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The reader's failure, if any, as the event's error (RC_ERR_FATAL), else 0. */
int rc_binlog_rd_check(rc_binlog_ctx_t *p, const char *what);

/* n zeroed elements of size bytes from the arena (at least one, so NULL means out of memory). */
void *rc_binlog_palloc(rc_binlog_ctx_t *p, size_t n, size_t size);

#define RC_BINLOG_OOM(p) rc_binlog_perr((p), "out of memory")

/* The table id of a TABLE_MAP or rows event: 6 bytes, or 4 where the post-header length is 6. */
int rc_binlog_read_table_id(rc_binlog_ctx_t *p, uint64_t *id);

/* The TABLE_MAP body at the reader's position into p->ev->u.table_map (binlog_table_map.c). */
int rc_binlog_parse_table_map(rc_binlog_ctx_t *p);

#endif
