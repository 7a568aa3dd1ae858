/*
 * MySQL and MariaDB column types as rowcast maps them, the same for the binlog stream and the
 * snapshot: each side describes a column as an rc_mysql_coldef_t (the stream from a TABLE_MAP and its
 * optional metadata, the snapshot from information_schema.COLUMNS), and this module alone turns that
 * description into the column's rc_column_t (logical type, Connect name, parameters) and builds its
 * values from decoded parts (mysql_values.h). So a row read by the snapshot and the same row streamed
 * from the binlog have one Avro schema and equal values, by construction.
 *
 * The mapping is Debezium's MySQL/MariaDB connector's default (research/ecosystem.md 1.5 and
 * Debezium's MySqlValueConverters / BinlogValueConverters), under decimal.handling.mode,
 * time.precision.mode (default adaptive_time_microseconds for these sources), binary.handling.mode
 * and bigint.unsigned.handling.mode.
 */
#ifndef RC_MYSQL_TYPES_H
#define RC_MYSQL_TYPES_H

#include "agent/conf.h"
#include "agent/table.h"
#include "agent/typemodes.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a column is, as both sides can tell it. The binlog says CHAR and BINARY alike (STRING), and
 * TEXT and BLOB alike (BLOB): the collation tells them apart (63 = binary). */
typedef enum rc_mysql_kind {
	RC_MY_TINYINT = 0,
	RC_MY_SMALLINT,
	RC_MY_MEDIUMINT,
	RC_MY_INT,
	RC_MY_BIGINT,
	RC_MY_FLOAT,
	RC_MY_DOUBLE,
	RC_MY_DECIMAL, /* precision, scale */
	RC_MY_BIT,     /* length = bits (1..64) */
	RC_MY_YEAR,
	RC_MY_DATE,
	RC_MY_TIME,      /* fsp */
	RC_MY_DATETIME,  /* fsp */
	RC_MY_TIMESTAMP, /* fsp */
	RC_MY_CHAR,      /* CHAR(n) with a text collation */
	RC_MY_VARCHAR,
	RC_MY_TEXT, /* TINYTEXT..LONGTEXT (and MariaDB's JSON, which is LONGTEXT) */
	RC_MY_BINARY,
	RC_MY_VARBINARY,
	RC_MY_BLOB, /* TINYBLOB..LONGBLOB */
	RC_MY_ENUM, /* labels */
	RC_MY_SET,  /* labels */
	RC_MY_JSON, /* MySQL's binary JSON */
	RC_MY_GEOMETRY,
	RC_MY_VECTOR, /* MySQL 9: length = dimensions */
} rc_mysql_kind_t;

/* One column's description. Strings and labels are borrowed for the call that takes it. */
typedef struct rc_mysql_coldef {
	const char *name; /* NULL when the binlog carries no names (then "@1", "@2"... by position) */
	rc_mysql_kind_t kind;
	bool is_unsigned; /* integer kinds, FLOAT, DOUBLE, DECIMAL */
	bool nullable;
	bool key;                  /* part of the primary key */
	int32_t precision;         /* DECIMAL */
	int32_t scale;             /* DECIMAL; FLOAT: > 0 for FLOAT(M,D) (FLOAT64, as Debezium) */
	int32_t fsp;               /* TIME, DATETIME, TIMESTAMP: fractional digits 0..6 */
	int32_t length;            /* BIT: bits; VECTOR: dimensions (0: any); BINARY(n): n bytes, to which
	                            * values are padded (0: unknown, no padding); 0 otherwise */
	uint32_t collation;        /* string kinds: collation id (63 binary); 0 = unknown, an error
	                            * for a text kind (the charset cannot be guessed) */
	const char *const *labels; /* ENUM / SET: the strings, in definition order */
	uint32_t nlabels;
	const char *source_type; /* the type as SQL writes it ("int unsigned", "varchar(20)"), or NULL;
	                          * not used: rc_column_t.source_type is made from kind and is_unsigned
	                          * ("INT UNSIGNED", "VARCHAR"), the same from the binlog and the snapshot */
	/* CHAR(n)/VARCHAR(n): n characters as the snapshot reads them from the DDL's type (char_length),
	 * or the binlog's byte maximum, n times the charset's widest character (max_bytes); 0 = unknown. */
	int32_t char_length;
	int32_t max_bytes;
} rc_mysql_coldef_t;

/* The type modes of a MySQL/MariaDB source. */
typedef struct rc_mysql_modes {
	rc_typemodes_t base; /* decimal, time (default adaptive_time_microseconds), binary */
	bool bigint_precise; /* bigint.unsigned.handling.mode=precise: BIGINT UNSIGNED as Decimal(20,0) */
} rc_mysql_modes_t;

/* Reads the modes from conf (validated by rc_conf_finalize). Returns 0, or RC_ERR_FATAL naming the
 * property. */
int rc_mysql_modes_from_conf(rc_mysql_modes_t *m, const rc_conf_t *conf, char *err, size_t errlen);

/*
 * Fills col (zeroed by rc_table_new) from def under m: name (def->name or "@<index+1>"), type,
 * semantic, precision/scale, length, enum_values, key, optional, source_type. index is the column's
 * 0-based position. Returns 0, or RC_ERR_FATAL with err naming the column: an unknown collation of a
 * text column, a kind rowcast cannot map, out of memory.
 */
int rc_mysql_column_init(rc_column_t *col, size_t index, const rc_mysql_coldef_t *def,
                         const rc_mysql_modes_t *m, char *err, size_t errlen);

/* Debezium's topic of db.table: "<prefix>.<db>.<table>" into buf. Returns 0, or -1 when too long. */
int rc_mysql_topic(char *buf, size_t len, const char *prefix, const char *db, const char *table);

#endif
