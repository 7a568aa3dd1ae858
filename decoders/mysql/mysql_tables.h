/*
 * The tables a binlog stream has described (TABLE_MAP events), by table id: each one's decoding
 * state (binlog_rows.h) with rowcast's naming applied (topic, message.key.columns, the table
 * filters). An entry is kept while the server sends the same TABLE_MAP for its id (every
 * transaction does); a TABLE_MAP that differs (the table was altered, or the id reused) makes a new
 * entry, whose rc_table_t is new, so the encoders register the changed schema before its first row.
 */
#ifndef RC_MYSQL_TABLES_H
#define RC_MYSQL_TABLES_H

#include "agent/conf.h"
#include "agent/filter.h"
#include "decoders/mysql/binlog.h"
#include "decoders/mysql/binlog_rows.h"
#include "decoders/mysql/mysql_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rc_mysql_tables rc_mysql_tables_t;

/* An empty cache reading names and modes from conf (borrowed for its life), or NULL with err. */
rc_mysql_tables_t *rc_mysql_tables_new(const rc_conf_t *conf, char *err, size_t errlen);
void rc_mysql_tables_free(rc_mysql_tables_t *c);

/*
 * Takes a decoded TABLE_MAP (ev; body, len: its bytes after the header, without the checksum, to
 * tell a changed definition from the same one sent again). Returns RC_OK, or
 * RC_ERR_FATAL with err naming db.table: a captured table whose column names the binlog does not
 * carry (binlog_row_metadata is not FULL), a column that cannot be mapped.
 */
int rc_mysql_tables_map(rc_mysql_tables_t *c, const rc_binlog_event_t *ev, const uint8_t *body, size_t len,
                        char *err, size_t errlen);

/* The table of a rows event's id: *t is NULL when the table is filtered out. Returns false when no
 * TABLE_MAP described the id. */
bool rc_mysql_tables_get(rc_mysql_tables_t *c, uint64_t table_id, const rc_mysql_table_t **t);

/* True when the database filters (database.include.list, ...) capture database db. */
bool rc_mysql_tables_captures_db(const rc_mysql_tables_t *c, const char *db);

/* Forgets every table (a new stream life, or DDL the TABLE_MAPs will describe again). */
void rc_mysql_tables_clear(rc_mysql_tables_t *c);

#endif
