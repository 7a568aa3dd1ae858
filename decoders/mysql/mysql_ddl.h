/*
 * What a DDL statement is about, read from its first words without parsing the rest: the database
 * and table it names (CREATE / ALTER / DROP / RENAME / TRUNCATE TABLE [IF [NOT] EXISTS] [db.]t,
 * CREATE / DROP INDEX i ON [db.]t, CREATE / ALTER / DROP DATABASE | SCHEMA db), for Debezium's schema
 * change events (databaseName, source.table). Backquoted names (`` for a backquote) and MySQL's
 * executable comments (the ones opened by slash-star-bang and a version) are read; other comments are
 * skipped.
 */
#ifndef RC_MYSQL_DDL_H
#define RC_MYSQL_DDL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rc_mysql_ddl_object {
	char db[256];    /* "" when the statement does not qualify its name */
	char table[256]; /* "" for database statements or when not found */
	bool truncate;   /* TRUNCATE [TABLE]: Debezium publishes no schema change for it */
} rc_mysql_ddl_object_t;

/* Reads the object of ddl (len bytes) into *o (zeroed first). Returns true when the statement is one
 * of the kinds above. */
bool rc_mysql_ddl_object(const char *ddl, size_t len, rc_mysql_ddl_object_t *o);

#endif
