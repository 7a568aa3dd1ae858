#include "config.h"

#include "agent/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CHUNK (64 * 1024)
#define ALIGN 16

struct rc_arena_chunk {
	rc_arena_chunk_t *next;
	size_t size, used;
	_Alignas(ALIGN) unsigned char data[];
};

void rc_arena_init(rc_arena_t *arena, size_t chunk_size)
{
	arena->head = NULL;
	arena->chunk_size = chunk_size ? chunk_size : DEFAULT_CHUNK;
	arena->allocated = 0;
}

static rc_arena_chunk_t *new_chunk(rc_arena_t *arena, size_t size)
{
	rc_arena_chunk_t *c = malloc(sizeof *c + size);

	if (!c)
		return NULL;
	c->size = size;
	c->used = 0;
	arena->allocated += size;
	return c;
}

void *rc_arena_alloc(rc_arena_t *arena, size_t size)
{
	rc_arena_chunk_t *c = arena->head;
	size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);

	if (need < size)
		return NULL; /* overflow */
	if (need == 0)
		need = ALIGN;
	if (!c || c->size - c->used < need) {
		if (need > arena->chunk_size / 4) {
			/* A large value gets a chunk of its own, kept behind the current one so the
			 * space left in the current chunk is not wasted. */
			rc_arena_chunk_t *big = new_chunk(arena, need);
			if (!big)
				return NULL;
			big->used = need;
			if (c) {
				big->next = c->next;
				c->next = big;
			} else {
				big->next = NULL;
				arena->head = big;
			}
			return big->data;
		}
		c = new_chunk(arena, arena->chunk_size);
		if (!c)
			return NULL;
		c->next = arena->head;
		arena->head = c;
	}
	c->used += need;
	return c->data + c->used - need;
}

void *rc_arena_calloc(rc_arena_t *arena, size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = rc_arena_alloc(arena, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

char *rc_arena_strndup(rc_arena_t *arena, const char *s, size_t len)
{
	char *p = len < SIZE_MAX ? rc_arena_alloc(arena, len + 1) : NULL;

	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

void rc_arena_reset(rc_arena_t *arena)
{
	rc_arena_chunk_t *keep = NULL, *c = arena->head, *next;

	arena->allocated = 0;
	for (; c; c = next) {
		next = c->next;
		if (!keep && c->size == arena->chunk_size) {
			keep = c;
			continue;
		}
		free(c);
	}
	if (keep) {
		keep->next = NULL;
		keep->used = 0;
		arena->allocated = keep->size;
	}
	arena->head = keep;
}

void rc_arena_destroy(rc_arena_t *arena)
{
	rc_arena_chunk_t *c = arena->head, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	arena->head = NULL;
	arena->allocated = 0;
}
