/*
 * The table of source types and sink types: the one place that knows which databases and sinks
 * rowcast has, and wires each one's parts (constructor, position codec, snapshot reader, checks,
 * offset identity) into the source-neutral core. Adding a database is a row here and a folder under
 * decoders/ and snapshot/.
 */
#ifndef RC_CLI_SOURCES_H
#define RC_CLI_SOURCES_H

#include "agent/check_report.h"
#include "agent/source_type.h"
#include "agent/conf.h"
#include "agent/offset_store.h"
#include "agent/position.h"
#include "agent/encoder.h"
#include "agent/sink.h"
#include "agent/source.h"
#include "snapshot/snapshot.h"

/* Registers the table of source types with the core (agent/source_type.h). Call before reading any
 * configuration. */
void rc_sources_register(void);

/* The type named by source.type, or NULL (configuration validation makes that impossible). */
const rc_source_type_t *rc_source_type_of(const rc_conf_t *conf);

/* The encoder for sink.type, with the source type's connector (rc_pipeline_parts_t.encoder_new). */
rc_encoder_t *rc_encoder_new_of(const rc_conf_t *conf, char *err, size_t errlen);

/* A sink for sink.type (kafka, stdout), or NULL with err filled. */
rc_sink_t *rc_sink_new_of(const rc_conf_t *conf, rc_sink_ack_fn on_ack, void *opaque, char *err,
                          size_t errlen);

/* The offset store's identity of this connector: source type, topic.prefix, the source's own
 * identity, the host. */
void rc_source_ident(const rc_source_type_t *type, const rc_conf_t *conf, rc_offset_ident_t *id);

/* Opens the offset store offset.storage names (file, the default, or kafka) for this connector.
 * Returns RC_OK with *out set (NULL: a file store with no file name), or the store's error code with
 * err filled (RC_ERR_REFUSED: another connector's record or lock). */
int rc_offset_store_open_of(const rc_conf_t *conf, const rc_source_type_t *type, rc_offset_store_t **out,
                            char *err, size_t errlen);

/* For `rowcast check`: the offset store offset.storage names (the Kafka one's topic and record). */
void rc_offset_store_check(const rc_conf_t *conf, rc_check_report_t *rep);

/* A snapshot coordinator over the type's reader (rc_snapshot_new_fn; opaque is the type). */
rc_snapshot_t *rc_source_snapshot_new(const rc_conf_t *conf, void *opaque, char *err, size_t errlen);

#endif
