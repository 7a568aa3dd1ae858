/*
 * The incremental snapshot engine (issue 13; built on branch h-incr): table copies in key-ordered
 * chunks between watermarks, interleaved with the stream. Only its control surface is declared
 * here, as the engine's helper published it, so that the signals (agent/signal.h) can be wired to it;
 * the engine's own header replaces this one when h-incr is merged.
 */
#ifndef RC_INCREMENTAL_H
#define RC_INCREMENTAL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rc_incremental rc_incremental_t;

/* Starts (or queues behind the running one) an incremental snapshot of tables ("schema.table"),
 * named id in the log. Returns RC_OK, or an RC_ERR_* class with err filled. */
int rc_incremental_execute(rc_incremental_t *inc, const char *id, const char *const *tables, int ntables,
                           char *err, size_t errlen);

/* Stops the snapshot of tables (none: of every table). Returns RC_OK or an RC_ERR_* class. */
int rc_incremental_stop(rc_incremental_t *inc, const char *id, const char *const *tables, int ntables);

/* Pauses (pause true) or resumes the running incremental snapshot. */
void rc_incremental_pause(rc_incremental_t *inc, bool pause);

#endif
