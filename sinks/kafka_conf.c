#include "config.h"

#include "sinks/kafka_conf.h"

#include <stdio.h>
#include <string.h>

/* No loss and per-key order are the point of rowcast: these are the defaults a user may not need
 * to know about. A user may still override them through kafka.*, on purpose. */
static const char *const producer_defaults[][2] = {
    {"enable.idempotence", "true"},
    {"acks", "all"},
    {"linger.ms", "20"},
    {"compression.type", "lz4"},
    {"partitioner", "murmur2_random"}, /* what Java clients do, so topics co-partition */
    {"client.id", "rowcast"},
    /* Bounds rowcast's memory when Kafka is slow: the source pauses when the queue is full. */
    {"queue.buffering.max.kbytes", "131072"},
};

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

rd_kafka_conf_t *rc_kafka_conf_new(const rc_conf_t *conf, char *err, size_t errlen)
{
	rd_kafka_conf_t *kc = rd_kafka_conf_new();
	struct apply_ctx ctx = {kc, err, errlen};
	char why[512];

	for (size_t i = 0; i < sizeof producer_defaults / sizeof producer_defaults[0]; i++) {
		if (rd_kafka_conf_set(kc, producer_defaults[i][0], producer_defaults[i][1], why,
		                      sizeof why) != RD_KAFKA_CONF_OK) {
			snprintf(err, errlen, "librdkafka default %s: %s", producer_defaults[i][0], why);
			rd_kafka_conf_destroy(kc);
			return NULL;
		}
	}
	if (rc_conf_foreach_prefix(conf, "kafka.", apply, &ctx) != 0) {
		rd_kafka_conf_destroy(kc);
		return NULL;
	}
	return kc;
}
