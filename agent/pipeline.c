#include "config.h"

#include "agent/pipeline.h"

#include "agent/clock.h"
#include "agent/errors.h"
#include "agent/heartbeat.h"
#include "agent/log.h"
#include "agent/loop.h"
#include "agent/pipeline_obs.h"
#include "agent/shutdown.h"
#include "agent/signals.h"
#include "agent/txmeta.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define READ_BUDGET 2000        /* source messages per loop turn before serving Kafka */
#define PERSIST_INTERVAL_MS 200 /* offset file writes, at most this often: fewer duplicates after a crash */
#define FULL_WAIT_MS 100        /* while the sink's queue is full: the longest wait between source duties */
#define NOFD_POLL_MS 5          /* a sink without a descriptor is polled this often while records fly */
#define SINK_COALESCE_MS 5      /* after a wake for delivery reports, the next comes at least this later */
#define WAIT_LOG_INTERVAL_MS 10000 /* "waiting for Kafka" lines while acknowledgements stall */
/* Each record counts its key and value plus this for what the producer keeps beside them
 * (librdkafka's message header, the allocator's slack): max.queue.size.in.bytes bounds memory, and
 * with small records the headers are a third of it. */
#define RECORD_OVERHEAD_BYTES 256
#define BACKOFF_MAX_MS 30000
#define HEALTHY_RESET_MS 60000 /* a stream that ran this long restarts with the smallest back-off */

typedef enum {
	PL_STARTING,
	PL_STREAMING,
	PL_RESTARTING,
	PL_DRAINING,
	PL_STOPPED,
} pl_state_t;

static const char *const state_names[] = {"starting", "streaming", "restarting", "draining", "stopped"};

typedef struct pipeline {
	const rc_conf_t *conf;
	const rc_pipeline_parts_t *parts;
	pl_state_t state;
	rc_acktrack_t track;
	rc_encoder_t *enc;
	rc_sink_t *sink;
	rc_capture_t *cap;
	rc_offset_store_t *store; /* borrowed; NULL: no position is recorded */
	rc_offset_t recorded;     /* what the store holds (or, without one, what was last confirmed) */
	bool have_recorded;
	bool snapshot_taken; /* snapshot.mode=always: once per process */
	int64_t last_persist_ms;
	int64_t last_wait_log_ms;
	long max_inflight;
	int64_t max_bytes; /* max.queue.size.in.bytes; 0: only max_inflight */
	int shutdown_ms;   /* shutdown.timeout.ms */
	bool tombstones;
	char skipped[8]; /* operations not to publish, as op letters */
	uint64_t events_published;
	rc_obs_t obs;         /* counters, /metrics, /healthz, /readyz (agent/pipeline_obs.h) */
	rc_obs_cause_t cause; /* what ended the stream life, for rowcast_restarts_total */
	rc_txmeta_t txm;      /* provide.transaction.metadata */
	rc_heartbeat_t hb;    /* heartbeat.interval.ms */
	long long hb_timer;

	/* One stream life on the loop. */
	rc_loop_t *loop;
	int src_fd, sink_fd;         /* the descriptors registered, -1 for none */
	int64_t sink_quiet_until_ms; /* no wake for delivery reports before this (coalescing) */
	long long flush_timer, log_timer;
	int result; /* why the loop stopped: RC_OK, RC_END, RC_STOPPED, RC_ERR_* */
	char *err;  /* the life's error buffer */
	size_t errlen;
} pipeline_t;

static void set_state(pipeline_t *pl, pl_state_t st)
{
	if (pl->state != st)
		rc_log_info("pipeline", "state %s -> %s", state_names[pl->state], state_names[st]);
	pl->state = st;
}

static void on_ack(void *ticket, bool ok, const char *why, void *opaque)
{
	pipeline_t *pl = opaque;

	rc_acktrack_delivered(&pl->track, ticket, ok, why);
	if (ok) {
		int64_t src_us = rc_acktrack_source_us(ticket);
		pl->obs.acked++;
		if (src_us > 0)
			rc_hist_observe(&pl->obs.latency, (double)(rc_obs_wall_us() - src_us) / 1e6);
	} else {
		pl->obs.failed++;
	}
}

/* Records the confirmed position in the offset store, at most every PERSIST_INTERVAL_MS unless
 * forced. Returns RC_OK, or RC_ERR_FATAL with err filled when the store cannot be written (without
 * it rowcast cannot check the source's position on the next start, so nothing may be confirmed). */
static int persist(pipeline_t *pl, bool force, char *err, size_t errlen)
{
	char at[RC_POS_TEXTLEN];
	int64_t now = rc_clock_ms();
	rc_offset_t o = {0};

	if (pl->have_recorded && rc_pos_same(&pl->recorded.pos, &pl->track.confirmed))
		return RC_OK;
	if (!force && pl->store && now - pl->last_persist_ms < PERSIST_INTERVAL_MS)
		return RC_OK; /* without a store to write there is nothing to pace */
	rc_pos_copy(&o.pos, &pl->track.confirmed);
	rc_capture_annotate(pl->cap, &o); /* e.g. a snapshot still in progress */
	if (pl->store && pl->store->ops->store(pl->store, &o, err, errlen) != RC_OK) {
		rc_offset_clear(&o);
		return RC_ERR_FATAL;
	}
	rc_log_debug("offsets", "confirmed position %s",
	             rc_pos_text(pl->parts->codec, &pl->track.confirmed, at, sizeof at));
	rc_offset_clear(&pl->recorded);
	pl->recorded = o; /* takes o's reference */
	pl->have_recorded = true;
	pl->last_persist_ms = now;
	return RC_OK;
}

static rc_ack_txn_t *h_begin(void *opaque)
{
	return rc_acktrack_begin(&((pipeline_t *)opaque)->track);
}

static int confirm(pipeline_t *pl, bool force, char *err, size_t errlen);
static void log_waiting(pipeline_t *pl);

/*
 * The sink's queue is full, in the middle of a source message: waits up to FULL_WAIT_MS for delivery
 * reports (or a stop request), serves them, and keeps the source's duties going (status updates, so
 * the server does not drop a silent replica; the offset store). Returns RC_OK to try again,
 * RC_STOPPED on a stop request (the transaction in progress is not confirmed: it is read again on
 * restart), or an RC_ERR_* class.
 */
static int wait_full(pipeline_t *pl, char *err, size_t errlen)
{
	struct pollfd pfd[3] = {
	    {.fd = pl->sink->ops->fd ? pl->sink->ops->fd(pl->sink) : -1, .events = POLLIN},
	    {.fd = rc_signals_fd(), .events = POLLIN},
	    {.fd = rc_http_fd(rc_obs_http(&pl->obs)), .events = POLLIN}};

	if (pfd[0].fd >= 0 || pfd[1].fd >= 0)
		poll(pfd, 3, FULL_WAIT_MS);
	else
		usleep(NOFD_POLL_MS * 1000);
	/* The loop does not turn in here: /metrics and the probes are served all the same. */
	pl->obs.last_turn_ms = rc_clock_ms();
	rc_http_serve(rc_obs_http(&pl->obs));
	pl->sink->ops->poll(pl->sink, 0);
	log_waiting(pl); /* the loop's timers do not run in here: a stall must still say so */
	if (rc_stop_requested()) {
		snprintf(err, errlen, "stop requested while the sink's queue was full");
		return RC_STOPPED;
	}
	if (pl->track.failed) {
		snprintf(err, errlen, "%s", pl->track.failure);
		pl->cause = RC_OBS_CAUSE_DELIVERY;
		return RC_ERR_RETRY;
	}
	return confirm(pl, false, err, errlen);
}

/* Whether size more bytes would pass max.queue.size or max.queue.size.in.bytes. With nothing in
 * flight a record always goes, however large: else it would wait for ever. */
static bool over_bound(const pipeline_t *pl, int64_t size)
{
	return pl->track.inflight > 0 &&
	       (pl->track.inflight >= pl->max_inflight ||
	        (pl->max_bytes > 0 && pl->track.inflight_bytes + size > pl->max_bytes));
}

/* Hands one record to the sink, waiting while the bounds or the sink's queue are full: the bounds
 * are checked here, per record, so that neither a large source message (a binlog rows event of
 * many rows) nor a read budget of large rows goes past them. */
static int publish(pipeline_t *pl, const rc_record_t *rec, rc_ack_txn_t *txn, char *err, size_t errlen)
{
	int64_t size = (int64_t)(rec->keylen + rec->vallen) + RECORD_OVERHEAD_BYTES;

	for (;;) {
		int rc =
		    over_bound(pl, size) ? RC_FULL : pl->sink->ops->publish(pl->sink, rec, txn, err, errlen);
		if (rc == RC_OK) {
			rc_acktrack_add(&pl->track, txn, 1);
			pl->obs.produced++;
			rc_acktrack_add_bytes(&pl->track, txn, size);
			return RC_OK;
		}
		if (rc == RC_ERR_REFUSED)
			return RC_ERR_FATAL; /* the source position stays before this record */
		if (rc != RC_FULL)
			return RC_ERR_RETRY;
		rc = wait_full(pl, err, errlen);
		if (rc != RC_OK)
			return rc;
	}
}

/* Transaction metadata: ev's copy *tev gets its transaction block, after the transaction's BEGIN
 * record when ev is its first event (agent/txmeta.h). */
static int txmeta_event(pipeline_t *pl, rc_ack_txn_t *txn, const rc_event_t *ev, rc_event_t *tev, char *err,
                        size_t errlen)
{
	rc_txn_record_t begin;
	rc_record_t rec;
	bool oom;
	int rc = RC_OK;

	if (rc_txmeta_event(&pl->txm, txn, ev, tev, &begin, &oom)) {
		rc = pl->enc->ops->encode_txn(pl->enc, &begin, &rec, err, errlen);
		if (rc == RC_OK)
			rc = publish(pl, &rec, txn, err, errlen);
	}
	if (oom) {
		snprintf(err, errlen, "transaction metadata: out of memory");
		return RC_ERR_FATAL;
	}
	return rc;
}

static int h_event(void *opaque, rc_ack_txn_t *txn, const rc_event_t *ev, char *err, size_t errlen)
{
	pipeline_t *pl = opaque;
	rc_obs_table_t *counts = rc_obs_table(&pl->obs, ev->table);
	int op = rc_obs_op(ev->op);
	rc_record_t rec;
	rc_event_t tev;
	int rc;

	counts->seen[op]++;
	if (strchr(pl->skipped, (char)ev->op))
		return RC_OK;
	if (ev->op != RC_OP_READ && txn) /* a snapshot's time is when it started, not a commit */
		rc_acktrack_set_source_us(txn, ev->source.ts_us);
	if (pl->txm.enabled) {
		rc = txmeta_event(pl, txn, ev, &tev, err, errlen);
		if (rc != RC_OK)
			return rc;
		ev = &tev;
	}
	rc = pl->enc->ops->encode(pl->enc, ev, false, &rec, err, errlen);
	if (rc != RC_OK)
		return rc;
	rc = publish(pl, &rec, txn, err, errlen);
	if (rc == RC_OK && ev->op == RC_OP_DELETE && pl->tombstones && ev->table && ev->table->nkey) {
		/* The tombstone lets log compaction drop the key (Debezium's convention). */
		rc = pl->enc->ops->encode(pl->enc, ev, true, &rec, err, errlen);
		if (rc == RC_OK)
			rc = publish(pl, &rec, txn, err, errlen);
	}
	if (rc == RC_OK) {
		pl->events_published++;
		counts->published[op]++;
	}
	return rc;
}

static void h_commit(void *opaque, rc_ack_txn_t *txn, const rc_pos_t *position)
{
	pipeline_t *pl = opaque;
	rc_txn_record_t end;
	rc_record_t rec;
	char why[sizeof pl->track.failure];
	int64_t src_us = rc_acktrack_source_us(txn);
	int rc;

	if (pl->txm.enabled && rc_txmeta_commit(&pl->txm, txn, &end)) {
		/* The END goes with the transaction's ticket, before its position can be confirmed. */
		rc = pl->enc->ops->encode_txn(pl->enc, &end, &rec, why, sizeof why);
		if (rc == RC_OK)
			rc = publish(pl, &rec, txn, why, sizeof why);
		if (rc != RC_OK) { /* left open: nothing from here on is confirmed; the stream restarts */
			if (!pl->track.failed)
				snprintf(pl->track.failure, sizeof pl->track.failure, "%s", why);
			pl->track.failed = true;
			return;
		}
	}
	rc_acktrack_commit(&pl->track, txn, position);
	if (src_us > 0) { /* Debezium's MilliSecondsBehindSource, at each commit read */
		pl->obs.lag_s = (double)(rc_obs_wall_us() - src_us) / 1e6;
		pl->obs.lag_known = true;
	}
}

static void h_abort(void *opaque, rc_ack_txn_t *txn)
{
	rc_txmeta_abort(&((pipeline_t *)opaque)->txm, txn);
	rc_acktrack_abort(&((pipeline_t *)opaque)->track, txn);
}

static void h_txn_mark(void *opaque, rc_ack_txn_t *txn, bool end, const rc_txn_mark_t *mark)
{
	pipeline_t *pl = opaque;

	if (rc_txmeta_mark(&pl->txm, txn, end, mark) != RC_OK && !pl->track.failed) {
		snprintf(pl->track.failure, sizeof pl->track.failure, "transaction metadata: out of memory");
		pl->track.failed = true;
	}
}

static void h_idle(void *opaque, const rc_pos_t *position)
{
	pipeline_t *pl = opaque;

	rc_acktrack_idle_advance(&pl->track, position);
	pl->obs.lag_s = 0; /* the server has nothing more for us: caught up */
	pl->obs.lag_known = true;
}

/* Logs, at intervals, that acknowledgements are stalled: the broker is down or slow, and the
 * source position is held where it is. Measured from the oldest transaction in flight (its
 * hand-over, or its last acknowledgement), so a burst after a quiet pause is no stall. */
static void log_waiting(pipeline_t *pl)
{
	char at[RC_POS_TEXTLEN];
	int64_t now = rc_clock_ms();
	int64_t stalled = rc_acktrack_stalled_ms(&pl->track, pl->track.now_ms());

	if (stalled < WAIT_LOG_INTERVAL_MS || now - pl->last_wait_log_ms < WAIT_LOG_INTERVAL_MS)
		return;
	rc_log_warn("pipeline",
	            "waiting for Kafka: %lld events unacknowledged, the oldest waiting %llds without an "
	            "acknowledgement; source held at %s",
	            (long long)pl->track.inflight, (long long)(stalled / 1000),
	            rc_pos_text(pl->parts->codec, &pl->track.confirmed, at, sizeof at));
	pl->last_wait_log_ms = now;
}

/* Confirms what is acknowledged: offset file first, then the source. */
static int confirm(pipeline_t *pl, bool force, char *err, size_t errlen)
{
	int rc;

	rc_acktrack_advance(&pl->track);
	rc = persist(pl, force, err, errlen);
	if (rc != RC_OK)
		return rc;
	return rc_capture_confirm(pl->cap, &pl->recorded.pos, force, err, errlen);
}

/* Reads the store's record into pl->recorded. Every life of the stream starts from it: the capture
 * may have written it itself (a snapshot in progress is recorded before the source makes its
 * consistent point). Returns RC_OK, or an RC_ERR_* class with err filled. */
static int load_recorded(pipeline_t *pl, char *err, size_t errlen)
{
	bool found = false;
	int rc = RC_OK;

	if (pl->store)
		rc = pl->store->ops->load(pl->store, &pl->recorded, &found, err, errlen);
	else
		rc_offset_clear(&pl->recorded);
	pl->have_recorded = rc == RC_OK && found;
	return rc;
}

/* Ends the stream life with rc (err already filled, or filled here from fmt). */
static int stop_life(pipeline_t *pl, int rc)
{
	pl->result = rc;
	rc_loop_stop(pl->loop);
	return 0;
}

/* Registers the capture's descriptor, which changes with its phase (the snapshot's wake pipe, then
 * the replication connection's socket). */
static void watch_source(pipeline_t *pl);

/* Readiness of the source only ends the wait: the next turn reads. */
static void on_source(rc_loop_t *loop, int fd, int ready, void *opaque)
{
	(void)loop;
	(void)fd;
	(void)ready;
	(void)opaque;
}

/* Delivery reports are waiting: served now, and the next wake for them comes after a pause. */
static void on_sink(rc_loop_t *loop, int fd, int ready, void *opaque)
{
	pipeline_t *pl = opaque;

	(void)ready;
	pl->sink->ops->poll(pl->sink, 0);
	pl->sink_quiet_until_ms = rc_clock_ms() + SINK_COALESCE_MS;
	rc_loop_del_fd(loop, fd);
	pl->sink_fd = -1;
}

/*
 * The sink's descriptor is watched while records are in flight, but a wake for delivery reports is
 * followed by SINK_COALESCE_MS without one: librdkafka reports in small batches, and a turn for each
 * (a few records acknowledged, then a short read of the source) cost a fifth of the streaming rate
 * on a 2-core machine (bench/pg_stream_bench.sh: 224k -> 173k events/s, the walsender's CPU up a
 * third from the many smaller reads). Nothing in flight, nothing watched: an idle loop sleeps.
 */
static void watch_sink(pipeline_t *pl)
{
	bool want = pl->track.inflight > 0 && rc_clock_ms() >= pl->sink_quiet_until_ms;
	int fd = want && pl->sink->ops->fd ? pl->sink->ops->fd(pl->sink) : -1;

	if (fd == pl->sink_fd)
		return;
	if (pl->sink_fd >= 0)
		rc_loop_del_fd(pl->loop, pl->sink_fd);
	pl->sink_fd =
	    fd >= 0 && rc_loop_add_fd(pl->loop, fd, RC_LOOP_READABLE, on_sink, pl) == RC_OK ? fd : -1;
}

static void watch_source(pipeline_t *pl)
{
	int fd = rc_capture_fd(pl->cap);

	if (fd == pl->src_fd)
		return;
	if (pl->src_fd >= 0)
		rc_loop_del_fd(pl->loop, pl->src_fd);
	pl->src_fd =
	    fd >= 0 && rc_loop_add_fd(pl->loop, fd, RC_LOOP_READABLE, on_source, pl) == RC_OK ? fd : -1;
}

/* The offset store's pace: the delivery reports waiting are served and what they acknowledged
 * gets recorded and confirmed. */
static int on_flush_timer(rc_loop_t *loop, long long id, void *opaque)
{
	pipeline_t *pl = opaque;
	int rc;

	pl->sink->ops->poll(pl->sink, 0);
	rc = confirm(pl, false, pl->err, pl->errlen);

	(void)id;
	if (rc != RC_OK) {
		pl->cause = RC_OBS_CAUSE_OFFSETS;
		pl->result = rc;
		rc_loop_stop(loop);
	}
	return PERSIST_INTERVAL_MS;
}

static int on_log_timer(rc_loop_t *loop, long long id, void *opaque)
{
	(void)loop;
	(void)id;
	log_waiting(opaque);
	rc_obs_tick(&((pipeline_t *)opaque)->obs);
	return 1000;
}

/*
 * One turn's work, before the loop waits: read the capture (unless enough is in flight), serve the
 * sink, confirm what is acknowledged. Returns how long the loop may wait: 0 when the read used its
 * whole budget (more is there), else until the capture's next deadline.
 */
static int turn(rc_loop_t *loop, void *opaque)
{
	pipeline_t *pl = opaque;
	rc_source_handler_t h = {h_begin, h_event, h_commit, h_abort, h_idle, pl, h_txn_mark};
	char why[512];
	int n = 0, rc, wait;

	(void)loop;
	pl->obs.last_turn_ms = rc_clock_ms();
	if (rc_stop_requested())
		return stop_life(pl, RC_STOPPED);
	if (pl->track.failed) {
		snprintf(pl->err, pl->errlen, "%s", pl->track.failure);
		pl->cause = RC_OBS_CAUSE_DELIVERY;
		return stop_life(pl, RC_ERR_RETRY);
	}
	if (pl->sink->ops->broken(pl->sink, why, sizeof why)) {
		snprintf(pl->err, pl->errlen, "%s", why);
		pl->cause = RC_OBS_CAUSE_SINK;
		return stop_life(pl, RC_ERR_RETRY);
	}
	if (!over_bound(pl, 0)) {
		n = rc_capture_read(pl->cap, &h, READ_BUDGET, pl->err, pl->errlen);
		if (n < 0)
			return stop_life(pl, n); /* RC_END, RC_STOPPED, or an error */
	}
	pl->sink->ops->poll(pl->sink, 0);
	rc = confirm(pl, false, pl->err, pl->errlen);
	if (rc != RC_OK) {
		pl->cause = RC_OBS_CAUSE_OFFSETS;
		return stop_life(pl, rc);
	}
	watch_source(pl);
	watch_sink(pl);
	if (n >= READ_BUDGET)
		return 0;
	wait = rc_capture_next_deadline_ms(pl->cap);
	if (pl->track.inflight > 0 && pl->sink_fd < 0) {
		/* Reports are waited for by time: the pause after a wake, or a sink without a descriptor. */
		int64_t left = pl->sink_quiet_until_ms - rc_clock_ms();
		int until = left > 0 ? (int)left : NOFD_POLL_MS;
		if (wait > until)
			wait = until;
	}
	return wait;
}

/* A heartbeat (agent/heartbeat.h): published and tracked like any record, confirming nothing by
 * itself; a failure to hand it over ends the stream life as a failed event would. */
static int on_heartbeat_timer(rc_loop_t *loop, long long id, void *opaque)
{
	pipeline_t *pl = opaque;
	rc_heartbeat_record_t hr;
	rc_record_t rec;
	rc_ack_txn_t *txn;
	int rc, made = rc_heartbeat_make(&pl->hb, pl->parts->codec, &pl->track.confirmed, &hr);

	(void)id;
	if (made == 0)
		return (int)pl->hb.interval_ms; /* no position yet: nothing to tell (as Debezium) */
	txn = made > 0 ? rc_acktrack_begin(&pl->track) : NULL;
	if (!txn || !pl->enc->ops->encode_heartbeat) {
		snprintf(pl->err, pl->errlen, "heartbeat: %s",
		         txn ? "not supported by this encoder" : "out of memory");
		rc = RC_ERR_FATAL;
	} else {
		rc = pl->enc->ops->encode_heartbeat(pl->enc, &hr, &rec, pl->err, pl->errlen);
		if (rc == RC_OK)
			rc = publish(pl, &rec, txn, pl->err, pl->errlen);
	}
	if (txn)
		rc_acktrack_commit(&pl->track, txn, NULL);
	if (rc != RC_OK) {
		pl->result = rc;
		rc_loop_stop(loop);
	}
	return (int)pl->hb.interval_ms;
}

/* Puts one stream life on the loop: the timers and the turn (the descriptors come and go with it). */
static int watch(pipeline_t *pl)
{
	pl->src_fd = pl->sink_fd = -1;
	pl->flush_timer = rc_loop_add_timer(pl->loop, PERSIST_INTERVAL_MS, on_flush_timer, pl);
	pl->log_timer = rc_loop_add_timer(pl->loop, 1000, on_log_timer, pl);
	rc_loop_set_before_sleep(pl->loop, turn, pl);
	if (pl->hb.interval_ms > 0 && (pl->hb_timer = rc_loop_add_timer(pl->loop, (int)pl->hb.interval_ms,
	                                                                on_heartbeat_timer, pl)) <= 0)
		return RC_ERR_FATAL;
	return pl->flush_timer > 0 && pl->log_timer > 0 ? RC_OK : RC_ERR_FATAL;
}

static void unwatch(pipeline_t *pl)
{
	if (pl->src_fd >= 0)
		rc_loop_del_fd(pl->loop, pl->src_fd);
	if (pl->sink_fd >= 0)
		rc_loop_del_fd(pl->loop, pl->sink_fd);
	if (pl->flush_timer > 0)
		rc_loop_del_timer(pl->loop, pl->flush_timer);
	if (pl->log_timer > 0)
		rc_loop_del_timer(pl->loop, pl->log_timer);
	if (pl->hb_timer > 0)
		rc_loop_del_timer(pl->loop, pl->hb_timer);
	pl->hb_timer = 0;
	pl->src_fd = pl->sink_fd = -1;
	pl->flush_timer = pl->log_timer = 0;
	rc_loop_set_before_sleep(pl->loop, NULL, NULL);
}

/* One life of the stream: start, then loop until a stop request, the source's end or an error. */
static int stream_once(pipeline_t *pl, char *err, size_t errlen)
{
	char at[RC_POS_TEXTLEN];
	rc_pos_t resume = RC_POS_NONE;
	rc_source_t *src;
	bool ended = false;
	int64_t confirmed_ms = pl->track.confirmed_ms; /* kept across lives: a restart is no progress */
	int rc;

	pl->cause = RC_OBS_CAUSE_SOURCE;
	if (load_recorded(pl, err, errlen) != RC_OK)
		return RC_ERR_FATAL;
	pl->sink = pl->parts->sink_new(pl->conf, on_ack, pl, err, errlen);
	if (!pl->sink)
		return RC_ERR_FATAL;
	src = pl->parts->source_new(pl->conf, err, errlen);
	if (!src)
		return RC_ERR_FATAL;
	pl->cap = rc_capture_new(&(rc_capture_args_t){.conf = pl->conf,
	                                              .src = src,
	                                              .snapshot_new = pl->parts->snapshot_new,
	                                              .snapshot_opaque = pl->parts->snapshot_opaque,
	                                              .store = pl->store,
	                                              .recorded = pl->have_recorded ? &pl->recorded : NULL,
	                                              .oneshot = pl->parts->oneshot,
	                                              .snapshot_taken = &pl->snapshot_taken},
	                         err, errlen);
	if (!pl->cap)
		return RC_ERR_FATAL;
	rc = rc_capture_start(pl->cap, &resume, err, errlen);
	if (rc != RC_OK)
		return rc;
	rc_acktrack_init(&pl->track, &resume);
	if (confirmed_ms)
		pl->track.confirmed_ms = confirmed_ms;
	/* The capture may have recorded a snapshot in progress: compare with what the store holds. */
	if (load_recorded(pl, err, errlen) != RC_OK)
		return RC_ERR_FATAL;
	if (!pl->store && resume.set) {
		rc_pos_copy(&pl->recorded.pos, &resume);
		pl->have_recorded = true;
	}
	set_state(pl, PL_STREAMING);
	if (resume.set)
		rc_log_kv(
		    RC_LOG_INFO, "pipeline",
		    &(rc_log_fields_t){.position = rc_pos_text(pl->parts->codec, &resume, at, sizeof at)},
		    "streaming from %s", at);
	else /* a snapshot first: its position comes with its last record */
		rc_log_info("pipeline", "started; no position to confirm before the source's first one");
	rc_pos_clear(&resume);

	pl->result = RC_OK;
	pl->err = err;
	pl->errlen = errlen;
	if (watch(pl) != RC_OK) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	if (rc_loop_run(pl->loop) != RC_OK) {
		snprintf(err, errlen, "the event loop failed: %s", strerror(errno));
		pl->result = RC_ERR_FATAL;
	}
	unwatch(pl);
	if (pl->result == RC_END)
		ended = true;
	else if (pl->result != RC_OK && pl->result != RC_STOPPED)
		return pl->result;
	/* Stop requested (or the source ended): nothing more is read; what is in flight gets its chance
	 * to be acknowledged. */
	if (ended)
		rc_log_info("pipeline", "the source has nothing more to read");
	set_state(pl, PL_DRAINING);
	if (pl->sink->ops->flush(pl->sink, rc_shutdown_drain_ms(pl->shutdown_ms)) != 0)
		rc_log_warn(
		    "pipeline",
		    "%ld records not acknowledged within shutdown.timeout.ms=%d: they are sent again on "
		    "restart",
		    pl->sink->ops->inflight(pl->sink), pl->shutdown_ms);
	rc = confirm(pl, true, err, errlen);
	if (rc == RC_OK) /* e.g. slot.drop.on.stop: only when nothing read is left unacknowledged */
		rc = rc_capture_stopped(pl->cap, rc_acktrack_idle(&pl->track), err, errlen);
	rc_log_kv(
	    RC_LOG_INFO, "pipeline",
	    &(rc_log_fields_t){.position = rc_pos_text(pl->parts->codec, &pl->recorded.pos, at, sizeof at)},
	    "stopped at %s after %llu events", at, (unsigned long long)pl->events_published);
	return rc;
}

/* Frees the source and the sink of one stream life. The sink goes first: its purge reports every
 * undelivered record as failed to the tracker, which must still exist. */
static void teardown(pipeline_t *pl)
{
	if (pl->sink)
		pl->sink->ops->free(pl->sink);
	pl->sink = NULL;
	rc_capture_free(pl->cap);
	pl->cap = NULL;
	rc_acktrack_destroy(&pl->track);
	rc_txmeta_reset(&pl->txm);
}

/* What /metrics and /readyz need to know right now (agent/pipeline_obs.h). */
static void probe(void *opaque, rc_obs_live_t *out)
{
	pipeline_t *pl = opaque;
	const rc_pos_t *at = pl->track.confirmed.set ? &pl->track.confirmed : &pl->recorded.pos;
	char why[256];

	out->state = state_names[pl->state];
	out->phase = pl->cap ? rc_capture_phase(pl->cap) : NULL;
	out->streaming = pl->state == PL_STREAMING && pl->cap;
	out->snapshot_running = pl->cap && rc_capture_snapshot_running(pl->cap);
	out->sink_broken = pl->sink && pl->sink->ops->broken(pl->sink, why, sizeof why);
	out->now_ms = pl->track.now_ms ? pl->track.now_ms() : rc_clock_ms();
	out->inflight = pl->track.inflight;
	out->stalled_ms = rc_acktrack_stalled_ms(&pl->track, out->now_ms);
	out->confirmed_ms = pl->track.confirmed_ms ? pl->track.confirmed_ms : out->now_ms;
	out->lag_bytes = out->streaming ? rc_capture_lag_bytes(pl->cap, &pl->track.confirmed) : -1;
	out->position[0] = '\0';
	if (at->set)
		rc_pos_text(pl->parts->codec, at, out->position, sizeof out->position);
}

/* The back-off between stream lives, on the loop when the HTTP endpoint is on (the probes are
 * answered meanwhile: "restarting", not a silent port). */
static void sleep_serving(pipeline_t *pl, int ms)
{
	int64_t until = rc_clock_ms() + ms, left;

	if (!rc_obs_http(&pl->obs)) {
		rc_signals_sleep(ms);
		return;
	}
	while (!rc_stop_requested() && (left = until - rc_clock_ms()) > 0) {
		pl->obs.last_turn_ms = rc_clock_ms();
		if (rc_loop_run_once(pl->loop, (int)left) < 0)
			break;
	}
}

static void parse_skipped(pipeline_t *pl)
{
	const char *s = rc_conf_get(pl->conf, "skipped.operations");
	size_t n = 0;

	for (; s && *s && n + 1 < sizeof pl->skipped; s++)
		if (strchr("cudt", *s) && (s[1] == ',' || s[1] == '\0' || s[1] == ' ') &&
		    (s == rc_conf_get(pl->conf, "skipped.operations") || s[-1] == ',' || s[-1] == ' '))
			pl->skipped[n++] = *s;
	pl->skipped[n] = '\0';
}

int rc_pipeline_run(const rc_conf_t *conf, const rc_pipeline_parts_t *parts)
{
	pipeline_t pl = {.conf = conf, .parts = parts, .state = PL_STARTING};
	char err[RC_ERRSTR_LEN];
	int64_t backoff = 1000, started;
	int rc = RC_OK;

	pl.store = parts->store;
	pl.max_inflight = (long)rc_conf_get_int(conf, "max.queue.size", 100000);
	pl.max_bytes = rc_conf_get_int(conf, "max.queue.size.in.bytes", 67108864);
	pl.shutdown_ms = (int)rc_conf_get_int(conf, "shutdown.timeout.ms", 20000);
	pl.tombstones = rc_conf_get_bool(conf, "tombstones.on.delete", true);
	parse_skipped(&pl);
	pl.enc = parts->encoder_new(conf, err, sizeof err);
	if (pl.enc && pl.enc->ops->encode_txn == NULL &&
	    rc_conf_get_bool(conf, "provide.transaction.metadata", false))
		snprintf(err, sizeof err, "provide.transaction.metadata: not supported by this encoder");
	if (!pl.enc ||
	    (!pl.enc->ops->encode_txn && rc_conf_get_bool(conf, "provide.transaction.metadata", false)) ||
	    rc_txmeta_init(&pl.txm, conf, err, sizeof err) != RC_OK ||
	    rc_heartbeat_init(&pl.hb, conf, err, sizeof err) != RC_OK) {
		rc_log_error("pipeline", "%s", err);
		if (pl.enc)
			pl.enc->ops->free(pl.enc);
		rc_txmeta_destroy(&pl.txm);
		rc_heartbeat_destroy(&pl.hb);
		return 1;
	}

	pl.loop = rc_loop_new();
	/* Without the signal handlers (a caller that installed none) a stop is still seen every turn. */
	if (!pl.loop || (rc_signals_fd() >= 0 && rc_loop_watch_signals(pl.loop) != RC_OK)) {
		rc_log_error("pipeline", "cannot set up the event loop: out of memory");
		rc_txmeta_destroy(&pl.txm);
		rc_heartbeat_destroy(&pl.hb);
		pl.enc->ops->free(pl.enc);
		rc_loop_free(pl.loop);
		return 1;
	}
	if (rc_obs_init(&pl.obs, conf, probe, &pl) != RC_OK ||
	    rc_obs_start(&pl.obs, pl.loop, conf, err, sizeof err) != RC_OK) {
		rc_log_error("pipeline", "%s", pl.obs.tables ? err : "out of memory");
		rc_obs_free(&pl.obs);
		pl.enc->ops->free(pl.enc);
		rc_loop_free(pl.loop);
		return 1;
	}
	while (!rc_stop_requested()) {
		err[0] = '\0';
		started = rc_clock_ms();
		rc = stream_once(&pl, err, sizeof err);
		teardown(&pl);
		if (rc == RC_OK || rc == RC_STOPPED || rc_err_is_fatal(rc))
			break;
		if (rc_clock_ms() - started > HEALTHY_RESET_MS)
			backoff = 1000;
		set_state(&pl, PL_RESTARTING);
		pl.obs.restarts[pl.cause]++;
		rc_log_kv(RC_LOG_ERROR, "pipeline", &(rc_log_fields_t){.error = err},
		          "stream stopped: %s; restarting from the last acknowledged position in %lld ms",
		          err, (long long)backoff);
		sleep_serving(&pl, (int)backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
	if (rc_err_is_fatal(rc))
		rc_log_kv(RC_LOG_ERROR, "pipeline", &(rc_log_fields_t){.error = err}, "%s", err);
	set_state(&pl, PL_STOPPED);
	rc_obs_free(&pl.obs);
	rc_txmeta_destroy(&pl.txm);
	rc_heartbeat_destroy(&pl.hb);
	pl.enc->ops->free(pl.enc);
	rc_loop_free(pl.loop);
	rc_offset_clear(&pl.recorded);
	return rc_err_is_fatal(rc) ? 1 : 0;
}
