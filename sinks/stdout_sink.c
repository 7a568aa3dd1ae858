#include "config.h"

#include "sinks/stdout_sink.h"

#include "agent/loop.h"
#include "agent/wakepipe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Records are acknowledged once written and flushed; the acknowledgements are handed out at the
 * next poll, as Kafka's would be, so the pipeline sees the same order of calls for both sinks. The
 * wake-up pipe is readable while acknowledgements wait, as Kafka's queue descriptor is. */
typedef struct stdout_sink {
	rc_sink_t base;
	FILE *out;
	void **pending; /* tickets written but not yet reported */
	size_t npending, cap;
	int wake[2]; /* written when the first ticket waits, drained by poll; -1 if none could be made */
	char broken[256];
} stdout_sink_t;

static int publish(rc_sink_t *sink, const rc_record_t *rec, void *ticket, char *err, size_t errlen)
{
	stdout_sink_t *ss = (stdout_sink_t *)sink;

	if (ss->npending == ss->cap) {
		size_t cap = ss->cap ? ss->cap * 2 : 1024;
		void **grown = realloc(ss->pending, cap * sizeof *grown);
		if (!grown) {
			snprintf(err, errlen, "stdout sink: out of memory");
			return RC_ERR_RETRY;
		}
		ss->pending = grown;
		ss->cap = cap;
	}
	/* The record's value is a whole line already (sinks/json_encode.h). */
	fwrite(rec->value, 1, rec->vallen, ss->out);
	if (ferror(ss->out)) {
		snprintf(ss->broken, sizeof ss->broken, "cannot write to standard output: %s",
		         strerror(errno));
		snprintf(err, errlen, "%s", ss->broken);
		return RC_ERR_RETRY;
	}
	ss->pending[ss->npending++] = ticket;
	if (ss->npending == 1 && ss->wake[1] >= 0)
		rc_wakepipe_wake(ss->wake[1]);
	return RC_OK;
}

static int poll_sink(rc_sink_t *sink, int timeout_ms)
{
	stdout_sink_t *ss = (stdout_sink_t *)sink;
	size_t n = ss->npending;
	bool ok;

	(void)timeout_ms;
	if (ss->wake[0] >= 0)
		rc_wakepipe_drain(ss->wake[0]);
	if (n == 0)
		return 0;
	ok = fflush(ss->out) == 0;
	if (!ok)
		snprintf(ss->broken, sizeof ss->broken, "cannot write to standard output: %s",
		         strerror(errno));
	ss->npending = 0;
	for (size_t i = 0; i < n; i++)
		ss->base.on_ack(ss->pending[i], ok, ok ? NULL : ss->broken, ss->base.ack_opaque);
	return (int)n;
}

static int flush_sink(rc_sink_t *sink, int timeout_ms)
{
	poll_sink(sink, timeout_ms);
	return 0;
}

static int sink_fd(rc_sink_t *sink)
{
	return ((stdout_sink_t *)sink)->wake[0];
}

static long inflight(rc_sink_t *sink)
{
	return (long)((stdout_sink_t *)sink)->npending;
}

static bool broken(rc_sink_t *sink, char *why, size_t len)
{
	stdout_sink_t *ss = (stdout_sink_t *)sink;
	if (ss->broken[0])
		snprintf(why, len, "%s", ss->broken);
	return ss->broken[0] != '\0';
}

static void free_sink(rc_sink_t *sink)
{
	stdout_sink_t *ss = (stdout_sink_t *)sink;

	if (!ss)
		return;
	for (size_t i = 0; i < ss->npending; i++)
		ss->base.on_ack(ss->pending[i], false, "sink closed", ss->base.ack_opaque);
	free(ss->pending);
	rc_wakepipe_close(ss->wake);
	free(ss);
}

static const rc_sink_ops_t stdout_ops = {
    .name = "stdout",
    .publish = publish,
    .poll = poll_sink,
    .flush = flush_sink,
    .fd = sink_fd,
    .inflight = inflight,
    .broken = broken,
    .free = free_sink,
};

rc_sink_t *rc_stdout_sink_new(FILE *out, rc_sink_ack_fn on_ack, void *ack_opaque)
{
	stdout_sink_t *ss = calloc(1, sizeof *ss);

	if (!ss)
		return NULL;
	ss->base.ops = &stdout_ops;
	ss->base.on_ack = on_ack;
	ss->base.ack_opaque = ack_opaque;
	ss->out = out;
	rc_wakepipe_open(ss->wake); /* on failure both are -1: no descriptor, the caller polls at intervals */
	return &ss->base;
}
