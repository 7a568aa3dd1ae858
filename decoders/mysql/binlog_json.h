/*
 * MySQL's binary JSON (the JSON column's storage and binlog format, sql-common/json_binary.cc in
 * MySQL's sources, "JSON binary format" in its documentation) to JSON text, and the partial updates
 * of PARTIAL_UPDATE_ROWS (binlog_row_value_options=PARTIAL_JSON) applied to a document.
 *
 * Text as MySQL's JSON_UNQUOTE(CAST(... AS CHAR)) writes it: ", " between elements, ": " after
 * keys, keys in stored order, strings escaped as JSON requires, doubles in the shortest form that
 * reads back the same, opaque values (DECIMAL, DATE, TIME, DATETIME, TIMESTAMP, and others as base64)
 * as MySQL prints them. Pure: bytes in, text out. Nesting is bounded (RC_JSON_MAX_DEPTH); deeper is an
 * error, as is every offset or length pointing outside the value.
 */
#ifndef RC_BINLOG_JSON_H
#define RC_BINLOG_JSON_H

#include "agent/buf.h"

#include <stddef.h>
#include <stdint.h>

#define RC_JSON_MAX_DEPTH 100

/* Appends the text of the binary JSON value (buf, len bytes; len 0 is the JSON null MySQL writes for
 * an empty value) to out. Returns 0, or RC_ERR_FATAL with err giving the byte offset of the fault. */
int rc_json_binary_to_text(const uint8_t *buf, size_t len, rc_buf_t *out, char *err, size_t errlen);

/*
 * Applies the diffs of one JSON column of a PARTIAL_UPDATE_ROWS after image (diff, len bytes: the
 * bytes after the column's length prefix, one diff after the other with no count before them, as
 * MySQL's Json_diff_vector::write_binary writes them and the 8.0.22 fixture holds them: Int1
 * operation (0 REPLACE, 1 INSERT, 2 REMOVE), lenenc path length + path ("$.a[2]"), and for REPLACE
 * and INSERT lenenc value length + binary JSON value) to the before document (before, blen bytes of
 * binary JSON), appending the resulting document's text to out.
 * Returns 0, or RC_ERR_FATAL with err naming the diff and the byte offset.
 */
int rc_json_apply_diffs(const uint8_t *before, size_t blen, const uint8_t *diff, size_t len, rc_buf_t *out,
                        char *err, size_t errlen);

#endif
