/*
 * Values of MySQL/MariaDB columns from their decoded parts, under the column's mapping
 * (mysql_types.h): the binlog row decoder (binlog_rows.c) takes the parts from the row image, the
 * snapshot (snapshot/mysql/) from the text protocol; both end here, so one row has one value
 * whichever way it came. Each builder sets *out (RC_V_SET) with anything it makes in arena, or
 * returns RC_ERR_FATAL with err naming the column and the value at fault (a date Avro cannot hold,
 * text not valid in its charset, a JSON document that does not decode).
 *
 * Zero dates (0000-00-00, and DATETIME/TIMESTAMP zero values) and dates with a zero month or day
 * follow Debezium: null.
 */
#ifndef RC_MYSQL_VALUES_H
#define RC_MYSQL_VALUES_H

#include "agent/arena.h"
#include "agent/decimal.h"
#include "agent/event.h"
#include "decoders/mysql/mysql_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Integer kinds, YEAR (the full year: 1901..2155, 0 for YEAR 0000), and BIT(1)/BIT(n) as an
 * unsigned number of length bits. For unsigned columns pass the value's bits in u. */
int rc_mysql_value_int(const rc_column_t *col, const rc_mysql_coldef_t *def, int64_t i, uint64_t u,
                       rc_arena_t *arena, rc_value_t *out, char *err, size_t errlen);

/* FLOAT and DOUBLE. */
int rc_mysql_value_double(const rc_column_t *col, const rc_mysql_coldef_t *def, double d, rc_value_t *out);

/* DECIMAL from sign, digits and scale (digits borrowed for the call). */
int rc_mysql_value_decimal(const rc_column_t *col, const rc_mysql_coldef_t *def, const rc_decimal_t *dec,
                           rc_arena_t *arena, rc_value_t *out, char *err, size_t errlen);

/* A broken-down date and time: DATE uses y/m/d, TIME uses negative/hour (may exceed 23: -838..838)/
 * minute/second/micro, DATETIME all but negative. */
typedef struct rc_mysql_datetime {
	bool negative;
	int32_t year, month, day;
	int32_t hour, minute, second;
	int32_t micro; /* 0..999999 */
} rc_mysql_datetime_t;

/* DATE, TIME, DATETIME (no time zone: the wall clock as written). */
int rc_mysql_value_datetime(const rc_column_t *col, const rc_mysql_coldef_t *def,
                            const rc_mysql_datetime_t *dt, rc_arena_t *arena, rc_value_t *out, char *err,
                            size_t errlen);

/* TIMESTAMP as seconds since the epoch (UTC) and microseconds: ZonedTimestamp text in UTC. The zero
 * TIMESTAMP (0, 0) is null. */
int rc_mysql_value_timestamp(const rc_column_t *col, const rc_mysql_coldef_t *def, int64_t sec, int32_t micro,
                             rc_arena_t *arena, rc_value_t *out, char *err, size_t errlen);

/* CHAR, VARCHAR, TEXT (bytes in the column's collation's charset, converted to UTF-8), BINARY,
 * VARBINARY, BLOB (binary.handling.mode), MariaDB JSON text, GEOMETRY (MySQL's internal form: Int4
 * SRID then WKB, as Debezium's {wkb, srid}), VECTOR (little-endian floats). p is borrowed for the
 * call. */
int rc_mysql_value_bytes(const rc_column_t *col, const rc_mysql_coldef_t *def, const void *p, size_t len,
                         rc_arena_t *arena, rc_value_t *out, char *err, size_t errlen);

/* ENUM by 1-based index (0: the empty string MySQL stores for an invalid value), SET by bit mask. */
int rc_mysql_value_enum(const rc_column_t *col, const rc_mysql_coldef_t *def, uint64_t index_or_mask,
                        rc_arena_t *arena, rc_value_t *out, char *err, size_t errlen);

/* A JSON document as UTF-8 text (what binlog_json.c makes of MySQL's binary JSON, or the text
 * protocol's JSON), copied into the arena. */
int rc_mysql_value_json_text(const rc_column_t *col, const char *text, size_t len, rc_arena_t *arena,
                             rc_value_t *out, char *err, size_t errlen);

#endif
