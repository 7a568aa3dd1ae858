#include "config.h"

#include "agent/http.h"

#include "agent/errors.h"
#include "agent/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TIMER_MAX_MS 1000 /* connection timeouts are in seconds: a second's precision is enough */
#define RUN_AGAIN_MAX 4   /* MHD_run rounds per wake while it says work is left (timeout 0) */

struct rc_http {
	rc_loop_t *loop;
	struct MHD_Daemon *mhd;
	int listen_fd; /* ours until MHD_start_daemon took it; MHD closes it at stop */
	int epoll_fd;  /* MHD's */
	int port;
	long long timer;
	const rc_http_route_t *routes;
	size_t nroutes;
	rc_buf_t body; /* reused for every response (MHD copies it) */
};

/* libmicrohttpd's messages: fmt is its own format string. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	rc_log_debug("http", "%s", msg);
}

static enum MHD_Result reply(struct MHD_Connection *conn, int status, const char *type, const void *body,
                             size_t len, const char *allow)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result r;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	r = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
	static const char not_allowed[] = "method not allowed: GET or HEAD only\n";
	static const char not_found[] = "not found: /metrics, /healthz, /readyz\n";
	rc_http_t *http = cls;

	(void)version;
	(void)upload_data;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		*upload_data_size = 0; /* a body is never read: the answer is the same */
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", not_allowed,
		             sizeof not_allowed - 1, "GET, HEAD");
	}
	for (size_t i = 0; i < http->nroutes; i++) {
		if (strcmp(url, http->routes[i].path) == 0) {
			const char *type = NULL;
			int status;

			rc_buf_reset(&http->body);
			status = http->routes[i].fn(http->routes[i].opaque, &http->body, &type);
			if (rc_buf_failed(&http->body))
				return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
				             "out of memory\n", 14, NULL);
			return reply(conn, status, type ? type : "text/plain; charset=utf-8",
			             http->body.data ? (const char *)http->body.data : "", http->body.len,
			             NULL);
		}
	}
	return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", not_found, sizeof not_found - 1,
	             NULL);
}

void rc_http_serve(rc_http_t *http)
{
	MHD_UNSIGNED_LONG_LONG left;

	if (!http)
		return;
	for (int i = 0; i < RUN_AGAIN_MAX; i++) {
		MHD_run(http->mhd);
		if (MHD_get_timeout(http->mhd, &left) != MHD_YES || left > 0)
			break;
	}
}

static void on_ready(rc_loop_t *loop, int fd, int ready, void *opaque)
{
	(void)loop;
	(void)fd;
	(void)ready;
	rc_http_serve(opaque);
}

static int on_timer(rc_loop_t *loop, long long id, void *opaque)
{
	rc_http_t *http = opaque;
	MHD_UNSIGNED_LONG_LONG left;

	(void)loop;
	(void)id;
	rc_http_serve(http);
	if (MHD_get_timeout(http->mhd, &left) != MHD_YES || left > TIMER_MAX_MS)
		return TIMER_MAX_MS;
	return left < 10 ? 10 : (int)left;
}

/* The listening socket is made here, not by libmicrohttpd, so that a port in use is reported with
 * the system's reason. */
static int listen_on(const char *host, int port, int *bound, char *err, size_t errlen)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	socklen_t salen = sizeof sa;
	int fd, one = 1;

	if (inet_pton(AF_INET, strcmp(host, "localhost") == 0 ? "127.0.0.1" : host, &sa.sin_addr) != 1) {
		snprintf(err, errlen,
		         "http.host %s: not an IPv4 address (e.g. 127.0.0.1, or 0.0.0.0 for all)", host);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 16) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) != 0) {
		snprintf(err, errlen, "cannot listen on %s:%d (http.host, http.port): %s", host, port,
		         strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*bound = ntohs(sa.sin_port);
	return fd;
}

rc_http_t *rc_http_start(rc_loop_t *loop, const char *host, int port, const rc_http_route_t *routes,
                         size_t nroutes, char *err, size_t errlen)
{
	rc_http_t *http = calloc(1, sizeof *http);
	const union MHD_DaemonInfo *info;

	if (!http) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	http->loop = loop;
	http->routes = routes;
	http->nroutes = nroutes;
	rc_buf_init(&http->body, 16u << 20);
	http->listen_fd = listen_on(host, port, &http->port, err, errlen);
	if (http->listen_fd < 0)
		goto fail;
	http->mhd = MHD_start_daemon(
	    MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, http, MHD_OPTION_LISTEN_SOCKET,
	    http->listen_fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)RC_HTTP_MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)RC_HTTP_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)32768, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	if (!http->mhd) {
		snprintf(err, errlen, "cannot start the HTTP server on %s:%d", host, http->port);
		close(http->listen_fd);
		goto fail;
	}
	info = MHD_get_daemon_info(http->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	http->epoll_fd = info ? info->epoll_fd : -1;
	if (http->epoll_fd < 0 ||
	    rc_loop_add_fd(loop, http->epoll_fd, RC_LOOP_READABLE, on_ready, http) != RC_OK ||
	    (http->timer = rc_loop_add_timer(loop, TIMER_MAX_MS, on_timer, http)) < 0) {
		snprintf(err, errlen, "cannot put the HTTP server on %s:%d on the event loop", host,
		         http->port);
		if (http->epoll_fd >= 0)
			rc_loop_del_fd(loop, http->epoll_fd);
		MHD_stop_daemon(http->mhd);
		goto fail;
	}
	rc_log_info("http", "serving /metrics, /healthz, /readyz on %s:%d", host, http->port);
	return http;
fail:
	rc_buf_free(&http->body);
	free(http);
	return NULL;
}

int rc_http_port(const rc_http_t *http)
{
	return http->port;
}

int rc_http_fd(const rc_http_t *http)
{
	return http ? http->epoll_fd : -1;
}

void rc_http_stop(rc_http_t *http)
{
	if (!http)
		return;
	rc_loop_del_fd(http->loop, http->epoll_fd);
	rc_loop_del_timer(http->loop, http->timer);
	MHD_stop_daemon(http->mhd); /* closes the listening socket it was given, and every connection */
	rc_buf_free(&http->body);
	free(http);
}
