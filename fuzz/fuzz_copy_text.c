/*
 * Fuzz target for snapshot/postgres/copy_text.c, the COPY text row parser (fuzz/README.md builds it).
 *
 * Input: one byte whose value modulo 9 is the number of fields expected (0-8), then the row as a
 * CopyData message carries it (final newline included). Beyond "no crash, no sanitizer report", the
 * target checks the parser's contract: a failure has a message; on success every field points into
 * the scratch buffer (which is exactly as long as the row), NULL fields have no text, and the
 * decoded fields, written back as COPY text, parse again to the same fields.
 */
#include "config.h"

#include "snapshot/postgres/copy_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes fields as PostgreSQL's COPY TO would: \N, and \\ \b \f \n \r \t \v escapes. Returns the
 * length; out holds at least 2 * (sum of lengths) + 3 * n + 1 bytes. */
static size_t encode_row(const rc_copy_field_t *f, int n, char *out)
{
	size_t w = 0;

	for (int i = 0; i < n; i++) {
		if (i > 0)
			out[w++] = '\t';
		if (f[i].null) {
			out[w++] = '\\';
			out[w++] = 'N';
			continue;
		}
		for (size_t j = 0; j < f[i].len; j++) {
			char c = f[i].ptr[j];
			const char *esc = strchr("\\\b\f\n\r\t\v", c);

			if (c != '\0' && esc) {
				out[w++] = '\\';
				out[w++] = "\\bfnrtv"[esc - "\\\b\f\n\r\t\v"];
			} else {
				out[w++] = c;
			}
		}
	}
	out[w++] = '\n';
	return w;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rc_copy_field_t fields[MAX_FIELDS], again[MAX_FIELDS];
	char err[256], err2[256];
	const char *row;
	char *scratch, *encoded, *scratch2;
	size_t len, total = 0, elen;
	int nfields;

	if (size < 1)
		return 0;
	nfields = data[0] % (MAX_FIELDS + 1);
	row = (const char *)data + 1;
	len = size - 1;
	scratch = malloc(len ? len : 1);
	if (!scratch)
		abort();
	err[0] = '\0';
	if (rc_copy_text_parse(row, len, scratch, fields, nfields, err, sizeof err) != 0) {
		if (!err[0])
			abort();
		free(scratch);
		return 0;
	}
	for (int i = 0; i < nfields; i++) {
		if (fields[i].null) {
			if (fields[i].ptr || fields[i].len)
				abort();
			continue;
		}
		if (fields[i].len &&
		    (fields[i].ptr < scratch || fields[i].ptr + fields[i].len > scratch + len))
			abort();
		total += fields[i].len;
	}
	if (total > len)
		abort();

	/* Round trip: the decoded fields, encoded again, parse to the same fields. */
	encoded = malloc(2 * total + 3 * (size_t)nfields + 1);
	if (!encoded)
		abort();
	elen = encode_row(fields, nfields, encoded);
	scratch2 = malloc(elen);
	if (!scratch2)
		abort();
	err2[0] = '\0';
	if (rc_copy_text_parse(encoded, elen, scratch2, again, nfields, err2, sizeof err2) != 0)
		abort();
	for (int i = 0; i < nfields; i++)
		if (again[i].null != fields[i].null || again[i].len != fields[i].len ||
		    (fields[i].len && memcmp(again[i].ptr, fields[i].ptr, fields[i].len) != 0))
			abort();
	free(scratch2);
	free(encoded);
	free(scratch);
	return 0;
}
