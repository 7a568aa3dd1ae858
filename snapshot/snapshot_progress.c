/*
 * Snapshot progress: a log line per table being copied every 5 s (rows, % of the estimate, rows/s,
 * ETA), on a terminal one updating line on stderr, and the summary at the end.
 */
#include "config.h"

#include "agent/clock.h"
#include "agent/log.h"
#include "agent/metrics.h"
#include "snapshot/snapshot_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRESS_LOG_MS 5000
#define PROGRESS_TTY_MS 500

/* "1.2 M", "34 k", "999" */
static const char *human(double v, char *buf, size_t len)
{
	if (v >= 1e6)
		snprintf(buf, len, "%.2f M", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.0f k", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

static void eta_text(double left, double rate, char *buf, size_t len)
{
	if (left <= 0 || rate <= 0)
		snprintf(buf, len, "-");
	else if (left / rate >= 3600)
		snprintf(buf, len, "%.1f h", left / rate / 3600);
	else
		snprintf(buf, len, "%.0f s", left / rate);
}

/* The progress line ends with a carriage return: a log line written meanwhile (by a reader, or the
 * pipeline) starts at its first column and covers it instead of being appended to it. */
static void clear_tty_line(rc_snap_t *snap)
{
	if (snap->tty_line)
		fputs("\r\033[K", stderr);
	snap->tty_line = false;
}

static void log_table_progress(rc_snap_table_t *st, int64_t now)
{
	uint64_t rows = __atomic_load_n(&st->rows_read, __ATOMIC_RELAXED);
	int64_t since =
	    st->last_log_ms ? st->last_log_ms : __atomic_load_n(&st->started_ms, __ATOMIC_RELAXED);
	double rate = now > since ? (double)(rows - st->last_log_rows) * 1000 / (double)(now - since) : 0;
	char a[32], b[32], c[32], eta[32];

	if (st->estimate > 0) {
		eta_text(st->estimate - (double)rows, rate, eta, sizeof eta);
		rc_log_kv(RC_LOG_INFO, "snapshot", &(rc_log_fields_t){.table = st->full},
		          "copying %s: %s rows (%.0f%% of ~%s), %s rows/s, ETA %s", st->full,
		          human((double)rows, a, sizeof a), 100.0 * (double)rows / st->estimate,
		          human(st->estimate, b, sizeof b), human(rate, c, sizeof c), eta);
	} else {
		rc_log_kv(RC_LOG_INFO, "snapshot", &(rc_log_fields_t){.table = st->full},
		          "copying %s: %s rows (no estimate: table never analyzed), %s rows/s", st->full,
		          human((double)rows, a, sizeof a), human(rate, b, sizeof b));
	}
	st->last_log_ms = now;
	st->last_log_rows = rows;
}

void rc_snap_progress(rc_snapshot_t *base)
{
	rc_snap_t *snap = (rc_snap_t *)base;
	int64_t now = rc_clock_ms();

	if (snap->done || !snap->started_ms)
		return;
	if (now - snap->last_log_ms >= PROGRESS_LOG_MS) {
		snap->last_log_ms = now;
		clear_tty_line(snap);
		for (size_t i = 0; i < snap->ntables; i++) {
			rc_snap_table_t *st = &snap->tables[i];
			if (__atomic_load_n(&st->started_ms, __ATOMIC_RELAXED) &&
			    !__atomic_load_n(&st->finished_ms, __ATOMIC_RELAXED))
				log_table_progress(st, now);
		}
	}
	if (snap->tty && now - snap->last_tty_ms >= PROGRESS_TTY_MS) {
		double rows = 0, estimate = 0, secs = (double)(now - snap->started_ms) / 1000;
		size_t finished = 0;
		char a[32], b[32], eta[32], pct[32] = "";

		for (size_t i = 0; i < snap->ntables; i++) {
			rc_snap_table_t *st = &snap->tables[i];
			double r = (double)__atomic_load_n(&st->rows_read, __ATOMIC_RELAXED);
			bool fin = __atomic_load_n(&st->finished_ms, __ATOMIC_RELAXED) != 0;
			rows += r;
			finished += fin;
			estimate += fin ? r : st->estimate > r ? st->estimate : r;
		}
		if (estimate > 0)
			snprintf(pct, sizeof pct, " (%.0f%%)", 100 * rows / estimate);
		eta_text(estimate - rows, secs > 0 ? rows / secs : 0, eta, sizeof eta);
		fprintf(stderr, "\r\033[Ksnapshot: %zu/%zu tables, %s rows%s, %s rows/s, ETA %s\r", finished,
		        snap->ntables, human(rows, a, sizeof a), pct,
		        human(secs > 0 ? rows / secs : 0, b, sizeof b), eta);
		snap->tty_line = true;
		snap->last_tty_ms = now;
	}
}

void rc_snap_finish(rc_snapshot_t *base, rc_snapshot_report_t *report)
{
	rc_snap_t *snap = (rc_snap_t *)base;
	double secs = (double)(rc_clock_ms() - snap->started_ms) / 1000;
	uint64_t bytes = 0;

	clear_tty_line(snap);
	for (size_t i = 0; i < snap->ntables; i++)
		bytes += __atomic_load_n(&snap->tables[i].bytes_read, __ATOMIC_RELAXED);
	rc_log_info(
	    "snapshot",
	    "snapshot complete: %llu rows of %zu tables (%.1f MB) acknowledged in %.1f s (%.0f rows/s)",
	    (unsigned long long)snap->rows_emitted, snap->ntables, (double)bytes / 1e6, secs,
	    secs > 0 ? (double)snap->rows_emitted / secs : 0);
	if (!report)
		return;
	rc_snapshot_report_clear(report);
	report->tables = calloc(snap->ntables ? snap->ntables : 1, sizeof *report->tables);
	if (!report->tables)
		return;
	for (size_t i = 0; i < snap->ntables; i++) {
		rc_snap_table_t *st = &snap->tables[i];
		rc_snapshot_table_report_t *t = &report->tables[report->ntables++];
		t->name = strdup(st->full);
		t->rows = st->rows_emitted;
		t->bytes = st->bytes_read;
		t->seconds =
		    st->finished_ms > st->started_ms ? (double)(st->finished_ms - st->started_ms) / 1000 : 0;
		report->rows += t->rows;
		report->bytes += t->bytes;
	}
	report->seconds = secs;
	report->complete = true;
}

void rc_snap_progress_clear(rc_snap_t *snap)
{
	if (snap->tty)
		clear_tty_line(snap);
}

void rc_snap_collect(rc_buf_t *b, void *opaque)
{
	rc_snap_t *snap = opaque;
	char labels[600];

	rc_prom_single(b, "rowcast_snapshot_running", "gauge", "1 while a snapshot copies tables.",
	               snap->done ? 0 : 1);
	rc_prom_family(b, "rowcast_snapshot_rows_total", "counter",
	               "Rows the snapshot read, by table (rows done).");
	for (size_t i = 0; i < snap->ntables; i++) {
		rc_prom_labels(labels, sizeof labels, "table", snap->tables[i].full, NULL);
		rc_prom_sample(b, "rowcast_snapshot_rows_total", labels,
		               (double)__atomic_load_n(&snap->tables[i].rows_read, __ATOMIC_RELAXED));
	}
	rc_prom_family(b, "rowcast_snapshot_rows_estimated", "gauge",
	               "The database's estimate of each table's rows (PostgreSQL reltuples, MySQL "
	               "TABLE_ROWS; -1 when unknown).");
	for (size_t i = 0; i < snap->ntables; i++) {
		rc_prom_labels(labels, sizeof labels, "table", snap->tables[i].full, NULL);
		rc_prom_sample(b, "rowcast_snapshot_rows_estimated", labels,
		               snap->tables[i].estimate < 0 ? -1 : snap->tables[i].estimate);
	}
}
