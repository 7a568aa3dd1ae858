/*
 * Names every source gives its tables the same way: the topic of schema.table (Debezium's
 * <topic.prefix><topic.delimiter><schema><delimiter><table>, characters Kafka does not allow made '_';
 * for MySQL the schema is the database), and the key columns message.key.columns names for it.
 */
#ifndef RC_NAMING_H
#define RC_NAMING_H

#include "agent/conf.h"

#include <stdbool.h>

/* The topic of schema.table (malloc'd, caller frees), or NULL when out of memory. */
char *rc_topic_name(const rc_conf_t *conf, const char *schema, const char *table);

/* The key columns message.key.columns ("regex:col1,col2;regex2:col", matched against schema.table)
 * gives the table (the regex matched without regard to case, as Debezium does), as a malloc'd
 * ",col1,col2," list (caller frees), or NULL when no entry matches. */
char *rc_key_columns_configured(const rc_conf_t *conf, const char *schema, const char *table);

/* True when name is in a ",a,b," list, without regard to case (as Debezium matches key columns). */
bool rc_name_in_list(const char *list, const char *name);

#endif
