#include "config.h"

#include "agent/pipeline_internal.h"

#include "agent/clock.h"
#include "agent/errors.h"
#include "agent/log.h"
#include "agent/loop.h"
#include "agent/sdnotify.h"
#include "agent/shutdown.h"
#include "agent/signals.h"
#include "agent/wakepipe.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const state_names[] = {"starting", "streaming", "restarting", "draining", "stopped"};

static void set_state(pipeline_t *pl, pl_state_t st)
{
	if (pl->state != st) {
		rc_log_info("pipeline", "state %s -> %s", state_names[pl->state], state_names[st]);
		rc_sdnotify_state(state_names[st], pl->cap ? rc_capture_phase(pl->cap) : NULL);
	}
	pl->state = st;
}

/* Takes in what the offset writer finished: pl->recorded becomes what the store durably holds
 * (waiting for the write in flight first when wait is set). Returns RC_OK, or RC_ERR_FATAL with err
 * filled when a write failed. */
static int take_durable(pipeline_t *pl, bool wait, char *err, size_t errlen)
{
	char at[RC_POS_TEXTLEN];
	bool advanced = false;
	int rc = wait ? rc_offset_writer_wait(pl->writer, &pl->recorded, &advanced, err, errlen)
	              : rc_offset_writer_collect(pl->writer, &pl->recorded, &advanced, err, errlen);

	if (rc != RC_OK)
		return RC_ERR_FATAL;
	if (advanced) {
		pl->have_recorded = true;
		rc_log_debug("offsets", "recorded position %s",
		             rc_pos_text(pl->parts->codec, &pl->recorded.pos, at, sizeof at));
	}
	return RC_OK;
}

/*
 * Hands the acknowledged position to the offset writer, at most every PERSIST_INTERVAL_MS unless
 * forced (a snapshot's progress at once), and takes in what it finished: the source hears only of what the
 * store durably holds (pl->recorded), so a write that takes half a second (an fsync on a busy disk) delays
 * the confirmation, never the stream. Forced (the drain), it waits for the write. Returns RC_OK, or
 * RC_ERR_FATAL with err filled when the store cannot be written (without it rowcast cannot check
 * the source's position on the next start, so nothing more may be confirmed).
 */
static int persist(pipeline_t *pl, bool force, char *err, size_t errlen)
{
	int64_t now = rc_clock_ms();
	rc_offset_t o = {0};

	uint64_t seq = rc_capture_record_seq(pl->cap);

	if (!pl->writer) { /* nothing to write: what is acknowledged is what may be confirmed */
		if (!(pl->have_recorded && rc_pos_same(&pl->recorded.pos, &pl->track.confirmed))) {
			rc_pos_copy(&o.pos, &pl->track.confirmed);
			rc_capture_annotate(pl->cap, &o);
			rc_offset_clear(&pl->recorded);
			pl->recorded = o; /* takes o's reference */
			pl->have_recorded = true;
		}
		return RC_OK;
	}
	if (take_durable(pl, false, err, errlen) != RC_OK)
		return RC_ERR_FATAL;
	/* A new position, at most every PERSIST_INTERVAL_MS; or (issue 13) more of a snapshot
	 * acknowledged, at once: a chunk's progress waiting for the interval is re-read after a crash
	 * (tens of thousands of rows at 3M), and the writer coalesces what comes faster than it writes. */
	if ((seq != pl->submitted_seq ||
	     (!rc_pos_same(&pl->submitted, &pl->track.confirmed) &&
	      !(pl->have_recorded && rc_pos_same(&pl->recorded.pos, &pl->track.confirmed)) &&
	      (force || now - pl->last_persist_ms >= PERSIST_INTERVAL_MS)))) {
		rc_pos_copy(&o.pos, &pl->track.confirmed);
		rc_capture_annotate(pl->cap, &o); /* e.g. a snapshot still in progress */
		if (rc_offset_writer_submit(pl->writer, &o, err, errlen) != RC_OK) {
			rc_offset_clear(&o);
			return RC_ERR_FATAL;
		}
		rc_offset_clear(&o);
		rc_pos_copy(&pl->submitted, &pl->track.confirmed);
		pl->submitted_seq = seq;
		pl->last_persist_ms = now;
	}
	return force ? take_durable(pl, true, err, errlen) : RC_OK;
}

/* Confirms what is acknowledged: offset file first, then the source. */
int pl_confirm(pipeline_t *pl, bool force, char *err, size_t errlen)
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

	if (pl->writer) /* waits for a write still in flight from the last life */
		rc = rc_offset_writer_load(pl->writer, &pl->recorded, &found, err, errlen);
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

/* A write of the offset store completed: the next turn takes it in and confirms it. */
static void on_writer(rc_loop_t *loop, int fd, int ready, void *opaque)
{
	(void)loop;
	(void)ready;
	(void)opaque;
	rc_wakepipe_drain(fd);
}

/* The offset store's pace: the delivery reports waiting are served and what they acknowledged
 * gets recorded and confirmed. */
static int on_flush_timer(rc_loop_t *loop, long long id, void *opaque)
{
	pipeline_t *pl = opaque;
	int rc;

	pl->sink->ops->poll(pl->sink, 0);
	rc = pl_confirm(pl, false, pl->err, pl->errlen);

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
	pl_log_waiting(opaque);
	rc_obs_tick(&((pipeline_t *)opaque)->obs);
	if (((pipeline_t *)opaque)->cap) /* STATUS= tells systemd of the snapshot's end */
		rc_sdnotify_state(state_names[((pipeline_t *)opaque)->state],
		                  rc_capture_phase(((pipeline_t *)opaque)->cap));
	return 1000;
}

/*
 * A stop asked in the middle of a source transaction: its first events are in the sink already, so
 * stopping now would have the restarted stream send the whole transaction again (duplicates after a
 * clean SIGTERM). Reads on, one source message at a time, until its commit (not one message more:
 * the next transaction stays for the next life), for at most a quarter of shutdown.timeout.ms.
 */
static void finish_txn(pipeline_t *pl, const rc_source_handler_t *h)
{
	int64_t until;

	if (!rc_acktrack_in_txn(&pl->track) || pl->track.failed)
		return;
	until = rc_clock_ms() + pl->shutdown_ms / 4;
	while (rc_acktrack_in_txn(&pl->track) && rc_clock_ms() < until) {
		int n = rc_capture_read(pl->cap, h, 1, pl->err, pl->errlen);
		if (n < 0)
			return;
		pl->sink->ops->poll(pl->sink, 0);
		if (n == 0) {
			struct pollfd p = {.fd = rc_capture_fd(pl->cap), .events = POLLIN};
			if (p.fd < 0 || poll(&p, 1, 10) < 0)
				usleep(1000);
		}
	}
	if (rc_acktrack_in_txn(&pl->track))
		rc_log_warn("pipeline",
		            "stopping in the middle of a source transaction (its commit did not come within "
		            "%d ms): its events already in Kafka come again after the restart",
		            pl->shutdown_ms / 4);
}

/*
 * One turn's work, before the loop waits: read the capture (unless enough is in flight), serve the
 * sink, confirm what is acknowledged. Returns how long the loop may wait: 0 when the read used its
 * whole budget (more is there), else until the capture's next deadline.
 */
static int turn(rc_loop_t *loop, void *opaque)
{
	pipeline_t *pl = opaque;
	rc_source_handler_t h = pl_source_handler(pl);
	char why[512];
	int n = 0, rc, wait;

	(void)loop;
	pl->obs.last_turn_ms = rc_clock_ms();
	if (rc_stop_requested()) {
		finish_txn(pl, &h);
		return stop_life(pl, RC_STOPPED);
	}
	if (pl_refused(pl, pl->err, pl->errlen))
		return stop_life(pl, RC_ERR_REFUSED); /* before the failure it also caused: no restart */
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
	rc = pl_park_flush(pl, pl->err, pl->errlen); /* first: their events came before what is read */
	if (rc != RC_OK) {
		pl->cause = RC_OBS_CAUSE_SINK;
		return stop_life(pl, rc);
	}
	if (!pl_over_bound(pl, 0)) {
		n = rc_capture_read(pl->cap, &h, READ_BUDGET, pl->err, pl->errlen);
		if (n < 0)
			return stop_life(pl, n); /* RC_END, RC_STOPPED, or an error */
	}
	pl->sink->ops->poll(pl->sink, 0);
	rc = pl_confirm(pl, false, pl->err, pl->errlen);
	if (rc != RC_OK) {
		pl->cause = RC_OBS_CAUSE_OFFSETS;
		return stop_life(pl, rc);
	}
	watch_source(pl);
	watch_sink(pl);
	if (n >= READ_BUDGET)
		return 0;
	wait = rc_capture_next_deadline_ms(pl->cap);
	if (pl->park.sink_full && wait > NOFD_POLL_MS) /* parked records ready, the sink's queue full */
		wait = NOFD_POLL_MS;
	if (pl->track.inflight > 0 && pl->sink_fd < 0) {
		/* Reports are waited for by time: the pause after a wake, or a sink without a descriptor. */
		int64_t left = pl->sink_quiet_until_ms - rc_clock_ms();
		int until = left > 0 ? (int)left : NOFD_POLL_MS;
		if (wait > until)
			wait = until;
	}
	return wait;
}

/* The signals' target (agent/signal.h): the incremental snapshot engine of the capture of the
 * current stream life (agent/incremental.h), looked up at each signal since every life has its own.
 * No engine (the source has none, or the capture is not streaming): execute and stop are refused
 * with the reason, pause is logged as having nothing to pause. */
static rc_incremental_t *engine_of(pipeline_t *pl)
{
	return pl->cap ? rc_capture_incremental(pl->cap) : NULL;
}

static int on_signal_execute(void *opaque, const char *id, const char *const *tables, int ntables, char *err,
                             size_t errlen)
{
	return rc_incremental_execute(engine_of(opaque), id, tables, ntables, err, errlen);
}

static int on_signal_stop(void *opaque, const char *id, const char *const *tables, int ntables)
{
	rc_incremental_t *inc = engine_of(opaque);

	return inc ? rc_incremental_stop(inc, id, tables, ntables) : RC_ERR_FATAL;
}

static void on_signal_pause(void *opaque, bool pause)
{
	rc_incremental_t *inc = engine_of(opaque);

	if (!inc)
		rc_log_warn("signal", "no incremental snapshot engine in this stream: nothing to %s",
		            pause ? "pause" : "resume");
	rc_incremental_pause(inc, pause);
}

/* Reads the Kafka signal channel, without waiting, while the stream runs (a snapshot signal before
 * it would have nothing to run in). A failed read is logged; the stream goes on. */
static int on_signal_timer(rc_loop_t *loop, long long id, void *opaque)
{
	pipeline_t *pl = opaque;
	char err[512];

	(void)loop;
	(void)id;
	if (pl->cap && strcmp(rc_capture_phase(pl->cap), "streaming") == 0 &&
	    pl->signal_kafka->ops->poll(pl->signal_kafka, &pl->signals, err, sizeof err) < 0)
		rc_log_warn("signal", "Kafka signal channel: %s", err);
	return pl->signal_poll_ms;
}

/* Puts one stream life on the loop: the timers and the turn (the descriptors come and go with it). */
static int watch(pipeline_t *pl)
{
	pl->src_fd = pl->sink_fd = -1;
	pl->writer_watched = pl->writer && rc_loop_add_fd(pl->loop, rc_offset_writer_fd(pl->writer),
	                                                  RC_LOOP_READABLE, on_writer, pl) == RC_OK;
	if ((pl->writer && !pl->writer_watched) || pl_park_watch(pl) != RC_OK)
		return RC_ERR_FATAL;
	pl->flush_timer = rc_loop_add_timer(pl->loop, PERSIST_INTERVAL_MS, on_flush_timer, pl);
	pl->log_timer = rc_loop_add_timer(pl->loop, 1000, on_log_timer, pl);
	rc_loop_set_before_sleep(pl->loop, turn, pl);
	if (pl->signal_kafka &&
	    (pl->signal_timer = rc_loop_add_timer(pl->loop, pl->signal_poll_ms, on_signal_timer, pl)) <= 0)
		return RC_ERR_FATAL;
	if (pl->hb.interval_ms > 0 && (pl->hb_timer = rc_loop_add_timer(pl->loop, (int)pl->hb.interval_ms,
	                                                                pl_on_heartbeat_timer, pl)) <= 0)
		return RC_ERR_FATAL;
	return pl->flush_timer > 0 && pl->log_timer > 0 ? RC_OK : RC_ERR_FATAL;
}

static void unwatch(pipeline_t *pl)
{
	if (pl->src_fd >= 0)
		rc_loop_del_fd(pl->loop, pl->src_fd);
	if (pl->sink_fd >= 0)
		rc_loop_del_fd(pl->loop, pl->sink_fd);
	if (pl->writer_watched)
		rc_loop_del_fd(pl->loop, rc_offset_writer_fd(pl->writer));
	pl->writer_watched = false;
	pl_park_unwatch(pl);
	if (pl->flush_timer > 0)
		rc_loop_del_timer(pl->loop, pl->flush_timer);
	if (pl->log_timer > 0)
		rc_loop_del_timer(pl->loop, pl->log_timer);
	if (pl->hb_timer > 0)
		rc_loop_del_timer(pl->loop, pl->hb_timer);
	pl->hb_timer = 0;
	if (pl->signal_timer > 0)
		rc_loop_del_timer(pl->loop, pl->signal_timer);
	pl->signal_timer = 0;
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
	rc_pos_clear(&pl->submitted);
	pl->submitted_seq = 0;
	if (load_recorded(pl, err, errlen) != RC_OK)
		return RC_ERR_FATAL;
	pl->sink = pl->parts->sink_new(pl->conf, pl_on_ack, pl, err, errlen);
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
	                                              .snapshot_taken = &pl->snapshot_taken,
	                                              .signals = pl->parts->oneshot ? NULL : &pl->signals},
	                         err, errlen);
	if (!pl->cap)
		return RC_ERR_FATAL;
	rc = rc_capture_start(pl->cap, &resume, err, errlen);
	if (rc != RC_OK)
		return rc;
	pl->source_started = true;
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
	if (ended && (rc = pl_park_drain(pl, pl->shutdown_ms, err, errlen)) != RC_OK)
		return rc;
	if (pl->sink->ops->flush(pl->sink, rc_shutdown_drain_ms(pl->shutdown_ms)) != 0)
		rc_log_warn(
		    "pipeline",
		    "%ld records not acknowledged within shutdown.timeout.ms=%d: they are sent again on "
		    "restart",
		    pl->sink->ops->inflight(pl->sink), pl->shutdown_ms);
	rc = pl_confirm(pl, true, err, errlen);
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
	pl_park_clear(pl); /* before the tracker: the records hold its transactions */
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
	out->signals_received = pl->signals.received;
	out->signals_refused = pl->signals.refused;
	out->position[0] = '\0';
	if (at->set)
		rc_pos_text(pl->parts->codec, at, out->position, sizeof out->position);
}

/* The back-off between stream lives, on the loop when the HTTP endpoint is on (the probes are
 * answered meanwhile: "restarting", not a silent port). */
static void sleep_serving(pipeline_t *pl, int ms)
{
	int64_t until = rc_clock_ms() + ms, left;

	if (!rc_obs_http(&pl->obs) && !rc_sdnotify_watchdog_ms()) { /* else the loop pings systemd */
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
	int64_t backoff = 1000, started, run_started = rc_clock_ms();
	int64_t startup_ms = rc_conf_get_int(conf, "startup.connect.timeout.ms", 15000);
	int rc = RC_OK;

	pl.store = parts->store;
	pl.max_inflight = (long)rc_conf_get_int(conf, "max.queue.size", 100000);
	pl.max_bytes = rc_conf_get_int(conf, "max.queue.size.in.bytes", 67108864);
	pl.shutdown_ms = (int)rc_conf_get_int(conf, "shutdown.timeout.ms", 20000);
	pl.tombstones = rc_conf_get_bool(conf, "tombstones.on.delete", true);
	pl.utf8_replace = rc_conf_is(conf, "string.invalid.utf8.mode", "replace");
	rc_buf_init(&pl.utf8_tmp, 0);
	/* A test knob, not a property: bench/latency_bench.sh reads the stages of each record. */
	pl.stage_header = getenv("ROWCAST_TEST_STAGE_HEADER") && *getenv("ROWCAST_TEST_STAGE_HEADER") == '1';
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
	if (!pl.loop || (rc_signals_fd() >= 0 && rc_loop_watch_signals(pl.loop) != RC_OK) ||
	    rc_sdnotify_watch(pl.loop) != RC_OK) {
		rc_log_error("pipeline", "cannot set up the event loop: out of memory");
		rc_txmeta_destroy(&pl.txm);
		rc_heartbeat_destroy(&pl.hb);
		pl.enc->ops->free(pl.enc);
		rc_loop_free(pl.loop);
		return 1;
	}
	if (pl.store && rc_offset_writer_new(pl.store, &pl.writer, err, sizeof err) != RC_OK) {
		rc_log_error("pipeline", "%s", err);
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
		rc_offset_writer_free(pl.writer);
		pl.enc->ops->free(pl.enc);
		rc_loop_free(pl.loop);
		return 1;
	}
	/* The properties were checked by rc_conf_finalize: what fails here is memory. */
	if (rc_column_map_init(&pl.cmap, conf, err, sizeof err) != 0)
		rc = RC_ERR_FATAL;
	if (rc == RC_OK && rc_signal_router_init(&pl.signals, conf, err, sizeof err) != 0)
		rc = RC_ERR_FATAL;
	pl.signals.target = (rc_signal_target_t){on_signal_execute, on_signal_stop, on_signal_pause, &pl};
	pl.signal_poll_ms = (int)rc_conf_get_int(conf, "signal.poll.interval.ms", 5000);
	if (rc == RC_OK && pl.signals.kafka && !parts->oneshot) {
		pl.signal_kafka =
		    parts->signal_kafka_new ? parts->signal_kafka_new(conf, err, sizeof err) : NULL;
		if (!pl.signal_kafka) {
			if (!parts->signal_kafka_new)
				snprintf(err, sizeof err,
				         "signal.enabled.channels: kafka: not in this build");
			rc = RC_ERR_FATAL;
		}
	}
	pl.cmap_on = rc == RC_OK && rc_column_map_active(&pl.cmap);
	while (rc == RC_OK && !rc_stop_requested()) {
		err[0] = '\0';
		started = rc_clock_ms();
		rc = stream_once(&pl, err, sizeof err);
		teardown(&pl);
		if (rc == RC_OK || rc == RC_STOPPED || rc_err_is_fatal(rc))
			break;
		/* Never once started (a wrong port, password or host, a server still coming up beside
		 * us): retried for startup.connect.timeout.ms, then an exit the supervisor sees, as
		 * Debezium's connector fails its task at start. A lost source is retried without end. */
		if (!pl.source_started && rc_clock_ms() - run_started >= startup_ms) {
			char why[RC_ERRSTR_LEN - 100]; /* the cause, cut to leave room for what it prefixes */

			snprintf(why, sizeof why, "%s", err);
			snprintf(err, sizeof err,
			         "could not start within startup.connect.timeout.ms (%lld ms): %s",
			         (long long)startup_ms, why);
			rc = RC_ERR_FATAL;
			break;
		}
		rc = RC_OK; /* a retryable stop: the next life starts clean */
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
	if (pl.signal_kafka)
		pl.signal_kafka->ops->free(pl.signal_kafka);
	rc_signal_router_destroy(&pl.signals);
	rc_buf_free(&pl.utf8_tmp);
	rc_column_map_free(&pl.cmap);
	rc_offset_writer_free(pl.writer); /* what is still pending is written first */
	rc_pos_clear(&pl.submitted);
	rc_obs_free(&pl.obs);
	rc_txmeta_destroy(&pl.txm);
	rc_heartbeat_destroy(&pl.hb);
	pl.enc->ops->free(pl.enc);
	rc_loop_free(pl.loop);
	rc_offset_clear(&pl.recorded);
	return rc_err_is_fatal(rc) ? 1 : 0;
}
