#include "config.h"

#include "sinks/registry.h"

#include "sinks/registry_answer.h"

#include "agent/clock.h"
#include "agent/log.h"
#include "agent/buf.h"
#include "agent/hash.h"
#include "agent/metrics.h"
#include "agent/netaddr.h"
#include "agent/signals.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONTENT_TYPE "application/vnd.schemaregistry.v1+json"
#define MAX_ANSWER_BYTES ((size_t)16 << 20)
#define CONNECT_TIMEOUT_MS 5000L
#define REQUEST_TIMEOUT_MS 30000L
#define MAX_RETRY_AFTER_MS 30000
/* One call, its retries and waits included, takes at most this long by default: the loop serves
 * neither PostgreSQL nor Kafka meanwhile, and the walsender drops a replica silent for
 * wal_sender_timeout (60 s). Giving up returns RC_ERR_RETRY: the stream restarts, which is safe. */
#define DEFAULT_DEADLINE_MS 30000
#define STOP_CHECK_MS 100 /* how often a transfer checks for a stop request without rc_signals_fd() */

/* (subject, schema fingerprint) -> id, chained hash table. */
typedef struct cache_entry {
	struct cache_entry *next;
	uint64_t fingerprint;
	int32_t id;
	char subject[]; /* NUL-terminated */
} cache_entry_t;

struct rc_registry {
	CURL *curl;
	CURLM *multi; /* runs curl's transfers, so that a stop request can end their wait */
	struct curl_slist *headers;
	char *base;      /* URL without trailing '/' (may hold credentials: never printed) */
	char *shown;     /* base with any user:password@ replaced by ***@, for messages */
	char *user_info; /* "user:password" or NULL */
	rc_buf_t answer; /* body of the last answer, NUL-terminated after a request */
	char curl_err[CURL_ERROR_SIZE];
	int max_attempts;
	int initial_ms;
	int max_ms;
	int deadline_ms;
	int cancel_fd; /* readable: end calls as a stop request does (rc_registry_set_cancel); -1 none */
	unsigned long requests;
	cache_entry_t **buckets;
	size_t nbuckets;
	size_t nentries;
};

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* CRC-64-AVRO: the Avro specification's "Schema Fingerprints", Rabin with EMPTY = 0xc15d213aa4d7a795. */
#define FP_EMPTY UINT64_C(0xc15d213aa4d7a795)
static uint64_t fp_table[256];
static pthread_once_t fp_once = PTHREAD_ONCE_INIT;

static void fp_init(void)
{
	for (int i = 0; i < 256; i++) {
		uint64_t fp = (uint64_t)i;
		for (int j = 0; j < 8; j++)
			fp = (fp >> 1) ^ (FP_EMPTY & (0 - (fp & 1)));
		fp_table[i] = fp;
	}
}

uint64_t rc_registry_fingerprint(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t fp = FP_EMPTY;

	pthread_once(&fp_once, fp_init);
	for (size_t i = 0; i < len; i++)
		fp = (fp >> 8) ^ fp_table[(fp ^ p[i]) & 0xff];
	return fp;
}

static size_t bucket_of(const rc_registry_t *reg, const char *subject, uint64_t fp)
{
	return (size_t)((rc_hash_str(subject) ^ fp) & (reg->nbuckets - 1));
}

static cache_entry_t *cache_find(const rc_registry_t *reg, const char *subject, uint64_t fp)
{
	for (cache_entry_t *e = reg->buckets[bucket_of(reg, subject, fp)]; e; e = e->next)
		if (e->fingerprint == fp && strcmp(e->subject, subject) == 0)
			return e;
	return NULL;
}

/* Adds an entry; a failure only costs a later request, so it is not an error. */
static void cache_add(rc_registry_t *reg, const char *subject, uint64_t fp, int32_t id)
{
	size_t len = strlen(subject);
	cache_entry_t *e;

	if (reg->nentries >= reg->nbuckets) { /* grow to keep chains short */
		size_t n = reg->nbuckets * 2;
		cache_entry_t **b = calloc(n, sizeof *b);
		if (b) {
			cache_entry_t **old = reg->buckets;
			size_t nold = reg->nbuckets;
			reg->buckets = b;
			reg->nbuckets = n;
			for (size_t i = 0; i < nold; i++) {
				while (old[i]) {
					cache_entry_t *x = old[i];
					size_t k = bucket_of(reg, x->subject, x->fingerprint);
					old[i] = x->next;
					x->next = b[k];
					b[k] = x;
				}
			}
			free(old);
		}
	}
	e = malloc(sizeof *e + len + 1);
	if (!e)
		return;
	e->fingerprint = fp;
	e->id = id;
	memcpy(e->subject, subject, len + 1);
	size_t k = bucket_of(reg, subject, fp);
	e->next = reg->buckets[k];
	reg->buckets[k] = e;
	reg->nentries++;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *opaque)
{
	rc_buf_t *answer = opaque;
	size_t n = size * nmemb;

	rc_buf_append(answer, ptr, n);
	return rc_buf_failed(answer) ? 0 : n; /* 0 makes curl fail with CURLE_WRITE_ERROR */
}

/* The URL with the user information of "scheme://user:password@host" replaced by "***". */
static char *mask_url(const char *url)
{
	const char *scheme = strstr(url, "://"), *host, *at = NULL;
	char *s;

	if (scheme) {
		host = scheme + 3;
		for (const char *p = host; *p && *p != '/' && *p != '?' && *p != '#'; p++)
			if (*p == '@')
				at = p;
	}
	if (!at)
		return strdup(url);
	s = malloc(strlen(url) + 4);
	if (s)
		sprintf(s, "%.*s***%s", (int)(scheme + 3 - url), url, at);
	return s;
}

rc_registry_t *rc_registry_new(const char *url, const char *user_info, char *err, size_t errlen)
{
	static const char *const headers[] = {
	    "Content-Type: " CONTENT_TYPE,
	    "Accept: " CONTENT_TYPE ", application/vnd.schemaregistry+json, application/json",
	    "Expect:", /* no "100-continue" round trip before large schemas */
	};
	rc_registry_t *reg;
	size_t len;

	if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
		char *shown = url ? mask_url(url) : NULL;
		set_err(err, errlen, "schema.registry.url '%s' is not an http:// or https:// URL",
		        shown ? shown : "(none)");
		free(shown);
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		set_err(err, errlen, "cannot initialise libcurl");
		return NULL;
	}
	reg = calloc(1, sizeof *reg);
	if (!reg) {
		curl_global_cleanup();
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	rc_buf_init(&reg->answer, MAX_ANSWER_BYTES);
	reg->max_attempts = 8;
	reg->initial_ms = 200;
	reg->max_ms = 10000;
	reg->deadline_ms = DEFAULT_DEADLINE_MS;
	reg->cancel_fd = -1;
	reg->nbuckets = 64;
	reg->buckets = calloc(reg->nbuckets, sizeof *reg->buckets);
	reg->base = strdup(url);
	reg->shown = mask_url(url);
	reg->user_info = user_info ? strdup(user_info) : NULL;
	reg->curl = curl_easy_init();
	reg->multi = curl_multi_init();
	for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
		struct curl_slist *h = curl_slist_append(reg->headers, headers[i]);
		if (!h) {
			curl_slist_free_all(reg->headers);
			reg->headers = NULL;
			break;
		}
		reg->headers = h;
	}
	if (!reg->buckets || !reg->base || !reg->shown || (user_info && !reg->user_info) || !reg->curl ||
	    !reg->multi || !reg->headers) {
		rc_registry_free(reg);
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	len = strlen(reg->base);
	while (len > 0 && reg->base[len - 1] == '/')
		reg->base[--len] = '\0';
	len = strlen(reg->shown);
	while (len > 0 && reg->shown[len - 1] == '/')
		reg->shown[--len] = '\0';

	curl_easy_setopt(reg->curl, CURLOPT_HTTPHEADER, reg->headers);
	curl_easy_setopt(reg->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(reg->curl, CURLOPT_WRITEDATA, &reg->answer);
	curl_easy_setopt(reg->curl, CURLOPT_ERRORBUFFER, reg->curl_err);
	curl_easy_setopt(reg->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(reg->curl, CURLOPT_USERAGENT, "rowcast/" PACKAGE_VERSION);
	curl_easy_setopt(reg->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (reg->user_info) {
		curl_easy_setopt(reg->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(reg->curl, CURLOPT_USERPWD, reg->user_info);
	}
	return reg;
}

/* The host[:port] of url ("http://user:pw@host:8081/apis" -> "host:8081"), in a static buffer. */
static const char *reg_host(const char *url)
{
	static char host[256];
	const char *p = strstr(url, "://"), *at, *end;

	p = p ? p + 3 : url;
	end = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	snprintf(host, sizeof host, "%.*s", (int)(end - p), p);
	return host;
}

/* The schema.registry.ssl.* files: a private CA, and a client certificate and key for registries
 * that ask for one. libcurl always verifies the server's certificate and host name; nothing turns
 * that off. */
static int set_tls(rc_registry_t *reg, const rc_conf_t *conf, char *err, size_t errlen)
{
	static const struct {
		const char *prop;
		CURLoption opt;
	} files[] = {
	    {"schema.registry.ssl.ca.location", CURLOPT_CAINFO},
	    {"schema.registry.ssl.certificate.location", CURLOPT_SSLCERT},
	    {"schema.registry.ssl.key.location", CURLOPT_SSLKEY},
	    {"schema.registry.ssl.key.password", CURLOPT_KEYPASSWD},
	};

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		const char *v = rc_conf_get(conf, files[i].prop);
		if (!v || !*v)
			continue;
		if (curl_easy_setopt(reg->curl, files[i].opt, v) != CURLE_OK) {
			set_err(err, errlen, "%s: not supported by this libcurl", files[i].prop);
			return -1;
		}
	}
	if ((rc_conf_get(conf, "schema.registry.ssl.certificate.location") == NULL) !=
	    (rc_conf_get(conf, "schema.registry.ssl.key.location") == NULL)) {
		set_err(err, errlen,
		        "schema.registry.ssl.certificate.location and schema.registry.ssl.key.location go "
		        "together (a client certificate and its key)");
		return -1;
	}
	return 0;
}

rc_registry_t *rc_registry_from_conf(const rc_conf_t *conf, char *err, size_t errlen)
{
	const char *url = rc_conf_get(conf, "schema.registry.url");
	const char *user_info = rc_conf_get(conf, "basic.auth.user.info");
	rc_registry_t *reg = rc_registry_new(url, user_info, err, errlen);

	if (!reg)
		return NULL;
	if (set_tls(reg, conf, err, errlen) != 0) {
		rc_registry_free(reg);
		return NULL;
	}
	if (user_info && strncasecmp(url, "http://", 7) == 0 && !rc_host_is_loopback(reg_host(url)))
		rc_log_warn("registry",
		            "basic.auth.user.info goes to %s over http://, unencrypted: use https://",
		            reg->shown);
	return reg;
}

void rc_registry_free(rc_registry_t *reg)
{
	if (!reg)
		return;
	for (size_t i = 0; reg->buckets && i < reg->nbuckets; i++) {
		while (reg->buckets[i]) {
			cache_entry_t *e = reg->buckets[i];
			reg->buckets[i] = e->next;
			free(e);
		}
	}
	free(reg->buckets);
	if (reg->curl)
		curl_easy_cleanup(reg->curl);
	if (reg->multi)
		curl_multi_cleanup(reg->multi);
	curl_slist_free_all(reg->headers);
	rc_buf_free(&reg->answer);
	free(reg->base);
	free(reg->shown);
	if (reg->user_info) {
		memset(reg->user_info, 0, strlen(reg->user_info));
		free(reg->user_info);
	}
	free(reg);
	curl_global_cleanup();
}

void rc_registry_set_retry(rc_registry_t *reg, int max_attempts, int initial_ms, int max_ms)
{
	reg->max_attempts = max_attempts > 0 ? max_attempts : 1;
	reg->initial_ms = initial_ms > 0 ? initial_ms : 1;
	reg->max_ms = max_ms >= reg->initial_ms ? max_ms : reg->initial_ms;
}

void rc_registry_set_deadline(rc_registry_t *reg, int total_ms)
{
	reg->deadline_ms = total_ms > 0 ? total_ms : 1;
}

void rc_registry_set_cancel(rc_registry_t *reg, int fd)
{
	reg->cancel_fd = fd;
}

/* Whether a stop request or the cancel descriptor ends the call. */
static bool stopping(const rc_registry_t *reg)
{
	struct pollfd pfd = {.fd = reg->cancel_fd, .events = POLLIN};

	return rc_stop_requested() || (reg->cancel_fd >= 0 && poll(&pfd, 1, 0) > 0);
}

/* Sleeps ms, or less when a stop request or the cancel descriptor comes first (RC_STOPPED). */
static int backoff_sleep(const rc_registry_t *reg, int ms)
{
	struct pollfd pfd[2] = {{.fd = rc_signals_fd(), .events = POLLIN},
	                        {.fd = reg->cancel_fd, .events = POLLIN}};
	int64_t until = rc_clock_ms() + ms, left;

	if (reg->cancel_fd < 0)
		return rc_signals_sleep(ms);
	while (!stopping(reg) && (left = until - rc_clock_ms()) > 0)
		poll(pfd, 2, left > STOP_CHECK_MS && pfd[0].fd < 0 ? STOP_CHECK_MS : (int)left);
	return stopping(reg) ? RC_STOPPED : RC_OK;
}

unsigned long rc_registry_requests(const rc_registry_t *reg)
{
	return reg->requests;
}

/*
 * Runs the transfer set up on reg->curl. The wait is curl_multi_poll on curl's sockets and on
 * rc_signals_fd(), so a stop request ends it at once (a progress callback would only be asked at
 * curl's next progress update, up to a second later, and only if the signal interrupted this thread's
 * poll). Returns RC_OK with curl's outcome in *cc, or RC_STOPPED (the transfer is abandoned).
 */
static int perform(rc_registry_t *reg, CURLcode *cc)
{
	struct curl_waitfd stop[2] = {{.fd = rc_signals_fd(), .events = CURL_WAIT_POLLIN}};
	unsigned nstop = stop[0].fd >= 0 ? 1 : 0;
	int running = 1, left, rc = RC_OK;
	CURLMsg *msg;

	if (reg->cancel_fd >= 0)
		stop[nstop++] = (struct curl_waitfd){.fd = reg->cancel_fd, .events = CURL_WAIT_POLLIN};
	*cc = CURLE_FAILED_INIT; /* unless curl says otherwise */
	if (curl_multi_add_handle(reg->multi, reg->curl) != CURLM_OK)
		return RC_OK;
	while (running) {
		if (stopping(reg)) {
			rc = RC_STOPPED;
			break;
		}
		if (curl_multi_perform(reg->multi, &running) != CURLM_OK)
			break;
		if (running &&
		    curl_multi_poll(reg->multi, stop, nstop, nstop ? 1000 : STOP_CHECK_MS, NULL) != CURLM_OK)
			break;
	}
	while ((msg = curl_multi_info_read(reg->multi, &left)))
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == reg->curl)
			*cc = msg->data.result;
	curl_multi_remove_handle(reg->multi, reg->curl);
	return rc;
}

/* Curl failures that repeating cannot fix: the configuration is wrong. */
static bool permanent_curl_error(CURLcode cc)
{
	switch (cc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_LOGIN_DENIED:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_WRITE_ERROR:
	case CURLE_FAILED_INIT:
		return true;
	default:
		return false;
	}
}

/*
 * Makes one request (POST with body, or GET when body is NULL) of base + path, retrying transient
 * failures, for reg->deadline_ms at most in all. On RC_OK, *status is the final HTTP status and
 * reg->answer the NUL-terminated body; otherwise err says what failed: RC_ERR_RETRY when the
 * attempts or the time ran out, RC_STOPPED on a stop request, RC_ERR_FATAL for the rest.
 */
/* /metrics (agent/metrics.h): every attempt, and those that failed (no answer, 5xx, 429). */
static rc_metric_t requests_metric = {.name = "rowcast_schema_registry_requests_total",
                                      .type = RC_METRIC_COUNTER,
                                      .help = "Requests to the schema registry (every attempt)."};
static rc_metric_t errors_metric = {
    .name = "rowcast_schema_registry_errors_total",
    .type = RC_METRIC_COUNTER,
    .help = "Schema registry requests that failed: no answer, or HTTP 5xx or 429 (each retried "
            "attempt counts)."};

static int request(rc_registry_t *reg, const char *path, const char *body, long *status, char *err,
                   size_t errlen)
{
	const char *method = body ? "POST" : "GET";
	size_t len = strlen(reg->base) + strlen(path) + 1;
	char *url = malloc(len), what[CURL_ERROR_SIZE + 64], bound[64] = "";
	int wait_ms = reg->initial_ms;
	int64_t deadline = rc_clock_ms() + reg->deadline_ms;

	if (!url) {
		set_err(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	rc_metric_register(&requests_metric); /* once: later calls only look */
	rc_metric_register(&errors_metric);
	snprintf(url, len, "%s%s", reg->base, path);
	curl_easy_setopt(reg->curl, CURLOPT_URL, url);
	if (body) {
		curl_easy_setopt(reg->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(reg->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	} else {
		curl_easy_setopt(reg->curl, CURLOPT_HTTPGET, 1L);
	}
	for (int attempt = 1;; attempt++) {
		CURLcode cc;
		curl_off_t retry_after = 0;
		int64_t left = deadline - rc_clock_ms();
		long budget = left >= REQUEST_TIMEOUT_MS ? REQUEST_TIMEOUT_MS : left > 0 ? (long)left : 1;

		curl_easy_setopt(reg->curl, CURLOPT_TIMEOUT_MS, budget);
		curl_easy_setopt(reg->curl, CURLOPT_CONNECTTIMEOUT_MS,
		                 budget < CONNECT_TIMEOUT_MS ? budget : CONNECT_TIMEOUT_MS);
		rc_buf_reset(&reg->answer);
		reg->curl_err[0] = '\0';
		reg->requests++;
		rc_metric_add(&requests_metric, 1);
		if (perform(reg, &cc) == RC_STOPPED)
			break;
		*status = 0;
		if (cc == CURLE_OK) {
			curl_easy_getinfo(reg->curl, CURLINFO_RESPONSE_CODE, status);
			rc_buf_putc(&reg->answer, '\0');
			if (rc_buf_failed(&reg->answer)) {
				set_err(err, errlen, "%s %s%s: out of memory", method, reg->shown, path);
				free(url);
				return RC_ERR_FATAL;
			}
			reg->answer.len--; /* the NUL stays after the body */
			if (*status < 500 && *status != 429) {
				free(url);
				return RC_OK;
			}
			rc_metric_add(&errors_metric, 1);
			curl_easy_getinfo(reg->curl, CURLINFO_RETRY_AFTER, &retry_after);
			snprintf(what, sizeof what, "HTTP %ld", *status);
		} else {
			rc_metric_add(&errors_metric, 1);
			snprintf(what, sizeof what, "%s",
			         cc == CURLE_WRITE_ERROR ? "answer too large"
			         : reg->curl_err[0]      ? reg->curl_err
			                                 : curl_easy_strerror(cc));
			if (permanent_curl_error(cc)) {
				set_err(err, errlen, "%s %s%s: %s", method, reg->shown, path, what);
				free(url);
				return RC_ERR_FATAL;
			}
		}
		/* Capped in seconds before the multiplication: the server's number may be anything. */
		if (retry_after > MAX_RETRY_AFTER_MS / 1000)
			retry_after = MAX_RETRY_AFTER_MS / 1000;
		if (retry_after > 0 && retry_after * 1000 > wait_ms)
			wait_ms = (int)(retry_after * 1000);
		if (attempt < reg->max_attempts && rc_clock_ms() + wait_ms >= deadline)
			snprintf(bound, sizeof bound, " within %d ms", reg->deadline_ms);
		if (attempt >= reg->max_attempts || bound[0]) {
			set_err(err, errlen, "%s %s%s: %s (gave up after %d attempt%s%s)", method, reg->shown,
			        path, what, attempt, attempt == 1 ? "" : "s", bound);
			free(url);
			return RC_ERR_RETRY;
		}
		rc_log_warn("registry", "%s %s%s: %s; retrying in %d ms (attempt %d of %d)", method,
		            reg->shown, path, what, wait_ms, attempt + 1, reg->max_attempts);
		if (backoff_sleep(reg, wait_ms) == RC_STOPPED)
			break;
		wait_ms = wait_ms > reg->max_ms / 2 ? reg->max_ms : wait_ms * 2;
	}
	set_err(err, errlen, "stopped while waiting for the schema registry (%s %s%s)", method, reg->shown,
	        path);
	free(url);
	return RC_STOPPED;
}

/* The registry's error text of the last answer (sinks/registry_answer.h). */
static void answer_message(const rc_registry_t *reg, char *out, size_t outlen)
{
	rc_registry_answer_message((const char *)reg->answer.data, reg->answer.len, out, outlen);
}

/* Message for an unexpected status; 401/403/404 get the likely fix. */
static int status_error(const rc_registry_t *reg, const char *method, const char *path, long status,
                        char *err, size_t errlen)
{
	char msg[512];
	const char *hint = "";

	answer_message(reg, msg, sizeof msg);
	if (status == 401 || status == 403)
		hint = "; check basic.auth.user.info";
	else if (status == 404)
		hint =
		    "; check that schema.registry.url is the base of the Confluent API (Apicurio: .../apis/ccompat/v7)";
	set_err(err, errlen, "%s %s%s: HTTP %ld (%s)%s", method, reg->shown, path, status, msg, hint);
	return RC_ERR_FATAL;
}

int rc_registry_register(rc_registry_t *reg, const char *subject, const char *schema_json, int32_t *id,
                         char *err, size_t errlen)
{
	uint64_t fp = rc_registry_fingerprint(schema_json, strlen(schema_json));
	cache_entry_t *hit = cache_find(reg, subject, fp);
	char *escaped = NULL, *path = NULL, *body = NULL, msg[512];
	json_t *req = NULL;
	long status;
	int rc = RC_ERR_FATAL;
	size_t len;

	if (errlen)
		err[0] = '\0';
	if (hit) {
		*id = hit->id;
		return RC_OK;
	}
	escaped = curl_easy_escape(reg->curl, subject, 0);
	req = json_object();
	if (!escaped || !req || json_object_set_new(req, "schema", json_string(schema_json)) != 0) {
		set_err(err, errlen, "subject %s: out of memory or schema text not UTF-8", subject);
		goto out;
	}
	body = json_dumps(req, JSON_COMPACT);
	len = strlen(escaped) + sizeof "/subjects//versions";
	path = malloc(len);
	if (!body || !path) {
		set_err(err, errlen, "subject %s: out of memory", subject);
		goto out;
	}
	snprintf(path, len, "/subjects/%s/versions", escaped);
	rc = request(reg, path, body, &status, err, errlen);
	if (rc != RC_OK)
		goto out;
	if (status == 409 || status == 422) {
		answer_message(reg, msg, sizeof msg);
		set_err(err, errlen, "Schema Registry %s refused the schema of subject %s as %s (%s)",
		        reg->shown, subject,
		        status == 409
		            ? "incompatible with its earlier versions under the subject's compatibility level"
		            : "invalid",
		        msg);
		rc = RC_ERR_REFUSED;
		goto out;
	}
	if (status != 200) {
		rc = status_error(reg, "POST", path, status, err, errlen);
		goto out;
	}
	if (rc_registry_answer_id((const char *)reg->answer.data, reg->answer.len, id) != 0) {
		set_err(err, errlen, "POST %s%s: answer has no valid id: %.200s", reg->shown, path,
		        (const char *)reg->answer.data);
		rc = RC_ERR_FATAL;
		goto out;
	}
	cache_add(reg, subject, fp, *id);
	rc_log_info("registry", "subject %s: schema id %" PRId32, subject, *id);
	rc = RC_OK;
out:
	json_decref(req);
	free(body);
	free(path);
	curl_free(escaped);
	return rc;
}

int rc_registry_get_schema(rc_registry_t *reg, int32_t id, char **schema_json, char *err, size_t errlen)
{
	char path[64];
	long status;
	int rc;

	*schema_json = NULL;
	if (errlen)
		err[0] = '\0';
	snprintf(path, sizeof path, "/schemas/ids/%" PRId32, id);
	rc = request(reg, path, NULL, &status, err, errlen);
	if (rc != RC_OK)
		return rc;
	if (status != 200)
		return status_error(reg, "GET", path, status, err, errlen);
	*schema_json = rc_registry_answer_schema((const char *)reg->answer.data, reg->answer.len);
	if (!*schema_json) {
		set_err(err, errlen, "GET %s%s: answer has no schema: %.200s", reg->shown, path,
		        (const char *)reg->answer.data);
		return RC_ERR_FATAL;
	}
	return RC_OK;
}

void rc_registry_check(const rc_conf_t *conf, rc_check_report_t *rep)
{
	const char *url = rc_conf_get(conf, "schema.registry.url");
	char err[1024], level[64];
	rc_registry_t *reg;
	size_t nsubjects;
	long status;
	int rc;

	if (!url)
		return; /* sink.type=stdout: no registry needed */
	reg = rc_registry_from_conf(conf, err, sizeof err);
	if (!reg) {
		rc_check_fail(rep, "fix schema.registry.url or the schema.registry.ssl.* properties", "%s",
		              err);
		return;
	}
	rc_registry_set_retry(reg, 2, 500, 500);
	rc = request(reg, "/subjects", NULL, &status, err, sizeof err);
	if (rc != RC_OK) {
		rc_check_fail(
		    rep,
		    strstr(err, "certificate") || strstr(err, "SSL")
		        ? "set schema.registry.ssl.ca.location to the CA that signed the registry's "
		          "certificate, and use the host name the certificate names"
		        : "check schema.registry.url and that the Schema Registry is up",
		    "no answer from the Schema Registry: %s", err);
		goto out;
	}
	if (status != 200) {
		status_error(reg, "GET", "/subjects", status, err, sizeof err);
		rc_check_fail(rep,
		              status == 401 || status == 403
		                  ? "set basic.auth.user.info to user:password of a registry account"
		                  : "set schema.registry.url to the base URL of the Confluent-compatible API",
		              "%s", err);
		goto out;
	}
	if (rc_registry_answer_subjects((const char *)reg->answer.data, reg->answer.len, &nsubjects) != 0)
		rc_check_fail(rep, "set schema.registry.url to the base URL of the Confluent-compatible API",
		              "GET %s/subjects answered something else than a list of subjects", reg->shown);
	else
		rc_check_ok(rep, "Schema Registry at %s answers: %zu subject(s)", reg->shown, nsubjects);

	/* The default compatibility level, for information: rowcast's schemas evolve under BACKWARD. */
	if (request(reg, "/config", NULL, &status, err, sizeof err) == RC_OK && status == 200 &&
	    rc_registry_answer_level((const char *)reg->answer.data, reg->answer.len, level, sizeof level) ==
	        0)
		rc_check_ok(rep, "Schema Registry default compatibility level: %s", level);
out:
	rc_registry_free(reg);
}
