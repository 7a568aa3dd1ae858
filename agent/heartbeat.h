/*
 * Heartbeats (heartbeat.interval.ms, default 0 = off), as Debezium's HeartbeatImpl makes them: a
 * record every interval on <topic.heartbeat.prefix><topic.delimiter><topic.prefix> (default
 * __debezium-heartbeat.<topic.prefix>; topic.heartbeat.name overrides the whole name), key
 * io.debezium.connector.common.ServerNameKey {serverName: topic.prefix}, value
 * io.debezium.connector.common.Heartbeat {ts_ms}. Debezium carries the position in the Connect
 * source offset; rowcast has none, so the confirmed position goes in a record header
 * (RC_HEARTBEAT_POSITION_HEADER), as JSON from the source's position codec. As Debezium, no
 * heartbeat goes out before there is a position.
 *
 * The pipeline's loop publishes them on a timer, tracked like every record: a failed heartbeat
 * delivery stops the stream as any failed delivery does. heartbeat.action.query is the source's
 * business (it needs a database connection): see the PostgreSQL source.
 */
#ifndef RC_HEARTBEAT_H
#define RC_HEARTBEAT_H

#include "agent/conf.h"
#include "agent/meta_records.h"
#include "agent/position.h"

#include <stdint.h>

typedef struct rc_heartbeat {
	int64_t interval_ms; /* 0: off */
	char *topic;         /* owned */
	const char *server_name;
	char *position; /* owned: the last position's JSON */
} rc_heartbeat_t;

/* Reads the properties. Returns RC_OK, or RC_ERR_FATAL when out of memory (err filled). */
int rc_heartbeat_init(rc_heartbeat_t *hb, const rc_conf_t *conf, char *err, size_t errlen);

void rc_heartbeat_destroy(rc_heartbeat_t *hb);

/* Fills *hr with a heartbeat carrying position (borrowed) through codec; *hr borrows from hb until
 * the next call. Returns 1 when filled, 0 when there is no position yet (nothing to send), -1 when
 * out of memory. */
int rc_heartbeat_make(rc_heartbeat_t *hb, const rc_pos_codec_t *codec, const rc_pos_t *position,
                      rc_heartbeat_record_t *hr);

#endif
