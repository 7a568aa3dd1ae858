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

/* A table's snapshot progress (issue 13): how far its chunks are acknowledged. */
typedef struct rc_offset_table_progress {
	char *table;   /* "schema.table" (owned) */
	bool done;     /* every row of it acknowledged */
	int nkey;      /* the last chunk whose every record Kafka acknowledged: its last row's key, each */
	char **key;    /* key column's value in the database's text form (owned); nkey 0: none yet */
	uint64_t rows; /* rows acknowledged so far (for messages) */
} rc_offset_table_progress_t;

/* The snapshot's progress, written while it runs (and the list of tables snapshotted, kept after
 * it: snapshot.new.tables). Deep-copied by rc_offset_copy: every string is the record's own. */
typedef struct rc_offset_progress {
	rc_offset_table_progress_t *tables; /* tables done or in progress; a table absent: not started */
	size_t ntables;
	char **snapshotted; /* tables whose snapshot completed ("schema.table"), in order */
	size_t nsnapshotted;
} rc_offset_progress_t;

typedef struct rc_offset {
	rc_offset_ident_t ident;
	rc_pos_t pos; /* owned (rc_offset_clear); unset while a snapshot runs */
	rc_offset_snapshot_t snapshot;
	uint32_t snapshot_tables; /* RUNNING: how many tables the snapshot copies (for messages) */
	/* RUNNING: the snapshot's consistent point P, whose slot is kept (owned; unset: a record of an
	 * older rowcast, or a point not taken yet: the snapshot starts over). */
	rc_pos_t snapshot_point;
	rc_offset_progress_t *progress; /* owned; NULL: nothing recorded */
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

/* Releases what o holds (its positions and progress). */
void rc_offset_clear(rc_offset_t *o);

/* A deep copy of p (NULL for NULL), or NULL with *oom set when out of memory. */
rc_offset_progress_t *rc_offset_progress_dup(const rc_offset_progress_t *p, bool *oom);
void rc_offset_progress_free(rc_offset_progress_t *p);
/* The entry of table in p, or NULL. */
rc_offset_table_progress_t *rc_offset_progress_find(const rc_offset_progress_t *p, const char *table);
/* Whether table is in p's list of tables snapshotted. */
bool rc_offset_progress_snapshotted(const rc_offset_progress_t *p, const char *table);

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
