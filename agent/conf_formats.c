/*
 * The configuration file formats: Java properties ("key = value", "key: value", '#' and '!'
 * comments, continuation lines, Java's escapes) and a Kafka Connect connector JSON ({"name": ..., "config":
 * {...}}, pasted from Debezium; connector.class sets source.type through the table of source types). Values
 * of any length are kept whole; a malformed line or a JSON syntax error is reported by line and column, never
 * with its text (it may hold a secret).
 */
#include "config.h"

#include "agent/conf.h"

#include "agent/conf_internal.h"
#include "agent/properties.h"
#include "agent/source_type.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The number of backslashes that end the len bytes at s. */
static size_t trailing_backslashes(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && s[len - 1 - n] == '\\')
		n++;
	return n;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* Writes code point cp as UTF-8 at out; returns the bytes written. */
static size_t put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * Java's escapes, in place: \t \n \r \f, \uXXXX (a surrogate pair makes one code point), and \\ \=
 * \: \# \! \<blank> for the character itself. Where Java would drop the backslash of an escape it
 * does not know, rowcast keeps both characters: "public\.orders" and "orders_\d+" stay the regular
 * expressions they were written as (Java would make them "public.orders" and "orders_d+"), and
 * "public\\.orders" gives the same. Returns 0, or -1 for a bad \u.
 */
static int unescape(char *s)
{
	char *out = s;

	for (const char *in = s; *in;) {
		unsigned cp = 0;

		if (*in != '\\' || !in[1]) { /* a lone trailing backslash was a continuation */
			*out++ = *in++;
			continue;
		}
		in++;
		switch (*in) {
		case 't':
			*out++ = '\t';
			in++;
			continue;
		case 'n':
			*out++ = '\n';
			in++;
			continue;
		case 'r':
			*out++ = '\r';
			in++;
			continue;
		case 'f':
			*out++ = '\f';
			in++;
			continue;
		case 'u':
			break;
		default:
			if (!strchr("\\=: #!\t", *in))
				*out++ = '\\';
			*out++ = *in++;
			continue;
		}
		for (int i = 1; i <= 4; i++) {
			int d = hex_digit(in[i]);
			if (d < 0)
				return -1;
			cp = cp << 4 | (unsigned)d;
		}
		in += 5;
		if (cp >= 0xD800 && cp < 0xDC00 && in[0] == '\\' && in[1] == 'u') {
			unsigned lo = 0;
			int i;
			for (i = 2; i <= 5 && hex_digit(in[i]) >= 0; i++)
				lo = lo << 4 | (unsigned)hex_digit(in[i]);
			if (i == 6 && lo >= 0xDC00 && lo < 0xE000) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				in += 6;
			}
		}
		if (cp == 0 || (cp >= 0xD800 && cp < 0xE000))
			return -1; /* NUL, or half a surrogate pair: not text */
		/* Never longer than its escape (6 bytes give at most 3; a pair's 12 give 4). */
		out += put_utf8(out, cp);
	}
	*out = '\0';
	return 0;
}

/* The end of a properties key: the first blank, '=' or ':' that no backslash escapes. */
static char *key_end(char *key)
{
	char *p = key;

	while (*p && !strchr(" \t\v\f\r=:", *p))
		p += p[0] == '\\' && p[1] ? 2 : 1;
	return p;
}

/* s without trailing white space, unless a backslash escapes it ("pass\ " keeps its space). */
static void trim_end_unescaped(char *s)
{
	size_t len = strlen(s);

	while (len > 0 && isspace((unsigned char)s[len - 1]) && trailing_backslashes(s, len - 1) % 2 == 0)
		s[--len] = '\0';
}

/* Parses len bytes of properties text (borrowed: a copy is cut up in place). */
static int load_properties(rc_conf_t *conf, const char *text, size_t len, const char *source, char *err,
                           size_t errlen)
{
	char *copy = strndup(text, len), *line, *next;
	int lineno = 0, rc = 0;

	if (!copy) {
		rc_conf_add_err(err, errlen, "%s: out of memory", source);
		return -1;
	}
	for (line = copy; line; line = next) {
		char *where, *key, *value, *end, *sep;
		int first = ++lineno;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* An odd number of trailing backslashes continues the line (Java properties); an even
		 * number is that many halves of escaped backslashes ("pass\\" is the password "pass\"). */
		while (next && trailing_backslashes(line, strlen(line)) % 2 == 1) {
			char *cont = next, *after = strchr(cont, '\n');
			if (after)
				*after++ = '\0';
			line[strlen(line) - 1] = '\0';
			while (isspace((unsigned char)*cont))
				cont++;
			memmove(line + strlen(line), cont, strlen(cont) + 1);
			next = after;
			lineno++;
		}
		while (isspace((unsigned char)*line))
			line++;
		key = line;
		if (*key == '\0' || *key == '#' || *key == '!')
			continue;
		if (asprintf(&where, "%s line %d", source, first) < 0) {
			rc_conf_add_err(err, errlen, "%s: out of memory", source);
			rc = -1;
			break;
		}
		trim_end_unescaped(key);
		/* The name ends at the first unescaped blank, '=' or ':'; then, after blanks, '=' or ':'. */
		end = key_end(key);
		sep = end + strspn(end, " \t\v\f\r");
		if (*sep != '=' && *sep != ':') {
			rc_conf_malformed(err, errlen, where, key, "'=' or ':'", "'key = value'");
			rc = -1;
		} else if (end == key) {
			rc_conf_add_err(err, errlen, "%s: missing property name before '%c'", where, *sep);
			rc = -1;
		} else {
			value = sep + 1 + strspn(sep + 1, " \t\v\f\r");
			*end = '\0';
			if (unescape(key) != 0) {
				rc_conf_add_err(err, errlen, "%s: a bad \\u escape in the property name",
				                where);
				rc = -1;
			} else if (unescape(value) != 0) {
				rc_conf_add_err(
				    err, errlen,
				    "%s: %s: a bad \\u escape in the value (\\u and 4 hex digits, not 0000 or "
				    "half a surrogate pair)",
				    where, key);
				rc = -1;
			} else {
				if (rc_conf_set(conf, key, value, RC_CONF_FILE, where, err, errlen) != 0)
					rc = -1;
			}
		}
		free(where);
	}
	free(copy);
	return rc;
}

int rc_conf_load_properties(rc_conf_t *conf, const char *text, const char *source, char *err, size_t errlen)
{
	return load_properties(conf, text, strlen(text), source, err, errlen);
}

/* Converts a JSON scalar to the text a properties file would hold, whole: a malloc'd string the caller
 * frees. NULL for an array or object (*oom false) or when out of memory (*oom true). */
static char *json_scalar_text(json_t *v, bool *oom)
{
	char *s = NULL;

	*oom = false;
	if (json_is_string(v))
		s = strdup(json_string_value(v)); /* no NUL inside: JSON_ALLOW_NUL is not set */
	else if (json_is_integer(v)) {
		if (asprintf(&s, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) < 0)
			s = NULL;
	} else if (json_is_real(v)) {
		if (asprintf(&s, "%.17g", json_real_value(v)) < 0)
			s = NULL;
	} else if (json_is_boolean(v))
		s = strdup(json_is_true(v) ? "true" : "false");
	else
		return NULL;
	*oom = !s;
	return s;
}

/*
 * What went wrong in a JSON syntax error, in words that never quote the input. jansson's text may:
 * "invalid token near 'hunter2'" quotes up to 20 bytes, "invalid Unicode escape '\uZZZZ'" and
 * "unable to decode byte 0xe9" show input bytes, and the input may be a password. So only the
 * start of its text is matched against its fixed messages, and the words given are ours.
 */
static const char *json_error_words(const json_error_t *jerr)
{
	static const struct {
		const char *jansson, *words;
	} known[] = {
	    {"'[' or '{' expected", "'{' expected"},
	    {"string or '}' expected", "a string key or '}' expected"},
	    {"':' expected", "':' expected"},
	    {"'}' expected", "',' or '}' expected"},
	    {"']' expected", "',' or ']' expected"},
	    {"end of file expected", "text after the end of the object"},
	    {"premature end of input", "unexpected end of input"},
	    {"unexpected newline", "a newline inside a string"},
	    {"control character", "a control character inside a string"},
	    {"invalid escape", "an invalid escape inside a string"},
	    {"invalid Unicode", "an invalid \\u escape inside a string"},
	    {"\\u0000 is not allowed", "\\u0000 inside a string"},
	    {"invalid token", "an invalid token (a value must be a quoted string, number, boolean or null)"},
	    {"unexpected token", "an unexpected token"},
	    {"too big", "an integer out of range"},
	    {"real number overflow", "a number out of range"},
	    {"maximum parsing depth", "nested too deeply"},
	    {"NUL byte in object key", "\\u0000 inside a key"},
	    {"unable to decode byte", "invalid UTF-8"},
	};

	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strncmp(jerr->text, known[i].jansson, strlen(known[i].jansson)) == 0)
			return known[i].words;
	switch (json_error_code(jerr)) {
	case json_error_out_of_memory:
		return "out of memory";
	case json_error_invalid_utf8:
		return "invalid UTF-8";
	case json_error_premature_end_of_input:
		return "unexpected end of input";
	default:
		return "syntax error";
	}
}

/* "io.debezium.connector.postgresql.PostgresConnector, ..." for messages. */
static const char *known_classes(char *buf, size_t len)
{
	size_t n = 0, ntypes;
	const rc_source_type_t *types = rc_source_types(&ntypes);

	buf[0] = '\0';
	for (size_t i = 0; i < ntypes && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", types[i].connector_class);
	return ntypes ? buf : "none registered";
}

static int load_connector_json(rc_conf_t *conf, const char *text, size_t len, const char *path, char *err,
                               size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr), *map, *v;
	const char *key;
	char classes[512];
	int rc = 0;

	if (!root) {
		rc_conf_add_err(err, errlen, "%s line %d column %d: invalid JSON: %s", path, jerr.line,
		                jerr.column, json_error_words(&jerr));
		return -1;
	}
	map = json_object_get(root, "config");
	if (!json_is_object(map))
		map = root; /* a bare {"key": "value"} map */
	if (!json_is_object(map)) {
		rc_conf_add_err(err, errlen,
		                "%s: expected a JSON object, or {\"name\": ..., \"config\": {...}}", path);
		json_decref(root);
		return -1;
	}
	json_object_foreach(map, key, v)
	{
		char *where, *val;
		bool oom;

		if (json_is_null(v))
			continue;
		if (asprintf(&where, "%s key \"%s\"", path, key) < 0) {
			rc_conf_add_err(err, errlen, "%s: out of memory", path);
			rc = -1;
			break;
		}
		val = json_scalar_text(v, &oom);
		if (!val) {
			rc_conf_add_err(err, errlen, "%s: %s", where,
			                oom ? "out of memory" : "expected a string, number or boolean");
			rc = -1;
		} else if (strcmp(key, "connector.class") == 0 && !json_object_get(map, "source.type")) {
			const rc_source_type_t *type = rc_source_type_by_class(val);
			if (!type) {
				rc_conf_add_err(err, errlen, "%s: connector '%s' is not one rowcast has (%s)",
				                where, val, known_classes(classes, sizeof classes));
				rc = -1;
			} else if (rc_conf_store(conf, "source.type", type->name, RC_CONF_FILE, where) != 0) {
				rc_conf_add_err(err, errlen, "%s: out of memory", where);
				rc = -1;
			}
		} else if (rc_conf_set(conf, key, val, RC_CONF_FILE, where, err, errlen) != 0) {
			rc = -1;
		}
		free(val);
		free(where);
	}
	json_decref(root);
	return rc;
}

int rc_conf_load_buffer(rc_conf_t *conf, const char *data, size_t len, const char *source, char *err,
                        size_t errlen)
{
	size_t i;

	if (memchr(data, '\0', len)) {
		rc_conf_add_err(err, errlen, "%s contains a NUL byte", source);
		return -1;
	}
	for (i = 0; i < len && isspace((unsigned char)data[i]); i++)
		;
	if (i < len && data[i] == '{')
		return load_connector_json(conf, data, len, source, err, errlen);
	return load_properties(conf, data, len, source, err, errlen);
}

int rc_conf_load_file(rc_conf_t *conf, const char *path, char *err, size_t errlen)
{
	char *text = rc_conf_read_file(path, "config file", err, errlen);
	int rc;

	if (!text)
		return -1;
	rc = rc_conf_load_buffer(conf, text, strlen(text), path, err, errlen);
	free(text);
	return rc;
}
