/*
 * What the source hands over becomes records (agent/pipeline_internal.h): the source handler's
 * callbacks encode each event and publish it under its transaction's ticket, within the bounds on
 * what is in flight; transaction metadata adds BEGIN/END records and each event's block; heartbeats
 * are records of their own; delivery reports come back here.
 */
#include "config.h"

#include "agent/pipeline_internal.h"

#include "agent/clock.h"
#include "agent/errors.h"
#include "agent/failpoint.h"
#include "agent/log.h"
#include "agent/loop.h"
#include "agent/signals.h"
#include "agent/utf8.h"
#include "agent/wakepipe.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void pl_on_ack(void *ticket, bool ok, const char *why, void *opaque)
{
	pipeline_t *pl = opaque;

	rc_acktrack_delivered(&pl->track, ticket, ok, why);
	if (ok) {
		int64_t src_us = rc_acktrack_source_us(ticket), sent, recv, produced;
		pl->obs.acked++;
		if (src_us > 0)
			rc_hist_observe(&pl->obs.latency, (double)(rc_obs_wall_us() - src_us) / 1e6);
		rc_acktrack_stages(ticket, &sent, &recv, &produced);
		if (src_us > 0 && sent > 0)
			rc_hist_observe(&pl->obs.stage[0], (double)(sent - src_us) / 1e6);
		if (sent > 0 && recv > 0)
			rc_hist_observe(&pl->obs.stage[1], (double)(recv - sent) / 1e6);
		if (recv > 0 && produced > 0)
			rc_hist_observe(&pl->obs.stage[2], (double)(produced - recv) / 1e6);
		if (src_us > 0 && produced > 0)
			rc_hist_observe(&pl->obs.stage[3], (double)(rc_obs_wall_exact_us() - produced) / 1e6);
	} else {
		pl->obs.failed++;
	}
}

bool pl_refused(pipeline_t *pl, char *err, size_t errlen)
{
	if (!pl->sink->ops->refused || !pl->sink->ops->refused(pl->sink, err, errlen))
		return false;
	pl->cause = RC_OBS_CAUSE_DELIVERY;
	return true;
}

static rc_ack_txn_t *h_begin(void *opaque)
{
	return rc_acktrack_begin(&((pipeline_t *)opaque)->track);
}

/*
 * The sink's queue is full, in the middle of a source message: waits up to FULL_WAIT_MS for delivery
 * reports (or a stop request), serves them, and keeps the source's duties going (status updates, so
 * the server does not drop a silent replica; the offset store). Returns RC_OK to try again,
 * RC_STOPPED on a stop request (the transaction in progress is not confirmed: it is read again on
 * restart), or an RC_ERR_* class.
 */
int pl_wait_full(pipeline_t *pl, char *err, size_t errlen)
{
	int efd = pl->enc->ops->fd ? pl->enc->ops->fd(pl->enc) : -1, rc;
	struct pollfd pfd[4] = {
	    {.fd = pl->sink->ops->fd ? pl->sink->ops->fd(pl->sink) : -1, .events = POLLIN},
	    {.fd = rc_signals_fd(), .events = POLLIN},
	    {.fd = rc_http_fd(rc_obs_http(&pl->obs)), .events = POLLIN},
	    {.fd = efd, .events = POLLIN}}; /* a schema registration ended: parked records may go */

	if (pfd[0].fd >= 0 || pfd[1].fd >= 0)
		poll(pfd, 4, FULL_WAIT_MS);
	else
		usleep(NOFD_POLL_MS * 1000);
	/* The loop does not turn in here: /metrics and the probes are served all the same. */
	pl->obs.last_turn_ms = rc_clock_ms();
	rc_http_serve(rc_obs_http(&pl->obs));
	pl->sink->ops->poll(pl->sink, 0);
	if (efd >= 0)
		rc_wakepipe_drain(efd);
	if ((rc = pl_park_flush(pl, err, errlen)) != RC_OK)
		return rc;
	pl_log_waiting(pl); /* the loop's timers do not run in here: a stall must still say so */
	if (rc_stop_requested()) {
		snprintf(err, errlen, "stop requested while the sink's queue was full");
		return RC_STOPPED;
	}
	if (pl_refused(pl, err, errlen))
		return RC_ERR_REFUSED;
	if (pl->track.failed) {
		snprintf(err, errlen, "%s", pl->track.failure);
		pl->cause = RC_OBS_CAUSE_DELIVERY;
		return RC_ERR_RETRY;
	}
	return pl_confirm(pl, false, err, errlen);
}

/* Whether size more bytes would pass max.queue.size or max.queue.size.in.bytes. With nothing in
 * flight a record always goes, however large: else it would wait for ever. */
bool pl_over_bound(const pipeline_t *pl, int64_t size)
{
	return pl->track.inflight > 0 &&
	       (pl->track.inflight >= pl->max_inflight ||
	        (pl->max_bytes > 0 && pl->track.inflight_bytes + size > pl->max_bytes));
}

/* Hands one record to the sink, waiting while the bounds or the sink's queue are full: the bounds
 * are checked here, per record, so that neither a large source message (a binlog rows event of
 * many rows) nor a read budget of large rows goes past them. */
int pl_publish(pipeline_t *pl, const rc_record_t *rec, rc_ack_txn_t *txn, char *err, size_t errlen)
{
	int64_t size = (int64_t)(rec->keylen + rec->vallen) + RECORD_OVERHEAD_BYTES;

	for (;;) {
		int rc = pl_over_bound(pl, size) ? RC_FULL
		                                 : pl->sink->ops->publish(pl->sink, rec, txn, err, errlen);
		if (rc == RC_OK) {
			rc_acktrack_mark_produced(txn);
			rc_acktrack_add(&pl->track, txn, 1);
			pl->obs.produced++;
			rc_acktrack_add_bytes(&pl->track, txn, size);
			return RC_OK;
		}
		if (rc == RC_ERR_REFUSED)
			return RC_ERR_FATAL; /* the source position stays before this record */
		if (rc != RC_FULL)
			return RC_ERR_RETRY;
		rc = pl_wait_full(pl, err, errlen);
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
			rc = pl_publish(pl, &rec, txn, err, errlen);
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
	rc_record_header_t hdrs[4];
	char stages[72];
	rc_event_t tev, mev;
	int rc;

	counts->seen[op]++;
	if (ev->op != RC_OP_READ && txn && rc_acktrack_records(txn) > 0)
		RC_FAILPOINT("mid_transaction"); /* a row event of this transaction is out, this one not */
	if (strchr(pl->skipped, (char)ev->op))
		return RC_OK;
	if (ev->op != RC_OP_READ && txn) { /* a snapshot's time is when it started, not a commit */
		rc_acktrack_set_source_us(txn, ev->source.ts_us);
		rc_acktrack_set_stages(txn, ev->source.sent_us, ev->source.received_us);
	}
	if (ev->table && ev->table->check_utf8) {
		rc_buf_reset(&pl->utf8_tmp);
		rc = rc_utf8_check_event(ev, pl->utf8_replace, &pl->utf8_tmp, err, errlen);
		if (rc != RC_OK)
			return rc;
	}
	if (pl->cmap_on) { /* columns left out, masked, truncated: before either encoder sees them */
		rc = rc_column_map_apply(&pl->cmap, ev, &mev, err, errlen);
		if (rc != RC_OK)
			return rc;
		ev = &mev;
	}
	if (pl->txm.enabled) {
		rc = txmeta_event(pl, txn, ev, &tev, err, errlen);
		if (rc != RC_OK)
			return rc;
		ev = &tev;
	}
	rc = pl->enc->ops->encode(pl->enc, ev, false, &rec, err, errlen);
	if (rc != RC_OK)
		return rc;
	if (pl->stage_header && ev->op != RC_OP_READ && rec.nheaders < 3) {
		/* ROWCAST_TEST_STAGE_HEADER (bench/latency_bench.sh): each stage per record, exactly. */
		for (size_t i = 0; i < rec.nheaders; i++)
			hdrs[i] = rec.headers[i];
		snprintf(stages, sizeof stages, "%lld,%lld,%lld", (long long)ev->source.sent_us,
		         (long long)ev->source.received_us, (long long)rc_obs_wall_exact_us());
		hdrs[rec.nheaders] = (rc_record_header_t){"rowcast.stages", stages, strlen(stages)};
		rec.headers = hdrs;
		rec.nheaders++;
	}
	rc = pl_emit(pl, &rec, txn, err, errlen); /* parked while its schema ids are not known */
	if (rc == RC_OK && ev->op == RC_OP_DELETE && pl->tombstones && ev->table && ev->table->nkey) {
		/* The tombstone lets log compaction drop the key (Debezium's convention). */
		rc = pl->enc->ops->encode(pl->enc, ev, true, &rec, err, errlen);
		if (rc == RC_OK)
			rc = pl_emit(pl, &rec, txn, err, errlen);
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
			rc = pl_publish(pl, &rec, txn, why, sizeof why);
		if (rc != RC_OK) { /* left open: nothing from here on is confirmed; the stream restarts */
			rc_acktrack_fail(&pl->track, why);
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

	if (rc_txmeta_mark(&pl->txm, txn, end, mark) != RC_OK)
		rc_acktrack_fail(&pl->track, "transaction metadata: out of memory");
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
void pl_log_waiting(pipeline_t *pl)
{
	char at[RC_POS_TEXTLEN], parked[64] = "";
	int64_t now = rc_clock_ms();
	int64_t stalled = rc_acktrack_stalled_ms(&pl->track, pl->track.now_ms());

	if (stalled < WAIT_LOG_INTERVAL_MS || now - pl->last_wait_log_ms < WAIT_LOG_INTERVAL_MS)
		return;
	if (pl->park.n) /* the registry, not Kafka, holds these (agent/pipeline_park.c) */
		snprintf(parked, sizeof parked, " (%zu of them waiting for their schema ids)", pl->park.n);
	rc_log_warn("pipeline",
	            "waiting for Kafka: %lld events unacknowledged%s, the oldest waiting %llds without an "
	            "acknowledgement; source held at %s",
	            (long long)pl->track.inflight, parked, (long long)(stalled / 1000),
	            rc_pos_text(pl->parts->codec, &pl->track.confirmed, at, sizeof at));
	pl->last_wait_log_ms = now;
}

/* A heartbeat (agent/heartbeat.h): published and tracked like any record, confirming nothing by
 * itself; a failure to hand it over ends the stream life as a failed event would. */
int pl_on_heartbeat_timer(rc_loop_t *loop, long long id, void *opaque)
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
			rc = pl_publish(pl, &rec, txn, pl->err, pl->errlen);
	}
	if (txn)
		rc_acktrack_commit(&pl->track, txn, NULL);
	if (rc != RC_OK) {
		pl->result = rc;
		rc_loop_stop(loop);
	}
	return (int)pl->hb.interval_ms;
}

static void h_on_retire(void *opaque, rc_ack_txn_t *txn, void (*fn)(void *arg), void *arg)
{
	(void)opaque;
	rc_acktrack_on_retire(txn, fn, arg);
}

rc_source_handler_t pl_source_handler(pipeline_t *pl)
{
	return (rc_source_handler_t){h_begin, h_event, h_commit,   h_abort,
	                             h_idle,  pl,      h_txn_mark, h_on_retire};
}
