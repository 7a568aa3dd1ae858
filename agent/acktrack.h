/*
 * Acknowledgement tracking: which source position may be confirmed (CONVENTIONS.md rule 13).
 *
 * Transactions enter in source order. Each counts the sink messages still waiting for Kafka's
 * acknowledgement. The confirmable position is the position of the newest transaction such that it
 * and every transaction before it are committed at the source and fully acknowledged: Bottled
 * Water's maybe_checkpoint, Maxwell's InflightMessageList. A failed delivery marks the tracker
 * failed; the pipeline then stops the stream and restarts from the confirmed position.
 *
 * Positions are opaque (agent/position.h) and kept in arrival order, which is the source's order:
 * the tracker never compares two of them except in the quiet-database case (idle_advance), within
 * one stream life. A transaction committed without a position (a snapshot batch, an aborted
 * transaction, a standalone message) confirms nothing by itself.
 *
 * Single-threaded: the sink's delivery reports are served on the pipeline's thread.
 *
 * Stalls are measured per transaction, not from the last acknowledgement of any: each entry keeps
 * the time its records were handed over (when its count of pending messages rose from zero), moved
 * on by each of its acknowledgements. The oldest entry still waiting says how long the pipeline has
 * waited without progress; a quiet pause before a burst does not count (issue 10).
 */
#ifndef RC_ACKTRACK_H
#define RC_ACKTRACK_H

#include "agent/position.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rc_ack_txn rc_ack_txn_t;

typedef struct rc_acktrack {
	rc_ack_txn_t *head, *tail; /* open and unacknowledged transactions, oldest first */
	rc_ack_txn_t *spare;       /* recycled entries */
	rc_pos_t confirmed;        /* newest position safe to confirm to the source (owned) */
	int64_t inflight;          /* messages waiting for acknowledgement */
	int64_t inflight_bytes;    /* their sizes as handed over (rc_acktrack_add_bytes): the byte bound */
	size_t ntxn;               /* entries between head and tail */
	bool failed;               /* a delivery failed: stop and restart from confirmed */
	int64_t confirmed_ms;      /* when confirmed last moved (or tracking started), now_ms's clock */
	int64_t (*now_ms)(void);   /* monotonic ms; init sets a coarse clock, tests their own */
	char failure[512];         /* the first failure's reason */
} rc_acktrack_t;

/* Starts tracking with confirmed = a copy of start (the position the stream resumes from; unset
 * before a snapshot). */
void rc_acktrack_init(rc_acktrack_t *t, const rc_pos_t *start);

/* Frees every entry and the confirmed position. */
void rc_acktrack_destroy(rc_acktrack_t *t);

/* Opens a transaction at the tail. Returns its entry (owned by the tracker), or NULL when out of
 * memory. */
rc_ack_txn_t *rc_acktrack_begin(rc_acktrack_t *t);

/* Counts n more messages of txn handed to the sink. */
void rc_acktrack_add(rc_acktrack_t *t, rc_ack_txn_t *txn, int n);

/* Counts bytes more of txn's messages handed to the sink (max.queue.size.in.bytes). A report
 * releases the transaction's bytes in equal shares of its pending messages, the rest with its last
 * one: a few integer operations, exact per transaction, without a size kept per message. */
void rc_acktrack_add_bytes(rc_acktrack_t *t, rc_ack_txn_t *txn, int64_t bytes);

/* Marks txn complete at the source; position (copied; may be unset) is what the source may confirm
 * once txn and everything before it is acknowledged. */
void rc_acktrack_commit(rc_acktrack_t *t, rc_ack_txn_t *txn, const rc_pos_t *position);

/* Drops an open transaction that produced nothing and will not commit (aborted stream). */
void rc_acktrack_abort(rc_acktrack_t *t, rc_ack_txn_t *txn);

/* One delivery report for a message of txn. why is the failure's text (copied) when ok is false. */
void rc_acktrack_delivered(rc_acktrack_t *t, rc_ack_txn_t *txn, bool ok, const char *why);

/* Marks the tracker failed, keeping why (copied) unless an earlier failure is recorded: nothing more
 * is confirmed, and the pipeline restarts the stream from confirmed. */
void rc_acktrack_fail(rc_acktrack_t *t, const char *why);

/* Retires the leading complete transactions. Returns true when confirmed moved forward. */
bool rc_acktrack_advance(rc_acktrack_t *t);

/* Moves confirmed to position (copied) when nothing is open or in flight and position comes after it
 * (the quiet database case: keepalive positions; the one comparison). Returns true when it moved. */
bool rc_acktrack_idle_advance(rc_acktrack_t *t, const rc_pos_t *position);

/* Calls fn(arg) on the loop's thread when txn retires (it and everything before it committed and
 * acknowledged), before the confirmed position moves past it; never after a failure, nor when the
 * tracker is destroyed (the snapshot's progress: a chunk's key moves only once Kafka has all of it).
 * Retirement is in begin order, so an owner that registers in order may keep a FIFO. arg must
 * outlive the stream life (the capture is freed before the tracker, and nothing retires then). */
void rc_acktrack_on_retire(rc_ack_txn_t *txn, void (*fn)(void *arg), void *arg);

/* Records txn's commit time at the source (µs since the epoch) for the delivery latency. */
void rc_acktrack_set_source_us(rc_ack_txn_t *txn, int64_t ts_us);

/* Records of txn handed to the sink so far, acknowledged or not. */
int64_t rc_acktrack_records(const rc_ack_txn_t *txn);

/* txn's commit time at the source as set, or 0. */
int64_t rc_acktrack_source_us(const rc_ack_txn_t *txn);

/* The latency stages of txn (wall-clock µs, 0 unknown), each kept from its first event: the
 * server's send time and rowcast's receive time (rc_source_info_t), and its first record's hand-over
 * to the sink. */
void rc_acktrack_set_stages(rc_ack_txn_t *txn, int64_t sent_us, int64_t received_us);
void rc_acktrack_mark_produced(rc_ack_txn_t *txn);
void rc_acktrack_stages(const rc_ack_txn_t *txn, int64_t *sent_us, int64_t *received_us,
                        int64_t *produced_us);

/* How long (ms before now, now_ms's clock) the oldest transaction with messages in flight has waited
 * since its hand-over or its last acknowledgement, whichever is later; 0 when nothing is in flight.
 * Walks the entries up to the first in flight: called for log lines and metrics, not per event. */
int64_t rc_acktrack_stalled_ms(const rc_acktrack_t *t, int64_t now);

/* True when no transaction is open or waiting. */
/* Whether the newest transaction is open: begun, its commit not yet seen (a stop now would leave
 * its first events in Kafka and send them again with the whole transaction after the restart). */
bool rc_acktrack_in_txn(const rc_acktrack_t *t);

bool rc_acktrack_idle(const rc_acktrack_t *t);

#endif
