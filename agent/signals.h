/* SIGTERM/SIGINT handling: the handler only sets a flag (CONVENTIONS.md rule 11); a second signal
 * exits at once with status 1. */
#ifndef RC_SIGNALS_H
#define RC_SIGNALS_H

#include <stdbool.h>

void rc_signals_install(void);

/* True once SIGTERM or SIGINT arrived. */
bool rc_stop_requested(void);

#endif
