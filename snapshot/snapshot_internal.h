/*
 * What the coordinator (snapshot.c), the reader threads (snapshot_reader.c) and the progress lines
 * (snapshot_progress.c) share. snapshot.h describes the threads and the hand-off.
 */
#ifndef RC_SNAPSHOT_INTERNAL_H
#define RC_SNAPSHOT_INTERNAL_H

#include "agent/acktrack.h"
#include "agent/arena.h"
#include "agent/conf.h"
#include "agent/event.h"
#include "agent/source.h"
#include "agent/table.h"
#include "agent/buf.h"
#include "snapshot/snapshot.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define BATCHES_PER_READER 4
#define BATCH_BYTES (4u << 20) /* a batch is handed over at this much value memory, whatever its rows */

typedef struct rc_snap rc_snap_t;

struct rc_snap_plan {
	rc_snap_table_t *tables;
	size_t n, cap;
};

/* Rows of one table handed from a reader to the loop's thread. */
typedef struct snap_batch {
	struct snap_batch *next; /* in the queue or the owner's free list */
	rc_snap_out_t *owner;
	rc_snap_table_t *st;
	rc_table_t *table; /* a reference held while the batch is full */
	rc_value_t **rows; /* cap entries; each row has table->ncols values in arena */
	size_t nrows, cap;
	bool table_first; /* rows[0] is its table's first row */
	bool table_last;  /* rows[nrows - 1] is its table's last row */
	/* Chunked reads: the key of the chunk whose last row is in this batch (n == 0: no chunk ended
	 * here), and the chunk's number in its table's key order (readers sharing a table hand in
	 * their chunks out of that order). Its acknowledgement, once every chunk before it is
	 * acknowledged too, moves the table's recorded key. */
	rc_chunk_key_t chunk_key;
	uint64_t chunk_seq;
	uint64_t chunk_rows; /* the chunk's rows, in this batch and earlier ones */
	rc_arena_t arena;
	/* The incremental engine's chunk (snapshot/incremental.c): rows grow without a cap. */
	bool growable;
} snap_batch_t;

/* A batch emitted and not yet acknowledged: what its retirement records (a FIFO, the tracker's
 * order). */
typedef struct snap_pending {
	struct snap_pending *next;
	size_t table;       /* index into rc_snap_t.tables */
	rc_chunk_key_t key; /* the batch's chunk_key (moved) */
	uint64_t seq;       /* and chunk_seq, chunk_rows */
	uint64_t chunk_rows;
	uint64_t rows;
	bool last; /* the table's last batch */
} snap_pending_t;

/* A table's acknowledged progress (the loop's thread). */
typedef struct snap_acked {
	rc_chunk_key_t key; /* the last chunk whose every record, and every earlier chunk's, Kafka
	                     * acknowledged */
	uint64_t next_seq;  /* the chunk after it */
	struct snap_early {
		uint64_t seq, rows;
		rc_chunk_key_t key;
	} * early; /* chunks acknowledged before an earlier one (readers sharing the table) */
	size_t nearly, capearly;
	uint64_t rows;     /* every row acknowledged */
	uint64_t key_rows; /* the rows up to key (what a resume need not read again) */
	bool started, done;
} snap_acked_t;

/*
 * Parallel chunks within one table (issue 13), under snap->lock. The table's first reader (its
 * owner) reads it chunk after chunk, each starting after the last one's last key. A reader with no
 * table left asks to join (join_wanted); at its next chunk's end the owner, when a chunk's worth
 * of rows is still ahead, shares it: from then on every reader takes the next chunk (after,
 * bound], the bound found by chunk_bound from next_after, one finder at a time. Chunks are
 * numbered in key order, so that the loop records a key only once every chunk before it is
 * acknowledged. The last reader to leave a table whose last chunk was handed out marks its last
 * batch as the table's last.
 */
typedef struct snap_share {
	int readers;      /* readers on it (the owner from its start, a joiner from its first chunk) */
	bool shared;      /* chunks handed out by bounds, from next_after */
	bool join_wanted; /* a reader waits for the owner to share it */
	bool closed;      /* no joining: read whole, keyless, too little left, or done */
	bool handed_all;  /* its last chunk was handed out (or its owner read it to its end) */
	bool bounding;    /* a reader is finding the next bound */
	bool first_pushed;
	uint64_t next_seq; /* the next chunk's number */
	rc_chunk_key_t next_after;
} snap_share_t;

/* A reader thread and its end of the hand-off. */
struct rc_snap_out {
	rc_snap_t *snap;
	int idx;
	pthread_t thread;
	bool running;       /* thread created (joined at free) */
	void *db;           /* under snap->lock: the database's reader state, for cancel */
	snap_batch_t *free; /* under snap->lock */
	snap_batch_t pool[BATCHES_PER_READER];

	/* The reader thread's own. */
	rc_snap_table_t *st;      /* table being read */
	snap_batch_t *cur;        /* batch being filled; a full one is handed over only when the next row
	                           * comes, so that the table's last row is known to be in the last batch */
	uint64_t chunk_rows_read; /* rows of the chunk being read so far */
	bool chunk_ended;         /* cur holds a chunk's last row: the next row starts a batch, so that a
	                           * batch's chunk_key covers every row in it and no row of the next */
	snap_batch_t *collect;    /* non-NULL: the incremental engine's out, every row into this batch */
};

struct rc_snap {
	rc_snapshot_t base;
	const rc_conf_t *conf;
	const rc_snapshot_reader_ops_t *db;
	rc_snap_table_t *tables;
	size_t ntables;
	snap_share_t *shares; /* ntables, under lock */
	rc_snap_out_t *readers;
	int nreaders;
	size_t batch_rows;

	size_t chunk_rows; /* incremental.snapshot.chunk.size: rows per chunked read */

	/* Acknowledged progress (the loop's thread): per table, and the batches emitted not yet
	 * retired. progress_seq counts changes (the capture records them). */
	snap_acked_t *acked; /* ntables */
	snap_pending_t *pend_head, *pend_tail;
	uint64_t progress_seq;

	rc_snapshot_point_t pt; /* its own copy (position referenced) */
	int64_t ts_us;          /* wall clock at the start: source.ts_ms of every event */
	int64_t started_ms;     /* monotonic */

	/* Shared, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a batch came back to a free list, a reader opened or ended, stop */
	snap_batch_t *qhead, *qtail;
	size_t next_table;
	int opened, finished;
	int failed; /* 0, or the RC_ERR_* class of the first failure */
	char failure[RC_ERRSTR_LEN];
	bool stop;
	int wake[2]; /* pipe: a byte per hand-off, the loop polls [0] */

	/* The loop thread's own. */
	snap_batch_t *cur; /* batch being emitted */
	size_t cur_row;
	rc_ack_txn_t *cur_txn;
	snap_batch_t *held; /* a batch whose last row is held back until the next row shows whether
	                     * it is the snapshot's last */
	rc_ack_txn_t *held_txn;
	bool done;
	uint64_t rows_emitted;
	bool tty;      /* stderr is a terminal: an updating progress line */
	bool tty_line; /* that line is on screen */
	int64_t last_tty_ms, last_log_ms;
};

/* Records the first failure (class rc, RC_ERR_*), tells every thread to stop, wakes the loop. */
void rc_snap_fail(rc_snap_t *snap, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Wakes the loop's poll (the byte is drained in emit). */
void rc_snap_wake(rc_snap_t *snap);

/* The reader thread. arg is its rc_snap_out_t. */
void *rc_snap_reader_main(void *arg);

/* rc_snapshot_ops_t's progress and finish (snapshot_progress.c); clears the terminal line. */
void rc_snap_progress(rc_snapshot_t *base);
void rc_snap_finish(rc_snapshot_t *base, rc_snapshot_report_t *report);
void rc_snap_progress_clear(rc_snap_t *snap);

/* /metrics (agent/metrics.h): rows read and estimated per table; opaque is the rc_snap_t. Added
 * when the readers start, removed when the snapshot is freed. */
void rc_snap_collect(rc_buf_t *b, void *opaque);

/* rc_snapshot_ops_t.incremental (snapshot/incremental.c): the engine takes snap over. */
struct rc_incremental *rc_snap_incremental_new(rc_snapshot_t *snap, const rc_offset_progress_t *resume,
                                               bool all_tables, char *err, size_t errlen);

/* The tables co_plan listed (snapshot.c), for the engine's planning. */
rc_snap_table_t *rc_snap_planned(rc_snapshot_t *snap, size_t *n);

#endif
