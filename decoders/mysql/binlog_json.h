/*
 * MySQL's binary JSON (the JSON column's storage and binlog format, sql-common/json_binary.cc in
 * MySQL's sources, "JSON binary format" in its documentation) to JSON text, and the partial updates
 * of PARTIAL_UPDATE_ROWS (binlog_row_value_options=PARTIAL_JSON) applied to a document.
 *
 * Text as MySQL's CAST(json AS CHAR) writes it (Json_wrapper::to_string, quoted: a top-level string
 * keeps its quotes): ", " between elements, ": " after keys, keys in stored order (MySQL stores them
 * sorted: shorter first, then by bytes), strings with ", \ and the bytes 0x00..0x1f escaped (\b \t \n
 * \f \r, others \u00xx; the bytes are not checked as UTF-8, as MySQL does not), integers in decimal,
 * doubles as my_gcvt lays out their shortest digits (1.5, 1.0, -0.0, 0.00001, 1e15, 1e-16), opaque
 * DECIMAL as a bare number with all its scale digits (9.00), DATE/TIME/DATETIME/TIMESTAMP quoted with
 * six fraction digits ("2012-03-18 11:30:45.000000", "87:31:46.654321"), opaque VAR_STRING as a
 * string, any other opaque type as "base64:type<field type>:<base64>" (MySQL's base64: a newline,
 * printed \n, every 76 characters). Pure: bytes in, text out. Nesting is bounded (RC_JSON_MAX_DEPTH,
 * MySQL's JSON_DOCUMENT_MAX_DEPTH); deeper is an error, as is every offset or length pointing outside
 * its container or the value, an unknown type byte, a literal other than null/true/false, a double
 * that is NaN or infinite, a DECIMAL whose size or digit groups do not match its precision and scale,
 * a packed time that is not 8 bytes. Bytes after a complete value are not looked at.
 */
#ifndef RC_BINLOG_JSON_H
#define RC_BINLOG_JSON_H

#include "agent/buf.h"

#include <stddef.h>
#include <stdint.h>

#define RC_JSON_MAX_DEPTH 100

/* Appends the text of the binary JSON value (buf, len bytes; len 0 is the JSON null MySQL reads for
 * an empty value, Field_json::val_json) to out. No allocation but out's growth. Returns 0, or
 * RC_ERR_FATAL with err giving the byte offset of the fault (from buf) and out as it was before the
 * call; also RC_ERR_FATAL when out has failed (out of memory, past its maximum). */
int rc_json_binary_to_text(const uint8_t *buf, size_t len, rc_buf_t *out, char *err, size_t errlen);

/*
 * Applies the diffs of one JSON column of a PARTIAL_UPDATE_ROWS after image to the before document
 * (before, blen bytes of binary JSON; 0 bytes is null) and appends the resulting document's text to
 * out. In the row image such a column is Int4 length + the diff vector, like a full JSON value is
 * Int4 length + binary JSON; diff, len is what follows that length (Json_diff_vector::write_binary in
 * sql/json_diff.cc). Diffs follow each other until len bytes are used, with no count:
 *   Int1 operation            0 REPLACE, 1 INSERT, 2 REMOVE
 *   lenenc path length, path  Json_path::to_string: "$", then .name or ."quoted name" legs and [n],
 *                             [last], [last-n] array legs (blanks between legs allowed)
 *   REPLACE and INSERT only:  lenenc value length, binary JSON value
 * Semantics as MySQL's apply_json_diffs: REPLACE needs the path to exist; INSERT needs its parent to
 * exist, adds a member (an existing one is a rejection) at its sorted place or inserts into an array
 * (past the end appends); REMOVE needs the path to exist; the path "$" is a rejection. A rejected
 * diff is an error here (MySQL stops applying the row).
 * (For the row decoder: a PARTIAL_UPDATE_ROWS after image starts with a lenenc value-options field;
 * with bit 1, PARTIAL_JSON_UPDATES, a bitmap follows, one bit per JSON column of the after image, set
 * when that column holds diffs; then the usual null bitmap and values. Under binlog_row_image=MINIMAL
 * the before image may lack the JSON column, as in the 8.0.22 fixture: then the document to patch is
 * not in the event at all.)
 * Builds a tree of the document in an arena of its own, freed before returning. Returns 0, or
 * RC_ERR_FATAL with err naming the diff (1-based), the operation and path, and the byte offset (in
 * diff, or in the before image or diff value that does not decode), and out as it was.
 */
int rc_json_apply_diffs(const uint8_t *before, size_t blen, const uint8_t *diff, size_t len, rc_buf_t *out,
                        char *err, size_t errlen);

#endif
