/*
 * The offset store: the last source position whose events Kafka has acknowledged. It is written
 * before the position is confirmed to the source, so after any crash the store is at or ahead of the
 * source's own record (PostgreSQL: the slot's confirmed_flush_lsn): a store behind the source means
 * something else moved the source, which rowcast reports instead of skipping data (DESIGN.md,
 * "Positions and guard rails").
 *
 * A store belongs to one connector: it records who wrote it (source type, topic.prefix, and the
 * source's own identity: PostgreSQL database and slot; MySQL the server UUID or GTID domain) and
 * refuses, naming both, a record written for another. A damaged record is an error, never a fresh
 * start.
 *
 * Interface (CONVENTIONS.md rule 10): a const ops table and a base struct embedded first. The file
 * store is agent/offsets_file.c, the Kafka-topic store sinks/offsets_kafka.c (offset.storage=kafka;
 * it needs librdkafka, so it lives above the core); both keep the record of agent/offset_record.h.
 */
#ifndef RC_OFFSET_STORE_H
#define RC_OFFSET_STORE_H

#include "agent/position.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether a snapshot was under way when the position was written. */
typedef enum {
	RC_OFFSET_SNAPSHOT_NONE = 0, /* no snapshot in progress (none taken, or the last one completed) */
	RC_OFFSET_SNAPSHOT_RUNNING,  /* a snapshot started and did not complete: the position means
	                              * nothing, and what the snapshot made (a slot) must be made again */
} rc_offset_snapshot_t;

#define RC_OFFSET_IDENT_FIELDS 4

/* Who a record belongs to. */
typedef struct rc_offset_ident {
	char source[16];  /* source.type: "postgres", "mysql", "mariadb" */
	char prefix[256]; /* topic.prefix; "" when unknown (a file of rowcast 0.1) */
	struct {
		char key[32];
		char value[256];
	} fields[RC_OFFSET_IDENT_FIELDS]; /* the source's own identity, in a fixed order */
	int nfields;
	char host[320]; /* database.hostname:port: a change alone is a warning (DNS moves, failovers) */
} rc_offset_ident_t;

typedef struct rc_offset {
	rc_offset_ident_t ident;
	rc_pos_t pos; /* owned (rc_offset_clear); unset while a snapshot runs */
	rc_offset_snapshot_t snapshot;
	uint32_t snapshot_tables; /* RUNNING: how many tables the snapshot copies (for messages) */
} rc_offset_t;

typedef struct rc_offset_store rc_offset_store_t;

typedef struct rc_offset_store_ops {
	const char *name; /* "file" */
	/* Copies the record into *out (caller clears it with rc_offset_clear); *found is false when
	 * nothing is recorded. Returns RC_OK or an RC_ERR_* class with err filled. */
	int (*load)(rc_offset_store_t *os, rc_offset_t *out, bool *found, char *err, size_t errlen);
	/* Records o durably (o->ident is ignored: the store writes its own). Returns RC_OK, or
	 * RC_ERR_FATAL with err filled: without a record rowcast cannot check the source's position on
	 * its next start, so it must not confirm anything. */
	int (*store)(rc_offset_store_t *os, const rc_offset_t *o, char *err, size_t errlen);
	/* Releases the store (and its lock). */
	void (*free)(rc_offset_store_t *os);
} rc_offset_store_ops_t;

struct rc_offset_store {
	const rc_offset_store_ops_t *ops;
	const rc_pos_codec_t *codec; /* the source type's (static) */
	rc_offset_ident_t ident;     /* this connector's */
};

/* Adds key = value to ident's source identity (both copied, cut to the field sizes). */
void rc_offset_ident_add(rc_offset_ident_t *ident, const char *key, const char *value);

/* Copies src into *dst, taking a reference on its position (dst's old one released). */
void rc_offset_copy(rc_offset_t *dst, const rc_offset_t *src);

/* Releases what o holds (its position). */
void rc_offset_clear(rc_offset_t *o);

/*
 * Opens the file store at path for the connector ident (copied), with the source type's codec: takes
 * an exclusive lock (flock on "<path>.lock", held until free) and reads the file when it exists,
 * checking that it is this connector's. Returns RC_OK with *out set; RC_ERR_REFUSED with err naming
 * both sides when the file is another's: another process holds the lock (its pid), or the file was
 * written for another source type, topic.prefix or source identity; RC_ERR_FATAL with err naming the
 * file and what is wrong when it cannot be read, is empty, truncated or not JSON, or lacks a field.
 */
int rc_offsets_file_open(const char *path, const rc_offset_ident_t *ident, const rc_pos_codec_t *codec,
                         rc_offset_store_t **out, char *err, size_t errlen);

#endif
