/*
 * Source positions, as the core sees them: opaque. The core carries them in arrival order, writes
 * them through the source's codec and prints them through it; it never decides what one means.
 *
 *   PostgreSQL: order = the commit's end LSN; no blob.
 *   MySQL/MariaDB: order = (binlog file index << 32 | pos) within one stream life, sub = rows of the
 *   event already done, blob = the file name and the GTID set (text of the source's own making).
 *
 * Within one stream life (one connection to one server), positions arrive in source order, and
 * (order, sub) orders them: that is the only comparison the core makes (rc_pos_after), for the
 * quiet-database case where the server's own position may be confirmed. Across lives and failovers
 * there is no order at all; only the source can relate two positions (its guard rails).
 *
 * Ownership: an rc_pos_t holds a reference on its blob. Copy with rc_pos_copy (takes a reference),
 * drop with rc_pos_clear; a plain struct assignment shares the reference without counting it, so do
 * not do that across owners. Single-threaded, like everything on the pipeline's loop: a blob made on
 * a transport thread is handed over whole, never shared while both threads hold it.
 */
#ifndef RC_POSITION_H
#define RC_POSITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_t;

/* A source's own state attached to a position (refcounted, immutable once made). */
typedef struct rc_pos_blob {
	int refs;
	size_t len;
	char data[]; /* len bytes and a NUL: the source's serialisation */
} rc_pos_blob_t;

typedef struct rc_pos {
	bool set;            /* false: no position (confirms nothing) */
	uint64_t order;      /* the source's order within one stream life */
	uint64_t sub;        /* sub-position within order (rows done within one binlog event) */
	rc_pos_blob_t *blob; /* NULL, or a reference (see above) */
} rc_pos_t;

#define RC_POS_NONE ((rc_pos_t){0})

/* Room for a position in a log line. */
#define RC_POS_TEXTLEN 256

/*
 * A source type's position codec: how its positions look in logs and in the offset store. The
 * format and the JSON are the source's contract with its users (an offset file written by one
 * version is read by the next); the core only passes them through.
 */
typedef struct rc_pos_codec {
	const char *name; /* the source type it belongs to ("postgres") */
	/* Writes p (set) for people into buf; always NUL-terminates. */
	void (*format)(const rc_pos_t *p, char *buf, size_t len);
	/* Adds p's fields (set) to the JSON object obj. Returns 0, or -1 when out of memory. */
	int (*to_json)(const rc_pos_t *p, struct json_t *obj);
	/* Reads a position from obj (what to_json wrote) into *p (caller clears it). Returns 0, or -1
	 * with err saying which field is missing or malformed. */
	int (*from_json)(const struct json_t *obj, rc_pos_t *p, char *err, size_t errlen);
} rc_pos_codec_t;

/* Makes a blob holding len bytes of data (copied; NULL: zeroes, for the caller to fill before it
 * shares the blob) and a NUL, with one reference. NULL when out of memory. */
rc_pos_blob_t *rc_pos_blob_new(const void *data, size_t len);

/* Sets *dst to a copy of src, taking a reference on its blob; dst's old blob is released first. */
void rc_pos_copy(rc_pos_t *dst, const rc_pos_t *src);

/* Moves src into *dst (dst's old blob released), leaving src empty: no reference counted. */
void rc_pos_move(rc_pos_t *dst, rc_pos_t *src);

/* Releases p's blob and makes it RC_POS_NONE. */
void rc_pos_clear(rc_pos_t *p);

/* True when both are unset, or both set with the same order, sub and blob content. */
bool rc_pos_same(const rc_pos_t *a, const rc_pos_t *b);

/* True when a is set and comes after b (or b is unset), by (order, sub). Meaningful only within
 * one stream life (see above). */
bool rc_pos_after(const rc_pos_t *a, const rc_pos_t *b);

/* Writes p for a log line through codec ("none" when unset) into buf (RC_POS_TEXTLEN bytes is
 * enough for every source) and returns buf. */
const char *rc_pos_text(const rc_pos_codec_t *codec, const rc_pos_t *p, char *buf, size_t len);

#endif
