/*
 * The event loop (CONVENTIONS.md rule 11): one thread waits in poll(2) on registered descriptors until
 * one is ready, the nearest timer is due, or the caller's bound passes, then runs what is due. Modelled
 * on Redis's ae.c (file events, time events, a before-sleep hook), smaller: poll only, timers in an
 * array scanned each turn (a handful of deadlines: status updates, offset flushes, log lines).
 *
 * One turn (rc_loop_run_once):
 *   1. the before-sleep hook, which may forbid or shorten the wait (work left over, a read budget used);
 *   2. poll(2) for at most min(max_wait_ms, the hook's bound, the nearest timer);
 *   3. the handlers of the ready descriptors, in registration order, once each;
 *   4. the timers that are due, earliest first, each at most once per turn.
 * Nothing is allocated during a turn: only adding a descriptor or a timer may grow an array.
 *
 * Handlers may add and delete descriptors and timers, their own included, during a turn: a deleted
 * one is never called again, not even later in the same turn; one added during a turn waits for the
 * next. Handlers must not call rc_loop_run_once or rc_loop_run themselves.
 *
 * Time is CLOCK_MONOTONIC: a wall-clock step never fires or delays a timer.
 */
#ifndef RC_LOOP_H
#define RC_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#define RC_LOOP_READABLE 1
#define RC_LOOP_WRITABLE 2

/* A timer's function returns this to end the timer, or the next interval in ms (>= 0). */
#define RC_LOOP_NOMORE (-1)

typedef struct rc_loop rc_loop_t;

/* Called when fd is ready. ready holds RC_LOOP_READABLE and/or RC_LOOP_WRITABLE, restricted to what
 * was asked for; hang-up and errors count as both (the read or write then says what happened). A
 * handler whose descriptor fails must delete it, or the loop wakes for it at once every turn. */
typedef void (*rc_loop_fd_fn)(rc_loop_t *loop, int fd, int ready, void *opaque);

/* Called when timer id is due. Returns the next interval in ms, or RC_LOOP_NOMORE. */
typedef int (*rc_loop_timer_fn)(rc_loop_t *loop, long long id, void *opaque);

/* Called at the start of every turn, before the wait. Returns the longest the loop may then wait in
 * ms: 0 when work is left that must not wait (e.g. the source's read budget ran out), or -1 when the
 * hook sets no bound of its own. */
typedef int (*rc_loop_sleep_fn)(rc_loop_t *loop, void *opaque);

/* Returns an empty loop, or NULL when out of memory. Caller frees with rc_loop_free. */
rc_loop_t *rc_loop_new(void);

/* Frees the loop. Descriptors stay open (they belong to whoever registered them); opaques are not
 * touched. */
void rc_loop_free(rc_loop_t *loop);

/*
 * Watches fd (borrowed: the caller closes it, after rc_loop_del_fd) for mask, a non-empty set of
 * RC_LOOP_READABLE and RC_LOOP_WRITABLE, calling fn(loop, fd, ready, opaque). Registering an fd
 * already watched replaces its mask, function and opaque. Returns RC_OK, or RC_ERR_FATAL for a
 * negative fd, an empty mask or no memory.
 */
int rc_loop_add_fd(rc_loop_t *loop, int fd, int mask, rc_loop_fd_fn fn, void *opaque);

/* Stops watching fd. Safe inside any handler, fd's own included. No-op if fd is not watched. */
void rc_loop_del_fd(rc_loop_t *loop, int fd);

/* Calls fn(loop, id, opaque) once ms (>= 0) have passed, then again after each interval fn returns.
 * Returns the timer's id (> 0), or -1 when out of memory. */
long long rc_loop_add_timer(rc_loop_t *loop, int ms, rc_loop_timer_fn fn, void *opaque);

/* Cancels a timer: it never fires again. Safe inside any handler, the timer's own included. Returns
 * RC_OK, or RC_ERR_FATAL when no live timer has this id. */
int rc_loop_del_timer(rc_loop_t *loop, long long id);

/* Sets (or, with fn NULL, clears) the hook called at the start of every turn. */
void rc_loop_set_before_sleep(rc_loop_t *loop, rc_loop_sleep_fn fn, void *opaque);

/*
 * One turn (see the top of this file). Waits at most max_wait_ms (-1: no bound but the timers, the
 * hook and the descriptors); does not wait once rc_loop_stop was called. Returns the number of
 * handlers and timers called (0 when the wait ran out or a signal interrupted it), or RC_ERR_FATAL
 * when poll(2) fails (errno says why).
 */
int rc_loop_run_once(rc_loop_t *loop, int max_wait_ms);

/* Makes rc_loop_run return at the end of the current turn. Callable from any handler. */
void rc_loop_stop(rc_loop_t *loop);

/* Runs turns until rc_loop_stop (which may have been called before), then clears the stop so the loop
 * can run again. Returns RC_OK, or RC_ERR_FATAL when poll(2) fails. */
int rc_loop_run(rc_loop_t *loop);

/*
 * Makes a stop request (SIGTERM, SIGINT: agent/signals.h) stop the loop at once, however long it
 * would have waited: watches rc_signals_fd(), and when it becomes readable unregisters it and calls
 * rc_loop_stop. rc_stop_requested() stays true, so a loop that runs on afterwards (draining) does not
 * wake for it again. Returns RC_OK, or RC_ERR_FATAL when rc_signals_install has not made the
 * descriptor or out of memory.
 */
int rc_loop_watch_signals(rc_loop_t *loop);

#endif
