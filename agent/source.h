/*
 * The source interface: a database's change stream and its consistent points. The capture
 * (agent/capture.c) drives it through its phases (snapshot, hand-over, streaming) the same way for
 * every database; the pipeline's loop calls read() and confirm(). The source calls back into the
 * handler for every transaction boundary and event.
 *
 * Positions are opaque (agent/position.h): the source makes them, its codec (src->codec) writes and
 * prints them, and confirming one tells the source it may forget everything before it.
 */
#ifndef RC_SOURCE_H
#define RC_SOURCE_H

#include "agent/acktrack.h"
#include "agent/errors.h"
#include "agent/event.h"
#include "agent/position.h"
#include "agent/snapshot.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rc_source rc_source_t;

/* A transaction's name and time for its BEGIN or END record (provide.transaction.metadata). */
typedef struct rc_txn_mark {
	const char *id; /* as Debezium writes it (PostgreSQL "xid:lsn", MySQL the GTID or "file=F,pos=P") */
	int64_t ts_us;  /* the source's time of the BEGIN or of the commit, µs since epoch */
} rc_txn_mark_t;

/* Callbacks of the pipeline. Each returns RC_OK or an RC_ERR_* class with err filled. */
typedef struct rc_source_handler {
	/* A source transaction begins; its events carry the returned ticket. */
	rc_ack_txn_t *(*begin)(void *opaque);
	/* One change event of txn. The event and its values are borrowed for the call. */
	int (*event)(void *opaque, rc_ack_txn_t *txn, const rc_event_t *ev, char *err, size_t errlen);
	/* The transaction committed; position (borrowed; NULL or unset: confirms nothing by itself) is
	 * what may be confirmed once its events are acknowledged. */
	void (*commit)(void *opaque, rc_ack_txn_t *txn, const rc_pos_t *position);
	/* The transaction aborted (only in-progress streaming can abort). */
	void (*abort)(void *opaque, rc_ack_txn_t *txn);
	/* The server's current position (borrowed) while nothing is in progress (keepalives on a quiet
	 * database). */
	void (*idle)(void *opaque, const rc_pos_t *position);
	void *opaque;
	/* Optional (NULL: nobody asks): names txn at its begin (end false) and just before its commit
	 * (end true), for transaction metadata. mark is borrowed for the call. */
	void (*txn_mark)(void *opaque, rc_ack_txn_t *txn, bool end, const rc_txn_mark_t *mark);
	/* Optional (NULL: no acknowledgement tracking): calls fn(arg) when txn retires, every record
	 * of it and before it acknowledged (rc_acktrack_on_retire). The snapshots' progress. */
	void (*on_retire)(void *opaque, rc_ack_txn_t *txn, void (*fn)(void *arg), void *arg);
} rc_source_handler_t;

typedef struct rc_source_ops {
	const char *name;
	/* Connects to the database. Returns RC_OK or an RC_ERR_* class with err filled. */
	int (*connect)(rc_source_t *src, char *err, size_t errlen);
	/*
	 * Gets ready to stream from recorded (borrowed; NULL: nothing recorded, so from the source's own
	 * record or its current point, making what streaming needs, such as a slot), checking recorded
	 * against the source's own record (guard rails: a vanished, recreated or invalidated slot, a
	 * slot ahead of recorded, a purged binlog). *resume receives where the stream starts. A position
	 * the source cannot resume from is RC_ERR_FATAL, unless when_needed: then the reason is logged,
	 * *need_snapshot set and RC_OK returned.
	 */
	int (*prepare_stream)(rc_source_t *src, const rc_pos_t *recorded, bool when_needed, rc_pos_t *resume,
	                      bool *need_snapshot, char *err, size_t errlen);
	/*
	 * Takes a consistent point for a snapshot into *pt. then_stream: the stream starts at the point
	 * once the snapshot is acknowledged (PostgreSQL: the slot made anew, exporting its snapshot);
	 * otherwise no stream follows (PostgreSQL: pg_export_snapshot, no slot).
	 */
	int (*snapshot_point)(rc_source_t *src, bool then_stream, rc_snapshot_point_t *pt, char *err,
	                      size_t errlen);
	/* Optional: every snapshot reader holds the point, so what held it may go (PostgreSQL: COMMIT
	 * of the exporting transaction). */
	int (*snapshot_held)(rc_source_t *src, char *err, size_t errlen);
	/* Starts streaming at from (borrowed). */
	int (*stream)(rc_source_t *src, const rc_pos_t *from, char *err, size_t errlen);
	/* The descriptor to wait on for readability while streaming (-1: none yet). */
	int (*fd)(rc_source_t *src);
	/* Processes what has arrived, at most budget messages, without blocking. Returns the number
	 * processed (0: nothing there) or an RC_ERR_* class. */
	int (*read)(rc_source_t *src, const rc_source_handler_t *h, int budget, char *err, size_t errlen);
	/* Tells the source that everything up to position (borrowed, set) is durable downstream, and
	 * does periodic duties (status updates). Cheap to call every loop turn; force tells the source
	 * now, whatever its timers say (at shutdown). Before stream() it only records the position. */
	int (*confirm)(rc_source_t *src, const rc_pos_t *position, bool force, char *err, size_t errlen);
	/* Optional (NULL: unknown): how many bytes the server's log holds beyond position (borrowed, set,
	 * one of this stream's), from what the server last said (PostgreSQL: the WAL end it sends in
	 * every XLogData and keepalive); -1 when not known yet. Cheap: no round trip. */
	int64_t (*lag_bytes)(rc_source_t *src, const rc_pos_t *position);
	/* Milliseconds until the source needs confirm() called again (a timer), at most 1000. */
	int (*next_deadline_ms)(rc_source_t *src);
	/* Optional (issue 13): tables the source began to capture while streaming (PostgreSQL with a
	 * filtered publication: included tables created since, added to it now), "schema.table" each,
	 * into *names (malloc'd, every name too; *n 0 when none). Their changes stream from here on;
	 * their rows from before need a snapshot (the capture asks the incremental engine for one).
	 * Called every few seconds while streaming. Returns RC_OK or an RC_ERR_* class. */
	int (*new_tables)(rc_source_t *src, char ***names, int *n, char *err, size_t errlen);
	/* Optional: the stream stopped cleanly after its last confirm (complete: nothing read is left
	 * unacknowledged). PostgreSQL drops its slot here when slot.drop.on.stop. */
	int (*stopped)(rc_source_t *src, bool complete, char *err, size_t errlen);
	void (*free)(rc_source_t *src);
} rc_source_ops_t;

struct rc_source {
	const rc_source_ops_t *ops;
	const rc_pos_codec_t *codec; /* the source type's (static) */
};

#endif
