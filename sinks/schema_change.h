/*
 * What the encoders need to write a MySQL/MariaDB schema change event (RC_OP_SCHEMA_CHANGE) as
 * Debezium does: the change type a DDL statement gives its tables, Debezium's quoted table id, and a
 * column described the way Debezium's DDL parser describes it (io.debezium.connector.schema.Column).
 * The Avro encoder (sinks/avro_encode.c) and the JSON lines (sinks/json_encode.c) both read these, so
 * the two forms cannot disagree on a value.
 *
 * The record (Debezium's SchemaFactory.schemaHistoryConnectorValueSchema, filled by
 * EventDispatcher.SchemaChangeEventReceiver and ConnectTableChangeSerializer):
 *   key    <ns>.SchemaChangeKey {databaseName string}
 *   value  <ns>.SchemaChangeValue {source, ts_ms long, databaseName ["null", string],
 *          schemaName ["null", string], ddl ["null", string], tableChanges array of
 *          io.debezium.connector.schema.Change {type string, id string,
 *            table ["null", io.debezium.connector.schema.Table {defaultCharsetName ["null", string],
 *              primaryKeyColumnNames ["null", array of string], columns array of
 *              io.debezium.connector.schema.Column {name string, jdbcType int, nativeType ["null",
 *                int], typeName string, typeExpression ["null", string], charsetName ["null",
 *                string], length ["null", int], scale ["null", int], position int, optional ["null",
 *                boolean], autoIncremented ["null", boolean], generated ["null", boolean], comment
 *                ["null", string], defaultValueExpression ["null", string], enumValues ["null",
 *                array of string]},
 *              comment ["null", string]}]}}
 * where ns is io.debezium.connector.<connector> (mysql or mariadb), on the topic <topic.prefix>.
 */
#ifndef RC_SCHEMA_CHANGE_H
#define RC_SCHEMA_CHANGE_H

#include "agent/buf.h"
#include "agent/event.h"
#include "agent/table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Debezium's TableChanges.TableChangeType, or NONE: a statement that changes no table's structure
 * (CREATE DATABASE, TRUNCATE, SET ...) has an empty tableChanges array. */
typedef enum {
	RC_SCHEMA_CHANGE_NONE = 0,
	RC_SCHEMA_CHANGE_CREATE,
	RC_SCHEMA_CHANGE_ALTER,
	RC_SCHEMA_CHANGE_DROP,
} rc_schema_change_type_t;

/*
 * The change type of a DDL statement (len bytes, no NUL needed), from its first words, comments
 * skipped (and the inside of a MySQL executable comment read), case-insensitive, as Debezium's binlog
 * DDL parser classifies its events (BinlogDatabaseSchema.parseDdl):
 *   CREATE [OR REPLACE] [TEMPORARY] TABLE                    CREATE
 *   ALTER [ONLINE|OFFLINE] [IGNORE] TABLE, RENAME TABLE,    ALTER  (a rename is an ALTER of the
 *   CREATE [...] INDEX, DROP INDEX                                  table under its new name)
 *   DROP [TEMPORARY] TABLE                                   DROP
 *   anything else (TRUNCATE: Debezium emits a truncate      NONE
 *   data event instead; CREATE DATABASE, views, routines)
 */
rc_schema_change_type_t rc_schema_change_type(const char *ddl, size_t len);

/* "CREATE", "ALTER", "DROP" (NULL for NONE). */
const char *rc_schema_change_type_name(rc_schema_change_type_t type);

/* The number of tableChanges entries of ev (a schema change event): one per table of ev->ddl_tables
 * when the statement's type is not NONE, else 0. Sets *type. */
size_t rc_schema_change_count(const rc_event_t *ev, rc_schema_change_type_t *type);

/* Appends Debezium's TableId.toDoubleQuotedString() of a MySQL table: "db"."table" (the database,
 * t->schema_name, left out when empty), each part in double quotes with inner quotes doubled, and a
 * part that already starts or ends with '"' written as it is (as TableId.quote does). */
void rc_schema_change_table_id(rc_buf_t *out, const rc_table_t *t);

/* The number of bytes rc_schema_change_table_id appends for t (Avro writes a string's length first). */
size_t rc_schema_change_table_id_len(const rc_table_t *t);

/* A column as Debezium's MySQL DDL parser describes it. */
typedef struct rc_schema_change_column {
	char type_name[64]; /* typeName (and typeExpression): "INT UNSIGNED", "VARCHAR", "ENUM" */
	int32_t jdbc_type;  /* java.sql.Types of type_name; Types.OTHER (1111) when unknown */
	bool has_length;
	int32_t length; /* VARCHAR(20) 20, DECIMAL(10,2) 10, DATETIME(6) 6, ENUM 1, SET 2n-1 */
	bool has_scale;
	int32_t scale; /* DECIMAL(10,2) 2 */
	/* ENUM and SET labels, where they come from: the inside of the parentheses of source_type
	 * ('a','it''s', as the server writes them), else the column's enum_values ("a,b"). */
	const char *labels;
	size_t labels_len;
	const char *enum_values;
} rc_schema_change_column_t;

/*
 * Describes column c (borrowed: d points into c's strings). The type comes from c->source_type
 * ("int unsigned", "varchar(20)", "decimal(10,2)", "enum('a','b')": the words outside parentheses,
 * upper-cased, up to a CHARACTER SET or COLLATE clause; the numbers inside give length and scale, with
 * Debezium's defaults: DECIMAL/NUMERIC 10 and 0, BIT 1). A column without a source_type gets the name
 * of its logical type (rc_type_t) instead: a guess, documented in schema_change.c.
 */
void rc_schema_change_column(const rc_column_t *c, rc_schema_change_column_t *d);

/* Calls fn once per ENUM/SET label of d, in order, with the label as a quoted SQL literal ('a',
 * 'it''s'), as Debezium's enumValues hold them (the literal text of the DDL). Returns the number of
 * labels (0 for other columns, then enumValues is null); fn may be NULL to count only. */
size_t rc_schema_change_labels(const rc_schema_change_column_t *d,
                               void (*fn)(void *opaque, const char *label, size_t len), void *opaque);

/* Fills the record namespace of connector's schema change records ("io.debezium.connector.mysql")
 * into buf. Returns 0, or -1 when connector has no schema change events (only mysql and mariadb do:
 * Debezium's PostgreSQL connector has no schema history). */
int rc_schema_change_namespace(const char *connector, char *buf, size_t len);

#endif
