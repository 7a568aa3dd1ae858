/*
 * heartbeat.action.query for MySQL/MariaDB: every heartbeat.interval.ms, the statement runs on its
 * own ordinary connection (not the binlog connection, not the source's query connection), as
 * Debezium's DatabaseHeartbeatImpl does. MySQL's client has no result-later call as libpq has, so
 * the statement runs on a thread of its own (started at the first heartbeat, bounded by a 5 s read
 * timeout): the stream's loop only tells it that a heartbeat is due, and never waits for it. A run
 * still going when the next is due makes that one skipped. A failing statement or connection is a
 * warning naming it, once per failure streak, and is tried again at the next heartbeat; it never
 * stops the stream. Unset (the default), rowcast writes nothing.
 */
#ifndef RC_MYSQL_HBQUERY_H
#define RC_MYSQL_HBQUERY_H

#include "agent/conf.h"

#include <mysql.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct rc_mysql_hbquery {
	const rc_conf_t *conf;
	const char *query; /* borrowed from conf; NULL: off */
	int64_t interval_ms;
	int64_t next_ms;
	MYSQL *conn; /* owned by the thread, made on its first run */
	bool failed; /* the thread's */

	pthread_t thread;
	bool started;
	pthread_mutex_t mu; /* guards due and quit */
	pthread_cond_t cv;
	bool due;  /* a heartbeat waits for the thread */
	bool quit; /* free: end the thread */
} rc_mysql_hbquery_t;

void rc_mysql_hbquery_init(rc_mysql_hbquery_t *q, const rc_conf_t *conf);

/* Tells the thread to run the statement when due (starting it the first time). Never waits. */
void rc_mysql_hbquery_tick(rc_mysql_hbquery_t *q);

/* Ends the thread (waiting for a run in progress, at most its timeouts) and closes its connection. */
void rc_mysql_hbquery_free(rc_mysql_hbquery_t *q);

#endif
