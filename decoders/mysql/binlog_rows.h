/*
 * Row images of binlog rows events, decoded into rowcast values, and the tables they belong to.
 *
 * A TABLE_MAP becomes an rc_mysql_table_t: the rc_table_t the encoders see (columns mapped by
 * mysql_types.h, names and key from the optional metadata) plus what decoding its rows needs (each
 * column's binlog type and metadata). A rows event is then walked one row change at a time with an
 * rc_binlog_rows_iter_t: each step decodes the next before and/or after image into arrays of
 * table->ncols values. Pure: bytes in, values out.
 *
 * Images: for each row, a null bitmap over the columns present in the image (present bitmap bits
 * set), then the non-null values in column order, each in its binlog type's format (MySQL's
 * log_event.cc / MariaDB's log_event_server.cc, "Row format"). UPDATE events carry before then after
 * images; PARTIAL_UPDATE_ROWS carries the after image's JSON columns as diffs against the before
 * image (applied: the after value is the whole document; when the before image does not hold the
 * document, binlog_row_image=MINIMAL, the diffs cannot be applied and the after value is
 * RC_V_UNCHANGED, "unavailable"). Columns absent from an image (MINIMAL or NOBLOB row image) are
 * RC_V_UNCHANGED: not NULL, just not sent.
 */
#ifndef RC_BINLOG_ROWS_H
#define RC_BINLOG_ROWS_H

#include "agent/arena.h"
#include "agent/decimal.h"
#include "agent/event.h"
#include "agent/table.h"
#include "decoders/mysql/binlog.h"
#include "decoders/mysql/mysql_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A table as the binlog describes it. Owned by whoever made it (the stream's table cache, inspect);
 * the rc_table_t inside is refcounted and may outlive it. */
typedef struct rc_mysql_table {
	rc_table_t *table;       /* one reference held */
	uint64_t table_id;       /* the TABLE_MAP's id (changes with every re-open of the table) */
	uint32_t ncolumns;       /* columns in the binlog (== table->ncols) */
	uint8_t *types;          /* binlog type of each column (the real type for STRING columns) */
	uint16_t *meta;          /* binlog metadata of each column */
	rc_mysql_coldef_t *defs; /* each column's description (strings owned here) */
	bool names_known;        /* the TABLE_MAP carried column names (binlog_row_metadata=FULL) */
} rc_mysql_table_t;

/*
 * Makes the table of a decoded TABLE_MAP (tm borrowed): columns named from its metadata (or "@1",
 * "@2"... when there are none), the key from its primary key metadata (none: no key, as Debezium does
 * for a table without a primary key), topic "<prefix>.<db>.<table>". Returns 0 and *out (caller frees
 * with rc_mysql_table_free), or RC_ERR_FATAL with err naming db.table and the column at fault.
 */
int rc_mysql_table_from_map(const rc_binlog_table_map_t *tm, const rc_mysql_modes_t *modes,
                            const char *topic_prefix, rc_mysql_table_t **out, char *err, size_t errlen);

void rc_mysql_table_free(rc_mysql_table_t *t);

/* Walks the row changes of one rows event. */
typedef struct rc_binlog_rows_iter {
	const rc_mysql_table_t *t;
	const rc_binlog_event_t *ev; /* borrowed, the rows event */
	const uint8_t *p, *end;      /* what is left of the images */
	uint32_t row;                /* rows done so far */
} rc_binlog_rows_iter_t;

/* Starts walking ev (kind RC_BINLOG_K_ROWS, its table id t's); both borrowed for the walk. */
void rc_binlog_rows_begin(rc_binlog_rows_iter_t *it, const rc_mysql_table_t *t, const rc_binlog_event_t *ev);

/*
 * The next row change: *op (RC_OP_CREATE, RC_OP_UPDATE, RC_OP_DELETE), *before and *after set to
 * arrays of t->table->ncols values in arena (or NULL where the op has no such image: no before for
 * a write, no after for a delete). Columns absent from an image are RC_V_UNCHANGED. Returns 1 for a
 * row, 0 at the end of the event, or RC_ERR_FATAL with err naming db.table, the column, the row
 * number and the byte offset in the event (a truncated image, a value its type cannot hold).
 */
int rc_binlog_rows_next(rc_binlog_rows_iter_t *it, rc_arena_t *arena, rc_op_t *op, rc_value_t **before,
                        rc_value_t **after, char *err, size_t errlen);

/* Bytes of a DECIMAL(precision, scale) in a row image (MySQL's decimal2bin). */
size_t rc_binlog_decimal_size(int precision, int scale);

/*
 * Decodes the rc_binlog_decimal_size(precision, scale) bytes at p (caller checked they are there)
 * into dec, its digits (no leading zeros, "0" for zero) allocated from arena. Returns 0, or -1 with
 * *why (static text) for a digit group out of range, an impossible precision, out of memory.
 */
int rc_binlog_decimal_decode(const uint8_t *p, int precision, int scale, rc_arena_t *arena, rc_decimal_t *dec,
                             const char **why);

#endif
