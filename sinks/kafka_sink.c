#include "config.h"

#include "sinks/kafka_sink.h"

#include "agent/clock.h"
#include "agent/failpoint.h"
#include "agent/hash.h"
#include "agent/log.h"
#include "agent/metrics.h"
#include "agent/wakepipe.h"
#include "sinks/kafka_conf.h"
#include "sinks/kafka_refusal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ERROR_LOG_INTERVAL_S 10
#define WARM_BUDGET_MS 2000 /* a new topic's metadata is waited for this long at most, in all */
#define WARM_SLICE_MS 250   /* one metadata call: a stop request is seen within this */
#define WARM_AGAIN_MS 50    /* between calls, while the broker creates the topic */
#define WARM_PAUSE_MS 30000 /* after a topic ran out of budget, the brokers are away: warm none */
#define WARM_QUEUE 64       /* new topics waiting for the warmer; more at once are not warmed */

/* Topics whose metadata was asked for: open addressing, linear probing. */
typedef struct topic_set {
	char **slot; /* owned strings; NULL is a free slot */
	size_t cap;  /* 0, or a power of two at least twice n */
	size_t n;
} topic_set_t;

typedef struct kafka_sink {
	rc_sink_t base;
	rd_kafka_t *rk;
	rd_kafka_queue_t *mainq; /* where delivery reports and errors arrive; NULL without the pipe */
	int wake[2];             /* librdkafka writes [1] when mainq goes from empty to non-empty */
	char broken[512];        /* non-empty once a fatal error was raised */
	/* The first record refused for good (kafka_refusal.h): what it was, its topic and error; the
	 * topic's limit is asked for once, by refused(), outside the delivery callback. */
	char refused[700];
	char refused_topic[256];
	rd_kafka_resp_err_t refused_err;
	bool refused_told;
	time_t last_error_log; /* broker errors repeat while a broker is down: log them at intervals */
	int suppressed_errors;
	topic_set_t warmed; /* the loop's: topics handed to the warmer */

	/* The warmer (warm_main): new topics' metadata asked for on a thread of its own. */
	pthread_t warm_thread;
	bool warm_started;
	pthread_mutex_t warm_mu; /* guards the queue and warm_quit */
	pthread_cond_t warm_cv;
	char *warm_queue[WARM_QUEUE]; /* owned names, warm_n from warm_head on (a ring) */
	size_t warm_head, warm_n;
	bool warm_quit;
	int64_t warm_paused_until_ms; /* the warmer's */
	/* The last record's topic and librdkafka's handle of it: producing by name costs a lookup under
	 * a lock and a reference taken and dropped for every record, and records come in runs of one
	 * topic. Owned: last_topic (malloc), one reference to last_rkt (released before rk goes). */
	char *last_topic;
	rd_kafka_topic_t *last_rkt;
	int64_t queued_bytes; /* keys and values handed to librdkafka and not yet reported */
} kafka_sink_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	kafka_sink_t *ks = opaque;
	char why[512];

	(void)rk;
	ks->queued_bytes -= (int64_t)(m->len + m->key_len);
	if (m->err && rc_kafka_err_permanent(m->err)) {
		rc_kafka_refusal_describe(m->err, rd_kafka_topic_name(m->rkt), m->partition, m->key,
		                          m->key_len, m->len, why, sizeof why);
		if (!ks->refused[0]) { /* the first says why; the records after it fail with it */
			snprintf(ks->refused, sizeof ks->refused, "%s", why);
			snprintf(ks->refused_topic, sizeof ks->refused_topic, "%s",
			         rd_kafka_topic_name(m->rkt));
			ks->refused_err = m->err;
		}
	} else if (m->err) {
		snprintf(why, sizeof why, "Kafka delivery to %s failed: %s", rd_kafka_topic_name(m->rkt),
		         rd_kafka_err2str(m->err));
	}
	ks->base.on_ack(m->_private, m->err == RD_KAFKA_RESP_ERR_NO_ERROR, m->err ? why : NULL,
	                ks->base.ack_opaque);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	kafka_sink_t *ks = opaque;
	time_t now = time(NULL);

	if (rd_kafka_fatal_error(rk, NULL, 0) != RD_KAFKA_RESP_ERR_NO_ERROR ||
	    err == RD_KAFKA_RESP_ERR__FATAL) {
		char fatal[400];
		rd_kafka_fatal_error(rk, fatal, sizeof fatal);
		snprintf(ks->broken, sizeof ks->broken, "fatal Kafka producer error: %s", fatal);
		rc_log_error("kafka", "%s", ks->broken);
		return;
	}
	/* Transient: librdkafka retries by itself. Logged at intervals so a dead broker does not
	 * flood the log, and never silently. */
	if (now - ks->last_error_log >= ERROR_LOG_INTERVAL_S) {
		rc_log_warn("kafka", "%s (%s)%s", reason, rd_kafka_err2name((rd_kafka_resp_err_t)err),
		            ks->suppressed_errors ? " and similar errors" : "");
		ks->last_error_log = now;
		ks->suppressed_errors = 0;
	} else {
		ks->suppressed_errors++;
	}
}

static char **topic_slot(const topic_set_t *set, const char *topic)
{
	size_t i = (size_t)rc_hash_str(topic) & (set->cap - 1);

	while (set->slot[i] && strcmp(set->slot[i], topic) != 0)
		i = (i + 1) & (set->cap - 1);
	return &set->slot[i];
}

/* Adds topic (borrowed, copied). Returns false when it was there already, or out of memory. */
static bool topic_set_add(topic_set_t *set, const char *topic)
{
	char **slot, *copy;

	if (set->cap && *topic_slot(set, topic))
		return false;
	if (2 * (set->n + 1) > set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;
		topic_set_t grown = {calloc(cap, sizeof(char *)), cap, set->n};
		if (!grown.slot)
			return false;
		for (size_t i = 0; i < set->cap; i++)
			if (set->slot[i])
				*topic_slot(&grown, set->slot[i]) = set->slot[i];
		free(set->slot);
		*set = grown;
	}
	slot = topic_slot(set, topic);
	if (!(copy = strdup(topic)))
		return false;
	*slot = copy;
	set->n++;
	return true;
}

static void topic_set_free(topic_set_t *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
}

/* Waits ms on the warmer's condition (mu held). Returns true when the sink is being freed. */
static bool warm_wait(kafka_sink_t *ks, int ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (!ks->warm_quit && pthread_cond_timedwait(&ks->warm_cv, &ks->warm_mu, &until) == 0)
		;
	return ks->warm_quit;
}

/*
 * librdkafka asks for a new topic's metadata only on its next 1 s timer, and a topic the broker
 * auto-creates needs a second round: the first records of every new topic waited ~2 s while the
 * queue filled. Asking once, at the topic's first record, takes milliseconds.
 *
 * On the warmer's thread, so that the loop never waits for it (it used to, up to WARM_BUDGET_MS at
 * a new topic's first record). Bounded all the same: short calls, WARM_BUDGET_MS in all for a topic,
 * and once a topic ran out of time (brokers away) no topic is warmed for WARM_PAUSE_MS. Giving up
 * costs nothing but the old delay: the record waits in librdkafka's queue.
 */
static void warm_one(kafka_sink_t *ks, const char *topic)
{
	int64_t until = rc_clock_ms() + WARM_BUDGET_MS;
	rd_kafka_topic_t *rkt;

	if (rc_clock_ms() < ks->warm_paused_until_ms || !(rkt = rd_kafka_topic_new(ks->rk, topic, NULL)))
		return;
	for (;;) {
		const struct rd_kafka_metadata *md = NULL;
		int64_t left = until - rc_clock_ms();
		bool ready = false, quit;

		if (left <= 0) {
			rc_log_debug(
			    "kafka",
			    "no metadata for topic %s within %d ms: not waiting for new topics' metadata for %d s",
			    topic, WARM_BUDGET_MS, WARM_PAUSE_MS / 1000);
			ks->warm_paused_until_ms = rc_clock_ms() + WARM_PAUSE_MS;
			break;
		}
		if (rd_kafka_metadata(ks->rk, 0, rkt, &md,
		                      left < WARM_SLICE_MS ? (int)left : WARM_SLICE_MS) ==
		    RD_KAFKA_RESP_ERR_NO_ERROR) {
			ready = md->topic_cnt == 1 && md->topics[0].partition_cnt > 0;
			rd_kafka_metadata_destroy(md);
		}
		if (ready)
			break;
		pthread_mutex_lock(&ks->warm_mu);
		quit = warm_wait(ks, left < WARM_AGAIN_MS ? (int)left : WARM_AGAIN_MS);
		pthread_mutex_unlock(&ks->warm_mu);
		if (quit)
			break;
	}
	rd_kafka_topic_destroy(rkt);
}

static void *warm_main(void *arg)
{
	kafka_sink_t *ks = arg;

	pthread_mutex_lock(&ks->warm_mu);
	for (;;) {
		char *topic;

		while (!ks->warm_n && !ks->warm_quit)
			pthread_cond_wait(&ks->warm_cv, &ks->warm_mu);
		if (ks->warm_quit)
			break;
		topic = ks->warm_queue[ks->warm_head];
		ks->warm_queue[ks->warm_head] = NULL;
		ks->warm_head = (ks->warm_head + 1) % WARM_QUEUE;
		ks->warm_n--;
		pthread_mutex_unlock(&ks->warm_mu);
		warm_one(ks, topic);
		free(topic);
		pthread_mutex_lock(&ks->warm_mu);
	}
	pthread_mutex_unlock(&ks->warm_mu);
	return NULL;
}

/* Hands a topic seen for the first time to the warmer (started at the first). Known topics cost
 * one hash lookup; a full queue or no memory only loses the optimisation. */
static void warm_topic(kafka_sink_t *ks, const char *topic)
{
	char *copy;

	if (!topic_set_add(&ks->warmed, topic))
		return; /* known (or no memory) */
	if (!ks->warm_started) {
		pthread_mutex_init(&ks->warm_mu, NULL);
		pthread_cond_init(&ks->warm_cv, NULL);
		if (pthread_create(&ks->warm_thread, NULL, warm_main, ks) != 0) {
			pthread_cond_destroy(&ks->warm_cv);
			pthread_mutex_destroy(&ks->warm_mu);
			return;
		}
		ks->warm_started = true;
	}
	if (!(copy = strdup(topic)))
		return;
	pthread_mutex_lock(&ks->warm_mu);
	if (ks->warm_n < WARM_QUEUE) {
		ks->warm_queue[(ks->warm_head + ks->warm_n) % WARM_QUEUE] = copy;
		ks->warm_n++;
		copy = NULL;
		pthread_cond_signal(&ks->warm_cv);
	}
	pthread_mutex_unlock(&ks->warm_mu);
	free(copy);
}

/* Ends the warmer (a metadata call in progress ends within WARM_SLICE_MS) and frees its queue. */
static void warm_stop(kafka_sink_t *ks)
{
	if (!ks->warm_started)
		return;
	pthread_mutex_lock(&ks->warm_mu);
	ks->warm_quit = true;
	pthread_cond_broadcast(&ks->warm_cv);
	pthread_mutex_unlock(&ks->warm_mu);
	pthread_join(ks->warm_thread, NULL);
	for (size_t i = 0; i < WARM_QUEUE; i++)
		free(ks->warm_queue[i]);
	pthread_cond_destroy(&ks->warm_cv);
	pthread_mutex_destroy(&ks->warm_mu);
	ks->warm_started = false;
}

/* librdkafka's handle of topic (borrowed from ks), handing a topic new to this run of records to the
 * warmer; NULL when librdkafka refuses the name (rd_kafka_last_error says why). */
static rd_kafka_topic_t *topic_handle(kafka_sink_t *ks, const char *topic)
{
	rd_kafka_topic_t *rkt;
	char *name;

	if (ks->last_rkt && strcmp(ks->last_topic, topic) == 0)
		return ks->last_rkt;
	warm_topic(ks, topic);
	if (!(rkt = rd_kafka_topic_new(ks->rk, topic, NULL)))
		return NULL;
	if (!(name = strdup(topic))) {
		rd_kafka_topic_destroy(rkt);
		return NULL;
	}
	if (ks->last_rkt)
		rd_kafka_topic_destroy(ks->last_rkt);
	free(ks->last_topic);
	ks->last_topic = name;
	ks->last_rkt = rkt;
	return rkt;
}

static int publish(rc_sink_t *sink, const rc_record_t *rec, void *ticket, char *err, size_t errlen)
{
	kafka_sink_t *ks = (kafka_sink_t *)sink;
	rd_kafka_resp_err_t kerr;
	rd_kafka_topic_t *rkt = topic_handle(ks, rec->topic);

	if (!rkt) {
		snprintf(err, errlen, "cannot produce to %s: %s", rec->topic,
		         rd_kafka_err2str(rd_kafka_last_error()));
		return RC_ERR_RETRY;
	}

	if (rec->nheaders > 0) {
		/* Taken by librdkafka when the record is accepted; ours to free otherwise. */
		rd_kafka_headers_t *hdrs = rd_kafka_headers_new(rec->nheaders);
		for (size_t i = 0; i < rec->nheaders; i++)
			rd_kafka_header_add(hdrs, rec->headers[i].name, -1, rec->headers[i].value,
			                    (ssize_t)rec->headers[i].len);
		kerr = rd_kafka_producev(ks->rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_KEY(rec->key, rec->keylen),
		                         RD_KAFKA_V_VALUE((void *)rec->value, rec->vallen),
		                         RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		                         RD_KAFKA_V_OPAQUE(ticket), RD_KAFKA_V_END);
		if (kerr)
			rd_kafka_headers_destroy(hdrs);
	} else {
		kerr = rd_kafka_producev(ks->rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_KEY(rec->key, rec->keylen),
		                         RD_KAFKA_V_VALUE((void *)rec->value, rec->vallen),
		                         RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(ticket),
		                         RD_KAFKA_V_END);
	}
	if (kerr == RD_KAFKA_RESP_ERR__QUEUE_FULL)
		return RC_FULL;
	if (kerr == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
		char what[400], limit[32] = "?";
		size_t limitlen = sizeof limit;

		rc_kafka_refusal_describe(kerr, rec->topic, -1, rec->key, rec->keylen, rec->vallen, what,
		                          sizeof what);
		rd_kafka_conf_get(rd_kafka_conf(ks->rk), "message.max.bytes", limit, &limitlen);
		snprintf(
		    err, errlen,
		    "a record too large for the producer: %s; the producer's limit (kafka.message.max.bytes) is %s bytes: raise it and the broker's message.max.bytes (or the topic's max.message.bytes), or leave the column out (column.exclude.list)",
		    what, limit);
		return RC_ERR_REFUSED;
	}
	if (kerr) {
		snprintf(err, errlen, "cannot produce to %s: %s", rec->topic, rd_kafka_err2str(kerr));
		return RC_ERR_RETRY;
	}
	ks->queued_bytes += (int64_t)(rec->keylen + rec->vallen);
	RC_FAILPOINT("after_produce_before_ack"); /* librdkafka holds it; no delivery report yet */
	return RC_OK;
}

/* /metrics: the producer's queue (collected on the pipeline's thread, which serves the reports). */
static void collect(rc_buf_t *b, void *opaque)
{
	kafka_sink_t *ks = opaque;

	rc_prom_single(b, "rowcast_queue_events", "gauge",
	               "Records in the Kafka producer's queue, sent or not, waiting for their report "
	               "(rd_kafka_outq_len).",
	               (double)rd_kafka_outq_len(ks->rk));
	rc_prom_single(b, "rowcast_queue_bytes", "gauge",
	               "Key and value bytes of the records in the Kafka producer's queue.",
	               (double)ks->queued_bytes);
}

/* Before serving the main queue: librdkafka writes the pipe only when the queue goes from empty to
 * non-empty, so it is drained first, and a write that comes after means something arrived that this
 * serving may miss. */
static void drain_wake(kafka_sink_t *ks)
{
	if (ks->mainq)
		rc_wakepipe_drain(ks->wake[0]);
}

/* After serving: librdkafka serves everything queued at once, but should anything be left (a
 * callback that yields), the pipe is made readable again so the loop comes back for it. */
static void rewake(kafka_sink_t *ks)
{
	if (ks->mainq && rd_kafka_queue_length(ks->mainq) > 0)
		rc_wakepipe_wake(ks->wake[1]);
}

static int poll_sink(rc_sink_t *sink, int timeout_ms)
{
	kafka_sink_t *ks = (kafka_sink_t *)sink;
	int n;

	drain_wake(ks);
	n = rd_kafka_poll(ks->rk, timeout_ms);
	rewake(ks);
	return n;
}

static int flush_sink(rc_sink_t *sink, int timeout_ms)
{
	kafka_sink_t *ks = (kafka_sink_t *)sink;

	drain_wake(ks);
	rd_kafka_flush(ks->rk, timeout_ms); /* bounded by the caller: the pipeline's drain at shutdown */
	rewake(ks);
	return rd_kafka_outq_len(ks->rk) > 0 ? -1 : 0;
}

static int sink_fd(rc_sink_t *sink)
{
	kafka_sink_t *ks = (kafka_sink_t *)sink;

	return ks->mainq ? ks->wake[0] : -1;
}

static long inflight(rc_sink_t *sink)
{
	return rd_kafka_outq_len(((kafka_sink_t *)sink)->rk);
}

static bool broken(rc_sink_t *sink, char *why, size_t len)
{
	kafka_sink_t *ks = (kafka_sink_t *)sink;
	if (ks->broken[0])
		snprintf(why, len, "%s", ks->broken);
	return ks->broken[0] != '\0';
}

/* How long refused() waits for the broker to say the topic's limit: rowcast is stopping anyway. */
#define LIMIT_ASK_MS 5000

static bool refused(rc_sink_t *sink, char *why, size_t len)
{
	kafka_sink_t *ks = (kafka_sink_t *)sink;
	size_t n;

	if (!ks->refused[0])
		return false;
	if (!ks->refused_told && (ks->refused_err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ||
	                          ks->refused_err == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE)) {
		char whynot[256];
		long long limit =
		    rc_kafka_topic_max_bytes(ks->rk, ks->refused_topic, LIMIT_ASK_MS, whynot, sizeof whynot);

		n = strlen(ks->refused);
		if (limit >= 0)
			snprintf(
			    ks->refused + n, sizeof ks->refused - n,
			    "; the broker's limit for the topic (max.message.bytes) is %lld bytes: raise it, "
			    "or leave the column out (column.exclude.list)",
			    limit);
		else
			snprintf(ks->refused + n, sizeof ks->refused - n,
			         "; the broker's limit for the topic (max.message.bytes) is unknown (%s)",
			         whynot);
	}
	ks->refused_told = true;
	snprintf(why, len, "Kafka refused a record for good: %s", ks->refused);
	return true;
}

static void free_sink(rc_sink_t *sink)
{
	kafka_sink_t *ks = (kafka_sink_t *)sink;

	if (!ks)
		return;
	rc_metrics_remove_collector(collect, ks);
	warm_stop(ks);   /* it uses the producer */
	if (ks->mainq) { /* librdkafka must hold no reference to a queue when destroyed */
		rd_kafka_queue_io_event_enable(ks->mainq, -1, NULL, 0);
		rd_kafka_queue_destroy(ks->mainq);
	}
	if (ks->last_rkt) /* queued records hold references of their own */
		rd_kafka_topic_destroy(ks->last_rkt);
	free(ks->last_topic);
	/* Undelivered messages get failed delivery reports: their transactions are not confirmed. */
	rd_kafka_purge(ks->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	rd_kafka_poll(ks->rk, 0);
	rd_kafka_destroy(ks->rk);
	rc_wakepipe_close(ks->wake);
	topic_set_free(&ks->warmed);
	free(ks);
}

static const rc_sink_ops_t kafka_ops = {
    .name = "kafka",
    .publish = publish,
    .poll = poll_sink,
    .flush = flush_sink,
    .fd = sink_fd,
    .inflight = inflight,
    .broken = broken,
    .refused = refused,
    .free = free_sink,
};

rc_sink_t *rc_kafka_sink_new(const rc_conf_t *conf, rc_sink_ack_fn on_ack, void *ack_opaque, char *err,
                             size_t errlen)
{
	kafka_sink_t *ks = calloc(1, sizeof *ks);
	rd_kafka_conf_t *kc;
	char why[512];

	if (!ks) {
		snprintf(err, errlen, "Kafka sink: out of memory");
		return NULL;
	}
	kc = rc_kafka_conf_new(conf, err, errlen);
	if (!kc) {
		free(ks);
		return NULL;
	}
	ks->wake[0] = ks->wake[1] = -1;
	ks->base.ops = &kafka_ops;
	ks->base.on_ack = on_ack;
	ks->base.ack_opaque = ack_opaque;
	rd_kafka_conf_set_opaque(kc, ks);
	rd_kafka_conf_set_dr_msg_cb(kc, on_delivery);
	rd_kafka_conf_set_error_cb(kc, on_error);
	ks->rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, why, sizeof why);
	if (!ks->rk) {
		snprintf(err, errlen, "cannot create the Kafka producer: %s", why);
		rd_kafka_conf_destroy(kc);
		free(ks);
		return NULL;
	}
	/* Delivery reports make the pipe readable (rdkafka.h: "to ease integration with IO based polling
	 * loops"). Without it the sink still works, polled at intervals. */
	if (rc_wakepipe_open(ks->wake) == RC_OK) {
		ks->mainq = rd_kafka_queue_get_main(ks->rk);
		rd_kafka_queue_io_event_enable(ks->mainq, ks->wake[1], "1", 1);
	} else {
		rc_log_warn("kafka", "no wake-up pipe for delivery reports (%s): served at intervals",
		            strerror(errno));
	}
	if (rc_metrics_add_collector(collect, ks) != 0)
		rc_log_warn("kafka", "out of memory: the producer's queue is missing from /metrics");
	return &ks->base;
}
