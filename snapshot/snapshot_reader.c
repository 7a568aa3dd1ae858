/*
 * A snapshot reader thread: the database's reader opened inside the point, tables taken from the
 * shared work list, rows handed to the loop's thread in batches (snapshot.h describes the hand-off).
 */
#include "config.h"

#include "agent/clock.h"
#include "agent/errors.h"
#include "agent/log.h"
#include "snapshot/snapshot_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Waits for a free batch of this reader. NULL when the snapshot stops. */
static snap_batch_t *get_batch(rc_snap_out_t *out, rc_table_t *table)
{
	rc_snap_t *snap = out->snap;
	snap_batch_t *b;

	pthread_mutex_lock(&snap->lock);
	while (!out->free && !snap->stop)
		pthread_cond_wait(&snap->cond, &snap->lock);
	b = snap->stop ? NULL : out->free;
	if (b)
		out->free = b->next;
	pthread_mutex_unlock(&snap->lock);
	if (!b)
		return NULL;
	rc_arena_reset(&b->arena);
	rc_chunk_key_clear(&b->chunk_key);
	b->next = NULL;
	b->nrows = 0;
	b->st = out->st;
	b->table = rc_table_retain(table);
	b->table_first = !out->table_started;
	b->table_last = false;
	out->table_started = true;
	return b;
}

static void push_batch(rc_snap_out_t *out)
{
	rc_snap_t *snap = out->snap;
	snap_batch_t *b = out->cur;

	out->cur = NULL;
	pthread_mutex_lock(&snap->lock);
	if (snap->qtail)
		snap->qtail->next = b;
	else
		snap->qhead = b;
	snap->qtail = b;
	pthread_mutex_unlock(&snap->lock);
	rc_snap_wake(snap);
}

/* Gives an unfinished batch back (the snapshot stops or the table failed). */
static void drop_batch(rc_snap_out_t *out)
{
	snap_batch_t *b = out->cur;

	if (!b)
		return;
	out->cur = NULL;
	rc_table_release(b->table);
	b->table = NULL;
	pthread_mutex_lock(&out->snap->lock);
	b->next = out->free;
	out->free = b;
	pthread_mutex_unlock(&out->snap->lock);
}

/* The incremental engine's out: one batch that grows (a chunk is at most its limit of rows). */
static rc_value_t *collect_row(rc_snap_out_t *out, rc_table_t *table, rc_arena_t **arena, bool *oom)
{
	snap_batch_t *b = out->collect;
	rc_value_t *vals;

	if (!b->table)
		b->table = rc_table_retain(table);
	if (b->table != table) { /* the table changed under the reader: its schema no longer fits */
		*oom = true;
		return NULL;
	}
	if (b->nrows == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		rc_value_t **rows = realloc(b->rows, cap * sizeof *rows);
		if (!rows) {
			*oom = true;
			return NULL;
		}
		b->rows = rows;
		b->cap = cap;
	}
	vals = rc_arena_calloc(&b->arena, table->ncols ? table->ncols : 1, sizeof *vals);
	if (!vals) {
		*oom = true;
		return NULL;
	}
	*arena = &b->arena;
	b->rows[b->nrows] = vals;
	return vals;
}

rc_value_t *rc_snap_out_row(rc_snap_out_t *out, rc_table_t *table, rc_arena_t **arena, bool *oom)
{
	snap_batch_t *b = out->cur;
	rc_value_t *vals;

	*oom = false;
	if (out->collect)
		return collect_row(out, table, arena, oom);
	/* A full batch goes now that a row follows it; a schema change under the reader starts a new
	 * batch too (a batch per schema). */
	if (b && (b->table != table || b->nrows == b->cap || b->arena.allocated >= BATCH_BYTES ||
	          out->chunk_ended))
		push_batch(out);
	out->chunk_ended = false;
	if (!out->cur && !(out->cur = get_batch(out, table)))
		return NULL;
	b = out->cur;
	vals = rc_arena_calloc(&b->arena, table->ncols ? table->ncols : 1, sizeof *vals);
	if (!vals) {
		*oom = true;
		return NULL;
	}
	*arena = &b->arena;
	b->rows[b->nrows] = vals;
	return vals;
}

void rc_snap_out_row_done(rc_snap_out_t *out, size_t bytes)
{
	snap_batch_t *b = out->collect ? out->collect : out->cur;
	rc_snap_table_t *st = out->st;

	b->nrows++;
	if (!st)
		return;
	__atomic_store_n(&st->rows_read, st->rows_read + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&st->bytes_read, st->bytes_read + bytes, __ATOMIC_RELAXED);
}

static bool stopping(rc_snap_t *snap)
{
	bool stop;

	pthread_mutex_lock(&snap->lock);
	stop = snap->stop;
	pthread_mutex_unlock(&snap->lock);
	return stop;
}

/*
 * Reads t in key-ordered chunks of snap->chunk_rows inside the point (issue 13): the batch holding a
 * chunk's last row carries the chunk's key, and its acknowledgement moves the table's recorded key,
 * so that a crash resumes after the last chunk Kafka has whole (capture.c, incremental.c). A table
 * without a key: PostgreSQL reads ctid ranges; MySQL/MariaDB says so, and the table is read whole (a
 * crash re-reads it from its start).
 */
static int read_chunks(rc_snap_out_t *out, void *db, rc_snap_table_t *st, char *err, size_t errlen)
{
	rc_snap_t *snap = out->snap;
	rc_chunk_key_t after = {0}, last = {0};
	size_t n = 0;
	int rc;

	for (;;) {
		rc =
		    snap->db->read_chunk(db, st, &after, NULL, snap->chunk_rows, out, &last, &n, err, errlen);
		if (rc == RC_ERR_FATAL && after.n == 0 && strstr(err, "has no primary key")) {
			rc_log_kv(RC_LOG_INFO, "snapshot", &(rc_log_fields_t){.table = st->full},
			          "%s has no key: read whole (a crash re-reads it from its start)", st->full);
			err[0] = '\0';
			rc = snap->db->read_table(db, st, out, err, errlen);
			break;
		}
		if (rc != RC_OK || last.n == 0 || stopping(snap))
			break;
		if (out->cur && rc_chunk_key_copy(&out->cur->chunk_key, &last) != 0) {
			snprintf(err, errlen, "out of memory");
			rc = RC_ERR_FATAL;
			break;
		}
		out->chunk_ended = out->cur != NULL;
		if (n < snap->chunk_rows)
			break; /* a short chunk is the table's last */
		rc_chunk_key_clear(&after);
		after = last;
		last = (rc_chunk_key_t){0};
	}
	rc_chunk_key_clear(&after);
	rc_chunk_key_clear(&last);
	return rc;
}

/* Reads one table. Returns RC_OK (also when the snapshot was told to stop), or an RC_ERR_* class. */
static int read_table(rc_snap_out_t *out, void *db, rc_snap_table_t *st, char *err, size_t errlen)
{
	rc_snap_t *snap = out->snap;
	int64_t t0 = rc_clock_ms(), ms;
	int rc;

	out->st = st;
	out->table_started = false;
	out->chunk_ended = false;
	__atomic_store_n(&st->started_ms, t0, __ATOMIC_RELAXED);
	rc = snap->db->read_chunk && snap->chunk_rows ? read_chunks(out, db, st, err, errlen)
	                                              : snap->db->read_table(db, st, out, err, errlen);
	if (rc != RC_OK) {
		drop_batch(out);
		return rc;
	}
	if (out->cur && out->cur->nrows) {
		out->cur->table_last = true; /* the batch holding the table's last row */
		push_batch(out);
	} else {
		drop_batch(out);
	}
	ms = rc_clock_ms();
	__atomic_store_n(&st->finished_ms, ms > t0 ? ms : t0 + 1, __ATOMIC_RELAXED);
	ms -= t0;
	rc_log_kv(RC_LOG_INFO, "snapshot", &(rc_log_fields_t){.table = st->full},
	          "read %s: %llu rows, %.1f MB in %.1f s (%.0f rows/s)", st->full,
	          (unsigned long long)st->rows_read, (double)st->bytes_read / 1e6, (double)ms / 1000,
	          ms > 0 ? (double)st->rows_read * 1000 / (double)ms : (double)st->rows_read);
	return RC_OK;
}

void *rc_snap_reader_main(void *arg)
{
	rc_snap_out_t *out = arg;
	rc_snap_t *snap = out->snap;
	char err[RC_ERRSTR_LEN] = "";
	void *db = NULL;
	bool stopped;
	int rc;

	rc = snap->db->open(snap->conf, &snap->pt, &db, err, sizeof err);
	pthread_mutex_lock(&snap->lock);
	out->db = db;
	if (rc == RC_OK)
		snap->opened++;
	pthread_cond_broadcast(&snap->cond);
	pthread_mutex_unlock(&snap->lock);
	for (;;) {
		size_t next;

		if (rc != RC_OK)
			break;
		pthread_mutex_lock(&snap->lock);
		next = snap->stop ? snap->ntables : snap->next_table++;
		pthread_mutex_unlock(&snap->lock);
		if (next >= snap->ntables)
			break;
		rc = read_table(out, db, &snap->tables[next], err, sizeof err);
	}
	if (rc != RC_OK)
		rc_snap_fail(snap, rc, "snapshot reader %d: %s", out->idx, err);
	pthread_mutex_lock(&snap->lock);
	stopped = snap->stop;
	out->db = NULL;
	snap->finished++;
	pthread_cond_broadcast(&snap->cond);
	pthread_mutex_unlock(&snap->lock);
	rc_snap_wake(snap);
	if (db) /* a stop may leave a read unfinished: just close */
		snap->db->close(db, rc == RC_OK && !stopped);
	return NULL;
}
