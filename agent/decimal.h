/*
 * Decimal numbers, arbitrary precision, in the three forms rowcast meets them:
 *   text         "-12.50", "007.5", ".5": what PostgreSQL's numeric_out and a MySQL text result give
 *   sign, digits and scale (rc_decimal_t): value = (-1)^negative * digits * 10^-scale; what a parsed
 *                text or MySQL's binary DECIMAL (digit groups) turns into
 *   two's complement: the unscaled value as minimal big-endian two's complement bytes, what Java's
 *                BigInteger.toByteArray() gives: the Avro "decimal" logical type, Debezium's
 *                VariableScaleDecimal value, and what the JSON encoder gets back from an event
 * and two texts: plain ("-12.50", Java's BigDecimal.toPlainString(): what the JSON lines show and what
 * Debezium writes under decimal.handling.mode=string) and Java's BigDecimal.toString() ("1E-7" below
 * 10^-6).
 *
 * Conversion goes nine decimal digits at a time through 32-bit limbs, so a thousand digits cost about
 * 12 000 multiply-adds each way. Nothing rounds: a value that does not fit a scale is an error.
 */
#ifndef RC_DECIMAL_H
#define RC_DECIMAL_H

#include "agent/arena.h"
#include "agent/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A parsed decimal text. The digit pointers borrow the text. Callers with digits of their own (a
 * MySQL DECIMAL's digit groups) fill it directly: any digits, leading zeros allowed. */
typedef struct rc_decimal_text {
	bool negative;
	const char *ip; /* integer digits (rc_decimal_parse removes leading zeros; ni may be 0) */
	size_t ni;
	const char *fp; /* fraction digits as written, trailing zeros kept */
	size_t nf;
} rc_decimal_text_t;

/* A decimal as sign, unscaled digits and scale. digits ('0'..'9', n >= 1) is borrowed from whoever
 * made it (an arena, mostly); for formatting it has no leading zeros ("0" for zero). */
typedef struct rc_decimal {
	bool negative; /* false for zero */
	const char *digits;
	size_t n;
	int32_t scale; /* may be negative: 12 at scale -3 is 12000 */
} rc_decimal_t;

typedef enum {
	RC_DECIMAL_PLAIN, /* "-1234.50", "0.001", 12 at scale -3: "12000" */
	RC_DECIMAL_JAVA,  /* BigDecimal.toString(): plain unless the adjusted exponent is below -6 or the
	                   * scale negative, then "1E-7", "1.0E-7", "0E-10", "1.2E+4" */
} rc_decimal_style_t;

/* Returned by rc_decimal_unscaled when the value has nonzero digits beyond the scale asked for. */
#define RC_DECIMAL_INEXACT 1

/*
 * Parses an optional '-' or '+', digits, optionally '.' and digits (at least one digit in all; "5.",
 * ".5"). No exponent, no blanks. s need not be NUL-terminated. Returns 0, or RC_ERR_FATAL when s is
 * not such a number.
 */
int rc_decimal_parse(const char *s, size_t len, rc_decimal_text_t *text);

/*
 * The value of text at scale (>= 0): its digits, the fraction padded with zeros or cut to scale
 * digits, leading zeros removed ("0" for zero), in the arena (NUL-terminated). Returns 0 and *out;
 * RC_DECIMAL_INEXACT when a nonzero fraction digit would be cut (nothing is rounded; *out is then
 * unset); RC_ERR_FATAL for a negative scale or when out of memory.
 */
int rc_decimal_unscaled(const rc_decimal_text_t *text, int32_t scale, rc_arena_t *arena, rc_decimal_t *out);

/*
 * The minimal big-endian two's complement of d's unscaled value (d->scale plays no part): "0" -> 00,
 * "127" -> 7f, "128" -> 00 80, "-128" -> 80, "-129" -> ff 7f. Leading zeros in the digits are fine.
 * The bytes are allocated from the arena (*out, *outlen). Returns 0, or RC_ERR_FATAL when out of
 * memory or the digits hold something else than digits (or none).
 */
int rc_decimal_to_twos(const rc_decimal_t *d, rc_arena_t *arena, const unsigned char **out, size_t *outlen);

/*
 * The other way: the value of len bytes of big-endian two's complement (len 0 reads as zero) at
 * scale, as sign and digits allocated from the arena (NUL-terminated). Returns 0, or RC_ERR_FATAL
 * when out of memory.
 */
int rc_decimal_from_twos(const unsigned char *be, size_t len, int32_t scale, rc_arena_t *arena,
                         rc_decimal_t *out);

/* Room rc_decimal_format needs for d. */
size_t rc_decimal_format_max(const rc_decimal_t *d);

/* Writes d as text in the given style into buf (room for rc_decimal_format_max(d) characters), no
 * NUL. Leading zeros of the digits are skipped. Returns the length written. */
size_t rc_decimal_format(const rc_decimal_t *d, rc_decimal_style_t style, char *buf);

/* rc_decimal_format into the arena, NUL-terminated; NULL when out of memory. */
char *rc_decimal_to_string(const rc_decimal_t *d, rc_decimal_style_t style, rc_arena_t *arena);

/*
 * Appends the text of the two's complement value be (len bytes) at scale to out: what an encoder
 * does with a DECIMAL or VARDECIMAL value ("-12.50" for bytes fb 1e and scale 2). Allocates only
 * for values over 256 bytes. Out of memory marks out failed, as any rc_buf append.
 */
void rc_decimal_append_twos(rc_buf_t *out, const unsigned char *be, size_t len, int32_t scale,
                            rc_decimal_style_t style);

/* Room for the decimal text of any 64-bit integer ("-9223372036854775808", 20 characters). */
#define RC_DECIMAL_INT64_CHARS 20

/* Write v in decimal into buf (room for RC_DECIMAL_INT64_CHARS), no NUL, and return the length:
 * the hot path's integers (source positions, JSON numbers) without snprintf. */
size_t rc_decimal_format_u64(uint64_t v, char *buf);
size_t rc_decimal_format_i64(int64_t v, char *buf);

#endif
