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

/* Whether a snapshot was under way when the position was written. A file without the "snapshot" key
 * (every file older rowcast versions wrote) means none: lsn is a streaming position. */
typedef enum {
	RC_OFFSET_SNAPSHOT_NONE = 0, /* no snapshot in progress (none taken, or the last one completed) */
	RC_OFFSET_SNAPSHOT_RUNNING,  /* a snapshot started and did not complete: lsn means nothing, the
	                              * slot (if any) is the snapshot's own and must be made again */
} rc_offset_snapshot_t;

typedef struct rc_offset {
	char source[16];   /* "postgres" or "mysql" */
	char slot[64];     /* PostgreSQL slot name */
	char database[64]; /* PostgreSQL database */
	uint64_t lsn;      /* PostgreSQL: confirmed end LSN of the last acknowledged transaction */
	rc_offset_snapshot_t snapshot;
	uint32_t snapshot_tables; /* RUNNING: how many tables the snapshot copies (for messages) */
} rc_offset_t;

/* Reads path into out. A running snapshot is "snapshot": "running" (with "snapshot_tables"), absent
 * otherwise, so files stay readable both ways between versions. *found is false (and 0 returned) when the
 * file does not exist. Returns -1 with a message naming the file when it exists but cannot be read or parsed.
 */
int rc_offsets_load(const char *path, rc_offset_t *out, bool *found, char *err, size_t errlen);

/* Writes o to path atomically. Returns 0, or -1 with the reason (path, errno text) in err. */
int rc_offsets_store(const char *path, const rc_offset_t *o, char *err, size_t errlen);

#endif
