/*
 * Binary to text and back: base64 (RFC 4648 section 4, the standard alphabet, with '=' padding) and
 * hex, as Debezium's binary.handling.mode writes bytes (base64, hex) and as PostgreSQL's bytea and
 * COPY text carry them (hex). Pure functions over caller buffers; nothing allocates.
 */
#ifndef RC_CODEC_H
#define RC_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* Characters rc_codec_base64_encode writes for n bytes (padding included, no NUL). */
static inline size_t rc_codec_base64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

/* The most bytes rc_codec_base64_decode writes for n characters. */
static inline size_t rc_codec_base64_max_decoded(size_t n)
{
	return n / 4 * 3;
}

/* Writes the base64 of src (n bytes, borrowed) into dst, which has room for rc_codec_base64_len(n)
 * characters; no NUL is written. Returns the number of characters written. */
size_t rc_codec_base64_encode(const void *src, size_t n, char *dst);

/*
 * Decodes base64 text (n characters, no NUL needed) into dst, which has room for
 * rc_codec_base64_max_decoded(n) bytes, and sets *outlen. Strict: the length must be a multiple of
 * 4, '=' may only pad the last group (one or two of them), the bits the padding drops must be zero,
 * and nothing else than the alphabet is allowed (no blanks, no line breaks). Returns 0, or
 * RC_ERR_FATAL for anything else (dst may then hold part of the bytes).
 */
int rc_codec_base64_decode(const char *src, size_t n, uint8_t *dst, size_t *outlen);

/* Writes the lowercase hex of src (n bytes) into dst (room for 2 * n characters, no NUL). Returns
 * 2 * n. */
size_t rc_codec_hex_encode(const void *src, size_t n, char *dst);

/* Decodes n hex digits (either case; n even) into dst (room for n / 2 bytes). Returns 0, or
 * RC_ERR_FATAL for an odd n or a character that is not a hex digit. */
int rc_codec_hex_decode(const char *src, size_t n, uint8_t *dst);

/* The value of hex digit c (either case), or -1 when c is not one. */
static inline int rc_codec_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
