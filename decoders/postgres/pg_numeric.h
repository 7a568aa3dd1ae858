/*
 * Decimal numbers as PostgreSQL prints them (numeric_out, cash_out): the special values numeric has
 * and money's locale-dependent text, read into the decimal text of agent/decimal.h, which does the
 * rest (unscaled digits, two's complement, Java's BigDecimal.toString()).
 *
 * Numbers are arbitrary precision: PostgreSQL's numeric has up to 131072 digits before the point and
 * 16383 after.
 */
#ifndef RC_PG_NUMERIC_H
#define RC_PG_NUMERIC_H

#include "agent/decimal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	RC_PG_NUM_FINITE = 0,
	RC_PG_NUM_NAN,  /* "NaN" */
	RC_PG_NUM_PINF, /* "Infinity" (numeric since PostgreSQL 14) */
	RC_PG_NUM_NINF, /* "-Infinity" */
} rc_pg_num_kind_t;

/* A parsed numeric or money. For a finite value, dec borrows the parsed text (or buf, for money). */
typedef struct rc_pg_num {
	rc_pg_num_kind_t kind;
	rc_decimal_text_t dec; /* finite values; dec.negative is also set for -Infinity */
	char buf[40];          /* money: its digits gathered from between the separators */
} rc_pg_num_t;

/*
 * Parses numeric_out's text: an optional '-', digits, optionally '.' and digits; or NaN, Infinity,
 * -Infinity (rc_decimal_parse reads the finite ones: no exponent, no blanks, which numeric_out writes
 * neither of). Returns 0, or -1 when s is not such a number. s need not be NUL-terminated.
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

#endif
