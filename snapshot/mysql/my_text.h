/*
 * The values of MySQL's text protocol (what a SELECT returns, one string a column) in the parts the
 * shared value builders take (decoders/mysql/mysql_values.h). Pure functions over borrowed bytes;
 * each checks every character and the ranges, so a text the server never sends is an error, never
 * a wrong value.
 *
 * Formats (the server's, with the session's time_zone '+00:00'):
 *   integers  [-]digits (ENUM, SET and BIT are read as `col`+0: index, mask, unsigned number)
 *   DATE      YYYY-MM-DD (zero parts allowed: 0000-00-00, 2020-00-15 under a permissive sql_mode)
 *   TIME      [-]H..HHH:MM:SS[.f..ffffff] (-838:59:59 .. 838:59:59)
 *   DATETIME  YYYY-MM-DD HH:MM:SS[.f..ffffff]; TIMESTAMP the same, in UTC
 */
#ifndef RC_MY_TEXT_H
#define RC_MY_TEXT_H

#include "decoders/mysql/mysql_values.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A signed integer into *i, or for is_unsigned an unsigned one into *u (and its bits into *i).
 * Returns 0, or -1 for anything but an optional '-' (signed only) and 1..20 digits that fit. */
int rc_my_text_int(const char *s, size_t len, bool is_unsigned, int64_t *i, uint64_t *u);

/* DATE (kind RC_MY_DATE), TIME (RC_MY_TIME) or DATETIME/TIMESTAMP (RC_MY_DATETIME,
 * RC_MY_TIMESTAMP) text into *dt (zeroed first). Returns 0 or -1. */
int rc_my_text_datetime(const char *s, size_t len, rc_mysql_kind_t kind, rc_mysql_datetime_t *dt);

/* TIMESTAMP text in UTC as seconds since the epoch and microseconds; the zero TIMESTAMP is (0, 0),
 * what rc_mysql_value_timestamp makes null. Returns 0 or -1. */
int rc_my_text_timestamp(const char *s, size_t len, int64_t *sec, int32_t *micro);

/* The labels of an ENUM or SET column type ("enum('a','b''c')" -> a, b'c) into *labels (caller
 * frees each and the array). Returns 0, or -1 when malformed or out of memory. */
int rc_my_parse_labels(const char *column_type, char ***labels, uint32_t *n);

/* `name` with backquotes doubled, in a malloc'd string; NULL when out of memory. */
char *rc_my_quote_ident(const char *name);

#endif
