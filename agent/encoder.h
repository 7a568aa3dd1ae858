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
#include <stdint.h>

/* rc_encoder_ops_t.resolve's code while a registration is still under way (positive: not one of
 * agent/errors.h's classes). */
#define RC_ENCODER_WAITING 1

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

	/*
	 * Optional (NULL: every record encode returns carries its schema ids, registered before encode
	 * returned): schema registration off the caller's thread (sinks/registry_worker.h). After an
	 * encode that returned RC_OK, pending says what its record waits for: 0, nothing (it may go now);
	 * else a token, and the record's key and value carry placeholder ids. The caller keeps a copy
	 * of the record and, once fd became readable (the caller drains it, rc_wakepipe_drain), asks
	 * resolve with the copy's bytes: RC_OK when the ids are known (written into key and value: keylen
	 * or vallen 0 for none), RC_ENCODER_WAITING while a registration is under way, or an RC_ERR_*
	 * class with err naming the subject (RC_ERR_FATAL when the registry refused the schema). Tokens stay
	 * valid until free.
	 */
	uint64_t (*pending)(rc_encoder_t *enc);
	int (*resolve)(rc_encoder_t *enc, uint64_t token, unsigned char *key, size_t keylen,
	               unsigned char *value, size_t vallen, char *err, size_t errlen);
	int (*fd)(rc_encoder_t *enc);
} rc_encoder_ops_t;

struct rc_encoder {
	const rc_encoder_ops_t *ops;
};

#endif
