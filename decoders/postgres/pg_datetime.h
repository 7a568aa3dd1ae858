/*
 * PostgreSQL's date/time text output (DateStyle=ISO, IntervalStyle=postgres) read into numbers. Pure
 * functions over bounded text (no NUL needed); decoders/postgres/pg_types.c turns their results into
 * column values, with agent/calendar.h's ZonedTimestamp and ZonedTime texts.
 *
 * Calendar: agent/calendar.h's (proleptic Gregorian, astronomical years: "0044-03-15 BC" is year -43).
 * Days count from 1970-01-01.
 */
#ifndef RC_PG_DATETIME_H
#define RC_PG_DATETIME_H

#include "agent/calendar.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rc_pg_datetime {
	int inf;          /* 0 finite; 1 'infinity'; -1 '-infinity' */
	int64_t days;     /* date part, days since 1970-01-01 */
	int64_t tod_us;   /* time of day in µs: 0 .. RC_CALENDAR_US_PER_DAY (24:00:00 only in time/timetz) */
	int32_t offset_s; /* timestamptz / timetz: the printed offset, seconds east of UTC */
} rc_pg_datetime_t;

/* "2026-11-24", "0044-03-15 BC", "infinity", "-infinity". Returns 0, or -1 when malformed or not
 * a real day (2026-02-30). */
int rc_pg_parse_date(const char *s, size_t len, rc_pg_datetime_t *dt);

/* "2026-11-24 10:15:30.123456" (1-6 fraction digits), with_tz: followed by "+05:30", "-03",
 * "+00:53:28"; either with a trailing " BC"; or "infinity", "-infinity". Returns 0 or -1. */
int rc_pg_parse_timestamp(const char *s, size_t len, bool with_tz, rc_pg_datetime_t *dt);

/* "10:15:30.123456", "24:00:00"; with_tz: "10:15:30.5-03". Returns 0 or -1. */
int rc_pg_parse_time(const char *s, size_t len, bool with_tz, rc_pg_datetime_t *dt);

/*
 * IntervalStyle postgres: "1 year 2 mons -3 days +04:05:06.789", "-00:00:01", "1000000:00:00",
 * "00:00:00" (PostgreSQL 17's "infinity" / "-infinity" set *inf to 1 / -1). Returns 0 with the
 * interval's fields (years folded into months), or -1 when malformed.
 */
int rc_pg_parse_interval(const char *s, size_t len, int64_t *months, int64_t *days, int64_t *us, int *inf);

#endif
