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
	b->table_first = false;
	b->table_last = false;
	b->chunk_seq = b->chunk_rows = 0;
	return b;
}

/* Queues the reader's batch for the loop (snap->lock held). The first batch of a table in the
 * queue is its first, whichever reader filled it. */
static void enqueue_locked(rc_snap_out_t *out)
{
	rc_snap_t *snap = out->snap;
	snap_batch_t *b = out->cur;
	snap_share_t *sh = &snap->shares[b->st - snap->tables];

	out->cur = NULL;
	b->table_first = !sh->first_pushed;
	sh->first_pushed = true;
	if (snap->qtail)
		snap->qtail->next = b;
	else
		snap->qhead = b;
	snap->qtail = b;
}

static void push_batch(rc_snap_out_t *out)
{
	rc_snap_t *snap = out->snap;

	pthread_mutex_lock(&snap->lock);
	enqueue_locked(out);
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
	out->chunk_rows_read++;
	if (!st)
		return;
	/* Readers sharing the table add at once. */
	__atomic_fetch_add(&st->rows_read, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&st->bytes_read, bytes, __ATOMIC_RELAXED);
}

static bool stopping(rc_snap_t *snap)
{
	bool stop;

	pthread_mutex_lock(&snap->lock);
	stop = snap->stop;
	pthread_mutex_unlock(&snap->lock);
	return stop;
}

/* Numbers the chunk whose last row the reader's batch now holds, with its key (copied); the next
 * row starts a new batch. Returns 0, or -1 when out of memory. */
static int end_chunk(rc_snap_out_t *out, const rc_chunk_key_t *last, uint64_t seq)
{
	if (!out->cur)
		return 0;
	if (rc_chunk_key_copy(&out->cur->chunk_key, last) != 0)
		return -1;
	out->cur->chunk_seq = seq;
	out->cur->chunk_rows = out->chunk_rows_read;
	out->chunk_rows_read = 0;
	out->chunk_ended = true;
	return 0;
}

static uint64_t next_seq(rc_snap_t *snap, snap_share_t *sh)
{
	uint64_t seq;

	pthread_mutex_lock(&snap->lock);
	seq = sh->next_seq++;
	pthread_mutex_unlock(&snap->lock);
	return seq;
}

/* After a full chunk ending at last, the owner answers a reader that asked to join: it shares the
 * table when a chunk's worth of rows is still ahead (so that every chunk handed out has rows), and
 * otherwise closes it to joining. *shared: the table is shared now. */
static int answer_join(rc_snap_out_t *out, void *db, rc_snap_table_t *st, snap_share_t *sh,
                       const rc_chunk_key_t *last, bool *shared, char *err, size_t errlen)
{
	rc_snap_t *snap = out->snap;
	rc_chunk_key_t bound = {0};
	bool wanted, more = false;
	int rc = RC_OK;

	*shared = false;
	pthread_mutex_lock(&snap->lock);
	wanted = sh->join_wanted && !sh->closed;
	pthread_mutex_unlock(&snap->lock);
	if (!wanted)
		return RC_OK;
	rc = snap->db->chunk_bound(db, st, last, snap->chunk_rows, &bound, &more, err, errlen);
	if (rc == RC_END)
		rc = RC_OK; /* no bounds (keyless): one reader */
	pthread_mutex_lock(&snap->lock);
	if (rc == RC_OK && bound.n > 0 && rc_chunk_key_copy(&sh->next_after, last) == 0)
		sh->shared = *shared = true;
	else
		sh->closed = true;
	sh->join_wanted = false;
	pthread_cond_broadcast(&snap->cond);
	pthread_mutex_unlock(&snap->lock);
	if (*shared)
		rc_log_kv(RC_LOG_INFO, "snapshot", &(rc_log_fields_t){.table = st->full},
		          "%s: readers share its chunks from here", st->full);
	rc_chunk_key_clear(&bound);
	return rc;
}

/*
 * Reads t in key-ordered chunks of snap->chunk_rows inside the point (issue 13): the batch holding a
 * chunk's last row carries the chunk's key, and its acknowledgement moves the table's recorded key,
 * so that a crash resumes after the last chunk Kafka has whole (capture.c, incremental.c). A table
 * without a key: PostgreSQL reads ctid ranges; MySQL/MariaDB says so, and the table is read whole (a
 * crash re-reads it from its start). *shared: the owner shared the table with a reader that asked
 * (snapshot_internal.h), the rest is read by read_shared.
 */
static int read_chunks(rc_snap_out_t *out, void *db, rc_snap_table_t *st, snap_share_t *sh, bool *shared,
                       char *err, size_t errlen)
{
	rc_snap_t *snap = out->snap;
	rc_chunk_key_t after = {0}, last = {0};
	size_t n = 0;
	int rc;

	*shared = false;
	for (;;) {
		rc =
		    snap->db->read_chunk(db, st, &after, NULL, snap->chunk_rows, out, &last, &n, err, errlen);
		if (rc == RC_ERR_FATAL && after.n == 0 && strstr(err, "has no primary key")) {
			rc_log_kv(RC_LOG_INFO, "snapshot", &(rc_log_fields_t){.table = st->full},
			          "%s has no key: read whole (a crash re-reads it from its start)", st->full);
			err[0] = '\0';
			pthread_mutex_lock(&snap->lock);
			sh->closed = true;
			pthread_cond_broadcast(&snap->cond);
			pthread_mutex_unlock(&snap->lock);
			rc = snap->db->read_table(db, st, out, err, errlen);
			break;
		}
		if (rc != RC_OK || last.n == 0 || stopping(snap))
			break;
		if (end_chunk(out, &last, next_seq(snap, sh)) != 0) {
			snprintf(err, errlen, "out of memory");
			rc = RC_ERR_FATAL;
			break;
		}
		if (n < snap->chunk_rows)
			break; /* a short chunk is the table's last */
		if (snap->db->chunk_bound &&
		    ((rc = answer_join(out, db, st, sh, &last, shared, err, errlen)) != RC_OK || *shared))
			break;
		rc_chunk_key_clear(&after);
		after = last;
		last = (rc_chunk_key_t){0};
	}
	rc_chunk_key_clear(&after);
	rc_chunk_key_clear(&last);
	return rc;
}

/* A shared table's chunks, taken one at a time until its last was handed out. *counted: the reader
 * is among sh->readers (the owner is from the start; a joiner from its first chunk). */
static int read_shared(rc_snap_out_t *out, void *db, rc_snap_table_t *st, snap_share_t *sh, bool *counted,
                       char *err, size_t errlen)
{
	rc_snap_t *snap = out->snap;
	rc_chunk_key_t after = {0}, bound = {0}, last = {0};
	int rc = RC_OK;

	for (;;) {
		bool more = false;
		uint64_t seq = 0;
		size_t n = 0;

		pthread_mutex_lock(&snap->lock);
		while (sh->bounding && !snap->stop)
			pthread_cond_wait(&snap->cond, &snap->lock);
		if (snap->stop || sh->handed_all) {
			pthread_mutex_unlock(&snap->lock);
			break;
		}
		sh->bounding = true;
		if (rc_chunk_key_copy(&after, &sh->next_after) != 0)
			rc = RC_ERR_FATAL;
		pthread_mutex_unlock(&snap->lock);
		if (rc == RC_OK)
			rc = snap->db->chunk_bound(db, st, &after, snap->chunk_rows, &bound, &more, err,
			                           errlen);
		else
			snprintf(err, errlen, "out of memory");
		pthread_mutex_lock(&snap->lock);
		sh->bounding = false;
		if (rc == RC_OK) {
			seq = sh->next_seq++;
			if (more) {
				if (rc_chunk_key_copy(&sh->next_after, &bound) != 0) {
					snprintf(err, errlen, "out of memory");
					rc = RC_ERR_FATAL;
				}
			} else {
				sh->handed_all =
				    true; /* (after, bound], or (after, end) when bound is empty */
			}
			if (!*counted) {
				sh->readers++;
				*counted = true;
			}
		}
		pthread_cond_broadcast(&snap->cond);
		pthread_mutex_unlock(&snap->lock);
		if (rc != RC_OK)
			break;
		rc = snap->db->read_chunk(db, st, &after, bound.n ? &bound : NULL, snap->chunk_rows, out,
		                          &last, &n, err, errlen);
		if (rc != RC_OK || stopping(snap))
			break;
		if (last.n && end_chunk(out, &last, seq) != 0) {
			snprintf(err, errlen, "out of memory");
			rc = RC_ERR_FATAL;
			break;
		}
	}
	rc_chunk_key_clear(&after);
	rc_chunk_key_clear(&bound);
	rc_chunk_key_clear(&last);
	return rc;
}

/* The reader is done with st: its last batch goes to the loop, marked as the table's last when
 * no other reader is on the table and nothing of it is left to hand out. */
static void leave_table(rc_snap_out_t *out, rc_snap_table_t *st, snap_share_t *sh, bool counted, bool ok)
{
	rc_snap_t *snap = out->snap;
	bool last = false;
	int64_t ms;

	pthread_mutex_lock(&snap->lock);
	if (counted)
		sh->readers--;
	if (ok && !sh->shared)
		sh->handed_all = true; /* its owner read it to its end */
	sh->closed = sh->closed || sh->handed_all;
	last = ok && sh->handed_all && sh->readers == 0;
	if (ok && out->cur && out->cur->nrows) {
		out->cur->table_last = last;
		enqueue_locked(out);
	}
	pthread_cond_broadcast(&snap->cond);
	pthread_mutex_unlock(&snap->lock);
	if (out->cur)
		drop_batch(out);
	else
		rc_snap_wake(snap);
	if (!last)
		return;
	ms = rc_clock_ms();
	__atomic_store_n(&st->finished_ms, ms > st->started_ms ? ms : st->started_ms + 1, __ATOMIC_RELAXED);
	ms -= st->started_ms;
	rc_log_kv(RC_LOG_INFO, "snapshot", &(rc_log_fields_t){.table = st->full},
	          "read %s: %llu rows, %.1f MB in %.1f s (%.0f rows/s)", st->full,
	          (unsigned long long)st->rows_read, (double)st->bytes_read / 1e6, (double)ms / 1000,
	          ms > 0 ? (double)st->rows_read * 1000 / (double)ms : (double)st->rows_read);
}

/* Reads one table as its owner. Returns RC_OK (also when the snapshot was told to stop), or an
 * RC_ERR_* class. */
static int read_table(rc_snap_out_t *out, void *db, rc_snap_table_t *st, char *err, size_t errlen)
{
	rc_snap_t *snap = out->snap;
	snap_share_t *sh = &snap->shares[st - snap->tables];
	bool shared = false, counted = true;
	int rc;

	out->st = st;
	out->chunk_ended = false;
	out->chunk_rows_read = 0;
	__atomic_store_n(&st->started_ms, rc_clock_ms(), __ATOMIC_RELAXED);
	pthread_mutex_lock(&snap->lock);
	sh->readers = 1;
	pthread_mutex_unlock(&snap->lock);
	if (snap->db->read_chunk && snap->chunk_rows) {
		rc = read_chunks(out, db, st, sh, &shared, err, errlen);
		if (rc == RC_OK && shared)
			rc = read_shared(out, db, st, sh, &counted, err, errlen);
	} else {
		pthread_mutex_lock(&snap->lock);
		sh->closed = true;
		pthread_mutex_unlock(&snap->lock);
		rc = snap->db->read_table(db, st, out, err, errlen);
	}
	leave_table(out, st, sh, counted, rc == RC_OK && !stopping(snap));
	return rc;
}

/* With no table left to start, joins one being read: asks its owner to share it and reads chunks
 * of it with the others. *joined: false when no table can be joined (the reader is done). */
static int join_table(rc_snap_out_t *out, void *db, bool *joined, char *err, size_t errlen)
{
	rc_snap_t *snap = out->snap;
	rc_snap_table_t *st = NULL;
	snap_share_t *sh = NULL;
	bool counted = false;
	int rc;

	*joined = false;
	pthread_mutex_lock(&snap->lock);
	for (;;) {
		st = NULL;
		for (size_t i = 0; !snap->stop && i < snap->ntables; i++) {
			sh = &snap->shares[i];
			if (sh->readers > 0 && !sh->closed && !sh->handed_all) {
				st = &snap->tables[i];
				break;
			}
		}
		if (!st || sh->shared)
			break;
		sh->join_wanted = true;
		while (!snap->stop && !sh->shared && !sh->closed && !sh->handed_all)
			pthread_cond_wait(&snap->cond, &snap->lock);
	}
	pthread_mutex_unlock(&snap->lock);
	if (!st)
		return RC_OK;
	*joined = true;
	out->st = st;
	out->chunk_ended = false;
	out->chunk_rows_read = 0;
	rc = read_shared(out, db, st, sh, &counted, err, errlen);
	leave_table(out, st, sh, counted, rc == RC_OK && !stopping(snap));
	return rc;
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
		bool joined;

		if (rc != RC_OK)
			break;
		pthread_mutex_lock(&snap->lock);
		next = snap->stop || snap->next_table >= snap->ntables ? snap->ntables : snap->next_table++;
		pthread_mutex_unlock(&snap->lock);
		if (next < snap->ntables) {
			rc = read_table(out, db, &snap->tables[next], err, sizeof err);
			continue;
		}
		if (!snap->shares || (rc = join_table(out, db, &joined, err, sizeof err)) != RC_OK || !joined)
			break;
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
