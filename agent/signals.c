#include "config.h"

#include "agent/signals.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signals;

static void on_signal(int sig)
{
	(void)sig;
	if (stop_signals++ > 0)
		_exit(1); /* an impatient second signal: leave now, the position is still safe */
}

void rc_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

bool rc_stop_requested(void)
{
	return stop_signals > 0;
}
