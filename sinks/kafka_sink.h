/* The Kafka sink: an idempotent librdkafka producer (acks=all, Java-compatible murmur2 partitioning). */
#ifndef RC_KAFKA_SINK_H
#define RC_KAFKA_SINK_H

#include "agent/conf.h"
#include "agent/sink.h"

/* Creates the producer from the kafka.* properties. Returns the sink (free with sink->ops->free),
 * or NULL with the reason in err. */
rc_sink_t *rc_kafka_sink_new(const rc_conf_t *conf, rc_sink_ack_fn on_ack, void *ack_opaque, char *err,
                             size_t errlen);

#endif
