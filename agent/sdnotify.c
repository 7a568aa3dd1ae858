#include "config.h"

#include "agent/sdnotify.h"

#include "agent/errors.h"
#include "agent/log.h"
#include "agent/loop.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int rc_sdnotify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len;
	socklen_t salen;
	ssize_t n;
	int fd;

	if (!path || !*path)
		return RC_OK;
	len = strlen(path);
	/* A path, or '@' for the abstract namespace (whose name starts with a NUL byte and is not
	 * NUL-terminated: the address length says where it ends). */
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof sa.sun_path) {
		errno = EINVAL;
		return RC_ERR_FATAL;
	}
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/' ? 1 : 0));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return RC_ERR_FATAL;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	close(fd);
	return n == (ssize_t)strlen(state) ? RC_OK : RC_ERR_FATAL;
}

long long rc_sdnotify_watchdog_ms(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	char *end;
	long long us;

	if (!usec || !*usec || !getenv("NOTIFY_SOCKET"))
		return 0;
	/* Set for another process (a parent that passed its environment on): not ours to ping. */
	if (pid && *pid && strtoll(pid, NULL, 10) != (long long)getpid())
		return 0;
	errno = 0;
	us = strtoll(usec, &end, 10);
	if (errno || *end || us <= 0)
		return 0;
	return us / 1000 > 0 ? us / 1000 : 1;
}

/* Logs the first failure to reach systemd, then stays quiet: one broken socket must not fill the log
 * at every ping. */
static void notify_logged(const char *state)
{
	static bool warned;

	if (rc_sdnotify(state) != RC_OK && !warned) {
		warned = true;
		rc_log_warn("sdnotify", "cannot notify systemd at NOTIFY_SOCKET=%s: %s",
		            getenv("NOTIFY_SOCKET"), strerror(errno));
	}
}

static int on_watchdog(rc_loop_t *loop, long long id, void *opaque)
{
	notify_logged("WATCHDOG=1");
	return (int)(rc_sdnotify_watchdog_ms() / 2 > 0 ? rc_sdnotify_watchdog_ms() / 2 : 1);
}

int rc_sdnotify_watch(rc_loop_t *loop)
{
	long long ms = rc_sdnotify_watchdog_ms();

	if (ms <= 0)
		return RC_OK;
	rc_log_info("sdnotify", "systemd watchdog every %lld ms: pinging every %lld ms", ms, ms / 2);
	notify_logged("WATCHDOG=1");
	return rc_loop_add_timer(loop, (int)(ms / 2 > 0 ? ms / 2 : 1), on_watchdog, NULL) > 0 ? RC_OK
	                                                                                      : RC_ERR_FATAL;
}

void rc_sdnotify_state(const char *state, const char *phase)
{
	static bool ready;
	static char last[128]; /* the last STATUS= sent: the 1 s tick repeats nothing */
	char status[128], msg[256];
	const char *extra = "";

	if (!getenv("NOTIFY_SOCKET"))
		return;
	snprintf(status, sizeof status, "pipeline %s%s%s", state, phase ? ", capture " : "",
	         phase ? phase : "");
	if (strcmp(status, last) == 0)
		return;
	if (strcmp(state, "streaming") == 0 && !ready) {
		ready = true;
		extra = "READY=1\n";
	} else if (strcmp(state, "draining") == 0 && strncmp(last, "pipeline draining", 17) != 0) {
		extra = "STOPPING=1\n";
	}
	snprintf(last, sizeof last, "%s", status);
	snprintf(msg, sizeof msg, "%sSTATUS=%s", extra, status);
	notify_logged(msg);
}
