/*
 * The offset writer: the offset store's writes on a thread of their own, so that the event loop never
 * waits for them (an fsync of the offset file takes up to half a second on a busy disk, a Kafka
 * offset store's transaction ~10 ms). The loop hands over the newest position to record; the thread
 * writes one at a time; a position handed over while a write is in flight waits, and a newer one
 * replaces it (only the newest matters). When a write completes the thread wakes the loop (a wake-up
 * pipe), which then confirms to the source what the store durably holds, never more: that is the
 * gate of README "Positions and guarantees".
 *
 * Threads: the store (and everything it holds) belongs to the writer thread from the first submit
 * until the writer is idle again (rc_offset_writer_wait); the loop's thread calls the store's other
 * operations only then, through rc_offset_writer_load. Positions never cross threads by reference
 * (their blobs' counts are not atomic, agent/position.h): the thread writes a copy of its own.
 *
 * Every function but the thread's own is called from one thread, the loop's.
 */
#ifndef RC_OFFSET_WRITER_H
#define RC_OFFSET_WRITER_H

#include "agent/offset_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rc_offset_writer rc_offset_writer_t;

/* Starts the writer thread for store (borrowed: it must outlive the writer). Returns RC_OK with *out
 * set (caller frees with rc_offset_writer_free), or RC_ERR_FATAL with err filled. */
int rc_offset_writer_new(rc_offset_store_t *store, rc_offset_writer_t **out, char *err, size_t errlen);

/* The descriptor to watch for reading: readable when a write completed (rc_offset_writer_collect
 * then says what it brought). The handler drains it (rc_wakepipe_drain). */
int rc_offset_writer_fd(const rc_offset_writer_t *w);

/* Hands o over to be recorded (copied; o->ident is ignored, as by the store). A position handed
 * over earlier and not yet started is dropped. Never waits for a write. Returns RC_OK, or
 * RC_ERR_FATAL with err filled when out of memory. */
int rc_offset_writer_submit(rc_offset_writer_t *w, const rc_offset_t *o, char *err, size_t errlen);

/* What the writes completed since the last call brought: when the store durably holds a newer
 * position than before, *durable is set to it (the old one released) and *advanced is true. Returns
 * RC_OK, or the store's error (RC_ERR_FATAL) with err filled from the first write that failed, for
 * ever after: nothing may be confirmed past it. Never waits. */
int rc_offset_writer_collect(rc_offset_writer_t *w, rc_offset_t *durable, bool *advanced, char *err,
                             size_t errlen);

/* Whether a position was handed over and its write has not completed yet. */
bool rc_offset_writer_busy(rc_offset_writer_t *w);

/* Waits until nothing is pending or in flight (for a shutdown, a forced confirmation, or the store's
 * other operations), then as rc_offset_writer_collect. */
int rc_offset_writer_wait(rc_offset_writer_t *w, rc_offset_t *durable, bool *advanced, char *err,
                          size_t errlen);

/* Waits until the writer is idle, then reads the store's record into *out as the store's load does
 * (out gets copies of its own, not the store's). Writes completed before are taken as read: a
 * collect after it reports only newer ones (a new stream life starts from what it loads). */
int rc_offset_writer_load(rc_offset_writer_t *w, rc_offset_t *out, bool *found, char *err, size_t errlen);

/* The writes the thread made so far, and how many positions handed over were replaced before their
 * write started (metrics, tests). */
uint64_t rc_offset_writer_writes(rc_offset_writer_t *w);
uint64_t rc_offset_writer_coalesced(rc_offset_writer_t *w);

/* Writes what is still pending (the thread finishes it: a stop loses no position handed over), ends
 * the thread and frees the writer. The store stays open. NULL is a no-op. */
void rc_offset_writer_free(rc_offset_writer_t *w);

#endif
