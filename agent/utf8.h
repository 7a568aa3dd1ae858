/* UTF-8 checks for what goes into Avro strings: a database whose text is not converted by the server
 * (PostgreSQL SQL_ASCII) can hold any bytes, and Avro strings must be UTF-8. */
#ifndef RC_UTF8_H
#define RC_UTF8_H

#include "agent/buf.h"
#include "agent/event.h"

#include <stdbool.h>
#include <stddef.h>

/* The offset of the first byte of s (len bytes) that does not begin a well-formed UTF-8 sequence
 * (overlong forms, surrogates and code points past U+10FFFF are not), or len when all of s is. */
size_t rc_utf8_invalid_at(const char *s, size_t len);

/*
 * Checks every string value of ev (before and after images, array elements included). Without
 * replace, the first string that is not UTF-8 is RC_ERR_FATAL with table, column, key, position and
 * byte offset in err. With replace (string.invalid.utf8.mode=replace), each bad sequence becomes
 * U+FFFD: the value then points into scratch (reset by the caller, kept until the event is encoded)
 * and a warning names the first such value of the table. ev's value arrays are changed in place.
 */
int rc_utf8_check_event(const rc_event_t *ev, bool replace, rc_buf_t *scratch, char *err, size_t errlen);

#endif
