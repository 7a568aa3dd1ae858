/* The HTTP endpoint on the event loop (agent/http.h): routes, HEAD, 404, 405, the connection bound,
 * and a port in use named in the error. The server runs on this thread's loop; a client thread
 * talks to it over real sockets. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/errors.h"
#include "agent/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int route_hello(void *opaque, rc_buf_t *body, const char **type)
{
	(void)opaque;
	*type = "text/plain; version=0.0.4";
	rc_buf_puts(body, "hello 1\n");
	return 200;
}

static int route_down(void *opaque, rc_buf_t *body, const char **type)
{
	(void)opaque;
	(void)type;
	rc_buf_puts(body, "{\"status\":\"DOWN\"}");
	return 503;
}

static const rc_http_route_t routes[] = {{"/metrics", route_hello, NULL}, {"/readyz", route_down, NULL}};

static int connect_to(int port, int timeout_ms)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

/* Sends req on fd and reads the answer into out until the server closes or the timeout. Returns
 * the bytes read (0: closed without an answer, -1: timed out with nothing). */
static ssize_t exchange(int fd, const char *req, char *out, size_t len)
{
	size_t n = 0;

	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		return 0;
	for (;;) {
		ssize_t r = read(fd, out + n, len - 1 - n);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (n == 0)
				return -1;
			break;
		}
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n + 1 >= len)
			break;
	}
	out[n] = '\0';
	return (ssize_t)n;
}

static ssize_t request(int port, const char *req, char *out, size_t len)
{
	int fd = connect_to(port, 5000);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = exchange(fd, req, out, len);
	close(fd);
	return n;
}

typedef struct client {
	int port;
	volatile int done;
	char get[2048], head[2048], post[2048], missing[2048], down[2048], after[2048];
	ssize_t extra; /* what the connection beyond the bound got */
	char extra_text[2048];
} client_t;

static void *client_main(void *arg)
{
	client_t *c = arg;
	int idle[RC_HTTP_MAX_CONNECTIONS], extra;

	request(c->port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", c->get,
	        sizeof c->get);
	request(c->port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", c->head,
	        sizeof c->head);
	request(c->port,
	        "POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc",
	        c->post, sizeof c->post);
	request(c->port, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", c->missing,
	        sizeof c->missing);
	request(c->port, "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", c->down,
	        sizeof c->down);

	/* The bound: idle connections fill it; one more is not served while they stay. */
	for (int i = 0; i < RC_HTTP_MAX_CONNECTIONS; i++)
		idle[i] = connect_to(c->port, 1000);
	usleep(300 * 1000); /* the server accepts them */
	extra = connect_to(c->port, 1500);
	c->extra = extra >= 0
	               ? exchange(extra, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	                          c->extra_text, sizeof c->extra_text)
	               : 0;
	if (extra >= 0)
		close(extra);
	for (int i = 0; i < RC_HTTP_MAX_CONNECTIONS; i++)
		if (idle[i] >= 0)
			close(idle[i]);
	usleep(300 * 1000);
	request(c->port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", c->after,
	        sizeof c->after);
	c->done = 1;
	return NULL;
}

static void test_routes_and_bound(void **state)
{
	rc_loop_t *loop = rc_loop_new();
	char err[256];
	rc_http_t *http, *again;
	client_t c = {0};
	pthread_t th;

	(void)state;
	assert_non_null(loop);
	http = rc_http_start(loop, "127.0.0.1", 0, routes, 2, err, sizeof err);
	assert_non_null(http);
	c.port = rc_http_port(http);
	assert_true(c.port > 0);

	/* The same port again: a clear error naming host:port and why. */
	again = rc_http_start(loop, "127.0.0.1", c.port, routes, 2, err, sizeof err);
	assert_null(again);
	{
		char where[64];
		snprintf(where, sizeof where, "127.0.0.1:%d", c.port);
		assert_non_null(strstr(err, where));
		assert_non_null(strstr(err, "in use"));
	}

	assert_int_equal(pthread_create(&th, NULL, client_main, &c), 0);
	while (!c.done)
		rc_loop_run_once(loop, 50);
	pthread_join(th, NULL);

	assert_non_null(strstr(c.get, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(c.get, "Content-Type: text/plain; version=0.0.4\r\n"));
	assert_non_null(strstr(c.get, "\r\n\r\nhello 1\n"));
	assert_non_null(strstr(c.head, "HTTP/1.1 200 OK\r\n"));
	assert_null(strstr(c.head, "hello 1"));
	assert_non_null(strstr(c.post, "HTTP/1.1 405"));
	assert_non_null(strstr(c.post, "Allow: GET, HEAD\r\n"));
	assert_non_null(strstr(c.missing, "HTTP/1.1 404"));
	assert_non_null(strstr(c.down, "HTTP/1.1 503"));
	assert_non_null(strstr(c.down, "{\"status\":\"DOWN\"}"));
	/* Beyond the bound: closed, refused or unanswered, never served. */
	assert_true(c.extra <= 0 || strstr(c.extra_text, "200 OK") == NULL);
	assert_non_null(strstr(c.after, "HTTP/1.1 200 OK\r\n"));

	rc_http_stop(http);
	rc_loop_free(loop);
}

static void test_bad_host(void **state)
{
	rc_loop_t *loop = rc_loop_new();
	char err[256];

	(void)state;
	assert_null(rc_http_start(loop, "not-an-address", 0, routes, 2, err, sizeof err));
	assert_non_null(strstr(err, "http.host not-an-address"));
	assert_null(rc_http_start(loop, "192.0.2.1", 0, routes, 2, err, sizeof err)); /* not ours */
	assert_non_null(strstr(err, "192.0.2.1:0"));
	rc_loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_routes_and_bound),
	    cmocka_unit_test(test_bad_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
