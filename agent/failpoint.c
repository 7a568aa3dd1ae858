#include "config.h"

#include "agent/failpoint.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every point placed in the code; a name outside this list is a typo in a test. */
static const char *const known[] = {
    "after_produce_before_ack",          /* sinks/kafka_sink.c: handed to librdkafka, no report yet */
    "after_ack_before_offset_write",     /* agent/offset_writer.c: acknowledged, not yet stored */
    "after_offset_write_before_confirm", /* agent/offset_writer.c: stored, not yet confirmed */
    "snapshot_rows_before_ack",          /* snapshot/snapshot.c: a batch of rows produced */
    "snapshot_last_chunk_before_ack",    /* snapshot/snapshot.c: the snapshot's last row produced */
    "mid_transaction",                   /* agent/pipeline_records.c: between two row events */
};

int rc_failpoint_parse(const char *spec, char *name, size_t namelen, long *nth, char *err, size_t errlen)
{
	const char *at = strchr(spec, '@');
	size_t len = at ? (size_t)(at - spec) : strlen(spec);
	bool found = false;

	*nth = 1;
	if (len == 0 || len >= namelen || len > RC_FAILPOINT_NAME_MAX) {
		snprintf(err, errlen, "ROWCAST_TEST_FAILPOINT='%s': expected <name> or <name>@<N>", spec);
		return -1;
	}
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strlen(known[i]) == len && strncmp(known[i], spec, len) == 0)
			found = true;
	if (!found) {
		snprintf(
		    err, errlen,
		    "ROWCAST_TEST_FAILPOINT='%s': unknown point '%.*s' (known: after_produce_before_ack, "
		    "after_ack_before_offset_write, after_offset_write_before_confirm, "
		    "snapshot_rows_before_ack, snapshot_last_chunk_before_ack, mid_transaction)",
		    spec, (int)len, spec);
		return -1;
	}
	if (at) {
		char *end;
		long n;

		errno = 0;
		n = strtol(at + 1, &end, 10);
		/* Digits only: strtol alone would take " 3", "+3" and "3x". */
		if (at[1] < '0' || at[1] > '9' || *end != '\0' || errno == ERANGE || n < 1) {
			snprintf(
			    err, errlen,
			    "ROWCAST_TEST_FAILPOINT='%s': the count after '@' must be a whole number from 1",
			    spec);
			return -1;
		}
		*nth = n;
	}
	memcpy(name, spec, len);
	name[len] = '\0';
	return 0;
}

bool rc_failpoints_compiled(void)
{
#ifdef RC_ENABLE_FAILPOINTS
	return true;
#else
	return false;
#endif
}

#ifdef RC_ENABLE_FAILPOINTS
/* Set once by rc_failpoint_init before any thread starts, read-only after. */
static char armed[RC_FAILPOINT_NAME_MAX + 1];
static long armed_nth;
static atomic_long passes; /* the armed point's, from any thread */

void rc_failpoint_hit(const char *name)
{
	char line[RC_FAILPOINT_NAME_MAX + 32];
	int n;

	if (!armed[0] || strcmp(name, armed) != 0)
		return;
	if (atomic_fetch_add(&passes, 1) + 1 != armed_nth)
		return;
	/* write(2), not stdio: one unbuffered line, whatever the thread holds. */
	n = snprintf(line, sizeof line, "failpoint %s hit\n", name);
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nothing to do: the kill below is the point */
	}
	raise(SIGKILL);
}
#endif

int rc_failpoint_init(char *err, size_t errlen)
{
	const char *spec = getenv("ROWCAST_TEST_FAILPOINT");

	if (!spec || !*spec)
		return 0;
#ifdef RC_ENABLE_FAILPOINTS
	return rc_failpoint_parse(spec, armed, sizeof armed, &armed_nth, err, errlen);
#else
	snprintf(err, errlen,
	         "ROWCAST_TEST_FAILPOINT is set, but this build has no failpoints (configure "
	         "--enable-failpoints)");
	return -1;
#endif
}
