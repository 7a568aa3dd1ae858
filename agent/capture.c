#include "config.h"

#include "agent/capture.h"

#include "agent/clock.h"
#include "agent/errors.h"
#include "agent/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
	PHASE_STARTING,
	PHASE_STREAMING,
	PHASE_SNAPSHOT,     /* readers copying, rows going out as op=r events */
	PHASE_SNAPSHOT_ACK, /* every row handed to the sink; waiting for the final position's confirmation */
} phase_t;

static const char *const phase_names[] = {"starting", "streaming", "snapshot", "snapshot acknowledgement"};

struct rc_capture {
	rc_capture_args_t a;
	rc_source_t *src;
	phase_t phase;
	rc_snapshot_t *snap;
	rc_snapshot_point_t pt;
	bool standalone; /* no stream follows the snapshot */
	uint32_t snap_tables;
	rc_pos_t confirmed;               /* the newest position the pipeline confirmed */
	const rc_source_handler_t *inner; /* the handler the signal wrapper passes on to, for a read */
	rc_incremental_t *inc;            /* the incremental snapshot engine; NULL: none */
	/* What the engine starts from (borrowed from the recorded offset, or owned: final_progress). */
	const rc_offset_progress_t *resume_progress;
	bool resume_all;                      /* an interrupted initial snapshot: every table not done */
	rc_offset_progress_t *final_progress; /* the finished snapshot's, handed to the engine */
	uint64_t seq_base;                    /* record_seq of what is gone (the snapshot's) */
	bool resumable;                       /* the snapshot's point and progress are recorded */
	int64_t looked_ms;                    /* the last look for new tables (new_tables) */
};

rc_incremental_t *rc_capture_incremental(rc_capture_t *cap)
{
	return cap ? cap->inc : NULL;
}

static void set_phase(rc_capture_t *cap, phase_t phase)
{
	if (cap->phase != phase)
		rc_log_info("capture", "state %s -> %s", phase_names[cap->phase], phase_names[phase]);
	cap->phase = phase;
}

rc_capture_t *rc_capture_new(const rc_capture_args_t *args, char *err, size_t errlen)
{
	rc_capture_t *cap = calloc(1, sizeof *cap);

	if (!cap) {
		args->src->ops->free(args->src);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cap->a = *args;
	cap->src = args->src;
	return cap;
}

static const char *pos_text(const rc_capture_t *cap, const rc_pos_t *p, char *buf)
{
	return rc_pos_text(cap->src->codec, p, buf, RC_POS_TEXTLEN);
}

/*
 * Takes the snapshot: the tables counted and the snapshot recorded as running (when a stream
 * follows), the source's consistent point, the tables listed as that point sees the catalog (a table
 * made after it has its rows streamed, not copied), the readers started on it, and the source told
 * it may let the point go.
 */
static int start_snapshot(rc_capture_t *cap, bool then_stream, rc_pos_t *resume, char *err, size_t errlen)
{
	const rc_capture_oneshot_t *one = cap->a.oneshot;
	const char *const *names = one ? one->tables : NULL;
	int nnames = one ? one->ntables : 0, rc;
	char at[RC_POS_TEXTLEN];

	cap->standalone = !then_stream;
	cap->snap = cap->a.snapshot_new(cap->a.conf, cap->a.snapshot_opaque, err, errlen);
	if (!cap->snap)
		return RC_ERR_FATAL;
	if (then_stream && cap->a.store) {
		rc_offset_t o = {.snapshot = RC_OFFSET_SNAPSHOT_RUNNING};
		rc = cap->snap->ops->plan(cap->snap, NULL, names, nnames, err, errlen);
		if (rc != RC_OK)
			return rc;
		o.snapshot_tables = (uint32_t)cap->snap->ops->ntables(cap->snap);
		rc = cap->a.store->ops->store(cap->a.store, &o, err, errlen);
		if (rc != RC_OK)
			return RC_ERR_FATAL;
	}
	rc = cap->src->ops->snapshot_point(cap->src, then_stream, &cap->pt, err, errlen);
	if (rc == RC_OK)
		rc = cap->snap->ops->plan(cap->snap, &cap->pt, names, nnames, err, errlen);
	if (rc == RC_OK)
		rc = cap->snap->ops->start(cap->snap, &cap->pt, err, errlen);
	if (rc == RC_OK && cap->src->ops->snapshot_held)
		rc = cap->src->ops->snapshot_held(cap->src, err, errlen);
	if (rc != RC_OK)
		return rc;
	cap->snap_tables = (uint32_t)cap->snap->ops->ntables(cap->snap);
	cap->resumable = then_stream && cap->snap->ops->record && cap->snap->ops->resumable &&
	                 cap->snap->ops->resumable(cap->snap);
	if (cap->resumable && cap->a.store) {
		/* The point P itself, before any row: from here a crash resumes (issue 13) instead of
		 * starting over, streaming from P (its slot kept) and reading what Kafka lacks. */
		rc_offset_t o = {.snapshot = RC_OFFSET_SNAPSHOT_RUNNING, .snapshot_tables = cap->snap_tables};
		rc_pos_copy(&o.snapshot_point, &cap->pt.pos);
		cap->snap->ops->record(cap->snap, &o);
		rc = cap->a.store->ops->store(cap->a.store, &o, err, errlen);
		rc_offset_clear(&o);
		if (rc != RC_OK)
			return RC_ERR_FATAL;
	}
	*resume = RC_POS_NONE; /* nothing is confirmed until the whole snapshot is */
	set_phase(cap, PHASE_SNAPSHOT);
	rc_log_kv(RC_LOG_INFO, "capture", &(rc_log_fields_t){.position = pos_text(cap, &cap->pt.pos, at)},
	          "snapshot of %u tables at %s; %s", cap->snap_tables, at,
	          then_stream ? "streaming starts there once every row is acknowledged"
	                      : "no stream follows");
	return RC_OK;
}

/* Makes the incremental snapshot engine of the stream (agent/incremental.h) from a coordinator of
 * the source type. A source without chunked reads has none; that is an error only when an
 * interrupted snapshot needs it to finish. */
static int start_engine(rc_capture_t *cap, char *err, size_t errlen)
{
	rc_snapshot_t *snap;
	char why[RC_ERRSTR_LEN];

	if (!cap->a.snapshot_new || cap->standalone)
		return RC_OK;
	snap = cap->a.snapshot_new(cap->a.conf, cap->a.snapshot_opaque, err, errlen);
	if (!snap)
		return RC_ERR_FATAL;
	if (!snap->ops->incremental) {
		snap->ops->free(snap);
		snprintf(why, sizeof why, "this source has no incremental snapshots");
	} else {
		cap->inc =
		    snap->ops->incremental(snap, cap->resume_progress, cap->resume_all, why, sizeof why);
	}
	if (!cap->inc && cap->resume_all) {
		snprintf(err, errlen, "cannot resume the interrupted snapshot: %s", why);
		return RC_ERR_FATAL;
	}
	if (!cap->inc)
		rc_log_debug("capture", "no incremental snapshots: %s", why);
	return RC_OK;
}

static int start_stream(rc_capture_t *cap, const rc_pos_t *from, char *err, size_t errlen)
{
	int rc = cap->src->ops->stream(cap->src, from, err, errlen);

	if (rc == RC_OK)
		rc = start_engine(cap, err, errlen);
	if (rc != RC_OK)
		return rc;
	rc_pos_copy(&cap->confirmed, from);
	set_phase(cap, PHASE_STREAMING);
	return RC_OK;
}

/* Whether this start takes a snapshot, per snapshot.mode and the recorded offset (Debezium's
 * rules); when it does not, the source is ready to stream from *resume. */
static int decide(rc_capture_t *cap, bool *snapshot, rc_pos_t *resume, char *err, size_t errlen)
{
	const rc_conf_t *conf = cap->a.conf;
	const rc_offset_t *rec = cap->a.recorded;
	bool running = rec && rec->snapshot == RC_OFFSET_SNAPSHOT_RUNNING;
	bool when_needed = rc_conf_is(conf, "snapshot.mode", "when_needed");

	*snapshot = false;
	if (rec && !running) /* incremental snapshots in progress, tables snapshotted */
		cap->resume_progress = rec->progress;
	if (rc_conf_is(conf, "snapshot.mode", "no_data")) {
		if (running) {
			/* Refused before anything is made: the half copy must not pass for a whole one. */
			snprintf(
			    err, errlen,
			    "the recorded offset says a snapshot of %u tables was interrupted, and snapshot.mode=no_data takes none: set snapshot.mode=initial to take it again, or remove the recorded offset (the offset file, or a new offset.storage.topic) to stream from the source's position without the rows it did not copy",
			    rec->snapshot_tables);
			return RC_ERR_FATAL;
		}
		return cap->src->ops->prepare_stream(cap->src, rec ? &rec->pos : NULL, false, resume,
		                                     snapshot, err, errlen);
	}
	if (running && rec->snapshot_point.set) {
		/* Issue 13: the point P's slot is kept (snapshot batches confirm nothing, so its
		 * confirmed_flush_lsn is still P). Stream from P, and read what Kafka did not acknowledge
		 * as incremental chunks while streaming (watermarks: rows changed meanwhile are neither
		 * lost nor resurrected). when_needed: a slot that is gone means starting over. */
		char at[RC_POS_TEXTLEN];
		int rc = cap->src->ops->prepare_stream(cap->src, &rec->snapshot_point, true, resume, snapshot,
		                                       err, errlen);
		if (rc != RC_OK || !*snapshot) {
			if (rc == RC_OK) {
				cap->resume_progress = rec->progress;
				cap->resume_all = true;
				rc_log_kv(
				    RC_LOG_WARN, "capture",
				    &(rc_log_fields_t){.position = pos_text(cap, &rec->snapshot_point, at)},
				    "snapshot of %u tables was interrupted; resuming it: streaming from its point %s, "
				    "the rows Kafka lacks read in chunks meanwhile",
				    rec->snapshot_tables, at);
			}
			return rc;
		}
		rc_pos_clear(resume);
		rc_log_warn(
		    "capture",
		    "snapshot of %u tables was interrupted and its point cannot be streamed from; starting it again",
		    rec->snapshot_tables);
		return RC_OK;
	}
	if (running) {
		rc_log_warn("capture", "snapshot of %u tables was interrupted; starting it again",
		            rec->snapshot_tables);
		*snapshot = true;
		return RC_OK;
	}
	if (rc_conf_is(conf, "snapshot.mode", "always") && !*cap->a.snapshot_taken) {
		rc_log_info("capture", "snapshot.mode=always: taking a new snapshot");
		*snapshot = true;
		return RC_OK;
	}
	if (!rec) {
		*snapshot = true; /* initial, when_needed, always (again): nothing recorded yet */
		return RC_OK;
	}
	return cap->src->ops->prepare_stream(cap->src, &rec->pos, when_needed, resume, snapshot, err, errlen);
}

int rc_capture_start(rc_capture_t *cap, rc_pos_t *resume, char *err, size_t errlen)
{
	bool snapshot = false;
	rc_pos_t from = RC_POS_NONE;
	int rc;

	*resume = RC_POS_NONE;
	rc = cap->src->ops->connect(cap->src, err, errlen);
	if (rc != RC_OK)
		return rc;
	if (cap->a.oneshot || rc_conf_is(cap->a.conf, "snapshot.mode", "initial_only"))
		return start_snapshot(cap, false, resume, err, errlen);
	rc = decide(cap, &snapshot, &from, err, errlen);
	if (rc == RC_OK && snapshot)
		rc = start_snapshot(cap, true, resume, err, errlen);
	else if (rc == RC_OK)
		rc = start_stream(cap, &from, err, errlen);
	if (rc == RC_OK && !snapshot)
		rc_pos_move(resume, &from);
	rc_pos_clear(&from);
	return rc;
}

int rc_capture_fd(rc_capture_t *cap)
{
	if (cap->phase == PHASE_STREAMING)
		return cap->src->ops->fd(cap->src);
	return cap->snap ? cap->snap->ops->fd(cap->snap) : -1;
}

/* Every snapshot row is acknowledged: a snapshot without a stream ends the capture; otherwise the
 * stream starts at the snapshot's consistent point. */
static int snapshot_complete(rc_capture_t *cap, char *err, size_t errlen)
{
	char at[RC_POS_TEXTLEN];
	int rc;

	cap->snap->ops->finish(cap->snap, cap->a.oneshot ? cap->a.oneshot->report : NULL);
	if (!cap->standalone && cap->snap->ops->record) {
		/* Its tables snapshotted, kept by the engine in every record (snapshot.new.tables). */
		rc_offset_t o = {0};
		cap->snap->ops->record(cap->snap, &o);
		cap->final_progress = o.progress;
		o.progress = NULL;
		cap->resume_progress = cap->final_progress;
		cap->resume_all = false;
	}
	cap->seq_base += cap->snap->ops->progress_seq ? cap->snap->ops->progress_seq(cap->snap) + 1 : 1;
	cap->snap->ops->free(cap->snap);
	cap->snap = NULL;
	if (cap->standalone)
		return RC_END;
	*cap->a.snapshot_taken = true;
	rc = start_stream(cap, &cap->pt.pos, err, errlen);
	if (rc == RC_OK)
		rc_log_kv(RC_LOG_INFO, "capture",
		          &(rc_log_fields_t){.position = pos_text(cap, &cap->pt.pos, at)},
		          "streaming from the snapshot's consistent point %s", at);
	return rc;
}

/* The handler wrapper of the stream: the source channel's signals are recognised on the way (a
 * signal-table insert or a rowcast.signal message), then every event goes on to the next handler
 * (the engine's wrapper, or the pipeline's), signals included (Debezium publishes the signal table's changes
 * like any table's). */
static int on_stream_event(void *opaque, rc_ack_txn_t *txn, const rc_event_t *ev, char *err, size_t errlen)
{
	rc_capture_t *cap = opaque;

	rc_signal_from_event(cap->a.signals, ev);
	return cap->inner->event(cap->inner->opaque, txn, ev, err, errlen);
}

static rc_ack_txn_t *on_begin(void *opaque)
{
	rc_capture_t *cap = opaque;
	return cap->inner->begin(cap->inner->opaque);
}

static void on_commit(void *opaque, rc_ack_txn_t *txn, const rc_pos_t *position)
{
	rc_capture_t *cap = opaque;
	cap->inner->commit(cap->inner->opaque, txn, position);
}

static void on_abort(void *opaque, rc_ack_txn_t *txn)
{
	rc_capture_t *cap = opaque;
	cap->inner->abort(cap->inner->opaque, txn);
}

static void on_idle(void *opaque, const rc_pos_t *position)
{
	rc_capture_t *cap = opaque;
	cap->inner->idle(cap->inner->opaque, position);
}

static void on_txn_mark(void *opaque, rc_ack_txn_t *txn, bool end, const rc_txn_mark_t *mark)
{
	rc_capture_t *cap = opaque;
	cap->inner->txn_mark(cap->inner->opaque, txn, end, mark);
}

/* Reads the stream through the wrapper when a source channel listens, else straight. */
static int read_stream(rc_capture_t *cap, const rc_source_handler_t *h, int budget, char *err, size_t errlen)
{
	rc_source_handler_t w;

	if (!cap->a.signals || !cap->a.signals->source)
		return cap->src->ops->read(cap->src, h, budget, err, errlen);
	w = (rc_source_handler_t){.begin = on_begin,
	                          .event = on_stream_event,
	                          .commit = on_commit,
	                          .abort = on_abort,
	                          .idle = on_idle,
	                          .opaque = cap,
	                          .txn_mark = h->txn_mark ? on_txn_mark : NULL};
	cap->inner = h;
	return cap->src->ops->read(cap->src, &w, budget, err, errlen);
}

/* Every NEW_TABLES_MS while streaming: tables the source began to capture (created since) get an
 * incremental snapshot of the rows they had before (snapshot.new.tables=parallel), else a warning
 * that those rows are not captured. */
#define NEW_TABLES_MS 5000

static int look_for_new_tables(rc_capture_t *cap, char *err, size_t errlen)
{
	int64_t now = rc_clock_ms();
	char **names = NULL;
	int n = 0, rc;

	if (!cap->src->ops->new_tables || now - cap->looked_ms < NEW_TABLES_MS)
		return RC_OK;
	cap->looked_ms = now;
	rc = cap->src->ops->new_tables(cap->src, &names, &n, err, errlen);
	if (rc == RC_OK && n > 0) {
		if (cap->inc && rc_conf_is(cap->a.conf, "snapshot.new.tables", "parallel")) {
			rc = rc_incremental_execute(cap->inc, "new-tables", (const char *const *)names, n,
			                            err, errlen);
		} else {
			for (int i = 0; i < n; i++)
				rc_log_warn("capture",
				            "%s is captured from now on; its rows from before are not "
				            "(snapshot.new.tables=parallel snapshots them)",
				            names[i]);
		}
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int rc_capture_read(rc_capture_t *cap, const rc_source_handler_t *h, int budget, char *err, size_t errlen)
{
	if (cap->phase == PHASE_SNAPSHOT) {
		bool done = false;
		int n = cap->snap->ops->emit(cap->snap, h, budget, &done, err, errlen);
		if (n >= 0 && done)
			set_phase(cap, PHASE_SNAPSHOT_ACK);
		return n;
	}
	if (cap->phase == PHASE_SNAPSHOT_ACK) {
		int rc;
		/* Snapshot batches commit without a position: the first confirmed one is the last
		 * row's, the consistent point. */
		if (!cap->confirmed.set)
			return 0;
		rc = snapshot_complete(cap, err, errlen);
		if (rc != RC_OK)
			return rc;
	}
	if (cap->phase == PHASE_STREAMING) {
		int rc = look_for_new_tables(cap, err, errlen);
		if (rc != RC_OK)
			return rc;
	}
	if (cap->inc) {
		/* The source's events go through the signal wrapper, then the engine's (which remembers
		 * the keys of open windows and swallows its watermarks), then to the pipeline. */
		int n = read_stream(cap, cap->inc->ops->wrap(cap->inc, h), budget, err, errlen), m;
		if (n < 0)
			return n;
		m = cap->inc->ops->step(cap->inc, h, err, errlen);
		return m < 0 ? m : n + m;
	}
	return read_stream(cap, h, budget, err, errlen);
}

int rc_capture_confirm(rc_capture_t *cap, const rc_pos_t *position, bool force, char *err, size_t errlen)
{
	if (position->set && !rc_pos_same(position, &cap->confirmed))
		rc_pos_copy(&cap->confirmed, position);
	if (cap->phase != PHASE_STREAMING) {
		/* Nothing to tell the source before its stream starts. */
		if (cap->snap)
			cap->snap->ops->progress(cap->snap);
		return RC_OK;
	}
	if (!cap->confirmed.set)
		return RC_OK;
	return cap->src->ops->confirm(cap->src, &cap->confirmed, force, err, errlen);
}

int rc_capture_next_deadline_ms(rc_capture_t *cap)
{
	switch (cap->phase) {
	case PHASE_STREAMING:
		if (cap->inc) {
			int inc = cap->inc->ops->next_deadline_ms(cap->inc),
			    src = cap->src->ops->next_deadline_ms(cap->src);
			return inc >= 0 && inc < src ? inc : src; /* 0: a chunk to start or to read */
		}
		return cap->src->ops->next_deadline_ms(cap->src);
	case PHASE_SNAPSHOT:
		return 500; /* progress lines */
	case PHASE_SNAPSHOT_ACK:
		return cap->confirmed.set ? 0 : 100;
	default:
		return 1000;
	}
}

void rc_capture_annotate(rc_capture_t *cap, rc_offset_t *o)
{
	/* A position recorded while a snapshot that a stream follows is incomplete says so; the first
	 * one recorded is the consistent point itself, a streaming position. */
	rc_pos_clear(&o->snapshot_point);
	if (cap->phase != PHASE_STREAMING && !cap->standalone && !o->pos.set) {
		o->snapshot = RC_OFFSET_SNAPSHOT_RUNNING;
		o->snapshot_tables = cap->snap_tables;
		if (cap->resumable) /* otherwise a crash takes the snapshot again */
			rc_pos_copy(&o->snapshot_point, &cap->pt.pos);
	} else {
		o->snapshot = RC_OFFSET_SNAPSHOT_NONE;
		o->snapshot_tables = 0;
	}
	/* The progress that matches what Kafka acknowledged: the snapshot's while it runs, then the
	 * engine's (incremental snapshots, the tables snapshotted). */
	if (cap->snap && cap->snap->ops->record && !cap->standalone)
		cap->snap->ops->record(cap->snap, o);
	else if (cap->inc)
		cap->inc->ops->annotate(cap->inc, o);
}

uint64_t rc_capture_record_seq(const rc_capture_t *cap)
{
	uint64_t seq = cap->seq_base + (uint64_t)cap->phase;

	if (cap->snap && cap->snap->ops->progress_seq)
		seq += cap->snap->ops->progress_seq(cap->snap);
	if (cap->inc)
		seq += cap->inc->ops->progress_seq(cap->inc) << 20;
	return seq;
}

const char *rc_capture_phase(const rc_capture_t *cap)
{
	return phase_names[cap->phase];
}

bool rc_capture_snapshot_running(const rc_capture_t *cap)
{
	return cap->phase == PHASE_SNAPSHOT || cap->phase == PHASE_SNAPSHOT_ACK;
}

int64_t rc_capture_lag_bytes(rc_capture_t *cap, const rc_pos_t *position)
{
	if (cap->phase != PHASE_STREAMING || !position || !position->set || !cap->src->ops->lag_bytes)
		return -1;
	return cap->src->ops->lag_bytes(cap->src, position);
}

int rc_capture_stopped(rc_capture_t *cap, bool complete, char *err, size_t errlen)
{
	if (!cap->src->ops->stopped)
		return RC_OK;
	return cap->src->ops->stopped(cap->src, complete, err, errlen);
}

void rc_capture_free(rc_capture_t *cap)
{
	if (!cap)
		return;
	if (cap->snap)
		cap->snap->ops->free(cap->snap); /* the readers first: they use the configuration */
	if (cap->inc)
		cap->inc->ops->free(cap->inc);
	rc_offset_progress_free(cap->final_progress);
	cap->src->ops->free(cap->src);
	rc_snapshot_point_clear(&cap->pt);
	rc_pos_clear(&cap->confirmed);
	free(cap);
}
