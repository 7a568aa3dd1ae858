/* The parts of a schema change event that do not depend on the encoding (sinks/schema_change.h). */
#include "config.h"

#include "sinks/schema_change.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* java.sql.Types, the values Debezium's jdbcType holds. */
enum {
	JDBC_BIT = -7,
	JDBC_TINYINT = -6,
	JDBC_BIGINT = -5,
	JDBC_VARBINARY = -3,
	JDBC_BINARY = -2,
	JDBC_NCHAR = -15,
	JDBC_NVARCHAR = -9,
	JDBC_CHAR = 1,
	JDBC_NUMERIC = 2,
	JDBC_DECIMAL = 3,
	JDBC_INTEGER = 4,
	JDBC_SMALLINT = 5,
	JDBC_FLOAT = 6,
	JDBC_REAL = 7,
	JDBC_DOUBLE = 8,
	JDBC_VARCHAR = 12,
	JDBC_BOOLEAN = 16,
	JDBC_DATE = 91,
	JDBC_TIME = 92,
	JDBC_TIMESTAMP = 93,
	JDBC_OTHER = 1111,
	JDBC_BLOB = 2004,
	JDBC_TIMESTAMP_WITH_TIMEZONE = 2014,
};

/* ---- the statement's first words --------------------------------------------------------------- */

typedef struct scan {
	const char *p, *end;
} scan_t;

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '$';
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool starts(const scan_t *s, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(s->end - s->p) >= n && memcmp(s->p, lit, n) == 0;
}

static void skip_line(scan_t *s)
{
	while (s->p < s->end && *s->p != '\n')
		s->p++;
}

/* Skips white space and comments. A MySQL executable comment (/ *!50100 ... * /, MariaDB's / *M!...)
 * is code the server ran: its marker and version are skipped and its inside read as statement text,
 * and the closing * / is skipped where it comes. */
static void skip_blank(scan_t *s)
{
	for (;;) {
		while (s->p < s->end && is_space(*s->p))
			s->p++;
		if (starts(s, "/*!") || starts(s, "/*M!")) {
			s->p += s->p[2] == '!' ? 3 : 4;
			while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
				s->p++;
		} else if (starts(s, "/*")) {
			const char *q = s->p + 2;
			while (q + 1 < s->end && !(q[0] == '*' && q[1] == '/'))
				q++;
			s->p = q + 1 < s->end ? q + 2 : s->end;
		} else if (starts(s, "*/")) {
			s->p += 2;
		} else if (starts(s, "#") || (starts(s, "--") && (s->end - s->p == 2 || is_space(s->p[2])))) {
			skip_line(s);
		} else {
			return;
		}
	}
}

/* Reads the next word, upper-cased, into w (truncated to wlen - 1). Returns false at a non-word. */
static bool next_word(scan_t *s, char *w, size_t wlen)
{
	size_t n = 0;

	w[0] = '\0';
	skip_blank(s);
	if (s->p >= s->end || !is_word_char(*s->p))
		return false;
	for (; s->p < s->end && is_word_char(*s->p); s->p++)
		if (n + 1 < wlen)
			w[n++] = upper(*s->p);
	w[n] = '\0';
	return true;
}

static bool any_of(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return true;
	return false;
}

rc_schema_change_type_t rc_schema_change_type(const char *ddl, size_t len)
{
	static const char *const create_skip[] = {"OR",      "REPLACE", "TEMPORARY", "UNIQUE", "FULLTEXT",
	                                          "SPATIAL", "ONLINE",  "OFFLINE",   NULL};
	static const char *const alter_skip[] = {"ONLINE", "OFFLINE", "IGNORE", NULL};
	static const char *const drop_skip[] = {"TEMPORARY", "ONLINE", "OFFLINE", NULL};
	scan_t s = {ddl, ddl ? ddl + len : NULL};
	char first[16], w[16];

	if (!ddl || !next_word(&s, first, sizeof first))
		return RC_SCHEMA_CHANGE_NONE;
	if (strcmp(first, "CREATE") == 0) {
		while (next_word(&s, w, sizeof w) && any_of(w, create_skip))
			;
		if (strcmp(w, "TABLE") == 0)
			return RC_SCHEMA_CHANGE_CREATE;
		return strcmp(w, "INDEX") == 0 ? RC_SCHEMA_CHANGE_ALTER : RC_SCHEMA_CHANGE_NONE;
	}
	if (strcmp(first, "ALTER") == 0) {
		while (next_word(&s, w, sizeof w) && any_of(w, alter_skip))
			;
		return strcmp(w, "TABLE") == 0 ? RC_SCHEMA_CHANGE_ALTER : RC_SCHEMA_CHANGE_NONE;
	}
	if (strcmp(first, "DROP") == 0) {
		while (next_word(&s, w, sizeof w) && any_of(w, drop_skip))
			;
		if (strcmp(w, "TABLE") == 0)
			return RC_SCHEMA_CHANGE_DROP;
		return strcmp(w, "INDEX") == 0 ? RC_SCHEMA_CHANGE_ALTER : RC_SCHEMA_CHANGE_NONE;
	}
	if (strcmp(first, "RENAME") == 0)
		return next_word(&s, w, sizeof w) && strcmp(w, "TABLE") == 0 ? RC_SCHEMA_CHANGE_ALTER
		                                                             : RC_SCHEMA_CHANGE_NONE;
	return RC_SCHEMA_CHANGE_NONE;
}

const char *rc_schema_change_type_name(rc_schema_change_type_t type)
{
	switch (type) {
	case RC_SCHEMA_CHANGE_CREATE:
		return "CREATE";
	case RC_SCHEMA_CHANGE_ALTER:
		return "ALTER";
	case RC_SCHEMA_CHANGE_DROP:
		return "DROP";
	case RC_SCHEMA_CHANGE_NONE:
		break;
	}
	return NULL;
}

size_t rc_schema_change_count(const rc_event_t *ev, rc_schema_change_type_t *type)
{
	*type = rc_schema_change_type(ev->ddl, ev->ddl_len);
	if (*type == RC_SCHEMA_CHANGE_NONE || !ev->ddl_tables)
		return 0;
	return ev->nddl_tables;
}

/* ---- table id ---------------------------------------------------------------------------------- */

/* A part taken as quoted already: TableId.quote leaves it as it is. */
static bool pre_quoted(const char *s, size_t n)
{
	return n > 0 && (s[0] == '"' || s[n - 1] == '"');
}

static size_t quoted_len(const char *s)
{
	size_t n = strlen(s), q = 0;

	if (pre_quoted(s, n))
		return n;
	for (size_t i = 0; i < n; i++)
		q += s[i] == '"';
	return n + q + 2;
}

size_t rc_schema_change_table_id_len(const rc_table_t *t)
{
	size_t n = quoted_len(t->name ? t->name : "");

	if (t->schema_name && t->schema_name[0])
		n += quoted_len(t->schema_name) + 1;
	return n;
}

static void quote_part(rc_buf_t *out, const char *s)
{
	size_t n = strlen(s);

	if (pre_quoted(s, n)) {
		rc_buf_append(out, s, n);
		return;
	}
	rc_buf_putc(out, '"');
	for (; *s; s++) {
		if (*s == '"')
			rc_buf_putc(out, '"');
		rc_buf_putc(out, (unsigned char)*s);
	}
	rc_buf_putc(out, '"');
}

void rc_schema_change_table_id(rc_buf_t *out, const rc_table_t *t)
{
	if (t->schema_name && t->schema_name[0]) {
		quote_part(out, t->schema_name);
		rc_buf_putc(out, '.');
	}
	quote_part(out, t->name ? t->name : "");
}

/* ---- columns ----------------------------------------------------------------------------------- */

/* MySqlAntlrDdlParser.initializeDataTypeResolver(): the JDBC type of each type keyword. MariaDB's
 * parser has the same table. */
static const struct {
	const char *word;
	int32_t jdbc;
} jdbc_types[] = {
    {"CHAR", JDBC_CHAR},           {"CHARACTER", JDBC_CHAR},
    {"VARCHAR", JDBC_VARCHAR},     {"TINYTEXT", JDBC_VARCHAR},
    {"TEXT", JDBC_VARCHAR},        {"MEDIUMTEXT", JDBC_VARCHAR},
    {"LONGTEXT", JDBC_VARCHAR},    {"LONG", JDBC_VARCHAR},
    {"NCHAR", JDBC_NCHAR},         {"NVARCHAR", JDBC_NVARCHAR},
    {"TINYINT", JDBC_TINYINT},     {"SMALLINT", JDBC_SMALLINT},
    {"MEDIUMINT", JDBC_INTEGER},   {"INT", JDBC_INTEGER},
    {"INTEGER", JDBC_INTEGER},     {"BIGINT", JDBC_BIGINT},
    {"REAL", JDBC_REAL},           {"DOUBLE", JDBC_DOUBLE},
    {"FLOAT", JDBC_FLOAT},         {"DECIMAL", JDBC_DECIMAL},
    {"DEC", JDBC_DECIMAL},         {"FIXED", JDBC_DECIMAL},
    {"NUMERIC", JDBC_NUMERIC},     {"BIT", JDBC_BIT},
    {"TIME", JDBC_TIME},           {"TIMESTAMP", JDBC_TIMESTAMP_WITH_TIMEZONE},
    {"DATETIME", JDBC_TIMESTAMP},  {"DATE", JDBC_DATE},
    {"YEAR", JDBC_INTEGER},        {"BINARY", JDBC_BINARY},
    {"VARBINARY", JDBC_VARBINARY}, {"BLOB", JDBC_BLOB},
    {"TINYBLOB", JDBC_BLOB},       {"MEDIUMBLOB", JDBC_BLOB},
    {"LONGBLOB", JDBC_BLOB},       {"BOOL", JDBC_BOOLEAN},
    {"BOOLEAN", JDBC_BOOLEAN},     {"SERIAL", JDBC_BIGINT},
    {"ENUM", JDBC_CHAR},           {"SET", JDBC_CHAR},
};

static int32_t jdbc_of(const char *type_name)
{
	size_t n = strcspn(type_name, " ");

	if (strncmp(type_name, "LONG VARBINARY", 14) == 0)
		return JDBC_BLOB;
	for (size_t i = 0; i < sizeof jdbc_types / sizeof jdbc_types[0]; i++)
		if (strlen(jdbc_types[i].word) == n && memcmp(jdbc_types[i].word, type_name, n) == 0)
			return jdbc_types[i].jdbc;
	return JDBC_OTHER; /* GEOMETRY and the spatial types, JSON, VECTOR, and anything unknown */
}

/* The type name's first word is w. */
static bool first_word_is(const rc_schema_change_column_t *d, const char *w)
{
	size_t n = strlen(w);

	return strncmp(d->type_name, w, n) == 0 && (d->type_name[n] == '\0' || d->type_name[n] == ' ');
}

static bool is_enum_or_set(const rc_schema_change_column_t *d)
{
	return first_word_is(d, "ENUM") || first_word_is(d, "SET");
}

/* Appends word w to the type name, a space between words, as long as it fits whole. */
static void add_word(rc_schema_change_column_t *d, const char *w)
{
	size_t n = strlen(d->type_name), wl = strlen(w);

	if (n + (n ? 1 : 0) + wl + 1 > sizeof d->type_name)
		return;
	if (n)
		d->type_name[n++] = ' ';
	memcpy(d->type_name + n, w, wl + 1);
}

/* The end of the parenthesised group whose '(' is at p (the ')' or the end of the string); quoted
 * literals inside are skipped whole, with their '' and backslash escapes. */
static const char *group_end(const char *p)
{
	char q = 0;

	for (p++; *p; p++) {
		if (q) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == q && p[1] == q)
				p++;
			else if (*p == q)
				q = 0;
		} else if (*p == '\'' || *p == '"') {
			q = *p;
		} else if (*p == ')') {
			return p;
		}
	}
	return p;
}

/* A non-negative decimal number at *p (spaces before it skipped), advancing *p. */
static bool read_number(const char **p, int32_t *v)
{
	const char *s = *p;
	int64_t x = 0;

	while (is_space(*s))
		s++;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++)
		if (x < INT32_MAX)
			x = x * 10 + (*s - '0');
	*v = x > INT32_MAX ? INT32_MAX : (int32_t)x;
	*p = s;
	return true;
}

/* "N" or "N,M" inside a group: length and scale. */
static void group_numbers(rc_schema_change_column_t *d, const char *p)
{
	if (!read_number(&p, &d->length))
		return;
	d->has_length = true;
	while (is_space(*p))
		p++;
	if (*p == ',') {
		p++;
		d->has_scale = read_number(&p, &d->scale);
	}
}

static void parse_source_type(const char *st, rc_schema_change_column_t *d)
{
	const char *group = NULL, *group_stop = NULL;
	char w[32];

	for (const char *p = st; *p;) {
		if (*p == '(') {
			const char *e = group_end(p);
			if (!group) {
				group = p + 1;
				group_stop = e;
			}
			p = *e ? e + 1 : e;
		} else if (is_word_char(*p)) {
			size_t n = 0;
			for (; is_word_char(*p); p++)
				if (n + 1 < sizeof w)
					w[n++] = upper(*p);
			w[n] = '\0';
			/* a character set or collation clause is not part of the type's name */
			if (strcmp(w, "CHARSET") == 0 || strcmp(w, "COLLATE") == 0 ||
			    (d->type_name[0] && strcmp(w, "CHARACTER") == 0))
				break;
			add_word(d, w);
		} else {
			p++;
		}
	}
	if (!group)
		return;
	if (is_enum_or_set(d)) {
		d->labels = group;
		d->labels_len = (size_t)(group_stop - group);
	} else {
		group_numbers(d, group);
	}
}

/*
 * When the decoder gives no source_type, the column's logical type is all rowcast knows: the name
 * written is the usual MySQL type of that logical type (INT16 could have been TINYINT UNSIGNED,
 * BIGINT UNSIGNED may be DECIMAL, DATETIME may have been TIMESTAMP). A guess beats an empty typeName,
 * which Debezium's schema requires; UNKNOWN (jdbcType OTHER) is written for what has no MySQL form.
 */
static const char *logical_type_name(const rc_column_t *c)
{
	const char *sem = c->semantic ? c->semantic : "";

	switch (c->type) {
	case RC_T_BOOL:
		return "BOOLEAN";
	case RC_T_INT8:
		return "TINYINT";
	case RC_T_INT16:
		return "SMALLINT";
	case RC_T_INT32:
		return strcmp(sem, "io.debezium.time.Year") == 0 ? "YEAR" : "INT";
	case RC_T_INT64:
		return "BIGINT";
	case RC_T_FLOAT32:
		return "FLOAT";
	case RC_T_FLOAT64:
		return "DOUBLE";
	case RC_T_DECIMAL:
	case RC_T_VARDECIMAL:
		return "DECIMAL";
	case RC_T_STRING:
		if (strcmp(sem, "io.debezium.data.Enum") == 0)
			return "ENUM";
		if (strcmp(sem, "io.debezium.data.EnumSet") == 0)
			return "SET";
		if (strcmp(sem, "io.debezium.data.Json") == 0)
			return "JSON";
		if (strcmp(sem, "io.debezium.time.ZonedTimestamp") == 0)
			return "TIMESTAMP";
		return "VARCHAR";
	case RC_T_BYTES:
		return strcmp(sem, "io.debezium.data.Bits") == 0 ? "BIT" : "VARBINARY";
	case RC_T_DATE:
		return "DATE";
	case RC_T_TIME_MILLIS:
	case RC_T_TIME_MICROS:
		return "TIME";
	case RC_T_TIMESTAMP_MILLIS:
	case RC_T_TIMESTAMP_MICROS:
		return "DATETIME";
	default: /* arrays, intervals: no MySQL column has them */
		return "UNKNOWN";
	}
}

void rc_schema_change_column(const rc_column_t *c, rc_schema_change_column_t *d)
{
	memset(d, 0, sizeof *d);
	if (c->source_type && c->source_type[0])
		parse_source_type(c->source_type, d);
	if (!d->type_name[0]) {
		add_word(d, logical_type_name(c));
		if (c->type == RC_T_DECIMAL && c->precision > 0) {
			d->has_length = d->has_scale = true;
			d->length = c->precision;
			d->scale = c->scale;
		} else if (c->type == RC_T_BYTES && c->length > 0) {
			d->has_length = true;
			d->length = c->length;
		}
	}
	d->jdbc_type = jdbc_of(d->type_name);
	if (!d->labels && is_enum_or_set(d))
		d->enum_values = c->enum_values;

	/* Debezium's defaults where the type gives no number (DataTypeEntry dimensions). */
	switch (d->jdbc_type) {
	case JDBC_DECIMAL:
	case JDBC_NUMERIC:
		if (!d->has_length) {
			d->has_length = true;
			d->length = 10;
		}
		if (!d->has_scale) {
			d->has_scale = true;
			d->scale = 0;
		}
		break;
	case JDBC_BIT:
	case JDBC_NCHAR:
		if (!d->has_length) {
			d->has_length = true;
			d->length = 1;
		}
		break;
	default:
		break;
	}
	/* ENUM: 1; SET: the labels and the commas between them (ColumnDefinitionParserListener) */
	if (is_enum_or_set(d)) {
		size_t n = rc_schema_change_labels(d, NULL, NULL);
		d->has_length = true;
		d->has_scale = false;
		d->length = d->type_name[0] == 'E' ? 1 : (n > 0 ? (int32_t)(2 * n - 1) : 0);
	}
}

/* Labels of "'a','b'" as the server writes them: each quoted literal as it stands. */
static size_t raw_labels(const char *p, const char *end, void (*fn)(void *, const char *, size_t),
                         void *opaque)
{
	size_t n = 0;

	while (p < end) {
		const char *start;
		char q;
		while (p < end && (is_space(*p) || *p == ','))
			p++;
		if (p >= end)
			break;
		start = p;
		q = *p;
		if (q == '\'' || q == '"') {
			for (p++; p < end; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				else if (*p == q && p + 1 < end && p[1] == q)
					p++;
				else if (*p == q)
					break;
			}
			if (p < end)
				p++;
		} else { /* not a literal: up to the next comma */
			while (p < end && *p != ',')
				p++;
		}
		if (fn)
			fn(opaque, start, (size_t)(p - start));
		n++;
	}
	return n;
}

/* Labels of enum_values "a,b": each quoted, inner quotes doubled, as MySQL writes a literal. A label
 * is at most 255 characters (1,020 bytes) in MySQL, so the buffer holds any real one quoted. */
static size_t joined_labels(const char *s, void (*fn)(void *, const char *, size_t), void *opaque)
{
	char lit[4096];
	size_t n = 0;

	if (!s || !*s)
		return 0;
	for (;;) {
		size_t len = strcspn(s, ","), k = 0;
		lit[k++] = '\'';
		for (size_t i = 0; i < len && k + 3 < sizeof lit; i++) {
			if (s[i] == '\'')
				lit[k++] = '\'';
			lit[k++] = s[i];
		}
		lit[k++] = '\'';
		if (fn)
			fn(opaque, lit, k);
		n++;
		if (!s[len])
			return n;
		s += len + 1;
	}
}

size_t rc_schema_change_labels(const rc_schema_change_column_t *d,
                               void (*fn)(void *opaque, const char *label, size_t len), void *opaque)
{
	if (d->labels)
		return raw_labels(d->labels, d->labels + d->labels_len, fn, opaque);
	return joined_labels(d->enum_values, fn, opaque);
}

int rc_schema_change_namespace(const char *connector, char *buf, size_t len)
{
	if (!connector || (strcmp(connector, "mysql") != 0 && strcmp(connector, "mariadb") != 0))
		return -1;
	snprintf(buf, len, "io.debezium.connector.%s", connector);
	return 0;
}
