/*
 * heartbeat.action.query for PostgreSQL: Debezium's way of keeping a slot moving on a quiet
 * captured database (a write to a heartbeat table, whose change then flows through the slot). It
 * runs every heartbeat.interval.ms on its own ordinary connection, sent without waiting and its
 * result collected on later loop turns, so a slow statement never holds the stream; the connection
 * is made the same way (libpq's PQconnectPoll, at most 10 s), so an unreachable server does not
 * either. A failing
 * statement (or connection) is a warning naming it, tried again at the next heartbeat; it never
 * stops the stream. Unset (the default), rowcast writes nothing to the database: the confirmed
 * position follows the server's keepalives instead (agent/acktrack.h, idle_advance).
 */
#ifndef RC_PG_HBQUERY_H
#define RC_PG_HBQUERY_H

#include "agent/conf.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct rc_pg_hbquery {
	const rc_conf_t *conf;
	const char *query;   /* borrowed from conf; NULL: off */
	int64_t interval_ms; /* heartbeat.interval.ms */
	int64_t next_ms;     /* when it runs next */
	PGconn *conn;        /* owned, made on first run */
	bool busy;           /* a statement was sent and its results are not all read */
	bool connecting;     /* conn is being made (PQconnectPoll) */
	int64_t connect_until_ms;
	bool failed; /* the last run failed (one warning per failure streak) */
} rc_pg_hbquery_t;

void rc_pg_hbquery_init(rc_pg_hbquery_t *q, const rc_conf_t *conf);

/* Collects a finished run's result and sends the next one when due. Cheap when neither. */
void rc_pg_hbquery_tick(rc_pg_hbquery_t *q);

void rc_pg_hbquery_free(rc_pg_hbquery_t *q);

#endif
