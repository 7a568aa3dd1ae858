#include "config.h"

#include "decoders/postgres/pg_hbquery.h"

#include "agent/clock.h"
#include "agent/log.h"
#include "decoders/postgres/pg_conn.h"

#include <stdio.h>
#include <string.h>

void rc_pg_hbquery_init(rc_pg_hbquery_t *q, const rc_conf_t *conf)
{
	const char *query = rc_conf_get(conf, "heartbeat.action.query");

	memset(q, 0, sizeof *q);
	q->conf = conf;
	q->interval_ms = rc_conf_get_int(conf, "heartbeat.interval.ms", 0);
	q->query = query && *query && q->interval_ms > 0 ? query : NULL;
	q->next_ms = rc_clock_ms() + q->interval_ms;
}

static void warn(rc_pg_hbquery_t *q, const char *why)
{
	if (!q->failed) /* the server's first line says it: its LINE and caret lines would break the log */
		rc_log_warn("postgres",
		            "heartbeat.action.query \"%s\" failed: %.*s (tried again every %lld ms)",
		            q->query, (int)strcspn(why, "\n"), why, (long long)q->interval_ms);
	q->failed = true;
}

/* Drops the connection after a failure: the next run connects anew. */
static void drop(rc_pg_hbquery_t *q)
{
	PQfinish(q->conn);
	q->conn = NULL;
	q->busy = false;
	q->connecting = false;
}

/* Sends the statement on the connection made. */
static void send_query(rc_pg_hbquery_t *q)
{
	if (PQsetnonblocking(q->conn, 1) != 0 || PQsendQuery(q->conn, q->query) == 0) {
		warn(q, PQerrorMessage(q->conn));
		drop(q);
		return;
	}
	q->busy = true;
	PQflush(q->conn);
}

/* Goes on making the connection; sends the statement once it is made. */
static void connect_more(rc_pg_hbquery_t *q)
{
	switch (PQconnectPoll(q->conn)) {
	case PGRES_POLLING_OK:
		q->connecting = false;
		send_query(q);
		return;
	case PGRES_POLLING_FAILED:
		warn(q, PQerrorMessage(q->conn));
		drop(q);
		return;
	default:
		if (rc_clock_ms() > q->connect_until_ms) {
			warn(q, "no connection within 10 s");
			drop(q);
		}
		return;
	}
}

/* Reads what has arrived of the running statement's results. */
static void collect(rc_pg_hbquery_t *q)
{
	if (PQconsumeInput(q->conn) == 0) {
		warn(q, PQerrorMessage(q->conn));
		drop(q);
		return;
	}
	while (!PQisBusy(q->conn)) {
		PGresult *res = PQgetResult(q->conn);
		ExecStatusType st;

		if (!res) {
			q->busy = false;
			return;
		}
		st = PQresultStatus(res);
		if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE || st == PGRES_NONFATAL_ERROR)
			warn(q, PQresultErrorMessage(res));
		else if (q->failed) {
			rc_log_info("postgres", "heartbeat.action.query runs again");
			q->failed = false;
		}
		PQclear(res);
	}
}

void rc_pg_hbquery_tick(rc_pg_hbquery_t *q)
{
	char err[512];
	int64_t now;

	if (!q->query)
		return;
	if (q->connecting) {
		connect_more(q);
		return;
	}
	if (q->busy)
		collect(q);
	now = rc_clock_ms();
	if (q->busy || now < q->next_ms)
		return;
	q->next_ms = now + q->interval_ms;
	if (!q->conn) {
		q->conn = rc_pg_connect_start(q->conf, err, sizeof err);
		if (!q->conn) {
			warn(q, err);
			return;
		}
		q->connecting = true;
		q->connect_until_ms = now + 10000;
		connect_more(q);
		return;
	}
	send_query(q);
}

void rc_pg_hbquery_free(rc_pg_hbquery_t *q)
{
	PQfinish(q->conn);
	q->conn = NULL;
}
