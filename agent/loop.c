#include "config.h"

#include "agent/loop.h"

#include "agent/errors.h"
#include "agent/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef struct watch {
	int fd; /* -1 once deleted: poll(2) skips it, the end of the turn drops it */
	int mask;
	rc_loop_fd_fn fn;
	void *opaque;
} watch_t;

typedef struct loop_timer {
	long long id; /* 0 once deleted or ended: the end of the turn drops it */
	int64_t when_us;
	uint64_t ran_turn; /* the turn it last ran in: at most once per turn */
	rc_loop_timer_fn fn;
	void *opaque;
} loop_timer_t;

struct rc_loop {
	watch_t *watches;
	struct pollfd *pfds; /* pfds[i] is what poll(2) reports for watches[i] */
	size_t nwatches, capwatches;
	loop_timer_t *timers;
	size_t ntimers, captimers;
	long long last_id;
	uint64_t turn;
	bool in_turn; /* deletions wait for the end of the turn: handlers hold indexes */
	bool dirty;   /* a deletion waits */
	bool stop;
	rc_loop_sleep_fn before_sleep;
	void *sleep_opaque;
};

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

rc_loop_t *rc_loop_new(void)
{
	return calloc(1, sizeof(rc_loop_t));
}

void rc_loop_free(rc_loop_t *loop)
{
	if (!loop)
		return;
	free(loop->watches);
	free(loop->pfds);
	free(loop->timers);
	free(loop);
}

/* Makes room for one more watch. Returns false when out of memory. */
static bool grow_watches(rc_loop_t *loop)
{
	size_t cap = loop->capwatches ? loop->capwatches * 2 : 8;
	struct pollfd *pfds;
	watch_t *watches;

	if (loop->nwatches < loop->capwatches)
		return true;
	if (!(pfds = realloc(loop->pfds, cap * sizeof *pfds)))
		return false;
	loop->pfds = pfds;
	if (!(watches = realloc(loop->watches, cap * sizeof *watches)))
		return false; /* pfds is larger than it need be: harmless */
	loop->watches = watches;
	loop->capwatches = cap;
	return true;
}

/* Drops the deleted watches and timers; called between turns only, when no handler holds an index. */
static void compact(rc_loop_t *loop)
{
	size_t k = 0;

	for (size_t i = 0; i < loop->nwatches; i++) {
		if (loop->watches[i].fd < 0)
			continue;
		loop->watches[k] = loop->watches[i];
		loop->pfds[k++] = loop->pfds[i];
	}
	loop->nwatches = k;
	k = 0;
	for (size_t i = 0; i < loop->ntimers; i++)
		if (loop->timers[i].id != 0)
			loop->timers[k++] = loop->timers[i];
	loop->ntimers = k;
	loop->dirty = false;
}

static void deleted(rc_loop_t *loop)
{
	loop->dirty = true;
	if (!loop->in_turn)
		compact(loop);
}

int rc_loop_add_fd(rc_loop_t *loop, int fd, int mask, rc_loop_fd_fn fn, void *opaque)
{
	size_t i;
	short events =
	    (short)(((mask & RC_LOOP_READABLE) ? POLLIN : 0) | ((mask & RC_LOOP_WRITABLE) ? POLLOUT : 0));

	if (fd < 0 || !events || !fn)
		return RC_ERR_FATAL;
	for (i = 0; i < loop->nwatches && loop->watches[i].fd != fd; i++)
		;
	if (i == loop->nwatches) {
		if (!grow_watches(loop))
			return RC_ERR_FATAL;
		loop->nwatches++;
		loop->pfds[i].revents = 0; /* added during a turn: waits for the next one */
	}
	loop->watches[i] = (watch_t){fd, mask, fn, opaque};
	loop->pfds[i].fd = fd;
	loop->pfds[i].events = events;
	return RC_OK;
}

void rc_loop_del_fd(rc_loop_t *loop, int fd)
{
	for (size_t i = 0; i < loop->nwatches; i++) {
		if (loop->watches[i].fd == fd) {
			loop->watches[i].fd = loop->pfds[i].fd = -1;
			deleted(loop);
			return;
		}
	}
}

long long rc_loop_add_timer(rc_loop_t *loop, int ms, rc_loop_timer_fn fn, void *opaque)
{
	if (!fn)
		return -1;
	if (loop->ntimers == loop->captimers) {
		size_t cap = loop->captimers ? loop->captimers * 2 : 8;
		loop_timer_t *timers = realloc(loop->timers, cap * sizeof *timers);
		if (!timers)
			return -1;
		loop->timers = timers;
		loop->captimers = cap;
	}
	loop->timers[loop->ntimers++] =
	    (loop_timer_t){++loop->last_id, now_us() + (int64_t)(ms > 0 ? ms : 0) * 1000, 0, fn, opaque};
	return loop->last_id;
}

int rc_loop_del_timer(rc_loop_t *loop, long long id)
{
	for (size_t i = 0; id > 0 && i < loop->ntimers; i++) {
		if (loop->timers[i].id == id) {
			loop->timers[i].id = 0;
			deleted(loop);
			return RC_OK;
		}
	}
	return RC_ERR_FATAL;
}

void rc_loop_set_before_sleep(rc_loop_t *loop, rc_loop_sleep_fn fn, void *opaque)
{
	loop->before_sleep = fn;
	loop->sleep_opaque = opaque;
}

/* The wait of this turn in ms (-1: none but the descriptors): the smallest of the caller's bound, the
 * hook's and the nearest timer's, rounded up so that the loop does not wake just before a timer. */
static int wait_ms(const rc_loop_t *loop, int max_wait_ms, int hook_ms)
{
	int64_t wait = max_wait_ms, now = now_us();

	if (hook_ms >= 0 && (wait < 0 || hook_ms < wait))
		wait = hook_ms;
	for (size_t i = 0; i < loop->ntimers && wait != 0; i++) {
		int64_t due = loop->timers[i].when_us - now;
		due = due <= 0 ? 0 : (due + 999) / 1000;
		if (loop->timers[i].id != 0 && (wait < 0 || due < wait))
			wait = due;
	}
	if (loop->stop)
		wait = 0;
	return wait > INT_MAX ? INT_MAX : (int)wait;
}

/* Runs the due timers that existed before the wait (ids up to max_id), earliest first, each once.
 * Returns how many ran. */
static int run_timers(rc_loop_t *loop, long long max_id)
{
	int ran = 0;

	for (;;) {
		int64_t now = now_us();
		size_t best = loop->ntimers;
		for (size_t i = 0; i < loop->ntimers; i++) {
			const loop_timer_t *t = &loop->timers[i];
			if (t->id != 0 && t->id <= max_id && t->ran_turn != loop->turn && t->when_us <= now &&
			    (best == loop->ntimers || t->when_us < loop->timers[best].when_us))
				best = i;
		}
		if (best == loop->ntimers)
			return ran;
		loop_timer_t *t = &loop->timers[best];
		long long id = t->id;
		t->ran_turn = loop->turn;
		int next = t->fn(loop, id, t->opaque);
		ran++;
		t = &loop->timers[best]; /* fn may have added timers: the array may have moved */
		if (t->id != id)
			continue; /* fn deleted its own timer */
		if (next < 0) {
			t->id = 0;
			loop->dirty = true;
		} else {
			t->when_us = now_us() + (int64_t)next * 1000;
		}
	}
}

int rc_loop_run_once(rc_loop_t *loop, int max_wait_ms)
{
	int hook_ms = -1, ready, ran = 0, saved;
	size_t npolled;
	long long max_id;

	loop->in_turn = true;
	loop->turn++;
	if (loop->before_sleep)
		hook_ms = loop->before_sleep(loop, loop->sleep_opaque);
	max_id = loop->last_id;
	npolled = loop->nwatches;
	ready = poll(loop->pfds, (nfds_t)npolled, wait_ms(loop, max_wait_ms, hook_ms));
	if (ready < 0 && errno != EINTR) {
		saved = errno;
		loop->in_turn = false;
		compact(loop);
		errno = saved;
		return RC_ERR_FATAL;
	}
	for (size_t i = 0; ready > 0 && i < npolled; i++) {
		short rev = loop->pfds[i].revents;
		const watch_t *w = &loop->watches[i];
		int got = ((rev & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) ? RC_LOOP_READABLE : 0) |
		          ((rev & (POLLOUT | POLLHUP | POLLERR | POLLNVAL)) ? RC_LOOP_WRITABLE : 0);
		if (w->fd < 0 || !(got & w->mask))
			continue; /* deleted by an earlier handler of this turn, or not ready */
		w->fn(loop, w->fd, got & w->mask, w->opaque);
		ran++;
	}
	ran += run_timers(loop, max_id);
	loop->in_turn = false;
	if (loop->dirty)
		compact(loop);
	return ran;
}

void rc_loop_stop(rc_loop_t *loop)
{
	loop->stop = true;
}

int rc_loop_run(rc_loop_t *loop)
{
	int rc = RC_OK;

	while (!loop->stop && rc == RC_OK)
		if (rc_loop_run_once(loop, -1) < 0)
			rc = RC_ERR_FATAL;
	loop->stop = false;
	return rc;
}

static void on_stop_request(rc_loop_t *loop, int fd, int ready, void *opaque)
{
	(void)ready;
	(void)opaque;
	rc_loop_del_fd(loop, fd); /* the pipe stays readable: rc_stop_requested() is for ever */
	rc_loop_stop(loop);
}

int rc_loop_watch_signals(rc_loop_t *loop)
{
	int fd = rc_signals_fd();

	return fd < 0 ? RC_ERR_FATAL : rc_loop_add_fd(loop, fd, RC_LOOP_READABLE, on_stop_request, NULL);
}
