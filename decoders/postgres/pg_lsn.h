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

/* Parses "X/Y". Returns 0, or -1 when s is not an LSN. */
static inline int rc_lsn_parse(const char *s, uint64_t *out)
{
	uint32_t hi, lo;
	int used = 0;

	if (!s || sscanf(s, "%" SCNx32 "/%" SCNx32 "%n", &hi, &lo, &used) != 2 || s[used] != '\0')
		return -1;
	*out = ((uint64_t)hi << 32) | lo;
	return 0;
}

#endif
