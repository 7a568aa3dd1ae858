/*
 * The registry worker: Schema Registry registrations on a thread of their own, so that the event
 * loop never waits for them (a registry that answers slowly, asks to come back later with
 * Retry-After, or fails with 5xx and is retried with back-off held the loop, and with it the
 * reading of the source and the serving of Kafka, for seconds: issue 12).
 *
 * The loop's thread submits a registration (subject, schema text) and gets a job back; the thread
 * works through the jobs one at a time, in the order submitted, with its own rc_registry_t (and so
 * its own cache and curl handle); each job that ends wakes the loop (a wake-up pipe), which then asks
 * for its outcome. Jobs belong to the worker and stay valid until rc_registry_worker_free; nothing
 * of a job crosses threads by reference but under the worker's mutex.
 *
 * Every function but the thread's own is called from one thread, the loop's.
 */
#ifndef RC_REGISTRY_WORKER_H
#define RC_REGISTRY_WORKER_H

#include "sinks/registry.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rc_registry_worker rc_registry_worker_t;
typedef struct rc_registry_job rc_registry_job_t;

/* rc_registry_worker_result's code while a job is queued or its request is under way (positive: not
 * one of agent/errors.h's classes). */
#define RC_REGISTRY_PENDING 1

/* Starts the thread with reg (taken: the worker frees it). Returns RC_OK with *out set (free with
 * rc_registry_worker_free), or RC_ERR_FATAL with err filled (reg freed). */
int rc_registry_worker_new(rc_registry_t *reg, rc_registry_worker_t **out, char *err, size_t errlen);

/* Readable when a job ended; the loop's handler drains it (rc_wakepipe_drain). */
int rc_registry_worker_fd(const rc_registry_worker_t *w);

/* Queues the registration of schema_json under subject (both copied). Returns the job (owned by the
 * worker), or NULL when out of memory. */
rc_registry_job_t *rc_registry_worker_submit(rc_registry_worker_t *w, const char *subject,
                                             const char *schema_json);

/* The job's outcome: RC_REGISTRY_PENDING; RC_OK with *id set; or rc_registry_register's error code
 * with its message (naming the subject) in err. */
int rc_registry_worker_result(rc_registry_worker_t *w, const rc_registry_job_t *job, int32_t *id, char *err,
                              size_t errlen);

/* Jobs ended so far (tests). */
unsigned long rc_registry_worker_finished(rc_registry_worker_t *w);

/* Ends the request under way at once (it counts as stopped), drops the jobs not started, ends the
 * thread and frees the worker, its jobs and its registry. NULL is a no-op. */
void rc_registry_worker_free(rc_registry_worker_t *w);

#endif
