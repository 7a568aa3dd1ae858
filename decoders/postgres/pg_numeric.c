#include "config.h"

#include "decoders/postgres/pg_numeric.h"

#include <stdio.h>
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
	size_t i = 0, start;

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
		num->negative = true;
		return 0;
	}
	if (i < len && (s[i] == '-' || s[i] == '+'))
		num->negative = s[i++] == '-';
	start = i;
	while (i < len && is_digit(s[i]))
		i++;
	num->ip = s + start;
	num->ni = i - start;
	if (i < len && s[i] == '.') {
		start = ++i;
		while (i < len && is_digit(s[i]))
			i++;
		num->fp = s + start;
		num->nf = i - start;
	}
	if (i != len || num->ni + num->nf == 0)
		return -1;
	while (num->ni > 0 && num->ip[0] == '0') {
		num->ip++;
		num->ni--;
	}
	return 0;
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
			num->negative = true;
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
	num->ip = num->buf;
	num->ni = n - (size_t)scale;
	num->fp = num->buf + num->ni;
	num->nf = (size_t)scale;
	while (num->ni > 0 && num->ip[0] == '0') {
		num->ip++;
		num->ni--;
	}
	return 0;
}

int rc_pg_num_unscaled(const rc_pg_num_t *num, int32_t scale, rc_arena_t *arena, const char **digits,
                       size_t *n, bool *negative)
{
	size_t keep, total, w = 0, lead = 0;
	char *d;

	if (scale < 0 || num->kind != RC_PG_NUM_FINITE)
		return -1;
	keep = num->nf < (size_t)scale ? num->nf : (size_t)scale;
	for (size_t i = keep; i < num->nf; i++)
		if (num->fp[i] != '0')
			return RC_PG_NUM_INEXACT;
	total = num->ni + (size_t)scale;
	d = rc_arena_alloc(arena, total + 2);
	if (!d)
		return -1;
	if (num->ni)
		memcpy(d, num->ip, num->ni);
	w = num->ni;
	if (keep)
		memcpy(d + w, num->fp, keep);
	w += keep;
	memset(d + w, '0', (size_t)scale - keep);
	w = total;
	while (lead < w && d[lead] == '0')
		lead++;
	if (lead == w) {
		d[0] = '0';
		d[1] = '\0';
		*digits = d;
		*n = 1;
		*negative = false;
		return 0;
	}
	d[w] = '\0';
	*digits = d + lead;
	*n = w - lead;
	*negative = num->negative;
	return 0;
}

int rc_pg_decimal_to_twos(const char *digits, size_t n, bool negative, rc_arena_t *arena,
                          const unsigned char **out, size_t *outlen)
{
	/* Magnitude in little-endian 32-bit limbs: ceil(n * log2(10) / 32) + 1 is enough. */
	size_t cap = n / 9 + 2, nl = 0, nb, i, first;
	uint32_t *limb;
	unsigned char *b;
	bool zero;

	if (n == 0)
		return -1;
	limb = rc_arena_calloc(arena, cap, sizeof *limb);
	if (!limb)
		return -1;
	for (i = 0; i < n;) {
		/* The first chunk takes n % 9 digits so the others take exactly nine. */
		size_t take = i == 0 && n % 9 ? n % 9 : 9;
		uint32_t chunk = 0, mul = 1;
		uint64_t carry;

		for (size_t k = 0; k < take; k++, i++) {
			if (!is_digit(digits[i]))
				return -1;
			chunk = chunk * 10 + (uint32_t)(digits[i] - '0');
			mul *= 10;
		}
		carry = chunk;
		for (size_t k = 0; k < nl; k++) {
			uint64_t v = (uint64_t)limb[k] * mul + carry;
			limb[k] = (uint32_t)v;
			carry = v >> 32;
		}
		if (carry)
			limb[nl++] = (uint32_t)carry;
	}
	/* Big-endian magnitude bytes, one spare byte in front for the sign. */
	nb = nl * 4 + 1;
	b = rc_arena_alloc(arena, nb);
	if (!b)
		return -1;
	b[0] = 0;
	for (size_t k = 0; k < nl; k++) {
		size_t at = nb - 1 - k * 4;
		b[at] = (unsigned char)limb[k];
		b[at - 1] = (unsigned char)(limb[k] >> 8);
		b[at - 2] = (unsigned char)(limb[k] >> 16);
		b[at - 3] = (unsigned char)(limb[k] >> 24);
	}
	first = 1;
	while (first < nb && b[first] == 0)
		first++;
	zero = first == nb;
	if (zero) {
		b[0] = 0;
		*out = b;
		*outlen = 1;
		return 0;
	}
	if (!negative) {
		if (b[first] & 0x80)
			first--; /* keep a 00 so the sign bit reads positive */
		*out = b + first;
		*outlen = nb - first;
		return 0;
	}
	/* Two's complement over the magnitude's own length: invert, add one. */
	{
		unsigned carry = 1;
		for (size_t k = nb; k-- > first;) {
			unsigned v = (unsigned)(unsigned char)~b[k] + carry;
			b[k] = (unsigned char)v;
			carry = v >> 8;
		}
	}
	if (!(b[first] & 0x80)) {
		/* |value| > 2^(8k-1): k bytes cannot hold it, a leading ff carries the sign. */
		b[--first] = 0xff;
	}
	*out = b + first;
	*outlen = nb - first;
	return 0;
}

char *rc_pg_decimal_java_string(const char *digits, size_t n, bool negative, int32_t scale, rc_arena_t *arena)
{
	/* BigDecimal.toString: adjusted = -scale + (n - 1); plain notation when scale >= 0 and
	 * adjusted >= -6, else one digit, the rest after a point, and E<adjusted>. */
	int64_t adjusted = -(int64_t)scale + (int64_t)n - 1;
	size_t cap = n + (size_t)(scale > 0 ? scale : 0) + 32, w = 0;
	char *s = rc_arena_alloc(arena, cap);
	bool zero = n == 1 && digits[0] == '0';

	if (!s || n == 0)
		return NULL;
	if (negative && !zero)
		s[w++] = '-';
	if (scale >= 0 && adjusted >= -6) {
		if (scale == 0) {
			memcpy(s + w, digits, n);
			w += n;
		} else if (n > (size_t)scale) {
			memcpy(s + w, digits, n - (size_t)scale);
			w += n - (size_t)scale;
			s[w++] = '.';
			memcpy(s + w, digits + n - (size_t)scale, (size_t)scale);
			w += (size_t)scale;
		} else {
			s[w++] = '0';
			s[w++] = '.';
			memset(s + w, '0', (size_t)scale - n);
			w += (size_t)scale - n;
			memcpy(s + w, digits, n);
			w += n;
		}
		s[w] = '\0';
		return s;
	}
	s[w++] = digits[0];
	if (n > 1) {
		s[w++] = '.';
		memcpy(s + w, digits + 1, n - 1);
		w += n - 1;
	}
	s[w++] = 'E';
	if (adjusted > 0)
		s[w++] = '+';
	w += (size_t)snprintf(s + w, cap - w, "%lld", (long long)adjusted);
	return s;
}
