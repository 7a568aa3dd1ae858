#include "config.h"

#include "sinks/avro_schema.h"

#include "agent/source_block.h"
#include "sinks/schema_change.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNAPSHOT_ALLOWED "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"
#define VSD_NAME "io.debezium.data.VariableScaleDecimal"
#define GEOMETRY_NAME "io.debezium.data.geometry.Geometry"
#define GEOGRAPHY_NAME "io.debezium.data.geometry.Geography"
#define POINT_NAME "io.debezium.data.geometry.Point"
#define PG_NS "io.debezium.connector.postgresql"

/* State of one schema being built. */
typedef struct ctx {
	const rc_table_t *t; /* NULL for message schemas */
	const rc_avro_opts_t *opts;
	const char *ns;         /* namespace of the top record: nested records in it omit "namespace" */
	bool vsd_defined;       /* VariableScaleDecimal is defined once per schema, then referenced */
	bool geometry_defined;  /* and Geometry */
	bool geography_defined; /* and Geography */
	bool point_defined;     /* and Point */
	bool in_key;            /* building the Key: Debezium builds it without the column mappers */
	bool oom;               /* a jansson call failed */
	bool failed;            /* err holds a message */
	char *err;
	size_t errlen;
} ctx_t;

__attribute__((format(printf, 2, 3))) static void fail(ctx_t *cx, const char *fmt, ...)
{
	va_list ap;

	if (cx->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(cx->err, cx->errlen, fmt, ap);
	va_end(ap);
	cx->failed = true;
}

static bool is_valid_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Appends c to out (bounded by outlen, NUL kept room for) and counts it in *n either way. */
static void emit(char *out, size_t outlen, size_t *n, char c)
{
	if (*n + 1 < outlen)
		out[*n] = c;
	(*n)++;
}

size_t rc_avro_name(const char *name, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t n = 0;

	if (*s >= '0' && *s <= '9')
		emit(out, outlen, &n, '_');
	for (; *s; s++) {
		if (is_valid_char(*s)) {
			emit(out, outlen, &n, (char)*s);
		} else if (*s >= 0x80 && *s < 0xC0) {
			continue; /* UTF-8 continuation: its character was replaced at the lead byte */
		} else {
			emit(out, outlen, &n, '_');
			if (*s >= 0xF0) /* beyond U+FFFF: two UTF-16 chars in Java, two '_' in Debezium */
				emit(out, outlen, &n, '_');
		}
	}
	if (n == 0)
		emit(out, outlen, &n, '_');
	if (outlen)
		out[n < outlen ? n : outlen - 1] = '\0';
	return n;
}

/* Returns the adjusted name in malloc'd memory, or NULL when out of memory. */
static char *adjusted(const char *name)
{
	size_t n = rc_avro_name(name, NULL, 0);
	char *s = malloc(n + 1);

	if (s)
		rc_avro_name(name, s, n + 1);
	return s;
}

/* Steals val into obj[key]; a NULL obj or val (failed allocation) marks the context. */
static void put(ctx_t *cx, json_t *obj, const char *key, json_t *val)
{
	if (!obj || !val) {
		json_decref(val);
		cx->oom = true;
		return;
	}
	if (json_object_set_new(obj, key, val) != 0)
		cx->oom = true;
}

static void push(ctx_t *cx, json_t *arr, json_t *val)
{
	if (!arr || !val) {
		json_decref(val);
		cx->oom = true;
		return;
	}
	if (json_array_append_new(arr, val) != 0)
		cx->oom = true;
}

/* ["null", type] */
static json_t *optional(ctx_t *cx, json_t *type)
{
	json_t *u = json_array();

	push(cx, u, json_string("null"));
	push(cx, u, type);
	return u;
}

/* {"name": name, "type": type [, "doc": doc]} */
static json_t *field(ctx_t *cx, const char *name, json_t *type, const char *doc)
{
	json_t *f = json_object();

	put(cx, f, "name", json_string(name));
	put(cx, f, "type", type);
	if (doc)
		put(cx, f, "doc", json_string(doc));
	return f;
}

/* {"name": name, "type": ["null", type] [, "doc": doc], "default": null} */
static json_t *opt_field(ctx_t *cx, const char *name, json_t *type, const char *doc)
{
	json_t *f = field(cx, name, optional(cx, type), doc);

	put(cx, f, "default", json_null());
	return f;
}

/* {"type": "record", "name": name [, "namespace": ns], "fields": fields}: the namespace is written
 * only when it differs from the top record's, as Avro's own serialiser does. */
static json_t *record(ctx_t *cx, const char *name, const char *ns, json_t *fields)
{
	json_t *r = json_object();

	put(cx, r, "type", json_string("record"));
	put(cx, r, "name", json_string(name));
	if (ns && (!cx->ns || strcmp(ns, cx->ns) != 0))
		put(cx, r, "namespace", json_string(ns));
	put(cx, r, "fields", fields);
	return r;
}

/* Appends "connect.version" (when > 0) and "connect.name" to a named record. */
static void connect_name(ctx_t *cx, json_t *r, int version, const char *ns, const char *name)
{
	char full[1024];

	if (version > 0)
		put(cx, r, "connect.version", json_integer(version));
	if ((size_t)snprintf(full, sizeof full, "%s.%s", ns, name) >= sizeof full) {
		fail(cx, "Avro name %s.%s is too long", ns, name);
		return;
	}
	put(cx, r, "connect.name", json_string(full));
}

static const char *avro_primitive(rc_type_t type)
{
	switch (type) {
	case RC_T_BOOL:
		return "boolean";
	case RC_T_INT8:
	case RC_T_INT16:
	case RC_T_INT32:
	case RC_T_DATE:
	case RC_T_TIME_MILLIS:
		return "int";
	case RC_T_INT64:
	case RC_T_TIME_MICROS:
	case RC_T_TIMESTAMP_MILLIS:
	case RC_T_TIMESTAMP_MICROS:
	case RC_T_INTERVAL_MICROS:
		return "long";
	case RC_T_FLOAT32:
		return "float";
	case RC_T_FLOAT64:
		return "double";
	case RC_T_STRING:
		return "string";
	case RC_T_BYTES:
	case RC_T_DECIMAL:
		return "bytes";
	case RC_T_VARDECIMAL:
	case RC_T_ARRAY:
	case RC_T_GEOMETRY:
	case RC_T_POINT:
	case RC_T_MAP:
		break;
	}
	return NULL;
}

/* Debezium's semantic name of a type when the column names none (time.precision.mode=adaptive). */
static const char *default_semantic(rc_type_t type)
{
	switch (type) {
	case RC_T_DATE:
		return "io.debezium.time.Date";
	case RC_T_TIME_MILLIS:
		return "io.debezium.time.Time";
	case RC_T_TIME_MICROS:
		return "io.debezium.time.MicroTime";
	case RC_T_TIMESTAMP_MILLIS:
		return "io.debezium.time.Timestamp";
	case RC_T_TIMESTAMP_MICROS:
		return "io.debezium.time.MicroTimestamp";
	case RC_T_INTERVAL_MICROS:
		return "io.debezium.time.MicroDuration";
	default:
		return NULL;
	}
}

/* The Avro logicalType of a plain type whose column names semantic (or NULL), or NULL. AvroData always
 * gives one to Connect's built-ins. */
static const char *logical_type(const ctx_t *cx, rc_type_t type, const char *sem)
{
	if (sem && strcmp(sem, "org.apache.kafka.connect.data.Date") == 0)
		return "date";
	if (sem && strcmp(sem, "org.apache.kafka.connect.data.Time") == 0)
		return "time-millis";
	if (sem && strcmp(sem, "org.apache.kafka.connect.data.Timestamp") == 0)
		return "timestamp-millis";
	if (!cx->opts->native_logical_types)
		return NULL;
	switch (type) {
	case RC_T_DATE:
		return "date";
	case RC_T_TIME_MILLIS:
		return "time-millis";
	case RC_T_TIME_MICROS:
		return "time-micros";
	case RC_T_TIMESTAMP_MILLIS:
		return "timestamp-millis";
	case RC_T_TIMESTAMP_MICROS:
		return "timestamp-micros";
	case RC_T_STRING:
		return sem && strcmp(sem, "io.debezium.data.Uuid") == 0 ? "uuid" : NULL;
	default:
		return NULL;
	}
}

/* The parameters the column mappers give c's field schema (agent/column_map.h), appended to *params
 * (made when NULL) after the type's own, as TableSchemaBuilder calls alterFieldSchema after the
 * type's schema builder: MaskStrings' "masked", TruncateColumn's "truncateLength". */
static void mapper_params(ctx_t *cx, const rc_column_t *c, json_t **params)
{
	char num[16];

	if (cx->in_key || (!c->masked && !c->truncated))
		return;
	if (!*params)
		*params = json_object();
	if (c->masked)
		put(cx, *params, "masked", json_string("true"));
	if (c->truncated) {
		snprintf(num, sizeof num, "%d", (int)c->truncate_length);
		put(cx, *params, "truncateLength", json_string(num));
	}
}

static json_t *decimal_type(ctx_t *cx, const rc_column_t *c)
{
	int32_t precision = c->precision > 0 ? c->precision : 64; /* AvroData's default */
	json_t *o = json_object(), *params = json_object();
	char num[16];

	put(cx, o, "type", json_string("bytes"));
	put(cx, o, "scale", json_integer(c->scale));
	put(cx, o, "precision", json_integer(precision));
	put(cx, o, "connect.version", json_integer(1));
	snprintf(num, sizeof num, "%d", (int)c->scale);
	put(cx, params, "scale", json_string(num));
	if (c->precision > 0) {
		snprintf(num, sizeof num, "%d", (int)c->precision);
		put(cx, params, "connect.decimal.precision", json_string(num));
	}
	mapper_params(cx, c, &params);
	put(cx, o, "connect.parameters", params);
	put(cx, o, "connect.name", json_string("org.apache.kafka.connect.data.Decimal"));
	put(cx, o, "logicalType", json_string("decimal"));
	return o;
}

/* io.debezium.data.VariableScaleDecimal: defined at its first use, referenced by name after. */
static json_t *vsd_type(ctx_t *cx)
{
	json_t *fields = json_array(), *r;

	if (cx->vsd_defined) {
		json_decref(fields);
		return json_string(VSD_NAME);
	}
	cx->vsd_defined = true;
	push(cx, fields, field(cx, "scale", json_string("int"), NULL));
	push(cx, fields, field(cx, "value", json_string("bytes"), NULL));
	r = record(cx, "VariableScaleDecimal", "io.debezium.data", fields);
	put(cx, r, "connect.doc", json_string("Variable scaled decimal"));
	put(cx, r, "connect.version", json_integer(1));
	put(cx, r, "connect.name", json_string(VSD_NAME));
	return r;
}

/* io.debezium.data.geometry.Geometry (Debezium's Geometry.builder(): a struct of wkb bytes and an
 * optional int srid, doc "Geometry", version 1), as AvroData writes it; defined at its first use,
 * referenced by name after. */
static json_t *geometry_type(ctx_t *cx, const rc_column_t *c)
{
	/* PostGIS geography: Debezium's Geography.builder(), the same struct named Geography */
	bool geog = c->semantic && strcmp(c->semantic, GEOGRAPHY_NAME) == 0;
	bool *defined = geog ? &cx->geography_defined : &cx->geometry_defined;
	const char *full = geog ? GEOGRAPHY_NAME : GEOMETRY_NAME, *name = geog ? "Geography" : "Geometry";
	json_t *fields = json_array(), *r;

	if (*defined) {
		json_decref(fields);
		return json_string(full);
	}
	*defined = true;
	push(cx, fields, field(cx, "wkb", json_string("bytes"), NULL));
	push(cx, fields, opt_field(cx, "srid", json_string("int"), NULL));
	r = record(cx, name, "io.debezium.data.geometry", fields);
	put(cx, r, "connect.doc", json_string(name));
	put(cx, r, "connect.version", json_integer(1));
	put(cx, r, "connect.name", json_string(full));
	return r;
}

/* io.debezium.data.geometry.Point (Debezium's Point.builder(): x, y float64, optional wkb bytes and
 * srid int, doc "Geometry (POINT)", version 1), defined at its first use, referenced by name after. */
static json_t *point_type(ctx_t *cx)
{
	json_t *fields = json_array(), *r;

	if (cx->point_defined) {
		json_decref(fields);
		return json_string(POINT_NAME);
	}
	cx->point_defined = true;
	push(cx, fields, field(cx, "x", json_string("double"), NULL));
	push(cx, fields, field(cx, "y", json_string("double"), NULL));
	push(cx, fields, opt_field(cx, "wkb", json_string("bytes"), NULL));
	push(cx, fields, opt_field(cx, "srid", json_string("int"), NULL));
	r = record(cx, "Point", "io.debezium.data.geometry", fields);
	put(cx, r, "connect.doc", json_string("Geometry (POINT)"));
	put(cx, r, "connect.version", json_integer(1));
	put(cx, r, "connect.name", json_string(POINT_NAME));
	return r;
}

/* A Connect map<string, optional string> as AvroData writes a map with string keys. */
static json_t *map_type(ctx_t *cx)
{
	json_t *m = json_object();

	put(cx, m, "type", json_string("map"));
	put(cx, m, "values", optional(cx, json_string("string")));
	return m;
}

/* Avro type of a value of the given type, described by column c (for an array: of its elements). */
static json_t *value_type(ctx_t *cx, const rc_column_t *c, rc_type_t type)
{
	const char *base, *sem, *logical;
	json_t *o, *params = NULL;
	char num[16];
	bool mapped;

	if (type == RC_T_DECIMAL)
		return decimal_type(cx, c);
	if (type == RC_T_VARDECIMAL)
		return vsd_type(cx);
	if (type == RC_T_GEOMETRY)
		return geometry_type(cx, c);
	if (type == RC_T_POINT)
		return point_type(cx);
	if (type == RC_T_MAP)
		return map_type(cx);
	base = avro_primitive(type);
	if (!base) {
		fail(cx, "table %s.%s column %s: %s", cx->t->schema_name, cx->t->name, c->name,
		     type == RC_T_ARRAY ? "arrays of arrays are not supported" : "unknown type");
		return NULL;
	}
	sem = c->semantic ? c->semantic : default_semantic(type);
	logical = logical_type(cx, type, c->semantic); /* the defaults have no logical type */
	/* the column's own schema carries the mappers' parameters, not its array's elements */
	mapped = type == c->type && !cx->in_key && (c->masked || c->truncated);
	if (!sem && !logical && type != RC_T_INT16 && type != RC_T_INT8 && !mapped)
		return json_string(base);

	o = json_object();
	put(cx, o, "type", json_string(base));
	if (sem) {
		put(cx, o, "connect.version", json_integer(1));
		if ((strcmp(sem, "io.debezium.data.Enum") == 0 ||
		     strcmp(sem, "io.debezium.data.EnumSet") == 0) &&
		    c->enum_values) {
			params = json_object();
			put(cx, params, "allowed", json_string(c->enum_values));
		} else if (strcmp(sem, "io.debezium.data.Bits") == 0 && c->length > 0) {
			params = json_object();
			snprintf(num, sizeof num, "%d", (int)c->length);
			put(cx, params, "length", json_string(num));
		}
		if (mapped)
			mapper_params(cx, c, &params); /* after the type's own */
		if (params)
			put(cx, o, "connect.parameters", params);
		put(cx, o, "connect.name", json_string(sem));
	} else if (mapped) {
		mapper_params(cx, c, &params);
		put(cx, o, "connect.parameters", params);
	}
	if (type == RC_T_INT16 || type == RC_T_INT8)
		put(cx, o, "connect.type", json_string(type == RC_T_INT8 ? "int8" : "int16"));
	if (logical)
		put(cx, o, "logicalType", json_string(logical));
	return o;
}

static json_t *column_type(ctx_t *cx, const rc_column_t *c)
{
	json_t *a;

	if (c->type != RC_T_ARRAY)
		return value_type(cx, c, c->type);
	a = json_object();
	put(cx, a, "type", json_string("array"));
	if (rc_column_is_vector(c)) {
		/* FloatVector: SchemaBuilder.array(FLOAT32_SCHEMA).name(...).version(1), as AvroData
		 * writes a named array: plain items, the Connect name on the array */
		put(cx, a, "items", json_string("float"));
		put(cx, a, "connect.version", json_integer(1));
		put(cx, a, "connect.name", json_string(RC_SEM_FLOATVECTOR));
		return a;
	}
	if (rc_column_items_required(c))
		put(cx, a, "items", value_type(cx, c, c->elem_type));
	else
		put(cx, a, "items", optional(cx, value_type(cx, c, c->elem_type)));
	return a;
}

/* The Avro JSON of column c's default (AvroData's defaultValueFromConnect: numbers, booleans, strings;
 * bytes as a string of ISO-8859-1 characters, one per byte), or NULL when it has none to give. */
static json_t *default_json(ctx_t *cx, const rc_column_t *c)
{
	const rc_column_default_t *d = &c->dflt;
	char *latin1;
	size_t n = 0;
	json_t *j;

	if (!d->set || cx->opts->all_optional)
		return NULL;
	switch (c->type) {
	case RC_T_BOOL:
		return json_boolean(d->b);
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
		return json_integer(d->i);
	case RC_T_FLOAT32:
	case RC_T_FLOAT64:
		return json_real(d->f); /* non-finite values never become a default (pg_defaults.c) */
	case RC_T_STRING:
		return json_stringn(d->bytes ? d->bytes : "", d->len);
	case RC_T_BYTES:
	case RC_T_DECIMAL:
		latin1 = malloc(d->len * 2 + 1);
		if (!latin1) {
			cx->oom = true;
			return NULL;
		}
		for (size_t i = 0; i < d->len; i++) {
			unsigned char b = (unsigned char)d->bytes[i];
			if (b < 0x80) {
				latin1[n++] = (char)b;
			} else {
				latin1[n++] = (char)(0xC0 | (b >> 6));
				latin1[n++] = (char)(0x80 | (b & 0x3F));
			}
		}
		j = json_stringn(latin1, n);
		free(latin1);
		return j;
	default:
		return NULL;
	}
}

/* T with "connect.default" added where AvroData puts it (after connect.parameters, before
 * connect.name, connect.type and logicalType); a plain type name becomes {"type": T, ...}. Takes type
 * and dflt (a reference of its own is kept for the field). */
static json_t *with_connect_default(ctx_t *cx, json_t *type, json_t *dflt)
{
	static const char *const after[] = {"connect.name", "connect.type", "logicalType"};
	json_t *o = json_object();
	const char *key;
	json_t *val;
	bool placed = false;

	if (!type || !o) {
		json_decref(type);
		json_decref(o);
		cx->oom = true;
		return NULL;
	}
	if (json_is_string(type)) {
		put(cx, o, "type", type);
		put(cx, o, "connect.default", json_incref(dflt));
		return o;
	}
	json_object_foreach(type, key, val)
	{
		for (size_t k = 0; !placed && k < sizeof after / sizeof after[0]; k++) {
			if (strcmp(key, after[k]) == 0) {
				put(cx, o, "connect.default", json_incref(dflt));
				placed = true;
			}
		}
		put(cx, o, key, json_incref(val));
	}
	if (!placed)
		put(cx, o, "connect.default", json_incref(dflt));
	json_decref(type);
	return o;
}

/* Column c's field of the Value record: Debezium's optionality and default (avro_schema.h). No field
 * doc: AvroData takes one from a Connect field-doc parameter Debezium never sets, not from the type's
 * doc (a VariableScaleDecimal's doc is its record's connect.doc only). */
static json_t *column_field(ctx_t *cx, const char *name, const rc_column_t *c)
{
	json_t *type = column_type(cx, c), *dflt, *f, *u;

	if (cx->opts->all_optional)
		return opt_field(cx, name, type, NULL);
	dflt = default_json(cx, c);
	if (dflt)
		type = with_connect_default(cx, type, dflt);
	if (c->optional && !dflt)
		return opt_field(cx, name, type, NULL);
	if (c->optional) {
		u = json_array();
		push(cx, u, type);
		push(cx, u, json_string("null"));
		type = u;
	}
	f = field(cx, name, type, NULL);
	if (dflt)
		put(cx, f, "default", dflt);
	return f;
}

/* Key column c's field of the Key record: required, with the column's default as the Value field's
 * (Debezium builds both from one column schema: an `id serial` key has default 0 there too). */
static json_t *key_field(ctx_t *cx, const char *name, const rc_column_t *c)
{
	json_t *type = column_type(cx, c), *dflt = default_json(cx, c), *f;

	if (dflt)
		type = with_connect_default(cx, type, dflt);
	f = field(cx, name, type, NULL);
	if (dflt)
		put(cx, f, "default", dflt);
	return f;
}

/* Adjusted field names of t's columns (caller frees with free_names), checked for collisions. */
static char **field_names(ctx_t *cx)
{
	const rc_table_t *t = cx->t;
	char **names = calloc(t->ncols ? t->ncols : 1, sizeof *names);

	if (!names) {
		cx->oom = true;
		return NULL;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		names[i] = adjusted(t->cols[i].name ? t->cols[i].name : "");
		if (!names[i]) {
			cx->oom = true;
			return names;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(names[i], names[j]) == 0) {
				fail(
				    cx,
				    "table %s.%s: columns \"%s\" and \"%s\" both become the Avro field \"%s\"; rename one of them or leave one out with column.exclude.list",
				    t->schema_name, t->name, t->cols[j].name, t->cols[i].name, names[i]);
				return names;
			}
		}
	}
	return names;
}

static void free_names(const ctx_t *cx, char **names)
{
	for (size_t i = 0; names && i < cx->t->ncols; i++)
		free(names[i]);
	free(names);
}

/* "<prefix>.<schema>.<table>", each part adjusted (malloc'd), or NULL with the context marked. */
static char *table_namespace(ctx_t *cx)
{
	char *p = adjusted(cx->opts->topic_prefix), *s = adjusted(cx->t->schema_name),
	     *n = adjusted(cx->t->name);
	char *ns = NULL;
	size_t len;

	if (p && s && n) {
		len = strlen(p) + strlen(s) + strlen(n) + 3;
		ns = malloc(len);
		if (ns)
			snprintf(ns, len, "%s.%s.%s", p, s, n);
	}
	if (!ns)
		cx->oom = true;
	free(p);
	free(s);
	free(n);
	return ns;
}

static bool is_pg(const rc_avro_opts_t *opts)
{
	return strcmp(opts->connector, "postgresql") == 0;
}

static int check_opts(ctx_t *cx)
{
	const rc_avro_opts_t *o = cx->opts;

	if (!o->topic_prefix || !o->topic_prefix[0]) {
		fail(cx, "Avro schema: no topic prefix");
		return -1;
	}
	if (!rc_source_block_find(o->connector)) {
		fail(cx, "Avro schema: connector '%s' is not postgresql, mysql or mariadb",
		     o->connector ? o->connector : "(null)");
		return -1;
	}
	return 0;
}

/* The snapshot field of the Source record: an optional enum string whose default is "false", so the
 * union puts the string first (a union's default must match its first branch). */
static json_t *snapshot_field(ctx_t *cx, const char *name)
{
	json_t *s = json_object(), *params = json_object(), *u = json_array(), *f = json_object();

	put(cx, s, "type", json_string("string"));
	put(cx, s, "connect.version", json_integer(1));
	put(cx, params, "allowed", json_string(SNAPSHOT_ALLOWED));
	put(cx, s, "connect.parameters", params);
	put(cx, s, "connect.default", json_string("false"));
	put(cx, s, "connect.name", json_string("io.debezium.data.Enum"));
	push(cx, u, s);
	push(cx, u, json_string("null"));
	put(cx, f, "name", json_string(name));
	put(cx, f, "type", u);
	put(cx, f, "default", json_string("false"));
	return f;
}

#define REQ(name, type) push(cx, fields, field(cx, name, json_string(type), NULL))
#define OPT(name, type) push(cx, fields, opt_field(cx, name, json_string(type), NULL))

/* io.debezium.connector.<connector>.Source: the connector's field table (agent/source_block.h), the
 * same the encoders walk. check_opts() has made sure there is one. */
static json_t *source_record(ctx_t *cx)
{
	static const struct {
		const char *type;
		bool optional;
	} avro_of[] = {
	    [RC_SOURCE_STRING] = {"string", false}, [RC_SOURCE_OPT_STRING] = {"string", true},
	    [RC_SOURCE_LONG] = {"long", false},     [RC_SOURCE_OPT_LONG] = {"long", true},
	    [RC_SOURCE_INT] = {"int", false},
	};
	const rc_source_block_t *sb = rc_source_block_find(cx->opts->connector);
	json_t *fields = json_array(), *r;

	for (size_t i = 0; sb && i < sb->nfields; i++) {
		const rc_source_field_t *f = &sb->fields[i];

		if (f->kind == RC_SOURCE_SNAPSHOT)
			push(cx, fields, snapshot_field(cx, f->name));
		else if (avro_of[f->kind].optional)
			OPT(f->name, avro_of[f->kind].type);
		else
			REQ(f->name, avro_of[f->kind].type);
	}
	r = record(cx, "Source", sb ? sb->record_namespace : NULL, fields);
	connect_name(cx, r, 1, sb ? sb->record_namespace : "", "Source");
	return r;
}

/* The optional transaction block: event.block {id, total_order, data_collection_order}. */
static json_t *transaction_field(ctx_t *cx)
{
	json_t *fields = json_array(), *r;

	REQ("id", "string");
	REQ("total_order", "long");
	REQ("data_collection_order", "long");
	r = record(cx, "block", "event", fields);
	connect_name(cx, r, 1, "event", "block");
	return opt_field(cx, "transaction", r, NULL);
}

/* Serialises root (consumed) into *json, or reports why not. */
static int finish(ctx_t *cx, json_t *root, char **json)
{
	*json = NULL;
	if (!cx->failed && !cx->oom && root)
		*json = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (cx->failed)
		return -1;
	if (!*json) {
		if (cx->t)
			fail(
			    cx,
			    "cannot build the Avro schema of table %s.%s: out of memory or invalid UTF-8 in an enum label",
			    cx->t->schema_name, cx->t->name);
		else
			fail(cx, "cannot build an Avro schema: out of memory");
		return -1;
	}
	return 0;
}

static void ctx_init(ctx_t *cx, const rc_table_t *t, const rc_avro_opts_t *opts, char *err, size_t errlen)
{
	memset(cx, 0, sizeof *cx);
	cx->t = t;
	cx->opts = opts;
	cx->err = err;
	cx->errlen = errlen;
	if (errlen)
		err[0] = '\0';
}

int rc_avro_key_schema(const rc_table_t *t, const rc_avro_opts_t *opts, char **json, char *err, size_t errlen)
{
	ctx_t cxs, *cx = &cxs;
	char **names = NULL, *ns = NULL;
	json_t *fields, *root = NULL;

	ctx_init(cx, t, opts, err, errlen);
	*json = NULL;
	if (check_opts(cx) != 0)
		return -1;
	if (t->nkey == 0)
		return 0;
	names = field_names(cx);
	ns = table_namespace(cx);
	if (!cx->failed && !cx->oom) {
		cx->ns = ns;
		cx->in_key = true;
		fields = json_array();
		for (size_t i = 0; i < t->ncols; i++) {
			const rc_column_t *c = &t->cols[i];
			if (c->key)
				push(cx, fields, key_field(cx, names[i], c));
		}
		root = json_object();
		put(cx, root, "type", json_string("record"));
		put(cx, root, "name", json_string("Key"));
		put(cx, root, "namespace", json_string(ns));
		put(cx, root, "fields", fields);
		connect_name(cx, root, 0, ns, "Key");
	}
	free_names(cx, names);
	free(ns);
	return finish(cx, root, json);
}

int rc_avro_value_schema(const rc_table_t *t, const rc_avro_opts_t *opts, char **json, char *err,
                         size_t errlen)
{
	ctx_t cxs, *cx = &cxs;
	char **names = NULL, *ns = NULL, ref[1024];
	json_t *fields, *vfields, *value, *root = NULL;

	ctx_init(cx, t, opts, err, errlen);
	*json = NULL;
	if (check_opts(cx) != 0)
		return -1;
	names = field_names(cx);
	ns = table_namespace(cx);
	if (!cx->failed && !cx->oom) {
		cx->ns = ns;
		vfields = json_array();
		for (size_t i = 0; i < t->ncols; i++) {
			const rc_column_t *c = &t->cols[i];
			if (c->key_only) /* excluded from the value (agent/column_map.h) */
				continue;
			push(cx, vfields, column_field(cx, names[i], c));
		}
		value = record(cx, "Value", ns, vfields);
		connect_name(cx, value, 0, ns, "Value");

		fields = json_array();
		push(cx, fields, opt_field(cx, "before", value, NULL));
		snprintf(ref, sizeof ref, "%s.Value", ns);
		push(cx, fields, opt_field(cx, "after", json_string(ref), NULL));
		push(cx, fields, field(cx, "source", source_record(cx), NULL));
		push(cx, fields, transaction_field(cx));
		REQ("op", "string");
		OPT("ts_ms", "long");
		OPT("ts_us", "long");
		OPT("ts_ns", "long");

		root = json_object();
		put(cx, root, "type", json_string("record"));
		put(cx, root, "name", json_string("Envelope"));
		put(cx, root, "namespace", json_string(ns));
		put(cx, root, "fields", fields);
		connect_name(cx, root, 2, ns, "Envelope");
	}
	free_names(cx, names);
	free(ns);
	return finish(cx, root, json);
}

int rc_avro_message_key_schema(char **json, char *err, size_t errlen)
{
	ctx_t cxs, *cx = &cxs;
	json_t *fields, *root;

	ctx_init(cx, NULL, NULL, err, errlen);
	cx->ns = PG_NS;
	fields = json_array();
	OPT("prefix", "string");
	root = json_object();
	put(cx, root, "type", json_string("record"));
	put(cx, root, "name", json_string("MessageKey"));
	put(cx, root, "namespace", json_string(PG_NS));
	put(cx, root, "fields", fields);
	connect_name(cx, root, 1, PG_NS, "MessageKey");
	return finish(cx, root, json);
}

int rc_avro_message_value_schema(const rc_avro_opts_t *opts, char **json, char *err, size_t errlen)
{
	ctx_t cxs, *cx = &cxs;
	json_t *fields, *message, *root;

	ctx_init(cx, NULL, opts, err, errlen);
	*json = NULL;
	if (check_opts(cx) != 0)
		return -1;
	if (!is_pg(opts)) {
		fail(cx, "logical decoding messages exist only with PostgreSQL, not %s", opts->connector);
		return -1;
	}
	cx->ns = PG_NS;
	fields = json_array();
	OPT("prefix", "string");
	OPT("content", "bytes");
	message = record(cx, "Message", PG_NS, fields);
	connect_name(cx, message, 1, PG_NS, "Message");

	fields = json_array();
	REQ("op", "string");
	OPT("ts_ms", "long");
	push(cx, fields, field(cx, "source", source_record(cx), NULL));
	push(cx, fields, transaction_field(cx));
	push(cx, fields, field(cx, "message", message, NULL));
	root = json_object();
	put(cx, root, "type", json_string("record"));
	put(cx, root, "name", json_string("MessageValue"));
	put(cx, root, "namespace", json_string(PG_NS));
	put(cx, root, "fields", fields);
	connect_name(cx, root, 1, PG_NS, "MessageValue");
	return finish(cx, root, json);
}

/* ---- MySQL/MariaDB schema change events (sinks/schema_change.h) -------------------------------- */

#define SC_NS "io.debezium.connector.schema"

/* ["null", {"type": "array", "items": "string"}], default null */
static json_t *opt_string_array_field(ctx_t *cx, const char *name)
{
	json_t *a = json_object();

	put(cx, a, "type", json_string("array"));
	put(cx, a, "items", json_string("string"));
	return opt_field(cx, name, a, NULL);
}

/* io.debezium.connector.schema.Column (SchemaFactory.schemaHistoryColumnSchema). */
static json_t *sc_column_record(ctx_t *cx)
{
	json_t *fields = json_array(), *r;

	REQ("name", "string");
	REQ("jdbcType", "int");
	OPT("nativeType", "int");
	REQ("typeName", "string");
	OPT("typeExpression", "string");
	OPT("charsetName", "string");
	OPT("length", "int");
	OPT("scale", "int");
	REQ("position", "int");
	OPT("optional", "boolean");
	OPT("autoIncremented", "boolean");
	OPT("generated", "boolean");
	OPT("comment", "string");
	OPT("defaultValueExpression", "string");
	push(cx, fields, opt_string_array_field(cx, "enumValues"));
	r = record(cx, "Column", SC_NS, fields);
	connect_name(cx, r, 1, SC_NS, "Column");
	return r;
}

/* io.debezium.connector.schema.Table (SchemaFactory.schemaHistoryTableSchema). The "attributes" of
 * Debezium's schema history documents (JsonTableChangeSerializer) are not in the Connect record that
 * schema change events carry (ConnectTableChangeSerializer), so not here either. */
static json_t *sc_table_record(ctx_t *cx)
{
	json_t *fields = json_array(), *columns = json_object(), *r;

	OPT("defaultCharsetName", "string");
	push(cx, fields, opt_string_array_field(cx, "primaryKeyColumnNames"));
	put(cx, columns, "type", json_string("array"));
	put(cx, columns, "items", sc_column_record(cx));
	push(cx, fields, field(cx, "columns", columns, NULL));
	OPT("comment", "string");
	r = record(cx, "Table", SC_NS, fields);
	connect_name(cx, r, 1, SC_NS, "Table");
	return r;
}

/* {"type": "array", "items": io.debezium.connector.schema.Change}. Table and Column are written
 * inside Change, whose namespace they share: as Avro's serialiser does, they omit "namespace". */
static json_t *sc_table_changes_type(ctx_t *cx)
{
	const char *top = cx->ns;
	json_t *fields = json_array(), *change, *a = json_object();

	REQ("type", "string");
	REQ("id", "string");
	cx->ns = SC_NS;
	push(cx, fields, opt_field(cx, "table", sc_table_record(cx), NULL));
	cx->ns = top;
	change = record(cx, "Change", SC_NS, fields);
	connect_name(cx, change, 1, SC_NS, "Change");
	put(cx, a, "type", json_string("array"));
	put(cx, a, "items", change);
	return a;
}

/* Namespace of the connector's schema change records into ns, or -1 with the context marked. */
static int sc_namespace(ctx_t *cx, char *ns, size_t len)
{
	if (rc_schema_change_namespace(cx->opts->connector, ns, len) != 0) {
		fail(cx, "schema change events exist only with MySQL and MariaDB, not %s",
		     cx->opts->connector);
		return -1;
	}
	return 0;
}

int rc_avro_schema_change_key_schema(const rc_avro_opts_t *opts, char **json, char *err, size_t errlen)
{
	ctx_t cxs, *cx = &cxs;
	char ns[64];
	json_t *fields, *root;

	ctx_init(cx, NULL, opts, err, errlen);
	*json = NULL;
	if (check_opts(cx) != 0 || sc_namespace(cx, ns, sizeof ns) != 0)
		return -1;
	cx->ns = ns;
	fields = json_array();
	REQ("databaseName", "string");
	root = json_object();
	put(cx, root, "type", json_string("record"));
	put(cx, root, "name", json_string("SchemaChangeKey"));
	put(cx, root, "namespace", json_string(ns));
	put(cx, root, "fields", fields);
	connect_name(cx, root, 1, ns, "SchemaChangeKey");
	return finish(cx, root, json);
}

int rc_avro_schema_change_value_schema(const rc_avro_opts_t *opts, char **json, char *err, size_t errlen)
{
	ctx_t cxs, *cx = &cxs;
	char ns[64];
	json_t *fields, *root;

	ctx_init(cx, NULL, opts, err, errlen);
	*json = NULL;
	if (check_opts(cx) != 0 || sc_namespace(cx, ns, sizeof ns) != 0)
		return -1;
	cx->ns = ns;
	fields = json_array();
	push(cx, fields, field(cx, "source", source_record(cx), NULL));
	REQ("ts_ms", "long");
	OPT("databaseName", "string");
	OPT("schemaName", "string");
	OPT("ddl", "string");
	push(cx, fields, field(cx, "tableChanges", sc_table_changes_type(cx), NULL));
	root = json_object();
	put(cx, root, "type", json_string("record"));
	put(cx, root, "name", json_string("SchemaChangeValue"));
	put(cx, root, "namespace", json_string(ns));
	put(cx, root, "fields", fields);
	connect_name(cx, root, 1, ns, "SchemaChangeValue");
	return finish(cx, root, json);
}
