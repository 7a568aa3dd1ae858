/* librdkafka configuration from rowcast's kafka.* properties. */
#ifndef RC_KAFKA_CONF_H
#define RC_KAFKA_CONF_H

#include "agent/conf.h"

#include <librdkafka/rdkafka.h>
#include <stddef.h>

/*
 * Returns a librdkafka configuration holding rowcast's producer defaults (idempotence, acks=all)
 * overridden by every kafka.<name> property, or NULL with the offending property named in err (the
 * value is not shown when the property is a secret). librdkafka's log lines go to rowcast's log
 * (subsystem "kafka"). Caller owns the result: rd_kafka_new takes it,
 * otherwise rd_kafka_conf_destroy.
 */
rd_kafka_conf_t *rc_kafka_conf_new(const rc_conf_t *conf, char *err, size_t errlen);

/* Sets every kafka.<name> property on kc (a consumer's too: the offset store's readers). Returns 0,
 * or -1 with the property librdkafka rejected named in err. */
int rc_kafka_conf_apply_props(rd_kafka_conf_t *kc, const rc_conf_t *conf, char *err, size_t errlen);

/* Logs one librdkafka log line (syslog level) under component, in rowcast's format and masking. */
void rc_kafka_log(const char *component, int level, const char *fac, const char *buf);

#endif
