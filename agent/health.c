#include "config.h"

#include "agent/health.h"

#include <stdio.h>

bool rc_health_ready(const rc_health_in_t *in, char *why, size_t len)
{
	if (!in->streaming) {
		snprintf(why, len, "not connected: the pipeline is starting or restarting");
		return false;
	}
	if (in->sink_broken) {
		snprintf(why, len, "the sink cannot go on");
		return false;
	}
	if (in->snapshot_running) {
		snprintf(why, len, "snapshot in progress");
		return false;
	}
	if (in->inflight > 0 && in->stalled_ms >= in->stall_limit_ms) {
		snprintf(
		    why, len,
		    "stalled: %lld records unacknowledged, the oldest waiting %lld ms (readiness.stall.ms "
		    "%lld)",
		    (long long)in->inflight, (long long)in->stalled_ms, (long long)in->stall_limit_ms);
		return false;
	}
	if (in->server_grew && in->grown_for_ms >= in->stall_limit_ms) {
		snprintf(
		    why, len,
		    "stalled: the server's position has grown for %lld ms while the confirmed position has "
		    "not moved (for %lld ms; readiness.stall.ms %lld)",
		    (long long)in->grown_for_ms, (long long)in->confirmed_age_ms,
		    (long long)in->stall_limit_ms);
		return false;
	}
	return true;
}

static void json_string(rc_buf_t *b, const char *s)
{
	rc_buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			rc_buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			rc_buf_printf(b, "\\u%04x", c);
		else
			rc_buf_putc(b, c);
	}
	rc_buf_putc(b, '"');
}

void rc_health_body(rc_buf_t *b, const char *check, bool up, const char *reason)
{
	const char *st = up ? "UP" : "DOWN";

	rc_buf_printf(b, "{\"status\":\"%s\",\"checks\":[{\"name\":", st);
	json_string(b, check);
	rc_buf_printf(b, ",\"status\":\"%s\"", st);
	if (reason) {
		rc_buf_puts(b, ",\"data\":{\"reason\":");
		json_string(b, reason);
		rc_buf_putc(b, '}');
	}
	rc_buf_puts(b, "}]}\n");
}
