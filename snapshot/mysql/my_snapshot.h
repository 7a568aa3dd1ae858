/*
 * MySQL/MariaDB snapshots: the reader ops the coordinator (snapshot/snapshot.h) runs. The point
 * (decoders/mysql/mysql_snapshot_point.h) is a binlog position and a lock under which every reader
 * starts a consistent-snapshot transaction (or, on MariaDB with one reader, a lock-free
 * connection handed to it); each table is read in primary-key order in chunks of
 * snapshot.fetch.size rows (keyset pagination), or in one unbuffered scan when it has no key
 * fit for that. Columns and keys come from the catalog read while the point held (my_schema.c), so
 * a table altered later in a long snapshot is still read with the columns it had at the point.
 */
#ifndef RC_MY_SNAPSHOT_H
#define RC_MY_SNAPSHOT_H

#include "agent/conf.h"
#include "agent/table.h"
#include "decoders/mysql/mysql_types.h"
#include "snapshot/snapshot.h"

#include <mysql.h>
#include <stdbool.h>
#include <stddef.h>

extern const rc_snapshot_reader_ops_t rc_mysql_snapshot_reader;

/* The candidates: every base table (and MariaDB system-versioned table) outside the system
 * databases (mysql, sys, information_schema, performance_schema), largest first by data_length,
 * with table_rows as the estimate. On a connection of its own. At a point (pt not NULL: the capture
 * plans while the point's lock holds) it also reads the catalog: every column and primary key as
 * information_schema shows them then (it is not versioned; the lock keeps DDL out), for the readers
 * to describe their tables as they were at the point however long the snapshot runs. */
int rc_my_snapshot_plan(const rc_conf_t *conf, const rc_snapshot_point_t *pt, rc_snap_plan_t *plan, char *err,
                        size_t errlen);

/* One column as the snapshot reads it. */
typedef struct rc_my_col {
	rc_mysql_coldef_t def;  /* as the stream describes it (mysql_types.h) */
	rc_mysql_coldef_t vdef; /* for the value builders: text columns arrive in utf8mb4 */
	char *name, *column_type;
	char **labels; /* ENUM/SET labels (def.labels points here) */
	int col;       /* index in the rc_table_t */
	int key_seq;   /* 1-based position in the primary key, 0 when not in it */
} rc_my_col_t;

/* A table's description, read in the reader's transaction. */
typedef struct rc_my_table {
	rc_table_t *table; /* the events' table (a reference) */
	rc_my_col_t *cols; /* every column, in ordinal order */
	size_t ncols;
	int *key; /* nkey indexes into cols, in primary-key order */
	size_t nkey;
	bool keyset; /* the key's order can be paged by comparison (see my_reader.c) */
} rc_my_table_t;

/* Describes schema.name as the stream does (decoders/mysql/mysql_tables.c): every column through
 * rc_mysql_column_init, the topic from rc_topic_name, the event key from the primary key or
 * message.key.columns. use_catalog (rc_my_catalog_take said so): from the catalog read at the point,
 * falling back to information_schema on my for a table it does not hold; otherwise from
 * information_schema on my. Returns RC_OK; RC_ERR_RETRY when the table is gone or the connection
 * failed; RC_ERR_FATAL for a column rowcast cannot map, with err naming it. Free with
 * rc_my_table_free. */
int rc_my_table_describe(MYSQL *my, const rc_conf_t *conf, const rc_mysql_modes_t *modes, bool use_catalog,
                         const char *schema, const char *name, rc_my_table_t *out, char *err, size_t errlen);
void rc_my_table_free(rc_my_table_t *t);

/* A reader's hold on the catalog of pt: true when the last plan read it at pt (then release it at
 * the reader's close: the last release frees it). */
bool rc_my_catalog_take(const rc_snapshot_point_t *pt);
void rc_my_catalog_release(void);

/* Can rows be paged by "key > last" in ORDER BY key order (the chunked reads, my_chunk.c)? Only
 * where the server compares and sorts the text it sends alike: numbers, temporal values, short
 * strings; not FLOAT/DOUBLE, ENUM/SET, BIT, TEXT/BLOB, JSON, GEOMETRY (my_schema.c). */
bool rc_my_key_pageable(rc_mysql_kind_t k);

#endif
