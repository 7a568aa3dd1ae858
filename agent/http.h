/*
 * The HTTP endpoint (/metrics, /healthz, /readyz) on the pipeline's event loop (agent/loop.h):
 * libmicrohttpd without a thread of its own (MHD_USE_EPOLL, external select): the loop watches the
 * daemon's one epoll descriptor and runs it when that is readable, and a timer runs it for its
 * connection timeouts. Nothing here blocks: a request is answered within the turn it arrives in,
 * from a few fixed routes whose handlers format small bodies in memory.
 *
 * Bounded: at most RC_HTTP_MAX_CONNECTIONS at once, each closed after RC_HTTP_TIMEOUT_S idle; GET
 * and HEAD only (405 otherwise, with Allow), unknown paths 404.
 */
#ifndef RC_HTTP_H
#define RC_HTTP_H

#include "agent/buf.h"
#include "agent/loop.h"

#include <stddef.h>

#define RC_HTTP_MAX_CONNECTIONS 16
#define RC_HTTP_TIMEOUT_S 10

/* Fills body (and *content_type, a static string; text/plain when left NULL) and returns the HTTP
 * status. Called on the loop's thread. */
typedef int (*rc_http_route_fn)(void *opaque, rc_buf_t *body, const char **content_type);

typedef struct rc_http_route {
	const char *path; /* exact match, e.g. "/metrics" */
	rc_http_route_fn fn;
	void *opaque;
} rc_http_route_t;

typedef struct rc_http rc_http_t;

/*
 * Listens on host (an IPv4 address, or "localhost") and port (0: a port the kernel chooses, see
 * rc_http_port) and serves routes (borrowed; the array must outlive the server) on loop. Returns
 * the server, or NULL with err naming host:port and why (the port in use, the address not local).
 */
rc_http_t *rc_http_start(rc_loop_t *loop, const char *host, int port, const rc_http_route_t *routes,
                         size_t nroutes, char *err, size_t errlen);

/* The port listened on. */
int rc_http_port(const rc_http_t *http);

/* The descriptor that is readable when requests wait: for a caller that waits outside the loop
 * (poll) and then calls rc_http_serve. */
int rc_http_fd(const rc_http_t *http);

/* Serves what is waiting, without blocking: for callers that hold the loop's thread in a wait of
 * their own (the sink's queue full). */
void rc_http_serve(rc_http_t *http);

/* Closes every connection and the listening socket, and leaves the loop. NULL is a no-op. */
void rc_http_stop(rc_http_t *http);

#endif
