#include "config.h"

#include "sinks/avro_encode.h"

#include "agent/calendar.h"
#include "agent/source_block.h"
#include "sinks/schema_change.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* One record being encoded: where errors go and what they name. */
typedef struct enc {
	rc_buf_t *out;
	const rc_event_t *ev;
	bool all_optional; /* value.fields.all.optional: every Value field ["null", T] */
	char *err;
	size_t errlen;
} enc_t;

int64_t rc_avro_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void rc_avro_write_long(rc_buf_t *out, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); /* zig-zag: sign into bit 0 */
	unsigned char tmp[10];
	/* Straight into the buffer when it has room for the longest varint (as rc_buf_append would
	 * copy there): this runs for every long and union index of every record. */
	bool direct = out->cap - out->len >= sizeof tmp;
	unsigned char *start = direct ? out->data + out->len : tmp, *p = start;

	while (z > 0x7f) {
		*p++ = (unsigned char)(z | 0x80);
		z >>= 7;
	}
	*p++ = (unsigned char)z;
	if (direct)
		out->len += (size_t)(p - start);
	else
		rc_buf_append(out, tmp, (size_t)(p - tmp));
}

void rc_avro_write_float(rc_buf_t *out, float v)
{
	uint32_t u;
	unsigned char b[4];

	memcpy(&u, &v, sizeof u);
	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(u >> (8 * i));
	rc_buf_append(out, b, sizeof b);
}

void rc_avro_write_double(rc_buf_t *out, double v)
{
	uint64_t u;
	unsigned char b[8];

	memcpy(&u, &v, sizeof u);
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(u >> (8 * i));
	rc_buf_append(out, b, sizeof b);
}

void rc_avro_write_bytes(rc_buf_t *out, const void *p, size_t len)
{
	rc_avro_write_long(out, (int64_t)len);
	rc_buf_append(out, p, len);
}

void rc_avro_write_string(rc_buf_t *out, const char *s)
{
	rc_avro_write_bytes(out, s, strlen(s));
}

int rc_avro_point_xy(const rc_value_t *v, double xy[2])
{
	const unsigned char *p = (const unsigned char *)v->u.bytes.ptr;
	bool le;

	if (!p || v->u.bytes.len != 21)
		return -1;
	le = p[0] != 0;
	if ((le ? p[1] : p[4]) != 1 || p[2] != 0 || p[3] != 0 || (le ? p[4] : p[1]) != 0)
		return -1;
	for (int k = 0; k < 2; k++) {
		uint64_t u = 0;
		for (int i = 0; i < 8; i++)
			u |= (uint64_t)p[5 + 8 * k + (le ? i : 7 - i)] << (8 * i);
		memcpy(&xy[k], &u, sizeof u);
	}
	return 0;
}

void rc_avro_write_header(rc_buf_t *out, int32_t schema_id)
{
	uint32_t id = (uint32_t)schema_id;
	unsigned char h[5] = {0, (unsigned char)(id >> 24), (unsigned char)(id >> 16),
	                      (unsigned char)(id >> 8), (unsigned char)id};

	rc_buf_append(out, h, sizeof h);
}

__attribute__((format(printf, 3, 4))) static int col_fail(enc_t *e, const rc_column_t *c, const char *fmt,
                                                          ...)
{
	const rc_table_t *t = e->ev->table;
	va_list ap;
	int n;

	n = snprintf(e->err, e->errlen, "table %s.%s column %s: ", t->schema_name, t->name, c->name);
	if (n >= 0 && (size_t)n < e->errlen) {
		va_start(ap, fmt);
		vsnprintf(e->err + n, e->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void union_index(rc_buf_t *out, int i)
{
	rc_buf_putc(out, (unsigned char)(i * 2)); /* zig-zag of 0 or 1 */
}

static int check_range(enc_t *e, const rc_column_t *c, int64_t v, int64_t lo, int64_t hi, const char *what)
{
	if (v < lo || v > hi)
		return col_fail(e, c, "value %" PRId64 " does not fit in %s", v, what);
	return 0;
}

/* Writes a non-null value of the given type (for an array column: of its element type). */
static int write_typed(enc_t *e, const rc_column_t *c, rc_type_t type, const rc_value_t *v)
{
	rc_buf_t *out = e->out;

	switch (type) {
	case RC_T_BOOL:
		rc_buf_putc(out, v->u.b ? 1 : 0);
		return 0;
	case RC_T_INT8:
		if (check_range(e, c, v->u.i, INT8_MIN, INT8_MAX, "int8") != 0)
			return -1;
		rc_avro_write_long(out, v->u.i);
		return 0;
	case RC_T_INT16:
		if (check_range(e, c, v->u.i, INT16_MIN, INT16_MAX, "int16") != 0)
			return -1;
		rc_avro_write_long(out, v->u.i);
		return 0;
	case RC_T_INT32:
	case RC_T_DATE:
	case RC_T_TIME_MILLIS:
		if (check_range(e, c, v->u.i, INT32_MIN, INT32_MAX, "an Avro int") != 0)
			return -1;
		rc_avro_write_long(out, v->u.i);
		return 0;
	case RC_T_INT64:
	case RC_T_TIME_MICROS:
	case RC_T_TIMESTAMP_MILLIS:
	case RC_T_TIMESTAMP_MICROS:
	case RC_T_INTERVAL_MICROS:
		rc_avro_write_long(out, v->u.i);
		return 0;
	case RC_T_FLOAT32:
		rc_avro_write_float(out, (float)v->u.f);
		return 0;
	case RC_T_FLOAT64:
		rc_avro_write_double(out, v->u.f);
		return 0;
	case RC_T_VARDECIMAL:
		rc_avro_write_long(out, v->u.bytes.scale); /* then the unscaled value, as bytes */
		__attribute__((fallthrough));
	case RC_T_STRING:
	case RC_T_BYTES:
	case RC_T_DECIMAL:
		if (!v->u.bytes.ptr && v->u.bytes.len > 0)
			return col_fail(e, c, "value of %zu bytes has no data", v->u.bytes.len);
		rc_avro_write_bytes(out, v->u.bytes.ptr, v->u.bytes.len);
		return 0;
	case RC_T_GEOMETRY:
		/* {wkb bytes, srid ["null", "int"]}: SRID 0 is none (Debezium's BinlogGeometry) */
		if (!v->u.bytes.ptr && v->u.bytes.len > 0)
			return col_fail(e, c, "value of %zu bytes has no data", v->u.bytes.len);
		rc_avro_write_bytes(out, v->u.bytes.ptr, v->u.bytes.len);
		if (v->u.bytes.scale == 0) {
			union_index(out, 0);
		} else {
			union_index(out, 1);
			rc_avro_write_long(out, v->u.bytes.scale);
		}
		return 0;
	case RC_T_POINT: {
		/* {x double, y double, wkb ["null","bytes"], srid ["null","int"]}: x and y from the WKB */
		double xy[2];
		if (rc_avro_point_xy(v, xy) != 0)
			return col_fail(e, c, "point value of %zu bytes is not a 2D WKB point",
			                v->u.bytes.len);
		rc_avro_write_double(out, xy[0]);
		rc_avro_write_double(out, xy[1]);
		union_index(out, 1);
		rc_avro_write_bytes(out, v->u.bytes.ptr, v->u.bytes.len);
		union_index(out, 0);
		return 0;
	}
	case RC_T_MAP:
		/* one block of n entries: string key, ["null","string"] value */
		if (v->u.array.n % 2 != 0 || (v->u.array.n > 0 && !v->u.array.items))
			return col_fail(e, c, "map value of %zu items is not key/value pairs", v->u.array.n);
		if (v->u.array.n > 0)
			rc_avro_write_long(out, (int64_t)(v->u.array.n / 2));
		for (size_t i = 0; i < v->u.array.n; i += 2) {
			const rc_value_t *k = &v->u.array.items[i], *val = &v->u.array.items[i + 1];
			if (k->state != RC_V_SET)
				return col_fail(e, c, "map key %zu is null", i / 2);
			rc_avro_write_bytes(out, k->u.bytes.ptr, k->u.bytes.len);
			union_index(out, val->state == RC_V_SET ? 1 : 0);
			if (val->state == RC_V_SET)
				rc_avro_write_bytes(out, val->u.bytes.ptr, val->u.bytes.len);
		}
		rc_avro_write_long(out, 0);
		return 0;
	case RC_T_ARRAY:
		break;
	}
	return col_fail(e, c, "type %d cannot be encoded%s", (int)type,
	                type == RC_T_ARRAY ? " (arrays of arrays are not supported)" : "");
}

static int write_array(enc_t *e, const rc_column_t *c, const rc_value_t *v)
{
	if (v->u.array.n > 0) {
		if (!v->u.array.items)
			return col_fail(e, c, "array of %zu elements has no items", v->u.array.n);
		bool plain = rc_column_items_required(c); /* items T, not ["null", T] */
		rc_avro_write_long(e->out, (int64_t)v->u.array.n);
		for (size_t i = 0; i < v->u.array.n; i++) {
			const rc_value_t *item = &v->u.array.items[i];
			if (plain) {
				if (item->state != RC_V_SET)
					return col_fail(
					    e, c, "element %zu is null in an array of required elements", i);
				if (write_typed(e, c, c->elem_type, item) != 0)
					return -1;
				continue;
			}
			if (item->state == RC_V_NULL) {
				union_index(e->out, 0);
				continue;
			}
			if (item->state != RC_V_SET)
				return col_fail(e, c, "array element %zu has state %d", i, (int)item->state);
			union_index(e->out, 1);
			if (write_typed(e, c, c->elem_type, item) != 0)
				return -1;
		}
	}
	rc_avro_write_long(e->out, 0); /* end of blocks */
	return 0;
}

/* Writes a non-null value of column c. */
static int write_column(enc_t *e, const rc_column_t *c, const rc_value_t *v)
{
	if (c->type == RC_T_ARRAY)
		return write_array(e, c, v);
	return write_typed(e, c, c->type, v);
}

/* Writes the unchanged-TOAST placeholder for a column whose type can hold it; returns false when it
 * cannot (written as null, or as the fallback of a required field). */
static bool write_placeholder(enc_t *e, const rc_column_t *c, int value_branch)
{
	static const char placeholder[] = RC_AVRO_UNAVAILABLE;

	switch (c->type) {
	case RC_T_STRING:
	case RC_T_BYTES:
	case RC_T_DECIMAL:
		if (value_branch >= 0)
			union_index(e->out, value_branch);
		rc_avro_write_bytes(e->out, placeholder, sizeof placeholder - 1);
		return true;
	case RC_T_ARRAY:
		if (c->elem_type != RC_T_STRING)
			return false;
		if (value_branch >= 0)
			union_index(e->out, value_branch);
		rc_avro_write_long(e->out, 1);
		union_index(e->out, 1);
		rc_avro_write_bytes(e->out, placeholder, sizeof placeholder - 1);
		rc_avro_write_long(e->out, 0);
		return true;
	default:
		return false;
	}
}

/*
 * A required field without a value (a NOT NULL column the image does not carry: a delete's before
 * image under REPLICA IDENTITY DEFAULT, a minimal binlog image): what Debezium's converters write
 * (JdbcValueConverters.convertValue), the column's default, or else its type's zero ("" for strings,
 * the epoch for its zoned time strings, an empty array).
 */
static void write_fallback(enc_t *e, const rc_column_t *c)
{
	const rc_column_default_t *d = &c->dflt;
	rc_buf_t *out = e->out;
	const char *zero = "";

	switch (c->type) {
	case RC_T_BOOL:
		rc_buf_putc(out, d->set && d->b ? 1 : 0);
		return;
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
		rc_avro_write_long(out, d->set ? d->i : 0);
		return;
	case RC_T_FLOAT32:
		rc_avro_write_float(out, d->set ? (float)d->f : 0.0f);
		return;
	case RC_T_FLOAT64:
		rc_avro_write_double(out, d->set ? d->f : 0.0);
		return;
	case RC_T_STRING:
		if (d->set) {
			rc_avro_write_bytes(out, d->bytes, d->len);
			return;
		}
		if (c->semantic && strcmp(c->semantic, "io.debezium.time.ZonedTimestamp") == 0)
			zero = "1970-01-01T00:00:00Z";
		else if (c->semantic && strcmp(c->semantic, "io.debezium.time.ZonedTime") == 0)
			zero = "00:00:00Z";
		rc_avro_write_string(out, zero);
		return;
	case RC_T_BYTES:
		rc_avro_write_bytes(out, d->set ? d->bytes : "", d->set ? d->len : 0);
		return;
	case RC_T_DECIMAL:
		if (d->set)
			rc_avro_write_bytes(out, d->bytes, d->len);
		else
			rc_avro_write_bytes(out, "\0", 1); /* BigDecimal.ZERO's unscaled value */
		return;
	case RC_T_VARDECIMAL:
		rc_avro_write_long(out, 0);
		rc_avro_write_bytes(out, "\0", 1);
		return;
	case RC_T_GEOMETRY:
		rc_avro_write_bytes(out, "", 0);
		union_index(out, 0);
		return;
	case RC_T_POINT: {
		/* Point.createValue(schema, 0, 0): x, y, the WKB of POINT(0 0) (little-endian), srid null */
		static const char wkb00[21] = {1, 1, 0, 0, 0};
		rc_avro_write_double(out, 0.0);
		rc_avro_write_double(out, 0.0);
		union_index(out, 1);
		rc_avro_write_bytes(out, wkb00, sizeof wkb00);
		union_index(out, 0);
		return;
	}
	case RC_T_MAP:
		rc_avro_write_long(out, 0); /* an empty map */
		return;
	case RC_T_ARRAY:
		rc_avro_write_long(out, 0);
		return;
	}
}

/*
 * Writes column c's value in its Value field: ["null", T] for an optional column without a default,
 * [T, "null"] for one with a default, plain T for a required column (avro_schema.h).
 */
static int write_field(enc_t *e, const rc_column_t *c, const rc_value_t *v)
{
	bool required = !e->all_optional && !c->optional;
	bool flipped = !e->all_optional && c->optional && c->dflt.set;
	int null_branch = flipped ? 1 : 0, value_branch = required ? -1 : flipped ? 0 : 1;

	switch (v->state) {
	case RC_V_NULL:
		if (required)
			write_fallback(e, c);
		else
			union_index(e->out, null_branch);
		return 0;
	case RC_V_SET:
		if (value_branch >= 0)
			union_index(e->out, value_branch);
		return write_column(e, c, v);
	case RC_V_UNCHANGED:
		if (write_placeholder(e, c, value_branch))
			return 0;
		if (required)
			write_fallback(e, c);
		else
			union_index(e->out, null_branch);
		return 0;
	}
	return col_fail(e, c, "invalid value state %d", (int)v->state);
}

/* The Value record of an image: one field per column. */
static int write_image(enc_t *e, const rc_value_t *image)
{
	const rc_table_t *t = e->ev->table;

	for (size_t i = 0; i < t->ncols; i++)
		if (!t->cols[i].key_only && write_field(e, &t->cols[i], &image[i]) != 0)
			return -1;
	return 0;
}

static void opt_long(rc_buf_t *out, bool present, int64_t v)
{
	union_index(out, present ? 1 : 0);
	if (present)
		rc_avro_write_long(out, v);
}

static void opt_string(rc_buf_t *out, const char *s)
{
	union_index(out, s ? 1 : 0);
	if (s)
		rc_avro_write_string(out, s);
}

/* The transaction block: null, or event.block {id, total_order, data_collection_order}. */
static void write_transaction(rc_buf_t *out, const rc_txn_block_t *tb)
{
	union_index(out, tb ? 1 : 0);
	if (!tb)
		return;
	rc_avro_write_string(out, tb->id ? tb->id : "");
	rc_avro_write_long(out, tb->total_order);
	rc_avro_write_long(out, tb->data_collection_order);
}

static int table_fail(enc_t *e, const char *what);
static int encode_schema_change_key(enc_t *e);
static int encode_schema_change_value(enc_t *e, const rc_avro_opts_t *opts, int64_t now_ns);

/* The Source record: the connector's field table (agent/source_block.h), the same table
 * source_record() in avro_schema.c lays the schema out from. */
static int write_source(enc_t *e, const rc_avro_opts_t *opts)
{
	const rc_source_block_t *sb = rc_source_block_find(opts->connector);
	rc_buf_t *out = e->out;
	rc_source_ctx_t cx;

	if (!sb)
		return table_fail(e, "connector is not postgresql, mysql or mariadb");
	rc_source_block_ctx(&cx, sb, e->ev, opts->topic_prefix);
	for (size_t i = 0; i < sb->nfields; i++) {
		const rc_source_field_t *f = &sb->fields[i];
		rc_source_value_t v;

		rc_source_block_value(&cx, f, &v);
		switch (f->kind) {
		case RC_SOURCE_SNAPSHOT:
			/* ["string", "null"]: the default "false" needs the string first */
			union_index(out, 0);
			__attribute__((fallthrough));
		case RC_SOURCE_STRING:
			rc_avro_write_bytes(out, v.s, v.len);
			break;
		case RC_SOURCE_OPT_STRING:
			union_index(out, v.null ? 0 : 1);
			if (!v.null)
				rc_avro_write_bytes(out, v.s, v.len);
			break;
		case RC_SOURCE_OPT_LONG:
			union_index(out, v.null ? 0 : 1);
			if (!v.null)
				rc_avro_write_long(out, v.i);
			break;
		case RC_SOURCE_LONG:
		case RC_SOURCE_INT:
			rc_avro_write_long(out, v.i);
			break;
		}
	}
	return 0;
}

static void enc_init(enc_t *e, const rc_event_t *ev, rc_buf_t *out, char *err, size_t errlen)
{
	e->out = out;
	e->ev = ev;
	e->all_optional = false;
	e->err = err;
	e->errlen = errlen;
	if (errlen)
		err[0] = '\0';
}

/* Ends an encoding that started at out->len == start: checks the buffer, rewinds on failure. */
static int enc_finish(enc_t *e, int rc, size_t start)
{
	if (rc == 0 && rc_buf_failed(e->out)) {
		if (e->ev->op == RC_OP_SCHEMA_CHANGE)
			snprintf(e->err, e->errlen,
			         "schema change event: record larger than %zu bytes or out of memory",
			         e->out->max);
		else if (e->ev->table)
			snprintf(e->err, e->errlen,
			         "table %s.%s: record larger than %zu bytes or out of memory",
			         e->ev->table->schema_name, e->ev->table->name, e->out->max);
		else
			snprintf(e->err, e->errlen, "message: record larger than %zu bytes or out of memory",
			         e->out->max);
		rc = -1;
	}
	if (rc < 0 && e->out->len > start)
		e->out->len = start;
	return rc;
}

static int table_fail(enc_t *e, const char *what)
{
	const rc_table_t *t = e->ev->table;

	if (t)
		snprintf(e->err, e->errlen, "table %s.%s: '%c' event: %s", t->schema_name, t->name,
		         (char)e->ev->op, what);
	else
		snprintf(e->err, e->errlen, "%s", what);
	return -1;
}

int rc_avro_encode_key(const rc_event_t *ev, int32_t schema_id, rc_buf_t *out, char *err, size_t errlen)
{
	size_t start = out->len;
	const rc_value_t *image;
	const rc_table_t *t = ev->table;
	enc_t e;
	int rc = 0;

	enc_init(&e, ev, out, err, errlen);
	if (ev->op == RC_OP_MESSAGE) {
		rc_avro_write_header(out, schema_id);
		opt_string(out, ev->msg_prefix);
		return enc_finish(&e, 0, start);
	}
	if (ev->op == RC_OP_SCHEMA_CHANGE) {
		rc_avro_write_header(out, schema_id);
		return enc_finish(&e, encode_schema_change_key(&e), start);
	}
	if (!t)
		return table_fail(&e, "event without a table");
	if (ev->op == RC_OP_TRUNCATE || t->nkey == 0)
		return 1;
	image = ev->key_image ? ev->key_image : ev->op == RC_OP_DELETE ? ev->before : ev->after;
	if (!image)
		return table_fail(&e, ev->op == RC_OP_DELETE ? "no before image for the key"
		                                             : "no after image for the key");
	rc_avro_write_header(out, schema_id);
	for (size_t i = 0; i < t->ncols && rc == 0; i++) {
		const rc_column_t *c = &t->cols[i];
		if (!c->key)
			continue;
		if (image[i].state != RC_V_SET)
			rc = col_fail(&e, c, "key column is %s",
			              image[i].state == RC_V_NULL ? "null" : "not set");
		else
			rc = write_column(&e, c, &image[i]);
	}
	return enc_finish(&e, rc, start);
}

static int encode_message(enc_t *e, const rc_avro_opts_t *opts, int64_t now_ns)
{
	const rc_event_t *ev = e->ev;

	if (strcmp(opts->connector, "postgresql") != 0)
		return table_fail(e, "logical decoding messages exist only with PostgreSQL");
	rc_avro_write_string(e->out, "m");
	opt_long(e->out, true, rc_calendar_floor_div(now_ns, 1000000));
	if (write_source(e, opts) != 0)
		return -1;
	write_transaction(e->out, ev->transaction);
	opt_string(e->out, ev->msg_prefix);
	union_index(e->out, ev->msg_content ? 1 : 0);
	if (ev->msg_content)
		rc_avro_write_bytes(e->out, ev->msg_content, ev->msg_len);
	return 0;
}

int rc_avro_encode_value(const rc_event_t *ev, const rc_avro_opts_t *opts, int32_t schema_id, int64_t now_ns,
                         rc_buf_t *out, char *err, size_t errlen)
{
	size_t start = out->len;
	enc_t e;
	int rc = 0;
	char op[2] = {(char)ev->op, '\0'};

	enc_init(&e, ev, out, err, errlen);
	e.all_optional = opts->all_optional;
	if (ev->op == RC_OP_SCHEMA_CHANGE) {
		rc_avro_write_header(out, schema_id);
		return enc_finish(&e, encode_schema_change_value(&e, opts, now_ns), start);
	}
	if (ev->op != RC_OP_MESSAGE && !ev->table)
		return table_fail(&e, "event without a table");
	rc_avro_write_header(out, schema_id);
	if (ev->op == RC_OP_MESSAGE)
		return enc_finish(&e, encode_message(&e, opts, now_ns), start);

	union_index(out, ev->before ? 1 : 0);
	if (ev->before)
		rc = write_image(&e, ev->before);
	if (rc == 0) {
		union_index(out, ev->after ? 1 : 0);
		if (ev->after)
			rc = write_image(&e, ev->after);
	}
	if (rc == 0)
		rc = write_source(&e, opts);
	if (rc == 0) {
		write_transaction(out, ev->transaction);
		rc_avro_write_string(out, op);
		opt_long(out, true, rc_calendar_floor_div(now_ns, 1000000));
		opt_long(out, true, rc_calendar_floor_div(now_ns, 1000));
		opt_long(out, true, now_ns);
	}
	return enc_finish(&e, rc, start);
}

/* ---- MySQL/MariaDB schema change events (sinks/schema_change.h) -------------------------------- */

static int sc_fail(enc_t *e, const char *what)
{
	snprintf(e->err, e->errlen, "schema change event: %s", what);
	return -1;
}

static void sc_opt_int(rc_buf_t *out, bool present, int32_t v)
{
	union_index(out, present ? 1 : 0);
	if (present)
		rc_avro_write_long(out, v);
}

static void sc_write_label(void *opaque, const char *label, size_t len)
{
	rc_avro_write_bytes(opaque, label, len);
}

/* io.debezium.connector.schema.Column. What rowcast does not know is written as null, each field
 * being optional: nativeType (Debezium's MySQL parser leaves it unset too), charsetName (the column
 * carries no character set), autoIncremented and generated (Debezium writes false when the DDL says
 * nothing; rowcast reads no DDL, so null says "not known" rather than a false "no"), comment and
 * defaultValueExpression (not in the binlog's table map). */
static void sc_write_column(rc_buf_t *out, const rc_column_t *c, size_t index)
{
	rc_schema_change_column_t d;
	size_t nlabels;

	rc_schema_change_column(c, &d);
	rc_avro_write_string(out, c->name ? c->name : "");
	rc_avro_write_long(out, d.jdbc_type);
	union_index(out, 0); /* nativeType */
	rc_avro_write_string(out, d.type_name);
	union_index(out, 1); /* typeExpression: Debezium's MySQL parser sets it to the type name */
	rc_avro_write_string(out, d.type_name);
	union_index(out, 0); /* charsetName */
	sc_opt_int(out, d.has_length, d.length);
	sc_opt_int(out, d.has_scale, d.scale);
	rc_avro_write_long(out, (int64_t)index + 1); /* position, from 1 */
	union_index(out, 1);
	rc_buf_putc(out, c->optional ? 1 : 0);
	union_index(out, 0); /* autoIncremented */
	union_index(out, 0); /* generated */
	union_index(out, 0); /* comment */
	union_index(out, 0); /* defaultValueExpression */
	nlabels = rc_schema_change_labels(&d, NULL, NULL);
	union_index(out, nlabels ? 1 : 0); /* enumValues: Debezium leaves it null for other types */
	if (nlabels) {
		rc_avro_write_long(out, (int64_t)nlabels);
		rc_schema_change_labels(&d, sc_write_label, out);
		rc_avro_write_long(out, 0);
	}
}

/* io.debezium.connector.schema.Table. defaultCharsetName and comment are null: rowcast knows neither.
 * primaryKeyColumnNames are the key columns in table order (Debezium: in the key's order), an empty
 * array when there are none, as Debezium writes a table without a primary key. */
static void sc_write_table(rc_buf_t *out, const rc_table_t *t)
{
	union_index(out, 0); /* defaultCharsetName */
	union_index(out, 1);
	if (t->nkey > 0) {
		rc_avro_write_long(out, (int64_t)t->nkey);
		for (size_t i = 0; i < t->ncols; i++)
			if (t->cols[i].key)
				rc_avro_write_string(out, t->cols[i].name ? t->cols[i].name : "");
	}
	rc_avro_write_long(out, 0);
	if (t->ncols > 0) {
		rc_avro_write_long(out, (int64_t)t->ncols);
		for (size_t i = 0; i < t->ncols; i++)
			sc_write_column(out, &t->cols[i], i);
	}
	rc_avro_write_long(out, 0);
	union_index(out, 0); /* comment */
}

/* io.debezium.connector.schema.Change. A DROP has no table (TableChanges.drop keeps only the id). */
static int sc_write_change(enc_t *e, rc_schema_change_type_t type, const rc_table_t *t)
{
	rc_buf_t *out = e->out;
	size_t nkey = 0;

	if (!t || !t->name)
		return sc_fail(e, "a changed table without a name");
	for (size_t i = 0; i < t->ncols; i++)
		nkey += t->cols[i].key;
	if (nkey != t->nkey || (t->ncols > 0 && !t->cols))
		return sc_fail(e, "a changed table whose key count does not match its columns");
	rc_avro_write_string(out, rc_schema_change_type_name(type));
	rc_avro_write_long(out, (int64_t)rc_schema_change_table_id_len(t));
	rc_schema_change_table_id(out, t);
	union_index(out, type == RC_SCHEMA_CHANGE_DROP ? 0 : 1);
	if (type != RC_SCHEMA_CHANGE_DROP)
		sc_write_table(out, t);
	return 0;
}

static int encode_schema_change_key(enc_t *e)
{
	const char *db = e->ev->ddl_db ? e->ev->ddl_db : "";

	rc_avro_write_string(e->out, db); /* databaseName: "" when the statement ran in none */
	return 0;
}

/* The SchemaChangeValue: ts_ms is the time rowcast processes the event, as Debezium's is (the
 * SchemaChangeEvent's creation time); schemaName is null, as Debezium's binlog connectors write it. */
static int encode_schema_change_value(enc_t *e, const rc_avro_opts_t *opts, int64_t now_ns)
{
	const rc_event_t *ev = e->ev;
	rc_schema_change_type_t type;
	size_t n = rc_schema_change_count(ev, &type);
	char ns[64];

	if (rc_schema_change_namespace(opts->connector, ns, sizeof ns) != 0)
		return sc_fail(e, "schema change events exist only with MySQL and MariaDB");
	if (write_source(e, opts) != 0)
		return -1;
	rc_avro_write_long(e->out, rc_calendar_floor_div(now_ns, 1000000));
	opt_string(e->out, ev->ddl_db);
	union_index(e->out, 0); /* schemaName */
	union_index(e->out, ev->ddl ? 1 : 0);
	if (ev->ddl)
		rc_avro_write_bytes(e->out, ev->ddl, ev->ddl_len);
	if (n > 0) {
		rc_avro_write_long(e->out, (int64_t)n);
		for (size_t i = 0; i < n; i++)
			if (sc_write_change(e, type, ev->ddl_tables[i]) != 0)
				return -1;
	}
	rc_avro_write_long(e->out, 0);
	return 0;
}
