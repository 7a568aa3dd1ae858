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

/* Integer kinds, YEAR (the full year: 1901..2155, 0 for YEAR 0000, which becomes 1900 as in
 * Debezium's stream), and BIT(1)/BIT(n) as an
 * unsigned number of length bits. Signed kinds and YEAR read i; unsigned kinds and BIT read u (pass
 * the value's bits there; the other argument is ignored). A value outside the column's type (128 in
 * a TINYINT, a bit beyond BIT(n)) is an error. BIGINT UNSIGNED: long mode gives the bits as a signed
 * long (18446744073709551615 is -1, as Debezium sends it), precise mode Decimal(20,0) bytes. */
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

/* DATE, TIME, DATETIME (no time zone: the wall clock as written). A zero year, month or day gives
 * null (Debezium's binlog reader: year == 0 || month == 0 || day == 0); a day the month does not have
 * (2023-02-29), a field out of range or a TIME beyond 838:59:59 is an error. */
int rc_mysql_value_datetime(const rc_column_t *col, const rc_mysql_coldef_t *def,
                            const rc_mysql_datetime_t *dt, rc_arena_t *arena, rc_value_t *out, char *err,
                            size_t errlen);

/* TIMESTAMP as seconds since the epoch (UTC) and microseconds: ZonedTimestamp text in UTC with
 * exactly def->fsp fraction digits ("2024-01-02T03:04:05Z", TIMESTAMP(3) "...05.100Z"), as Debezium's
 * ZonedTimestamp.toIsoString with the column's length. The zero TIMESTAMP (0, 0) is null. */
int rc_mysql_value_timestamp(const rc_column_t *col, const rc_mysql_coldef_t *def, int64_t sec, int32_t micro,
                             rc_arena_t *arena, rc_value_t *out, char *err, size_t errlen);

/* CHAR, VARCHAR, TEXT (bytes in the column's collation's charset, converted to UTF-8; invalid bytes
 * are an error naming the column and the offset, never replaced), BINARY, VARBINARY, BLOB and text
 * kinds with collation 63 (binary.handling.mode; BINARY(n) values are padded with 0x00 to
 * def->length bytes, as Debezium does), MariaDB JSON text, GEOMETRY (MySQL's internal form: a
 * little-endian 4-byte SRID then WKB; the value's bytes are the WKB and bytes.scale the SRID, 0 for
 * none), VECTOR (little-endian floats: an array of FLOAT32 items). p is borrowed for the call. */
int rc_mysql_value_bytes(const rc_column_t *col, const rc_mysql_coldef_t *def, const void *p, size_t len,
                         rc_arena_t *arena, rc_value_t *out, char *err, size_t errlen);

/* ENUM by 1-based index (0: the empty string MySQL stores for an invalid value; beyond the labels:
 * an error, as in Debezium), SET by bit mask (the labels of the set bits in definition order, "a,c";
 * 0 is ""; a bit beyond the labels is an error). */
int rc_mysql_value_enum(const rc_column_t *col, const rc_mysql_coldef_t *def, uint64_t index_or_mask,
                        rc_arena_t *arena, rc_value_t *out, char *err, size_t errlen);

/* A JSON document as UTF-8 text (what binlog_json.c makes of MySQL's binary JSON, or the text
 * protocol's JSON), copied into the arena. */
int rc_mysql_value_json_text(const rc_column_t *col, const char *text, size_t len, rc_arena_t *arena,
                             rc_value_t *out, char *err, size_t errlen);

#endif
