#include "config.h"

#include "sinks/registry_worker.h"

#include "agent/errors.h"
#include "agent/wakepipe.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rc_registry_job {
	rc_registry_job_t *next_all;   /* every job, for free (the loop's list; the thread never walks it) */
	rc_registry_job_t *next_queue; /* the queue, under mu */
	char *subject, *schema_json;   /* owned */
	/* Under mu. */
	int rc; /* RC_REGISTRY_PENDING until the thread ends the job */
	int32_t id;
	char err[RC_ERRSTR_LEN];
};

struct rc_registry_worker {
	rc_registry_t *reg; /* the thread's, from the first submit on (owned: freed last) */
	pthread_t thread;
	bool started;
	int wake[2];   /* [1] written by the thread after each job; [0] watched by the loop */
	int cancel[2]; /* [1] written by free: ends the request under way; [0] watched by the registry */
	rc_registry_job_t *all; /* the loop's own */

	/* Shared, under mu. */
	pthread_mutex_t mu;
	pthread_cond_t work; /* a job is queued, or quit */
	rc_registry_job_t *head, *tail;
	unsigned long finished;
	bool quit;
};

static void *worker_main(void *arg)
{
	rc_registry_worker_t *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		rc_registry_job_t *job;
		char err[RC_ERRSTR_LEN];
		int32_t id = -1;
		int rc;

		while (!w->head && !w->quit)
			pthread_cond_wait(&w->work, &w->mu);
		if (w->quit)
			break; /* jobs not started stay pending: nobody waits for them any more */
		job = w->head;
		w->head = job->next_queue;
		if (!w->head)
			w->tail = NULL;
		pthread_mutex_unlock(&w->mu);

		/* subject and schema_json are never written after submit: read without the lock. */
		err[0] = '\0';
		rc = rc_registry_register(w->reg, job->subject, job->schema_json, &id, err, sizeof err);

		pthread_mutex_lock(&w->mu);
		job->rc = rc;
		job->id = id;
		snprintf(job->err, sizeof job->err, "%s",
		         err[0] || rc == RC_OK ? err : "the schema registry failed");
		w->finished++;
		rc_wakepipe_wake(w->wake[1]);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int rc_registry_worker_new(rc_registry_t *reg, rc_registry_worker_t **out, char *err, size_t errlen)
{
	rc_registry_worker_t *w = calloc(1, sizeof *w);

	*out = NULL;
	if (!w) {
		rc_registry_free(reg);
		snprintf(err, errlen, "registry worker: out of memory");
		return RC_ERR_FATAL;
	}
	w->reg = reg;
	w->cancel[0] = w->cancel[1] = -1;
	if (rc_wakepipe_open(w->wake) != RC_OK || rc_wakepipe_open(w->cancel) != RC_OK) {
		snprintf(err, errlen, "registry worker: cannot make a wake-up pipe: %s", strerror(errno));
		rc_wakepipe_close(w->wake);
		rc_registry_free(reg);
		free(w);
		return RC_ERR_FATAL;
	}
	rc_registry_set_cancel(reg, w->cancel[0]);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		snprintf(err, errlen, "registry worker: cannot start its thread");
		rc_registry_worker_free(w);
		return RC_ERR_FATAL;
	}
	w->started = true;
	*out = w;
	return RC_OK;
}

int rc_registry_worker_fd(const rc_registry_worker_t *w)
{
	return w->wake[0];
}

rc_registry_job_t *rc_registry_worker_submit(rc_registry_worker_t *w, const char *subject,
                                             const char *schema_json)
{
	rc_registry_job_t *job = calloc(1, sizeof *job);

	if (!job)
		return NULL;
	job->subject = strdup(subject);
	job->schema_json = strdup(schema_json);
	if (!job->subject || !job->schema_json) {
		free(job->subject);
		free(job->schema_json);
		free(job);
		return NULL;
	}
	job->rc = RC_REGISTRY_PENDING;
	job->id = -1;
	job->next_all = w->all;
	w->all = job;
	pthread_mutex_lock(&w->mu);
	if (w->tail)
		w->tail->next_queue = job;
	else
		w->head = job;
	w->tail = job;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	return job;
}

int rc_registry_worker_result(rc_registry_worker_t *w, const rc_registry_job_t *job, int32_t *id, char *err,
                              size_t errlen)
{
	int rc;

	pthread_mutex_lock(&w->mu);
	rc = job->rc;
	if (rc == RC_OK)
		*id = job->id;
	else if (rc != RC_REGISTRY_PENDING)
		snprintf(err, errlen, "%s", job->err);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

unsigned long rc_registry_worker_finished(rc_registry_worker_t *w)
{
	unsigned long n;

	pthread_mutex_lock(&w->mu);
	n = w->finished;
	pthread_mutex_unlock(&w->mu);
	return n;
}

void rc_registry_worker_free(rc_registry_worker_t *w)
{
	if (!w)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->quit = true;
		pthread_cond_signal(&w->work);
		pthread_mutex_unlock(&w->mu);
		rc_wakepipe_wake(w->cancel[1]); /* a request under way ends now, as on a stop request */
		pthread_join(w->thread, NULL);
	}
	while (w->all) {
		rc_registry_job_t *job = w->all;
		w->all = job->next_all;
		free(job->subject);
		free(job->schema_json);
		free(job);
	}
	rc_registry_free(w->reg);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	rc_wakepipe_close(w->wake);
	rc_wakepipe_close(w->cancel);
	free(w);
}
