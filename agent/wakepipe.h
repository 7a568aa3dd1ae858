/*
 * Wake-up pipes, the self-pipe trick: whoever hands the event loop work from outside its descriptors
 * (a signal handler, a library's own thread, a snapshot reader) writes a byte, and the loop watches the
 * other end. Apart from agent/loop.c so that agent/signals.c, below the loop, can use them too.
 */
#ifndef RC_WAKEPIPE_H
#define RC_WAKEPIPE_H

/*
 * A wake-up pipe, for whoever hands a loop work from outside its descriptors (a signal handler, a
 * library's own thread, a queue filled by the loop's own thread): fds[0] to watch, fds[1] to write a
 * byte to; both non-blocking and close-on-exec. Returns RC_OK, or RC_ERR_FATAL (errno says why) with
 * both set to -1.
 */
int rc_wakepipe_open(int fds[2]);

/* Writes one byte to a wake-up pipe's fds[1]; a full pipe is already readable, so EAGAIN is ignored.
 * Async-signal-safe (errno is preserved). */
void rc_wakepipe_wake(int wfd);

/* Reads all that waits on a wake-up pipe's fds[0], so that it becomes readable again only at the next
 * write. */
void rc_wakepipe_drain(int rfd);

/* Closes both ends (those >= 0) and sets them to -1. */
void rc_wakepipe_close(int fds[2]);

#endif
