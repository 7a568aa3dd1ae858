/* The Kafka signal channel (sinks/signal_kafka.h). */
#include "config.h"

#include "sinks/signal_kafka.h"

#include "agent/errors.h"
#include "agent/log.h"
#include "sinks/kafka_conf.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PER_POLL 100 /* records handled per poll: the loop has other work */

typedef struct signal_kafka {
	rc_signal_channel_t base;
	rd_kafka_t *rk;
	char *prefix; /* topic.prefix: the key of this rowcast's signals */
	char *topic;
	bool missing_logged;
} signal_kafka_t;

const char *rc_signal_kafka_topic(const rc_conf_t *conf, char *buf, size_t len)
{
	const char *t = rc_conf_get(conf, "signal.kafka.topic");

	if (t && *t)
		return t;
	snprintf(buf, len, "%s-signal", rc_conf_get(conf, "topic.prefix"));
	return buf;
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	rc_kafka_log("signal", level, fac, buf);
}

/* A signal topic nobody created yet is normal (the first signal's producer creates it): said once,
 * not every second as librdkafka reports it. */
static void on_error(rd_kafka_t *rk, int code, const char *reason, void *opaque)
{
	bool missing =
	    code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || code == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
	bool *missing_logged = opaque;

	(void)rk;
	if (missing && missing_logged && *missing_logged) {
		rc_log_debug("signal", "Kafka signal channel: %s", reason);
		return;
	}
	if (missing && missing_logged)
		*missing_logged = true;
	rc_log_warn("signal", "Kafka signal channel: %s (%s)%s", reason,
	            rd_kafka_err2name((rd_kafka_resp_err_t)code),
	            missing ? "; waiting for it to be created" : "");
}

/* kafka.* (security, timeouts), then the signal channel's own brokers. */
static int set_common(rd_kafka_conf_t *kc, const rc_conf_t *conf, char *err, size_t errlen)
{
	const char *servers = rc_conf_get(conf, "signal.kafka.bootstrap.servers");
	char why[512];

	if (!servers || !*servers)
		servers = rc_conf_get(conf, "kafka.bootstrap.servers");
	if (!servers || !*servers) {
		snprintf(
		    err, errlen,
		    "signal.enabled.channels lists kafka, but neither signal.kafka.bootstrap.servers nor "
		    "kafka.bootstrap.servers is set");
		return -1;
	}
	if (rd_kafka_conf_set(kc, "bootstrap.servers", servers, why, sizeof why) != RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "signal.kafka.bootstrap.servers: %s", why);
		return -1;
	}
	rd_kafka_conf_set_log_cb(kc, on_log);
	rd_kafka_conf_set_error_cb(kc, on_error);
	return 0;
}

/* One record: skipped (another rowcast's key), or parsed and handled, then its offset committed. */
static void take(signal_kafka_t *sk, rc_signal_router_t *r, rd_kafka_message_t *m)
{
	size_t plen = strlen(sk->prefix);
	char id[32], err[1024];
	rc_signal_t sig;

	if (!m->key || m->key_len != plen || memcmp(m->key, sk->prefix, plen) != 0) {
		rc_log_debug("signal",
		             "Kafka signal at offset %" PRId64 " is keyed for another connector: skipped",
		             m->offset);
	} else {
		/* Debezium's id is the value's "id" (null without one); rowcast's fallback is the offset. */
		snprintf(id, sizeof id, "%" PRId64, m->offset);
		if (rc_signal_parse_json(&sig, "kafka", id, true, m->payload, m->payload ? m->len : 0, err,
		                         sizeof err) != 0) {
			rc_signal_refused(r, err);
		} else {
			rc_signal_handle(r, &sig);
			rc_signal_clear(&sig);
		}
	}
	rd_kafka_commit_message(sk->rk, m, 1); /* async: a lost commit means the signal runs again */
}

static int sk_poll(rc_signal_channel_t *ch, rc_signal_router_t *r, char *err, size_t errlen)
{
	signal_kafka_t *sk = (signal_kafka_t *)ch;
	int n = 0;

	while (n < MAX_PER_POLL) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(sk->rk, 0);

		if (!m)
			break;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			rd_kafka_message_destroy(m);
			continue;
		}
		if (m->err) {
			bool missing = m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
			               m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
			snprintf(err, errlen, "topic %s: %s", sk->topic, rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			if (missing && sk->missing_logged)
				return 0;
			sk->missing_logged = sk->missing_logged || missing;
			return RC_ERR_RETRY;
		}
		take(sk, r, m);
		rd_kafka_message_destroy(m);
		n++;
	}
	return n;
}

static void sk_free(rc_signal_channel_t *ch)
{
	signal_kafka_t *sk = (signal_kafka_t *)ch;

	if (sk->rk) {
		rd_kafka_consumer_close(sk->rk);
		rd_kafka_destroy(sk->rk);
	}
	free(sk->prefix);
	free(sk->topic);
	free(sk);
}

static const rc_signal_channel_ops_t sk_ops = {.poll = sk_poll, .free = sk_free};

rc_signal_channel_t *rc_signal_kafka_new(const rc_conf_t *conf, char *err, size_t errlen)
{
	const char *const settings[][2] = {
	    {"client.id", "rowcast-signal"},   {"group.id", rc_conf_get(conf, "signal.kafka.groupId")},
	    {"enable.auto.commit", "false"},   {"auto.offset.reset", "earliest"},
	    {"enable.partition.eof", "false"},
	};
	signal_kafka_t *sk = calloc(1, sizeof *sk);
	rd_kafka_conf_t *kc = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *parts = NULL;
	rd_kafka_resp_err_t code;
	char why[512], tbuf[512];

	if (!sk || !kc) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	sk->base.ops = &sk_ops;
	sk->prefix = strdup(rc_conf_get(conf, "topic.prefix"));
	sk->topic = strdup(rc_signal_kafka_topic(conf, tbuf, sizeof tbuf));
	if (!sk->prefix || !sk->topic) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (rc_kafka_conf_apply_props(kc, conf, err, errlen) != 0 || set_common(kc, conf, err, errlen) != 0)
		goto fail;
	rd_kafka_conf_set_opaque(kc, &sk->missing_logged);
	for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
		if (rd_kafka_conf_set(kc, settings[i][0], settings[i][1] ? settings[i][1] : "kafka-signal",
		                      why, sizeof why) != RD_KAFKA_CONF_OK) {
			snprintf(err, errlen, "Kafka signal channel: %s: %s", settings[i][0], why);
			goto fail;
		}
	sk->rk = rd_kafka_new(RD_KAFKA_CONSUMER, kc, why, sizeof why);
	if (!sk->rk) {
		snprintf(err, errlen, "Kafka signal channel: cannot create a consumer: %s", why);
		goto fail;
	}
	kc = NULL; /* the consumer's now */
	rd_kafka_poll_set_consumer(sk->rk);
	/* Partition 0 only, as Debezium reads it; from the group's committed offset, else the start. */
	parts = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(parts, sk->topic, 0)->offset = RD_KAFKA_OFFSET_STORED;
	code = rd_kafka_assign(sk->rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	if (code) {
		snprintf(err, errlen, "Kafka signal channel: cannot read %s: %s", sk->topic,
		         rd_kafka_err2str(code));
		goto fail;
	}
	rc_log_info("signal", "reading signals from Kafka topic %s (partition 0, group %s, key %s)",
	            sk->topic, rc_conf_get(conf, "signal.kafka.groupId"), sk->prefix);
	return &sk->base;
fail:
	if (kc)
		rd_kafka_conf_destroy(kc);
	if (sk)
		sk_free(&sk->base);
	return NULL;
}

typedef struct delivery {
	bool done;
	rd_kafka_resp_err_t code;
	int64_t offset;
} delivery_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	delivery_t *d = m->_private;

	(void)rk;
	(void)opaque;
	d->done = true;
	d->code = m->err;
	d->offset = m->offset;
}

int rc_signal_kafka_send(const rc_conf_t *conf, const char *value, int timeout_ms, int64_t *offset, char *err,
                         size_t errlen)
{
	rd_kafka_conf_t *kc = rc_kafka_conf_new(conf, err, errlen);
	const char *prefix = rc_conf_get(conf, "topic.prefix");
	char why[512], tbuf[512];
	const char *topic = rc_signal_kafka_topic(conf, tbuf, sizeof tbuf);
	delivery_t d = {0};
	rd_kafka_resp_err_t code;
	rd_kafka_t *rk;

	if (!kc)
		return -1;
	if (set_common(kc, conf, err, errlen) != 0) {
		rd_kafka_conf_destroy(kc);
		return -1;
	}
	rd_kafka_conf_set_dr_msg_cb(kc, on_delivery);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, why, sizeof why);
	if (!rk) {
		snprintf(err, errlen, "cannot create a Kafka producer: %s", why);
		rd_kafka_conf_destroy(kc);
		return -1;
	}
	code = rd_kafka_producev(
	    rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_KEY(prefix, strlen(prefix)),
	    RD_KAFKA_V_VALUE((void *)value, strlen(value)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_OPAQUE(&d), RD_KAFKA_V_END);
	if (code) {
		snprintf(err, errlen, "cannot send to %s: %s", topic, rd_kafka_err2str(code));
		rd_kafka_destroy(rk);
		return -1;
	}
	rd_kafka_flush(rk, timeout_ms);
	rd_kafka_poll(rk, 0);
	if (!d.done || d.code) {
		snprintf(err, errlen, "the signal was not acknowledged by Kafka (topic %s, brokers %s): %s",
		         topic,
		         rc_conf_get(conf, "signal.kafka.bootstrap.servers")
		             ? rc_conf_get(conf, "signal.kafka.bootstrap.servers")
		             : rc_conf_get(conf, "kafka.bootstrap.servers"),
		         d.done ? rd_kafka_err2str(d.code) : "timed out");
		rd_kafka_destroy(rk);
		return -1;
	}
	*offset = d.offset;
	rd_kafka_destroy(rk);
	return 0;
}
