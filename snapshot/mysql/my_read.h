/*
 * What the two MySQL/MariaDB readers share: my_reader.c (whole tables inside the point) and
 * my_chunk.c (key-ordered chunks, inside the point or live): the reader's state, the statement
 * text and one SELECT run into the hand-off with the stream's value builders.
 */
#ifndef RC_MY_READ_H
#define RC_MY_READ_H

#include "agent/conf.h"
#include "decoders/mysql/mysql_types.h"
#include "snapshot/mysql/my_snapshot.h"
#include "snapshot/snapshot.h"

#include <mysql.h>
#include <stdbool.h>
#include <stddef.h>

/* A reader (the ops' void *reader). */
typedef struct rc_my_reader {
	const rc_conf_t *conf;
	MYSQL *my;
	unsigned long thread_id; /* for KILL QUERY from another connection */
	rc_mysql_modes_t modes;
	size_t fetch;     /* rows per keyset query */
	bool broken;      /* left in the middle of a result: only mysql_close may follow */
	bool use_catalog; /* a hold on the catalog of the point (my_schema.c) */
	bool live;        /* open_live: no point; each chunk reads in a consistent read of its own */
	bool mariadb;     /* the server is MariaDB (binlog_snapshot_* of a consistent read) */
	bool in_view;     /* live: a low watermark opened the consistent read the next chunk uses */
} rc_my_reader_t;

/* A growing statement; oom once an append failed (checked once at the end). */
typedef struct rc_my_sql {
	char *p;
	size_t len, cap;
	bool oom;
} rc_my_sql_t;

void rc_my_sql_add(rc_my_sql_t *b, const char *s, size_t n);
void rc_my_sql_str(rc_my_sql_t *b, const char *s);
/* `name`, backquoted. 0, or -1 when out of memory. */
int rc_my_sql_ident(rc_my_sql_t *b, const char *name);

/* "SELECT <the nkey columns keycols (indexes into mt->cols) first, then every other column the
 * events carry> FROM `schema`.`name`" into b; sel (mt->ncols entries) receives the column of each
 * result field, *nsel their number. 0, or -1 when out of memory. */
int rc_my_select_base(rc_my_sql_t *b, const rc_my_table_t *mt, const int *keycols, size_t nkey,
                      const char *schema, const char *name, int *sel, size_t *nsel);

/* Runs sql unbuffered on cx->my and hands its rows to out, converted as the stream does. *nrows
 * counts them; last (nkey entries, realloc'd, caller frees) receives the texts of the last row's
 * first nkey fields and lastlen their lengths (last NULL: not kept). Returns RC_OK, RC_STOPPED or an
 * RC_ERR_* class with err filled. */
int rc_my_run_select(rc_my_reader_t *cx, rc_snap_table_t *st, const rc_my_table_t *mt, const int *sel,
                     size_t nsel, const char *sql, size_t sqllen, rc_snap_out_t *out, size_t *nrows,
                     size_t nkey, char **last, size_t *lastlen, char *err, size_t errlen);

/* The chunk ops (my_chunk.c) of rc_mysql_snapshot_reader. */
int rc_my_open_live(const rc_conf_t *conf, void **reader, char *err, size_t errlen);
int rc_my_chunk_bound(void *reader, rc_snap_table_t *st, const rc_chunk_key_t *after, size_t limit,
                      rc_chunk_key_t *bound, bool *more, char *err, size_t errlen);
int rc_my_read_chunk(void *reader, rc_snap_table_t *t, const rc_chunk_key_t *after,
                     const rc_chunk_key_t *upto, size_t limit, rc_snap_out_t *out, rc_chunk_key_t *last,
                     size_t *nrows, char *err, size_t errlen);
int rc_my_max_key(void *reader, rc_snap_table_t *t, rc_chunk_key_t *max, char *err, size_t errlen);
int rc_my_watermark(void *reader, const char *chunk_id, bool high, rc_pos_t *at, char *err, size_t errlen);

/* my_reader.c's: ends a reader (complete: COMMIT what it opened). */
void rc_my_reader_close(void *reader, bool complete);

#endif
