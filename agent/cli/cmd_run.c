#include "config.h"

#include "agent/cli/commands.h"
#include "agent/errors.h"
#include "agent/log.h"
#include "agent/pipeline.h"
#include "agent/signals.h"
#include "decoders/postgres/pg_conn.h"
#include "decoders/postgres/pg_source.h"
#include "sinks/encoders.h"
#include "sinks/kafka_sink.h"
#include "sinks/stdout_sink.h"

#include <stdio.h>
#include <string.h>

static rc_sink_t *sink_new(const rc_conf_t *conf, rc_sink_ack_fn on_ack, void *opaque, char *err,
                           size_t errlen)
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
	rc_log_error("agent", "%s is not available for source.type=%s yet", what,
	             rc_conf_get(conf, "source.type"));
	return 2;
}

static rc_source_t *pg_stream_source_new(const rc_conf_t *conf, const rc_offset_t *recorded, void *opaque,
                                         char *err, size_t errlen)
{
	(void)opaque;
	return rc_pg_source_new(conf, recorded, err, errlen);
}

static rc_source_t *pg_oneshot_source_new(const rc_conf_t *conf, const rc_offset_t *recorded, void *opaque,
                                          char *err, size_t errlen)
{
	(void)recorded;
	return rc_pg_snapshot_source_new(conf, opaque, err, errlen);
}

int rc_cmd_run(const rc_conf_t *conf)
{
	rc_pipeline_parts_t pg_parts = {
	    .source_new = pg_stream_source_new,
	    .sink_new = sink_new,
	    .encoder_new = rc_encoder_new,
	    /* initial_only takes its snapshot without a slot: there is no position to record. */
	    .no_offset_file = rc_conf_is(conf, "snapshot.mode", "initial_only"),
	};

	if (!rc_conf_is(conf, "source.type", "postgres"))
		return not_available(conf, "run");
	rc_signals_install();
	rc_log_info("agent", "rowcast %s starting: %s -> %s", PACKAGE_VERSION,
	            rc_conf_get(conf, "source.type"), rc_conf_get(conf, "sink.type"));
	return rc_pipeline_run(conf, &pg_parts);
}

/* Checks the named tables before anything is published, so a typo is a usage error (exit 2) that
 * names the table, not a runtime failure. Returns the exit code to give, or 0 to go on. */
static int check_tables(const rc_conf_t *conf, const char *const *tables, int ntables)
{
	char err[2048];
	rc_pg_snapshot_t *snap = NULL;
	PGconn *sql = rc_pg_connect(conf, false, err, sizeof err);
	int rc = sql ? RC_OK : RC_ERR_RETRY;

	if (rc == RC_OK && !(snap = rc_pg_snapshot_new(conf, err, sizeof err)))
		rc = RC_ERR_RETRY;
	if (rc == RC_OK)
		rc = rc_pg_snapshot_plan(snap, sql, tables, ntables, err, sizeof err);
	if (rc == RC_OK && rc_pg_snapshot_ntables(snap) == 0) {
		snprintf(err, sizeof err, "no table to snapshot: the include and exclude lists leave none");
		rc = RC_ERR_FATAL;
	}
	rc_pg_snapshot_free(snap);
	PQfinish(sql);
	if (rc == RC_OK)
		return 0;
	rc_log_error("snapshot", "%s", err);
	return rc == RC_ERR_FATAL ? 2 : 1;
}

/* One line per table, then the total: tab-free columns a script can split on blanks. */
static void print_summary(FILE *out, const rc_pg_snapshot_report_t *r)
{
	size_t width = 5;

	for (size_t i = 0; i < r->ntables; i++)
		if (r->tables[i].name && strlen(r->tables[i].name) > width)
			width = strlen(r->tables[i].name);
	fprintf(out, "%-*s %12s %14s %9s\n", (int)width, "table", "rows", "bytes", "seconds");
	for (size_t i = 0; i < r->ntables; i++)
		fprintf(out, "%-*s %12llu %14llu %9.1f\n", (int)width,
		        r->tables[i].name ? r->tables[i].name : "?", (unsigned long long)r->tables[i].rows,
		        (unsigned long long)r->tables[i].bytes, r->tables[i].seconds);
	fprintf(out, "%-*s %12llu %14llu %9.1f\n", (int)width, "total", (unsigned long long)r->rows,
	        (unsigned long long)r->bytes, r->seconds);
	fprintf(out,
	        "%zu tables, %llu rows, %llu bytes read, %.1f s, %.0f rows/s; every row acknowledged by the "
	        "sink\n",
	        r->ntables, (unsigned long long)r->rows, (unsigned long long)r->bytes, r->seconds,
	        r->seconds > 0 ? (double)r->rows / r->seconds : 0.0);
}

int rc_cmd_snapshot(const rc_conf_t *conf, const char *const *tables, int ntables)
{
	rc_pg_snapshot_report_t report = {0};
	rc_pg_oneshot_t oneshot = {.tables = tables, .ntables = ntables, .report = &report};
	rc_pipeline_parts_t parts = {
	    .source_new = pg_oneshot_source_new,
	    .sink_new = sink_new,
	    .encoder_new = rc_encoder_new,
	    .source_opaque = &oneshot,
	    .no_offset_file = true, /* the streaming position is none of this command's business */
	};
	int rc;

	if (!rc_conf_is(conf, "source.type", "postgres"))
		return not_available(conf, "snapshot");
	rc = check_tables(conf, tables, ntables);
	if (rc != 0)
		return rc;
	rc_signals_install();
	rc_log_info("agent", "rowcast %s: one-shot snapshot -> %s", PACKAGE_VERSION,
	            rc_conf_get(conf, "sink.type"));
	rc = rc_pipeline_run(conf, &parts);
	if (rc == 0 && !report.complete) {
		rc_log_error("snapshot",
		             "stopped before every row was published and acknowledged: run it again");
		rc = 1;
	}
	if (rc == 0) /* the stdout sink writes its events on stdout: the summary goes aside */
		print_summary(rc_conf_is(conf, "sink.type", "stdout") ? stderr : stdout, &report);
	rc_pg_snapshot_report_clear(&report);
	return rc;
}
