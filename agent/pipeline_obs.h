/*
 * What the pipeline shows about itself (issue 10): the counters it keeps on its hot path, the
 * /metrics families made from them, and the /healthz and /readyz answers, served on its loop by
 * agent/http.c when http.port is set.
 *
 * The hot path pays a few plain increments per event, on the loop's thread, without a lock or a
 * hash: each table's counters sit in an array slot whose index is cached on the table
 * (rc_table_t.metrics_slot), checked against the table's address kept in the slot.
 *
 * What only the pipeline knows right now (its state, the tracker, the source's lag in bytes) comes
 * from its probe function, called when /metrics or /readyz is asked for and once a second.
 */
#ifndef RC_PIPELINE_OBS_H
#define RC_PIPELINE_OBS_H

#include "agent/conf.h"
#include "agent/event.h"
#include "agent/http.h"
#include "agent/loop.h"
#include "agent/metrics.h"
#include "agent/position.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* What the pipeline reports when probed. */
typedef struct rc_obs_live {
	const char *state;     /* the pipeline's state name */
	const char *phase;     /* the capture's phase name, NULL between stream lives */
	bool streaming;        /* a stream life is up */
	bool snapshot_running; /* the capture copies tables or waits for their acknowledgement */
	bool sink_broken;
	int64_t inflight;
	int64_t stalled_ms;   /* rc_acktrack_stalled_ms */
	int64_t confirmed_ms; /* when the confirmed position last moved (monotonic, the tracker's clock) */
	int64_t now_ms;       /* the same clock, now */
	int64_t lag_bytes;    /* the source's log beyond the confirmed position, -1 unknown */
	char position[RC_POS_TEXTLEN]; /* the confirmed position for people, "" when none */
	uint64_t signals_received;     /* Debezium signals seen on every channel (agent/signal.h) */
	uint64_t signals_refused;      /* of which malformed or refused */
} rc_obs_live_t;

typedef void (*rc_obs_probe_fn)(void *opaque, rc_obs_live_t *out);

enum { OBS_OP_C, OBS_OP_U, OBS_OP_D, OBS_OP_R, OBS_OP_T, OBS_OP_M, OBS_OP_S, RC_OBS_NOPS };

typedef struct rc_obs_table {
	const rc_table_t *last; /* the table object that cached this slot (compared, never followed) */
	char *name;             /* schema.table (owned), "" for events without a table */
	uint64_t seen[RC_OBS_NOPS], published[RC_OBS_NOPS];
} rc_obs_table_t;

typedef enum {
	RC_OBS_CAUSE_SOURCE,
	RC_OBS_CAUSE_SINK,
	RC_OBS_CAUSE_DELIVERY,
	RC_OBS_CAUSE_OFFSETS,
	RC_OBS_NCAUSES
} rc_obs_cause_t;

typedef struct rc_obs {
	rc_obs_table_t *tables;
	size_t ntables, cap;
	uint64_t produced, acked, failed;
	rc_histogram_t latency; /* source commit -> Kafka acknowledgement, seconds */
	/* The same way in stages (seconds; observed when both ends are known): the source's commit ->
	 * the server's send (PostgreSQL's XLogData) -> rowcast's receive -> the hand-over to the sink
	 * -> the acknowledgement. */
	rc_histogram_t stage[4];
	uint64_t restarts[RC_OBS_NCAUSES];
	double lag_s; /* behind the source's commit time at the last commit read; 0 once caught up */
	bool lag_known;
	int64_t last_turn_ms; /* rc_clock_ms of the loop's last turn */
	int64_t stall_limit_ms;

	/* "the server's position grows while the confirmed one stands still": the lag in bytes seen
	 * when the confirmed position last moved */
	int64_t base_confirmed_ms, base_lag_bytes;
	int64_t grew_since_ms; /* when the server was first seen beyond that, 0: not yet */

	rc_obs_probe_fn probe;
	void *probe_opaque;
	rc_http_t *http;
	rc_http_route_t routes[3];
} rc_obs_t;

/* Starts with empty counters; probe (with opaque) tells the pipeline's live state. Reads
 * readiness.stall.ms. Returns RC_OK, or RC_ERR_FATAL when out of memory. */
int rc_obs_init(rc_obs_t *o, const rc_conf_t *conf, rc_obs_probe_fn probe, void *opaque);

/* Adds the pipeline's families to /metrics and, when http.port is set, serves on loop. Returns
 * RC_OK, or RC_ERR_FATAL with err naming http.host:http.port when it cannot listen. */
int rc_obs_start(rc_obs_t *o, rc_loop_t *loop, const rc_conf_t *conf, char *err, size_t errlen);

/* Stops serving and frees the counters. */
void rc_obs_free(rc_obs_t *o);

/* The HTTP server, NULL when http.port is 0 (for waits outside the loop: rc_http_fd, serve). */
static inline rc_http_t *rc_obs_http(rc_obs_t *o)
{
	return o->http;
}

rc_obs_table_t *rc_obs_table_slow(rc_obs_t *o, rc_table_t *t);

/* The counters of ev's table. Never NULL: when out of memory, a shared slot of no table. */
static inline rc_obs_table_t *rc_obs_table(rc_obs_t *o, rc_table_t *t)
{
	if (t && t->metrics_slot >= 0 && (size_t)t->metrics_slot < o->ntables &&
	    o->tables[t->metrics_slot].last == t)
		return &o->tables[t->metrics_slot];
	return rc_obs_table_slow(o, t);
}

static inline int rc_obs_op(rc_op_t op)
{
	switch (op) {
	case RC_OP_CREATE:
		return OBS_OP_C;
	case RC_OP_UPDATE:
		return OBS_OP_U;
	case RC_OP_DELETE:
		return OBS_OP_D;
	case RC_OP_READ:
		return OBS_OP_R;
	case RC_OP_TRUNCATE:
		return OBS_OP_T;
	case RC_OP_MESSAGE:
		return OBS_OP_M;
	default:
		return OBS_OP_S;
	}
}

/* Wall-clock µs, coarse (a few ms resolution at a fraction of the cost): read per acknowledgement
 * for the delivery latency. */
static inline int64_t rc_obs_wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Wall-clock µs, exact: the latency stages are milliseconds. */
static inline int64_t rc_obs_wall_exact_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Once a second from the pipeline's timer: samples the probe for the stall rule. */
void rc_obs_tick(rc_obs_t *o);

#endif
