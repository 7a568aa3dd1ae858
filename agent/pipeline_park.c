/*
 * Records that wait for their schema ids (agent/pipeline_internal.h pl_park_t). With the encoder's
 * registrations off the loop (agent/encoder.h pending), an event of a table whose schema the
 * registry has not answered for is encoded at once with placeholder ids, and a copy of its record
 * waits here; the loop goes on reading the source and serving Kafka. Once the ids are known the
 * encoder writes them into the copies and they go to the sink.
 *
 * Order: per topic, records go to the sink in the order they came (a topic holds one table's
 * events: per key and per partition order hold); a topic with nothing parked goes on at once.
 * Positions: a parked record counts in its transaction from the moment it is parked, so the
 * tracker (agent/acktrack.h) confirms no position past it until Kafka acknowledged it.
 */
#include "config.h"

#include "agent/pipeline_internal.h"

#include "agent/clock.h"
#include "agent/errors.h"
#include "agent/log.h"
#include "agent/loop.h"
#include "agent/signals.h"
#include "agent/wakepipe.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pl_parked {
	pl_parked_t *next;
	rc_ack_txn_t *txn; /* the tracker's */
	uint64_t token;    /* what it waits for (agent/encoder.h); 0 once its ids are written */
	size_t topic;      /* index in pl->park.topics */
	size_t keylen, vallen, nheaders;
	bool has_key, has_value;     /* a NULL key or value (tombstone) stays NULL */
	unsigned char *key, *value;  /* into data */
	rc_record_header_t *headers; /* into data */
	unsigned char data[];        /* headers, then key, value, the headers' names and values */
};

/* The index of topic's entry, added when new; SIZE_MAX when out of memory. */
static size_t topic_index(pl_park_t *pk, const char *topic)
{
	for (size_t i = 0; i < pk->ntopics; i++)
		if (strcmp(pk->topics[i].topic, topic) == 0)
			return i;
	if (pk->ntopics == pk->cap) {
		size_t cap = pk->cap ? pk->cap * 2 : 8;
		pl_park_topic_t *grown = realloc(pk->topics, cap * sizeof *grown);
		if (!grown)
			return SIZE_MAX;
		pk->topics = grown;
		pk->cap = cap;
	}
	if (!(pk->topics[pk->ntopics].topic = strdup(topic)))
		return SIZE_MAX;
	pk->topics[pk->ntopics].n = 0;
	pk->topics[pk->ntopics].blocked = false;
	return pk->ntopics++;
}

static bool topic_parked(const pl_park_t *pk, const char *topic)
{
	if (pk->n == 0)
		return false;
	for (size_t i = 0; i < pk->ntopics; i++)
		if (pk->topics[i].n > 0 && strcmp(pk->topics[i].topic, topic) == 0)
			return true;
	return false;
}

/* A copy of rec that owns its bytes (the encoder's buffers are reused by its next call). */
static pl_parked_t *parked_copy(const rc_record_t *rec)
{
	size_t size =
	    sizeof(pl_parked_t) + rec->nheaders * sizeof(rc_record_header_t) + rec->keylen + rec->vallen;
	pl_parked_t *p;
	unsigned char *at;

	for (size_t i = 0; i < rec->nheaders; i++)
		size += strlen(rec->headers[i].name) + 1 + rec->headers[i].len;
	if (!(p = malloc(size)))
		return NULL;
	*p = (pl_parked_t){.keylen = rec->keylen,
	                   .vallen = rec->vallen,
	                   .nheaders = rec->nheaders,
	                   .has_key = rec->key != NULL,
	                   .has_value = rec->value != NULL};
	p->headers = (rc_record_header_t *)p->data;
	at = p->data + rec->nheaders * sizeof(rc_record_header_t);
	p->key = at;
	if (rec->keylen)
		memcpy(p->key, rec->key, rec->keylen);
	at += rec->keylen;
	p->value = at;
	if (rec->vallen)
		memcpy(p->value, rec->value, rec->vallen);
	at += rec->vallen;
	for (size_t i = 0; i < rec->nheaders; i++) {
		size_t nlen = strlen(rec->headers[i].name) + 1;
		memcpy(at, rec->headers[i].name, nlen);
		p->headers[i].name = (const char *)at;
		at += nlen;
		if (rec->headers[i].len)
			memcpy(at, rec->headers[i].value, rec->headers[i].len);
		p->headers[i].value = at;
		p->headers[i].len = rec->headers[i].len;
		at += rec->headers[i].len;
	}
	return p;
}

int pl_emit(pipeline_t *pl, const rc_record_t *rec, rc_ack_txn_t *txn, char *err, size_t errlen)
{
	pl_park_t *pk = &pl->park;
	uint64_t token = pl->enc->ops->pending ? pl->enc->ops->pending(pl->enc) : 0;
	int64_t size = (int64_t)(rec->keylen + rec->vallen) + RECORD_OVERHEAD_BYTES;
	pl_parked_t *p;
	size_t ti;

	/* Records whose ids came go first: else a topic, once parked, stays parked record by record,
	 * each one handed over only when the next one's wait for the bound times out. */
	if (pk->head) {
		int rc = pl_park_flush(pl, err, errlen);
		if (rc != RC_OK)
			return rc;
	}
	if (!token && !topic_parked(pk, rec->topic))
		return pl_publish(pl, rec, txn, err, errlen);
	if (!txn) {
		snprintf(err, errlen, "%s: a record waiting for its schema ids has no transaction",
		         rec->topic);
		return RC_ERR_FATAL;
	}
	/* Parked records are in flight: the bounds hold for them as for those in the sink's queue. */
	while (pl_over_bound(pl, size)) {
		int rc = pl_wait_full(pl, err, errlen);
		if (rc != RC_OK)
			return rc;
	}
	ti = topic_index(pk, rec->topic);
	if (ti == SIZE_MAX || !(p = parked_copy(rec))) {
		snprintf(err, errlen, "%s: out of memory for a record waiting for its schema ids",
		         rec->topic);
		return RC_ERR_FATAL;
	}
	p->txn = txn;
	p->token = token;
	p->topic = ti;
	if (pk->tail)
		pk->tail->next = p;
	else
		pk->head = p;
	pk->tail = p;
	pk->n++;
	pk->topics[ti].n++;
	rc_acktrack_add(&pl->track, txn, 1);
	rc_acktrack_add_bytes(&pl->track, txn, size);
	return RC_OK;
}

int pl_park_flush(pipeline_t *pl, char *err, size_t errlen)
{
	pl_park_t *pk = &pl->park;
	pl_parked_t *prev = NULL, *p = pk->head;

	pk->sink_full = false;
	if (!p)
		return RC_OK;
	for (size_t i = 0; i < pk->ntopics; i++)
		pk->topics[i].blocked = false;
	while (p) {
		pl_park_topic_t *tp = &pk->topics[p->topic];
		rc_record_t rec;
		int rc;

		if (tp->blocked) {
			prev = p;
			p = p->next;
			continue;
		}
		if (p->token) {
			rc = pl->enc->ops->resolve(pl->enc, p->token, p->key, p->keylen, p->value, p->vallen,
			                           err, errlen);
			if (rc == RC_ENCODER_WAITING) {
				tp->blocked = true;
				prev = p;
				p = p->next;
				continue;
			}
			if (rc != RC_OK)
				return rc;
			p->token = 0;
		}
		rec = (rc_record_t){.topic = tp->topic,
		                    .key = p->has_key ? p->key : NULL,
		                    .keylen = p->keylen,
		                    .value = p->has_value ? p->value : NULL,
		                    .vallen = p->vallen,
		                    .headers = p->nheaders ? p->headers : NULL,
		                    .nheaders = p->nheaders};
		rc = pl->sink->ops->publish(pl->sink, &rec, p->txn, err, errlen);
		if (rc == RC_FULL) {
			pk->sink_full = true;
			return RC_OK;
		}
		if (rc == RC_ERR_REFUSED)
			return RC_ERR_FATAL; /* the source position stays before this record */
		if (rc != RC_OK)
			return RC_ERR_RETRY;
		/* Counted in flight when parked: only its hand-over is new. */
		rc_acktrack_mark_produced(p->txn);
		pl->obs.produced++;
		tp->n--;
		pk->n--;
		if (prev)
			prev->next = p->next;
		else
			pk->head = p->next;
		if (pk->tail == p)
			pk->tail = prev;
		free(p);
		p = prev ? prev->next : pk->head;
	}
	return RC_OK;
}

int pl_park_drain(pipeline_t *pl, int timeout_ms, char *err, size_t errlen)
{
	int64_t until = rc_clock_ms() + timeout_ms, left;
	int efd = pl->enc->ops->fd ? pl->enc->ops->fd(pl->enc) : -1;

	for (;;) {
		struct pollfd pfd[2] = {{.fd = efd, .events = POLLIN},
		                        {.fd = rc_signals_fd(), .events = POLLIN}};
		int rc = pl_park_flush(pl, err, errlen);

		if (rc != RC_OK)
			return rc;
		if (!pl->park.head)
			return RC_OK;
		if (rc_stop_requested() || (left = until - rc_clock_ms()) <= 0) {
			rc_log_warn(
			    "pipeline",
			    "%zu records still wait for their schema ids: not confirmed, read again on "
			    "restart",
			    pl->park.n);
			return RC_OK;
		}
		poll(pfd, 2, left < FULL_WAIT_MS ? (int)left : FULL_WAIT_MS);
		if (efd >= 0)
			rc_wakepipe_drain(efd);
		pl->sink->ops->poll(pl->sink, 0);
	}
}

/* A registration ended: the next turn flushes what it unblocked. */
static void on_encoder(rc_loop_t *loop, int fd, int ready, void *opaque)
{
	(void)loop;
	(void)ready;
	(void)opaque;
	rc_wakepipe_drain(fd);
}

int pl_park_watch(pipeline_t *pl)
{
	int fd = pl->enc->ops->fd ? pl->enc->ops->fd(pl->enc) : -1;

	pl->park.fd_watched = false;
	if (fd < 0)
		return RC_OK;
	if (rc_loop_add_fd(pl->loop, fd, RC_LOOP_READABLE, on_encoder, pl) != RC_OK)
		return RC_ERR_FATAL;
	pl->park.fd_watched = true;
	return RC_OK;
}

void pl_park_unwatch(pipeline_t *pl)
{
	if (pl->park.fd_watched)
		rc_loop_del_fd(pl->loop, pl->enc->ops->fd(pl->enc));
	pl->park.fd_watched = false;
}

void pl_park_clear(pipeline_t *pl)
{
	pl_park_t *pk = &pl->park;

	if (pk->n)
		rc_log_info("pipeline",
		            "%zu records waiting for their schema ids dropped with the stream: "
		            "read again from the confirmed position",
		            pk->n);
	while (pk->head) {
		pl_parked_t *p = pk->head;
		pk->head = p->next;
		free(p);
	}
	for (size_t i = 0; i < pk->ntopics; i++)
		free(pk->topics[i].topic);
	free(pk->topics);
	*pk = (pl_park_t){0};
}
