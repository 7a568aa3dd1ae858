#include "config.h"

#include "agent/acktrack.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct rc_ack_txn {
	rc_ack_txn_t *next;
	rc_pos_t position; /* owned; unset until committed, and for commits that confirm nothing */
	int64_t pending;
	int64_t records;   /* handed over in all, acknowledged or not */
	int64_t since_ms;  /* hand-over of the messages pending, or their last acknowledgement */
	int64_t source_us; /* commit time at the source, 0 when unknown */
	int64_t sent_us, received_us, produced_us; /* latency stages (rc_acktrack_set_stages) */
	int64_t bytes;                             /* of the pending messages (rc_acktrack_add_bytes) */
	bool committed;
	void (*on_retire)(void *arg); /* rc_acktrack_on_retire */
	void *retire_arg;
};

/* A coarse clock (a few ms resolution, a fraction of the cost): it is read for every
 * acknowledgement, and a stall is measured in seconds. */
static int64_t coarse_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void rc_acktrack_init(rc_acktrack_t *t, const rc_pos_t *start)
{
	*t = (rc_acktrack_t){.now_ms = coarse_ms};
	t->confirmed_ms = t->now_ms();
	if (start)
		rc_pos_copy(&t->confirmed, start);
}

static void free_list(rc_ack_txn_t *e)
{
	while (e) {
		rc_ack_txn_t *next = e->next;
		rc_pos_clear(&e->position);
		free(e);
		e = next;
	}
}

void rc_acktrack_destroy(rc_acktrack_t *t)
{
	free_list(t->head);
	free_list(t->spare);
	t->head = t->tail = t->spare = NULL;
	t->ntxn = 0;
	rc_pos_clear(&t->confirmed);
}

rc_ack_txn_t *rc_acktrack_begin(rc_acktrack_t *t)
{
	rc_ack_txn_t *e = t->spare;

	if (e)
		t->spare = e->next;
	else if (!(e = malloc(sizeof *e)))
		return NULL;
	*e = (rc_ack_txn_t){0};
	if (t->tail)
		t->tail->next = e;
	else
		t->head = e;
	t->tail = e;
	t->ntxn++;
	return e;
}

void rc_acktrack_add(rc_acktrack_t *t, rc_ack_txn_t *txn, int n)
{
	if (txn->pending == 0)
		txn->since_ms = t->now_ms(); /* once per transaction, not per record, in the usual case */
	txn->pending += n;
	txn->records += n;
	t->inflight += n;
}

void rc_acktrack_add_bytes(rc_acktrack_t *t, rc_ack_txn_t *txn, int64_t bytes)
{
	txn->bytes += bytes;
	t->inflight_bytes += bytes;
}

void rc_acktrack_commit(rc_acktrack_t *t, rc_ack_txn_t *txn, const rc_pos_t *position)
{
	(void)t;
	txn->committed = true;
	if (position)
		rc_pos_copy(&txn->position, position);
}

void rc_acktrack_abort(rc_acktrack_t *t, rc_ack_txn_t *txn)
{
	/* An aborted transaction confirms nothing: it leaves the queue without a position, so confirmed
	 * stays where the transactions before it put it. */
	(void)t;
	txn->committed = true;
	rc_pos_clear(&txn->position);
}

void rc_acktrack_delivered(rc_acktrack_t *t, rc_ack_txn_t *txn, bool ok, const char *why)
{
	int64_t share = txn->pending > 0 ? txn->bytes / txn->pending : txn->bytes;

	txn->bytes -= share; /* the last report of the transaction takes what is left */
	t->inflight_bytes -= share;
	txn->pending--;
	t->inflight--;
	assert(txn->pending >= 0 && t->inflight >= 0);
	if (ok)
		txn->since_ms = t->now_ms();
	if (!ok)
		rc_acktrack_fail(t, why ? why : "delivery failed");
}

void rc_acktrack_fail(rc_acktrack_t *t, const char *why)
{
	if (t->failed)
		return; /* the first failure is the one that says why */
	t->failed = true;
	snprintf(t->failure, sizeof t->failure, "%s", why);
}

bool rc_acktrack_advance(rc_acktrack_t *t)
{
	bool moved = false;

	/* After a failure nothing more is confirmed: later acknowledgements do not close the gap. */
	while (!t->failed && t->head && t->head->committed && t->head->pending == 0) {
		rc_ack_txn_t *e = t->head;

		t->head = e->next;
		if (!t->head)
			t->tail = NULL;
		t->ntxn--;
		/* Arrival order is the source's order: the newest retired position is the one to
		 * confirm, without comparing it to anything. */
		if (e->position.set) {
			rc_pos_move(&t->confirmed, &e->position);
			moved = true;
		}
		if (e->on_retire)
			e->on_retire(e->retire_arg);
		e->next = t->spare;
		t->spare = e;
	}
	if (moved)
		t->confirmed_ms = t->now_ms();
	return moved;
}

bool rc_acktrack_idle_advance(rc_acktrack_t *t, const rc_pos_t *position)
{
	if (t->failed || !rc_acktrack_idle(t) || !rc_pos_after(position, &t->confirmed))
		return false;
	rc_pos_copy(&t->confirmed, position);
	t->confirmed_ms = t->now_ms();
	return true;
}

void rc_acktrack_set_source_us(rc_ack_txn_t *txn, int64_t ts_us)
{
	txn->source_us = ts_us;
}

void rc_acktrack_set_stages(rc_ack_txn_t *txn, int64_t sent_us, int64_t received_us)
{
	if (!txn->sent_us)
		txn->sent_us = sent_us;
	if (!txn->received_us)
		txn->received_us = received_us;
}

void rc_acktrack_mark_produced(rc_ack_txn_t *txn)
{
	struct timespec ts;

	if (txn->produced_us)
		return; /* the clock is read once per transaction */
	clock_gettime(CLOCK_REALTIME, &ts);
	txn->produced_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void rc_acktrack_stages(const rc_ack_txn_t *txn, int64_t *sent_us, int64_t *received_us, int64_t *produced_us)
{
	*sent_us = txn->sent_us;
	*received_us = txn->received_us;
	*produced_us = txn->produced_us;
}

int64_t rc_acktrack_records(const rc_ack_txn_t *txn)
{
	return txn->records;
}

int64_t rc_acktrack_source_us(const rc_ack_txn_t *txn)
{
	return txn->source_us;
}

int64_t rc_acktrack_stalled_ms(const rc_acktrack_t *t, int64_t now)
{
	const rc_ack_txn_t *e = t->head;

	if (t->inflight == 0)
		return 0;
	while (e && e->pending == 0)
		e = e->next;
	return e && now > e->since_ms ? now - e->since_ms : 0;
}

bool rc_acktrack_idle(const rc_acktrack_t *t)
{
	return t->head == NULL && t->inflight == 0;
}

bool rc_acktrack_in_txn(const rc_acktrack_t *t)
{
	return t->tail && !t->tail->committed;
}

void rc_acktrack_on_retire(rc_ack_txn_t *txn, void (*fn)(void *arg), void *arg)
{
	txn->on_retire = fn;
	txn->retire_arg = arg;
}
