/* base64 and hex of agent/codec.h. */
#include "config.h"

#include "agent/codec.h"

#include "agent/errors.h"

#include <stdbool.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char hexdigits[] = "0123456789abcdef";

size_t rc_codec_base64_encode(const void *src, size_t n, char *dst)
{
	const uint8_t *p = src;
	char *w = dst;
	size_t i;

	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		w[0] = b64[v >> 18];
		w[1] = b64[v >> 12 & 63];
		w[2] = b64[v >> 6 & 63];
		w[3] = b64[v & 63];
		w += 4;
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		w[0] = b64[v >> 18];
		w[1] = b64[v >> 12 & 63];
		w[2] = w[3] = '=';
		w += 4;
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		w[0] = b64[v >> 18];
		w[1] = b64[v >> 12 & 63];
		w[2] = b64[v >> 6 & 63];
		w[3] = '=';
		w += 4;
	}
	return (size_t)(w - dst);
}

/* The 6-bit value of a base64 character, or -1. */
static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int rc_codec_base64_decode(const char *src, size_t n, uint8_t *dst, size_t *outlen)
{
	size_t w = 0;

	if (n % 4)
		return RC_ERR_FATAL;
	for (size_t i = 0; i < n; i += 4) {
		bool last = i + 4 == n;
		int pad = last ? (src[i + 3] == '=') + (src[i + 3] == '=' && src[i + 2] == '=') : 0;
		int v[4] = {0, 0, 0, 0};
		uint32_t bits;

		for (int k = 0; k < 4 - pad; k++)
			if ((v[k] = b64_value(src[i + k])) < 0)
				return RC_ERR_FATAL;
		bits = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		/* "QQ==" and "QR==" would both read as "A": only the canonical form is accepted */
		if ((pad == 1 && (bits & 0xff)) || (pad == 2 && (bits & 0xffff)))
			return RC_ERR_FATAL;
		dst[w++] = (uint8_t)(bits >> 16);
		if (pad < 2)
			dst[w++] = (uint8_t)(bits >> 8);
		if (pad < 1)
			dst[w++] = (uint8_t)bits;
	}
	*outlen = w;
	return 0;
}

size_t rc_codec_hex_encode(const void *src, size_t n, char *dst)
{
	const uint8_t *p = src;

	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = hexdigits[p[i] >> 4];
		dst[2 * i + 1] = hexdigits[p[i] & 15];
	}
	return 2 * n;
}

int rc_codec_hex_decode(const char *src, size_t n, uint8_t *dst)
{
	if (n % 2)
		return RC_ERR_FATAL;
	for (size_t i = 0; i < n; i += 2) {
		int hi = rc_codec_hex_digit((unsigned char)src[i]),
		    lo = rc_codec_hex_digit((unsigned char)src[i + 1]);
		if (hi < 0 || lo < 0)
			return RC_ERR_FATAL;
		dst[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
