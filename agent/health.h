/*
 * Liveness and readiness (/healthz, /readyz), as rules on a few numbers so that they are tested
 * without a pipeline (ecosystem.md section 2: Kubernetes probes; the body is Debezium Server's
 * MicroProfile shape {"status":"UP"|"DOWN","checks":[...]}).
 *
 * Live: the loop turned within RC_HEALTH_LOOP_STALE_MS. A database or broker outage does not make
 * rowcast dead (a restart would not help); a loop stuck in a call that blocks does.
 *
 * Ready: a stream life is up (source connected, sink made and not broken), the snapshot is done
 * (or none is taken), and the confirmed position is not stalled: not ready when the oldest record
 * in flight has waited readiness.stall.ms without an acknowledgement of its transaction, or when
 * the server's position has kept growing for readiness.stall.ms while the confirmed position has
 * not moved (counted from the first growth seen after the confirmed position's last move: a quiet
 * database that starts writing again is no stall).
 */
#ifndef RC_HEALTH_H
#define RC_HEALTH_H

#include "agent/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RC_HEALTH_LOOP_STALE_MS 30000

typedef struct rc_health_in {
	bool streaming;           /* the pipeline's state is streaming (a stream life is up) */
	bool snapshot_running;    /* the capture is copying tables or waiting for their acknowledgement */
	bool sink_broken;         /* the sink says it cannot go on */
	int64_t stalled_ms;       /* rc_acktrack_stalled_ms: 0 when nothing is in flight */
	int64_t inflight;         /* records waiting for acknowledgement */
	int64_t confirmed_age_ms; /* since the confirmed position last moved */
	bool server_grew;         /* the server's position moved on since the confirmed one last did */
	int64_t grown_for_ms;     /* since that growth was first seen */
	int64_t stall_limit_ms;   /* readiness.stall.ms */
} rc_health_in_t;

/* True when ready; otherwise why receives the reason for a person. */
bool rc_health_ready(const rc_health_in_t *in, char *why, size_t len);

/* Writes the JSON body {"status":"UP"|"DOWN","checks":[{"name":...,"status":...,"data":{...}}]}:
 * check is the check's name, reason (NULL when up) the reason. */
void rc_health_body(rc_buf_t *b, const char *check, bool up, const char *reason);

#endif
