#include "config.h"

#include "agent/offset_writer.h"

#include "agent/errors.h"
#include "agent/failpoint.h"
#include "agent/wakepipe.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The loop's copies of what it handed over and has not heard back about: at most the write in
 * flight, the one pending, and the one being handed over (absorb drops the rest first). */
#define HELD_MAX 4

typedef struct held {
	uint64_t seq;
	rc_offset_t o; /* the loop's own copy (references counted on the loop's thread only) */
} held_t;

struct rc_offset_writer {
	rc_offset_store_t *store; /* borrowed */
	pthread_t thread;
	bool started;
	int wake[2]; /* [1] written by the thread after each write; [0] watched by the loop */

	/* Shared, under mu. */
	pthread_mutex_t mu;
	pthread_cond_t work;          /* a position is pending, or quit */
	pthread_cond_t idle;          /* a write completed */
	rc_offset_t pending;          /* the thread's copy, handed over whole; owned by whoever holds mu */
	uint64_t pending_seq;         /* 0: nothing pending */
	uint64_t busy_seq;            /* 0: no write in flight */
	uint64_t done_seq;            /* the newest position the store durably holds */
	uint64_t finished_seq;        /* the newest write that ended, well or not */
	int fail_rc;                  /* RC_OK, or the first failure's code ... */
	char fail_err[RC_ERRSTR_LEN]; /* ... and words */
	uint64_t writes, coalesced;
	bool quit;

	/* The thread's own. */
	rc_pos_t stored_pos; /* the position of the last write that succeeded */

	/* The loop's own. */
	uint64_t next_seq;
	held_t held[HELD_MAX];
	size_t nheld;
	rc_offset_t durable; /* the loop's copy of what the store holds (done_seq's) */
	uint64_t durable_seq, reported_seq;
};

/* A copy of src that shares nothing with it (the blob copied): for the other thread. Returns RC_OK,
 * or RC_ERR_FATAL when out of memory. */
static int offset_dup(rc_offset_t *dst, const rc_offset_t *src)
{
	const rc_pos_blob_t *b = src->pos.blob, *pb = src->snapshot_point.blob;
	bool oom = false;

	*dst = *src;
	dst->pos.blob = NULL;
	dst->snapshot_point.blob = NULL;
	dst->progress = rc_offset_progress_dup(src->progress, &oom);
	if (oom || (b && !(dst->pos.blob = rc_pos_blob_new(b->data, b->len))) ||
	    (pb && !(dst->snapshot_point.blob = rc_pos_blob_new(pb->data, pb->len)))) {
		rc_offset_clear(dst); /* the blobs and progress are dst's own here */
		return RC_ERR_FATAL;
	}
	return RC_OK;
}

static void *writer_main(void *arg)
{
	rc_offset_writer_t *w = arg;
	char err[RC_ERRSTR_LEN];

	pthread_mutex_lock(&w->mu);
	for (;;) {
		rc_offset_t o;
		uint64_t seq;
		int rc;

		while (!w->pending_seq && !w->quit)
			pthread_cond_wait(&w->work, &w->mu);
		if (!w->pending_seq)
			break;  /* quit, and nothing left to write */
		o = w->pending; /* taken over whole */
		w->pending = (rc_offset_t){0};
		seq = w->busy_seq = w->pending_seq;
		w->pending_seq = 0;
		pthread_mutex_unlock(&w->mu);

		err[0] = '\0';
		/* The acknowledged position is the loop's, not yet the store's. */
		RC_FAILPOINT("after_ack_before_offset_write");
		rc = w->store->ops->store(w->store, &o, err, sizeof err);
		/* Durable (file fsynced and renamed, or the Kafka record committed); the source is not
		 * told yet: the loop confirms it after collecting this write. A write that only records
		 * more of a snapshot at the same position leaves the source nothing to be told, so the
		 * point counts the writes that move the position. */
		if (rc == RC_OK && !rc_pos_same(&o.pos, &w->stored_pos)) {
			rc_pos_clear(&w->stored_pos);
			rc_pos_copy(&w->stored_pos, &o.pos);
			RC_FAILPOINT("after_offset_write_before_confirm");
		}
		rc_offset_clear(&o); /* the store keeps copies of its own, on this thread */

		pthread_mutex_lock(&w->mu);
		w->writes++;
		w->busy_seq = 0;
		w->finished_seq = seq;
		if (rc == RC_OK)
			w->done_seq = seq;
		else if (w->fail_rc == RC_OK) {
			w->fail_rc = rc;
			snprintf(w->fail_err, sizeof w->fail_err, "%s",
			         err[0] ? err : "the offset store failed");
		}
		pthread_cond_broadcast(&w->idle);
		rc_wakepipe_wake(w->wake[1]);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int rc_offset_writer_new(rc_offset_store_t *store, rc_offset_writer_t **out, char *err, size_t errlen)
{
	rc_offset_writer_t *w = calloc(1, sizeof *w);

	*out = NULL;
	if (!w) {
		snprintf(err, errlen, "offset writer: out of memory");
		return RC_ERR_FATAL;
	}
	w->store = store;
	if (rc_wakepipe_open(w->wake) != RC_OK) {
		snprintf(err, errlen, "offset writer: cannot make a wake-up pipe: %s", strerror(errno));
		free(w);
		return RC_ERR_FATAL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->idle, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		snprintf(err, errlen, "offset writer: cannot start its thread");
		rc_offset_writer_free(w);
		return RC_ERR_FATAL;
	}
	w->started = true;
	*out = w;
	return RC_OK;
}

int rc_offset_writer_fd(const rc_offset_writer_t *w)
{
	return w->wake[0];
}

/* Drops the loop's copy of the position handed over as seq. */
static void drop_held(rc_offset_writer_t *w, size_t i)
{
	rc_offset_clear(&w->held[i].o);
	w->held[i] = w->held[--w->nheld];
	w->held[w->nheld] = (held_t){0};
}

/* Takes what the thread finished (done and finished sequence numbers read under mu) into the loop's
 * side: the newest durable copy kept, the copies of everything finished dropped. */
static void absorb(rc_offset_writer_t *w, uint64_t done, uint64_t finished)
{
	for (size_t i = 0; i < w->nheld;) {
		if (w->held[i].seq == done && done > w->durable_seq) {
			rc_offset_clear(&w->durable);
			w->durable = w->held[i].o; /* moved */
			w->durable_seq = done;
			w->held[i].o = (rc_offset_t){0};
		}
		if (w->held[i].seq <= finished)
			drop_held(w, i);
		else
			i++;
	}
}

int rc_offset_writer_submit(rc_offset_writer_t *w, const rc_offset_t *o, char *err, size_t errlen)
{
	rc_offset_t theirs, old = {0};
	uint64_t seq, done, finished, replaced = 0;

	if (offset_dup(&theirs, o) != RC_OK) {
		snprintf(err, errlen, "offset writer: out of memory");
		return RC_ERR_FATAL;
	}
	pthread_mutex_lock(&w->mu);
	if (w->pending_seq) { /* not started yet: the newer position replaces it */
		old = w->pending;
		replaced = w->pending_seq;
		w->coalesced++;
	}
	seq = ++w->next_seq;
	w->pending = theirs;
	w->pending_seq = seq;
	done = w->done_seq;
	finished = w->finished_seq;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);

	rc_offset_clear(&old); /* never seen by the thread */
	absorb(w, done, finished);
	for (size_t i = 0; replaced && i < w->nheld; i++)
		if (w->held[i].seq == replaced) {
			drop_held(w, i);
			break;
		}
	/* absorb and the replacement leave at most the write in flight: room for this one. */
	w->held[w->nheld].seq = seq;
	w->held[w->nheld].o = (rc_offset_t){0};
	rc_offset_copy(&w->held[w->nheld].o, o);
	w->nheld++;
	return RC_OK;
}

int rc_offset_writer_collect(rc_offset_writer_t *w, rc_offset_t *durable, bool *advanced, char *err,
                             size_t errlen)
{
	uint64_t done, finished;
	int rc;

	pthread_mutex_lock(&w->mu); /* the wake-up pipe is the loop handler's to drain */
	done = w->done_seq;
	finished = w->finished_seq;
	rc = w->fail_rc;
	if (rc != RC_OK)
		snprintf(err, errlen, "%s", w->fail_err);
	pthread_mutex_unlock(&w->mu);
	absorb(w, done, finished);
	*advanced = false;
	if (w->durable_seq > w->reported_seq) {
		rc_offset_copy(durable, &w->durable);
		w->reported_seq = w->durable_seq;
		*advanced = true;
	}
	return rc;
}

bool rc_offset_writer_busy(rc_offset_writer_t *w)
{
	bool busy;

	pthread_mutex_lock(&w->mu);
	busy = w->pending_seq || w->busy_seq;
	pthread_mutex_unlock(&w->mu);
	return busy;
}

static void wait_idle(rc_offset_writer_t *w)
{
	pthread_mutex_lock(&w->mu);
	while (w->pending_seq || w->busy_seq)
		pthread_cond_wait(&w->idle, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

int rc_offset_writer_wait(rc_offset_writer_t *w, rc_offset_t *durable, bool *advanced, char *err,
                          size_t errlen)
{
	wait_idle(w);
	return rc_offset_writer_collect(w, durable, advanced, err, errlen);
}

int rc_offset_writer_load(rc_offset_writer_t *w, rc_offset_t *out, bool *found, char *err, size_t errlen)
{
	rc_offset_t shared = {0};
	uint64_t done, finished;
	int rc;

	wait_idle(w);
	/* What the thread finished is in the store now, and the record read says it (or what another
	 * writer of the store put since, such as the capture's snapshot-running record): nothing older
	 * may be reported by a collect after this. */
	pthread_mutex_lock(&w->mu);
	done = w->done_seq;
	finished = w->finished_seq;
	pthread_mutex_unlock(&w->mu);
	absorb(w, done, finished);
	w->reported_seq = w->durable_seq;
	rc = w->store->ops->load(w->store, &shared, found, err, errlen);
	rc_offset_clear(out);
	if (rc == RC_OK && *found && offset_dup(out, &shared) != RC_OK) {
		snprintf(err, errlen, "offset writer: out of memory");
		rc = RC_ERR_FATAL;
	}
	rc_offset_clear(&shared); /* idle: the thread touches none of the store's references now */
	return rc;
}

uint64_t rc_offset_writer_writes(rc_offset_writer_t *w)
{
	uint64_t n;

	pthread_mutex_lock(&w->mu);
	n = w->writes;
	pthread_mutex_unlock(&w->mu);
	return n;
}

uint64_t rc_offset_writer_coalesced(rc_offset_writer_t *w)
{
	uint64_t n;

	pthread_mutex_lock(&w->mu);
	n = w->coalesced;
	pthread_mutex_unlock(&w->mu);
	return n;
}

void rc_offset_writer_free(rc_offset_writer_t *w)
{
	if (!w)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->quit = true;
		pthread_cond_signal(&w->work);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL); /* it writes what is pending first */
	}
	while (w->nheld)
		drop_held(w, 0);
	rc_offset_clear(&w->durable);
	rc_offset_clear(&w->pending);
	rc_pos_clear(&w->stored_pos);
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	rc_wakepipe_close(w->wake);
	free(w);
}
