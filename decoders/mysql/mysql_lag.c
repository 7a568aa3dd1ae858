#include "config.h"

#include "decoders/mysql/mysql_lag.h"

#include "agent/errors.h"
#include "agent/log.h"
#include "decoders/mysql/mysql_conn.h"

#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ASK_INTERVAL_MS 1000
#define READ_TIMEOUT_S 5
#define MAX_FILES 4096

typedef struct binlog_file {
	char name[256];
	uint64_t size;
} binlog_file_t;

struct rc_mysql_lag {
	MYSQL *my; /* the thread's: NULL once lost (the next stream life brings a new one) */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int refs;             /* the owner's and the thread's, under lock */
	bool stop;            /* under lock */
	binlog_file_t *files; /* under lock: the last answer, oldest first */
	size_t nfiles;
};

static void unref(rc_mysql_lag_t *lag)
{
	bool last;

	pthread_mutex_lock(&lag->lock);
	last = --lag->refs == 0;
	pthread_mutex_unlock(&lag->lock);
	if (!last)
		return;
	pthread_mutex_destroy(&lag->lock);
	pthread_cond_destroy(&lag->cond);
	free(lag->files);
	free(lag);
}

/* One SHOW BINARY LOGS into a fresh array. Returns 0, or -1 with err filled. */
static int ask(MYSQL *my, binlog_file_t **out, size_t *n, char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	binlog_file_t *files;
	size_t cap = 16;

	if (mysql_query(my, "SHOW BINARY LOGS") != 0 || !(res = mysql_store_result(my))) {
		snprintf(err, errlen, "SHOW BINARY LOGS: %s", mysql_error(my));
		return -1;
	}
	files = malloc(cap * sizeof *files);
	*n = 0;
	while (files && (row = mysql_fetch_row(res)) && *n < MAX_FILES) {
		if (!row[0] || !row[1] || mysql_num_fields(res) < 2)
			continue;
		if (*n == cap) {
			binlog_file_t *grown = realloc(files, cap * 2 * sizeof *files);
			if (!grown)
				break;
			files = grown;
			cap *= 2;
		}
		snprintf(files[*n].name, sizeof files[*n].name, "%s", row[0]);
		files[*n].size = strtoull(row[1], NULL, 10);
		(*n)++;
	}
	mysql_free_result(res);
	if (!files) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*out = files;
	return 0;
}

static void *lag_main(void *arg)
{
	rc_mysql_lag_t *lag = arg;
	MYSQL *my = lag->my;
	bool told = false;
	char err[RC_ERRSTR_LEN];

	mysql_thread_init();
	for (;;) {
		binlog_file_t *files = NULL;
		size_t n = 0;
		struct timespec until;
		bool stop;

		snprintf(err, sizeof err, "the connection for SHOW BINARY LOGS was lost");
		if (my && ask(my, &files, &n, err, sizeof err) != 0) {
			mysql_close(my);
			my = NULL;
		}
		if (!files && !told) { /* once: the lag is unknown, nothing else is wrong */
			rc_log_warn("mysql",
			            "the binlog's end is unknown, so is rowcast_source_lag_bytes: %s", err);
			told = true;
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += ASK_INTERVAL_MS / 1000;
		pthread_mutex_lock(&lag->lock);
		if (files) {
			free(lag->files);
			lag->files = files;
			lag->nfiles = n;
		}
		while (!lag->stop && pthread_cond_timedwait(&lag->cond, &lag->lock, &until) == 0)
			;
		stop = lag->stop;
		pthread_mutex_unlock(&lag->lock);
		if (stop)
			break;
	}
	if (my)
		mysql_close(my);
	mysql_thread_end();
	unref(lag);
	return NULL;
}

rc_mysql_lag_t *rc_mysql_lag_start(const rc_conf_t *conf, char *err, size_t errlen)
{
	rc_mysql_lag_t *lag = calloc(1, sizeof *lag);
	pthread_t th;

	if (!lag) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* Made here, during the stream's start (which connects anyway), so that the thread never reads
	 * conf: it may outlive its owner for the length of one query. */
	if (!(lag->my = rc_mysql_connect_ex(conf, READ_TIMEOUT_S, err, errlen))) {
		free(lag);
		return NULL;
	}
	lag->refs = 2;
	pthread_mutex_init(&lag->lock, NULL);
	pthread_cond_init(&lag->cond, NULL);
	if (pthread_create(&th, NULL, lag_main, lag) != 0) {
		snprintf(err, errlen, "cannot start a thread");
		mysql_close(lag->my);
		pthread_mutex_destroy(&lag->lock);
		pthread_cond_destroy(&lag->cond);
		free(lag);
		return NULL;
	}
	pthread_detach(th);
	return lag;
}

int64_t rc_mysql_lag_bytes(rc_mysql_lag_t *lag, const char *file, size_t flen, uint64_t pos)
{
	int64_t bytes = -1;

	if (!lag)
		return -1;
	pthread_mutex_lock(&lag->lock);
	for (size_t i = 0; i < lag->nfiles; i++) {
		if (strlen(lag->files[i].name) == flen && memcmp(lag->files[i].name, file, flen) == 0) {
			bytes = lag->files[i].size > pos ? (int64_t)(lag->files[i].size - pos) : 0;
			for (size_t j = i + 1; j < lag->nfiles; j++)
				bytes += (int64_t)lag->files[j].size;
			break;
		}
	}
	pthread_mutex_unlock(&lag->lock);
	return bytes;
}

void rc_mysql_lag_stop(rc_mysql_lag_t *lag)
{
	if (!lag)
		return;
	pthread_mutex_lock(&lag->lock);
	lag->stop = true;
	pthread_cond_broadcast(&lag->cond);
	pthread_mutex_unlock(&lag->lock);
	unref(lag);
}
