/*
 * The sink interface: where encoded records go (Kafka, standard output). A sink ships bytes; it
 * knows nothing of Avro or of sources. Every record handed over is reported back exactly once
 * through on_ack, with the ticket it came with, when the destination has durably taken it (Kafka:
 * the delivery report after acks=all) or has failed for good.
 */
#ifndef RC_SINK_H
#define RC_SINK_H

#include "agent/errors.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct rc_sink rc_sink_t;

/* A record header (Kafka headers): borrowed like the record. */
typedef struct rc_record_header {
	const char *name;
	const void *value;
	size_t len;
} rc_record_header_t;

/* One record: key and value are borrowed for the call (the sink copies what it keeps). A NULL
 * value is a tombstone; a NULL key is a record without key. headers: nheaders of them, or none
 * (a sink without headers, such as stdout, ignores them). */
typedef struct rc_record {
	const char *topic;
	const void *key;
	size_t keylen;
	const void *value;
	size_t vallen;
	const rc_record_header_t *headers;
	size_t nheaders;
} rc_record_t;

/* Delivery report: ok, or the reason it failed for good. Called on the pipeline's thread, from
 * inside ops->poll or ops->flush. */
typedef void (*rc_sink_ack_fn)(void *ticket, bool ok, const char *why, void *opaque);

/* publish() returns (agent/errors.h): RC_OK; RC_FULL when the queue is full (poll, then publish the
 * same record again); RC_ERR_RETRY when it failed and a new sink may succeed; RC_ERR_REFUSED when
 * this record can never be accepted (too large): retrying cannot help. */

typedef struct rc_sink_ops {
	const char *name;
	int (*publish)(rc_sink_t *sink, const rc_record_t *rec, void *ticket, char *err, size_t errlen);
	/* Serves delivery reports for up to timeout_ms. Returns the number served. */
	int (*poll)(rc_sink_t *sink, int timeout_ms);
	/* Waits up to timeout_ms for every record to be reported. Returns 0 when none is left. */
	int (*flush)(rc_sink_t *sink, int timeout_ms);
	/* A descriptor that becomes readable when delivery reports wait to be served by poll, so that an
	 * event loop (agent/loop.h) watches it instead of polling at intervals; -1 when the sink has none.
	 * After poll returns, either nothing waits or the descriptor is readable again; it may also be
	 * readable with nothing to serve (poll then serves 0). Owned by the sink, valid until free; the
	 * caller only watches it, never reads it. */
	int (*fd)(rc_sink_t *sink);
	/* Records handed over and not yet reported. */
	long (*inflight)(rc_sink_t *sink);
	/* True once the sink cannot go on (e.g. a fatal producer error); why receives the reason. */
	bool (*broken)(rc_sink_t *sink, char *why, size_t len);
	/* Optional: true once the destination refused a record for good (too large for the broker, not
	 * authorised, no such topic), which no restart can cure: the pipeline stops with RC_ERR_REFUSED,
	 * the record's position unconfirmed. why receives what was refused and why. */
	bool (*refused)(rc_sink_t *sink, char *why, size_t len);
	/* Drops undelivered records (their reports say failed) and frees the sink. */
	void (*free)(rc_sink_t *sink);
} rc_sink_ops_t;

struct rc_sink {
	const rc_sink_ops_t *ops;
	rc_sink_ack_fn on_ack;
	void *ack_opaque;
};

#endif
