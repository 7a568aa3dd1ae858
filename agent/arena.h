/*
 * A region allocator (CONVENTIONS.md rule 8): what one unit of decoding needs is allocated from an
 * arena and freed all at once by a reset, never piece by piece. The PostgreSQL source resets its
 * arena for every replication message (as wal2json resets its memory context per change): an
 * event's values are needed only during the handler call (agent/event.h). A snapshot batch has an
 * arena of its own, reset when the batch is refilled.
 */
#ifndef RC_ARENA_H
#define RC_ARENA_H

#include <stddef.h>

typedef struct rc_arena_chunk rc_arena_chunk_t;

typedef struct rc_arena {
	rc_arena_chunk_t *head; /* chunk being filled; older chunks follow */
	size_t chunk_size;      /* size of ordinary chunks; larger requests get a chunk of their own */
	size_t allocated;       /* bytes held in chunks, for memory accounting */
} rc_arena_t;

/* Initialises an empty arena; chunk_size 0 means 64 KiB. */
void rc_arena_init(rc_arena_t *arena, size_t chunk_size);

/* Returns size bytes aligned to 16, valid until rc_arena_reset, or NULL when out of memory. */
void *rc_arena_alloc(rc_arena_t *arena, size_t size);

/* Zeroed variant of rc_arena_alloc. */
void *rc_arena_calloc(rc_arena_t *arena, size_t n, size_t size);

/* Copies len bytes of s and appends a NUL. */
char *rc_arena_strndup(rc_arena_t *arena, const char *s, size_t len);

/* Frees everything allocated since init, keeping one chunk for reuse. */
void rc_arena_reset(rc_arena_t *arena);

/* Frees every chunk. The arena may be initialised again afterwards. */
void rc_arena_destroy(rc_arena_t *arena);

#endif
