/*
 * Civil dates and the ISO-8601 texts Debezium prints for zoned times, for every source: the
 * proleptic Gregorian calendar as PostgreSQL, MySQL and java.time compute it, with astronomical years
 * (1 BC is year 0, 44 BC is -43). Days count from 1970-01-01. Pure functions; the databases' own text
 * formats are parsed by their decoders (decoders/postgres/pg_datetime.c).
 */
#ifndef RC_CALENDAR_H
#define RC_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RC_CALENDAR_US_PER_SEC INT64_C(1000000)
#define RC_CALENDAR_US_PER_DAY (INT64_C(86400) * RC_CALENDAR_US_PER_SEC)

/* Room for any text the formatters below write, NUL included ("+25252734927766554-07-27T..."). */
#define RC_CALENDAR_TEXT_MAX 64

/* a / b rounded toward minus infinity (b != 0): Java's Math.floorDiv, what Instant.toEpochMilli()
 * does to a negative time. */
static inline int64_t rc_calendar_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Days since 1970-01-01 of y-m-d (m 1..12, d 1..31; any astronomical year whose days fit), and
 * back. */
int64_t rc_calendar_days_from_civil(int64_t y, int m, int d);
void rc_calendar_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

bool rc_calendar_is_leap(int64_t y);

/* Days in month m (1..12) of year y. */
int rc_calendar_month_days(int64_t y, int m);

/*
 * Writes the UTC instant days + tod_us (tod_us may be any value: it is folded into days) as Java's
 * ISO_OFFSET_DATE_TIME prints it, Debezium's ZonedTimestamp: "2026-11-24T10:15:30.123456Z",
 * "+10000-01-01T00:00:00Z", "-0043-03-15T10:00:00Z". width 1..9: exactly that many fraction digits
 * (beyond the 6 of µs they are zeros; widths over 9 count as 9); 0 or less: the fraction's digits
 * without trailing zeros, none for a whole second. buf has room for RC_CALENDAR_TEXT_MAX; the text is
 * NUL-terminated. Returns its length. Digits are written by hand: this runs for every timestamptz.
 */
size_t rc_calendar_format_zoned_timestamp(char *buf, int64_t days, int64_t tod_us, int width);

/*
 * The same text, straight from PostgreSQL's output of a timestamptz in UTC ("YYYY-MM-DD
 * HH:MM:SS[.ffffff]+00", year 1000 to 9999): no calendar arithmetic, since that text is already the
 * instant in UTC. Returns the length written to buf (room for RC_CALENDAR_TEXT_MAX), or 0 when s has
 * any other shape (another offset, BC, infinity, a five-digit year): then parse and format.
 */
size_t rc_calendar_zoned_from_utc_text(char *buf, const char *s, size_t len, int width);

/* Writes a UTC time of day (0 .. RC_CALENDAR_US_PER_DAY inclusive) as ISO_OFFSET_TIME prints it,
 * Debezium's ZonedTime: "10:15:30Z", "10:15:30.5Z", "24:00:00Z". buf and the result as above. */
size_t rc_calendar_format_zoned_time(char *buf, int64_t tod_us);

#endif
