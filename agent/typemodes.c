/* The three Debezium type modes, parsed once from the validated configuration. */
#include "config.h"

#include "agent/typemodes.h"

#include "agent/errors.h"

#include <stdio.h>
#include <string.h>

void rc_typemodes_default(rc_typemodes_t *modes)
{
	modes->decimal = RC_DECIMAL_MODE_PRECISE;
	modes->time = RC_TIME_MODE_ADAPTIVE;
	modes->binary = RC_BINARY_MODE_BYTES;
}

int rc_typemodes_choice(const char *choices, const char *value)
{
	size_t vlen = strlen(value);
	int i = 0;

	for (const char *p = choices;; i++) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		if (n == vlen && strncmp(p, value, n) == 0)
			return i;
		if (!bar)
			return -1;
		p = bar + 1;
	}
}

/* The index of key's value among choices into *v (unset: 0, the default). */
static int read_mode(const rc_conf_t *conf, const char *key, const char *choices, int *v, char *err,
                     size_t errlen)
{
	const char *s = rc_conf_get(conf, key);

	*v = s ? rc_typemodes_choice(choices, s) : 0;
	if (*v < 0) {
		snprintf(err, errlen, "%s = '%s' is not valid (expected one of: %s)", key, s, choices);
		return RC_ERR_FATAL;
	}
	return 0;
}

int rc_typemodes_from_conf(rc_typemodes_t *modes, const rc_conf_t *conf, char *err, size_t errlen)
{
	int d, t, b;

	rc_typemodes_default(modes);
	if (read_mode(conf, "decimal.handling.mode", RC_DECIMAL_MODE_CHOICES, &d, err, errlen) ||
	    read_mode(conf, "time.precision.mode", RC_TIME_MODE_CHOICES, &t, err, errlen) ||
	    read_mode(conf, "binary.handling.mode", RC_BINARY_MODE_CHOICES, &b, err, errlen))
		return RC_ERR_FATAL;
	modes->decimal = (rc_decimal_mode_t)d;
	modes->time = (rc_time_mode_t)t;
	modes->binary = (rc_binary_mode_t)b;
	return 0;
}
