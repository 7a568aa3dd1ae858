/* The event loop (agent/loop.c): timers (order, timing, repetition, deletion), descriptors (readiness,
 * deletion inside handlers), the before-sleep hook, waits bounded by the nearest timer, and a stop
 * request (SIGTERM) waking a loop that waits with a long timeout. Timing bounds are generous: the test
 * machines are shared and loaded. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/clock.h"
#include "agent/errors.h"
#include "agent/loop.h"
#include "agent/signals.h"
#include "agent/wakepipe.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SLACK_MS 300 /* how late a wake-up may be on a loaded machine */
#define MAX_FIRED 16

/* What the handlers saw, in order. */
typedef struct journal {
	int n;
	int tag[MAX_FIRED];
	int64_t at[MAX_FIRED];
	int ready[MAX_FIRED];
} journal_t;

static void note(journal_t *j, int tag, int ready)
{
	if (j->n < MAX_FIRED) {
		j->tag[j->n] = tag;
		j->at[j->n] = rc_clock_ms();
		j->ready[j->n] = ready;
	}
	j->n++;
}

typedef struct tick {
	journal_t *j;
	int tag;
	int times;        /* fires this often, then ends */
	int every;        /* ms between fires */
	long long victim; /* a timer to delete when firing, or 0 */
	bool delete_self;
} tick_t;

static int on_tick(rc_loop_t *loop, long long id, void *opaque)
{
	tick_t *t = opaque;

	note(t->j, t->tag, 0);
	if (t->victim)
		assert_int_equal(rc_loop_del_timer(loop, t->victim), RC_OK);
	if (t->delete_self) {
		assert_int_equal(rc_loop_del_timer(loop, id), RC_OK);
		return 5; /* ignored: the timer is gone */
	}
	return --t->times > 0 ? t->every : RC_LOOP_NOMORE;
}

/* Turns until j has n entries; fails after 5 s. */
static void run_until(rc_loop_t *loop, const journal_t *j, int n)
{
	int64_t give_up = rc_clock_ms() + 5000;

	while (j->n < n) {
		assert_true(rc_loop_run_once(loop, 1000) >= 0);
		assert_true(rc_clock_ms() < give_up);
	}
}

static void test_timers_fire_in_order(void **state)
{
	rc_loop_t *loop = rc_loop_new();
	journal_t j = {0};
	tick_t t3 = {&j, 3, 1, 0, 0, false}, t1 = {&j, 1, 1, 0, 0, false}, t2 = {&j, 2, 1, 0, 0, false};
	tick_t late = {&j, 5, 1, 0, 0, false}, early = {&j, 4, 1, 0, 0, false};
	static const int ms[] = {0, 40, 80, 120};
	int64_t start = rc_clock_ms();
	(void)state;

	assert_non_null(loop);
	assert_true(rc_loop_add_timer(loop, 120, on_tick, &t3) > 0);
	assert_true(rc_loop_add_timer(loop, 40, on_tick, &t1) > 0);
	assert_true(rc_loop_add_timer(loop, 80, on_tick, &t2) > 0);
	run_until(loop, &j, 3);
	assert_int_equal(j.n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(j.tag[i], i + 1);
		assert_true(j.at[i] - start >= ms[i + 1]);
		assert_true(j.at[i] - start < ms[i + 1] + SLACK_MS);
	}

	/* Both due in the same turn: the earlier deadline first, whatever the order of adding. */
	j.n = 0;
	assert_true(rc_loop_add_timer(loop, 20, on_tick, &late) > 0);
	assert_true(rc_loop_add_timer(loop, 10, on_tick, &early) > 0);
	usleep(60 * 1000);
	assert_int_equal(rc_loop_run_once(loop, 0), 2);
	assert_int_equal(j.n, 2);
	assert_int_equal(j.tag[0], 4);
	assert_int_equal(j.tag[1], 5);

	/* Nothing left: the turn waits its bound and calls nothing. */
	assert_int_equal(rc_loop_run_once(loop, 20), 0);
	rc_loop_free(loop);
}

static void test_timer_repeats(void **state)
{
	rc_loop_t *loop = rc_loop_new();
	journal_t j = {0};
	tick_t t = {&j, 1, 4, 25, 0, false};
	int64_t start = rc_clock_ms();
	(void)state;

	assert_true(rc_loop_add_timer(loop, 25, on_tick, &t) > 0);
	run_until(loop, &j, 4);
	for (int i = 0; i < 4; i++)
		assert_true(j.at[i] - start >= 25 * (i + 1));
	assert_true(j.at[3] - start < 100 + SLACK_MS);
	/* It returned RC_LOOP_NOMORE the fourth time: it is gone. */
	assert_int_equal(rc_loop_run_once(loop, 80), 0);
	assert_int_equal(j.n, 4);
	rc_loop_free(loop);
}

static void test_deleted_timer_never_fires(void **state)
{
	rc_loop_t *loop = rc_loop_new();
	journal_t j = {0};
	tick_t never = {&j, 1, 1, 0, 0, false}, victim = {&j, 2, 1, 0, 0, false};
	tick_t killer = {&j, 3, 1, 0, 0, false}, selfish = {&j, 4, 1, 0, 0, true};
	tick_t last = {&j, 5, 1, 0, 0, false};
	long long id;
	(void)state;

	id = rc_loop_add_timer(loop, 10, on_tick, &never);
	assert_int_equal(rc_loop_del_timer(loop, id), RC_OK);
	assert_int_equal(rc_loop_del_timer(loop, id), RC_ERR_FATAL); /* already gone */
	assert_int_equal(rc_loop_del_timer(loop, 12345), RC_ERR_FATAL);
	killer.victim = rc_loop_add_timer(loop, 40, on_tick, &victim);
	assert_true(rc_loop_add_timer(loop, 20, on_tick, &killer) > 0);
	/* Due in the same turn as its killer, but later: deleted before its turn comes. */
	usleep(60 * 1000);
	assert_true(rc_loop_add_timer(loop, 0, on_tick, &selfish) > 0);
	assert_true(rc_loop_add_timer(loop, 80, on_tick, &last) > 0);
	while (j.n == 0 || j.tag[j.n - 1] != 5)
		assert_true(rc_loop_run_once(loop, 1000) >= 0);
	assert_int_equal(j.n, 3);
	assert_int_equal(j.tag[0], 3); /* the killer, due at 20 ms */
	assert_int_equal(j.tag[1], 4); /* due at 60 ms: added then with 0 */
	assert_int_equal(j.tag[2], 5); /* neither 1, 2, nor 4 again */
	rc_loop_free(loop);
}

typedef struct reader {
	journal_t *j;
	int tag;
	int drop[2]; /* descriptors to delete when called, or -1 */
	int add;     /* a descriptor to add when called, or -1 */
	struct reader *add_as;
} reader_t;

static void on_ready(rc_loop_t *loop, int fd, int ready, void *opaque)
{
	reader_t *r = opaque;
	char buf[64];

	note(r->j, r->tag, ready);
	if (ready & RC_LOOP_READABLE)
		while (read(fd, buf, sizeof buf) > 0)
			;
	for (int i = 0; i < 2; i++)
		if (r->drop[i] >= 0)
			rc_loop_del_fd(loop, r->drop[i]);
	if (r->add >= 0)
		assert_int_equal(rc_loop_add_fd(loop, r->add, RC_LOOP_READABLE, on_ready, r->add_as), RC_OK);
}

static void test_fd_readiness(void **state)
{
	rc_loop_t *loop = rc_loop_new();
	journal_t j = {0};
	reader_t r = {&j, 1, {-1, -1}, -1, NULL}, w = {&j, 2, {-1, -1}, -1, NULL};
	reader_t other = {&j, 3, {-1, -1}, -1, NULL};
	int p[2];
	(void)state;

	assert_int_equal(rc_wakepipe_open(p), RC_OK);
	assert_int_equal(rc_loop_add_fd(loop, p[0], RC_LOOP_READABLE, on_ready, &r), RC_OK);
	assert_int_equal(rc_loop_add_fd(loop, -1, RC_LOOP_READABLE, on_ready, &r), RC_ERR_FATAL);
	assert_int_equal(rc_loop_add_fd(loop, p[0], 0, on_ready, &r), RC_ERR_FATAL);
	assert_int_equal(rc_loop_run_once(loop, 0), 0);
	rc_wakepipe_wake(p[1]);
	assert_int_equal(rc_loop_run_once(loop, 1000), 1);
	assert_int_equal(j.n, 1);
	assert_int_equal(j.tag[0], 1);
	assert_int_equal(j.ready[0], RC_LOOP_READABLE);
	assert_int_equal(rc_loop_run_once(loop, 0), 0); /* drained */

	/* A pipe's write end is writable at once. */
	assert_int_equal(rc_loop_add_fd(loop, p[1], RC_LOOP_WRITABLE, on_ready, &w), RC_OK);
	assert_int_equal(rc_loop_run_once(loop, 1000), 1);
	assert_int_equal(j.tag[1], 2);
	assert_int_equal(j.ready[1], RC_LOOP_WRITABLE);
	rc_loop_del_fd(loop, p[1]);

	/* Registering again replaces the handler. */
	assert_int_equal(rc_loop_add_fd(loop, p[0], RC_LOOP_READABLE, on_ready, &other), RC_OK);
	rc_wakepipe_wake(p[1]);
	assert_int_equal(rc_loop_run_once(loop, 1000), 1);
	assert_int_equal(j.n, 3);
	assert_int_equal(j.tag[2], 3);

	/* Hang-up counts as readable: the read says what happened. */
	close(p[1]);
	assert_int_equal(rc_loop_run_once(loop, 1000), 1);
	assert_int_equal(j.ready[3], RC_LOOP_READABLE);
	rc_loop_del_fd(loop, p[0]);
	assert_int_equal(rc_loop_run_once(loop, 0), 0);
	close(p[0]);
	rc_loop_free(loop);
}

static void test_del_fd_inside_handler(void **state)
{
	rc_loop_t *loop = rc_loop_new();
	journal_t j = {0};
	int a[2], b[2], c[2];
	reader_t rcc = {&j, 3, {-1, -1}, -1, NULL}, rb = {&j, 2, {-1, -1}, -1, NULL};
	reader_t ra = {&j, 1, {-1, -1}, -1, NULL};
	(void)state;

	assert_int_equal(rc_wakepipe_open(a), RC_OK);
	assert_int_equal(rc_wakepipe_open(b), RC_OK);
	assert_int_equal(rc_wakepipe_open(c), RC_OK);
	/* a's handler deletes itself and b (ready in the same turn), and adds c (ready already). */
	ra.drop[0] = a[0];
	ra.drop[1] = b[0];
	ra.add = c[0];
	ra.add_as = &rcc;
	assert_int_equal(rc_loop_add_fd(loop, a[0], RC_LOOP_READABLE, on_ready, &ra), RC_OK);
	assert_int_equal(rc_loop_add_fd(loop, b[0], RC_LOOP_READABLE, on_ready, &rb), RC_OK);
	rc_wakepipe_wake(a[1]);
	rc_wakepipe_wake(b[1]);
	rc_wakepipe_wake(c[1]);
	assert_int_equal(rc_loop_run_once(loop, 1000), 1);
	assert_int_equal(j.n, 1);
	assert_int_equal(j.tag[0], 1);
	rc_loop_del_fd(loop, b[0]); /* gone already: a no-op */
	/* c, added during the last turn, is served in this one; a and b are gone. */
	rc_wakepipe_wake(a[1]);
	assert_int_equal(rc_loop_run_once(loop, 1000), 1);
	assert_int_equal(j.n, 2);
	assert_int_equal(j.tag[1], 3);
	rc_loop_del_fd(loop, c[0]);
	assert_int_equal(rc_loop_run_once(loop, 30), 0);
	rc_wakepipe_close(a);
	rc_wakepipe_close(b);
	rc_wakepipe_close(c);
	rc_loop_free(loop);
}

static int on_before_sleep(rc_loop_t *loop, void *opaque)
{
	int *calls = opaque;

	(void)loop;
	(*calls)++;
	return *calls >= 100 ? 30 : *calls >= 10 ? 0 : -1; /* 10..99: "work left, do not wait" */
}

static void test_before_sleep_each_turn(void **state)
{
	rc_loop_t *loop = rc_loop_new();
	int calls = 0;
	int64_t t0;
	(void)state;

	rc_loop_set_before_sleep(loop, on_before_sleep, &calls);
	for (int i = 0; i < 5; i++)
		assert_int_equal(rc_loop_run_once(loop, 0), 0);
	assert_int_equal(calls, 5);
	calls = 10;
	t0 = rc_clock_ms();
	assert_int_equal(rc_loop_run_once(loop, 5000), 0); /* the hook forbids the wait */
	assert_true(rc_clock_ms() - t0 < SLACK_MS);
	calls = 100;
	t0 = rc_clock_ms();
	assert_int_equal(rc_loop_run_once(loop, -1), 0); /* the hook bounds it to 30 ms */
	assert_true(rc_clock_ms() - t0 >= 30);
	assert_true(rc_clock_ms() - t0 < 30 + SLACK_MS);
	rc_loop_set_before_sleep(loop, NULL, NULL);
	assert_int_equal(rc_loop_run_once(loop, 0), 0);
	assert_int_equal(calls, 101);
	rc_loop_free(loop);
}

static void test_wait_bounded_by_nearest_timer(void **state)
{
	rc_loop_t *loop = rc_loop_new();
	journal_t j = {0};
	tick_t t = {&j, 1, 1, 0, 0, false}, far = {&j, 2, 1, 0, 0, false};
	int64_t t0 = rc_clock_ms();
	(void)state;

	assert_true(rc_loop_add_timer(loop, 60000, on_tick, &far) > 0);
	assert_true(rc_loop_add_timer(loop, 80, on_tick, &t) > 0);
	assert_int_equal(rc_loop_run_once(loop, 10000), 1);
	assert_int_equal(j.tag[0], 1);
	assert_true(j.at[0] - t0 >= 80);
	assert_true(j.at[0] - t0 < 80 + SLACK_MS);
	/* No timer nearer than the caller's bound: the bound. */
	t0 = rc_clock_ms();
	assert_int_equal(rc_loop_run_once(loop, 40), 0);
	assert_true(rc_clock_ms() - t0 >= 40);
	assert_true(rc_clock_ms() - t0 < 40 + SLACK_MS);
	rc_loop_free(loop);
}

static int stop_third(rc_loop_t *loop, long long id, void *opaque)
{
	int *n = opaque;

	(void)id;
	if (++*n == 3)
		rc_loop_stop(loop);
	return 1;
}

static void test_stop_from_handler(void **state)
{
	rc_loop_t *loop = rc_loop_new();
	int n = 0;
	(void)state;

	assert_true(rc_loop_add_timer(loop, 1, stop_third, &n) > 0);
	assert_int_equal(rc_loop_run(loop), RC_OK);
	assert_int_equal(n, 3);
	/* A stop before rc_loop_run is not lost: the run returns after one turn. */
	rc_loop_stop(loop);
	assert_int_equal(rc_loop_run(loop), RC_OK);
	assert_int_equal(n, 3);
	rc_loop_free(loop);
}

static int64_t raised_at;

static void *raise_later(void *opaque)
{
	(void)opaque;
	usleep(150 * 1000);
	raised_at = rc_clock_ms();
	raise(SIGTERM); /* handled on this thread: only the self-pipe can wake the main one */
	return NULL;
}

static void test_stop_request_wakes_loop(void **state)
{
	rc_loop_t *loop = rc_loop_new();
	journal_t j = {0};
	tick_t far = {&j, 1, 1, 0, 0, false};
	pthread_t thread;
	int64_t t0;
	(void)state;

	assert_int_equal(rc_loop_watch_signals(loop), RC_ERR_FATAL); /* no handlers yet */
	assert_int_equal(rc_signals_install(), RC_OK);
	assert_int_equal(rc_signals_install(), RC_OK); /* idempotent */
	assert_true(rc_signals_fd() >= 0);
	assert_false(rc_stop_requested());
	assert_int_equal(rc_loop_watch_signals(loop), RC_OK);
	assert_true(rc_loop_add_timer(loop, 60000, on_tick, &far) > 0);
	assert_int_equal(pthread_create(&thread, NULL, raise_later, NULL), 0);
	assert_int_equal(rc_loop_run(loop), RC_OK);
	t0 = rc_clock_ms();
	pthread_join(thread, NULL);
	assert_true(rc_stop_requested());
	assert_true(t0 - raised_at < 100); /* a few ms, unless the machine is very busy */
	assert_int_equal(j.n, 0);

	/* The request stays; waits end at once; a loop running on (draining) does not spin on it. */
	t0 = rc_clock_ms();
	assert_int_equal(rc_signals_sleep(10000), RC_STOPPED);
	assert_true(rc_clock_ms() - t0 < 100);
	t0 = rc_clock_ms();
	assert_int_equal(rc_loop_run_once(loop, 40), 0);
	assert_true(rc_clock_ms() - t0 >= 40);

	rc_signals_reset();
	assert_false(rc_stop_requested());
	t0 = rc_clock_ms();
	assert_int_equal(rc_signals_sleep(30), RC_OK);
	assert_true(rc_clock_ms() - t0 >= 30);
	rc_loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timers_fire_in_order),
	    cmocka_unit_test(test_timer_repeats),
	    cmocka_unit_test(test_deleted_timer_never_fires),
	    cmocka_unit_test(test_fd_readiness),
	    cmocka_unit_test(test_del_fd_inside_handler),
	    cmocka_unit_test(test_before_sleep_each_turn),
	    cmocka_unit_test(test_wait_bounded_by_nearest_timer),
	    cmocka_unit_test(test_stop_from_handler),
	    cmocka_unit_test(test_stop_request_wakes_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
