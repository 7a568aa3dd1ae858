/* The encoders behind agent/encoder.h: Confluent-framed Avro with the Schema Registry (Kafka), and
 * JSON lines (stdout). */
#ifndef RC_ENCODERS_H
#define RC_ENCODERS_H

#include "agent/conf.h"
#include "agent/encoder.h"

/* The encoder sink.type calls for, for events of connector ("postgresql", "mysql", "mariadb": the
 * shape of the source block). Returns it (free with enc->ops->free), or NULL with err filled. */
rc_encoder_t *rc_encoder_new(const rc_conf_t *conf, const char *connector, char *err, size_t errlen);

#endif
