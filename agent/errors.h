/*
 * The one vocabulary of return codes (CONVENTIONS.md rules 3 and 4): 0 is success, every failure a
 * negative class decided where it arises, and the words go into the caller's error buffer. Every
 * interface (source, sink, encoder, offset store, registry client, snapshot readers) returns these,
 * so a code passed straight through keeps its meaning.
 */
#ifndef RC_ERRORS_H
#define RC_ERRORS_H

/* Error buffers: one size everywhere, enough for a message that quotes a server's own words. */
#define RC_ERRSTR_LEN 1024

typedef enum rc_err {
	RC_OK = 0,
	RC_ERR_FATAL = -1,   /* cannot go on: wrong configuration, a position that cannot be trusted */
	RC_ERR_RETRY = -2,   /* transient: reconnect with back-off and resume from the confirmed position */
	RC_ERR_REFUSED = -3, /* the other side refused this input for good (the registry's 409/422, a record
	                      * larger than the broker takes): fatal, retrying cannot help */
	RC_END = -4,         /* nothing more, ever (a snapshot-only source has given everything) */
	RC_FULL = -5,        /* a bounded queue is full: serve it, then try the same call again */
	RC_STOPPED = -6,     /* a stop request (SIGTERM) interrupted the call; nothing was lost */
} rc_err_t;

/* True for the codes that end the process rather than restart the stream. */
static inline int rc_err_is_fatal(int rc)
{
	return rc == RC_ERR_FATAL || rc == RC_ERR_REFUSED;
}

#endif
