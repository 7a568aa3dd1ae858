/*
 * systemd's notification protocol (sd_notify(3)), without libsystemd: one datagram per message to the
 * AF_UNIX socket named by $NOTIFY_SOCKET (a path, or '@' for the abstract namespace). Everything here
 * is a no-op when NOTIFY_SOCKET is unset, so rowcast behaves the same outside systemd.
 *
 * What rowcast tells systemd (deploy/systemd/rowcast@.service, Type=notify):
 *   READY=1     once the first stream life has started: source and sink connected, the capture started
 *               (a snapshot or the stream). Not "once streaming": a first snapshot can take hours, and
 *               a unit that is not ready by TimeoutStartSec is killed; progress is in STATUS= and
 *               /metrics. A restart after a failure does not make it unready (systemd has no way back).
 *   STATUS=...  the pipeline's state and the capture's phase, one line per change.
 *   WATCHDOG=1  from a timer on the event loop at half of $WATCHDOG_USEC: a loop that is stuck stops
 *               pinging, and systemd restarts the unit after WatchdogSec.
 *   STOPPING=1  when the pipeline starts draining (a stop request, or the source ended).
 */
#ifndef RC_SDNOTIFY_H
#define RC_SDNOTIFY_H

#include <stdbool.h>

typedef struct rc_loop rc_loop_t;

/*
 * Sends state (e.g. "READY=1\nSTATUS=streaming") to $NOTIFY_SOCKET. Returns RC_OK (also when the
 * variable is unset: nothing to do), or RC_ERR_FATAL when it is set but the datagram cannot be sent
 * (an unusable address, the socket gone); the caller logs and carries on, as systemd then times out.
 */
int rc_sdnotify(const char *state);

/* The watchdog interval systemd asks for, in ms ($WATCHDOG_USEC / 1000, for this process when
 * $WATCHDOG_PID names one), or 0 when there is none. */
long long rc_sdnotify_watchdog_ms(void);

/* Adds the WATCHDOG=1 timer to loop (at half of rc_sdnotify_watchdog_ms) when a watchdog is asked
 * for. Returns RC_OK (also without a watchdog), or RC_ERR_FATAL when out of memory. */
int rc_sdnotify_watch(rc_loop_t *loop);

/* Tells systemd the pipeline's state ("starting", "streaming", "restarting", "draining", "stopped")
 * and the capture's phase (may be NULL; "snapshot", "streaming", ...): STATUS= when either changed
 * since the last call (so a periodic caller sends the snapshot's end once), READY=1 on the first
 * "streaming", STOPPING=1 on entering "draining". Failures are logged once, never returned: the
 * stream does not depend on systemd hearing it. */
void rc_sdnotify_state(const char *state, const char *phase);

#endif
