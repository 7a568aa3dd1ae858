#include "config.h"

#include "agent/commands.h"
#include "agent/log.h"
#include "agent/pipeline.h"
#include "agent/signals.h"
#include "decoders/pg_source.h"
#include "sinks/encoders.h"
#include "sinks/kafka_sink.h"
#include "sinks/stdout_sink.h"

#include <stdio.h>

static rc_sink_t *sink_new(const rc_conf_t *conf, rc_sink_ack_fn on_ack, void *opaque, char *err, size_t errlen)
{
	if (rc_conf_is(conf, "sink.type", "stdout")) {
		rc_sink_t *sink = rc_stdout_sink_new(stdout, on_ack, opaque);
		if (!sink)
			snprintf(err, errlen, "out of memory");
		return sink;
	}
	return rc_kafka_sink_new(conf, on_ack, opaque, err, errlen);
}

/* A feature not built yet for a source says so plainly and exits 2, so scripts never mistake it
 * for a run that did nothing. */
static int not_available(const rc_conf_t *conf, const char *what)
{
	rc_log_error("agent", "%s is not available for source.type=%s yet", what, rc_conf_get(conf, "source.type"));
	return 2;
}

int rc_cmd_run(const rc_conf_t *conf)
{
	static const rc_pipeline_parts_t pg_parts = {
		.source_new = rc_pg_source_new,
		.sink_new = sink_new,
		.encoder_new = rc_encoder_new,
	};

	if (!rc_conf_is(conf, "source.type", "postgres"))
		return not_available(conf, "run");
	rc_signals_install();
	rc_log_info("agent", "rowcast %s starting: %s -> %s", PACKAGE_VERSION, rc_conf_get(conf, "source.type"),
		    rc_conf_get(conf, "sink.type"));
	return rc_pipeline_run(conf, &pg_parts);
}

int rc_cmd_snapshot(const rc_conf_t *conf, const char *const *tables, int ntables)
{
	(void)tables;
	(void)ntables;
	return not_available(conf, "snapshot");
}
