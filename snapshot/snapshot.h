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
} rc_snapshot_reader_ops_t;

/* Returns a coordinator configured from conf (borrowed: snapshot.max.threads, snapshot.fetch.size,
 * the table filters) over the database's reader ops (static), or NULL with err filled. */
rc_snapshot_t *rc_snapshot_new(const rc_conf_t *conf, const rc_snapshot_reader_ops_t *ops, char *err,
                               size_t errlen);

#endif
