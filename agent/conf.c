#include "config.h"

#include "agent/conf.h"

#include "agent/log.h"
#include "agent/properties.h"
#include "agent/source_type.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_CONF_FILE_BYTES (4 << 20)

typedef struct conf_entry {
	char *key;
	char *value;
	char *where; /* "file rowcast.properties line 3", "environment ROWCAST_X", "--set" */
	rc_conf_origin_t origin;
} conf_entry_t;

struct rc_conf {
	conf_entry_t *entries;
	size_t n, cap;
};

static const char *const origin_names[] = {"default", "file", "environment", "--set"};

/* Appends one message line to err; earlier messages are kept so the user sees every problem. */
__attribute__((format(printf, 3, 4))) static void add_err(char *err, size_t errlen, const char *fmt, ...)
{
	size_t used = strnlen(err, errlen);
	va_list ap;

	if (used + 2 >= errlen)
		return;
	if (used > 0)
		err[used++] = '\n';
	va_start(ap, fmt);
	vsnprintf(err + used, errlen - used, fmt, ap);
	va_end(ap);
}

static const rc_prop_def_t *file_variant_base(const char *key);

/* A property is secret by declaration, or by name for pass-through keys (kafka.sasl.password).
 * A <name>.file variant holds a path, which is not secret. */
static bool is_secret(const char *key)
{
	const rc_prop_def_t *def = rc_prop_find(key);

	if (file_variant_base(key))
		return false;
	if (def)
		return def->flags & RC_PROP_SECRET;
	return strstr(key, "password") || strstr(key, "secret") || strstr(key, "user.info");
}

/* True when name is a key rowcast would take (a property, a Debezium alias or ignored key, a
 * <name>.file variant, a kafka.* pass-through), so a message may name it. Any other word of a
 * malformed line may be a value: a password typed without its key. */
static bool known_key(const char *name)
{
	return rc_prop_find(name) || rc_prop_alias(name) || rc_prop_is_foreign(name) ||
	       file_variant_base(name) || (strncmp(name, "kafka.", 6) == 0 && name[6]);
}

/* Reports a properties line or --set argument s that lacks a separator (sep names it) after its first
 * word. That word is named when it is a known key; nothing else of s is shown, since
 * "database.password hunter2" is a password with a space for '=' (Java's third separator, which
 * rowcast does not take). */
static void malformed(char *err, size_t errlen, const char *where, const char *s, const char *sep,
                      const char *form)
{
	char *word = strndup(s, strcspn(s, " \t\n\v\f\r=:"));

	if (word && known_key(word))
		add_err(err, errlen, "%s: '%s' is not followed by %s (expected %s; the rest is not shown)",
		        where, word, sep, form);
	else
		add_err(err, errlen, "%s: expected %s (the text is not shown: it may hold a secret)", where,
		        form);
	free(word);
}

rc_conf_t *rc_conf_new(void)
{
	return calloc(1, sizeof(rc_conf_t));
}

void rc_conf_free(rc_conf_t *conf)
{
	if (!conf)
		return;
	for (size_t i = 0; i < conf->n; i++) {
		free(conf->entries[i].key);
		free(conf->entries[i].value);
		free(conf->entries[i].where);
	}
	free(conf->entries);
	free(conf);
}

static conf_entry_t *find_entry(const rc_conf_t *conf, const char *key)
{
	for (size_t i = 0; i < conf->n; i++)
		if (strcmp(conf->entries[i].key, key) == 0)
			return &conf->entries[i];
	return NULL;
}

static void remove_entry(rc_conf_t *conf, conf_entry_t *e)
{
	free(e->key);
	free(e->value);
	free(e->where);
	*e = conf->entries[--conf->n];
}

/* Stores key = value without validation. Returns 0, or -1 when out of memory. */
static int store(rc_conf_t *conf, const char *key, const char *value, rc_conf_origin_t origin,
                 const char *where)
{
	conf_entry_t *e = find_entry(conf, key);
	char *v, *w;

	if (e && e->origin > origin)
		return 0; /* a higher-precedence source already set it */
	v = strdup(value);
	w = strdup(where ? where : origin_names[origin]);
	if (!v || !w) {
		free(v);
		free(w);
		return -1;
	}
	if (!e) {
		if (conf->n == conf->cap) {
			size_t cap = conf->cap ? conf->cap * 2 : 32;
			conf_entry_t *grown = realloc(conf->entries, cap * sizeof *grown);
			if (!grown) {
				free(v);
				free(w);
				return -1;
			}
			conf->entries = grown;
			conf->cap = cap;
		}
		e = &conf->entries[conf->n];
		e->key = strdup(key);
		if (!e->key) {
			free(v);
			free(w);
			return -1;
		}
		e->value = NULL;
		e->where = NULL;
		conf->n++;
	}
	free(e->value);
	free(e->where);
	e->value = v;
	e->where = w;
	e->origin = origin;
	return 0;
}

/* The base property of a "<name>.file" key, or NULL when key is not such a variant. */
static const rc_prop_def_t *file_variant_base(const char *key)
{
	size_t len = strlen(key);
	char base[256];
	const rc_prop_def_t *def;

	if (len < 6 || len >= sizeof base || strcmp(key + len - 5, ".file") != 0)
		return NULL;
	memcpy(base, key, len - 5);
	base[len - 5] = '\0';
	def = rc_prop_find(base);
	return def && (def->flags & RC_PROP_FILE_VARIANT) ? def : NULL;
}

int rc_conf_set(rc_conf_t *conf, const char *key, const char *value, rc_conf_origin_t origin,
                const char *where, char *err, size_t errlen)
{
	const char *alias = rc_prop_alias(key);

	if (alias && !rc_prop_find(key)) {
		rc_log_info("config", "%s: '%s' read as '%s'", where, key, alias);
		key = alias;
	}
	if (!rc_prop_find(key) && !file_variant_base(key) && strncmp(key, "kafka.", 6) != 0) {
		const char *hint;

		if (rc_prop_is_foreign(key)) {
			rc_log_warn("config",
			            "%s: '%s' is a Kafka Connect/Debezium setting that rowcast ignores",
			            where, key);
			return 0;
		}
		hint = rc_prop_suggest(key);
		if (hint)
			add_err(err, errlen, "%s: unknown property '%s' (did you mean '%s'?)", where, key,
			        hint);
		else
			add_err(err, errlen,
			        "%s: unknown property '%s' (rowcast config print --all lists them)", where,
			        key);
		return -1;
	}
	if (strcmp(key, "kafka.") == 0) {
		add_err(err, errlen, "%s: empty Kafka property name after 'kafka.'", where);
		return -1;
	}
	if (store(conf, key, value, origin, where) != 0) {
		add_err(err, errlen, "%s: out of memory", where);
		return -1;
	}
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Parses len bytes of properties text (borrowed: a copy is cut up in place). */
static int load_properties(rc_conf_t *conf, const char *text, size_t len, const char *source, char *err,
                           size_t errlen)
{
	char *copy = strndup(text, len), *line, *next;
	int lineno = 0, rc = 0;

	if (!copy) {
		add_err(err, errlen, "%s: out of memory", source);
		return -1;
	}
	for (line = copy; line; line = next) {
		char *where, *key, *value, *end, *sep;
		int first = ++lineno;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* A trailing backslash continues the value on the next line (Java properties). */
		while (next && strlen(line) > 0 && line[strlen(line) - 1] == '\\') {
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
		key = trim(line);
		if (*key == '\0' || *key == '#' || *key == '!')
			continue;
		if (asprintf(&where, "%s line %d", source, first) < 0) {
			add_err(err, errlen, "%s: out of memory", source);
			rc = -1;
			break;
		}
		/* The name ends at the first blank, '=' or ':'; then, after blanks, '=' or ':' must come. */
		end = key + strcspn(key, " \t\v\f\r=:");
		sep = end + strspn(end, " \t\v\f\r");
		if (*sep != '=' && *sep != ':') {
			malformed(err, errlen, where, key, "'=' or ':'", "'key = value'");
			rc = -1;
		} else if (end == key) {
			add_err(err, errlen, "%s: missing property name before '%c'", where, *sep);
			rc = -1;
		} else {
			value = trim(sep + 1);
			*end = '\0';
			if (rc_conf_set(conf, key, value, RC_CONF_FILE, where, err, errlen) != 0)
				rc = -1;
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
		add_err(err, errlen, "%s line %d column %d: invalid JSON: %s", path, jerr.line, jerr.column,
		        json_error_words(&jerr));
		return -1;
	}
	map = json_object_get(root, "config");
	if (!json_is_object(map))
		map = root; /* a bare {"key": "value"} map */
	if (!json_is_object(map)) {
		add_err(err, errlen, "%s: expected a JSON object, or {\"name\": ..., \"config\": {...}}",
		        path);
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
			add_err(err, errlen, "%s: out of memory", path);
			rc = -1;
			break;
		}
		val = json_scalar_text(v, &oom);
		if (!val) {
			add_err(err, errlen, "%s: %s", where,
			        oom ? "out of memory" : "expected a string, number or boolean");
			rc = -1;
		} else if (strcmp(key, "connector.class") == 0 && !json_object_get(map, "source.type")) {
			const rc_source_type_t *type = rc_source_type_by_class(val);
			if (!type) {
				add_err(err, errlen, "%s: connector '%s' is not one rowcast has (%s)", where,
				        val, known_classes(classes, sizeof classes));
				rc = -1;
			} else if (store(conf, "source.type", type->name, RC_CONF_FILE, where) != 0) {
				add_err(err, errlen, "%s: out of memory", where);
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

/* Reads a whole file, up to MAX_CONF_FILE_BYTES. Returns a malloc'd NUL-terminated buffer the caller
 * frees, or NULL with the reason (path and errno text) in err. */
static char *read_small_file(const char *path, const char *what, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len;

	if (!f) {
		add_err(err, errlen, "cannot read %s '%s': %s", what, path, strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_CONF_FILE_BYTES + 1);
	if (!buf) {
		add_err(err, errlen, "cannot read %s '%s': out of memory", what, path);
		goto out;
	}
	len = fread(buf, 1, MAX_CONF_FILE_BYTES + 1, f);
	if (ferror(f)) {
		add_err(err, errlen, "cannot read %s '%s': %s", what, path, strerror(errno));
		free(buf);
		buf = NULL;
	} else if (len > MAX_CONF_FILE_BYTES) {
		add_err(err, errlen, "%s '%s' is larger than %d bytes", what, path, MAX_CONF_FILE_BYTES);
		free(buf);
		buf = NULL;
	} else {
		buf[len] = '\0';
		if (strlen(buf) != len) {
			add_err(err, errlen, "%s '%s' contains a NUL byte", what, path);
			free(buf);
			buf = NULL;
		}
	}
out:
	fclose(f);
	return buf;
}

int rc_conf_load_buffer(rc_conf_t *conf, const char *data, size_t len, const char *source, char *err,
                        size_t errlen)
{
	size_t i;

	if (memchr(data, '\0', len)) {
		add_err(err, errlen, "%s contains a NUL byte", source);
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
	char *text = read_small_file(path, "config file", err, errlen);
	int rc;

	if (!text)
		return -1;
	rc = rc_conf_load_buffer(conf, text, strlen(text), path, err, errlen);
	free(text);
	return rc;
}

/* Writes the environment name of a property: ROWCAST_ + upper-cased, '.' and '-' to '_'. */
static void env_name_of(const char *key, char *out, size_t len)
{
	size_t i = (size_t)snprintf(out, len, "ROWCAST_");

	for (; *key && i + 1 < len; key++)
		out[i++] = (*key == '.' || *key == '-') ? '_' : (char)toupper((unsigned char)*key);
	out[i] = '\0';
}

/* Maps one ROWCAST_ variable name (without its value) to a property key: 0 with *key malloc'd (the
 * caller frees; NULL when out of memory), or -1 when the name is no property's. */
static int env_to_key(const char *var, char **key)
{
	size_t n;
	const rc_prop_def_t *all = rc_prop_all(&n);
	char env[300];

	*key = NULL;
	for (size_t i = 0; i < n; i++) {
		env_name_of(all[i].name, env, sizeof env);
		if (strcmp(env, var) == 0) {
			*key = strdup(all[i].name);
			return 0;
		}
		if ((all[i].flags & RC_PROP_FILE_VARIANT) && strncmp(env, var, strlen(env)) == 0 &&
		    strcmp(var + strlen(env), "_FILE") == 0) {
			if (asprintf(key, "%s.file", all[i].name) < 0)
				*key = NULL;
			return 0;
		}
	}
	if (strncmp(var, "ROWCAST_KAFKA_", 14) == 0 && var[14]) {
		if (asprintf(key, "kafka.%s", var + 14) < 0) {
			*key = NULL;
			return 0;
		}
		for (char *p = *key + 6; *p; p++)
			*p = *p == '_' ? '.' : (char)tolower((unsigned char)*p);
		return 0;
	}
	return -1;
}

/* Reports an unknown ROWCAST_ variable var, suggesting the property it most looks like. */
static void unknown_env(const char *var, const char *where, char *err, size_t errlen)
{
	char *guess = strdup(var + 8), henv[300];
	const char *hint = NULL;

	if (guess) {
		for (char *p = guess; *p; p++)
			*p = *p == '_' ? '.' : (char)tolower((unsigned char)*p);
		hint = rc_prop_suggest(guess);
		free(guess);
	}
	if (hint) {
		env_name_of(hint, henv, sizeof henv);
		add_err(err, errlen, "%s: unknown property (did you mean %s, for '%s'?)", where, henv, hint);
	} else {
		add_err(err, errlen, "%s: unknown property", where);
	}
}

int rc_conf_load_env(rc_conf_t *conf, char *const *envp, char *err, size_t errlen)
{
	int rc = 0;

	for (; envp && *envp; envp++) {
		const char *eq = strchr(*envp, '=');
		char *var, *key = NULL, *where = NULL;

		if (strncmp(*envp, "ROWCAST_", 8) != 0 || !eq)
			continue;
		var = strndup(*envp, (size_t)(eq - *envp));
		if (!var || asprintf(&where, "environment %s", var) < 0) {
			add_err(err, errlen, "environment: out of memory");
			free(var);
			return -1;
		}
		if (strncmp(var, "ROWCAST_TEST_", 13) == 0 || strncmp(var, "ROWCAST_ENV_", 12) == 0 ||
		    strcmp(var, "ROWCAST_CONFIG") == 0 || strcmp(var, "ROWCAST_CACHE_DIR") == 0) {
			/* the test tooling's, and the file's name: not properties */
		} else if (env_to_key(var, &key) != 0) {
			unknown_env(var, where, err, errlen);
			rc = -1;
		} else if (!key) {
			add_err(err, errlen, "%s: out of memory", where);
			rc = -1;
		} else if (rc_conf_set(conf, key, eq + 1, RC_CONF_ENV, where, err, errlen) != 0) {
			rc = -1;
		}
		free(key);
		free(where);
		free(var);
	}
	return rc;
}

int rc_conf_set_arg(rc_conf_t *conf, const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	char *key;
	int rc;

	if (!eq) {
		malformed(err, errlen, "--set", arg, "'='", "key=value");
		return -1;
	}
	key = strndup(arg, (size_t)(eq - arg));
	if (!key) {
		add_err(err, errlen, "--set: out of memory");
		return -1;
	}
	if (*trim(key) == '\0') {
		add_err(err, errlen, "--set: missing property name before '='");
		rc = -1;
	} else {
		rc = rc_conf_set(conf, trim(key), eq + 1, RC_CONF_CLI, "--set", err, errlen);
	}
	free(key);
	return rc;
}

/* Replaces every "<name>.file" entry by <name> read from that file (trailing newlines removed). */
static int resolve_file_variants(rc_conf_t *conf, char *err, size_t errlen)
{
	int rc = 0;

	for (size_t i = 0; i < conf->n;) {
		conf_entry_t *e = &conf->entries[i];
		const rc_prop_def_t *base = file_variant_base(e->key);
		conf_entry_t *direct;
		char *secret, *where, *variant;
		size_t len;

		if (!base) {
			i++;
			continue;
		}
		direct = find_entry(conf, base->name);
		if (direct && direct->origin == e->origin) {
			add_err(err, errlen, "%s: both '%s' and '%s' are set; keep one", e->where, base->name,
			        e->key);
			rc = -1;
			i++;
			continue;
		}
		if (direct && direct->origin > e->origin) {
			remove_entry(conf, e); /* the direct value outranks the file */
			continue;
		}
		secret = read_small_file(e->value, e->key, err, errlen);
		if (!secret) {
			rc = -1;
			i++;
			continue;
		}
		len = strlen(secret);
		while (len > 0 && (secret[len - 1] == '\n' || secret[len - 1] == '\r'))
			secret[--len] = '\0';
		variant = strdup(e->key);
		if (!variant || asprintf(&where, "%s (file)", e->where) < 0) {
			add_err(err, errlen, "%s: out of memory", e->where);
			free(variant);
			free(secret);
			return -1;
		}
		/* store() may grow the array: e is stale after it, so the variant is found again by name. */
		if (store(conf, base->name, secret, e->origin, where) != 0) {
			add_err(err, errlen, "%s: out of memory", where);
			rc = -1;
		}
		free(secret);
		remove_entry(conf, find_entry(conf, variant));
		free(variant);
		free(where);
	}
	return rc;
}

static void str_lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Checks one value against its definition; may normalise it (case of enums and booleans). */
static int check_value(const rc_prop_def_t *def, conf_entry_t *e, char *err, size_t errlen)
{
	const char *shown = (def->flags & RC_PROP_SECRET) ? "(hidden)" : e->value;

	switch (def->type) {
	case RC_PROP_INT: {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(e->value, &end, 10);
		if (errno || end == e->value || *trim(end) != '\0') {
			add_err(err, errlen, "%s: %s = '%s' is not an integer (expected %lld..%lld)",
			        e->where, def->name, shown, (long long)def->min, (long long)def->max);
			return -1;
		}
		if (def->min < def->max && (v < def->min || v > def->max)) {
			add_err(err, errlen, "%s: %s = %lld is out of range (expected %lld..%lld)", e->where,
			        def->name, v, (long long)def->min, (long long)def->max);
			return -1;
		}
		return 0;
	}
	case RC_PROP_BOOL:
		str_lower(e->value);
		if (strcmp(e->value, "true") != 0 && strcmp(e->value, "false") != 0) {
			add_err(err, errlen, "%s: %s = '%s' is not a boolean (expected true or false)",
			        e->where, def->name, shown);
			return -1;
		}
		return 0;
	case RC_PROP_ENUM: {
		const char *p = def->choices;
		size_t vlen = strlen(e->value);

		while (p && *p) {
			const char *bar = strchr(p, '|');
			size_t clen = bar ? (size_t)(bar - p) : strlen(p);
			if (clen == vlen && strncasecmp(p, e->value, clen) == 0) {
				str_lower(e->value);
				return 0;
			}
			p = bar ? bar + 1 : NULL;
		}
		add_err(err, errlen, "%s: %s = '%s' is not valid (expected one of: %s)", e->where, def->name,
		        shown, def->choices);
		return -1;
	}
	case RC_PROP_REGEXES: {
		char *list = strdup(e->value), *save = NULL, *pat;
		int rc = 0;

		if (!list) {
			add_err(err, errlen, "%s: %s: out of memory", e->where, def->name);
			return -1;
		}
		for (pat = strtok_r(list, ",", &save); pat; pat = strtok_r(NULL, ",", &save)) {
			regex_t re;
			int code = regcomp(&re, trim(pat), REG_EXTENDED | REG_NOSUB);
			if (code != 0) {
				char why[200];
				regerror(code, &re, why, sizeof why);
				add_err(err, errlen,
				        "%s: %s: pattern '%s' is not a valid regular expression: %s",
				        e->where, def->name, trim(pat), why);
				rc = -1;
				continue;
			}
			regfree(&re);
		}
		free(list);
		return rc;
	}
	case RC_PROP_PATH:
		if (e->value[0] == '\0') {
			add_err(err, errlen, "%s: %s is empty (expected a file path)", e->where, def->name);
			return -1;
		}
		return 0;
	case RC_PROP_STRING:
		return 0;
	}
	return 0;
}

static void missing(const rc_prop_def_t *def, const char *why, char *err, size_t errlen)
{
	char env[300];

	env_name_of(def->name, env, sizeof env);
	add_err(err, errlen,
	        "missing required property '%s'%s: %s (set it in the config file, as %s, or with --set)",
	        def->name, why, def->doc, env);
}

/* True when the source type needs name besides the common properties. */
static bool required_by(const rc_source_type_t *type, const char *name)
{
	for (const char *const *r = type->required; r && *r; r++)
		if (strcmp(*r, name) == 0)
			return true;
	return false;
}

int rc_conf_finalize(rc_conf_t *conf, char *err, size_t errlen)
{
	size_t n;
	const rc_prop_def_t *all = rc_prop_all(&n);
	int rc = resolve_file_variants(conf, err, errlen);
	const rc_source_type_t *type;
	char for_type[64] = "";
	bool kafka;

	for (size_t i = 0; i < conf->n; i++) {
		conf_entry_t *e = &conf->entries[i];
		const rc_prop_def_t *def = rc_prop_find(e->key);

		if (is_secret(e->key))
			rc_log_add_secret(e->value);
		if (def && (def->flags & RC_PROP_NOT_YET) && e->origin != RC_CONF_DEFAULT)
			rc_log_warn("config", "%s: %s has no effect in this version of rowcast", e->where,
			            def->name);
		if (def && check_value(def, e, err, errlen) != 0)
			rc = -1;
	}
	if (rc_conf_is(conf, "snapshot.mode", "never")) {
		rc_log_warn("config", "snapshot.mode=never is deprecated: read as no_data");
		store(conf, "snapshot.mode", "no_data", find_entry(conf, "snapshot.mode")->origin, NULL);
	}
	for (size_t i = 0; i < n; i++)
		if (all[i].def && !find_entry(conf, all[i].name))
			store(conf, all[i].name, all[i].def, RC_CONF_DEFAULT, NULL);

	type = rc_source_type_find(rc_conf_get(conf, "source.type"));
	if (type)
		snprintf(for_type, sizeof for_type, " (source.type=%s)", type->name);
	kafka = rc_conf_is(conf, "sink.type", "kafka");
	for (size_t i = 0; i < n; i++) {
		const char *why = NULL;

		if (find_entry(conf, all[i].name))
			continue;
		if (all[i].flags & RC_PROP_REQUIRED)
			why = "";
		else if (type && required_by(type, all[i].name))
			why = for_type;
		else if ((all[i].flags & RC_PROP_REQ_KAFKA) && kafka)
			why = " (sink.type=kafka)";
		if (why) {
			missing(&all[i], why, err, errlen);
			rc = -1;
		}
	}
	if (kafka && !find_entry(conf, "kafka.bootstrap.servers")) {
		add_err(
		    err, errlen,
		    "missing required property 'kafka.bootstrap.servers' (sink.type=kafka): Kafka brokers host:port,... (set it in the config file, as ROWCAST_KAFKA_BOOTSTRAP_SERVERS, or with --set)");
		rc = -1;
	}
	if (!find_entry(conf, "database.port") && type && type->default_port)
		store(conf, "database.port", type->default_port, RC_CONF_DEFAULT, NULL);
	return rc;
}

const char *rc_conf_get(const rc_conf_t *conf, const char *key)
{
	conf_entry_t *e = find_entry(conf, key);
	return e ? e->value : NULL;
}

int64_t rc_conf_get_int(const rc_conf_t *conf, const char *key, int64_t dflt)
{
	const char *v = rc_conf_get(conf, key);
	return v ? strtoll(v, NULL, 10) : dflt;
}

bool rc_conf_get_bool(const rc_conf_t *conf, const char *key, bool dflt)
{
	const char *v = rc_conf_get(conf, key);
	return v ? strcasecmp(v, "true") == 0 : dflt;
}

bool rc_conf_is(const rc_conf_t *conf, const char *key, const char *s)
{
	const char *v = rc_conf_get(conf, key);
	return v && strcmp(v, s) == 0;
}

int rc_conf_foreach_prefix(const rc_conf_t *conf, const char *prefix,
                           int (*fn)(const char *key, const char *value, void *opaque), void *opaque)
{
	size_t plen = strlen(prefix);

	for (size_t i = 0; i < conf->n; i++) {
		if (strncmp(conf->entries[i].key, prefix, plen) != 0)
			continue;
		int rc = fn(conf->entries[i].key + plen, conf->entries[i].value, opaque);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int cmp_entries(const void *a, const void *b)
{
	return strcmp(((const conf_entry_t *)a)->key, ((const conf_entry_t *)b)->key);
}

void rc_conf_print(const rc_conf_t *conf, FILE *out)
{
	conf_entry_t *sorted = malloc(conf->n * sizeof *sorted);

	if (!sorted)
		return;
	memcpy(sorted, conf->entries, conf->n * sizeof *sorted);
	qsort(sorted, conf->n, sizeof *sorted, cmp_entries);
	for (size_t i = 0; i < conf->n; i++)
		fprintf(out, "%s = %s    # %s\n", sorted[i].key,
		        is_secret(sorted[i].key) ? "***" : sorted[i].value, sorted[i].where);
	free(sorted);
}
