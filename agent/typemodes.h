/*
 * Debezium's type modes, the same three properties for every connector:
 *   decimal.handling.mode  precise (Connect Decimal, VariableScaleDecimal) | double | string
 *   time.precision.mode    adaptive | adaptive_time_microseconds | connect
 *   binary.handling.mode   bytes | base64 | hex
 * agent/properties.c declares and validates them with the choices below, written here once in enum
 * order; rc_typemodes_from_conf turns the validated strings into the enums the decoders read.
 */
#ifndef RC_TYPEMODES_H
#define RC_TYPEMODES_H

#include "agent/conf.h"

#include <stddef.h>

#define RC_DECIMAL_MODE_CHOICES "precise|double|string"
#define RC_TIME_MODE_CHOICES "adaptive|adaptive_time_microseconds|connect"
#define RC_BINARY_MODE_CHOICES "bytes|base64|hex"

typedef enum {
	RC_DECIMAL_MODE_PRECISE = 0,
	RC_DECIMAL_MODE_DOUBLE,
	RC_DECIMAL_MODE_STRING,
} rc_decimal_mode_t;

typedef enum {
	RC_TIME_MODE_ADAPTIVE = 0,
	RC_TIME_MODE_ADAPTIVE_MICROS, /* adaptive_time_microseconds */
	RC_TIME_MODE_CONNECT,
} rc_time_mode_t;

/* Numbered: decoders keep the mode of a binary column mapped to text in rc_column_t.length. */
typedef enum {
	RC_BINARY_MODE_BYTES = 0,
	RC_BINARY_MODE_BASE64 = 1,
	RC_BINARY_MODE_HEX = 2,
} rc_binary_mode_t;

typedef struct rc_typemodes {
	rc_decimal_mode_t decimal; /* decimal.handling.mode */
	rc_time_mode_t time;       /* time.precision.mode */
	rc_binary_mode_t binary;   /* binary.handling.mode */
} rc_typemodes_t;

/* Debezium's defaults: precise, adaptive, bytes. */
void rc_typemodes_default(rc_typemodes_t *modes);

/* Reads the three properties from conf (borrowed); unset ones keep the defaults. Returns 0, or
 * RC_ERR_FATAL with err naming the property and its value when a value is none of the choices (a
 * configuration that rc_conf_finalize has not checked). */
int rc_typemodes_from_conf(rc_typemodes_t *modes, const rc_conf_t *conf, char *err, size_t errlen);

/* Index of value among choices ("a|b|c"), or -1. */
int rc_typemodes_choice(const char *choices, const char *value);

#endif
