#include "config.h"

#include "snapshot/postgres/copy_text.h"

#include "agent/codec.h"

#include <stdio.h>
#include <string.h>

static int octal(char c)
{
	return c >= '0' && c <= '7' ? c - '0' : -1;
}

int rc_copy_text_parse(const char *row, size_t len, char *scratch, rc_copy_field_t *fields, int nfields,
                       char *err, size_t errlen)
{
	const char *p, *end;
	char *w = scratch;
	int f = 0;

	if (len == 0 || row[len - 1] != '\n') {
		snprintf(err, errlen, "COPY row of %zu bytes does not end with a newline", len);
		return -1;
	}
	end = row + len - 1; /* the final newline */
	if (end - row == 2 && row[0] == '\\' && row[1] == '.') {
		snprintf(err, errlen, "COPY row is the end-of-data marker \\., which CopyData never carries");
		return -1;
	}
	if (nfields == 0 && len == 1)
		return 0; /* a table without columns: rows are empty lines */
	p = row;
	for (;;) {
		char *out = w;

		if (f == nfields) {
			snprintf(err, errlen, "COPY row has more than the %d fields expected (byte %zu)",
			         nfields, (size_t)(p - row));
			return -1;
		}
		/* \N alone is NULL; "\N" inside a longer field is an escaped N, as COPY FROM reads it. */
		if (end - p >= 2 && p[0] == '\\' && p[1] == 'N' && (p + 2 == end || p[2] == '\t')) {
			fields[f++] = (rc_copy_field_t){.ptr = NULL, .len = 0, .null = true};
			p += 2;
		} else {
			while (p < end && *p != '\t') {
				char c = *p++;
				int v, d;

				if (c == '\n' || c == '\r') {
					snprintf(err, errlen, "COPY row: raw %s in field %d (byte %zu)",
					         c == '\n' ? "newline" : "carriage return", f + 1,
					         (size_t)(p - 1 - row));
					return -1;
				}
				if (c != '\\') {
					*w++ = c;
					continue;
				}
				if (p == end) {
					snprintf(err, errlen,
					         "COPY row: backslash at the end of the row (field %d)",
					         f + 1);
					return -1;
				}
				c = *p++;
				switch (c) {
				case 'b':
					c = '\b';
					break;
				case 'f':
					c = '\f';
					break;
				case 'n':
					c = '\n';
					break;
				case 'r':
					c = '\r';
					break;
				case 't':
					c = '\t';
					break;
				case 'v':
					c = '\v';
					break;
				case 'x':
					if (p < end && (v = rc_codec_hex_digit((unsigned char)*p)) >= 0) {
						p++;
						if (p < end &&
						    (d = rc_codec_hex_digit((unsigned char)*p)) >= 0) {
							v = v * 16 + d;
							p++;
						}
						c = (char)v;
					}
					break;
				default:
					if ((v = octal(c)) >= 0) {
						for (int i = 0; i < 2 && p < end && (d = octal(*p)) >= 0;
						     i++, p++)
							v = v * 8 + d;
						c = (char)(v & 0xff);
					}
					break;
				}
				if (c == '\0') {
					snprintf(err, errlen,
					         "COPY row: escape for a NUL byte in field %d (byte %zu)",
					         f + 1, (size_t)(p - row));
					return -1;
				}
				*w++ = c;
			}
			fields[f++] = (rc_copy_field_t){.ptr = out, .len = (size_t)(w - out), .null = false};
		}
		if (p == end)
			break;
		p++; /* a tab (both branches stop only at one or at the end): another field follows */
	}
	if (f != nfields) {
		snprintf(err, errlen, "COPY row has %d fields, %d expected", f, nfields);
		return -1;
	}
	return 0;
}
