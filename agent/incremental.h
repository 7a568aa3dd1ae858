/*
 * Incremental snapshots while streaming (issue 13), as the core sees them: an engine that reads a
 * table in key-ordered chunks outside any consistent point while the stream goes on, and merges each
 * chunk into the stream with the watermark method (DBLog, Debezium's incremental snapshots):
 *
 *   1. the window opens: from now on the key of every streamed event of the table is remembered;
 *   2. low watermark (the reader's watermark op; PostgreSQL: a non-transactional logical message);
 *   3. the chunk is read (keys > the last chunk's, <= the table's largest key when its incremental
 *      snapshot began);
 *   4. high watermark;
 *   5. the stream goes on; when it reaches the high watermark, the chunk's rows whose keys the window
 *      did not see go out as op=r events (source.snapshot = "incremental"), the window closes, and
 *      the next chunk starts.
 *
 * One engine serves three callers: the resume of an initial snapshot a crash interrupted (the tables
 * and keys recorded in the offset record, agent/offset_store.h), on-demand snapshots (signals:
 * agent/signal*.c, through rc_incremental_execute / stop / pause below), and tables new to
 * table.include.list (snapshot.new.tables=parallel).
 *
 * Layering: agent/ never includes snapshot/ (tests/layering.sh). This is an ops interface, as
 * agent/snapshot.h is; the implementation is snapshot/incremental*.c, made by the function the
 * capture is given (rc_capture_args_t.incremental_new).
 *
 * Thread: the pipeline's loop, like the capture that owns the engine.
 */
#ifndef RC_INCREMENTAL_H
#define RC_INCREMENTAL_H

#include "agent/offset_store.h"
#include "agent/source.h"

#include <stdbool.h>
#include <stddef.h>

/* The prefix of the watermark messages (PostgreSQL: pg_logical_emit_message). */
#define RC_WATERMARK_PREFIX "rowcast.watermark"

typedef struct rc_incremental rc_incremental_t;

typedef struct rc_incremental_ops {
	/* rc_incremental_execute, rc_incremental_stop and rc_incremental_pause (below). */
	int (*execute)(rc_incremental_t *inc, const char *id, const char *const *tables, int ntables,
	               char *err, size_t errlen);
	int (*stop)(rc_incremental_t *inc, const char *id, const char *const *tables, int ntables);
	void (*pause)(rc_incremental_t *inc, bool pause);

	/* The capture's hooks. */
	/* Returns the handler the source is given while streaming: it passes every callback on to h
	 * (borrowed, valid until the next call or free) after remembering the keys of open windows, and
	 * swallows the watermark messages (never published, also with messages=true). */
	const rc_source_handler_t *(*wrap)(rc_incremental_t *inc, const rc_source_handler_t *h);
	/* On the loop, every turn while streaming: starts the next chunk when no window is open and
	 * something is queued, and emits a chunk whose high watermark the stream reached (through the
	 * wrapped handler h, one tracker transaction per chunk). Returns the number of events emitted, or
	 * an RC_ERR_* class with err filled. */
	int (*step)(rc_incremental_t *inc, const rc_source_handler_t *h, char *err, size_t errlen);
	/* 0 when step has something to do now (start or read a chunk), else -1 (waiting for the stream
	 * or for work). */
	int (*next_deadline_ms)(const rc_incremental_t *inc);
	/* Counts changes of the progress annotate writes (a chunk acknowledged, a table done). */
	uint64_t (*progress_seq)(const rc_incremental_t *inc);
	/* Fills o->progress with the engine's state that matches the position being recorded: for each
	 * table, the key of the last chunk whose every record Kafka acknowledged (never one ahead). */
	void (*annotate)(rc_incremental_t *inc, rc_offset_t *o);
	void (*free)(rc_incremental_t *inc);
} rc_incremental_ops_t;

struct rc_incremental {
	const rc_incremental_ops_t *ops;
};

/* Queues an incremental snapshot of tables ("schema.table"), in order, after what is queued. id: the
 * signal's id (for logs). Returns RC_OK, or RC_ERR_FATAL with err naming an unknown/filtered table. */
int rc_incremental_execute(rc_incremental_t *inc, const char *id, const char *const *tables, int ntables,
                           char *err, size_t errlen);
/* Drops tables (none: all) from the queue, the one in progress included. Returns RC_OK. */
int rc_incremental_stop(rc_incremental_t *inc, const char *id, const char *const *tables, int ntables);
/* Pauses (no new chunk starts; an open window still closes) or resumes. */
void rc_incremental_pause(rc_incremental_t *inc, bool pause);

#endif
