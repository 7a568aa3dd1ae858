#include "config.h"

#include "sinks/kafka_conf.h"

#include "agent/log.h"

#include <stdio.h>
#include <string.h>

/* No loss and per-key order are the point of rowcast: these are the defaults a user may not need
 * to know about. A user may still override them through kafka.*, on purpose. */
static const char *const producer_defaults[][2] = {
    {"enable.idempotence", "true"},    {"acks", "all"}, {"linger.ms", "20"}, {"compression.type", "lz4"},
    {"partitioner", "murmur2_random"}, /* what Java clients do, so topics co-partition */
    {"client.id", "rowcast"},
};

#define QUEUE_MAX 2147483647LL        /* librdkafka's ceiling of both queue limits */
#define QUEUE_SLACK_KBYTES (2 * 1024) /* a record larger than the byte bound goes alone: 2 MB over */
#define QUEUE_SLACK_MESSAGES 1000     /* records published beside the events (heartbeats, tombstones) */

/*
 * librdkafka's own queue limits, sized from rowcast's bounds (max.queue.size, max.queue.size.in.bytes)
 * so that the pipeline's bound is reached first and the source pauses between records: librdkafka
 * counts a message's key and value, rowcast the same plus an overhead per record, so its byte count is
 * never below librdkafka's. Without a byte bound, librdkafka gets none either (the user asked for a
 * count only). kafka.queue.buffering.max.* still override these, on purpose.
 */
static int set_queue_limits(rd_kafka_conf_t *kc, const rc_conf_t *conf, char *err, size_t errlen)
{
	int64_t bytes = rc_conf_get_int(conf, "max.queue.size.in.bytes", 67108864);
	int64_t msgs = rc_conf_get_int(conf, "max.queue.size", 100000);
	int64_t kbytes = bytes > 0 ? bytes / 1024 + 1 + QUEUE_SLACK_KBYTES : QUEUE_MAX;
	char kb[24], n[24], why[512];

	msgs += msgs / 10 + QUEUE_SLACK_MESSAGES;
	snprintf(kb, sizeof kb, "%lld", (long long)(kbytes < QUEUE_MAX ? kbytes : QUEUE_MAX));
	snprintf(n, sizeof n, "%lld", (long long)(msgs < QUEUE_MAX ? msgs : QUEUE_MAX));
	if (rd_kafka_conf_set(kc, "queue.buffering.max.kbytes", kb, why, sizeof why) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(kc, "queue.buffering.max.messages", n, why, sizeof why) != RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "librdkafka queue limits (%s KiB, %s messages): %s", kb, n, why);
		return -1;
	}
	return 0;
}

struct apply_ctx {
	rd_kafka_conf_t *kc;
	char *err;
	size_t errlen;
};

static int apply(const char *key, const char *value, void *opaque)
{
	struct apply_ctx *ctx = opaque;
	char why[512];

	if (rd_kafka_conf_set(ctx->kc, key, value, why, sizeof why) != RD_KAFKA_CONF_OK) {
		snprintf(ctx->err, ctx->errlen, "property 'kafka.%s' rejected by librdkafka: %s", key, why);
		return -1;
	}
	return 0;
}

int rc_kafka_conf_apply_props(rd_kafka_conf_t *kc, const rc_conf_t *conf, char *err, size_t errlen)
{
	struct apply_ctx ctx = {kc, err, errlen};

	return rc_conf_foreach_prefix(conf, "kafka.", apply, &ctx) != 0 ? -1 : 0;
}

void rc_kafka_log(const char *component, int level, const char *fac, const char *buf)
{
	/* syslog levels: 0-3 errors, 4 warning, 5-6 info, 7 debug */
	if (level <= 3)
		rc_log_error(component, "%s: %s", fac, buf);
	else if (level == 4)
		rc_log_warn(component, "%s: %s", fac, buf);
	else
		rc_log_debug(component, "%s: %s", fac, buf);
}

/* librdkafka's log lines in rowcast's format and masking, never its raw "%7|..." lines on stderr. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	rc_kafka_log("kafka", level, fac, buf);
}

rd_kafka_conf_t *rc_kafka_conf_new(const rc_conf_t *conf, char *err, size_t errlen)
{
	rd_kafka_conf_t *kc = rd_kafka_conf_new();
	char why[512];

	for (size_t i = 0; i < sizeof producer_defaults / sizeof producer_defaults[0]; i++) {
		if (rd_kafka_conf_set(kc, producer_defaults[i][0], producer_defaults[i][1], why,
		                      sizeof why) != RD_KAFKA_CONF_OK) {
			snprintf(err, errlen, "librdkafka default %s: %s", producer_defaults[i][0], why);
			rd_kafka_conf_destroy(kc);
			return NULL;
		}
	}
	if (set_queue_limits(kc, conf, err, errlen) != 0 ||
	    rc_kafka_conf_apply_props(kc, conf, err, errlen) != 0) {
		rd_kafka_conf_destroy(kc);
		return NULL;
	}
	rd_kafka_conf_set_log_cb(kc, on_log);
	return kc;
}
