#include "config.h"

#include "agent/heartbeat.h"

#include "agent/errors.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int rc_heartbeat_init(rc_heartbeat_t *hb, const rc_conf_t *conf, char *err, size_t errlen)
{
	const char *full = rc_conf_get(conf, "topic.heartbeat.name");
	const char *prefix = rc_conf_get(conf, "topic.heartbeat.prefix");
	int n;

	memset(hb, 0, sizeof *hb);
	hb->interval_ms = rc_conf_get_int(conf, "heartbeat.interval.ms", 0);
	hb->server_name = rc_conf_get(conf, "topic.prefix");
	if (hb->interval_ms <= 0)
		return RC_OK;
	if (full && *full)
		n = asprintf(&hb->topic, "%s", full);
	else
		n = asprintf(&hb->topic, "%s%s%s", prefix && *prefix ? prefix : "__debezium-heartbeat",
		             rc_conf_get(conf, "topic.delimiter"), hb->server_name);
	if (n < 0) {
		hb->topic = NULL;
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	return RC_OK;
}

void rc_heartbeat_destroy(rc_heartbeat_t *hb)
{
	free(hb->topic);
	free(hb->position);
	memset(hb, 0, sizeof *hb);
}

int rc_heartbeat_make(rc_heartbeat_t *hb, const rc_pos_codec_t *codec, const rc_pos_t *position,
                      rc_heartbeat_record_t *hr)
{
	struct timespec ts;
	json_t *obj;
	char *text = NULL;

	if (!position->set)
		return 0;
	obj = json_object();
	if (obj && (!codec || !codec->to_json || codec->to_json(position, obj) == 0))
		text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(obj);
	if (!text)
		return -1;
	free(hb->position);
	hb->position = text;
	clock_gettime(CLOCK_REALTIME, &ts);
	*hr = (rc_heartbeat_record_t){.topic = hb->topic,
	                              .server_name = hb->server_name,
	                              .ts_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
	                              .position = hb->position};
	return 1;
}
