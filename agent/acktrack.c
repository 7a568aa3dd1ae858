#include "config.h"

#include "agent/acktrack.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

struct rc_ack_txn {
	rc_ack_txn_t *next;
	rc_pos_t position; /* owned; unset until committed, and for commits that confirm nothing */
	int64_t pending;
	int64_t bytes; /* of the pending messages (rc_acktrack_add_bytes) */
	bool committed;
};

void rc_acktrack_init(rc_acktrack_t *t, const rc_pos_t *start)
{
	*t = (rc_acktrack_t){0};
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
	txn->pending += n;
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
	if (!ok && !t->failed) {
		t->failed = true;
		snprintf(t->failure, sizeof t->failure, "%s", why ? why : "delivery failed");
	}
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
		e->next = t->spare;
		t->spare = e;
	}
	return moved;
}

bool rc_acktrack_idle_advance(rc_acktrack_t *t, const rc_pos_t *position)
{
	if (t->failed || !rc_acktrack_idle(t) || !rc_pos_after(position, &t->confirmed))
		return false;
	rc_pos_copy(&t->confirmed, position);
	return true;
}

bool rc_acktrack_idle(const rc_acktrack_t *t)
{
	return t->head == NULL && t->inflight == 0;
}
