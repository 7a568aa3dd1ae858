/* The stdout sink: one JSON object per line, {"topic": ..., "key": ..., "value": ...}, for debugging
 * and pipes. Each record's value is such a line, made by the JSON encoder (sinks/json_encode.h). */
#ifndef RC_STDOUT_SINK_H
#define RC_STDOUT_SINK_H

#include "agent/sink.h"

#include <stdio.h>

/* out is borrowed. Returns the sink (free with sink->ops->free), or NULL when out of memory. */
rc_sink_t *rc_stdout_sink_new(FILE *out, rc_sink_ack_fn on_ack, void *ack_opaque);

#endif
