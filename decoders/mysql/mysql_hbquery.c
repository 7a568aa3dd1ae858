#include "config.h"

#include "decoders/mysql/mysql_hbquery.h"

#include "agent/clock.h"
#include "agent/log.h"
#include "decoders/mysql/mysql_conn.h"

#include <string.h>

#define READ_TIMEOUT_S 5

void rc_mysql_hbquery_init(rc_mysql_hbquery_t *q, const rc_conf_t *conf)
{
	const char *query = rc_conf_get(conf, "heartbeat.action.query");

	memset(q, 0, sizeof *q);
	q->conf = conf;
	q->interval_ms = rc_conf_get_int(conf, "heartbeat.interval.ms", 0);
	q->query = query && *query && q->interval_ms > 0 ? query : NULL;
	q->next_ms = rc_clock_ms() + q->interval_ms;
}

static void warn(rc_mysql_hbquery_t *q, const char *why)
{
	if (!q->failed)
		rc_log_warn("mysql", "heartbeat.action.query \"%s\" failed: %s (tried again every %lld ms)",
		            q->query, why, (long long)q->interval_ms);
	q->failed = true;
}

/* One run of the statement, on the thread. */
static void run(rc_mysql_hbquery_t *q)
{
	char err[512];

	if (!q->conn && !(q->conn = rc_mysql_connect_ex(q->conf, READ_TIMEOUT_S, err, sizeof err))) {
		warn(q, err);
		return;
	}
	if (mysql_query(q->conn, q->query) != 0) {
		warn(q, mysql_error(q->conn));
		if (rc_mysql_conn_lost(q->conn)) {
			mysql_close(q->conn);
			q->conn = NULL;
		}
		return;
	}
	/* A statement with rows (a SELECT) leaves them to read before the next one. */
	mysql_free_result(mysql_store_result(q->conn));
	while (mysql_next_result(q->conn) == 0)
		mysql_free_result(mysql_store_result(q->conn));
	if (q->failed) {
		rc_log_info("mysql", "heartbeat.action.query runs again");
		q->failed = false;
	}
}

static void *hb_main(void *arg)
{
	rc_mysql_hbquery_t *q = arg;

	mysql_thread_init();
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->due && !q->quit)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->quit)
			break;
		pthread_mutex_unlock(&q->mu);
		run(q);
		pthread_mutex_lock(&q->mu);
		q->due = false;
	}
	pthread_mutex_unlock(&q->mu);
	if (q->conn)
		mysql_close(q->conn);
	q->conn = NULL;
	mysql_thread_end();
	return NULL;
}

void rc_mysql_hbquery_tick(rc_mysql_hbquery_t *q)
{
	int64_t now;

	if (!q->query)
		return;
	now = rc_clock_ms();
	if (now < q->next_ms)
		return;
	q->next_ms = now + q->interval_ms;
	if (!q->started) {
		pthread_mutex_init(&q->mu, NULL);
		pthread_cond_init(&q->cv, NULL);
		if (pthread_create(&q->thread, NULL, hb_main, q) != 0) {
			pthread_cond_destroy(&q->cv);
			pthread_mutex_destroy(&q->mu);
			rc_log_warn("mysql", "heartbeat.action.query: cannot start its thread (tried again "
			                     "at the next heartbeat)");
			return;
		}
		q->started = true;
	}
	pthread_mutex_lock(&q->mu);
	q->due = true; /* a run still going: this heartbeat's is skipped */
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void rc_mysql_hbquery_free(rc_mysql_hbquery_t *q)
{
	if (q->started) {
		pthread_mutex_lock(&q->mu);
		q->quit = true;
		pthread_cond_signal(&q->cv);
		pthread_mutex_unlock(&q->mu);
		pthread_join(q->thread, NULL);
		pthread_cond_destroy(&q->cv);
		pthread_mutex_destroy(&q->mu);
		q->started = false;
	}
	if (q->conn)
		mysql_close(q->conn);
	q->conn = NULL;
}
