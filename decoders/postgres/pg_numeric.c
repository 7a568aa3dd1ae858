#include "config.h"

#include "decoders/postgres/pg_numeric.h"

#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool text_is(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

int rc_pg_num_parse(const char *s, size_t len, rc_pg_num_t *num)
{
	memset(num, 0, sizeof *num);
	if (text_is(s, len, "NaN")) {
		num->kind = RC_PG_NUM_NAN;
		return 0;
	}
	if (text_is(s, len, "Infinity")) {
		num->kind = RC_PG_NUM_PINF;
		return 0;
	}
	if (text_is(s, len, "-Infinity")) {
		num->kind = RC_PG_NUM_NINF;
		num->dec.negative = true;
		return 0;
	}
	return rc_decimal_parse(s, len, &num->dec) == 0 ? 0 : -1;
}

int rc_pg_money_parse(const char *s, size_t len, int scale, rc_pg_num_t *num)
{
	size_t n = 0, last = 0;
	bool any = false;

	memset(num, 0, sizeof *num);
	if (scale < 0 || (size_t)scale >= sizeof num->buf)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (is_digit(s[i])) {
			if (n + 1 >= sizeof num->buf)
				return -1;
			num->buf[n++] = s[i];
			last = i;
			any = true;
		} else if (s[i] == '-' || s[i] == '(') {
			num->dec.negative = true;
		}
	}
	if (!any || n < (size_t)scale)
		return -1;
	if (scale > 0) {
		/* The last `scale` digits are contiguous and follow a separator. */
		size_t first = last + 1 - (size_t)scale;
		for (size_t i = first; i <= last; i++)
			if (!is_digit(s[i]))
				return -1;
		if (first < 2 || is_digit(s[first - 1]))
			return -1;
		/* cash_out prints an integer digit too ("$0.05"): "$12" is not money at scale 2 */
		{
			bool before = false;
			for (size_t i = 0; i + 1 < first; i++)
				before |= is_digit(s[i]);
			if (!before)
				return -1;
		}
	}
	num->buf[n] = '\0';
	num->dec.ip = num->buf;
	num->dec.ni = n - (size_t)scale;
	num->dec.fp = num->buf + num->dec.ni;
	num->dec.nf = (size_t)scale;
	while (num->dec.ni > 0 && num->dec.ip[0] == '0') {
		num->dec.ip++;
		num->dec.ni--;
	}
	return 0;
}
