/*
 * SIGTERM/SIGINT handling (CONVENTIONS.md rule 11): the handler only sets a flag, notes the time and
 * writes a byte to a self-pipe, all async-signal-safe; a second signal exits at once with status 1.
 * SIGHUP only sets log.c's reopen flag: the next line written reopens log.file.
 *
 * The self-pipe is what lets a wait end at the signal rather than at its timeout: an event loop
 * watches rc_signals_fd() (rc_loop_watch_signals), other waits poll it next to their own descriptors
 * (rc_signals_sleep, the registry client). A signal may be delivered to any thread that does not
 * block it (libcurl's resolver threads, a test's helper thread): an EINTR-based wait would miss it,
 * the pipe does not. signalfd(2) would need SIGTERM blocked in every thread, librdkafka's and
 * libcurl's included, and is inherited blocked by child processes; eventfd(2) would do as well as a
 * pipe but only on Linux.
 */
#ifndef RC_SIGNALS_H
#define RC_SIGNALS_H

#include <stdbool.h>
#include <stdint.h>

/* Installs the handlers (SIGPIPE is ignored) and makes the self-pipe, once; calling it again is a
 * no-op. Returns RC_OK, or RC_ERR_FATAL when the pipe cannot be made (the flag still works, but waits
 * end at their timeout only). */
int rc_signals_install(void);

/* rc_clock_ms() when the first SIGTERM or SIGINT arrived; 0 before (shutdown.timeout.ms counts
 * from it). */
int64_t rc_signals_stop_ms(void);

/* True once SIGTERM or SIGINT arrived. */
bool rc_stop_requested(void);

/* The self-pipe's read end: readable from the first stop request on, for ever (it is never drained,
 * so every wait that watches it ends at once). -1 before rc_signals_install. Borrowed. */
int rc_signals_fd(void);

/* Sleeps ms milliseconds, or less when a stop request comes first. Returns RC_OK after the full
 * time, RC_STOPPED on a stop request (also one that came before the call). */
int rc_signals_sleep(int ms);

/* Forgets a stop request and drains the pipe, so that one test process can make several. Not for
 * production code: a stop request is final. */
void rc_signals_reset(void);

#endif
