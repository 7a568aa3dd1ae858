/*
 * The source interface: a database's change stream. The pipeline calls the operations; the source
 * calls back into the handler for every transaction boundary and event. Positions are 64-bit and
 * ordered (PostgreSQL: LSNs); confirming a position tells the source it may forget everything
 * before it.
 */
#ifndef RC_SOURCE_H
#define RC_SOURCE_H

#include "agent/acktrack.h"
#include "agent/errors.h"
#include "agent/event.h"
#include "agent/offsets.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rc_source rc_source_t;

/* read() returns RC_END (agent/errors.h) when it has nothing more to give, ever, and everything it
 * gave is acknowledged (a snapshot-only run): the pipeline confirms, stops and returns 0, as on
 * SIGTERM. */

/* Callbacks of the pipeline. Each returns RC_OK or an RC_ERR_* class with err filled. */
typedef struct rc_source_handler {
	/* A source transaction begins; its events carry the returned ticket. */
	rc_ack_txn_t *(*begin)(void *opaque);
	/* One change event of txn. The event and its values are borrowed for the call. */
	int (*event)(void *opaque, rc_ack_txn_t *txn, const rc_event_t *ev, char *err, size_t errlen);
	/* The transaction committed; position is what may be confirmed once its events are acknowledged. */
	void (*commit)(void *opaque, rc_ack_txn_t *txn, uint64_t position);
	/* The transaction aborted (only in-progress streaming can abort). */
	void (*abort)(void *opaque, rc_ack_txn_t *txn);
	/* The server's current position while nothing is in progress (keepalives on a quiet database). */
	void (*idle)(void *opaque, uint64_t position);
	void *opaque;
} rc_source_handler_t;

typedef struct rc_source_ops {
	const char *name;
	/* Connects, validates the recorded position against the source, starts streaming. *resume
	 * receives the position streaming starts from. */
	int (*start)(rc_source_t *src, uint64_t *resume, char *err, size_t errlen);
	/* The socket to wait on for readability. */
	int (*fd)(rc_source_t *src);
	/* Processes what has arrived, at most budget messages, without blocking. Returns the number
	 * processed (0: nothing there), RC_END, or an RC_ERR_* class. */
	int (*read)(rc_source_t *src, const rc_source_handler_t *h, int budget, char *err, size_t errlen);
	/* Tells the source that everything up to position is durable downstream, and does periodic
	 * duties (status updates). Cheap to call every loop turn; force tells the source now, whatever
	 * its timers say (at shutdown). */
	int (*confirm)(rc_source_t *src, uint64_t position, bool force, char *err, size_t errlen);
	/* Milliseconds until the source needs confirm() called again (a timer), at most 1000. */
	int (*next_deadline_ms)(rc_source_t *src);
	/* Optional (NULL: nothing to add). Called with each position about to be written to the offset
	 * file (o->lsn set): fills the source's own state, such as a snapshot still in progress, so a
	 * restart knows what the position means. */
	void (*annotate)(rc_source_t *src, rc_offset_t *o);
	void (*free)(rc_source_t *src);
} rc_source_ops_t;

struct rc_source {
	const rc_source_ops_t *ops;
};

#endif
