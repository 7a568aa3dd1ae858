/* Civil-day arithmetic and the zoned texts of agent/calendar.h. */
#include "config.h"

#include "agent/calendar.h"

#include "agent/decimal.h"

#include <stdbool.h>
#include <string.h>

/* The civil-calendar algorithms of H. Hinnant's "chrono-Compatible Low-Level Date Algorithms":
 * 400-year eras of 146097 days, years starting on March 1st so the leap day comes last. */
int64_t rc_calendar_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = rc_calendar_floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void rc_calendar_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468, era = rc_calendar_floor_div(z, 146097), doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

bool rc_calendar_is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int rc_calendar_month_days(int64_t y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && rc_calendar_is_leap(y) ? 29 : days[m - 1];
}

/* Two digits of v (0..99). */
static char *put2(char *p, int64_t v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* Java's year: four digits at least, '+' above 9999, '-' below 0 ("-0043"). */
static char *put_year(char *p, int64_t y)
{
	uint64_t a = y < 0 ? (uint64_t)0 - (uint64_t)y : (uint64_t)y;

	if (y > 9999)
		*p++ = '+';
	else if (y < 0)
		*p++ = '-';
	if (a > 9999)
		return p + rc_decimal_format_u64(a, p);
	p = put2(p, (int64_t)(a / 100));
	return put2(p, (int64_t)(a % 100));
}

/* "HH:MM:SS" of a second of the day; hours past 99 (never in a valid time) get all their digits. */
static char *put_hms(char *p, int64_t sec)
{
	int64_t h = sec / 3600;

	if (h > 99)
		p += rc_decimal_format_u64((uint64_t)h, p);
	else
		p = put2(p, h);
	*p++ = ':';
	p = put2(p, sec / 60 % 60);
	*p++ = ':';
	return put2(p, sec % 60);
}

/* The fraction of µs frac (0..999999): width digits, or (width <= 0) its digits without trailing
 * zeros and none at all for 0. */
static char *put_fraction(char *p, int64_t frac, int width)
{
	char six[6];

	for (int i = 5; i >= 0; i--, frac /= 10)
		six[i] = (char)('0' + frac % 10);
	if (width <= 0) {
		width = 6;
		while (width > 0 && six[width - 1] == '0')
			width--;
		if (width == 0)
			return p;
	}
	if (width > 9)
		width = 9;
	*p++ = '.';
	for (int i = 0; i < width; i++)
		*p++ = i < 6 ? six[i] : '0';
	return p;
}

size_t rc_calendar_format_zoned_timestamp(char *buf, int64_t days, int64_t tod_us, int width)
{
	int64_t y, t;
	int m, d;
	char *p = buf;

	days += rc_calendar_floor_div(tod_us, RC_CALENDAR_US_PER_DAY);
	t = tod_us - rc_calendar_floor_div(tod_us, RC_CALENDAR_US_PER_DAY) * RC_CALENDAR_US_PER_DAY;
	rc_calendar_civil_from_days(days, &y, &m, &d);
	p = put_year(p, y);
	*p++ = '-';
	p = put2(p, m);
	*p++ = '-';
	p = put2(p, d);
	*p++ = 'T';
	p = put_hms(p, t / RC_CALENDAR_US_PER_SEC);
	/* µs has 6 digits: more are zeros, fewer drop what the source already rounded away */
	p = put_fraction(p, t % RC_CALENDAR_US_PER_SEC, width);
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - buf);
}

static bool digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

size_t rc_calendar_zoned_from_utc_text(char *buf, const char *s, size_t len, int width)
{
	size_t k = 19, nfrac = 0;
	int64_t frac = 0;
	char *p = buf;

	/* "YYYY-MM-DD HH:MM:SS", a year of four digits that is not 0xxx (PostgreSQL's "0044 BC" and
	 * five-digit years take the long way) */
	if (len < 22 || s[0] < '1' || s[0] > '9' || !digits(s + 1, 3) || s[4] != '-' || !digits(s + 5, 2) ||
	    s[7] != '-' || !digits(s + 8, 2) || s[10] != ' ' || !digits(s + 11, 2) || s[13] != ':' ||
	    !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
		return 0;
	if (two(s + 5) < 1 || two(s + 5) > 12 || two(s + 8) < 1 || two(s + 8) > 31 || two(s + 11) > 23 ||
	    two(s + 14) > 59 || two(s + 17) > 59)
		return 0;
	if (s[k] == '.') {
		for (k++; k < len && nfrac < 7 && s[k] >= '0' && s[k] <= '9'; k++, nfrac++)
			frac = frac * 10 + (s[k] - '0');
		if (nfrac == 0 || nfrac > 6)
			return 0;
		for (size_t i = nfrac; i < 6; i++)
			frac *= 10;
	}
	/* exactly "+00" and nothing after: UTC, so the text is the instant as it stands */
	if (len != k + 3 || s[k] != '+' || s[k + 1] != '0' || s[k + 2] != '0')
		return 0;
	memcpy(p, s, 10);
	p[10] = 'T';
	memcpy(p + 11, s + 11, 8);
	p = put_fraction(p + 19, frac, width);
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - buf);
}

size_t rc_calendar_format_zoned_time(char *buf, int64_t tod_us)
{
	char *p = put_hms(buf, tod_us / RC_CALENDAR_US_PER_SEC);

	p = put_fraction(p, tod_us % RC_CALENDAR_US_PER_SEC, 0);
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - buf);
}
