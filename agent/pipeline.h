/*
 * The pipeline: one thread, one loop (CONVENTIONS.md rule 11). It reads the source, encodes each
 * event, hands records to the sink, serves the sink's delivery reports, and confirms to the source
 * only positions whose events are all acknowledged, after writing them to the offset file.
 *
 * A failed delivery, a broken sink or a lost source connection stops the stream; the pipeline then
 * starts it again from the confirmed position, with back-off. Only a fatal error (a position that
 * cannot be trusted, a configuration the source rejects) ends rc_pipeline_run with an error.
 */
#ifndef RC_PIPELINE_H
#define RC_PIPELINE_H

#include "agent/conf.h"
#include "agent/encoder.h"
#include "agent/offsets.h"
#include "agent/sink.h"
#include "agent/source.h"

/* Factories, so the pipeline can build a fresh source and sink for every restart. */
typedef struct rc_pipeline_parts {
	/* recorded: the offset file's content, NULL without one; opaque: source_opaque below. */
	rc_source_t *(*source_new)(const rc_conf_t *conf, const rc_offset_t *recorded, void *opaque,
	                           char *err, size_t errlen);
	rc_sink_t *(*sink_new)(const rc_conf_t *conf, rc_sink_ack_fn on_ack, void *opaque, char *err,
	                       size_t errlen);
	rc_encoder_t *(*encoder_new)(const rc_conf_t *conf, char *err, size_t errlen);
	void *source_opaque; /* borrowed, handed to source_new */
	bool no_offset_file; /* record no position (the one-shot snapshot): offset.storage.file.filename is
	                      * neither read nor written */
} rc_pipeline_parts_t;

/* Streams until SIGTERM/SIGINT or the source's end (RC_END: then drains, confirms and returns
 * 0) or a fatal error (returns 1). conf is borrowed. */
int rc_pipeline_run(const rc_conf_t *conf, const rc_pipeline_parts_t *parts);

#endif
