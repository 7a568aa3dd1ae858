/*
 * The pipeline's insides, shared by its two files: agent/pipeline.c runs the stream's lives on the
 * event loop (start, turns, timers, confirmation, drain, restarts); agent/pipeline_records.c turns
 * what the source hands over into records for the sink (the source handler, the bounds on what is
 * in flight, transaction metadata, heartbeats) and serves the delivery reports. Nothing outside
 * these two files includes it.
 */
#ifndef RC_PIPELINE_INTERNAL_H
#define RC_PIPELINE_INTERNAL_H

#include "agent/acktrack.h"
#include "agent/buf.h"
#include "agent/column_map.h"
#include "agent/heartbeat.h"
#include "agent/offset_writer.h"
#include "agent/pipeline.h"
#include "agent/signal.h"
#include "agent/pipeline_obs.h"
#include "agent/txmeta.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define READ_BUDGET 2000        /* source messages per loop turn before serving Kafka */
#define PERSIST_INTERVAL_MS 200 /* stream position writes, at most this often (snapshot chunks at once) */
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

/* Records whose schema ids the registry has not given yet, in the order they came (agent/encoder.h
 * pending; agent/pipeline_park.c). They count in flight (the bounds, and their transactions'
 * acknowledgements: no position past them is confirmed) from the moment they are parked. */
typedef struct pl_parked pl_parked_t;
typedef struct pl_park_topic {
	char *topic;  /* owned */
	size_t n;     /* records of this topic parked */
	bool blocked; /* in the flush under way: an earlier record of the topic still waits */
} pl_park_topic_t;
typedef struct pl_park {
	pl_parked_t *head, *tail; /* owned */
	size_t n;
	pl_park_topic_t *topics; /* owned; an entry stays until pl_park_clear (records keep its index) */
	size_t ntopics, cap;
	bool sink_full;  /* the last flush stopped at a full sink queue: try again soon */
	bool fd_watched; /* the encoder's descriptor is on the loop */
} pl_park_t;

typedef struct pipeline {
	const rc_conf_t *conf;
	const rc_pipeline_parts_t *parts;
	pl_state_t state;
	rc_acktrack_t track;
	rc_encoder_t *enc;
	rc_sink_t *sink;
	rc_capture_t *cap;
	rc_offset_store_t *store;   /* borrowed; NULL: no position is recorded */
	rc_offset_writer_t *writer; /* the store's writes, off the loop (NULL without a store) */
	rc_offset_t recorded;       /* what the store durably holds (without one: what was confirmed) */
	bool have_recorded;
	rc_pos_t submitted;     /* the newest position handed to the writer (owned) */
	uint64_t submitted_seq; /* rc_capture_record_seq of what was handed to the writer */
	bool snapshot_taken;    /* snapshot.mode=always: once per process */
	bool source_started;    /* a life of this process got its source going: later losses are retried */
	int64_t last_persist_ms;
	int64_t last_wait_log_ms;
	long max_inflight;
	int64_t max_bytes; /* max.queue.size.in.bytes; 0: only max_inflight */
	int shutdown_ms;   /* shutdown.timeout.ms */
	bool tombstones;
	bool utf8_replace; /* string.invalid.utf8.mode=replace (tables with check_utf8 only) */
	rc_buf_t utf8_tmp; /* replaced strings of the event being encoded; reset per event */
	bool stage_header; /* ROWCAST_TEST_STAGE_HEADER: a rowcast.stages header on every change record */
	char skipped[8];   /* operations not to publish, as op letters */
	uint64_t events_published;
	rc_obs_t obs;         /* counters, /metrics, /healthz, /readyz (agent/pipeline_obs.h) */
	rc_obs_cause_t cause; /* what ended the stream life, for rowcast_restarts_total */
	rc_txmeta_t txm;      /* provide.transaction.metadata */
	rc_heartbeat_t hb;    /* heartbeat.interval.ms */
	pl_park_t park;       /* records waiting for their schema ids */
	long long hb_timer;

	/* The column mappers (agent/column_map.h: column.exclude.list, column.mask.*,
	 * column.truncate.*), applied to every event before the encoder; cmap_on when they change any. */
	rc_column_map_t cmap;
	bool cmap_on;

	/* One stream life on the loop. */
	rc_loop_t *loop;
	int src_fd, sink_fd;         /* the descriptors registered, -1 for none */
	bool writer_watched;         /* the writer's wake-up pipe is on the loop */
	int64_t sink_quiet_until_ms; /* no wake for delivery reports before this (coalescing) */
	long long flush_timer, log_timer;
	/* Signals (agent/signal.h): the channels' router, lasting across stream lives, and the Kafka
	 * channel's reader (NULL unless signal.enabled.channels lists kafka), polled by signal_timer. */
	rc_signal_router_t signals;
	rc_signal_channel_t *signal_kafka;
	long long signal_timer;
	int signal_poll_ms;
	int result; /* why the loop stopped: RC_OK, RC_END, RC_STOPPED, RC_ERR_* */
	char *err;  /* the life's error buffer */
	size_t errlen;
} pipeline_t;

/* pipeline.c: confirms what is acknowledged (the offset store first, then the source). Returns
 * RC_OK or an RC_ERR_* class with err filled. */
int pl_confirm(pipeline_t *pl, bool force, char *err, size_t errlen);

/* pipeline_records.c. */

/* The handler the capture's reads call (agent/source.h), bound to pl. */
rc_source_handler_t pl_source_handler(pipeline_t *pl);

/* Whether the sink refused a record for good (agent/sink.h refused): err gets why, the cause is set.
 * The pipeline then stops with RC_ERR_REFUSED instead of restarting into the same refusal. */
bool pl_refused(pipeline_t *pl, char *err, size_t errlen);

/* The sink's delivery report (agent/sink.h rc_sink_ack_fn); opaque is the pipeline. */
void pl_on_ack(void *ticket, bool ok, const char *why, void *opaque);

/* Hands one record to the sink under txn, waiting while max.queue.size, max.queue.size.in.bytes or
 * the sink's queue are full. Returns RC_OK, RC_STOPPED, or an RC_ERR_* class with err filled. */
int pl_publish(pipeline_t *pl, const rc_record_t *rec, rc_ack_txn_t *txn, char *err, size_t errlen);

/* Waits up to FULL_WAIT_MS while the bounds or the sink's queue are full, serving the sink, the
 * probes and parked records meanwhile. Returns RC_OK to try again, RC_STOPPED, or an RC_ERR_* class. */
int pl_wait_full(pipeline_t *pl, char *err, size_t errlen);

/* pipeline_park.c. */

/* Hands rec (of an event, encoded just now) to the sink as pl_publish does, or parks a copy of it
 * when its schema ids are not known yet or an earlier record of its topic is parked (per topic,
 * records go in the order they came). Returns RC_OK, RC_STOPPED, or an RC_ERR_* class. */
int pl_emit(pipeline_t *pl, const rc_record_t *rec, rc_ack_txn_t *txn, char *err, size_t errlen);

/* Publishes the parked records whose ids are now known, each topic's in order, until the sink's
 * queue is full. Returns RC_OK, or an RC_ERR_* class with err filled (RC_ERR_FATAL: the registry
 * refused a schema; the message names the subject). */
int pl_park_flush(pipeline_t *pl, char *err, size_t errlen);

/* At the source's end: waits up to timeout_ms (or a stop request) for the parked records' ids and
 * publishes them. What is still parked after it is not confirmed: it is read again on restart. */
int pl_park_drain(pipeline_t *pl, int timeout_ms, char *err, size_t errlen);

/* The encoder's descriptor (agent/encoder.h fd) on the loop, or off it. */
int pl_park_watch(pipeline_t *pl);
void pl_park_unwatch(pipeline_t *pl);

/* Drops what is parked (the stream life ends; its transactions go with the tracker). */
void pl_park_clear(pipeline_t *pl);

/* Whether size more bytes in flight would pass one of the bounds (never with nothing in flight). */
bool pl_over_bound(const pipeline_t *pl, int64_t size);

/* Logs, at most every WAIT_LOG_INTERVAL_MS, that the oldest record in flight waits for Kafka. */
void pl_log_waiting(pipeline_t *pl);

/* The heartbeat timer (agent/loop.h rc_loop_timer_fn); opaque is the pipeline. */
int pl_on_heartbeat_timer(rc_loop_t *loop, long long id, void *opaque);

#endif
