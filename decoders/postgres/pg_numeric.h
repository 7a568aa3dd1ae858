/*
 * Decimal numbers as PostgreSQL prints them (numeric_out, cash_out), turned into the forms Debezium
 * consumers expect: the unscaled integer as minimal big-endian two's complement (what Java's
 * BigInteger.toByteArray() gives, the Avro "decimal" logical type and VariableScaleDecimal's value),
 * or the string Java's BigDecimal.toString() prints (decimal.handling.mode=string).
 *
 * Numbers are arbitrary precision: PostgreSQL's numeric has up to 131072 digits before the point and
 * 16383 after. Digit strings are converted nine digits at a time into 32-bit limbs, so a thousand
 * digits cost about 12 000 multiply-adds.
 */
#ifndef RC_PG_NUMERIC_H
#define RC_PG_NUMERIC_H

#include "agent/arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	RC_PG_NUM_FINITE = 0,
	RC_PG_NUM_NAN,  /* "NaN" */
	RC_PG_NUM_PINF, /* "Infinity" (numeric since PostgreSQL 14) */
	RC_PG_NUM_NINF, /* "-Infinity" */
} rc_pg_num_kind_t;

/* A parsed decimal. The digit pointers borrow the parsed text (or buf, for money). */
typedef struct rc_pg_num {
	rc_pg_num_kind_t kind;
	bool negative;
	const char *ip; /* integer digits, leading zeros removed (ni may be 0) */
	size_t ni;
	const char *fp; /* fraction digits as written, trailing zeros kept */
	size_t nf;
	char buf[40]; /* money: its digits gathered from between the separators */
} rc_pg_num_t;

/* Returned by rc_pg_num_unscaled when the value has nonzero digits beyond the scale asked for. */
#define RC_PG_NUM_INEXACT 1

/*
 * Parses numeric_out's text: an optional '-', digits, optionally '.' and digits; or NaN, Infinity,
 * -Infinity. No exponent, no blanks (numeric_out writes neither). Returns 0, or -1 when s is not such
 * a number. s need not be NUL-terminated.
 */
int rc_pg_num_parse(const char *s, size_t len, rc_pg_num_t *num);

/*
 * Parses cash_out's text in any lc_monetary: "$1,234.56", "-$1.00", "($1.00)", "1.234,56 EUR".
 * cash_out always prints exactly the locale's frac_digits fraction digits, so the digits read in
 * order, separators skipped, are the unscaled value at scale; scale must equal frac_digits (the
 * money.fraction.digits property, 2 by default). A '-' or '(' anywhere makes the value negative.
 * Checks that the last `scale` digits follow a separator, so a locale with another number of
 * fraction digits is an error rather than a value off by a power of ten. Returns 0 or -1.
 */
int rc_pg_money_parse(const char *s, size_t len, int scale, rc_pg_num_t *num);

/*
 * The unscaled value of a finite num at scale (>= 0): its digits, fraction padded with zeros or cut
 * to scale digits, leading zeros removed ("0" for zero), NUL-terminated in the arena (*digits, *n).
 * *negative is false for zero. Returns 0; RC_PG_NUM_INEXACT when a nonzero fraction digit would be
 * cut (nothing is rounded; *digits is then unset); -1 when out of memory.
 */
int rc_pg_num_unscaled(const rc_pg_num_t *num, int32_t scale, rc_arena_t *arena, const char **digits,
                       size_t *n, bool *negative);

/*
 * Converts a decimal digit string (digits only, no sign) to the minimal big-endian two's
 * complement of its value, negated when negative: "0" -> 00, "127" -> 7f, "128" -> 00 80,
 * "-128" -> 80, "-129" -> ff 7f. The bytes are allocated from the arena (*out, *outlen).
 * Returns 0, or -1 when out of memory or digits holds something else than digits.
 */
int rc_pg_decimal_to_twos(const char *digits, size_t n, bool negative, rc_arena_t *arena,
                          const unsigned char **out, size_t *outlen);

/*
 * The text Java's BigDecimal.toString() prints for the unscaled digits (as rc_pg_num_unscaled gives
 * them) at scale >= 0: plain notation ("-1234.50", "0.001") unless the adjusted exponent is below -6,
 * then scientific ("1E-7", "1.0E-7", "0E-10"). NUL-terminated in the arena; NULL when out of memory.
 */
char *rc_pg_decimal_java_string(const char *digits, size_t n, bool negative, int32_t scale,
                                rc_arena_t *arena);

#endif
