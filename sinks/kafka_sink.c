#include "config.h"

#include "sinks/kafka_sink.h"

#include "agent/log.h"
#include "sinks/kafka_conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ERROR_LOG_INTERVAL_S 10
#define TOPIC_METADATA_TIMEOUT_MS 5000

typedef struct kafka_sink {
	rc_sink_t base;
	rd_kafka_t *rk;
	char broken[512];      /* non-empty once a fatal error was raised */
	time_t last_error_log; /* broker errors repeat while a broker is down: log them at intervals */
	int suppressed_errors;
	char **topics; /* topics whose metadata was fetched (owned) */
	size_t ntopics, captopics;
} kafka_sink_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	kafka_sink_t *ks = opaque;
	char why[512];

	(void)rk;
	if (m->err)
		snprintf(why, sizeof why, "Kafka delivery to %s failed: %s", rd_kafka_topic_name(m->rkt),
		         rd_kafka_err2str(m->err));
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

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	/* syslog levels: 0-3 errors, 4 warning, 5-6 info, 7 debug */
	if (level <= 3)
		rc_log_error("kafka", "%s: %s", fac, buf);
	else if (level == 4)
		rc_log_warn("kafka", "%s: %s", fac, buf);
	else
		rc_log_debug("kafka", "%s: %s", fac, buf);
}

/* librdkafka asks for a new topic's metadata only on its next 1 s timer, and a topic the broker
 * auto-creates needs a second round: the first records of every new topic waited ~2 s while the
 * queue filled. Asking once, at the topic's first record, takes milliseconds. */
static void warm_topic(kafka_sink_t *ks, const char *topic)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt;
	char **grown, *copy;

	for (size_t i = 0; i < ks->ntopics; i++)
		if (strcmp(ks->topics[i], topic) == 0)
			return;
	if (ks->ntopics == ks->captopics) {
		size_t cap = ks->captopics ? ks->captopics * 2 : 16;
		if (!(grown = realloc(ks->topics, cap * sizeof *grown)))
			return; /* only an optimisation */
		ks->topics = grown;
		ks->captopics = cap;
	}
	if (!(copy = strdup(topic)))
		return;
	ks->topics[ks->ntopics++] = copy;
	rkt = rd_kafka_topic_new(ks->rk, topic, NULL);
	if (!rkt)
		return;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (rd_kafka_metadata(ks->rk, 0, rkt, &md, TOPIC_METADATA_TIMEOUT_MS) !=
		    RD_KAFKA_RESP_ERR_NO_ERROR)
			break;
		bool ready = md->topic_cnt == 1 && md->topics[0].partition_cnt > 0;
		rd_kafka_metadata_destroy(md);
		if (ready)
			break;
	}
	rd_kafka_topic_destroy(rkt);
}

static int publish(rc_sink_t *sink, const rc_record_t *rec, void *ticket, char *err, size_t errlen)
{
	kafka_sink_t *ks = (kafka_sink_t *)sink;
	rd_kafka_resp_err_t kerr;

	warm_topic(ks, rec->topic);

	kerr = rd_kafka_producev(ks->rk, RD_KAFKA_V_TOPIC(rec->topic), RD_KAFKA_V_KEY(rec->key, rec->keylen),
	                         RD_KAFKA_V_VALUE((void *)rec->value, rec->vallen),
	                         RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(ticket),
	                         RD_KAFKA_V_END);
	if (kerr == RD_KAFKA_RESP_ERR__QUEUE_FULL)
		return RC_FULL;
	if (kerr == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
		snprintf(err, errlen,
		         "a record of %zu bytes for %s exceeds the producer's limit: raise "
		         "kafka.message.max.bytes and "
		         "the broker's message.max.bytes (or the topic's max.message.bytes)",
		         rec->keylen + rec->vallen, rec->topic);
		return RC_ERR_REFUSED;
	}
	if (kerr) {
		snprintf(err, errlen, "cannot produce to %s: %s", rec->topic, rd_kafka_err2str(kerr));
		return RC_ERR_RETRY;
	}
	return RC_OK;
}

static int poll_sink(rc_sink_t *sink, int timeout_ms)
{
	return rd_kafka_poll(((kafka_sink_t *)sink)->rk, timeout_ms);
}

static int flush_sink(rc_sink_t *sink, int timeout_ms)
{
	kafka_sink_t *ks = (kafka_sink_t *)sink;
	rd_kafka_flush(ks->rk, timeout_ms);
	return rd_kafka_outq_len(ks->rk) > 0 ? -1 : 0;
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

static void free_sink(rc_sink_t *sink)
{
	kafka_sink_t *ks = (kafka_sink_t *)sink;

	if (!ks)
		return;
	/* Undelivered messages get failed delivery reports: their transactions are not confirmed. */
	rd_kafka_purge(ks->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	rd_kafka_poll(ks->rk, 0);
	rd_kafka_destroy(ks->rk);
	for (size_t i = 0; i < ks->ntopics; i++)
		free(ks->topics[i]);
	free(ks->topics);
	free(ks);
}

static const rc_sink_ops_t kafka_ops = {
    .name = "kafka",
    .publish = publish,
    .poll = poll_sink,
    .flush = flush_sink,
    .inflight = inflight,
    .broken = broken,
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
	ks->base.ops = &kafka_ops;
	ks->base.on_ack = on_ack;
	ks->base.ack_opaque = ack_opaque;
	rd_kafka_conf_set_opaque(kc, ks);
	rd_kafka_conf_set_dr_msg_cb(kc, on_delivery);
	rd_kafka_conf_set_error_cb(kc, on_error);
	rd_kafka_conf_set_log_cb(kc, on_log);
	ks->rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, why, sizeof why);
	if (!ks->rk) {
		snprintf(err, errlen, "cannot create the Kafka producer: %s", why);
		rd_kafka_conf_destroy(kc);
		free(ks);
		return NULL;
	}
	return &ks->base;
}
