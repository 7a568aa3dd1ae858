/*
 * The snapshot coordinator, for every database: every row of the captured tables as the database
 * showed them at one consistent point (rc_snapshot_point_t), as op=r events (agent/snapshot.h).
 *
 * Threads (CONVENTIONS.md rule 11: the one place rowcast adds them). snapshot.max.threads reader
 * threads each open their own connection inside the point (the database's reader ops, below), take
 * tables from a shared work list (largest first) and hand rows to the loop in batches.
 *
 * The hand-off is the only thing the threads share with the loop's thread:
 *   - a reader fills a batch (at most snapshot.fetch.size rows or BATCH_BYTES of values, in the
 *     batch's own arena) and appends it to one FIFO of full batches under the lock, then writes a
 *     byte to a wake pipe (ops->fd) so the loop's poll returns;
 *   - the loop pops batches in ops->emit, turns their rows into events, and gives each emptied batch
 *     back to its reader's free list (signalling the condition variable);
 *   - each reader owns BATCHES_PER_READER batches and waits when all are in the queue: memory stays
 *     flat whatever the table size, and a slow Kafka slows the readers down.
 * Under the lock also: the next table to take, counters of readers that opened or finished, the
 * first failure, and the stop flag. Progress counters per table are atomics. Everything else
 * belongs to one thread.
 *
 * Acknowledgements: every batch is one transaction of the pipeline's tracker, committed without a
 * position (it confirms nothing); the very last one, committed once every reader is done, carries
 * the point's position. Since the tracker retires transactions in order, that position is confirmed
 * only when every snapshot record is acknowledged by Kafka.
 *
 * Markers (source.snapshot), as Debezium 3.6: "first" on the first row of the first table planned,
 * "first_in_data_collection" / "last_in_data_collection" on each table's first / last row (a one-row
 * table's is last_in_data_collection), "last" on the snapshot's very last row, "true" between. A
 * reader hands a full batch over only when the table's next row comes (or the table ends), so the
 * batch with a table's last row knows it.
 */
#ifndef RC_SNAPSHOT_H
#define RC_SNAPSHOT_H

#include "agent/arena.h"
#include "agent/conf.h"
#include "agent/event.h"
#include "agent/snapshot.h"
#include "agent/table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One table of the work list. */
typedef struct rc_snap_table {
	char *schema, *name, *full; /* full: "schema.table", for messages */
	uint32_t source_id;         /* the database's id of it (PostgreSQL: relation OID) */
	char kind;       /* the database's kind of it (PostgreSQL: 'r' ordinary, 'p' partitioned) */
	int64_t size;    /* bytes on disk: the order of the work list */
	double estimate; /* rows; < 0 unknown (never analyzed) */

	/* Progress, written by the table's reader, read by the loop's thread: atomics. */
	uint64_t rows_read, bytes_read;
	int64_t started_ms, finished_ms; /* monotonic; 0 = not yet */

	/* The loop's own. */
	uint64_t rows_emitted;
	int64_t last_log_ms;
	uint64_t last_log_rows;
} rc_snap_table_t;

/* A candidate list being planned (the database lists, the coordinator picks and orders). */
typedef struct rc_snap_plan rc_snap_plan_t;

/* Adds a table the database has (strings copied). Returns 0, or -1 when out of memory. */
int rc_snap_plan_add(rc_snap_plan_t *plan, const char *schema, const char *name, uint32_t source_id,
                     char kind, int64_t size, double estimate);

/* A reader's end of the hand-off. */
typedef struct rc_snap_out rc_snap_out_t;

/*
 * The values of the next row of table (the batch retains it): table->ncols zeroed values, and
 * *arena for what they point to, both valid until the row is handed over. Returns NULL when the
 * snapshot is stopping (return RC_STOPPED-free: simply RC_OK from read_table) or when out of memory
 * (then *oom is set).
 */
rc_value_t *rc_snap_out_row(rc_snap_out_t *out, rc_table_t *table, rc_arena_t **arena, bool *oom);

/* The row is complete; bytes is what it took to read (progress). May hand the batch over. */
void rc_snap_out_row_done(rc_snap_out_t *out, size_t bytes);

/* The key of a row as a chunk boundary (issue 13): each key column's value in the database's text form
 * (the form a literal of that column's type takes in SQL). n == 0: none (before the first row). */
typedef struct rc_chunk_key {
	int n;
	char **text; /* n strings, owned (rc_chunk_key_clear) */
} rc_chunk_key_t;

/* Whether want names t: "schema.table" exactly, a table's name alone, or (as Debezium's
 * data-collections) a POSIX extended regular expression over the whole "schema.table" (a name with
 * any of *+?[](){}|^$\ in it). 1 or 0; -1 with err filled when want is not a regular expression. */
int rc_snap_name_match(const char *want, const rc_snap_table_t *t, char *err, size_t errlen);
bool rc_snap_name_is_pattern(const char *want);

void rc_chunk_key_clear(rc_chunk_key_t *k);
int rc_chunk_key_copy(rc_chunk_key_t *dst, const rc_chunk_key_t *src); /* 0, or -1 out of memory */

/* What a database gives the coordinator. plan runs on the loop's thread; open, read_table and close
 * on a reader thread; cancel on another thread while read_table runs. */
typedef struct rc_snapshot_reader_ops {
	const char *name;
	/* Adds every table the database has that a snapshot could copy (ordinary and partitioned tables,
	 * not partitions, not system schemas) to plan, as seen at pt (NULL: now). The coordinator
	 * applies the filters and the names, and orders them. */
	int (*plan)(const rc_conf_t *conf, const rc_snapshot_point_t *pt, rc_snap_plan_t *plan, char *err,
	            size_t errlen);
	/* Opens a connection inside pt; *reader is the database's state. */
	int (*open)(const rc_conf_t *conf, const rc_snapshot_point_t *pt, void **reader, char *err,
	            size_t errlen);
	/* Reads every row of t into out, converting values as the stream does. Returns RC_OK (also when
	 * out said stop), or an RC_ERR_* class with err filled (a lost connection, a dropped table or an
	 * expired snapshot RC_ERR_RETRY; a refused privilege or a value that cannot be converted
	 * RC_ERR_FATAL). Progress counters of t are the coordinator's. */
	int (*read_table)(void *reader, rc_snap_table_t *t, rc_snap_out_t *out, char *err, size_t errlen);
	/* Interrupts a read_table blocked in the database (thread-safe). */
	void (*cancel)(void *reader);
	/* Ends the reader; complete: every table was read (commit what the reader opened). */
	void (*close)(void *reader, bool complete);

	/* Chunked reads (issue 13), all three optional (NULL: the database has no chunked reads). */
	/* Opens a reader NOT inside a consistent point, for incremental chunks: each chunk is one
	 * statement in its own READ COMMITTED (PostgreSQL) / REPEATABLE READ consistent read (InnoDB)
	 * transaction. */
	int (*open_live)(const rc_conf_t *conf, void **reader, char *err, size_t errlen);
	/* Reads the next chunk of t: about limit rows whose key is greater than *after (after->n == 0:
	 * from the first row), and not greater than *upto when upto is non-NULL with upto->n > 0 (the
	 * table's largest key when its incremental snapshot began: rows inserted later come through the
	 * stream), in key order, into out exactly as read_table does (rc_snap_out_row, then
	 * rc_snap_out_row_done per row). *last receives the key of the chunk's last row (cleared first;
	 * n == 0 when the chunk was empty: the table is done), *nrows the rows read; a chunk of fewer
	 * than limit rows is the table's last. The key is the table's primary key (or
	 * message.key.columns when set): then a chunk is at most limit rows. A table without one:
	 * PostgreSQL reads ctid ranges (the key is one text, "(block,0)", upto the table's size in
	 * blocks, and a chunk's blocks hold about limit rows), MySQL/MariaDB returns RC_ERR_FATAL naming
	 * the table ("has no primary key: set message.key.columns"). Composite keys compare as a row
	 * (a, b) > (x, y), written so that the server uses the key's index (MySQL: a > x OR (a = x AND
	 * b > y)). */
	int (*read_chunk)(void *reader, rc_snap_table_t *t, const rc_chunk_key_t *after,
	                  const rc_chunk_key_t *upto, size_t limit, rc_snap_out_t *out, rc_chunk_key_t *last,
	                  size_t *nrows, char *err, size_t errlen);
	/* The largest key of t now (*max cleared first; n == 0 when the table is empty); a keyless
	 * PostgreSQL table's size in blocks, "(blocks,0)". */
	int (*max_key)(void *reader, rc_snap_table_t *t, rc_chunk_key_t *max, char *err, size_t errlen);
	/* Parallel chunks of one table (optional): the key of the limit-th row after *after (after->n
	 * == 0: from the first row) in key order into *bound (cleared first; n == 0 when fewer rows
	 * follow), and in *more whether a row follows *bound; so that readers inside one point can each
	 * read a chunk (after, bound] of the same table at once. RC_END: the table has no key that
	 * bounds a chunk (a keyless table's ctid ranges), one reader reads it. */
	int (*chunk_bound)(void *reader, rc_snap_table_t *t, const rc_chunk_key_t *after, size_t limit,
	                   rc_chunk_key_t *bound, bool *more, char *err, size_t errlen);
	/* Marks the source's log around a chunk read outside a consistent point and returns the
	 * position (the source codec's rc_pos_t, as the stream's commit positions are) the stream will
	 * reach there: PostgreSQL writes a non-transactional logical decoding message,
	 * pg_logical_emit_message(false, 'rowcast.watermark', '<chunk_id> low|high'), and returns its
	 * LSN; MySQL/MariaDB reads the binlog position (SHOW MASTER STATUS: file and position; with
	 * GTIDs also @@gtid_binlog_pos / @@gtid_executed) as the stream's positions are made
	 * (decoders/mysql position codec). */
	int (*watermark)(void *reader, const char *chunk_id, bool high, rc_pos_t *at, char *err,
	                 size_t errlen);
} rc_snapshot_reader_ops_t;

/* Returns a coordinator configured from conf (borrowed: snapshot.max.threads, snapshot.fetch.size,
 * the table filters) over the database's reader ops (static), or NULL with err filled. */
rc_snapshot_t *rc_snapshot_new(const rc_conf_t *conf, const rc_snapshot_reader_ops_t *ops, char *err,
                               size_t errlen);

#endif
