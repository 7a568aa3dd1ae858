#include "config.h"

#include "decoders/postgres/pg_defaults.h"

#include "agent/arena.h"
#include "agent/event.h"
#include "decoders/postgres/pg_types.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Debezium's FUNCTION_DEFAULT_PATTERN (^[(]?[A-Za-z0-9_.]+\(...\)) or one of its CURRENT_DATE_TIMES:
 * the value is computed per row, the schema gets the type's placeholder. */
static bool is_generated(const char *v)
{
	static const char *const current[] = {"current_timestamp", "current_time", "current_date",
	                                      "localtime", "localtimestamp"};
	const char *p = v + (*v == '('), *q = p;

	while (isalnum((unsigned char)*q) || *q == '_' || *q == '.')
		q++;
	if (q > p && *q == '(') {
		const char *nl = strchr(q, '\n'), *close = strchr(q + 1, ')');
		if (close && (!nl || close < nl))
			return true;
	}
	for (size_t i = 0; i < sizeof current / sizeof current[0]; i++)
		if (strcasecmp(v, current[i]) == 0)
			return true;
	return false;
}

/* Debezium's extractDefault(v, placeholder): the placeholder for a generated value, else the text
 * between the first two single quotes, else the raw text. Sets *out (malloc'd) and returns 1; returns
 * 0 for NULL::type or an unterminated quote (no default), -1 when out of memory. */
static int extract(const char *v, const char *placeholder, char **out)
{
	const char *q, *end;

	if (is_generated(v))
		*out = strdup(placeholder);
	else if (!(q = strchr(v, '\'')))
		*out = strncmp(v, "NULL::", 6) == 0 ? NULL : strdup(v);
	else if (!(end = strchr(q + 1, '\'')))
		*out = NULL;
	else
		*out = strndup(q + 1, (size_t)(end - q - 1));
	if (*out)
		return 1;
	return is_generated(v) || (!strchr(v, '\'') && strncmp(v, "NULL::", 6) != 0) ||
	               (strchr(v, '\'') && strchr(strchr(v, '\'') + 1, '\''))
	           ? -1
	           : 0;
}

/* Java's Long.parseLong within [lo, hi]: an optional sign, then digits only. */
static bool parse_java_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	const char *p = s + (*s == '+' || *s == '-');
	char *end;
	long long v;

	if (!*p)
		return false;
	for (const char *c = p; *c; c++)
		if (!isdigit((unsigned char)*c))
			return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* Java's Double.parseDouble, finite values only (AvroData cannot write NaN or Infinity as JSON). */
static bool parse_java_double(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno)
		return false;
	if (*end == 'f' || *end == 'F' || *end == 'd' || *end == 'D')
		end++;
	while (isspace((unsigned char)*end))
		end++;
	if (*end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

/* Trims spaces at both ends in place (Debezium's TRIM_DATA_TYPES). */
static char *trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Takes a converted value into col->dflt. Returns 0, or -1 when out of memory. */
static int take(rc_column_t *col, const rc_value_t *v)
{
	if (v->state != RC_V_SET)
		return 0;
	switch (col->type) {
	case RC_T_BOOL:
		col->dflt.b = v->u.b;
		break;
	case RC_T_INT8:
	case RC_T_INT16:
	case RC_T_INT32:
	case RC_T_INT64:
	case RC_T_DATE:
	case RC_T_TIME_MILLIS:
	case RC_T_TIME_MICROS:
	case RC_T_TIMESTAMP_MILLIS:
	case RC_T_TIMESTAMP_MICROS:
	case RC_T_INTERVAL_MICROS:
		col->dflt.i = v->u.i;
		break;
	case RC_T_FLOAT32:
	case RC_T_FLOAT64:
		if (!isfinite(v->u.f))
			return 0;
		col->dflt.f = v->u.f;
		break;
	case RC_T_STRING:
	case RC_T_BYTES:
	case RC_T_DECIMAL:
		return rc_column_set_default_bytes(col, v->u.bytes.ptr, v->u.bytes.len);
	default:
		return 0; /* records and arrays: Connect gives them no default */
	}
	col->dflt.set = true;
	return 0;
}

/* Converts text as the column's values are converted; text the column cannot hold is no default. */
static int from_text(rc_column_t *col, const char *text)
{
	rc_arena_t arena;
	rc_value_t v;
	char why[256];
	int rc = 0;

	rc_arena_init(&arena, 1024);
	if (rc_pg_value_from_text(col, text, strlen(text), &arena, &v, why, sizeof why) == 0)
		rc = take(col, &v);
	rc_arena_destroy(&arena);
	return rc;
}

/* The type name of a cast suffix ("mood", "s1.mood", "\"Mood\"", "s1.\"Mood\""), unquoted, into out. */
static void cast_type_name(const char *suffix, char *out, size_t outlen)
{
	const char *last = suffix;
	bool quoted = false;
	size_t n = 0;

	for (const char *p = suffix; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '.' && !quoted)
			last = p + 1;
	}
	for (const char *p = last; *p && n + 1 < outlen; p++) {
		if (*p == '"') {
			if (p[1] != '"')
				continue;
			p++; /* "" inside quotes is one quote */
		}
		out[n++] = *p;
	}
	out[n] = '\0';
}

/* Debezium's extractEnumDefault: 'label'::enum_type (the cast's type the column's own) gives label. */
static int enum_default(rc_column_t *col, const char *typname, const char *v)
{
	const char *cast = NULL;
	char name[256], *label;
	size_t n;
	int rc;

	for (const char *p = strstr(v, "::"); p; p = strstr(p + 1, "::"))
		cast = p;
	if (!cast)
		return 0;
	cast_type_name(cast + 2, name, sizeof name);
	n = (size_t)(cast - v);
	if (strcmp(name, typname) != 0 || n < 2 || v[0] != '\'' || v[n - 1] != '\'')
		return 0;
	label = strndup(v + 1, n - 2);
	if (!label)
		return -1;
	rc = from_text(col, label);
	free(label);
	return rc;
}

/* The per-type mappers. The placeholder of a generated value is in the text form the column's
 * conversion reads (Debezium's "00:00" and "1970-01-01" written out in full). */
static const struct mapper {
	const char *typname;
	const char *placeholder;
	bool null_cast; /* parseNullDefault: NULL::type is no default (the others get there anyway) */
	bool trim;      /* TRIM_DATA_TYPES */
} mappers[] = {
    {"bit", "00", false, true},
    {"varbit", "0", false, true},
    {"bool", "false", true, true},
    {"bpchar", "", false, false},
    {"varchar", "", false, false},
    {"text", "", false, false},
    {"numeric", "0.0", true, true},
    {"float4", "0.0", true, true},
    {"float8", "0.0", true, true},
    {"int2", "0", true, true},
    {"int4", "0", true, true},
    {"int8", "0", true, true},
    {"json", "{}", false, false},
    {"jsonb", "{}", false, false},
    {"xml", "", false, false},
    {"uuid", "00000000-0000-0000-0000-000000000000", false, true},
    {"date", "1970-01-01", false, true},
    {"time", "00:00:00", false, true},
    {"timestamp", "1970-01-01 00:00:00", false, true},
    {"timestamptz", "1970-01-01 00:00:00+00", false, true},
    {"interval", "00:00:00", false, true},
};

static int convert(rc_column_t *col, const struct mapper *m, char *s)
{
	int64_t i;
	double f;

	switch (col->type) {
	case RC_T_BOOL:
		if (strcmp(m->typname, "bool") == 0) {
			col->dflt.b = strcasecmp(s, "true") == 0; /* Boolean.parseBoolean */
			col->dflt.set = true;
			return 0;
		}
		if (strlen(s) == 1) { /* bit(1): Debezium reads one digit as a boolean */
			col->dflt.b = s[0] == '1';
			col->dflt.set = true;
		}
		return 0;
	case RC_T_INT16:
	case RC_T_INT32:
	case RC_T_INT64:
		if (strcmp(m->typname, "int2") == 0 && parse_java_int(s, INT16_MIN, INT16_MAX, &i))
			col->dflt.i = i;
		else if (strcmp(m->typname, "int4") == 0 && parse_java_int(s, INT32_MIN, INT32_MAX, &i))
			col->dflt.i = i;
		else if (strcmp(m->typname, "int8") == 0 && parse_java_int(s, INT64_MIN, INT64_MAX, &i))
			col->dflt.i = i;
		else
			return 0;
		col->dflt.set = true;
		return 0;
	case RC_T_FLOAT32:
	case RC_T_FLOAT64:
		if ((strcmp(m->typname, "float4") == 0 || strcmp(m->typname, "float8") == 0) &&
		    parse_java_double(s, &f)) {
			col->dflt.f = col->type == RC_T_FLOAT32 ? (double)(float)f : f;
			col->dflt.set = true;
			return 0;
		}
		break; /* numeric under decimal.handling.mode=double: converted as its values are */
	default:
		break;
	}
	if (strcmp(m->typname, "numeric") == 0) {
		char *end;
		errno = 0;
		(void)strtod(s, &end); /* new BigDecimal(s): a plain number, nothing else */
		if (end == s || *end || strchr(s, 'n') || strchr(s, 'N') || strchr(s, 'i') || strchr(s, 'I'))
			return 0;
	}
	if (strcmp(m->typname, "bit") == 0 && strlen(s) == 1)
		return 0; /* a boolean for a bit(n > 1) column: Connect refuses it */
	return from_text(col, s);
}

int rc_pg_column_default(rc_column_t *col, const char *typname, char typtype, const char *expr, char *err,
                         size_t errlen)
{
	const struct mapper *m = NULL;
	char *text;
	int rc;

	free(col->dflt.bytes);
	memset(&col->dflt, 0, sizeof col->dflt);
	if (!expr || !typname)
		return 0;
	if (typtype == 'e') {
		if (enum_default(col, typname, expr) != 0)
			goto oom;
		return 0;
	}
	for (size_t i = 0; i < sizeof mappers / sizeof mappers[0]; i++)
		if (strcmp(mappers[i].typname, typname) == 0)
			m = &mappers[i];
	if (!m)
		return 0;
	if (m->null_cast && strncmp(expr, "NULL::", 6) == 0)
		return 0;
	{
		char *copy = strdup(expr);
		if (!copy)
			goto oom;
		rc = extract(m->trim ? trim(copy) : copy, m->placeholder, &text);
		free(copy);
	}
	if (rc < 0)
		goto oom;
	if (rc == 0)
		return 0;
	rc = convert(col, m, text);
	free(text);
	if (rc == 0)
		return 0;
oom:
	snprintf(err, errlen, "column %s: out of memory reading its default", col->name);
	return -1;
}
