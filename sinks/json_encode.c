#include "config.h"

#include "sinks/json_encode.h"

#include "agent/calendar.h"
#include "agent/codec.h"
#include "agent/decimal.h"
#include "agent/source_block.h"
#include "sinks/avro_encode.h"
#include "sinks/schema_change.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_BYTES 1024

typedef struct jenc {
	rc_buf_t *out;
	const rc_event_t *ev;
	char *err;
	size_t errlen;
} jenc_t;

static const char hexdigits[] = "0123456789abcdef";

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when it is not valid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, cp = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, cp = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* The inside of a string literal: s escaped, without quotes. */
static void string_body(rc_buf_t *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			run++, i++;
			continue;
		}
		n = c < 0x80 ? 1 : utf8_len(s + i, len - i);
		if (n > 1) {
			run += n, i += n;
			continue;
		}
		rc_buf_append(out, s + i - run, run);
		run = 0;
		if (c == '"' || c == '\\') {
			rc_buf_putc(out, '\\');
			rc_buf_putc(out, c);
		} else if (c == '\n') {
			rc_buf_append(out, "\\n", 2);
		} else if (c == '\t') {
			rc_buf_append(out, "\\t", 2);
		} else if (c == '\r') {
			rc_buf_append(out, "\\r", 2);
		} else if (c < 0x20) {
			char u[6] = {'\\', 'u', '0', '0', hexdigits[c >> 4], hexdigits[c & 15]};
			rc_buf_append(out, u, sizeof u);
		} else {
			rc_buf_append(out, "\\ufffd", 6); /* invalid UTF-8 byte */
		}
		i++;
	}
	rc_buf_append(out, s + i - run, run);
}

void rc_json_write_string(rc_buf_t *out, const char *s, size_t len)
{
	rc_buf_putc(out, '"');
	string_body(out, s, len);
	rc_buf_putc(out, '"');
}

static void write_cstring(rc_buf_t *out, const char *s)
{
	rc_json_write_string(out, s, strlen(s));
}

/* bytes as a base64 string literal, encoded straight into the buffer */
static void write_base64(rc_buf_t *out, const unsigned char *p, size_t len)
{
	size_t n = rc_codec_base64_len(len);

	if (rc_buf_grow(out, n + 2) != 0)
		return;
	out->data[out->len++] = '"';
	out->len += rc_codec_base64_encode(p, len, (char *)out->data + out->len);
	out->data[out->len++] = '"';
}

static void write_int(rc_buf_t *out, int64_t v)
{
	char s[RC_DECIMAL_INT64_CHARS];

	rc_buf_append(out, s, rc_decimal_format_i64(v, s));
}

/* Shortest %g form that reads back as the same value; NaN and infinities as strings. */
static void write_float(rc_buf_t *out, double v, bool single)
{
	char s[40];

	if (isnan(v)) {
		rc_buf_puts(out, "\"NaN\"");
		return;
	}
	if (isinf(v)) {
		rc_buf_puts(out, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
		return;
	}
	for (int prec = single ? 6 : 15; prec <= (single ? 9 : 17); prec++) {
		snprintf(s, sizeof s, "%.*g", prec, v);
		if (single ? strtof(s, NULL) == (float)v : strtod(s, NULL) == v)
			break;
	}
	rc_buf_puts(out, s);
}

__attribute__((format(printf, 3, 4))) static int col_fail(jenc_t *j, const rc_column_t *c, const char *fmt,
                                                          ...)
{
	const rc_table_t *t = j->ev->table;
	va_list ap;
	int n = snprintf(j->err, j->errlen, "table %s.%s column %s: ", t->schema_name, t->name, c->name);

	if (n >= 0 && (size_t)n < j->errlen) {
		va_start(ap, fmt);
		vsnprintf(j->err + n, j->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int write_typed(jenc_t *j, const rc_column_t *c, rc_type_t type, const rc_value_t *v)
{
	rc_buf_t *out = j->out;
	const unsigned char *p = (const unsigned char *)v->u.bytes.ptr;

	switch (type) {
	case RC_T_BOOL:
		rc_buf_puts(out, v->u.b ? "true" : "false");
		return 0;
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
		write_int(out, v->u.i);
		return 0;
	case RC_T_FLOAT32:
		write_float(out, v->u.f, true);
		return 0;
	case RC_T_FLOAT64:
		write_float(out, v->u.f, false);
		return 0;
	default:
		break;
	}
	if (type == RC_T_ARRAY)
		return col_fail(j, c, "arrays of arrays are not supported");
	if (type == RC_T_MAP) { /* {"key": "value" or null, ...} */
		if (v->u.array.n % 2 != 0 || (v->u.array.n > 0 && !v->u.array.items))
			return col_fail(j, c, "map value of %zu items is not key/value pairs", v->u.array.n);
		rc_buf_putc(out, '{');
		for (size_t i = 0; i < v->u.array.n; i += 2) {
			const rc_value_t *k = &v->u.array.items[i], *val = &v->u.array.items[i + 1];
			if (i)
				rc_buf_putc(out, ',');
			rc_json_write_string(out, k->u.bytes.ptr, k->u.bytes.len);
			rc_buf_putc(out, ':');
			if (val->state == RC_V_SET)
				rc_json_write_string(out, val->u.bytes.ptr, val->u.bytes.len);
			else
				rc_buf_puts(out, "null");
		}
		rc_buf_putc(out, '}');
		return 0;
	}
	if (!p && v->u.bytes.len > 0)
		return col_fail(j, c, "value of %zu bytes has no data", v->u.bytes.len);
	switch (type) {
	case RC_T_STRING:
		rc_json_write_string(out, v->u.bytes.ptr, v->u.bytes.len);
		return 0;
	case RC_T_BYTES:
		write_base64(out, p, v->u.bytes.len);
		return 0;
	case RC_T_GEOMETRY: /* {"wkb": base64, "srid": n or null (SRID 0)}, as Debezium's JSON */
		rc_buf_puts(out, "{\"wkb\":");
		write_base64(out, p, v->u.bytes.len);
		rc_buf_puts(out, ",\"srid\":");
		if (v->u.bytes.scale == 0)
			rc_buf_puts(out, "null");
		else
			write_int(out, v->u.bytes.scale);
		rc_buf_putc(out, '}');
		return 0;
	case RC_T_POINT: { /* {"x":..,"y":..,"wkb": base64,"srid":null}, as Debezium's JSON */
		double xy[2];
		if (rc_avro_point_xy(v, xy) != 0)
			return col_fail(j, c, "point value of %zu bytes is not a 2D WKB point",
			                v->u.bytes.len);
		rc_buf_puts(out, "{\"x\":");
		write_float(out, xy[0], false);
		rc_buf_puts(out, ",\"y\":");
		write_float(out, xy[1], false);
		rc_buf_puts(out, ",\"wkb\":");
		write_base64(out, p, v->u.bytes.len);
		rc_buf_puts(out, ",\"srid\":null}");
		return 0;
	}
	case RC_T_DECIMAL:
	case RC_T_VARDECIMAL:
		rc_buf_putc(out, '"');
		rc_decimal_append_twos(out, p, v->u.bytes.len,
		                       type == RC_T_DECIMAL ? c->scale : v->u.bytes.scale, RC_DECIMAL_PLAIN);
		rc_buf_putc(out, '"');
		return 0;
	default:
		return col_fail(j, c, "type %d cannot be encoded", (int)type);
	}
}

static int write_column(jenc_t *j, const rc_column_t *c, const rc_value_t *v)
{
	if (c->type != RC_T_ARRAY)
		return write_typed(j, c, c->type, v);
	if (v->u.array.n > 0 && !v->u.array.items)
		return col_fail(j, c, "array of %zu elements has no items", v->u.array.n);
	rc_buf_putc(j->out, '[');
	for (size_t i = 0; i < v->u.array.n; i++) {
		const rc_value_t *item = &v->u.array.items[i];
		if (i)
			rc_buf_putc(j->out, ',');
		if (item->state == RC_V_NULL)
			rc_buf_puts(j->out, "null");
		else if (item->state != RC_V_SET)
			return col_fail(j, c, "array element %zu has state %d", i, (int)item->state);
		else if (write_typed(j, c, c->elem_type, item) != 0)
			return -1;
	}
	rc_buf_putc(j->out, ']');
	return 0;
}

static int write_optional(jenc_t *j, const rc_column_t *c, const rc_value_t *v)
{
	static const char placeholder[] = RC_AVRO_UNAVAILABLE;

	switch (v->state) {
	case RC_V_NULL:
		rc_buf_puts(j->out, "null");
		return 0;
	case RC_V_SET:
		return write_column(j, c, v);
	case RC_V_UNCHANGED:
		if (c->type == RC_T_STRING || c->type == RC_T_DECIMAL)
			write_cstring(j->out, placeholder);
		else if (c->type == RC_T_BYTES)
			write_base64(j->out, (const unsigned char *)placeholder, sizeof placeholder - 1);
		else if (c->type == RC_T_ARRAY && c->elem_type == RC_T_STRING) {
			rc_buf_putc(j->out, '[');
			write_cstring(j->out, placeholder);
			rc_buf_putc(j->out, ']');
		} else
			rc_buf_puts(j->out, "null");
		return 0;
	}
	return col_fail(j, c, "invalid value state %d", (int)v->state);
}

/* Writes "name": with name adjusted as in the Avro schema. */
static void write_key(rc_buf_t *out, const char *name)
{
	char adj[NAME_BYTES];
	size_t n = rc_avro_name(name ? name : "", adj, sizeof adj);

	rc_json_write_string(out, adj, n < sizeof adj ? n : sizeof adj - 1);
	rc_buf_putc(out, ':');
}

/* An image as an object of all columns, or the key columns only. */
static int write_row(jenc_t *j, const rc_value_t *image, bool key_only)
{
	const rc_table_t *t = j->ev->table;
	bool first = true;

	rc_buf_putc(j->out, '{');
	for (size_t i = 0; i < t->ncols; i++) {
		const rc_column_t *c = &t->cols[i];
		if (key_only ? !c->key : c->key_only) /* key_only: excluded from the value */
			continue;
		if (!first)
			rc_buf_putc(j->out, ',');
		first = false;
		write_key(j->out, c->name);
		if (key_only && image[i].state != RC_V_SET)
			return col_fail(j, c, "key column is %s",
			                image[i].state == RC_V_NULL ? "null" : "not set");
		if ((key_only ? write_column(j, c, &image[i]) : write_optional(j, c, &image[i])) != 0)
			return -1;
	}
	rc_buf_putc(j->out, '}');
	return 0;
}

/* before (',' or '{'), then "name": (a name that needs no escaping) */
static void field_key(rc_buf_t *out, char before, const char *name, size_t len)
{
	char open[2] = {before, '"'};

	rc_buf_append(out, open, 2);
	rc_buf_append(out, name, len);
	rc_buf_append(out, "\":", 2);
}

static void field_int(rc_buf_t *out, const char *name, bool present, int64_t v)
{
	field_key(out, ',', name, strlen(name));
	if (present)
		write_int(out, v);
	else
		rc_buf_puts(out, "null");
}

static void field_str(rc_buf_t *out, const char *name, const char *s)
{
	field_key(out, ',', name, strlen(name));
	if (s)
		write_cstring(out, s);
	else
		rc_buf_puts(out, "null");
}

/* The source block as an object: the connector's field table (agent/source_block.h), as the Avro
 * Source record has it. */
static int write_source(jenc_t *j, const rc_avro_opts_t *opts)
{
	const rc_source_block_t *sb = rc_source_block_find(opts->connector);
	rc_buf_t *out = j->out;
	rc_source_ctx_t cx;

	if (!sb) {
		snprintf(j->err, j->errlen, "connector '%s' is not postgresql, mysql or mariadb",
		         opts->connector ? opts->connector : "(null)");
		return -1;
	}
	rc_source_block_ctx(&cx, sb, j->ev, opts->topic_prefix);
	for (size_t i = 0; i < sb->nfields; i++) {
		const rc_source_field_t *f = &sb->fields[i];
		rc_source_value_t v;

		rc_source_block_value(&cx, f, &v);
		field_key(out, i == 0 ? '{' : ',', f->name, f->name_len);
		if (v.null)
			rc_buf_append(out, "null", 4);
		else if (f->kind == RC_SOURCE_LONG || f->kind == RC_SOURCE_OPT_LONG ||
		         f->kind == RC_SOURCE_INT)
			write_int(out, v.i);
		else
			rc_json_write_string(out, v.s, v.len);
	}
	rc_buf_putc(out, '}');
	return 0;
}

static void write_transaction(rc_buf_t *out, const rc_txn_block_t *tb);

static int write_message(jenc_t *j, const rc_avro_opts_t *opts, int64_t now_ns, bool tombstone)
{
	const rc_event_t *ev = j->ev;
	rc_buf_t *out = j->out;

	rc_buf_puts(out, "{\"topic\":\"");
	string_body(out, opts->topic_prefix, strlen(opts->topic_prefix));
	rc_buf_puts(out, RC_AVRO_MESSAGE_TOPIC_SUFFIX "\",\"key\":{\"prefix\":");
	if (ev->msg_prefix)
		write_cstring(out, ev->msg_prefix);
	else
		rc_buf_puts(out, "null");
	rc_buf_puts(out, "},\"value\":");
	if (tombstone) {
		rc_buf_puts(out, "null}\n");
		return 0;
	}
	rc_buf_puts(out, "{\"op\":\"m\"");
	field_int(out, "ts_ms", true, rc_calendar_floor_div(now_ns, 1000000));
	rc_buf_puts(out, ",\"source\":");
	if (write_source(j, opts) != 0)
		return -1;
	write_transaction(out, ev->transaction);
	rc_buf_puts(out, ",\"message\":{\"prefix\":");
	if (ev->msg_prefix)
		write_cstring(out, ev->msg_prefix);
	else
		rc_buf_puts(out, "null");
	rc_buf_puts(out, ",\"content\":");
	if (ev->msg_content)
		write_base64(out, (const unsigned char *)ev->msg_content, ev->msg_len);
	else
		rc_buf_puts(out, "null");
	rc_buf_puts(out, "}}}\n");
	return 0;
}

/* ,"transaction":null or the block {id, total_order, data_collection_order}. */
static void write_transaction(rc_buf_t *out, const rc_txn_block_t *tb)
{
	rc_buf_puts(out, ",\"transaction\":");
	if (!tb) {
		rc_buf_puts(out, "null");
		return;
	}
	rc_buf_puts(out, "{\"id\":");
	write_cstring(out, tb->id ? tb->id : "");
	field_int(out, "total_order", true, tb->total_order);
	field_int(out, "data_collection_order", true, tb->data_collection_order);
	rc_buf_putc(out, '}');
}

static int write_schema_change(jenc_t *j, const rc_avro_opts_t *opts, int64_t now_ns, bool tombstone);

static int write_event(jenc_t *j, const rc_avro_opts_t *opts, int64_t now_ns, bool tombstone)
{
	const rc_event_t *ev = j->ev;
	const rc_table_t *t = ev->table;
	const rc_value_t *key_image = ev->key_image            ? ev->key_image
	                              : ev->op == RC_OP_DELETE ? ev->before
	                                                       : ev->after;
	rc_buf_t *out = j->out;
	char op[2] = {(char)ev->op, '\0'};

	if (ev->op == RC_OP_MESSAGE)
		return write_message(j, opts, now_ns, tombstone);
	if (ev->op == RC_OP_SCHEMA_CHANGE)
		return write_schema_change(j, opts, now_ns, tombstone);
	if (!t) {
		snprintf(j->err, j->errlen, "'%c' event without a table", (char)ev->op);
		return -1;
	}
	rc_buf_puts(out, "{\"topic\":");
	write_cstring(out, t->topic);
	rc_buf_puts(out, ",\"key\":");
	if (ev->op == RC_OP_TRUNCATE || t->nkey == 0) {
		rc_buf_puts(out, "null");
	} else if (!key_image) {
		snprintf(j->err, j->errlen, "table %s.%s: '%c' event: no %s image for the key",
		         t->schema_name, t->name, (char)ev->op, ev->op == RC_OP_DELETE ? "before" : "after");
		return -1;
	} else if (write_row(j, key_image, true) != 0) {
		return -1;
	}
	rc_buf_puts(out, ",\"value\":");
	if (tombstone) {
		rc_buf_puts(out, "null}\n");
		return 0;
	}
	rc_buf_puts(out, "{\"before\":");
	if (!ev->before)
		rc_buf_puts(out, "null");
	else if (write_row(j, ev->before, false) != 0)
		return -1;
	rc_buf_puts(out, ",\"after\":");
	if (!ev->after)
		rc_buf_puts(out, "null");
	else if (write_row(j, ev->after, false) != 0)
		return -1;
	rc_buf_puts(out, ",\"source\":");
	if (write_source(j, opts) != 0)
		return -1;
	write_transaction(out, ev->transaction);
	field_str(out, "op", op);
	field_int(out, "ts_ms", true, rc_calendar_floor_div(now_ns, 1000000));
	field_int(out, "ts_us", true, rc_calendar_floor_div(now_ns, 1000));
	field_int(out, "ts_ns", true, now_ns);
	rc_buf_puts(out, "}}\n");
	return 0;
}

int rc_json_encode_event(const rc_event_t *ev, const rc_avro_opts_t *opts, int64_t now_ns, bool tombstone,
                         rc_buf_t *out, char *err, size_t errlen)
{
	jenc_t j = {out, ev, err, errlen};
	size_t start = out->len;
	int rc;

	if (errlen)
		err[0] = '\0';
	rc = write_event(&j, opts, now_ns, tombstone);
	if (rc == 0 && rc_buf_failed(out)) {
		snprintf(err, errlen, "JSON record larger than %zu bytes or out of memory", out->max);
		rc = -1;
	}
	if (rc != 0 && out->len > start)
		out->len = start;
	return rc;
}

int rc_json_write_value(rc_buf_t *out, rc_table_t *table, const rc_column_t *col, const rc_value_t *v,
                        char *err, size_t errlen)
{
	rc_event_t ev = {.table = table};
	jenc_t j = {out, &ev, err, errlen};

	return write_optional(&j, col, v);
}

/* ---- MySQL/MariaDB schema change events (sinks/schema_change.h) --------------------------------
 * The same fields and values as the Avro SchemaChangeValue (sinks/avro_encode.c says why each
 * unknown one is null), unions as plain values. */

static void sc_opt_int(rc_buf_t *out, const char *name, bool present, int32_t v)
{
	field_int(out, name, present, v);
}

typedef struct sc_labels {
	rc_buf_t *out;
	size_t n;
} sc_labels_t;

static void sc_write_label(void *opaque, const char *label, size_t len)
{
	sc_labels_t *l = opaque;

	if (l->n++)
		rc_buf_putc(l->out, ',');
	rc_json_write_string(l->out, label, len);
}

static void sc_write_column(rc_buf_t *out, const rc_column_t *c, size_t index)
{
	rc_schema_change_column_t d;
	sc_labels_t labels = {out, 0};

	rc_schema_change_column(c, &d);
	rc_buf_puts(out, "{\"name\":");
	write_cstring(out, c->name ? c->name : "");
	field_int(out, "jdbcType", true, d.jdbc_type);
	rc_buf_puts(out, ",\"nativeType\":null");
	field_str(out, "typeName", d.type_name);
	field_str(out, "typeExpression", d.type_name);
	rc_buf_puts(out, ",\"charsetName\":null");
	sc_opt_int(out, "length", d.has_length, d.length);
	sc_opt_int(out, "scale", d.has_scale, d.scale);
	field_int(out, "position", true, (int64_t)index + 1);
	rc_buf_puts(out, c->optional ? ",\"optional\":true" : ",\"optional\":false");
	rc_buf_puts(out, ",\"autoIncremented\":null,\"generated\":null,\"comment\":null,"
	                 "\"defaultValueExpression\":null,\"enumValues\":");
	if (rc_schema_change_labels(&d, NULL, NULL) == 0) {
		rc_buf_puts(out, "null}");
		return;
	}
	rc_buf_putc(out, '[');
	rc_schema_change_labels(&d, sc_write_label, &labels);
	rc_buf_puts(out, "]}");
}

static void sc_write_table(rc_buf_t *out, const rc_table_t *t)
{
	bool first = true;

	rc_buf_puts(out, "{\"defaultCharsetName\":null,\"primaryKeyColumnNames\":[");
	for (size_t i = 0; i < t->ncols; i++) {
		if (!t->cols[i].key)
			continue;
		if (!first)
			rc_buf_putc(out, ',');
		first = false;
		write_cstring(out, t->cols[i].name ? t->cols[i].name : "");
	}
	rc_buf_puts(out, "],\"columns\":[");
	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			rc_buf_putc(out, ',');
		sc_write_column(out, &t->cols[i], i);
	}
	rc_buf_puts(out, "],\"comment\":null}");
}

static int sc_write_change(jenc_t *j, rc_schema_change_type_t type, const rc_table_t *t)
{
	rc_buf_t *out = j->out, id;

	if (!t || !t->name || (t->ncols > 0 && !t->cols)) {
		snprintf(j->err, j->errlen, "schema change event: a changed table without a name or columns");
		return -1;
	}
	rc_buf_puts(out, "{\"type\":\"");
	rc_buf_puts(out, rc_schema_change_type_name(type));
	rc_buf_puts(out, "\",\"id\":");
	/* The id is built apart and then escaped: its double quotes are part of the string. */
	rc_buf_init(&id, 0);
	rc_schema_change_table_id(&id, t);
	if (rc_buf_failed(&id)) {
		rc_buf_free(&id);
		snprintf(j->err, j->errlen, "schema change event: out of memory for the id of %s", t->name);
		return -1;
	}
	rc_json_write_string(out, (const char *)id.data, id.len);
	rc_buf_free(&id);
	rc_buf_puts(out, ",\"table\":");
	if (type == RC_SCHEMA_CHANGE_DROP)
		rc_buf_puts(out, "null");
	else
		sc_write_table(out, t);
	rc_buf_putc(out, '}');
	return 0;
}

static int write_schema_change(jenc_t *j, const rc_avro_opts_t *opts, int64_t now_ns, bool tombstone)
{
	const rc_event_t *ev = j->ev;
	rc_buf_t *out = j->out;
	rc_schema_change_type_t type;
	size_t n = rc_schema_change_count(ev, &type);
	char ns[64];

	if (rc_schema_change_namespace(opts->connector, ns, sizeof ns) != 0) {
		snprintf(j->err, j->errlen, "schema change events exist only with MySQL and MariaDB, not %s",
		         opts->connector ? opts->connector : "(null)");
		return -1;
	}
	if (tombstone) {
		snprintf(j->err, j->errlen, "schema change events have no tombstone");
		return -1;
	}
	rc_buf_puts(out, "{\"topic\":");
	write_cstring(out, opts->topic_prefix);
	rc_buf_puts(out, ",\"key\":{\"databaseName\":");
	write_cstring(out, ev->ddl_db ? ev->ddl_db : "");
	rc_buf_puts(out, "},\"value\":{\"source\":");
	if (write_source(j, opts) != 0)
		return -1;
	field_int(out, "ts_ms", true, rc_calendar_floor_div(now_ns, 1000000));
	field_str(out, "databaseName", ev->ddl_db);
	rc_buf_puts(out, ",\"schemaName\":null,\"ddl\":");
	if (ev->ddl)
		rc_json_write_string(out, ev->ddl, ev->ddl_len);
	else
		rc_buf_puts(out, "null");
	rc_buf_puts(out, ",\"tableChanges\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			rc_buf_putc(out, ',');
		if (sc_write_change(j, type, ev->ddl_tables[i]) != 0)
			return -1;
	}
	rc_buf_puts(out, "]}}\n");
	return 0;
}
