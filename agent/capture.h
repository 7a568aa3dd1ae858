/*
 * The capture: one source's life from start to streaming, the same for every database (Debezium's
 * ChangeEventSourceCoordinator). It decides per snapshot.mode and the recorded offset whether this
 * start takes a snapshot, takes it at a consistent point of the source, and hands over to the
 * stream at that point once every snapshot row is acknowledged, so a row's r event always precedes
 * its streamed changes and nothing falls between the two.
 *
 *   starting -> streaming
 *   starting -> snapshot -> snapshot acknowledgement -> streaming
 *   starting -> snapshot -> snapshot acknowledgement -> (end: initial_only, rowcast snapshot)
 *
 * A snapshot that will hand over to a stream is recorded as running in the offset store before the
 * source makes its consistent point, so a crash from there on means "take it again", never "resume
 * from nothing"; once the point P is made it is recorded too, with the snapshot's acknowledged
 * progress per table, and a crash then means "resume" (issue 13): stream from P and read what Kafka
 * lacks as incremental chunks while streaming (agent/incremental.h).
 *
 * The pipeline (agent/pipeline.c) owns one capture per stream life and calls it like a source.
 */
#ifndef RC_CAPTURE_H
#define RC_CAPTURE_H

#include "agent/conf.h"
#include "agent/incremental.h"
#include "agent/offset_store.h"
#include "agent/signal.h"
#include "agent/snapshot.h"
#include "agent/source.h"

#include <stdbool.h>
#include <stddef.h>

/* The one-shot `rowcast snapshot`: which tables, and where the summary goes. */
typedef struct rc_capture_oneshot {
	const char *const *tables; /* "schema.table" or "table"; none: every included table */
	int ntables;
	rc_snapshot_report_t *report; /* filled once every row is acknowledged (caller clears) */
} rc_capture_oneshot_t;

/* Makes the snapshot coordinator for a source type (agent/cli wires snapshot/snapshot.c in). */
typedef rc_snapshot_t *(*rc_snapshot_new_fn)(const rc_conf_t *conf, void *opaque, char *err, size_t errlen);

typedef struct rc_capture_args {
	const rc_conf_t *conf; /* borrowed */
	rc_source_t *src;      /* the capture takes ownership */
	rc_snapshot_new_fn snapshot_new;
	void *snapshot_opaque;
	rc_offset_store_t *store;            /* borrowed; NULL: no position is recorded */
	const rc_offset_t *recorded;         /* borrowed; NULL: nothing recorded */
	const rc_capture_oneshot_t *oneshot; /* borrowed; NULL unless the one-shot command */
	bool *snapshot_taken;        /* the process's: snapshot.mode=always takes one per process, not one per
	                              * restart of the stream */
	rc_signal_router_t *signals; /* borrowed; NULL: no source channel. Every streamed event is shown
	                              * to it (rc_signal_from_event) before it goes on. */
} rc_capture_args_t;

typedef struct rc_capture rc_capture_t;

/* Returns a capture (free with rc_capture_free), or NULL with err filled; args->src is freed then. */
rc_capture_t *rc_capture_new(const rc_capture_args_t *args, char *err, size_t errlen);

/* Connects, decides and starts: a snapshot, or the stream. *resume receives the position streaming
 * starts from (unset before a snapshot: nothing is confirmed until the whole of it is). */
int rc_capture_start(rc_capture_t *cap, rc_pos_t *resume, char *err, size_t errlen);

/* As rc_source_ops_t's fd, read, confirm and next_deadline_ms, across the phases. read returns RC_END
 * once a snapshot that no stream follows is acknowledged. */
int rc_capture_fd(rc_capture_t *cap);
int rc_capture_read(rc_capture_t *cap, const rc_source_handler_t *h, int budget, char *err, size_t errlen);
int rc_capture_confirm(rc_capture_t *cap, const rc_pos_t *position, bool force, char *err, size_t errlen);
int rc_capture_next_deadline_ms(rc_capture_t *cap);

/* Fills what a position about to be recorded means: a snapshot still running (its point and
 * acknowledged progress), or none; the incremental snapshots' progress and the tables snapshotted. */
void rc_capture_annotate(rc_capture_t *cap, rc_offset_t *o);

/* Changes whenever what rc_capture_annotate writes moved without the position moving (a snapshot's
 * chunk acknowledged): the pipeline records it then too. */
uint64_t rc_capture_record_seq(const rc_capture_t *cap);

/* The stream stopped cleanly (a stop request or the source's end) after its last confirm; complete
 * is false when records read are left unacknowledged. Passes it to the source (its optional
 * stopped operation: PostgreSQL's slot.drop.on.stop). Returns RC_OK or an RC_ERR_* class. */
int rc_capture_stopped(rc_capture_t *cap, bool complete, char *err, size_t errlen);

/* Frees the snapshot (its readers first), then the source. NULL is fine. */
/* The capture's phase for people ("starting", "snapshot", "streaming", ...), and whether a snapshot
 * is still in progress (copying, or waiting for the acknowledgement of its rows). */
const char *rc_capture_phase(const rc_capture_t *cap);
bool rc_capture_snapshot_running(const rc_capture_t *cap);

/* How many bytes the source's log holds beyond position (borrowed), from what the server last said
 * (PostgreSQL: its WAL end); -1 when unknown (the source cannot tell, or is not streaming). */
int64_t rc_capture_lag_bytes(rc_capture_t *cap, const rc_pos_t *position);

/* The capture's incremental snapshot engine (agent/incremental.h), for the signal channels; NULL
 * while there is none (the source has no chunked reads, or the capture is not streaming yet). */
rc_incremental_t *rc_capture_incremental(rc_capture_t *cap);

void rc_capture_free(rc_capture_t *cap);

#endif
