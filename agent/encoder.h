/*
 * The encoder interface: turns a change event into a record's bytes (Confluent-framed Avro for
 * Kafka, JSON for stdout). The record's buffers belong to the encoder and stay valid until its next
 * encode call.
 */
#ifndef RC_ENCODER_H
#define RC_ENCODER_H

#include "agent/event.h"
#include "agent/meta_records.h"
#include "agent/sink.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct rc_encoder rc_encoder_t;

typedef struct rc_encoder_ops {
	/* Encodes ev, or with tombstone the tombstone that follows a delete (same key, null value).
	 * Returns RC_OK, or an RC_ERR_* class (agent/errors.h) with the reason in err. */
	int (*encode)(rc_encoder_t *enc, const rc_event_t *ev, bool tombstone, rc_record_t *out, char *err,
	              size_t errlen);
	/* Optional (NULL: not supported): a transaction's BEGIN or END record, and a heartbeat. Same
	 * returns and buffer lifetime as encode. */
	int (*encode_txn)(rc_encoder_t *enc, const rc_txn_record_t *tr, rc_record_t *out, char *err,
	                  size_t errlen);
	int (*encode_heartbeat)(rc_encoder_t *enc, const rc_heartbeat_record_t *hr, rc_record_t *out,
	                        char *err, size_t errlen);
	void (*free)(rc_encoder_t *enc);
} rc_encoder_ops_t;

struct rc_encoder {
	const rc_encoder_ops_t *ops;
};

#endif
