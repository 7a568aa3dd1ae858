/* Error classes, decided where an error arises (CONVENTIONS.md rule 4). */
#ifndef RC_ERRORS_H
#define RC_ERRORS_H

enum {
	RC_OK = 0,
	RC_ERR_FATAL = -1, /* cannot go on: wrong configuration, a position that cannot be trusted */
	RC_ERR_RETRY = -2, /* transient: reconnect with back-off and resume from the confirmed position */
};

#endif
