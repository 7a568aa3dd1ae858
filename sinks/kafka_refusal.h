/*
 * Records Kafka refuses for good (issue 14, T25): which delivery errors retrying cannot cure, and
 * the words that say what is at fault (topic, partition, key, size and the limit it passed), so that
 * rowcast stops with them instead of re-reading and re-sending the same record for ever.
 */
#ifndef RC_KAFKA_REFUSAL_H
#define RC_KAFKA_REFUSAL_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>

/* True when a delivery report's err is permanent: the record, its topic or the credentials must
 * change (too large, invalid record, not authorised, no such topic or partition). A broker down, a
 * timeout or a leader moving are not: they stay retried (restart from the confirmed position). */
bool rc_kafka_err_permanent(rd_kafka_resp_err_t err);

/* Writes the refused record's description to out: "<error> (<name>): topic T partition P, key K
 * (n bytes), value v bytes, n+v in all". key is Confluent-framed Avro: its bytes after the 5-byte
 * header are shown in hex (the first 32). */
void rc_kafka_refusal_describe(rd_kafka_resp_err_t err, const char *topic, int32_t partition, const void *key,
                               size_t keylen, size_t vallen, char *out, size_t outlen);

/* Asks the broker for topic's max.message.bytes (the topic's own or the broker's message.max.bytes it
 * inherits), waiting at most timeout_ms. Returns the limit in bytes, or -1 with why filled when the
 * broker did not say (unreachable, not authorised to describe). */
long long rc_kafka_topic_max_bytes(rd_kafka_t *rk, const char *topic, int timeout_ms, char *why,
                                   size_t whylen);

#endif
