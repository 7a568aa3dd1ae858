/*
 * Crash points for fault tests (issue 14): RC_FAILPOINT("name") marks a place where a test may kill
 * the process, to prove that a crash there loses nothing. Compiled to nothing unless configure was
 * given --enable-failpoints (RC_ENABLE_FAILPOINTS in config.h), so a release build carries no trace.
 *
 * A test arms one point with ROWCAST_TEST_FAILPOINT=<name> or <name>@<N>: the N-th time (default the
 * first) the point is reached, on whichever thread, the process writes "failpoint <name> hit" to
 * stderr and raises SIGKILL, which no handler sees: nothing is flushed, written or confirmed after.
 * The variable is parsed once at startup (rc_failpoint_init); a malformed value or an unknown name
 * is a startup error, so a typo never passes a test by crashing nowhere.
 */
#ifndef RC_FAILPOINT_H
#define RC_FAILPOINT_H

#include <stdbool.h>
#include <stddef.h>

/* The longest point name. */
#define RC_FAILPOINT_NAME_MAX 64

/* Parses spec ("<name>" or "<name>@<N>", N from 1) into name (namelen bytes) and *nth. The name
 * must be one of the known points. Returns 0, or -1 with err filled. Always compiled (unit-tested
 * in every build). */
int rc_failpoint_parse(const char *spec, char *name, size_t namelen, long *nth, char *err, size_t errlen);

/* Arms the point ROWCAST_TEST_FAILPOINT names, once, before any thread starts. Returns 0 (unset,
 * or armed), or -1 with err filled: a malformed value, or the variable set in a build without
 * failpoints. */
int rc_failpoint_init(char *err, size_t errlen);

/* Whether this build has failpoints (rowcast --version says "failpoints: on"). */
bool rc_failpoints_compiled(void);

#ifdef RC_ENABLE_FAILPOINTS
/* Counts one pass through the point name (a string literal); kills the process on the armed pass. */
void rc_failpoint_hit(const char *name);
#define RC_FAILPOINT(name) rc_failpoint_hit(name)
#else
#define RC_FAILPOINT(name) ((void)0)
#endif

#endif
