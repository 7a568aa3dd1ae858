/*
 * The PostgreSQL values Debezium gives semantic types beyond the built-in scalars (point, PostGIS
 * geometry/geography, hstore, interval as ISO 8601), converted from their text output; used by
 * pg_values.c's dispatch on rc_column_t.source_conv. Internal to decoders/postgres.
 *
 * Each returns 0 with out set (arena memory), RC_PG_EXT_BAD when the text is malformed, or
 * RC_PG_EXT_OOM when the arena is exhausted; the caller words the error with the column and text.
 */
#ifndef RC_PG_VALUES_EXT_H
#define RC_PG_VALUES_EXT_H

#include "agent/arena.h"
#include "agent/event.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RC_PG_EXT_BAD (-1)
#define RC_PG_EXT_OOM (-2)

/* strtod (strtof with single) of the NUL-terminated buf in the C locale, whatever setlocale says;
 * *end as strtod sets it. Returns 0, or -1 when the C locale cannot be made. */
int rc_pg_strtod_c(const char *buf, bool single, double *out, char **end);

/* point "(x,y)": the 21-byte little-endian WKB Debezium's Point.createValue builds (type 1, x, y). */
int rc_pg_conv_point(const char *s, size_t len, rc_arena_t *arena, rc_value_t *out);

/* PostGIS hex EWKB: bytes = the EWKB as it is (Debezium's wkb), scale = its SRID (0 when the SRID
 * flag 0x20000000 is not set: null in the record). */
int rc_pg_conv_ewkb(const char *s, size_t len, rc_arena_t *arena, rc_value_t *out);

/* hstore text ("a"=>"1", "b"=>NULL). json: one STRING of a JSON object in the order Java's HashMap
 * iterates (Debezium's Jackson writer over pgjdbc's HStoreConverter map); !json: an RC_T_MAP value
 * (items key, value, ...) in the text's order. */
int rc_pg_conv_hstore(const char *s, size_t len, bool json, rc_arena_t *arena, rc_value_t *out);

/* interval text (IntervalStyle postgres) as Debezium's Interval.toIsoString of pgjdbc's PGInterval:
 * "P<years>Y<months>M<days>DT<hours>H<minutes>M<seconds>S", seconds without trailing zeros. */
int rc_pg_conv_interval_iso(const char *s, size_t len, rc_arena_t *arena, rc_value_t *out);

/* An interval's µs as Debezium's MicroDuration.durationMicros computes them from pgjdbc's PGInterval:
 * in doubles, a month of 365.25 / 12 days, ((((years * 12 + months) * 30.4375 + days) * 24 + hours) *
 * 60 + minutes) * 60 + seconds, times 1e6, cast as Java casts to long (toward zero, saturating; NaN
 * 0). Exact integers would differ by 1 µs for some values. *clamped is set when the cast saturated. */
int64_t rc_pg_interval_micros(int64_t months, int64_t days, int64_t us, bool *clamped);

/* The JSON object {"<key>":"<value>"} as Jackson writes it, into the arena (NUL-terminated), or NULL. */
char *rc_pg_hstore_json_pair(const char *key, size_t klen, const char *val, size_t vlen, rc_arena_t *arena);

#endif
