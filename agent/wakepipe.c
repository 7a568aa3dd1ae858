#include "config.h"

#include "agent/wakepipe.h"

#include "agent/errors.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int rc_wakepipe_open(int fds[2])
{
	if (pipe(fds) != 0) {
		fds[0] = fds[1] = -1;
		return RC_ERR_FATAL;
	}
	for (int i = 0; i < 2; i++) {
		int fl = fcntl(fds[i], F_GETFL);
		if (fl < 0 || fcntl(fds[i], F_SETFL, fl | O_NONBLOCK) != 0 ||
		    fcntl(fds[i], F_SETFD, FD_CLOEXEC) != 0) {
			int saved = errno;
			rc_wakepipe_close(fds);
			errno = saved;
			return RC_ERR_FATAL;
		}
	}
	return RC_OK;
}

void rc_wakepipe_wake(int wfd)
{
	int saved = errno;

	if (write(wfd, "", 1) < 0) {
		/* EAGAIN: full, so readable already */
	}
	errno = saved;
}

void rc_wakepipe_drain(int rfd)
{
	char buf[256];
	int saved = errno;
	ssize_t n;

	while ((n = read(rfd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
		;
	errno = saved;
}

void rc_wakepipe_close(int fds[2])
{
	for (int i = 0; i < 2; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}
