/*
 * The offset writer (agent/offset_writer.h) on a fake store whose writes the test holds at a gate:
 * one write at a time, in order; positions handed over during a write coalesce to the newest; the
 * durable position moves only when a write completed; a failed write comes back, for ever; the wake-up
 * descriptor becomes readable at each completion; a load waits for the write in flight; and freeing
 * the writer writes what is still pending. Positions with blobs (MySQL's) cross the thread as copies.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/errors.h"
#include "agent/offset_store.h"
#include "agent/offset_writer.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_WRITES 64

typedef struct gate_store {
	rc_offset_store_t base;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool open;   /* writes pass */
	int entered; /* writes started */
	int fail_at; /* the write (1-based) that fails; 0: none */
	uint64_t written[MAX_WRITES];
	char blobs[MAX_WRITES][32]; /* each write's blob text, "" for none */
	int nwritten;
	rc_offset_t current; /* owned by the writer's thread, like a real store's */
	bool found;
} gate_store_t;

static int g_load(rc_offset_store_t *os, rc_offset_t *out, bool *found, char *err, size_t errlen)
{
	gate_store_t *gs = (gate_store_t *)os;
	(void)err;
	(void)errlen;
	*found = gs->found;
	if (gs->found)
		rc_offset_copy(out, &gs->current);
	return RC_OK;
}

static int g_store(rc_offset_store_t *os, const rc_offset_t *o, char *err, size_t errlen)
{
	gate_store_t *gs = (gate_store_t *)os;
	int n;

	pthread_mutex_lock(&gs->mu);
	n = ++gs->entered;
	pthread_cond_broadcast(&gs->cv);
	while (!gs->open)
		pthread_cond_wait(&gs->cv, &gs->mu);
	if (n == gs->fail_at) {
		pthread_mutex_unlock(&gs->mu);
		snprintf(err, errlen, "disk full (write %d)", n);
		return RC_ERR_FATAL;
	}
	assert_true(gs->nwritten < MAX_WRITES);
	gs->written[gs->nwritten] = o->pos.order;
	snprintf(gs->blobs[gs->nwritten], sizeof gs->blobs[0], "%s", o->pos.blob ? o->pos.blob->data : "");
	gs->nwritten++;
	pthread_mutex_unlock(&gs->mu);
	rc_offset_copy(&gs->current, o); /* shares o's blob, as the real stores do */
	gs->found = true;
	return RC_OK;
}

static void g_free(rc_offset_store_t *os)
{
	gate_store_t *gs = (gate_store_t *)os;
	rc_offset_clear(&gs->current);
	pthread_cond_destroy(&gs->cv);
	pthread_mutex_destroy(&gs->mu);
	free(gs);
}

static const rc_offset_store_ops_t gate_ops = {
    .name = "gate", .load = g_load, .store = g_store, .free = g_free};

static gate_store_t *gate_new(bool open)
{
	gate_store_t *gs = calloc(1, sizeof *gs);
	assert_non_null(gs);
	gs->base.ops = &gate_ops;
	pthread_mutex_init(&gs->mu, NULL);
	pthread_cond_init(&gs->cv, NULL);
	gs->open = open;
	return gs;
}

static void gate_set(gate_store_t *gs, bool open)
{
	pthread_mutex_lock(&gs->mu);
	gs->open = open;
	pthread_cond_broadcast(&gs->cv);
	pthread_mutex_unlock(&gs->mu);
}

/* Waits until n writes have started (the thread is inside the store). */
static void wait_entered(gate_store_t *gs, int n)
{
	pthread_mutex_lock(&gs->mu);
	while (gs->entered < n)
		pthread_cond_wait(&gs->cv, &gs->mu);
	pthread_mutex_unlock(&gs->mu);
}

static int nwritten(gate_store_t *gs)
{
	int n;
	pthread_mutex_lock(&gs->mu);
	n = gs->nwritten;
	pthread_mutex_unlock(&gs->mu);
	return n;
}

static void submit(rc_offset_writer_t *w, uint64_t order, const char *blob)
{
	char err[RC_ERRSTR_LEN];
	rc_offset_t o = {.pos = {.set = true, .order = order}};

	if (blob)
		assert_non_null(o.pos.blob = rc_pos_blob_new(blob, strlen(blob)));
	assert_int_equal(rc_offset_writer_submit(w, &o, err, sizeof err), RC_OK);
	rc_offset_clear(&o); /* the writer keeps copies of its own */
}

static bool readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) == 1;
}

/* One write at a time; what is handed over meanwhile coalesces to the newest; durable moves only at a
 * completion, and the descriptor says so. */
static void test_coalesces_in_order(void **state)
{
	gate_store_t *gs = gate_new(false);
	rc_offset_writer_t *w;
	rc_offset_t durable = {0};
	bool adv = true;
	char err[RC_ERRSTR_LEN];
	(void)state;

	assert_int_equal(rc_offset_writer_new(&gs->base, &w, err, sizeof err), RC_OK);
	submit(w, 100, NULL);
	wait_entered(gs, 1);
	submit(w, 200, NULL);
	submit(w, 300, NULL);
	submit(w, 400, NULL);
	assert_true(rc_offset_writer_busy(w));
	/* Held at the gate: nothing durable, nothing to read on the descriptor. */
	assert_int_equal(rc_offset_writer_collect(w, &durable, &adv, err, sizeof err), RC_OK);
	assert_false(adv);
	assert_false(durable.pos.set);
	assert_false(readable(rc_offset_writer_fd(w), 50));
	gate_set(gs, true);
	assert_true(readable(rc_offset_writer_fd(w), 5000));
	assert_int_equal(rc_offset_writer_wait(w, &durable, &adv, err, sizeof err), RC_OK);
	assert_true(adv);
	assert_int_equal(durable.pos.order, 400);
	assert_false(rc_offset_writer_busy(w));
	/* 100 in flight, then only the newest of 200, 300, 400. */
	assert_int_equal(nwritten(gs), 2);
	assert_int_equal(gs->written[0], 100);
	assert_int_equal(gs->written[1], 400);
	assert_int_equal(rc_offset_writer_writes(w), 2);
	assert_int_equal(rc_offset_writer_coalesced(w), 2);
	/* Nothing new: not advanced again. */
	assert_int_equal(rc_offset_writer_collect(w, &durable, &adv, err, sizeof err), RC_OK);
	assert_false(adv);
	/* Written one by one when each waits for the last. */
	for (uint64_t i = 1; i <= 20; i++) {
		submit(w, 1000 + i, NULL);
		assert_int_equal(rc_offset_writer_wait(w, &durable, &adv, err, sizeof err), RC_OK);
		assert_true(adv);
		assert_int_equal(durable.pos.order, 1000 + i);
	}
	assert_int_equal(nwritten(gs), 22);
	for (int i = 1; i < 22; i++)
		assert_true(gs->written[i] > gs->written[i - 1]);
	rc_offset_writer_free(w);
	rc_offset_clear(&durable);
	g_free(&gs->base);
}

/* Blobs cross as copies: the store sees the text handed over, the durable copy is the loop's own. */
static void test_blobs_are_copied(void **state)
{
	gate_store_t *gs = gate_new(true);
	rc_offset_writer_t *w;
	rc_offset_t durable = {0}, loaded = {0};
	bool adv, found;
	char err[RC_ERRSTR_LEN];
	(void)state;

	assert_int_equal(rc_offset_writer_new(&gs->base, &w, err, sizeof err), RC_OK);
	submit(w, 7, "binlog.000003 u:1-9");
	assert_int_equal(rc_offset_writer_wait(w, &durable, &adv, err, sizeof err), RC_OK);
	assert_true(adv);
	assert_string_equal(gs->blobs[0], "binlog.000003 u:1-9");
	assert_non_null(durable.pos.blob);
	assert_string_equal(durable.pos.blob->data, "binlog.000003 u:1-9");
	assert_true(durable.pos.blob != gs->current.pos.blob);
	assert_int_equal(rc_offset_writer_load(w, &loaded, &found, err, sizeof err), RC_OK);
	assert_true(found);
	assert_int_equal(loaded.pos.order, 7);
	assert_string_equal(loaded.pos.blob->data, "binlog.000003 u:1-9");
	assert_true(loaded.pos.blob != gs->current.pos.blob);
	rc_offset_writer_free(w);
	rc_offset_clear(&durable);
	rc_offset_clear(&loaded);
	g_free(&gs->base);
}

/* A failed write comes back with the store's words and stays: nothing past it is durable. */
static void test_error_comes_back(void **state)
{
	gate_store_t *gs = gate_new(true);
	rc_offset_writer_t *w;
	rc_offset_t durable = {0};
	bool adv;
	char err[RC_ERRSTR_LEN] = "";
	(void)state;

	gs->fail_at = 2;
	assert_int_equal(rc_offset_writer_new(&gs->base, &w, err, sizeof err), RC_OK);
	submit(w, 10, NULL);
	assert_int_equal(rc_offset_writer_wait(w, &durable, &adv, err, sizeof err), RC_OK);
	assert_int_equal(durable.pos.order, 10);
	submit(w, 20, NULL);
	assert_int_equal(rc_offset_writer_wait(w, &durable, &adv, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, "disk full (write 2)"));
	assert_false(adv);
	assert_int_equal(durable.pos.order, 10);
	err[0] = '\0';
	assert_int_equal(rc_offset_writer_collect(w, &durable, &adv, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, "disk full (write 2)"));
	rc_offset_writer_free(w);
	rc_offset_clear(&durable);
	g_free(&gs->base);
}

static void *open_later(void *arg)
{
	usleep(150 * 1000);
	gate_set(arg, true);
	return NULL;
}

/* Freeing the writer writes the pending position first; a load waits for the write in flight. */
static void test_free_drains(void **state)
{
	gate_store_t *gs = gate_new(false);
	rc_offset_writer_t *w;
	rc_offset_t loaded = {0};
	pthread_t opener;
	bool found = false;
	char err[RC_ERRSTR_LEN];
	(void)state;

	assert_int_equal(rc_offset_writer_new(&gs->base, &w, err, sizeof err), RC_OK);
	submit(w, 1, NULL);
	wait_entered(gs, 1);
	assert_int_equal(pthread_create(&opener, NULL, open_later, gs), 0);
	assert_int_equal(rc_offset_writer_load(w, &loaded, &found, err, sizeof err), RC_OK);
	assert_true(found);
	assert_int_equal(loaded.pos.order, 1);
	pthread_join(opener, NULL);
	/* The load took the write in: a collect after it has nothing older to report. */
	{
		rc_offset_t durable = {0};
		bool adv = true;
		assert_int_equal(rc_offset_writer_collect(w, &durable, &adv, err, sizeof err), RC_OK);
		assert_false(adv);
		assert_false(durable.pos.set);
	}

	gate_set(gs, false);
	submit(w, 2, NULL);
	wait_entered(gs, 2);
	submit(w, 3, NULL); /* pending behind 2 */
	assert_int_equal(pthread_create(&opener, NULL, open_later, gs), 0);
	rc_offset_writer_free(w);
	pthread_join(opener, NULL);
	assert_int_equal(nwritten(gs), 3);
	assert_int_equal(gs->written[1], 2);
	assert_int_equal(gs->written[2], 3);
	rc_offset_clear(&loaded);
	g_free(&gs->base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_coalesces_in_order),
	    cmocka_unit_test(test_blobs_are_copied),
	    cmocka_unit_test(test_error_comes_back),
	    cmocka_unit_test(test_free_drains),
	};
	return cmocka_run_group_tests_name("offset_writer", tests, NULL, NULL);
}
