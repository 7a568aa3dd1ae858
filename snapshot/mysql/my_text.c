/* MySQL text-protocol values into value parts (my_text.h has the formats). */
#include "config.h"

#include "snapshot/mysql/my_text.h"

#include "agent/calendar.h"

#include <stdlib.h>
#include <string.h>

int rc_my_text_int(const char *s, size_t len, bool is_unsigned, int64_t *i, uint64_t *u)
{
	bool neg = false;
	uint64_t v = 0;
	size_t k = 0;

	if (len > 0 && s[0] == '-' && !is_unsigned) {
		neg = true;
		k = 1;
	}
	if (k == len || len - k > 20)
		return -1;
	for (; k < len; k++) {
		unsigned d = (unsigned char)s[k] - '0';
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (is_unsigned) {
		*u = v;
		*i = (int64_t)v;
		return 0;
	}
	if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
		return -1;
	*i = neg ? (int64_t)(0 - v) : (int64_t)v;
	*u = (uint64_t)*i;
	return 0;
}

/* Exactly n digits at *p (advanced) into *out. */
static int digits(const char **p, const char *end, int n, int32_t *out)
{
	int32_t v = 0;

	if (end - *p < n)
		return -1;
	for (int k = 0; k < n; k++) {
		unsigned d = (unsigned char)(*p)[k] - '0';
		if (d > 9)
			return -1;
		v = v * 10 + (int32_t)d;
	}
	*p += n;
	*out = v;
	return 0;
}

static int expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -1;
	(*p)++;
	return 0;
}

/* YYYY-MM-DD */
static int date_part(const char **p, const char *end, rc_mysql_datetime_t *dt)
{
	if (digits(p, end, 4, &dt->year) || expect(p, end, '-') || digits(p, end, 2, &dt->month) ||
	    expect(p, end, '-') || digits(p, end, 2, &dt->day))
		return -1;
	return dt->month <= 12 && dt->day <= 31 ? 0 : -1;
}

/* .f..ffffff (optional; 1..6 digits) as microseconds. */
static int fraction(const char **p, const char *end, int32_t *micro)
{
	int n = 0;

	*micro = 0;
	if (*p == end)
		return 0;
	if (expect(p, end, '.'))
		return -1;
	for (; *p < end && n < 6; (*p)++, n++) {
		unsigned d = (unsigned char)**p - '0';
		if (d > 9)
			return -1;
		*micro = *micro * 10 + (int32_t)d;
	}
	if (n == 0)
		return -1;
	for (; n < 6; n++)
		*micro *= 10;
	return 0;
}

/* MM:SS after the hours. */
static int min_sec(const char **p, const char *end, rc_mysql_datetime_t *dt)
{
	if (expect(p, end, ':') || digits(p, end, 2, &dt->minute) || expect(p, end, ':') ||
	    digits(p, end, 2, &dt->second))
		return -1;
	return dt->minute <= 59 && dt->second <= 59 ? 0 : -1;
}

int rc_my_text_datetime(const char *s, size_t len, rc_mysql_kind_t kind, rc_mysql_datetime_t *dt)
{
	const char *p = s, *end = s + len;

	memset(dt, 0, sizeof *dt);
	switch (kind) {
	case RC_MY_DATE:
		if (date_part(&p, end, dt))
			return -1;
		break;
	case RC_MY_TIME: {
		int n = 0;
		if (p < end && *p == '-') {
			dt->negative = true;
			p++;
		}
		for (; p < end && *p >= '0' && *p <= '9' && n < 4; p++, n++)
			dt->hour = dt->hour * 10 + (*p - '0');
		if (n == 0 || dt->hour > 838 || min_sec(&p, end, dt) || fraction(&p, end, &dt->micro))
			return -1;
		break;
	}
	case RC_MY_DATETIME:
	case RC_MY_TIMESTAMP:
		if (date_part(&p, end, dt) || expect(&p, end, ' ') || digits(&p, end, 2, &dt->hour) ||
		    dt->hour > 23 || min_sec(&p, end, dt) || fraction(&p, end, &dt->micro))
			return -1;
		break;
	default:
		return -1;
	}
	return p == end ? 0 : -1;
}

int rc_my_text_timestamp(const char *s, size_t len, int64_t *sec, int32_t *micro)
{
	rc_mysql_datetime_t dt;

	if (rc_my_text_datetime(s, len, RC_MY_TIMESTAMP, &dt) != 0)
		return -1;
	if (dt.year == 0 && dt.month == 0 && dt.day == 0) {
		if (dt.hour || dt.minute || dt.second || dt.micro)
			return -1;
		*sec = 0;
		*micro = 0;
		return 0;
	}
	if (dt.month < 1 || dt.day < 1 || dt.day > rc_calendar_month_days(dt.year, dt.month))
		return -1;
	*sec = rc_calendar_days_from_civil(dt.year, dt.month, dt.day) * 86400 + dt.hour * 3600 +
	       dt.minute * 60 + dt.second;
	*micro = dt.micro;
	return 0;
}

char *rc_my_quote_ident(const char *name)
{
	size_t n = strlen(name), k = 0;
	char *q = malloc(2 * n + 3);

	if (!q)
		return NULL;
	q[k++] = '`';
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '`')
			q[k++] = '`';
		q[k++] = name[i];
	}
	q[k++] = '`';
	q[k] = '\0';
	return q;
}

/* The character a backslash escape of the server's append_unescaped() stands for. */
static char unescape(char c)
{
	switch (c) {
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 'Z':
		return '\032';
	default:
		return c; /* \\ and \' (and \0, which a C string cannot hold, as '0') */
	}
}

int rc_my_parse_labels(const char *column_type, char ***labels, uint32_t *n)
{
	const char *p = strchr(column_type, '(');
	char **out = NULL;
	uint32_t cnt = 0, cap = 0;

	*labels = NULL;
	*n = 0;
	if (!p)
		return -1;
	p++;
	while (*p == '\'') {
		/* A label is at most as long as its quoted text. */
		char *lab = malloc(strlen(p) + 1);
		size_t len = 0;

		if (!lab)
			goto bad;
		for (p++;; p++) {
			if (!*p) {
				free(lab);
				goto bad;
			}
			if (*p == '\\' && p[1]) {
				lab[len++] = unescape(*++p);
				continue;
			}
			if (*p == '\'' && p[1] == '\'') { /* a doubled quote */
				lab[len++] = *p++;
				continue;
			}
			if (*p == '\'')
				break;
			lab[len++] = *p;
		}
		lab[len] = '\0';
		if (cnt == cap) {
			uint32_t c = cap ? cap * 2 : 8;
			char **o = realloc(out, c * sizeof *o);
			if (!o) {
				free(lab);
				goto bad;
			}
			out = o;
			cap = c;
		}
		out[cnt++] = lab;
		p++; /* the closing quote */
		if (*p == ',')
			p++;
	}
	if (p[0] != ')' || p[1])
		goto bad;
	*labels = out;
	*n = cnt;
	return 0;
bad:
	for (uint32_t i = 0; i < cnt; i++)
		free(out[i]);
	free(out);
	return -1;
}
