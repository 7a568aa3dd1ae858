/*
 * MySQL/MariaDB schema change events (op 's') in the encoders: the key and value schemas against a
 * transcription of Debezium's (SchemaFactory.schemaHistoryConnectorKeySchema /
 * schemaHistoryConnectorValueSchema, ConnectTableChangeSerializer, BinlogSourceInfoStructMaker, as
 * Confluent's AvroData writes them), records decoded by avro-c and compared field by field with the
 * event, the JSON lines parsed by jansson, the DDL classification and column description against
 * Debezium's DDL parser rules (MySqlAntlrDdlParser's type table, ColumnDefinitionParserListener),
 * and the Avro encoder end to end through rc_encoder_new against a scripted registry.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/buf.h"
#include "agent/conf.h"
#include "agent/errors.h"
#include "agent/pipeline.h"
#include "decoders/postgres/pg_position.h"
#include "sinks/avro_check.h"
#include "sinks/avro_encode.h"
#include "sinks/avro_schema.h"
#include "sinks/encoders.h"
#include "sinks/json_encode.h"
#include "sinks/schema_change.h"
#include "sinks/stdout_sink.h"
#include "tests/unit/avro_read.h"
#include "tests/unit/fake_parts.h"

#include <arpa/inet.h>
#include <avro.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static const rc_avro_opts_t my_opts = {"shop", "mysql", false, false};
static const rc_avro_opts_t maria_opts = {"shop", "mariadb", false, false};
static const rc_avro_opts_t pg_opts = {"shop", "postgresql", false, false};

/* The expected schemas are written with ' for " (readability); this turns them into JSON. */
static char *dq(const char *s)
{
	char *j = strdup(s);

	assert_non_null(j);
	for (char *p = j; *p; p++)
		if (*p == '\'')
			*p = '"';
	return j;
}

/* ---- the schemas, transcribed from Debezium ---------------------------------------------------- */

/* SchemaFactory.schemaHistoryConnectorKeySchema: struct io.debezium.connector.<c>.SchemaChangeKey,
 * version 1, field databaseName STRING (required). */
#define KEY_SCHEMA(ns)                                                                                       \
	"{'type':'record','name':'SchemaChangeKey','namespace':'" ns "',"                                    \
	"'fields':[{'name':'databaseName','type':'string'}],"                                                \
	"'connect.version':1,'connect.name':'" ns ".SchemaChangeKey'}"

/* BinlogSourceInfoStructMaker: commonSchemaBuilder() then table, server_id, gtid, file, pos, row,
 * thread, query. */
#define BINLOG_SOURCE(ns)                                                                                    \
	"{'type':'record','name':'Source','fields':["                                                        \
	"{'name':'version','type':'string'},"                                                                \
	"{'name':'connector','type':'string'},"                                                              \
	"{'name':'name','type':'string'},"                                                                   \
	"{'name':'ts_ms','type':'long'},"                                                                    \
	"{'name':'snapshot','type':[{'type':'string','connect.version':1,'connect.parameters':"              \
	"{'allowed':'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental'},"  \
	"'connect.default':'false','connect.name':'io.debezium.data.Enum'},'null'],'default':'false'},"      \
	"{'name':'db','type':'string'},"                                                                     \
	"{'name':'sequence','type':['null','string'],'default':null},"                                       \
	"{'name':'ts_us','type':['null','long'],'default':null},"                                            \
	"{'name':'ts_ns','type':['null','long'],'default':null},"                                            \
	"{'name':'table','type':['null','string'],'default':null},"                                          \
	"{'name':'server_id','type':'long'},"                                                                \
	"{'name':'gtid','type':['null','string'],'default':null},"                                           \
	"{'name':'file','type':'string'},"                                                                   \
	"{'name':'pos','type':'long'},"                                                                      \
	"{'name':'row','type':'int'},"                                                                       \
	"{'name':'thread','type':['null','long'],'default':null},"                                           \
	"{'name':'query','type':['null','string'],'default':null}],"                                         \
	"'connect.version':1,'connect.name':'" ns ".Source'}"

/* schemaHistoryConnectorValueSchema: source, ts_ms INT64, databaseName, schemaName, ddl OPTIONAL_STRING,
 * tableChanges array(Change). Change: type STRING, id STRING, table optional Table. Table:
 * defaultCharsetName OPTIONAL_STRING, primaryKeyColumnNames optional array(STRING), columns
 * array(Column), comment OPTIONAL_STRING. Column: name STRING, jdbcType INT32, nativeType
 * OPTIONAL_INT32, typeName STRING, typeExpression, charsetName OPTIONAL_STRING, length, scale
 * OPTIONAL_INT32, position INT32, optional, autoIncremented, generated OPTIONAL_BOOLEAN, comment,
 * defaultValueExpression OPTIONAL_STRING, enumValues optional array(STRING). Every struct version 1.
 * Table and Column sit inside Change, in its namespace: Avro writes no namespace for them. */
#define VALUE_SCHEMA(ns)                                                                                             \
	"{'type':'record','name':'SchemaChangeValue','namespace':'" ns "','fields':["                                \
	"{'name':'source','type':" BINLOG_SOURCE(                                                                    \
	    ns) "},"                                                                                                 \
	        "{'name':'ts_ms','type':'long'},"                                                                    \
	        "{'name':'databaseName','type':['null','string'],'default':null},"                                   \
	        "{'name':'schemaName','type':['null','string'],'default':null},"                                     \
	        "{'name':'ddl','type':['null','string'],'default':null},"                                            \
	        "{'name':'tableChanges','type':{'type':'array','items':"                                             \
	        "{'type':'record','name':'Change','namespace':'io.debezium.connector.schema','fields':["             \
	        "{'name':'type','type':'string'},"                                                                   \
	        "{'name':'id','type':'string'},"                                                                     \
	        "{'name':'table','type':['null',{'type':'record','name':'Table','fields':["                          \
	        "{'name':'defaultCharsetName','type':['null','string'],'default':null},"                             \
	        "{'name':'primaryKeyColumnNames','type':['null',{'type':'array','items':'string'}],'default':null}," \
	        "{'name':'columns','type':{'type':'array','items':{'type':'record','name':'Column','fields':["       \
	        "{'name':'name','type':'string'},"                                                                   \
	        "{'name':'jdbcType','type':'int'},"                                                                  \
	        "{'name':'nativeType','type':['null','int'],'default':null},"                                        \
	        "{'name':'typeName','type':'string'},"                                                               \
	        "{'name':'typeExpression','type':['null','string'],'default':null},"                                 \
	        "{'name':'charsetName','type':['null','string'],'default':null},"                                    \
	        "{'name':'length','type':['null','int'],'default':null},"                                            \
	        "{'name':'scale','type':['null','int'],'default':null},"                                             \
	        "{'name':'position','type':'int'},"                                                                  \
	        "{'name':'optional','type':['null','boolean'],'default':null},"                                      \
	        "{'name':'autoIncremented','type':['null','boolean'],'default':null},"                               \
	        "{'name':'generated','type':['null','boolean'],'default':null},"                                     \
	        "{'name':'comment','type':['null','string'],'default':null},"                                        \
	        "{'name':'defaultValueExpression','type':['null','string'],'default':null},"                         \
	        "{'name':'enumValues','type':['null',{'type':'array','items':'string'}],'default':null}],"           \
	        "'connect.version':1,'connect.name':'io.debezium.connector.schema.Column'}}},"                       \
	        "{'name':'comment','type':['null','string'],'default':null}],"                                       \
	        "'connect.version':1,'connect.name':'io.debezium.connector.schema.Table'}],'default':null}],"        \
	        "'connect.version':1,'connect.name':'io.debezium.connector.schema.Change'}}}],"                      \
	        "'connect.version':1,'connect.name':'" ns ".SchemaChangeValue'}"

/* The names and Avro types of a record's fields, in order, as avro-c parsed them. */
static void field_names(avro_schema_t rec, char *out, size_t outlen)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < avro_schema_record_size(rec); i++) {
		avro_schema_t f = avro_schema_record_field_get_by_index(rec, (int)i);
		n += (size_t)snprintf(out + n, outlen - n, "%s%s:%s", i ? "," : "",
		                      avro_schema_record_field_name(rec, (int)i), avro_schema_type_name(f));
		assert_true(n < outlen);
	}
}

/* The record inside field `name` of rec, through an optional union and an array as they come. */
static avro_schema_t inner_record(avro_schema_t rec, const char *name)
{
	avro_schema_t s = avro_schema_record_field_get(rec, name);

	assert_non_null(s);
	if (is_avro_union(s))
		s = avro_schema_union_branch(s, 1);
	if (is_avro_array(s))
		s = avro_schema_array_items(s);
	assert_true(is_avro_record(s));
	return s;
}

static void check_schema(const char *got_json, const char *expected_template)
{
	char *expected = dq(expected_template), err[512];
	json_t *e = json_loads(expected, 0, NULL), *g = json_loads(got_json, 0, NULL);
	char *e_text;

	assert_non_null(e);
	assert_non_null(g);
	assert_true(json_equal(e, g)); /* the same JSON, field order included (arrays) */
	e_text = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(got_json, e_text); /* and the same text, key order included */
	assert_int_equal(rc_avro_check_schema(got_json, strlen(got_json), err, sizeof err), RC_OK);
	free(e_text);
	json_decref(e);
	json_decref(g);
	free(expected);
}

static void test_schemas(void **state)
{
	char *json = NULL, err[512], names[1024];
	avro_schema_t s, change, table, column;
	(void)state;

	assert_int_equal(rc_avro_schema_change_key_schema(&my_opts, &json, err, sizeof err), 0);
	check_schema(json, KEY_SCHEMA("io.debezium.connector.mysql"));
	free(json);
	assert_int_equal(rc_avro_schema_change_value_schema(&my_opts, &json, err, sizeof err), 0);
	check_schema(json, VALUE_SCHEMA("io.debezium.connector.mysql"));

	/* avro-c's reading of it: the names, in order, with their Avro types */
	assert_int_equal(rc_avro_parse_schema(json, strlen(json), &s, err, sizeof err), RC_OK);
	assert_string_equal(avro_schema_name(s), "SchemaChangeValue");
	assert_string_equal(avro_schema_namespace(s), "io.debezium.connector.mysql");
	field_names(s, names, sizeof names);
	assert_string_equal(names, "source:Source,ts_ms:long,databaseName:union,schemaName:union,ddl:union,"
	                           "tableChanges:array");
	change = inner_record(s, "tableChanges");
	assert_string_equal(avro_schema_name(change), "Change");
	assert_string_equal(avro_schema_namespace(change), "io.debezium.connector.schema");
	field_names(change, names, sizeof names);
	assert_string_equal(names, "type:string,id:string,table:union");
	table = inner_record(change, "table");
	assert_string_equal(avro_schema_name(table), "Table");
	field_names(table, names, sizeof names);
	assert_string_equal(names, "defaultCharsetName:union,primaryKeyColumnNames:union,columns:array,"
	                           "comment:union");
	column = inner_record(table, "columns");
	assert_string_equal(avro_schema_name(column), "Column");
	field_names(column, names, sizeof names);
	assert_string_equal(names, "name:string,jdbcType:int,nativeType:union,typeName:string,"
	                           "typeExpression:union,charsetName:union,length:union,scale:union,"
	                           "position:int,optional:union,autoIncremented:union,generated:union,"
	                           "comment:union,defaultValueExpression:union,enumValues:union");
	avro_schema_decref(s);
	free(json);

	/* MariaDB: Debezium 3's connector names its records io.debezium.connector.mariadb.* */
	assert_int_equal(rc_avro_schema_change_key_schema(&maria_opts, &json, err, sizeof err), 0);
	check_schema(json, KEY_SCHEMA("io.debezium.connector.mariadb"));
	free(json);
	assert_int_equal(rc_avro_schema_change_value_schema(&maria_opts, &json, err, sizeof err), 0);
	check_schema(json, VALUE_SCHEMA("io.debezium.connector.mariadb"));
	free(json);

	/* PostgreSQL has no schema change events */
	assert_int_equal(rc_avro_schema_change_value_schema(&pg_opts, &json, err, sizeof err), -1);
	assert_null(json);
	assert_string_equal(err, "schema change events exist only with MySQL and MariaDB, not postgresql");
	assert_int_equal(rc_avro_schema_change_key_schema(&pg_opts, &json, err, sizeof err), -1);
}

/* ---- the statement's type, the table id, the columns ------------------------------------------- */

static void test_change_type(void **state)
{
	static const struct {
		const char *ddl;
		rc_schema_change_type_t type;
	} cases[] = {
	    {"CREATE TABLE t (id INT)", RC_SCHEMA_CHANGE_CREATE},
	    {"create table if not exists `t` (id int)", RC_SCHEMA_CHANGE_CREATE},
	    {"  /* made by hand */ CREATE TEMPORARY TABLE t (a int)", RC_SCHEMA_CHANGE_CREATE},
	    {"CREATE OR REPLACE TABLE t (a int)", RC_SCHEMA_CHANGE_CREATE}, /* MariaDB */
	    {"-- a comment\nCREATE\tTABLE t (a int)", RC_SCHEMA_CHANGE_CREATE},
	    {"# hash comment\r\ncreate /* between */ table t (a int)", RC_SCHEMA_CHANGE_CREATE},
	    {"ALTER TABLE t ADD COLUMN b INT", RC_SCHEMA_CHANGE_ALTER},
	    {"alter online ignore table t add b int", RC_SCHEMA_CHANGE_ALTER},
	    {"/*!40000 ALTER TABLE `t` DISABLE KEYS */", RC_SCHEMA_CHANGE_ALTER},
	    {"/*M!100100 ALTER TABLE t ADD b INT */", RC_SCHEMA_CHANGE_ALTER},
	    {"RENAME TABLE a TO b", RC_SCHEMA_CHANGE_ALTER},
	    {"CREATE UNIQUE INDEX i ON t (a)", RC_SCHEMA_CHANGE_ALTER},
	    {"CREATE INDEX i ON t (a)", RC_SCHEMA_CHANGE_ALTER},
	    {"DROP INDEX i ON t", RC_SCHEMA_CHANGE_ALTER},
	    {"DROP TABLE IF EXISTS `t` /* generated by server */", RC_SCHEMA_CHANGE_DROP},
	    {"drop temporary table t", RC_SCHEMA_CHANGE_DROP},
	    {"TRUNCATE TABLE t", RC_SCHEMA_CHANGE_NONE},
	    {"CREATE DATABASE d", RC_SCHEMA_CHANGE_NONE},
	    {"CREATE VIEW v AS SELECT 1", RC_SCHEMA_CHANGE_NONE},
	    {"DROP VIEW v", RC_SCHEMA_CHANGE_NONE},
	    {"RENAME USER a TO b", RC_SCHEMA_CHANGE_NONE},
	    {"ALTER DATABASE d CHARACTER SET utf8mb4", RC_SCHEMA_CHANGE_NONE},
	    {"CREATE", RC_SCHEMA_CHANGE_NONE},
	    {"/* unterminated", RC_SCHEMA_CHANGE_NONE},
	    {"", RC_SCHEMA_CHANGE_NONE},
	};
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rc_schema_change_type_t got = rc_schema_change_type(cases[i].ddl, strlen(cases[i].ddl));
		if (got != cases[i].type)
			fail_msg("'%s': type %d, expected %d", cases[i].ddl, (int)got, (int)cases[i].type);
	}
	/* only len bytes are read: "DROP TABLE" cut to "DROP TAB" is no DROP TABLE */
	assert_int_equal(rc_schema_change_type("DROP TABLE t", 8), RC_SCHEMA_CHANGE_NONE);
	assert_int_equal(rc_schema_change_type(NULL, 0), RC_SCHEMA_CHANGE_NONE);
	assert_string_equal(rc_schema_change_type_name(RC_SCHEMA_CHANGE_CREATE), "CREATE");
	assert_string_equal(rc_schema_change_type_name(RC_SCHEMA_CHANGE_ALTER), "ALTER");
	assert_string_equal(rc_schema_change_type_name(RC_SCHEMA_CHANGE_DROP), "DROP");
	assert_null(rc_schema_change_type_name(RC_SCHEMA_CHANGE_NONE));
}

static void check_id(const char *db, const char *name, const char *expected)
{
	rc_table_t *t = rc_table_new(db, name, "x", 0);
	rc_buf_t b;

	assert_non_null(t);
	rc_buf_init(&b, 0);
	rc_schema_change_table_id(&b, t);
	assert_int_equal(b.len, strlen(expected));
	assert_memory_equal(b.data, expected, b.len);
	assert_int_equal(rc_schema_change_table_id_len(t), b.len);
	rc_buf_free(&b);
	rc_table_release(t);
}

static void test_table_id(void **state)
{
	(void)state;
	/* TableId.toDoubleQuotedString() */
	check_id("inventory", "orders", "\"inventory\".\"orders\"");
	check_id("", "orders", "\"orders\"");
	check_id("d", "we\"ird", "\"d\".\"we\"\"ird\"");
	check_id("d", "\"q\"", "\"d\".\"q\""); /* already quoted: kept */
	check_id("d", "caf\xc3\xa9", "\"d\".\"caf\xc3\xa9\"");
	check_id("d", "", "\"d\".\"\"");
}

typedef struct colcase {
	const char *source_type;
	rc_type_t type;
	const char *semantic;
	const char *enum_values;
	const char *type_name;
	int32_t jdbc;
	int32_t length; /* -1: none */
	int32_t scale;  /* -1: none */
	const char *labels;
} colcase_t;

static void collect(void *opaque, const char *label, size_t len)
{
	char *out = opaque;
	size_t n = strlen(out);

	snprintf(out + n, 512 - n, "%s%.*s", n ? "|" : "", (int)len, label);
}

static void test_columns(void **state)
{
	/* Expected values: MySqlAntlrDdlParser's data type table (java.sql.Types) and the dimensions
	 * ColumnDefinitionParserListener and DataTypeEntry give. */
	static const colcase_t cases[] = {
	    {"int", RC_T_INT32, NULL, NULL, "INT", 4, -1, -1, NULL},
	    {"int(11)", RC_T_INT32, NULL, NULL, "INT", 4, 11, -1, NULL},
	    {"int unsigned", RC_T_INT64, NULL, NULL, "INT UNSIGNED", 4, -1, -1, NULL},
	    {"int(10) unsigned zerofill", RC_T_INT64, NULL, NULL, "INT UNSIGNED ZEROFILL", 4, 10, -1, NULL},
	    {"tinyint(1)", RC_T_INT8, NULL, NULL, "TINYINT", -6, 1, -1, NULL},
	    {"smallint", RC_T_INT16, NULL, NULL, "SMALLINT", 5, -1, -1, NULL},
	    {"mediumint", RC_T_INT32, NULL, NULL, "MEDIUMINT", 4, -1, -1, NULL},
	    {"bigint unsigned", RC_T_INT64, NULL, NULL, "BIGINT UNSIGNED", -5, -1, -1, NULL},
	    {"decimal(10,2)", RC_T_DECIMAL, NULL, NULL, "DECIMAL", 3, 10, 2, NULL},
	    {"decimal", RC_T_DECIMAL, NULL, NULL, "DECIMAL", 3, 10, 0, NULL},
	    {"decimal(5)", RC_T_DECIMAL, NULL, NULL, "DECIMAL", 3, 5, 0, NULL},
	    {"numeric(8,3)", RC_T_DECIMAL, NULL, NULL, "NUMERIC", 2, 8, 3, NULL},
	    {"float", RC_T_FLOAT32, NULL, NULL, "FLOAT", 6, -1, -1, NULL},
	    {"float(7,3)", RC_T_FLOAT32, NULL, NULL, "FLOAT", 6, 7, 3, NULL},
	    {"double", RC_T_FLOAT64, NULL, NULL, "DOUBLE", 8, -1, -1, NULL},
	    {"bit(3)", RC_T_BYTES, NULL, NULL, "BIT", -7, 3, -1, NULL},
	    {"bit", RC_T_BOOL, NULL, NULL, "BIT", -7, 1, -1, NULL},
	    {"char(3)", RC_T_STRING, NULL, NULL, "CHAR", 1, 3, -1, NULL},
	    {"varchar(255)", RC_T_STRING, NULL, NULL, "VARCHAR", 12, 255, -1, NULL},
	    {"varchar(20) character set latin1", RC_T_STRING, NULL, NULL, "VARCHAR", 12, 20, -1, NULL},
	    {"text", RC_T_STRING, NULL, NULL, "TEXT", 12, -1, -1, NULL},
	    {"longtext", RC_T_STRING, NULL, NULL, "LONGTEXT", 12, -1, -1, NULL},
	    {"binary(16)", RC_T_BYTES, NULL, NULL, "BINARY", -2, 16, -1, NULL},
	    {"varbinary(8)", RC_T_BYTES, NULL, NULL, "VARBINARY", -3, 8, -1, NULL},
	    {"blob", RC_T_BYTES, NULL, NULL, "BLOB", 2004, -1, -1, NULL},
	    {"mediumblob", RC_T_BYTES, NULL, NULL, "MEDIUMBLOB", 2004, -1, -1, NULL},
	    {"date", RC_T_DATE, NULL, NULL, "DATE", 91, -1, -1, NULL},
	    {"time(3)", RC_T_TIME_MICROS, NULL, NULL, "TIME", 92, 3, -1, NULL},
	    {"datetime(6)", RC_T_TIMESTAMP_MICROS, NULL, NULL, "DATETIME", 93, 6, -1, NULL},
	    {"timestamp", RC_T_STRING, NULL, NULL, "TIMESTAMP", 2014, -1, -1, NULL},
	    {"year(4)", RC_T_INT32, NULL, NULL, "YEAR", 4, 4, -1, NULL},
	    {"json", RC_T_STRING, NULL, NULL, "JSON", 1111, -1, -1, NULL},
	    {"geometry", RC_T_BYTES, NULL, NULL, "GEOMETRY", 1111, -1, -1, NULL},
	    {"point", RC_T_BYTES, NULL, NULL, "POINT", 1111, -1, -1, NULL},
	    {"vector(3)", RC_T_BYTES, NULL, NULL, "VECTOR", 1111, 3, -1, NULL},
	    {"enum('new','it''s','a,b')", RC_T_STRING, "io.debezium.data.Enum", "new,it's,a,b", "ENUM", 1, 1,
	     -1, "'new'|'it''s'|'a,b'"},
	    {"set('x','y','z')", RC_T_STRING, "io.debezium.data.EnumSet", NULL, "SET", 1, 5, -1,
	     "'x'|'y'|'z'"},
	    {"ENUM('A')", RC_T_STRING, NULL, NULL, "ENUM", 1, 1, -1, "'A'"},
	    /* no source_type: the logical type's usual MySQL name */
	    {NULL, RC_T_INT64, NULL, NULL, "BIGINT", -5, -1, -1, NULL},
	    {NULL, RC_T_DECIMAL, NULL, NULL, "DECIMAL", 3, 10, 0, NULL},
	    {NULL, RC_T_STRING, "io.debezium.data.Enum", "a,it's", "ENUM", 1, 1, -1, "'a'|'it''s'"},
	    {NULL, RC_T_STRING, "io.debezium.data.EnumSet", "a,b", "SET", 1, 3, -1, "'a'|'b'"},
	    {NULL, RC_T_TIMESTAMP_MICROS, NULL, NULL, "DATETIME", 93, -1, -1, NULL},
	    {NULL, RC_T_ARRAY, NULL, NULL, "UNKNOWN", 1111, -1, -1, NULL},
	};
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const colcase_t *k = &cases[i];
		rc_column_t c = {.type = k->type, .semantic = k->semantic};
		rc_schema_change_column_t d;
		char labels[512] = "";
		size_t n;

		c.source_type = (char *)k->source_type;
		c.enum_values = (char *)k->enum_values;
		rc_schema_change_column(&c, &d);
		if (strcmp(d.type_name, k->type_name) != 0 || d.jdbc_type != k->jdbc ||
		    d.has_length != (k->length >= 0) || (d.has_length && d.length != k->length) ||
		    d.has_scale != (k->scale >= 0) || (d.has_scale && d.scale != k->scale))
			fail_msg("'%s': %s jdbc %d length %d/%d scale %d/%d",
			         k->source_type ? k->source_type : "-", d.type_name, (int)d.jdbc_type,
			         d.has_length, (int)d.length, d.has_scale, (int)d.scale);
		n = rc_schema_change_labels(&d, collect, labels);
		assert_string_equal(labels, k->labels ? k->labels : "");
		assert_int_equal(n, rc_schema_change_labels(&d, NULL, NULL));
	}
}

/* ---- an event ------------------------------------------------------------------------------------ */

#define DDL                                                                                                  \
	"CREATE TABLE `orders` (\n\tid INT UNSIGNED NOT NULL,\n\tcode CHAR(3) NOT NULL,\n"                   \
	"\tname VARCHAR(20) COMMENT 'l\xc3\xa9 \"nom\" \\\\ \xf0\x9f\x98\x80',\n"                            \
	"\tprice DECIMAL(10,2),\n\tstatus ENUM('new','it''s'),\n\tcreated DATETIME(6),\n"                    \
	"\tPRIMARY KEY (id, code))"
#define NOW_NS INT64_C(1700000001234567891)

typedef struct fixture {
	rc_table_t *t;
	const rc_table_t *tables[1];
	rc_event_t ev;
} fixture_t;

static void set_col(rc_table_t *t, size_t i, const char *name, const char *source_type, rc_type_t type,
                    bool key, bool optional)
{
	rc_column_t *c = &t->cols[i];

	assert_int_equal(rc_column_set_names(c, name, source_type), 0);
	c->type = type;
	c->key = key;
	c->optional = optional;
}

/* The table of DDL as a MySQL source knows it, and the event that creates it. */
static void fixture_init(fixture_t *f, const char *ddl, const char *connector)
{
	rc_table_t *t = rc_table_new("inventory", "orders", "shop.inventory.orders", 6);

	assert_non_null(t);
	set_col(t, 0, "id", "int unsigned", RC_T_INT64, true, false);
	set_col(t, 1, "code", "char(3)", RC_T_STRING, true, false);
	set_col(t, 2, "name", "varchar(20)", RC_T_STRING, false, true);
	set_col(t, 3, "price", "decimal(10,2)", RC_T_DECIMAL, false, true);
	set_col(t, 4, "status", "enum('new','it''s')", RC_T_STRING, false, true);
	assert_int_equal(rc_column_set_enum_values(&t->cols[4], "new,it's"), 0);
	t->cols[4].semantic = "io.debezium.data.Enum";
	set_col(t, 5, "created", "datetime(6)", RC_T_TIMESTAMP_MICROS, false, true);
	rc_table_count_keys(t);
	f->t = t;
	f->tables[0] = t;
	memset(&f->ev, 0, sizeof f->ev);
	f->ev.op = RC_OP_SCHEMA_CHANGE;
	f->ev.table = t; /* source.table */
	f->ev.source = (rc_source_info_t){.connector = connector,
	                                  .db = "inventory",
	                                  .ts_us = INT64_C(1700000000123456),
	                                  .snapshot = "false",
	                                  .txid = -1,
	                                  .file = "mysql-bin.000003",
	                                  .pos = 4567,
	                                  .row = 0,
	                                  .server_id = 223344,
	                                  .gtid = "3e11fa47-71ca-11e1-9e33-c80aa9429562:23",
	                                  .thread = 7};
	f->ev.ddl = ddl;
	f->ev.ddl_len = ddl ? strlen(ddl) : 0;
	f->ev.ddl_db = "inventory";
	f->ev.ddl_tables = f->tables;
	f->ev.nddl_tables = 1;
}

static void fixture_free(fixture_t *f)
{
	rc_table_release(f->t);
}

/* ---- avro-c as the reader ---------------------------------------------------------------------- */

static void str_field(avro_value_t *rec, const char *name, const char *s)
{
	avro_value_t f = field(rec, name);

	is_string(&f, s, strlen(s));
}

/* An optional string field: s, or null. */
static void opt_str_field(avro_value_t *rec, const char *name, const char *s)
{
	avro_value_t f = field(rec, name), b;

	if (!s) {
		b = branch(&f, 0);
		assert_int_equal(avro_value_get_null(&b), 0);
		return;
	}
	b = branch(&f, 1);
	is_string(&b, s, strlen(s));
}

static void long_field(avro_value_t *rec, const char *name, int64_t x)
{
	avro_value_t f = field(rec, name);

	assert_int_equal(long_of(&f), x);
}

static void int_field(avro_value_t *rec, const char *name, int32_t x)
{
	avro_value_t f = field(rec, name);

	assert_int_equal(int_of(&f), x);
}

/* An optional long (is_long) or int field: x, or null when !present. */
static void opt_num_field(avro_value_t *rec, const char *name, bool present, int64_t x, bool is_long)
{
	avro_value_t f = field(rec, name), b;
	int64_t l = 0;
	int32_t i = 0;

	if (!present) {
		b = branch(&f, 0);
		assert_int_equal(avro_value_get_null(&b), 0);
		return;
	}
	b = branch(&f, 1);
	if (is_long) {
		assert_int_equal(avro_value_get_long(&b, &l), 0);
		assert_int_equal(l, x);
	} else {
		assert_int_equal(avro_value_get_int(&b, &i), 0);
		assert_int_equal(i, x);
	}
}

static void null_field(avro_value_t *rec, const char *name)
{
	avro_value_t f = field(rec, name), b = branch(&f, 0);

	assert_int_equal(avro_value_get_null(&b), 0);
}

static void opt_bool_field(avro_value_t *rec, const char *name, bool x)
{
	avro_value_t f = field(rec, name), b = branch(&f, 1);
	int v = 0;

	assert_int_equal(avro_value_get_boolean(&b, &v), 0);
	assert_int_equal(v != 0, x);
}

/* The string array inside optional field name: labels joined with '|'. */
static void opt_strings_field(avro_value_t *rec, const char *name, const char *joined)
{
	avro_value_t f = field(rec, name), a, item;
	char buf[512] = "";
	size_t n = 0;

	if (!joined) {
		a = branch(&f, 0);
		assert_int_equal(avro_value_get_null(&a), 0);
		return;
	}
	a = branch(&f, 1);
	for (size_t i = 0; i < size_of(&a); i++) {
		const char *s = NULL;
		size_t len = 0;
		assert_int_equal(avro_value_get_by_index(&a, i, &item, NULL), 0);
		assert_int_equal(avro_value_get_string(&item, &s, &len), 0);
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? "|" : "", s);
	}
	assert_string_equal(buf, joined);
}

static void check_binlog_source(avro_value_t *src, const rc_event_t *ev, const char *connector)
{
	avro_value_t f, b;

	assert_int_equal(size_of(src), 17);
	str_field(src, "version", RC_AVRO_SOURCE_VERSION);
	str_field(src, "connector", connector);
	str_field(src, "name", "shop");
	long_field(src, "ts_ms", 1700000000123);
	f = field(src, "snapshot");
	b = branch(&f, 0);
	is_string(&b, "false", 5);
	str_field(src, "db", "inventory");
	opt_str_field(src, "sequence", NULL);
	opt_num_field(src, "ts_us", true, 1700000000123456, true);
	opt_num_field(src, "ts_ns", true, INT64_C(1700000000123456000), true);
	opt_str_field(src, "table", ev->table ? "orders" : NULL);
	long_field(src, "server_id", 223344);
	opt_str_field(src, "gtid", "3e11fa47-71ca-11e1-9e33-c80aa9429562:23");
	str_field(src, "file", "mysql-bin.000003");
	long_field(src, "pos", 4567);
	int_field(src, "row", 0);
	opt_num_field(src, "thread", true, 7, true);
	opt_str_field(src, "query", NULL);
}

/* Column index of the fixture table, as Debezium's parser describes its DDL (see DDL). */
static void check_column(avro_value_t *col, size_t i)
{
	static const struct {
		const char *name, *type_name;
		int32_t jdbc, length, scale; /* -1: null */
		bool optional;
		const char *labels;
	} exp[] = {
	    {"id", "INT UNSIGNED", 4, -1, -1, false, NULL},
	    {"code", "CHAR", 1, 3, -1, false, NULL},
	    {"name", "VARCHAR", 12, 20, -1, true, NULL},
	    {"price", "DECIMAL", 3, 10, 2, true, NULL},
	    {"status", "ENUM", 1, 1, -1, true, "'new'|'it''s'"},
	    {"created", "DATETIME", 93, 6, -1, true, NULL},
	};

	assert_int_equal(size_of(col), 15);
	str_field(col, "name", exp[i].name);
	int_field(col, "jdbcType", exp[i].jdbc);
	null_field(col, "nativeType");
	str_field(col, "typeName", exp[i].type_name);
	opt_str_field(col, "typeExpression", exp[i].type_name);
	null_field(col, "charsetName");
	opt_num_field(col, "length", exp[i].length >= 0, exp[i].length, false);
	opt_num_field(col, "scale", exp[i].scale >= 0, exp[i].scale, false);
	int_field(col, "position", (int32_t)i + 1);
	opt_bool_field(col, "optional", exp[i].optional);
	null_field(col, "autoIncremented");
	null_field(col, "generated");
	null_field(col, "comment");
	null_field(col, "defaultValueExpression");
	opt_strings_field(col, "enumValues", exp[i].labels);
}

static void encode_and_decode(const rc_event_t *ev, const rc_avro_opts_t *opts, decoded_t *key,
                              decoded_t *value)
{
	rc_buf_t kb, vb;
	char err[512], *json;

	rc_buf_init(&kb, 0);
	rc_buf_init(&vb, 0);
	assert_int_equal(rc_avro_encode_key(ev, 7, &kb, err, sizeof err), 0);
	if (rc_avro_encode_value(ev, opts, 8, NOW_NS, &vb, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(rc_avro_schema_change_key_schema(opts, &json, err, sizeof err), 0);
	decode(key, json, 7, &kb);
	assert_int_equal(rc_avro_schema_change_value_schema(opts, &json, err, sizeof err), 0);
	decode(value, json, 8, &vb);
	rc_buf_free(&kb);
	rc_buf_free(&vb);
}

static void test_avro_create(void **state)
{
	fixture_t f;
	decoded_t key, value;
	avro_value_t v, changes, change, tu, table, cols, col;
	(void)state;

	fixture_init(&f, DDL, "mysql");
	encode_and_decode(&f.ev, &my_opts, &key, &value);

	assert_int_equal(size_of(&key.value), 1);
	str_field(&key.value, "databaseName", "inventory");

	v = value.value;
	assert_int_equal(size_of(&v), 6);
	{
		avro_value_t src = field(&v, "source");
		check_binlog_source(&src, &f.ev, "mysql");
	}
	long_field(&v, "ts_ms", 1700000001234); /* when rowcast handled it, as Debezium's */
	opt_str_field(&v, "databaseName", "inventory");
	opt_str_field(&v, "schemaName", NULL);
	opt_str_field(&v, "ddl", DDL); /* quotes, backslash, newlines, tabs, UTF-8 (4 bytes too) intact */

	changes = field(&v, "tableChanges");
	assert_int_equal(size_of(&changes), 1);
	assert_int_equal(avro_value_get_by_index(&changes, 0, &change, NULL), 0);
	assert_int_equal(size_of(&change), 3);
	str_field(&change, "type", "CREATE");
	str_field(&change, "id", "\"inventory\".\"orders\"");
	tu = field(&change, "table");
	table = branch(&tu, 1);
	assert_int_equal(size_of(&table), 4);
	null_field(&table, "defaultCharsetName");
	opt_strings_field(&table, "primaryKeyColumnNames", "id|code");
	null_field(&table, "comment");
	cols = field(&table, "columns");
	assert_int_equal(size_of(&cols), 6);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(avro_value_get_by_index(&cols, i, &col, NULL), 0);
		check_column(&col, i);
	}
	decoded_free(&key);
	decoded_free(&value);
	fixture_free(&f);
}

static void test_avro_drop_rename_none(void **state)
{
	fixture_t f;
	decoded_t key, value;
	avro_value_t changes, change, tu, b, table;
	(void)state;

	/* DROP: TableChanges.drop keeps the id only, the table is null */
	fixture_init(&f, "DROP TABLE `orders`", "mariadb");
	encode_and_decode(&f.ev, &maria_opts, &key, &value);
	{
		avro_value_t src = field(&value.value, "source");
		check_binlog_source(&src, &f.ev, "mariadb");
	}
	changes = field(&value.value, "tableChanges");
	assert_int_equal(size_of(&changes), 1);
	assert_int_equal(avro_value_get_by_index(&changes, 0, &change, NULL), 0);
	str_field(&change, "type", "DROP");
	str_field(&change, "id", "\"inventory\".\"orders\"");
	tu = field(&change, "table");
	b = branch(&tu, 0);
	assert_int_equal(avro_value_get_null(&b), 0);
	decoded_free(&key);
	decoded_free(&value);

	/* RENAME: an ALTER of the table under its new name, with its columns */
	f.ev.ddl = "RENAME TABLE old_orders TO orders";
	f.ev.ddl_len = strlen(f.ev.ddl);
	encode_and_decode(&f.ev, &maria_opts, &key, &value);
	changes = field(&value.value, "tableChanges");
	assert_int_equal(avro_value_get_by_index(&changes, 0, &change, NULL), 0);
	str_field(&change, "type", "ALTER");
	tu = field(&change, "table");
	table = branch(&tu, 1);
	{
		avro_value_t cols = field(&table, "columns");
		assert_int_equal(size_of(&cols), 6);
	}
	decoded_free(&key);
	decoded_free(&value);

	/* CREATE DATABASE: no table changes, no database in the key but "" */
	f.ev.ddl = "CREATE DATABASE shop2";
	f.ev.ddl_len = strlen(f.ev.ddl);
	f.ev.ddl_db = NULL;
	f.ev.table = NULL;
	f.ev.ddl_tables = NULL;
	f.ev.nddl_tables = 0;
	encode_and_decode(&f.ev, &maria_opts, &key, &value);
	str_field(&key.value, "databaseName", "");
	opt_str_field(&value.value, "databaseName", NULL);
	opt_str_field(&value.value, "ddl", "CREATE DATABASE shop2");
	changes = field(&value.value, "tableChanges");
	assert_int_equal(size_of(&changes), 0);
	{
		avro_value_t src = field(&value.value, "source");
		opt_str_field(&src, "table", NULL);
	}
	decoded_free(&key);
	decoded_free(&value);

	/* no statement text */
	f.ev.ddl = NULL;
	f.ev.ddl_len = 0;
	encode_and_decode(&f.ev, &maria_opts, &key, &value);
	opt_str_field(&value.value, "ddl", NULL);
	decoded_free(&key);
	decoded_free(&value);
	fixture_free(&f);
}

static void test_avro_errors(void **state)
{
	fixture_t f;
	rc_buf_t b;
	char err[512];
	const rc_table_t *none[1] = {NULL};
	(void)state;

	fixture_init(&f, DDL, "postgresql");
	rc_buf_init(&b, 0);
	assert_int_equal(rc_avro_encode_value(&f.ev, &pg_opts, 8, NOW_NS, &b, err, sizeof err), -1);
	assert_string_equal(err,
	                    "schema change event: schema change events exist only with MySQL and MariaDB");
	assert_int_equal(b.len, 0);
	f.ev.source.connector = "mysql";
	f.ev.ddl_tables = none;
	assert_int_equal(rc_avro_encode_value(&f.ev, &my_opts, 8, NOW_NS, &b, err, sizeof err), -1);
	assert_string_equal(err, "schema change event: a changed table without a name");
	assert_int_equal(b.len, 0);
	/* a bounded buffer: the record does not fit, nothing is left behind */
	f.ev.ddl_tables = f.tables;
	rc_buf_free(&b);
	rc_buf_init(&b, 64);
	assert_int_equal(rc_avro_encode_value(&f.ev, &my_opts, 8, NOW_NS, &b, err, sizeof err), -1);
	assert_string_equal(err, "schema change event: record larger than 64 bytes or out of memory");
	assert_int_equal(b.len, 0);
	rc_buf_free(&b);
	fixture_free(&f);
}

/* ---- JSON lines ---------------------------------------------------------------------------------- */

static json_t *json_line(const rc_event_t *ev, const rc_avro_opts_t *opts)
{
	rc_buf_t b;
	char err[512];
	json_error_t jerr;
	json_t *j;

	rc_buf_init(&b, 0);
	if (rc_json_encode_event(ev, opts, NOW_NS, false, &b, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_true(b.len > 0 && b.data[b.len - 1] == '\n');
	assert_null(memchr(b.data, '\n', b.len - 1)); /* one line */
	j = json_loadb((const char *)b.data, b.len, 0, &jerr);
	if (!j)
		fail_msg("not JSON: %s: %.*s", jerr.text, (int)b.len, (const char *)b.data);
	rc_buf_free(&b);
	return j;
}

static const char *jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		fail_msg("%s is not a string", key);
	return json_string_value(v);
}

static void is_jnull(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	assert_non_null(v); /* present */
	assert_true(json_is_null(v));
}

static void test_json(void **state)
{
	fixture_t f;
	json_t *line, *key, *value, *src, *changes, *change, *table, *cols, *col, *pk, *labels;
	rc_buf_t b;
	char err[512];
	(void)state;

	fixture_init(&f, DDL, "mysql");
	line = json_line(&f.ev, &my_opts);
	assert_int_equal(json_object_size(line), 3);
	assert_string_equal(jstr(line, "topic"), "shop");
	key = json_object_get(line, "key");
	assert_int_equal(json_object_size(key), 1);
	assert_string_equal(jstr(key, "databaseName"), "inventory");
	value = json_object_get(line, "value");
	assert_int_equal(json_object_size(value), 6);
	/* the fields in Debezium's order */
	{
		static const char *const order[] = {"source",     "ts_ms", "databaseName",
		                                    "schemaName", "ddl",   "tableChanges"};
		size_t i = 0;
		const char *k;
		json_t *v;
		json_object_foreach(value, k, v)
		{
			(void)v;
			assert_string_equal(k, order[i++]);
		}
	}
	src = json_object_get(value, "source");
	assert_int_equal(json_object_size(src), 17);
	assert_string_equal(jstr(src, "connector"), "mysql");
	assert_string_equal(jstr(src, "name"), "shop");
	assert_string_equal(jstr(src, "db"), "inventory");
	assert_string_equal(jstr(src, "file"), "mysql-bin.000003");
	assert_string_equal(jstr(src, "table"), "orders");
	assert_int_equal(json_integer_value(json_object_get(src, "pos")), 4567);
	assert_int_equal(json_integer_value(json_object_get(src, "server_id")), 223344);
	assert_int_equal(json_integer_value(json_object_get(value, "ts_ms")), 1700000001234);
	assert_string_equal(jstr(value, "databaseName"), "inventory");
	is_jnull(value, "schemaName");
	assert_string_equal(jstr(value, "ddl"), DDL);

	changes = json_object_get(value, "tableChanges");
	assert_int_equal(json_array_size(changes), 1);
	change = json_array_get(changes, 0);
	assert_string_equal(jstr(change, "type"), "CREATE");
	assert_string_equal(jstr(change, "id"), "\"inventory\".\"orders\"");
	table = json_object_get(change, "table");
	assert_int_equal(json_object_size(table), 4);
	is_jnull(table, "defaultCharsetName");
	is_jnull(table, "comment");
	pk = json_object_get(table, "primaryKeyColumnNames");
	assert_int_equal(json_array_size(pk), 2);
	assert_string_equal(json_string_value(json_array_get(pk, 0)), "id");
	assert_string_equal(json_string_value(json_array_get(pk, 1)), "code");
	cols = json_object_get(table, "columns");
	assert_int_equal(json_array_size(cols), 6);
	col = json_array_get(cols, 0);
	assert_int_equal(json_object_size(col), 15);
	assert_string_equal(jstr(col, "name"), "id");
	assert_int_equal(json_integer_value(json_object_get(col, "jdbcType")), 4);
	assert_string_equal(jstr(col, "typeName"), "INT UNSIGNED");
	assert_string_equal(jstr(col, "typeExpression"), "INT UNSIGNED");
	is_jnull(col, "length");
	assert_int_equal(json_integer_value(json_object_get(col, "position")), 1);
	assert_true(json_is_false(json_object_get(col, "optional")));
	is_jnull(col, "autoIncremented");
	is_jnull(col, "enumValues");
	col = json_array_get(cols, 3);
	assert_string_equal(jstr(col, "name"), "price");
	assert_int_equal(json_integer_value(json_object_get(col, "length")), 10);
	assert_int_equal(json_integer_value(json_object_get(col, "scale")), 2);
	assert_true(json_is_true(json_object_get(col, "optional")));
	col = json_array_get(cols, 4);
	labels = json_object_get(col, "enumValues");
	assert_int_equal(json_array_size(labels), 2);
	assert_string_equal(json_string_value(json_array_get(labels, 0)), "'new'");
	assert_string_equal(json_string_value(json_array_get(labels, 1)), "'it''s'");
	json_decref(line);

	/* DROP: table null */
	f.ev.ddl = "DROP TABLE orders";
	f.ev.ddl_len = strlen(f.ev.ddl);
	line = json_line(&f.ev, &my_opts);
	change = json_array_get(json_object_get(json_object_get(line, "value"), "tableChanges"), 0);
	assert_string_equal(jstr(change, "type"), "DROP");
	is_jnull(change, "table");
	json_decref(line);

	/* no tombstone, no PostgreSQL */
	rc_buf_init(&b, 0);
	assert_int_equal(rc_json_encode_event(&f.ev, &my_opts, NOW_NS, true, &b, err, sizeof err), -1);
	assert_string_equal(err, "schema change events have no tombstone");
	assert_int_equal(rc_json_encode_event(&f.ev, &pg_opts, NOW_NS, false, &b, err, sizeof err), -1);
	assert_string_equal(err, "schema change events exist only with MySQL and MariaDB, not postgresql");
	assert_int_equal(b.len, 0);
	rc_buf_free(&b);
	fixture_free(&f);
}

/* ---- the encoders of agent/encoder.h ----------------------------------------------------------- */

static rc_conf_t *conf_of(const char *sink_type, const char *registry_url)
{
	rc_conf_t *conf = rc_conf_new();
	char err[512];

	assert_non_null(conf);
	assert_int_equal(rc_conf_set(conf, "topic.prefix", "shop", RC_CONF_CLI, "test", err, sizeof err), 0);
	assert_int_equal(rc_conf_set(conf, "sink.type", sink_type, RC_CONF_CLI, "test", err, sizeof err), 0);
	if (registry_url)
		assert_int_equal(rc_conf_set(conf, "schema.registry.url", registry_url, RC_CONF_CLI, "test",
		                             err, sizeof err),
		                 0);
	return conf;
}

static void test_stdout_encoder(void **state)
{
	rc_conf_t *conf = conf_of("stdout", NULL);
	rc_encoder_t *enc;
	rc_record_t rec;
	fixture_t f;
	char err[512];
	json_t *line;
	(void)state;

	enc = rc_encoder_new(conf, "mysql", err, sizeof err);
	assert_non_null(enc);
	fixture_init(&f, DDL, "mysql");
	assert_int_equal(enc->ops->encode(enc, &f.ev, false, &rec, err, sizeof err), RC_OK);
	assert_string_equal(rec.topic, "shop");
	line = json_loadb(rec.value, rec.vallen, 0, NULL);
	assert_non_null(line);
	assert_string_equal(jstr(line, "topic"), "shop");
	json_decref(line);
	assert_int_equal(enc->ops->encode(enc, &f.ev, true, &rec, err, sizeof err), RC_ERR_FATAL);
	enc->ops->free(enc);
	fixture_free(&f);
	rc_conf_free(conf);
}

/* A registry on loopback that answers every registration with the next id from 101, one request per
 * connection, and records the subjects it was asked for. */
typedef struct registry {
	int fd, port;
	int nrequests;
	char subjects[4][256];
	pthread_t thread;
} registry_t;

static void *serve(void *opaque)
{
	registry_t *r = opaque;

	for (int i = 0; i < 4; i++) {
		struct pollfd pfd = {r->fd, POLLIN, 0};
		char *req = calloc(1, 1 << 16), resp[256], body[32], *hdr_end, path[512] = "";
		size_t len = 0, want = 0;
		int c, n;

		assert_non_null(req);
		if (poll(&pfd, 1, 5000) <= 0 || (c = accept(r->fd, NULL, NULL)) < 0) {
			free(req);
			break;
		}
		while (len < (1 << 16) - 1) {
			ssize_t got = read(c, req + len, (1 << 16) - 1 - len);
			if (got <= 0)
				break;
			len += (size_t)got;
			req[len] = '\0';
			hdr_end = strstr(req, "\r\n\r\n");
			if (hdr_end && !want) {
				const char *cl = strcasestr(req, "Content-Length:");
				want = (size_t)(hdr_end + 4 - req) + (cl ? (size_t)atoi(cl + 15) : 0);
			}
			if (want && len >= want)
				break;
		}
		sscanf(req, "%*s %511s", path);
		snprintf(r->subjects[r->nrequests], sizeof r->subjects[0], "%s", path);
		snprintf(body, sizeof body, "{\"id\":%d}", 101 + r->nrequests);
		n = snprintf(resp, sizeof resp,
		             "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.schemaregistry.v1+json\r\n"
		             "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		             strlen(body), body);
		r->nrequests++;
		if (write(c, resp, (size_t)n) != n)
			fprintf(stderr, "fake registry: short write\n");
		close(c);
		free(req);
	}
	return NULL;
}

static void test_avro_encoder(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof a;
	registry_t r = {0};
	rc_conf_t *conf;
	rc_encoder_t *enc;
	rc_record_t rec;
	fixture_t f;
	char err[512], url[128];
	(void)state;

	r.fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(r.fd >= 0);
	assert_int_equal(bind(r.fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(r.fd, 4), 0);
	assert_int_equal(getsockname(r.fd, (struct sockaddr *)&a, &alen), 0);
	r.port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&r.thread, NULL, serve, &r), 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", r.port);
	conf = conf_of("kafka", url);
	enc = rc_encoder_new(conf, "mariadb", err, sizeof err);
	if (!enc)
		fail_msg("%s", err);
	fixture_init(&f, DDL, "mariadb");
	if (enc->ops->encode(enc, &f.ev, false, &rec, err, sizeof err) != RC_OK)
		fail_msg("%s", err);
	assert_string_equal(rec.topic, "shop");
	/* key id 101, value id 102, in Confluent framing */
	assert_true(rec.keylen > 5 && rec.vallen > 5);
	assert_memory_equal(rec.key, "\0\0\0\0\x65", 5);
	assert_memory_equal(rec.value, "\0\0\0\0\x66", 5);
	/* registered once: a second event asks the registry nothing */
	assert_int_equal(enc->ops->encode(enc, &f.ev, false, &rec, err, sizeof err), RC_OK);
	assert_int_equal(enc->ops->encode(enc, &f.ev, true, &rec, err, sizeof err), RC_ERR_FATAL);
	assert_string_equal(err, "schema change events have no tombstone");
	enc->ops->free(enc);
	shutdown(r.fd, SHUT_RDWR);
	pthread_join(r.thread, NULL);
	close(r.fd);
	assert_int_equal(r.nrequests, 2);
	assert_string_equal(r.subjects[0], "/subjects/shop-key/versions");
	assert_string_equal(r.subjects[1], "/subjects/shop-value/versions");
	fixture_free(&f);
	rc_conf_free(conf);
}

/* ---- through the pipeline ------------------------------------------------------------------------
 * A fake source hands agent/pipeline.c one transaction: a schema change event and a row insert, with
 * skipped.operations=c,u,d,t. The insert is skipped; the schema change, which has no before or after
 * image and is not a row operation, is published as it is (and gets no tombstone). The position codec
 * is PostgreSQL's, the simplest there is: the pipeline never reads it. */

typedef struct pl_fake {
	rc_source_t base;
	int step;
	rc_ack_txn_t *txn;
	fixture_t fx;
} pl_fake_t;

static FILE *g_out;

static int pl_stream(rc_source_t *src, const rc_pos_t *from, char *err, size_t errlen)
{
	(void)src, (void)from, (void)err, (void)errlen;
	return RC_OK;
}

static int pl_read(rc_source_t *src, const rc_source_handler_t *h, int budget, char *err, size_t errlen)
{
	pl_fake_t *f = (pl_fake_t *)src;
	rc_value_t after[6] = {{.state = RC_V_SET, .u.i = 1}};
	rc_event_t row;
	int rc = RC_OK;
	(void)budget;

	switch (f->step++) {
	case 0:
		f->txn = h->begin(h->opaque);
		return 1;
	case 1:
		return h->event(h->opaque, f->txn, &f->fx.ev, err, errlen) == RC_OK ? 1 : -1;
	case 2: /* a row change, which skipped.operations drops */
		row = f->fx.ev;
		row.op = RC_OP_CREATE;
		row.after = after;
		after[1] = (rc_value_t){.state = RC_V_SET, .u.bytes = {"abc", 3, 0}};
		rc = h->event(h->opaque, f->txn, &row, err, errlen);
		return rc == RC_OK ? 1 : rc;
	case 3:
		h->commit(h->opaque, f->txn, &(rc_pos_t){.set = true, .order = 200});
		return 1;
	default:
		return RC_END;
	}
}

static int pl_confirm(rc_source_t *src, const rc_pos_t *position, bool force, char *err, size_t errlen)
{
	(void)src, (void)position, (void)force, (void)err, (void)errlen;
	return RC_OK;
}

static int pl_deadline(rc_source_t *src)
{
	(void)src;
	return 10;
}

static void pl_free(rc_source_t *src)
{
	pl_fake_t *f = (pl_fake_t *)src;

	fixture_free(&f->fx);
	free(f);
}

static const rc_source_ops_t pl_ops = {
    .name = "fake",
    .connect = fake_connect,
    .prepare_stream = fake_prepare,
    .snapshot_point = fake_no_snapshot_point,
    .stream = pl_stream,
    .fd = fake_fd,
    .read = pl_read,
    .confirm = pl_confirm,
    .next_deadline_ms = pl_deadline,
    .free = pl_free,
};

static rc_source_t *pl_source_new(const rc_conf_t *conf, char *err, size_t errlen)
{
	pl_fake_t *f = calloc(1, sizeof *f);
	(void)conf, (void)err, (void)errlen;

	assert_non_null(f);
	f->base.ops = &pl_ops;
	f->base.codec = &rc_pg_pos_codec;
	fixture_init(&f->fx, DDL, "mysql");
	return &f->base;
}

static rc_sink_t *pl_sink_new(const rc_conf_t *conf, rc_sink_ack_fn on_ack, void *opaque, char *err,
                              size_t errlen)
{
	(void)conf, (void)err, (void)errlen;
	return rc_stdout_sink_new(g_out, on_ack, opaque);
}

static rc_encoder_t *pl_encoder_new(const rc_conf_t *conf, char *err, size_t errlen)
{
	return rc_encoder_new(conf, "mysql", err, errlen);
}

static void test_through_pipeline(void **state)
{
	rc_conf_t *conf = conf_of("stdout", NULL);
	rc_pipeline_parts_t parts = {
	    .source_new = pl_source_new,
	    .sink_new = pl_sink_new,
	    .encoder_new = pl_encoder_new,
	    .codec = &rc_pg_pos_codec,
	};
	char err[512], line[65536];
	json_t *j;
	(void)state;

	assert_int_equal(
	    rc_conf_set(conf, "skipped.operations", "c,u,d,t", RC_CONF_CLI, "test", err, sizeof err), 0);
	assert_int_equal(rc_conf_set(conf, "snapshot.mode", "no_data", RC_CONF_CLI, "test", err, sizeof err),
	                 0);
	g_out = tmpfile();
	assert_non_null(g_out);
	assert_int_equal(rc_pipeline_run(conf, &parts), 0);
	rewind(g_out);
	assert_non_null(fgets(line, sizeof line, g_out));
	j = json_loads(line, 0, NULL);
	assert_non_null(j);
	assert_string_equal(jstr(j, "topic"), "shop");
	assert_string_equal(jstr(json_object_get(j, "value"), "ddl"), DDL);
	json_decref(j);
	assert_null(fgets(line, sizeof line, g_out)); /* the skipped insert left no line */
	fclose(g_out);
	rc_conf_free(conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_schemas),          cmocka_unit_test(test_change_type),
	    cmocka_unit_test(test_table_id),         cmocka_unit_test(test_columns),
	    cmocka_unit_test(test_avro_create),      cmocka_unit_test(test_avro_drop_rename_none),
	    cmocka_unit_test(test_avro_errors),      cmocka_unit_test(test_json),
	    cmocka_unit_test(test_stdout_encoder),   cmocka_unit_test(test_avro_encoder),
	    cmocka_unit_test(test_through_pipeline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
