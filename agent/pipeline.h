/*
 * The pipeline: one thread, one loop (CONVENTIONS.md rule 11). It reads the capture (the source
 * through its phases, agent/capture.h), encodes each event, hands records to the sink, serves the
 * sink's delivery reports, and confirms to the source only positions whose events are all
 * acknowledged, after recording them in the offset store.
 *
 * A failed delivery, a broken sink or a lost source connection stops the stream; the pipeline then
 * starts it again from the confirmed position, with back-off. Only a fatal error (a position that
 * cannot be trusted, a configuration the source rejects) ends rc_pipeline_run with an error.
 */
#ifndef RC_PIPELINE_H
#define RC_PIPELINE_H

#include "agent/capture.h"
#include "agent/conf.h"
#include "agent/encoder.h"
#include "agent/offset_store.h"
#include "agent/sink.h"
#include "agent/source.h"

/* Factories, so the pipeline can build a fresh source and sink for every restart, and what the
 * capture needs. The command line (agent/cli) fills it from the source-type table. */
typedef struct rc_pipeline_parts {
	rc_source_t *(*source_new)(const rc_conf_t *conf, char *err, size_t errlen);
	rc_snapshot_new_fn snapshot_new;
	void *snapshot_opaque; /* borrowed, handed to snapshot_new */
	rc_sink_t *(*sink_new)(const rc_conf_t *conf, rc_sink_ack_fn on_ack, void *opaque, char *err,
	                       size_t errlen);
	rc_encoder_t *(*encoder_new)(const rc_conf_t *conf, char *err, size_t errlen);
	const rc_pos_codec_t *codec;         /* the source type's, for log lines */
	rc_offset_store_t *store;            /* borrowed; NULL: no position is recorded (one-shot) */
	const rc_capture_oneshot_t *oneshot; /* borrowed; NULL unless the one-shot command */
	/* The Kafka signal channel's reader (sinks/signal_kafka.c); NULL: none in this build. */
	rc_signal_channel_t *(*signal_kafka_new)(const rc_conf_t *conf, char *err, size_t errlen);
} rc_pipeline_parts_t;

/* Streams until SIGTERM/SIGINT or the capture's end (RC_END: then drains, confirms and returns 0)
 * or a fatal error (returns 1). conf is borrowed. */
int rc_pipeline_run(const rc_conf_t *conf, const rc_pipeline_parts_t *parts);

#endif
