#include "config.h"

#include "agent/pipeline_obs.h"

#include "agent/clock.h"
#include "agent/errors.h"
#include "agent/health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Delivery latency buckets, seconds: from a fast local broker to a long outage. */
static const double latency_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};
/* Latency stages, seconds: each is milliseconds when all is well. */
static const double stage_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                      0.1,    0.25,  0.5,    1,     2.5,  5,     10};
static const char *const stage_names[4][2] = {
    {"rowcast_stage_commit_to_send_seconds",
     "From the source's commit to the server's send of the change (PostgreSQL's XLogData send time)."},
    {"rowcast_stage_send_to_receive_seconds",
     "From the server's send of the change to rowcast's read of it (PostgreSQL)."},
    {"rowcast_stage_receive_to_produce_seconds",
     "From rowcast's read of a transaction's first change to the hand-over of its first record to the sink."},
    {"rowcast_stage_produce_to_ack_seconds",
     "From a transaction's first record's hand-over to the sink to each of its records' acknowledgement."},
};

static const char *const op_names[RC_OBS_NOPS] = {"c", "u", "d", "r", "t", "m", "s"};
static const char *const cause_names[RC_OBS_NCAUSES] = {"source", "sink", "delivery", "offsets"};

int rc_obs_init(rc_obs_t *o, const rc_conf_t *conf, rc_obs_probe_fn probe, void *opaque)
{
	*o = (rc_obs_t){.probe = probe, .probe_opaque = opaque, .base_lag_bytes = -1};
	rc_hist_init(&o->latency, latency_bounds, (int)(sizeof latency_bounds / sizeof *latency_bounds));
	for (int i = 0; i < 4; i++)
		rc_hist_init(&o->stage[i], stage_bounds, (int)(sizeof stage_bounds / sizeof *stage_bounds));
	o->stall_limit_ms = rc_conf_get_int(conf, "readiness.stall.ms", 60000);
	o->last_turn_ms = rc_clock_ms();
	/* Slot 0: events without a table (messages), and the fallback when out of memory. */
	o->tables = calloc(8, sizeof *o->tables);
	if (!o->tables || !(o->tables[0].name = strdup(""))) {
		free(o->tables);
		o->tables = NULL;
		return RC_ERR_FATAL;
	}
	o->cap = 8;
	o->ntables = 1;
	return RC_OK;
}

rc_obs_table_t *rc_obs_table_slow(rc_obs_t *o, rc_table_t *t)
{
	char name[512];
	size_t i;

	if (!t)
		return &o->tables[0];
	snprintf(name, sizeof name, "%s.%s", t->schema_name ? t->schema_name : "", t->name ? t->name : "");
	/* A new object for a table already counted (its schema changed, or a new stream life). */
	for (i = 1; i < o->ntables; i++)
		if (strcmp(o->tables[i].name, name) == 0)
			break;
	if (i == o->ntables) {
		if (o->ntables == o->cap) {
			rc_obs_table_t *grown = realloc(o->tables, o->cap * 2 * sizeof *grown);
			if (!grown)
				return &o->tables[0];
			o->tables = grown;
			o->cap *= 2;
		}
		o->tables[i] = (rc_obs_table_t){0};
		if (!(o->tables[i].name = strdup(name)))
			return &o->tables[0];
		o->ntables++;
	}
	o->tables[i].last = t;
	t->metrics_slot = (int32_t)i;
	return &o->tables[i];
}

/* Samples the probe and keeps the stall rule's state: the lag in bytes when the confirmed
 * position last moved, and since when the server has been seen beyond that (its position grew). */
static void sample(rc_obs_t *o, rc_obs_live_t *live, rc_health_in_t *in)
{
	*live = (rc_obs_live_t){.lag_bytes = -1};
	o->probe(o->probe_opaque, live);
	if (live->confirmed_ms != o->base_confirmed_ms || o->base_lag_bytes < 0) {
		o->base_confirmed_ms = live->confirmed_ms;
		o->base_lag_bytes = live->lag_bytes;
		o->grew_since_ms = 0;
	} else if (!o->grew_since_ms && live->lag_bytes > o->base_lag_bytes) {
		o->grew_since_ms = live->now_ms;
	}
	*in = (rc_health_in_t){.streaming = live->streaming,
	                       .snapshot_running = live->snapshot_running,
	                       .sink_broken = live->sink_broken,
	                       .stalled_ms = live->stalled_ms,
	                       .inflight = live->inflight,
	                       .server_grew = o->grew_since_ms != 0,
	                       .grown_for_ms = o->grew_since_ms ? live->now_ms - o->grew_since_ms : 0,
	                       .confirmed_age_ms = live->now_ms - live->confirmed_ms,
	                       .stall_limit_ms = o->stall_limit_ms};
}

void rc_obs_tick(rc_obs_t *o)
{
	rc_obs_live_t live;
	rc_health_in_t in;

	sample(o, &live, &in);
}

static void write_pipeline(rc_buf_t *b, void *opaque)
{
	rc_obs_t *o = opaque;
	rc_obs_live_t live;
	rc_health_in_t in;
	char labels[700], why[256];
	bool ready;

	sample(o, &live, &in);
	ready = rc_health_ready(&in, why, sizeof why);

	rc_prom_family(b, "rowcast_state", "gauge",
	               "The pipeline's state (the sample of the current one is 1).");
	rc_prom_labels(labels, sizeof labels, "state", live.state, NULL);
	rc_prom_sample(b, "rowcast_state", labels, 1);
	if (live.phase) {
		rc_prom_family(b, "rowcast_capture_phase", "gauge",
		               "The capture's phase (the current one is 1).");
		rc_prom_labels(labels, sizeof labels, "phase", live.phase, NULL);
		rc_prom_sample(b, "rowcast_capture_phase", labels, 1);
	}
	rc_prom_single(b, "rowcast_source_connected", "gauge", "1 while a stream life is up.",
	               live.streaming ? 1 : 0);
	rc_prom_single(b, "rowcast_ready", "gauge", "1 when /readyz answers 200.", ready ? 1 : 0);

	rc_prom_family(b, "rowcast_events_total", "counter",
	               "Change events read from the source, by table and op (c, u, d, r, t, m, s).");
	for (size_t i = 0; i < o->ntables; i++)
		for (int op = 0; op < RC_OBS_NOPS; op++)
			if (o->tables[i].seen[op]) {
				rc_prom_labels(labels, sizeof labels, "table", o->tables[i].name, "op",
				               op_names[op], NULL);
				rc_prom_sample(b, "rowcast_events_total", labels,
				               (double)o->tables[i].seen[op]);
			}
	rc_prom_family(
	    b, "rowcast_events_published_total", "counter",
	    "Change events handed to the sink (not skipped by skipped.operations), by table and op.");
	for (size_t i = 0; i < o->ntables; i++)
		for (int op = 0; op < RC_OBS_NOPS; op++)
			if (o->tables[i].published[op]) {
				rc_prom_labels(labels, sizeof labels, "table", o->tables[i].name, "op",
				               op_names[op], NULL);
				rc_prom_sample(b, "rowcast_events_published_total", labels,
				               (double)o->tables[i].published[op]);
			}
	rc_prom_single(b, "rowcast_records_produced_total", "counter",
	               "Records handed to the sink (events and tombstones).", (double)o->produced);
	rc_prom_single(b, "rowcast_records_acknowledged_total", "counter",
	               "Records the sink acknowledged (Kafka: written with the configured acks).",
	               (double)o->acked);
	rc_prom_single(b, "rowcast_records_failed_total", "counter",
	               "Records whose delivery failed (they are sent again after a restart).",
	               (double)o->failed);
	rc_prom_single(b, "rowcast_records_in_flight", "gauge",
	               "Records handed to the sink and not yet reported.", (double)live.inflight);
	rc_prom_single(b, "rowcast_in_flight_oldest_wait_seconds", "gauge",
	               "How long the oldest transaction in flight has waited since its hand-over or its last "
	               "acknowledgement (0: nothing in flight).",
	               (double)live.stalled_ms / 1000.0);
	rc_prom_histogram(b, "rowcast_delivery_latency_seconds",
	                  "From the source's commit to the sink's acknowledgement, per record (streaming).",
	                  &o->latency);
	for (int i = 0; i < 4; i++)
		rc_prom_histogram(b, stage_names[i][0], stage_names[i][1], &o->stage[i]);
	if (o->lag_known)
		rc_prom_single(
		    b, "rowcast_streaming_lag_seconds", "gauge",
		    "Behind the source's commit time at the last transaction read (0 once caught up).",
		    o->lag_s);
	if (live.lag_bytes >= 0)
		rc_prom_single(
		    b, "rowcast_source_lag_bytes", "gauge",
		    "The source's log beyond the confirmed position (PostgreSQL: the server's WAL end "
		    "minus the confirmed LSN).",
		    (double)live.lag_bytes);
	rc_prom_single(b, "rowcast_confirmed_position_age_seconds", "gauge",
	               "Since the confirmed position last moved.", (double)in.confirmed_age_ms / 1000.0);
	if (live.position[0]) {
		rc_prom_family(b, "rowcast_confirmed_position_info", "gauge",
		               "The confirmed source position (the label); the value is always 1.");
		rc_prom_labels(labels, sizeof labels, "position", live.position, NULL);
		rc_prom_sample(b, "rowcast_confirmed_position_info", labels, 1);
	}
	rc_prom_family(b, "rowcast_restarts_total", "counter", "Stream restarts, by cause.");
	for (int c = 0; c < RC_OBS_NCAUSES; c++) {
		rc_prom_labels(labels, sizeof labels, "cause", cause_names[c], NULL);
		rc_prom_sample(b, "rowcast_restarts_total", labels, (double)o->restarts[c]);
	}
	rc_prom_family(b, "rowcast_signals_total", "counter",
	               "Debezium signals received on the channels (signal.enabled.channels), by result.");
	rc_prom_labels(labels, sizeof labels, "result", "done", NULL);
	rc_prom_sample(b, "rowcast_signals_total", labels,
	               (double)(live.signals_received - live.signals_refused));
	rc_prom_labels(labels, sizeof labels, "result", "refused", NULL);
	rc_prom_sample(b, "rowcast_signals_total", labels, (double)live.signals_refused);
	rc_prom_single(b, "rowcast_loop_last_turn_age_seconds", "gauge", "Since the event loop last turned.",
	               (double)(rc_clock_ms() - o->last_turn_ms) / 1000.0);
}

static int route_metrics(void *opaque, rc_buf_t *body, const char **type)
{
	(void)opaque;
	*type = "text/plain; version=0.0.4; charset=utf-8";
	rc_metrics_write(body);
	return 200;
}

static int route_healthz(void *opaque, rc_buf_t *body, const char **type)
{
	rc_obs_t *o = opaque;
	int64_t age = rc_clock_ms() - o->last_turn_ms;
	char why[128];
	bool up = age < RC_HEALTH_LOOP_STALE_MS;

	*type = "application/json";
	snprintf(why, sizeof why, "the event loop last turned %lld ms ago", (long long)age);
	rc_health_body(body, "loop", up, up ? NULL : why);
	return up ? 200 : 503;
}

static int route_readyz(void *opaque, rc_buf_t *body, const char **type)
{
	rc_obs_t *o = opaque;
	rc_obs_live_t live;
	rc_health_in_t in;
	char why[256];
	bool ready;

	sample(o, &live, &in);
	ready = rc_health_ready(&in, why, sizeof why);
	*type = "application/json";
	rc_health_body(body, "pipeline", ready, ready ? NULL : why);
	return ready ? 200 : 503;
}

int rc_obs_start(rc_obs_t *o, rc_loop_t *loop, const rc_conf_t *conf, char *err, size_t errlen)
{
	long long port = rc_conf_get_int(conf, "http.port", 0);
	const char *host = rc_conf_get(conf, "http.host");

	if (rc_metrics_add_collector(write_pipeline, o) != 0) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	if (port <= 0)
		return RC_OK;
	o->routes[0] = (rc_http_route_t){"/metrics", route_metrics, o};
	o->routes[1] = (rc_http_route_t){"/healthz", route_healthz, o};
	o->routes[2] = (rc_http_route_t){"/readyz", route_readyz, o};
	o->http = rc_http_start(loop, host ? host : "127.0.0.1", (int)port, o->routes, 3, err, errlen);
	return o->http ? RC_OK : RC_ERR_FATAL;
}

void rc_obs_free(rc_obs_t *o)
{
	rc_http_stop(o->http);
	o->http = NULL;
	rc_metrics_remove_collector(write_pipeline, o);
	for (size_t i = 0; i < o->ntables; i++)
		free(o->tables[i].name);
	free(o->tables);
	o->tables = NULL;
	o->ntables = o->cap = 0;
}
