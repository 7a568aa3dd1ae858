#include "config.h"

#include "decoders/postgres/pg_datetime.h"

#include "agent/calendar.h"

#include <string.h>

#define US_PER_SEC RC_CALENDAR_US_PER_SEC

/* A bounded text and a read position. */
typedef struct cur {
	const char *s;
	size_t len, i;
} cur_t;

static bool eat(cur_t *c, char ch)
{
	if (c->i < c->len && c->s[c->i] == ch) {
		c->i++;
		return true;
	}
	return false;
}

/* Reads min..max decimal digits into *v. */
static bool num(cur_t *c, int min, int max, int64_t *v)
{
	int n = 0;

	*v = 0;
	while (n < max && c->i < c->len && c->s[c->i] >= '0' && c->s[c->i] <= '9') {
		*v = *v * 10 + (c->s[c->i++] - '0');
		n++;
	}
	return n >= min;
}

static bool text_is(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

/* Strips a trailing " BC" from the text's length; true if there was one. */
static bool strip_bc(const char *s, size_t *len)
{
	if (*len >= 3 && memcmp(s + *len - 3, " BC", 3) == 0) {
		*len -= 3;
		return true;
	}
	return false;
}

/* YYYY-MM-DD (years of 1 to 9 digits); bc turns year Y into 1 - Y. */
static int date_part(cur_t *c, bool bc, int64_t *days)
{
	int64_t y, m, d;

	if (!num(c, 1, 9, &y) || !eat(c, '-') || !num(c, 2, 2, &m) || !eat(c, '-') || !num(c, 2, 2, &d))
		return -1;
	if (bc) {
		if (y == 0)
			return -1;
		y = 1 - y;
	}
	if (m < 1 || m > 12 || d < 1 || d > rc_calendar_month_days(y, (int)m))
		return -1;
	*days = rc_calendar_days_from_civil(y, (int)m, (int)d);
	return 0;
}

/* HH:MM:SS[.f{1,6}]; allow24: 24:00:00 (time types; timestamps never print it). */
static int time_part(cur_t *c, bool allow24, int64_t *us)
{
	int64_t h, mi, sec, frac = 0;

	if (!num(c, 2, 2, &h) || !eat(c, ':') || !num(c, 2, 2, &mi) || !eat(c, ':') || !num(c, 2, 2, &sec))
		return -1;
	if (eat(c, '.')) {
		size_t start = c->i;
		int64_t scale = 1;
		if (!num(c, 1, 6, &frac))
			return -1;
		for (size_t k = c->i - start; k < 6; k++)
			scale *= 10;
		frac *= scale;
		if (c->i < c->len && c->s[c->i] >= '0' && c->s[c->i] <= '9')
			return -1; /* more than microseconds */
	}
	if (mi > 59 || sec > 59 || h > 24 || (h == 24 && (!allow24 || mi || sec || frac)))
		return -1;
	*us = ((h * 60 + mi) * 60 + sec) * US_PER_SEC + frac;
	return 0;
}

/* +HH, -HH:MM, +HH:MM:SS: seconds east of UTC. */
static int offset_part(cur_t *c, int32_t *offset)
{
	int64_t h, m = 0, s = 0;
	bool neg;

	if (c->i >= c->len || (c->s[c->i] != '+' && c->s[c->i] != '-'))
		return -1;
	neg = c->s[c->i++] == '-';
	if (!num(c, 2, 2, &h))
		return -1;
	if (eat(c, ':')) {
		if (!num(c, 2, 2, &m))
			return -1;
		if (eat(c, ':') && !num(c, 2, 2, &s))
			return -1;
	}
	if (h > 15 || m > 59 || s > 59) /* PostgreSQL allows offsets up to 15:59:59 */
		return -1;
	*offset = (int32_t)((h * 60 + m) * 60 + s) * (neg ? -1 : 1);
	return 0;
}

static bool infinity(const char *s, size_t len, rc_pg_datetime_t *dt)
{
	if (text_is(s, len, "infinity")) {
		dt->inf = 1;
		return true;
	}
	if (text_is(s, len, "-infinity")) {
		dt->inf = -1;
		return true;
	}
	return false;
}

int rc_pg_parse_date(const char *s, size_t len, rc_pg_datetime_t *dt)
{
	cur_t c = {s, len, 0};
	bool bc;

	memset(dt, 0, sizeof *dt);
	if (infinity(s, len, dt))
		return 0;
	bc = strip_bc(s, &c.len);
	if (date_part(&c, bc, &dt->days) != 0 || c.i != c.len)
		return -1;
	return 0;
}

int rc_pg_parse_timestamp(const char *s, size_t len, bool with_tz, rc_pg_datetime_t *dt)
{
	cur_t c = {s, len, 0};
	bool bc;

	memset(dt, 0, sizeof *dt);
	if (infinity(s, len, dt))
		return 0;
	bc = strip_bc(s, &c.len);
	if (date_part(&c, bc, &dt->days) != 0 || !eat(&c, ' ') || time_part(&c, false, &dt->tod_us) != 0)
		return -1;
	if (with_tz && offset_part(&c, &dt->offset_s) != 0)
		return -1;
	return c.i == c.len ? 0 : -1;
}

int rc_pg_parse_time(const char *s, size_t len, bool with_tz, rc_pg_datetime_t *dt)
{
	cur_t c = {s, len, 0};

	memset(dt, 0, sizeof *dt);
	if (time_part(&c, true, &dt->tod_us) != 0)
		return -1;
	if (with_tz && offset_part(&c, &dt->offset_s) != 0)
		return -1;
	return c.i == c.len ? 0 : -1;
}

int rc_pg_parse_interval(const char *s, size_t len, int64_t *months, int64_t *days, int64_t *us, int *inf)
{
	cur_t c = {s, len, 0};
	bool any = false, seen_time = false;

	*months = *days = *us = 0;
	*inf = 0;
	if (text_is(s, len, "infinity") || text_is(s, len, "-infinity")) {
		*inf = s[0] == '-' ? -1 : 1;
		return 0;
	}
	while (c.i < c.len) {
		size_t start = c.i, end = c.i;
		bool neg = false;
		int64_t v;

		while (end < c.len && s[end] != ' ')
			end++;
		if (end == start)
			return -1; /* two blanks, or a leading or trailing one */
		if (memchr(s + start, ':', end - start)) {
			/* [+-]H+:MM:SS[.f]: hours are not bounded to a day */
			int64_t h, mi, sec, frac = 0, scale = 1;
			if (seen_time)
				return -1;
			seen_time = true;
			if (eat(&c, '-'))
				neg = true;
			else
				eat(&c, '+');
			if (!num(&c, 1, 10, &h) || !eat(&c, ':') || !num(&c, 2, 2, &mi) || !eat(&c, ':') ||
			    !num(&c, 2, 2, &sec) || mi > 59 || sec > 59)
				return -1;
			if (eat(&c, '.')) {
				size_t fs = c.i;
				if (!num(&c, 1, 6, &frac))
					return -1;
				for (size_t k = c.i - fs; k < 6; k++)
					scale *= 10;
				frac *= scale;
			}
			if (c.i != end)
				return -1;
			/* h < 10^10: the seconds fit; their µs may not (PostgreSQL's own bound is
			 * 2562047788 hours, INT64_MAX µs) */
			if (__builtin_mul_overflow((h * 60 + mi) * 60 + sec, US_PER_SEC, &v) ||
			    __builtin_add_overflow(v, frac, &v))
				return -1;
			*us = neg ? -v : v;
		} else {
			/* [+-]N unit */
			size_t ustart, uend;
			if (eat(&c, '-'))
				neg = true;
			else
				eat(&c, '+');
			if (!num(&c, 1, 10, &v) || c.i != end || !eat(&c, ' '))
				return -1;
			ustart = uend = c.i;
			while (uend < c.len && s[uend] != ' ')
				uend++;
			if (neg)
				v = -v;
			if (text_is(s + ustart, uend - ustart, "year") ||
			    text_is(s + ustart, uend - ustart, "years"))
				*months += v * 12;
			else if (text_is(s + ustart, uend - ustart, "mon") ||
			         text_is(s + ustart, uend - ustart, "mons"))
				*months += v;
			else if (text_is(s + ustart, uend - ustart, "day") ||
			         text_is(s + ustart, uend - ustart, "days"))
				*days += v;
			else
				return -1;
			c.i = uend;
			end = uend;
		}
		any = true;
		if (c.i < c.len && (!eat(&c, ' ') || c.i == c.len))
			return -1;
	}
	return any ? 0 : -1;
}
