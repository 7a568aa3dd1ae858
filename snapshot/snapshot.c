/*
 * The snapshot coordinator (snapshot.h describes the threads and the hand-off): the work list, the
 * readers' start and stop, the consuming end of the hand-off (batches into op=r events). Progress
 * lines are in snapshot_progress.c; the database's part is behind rc_snapshot_reader_ops_t.
 */
#include "config.h"

#include "snapshot/snapshot_internal.h"

#include "agent/clock.h"
#include "agent/errors.h"
#include "agent/failpoint.h"
#include "agent/filter.h"
#include "agent/log.h"
#include "agent/metrics.h"
#include "agent/loop.h"
#include "agent/wakepipe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const rc_snapshot_ops_t coordinator_ops;

void rc_snap_wake(rc_snap_t *snap)
{
	rc_wakepipe_wake(snap->wake[1]);
}

void rc_snap_fail(rc_snap_t *snap, int rc, const char *fmt, ...)
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

static void free_table_list(rc_snap_table_t *tables, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(tables[i].schema);
		free(tables[i].name);
		free(tables[i].full);
	}
	free(tables);
}

int rc_snap_plan_add(rc_snap_plan_t *plan, const char *schema, const char *name, uint32_t source_id,
                     char kind, int64_t size, double estimate)
{
	rc_snap_table_t *st;

	if (plan->n == plan->cap) {
		size_t cap = plan->cap ? plan->cap * 2 : 64;
		rc_snap_table_t *t = realloc(plan->tables, cap * sizeof *t);
		if (!t)
			return -1;
		plan->tables = t;
		plan->cap = cap;
	}
	st = &plan->tables[plan->n++];
	memset(st, 0, sizeof *st);
	st->source_id = source_id;
	st->kind = kind;
	st->size = size;
	st->estimate = estimate;
	st->schema = strdup(schema);
	st->name = strdup(name);
	if (!st->schema || !st->name || asprintf(&st->full, "%s.%s", schema, name) < 0) {
		st->full = NULL;
		return -1; /* freed with the others */
	}
	return 0;
}

/* Finds name among the candidates: "schema.table" first, then a table name alone. Returns the
 * index, -1 when none, -2 when a bare name is in several schemas. */
static long find_name(const rc_snap_plan_t *plan, const char *name)
{
	long found = -1;

	for (size_t i = 0; i < plan->n; i++)
		if (strcmp(plan->tables[i].full, name) == 0)
			return (long)i;
	for (size_t i = 0; i < plan->n; i++) {
		if (strcmp(plan->tables[i].name, name) != 0)
			continue;
		if (found >= 0)
			return -2;
		found = (long)i;
	}
	return found;
}

/* Largest first; ties keep the database's order. */
static int by_size(const void *a, const void *b)
{
	const rc_snap_table_t *x = *(rc_snap_table_t *const *)a, *y = *(rc_snap_table_t *const *)b;

	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Moves the chosen candidates (taken[i]) into snap's work list, largest first. */
static int take_tables(rc_snap_t *snap, rc_snap_plan_t *plan, const bool *taken)
{
	rc_snap_table_t **order = calloc(plan->n + 1, sizeof *order);
	size_t n = 0;

	if (!order)
		return -1;
	for (size_t i = 0; i < plan->n; i++)
		if (taken[i])
			order[n++] = &plan->tables[i];
	qsort(order, n, sizeof *order, by_size);
	snap->tables = calloc(n + 1, sizeof *snap->tables);
	if (!snap->tables) {
		free(order);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		snap->tables[i] = *order[i];
		memset(order[i], 0, sizeof *order[i]); /* its strings moved */
	}
	snap->ntables = n;
	free(order);
	return 0;
}

static int co_plan(rc_snapshot_t *base, const rc_snapshot_point_t *pt, const char *const *names, int nnames,
                   char *err, size_t errlen)
{
	rc_snap_t *snap = (rc_snap_t *)base;
	rc_snap_plan_t plan = {0};
	rc_filter_t filter;
	bool *taken = NULL;
	int rc;

	free_table_list(snap->tables, snap->ntables);
	snap->tables = NULL;
	snap->ntables = 0;
	if (rc_filter_init(&filter, snap->conf, err, errlen) != 0)
		return RC_ERR_FATAL;
	rc = snap->db->plan(snap->conf, pt, &plan, err, errlen);
	if (rc != RC_OK)
		goto out;
	rc = RC_ERR_FATAL;
	taken = calloc(plan.n + 1, sizeof *taken);
	if (!taken)
		goto oom;
	for (int i = 0; i < nnames; i++) {
		long k = find_name(&plan, names[i]);
		if (k == -1 &&
		    rc_snap_name_is_pattern(names[i])) { /* a pattern: the captured tables it names */
			size_t hits = 0;
			for (size_t j = 0; j < plan.n; j++) {
				int m = rc_snap_name_match(names[i], &plan.tables[j], err, errlen);
				if (m < 0)
					goto out;
				if (m &&
				    rc_filter_table(&filter, plan.tables[j].schema, plan.tables[j].name)) {
					taken[j] = true;
					hits++;
				}
			}
			if (!hits) {
				snprintf(err, errlen, "no captured table matches '%s'", names[i]);
				goto out;
			}
			continue;
		}
		if (k == -1) {
			snprintf(err, errlen,
			         "unknown table '%s': no ordinary or partitioned table of that name",
			         names[i]);
			goto out;
		}
		if (k == -2) {
			snprintf(err, errlen,
			         "table name '%s' is in several schemas: name it as schema.table", names[i]);
			goto out;
		}
		if (!rc_filter_table(&filter, plan.tables[k].schema, plan.tables[k].name)) {
			snprintf(
			    err, errlen,
			    "table '%s' is not captured: the table/schema include and exclude lists leave it out",
			    names[i]);
			goto out;
		}
		taken[k] = true;
	}
	for (size_t i = 0; !nnames && i < plan.n; i++)
		taken[i] = rc_filter_table(&filter, plan.tables[i].schema, plan.tables[i].name);
	if (take_tables(snap, &plan, taken) != 0)
		goto oom;
	rc = RC_OK;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
	rc = RC_ERR_FATAL;
out:
	free(taken);
	free_table_list(plan.tables, plan.n);
	rc_filter_free(&filter);
	return rc;
}

rc_snap_table_t *rc_snap_planned(rc_snapshot_t *base, size_t *n)
{
	rc_snap_t *snap = (rc_snap_t *)base;

	*n = snap->ntables;
	return snap->tables;
}

static size_t co_ntables(const rc_snapshot_t *base)
{
	return ((const rc_snap_t *)base)->ntables;
}

/* Sets up readers[n] with their batch pools. Returns 0, or -1 when out of memory. */
static int make_readers(rc_snap_t *snap, int n)
{
	snap->readers = calloc((size_t)(n ? n : 1), sizeof *snap->readers);
	if (!snap->readers)
		return -1;
	snap->nreaders = n;
	for (int i = 0; i < n; i++) {
		rc_snap_out_t *r = &snap->readers[i];
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

static int co_start(rc_snapshot_t *base, const rc_snapshot_point_t *pt, char *err, size_t errlen)
{
	rc_snap_t *snap = (rc_snap_t *)base;
	struct timespec ts;
	/* A reader per table at most, unless readers can share a table's chunks. */
	bool share = snap->db->chunk_bound && snap->db->read_chunk && snap->chunk_rows;
	int n = snap->nreaders < (int)snap->ntables || (share && snap->ntables) ? snap->nreaders
	                                                                        : (int)snap->ntables,
	    rc = RC_OK;

	if (snap->ntables && (!(snap->acked = calloc(snap->ntables, sizeof *snap->acked)) ||
	                      !(snap->shares = calloc(snap->ntables, sizeof *snap->shares)))) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	snap->pt = *pt;
	snap->pt.pos = RC_POS_NONE;
	rc_pos_copy(&snap->pt.pos, &pt->pos);
	if (rc_metrics_add_collector(rc_snap_collect, snap) != 0)
		rc_log_warn("snapshot", "out of memory: its progress is missing from /metrics");
	clock_gettime(CLOCK_REALTIME, &ts);
	snap->ts_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	snap->started_ms = snap->last_log_ms = rc_clock_ms();
	if (make_readers(snap, n) != 0) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	for (int i = 0; i < n; i++) {
		rc_snap_out_t *r = &snap->readers[i];
		int e = pthread_create(&r->thread, NULL, rc_snap_reader_main, r);
		if (e != 0) {
			rc_snap_fail(snap, RC_ERR_FATAL, "cannot start a snapshot reader thread: %s",
			             strerror(e));
			break;
		}
		r->running = true;
	}
	/* The source may let its point go only once every reader holds it. */
	pthread_mutex_lock(&snap->lock);
	while (!snap->failed && snap->opened + snap->finished < n)
		pthread_cond_wait(&snap->cond, &snap->lock);
	if (snap->failed) {
		snprintf(err, errlen, "%s", snap->failure);
		rc = snap->failed;
	}
	pthread_mutex_unlock(&snap->lock);
	if (rc == RC_OK)
		rc_log_info("snapshot", "snapshot %s: %zu tables, %d readers",
		            pt->name[0] ? pt->name : "started", snap->ntables, n);
	return rc;
}

static int co_fd(const rc_snapshot_t *base)
{
	return ((const rc_snap_t *)base)->wake[0];
}

/* Gives an emptied batch back to its reader. */
static void recycle(rc_snap_t *snap, snap_batch_t *b)
{
	rc_table_release(b->table);
	b->table = NULL;
	pthread_mutex_lock(&snap->lock);
	b->next = b->owner->free;
	b->owner->free = b;
	pthread_cond_broadcast(&snap->cond);
	pthread_mutex_unlock(&snap->lock);
}

/*
 * Debezium's marker of row i of batch b (RelationalSnapshotChangeEventSource's SnapshotMarkerResolver,
 * 3.6): "first" on the first row of the first table planned, "last_in_data_collection" on each
 * table's last row (a one-row table's too), "first_in_data_collection" on each table's first,
 * "true" on the others. The snapshot's very last row is "last" (release_held), whatever its table:
 * an empty last table leaves it to the row before, as Debezium's buffered receiver does.
 */
static const char *marker_of(const rc_snap_t *snap, const snap_batch_t *b, size_t i)
{
	bool first = b->table_first && i == 0, last = b->table_last && i + 1 == b->nrows;

	if (first && snap->ntables > 0 && b->st == &snap->tables[0])
		return "first";
	if (last)
		return "last_in_data_collection";
	if (first)
		return "first_in_data_collection";
	return "true";
}

static int emit_row(rc_snap_t *snap, const rc_source_handler_t *h, rc_ack_txn_t *txn, snap_batch_t *b,
                    size_t i, const char *marker, char *err, size_t errlen)
{
	rc_event_t ev = {.op = RC_OP_READ, .table = b->table, .after = b->rows[i], .source = snap->pt.source};
	int rc;

	ev.source.ts_us = snap->ts_us;
	if (!ev.source.db) /* MySQL: every table's database is its own (source.db is the table's) */
		ev.source.db = b->table->schema_name;
	ev.source.snapshot = marker ? marker : marker_of(snap, b, i);
	rc = h->event(h->opaque, txn, &ev, err, errlen);
	if (rc == RC_OK) {
		snap->rows_emitted++;
		b->st->rows_emitted++;
		if (!marker) /* the last row has a point of its own */
			RC_FAILPOINT("snapshot_rows_before_ack");
	}
	return rc;
}

/* Emits the held row (not the snapshot's last after all, unless marker says so) and closes its
 * batch's transaction at position (NULL: confirms nothing). */
static int release_held(rc_snap_t *snap, const rc_source_handler_t *h, const char *marker,
                        const rc_pos_t *position, char *err, size_t errlen)
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

/* Every row is out: the held one is the last; its transaction (or an empty one) carries the final
 * position. Returns the rows emitted (0 or 1) or an RC_ERR_* class. */
static int finish_emit(rc_snap_t *snap, const rc_source_handler_t *h, char *err, size_t errlen)
{
	rc_ack_txn_t *txn;
	int rc;

	snap->done = true;
	if (snap->held) {
		rc = release_held(snap, h, "last", &snap->pt.pos, err, errlen);
		if (rc == RC_OK) /* produced and committed at the final position; not acknowledged */
			RC_FAILPOINT("snapshot_last_chunk_before_ack");
		return rc == RC_OK ? 1 : rc;
	}
	txn = h->begin(h->opaque);
	if (!txn) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	h->commit(h->opaque, txn, &snap->pt.pos);
	return 0;
}

/* A batch's transaction retired (rc_acktrack_on_retire): every record of it and of everything
 * before it is in Kafka, so its table's recorded progress moves to its chunk key. */
static void batch_retired(void *arg)
{
	rc_snap_t *snap = arg;
	snap_pending_t *p = snap->pend_head;
	snap_acked_t *a;

	if (!p)
		return;
	snap->pend_head = p->next;
	if (!snap->pend_head)
		snap->pend_tail = NULL;
	a = &snap->acked[p->table];
	a->started = true;
	a->rows += p->rows;
	if (p->key.n && p->seq != a->next_seq) {
		/* A later chunk first (another reader's): kept until the ones before it are in. */
		if (a->nearly == a->capearly) {
			size_t cap = a->capearly ? a->capearly * 2 : 8;
			struct snap_early *e = realloc(a->early, cap * sizeof *e);
			if (!e) { /* the recorded key stays behind: more read again after a crash */
				rc_log_warn("snapshot", "out of memory: the progress of %s stays behind",
				            snap->tables[p->table].full);
				goto early_oom;
			}
			a->early = e;
			a->capearly = cap;
		}
		a->early[a->nearly++] =
		    (struct snap_early){.seq = p->seq, .rows = p->chunk_rows, .key = p->key};
		p->key = (rc_chunk_key_t){0};
	} else if (p->key.n) {
		rc_chunk_key_clear(&a->key);
		a->key = p->key;
		p->key = (rc_chunk_key_t){0};
		a->key_rows += p->chunk_rows;
		a->next_seq++;
		for (size_t i = 0; i < a->nearly;) { /* and the ones that were waiting for it */
			if (a->early[i].seq != a->next_seq) {
				i++;
				continue;
			}
			rc_chunk_key_clear(&a->key);
			a->key = a->early[i].key;
			a->key_rows += a->early[i].rows;
			a->early[i] = a->early[--a->nearly];
			a->next_seq++;
			i = 0;
		}
	}
early_oom:
	if (p->last)
		a->done = true;
	snap->progress_seq++;
	rc_chunk_key_clear(&p->key);
	free(p);
}

/* Registers b's transaction for its retirement. Returns RC_OK, or RC_ERR_FATAL out of memory. */
static int track_batch(rc_snap_t *snap, const rc_source_handler_t *h, rc_ack_txn_t *txn, snap_batch_t *b,
                       char *err, size_t errlen)
{
	snap_pending_t *p;

	if (!snap->acked || !h->on_retire)
		return RC_OK; /* a handler without acknowledgements (tests): no progress to record */
	if (!(p = calloc(1, sizeof *p))) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	p->table = (size_t)(b->st - snap->tables);
	p->key = b->chunk_key; /* moved: the batch goes back to its reader before its acknowledgement */
	p->seq = b->chunk_seq;
	p->chunk_rows = b->chunk_rows;
	b->chunk_key = (rc_chunk_key_t){0};
	p->rows = b->nrows;
	p->last = b->table_last;
	if (snap->pend_tail)
		snap->pend_tail->next = p;
	else
		snap->pend_head = p;
	snap->pend_tail = p;
	h->on_retire(h->opaque, txn, batch_retired, snap);
	return RC_OK;
}

static void co_record(rc_snapshot_t *base, rc_offset_t *o)
{
	rc_snap_t *snap = (rc_snap_t *)base;
	rc_offset_progress_t *p = calloc(1, sizeof *p);
	bool oom = !p;

	rc_offset_progress_free(o->progress);
	o->progress = NULL;
	if (p && snap->ntables &&
	    (!(p->tables = calloc(snap->ntables, sizeof *p->tables)) ||
	     !(p->snapshotted = calloc(snap->ntables, sizeof *p->snapshotted))))
		oom = true;
	for (size_t i = 0; !oom && snap->acked && i < snap->ntables; i++) {
		const snap_acked_t *a = &snap->acked[i];
		rc_offset_table_progress_t *t;
		if (!a->started)
			continue;
		t = &p->tables[p->ntables++];
		t->done = a->done;
		t->rows = !a->done && a->key.n ? a->key_rows : a->rows;
		oom = !(t->table = strdup(snap->tables[i].full));
		if (!oom && a->done)
			oom = !(p->snapshotted[p->nsnapshotted++] = strdup(snap->tables[i].full));
		if (!oom && !a->done && a->key.n) {
			oom = !(t->key = calloc((size_t)a->key.n, sizeof *t->key));
			for (int k = 0; !oom && k < a->key.n; k++, t->nkey++)
				oom = !(t->key[k] = strdup(a->key.text[k]));
		}
	}
	if (oom) {
		/* Without it a crash takes the snapshot again: more work, no row lost. */
		rc_log_warn("snapshot", "out of memory recording the snapshot's progress");
		rc_offset_progress_free(p);
		return;
	}
	o->progress = p;
}

static bool co_resumable(const rc_snapshot_t *base)
{
	const rc_snapshot_reader_ops_t *db = ((const rc_snap_t *)base)->db;

	return db->open_live && db->read_chunk && db->max_key && db->watermark;
}

static uint64_t co_progress_seq(const rc_snapshot_t *base)
{
	return ((const rc_snap_t *)base)->progress_seq;
}

/* Takes the next full batch off the queue. Returns 1 with *out set, 0 when none is there yet, 2 when
 * every reader is done and the queue is empty, or an RC_ERR_* class (a reader's failure). */
static int pop_batch(rc_snap_t *snap, snap_batch_t **out, char *err, size_t errlen)
{
	snap_batch_t *b;
	int rc;

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
	rc = b ? 1 : snap->finished == snap->nreaders ? 2 : 0;
	pthread_mutex_unlock(&snap->lock);
	*out = b;
	return rc;
}

static int co_emit(rc_snapshot_t *base, const rc_source_handler_t *h, int budget, bool *done, char *err,
                   size_t errlen)
{
	rc_snap_t *snap = (rc_snap_t *)base;
	int n = 0, rc;

	*done = snap->done;
	if (snap->done)
		return 0;
	rc_wakepipe_drain(snap->wake[0]);
	while (n < budget) {
		snap_batch_t *b = snap->cur;

		if (!b) {
			rc = pop_batch(snap, &b, err, errlen);
			if (rc < 0)
				return rc;
			if (rc == 2) {
				rc = finish_emit(snap, h, err, errlen);
				*done = rc >= 0;
				return rc < 0 ? rc : n + rc;
			}
			if (rc == 0)
				break; /* the readers are still at it */
			if (b->nrows == 0) {
				recycle(snap, b);
				continue;
			}
			if (snap->held) {
				rc = release_held(snap, h, NULL, NULL, err, errlen);
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
			rc = track_batch(snap, h, snap->cur_txn, b, err, errlen);
			if (rc != RC_OK)
				return rc;
		}
		/* The batch's last row is held back until the next row shows whether it is the
		 * snapshot's last ("last" marker). */
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

static void co_free(rc_snapshot_t *base)
{
	rc_snap_t *snap = (rc_snap_t *)base;

	if (!snap)
		return;
	rc_metrics_remove_collector(rc_snap_collect, snap);
	pthread_mutex_lock(&snap->lock);
	snap->stop = true;
	pthread_cond_broadcast(&snap->cond);
	for (int i = 0; snap->readers && i < snap->nreaders; i++)
		if (snap->readers[i].db && !snap->done) /* a reader blocked in a query is interrupted */
			snap->db->cancel(snap->readers[i].db);
	pthread_mutex_unlock(&snap->lock);
	for (int i = 0; snap->readers && i < snap->nreaders; i++)
		if (snap->readers[i].running)
			pthread_join(snap->readers[i].thread, NULL);
	rc_snap_progress_clear(snap);
	for (int i = 0; snap->readers && i < snap->nreaders; i++) {
		for (int k = 0; k < BATCHES_PER_READER; k++) {
			snap_batch_t *b = &snap->readers[i].pool[k];
			rc_table_release(b->table);
			free(b->rows);
			rc_chunk_key_clear(&b->chunk_key);
			rc_arena_destroy(&b->arena);
		}
	}
	free(snap->readers);
	for (snap_pending_t *p = snap->pend_head, *next; p; p = next) {
		next = p->next;
		rc_chunk_key_clear(&p->key);
		free(p);
	}
	for (size_t i = 0; snap->acked && i < snap->ntables; i++) {
		snap_acked_t *a = &snap->acked[i];
		rc_chunk_key_clear(&a->key);
		for (size_t k = 0; k < a->nearly; k++)
			rc_chunk_key_clear(&a->early[k].key);
		free(a->early);
	}
	free(snap->acked);
	for (size_t i = 0; snap->shares && i < snap->ntables; i++)
		rc_chunk_key_clear(&snap->shares[i].next_after);
	free(snap->shares);
	free_table_list(snap->tables, snap->ntables);
	rc_wakepipe_close(snap->wake);
	rc_pos_clear(&snap->pt.pos);
	pthread_mutex_destroy(&snap->lock);
	pthread_cond_destroy(&snap->cond);
	free(snap);
}

rc_snapshot_t *rc_snapshot_new(const rc_conf_t *conf, const rc_snapshot_reader_ops_t *ops, char *err,
                               size_t errlen)
{
	rc_snap_t *snap = calloc(1, sizeof *snap);

	if (!snap) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snap->base.ops = &coordinator_ops;
	snap->conf = conf;
	snap->db = ops;
	snap->nreaders = (int)rc_conf_get_int(conf, "snapshot.max.threads", 1);
	snap->batch_rows = (size_t)rc_conf_get_int(conf, "snapshot.fetch.size", 1000);
	snap->chunk_rows = (size_t)rc_conf_get_int(conf, "incremental.snapshot.chunk.size", 1024);
	if (snap->nreaders < 1)
		snap->nreaders = 1;
	if (snap->batch_rows < 1)
		snap->batch_rows = 1;
	snap->wake[0] = snap->wake[1] = -1;
	pthread_mutex_init(&snap->lock, NULL);
	pthread_cond_init(&snap->cond, NULL);
	if (rc_wakepipe_open(snap->wake) != RC_OK) {
		snprintf(err, errlen, "cannot make a pipe: %s", strerror(errno));
		co_free(&snap->base);
		return NULL;
	}
	snap->tty = isatty(STDERR_FILENO) && !rc_conf_is(conf, "log.format", "json");
	return &snap->base;
}

static const rc_snapshot_ops_t coordinator_ops = {
    .plan = co_plan,
    .ntables = co_ntables,
    .start = co_start,
    .fd = co_fd,
    .emit = co_emit,
    .progress = rc_snap_progress,
    .finish = rc_snap_finish,
    .free = co_free,
    .record = co_record,
    .resumable = co_resumable,
    .progress_seq = co_progress_seq,
    .incremental = rc_snap_incremental_new,
};
