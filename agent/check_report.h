/*
 * The report `rowcast check` prints: one line per check, "ok", "warn" or "FAIL", and for every
 * problem the fix. Checks in decoders/ and sinks/ write into it; cmd_check.c turns it into an exit code.
 */
#ifndef RC_CHECK_REPORT_H
#define RC_CHECK_REPORT_H

#include <stdio.h>

typedef struct rc_check_report {
	FILE *out;
	int failures;
	int warnings;
} rc_check_report_t;

void rc_check_ok(rc_check_report_t *rep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A problem that stops rowcast from working; fix says what to do. */
void rc_check_fail(rc_check_report_t *rep, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A problem rowcast works around or that may bite later; fix says what to do. */
void rc_check_warn(rc_check_report_t *rep, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
