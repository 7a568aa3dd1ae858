/*
 * What snapshot/postgres/pg_snapshot.c (the coordinator and the pipeline side) and
 * snapshot/postgres/pg_reader.c (the reader threads) share. pg_snapshot.h describes the threads and the
 * hand-off queue.
 */
#ifndef RC_SNAP_INTERNAL_H
#define RC_SNAP_INTERNAL_H

#include "agent/acktrack.h"
#include "agent/arena.h"
#include "agent/conf.h"
#include "agent/event.h"
#include "agent/table.h"
#include "snapshot/postgres/pg_snapshot.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define BATCHES_PER_READER 4
#define BATCH_BYTES (4u << 20) /* a batch is handed over at this much value memory, whatever its rows */

/* One table of the work list. */
typedef struct snap_table {
	uint32_t relid;
	char *schema, *name, *full; /* full: "schema.table", for messages */
	char relkind;               /* 'r' ordinary, 'p' partitioned */
	int64_t pages;              /* size in 8 kB pages, pg_relation_size (partitions summed) */
	double estimate;            /* pg_class.reltuples (partitions summed); < 0 unknown */

	/* Progress, written by the table's reader, read by the pipeline thread: atomics. */
	uint64_t rows_read, bytes_read;
	int64_t started_ms, finished_ms; /* monotonic; 0 = not yet */

	/* The pipeline thread's own. */
	uint64_t rows_emitted;
	int64_t last_log_ms;
	uint64_t last_log_rows;
} snap_table_t;

typedef struct snap_reader snap_reader_t;

/* Rows of one table handed from a reader to the pipeline thread. */
typedef struct snap_batch {
	struct snap_batch *next; /* in the queue or the owner's free list */
	snap_reader_t *owner;
	snap_table_t *st;
	rc_table_t *table; /* a reference held while the batch is full */
	rc_value_t **rows; /* cap entries; each row has table->ncols values in arena */
	size_t nrows, cap;
	rc_arena_t arena;
} snap_batch_t;

struct snap_reader {
	rc_pg_snapshot_t *snap;
	int idx;
	pthread_t thread;
	bool running;       /* thread created (joined at free) */
	PGcancel *cancel;   /* under snap->lock: lets the coordinator interrupt a query */
	snap_batch_t *free; /* under snap->lock */
	snap_batch_t pool[BATCHES_PER_READER];
};

struct rc_pg_snapshot {
	const rc_conf_t *conf;
	snap_table_t *tables;
	size_t ntables;
	snap_reader_t *readers;
	int nreaders;
	size_t batch_rows;

	char name[64]; /* exported snapshot */
	uint64_t position, final_position;
	int64_t ts_us;      /* wall clock at the start: source.ts_ms of every event */
	int64_t started_ms; /* monotonic */

	/* Shared, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a batch came back to a free list, a reader imported or ended, stop */
	snap_batch_t *qhead, *qtail;
	size_t next_table;
	int imported, finished;
	int failed; /* 0, or the RC_ERR_* class of the first failure */
	char failure[1024];
	bool stop;
	int wake[2]; /* pipe: a byte per hand-off, the pipeline thread polls [0] */

	/* The pipeline thread's own. */
	snap_batch_t *cur; /* batch being emitted */
	size_t cur_row;
	rc_ack_txn_t *cur_txn;
	snap_batch_t *held; /* a batch whose last row is held back until the next row shows whether
	                     * it is the snapshot's last */
	rc_ack_txn_t *held_txn;
	bool first_emitted, done;
	uint64_t rows_emitted;
	bool tty;      /* stderr is a terminal: an updating progress line */
	bool tty_line; /* that line is on screen */
	int64_t last_tty_ms, last_log_ms;
};

int64_t rc_snap_mono_ms(void);

/* Records the first failure (class rc, RC_ERR_*), tells every thread to stop, wakes the pipeline. */
void rc_snap_fail(rc_pg_snapshot_t *snap, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Wakes the pipeline thread's poll (the byte is drained in rc_pg_snapshot_emit). */
void rc_snap_wake(rc_pg_snapshot_t *snap);

/* The reader thread. arg is its snap_reader_t. */
void *rc_snap_reader_main(void *arg);

#endif
