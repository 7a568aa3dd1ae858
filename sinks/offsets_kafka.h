/*
 * The Kafka offset store (offset.storage=kafka): the offset record (agent/offset_record.h) as the
 * value of one record per connector on a compacted topic (offset.storage.topic), so a sidecar keeps
 * no state on its disk and can restart anywhere.
 *
 * Key: Kafka Connect's form, ["<topic.prefix>",{"server":"<topic.prefix>"}], so the topic reads
 * familiar; the value is rowcast's record, not Debezium's, hence a topic of rowcast's own.
 *
 * One writer per connector: records are written in transactions of a transactional producer whose
 * transactional.id is derived from the topic and topic.prefix. A new instance's init_transactions
 * fences the old one, whose next write fails (fatal), so it stops before confirming anything more:
 * the newest instance wins, at once, even after a kill -9 of the old one.
 */
#ifndef RC_OFFSETS_KAFKA_H
#define RC_OFFSETS_KAFKA_H

#include "agent/check_report.h"
#include "agent/conf.h"
#include "agent/offset_store.h"

#include <stddef.h>

/*
 * Opens the store for the connector ident (copied) with the connection settings of conf's kafka.*
 * properties: creates offset.storage.topic when missing (cleanup.policy=compact), refuses one that is
 * not compacted, reads every partition from the beginning to its end (bounded by
 * offset.storage.timeout.ms), checks the last record under this connector's key, then fences any
 * other instance and reads again what that one may have written meanwhile. Returns RC_OK with *out
 * set; RC_ERR_REFUSED with err naming both sides when the record is another connector's (nothing is
 * fenced then), or when kafka.bootstrap.servers is missing; RC_ERR_FATAL with err naming the topic when it
 * cannot be created, described, read to its end in time, or its record under the key is a tombstone or
 * damaged.
 */
int rc_offsets_kafka_open(const rc_conf_t *conf, const rc_offset_ident_t *ident, const rc_pos_codec_t *codec,
                          rc_offset_store_t **out, char *err, size_t errlen);

/* For `rowcast check`: the topic (missing is fine: it is created at start), its compaction, and the
 * record under the connector's key, read without creating, writing or fencing anything. */
void rc_offsets_kafka_check(const rc_conf_t *conf, const rc_offset_ident_t *ident,
                            const rc_pos_codec_t *codec, rc_check_report_t *rep);

/* The record key of the connector with this topic.prefix (caller frees), or NULL (out of memory). */
char *rc_offsets_kafka_key(const char *prefix);

#endif
