/*
 * The watermark window of an incremental chunk (agent/incremental.h): the keys of the streamed events
 * of one table seen between the window's opening and the chunk's high watermark. A chunk row whose key
 * is in it is dropped: the stream already carries a change of that row at least as new as the chunk's
 * read (DBLog).
 *
 * Keys compare as the stream converts them: the canonical bytes of the key columns' rc_value_t
 * (rc_inc_key_bytes), never the database's text, so a chunk row read with the snapshot's conversions
 * and a streamed event of the same row make the same bytes. Memory: the keys seen in one window.
 */
#ifndef RC_INCREMENTAL_WINDOW_H
#define RC_INCREMENTAL_WINDOW_H

#include "agent/arena.h"
#include "agent/buf.h"
#include "agent/event.h"
#include "agent/table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rc_inc_window {
	struct rc_inc_slot {
		uint64_t hash;
		const unsigned char *key; /* in arena; NULL: empty slot */
		size_t len;
	} * slots;
	size_t cap, n;   /* cap a power of two; n keys */
	bool everything; /* a TRUNCATE of the table in the window: every chunk row is dropped */
	rc_arena_t arena;
} rc_inc_window_t;

void rc_inc_window_init(rc_inc_window_t *w);
/* Empties the window (a new chunk). */
void rc_inc_window_reset(rc_inc_window_t *w);
void rc_inc_window_destroy(rc_inc_window_t *w);

/*
 * The canonical bytes of image's key columns (t's columns with key set; a table without a key: all
 * its columns, the whole row its identity, as REPLICA IDENTITY FULL makes it in the stream) into out
 * (reset first): per column its state, then its value by type (integers and times as 8 bytes, floats
 * as their bits with -0 made 0, strings and bytes as length and bytes, arrays item by item). Returns
 * 0, -1 when a key column is NULL or unchanged, or a keyless row has an unchanged value (nothing to
 * compare: the caller keeps the row), -2 when out of memory.
 */
int rc_inc_key_bytes(const rc_table_t *t, const rc_value_t *image, rc_buf_t *out);

/* Remembers key (copied). Returns 0, or -1 when out of memory. */
int rc_inc_window_add(rc_inc_window_t *w, const unsigned char *key, size_t len);

/* Whether key was remembered (or the window saw a TRUNCATE). */
bool rc_inc_window_has(const rc_inc_window_t *w, const unsigned char *key, size_t len);

#endif
