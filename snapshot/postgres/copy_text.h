/*
 * PostgreSQL's COPY text format, as `COPY ... TO STDOUT` (text, the default) writes it: one row per
 * CopyData message, ending in a newline.
 *
 * Row:    field ('\t' field)* '\n'
 * Field:  \N alone            SQL NULL
 *         anything else       the column's text output with these escapes:
 *                             \b \f \n \r \t \v   backspace, form feed, newline, carriage return, tab,
 *                                                 vertical tab
 *                             \\                  a backslash
 *                             \NNN                the byte of octal value NNN (1 to 3 digits)
 *                             \xHH                the byte of hex value HH (1 or 2 digits)
 *                             \c (any other c)    c itself
 *         (PostgreSQL's COPY TO writes only \b \f \n \r \t \v \\; the rest is what COPY FROM reads.)
 * A row that is exactly "\." is the old protocol's end-of-data marker, never sent in CopyData: an
 * error here, like a backslash at the end of the row, a raw newline or carriage return inside the
 * row, and an escape that gives a NUL byte (no PostgreSQL text value holds one).
 */
#ifndef RC_COPY_TEXT_H
#define RC_COPY_TEXT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rc_copy_field {
	const char *ptr; /* decoded text (not NUL-terminated), in the caller's scratch buffer */
	size_t len;
	bool null; /* \N: ptr is NULL */
} rc_copy_field_t;

/*
 * Splits and decodes one row (len bytes, the trailing '\n' included) into exactly nfields fields.
 * scratch (at least len bytes, caller's) receives the decoded text the fields point to: decoding
 * never makes text longer. Returns 0, or -1 with err saying what is wrong and where (field number,
 * byte offset): a wrong number of fields, a missing final newline, a malformed escape.
 */
int rc_copy_text_parse(const char *row, size_t len, char *scratch, rc_copy_field_t *fields, int nfields,
                       char *err, size_t errlen);

#endif
