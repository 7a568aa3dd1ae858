/*
 * The events inside a TRANSACTION_PAYLOAD (MySQL 8.0.20+, binlog_transaction_compression=ON): the
 * payload (zstd, compression 0, or stored as is, 255) decompressed into a buffer the iterator owns,
 * then walked as a sequence of ordinary events: a 19-byte header whose event_size gives the length,
 * and no checksums (the payload event's own CRC covers them). Each inner event is decoded with
 * rc_binlog_parse under the file's format with crc32 off (rc_binlog_payload_fmt).
 *
 * Positions: inner events have no place in the file of their own. Their header's log_pos is what
 * the server wrote (the payload event's end, or 0); rowcast reports every inner event at the payload
 * event's position, as Debezium does (it reports the outer event's pos, and the row number within
 * the transaction tells changes apart).
 */
#ifndef RC_BINLOG_PAYLOAD_H
#define RC_BINLOG_PAYLOAD_H

#include "decoders/mysql/binlog.h"

#include <stddef.h>
#include <stdint.h>

/* The largest uncompressed payload accepted (MySQL's own ceiling for a compressed transaction is
 * its max_allowed_packet of 1 GiB for the payload event; the data inside is bounded here the same). */
#define RC_BINLOG_PAYLOAD_MAX ((size_t)1 << 30)

/* Walks the inner events of one payload. The buffer is reused from one payload to the next (its
 * memory stays that of the largest); caller frees with rc_binlog_payload_free. */
typedef struct rc_binlog_payload_iter {
	uint8_t *buf; /* owned: the uncompressed payload */
	size_t cap, len, pos;
	uint32_t log_pos; /* the payload event's, for messages */
} rc_binlog_payload_iter_t;

void rc_binlog_payload_init(rc_binlog_payload_iter_t *it);
void rc_binlog_payload_free(rc_binlog_payload_iter_t *it);

/* Decompresses the payload of ev (kind RC_BINLOG_K_PAYLOAD, borrowed for the call) and starts the
 * walk. Returns 0, or RC_ERR_FATAL with err naming the payload's log position: an unknown compression,
 * a zstd frame that does not decode, a size different from the event's uncompressed size field. */
int rc_binlog_payload_open(rc_binlog_payload_iter_t *it, const rc_binlog_event_t *ev, char *err,
                           size_t errlen);

/* The next inner event: *ev_buf (in the iterator's buffer, valid until the next open) and *len, and
 * *at its offset in the uncompressed payload. Returns 1, 0 after the last, or RC_ERR_FATAL with err
 * naming the offset for an event header or size running past the payload. */
int rc_binlog_payload_next(rc_binlog_payload_iter_t *it, const uint8_t **ev_buf, size_t *len, size_t *at,
                           char *err, size_t errlen);

/* The format inner events are decoded under: fmt without checksums. */
void rc_binlog_payload_fmt(const rc_binlog_fmt_t *fmt, rc_binlog_fmt_t *inner);

#endif
