/*
 * The snapshot's coordinator and pipeline side: the work list, the readers' start and stop, the
 * hand-off queue's consuming end (batches into op=r events), progress. The readers are in
 * snap_reader.c; pg_snapshot.h describes the threads.
 */
#include "config.h"

#include "agent/errors.h"
#include "agent/filter.h"
#include "agent/log.h"
#include "decoders/postgres/pg_lsn.h"
#include "snapshot/postgres/snap_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_LOG_MS 5000
#define PROGRESS_TTY_MS 500

int64_t rc_snap_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void rc_snap_wake(rc_pg_snapshot_t *snap)
{
	char byte = 1;
	/* A full pipe already wakes the reader of it: EAGAIN is fine. */
	if (write(snap->wake[1], &byte, 1) < 0 && errno != EAGAIN)
		rc_log_debug("snapshot", "wake pipe: %s", strerror(errno));
}

void rc_snap_fail(rc_pg_snapshot_t *snap, int rc, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&snap->lock);
	if (!snap->failed && !snap->stop) {
		snap->failed = rc;
		va_start(ap, fmt);
		vsnprintf(snap->failure, sizeof snap->failure, fmt, ap);
		va_end(ap);
	}
	snap->stop = true;
	pthread_cond_broadcast(&snap->cond);
	pthread_mutex_unlock(&snap->lock);
	rc_snap_wake(snap);
}

void rc_pg_snapshot_report_clear(rc_pg_snapshot_report_t *r)
{
	for (size_t i = 0; i < r->ntables; i++)
		free(r->tables[i].name);
	free(r->tables);
	memset(r, 0, sizeof *r);
}

static void free_tables(rc_pg_snapshot_t *snap)
{
	for (size_t i = 0; i < snap->ntables; i++) {
		free(snap->tables[i].schema);
		free(snap->tables[i].name);
		free(snap->tables[i].full);
	}
	free(snap->tables);
	snap->tables = NULL;
	snap->ntables = 0;
}

rc_pg_snapshot_t *rc_pg_snapshot_new(const rc_conf_t *conf, char *err, size_t errlen)
{
	rc_pg_snapshot_t *snap = calloc(1, sizeof *snap);

	if (!snap) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snap->conf = conf;
	snap->nreaders = (int)rc_conf_get_int(conf, "snapshot.max.threads", 1);
	snap->batch_rows = (size_t)rc_conf_get_int(conf, "snapshot.fetch.size", 1000);
	if (snap->nreaders < 1)
		snap->nreaders = 1;
	if (snap->batch_rows < 1)
		snap->batch_rows = 1;
	snap->wake[0] = snap->wake[1] = -1;
	pthread_mutex_init(&snap->lock, NULL);
	pthread_cond_init(&snap->cond, NULL);
	if (pipe2(snap->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(err, errlen, "cannot make a pipe: %s", strerror(errno));
		rc_pg_snapshot_free(snap);
		return NULL;
	}
	snap->tty = isatty(STDERR_FILENO) && !rc_conf_is(conf, "log.format", "json");
	return snap;
}

/* Sets up readers[n] with their batch pools. Returns 0, or -1 when out of memory. */
static int make_readers(rc_pg_snapshot_t *snap, int n)
{
	snap->readers = calloc((size_t)(n ? n : 1), sizeof *snap->readers);
	if (!snap->readers)
		return -1;
	snap->nreaders = n;
	for (int i = 0; i < n; i++) {
		snap_reader_t *r = &snap->readers[i];
		r->snap = snap;
		r->idx = i + 1;
		for (int k = 0; k < BATCHES_PER_READER; k++) {
			snap_batch_t *b = &r->pool[k];
			b->owner = r;
			b->cap = snap->batch_rows;
			rc_arena_init(&b->arena, 256 * 1024);
			b->rows = malloc(b->cap * sizeof *b->rows);
			if (!b->rows)
				return -1;
			b->next = r->free;
			r->free = b;
		}
	}
	return 0;
}

/* The tables, with their size for the order and their row estimate for progress. A partitioned table
 * has no storage of its own: its leaves are summed. */
static const char plan_query[] =
    "SELECT c.oid, n.nspname, c.relname, c.relkind, "
    "  CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(pg_relation_size(t.relid)), 0)::bigint "
    "    FROM pg_partition_tree(c.oid) t WHERE t.isleaf) ELSE pg_relation_size(c.oid) END AS size, "
    "  CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(pc.reltuples) FILTER (WHERE pc.reltuples >= 0), "
    "-1) "
    "    FROM pg_partition_tree(c.oid) t JOIN pg_class pc ON pc.oid = t.relid WHERE t.isleaf) "
    "    ELSE c.reltuples END AS estimate "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
    "ORDER BY 5 DESC, 2, 3";

/* Finds names[i] among the rows of res: "schema.table" first, then a table name alone. Returns the
 * row, -1 when none, -2 when a bare name is in several schemas. */
static int find_name(PGresult *res, const char *name)
{
	int found = -1;

	for (int i = 0; i < PQntuples(res); i++) {
		const char *nsp = PQgetvalue(res, i, 1), *rel = PQgetvalue(res, i, 2);
		size_t nlen = strlen(nsp);
		if (strncmp(name, nsp, nlen) == 0 && name[nlen] == '.' && strcmp(name + nlen + 1, rel) == 0)
			return i;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		if (strcmp(PQgetvalue(res, i, 2), name) != 0)
			continue;
		if (found >= 0)
			return -2;
		found = i;
	}
	return found;
}

static int add_table(rc_pg_snapshot_t *snap, PGresult *res, int row)
{
	snap_table_t *st = &snap->tables[snap->ntables];

	memset(st, 0, sizeof *st);
	st->relid = (uint32_t)strtoul(PQgetvalue(res, row, 0), NULL, 10);
	st->schema = strdup(PQgetvalue(res, row, 1));
	st->name = strdup(PQgetvalue(res, row, 2));
	st->relkind = PQgetvalue(res, row, 3)[0];
	st->pages = strtoll(PQgetvalue(res, row, 4), NULL, 10) / 8192;
	st->estimate = strtod(PQgetvalue(res, row, 5), NULL);
	if (!st->schema || !st->name || asprintf(&st->full, "%s.%s", st->schema, st->name) < 0) {
		st->full = NULL;
		snap->ntables++; /* freed with the others */
		return -1;
	}
	snap->ntables++;
	return 0;
}

int rc_pg_snapshot_plan(rc_pg_snapshot_t *snap, PGconn *sql, const char *const *names, int nnames, char *err,
                        size_t errlen)
{
	PGresult *res = PQexec(sql, plan_query);
	rc_filter_t filter;
	bool *taken = NULL;
	int rc = RC_ERR_FATAL;

	free_tables(snap);
	if (rc_filter_init(&filter, snap->conf, err, errlen) != 0) {
		PQclear(res);
		return RC_ERR_FATAL;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "cannot list the tables to snapshot: %s", PQresultErrorMessage(res));
		rc = PQstatus(sql) == CONNECTION_OK ? RC_ERR_FATAL : RC_ERR_RETRY;
		goto out;
	}
	snap->tables = calloc((size_t)PQntuples(res) + 1, sizeof *snap->tables);
	taken = calloc((size_t)PQntuples(res) + 1, sizeof *taken);
	if (!snap->tables || !taken)
		goto oom;
	for (int i = 0; i < nnames; i++) {
		int row = find_name(res, names[i]);
		if (row == -1) {
			snprintf(err, errlen,
			         "unknown table '%s': no ordinary or partitioned table of that name",
			         names[i]);
			goto out;
		}
		if (row == -2) {
			snprintf(err, errlen,
			         "table name '%s' is in several schemas: name it as schema.table", names[i]);
			goto out;
		}
		if (!rc_filter_table(&filter, PQgetvalue(res, row, 1), PQgetvalue(res, row, 2))) {
			snprintf(err, errlen,
			         "table '%s' is not captured: the table/schema include and exclude lists "
			         "leave it out",
			         names[i]);
			goto out;
		}
		taken[row] = true;
	}
	/* In the query's order (largest first), whether named or included. */
	for (int i = 0; i < PQntuples(res); i++) {
		if (nnames ? !taken[i]
		           : !rc_filter_table(&filter, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2)))
			continue;
		if (add_table(snap, res, i) != 0)
			goto oom;
	}
	rc = RC_OK;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
	rc = RC_ERR_FATAL;
out:
	if (rc != RC_OK)
		free_tables(snap);
	free(taken);
	rc_filter_free(&filter);
	PQclear(res);
	return rc;
}

size_t rc_pg_snapshot_ntables(const rc_pg_snapshot_t *snap)
{
	return snap->ntables;
}

/* Runs a command that returns nothing; on failure fills err and classifies it. */
static int exec_cmd(PGconn *sql, const char *command, char *err, size_t errlen)
{
	PGresult *res = PQexec(sql, command);
	int rc = RC_OK;

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "%s: %s", command, PQresultErrorMessage(res));
		while (*err && err[strlen(err) - 1] == '\n')
			err[strlen(err) - 1] = '\0';
		rc = RC_ERR_RETRY; /* an expired snapshot or a lost connection: a new snapshot may do */
	}
	PQclear(res);
	return rc;
}

int rc_pg_snapshot_import(PGconn *sql, const char *name, char *err, size_t errlen)
{
	char *lit = PQescapeLiteral(sql, name, strlen(name)), *cmd = NULL;
	int rc;

	if (!lit || asprintf(&cmd, "SET TRANSACTION SNAPSHOT %s", lit) < 0) {
		PQfreemem(lit);
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	rc = exec_cmd(sql, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", err, errlen);
	if (rc == RC_OK)
		rc = exec_cmd(sql, cmd, err, errlen);
	/* A role's timeouts must not cut a long COPY, nor the wait while Kafka is slow. */
	if (rc == RC_OK)
		rc = exec_cmd(sql, "SET LOCAL statement_timeout = 0", err, errlen);
	if (rc == RC_OK)
		rc = exec_cmd(sql, "SET LOCAL idle_in_transaction_session_timeout = 0", err, errlen);
	PQfreemem(lit);
	free(cmd);
	return rc;
}

int rc_pg_snapshot_export(PGconn *sql, char *name, size_t namelen, uint64_t *lsn, char *err, size_t errlen)
{
	PGresult *res;
	int rc = exec_cmd(sql, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", err, errlen);

	if (rc != RC_OK)
		return rc;
	res = PQexec(sql, "SELECT pg_export_snapshot(), pg_current_wal_lsn()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    strlen(PQgetvalue(res, 0, 0)) >= namelen || rc_lsn_parse(PQgetvalue(res, 0, 1), lsn) != 0) {
		snprintf(err, errlen, "cannot export a snapshot: %s", PQresultErrorMessage(res));
		rc = PQstatus(sql) == CONNECTION_OK ? RC_ERR_FATAL : RC_ERR_RETRY;
	} else {
		snprintf(name, namelen, "%s", PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return rc;
}

int rc_pg_snapshot_start(rc_pg_snapshot_t *snap, const char *name, uint64_t position, uint64_t final_position,
                         char *err, size_t errlen)
{
	struct timespec ts;
	int n = snap->nreaders < (int)snap->ntables ? snap->nreaders : (int)snap->ntables, rc = RC_OK;

	snprintf(snap->name, sizeof snap->name, "%s", name);
	snap->position = position;
	snap->final_position = final_position;
	clock_gettime(CLOCK_REALTIME, &ts);
	snap->ts_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	snap->started_ms = snap->last_log_ms = rc_snap_mono_ms();
	if (make_readers(snap, n) != 0) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	for (int i = 0; i < n; i++) {
		snap_reader_t *r = &snap->readers[i];
		int e = pthread_create(&r->thread, NULL, rc_snap_reader_main, r);
		if (e != 0) {
			rc_snap_fail(snap, RC_ERR_FATAL, "cannot start a snapshot reader thread: %s",
			             strerror(e));
			break;
		}
		r->running = true;
	}
	/* The exporter may move on only once every reader holds the snapshot. */
	pthread_mutex_lock(&snap->lock);
	while (!snap->failed && snap->imported + snap->finished < n)
		pthread_cond_wait(&snap->cond, &snap->lock);
	if (snap->failed) {
		snprintf(err, errlen, "%s", snap->failure);
		rc = snap->failed;
	}
	pthread_mutex_unlock(&snap->lock);
	if (rc == RC_OK)
		rc_log_info("snapshot", "snapshot %s: %zu tables, %d readers", name, snap->ntables, n);
	return rc;
}

int rc_pg_snapshot_fd(const rc_pg_snapshot_t *snap)
{
	return snap->wake[0];
}

/* Gives an emptied batch back to its reader. */
static void recycle(rc_pg_snapshot_t *snap, snap_batch_t *b)
{
	rc_table_release(b->table);
	b->table = NULL;
	pthread_mutex_lock(&snap->lock);
	b->next = b->owner->free;
	b->owner->free = b;
	pthread_cond_broadcast(&snap->cond);
	pthread_mutex_unlock(&snap->lock);
}

static int emit_row(rc_pg_snapshot_t *snap, const rc_source_handler_t *h, rc_ack_txn_t *txn, snap_batch_t *b,
                    size_t i, const char *marker, char *err, size_t errlen)
{
	rc_event_t ev = {.op = RC_OP_READ, .table = b->table, .after = b->rows[i]};
	int rc;

	ev.source.connector = "postgresql";
	ev.source.db = rc_conf_get(snap->conf, "database.dbname");
	ev.source.ts_us = snap->ts_us;
	ev.source.snapshot = marker ? marker : snap->first_emitted ? "true" : "first";
	ev.source.txid = -1; /* a read-only snapshot has no transaction id */
	ev.source.lsn = snap->position;
	ev.source.thread = -1;
	rc = h->event(h->opaque, txn, &ev, err, errlen);
	if (rc == RC_OK) {
		snap->first_emitted = true;
		snap->rows_emitted++;
		b->st->rows_emitted++;
	}
	return rc;
}

/* Emits the held row (not the snapshot's last after all, unless marker says so) and closes its
 * batch's transaction at position. */
static int release_held(rc_pg_snapshot_t *snap, const rc_source_handler_t *h, const char *marker,
                        uint64_t position, char *err, size_t errlen)
{
	snap_batch_t *b = snap->held;
	int rc = emit_row(snap, h, snap->held_txn, b, b->nrows - 1, marker, err, errlen);

	if (rc != RC_OK)
		return rc;
	h->commit(h->opaque, snap->held_txn, position);
	snap->held = NULL;
	snap->held_txn = NULL;
	recycle(snap, b);
	return RC_OK;
}

int rc_pg_snapshot_emit(rc_pg_snapshot_t *snap, const rc_source_handler_t *h, int budget, bool *done,
                        char *err, size_t errlen)
{
	char drain[256];
	int n = 0, rc;

	*done = snap->done;
	if (snap->done)
		return 0;
	while (read(snap->wake[0], drain, sizeof drain) > 0)
		;
	while (n < budget) {
		snap_batch_t *b = snap->cur;

		if (!b) {
			bool finished;

			pthread_mutex_lock(&snap->lock);
			if (snap->failed) {
				snprintf(err, errlen, "%s", snap->failure);
				rc = snap->failed;
				pthread_mutex_unlock(&snap->lock);
				return rc;
			}
			b = snap->qhead;
			if (b) {
				snap->qhead = b->next;
				if (!snap->qhead)
					snap->qtail = NULL;
			}
			finished = !b && snap->finished == snap->nreaders;
			pthread_mutex_unlock(&snap->lock);
			if (finished) {
				/* Every row is out: the held one is the last; its transaction (or an empty
				 * one) carries the final position. */
				if (snap->held) {
					rc = release_held(snap, h, "last", snap->final_position, err, errlen);
					if (rc != RC_OK)
						return rc;
					n++;
				} else {
					rc_ack_txn_t *txn = h->begin(h->opaque);
					if (!txn) {
						snprintf(err, errlen, "out of memory");
						return RC_ERR_FATAL;
					}
					h->commit(h->opaque, txn, snap->final_position);
				}
				snap->done = *done = true;
				return n;
			}
			if (!b)
				break; /* the readers are still at it */
			if (b->nrows == 0) {
				recycle(snap, b);
				continue;
			}
			if (snap->held) {
				rc = release_held(snap, h, NULL, 0, err, errlen);
				if (rc != RC_OK) {
					recycle(snap, b);
					return rc;
				}
				n++;
			}
			snap->cur = b;
			snap->cur_row = 0;
			snap->cur_txn = h->begin(h->opaque);
			if (!snap->cur_txn) {
				snprintf(err, errlen, "out of memory");
				return RC_ERR_FATAL;
			}
		}
		while (n < budget && snap->cur_row + 1 < b->nrows) {
			rc = emit_row(snap, h, snap->cur_txn, b, snap->cur_row, NULL, err, errlen);
			if (rc != RC_OK)
				return rc;
			snap->cur_row++;
			n++;
		}
		if (snap->cur_row + 1 == b->nrows) {
			snap->held = b;
			snap->held_txn = snap->cur_txn;
			snap->cur = NULL;
			snap->cur_txn = NULL;
		}
	}
	return n;
}

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
static void clear_tty_line(rc_pg_snapshot_t *snap)
{
	if (snap->tty_line)
		fputs("\r\033[K", stderr);
	snap->tty_line = false;
}

static void log_table_progress(snap_table_t *st, int64_t now)
{
	uint64_t rows = __atomic_load_n(&st->rows_read, __ATOMIC_RELAXED);
	int64_t since =
	    st->last_log_ms ? st->last_log_ms : __atomic_load_n(&st->started_ms, __ATOMIC_RELAXED);
	double rate = now > since ? (double)(rows - st->last_log_rows) * 1000 / (double)(now - since) : 0;
	char a[32], b[32], c[32], eta[32];

	if (st->estimate > 0) {
		eta_text(st->estimate - (double)rows, rate, eta, sizeof eta);
		rc_log_info("snapshot", "copying %s: %s rows (%.0f%% of ~%s), %s rows/s, ETA %s", st->full,
		            human((double)rows, a, sizeof a), 100.0 * (double)rows / st->estimate,
		            human(st->estimate, b, sizeof b), human(rate, c, sizeof c), eta);
	} else {
		rc_log_info("snapshot", "copying %s: %s rows (no estimate: table never analyzed), %s rows/s",
		            st->full, human((double)rows, a, sizeof a), human(rate, b, sizeof b));
	}
	st->last_log_ms = now;
	st->last_log_rows = rows;
}

void rc_pg_snapshot_progress(rc_pg_snapshot_t *snap)
{
	int64_t now = rc_snap_mono_ms();

	if (snap->done || !snap->started_ms)
		return;
	if (now - snap->last_log_ms >= PROGRESS_LOG_MS) {
		snap->last_log_ms = now;
		clear_tty_line(snap);
		for (size_t i = 0; i < snap->ntables; i++) {
			snap_table_t *st = &snap->tables[i];
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
			snap_table_t *st = &snap->tables[i];
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

void rc_pg_snapshot_finish(rc_pg_snapshot_t *snap, rc_pg_snapshot_report_t *report)
{
	double secs = (double)(rc_snap_mono_ms() - snap->started_ms) / 1000;
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
	report->tables = calloc(snap->ntables ? snap->ntables : 1, sizeof *report->tables);
	if (!report->tables)
		return;
	for (size_t i = 0; i < snap->ntables; i++) {
		snap_table_t *st = &snap->tables[i];
		rc_pg_snapshot_table_report_t *t = &report->tables[report->ntables++];
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

void rc_pg_snapshot_free(rc_pg_snapshot_t *snap)
{
	if (!snap)
		return;
	pthread_mutex_lock(&snap->lock);
	snap->stop = true;
	pthread_cond_broadcast(&snap->cond);
	for (int i = 0; snap->readers && i < snap->nreaders; i++) {
		char why[256];
		/* A reader blocked in a query (a COPY waiting for a lock) is interrupted. */
		if (snap->readers[i].cancel && !snap->done)
			PQcancel(snap->readers[i].cancel, why, sizeof why);
	}
	pthread_mutex_unlock(&snap->lock);
	for (int i = 0; snap->readers && i < snap->nreaders; i++)
		if (snap->readers[i].running)
			pthread_join(snap->readers[i].thread, NULL);
	if (snap->tty)
		clear_tty_line(snap);
	for (int i = 0; snap->readers && i < snap->nreaders; i++) {
		for (int k = 0; k < BATCHES_PER_READER; k++) {
			snap_batch_t *b = &snap->readers[i].pool[k];
			rc_table_release(b->table);
			free(b->rows);
			rc_arena_destroy(&b->arena);
		}
	}
	free(snap->readers);
	free_tables(snap);
	if (snap->wake[0] >= 0)
		close(snap->wake[0]);
	if (snap->wake[1] >= 0)
		close(snap->wake[1]);
	pthread_mutex_destroy(&snap->lock);
	pthread_cond_destroy(&snap->cond);
	free(snap);
}
