/*
 * Schema Registry client (Confluent REST API, as Confluent Schema Registry and Apicurio's ccompat
 * API serve it), over libcurl:
 *   POST {url}/subjects/{subject}/versions  {"schema": "<schema JSON as a string>"}  -> {"id": N}
 *   GET  {url}/schemas/ids/{id}                                                      -> {"schema": "..."}
 *   GET  {url}/subjects, GET {url}/config                                            (rowcast check)
 * with Content-Type application/vnd.schemaregistry.v1+json and optional HTTP basic authentication.
 *
 * Registrations are cached by (subject, 64-bit Rabin fingerprint of the schema text, the CRC-64-AVRO
 * of the Avro specification), so registering the same schema again costs no request. Connection
 * failures, HTTP 5xx and 429 are retried with exponential back-off (a warning names each wait), up to
 * a number of attempts and a total time. A stop request (agent/signals.h) ends a transfer or a
 * back-off wait at once. Credentials never appear in messages, including user:password@ inside the URL.
 *
 * One rc_registry_t is used by one thread at a time (it owns a curl handle); sinks/registry_worker.h
 * runs one on a thread of its own.
 */
#ifndef RC_REGISTRY_H
#define RC_REGISTRY_H

#include "agent/check_report.h"
#include "agent/errors.h"
#include "agent/conf.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rc_registry rc_registry_t;

/* Results of the calls below (agent/errors.h): RC_OK; RC_ERR_FATAL for a bad URL, refused
 * authentication, a bad answer or no memory; RC_ERR_RETRY when still failing after the retries (try
 * again later); RC_ERR_REFUSED when the registry refused the schema (409 incompatible, 422 invalid);
 * RC_STOPPED when a stop request cut the retries short. */

/*
 * Returns a client for the registry at url (with or without a trailing '/'), or NULL with a message
 * in err. user_info is "user:password" for basic authentication, or NULL (borrowed, copied).
 * Caller frees with rc_registry_free. No request is made here.
 */
rc_registry_t *rc_registry_new(const char *url, const char *user_info, char *err, size_t errlen);

/* A client for schema.registry.url with basic.auth.user.info and the schema.registry.ssl.* files
 * (CA, client certificate and key); credentials over http:// to another machine are a warning. NULL
 * with the reason in err. Caller frees with rc_registry_free. */
rc_registry_t *rc_registry_from_conf(const rc_conf_t *conf, char *err, size_t errlen);

void rc_registry_free(rc_registry_t *reg);

/* Retry policy: max_attempts requests in all (>= 1), waiting initial_ms after the first failure,
 * doubling up to max_ms. Default: 8 attempts, 200 ms, 10 s. */
void rc_registry_set_retry(rc_registry_t *reg, int max_attempts, int initial_ms, int max_ms);

/* Bounds each call below, its requests and back-off waits included, to total_ms (default 30 s, half
 * of PostgreSQL's default wal_sender_timeout: the caller's loop waits meanwhile). A wait that would
 * end past it is not begun: the call gives up with RC_ERR_RETRY. */
void rc_registry_set_deadline(rc_registry_t *reg, int total_ms);

/* A descriptor (borrowed; -1: none) that, once readable, ends a transfer or a back-off wait as a stop
 * request does (RC_STOPPED): the registry worker's way to end a call that hangs when it is freed. */
void rc_registry_set_cancel(rc_registry_t *reg, int fd);

/*
 * Registers schema_json (borrowed) under subject (e.g. "<topic>-value") and sets *id. Registering a
 * schema the subject already has returns its existing id. Returns RC_OK, or an error code
 * above with a message in err naming the subject and, for a refusal, the registry's own words.
 */
int rc_registry_register(rc_registry_t *reg, const char *subject, const char *schema_json, int32_t *id,
                         char *err, size_t errlen);

/* Fetches the schema with this id: *schema_json is the schema text (caller frees with free()).
 * Returns RC_OK or an error code with a message in err. */
int rc_registry_get_schema(rc_registry_t *reg, int32_t id, char **schema_json, char *err, size_t errlen);

/* HTTP requests made so far, retries included (for tests and metrics). */
unsigned long rc_registry_requests(const rc_registry_t *reg);

/* CRC-64-AVRO (Rabin) fingerprint of len bytes, as the Avro specification defines it. */
uint64_t rc_registry_fingerprint(const void *data, size_t len);

/* `rowcast check`: asks the registry of schema.registry.url (if set) for its subjects and its
 * compatibility level; reports ok, or FAIL with the fix. */
void rc_registry_check(const rc_conf_t *conf, rc_check_report_t *rep);

#endif
