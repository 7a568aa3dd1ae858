#include "config.h"

#include "decoders/postgres/pg_types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- options ------------------------------------------------------------------------------ */

void rc_pg_type_opts_default(rc_pg_type_opts_t *opts)
{
	rc_typemodes_default(&opts->modes);
	opts->money_fraction_digits = 2;
	opts->hstore = RC_HSTORE_MODE_JSON;
	opts->interval = RC_INTERVAL_MODE_NUMERIC;
	opts->placeholder = RC_PG_UNAVAILABLE_DEFAULT;
	opts->placeholder_len = sizeof RC_PG_UNAVAILABLE_DEFAULT - 1;
	opts->include_unknown = false;
}

/* key's value among choices ("a|b") into *v (unset: 0), or -1 with err naming it. */
static int read_choice(const rc_conf_t *conf, const char *key, const char *choices, int *v, char *err,
                       size_t errlen)
{
	const char *s = rc_conf_get(conf, key);

	*v = s ? rc_typemodes_choice(choices, s) : 0;
	if (*v < 0) {
		snprintf(err, errlen, "%s = '%s' is not valid (expected one of: %s)", key, s, choices);
		return -1;
	}
	return 0;
}

int rc_pg_type_opts_from_conf(rc_pg_type_opts_t *opts, const rc_conf_t *conf, char *err, size_t errlen)
{
	const char *money, *ph;
	int hstore, interval;

	rc_pg_type_opts_default(opts);
	if (rc_typemodes_from_conf(&opts->modes, conf, err, errlen) != 0)
		return -1;
	if (read_choice(conf, "hstore.handling.mode", "json|map", &hstore, err, errlen) != 0 ||
	    read_choice(conf, "interval.handling.mode", "numeric|string", &interval, err, errlen) != 0)
		return -1;
	opts->hstore = (rc_hstore_mode_t)hstore;
	opts->interval = (rc_interval_mode_t)interval;
	opts->include_unknown = rc_conf_get_bool(conf, "include.unknown.datatypes", false);
	ph = rc_conf_get(conf, "unavailable.value.placeholder");
	if (ph) {
		opts->placeholder = ph;
		opts->placeholder_len = strlen(ph);
	}
	money = rc_conf_get(conf, "money.fraction.digits");
	if (money) {
		char *end;
		long d = strtol(money, &end, 10);
		if (*money == '\0' || *end != '\0' || d < 0 || d > 18) {
			snprintf(err, errlen, "money.fraction.digits = '%s' is not valid (expected 0..18)",
			         money);
			return -1;
		}
		opts->money_fraction_digits = (int)d;
	}
	return 0;
}

/* ---- mapping ------------------------------------------------------------------------------ */

/* numeric's typmod: ((precision << 16) | (scale & 0x7ff)) + 4, the scale an 11-bit signed number
 * since PostgreSQL 15 (numeric(5,-2), numeric(3,5)). */
static void numeric_typmod(int32_t typmod, int32_t *precision, int32_t *scale)
{
	int32_t t = typmod - 4;

	*precision = (t >> 16) & 0xffff;
	*scale = ((t & 0x7ff) ^ 1024) - 1024;
}

/* Types of extensions (no fixed OID), found by name as Debezium's TypeRegistry finds them; name is
 * the type's (domains resolved) typname. Returns false for other names. */
static bool map_extension(rc_column_t *col, const char *name, const rc_pg_type_opts_t *opts)
{
	if (strcmp(name, "geometry") == 0 || strcmp(name, "geography") == 0) {
		col->type = RC_T_GEOMETRY;
		col->semantic = name[3] == 'm' ? RC_PG_SEM_GEOMETRY : RC_PG_SEM_GEOGRAPHY;
		col->source_conv = RC_PG_CONV_EWKB;
	} else if (strcmp(name, "hstore") == 0) {
		if (opts->hstore == RC_HSTORE_MODE_MAP) {
			col->type = RC_T_MAP;
			col->source_conv = RC_PG_CONV_HSTORE_MAP;
		} else {
			col->semantic = RC_PG_SEM_JSON;
			col->source_conv = RC_PG_CONV_HSTORE_JSON;
		}
	} else if (strcmp(name, "ltree") == 0) {
		col->semantic = RC_PG_SEM_LTREE;
	} else {
		return false; /* citext, isbn and the rest: plain STRING, as Debezium */
	}
	return true;
}

static void map_scalar(rc_column_t *col, uint32_t oid, char typtype, int32_t typmod, const char *name,
                       const rc_pg_type_opts_t *opts)
{
	int32_t p, s;

	col->type = RC_T_STRING;
	col->source_conv = RC_PG_CONV_TEXT;
	if (!rc_pg_typeinfo_builtin(oid) && name && map_extension(col, name, opts))
		return;
	switch (oid) {
	case RC_PG_OID_BOOL:
		col->type = RC_T_BOOL;
		break;
	case RC_PG_OID_INT2:
		col->type = RC_T_INT16;
		break;
	case RC_PG_OID_INT4:
		col->type = RC_T_INT32;
		break;
	case RC_PG_OID_INT8:
	case RC_PG_OID_OID:
		col->type = RC_T_INT64;
		break;
	case RC_PG_OID_FLOAT4:
		col->type = RC_T_FLOAT32;
		break;
	case RC_PG_OID_FLOAT8:
		col->type = RC_T_FLOAT64;
		break;
	case RC_PG_OID_NUMERIC:
		if (typmod >= 4) {
			numeric_typmod(typmod, &p, &s);
			if (s < 0) { /* numeric(5,-2) holds 1234500: integers of p - s digits */
				p -= s;
				s = 0;
			} else if (s > p) { /* numeric(3,5) holds 0.00123: s digits */
				p = s;
			}
			col->precision = p;
			col->scale = s;
		}
		if (opts->modes.decimal == RC_DECIMAL_MODE_DOUBLE)
			col->type = RC_T_FLOAT64;
		else if (opts->modes.decimal == RC_DECIMAL_MODE_STRING)
			col->type = RC_T_STRING;
		else if (typmod >= 4)
			col->type = RC_T_DECIMAL;
		else {
			col->type = RC_T_VARDECIMAL;
			col->semantic = RC_PG_SEM_VARDECIMAL;
		}
		break;
	case RC_PG_OID_MONEY:
		col->scale = opts->money_fraction_digits;
		col->type = opts->modes.decimal == RC_DECIMAL_MODE_DOUBLE   ? RC_T_FLOAT64
		            : opts->modes.decimal == RC_DECIMAL_MODE_STRING ? RC_T_STRING
		                                                            : RC_T_DECIMAL;
		break;
	case RC_PG_OID_BYTEA:
		if (opts->modes.binary == RC_BINARY_MODE_BYTES)
			col->type = RC_T_BYTES;
		else
			col->length = (int32_t)opts->modes.binary;
		break;
	case RC_PG_OID_UUID:
		col->semantic = RC_PG_SEM_UUID;
		break;
	case RC_PG_OID_JSON:
	case RC_PG_OID_JSONB:
		col->semantic = RC_PG_SEM_JSON;
		break;
	case RC_PG_OID_XML:
		col->semantic = RC_PG_SEM_XML;
		break;
	case RC_PG_OID_DATE:
		col->type = RC_T_DATE;
		col->semantic =
		    opts->modes.time == RC_TIME_MODE_CONNECT ? RC_PG_SEM_CONNECT_DATE : RC_PG_SEM_DATE;
		break;
	case RC_PG_OID_TIME:
		p = typmod < 0 ? 6 : typmod;
		if (opts->modes.time == RC_TIME_MODE_CONNECT) {
			col->type = RC_T_TIME_MILLIS;
			col->semantic = RC_PG_SEM_CONNECT_TIME;
		} else if (opts->modes.time == RC_TIME_MODE_ADAPTIVE && p <= 3) {
			col->type = RC_T_TIME_MILLIS;
			col->semantic = RC_PG_SEM_TIME;
		} else {
			col->type = RC_T_TIME_MICROS;
			col->semantic = RC_PG_SEM_MICROTIME;
		}
		break;
	case RC_PG_OID_TIMESTAMP:
		p = typmod < 0 ? 6 : typmod;
		if (opts->modes.time == RC_TIME_MODE_CONNECT) {
			col->type = RC_T_TIMESTAMP_MILLIS;
			col->semantic = RC_PG_SEM_CONNECT_TIMESTAMP;
		} else if (p <= 3) {
			col->type = RC_T_TIMESTAMP_MILLIS;
			col->semantic = RC_PG_SEM_TIMESTAMP;
		} else {
			col->type = RC_T_TIMESTAMP_MICROS;
			col->semantic = RC_PG_SEM_MICROTIMESTAMP;
		}
		break;
	case RC_PG_OID_TIMESTAMPTZ:
		col->semantic = RC_PG_SEM_ZONEDTIMESTAMP;
		col->scale = typmod < 0 ? 6 : typmod > 6 ? 6 : typmod;
		break;
	case RC_PG_OID_TIMETZ:
		col->semantic = RC_PG_SEM_ZONEDTIME;
		break;
	case RC_PG_OID_INTERVAL:
		if (opts->interval == RC_INTERVAL_MODE_STRING) {
			col->semantic = RC_PG_SEM_INTERVAL;
			col->source_conv = RC_PG_CONV_INTERVAL_ISO;
		} else {
			col->type = RC_T_INTERVAL_MICROS;
			col->semantic = RC_PG_SEM_MICRODURATION;
		}
		break;
	case RC_PG_OID_POINT:
		col->type = RC_T_POINT;
		col->semantic = RC_PG_SEM_POINT;
		col->source_conv = RC_PG_CONV_POINT;
		break;
	case RC_PG_OID_TSVECTOR:
		col->semantic = RC_PG_SEM_TSVECTOR;
		break;
	case RC_PG_OID_BIT:
	case RC_PG_OID_VARBIT:
		if (typmod == 1) {
			col->type = RC_T_BOOL;
		} else {
			col->type = RC_T_BYTES;
			col->semantic = RC_PG_SEM_BITS;
			col->length = typmod > 0 ? typmod : 0;
		}
		break;
	default:
		if (typtype == 'e')
			col->semantic = RC_PG_SEM_ENUM;
		break; /* char, varchar, text, name, network types, and every type rowcast does not know */
	}
}

/* A scalar type (domains resolved) Debezium has a schema for: the built-ins of the static table,
 * point and tsvector, enums, the six built-in ranges, and the extension types its TypeRegistry knows
 * by name (PostGIS, hstore, ltree, citext, isbn, pgvector's three). */
static bool scalar_known(uint32_t oid, char typtype, const char *name)
{
	static const char *const ext[] = {"geometry", "geography", "hstore",  "ltree",    "citext",
	                                  "isbn",     "vector",    "halfvec", "sparsevec"};

	if (rc_pg_typeinfo_builtin(oid) || oid == RC_PG_OID_POINT || oid == RC_PG_OID_TSVECTOR ||
	    typtype == 'e')
		return true;
	if (typtype == 'r') /* int4range, numrange, tsrange, tstzrange, daterange, int8range */
		return oid == 3904 || oid == 3906 || oid == 3908 || oid == 3910 || oid == 3912 || oid == 3926;
	if (typtype != 'b' || !name)
		return false;
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
		if (strcmp(name, ext[i]) == 0)
			return true;
	return false;
}

bool rc_pg_type_debezium_known(const rc_pg_typeinfo_t *ti)
{
	if (!ti->elem_oid)
		return scalar_known(ti->base_oid, ti->typtype, ti->base_name);
	switch (ti->base_oid) { /* the arrays PostgresValueConverter.schemaBuilder returns null for */
	case 143:               /* xml[] */
	case 791:               /* money[] */
	case 1003:              /* name[] */
	case 1017:              /* point[] */
	case 1187:              /* interval[] */
	case 1563:              /* varbit[] */
	case 2201:              /* refcursor[] */
		return false;
	default: /* arrays of a domain: "does not work for array columns of domain types" (its comment) */
		return !ti->elem_is_array && !ti->elem_is_domain &&
		       scalar_known(ti->elem_oid, ti->elem_typtype, ti->elem_name);
	}
}

/* "numeric(12,2)", "varchar(20)", "timestamptz(3)", "_numeric(12,2)"; the name alone for types
 * that are not built-ins (domains, enums) or have no modifier. */
static void source_type(char *buf, size_t n, const rc_pg_typeinfo_t *ti, int32_t typmod)
{
	const rc_pg_typeinfo_t *b = rc_pg_typeinfo_builtin(ti->oid);
	uint32_t oid = b ? (b->elem_oid ? b->elem_oid : b->oid) : 0;
	int32_t p, s;

	if (!b || typmod < 0) {
		snprintf(buf, n, "%s", ti->name);
		return;
	}
	switch (oid) {
	case RC_PG_OID_NUMERIC:
		numeric_typmod(typmod, &p, &s);
		snprintf(buf, n, "%s(%d,%d)", ti->name, (int)p, (int)s);
		break;
	case RC_PG_OID_VARCHAR:
	case RC_PG_OID_BPCHAR:
		snprintf(buf, n, "%s(%d)", ti->name, (int)(typmod - 4));
		break;
	case RC_PG_OID_BIT:
	case RC_PG_OID_VARBIT:
	case RC_PG_OID_TIME:
	case RC_PG_OID_TIMETZ:
	case RC_PG_OID_TIMESTAMP:
	case RC_PG_OID_TIMESTAMPTZ:
		snprintf(buf, n, "%s(%d)", ti->name, (int)typmod);
		break;
	case RC_PG_OID_INTERVAL:
		if ((typmod & 0xffff) != 0xffff)
			snprintf(buf, n, "%s(%d)", ti->name, (int)(typmod & 0xffff));
		else
			snprintf(buf, n, "%s", ti->name);
		break;
	default:
		snprintf(buf, n, "%s", ti->name);
		break;
	}
}

int rc_pg_column_map(rc_column_t *col, const rc_pg_typeinfo_t *ti, int32_t typmod,
                     const rc_pg_type_opts_t *opts, char *err, size_t errlen)
{
	int32_t tm = typmod >= 0 ? typmod : ti->typmod;
	char st[RC_PG_NAMEDATALEN + 32];
	/* PostGIS types separate array elements with ':' (their typdelim), every other type with ',' but
	 * box (';'), whose arrays stay one string */
	bool geo_elem = strcmp(ti->elem_name, "geometry") == 0 || strcmp(ti->elem_name, "geography") == 0;
	bool readable_array = ti->elem_oid && !ti->elem_is_array &&
	                      (ti->elem_delim == ',' || (geo_elem && ti->elem_delim == ':'));

	col->type = RC_T_STRING;
	col->elem_type = RC_T_STRING;
	col->semantic = NULL;
	col->precision = col->scale = col->length = 0;
	col->source_conv = RC_PG_CONV_TEXT;
	free(col->enum_values);
	col->enum_values = NULL;
	col->source_oid = ti->base_oid;
	if (readable_array) {
		uint32_t arr = rc_pg_typeinfo_array_of(ti->elem_oid);
		if (tm < 0)
			tm = ti->elem_typmod;
		map_scalar(col, ti->elem_oid, ti->elem_typtype, tm, ti->elem_name, opts);
		col->elem_type = col->type;
		col->type = RC_T_ARRAY;
		col->source_oid = arr ? arr : ti->base_oid;
	} else if (!ti->elem_oid) {
		map_scalar(col, ti->base_oid, ti->typtype, tm, ti->base_name, opts);
	}
	col->source_typmod = tm;
	/* Debezium's column.length() of varchar(n) and char(n): the column mappers cut a hash to it */
	col->char_length =
	    col->type == RC_T_STRING && tm >= 4 &&
	            (col->source_oid == RC_PG_OID_VARCHAR || col->source_oid == RC_PG_OID_BPCHAR)
	        ? tm - 4
	        : 0;
	if (col->semantic && strcmp(col->semantic, RC_PG_SEM_ENUM) == 0 && ti->enum_labels &&
	    rc_column_set_enum_values(col, ti->enum_labels) != 0)
		goto oom;
	source_type(st, sizeof st, ti, typmod);
	if (rc_column_set_names(col, col->name ? col->name : "", st) != 0)
		goto oom;
	return 0;
oom:
	snprintf(err, errlen, "column %s: out of memory", col->name ? col->name : "?");
	return -1;
}
