/*
 * The incremental snapshot engine (agent/incremental.h): chunks read outside any consistent point,
 * merged into the stream with watermarks (DBLog). On the pipeline's loop thread only: the chunk is
 * read synchronously on the engine's own live connection (one chunk, incremental.snapshot.chunk.size
 * rows, a few milliseconds), never on the stream's.
 *
 * Per chunk (state):
 *   IDLE      -> the window opens (reset), the low watermark is written          -> WAIT_LOW
 *   WAIT_LOW  -> the stream delivers the low watermark                           -> READ
 *   READ      -> step reads the chunk (keys > after, <= upto), writes the high one -> WAIT_HIGH
 *   WAIT_HIGH -> the stream delivers the high watermark: the chunk's rows whose keys the window did
 *                not see go out in that message's transaction, the window closes  -> IDLE
 *
 * Why the window opens before the low watermark (a superset of DBLog's window is safe): a key seen
 * between the opening and the low watermark belongs to a change that the stream has already
 * delivered, and that committed before the chunk's read began (the read starts only once the stream
 * passed the low watermark). Dropping that key's chunk row loses nothing: the consumer already has
 * that change, and any later change of the row comes through the stream after it. Keeping the row
 * would be as safe but is not needed; what must never happen is emitting a row older than a change
 * the consumer already has, and the window only grows the set of rows not emitted for that reason.
 *
 * The one case no watermark method closes: a transaction whose commit record is in the log before
 * the low watermark but that is not yet visible to the chunk's read (PostgreSQL writes the commit
 * record before it leaves the proc array). Its change is streamed before the low watermark, the
 * read does not see it, and the chunk would carry the row's older state after it. It is narrowed by
 * reading the chunk only after the stream has passed the low watermark (WAIT_LOW -> READ): by then
 * the commit was decoded and sent, which takes far longer than the commit's visibility; and since
 * the window is opened before the low watermark is even written, a change decoded in between is in
 * the window too.
 *
 * Acknowledgement: the chunk's rows are events of the high watermark message's transaction (a
 * standalone message: its own tracker transaction, confirming nothing); its retirement moves the
 * table's recorded key (annotate), so the record never holds a key ahead of what Kafka has.
 */
#include "config.h"

#include "agent/acktrack.h"
#include "agent/clock.h"
#include "agent/errors.h"
#include "agent/incremental.h"
#include "agent/log.h"
#include "snapshot/incremental_window.h"
#include "snapshot/snapshot_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef enum { ST_IDLE, ST_WAIT_LOW, ST_READ, ST_WAIT_HIGH } inc_state_t;

typedef struct inc_table {
	struct inc_table *next;
	rc_snap_table_t st;   /* its own strings */
	rc_chunk_key_t after; /* the last chunk read's last key (n == 0: from the first row) */
	rc_chunk_key_t upto;  /* the largest key when its snapshot began */
	bool upto_taken;
	bool logged;         /* its first chunk was announced */
	bool warned_keyless; /* said once that it has no key */
	uint64_t rows_read;  /* rows read from it (emitted or dropped) */
	double estimate;
	/* Acknowledged (the loop's thread): what annotate records. */
	rc_chunk_key_t acked_key;
	uint64_t acked_rows;
	bool done_read; /* it left the queue (read to its end, or stopped): in finished until acknowledged */
	bool stopped;   /* stop-snapshot: dropped once no chunk of it is in flight */
	int inflight;   /* chunks emitted, not yet acknowledged */
} inc_table_t;

/* A chunk emitted and not yet acknowledged (a FIFO in the tracker's order). */
typedef struct inc_pending {
	struct inc_pending *next;
	inc_table_t *t;
	rc_chunk_key_t key; /* the chunk's last key (moved) */
	uint64_t rows;
	bool last;
} inc_pending_t;

typedef struct inc {
	rc_incremental_t base;
	rc_snapshot_t *planner;   /* the coordinator, never started: configuration, reader ops, filters */
	rc_snap_t *snap;          /* the same, its insides */
	void *db;                 /* the live reader, opened at the first chunk */
	inc_table_t *head, *tail; /* the queue; head is the table in progress */
	inc_table_t *finished;    /* read to the end, waiting for their acknowledgement */
	inc_state_t state;
	bool paused;
	size_t limit;
	uint64_t seq;
	char chunk_id[64];
	int64_t chunk_ms;
	rc_inc_window_t window;
	snap_batch_t chunk;
	rc_snap_out_t out;
	rc_chunk_key_t chunk_last;
	size_t chunk_n;
	rc_buf_t keybuf;
	inc_pending_t *pend_head, *pend_tail;
	char **snapshotted;
	size_t nsnapshotted;
	uint64_t progress_seq;
	/* ROWCAST_TEST_INCREMENTAL_TRIGGER: a file the tests write table names into (one a line) to
	 * start an incremental snapshot before the signal channels exist; read and removed. */
	const char *trigger;
	int64_t trigger_ms;
	/* The handler the source is given: it calls through to h. */
	const rc_source_handler_t *h;
	rc_source_handler_t wrapped;
	/* Watermarks that are positions, not records of the stream (MySQL/MariaDB: marks_by_position). */
	rc_pos_t wm_at;    /* the watermark waited for (unset: none, or a record is) */
	rc_pos_t seen;     /* the stream's newest commit or idle position */
	bool high_reached; /* the stream passed the high watermark: step emits the chunk */
} inc_t;

/* MySQL/MariaDB write nothing into the binlog for a watermark (read-only, as Debezium's read-only
 * incremental snapshots): their watermark is the binlog position the reader read
 * (snapshot/mysql/my_chunk.c), and the stream has reached it once it hands a commit or idle
 * position at or past it to the handler (rc_pos_after: positions of one server's binlog order; a
 * quiet server's stream says where it is at each heartbeat). PostgreSQL's are records in the
 * stream (on_watermark). */
static bool marks_by_position(const inc_t *inc)
{
	return strcmp(inc->snap->db->name, "mysql") == 0;
}

/* The stream is at inc->seen: a state waiting for a position watermark it reached moves on. */
static void at_position(inc_t *inc)
{
	if (!inc->wm_at.set || !inc->seen.set || rc_pos_after(&inc->wm_at, &inc->seen))
		return;
	rc_pos_clear(&inc->wm_at);
	if (inc->state == ST_WAIT_LOW)
		inc->state = ST_READ;
	else if (inc->state == ST_WAIT_HIGH)
		inc->high_reached = true; /* the next step emits it, in a transaction of its own */
}

/* A commit or idle position of the stream (borrowed). The newest, not the largest: after a restart
 * of the stream from an earlier position, that is where it is. */
static void saw_position(inc_t *inc, const rc_pos_t *position)
{
	if (!position || !position->set || !marks_by_position(inc))
		return;
	rc_pos_copy(&inc->seen, position);
	at_position(inc);
}

/* A position watermark just read (moved into the engine): reached already when the stream is past it
 * (a quiet table: the last commit the stream handed over is where the binlog ends). */
static void wait_position(inc_t *inc, rc_pos_t *at)
{
	rc_pos_move(&inc->wm_at, at);
	at_position(inc);
}

static void table_free(inc_table_t *t)
{
	if (!t)
		return;
	free(t->st.schema);
	free(t->st.name);
	free(t->st.full);
	rc_chunk_key_clear(&t->after);
	rc_chunk_key_clear(&t->upto);
	rc_chunk_key_clear(&t->acked_key);
	free(t);
}

static inc_table_t *find_queued(inc_t *inc, const char *full)
{
	for (inc_table_t *t = inc->head; t; t = t->next)
		if (strcmp(t->st.full, full) == 0)
			return t;
	return NULL;
}

static bool is_snapshotted(const inc_t *inc, const char *full)
{
	for (size_t i = 0; i < inc->nsnapshotted; i++)
		if (strcmp(inc->snapshotted[i], full) == 0)
			return true;
	return false;
}

static int add_snapshotted(inc_t *inc, const char *full)
{
	char **v;

	if (is_snapshotted(inc, full))
		return 0;
	if (!(v = realloc(inc->snapshotted, (inc->nsnapshotted + 1) * sizeof *v)) ||
	    !(v[inc->nsnapshotted] = strdup(full))) {
		if (v)
			inc->snapshotted = v;
		return -1;
	}
	inc->snapshotted = v;
	inc->nsnapshotted++;
	return 0;
}

/* Queues a copy of st, from key after (may be NULL), with rows done before. NULL out of memory. */
static inc_table_t *enqueue(inc_t *inc, const rc_snap_table_t *st, const rc_offset_table_progress_t *from)
{
	inc_table_t *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->st.schema = strdup(st->schema);
	t->st.name = strdup(st->name);
	t->st.full = strdup(st->full);
	t->st.source_id = st->source_id;
	t->st.kind = st->kind;
	t->estimate = st->estimate;
	if (from && from->nkey > 0) {
		rc_chunk_key_t k = {.n = from->nkey, .text = from->key};
		if (rc_chunk_key_copy(&t->after, &k) != 0 || rc_chunk_key_copy(&t->acked_key, &k) != 0) {
			table_free(t);
			return NULL;
		}
	}
	if (from) {
		t->acked_rows = t->rows_read = from->rows;
	}
	if (!t->st.schema || !t->st.name || !t->st.full) {
		table_free(t);
		return NULL;
	}
	if (inc->tail)
		inc->tail->next = t;
	else
		inc->head = t;
	inc->tail = t;
	inc->progress_seq++;
	return t;
}

/* The planned tables named (or every included one when n == 0): borrowed from the planner. */
static int plan(inc_t *inc, const char *const *names, int n, rc_snap_table_t **tables, size_t *ntables,
                char *err, size_t errlen)
{
	int rc = inc->planner->ops->plan(inc->planner, NULL, names, n, err, errlen);

	if (rc != RC_OK)
		return rc;
	*tables = rc_snap_planned(inc->planner, ntables);
	return RC_OK;
}

static int inc_execute(rc_incremental_t *base, const char *id, const char *const *tables, int ntables,
                       char *err, size_t errlen)
{
	inc_t *inc = (inc_t *)base;
	rc_snap_table_t *planned;
	size_t n;
	int rc;

	if (ntables <= 0) {
		snprintf(err, errlen, "incremental snapshot %s: no table named", id ? id : "");
		return RC_ERR_FATAL;
	}
	rc = plan(inc, tables, ntables, &planned, &n, err, errlen);
	if (rc != RC_OK)
		return rc == RC_ERR_RETRY ? rc : RC_ERR_FATAL;
	/* In the order asked (the plan orders by size); a pattern's tables in the plan's order. */
	for (int i = 0; i < ntables; i++)
		for (size_t k = 0; k < n; k++) {
			int m = rc_snap_name_match(tables[i], &planned[k], err, errlen);
			if (m < 0)
				return RC_ERR_FATAL;
			if (!m)
				continue;
			if (find_queued(inc, planned[k].full)) {
				rc_log_info("incremental", "incremental snapshot %s: %s is already queued",
				            id ? id : "", planned[k].full);
			} else if (!enqueue(inc, &planned[k], NULL)) {
				snprintf(err, errlen, "out of memory");
				return RC_ERR_FATAL;
			} else {
				rc_log_kv(
				    RC_LOG_INFO, "incremental", &(rc_log_fields_t){.table = planned[k].full},
				    "incremental snapshot %s: %s queued", id ? id : "", planned[k].full);
			}
			if (!rc_snap_name_is_pattern(tables[i]))
				break;
		}
	return RC_OK;
}

static int inc_stop(rc_incremental_t *base, const char *id, const char *const *tables, int ntables)
{
	inc_t *inc = (inc_t *)base;

	for (inc_table_t *t = inc->head; t; t = t->next) {
		bool named = ntables <= 0;
		char why[RC_ERRSTR_LEN];
		for (int i = 0; !named && i < ntables; i++)
			named = strcmp(t->st.full, tables[i]) == 0 ||
			        rc_snap_name_match(tables[i], &t->st, why, sizeof why) == 1;
		if (named && !t->stopped) {
			t->stopped = true;
			inc->progress_seq++;
			rc_log_kv(RC_LOG_INFO, "incremental", &(rc_log_fields_t){.table = t->st.full},
			          "incremental snapshot %s: %s stopped after %llu rows", id ? id : "",
			          t->st.full, (unsigned long long)t->rows_read);
		}
	}
	return RC_OK;
}

static void inc_pause(rc_incremental_t *base, bool pause)
{
	inc_t *inc = (inc_t *)base;

	if (inc->paused != pause)
		rc_log_info("incremental", "incremental snapshots %s", pause ? "paused" : "resumed");
	inc->paused = pause;
}

/* Takes the queue's head off (its chunks are all acknowledged, or it was stopped with none in
 * flight). */
static void drop_head(inc_t *inc)
{
	inc_table_t *t = inc->head;

	inc->head = t->next;
	if (!inc->head)
		inc->tail = NULL;
	t->next = NULL;
	t->done_read = true;
	if (t->inflight > 0) { /* kept for the acknowledgements still to come */
		t->next = inc->finished;
		inc->finished = t;
	} else {
		table_free(t);
	}
	inc->progress_seq++;
}

/* A chunk's transaction retired: its table's recorded key moves; the table's last chunk makes it
 * snapshotted. */
static void chunk_retired(void *arg)
{
	inc_t *inc = arg;
	inc_pending_t *p = inc->pend_head;
	inc_table_t *t;

	if (!p)
		return;
	inc->pend_head = p->next;
	if (!inc->pend_head)
		inc->pend_tail = NULL;
	t = p->t;
	t->inflight--;
	t->acked_rows += p->rows;
	if (p->key.n) {
		rc_chunk_key_clear(&t->acked_key);
		t->acked_key = p->key;
		p->key = (rc_chunk_key_t){0};
	}
	if (p->last) {
		if (add_snapshotted(inc, t->st.full) != 0)
			rc_log_warn("incremental", "out of memory: %s is not recorded as snapshotted",
			            t->st.full);
		rc_log_kv(RC_LOG_INFO, "incremental", &(rc_log_fields_t){.table = t->st.full},
		          "incremental snapshot of %s complete: %llu rows acknowledged", t->st.full,
		          (unsigned long long)t->acked_rows);
	}
	if (t->inflight == 0 && t->done_read) {
		/* it left the queue: nothing more of it to wait for */
		for (inc_table_t **pp = &inc->finished; *pp; pp = &(*pp)->next)
			if (*pp == t) {
				*pp = t->next;
				table_free(t);
				break;
			}
	}
	inc->progress_seq++;
	rc_chunk_key_clear(&p->key);
	free(p);
}

/* The high watermark reached: the chunk's rows not in the window go out in txn. */
static int emit_chunk(inc_t *inc, rc_ack_txn_t *txn, const rc_event_t *mark, char *err, size_t errlen)
{
	inc_table_t *t = inc->head;
	snap_batch_t *b = &inc->chunk;
	inc_pending_t *p = calloc(1, sizeof *p);
	struct timespec ts;
	size_t sent = 0, dropped = 0;
	bool last = inc->chunk_n < inc->limit || inc->chunk_last.n == 0;
	int rc = RC_OK;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	if (b->table && b->table->nkey == 0 && !t->warned_keyless) {
		t->warned_keyless = true;
		rc_log_kv(RC_LOG_WARN, "incremental", &(rc_log_fields_t){.table = t->st.full},
		          "%s has no key: read live in ctid ranges, a row an UPDATE moves while it is read "
		          "may come twice, and a consumer cannot tell the copies apart (message.key.columns "
		          "gives it a key)",
		          t->st.full);
	}
	for (size_t i = 0; i < b->nrows && rc == RC_OK; i++) {
		rc_event_t ev = {
		    .op = RC_OP_READ, .table = b->table, .after = b->rows[i], .source = mark->source};
		int k = rc_inc_key_bytes(b->table, b->rows[i], &inc->keybuf);
		if (k == -2) {
			snprintf(err, errlen, "out of memory");
			rc = RC_ERR_FATAL;
			break;
		}
		if (k == 0 && rc_inc_window_has(&inc->window, inc->keybuf.data, inc->keybuf.len)) {
			dropped++; /* the stream carried a change of it inside the window */
			continue;
		}
		ev.source.snapshot = "incremental";
		ev.source.ts_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
		ev.source.txid = -1;
		ev.source.txn_id = NULL;
		if (!ev.source.db)
			ev.source.db = b->table->schema_name;
		rc = inc->h->event(inc->h->opaque, txn, &ev, err, errlen);
		sent++;
	}
	if (rc != RC_OK) {
		free(p);
		return rc;
	}
	p->t = t;
	p->key = inc->chunk_last;
	inc->chunk_last = (rc_chunk_key_t){0};
	p->rows = b->nrows;
	p->last = last && !t->stopped;
	t->inflight++;
	if (inc->pend_tail)
		inc->pend_tail->next = p;
	else
		inc->pend_head = p;
	inc->pend_tail = p;
	if (inc->h->on_retire) /* without it (tests) the progress stays where it was */
		inc->h->on_retire(inc->h->opaque, txn, chunk_retired, inc);
	t->rows_read += b->nrows;
	if (p->key.n && rc_chunk_key_copy(&t->after, &p->key) != 0) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	rc_log_kv(RC_LOG_DEBUG, "incremental", &(rc_log_fields_t){.table = t->st.full},
	          "chunk %s of %s: %zu rows read, %zu sent, %zu dropped (changed in the window), %lld ms",
	          inc->chunk_id, t->st.full, b->nrows, sent, dropped,
	          (long long)(rc_clock_ms() - inc->chunk_ms));
	rc_table_release(b->table);
	b->table = NULL;
	b->nrows = 0;
	rc_arena_reset(&b->arena);
	rc_inc_window_reset(&inc->window);
	inc->state = ST_IDLE;
	if (last || t->stopped)
		drop_head(inc);
	return RC_OK;
}

/* A watermark message: ours (the chunk in progress) moves the state; any other (an earlier life's)
 * is swallowed too. */
static int on_watermark(inc_t *inc, rc_ack_txn_t *txn, const rc_event_t *ev, char *err, size_t errlen)
{
	size_t idlen = strlen(inc->chunk_id);
	const char *c = ev->msg_content;
	bool ours = inc->chunk_id[0] && ev->msg_len > idlen && memcmp(c, inc->chunk_id, idlen) == 0 &&
	            c[idlen] == ' ';
	bool high = ours && ev->msg_len - idlen - 1 == 4 && memcmp(c + idlen + 1, "high", 4) == 0;
	bool low = ours && ev->msg_len - idlen - 1 == 3 && memcmp(c + idlen + 1, "low", 3) == 0;

	if (low && inc->state == ST_WAIT_LOW)
		inc->state = ST_READ;
	else if (high && inc->state == ST_WAIT_HIGH)
		return emit_chunk(inc, txn, ev, err, errlen);
	return RC_OK;
}

static bool same_table(const inc_table_t *t, const rc_table_t *tab)
{
	return tab && tab->schema_name && tab->name && strcmp(tab->name, t->st.name) == 0 &&
	       strcmp(tab->schema_name, t->st.schema) == 0;
}

/* Remembers the key of image (NULL: none). */
static int remember(inc_t *inc, const rc_table_t *tab, const rc_value_t *image, char *err, size_t errlen)
{
	int k;

	if (!image)
		return RC_OK;
	k = rc_inc_key_bytes(tab, image, &inc->keybuf);
	if (k == -1)
		return RC_OK; /* no key to compare (a NULL or unchanged key column) */
	if (k == -2 || rc_inc_window_add(&inc->window, inc->keybuf.data, inc->keybuf.len) != 0) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	return RC_OK;
}

static rc_ack_txn_t *w_begin(void *opaque)
{
	inc_t *inc = opaque;
	return inc->h->begin(inc->h->opaque);
}

static int w_event(void *opaque, rc_ack_txn_t *txn, const rc_event_t *ev, char *err, size_t errlen)
{
	inc_t *inc = opaque;
	int rc;

	if (ev->op == RC_OP_MESSAGE && ev->msg_prefix && strcmp(ev->msg_prefix, RC_WATERMARK_PREFIX) == 0)
		return on_watermark(inc, txn, ev, err, errlen); /* never published */
	if (inc->state != ST_IDLE && inc->head && same_table(inc->head, ev->table)) {
		if (ev->op == RC_OP_TRUNCATE)
			inc->window.everything = true;
		rc = remember(inc, ev->table, ev->before, err, errlen); /* a key change: the old key too */
		if (rc == RC_OK)
			rc = remember(inc, ev->table, ev->after, err, errlen);
		if (rc != RC_OK)
			return rc;
	}
	return inc->h->event(inc->h->opaque, txn, ev, err, errlen);
}

static void w_commit(void *opaque, rc_ack_txn_t *txn, const rc_pos_t *position)
{
	inc_t *inc = opaque;
	inc->h->commit(inc->h->opaque, txn, position);
	saw_position(inc, position);
}

static void w_abort(void *opaque, rc_ack_txn_t *txn)
{
	inc_t *inc = opaque;
	inc->h->abort(inc->h->opaque, txn);
}

static void w_idle(void *opaque, const rc_pos_t *position)
{
	inc_t *inc = opaque;
	inc->h->idle(inc->h->opaque, position);
	saw_position(inc, position);
}

static void w_txn_mark(void *opaque, rc_ack_txn_t *txn, bool end, const rc_txn_mark_t *mark)
{
	inc_t *inc = opaque;
	inc->h->txn_mark(inc->h->opaque, txn, end, mark);
}

static void w_on_retire(void *opaque, rc_ack_txn_t *txn, void (*fn)(void *arg), void *arg)
{
	inc_t *inc = opaque;
	inc->h->on_retire(inc->h->opaque, txn, fn, arg);
}

static const rc_source_handler_t *inc_wrap(rc_incremental_t *base, const rc_source_handler_t *h)
{
	inc_t *inc = (inc_t *)base;

	inc->h = h;
	inc->wrapped = (rc_source_handler_t){.begin = w_begin,
	                                     .event = w_event,
	                                     .commit = w_commit,
	                                     .abort = w_abort,
	                                     .idle = w_idle,
	                                     .opaque = inc,
	                                     .txn_mark = h->txn_mark ? w_txn_mark : NULL,
	                                     .on_retire = h->on_retire ? w_on_retire : NULL};
	return &inc->wrapped;
}

/* Opens the live reader and takes the head's bounds at its first chunk (the largest key now: rows
 * inserted later come through the stream). */
static int prepare_head(inc_t *inc, char *err, size_t errlen)
{
	inc_table_t *t = inc->head;
	const rc_snapshot_reader_ops_t *db = inc->snap->db;
	int rc;

	if (!inc->db) {
		rc = db->open_live(inc->snap->conf, &inc->db, err, errlen);
		if (rc != RC_OK)
			return rc;
	}
	if (!t->upto_taken) {
		rc = db->max_key(inc->db, &t->st, &t->upto, err, errlen);
		if (rc != RC_OK)
			return rc;
		t->upto_taken = true;
	}
	return RC_OK;
}

/* Starts the head's next chunk: the window opened, then the low watermark written. */
static int start_chunk(inc_t *inc, char *err, size_t errlen)
{
	inc_table_t *t = inc->head;
	const rc_snapshot_reader_ops_t *db = inc->snap->db;
	rc_pos_t at = RC_POS_NONE;
	int rc;

	if (!t->logged) {
		t->logged = true;
		if (t->after.n) {
			char key[512];
			size_t n = 0;
			key[0] = '\0';
			for (int i = 0; i < t->after.n && n < sizeof key; i++)
				n += (size_t)snprintf(key + n, sizeof key - n, "%s%s", i ? ", " : "",
				                      t->after.text[i]);
			rc_log_kv(RC_LOG_INFO, "incremental", &(rc_log_fields_t){.table = t->st.full},
			          "resuming the snapshot of %s at key (%s) (%llu of %.0f rows done)",
			          t->st.full, key, (unsigned long long)t->acked_rows,
			          t->estimate > 0 ? t->estimate : 0);
		} else {
			rc_log_kv(RC_LOG_INFO, "incremental", &(rc_log_fields_t){.table = t->st.full},
			          "incremental snapshot of %s starts (about %.0f rows, %zu a chunk)",
			          t->st.full, t->estimate > 0 ? t->estimate : 0, inc->limit);
		}
	}
	rc_inc_window_reset(&inc->window); /* 1. the window opens */
	inc->seq++;
	snprintf(inc->chunk_id, sizeof inc->chunk_id, "%ld-%llu", (long)getpid(),
	         (unsigned long long)inc->seq);
	inc->chunk_ms = rc_clock_ms();
	inc->state = ST_WAIT_LOW;
	rc = db->watermark(inc->db, inc->chunk_id, false, &at, err, errlen); /* 2. low */
	if (rc == RC_OK && marks_by_position(inc))
		wait_position(inc, &at);
	rc_pos_clear(&at);
	return rc;
}

/* 3. the chunk, 4. the high watermark. */
static int read_chunk(inc_t *inc, char *err, size_t errlen)
{
	inc_table_t *t = inc->head;
	const rc_snapshot_reader_ops_t *db = inc->snap->db;
	rc_pos_t at = RC_POS_NONE;
	int rc;

	inc->out.st = &t->st;
	rc = db->read_chunk(inc->db, &t->st, &t->after, &t->upto, inc->limit, &inc->out, &inc->chunk_last,
	                    &inc->chunk_n, err, errlen);
	if (rc != RC_OK)
		return rc;
	inc->state = ST_WAIT_HIGH;
	rc = db->watermark(inc->db, inc->chunk_id, true, &at, err, errlen);
	if (rc == RC_OK && marks_by_position(inc))
		wait_position(inc, &at);
	rc_pos_clear(&at);
	return rc;
}

/* The test trigger (see inc_t.trigger), looked at every 200 ms. */
static int poll_trigger(inc_t *inc, char *err, size_t errlen)
{
	char line[512], *names[64];
	int n = 0, rc = RC_OK;
	int64_t now = rc_clock_ms();
	FILE *f;

	if (!inc->trigger || now - inc->trigger_ms < 200)
		return RC_OK;
	inc->trigger_ms = now;
	if (!(f = fopen(inc->trigger, "r")))
		return RC_OK;
	while (n < 64 && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] && !(names[n++] = strdup(line)))
			n--;
	}
	fclose(f);
	unlink(inc->trigger);
	if (n)
		rc = inc_execute(&inc->base, "test-trigger", (const char *const *)names, n, err, errlen);
	for (int i = 0; i < n; i++)
		free(names[i]);
	return rc;
}

static int inc_step(rc_incremental_t *base, const rc_source_handler_t *h, char *err, size_t errlen)
{
	inc_t *inc = (inc_t *)base;
	int rc = RC_OK;

	inc->h = h;
	rc = poll_trigger(inc, err, errlen);
	if (rc != RC_OK)
		return rc;
	if (inc->state == ST_WAIT_HIGH && inc->high_reached) {
		/* A position watermark passed: the chunk goes out in a transaction of its own (it
		 * confirms nothing), its source block the connector's (no binlog place: the rows were
		 * read between two). */
		rc_ack_txn_t *txn = h->begin(h->opaque);
		rc_event_t mark = {.source = {.connector = rc_conf_get(inc->snap->conf, "source.type"),
		                              .txid = -1,
		                              .thread = -1}};
		inc->high_reached = false;
		if (!txn) {
			snprintf(err, errlen, "out of memory");
			return RC_ERR_FATAL;
		}
		rc = emit_chunk(inc, txn, &mark, err, errlen);
		if (rc != RC_OK) {
			h->abort(h->opaque, txn);
			return rc;
		}
		h->commit(h->opaque, txn, NULL);
		return 0;
	}
	/* A stopped table leaves the queue between chunks. */
	while (inc->state == ST_IDLE && inc->head && inc->head->stopped)
		drop_head(inc);
	if (inc->state == ST_IDLE && inc->head && !inc->paused) {
		rc = prepare_head(inc, err, errlen);
		if (rc == RC_OK && inc->head->upto.n == 0) {
			/* An empty table: done without a chunk, once what precedes is acknowledged. */
			rc_ack_txn_t *txn = h->begin(h->opaque);
			inc_pending_t *p = calloc(1, sizeof *p);
			if (!txn || !p) {
				free(p);
				snprintf(err, errlen, "out of memory");
				return RC_ERR_FATAL;
			}
			p->t = inc->head;
			p->last = true;
			inc->head->inflight++;
			if (inc->pend_tail)
				inc->pend_tail->next = p;
			else
				inc->pend_head = p;
			inc->pend_tail = p;
			if (h->on_retire)
				h->on_retire(h->opaque, txn, chunk_retired, inc);
			h->commit(h->opaque, txn, NULL);
			drop_head(inc);
			return 0;
		}
		if (rc == RC_OK)
			rc = start_chunk(inc, err, errlen);
	} else if (inc->state == ST_READ) {
		rc = read_chunk(inc, err, errlen);
	}
	return rc == RC_OK ? 0 : rc;
}

static int inc_next_deadline_ms(const rc_incremental_t *base)
{
	const inc_t *inc = (const inc_t *)base;

	if (inc->state == ST_READ || (inc->state == ST_IDLE && inc->head && !inc->paused) ||
	    (inc->state == ST_WAIT_HIGH && inc->high_reached))
		return 0;
	return inc->trigger ? 200 : -1;
}

static uint64_t inc_progress_seq(const rc_incremental_t *base)
{
	return ((const inc_t *)base)->progress_seq;
}

static int add_entry(rc_offset_progress_t *p, const inc_table_t *t)
{
	rc_offset_table_progress_t *e = &p->tables[p->ntables];

	if (!(e->table = strdup(t->st.full)))
		return -1;
	p->ntables++;
	e->rows = t->acked_rows;
	if (t->acked_key.n) {
		if (!(e->key = calloc((size_t)t->acked_key.n, sizeof *e->key)))
			return -1;
		for (; e->nkey < t->acked_key.n; e->nkey++)
			if (!(e->key[e->nkey] = strdup(t->acked_key.text[e->nkey])))
				return -1;
	}
	return 0;
}

static void inc_annotate(rc_incremental_t *base, rc_offset_t *o)
{
	inc_t *inc = (inc_t *)base;
	rc_offset_progress_t *p = calloc(1, sizeof *p);
	size_t n = 0;
	int bad = !p;

	rc_offset_progress_free(o->progress);
	o->progress = NULL;
	for (const inc_table_t *t = inc->head; t; t = t->next)
		n++;
	for (const inc_table_t *t = inc->finished; t; t = t->next)
		n++;
	if (!bad && n && !(p->tables = calloc(n, sizeof *p->tables)))
		bad = 1;
	if (!bad && inc->nsnapshotted &&
	    !(p->snapshotted = calloc(inc->nsnapshotted, sizeof *p->snapshotted)))
		bad = 1;
	/* Tables not yet acknowledged to their end are still to do on a restart, from their
	 * acknowledged key (a stopped one is forgotten). */
	for (const inc_table_t *t = inc->head; !bad && t; t = t->next)
		if (!t->stopped)
			bad = add_entry(p, t);
	for (const inc_table_t *t = inc->finished; !bad && t; t = t->next)
		if (!t->stopped && !is_snapshotted(inc, t->st.full))
			bad = add_entry(p, t);
	for (size_t i = 0; !bad && i < inc->nsnapshotted; i++, p->nsnapshotted++)
		bad = !(p->snapshotted[i] = strdup(inc->snapshotted[i]));
	if (bad) {
		rc_log_warn("incremental", "out of memory recording the incremental snapshots' progress");
		rc_offset_progress_free(p);
		return;
	}
	o->progress = p;
}

static void inc_free(rc_incremental_t *base)
{
	inc_t *inc = (inc_t *)base;

	if (!inc)
		return;
	if (inc->db)
		inc->snap->db->close(inc->db, true);
	rc_pos_clear(&inc->wm_at);
	rc_pos_clear(&inc->seen);
	while (inc->head) {
		inc_table_t *t = inc->head;
		inc->head = t->next;
		table_free(t);
	}
	while (inc->finished) {
		inc_table_t *t = inc->finished;
		inc->finished = t->next;
		table_free(t);
	}
	for (inc_pending_t *p = inc->pend_head, *next; p; p = next) {
		next = p->next;
		rc_chunk_key_clear(&p->key);
		free(p);
	}
	for (size_t i = 0; i < inc->nsnapshotted; i++)
		free(inc->snapshotted[i]);
	free(inc->snapshotted);
	rc_table_release(inc->chunk.table);
	free(inc->chunk.rows);
	rc_arena_destroy(&inc->chunk.arena);
	rc_chunk_key_clear(&inc->chunk_last);
	rc_inc_window_destroy(&inc->window);
	rc_buf_free(&inc->keybuf);
	if (inc->planner)
		inc->planner->ops->free(inc->planner);
	free(inc);
}

static const rc_incremental_ops_t engine_ops = {
    .execute = inc_execute,
    .stop = inc_stop,
    .pause = inc_pause,
    .wrap = inc_wrap,
    .step = inc_step,
    .next_deadline_ms = inc_next_deadline_ms,
    .progress_seq = inc_progress_seq,
    .annotate = inc_annotate,
    .free = inc_free,
};

/* Queues what resume says is left, and (snapshot.new.tables=parallel) the included tables never
 * snapshotted. */
static int queue_resume(inc_t *inc, const rc_offset_progress_t *resume, bool all_tables, char *err,
                        size_t errlen)
{
	bool new_tables = rc_conf_is(inc->snap->conf, "snapshot.new.tables", "parallel");
	rc_snap_table_t *planned;
	size_t n;
	int rc;

	for (size_t i = 0; resume && i < resume->nsnapshotted; i++)
		if (add_snapshotted(inc, resume->snapshotted[i]) != 0)
			goto oom;
	if (!all_tables && !new_tables && !(resume && resume->ntables))
		return RC_OK;
	rc = plan(inc, NULL, 0, &planned, &n, err, errlen);
	if (rc != RC_OK)
		return rc;
	/* The interrupted ones first, in the plan's order (largest first). */
	for (size_t k = 0; k < n; k++) {
		const rc_offset_table_progress_t *tp = rc_offset_progress_find(resume, planned[k].full);
		if (is_snapshotted(inc, planned[k].full) || (tp && tp->done))
			continue;
		if (tp || all_tables) {
			if (!enqueue(inc, &planned[k], tp))
				goto oom;
		}
	}
	/* A table named in resume that the filters leave out now, or that is gone, is forgotten. */
	for (size_t i = 0; resume && i < resume->ntables; i++)
		if (!resume->tables[i].done && !find_queued(inc, resume->tables[i].table))
			rc_log_warn(
			    "incremental",
			    "the recorded snapshot of %s is left unfinished: the table is gone or no longer included",
			    resume->tables[i].table);
	/* Tables new since the last run: included now, never snapshotted. Only with a record that keeps
	 * the list (one written by this rowcast): otherwise every table would look new. */
	for (size_t k = 0; new_tables && resume && k < n; k++)
		if (!is_snapshotted(inc, planned[k].full) && !find_queued(inc, planned[k].full)) {
			if (!enqueue(inc, &planned[k], NULL))
				goto oom;
			rc_log_kv(RC_LOG_INFO, "incremental", &(rc_log_fields_t){.table = planned[k].full},
			          "snapshot.new.tables=parallel: %s was never snapshotted; queued",
			          planned[k].full);
		}
	return RC_OK;
oom:
	snprintf(err, errlen, "out of memory");
	return RC_ERR_FATAL;
}

rc_incremental_t *rc_snap_incremental_new(rc_snapshot_t *base, const rc_offset_progress_t *resume,
                                          bool all_tables, char *err, size_t errlen)
{
	rc_snap_t *snap = (rc_snap_t *)base;
	const rc_snapshot_reader_ops_t *db = snap->db;
	inc_t *inc;

	if (!db->open_live || !db->read_chunk || !db->max_key || !db->watermark) {
		snprintf(err, errlen, "the %s source has no chunked reads: no incremental snapshots",
		         db->name);
		base->ops->free(base);
		return NULL;
	}
	if (!(inc = calloc(1, sizeof *inc))) {
		snprintf(err, errlen, "out of memory");
		base->ops->free(base);
		return NULL;
	}
	inc->base.ops = &engine_ops;
	inc->planner = base;
	inc->snap = snap;
	inc->limit = snap->chunk_rows ? snap->chunk_rows : 1024;
	rc_inc_window_init(&inc->window);
	rc_arena_init(&inc->chunk.arena, 256 * 1024);
	inc->chunk.growable = true;
	inc->out.collect = &inc->chunk;
	inc->out.idx = -1;
	rc_buf_init(&inc->keybuf, 1u << 20);
	inc->trigger = getenv("ROWCAST_TEST_INCREMENTAL_TRIGGER");
	if (inc->trigger && !*inc->trigger)
		inc->trigger = NULL;
	if (queue_resume(inc, resume, all_tables, err, errlen) != RC_OK) {
		inc_free(&inc->base);
		return NULL;
	}
	return &inc->base;
}
