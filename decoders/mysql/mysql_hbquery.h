/*
 * heartbeat.action.query for MySQL/MariaDB: every heartbeat.interval.ms, the statement runs on its
 * own ordinary connection (not the binlog connection, not the source's query connection), as
 * Debezium's DatabaseHeartbeatImpl does. It is a blocking call bounded by a 5 s read timeout, taken
 * on the stream's loop (MySQL's client has no result-later call as libpq has; the statements meant
 * here are single-row writes that take milliseconds). A failing statement or connection is a warning
 * naming it, once per failure streak, and is tried again at the next heartbeat; it never stops the
 * stream. Unset (the default), rowcast writes nothing.
 */
#ifndef RC_MYSQL_HBQUERY_H
#define RC_MYSQL_HBQUERY_H

#include "agent/conf.h"

#include <mysql.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct rc_mysql_hbquery {
	const rc_conf_t *conf;
	const char *query; /* borrowed from conf; NULL: off */
	int64_t interval_ms;
	int64_t next_ms;
	MYSQL *conn; /* owned, made on first run */
	bool failed;
} rc_mysql_hbquery_t;

void rc_mysql_hbquery_init(rc_mysql_hbquery_t *q, const rc_conf_t *conf);

/* Runs the statement when due. Cheap otherwise. */
void rc_mysql_hbquery_tick(rc_mysql_hbquery_t *q);

void rc_mysql_hbquery_free(rc_mysql_hbquery_t *q);

#endif
