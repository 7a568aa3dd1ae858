/*
 * Chunked reads (issue 13): what they take from the PostgreSQL reader (pg_reader.c: the reader's
 * state, its describe and COPY loop) and what they give its ops (pg_chunk.c: key and ctid chunks,
 * the largest key, the watermark).
 */
#ifndef RC_PG_READ_H
#define RC_PG_READ_H

#include "agent/conf.h"
#include "agent/position.h"
#include "decoders/postgres/pg_relcache.h"
#include "snapshot/postgres/copy_text.h"
#include "snapshot/snapshot.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rc_pg_reader {
	const rc_conf_t *conf;
	PGconn *conn;
	PGcancel *cancel;      /* PQcancel is safe from another thread */
	rc_pg_relcache_t rels; /* this connection's types and keys; the filters */
	bool rels_ready;
	char *scratch; /* decoded fields of one row */
	size_t scratch_cap;
	rc_copy_field_t *fields;
	size_t fields_cap;
	rc_table_t *chunk_table; /* the table read in chunks last (described once, not per chunk: a
	                          * column added meanwhile makes a row of the wrong width, an error, and
	                          * the reader is opened anew) */
	uint32_t ctid_table;     /* the keyless table read in ctid chunks last (its oid) ... */
	double ctid_density;     /* ... and its rows per block so far */
} rc_pg_reader_t;

/* The error class of a failed query (RC_ERR_RETRY or RC_ERR_FATAL). */
int rc_pg_read_classify(PGconn *conn, const PGresult *res);
/* Room for a row of len bytes and n fields. 0, or -1 when out of memory. */
int rc_pg_read_reserve(rc_pg_reader_t *cx, size_t len, size_t n);
/* The table as the stream describes it (*out NULL: the filters leave it out). */
int rc_pg_read_describe(rc_pg_reader_t *cx, rc_snap_table_t *st, rc_table_t **out, char *err, size_t errlen);
/* Runs COPY cmd and hands every row to out. *last_row receives the last row's COPY text (the caller
 * PQfreemem's it; NULL when none or unwanted), *nrows the rows read. Returns RC_OK, RC_STOPPED when
 * the snapshot stops (the COPY left unfinished: the connection is only good for closing), or an
 * RC_ERR_* class with err filled. */
int rc_pg_read_copy(rc_pg_reader_t *cx, rc_snap_table_t *st, rc_table_t *table, const char *cmd,
                    rc_snap_out_t *out, char **last_row, size_t *last_len, size_t *nrows, char *err,
                    size_t errlen);

/* The chunk ops (snapshot.h: read_chunk, max_key, watermark). */
int rc_pg_read_chunk(void *reader, rc_snap_table_t *st, const rc_chunk_key_t *after,
                     const rc_chunk_key_t *upto, size_t limit, rc_snap_out_t *out, rc_chunk_key_t *last,
                     size_t *nrows, char *err, size_t errlen);
int rc_pg_max_key(void *reader, rc_snap_table_t *st, rc_chunk_key_t *max, char *err, size_t errlen);
int rc_pg_chunk_bound(void *reader, rc_snap_table_t *st, const rc_chunk_key_t *after, size_t limit,
                      rc_chunk_key_t *bound, bool *more, char *err, size_t errlen);
int rc_pg_watermark(void *reader, const char *chunk_id, bool high, rc_pos_t *at, char *err, size_t errlen);

#endif
