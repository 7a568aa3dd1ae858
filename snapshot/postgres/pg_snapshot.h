/*
 * PostgreSQL consistent snapshots: every row of the captured tables as they were at one exported
 * snapshot, as op=r events.
 *
 * Threads (CONVENTIONS.md rule 11: the one place rowcast adds them). snapshot.max.threads reader
 * threads each open an ordinary connection, import the exported snapshot in a REPEATABLE READ, READ
 * ONLY transaction, then take tables from a shared work list (largest first) and read each with
 * COPY (SELECT cols FROM table) TO STDOUT, converting values as the stream does (the table's
 * rc_table_t is built by rc_pg_relcache_build from pg_attribute, read in the snapshot).
 *
 * The hand-off queue is the only thing the threads share with the pipeline thread:
 *   - a reader fills a batch (at most snapshot.fetch.size rows or BATCH_BYTES of values, in the
 *     batch's own arena) and appends it to one FIFO of full batches under snap->lock, then writes a
 *     byte to a wake pipe (rc_pg_snapshot_fd) so the pipeline's poll() returns;
 *   - the pipeline thread pops batches in rc_pg_snapshot_emit, turns their rows into events, and
 *     gives each emptied batch back to its reader's free list (signalling snap->cond);
 *   - each reader owns BATCHES_PER_READER batches and waits on snap->cond when all are in the queue:
 *     memory stays flat whatever the table size, and a slow Kafka slows the readers down.
 * Under snap->lock also: the next table to take, counters of readers that imported the snapshot or
 * finished, the first failure, and the stop flag. Progress counters per table are atomics.
 * Everything else belongs to one thread.
 *
 * Acknowledgements: every batch is one transaction of the pipeline's tracker, committed at position
 * 0 (it confirms nothing); the very last one, committed once every reader is done, carries the
 * snapshot's final position. Since the tracker retires transactions in order, that position is
 * confirmed only when every snapshot record is acknowledged by Kafka.
 */
#ifndef RC_PG_SNAPSHOT_H
#define RC_PG_SNAPSHOT_H

#include "agent/conf.h"
#include "agent/source.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rc_pg_snapshot rc_pg_snapshot_t;

/* What a snapshot did, per table and in total (the one-shot command's summary). */
typedef struct rc_pg_snapshot_table_report {
	char *name;     /* schema.table */
	uint64_t rows;  /* rows published */
	uint64_t bytes; /* COPY text read from PostgreSQL */
	double seconds; /* time its reader spent on it */
} rc_pg_snapshot_table_report_t;

typedef struct rc_pg_snapshot_report {
	rc_pg_snapshot_table_report_t *tables;
	size_t ntables;
	uint64_t rows, bytes;
	double seconds; /* from the start of the snapshot until the last row was acknowledged */
	bool complete;  /* every row acknowledged by Kafka */
} rc_pg_snapshot_report_t;

/* Frees what a report holds and zeroes it. */
void rc_pg_snapshot_report_clear(rc_pg_snapshot_report_t *r);

/* Returns a snapshot reader configured from conf (borrowed: snapshot.max.threads, snapshot.fetch.size,
 * the table and column filters), or NULL with err filled. Free with rc_pg_snapshot_free. */
rc_pg_snapshot_t *rc_pg_snapshot_new(const rc_conf_t *conf, char *err, size_t errlen);

/*
 * Lists the tables to copy, largest first (pg_relation_size): the named ones (names[nnames],
 * "schema.table" or an unambiguous "table"; each must pass the filters), or, when nnames is 0, every
 * table the filters include (ordinary and partitioned, not partitions). sql is an ordinary
 * connection, preferably inside the snapshot (rc_pg_snapshot_import) so the list is the snapshot's.
 * Replaces an earlier list. Returns RC_OK; RC_ERR_FATAL with err naming the table for a name that
 * does not exist, is ambiguous or is filtered out, and when no table is left; RC_ERR_RETRY when the
 * connection failed.
 */
int rc_pg_snapshot_plan(rc_pg_snapshot_t *snap, PGconn *sql, const char *const *names, int nnames, char *err,
                        size_t errlen);

/* The number of tables planned. */
size_t rc_pg_snapshot_ntables(const rc_pg_snapshot_t *snap);

/*
 * Opens a REPEATABLE READ, READ ONLY transaction on sql that sees exported snapshot name (end it with
 * COMMIT). Returns RC_OK or an RC_ERR_* class with err filled (an unknown or expired snapshot is
 * RC_ERR_RETRY: a new one is taken on restart).
 */
int rc_pg_snapshot_import(PGconn *sql, const char *name, char *err, size_t errlen);

/*
 * Takes a snapshot without a slot: opens a REPEATABLE READ, READ ONLY transaction on sql and exports
 * its snapshot (pg_export_snapshot) into name (namelen bytes); *lsn receives the server's WAL position
 * then. The snapshot lives while sql's transaction is open: COMMIT it once rc_pg_snapshot_start has
 * returned. Returns RC_OK or an RC_ERR_* class with err filled.
 */
int rc_pg_snapshot_export(PGconn *sql, char *name, size_t namelen, uint64_t *lsn, char *err, size_t errlen);

/*
 * Starts the readers on exported snapshot name and returns once every reader has imported it (the
 * exporting connection may then run other commands, or close). Events carry source.lsn = position;
 * the last batch is committed at final_position (normally the same). Returns RC_OK or an RC_ERR_*
 * class with err filled (the readers are stopped again).
 */
int rc_pg_snapshot_start(rc_pg_snapshot_t *snap, const char *name, uint64_t position, uint64_t final_position,
                         char *err, size_t errlen);

/* A descriptor that becomes readable when batches (or the readers' end) arrive. */
int rc_pg_snapshot_fd(const rc_pg_snapshot_t *snap);

/*
 * On the pipeline thread: emits up to budget rows as op=r events through h (source.snapshot "first"
 * for the first, "last" for the very last, "true" otherwise; one tracker transaction per batch).
 * Once every reader is done and every row emitted, commits the final transaction at final_position
 * and sets *done. Returns the number of events emitted, or an RC_ERR_* class with err filled (a
 * reader's failure: a lost connection is RC_ERR_RETRY, a value that cannot be converted
 * RC_ERR_FATAL).
 */
int rc_pg_snapshot_emit(rc_pg_snapshot_t *snap, const rc_source_handler_t *h, int budget, bool *done,
                        char *err, size_t errlen);

/* On the pipeline thread, every loop turn: a log line per table being copied every 5 s, and on a
 * terminal a single updating line on stderr. Cheap when there is nothing to do. */
void rc_pg_snapshot_progress(rc_pg_snapshot_t *snap);

/* Logs the end of the snapshot (rows, tables, seconds) and clears the terminal line; fills report
 * (may be NULL; clear it first) with complete = true. */
void rc_pg_snapshot_finish(rc_pg_snapshot_t *snap, rc_pg_snapshot_report_t *report);

/* Stops the readers (cancelling their queries), joins them and frees everything. NULL is fine. */
void rc_pg_snapshot_free(rc_pg_snapshot_t *snap);

#endif
