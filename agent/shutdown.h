/*
 * The shutdown's time bound (shutdown.timeout.ms): from the first SIGTERM/SIGINT, everything on the
 * way out (the drain of Kafka's queue, the last confirm, slot.drop.on.stop, joining the snapshot
 * readers and the binlog transport thread, librdkafka's destroy) must fit in it, so that the process
 * is gone before an orchestrator's grace period ends (Kubernetes: 30 s) and kills it anyway.
 *
 * The drain takes what is left of the bound but a reserve for the teardown after it. Should any
 * other wait overrun (a bug, a system call the code thought bounded), a watchdog thread ends the
 * process at the bound with status 1: the position recorded is safe (written before anything is
 * confirmed to the source), only the exit is not clean.
 */
#ifndef RC_SHUTDOWN_H
#define RC_SHUTDOWN_H

/* Milliseconds the drain may wait now: timeout_ms from the stop request (or from now, when the
 * source ended without one), less the teardown's reserve; 0 when none is left. */
int rc_shutdown_drain_ms(int timeout_ms);

/* Starts the watchdog (once per process; rc_signals_install first): it sleeps until a stop request,
 * then until timeout_ms after it, and exits the process with status 1 if it is still there.
 * Returns RC_OK, or RC_ERR_FATAL when the thread cannot be made (the drain stays bounded anyway). */
int rc_shutdown_watchdog_start(int timeout_ms);

#endif
