/* Schema Registry client against a scripted HTTP server on loopback: requests, cache, retries,
 * refusals, credentials kept out of messages, `rowcast check`, the bound on the whole retry
 * sequence, and a stop request ending a back-off wait or a transfer at once. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/clock.h"
#include "agent/loop.h"
#include "agent/signals.h"
#include "sinks/registry.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SEEN 8

typedef struct reply {
	int status; /* 0: read the request, answer nothing, wait for the client to hang up */
	const char *body;
} reply_t;

/* A Retry-After header's value sent with every reply with status 503, or NULL. */
static const char *fake_retry_after;

typedef struct seen {
	char method[8];
	char path[512];
	char auth[256];
	char content_type[128];
	char body[4096];
} seen_t;

/* Answers one scripted reply per connection ("Connection: close"), then stops. */
typedef struct server {
	int fd;
	int port;
	const reply_t *replies;
	size_t nreplies;
	seen_t seen[MAX_SEEN];
	size_t nseen;
	pthread_t thread;
} server_t;

static void header_value(const char *req, const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name);

	out[0] = '\0';
	for (const char *p = strstr(req, "\r\n"); p && p[2] != '\r'; p = strstr(p + 2, "\r\n")) {
		if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
			const char *v = p + 3 + n, *end = strstr(v, "\r\n");
			while (*v == ' ')
				v++;
			snprintf(out, outlen, "%.*s", (int)(end - v), v);
			return;
		}
	}
}

static void serve_one(server_t *srv, int c, const reply_t *r)
{
	char req[16384] = "", clen[32], resp[8192];
	size_t len = 0;
	ssize_t n;
	char *end = NULL;
	seen_t *s = &srv->seen[srv->nseen < MAX_SEEN ? srv->nseen : MAX_SEEN - 1];

	while (len < sizeof req - 1 && !(end = strstr(req, "\r\n\r\n"))) {
		n = read(c, req + len, sizeof req - 1 - len);
		if (n <= 0)
			return;
		len += (size_t)n;
		req[len] = '\0';
	}
	if (!end)
		return;
	header_value(req, "Content-Length", clen, sizeof clen);
	while (clen[0] && len < (size_t)(end + 4 - req) + (size_t)atoi(clen) && len < sizeof req - 1) {
		n = read(c, req + len, sizeof req - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		req[len] = '\0';
	}
	sscanf(req, "%7s %511s", s->method, s->path);
	header_value(req, "Authorization", s->auth, sizeof s->auth);
	header_value(req, "Content-Type", s->content_type, sizeof s->content_type);
	snprintf(s->body, sizeof s->body, "%s", end + 4);
	srv->nseen++;
	if (r->status == 0) {
		struct pollfd pfd = {c, POLLIN, 0};
		if (poll(&pfd, 1, 5000) == 1 && read(c, req, sizeof req) > 0)
			fprintf(stderr, "fake registry: more bytes than a request\n");
		return;
	}
	n = snprintf(resp, sizeof resp,
	             "HTTP/1.1 %d Scripted\r\nContent-Type: application/vnd.schemaregistry.v1+json\r\n"
	             "%s%s%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
	             r->status, r->status == 503 && fake_retry_after ? "Retry-After: " : "",
	             r->status == 503 && fake_retry_after ? fake_retry_after : "",
	             r->status == 503 && fake_retry_after ? "\r\n" : "", strlen(r->body), r->body);
	if (write(c, resp, (size_t)n) != n)
		fprintf(stderr, "fake registry: short write\n");
}

static void *serve(void *opaque)
{
	server_t *srv = opaque;

	for (size_t i = 0; i < srv->nreplies; i++) {
		struct pollfd pfd = {srv->fd, POLLIN, 0};
		int c;
		if (poll(&pfd, 1, 5000) <= 0) /* the client made fewer requests than scripted */
			break;
		c = accept(srv->fd, NULL, NULL);
		if (c < 0)
			break;
		serve_one(srv, c, &srv->replies[i]);
		close(c);
	}
	return NULL;
}

static int listen_loopback(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void server_start(server_t *srv, const reply_t *replies, size_t n)
{
	memset(srv, 0, sizeof *srv);
	srv->fd = listen_loopback(&srv->port);
	srv->replies = replies;
	srv->nreplies = n;
	assert_int_equal(pthread_create(&srv->thread, NULL, serve, srv), 0);
}

static void server_stop(server_t *srv)
{
	pthread_join(srv->thread, NULL);
	close(srv->fd);
}

static const char schema1[] =
    "{\"type\":\"record\",\"name\":\"Key\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"}]}";
static const char schema2[] =
    "{\"type\":\"record\",\"name\":\"Key\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}";

static void test_register_cache_auth(void **state)
{
	static const reply_t replies[] = {{200, "{\"id\":42}"}, {200, "{\"id\":43,\"version\":2}"}};
	server_t srv;
	char url[128], err[1024];
	rc_registry_t *reg;
	int32_t id = -1;
	json_t *body;
	(void)state;

	server_start(&srv, replies, 2);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/apis/ccompat/v7/", srv.port);
	reg = rc_registry_new(url, "alice:s3cret", err, sizeof err);
	assert_non_null(reg);
	assert_int_equal(rc_registry_register(reg, "shop.public.t-value", schema1, &id, err, sizeof err), 0);
	assert_int_equal(id, 42);
	id = -1;
	assert_int_equal(rc_registry_register(reg, "shop.public.t-value", schema1, &id, err, sizeof err), 0);
	assert_int_equal(id, 42);
	assert_int_equal(rc_registry_requests(reg), 1); /* from the cache */
	assert_int_equal(rc_registry_register(reg, "shop.public.t-value", schema2, &id, err, sizeof err), 0);
	assert_int_equal(id, 43);
	assert_int_equal(rc_registry_requests(reg), 2);
	rc_registry_free(reg);
	server_stop(&srv);

	assert_int_equal(srv.nseen, 2);
	assert_string_equal(srv.seen[0].method, "POST");
	assert_string_equal(srv.seen[0].path, "/apis/ccompat/v7/subjects/shop.public.t-value/versions");
	assert_string_equal(srv.seen[0].auth, "Basic YWxpY2U6czNjcmV0");
	assert_string_equal(srv.seen[0].content_type, "application/vnd.schemaregistry.v1+json");
	body = json_loads(srv.seen[0].body, 0, NULL);
	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(body, "schema")), schema1);
	json_decref(body);
}

static void test_retry_then_success(void **state)
{
	static const reply_t replies[] = {{503, "busy"}, {429, "{}"}, {200, "{\"id\":7}"}};
	server_t srv;
	char url[128], err[1024];
	rc_registry_t *reg;
	int32_t id = -1;
	(void)state;

	server_start(&srv, replies, 3);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
	reg = rc_registry_new(url, NULL, err, sizeof err);
	assert_non_null(reg);
	rc_registry_set_retry(reg, 5, 1, 4);
	assert_int_equal(rc_registry_register(reg, "a-key", schema1, &id, err, sizeof err), RC_OK);
	assert_int_equal(id, 7);
	assert_int_equal(rc_registry_requests(reg), 3);
	rc_registry_free(reg);
	server_stop(&srv);
	assert_string_equal(srv.seen[2].path, "/subjects/a-key/versions");
	assert_string_equal(srv.seen[2].auth, "");
}

static void test_retries_exhausted(void **state)
{
	static const reply_t replies[] = {
	    {503, ""}, {502, ""}, {500, "{\"error_code\":50001,\"message\":\"x\"}"}};
	server_t srv;
	char url[128], err[1024];
	rc_registry_t *reg;
	int32_t id = -1;
	(void)state;

	server_start(&srv, replies, 3);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
	reg = rc_registry_new(url, NULL, err, sizeof err);
	rc_registry_set_retry(reg, 3, 1, 2);
	assert_int_equal(rc_registry_register(reg, "a-key", schema1, &id, err, sizeof err), RC_ERR_RETRY);
	assert_non_null(strstr(err, "/subjects/a-key/versions: HTTP 500 (gave up after 3 attempts)"));
	assert_int_equal(id, -1);
	rc_registry_free(reg);
	server_stop(&srv);
}

static void test_refused(void **state)
{
	static const reply_t replies[] = {
	    {409, "{\"error_code\":40901,\"message\":\"Schema being registered is incompatible with an "
	          "earlier schema\"}"},
	    {422, "{\"error_code\":42201,\"message\":\"Invalid schema\"}"},
	};
	server_t srv;
	char url[128], err[1024];
	rc_registry_t *reg;
	int32_t id = -1;
	(void)state;

	server_start(&srv, replies, 2);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
	reg = rc_registry_new(url, NULL, err, sizeof err);
	assert_int_equal(rc_registry_register(reg, "shop.public.t-value", schema1, &id, err, sizeof err),
	                 RC_ERR_REFUSED);
	assert_non_null(strstr(err, "refused the schema of subject shop.public.t-value as incompatible"));
	assert_non_null(
	    strstr(err, "(error 40901: Schema being registered is incompatible with an earlier schema)"));
	assert_int_equal(rc_registry_register(reg, "shop.public.t-value", schema1, &id, err, sizeof err),
	                 RC_ERR_REFUSED);
	assert_non_null(strstr(err, "subject shop.public.t-value as invalid (error 42201: Invalid schema)"));
	assert_int_equal(rc_registry_requests(reg), 2); /* refusals are not cached, nor retried */
	rc_registry_free(reg);
	server_stop(&srv);
}

static void test_credentials_never_shown(void **state)
{
	static const reply_t replies[] = {{401, "{\"error_code\":40101,\"message\":\"Unauthorized\"}"}};
	server_t srv;
	char url[128], err[1024];
	rc_registry_t *reg;
	int32_t id;
	int port;
	(void)state;

	server_start(&srv, replies, 1);
	snprintf(url, sizeof url, "http://bob:hunter2@127.0.0.1:%d/", srv.port);
	reg = rc_registry_new(url, "carol:pw123", err, sizeof err);
	assert_int_equal(rc_registry_register(reg, "s-value", schema1, &id, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, "POST http://***@127.0.0.1:"));
	assert_non_null(strstr(err, "HTTP 401 (error 40101: Unauthorized); check basic.auth.user.info"));
	assert_null(strstr(err, "hunter2"));
	assert_null(strstr(err, "pw123"));
	rc_registry_free(reg);
	server_stop(&srv);

	/* Nobody listening: transient, retried, then given up; still no credentials. */
	close(listen_loopback(&port));
	snprintf(url, sizeof url, "http://bob:hunter2@127.0.0.1:%d", port);
	reg = rc_registry_new(url, NULL, err, sizeof err);
	rc_registry_set_retry(reg, 2, 1, 1);
	assert_int_equal(rc_registry_register(reg, "s-value", schema1, &id, err, sizeof err), RC_ERR_RETRY);
	assert_non_null(strstr(err, "(gave up after 2 attempts)"));
	assert_null(strstr(err, "hunter2"));
	rc_registry_free(reg);

	assert_null(rc_registry_new("ftp://x:secretpw@host/", NULL, err, sizeof err));
	assert_string_equal(err, "schema.registry.url 'ftp://***@host/' is not an http:// or https:// URL");
}

static void test_get_schema(void **state)
{
	static const reply_t replies[] = {
	    {200, "{\"schema\":\"{\\\"type\\\":\\\"string\\\"}\"}"},
	    {404, "{\"error_code\":40403,\"message\":\"Schema not found\"}"},
	};
	server_t srv;
	char url[128], err[1024], *schema;
	rc_registry_t *reg;
	(void)state;

	server_start(&srv, replies, 2);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
	reg = rc_registry_new(url, NULL, err, sizeof err);
	assert_int_equal(rc_registry_get_schema(reg, 12, &schema, err, sizeof err), RC_OK);
	assert_string_equal(schema, "{\"type\":\"string\"}");
	free(schema);
	assert_int_equal(rc_registry_get_schema(reg, 13, &schema, err, sizeof err), RC_ERR_FATAL);
	assert_null(schema);
	assert_non_null(strstr(err, "GET http://127.0.0.1:"));
	assert_non_null(strstr(err, "/schemas/ids/13: HTTP 404 (error 40403: Schema not found)"));
	rc_registry_free(reg);
	server_stop(&srv);
	assert_string_equal(srv.seen[0].method, "GET");
	assert_string_equal(srv.seen[0].path, "/schemas/ids/12");
}

static char *run_check(const char *url, int *failures)
{
	rc_conf_t *conf = rc_conf_new();
	char err[512], *text = NULL;
	size_t len = 0;
	rc_check_report_t rep = {0};

	assert_non_null(conf);
	assert_int_equal(rc_conf_set(conf, "schema.registry.url", url, RC_CONF_CLI, "test", err, sizeof err),
	                 0);
	rep.out = open_memstream(&text, &len);
	rc_registry_check(conf, &rep);
	fclose(rep.out);
	rc_conf_free(conf);
	*failures = rep.failures;
	return text;
}

static void test_check(void **state)
{
	static const reply_t good[] = {{200, "[\"a-value\",\"b-value\"]"},
	                               {200, "{\"compatibilityLevel\":\"BACKWARD\"}"}};
	static const reply_t bad[] = {{404, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}"}};
	server_t srv;
	char url[128], expected[256], *text;
	int failures;
	(void)state;

	server_start(&srv, good, 2);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
	text = run_check(url, &failures);
	server_stop(&srv);
	assert_int_equal(failures, 0);
	snprintf(expected, sizeof expected, "ok    Schema Registry at %s answers: 2 subject(s)\n", url);
	assert_non_null(strstr(text, expected));
	assert_non_null(strstr(text, "ok    Schema Registry default compatibility level: BACKWARD\n"));
	free(text);

	server_start(&srv, bad, 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/wrong", srv.port);
	text = run_check(url, &failures);
	server_stop(&srv);
	assert_int_equal(failures, 1);
	assert_non_null(strstr(text, "FAIL  GET "));
	assert_non_null(strstr(text, "/wrong/subjects: HTTP 404"));
	assert_non_null(
	    strstr(text, "fix: set schema.registry.url to the base URL of the Confluent-compatible API"));
	free(text);
}

static void test_fingerprint(void **state)
{
	(void)state;
	/* Test vectors of the Avro specification (CRC-64-AVRO of parsing canonical forms). */
	assert_true(rc_registry_fingerprint("\"null\"", 6) == UINT64_C(7195948357588979594));
	assert_true(rc_registry_fingerprint("\"int\"", 5) == UINT64_C(8247732601305521295));
	assert_true(rc_registry_fingerprint("", 0) == UINT64_C(0xc15d213aa4d7a795));
}

static int64_t raise_ms;

static void *raise_later(void *opaque)
{
	(void)opaque;
	usleep((useconds_t)raise_ms * 1000);
	raise(SIGTERM); /* handled on this thread: the client's wait must see the self-pipe */
	return NULL;
}

/* Registers a schema with reg, with a SIGTERM raised on another thread after raise_after_ms (-1:
 * none). Returns the result; *took_ms is how long the call took. */
static int register_timed(rc_registry_t *reg, int raise_after_ms, int64_t *took_ms, char *err, size_t errlen)
{
	pthread_t thread;
	int32_t id = -1;
	int64_t t0 = rc_clock_ms();
	int rc;

	raise_ms = raise_after_ms;
	if (raise_after_ms >= 0)
		assert_int_equal(pthread_create(&thread, NULL, raise_later, NULL), 0);
	rc = rc_registry_register(reg, "a-value", schema1, &id, err, errlen);
	*took_ms = rc_clock_ms() - t0;
	if (raise_after_ms >= 0)
		pthread_join(thread, NULL);
	return rc;
}

static void test_retries_bounded_in_time(void **state)
{
	static const reply_t replies[] = {{503, ""}, {503, ""}};
	server_t srv;
	char url[128], err[1024];
	rc_registry_t *reg;
	int64_t took;
	(void)state;

	server_start(&srv, replies, 2);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
	reg = rc_registry_new(url, NULL, err, sizeof err);
	rc_registry_set_retry(reg, 8, 200, 10000);
	rc_registry_set_deadline(reg, 500);
	/* 503, wait 200 ms, 503: the next wait (400 ms) would end past 500 ms, so it is not begun. */
	assert_int_equal(register_timed(reg, -1, &took, err, sizeof err), RC_ERR_RETRY);
	assert_non_null(strstr(err, "HTTP 503 (gave up after 2 attempts within 500 ms)"));
	assert_true(took >= 200);
	assert_true(took < 1500);
	rc_registry_free(reg);
	server_stop(&srv);
}

/* A Retry-After of 2^63/100 seconds: multiplied into milliseconds unchecked it overflowed (UB,
 * security review F-13); capped, it is 30 s, past the 500 ms bound, so the client gives up at once. */
static void test_retry_after_huge(void **state)
{
	static const reply_t replies[] = {{503, ""}};
	server_t srv;
	char url[128], err[1024];
	rc_registry_t *reg;
	int64_t took;
	(void)state;

	fake_retry_after = "92233720368547758";
	server_start(&srv, replies, 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
	reg = rc_registry_new(url, NULL, err, sizeof err);
	rc_registry_set_retry(reg, 8, 10, 100);
	rc_registry_set_deadline(reg, 500);
	assert_int_equal(register_timed(reg, -1, &took, err, sizeof err), RC_ERR_RETRY);
	assert_non_null(strstr(err, "HTTP 503 (gave up after 1 attempt within 500 ms)"));
	assert_true(took < 400);
	rc_registry_free(reg);
	server_stop(&srv);
	fake_retry_after = NULL;
}

static void test_stop_during_retries(void **state)
{
	static const reply_t busy[] = {{503, "busy"}}, hang[] = {{0, ""}};
	server_t srv;
	char url[128], err[1024];
	rc_registry_t *reg;
	int64_t took;
	(void)state;

	assert_int_equal(rc_signals_install(), RC_OK);

	/* In the back-off wait (5 s): */
	server_start(&srv, busy, 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
	reg = rc_registry_new(url, NULL, err, sizeof err);
	rc_registry_set_retry(reg, 5, 5000, 5000);
	assert_int_equal(register_timed(reg, 200, &took, err, sizeof err), RC_STOPPED);
	assert_non_null(strstr(err, "stopped while waiting for the schema registry"));
	assert_true(took < 1500);
	assert_int_equal(rc_registry_requests(reg), 1);
	rc_registry_free(reg);
	server_stop(&srv);
	rc_signals_reset();

	/* In a transfer the registry does not answer (it would time out after 30 s): */
	server_start(&srv, hang, 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
	reg = rc_registry_new(url, NULL, err, sizeof err);
	assert_int_equal(register_timed(reg, 200, &took, err, sizeof err), RC_STOPPED);
	assert_non_null(strstr(err, "stopped while waiting for the schema registry (POST http://127.0.0.1:"));
	assert_true(took < 1500);
	rc_registry_free(reg); /* hangs up: the server's wait ends */
	server_stop(&srv);
	assert_int_equal(srv.nseen, 1);
	rc_signals_reset();

	/* A request made once the stop is requested does not begin. */
	raise(SIGTERM);
	reg = rc_registry_new(url, NULL, err, sizeof err);
	assert_int_equal(register_timed(reg, -1, &took, err, sizeof err), RC_STOPPED);
	assert_true(took < 500);
	rc_registry_free(reg);
	rc_signals_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_register_cache_auth),
	    cmocka_unit_test(test_retry_then_success),
	    cmocka_unit_test(test_retries_exhausted),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_credentials_never_shown),
	    cmocka_unit_test(test_get_schema),
	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_fingerprint),
	    cmocka_unit_test(test_retries_bounded_in_time),
	    cmocka_unit_test(test_retry_after_huge),
	    cmocka_unit_test(test_stop_during_retries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
