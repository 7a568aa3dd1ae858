#include "config.h"

#include "agent/cli/commands.h"
#include "agent/cli/sources.h"
#include "agent/errors.h"
#include "agent/log.h"
#include "agent/pipeline.h"
#include "agent/shutdown.h"
#include "agent/signals.h"
#include "sinks/signal_kafka.h"

#include <stdio.h>
#include <string.h>

/* A feature not built yet for a source says so plainly and exits 2, so scripts never mistake it
 * for a run that did nothing. */
static int not_available(const rc_conf_t *conf, const char *what)
{
	rc_log_error("agent", "%s is not available for source.type=%s yet", what,
	             rc_conf_get(conf, "source.type"));
	return 2;
}

static void parts_of(const rc_source_type_t *type, rc_pipeline_parts_t *parts)
{
	*parts = (rc_pipeline_parts_t){
	    .source_new = type->source_new,
	    .snapshot_new = rc_source_snapshot_new,
	    .snapshot_opaque = (void *)type,
	    .sink_new = rc_sink_new_of,
	    .encoder_new = rc_encoder_new_of,
	    .codec = type->codec,
	    .signal_kafka_new = rc_signal_kafka_new,
	};
}

int rc_cmd_run(const rc_conf_t *conf)
{
	const rc_source_type_t *type = rc_source_type_of(conf);
	rc_pipeline_parts_t parts;
	char err[RC_ERRSTR_LEN];
	int rc;

	if (!type || !type->codec)
		return not_available(conf, "run");
	parts_of(type, &parts);
	/* initial_only takes its snapshot without a stream: there is no position to record. */
	if (!rc_conf_is(conf, "snapshot.mode", "initial_only")) {
		rc = rc_offset_store_open_of(conf, type, &parts.store, err, sizeof err);
		if (rc != RC_OK) {
			rc_log_error("offsets", "%s", err);
			return rc == RC_ERR_REFUSED ? 2
			                            : 1; /* another connector's file: a configuration error */
		}
	}
	rc_signals_install();
	rc_shutdown_watchdog_start((int)rc_conf_get_int(conf, "shutdown.timeout.ms", 20000));
	rc_log_info("agent", "rowcast %s starting: %s -> %s", PACKAGE_VERSION, type->name,
	            rc_conf_get(conf, "sink.type"));
	rc = rc_pipeline_run(conf, &parts);
	if (parts.store)
		parts.store->ops->free(parts.store);
	return rc;
}

/* Checks the named tables before anything is published, so a typo is a usage error (exit 2) that
 * names the table, not a runtime failure. Returns the exit code to give, or 0 to go on. */
static int check_tables(const rc_conf_t *conf, const rc_source_type_t *type, const char *const *tables,
                        int ntables)
{
	char err[RC_ERRSTR_LEN];
	rc_snapshot_t *snap = rc_source_snapshot_new(conf, (void *)type, err, sizeof err);
	int rc = snap ? RC_OK : RC_ERR_RETRY;

	if (rc == RC_OK)
		rc = snap->ops->plan(snap, NULL, tables, ntables, err, sizeof err);
	if (rc == RC_OK && snap->ops->ntables(snap) == 0) {
		snprintf(err, sizeof err, "no table to snapshot: the include and exclude lists leave none");
		rc = RC_ERR_FATAL;
	}
	if (snap)
		snap->ops->free(snap);
	if (rc == RC_OK)
		return 0;
	rc_log_error("snapshot", "%s", err);
	return rc == RC_ERR_FATAL ? 2 : 1;
}

/* One line per table, then the total: tab-free columns a script can split on blanks. */
static void print_summary(FILE *out, const rc_snapshot_report_t *r)
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
	fprintf(
	    out,
	    "%zu tables, %llu rows, %llu bytes read, %.1f s, %.0f rows/s; every row acknowledged by the sink\n",
	    r->ntables, (unsigned long long)r->rows, (unsigned long long)r->bytes, r->seconds,
	    r->seconds > 0 ? (double)r->rows / r->seconds : 0.0);
}

int rc_cmd_snapshot(const rc_conf_t *conf, const char *const *tables, int ntables)
{
	const rc_source_type_t *type = rc_source_type_of(conf);
	rc_snapshot_report_t report = {0};
	rc_capture_oneshot_t oneshot = {.tables = tables, .ntables = ntables, .report = &report};
	rc_pipeline_parts_t parts;
	int rc;

	if (!type || !type->codec)
		return not_available(conf, "snapshot");
	parts_of(type, &parts);
	parts.oneshot = &oneshot; /* no store: the streaming position is none of this command's business */
	rc = check_tables(conf, type, tables, ntables);
	if (rc != 0)
		return rc;
	rc_signals_install();
	rc_shutdown_watchdog_start((int)rc_conf_get_int(conf, "shutdown.timeout.ms", 20000));
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
	rc_snapshot_report_clear(&report);
	return rc;
}
