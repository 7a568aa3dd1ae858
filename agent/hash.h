/* String hashing for the small hash tables (the registry's cache, the Kafka sink's known topics). */
#ifndef RC_HASH_H
#define RC_HASH_H

#include <stdint.h>

/* FNV-1a, 64 bits, of a NUL-terminated string. */
static inline uint64_t rc_hash_str(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
	return h;
}

#endif
