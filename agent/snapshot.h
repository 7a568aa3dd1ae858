/*
 * What the capture (agent/capture.c) needs of a snapshot: a consistent copy of the captured tables
 * as op=r events, read from one consistent point of the database, handed to the pipeline's loop.
 * The generic coordinator (snapshot/snapshot.c: reader threads, the bounded hand-off, progress,
 * first/last markers) implements it over a small per-database reader interface
 * (snapshot/snapshot.h); the core sees only these operations.
 */
#ifndef RC_SNAPSHOT_IFACE_H
#define RC_SNAPSHOT_IFACE_H

#include "agent/event.h"
#include "agent/offset_store.h"
#include "agent/position.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rc_source_handler;
struct rc_incremental;

/* A consistent point of the database, taken by the source (rc_source_ops_t.snapshot_point). */
typedef struct rc_snapshot_point {
	char name[64];           /* the database's handle on the view (PostgreSQL: exported snapshot id) */
	rc_pos_t pos;            /* where the stream starts after the snapshot; the last row's commit
	                          * position (owned: rc_snapshot_point_clear) */
	rc_source_info_t source; /* the source block of every row (connector, db, position fields);
	                          * its strings are static or the configuration's */
} rc_snapshot_point_t;

/* Releases the point's position. */
void rc_snapshot_point_clear(rc_snapshot_point_t *pt);

/* What a snapshot did, per table and in total (the one-shot command's summary). */
typedef struct rc_snapshot_table_report {
	char *name;     /* schema.table */
	uint64_t rows;  /* rows published */
	uint64_t bytes; /* bytes read from the database */
	double seconds; /* time its reader spent on it */
} rc_snapshot_table_report_t;

typedef struct rc_snapshot_report {
	rc_snapshot_table_report_t *tables;
	size_t ntables;
	uint64_t rows, bytes;
	double seconds; /* from the start of the snapshot until the last row was acknowledged */
	bool complete;  /* every row acknowledged by Kafka */
} rc_snapshot_report_t;

/* Frees what a report holds and zeroes it. */
void rc_snapshot_report_clear(rc_snapshot_report_t *r);

typedef struct rc_snapshot rc_snapshot_t;

typedef struct rc_snapshot_ops {
	/*
	 * Lists the tables to copy, largest first, as the database shows them at pt (NULL: now): the
	 * named ones (names[nnames], "schema.table" or an unambiguous "table"), or, when nnames is 0,
	 * every table the filters include. Replaces an earlier list. Returns RC_OK; RC_ERR_FATAL with
	 * err naming the table for a name that does not exist, is ambiguous or is filtered out;
	 * RC_ERR_RETRY when the connection failed.
	 */
	int (*plan)(rc_snapshot_t *snap, const rc_snapshot_point_t *pt, const char *const *names, int nnames,
	            char *err, size_t errlen);
	/* The number of tables planned. */
	size_t (*ntables)(const rc_snapshot_t *snap);
	/* Starts the readers on pt (copied) and returns once each holds it (the source may then
	 * release what holds the point). Returns RC_OK or an RC_ERR_* class with err filled. */
	int (*start)(rc_snapshot_t *snap, const rc_snapshot_point_t *pt, char *err, size_t errlen);
	/* A descriptor that becomes readable when rows (or the readers' end) arrive. */
	int (*fd)(const rc_snapshot_t *snap);
	/*
	 * On the loop: emits up to budget rows as op=r events through h, one tracker transaction per
	 * batch, committed without a position; once every row is out, commits a last transaction at
	 * pt->pos and sets *done. Returns the number of events, or an RC_ERR_* class with err filled.
	 */
	int (*emit)(rc_snapshot_t *snap, const struct rc_source_handler *h, int budget, bool *done, char *err,
	            size_t errlen);
	/* On the loop, every turn: progress lines. Cheap when there is nothing to do. */
	void (*progress)(rc_snapshot_t *snap);
	/* Logs the end of the snapshot; fills report (may be NULL; cleared first) with complete set. */
	void (*finish)(rc_snapshot_t *snap, rc_snapshot_report_t *report);
	/* Stops the readers (interrupting their queries), joins them and frees everything. */
	void (*free)(rc_snapshot_t *snap);

	/* Optional (issue 13): the snapshot's acknowledged progress into o->progress (replaced): per
	 * table, done or the key of the last chunk whose every record Kafka acknowledged; never ahead
	 * of what Kafka has. progress_seq changes whenever that progress moved (worth a record). */
	void (*record)(rc_snapshot_t *snap, rc_offset_t *o);
	/* Optional: whether an interrupted snapshot of this database can be resumed (chunked reads and
	 * watermarks: the incremental op makes an engine); if not, its point is not recorded and a
	 * crash takes it again, as before. */
	bool (*resumable)(const rc_snapshot_t *snap);
	uint64_t (*progress_seq)(const rc_snapshot_t *snap);
	/* Optional: turns this (never started) coordinator into the incremental snapshot engine of a
	 * stream (agent/incremental.h), which takes it over (its configuration, reader ops and table
	 * filters); NULL with err filled when the database has no chunked reads (snap is freed
	 * either way). resume (borrowed, may be NULL): the recorded progress: its unfinished tables
	 * are queued first, each from its recorded key; all_tables (an interrupted initial snapshot):
	 * every included table it does not name as done is queued too. Its list of tables
	 * snapshotted is kept (and, with snapshot.new.tables=parallel, an included table missing
	 * from it is queued). */
	struct rc_incremental *(*incremental)(rc_snapshot_t *snap, const rc_offset_progress_t *resume,
	                                      bool all_tables, char *err, size_t errlen);
} rc_snapshot_ops_t;

struct rc_snapshot {
	const rc_snapshot_ops_t *ops;
};

#endif
