/*
 * The offset store: the last source position whose events Kafka has acknowledged, in a small JSON
 * file (offset.storage.file.filename). It is written before the position is confirmed to the
 * source, so after any crash the file is at or ahead of the source's own record (the slot's
 * confirmed_flush_lsn): a file behind the source means something else moved the source, which
 * rowcast reports instead of skipping data (DESIGN.md, "Positions and guard rails").
 *
 * Writes are atomic: a temporary file, fsync, rename, fsync of the folder.
 */
#ifndef RC_OFFSETS_H
#define RC_OFFSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rc_offset {
	char source[16];   /* "postgres" or "mysql" */
	char slot[64];     /* PostgreSQL slot name */
	char database[64]; /* PostgreSQL database */
	uint64_t lsn;      /* PostgreSQL: confirmed end LSN of the last acknowledged transaction */
} rc_offset_t;

/* Reads path into out. *found is false (and 0 returned) when the file does not exist. Returns -1
 * with a message naming the file when it exists but cannot be read or parsed. */
int rc_offsets_load(const char *path, rc_offset_t *out, bool *found, char *err, size_t errlen);

/* Writes o to path atomically. Returns 0, or -1 with the reason (path, errno text) in err. */
int rc_offsets_store(const char *path, const rc_offset_t *o, char *err, size_t errlen);

#endif
