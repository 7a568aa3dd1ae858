/* Decimal text, digits and two's complement (agent/decimal.h), both directions, written once. */
#include "config.h"

#include "agent/decimal.h"

#include "agent/errors.h"

#include <stdlib.h>
#include <string.h>

/* Two's complement values up to this many 32-bit limbs (256 bytes, 616 digits) convert on the stack. */
#define STACK_LIMBS 64

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int rc_decimal_parse(const char *s, size_t len, rc_decimal_text_t *text)
{
	size_t i = 0, start;

	memset(text, 0, sizeof *text);
	if (i < len && (s[i] == '-' || s[i] == '+'))
		text->negative = s[i++] == '-';
	start = i;
	while (i < len && is_digit(s[i]))
		i++;
	text->ip = s + start;
	text->ni = i - start;
	if (i < len && s[i] == '.') {
		start = ++i;
		while (i < len && is_digit(s[i]))
			i++;
		text->fp = s + start;
		text->nf = i - start;
	}
	if (i != len || text->ni + text->nf == 0)
		return RC_ERR_FATAL;
	while (text->ni > 0 && text->ip[0] == '0') {
		text->ip++;
		text->ni--;
	}
	return 0;
}

int rc_decimal_unscaled(const rc_decimal_text_t *text, int32_t scale, rc_arena_t *arena, rc_decimal_t *out)
{
	size_t keep, total, w, lead = 0;
	char *d;

	if (scale < 0)
		return RC_ERR_FATAL;
	keep = text->nf < (size_t)scale ? text->nf : (size_t)scale;
	for (size_t i = keep; i < text->nf; i++)
		if (text->fp[i] != '0')
			return RC_DECIMAL_INEXACT;
	total = text->ni + (size_t)scale;
	d = rc_arena_alloc(arena, total + 2);
	if (!d)
		return RC_ERR_FATAL;
	if (text->ni)
		memcpy(d, text->ip, text->ni);
	w = text->ni;
	if (keep)
		memcpy(d + w, text->fp, keep);
	w += keep;
	memset(d + w, '0', (size_t)scale - keep);
	w = total;
	while (lead < w && d[lead] == '0')
		lead++;
	out->scale = scale;
	if (lead == w) {
		d[0] = '0';
		d[1] = '\0';
		out->digits = d;
		out->n = 1;
		out->negative = false;
		return 0;
	}
	d[w] = '\0';
	out->digits = d + lead;
	out->n = w - lead;
	out->negative = text->negative;
	return 0;
}

int rc_decimal_to_twos(const rc_decimal_t *d, rc_arena_t *arena, const unsigned char **out, size_t *outlen)
{
	const char *digits = d->digits;
	size_t n = d->n;
	/* Magnitude in little-endian 32-bit limbs: ceil(n * log2(10) / 32) + 1 is enough. */
	size_t cap = n / 9 + 2, nl = 0, nb, i, first;
	uint32_t *limb;
	unsigned char *b;

	if (n == 0)
		return RC_ERR_FATAL;
	limb = rc_arena_calloc(arena, cap, sizeof *limb);
	if (!limb)
		return RC_ERR_FATAL;
	for (i = 0; i < n;) {
		/* The first chunk takes n % 9 digits so the others take exactly nine. */
		size_t take = i == 0 && n % 9 ? n % 9 : 9;
		uint32_t chunk = 0, mul = 1;
		uint64_t carry;

		for (size_t k = 0; k < take; k++, i++) {
			if (!is_digit(digits[i]))
				return RC_ERR_FATAL;
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
		return RC_ERR_FATAL;
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
	if (first == nb) { /* zero, whatever the sign */
		*out = b;
		*outlen = 1;
		return 0;
	}
	if (!d->negative) {
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

/* 32-bit limbs that hold len bytes, and the digits their magnitude can have. */
static size_t limbs_for(size_t len)
{
	return (len + 3) / 4;
}

static size_t digits_for(size_t len)
{
	return limbs_for(len) * 10 + 1;
}

/*
 * The magnitude of be (len bytes of two's complement) as decimal digits, most significant first, into
 * digits (room for digits_for(len)), using limbs (room for limbs_for(len)) as scratch. Returns the
 * number of digits (at least 1) and sets *negative (false for zero).
 */
static size_t twos_digits(const unsigned char *be, size_t len, uint32_t *limbs, char *digits, bool *negative)
{
	size_t nlimbs = limbs_for(len), nd = 0, first = 0;
	bool neg = len > 0 && (be[0] & 0x80);

	/* Big-endian bytes into big-endian 32-bit limbs, sign-extended, then the magnitude. */
	for (size_t i = 0; i < nlimbs; i++)
		limbs[i] = neg ? UINT32_MAX : 0;
	for (size_t i = 0; i < len; i++) {
		size_t pos = nlimbs * 4 - len + i; /* byte position in the limb array */
		uint32_t shift = 8 * (3 - pos % 4);
		limbs[pos / 4] = (limbs[pos / 4] & ~((uint32_t)0xFF << shift)) | (uint32_t)be[i] << shift;
	}
	if (neg) { /* two's complement negation: invert, add one */
		uint64_t carry = 1;
		for (size_t i = nlimbs; i-- > 0;) {
			uint64_t v = (uint64_t)(uint32_t)~limbs[i] + carry;
			limbs[i] = (uint32_t)v;
			carry = v >> 32;
		}
	}
	/* Repeated division by 10^9 gives nine digits at a time, least significant first. */
	for (;;) {
		uint64_t rem = 0;
		bool zero = true;
		while (first < nlimbs && limbs[first] == 0)
			first++;
		if (first == nlimbs)
			break;
		for (size_t i = first; i < nlimbs; i++) {
			uint64_t cur = rem << 32 | limbs[i];
			limbs[i] = (uint32_t)(cur / 1000000000u);
			rem = cur % 1000000000u;
			zero &= limbs[i] == 0;
		}
		for (int k = 0; k < 9 && (rem || !zero); k++) {
			digits[nd++] = (char)('0' + rem % 10);
			rem /= 10;
		}
	}
	if (nd == 0) {
		digits[nd++] = '0';
		neg = false;
	}
	for (size_t i = 0, j = nd - 1; i < j; i++, j--) {
		char c = digits[i];
		digits[i] = digits[j];
		digits[j] = c;
	}
	*negative = neg;
	return nd;
}

int rc_decimal_from_twos(const unsigned char *be, size_t len, int32_t scale, rc_arena_t *arena,
                         rc_decimal_t *out)
{
	uint32_t *limbs = rc_arena_alloc(arena, (limbs_for(len) + 1) * sizeof *limbs);
	char *digits = rc_arena_alloc(arena, digits_for(len) + 1);

	if (!limbs || !digits)
		return RC_ERR_FATAL;
	out->n = twos_digits(be, len, limbs, digits, &out->negative);
	digits[out->n] = '\0';
	out->digits = digits;
	out->scale = scale;
	return 0;
}

static uint64_t magnitude(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

size_t rc_decimal_format_max(const rc_decimal_t *d)
{
	/* sign, "0.", the zeros a scale adds, and "E" with a signed exponent */
	return d->n + (size_t)magnitude(d->scale) + 4 + 2 + RC_DECIMAL_INT64_CHARS;
}

size_t rc_decimal_format(const rc_decimal_t *d, rc_decimal_style_t style, char *buf)
{
	const char *digits = d->digits;
	size_t n = d->n, w = 0;
	int64_t scale = d->scale, adjusted;
	bool zero;

	while (n > 1 && digits[0] == '0')
		digits++, n--;
	if (n == 0) {
		digits = "0";
		n = 1;
	}
	zero = n == 1 && digits[0] == '0';
	/* BigDecimal.toString: adjusted = -scale + (n - 1); plain notation when scale >= 0 and
	 * adjusted >= -6, else one digit, the rest after a point, and E<adjusted>. */
	adjusted = -scale + (int64_t)n - 1;
	if (d->negative && !zero)
		buf[w++] = '-';
	if (style == RC_DECIMAL_PLAIN || (scale >= 0 && adjusted >= -6)) {
		if (scale <= 0) {
			memcpy(buf + w, digits, n);
			w += n;
			if (!zero) {
				memset(buf + w, '0', (size_t)-scale);
				w += (size_t)-scale;
			}
		} else if (n > (size_t)scale) {
			memcpy(buf + w, digits, n - (size_t)scale);
			w += n - (size_t)scale;
			buf[w++] = '.';
			memcpy(buf + w, digits + n - (size_t)scale, (size_t)scale);
			w += (size_t)scale;
		} else {
			buf[w++] = '0';
			buf[w++] = '.';
			memset(buf + w, '0', (size_t)scale - n);
			w += (size_t)scale - n;
			memcpy(buf + w, digits, n);
			w += n;
		}
		return w;
	}
	buf[w++] = digits[0];
	if (n > 1) {
		buf[w++] = '.';
		memcpy(buf + w, digits + 1, n - 1);
		w += n - 1;
	}
	buf[w++] = 'E';
	if (adjusted > 0)
		buf[w++] = '+';
	w += rc_decimal_format_i64(adjusted, buf + w);
	return w;
}

char *rc_decimal_to_string(const rc_decimal_t *d, rc_decimal_style_t style, rc_arena_t *arena)
{
	char *s = rc_arena_alloc(arena, rc_decimal_format_max(d) + 1);

	if (s)
		s[rc_decimal_format(d, style, s)] = '\0';
	return s;
}

void rc_decimal_append_twos(rc_buf_t *out, const unsigned char *be, size_t len, int32_t scale,
                            rc_decimal_style_t style)
{
	uint32_t stack_limbs[STACK_LIMBS], *limbs = stack_limbs;
	char stack_digits[STACK_LIMBS * 10 + 1], *digits = stack_digits;
	rc_decimal_t d = {.scale = scale};

	if (limbs_for(len) > STACK_LIMBS) {
		limbs = malloc(limbs_for(len) * sizeof *limbs);
		digits = malloc(digits_for(len));
		if (!limbs || !digits) {
			free(limbs);
			free(digits);
			out->failed = true;
			return;
		}
	}
	d.n = twos_digits(be, len, limbs, digits, &d.negative);
	d.digits = digits;
	if (rc_buf_grow(out, rc_decimal_format_max(&d)) == 0)
		out->len += rc_decimal_format(&d, style, (char *)out->data + out->len);
	if (limbs != stack_limbs) {
		free(limbs);
		free(digits);
	}
}

size_t rc_decimal_format_u64(uint64_t v, char *buf)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	    "8081828384858687888990919293949596979899";
	char tmp[RC_DECIMAL_INT64_CHARS], *p = tmp + sizeof tmp;
	size_t n;

	/* two digits per division, from the end */
	while (v >= 100) {
		uint64_t r = v % 100;
		v /= 100;
		p -= 2;
		memcpy(p, pairs + 2 * r, 2);
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, pairs + 2 * v, 2);
	} else {
		*--p = (char)('0' + v);
	}
	n = (size_t)(tmp + sizeof tmp - p);
	memcpy(buf, p, n);
	return n;
}

size_t rc_decimal_format_i64(int64_t v, char *buf)
{
	if (v >= 0)
		return rc_decimal_format_u64((uint64_t)v, buf);
	buf[0] = '-';
	return 1 + rc_decimal_format_u64(magnitude(v), buf + 1);
}
