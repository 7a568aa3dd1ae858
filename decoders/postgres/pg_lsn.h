/* PostgreSQL LSNs: 64-bit WAL positions written as two hex halves, "16/B374D848". */
#ifndef RC_PG_LSN_H
#define RC_PG_LSN_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#define RC_LSN_BUFLEN 24

/* Formats lsn into buf (at least RC_LSN_BUFLEN bytes) and returns buf. */
static inline const char *rc_lsn_format(uint64_t lsn, char *buf)
{
	snprintf(buf, RC_LSN_BUFLEN, "%" PRIX32 "/%" PRIX32, (uint32_t)(lsn >> 32), (uint32_t)lsn);
	return buf;
}

/* Reads 1 to 8 hex digits at *s into *half and moves *s past them. Returns 0, or -1. */
static inline int rc_lsn_half(const char **s, uint32_t *half)
{
	const char *p = *s;
	uint32_t v = 0;

	for (; p - *s < 9; p++) {
		int d = *p >= '0' && *p <= '9'   ? *p - '0'
		        : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
		        : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
		                                 : -1;
		if (d < 0)
			break;
		if (p - *s == 8)
			return -1; /* a ninth digit: wider than 32 bits */
		v = v << 4 | (uint32_t)d;
	}
	if (p == *s)
		return -1;
	*half = v;
	*s = p;
	return 0;
}

/* Parses "X/Y", each half 1 to 8 hex digits and nothing else: no blanks, signs or 0x, which sscanf's
 * %x would take (so "-1/-1" was FFFFFFFF/FFFFFFFF). Returns 0, or -1 when s is not an LSN. */
static inline int rc_lsn_parse(const char *s, uint64_t *out)
{
	uint32_t hi, lo;

	if (!s || rc_lsn_half(&s, &hi) != 0 || *s++ != '/' || rc_lsn_half(&s, &lo) != 0 || *s != '\0')
		return -1;
	*out = ((uint64_t)hi << 32) | lo;
	return 0;
}

#endif
