/*
 * Debezium's Kafka signal channel (agent/signal.h): a consumer of partition 0 of signal.kafka.topic
 * (default <topic.prefix>-signal) on signal.kafka.bootstrap.servers (default kafka.bootstrap.servers),
 * in consumer group signal.kafka.groupId, polled from the event loop without waiting. Records keyed
 * by another topic.prefix are not for this rowcast and are skipped; the value is {"id", "type",
 * "data"}, as in Debezium's KafkaSignalChannel; without an id, the record's offset is the signal's id
 * (Debezium's would be null). After a signal is
 * handled its offset is committed to the group, so a restart does not run it again; without a
 * committed offset the reader starts at the topic's beginning (Debezium's earliest).
 */
#ifndef RC_SIGNAL_KAFKA_H
#define RC_SIGNAL_KAFKA_H

#include "agent/conf.h"
#include "agent/signal.h"

#include <stddef.h>
#include <stdint.h>

/* The signal topic's name for conf (static or conf's storage until *buf's next use). */
const char *rc_signal_kafka_topic(const rc_conf_t *conf, char *buf, size_t len);

/* Returns the channel (free with its ops->free), or NULL with err filled. */
rc_signal_channel_t *rc_signal_kafka_new(const rc_conf_t *conf, char *err, size_t errlen);

/*
 * Produces one signal record (key topic.prefix, value as given) to partition 0 of the signal topic
 * and waits, at most timeout_ms, for Kafka to acknowledge it: the `rowcast snapshot --incremental`
 * sender. *offset receives the record's offset. Returns 0, or -1 with err.
 */
int rc_signal_kafka_send(const rc_conf_t *conf, const char *value, int timeout_ms, int64_t *offset, char *err,
                         size_t errlen);

#endif
