#include "config.h"

#include "agent/conf.h"

#include "agent/conf_internal.h"

#include "agent/column_map.h"

#include "agent/log.h"
#include "agent/properties.h"
#include "agent/signal.h"
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
#include <unistd.h>

static const char *const origin_names[] = {"default", "file", "environment", "--set"};

/* Appends one message line to err; earlier messages are kept so the user sees every problem. */
void rc_conf_add_err(char *err, size_t errlen, const char *fmt, ...)
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

static bool file_variant_base(const char *key, char *base, size_t baselen);

/* A property is secret by declaration, or by name for pass-through keys (kafka.sasl.password).
 * A <name>.file variant holds a path, which is not secret. */
static bool is_secret(const char *key)
{
	const rc_prop_def_t *def = rc_prop_find(key);

	if (file_variant_base(key, NULL, 0))
		return false;
	if (def)
		return def->flags & RC_PROP_SECRET;
	if (strstr(key, "password") || strstr(key, "secret") || strstr(key, "user.info") ||
	    strstr(key, "passphrase"))
		return true;
	/* librdkafka's secrets whose names say nothing of it: an inline private key, the OAUTHBEARER
	 * configuration (it holds the client's secret), JAAS-style configurations. */
	for (const char *const *k = (const char *const[]){"ssl.key.pem", "ssl_key", "sasl.oauthbearer.config",
	                                                  "sasl.jaas.config", NULL};
	     *k; k++) {
		size_t klen = strlen(key), n = strlen(*k);
		if (klen >= n && strcmp(key + klen - n, *k) == 0)
			return true;
	}
	return false;
}

/* The user-info of a URL value ("http://user:pass@host" → where "user:pass" starts and its
 * length), for masking; false when value is no URL with user-info. A list of URLs (registry
 * failover) is looked at only up to its first user-info. */
static bool url_userinfo(const char *value, size_t *start, size_t *len)
{
	const char *scheme = strstr(value, "://"), *at, *end;

	if (!scheme)
		return false;
	scheme += 3;
	end = scheme + strcspn(scheme, "/?#, ");
	at = memchr(scheme, '@', (size_t)(end - scheme));
	if (!at)
		return false;
	*start = (size_t)(scheme - value);
	*len = (size_t)(at - scheme);
	return true;
}

/* True when name is a key rowcast would take (a property, a Debezium alias or ignored key, a
 * <name>.file variant, a kafka.* pass-through), so a message may name it. Any other word of a
 * malformed line may be a value: a password typed without its key. */
static bool known_key(const char *name)
{
	return rc_prop_find(name) || rc_prop_alias(name) || rc_prop_is_foreign(name) ||
	       file_variant_base(name, NULL, 0) || (strncmp(name, "kafka.", 6) == 0 && name[6]);
}

/* Reports a properties line or --set argument s that lacks a separator (sep names it) after its first
 * word. That word is named when it is a known key; nothing else of s is shown, since
 * "database.password hunter2" is a password with a space for '=' (Java's third separator, which
 * rowcast does not take). */
void rc_conf_malformed(char *err, size_t errlen, const char *where, const char *s, const char *sep,
                       const char *form)
{
	char *word = strndup(s, strcspn(s, " \t\n\v\f\r=:"));

	if (word && known_key(word))
		rc_conf_add_err(err, errlen,
		                "%s: '%s' is not followed by %s (expected %s; the rest is not shown)", where,
		                word, sep, form);
	else
		rc_conf_add_err(err, errlen, "%s: expected %s (the text is not shown: it may hold a secret)",
		                where, form);
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
		if (conf->entries[i].value && is_secret(conf->entries[i].key))
			explicit_bzero(conf->entries[i].value, strlen(conf->entries[i].value));
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

char *rc_conf_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Stores key = value without validation. Returns 0, or -1 when out of memory. */
int rc_conf_store(rc_conf_t *conf, const char *key, const char *value, rc_conf_origin_t origin,
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
/* True when key is "<name>.file" for a <name> that may be read from a file: a property declared so
 * (database.password, basic.auth.user.info), or a kafka.* secret (kafka.sasl.password.file, which
 * librdkafka itself would refuse). <name> goes to base when base is set. */
static bool file_variant_base(const char *key, char *base, size_t baselen)
{
	size_t len = strlen(key);
	char name[256];
	const rc_prop_def_t *def;

	if (len < 6 || len >= sizeof name || strcmp(key + len - 5, ".file") != 0)
		return false;
	memcpy(name, key, len - 5);
	name[len - 5] = '\0';
	def = rc_prop_find(name);
	if (def ? !(def->flags & RC_PROP_FILE_VARIANT)
	        : strncmp(name, "kafka.", 6) != 0 || !name[6] || !is_secret(name))
		return false;
	if (base)
		snprintf(base, baselen, "%s", name);
	return true;
}

int rc_conf_set(rc_conf_t *conf, const char *key, const char *value, rc_conf_origin_t origin,
                const char *where, char *err, size_t errlen)
{
	const char *alias = rc_prop_alias(key);

	if (alias && !rc_prop_find(key)) {
		rc_log_info("config", "%s: '%s' read as '%s'", where, key, alias);
		key = alias;
	}
	if (!rc_prop_find(key) && !file_variant_base(key, NULL, 0) && strncmp(key, "kafka.", 6) != 0 &&
	    !rc_column_map_is_property(key)) {
		const char *hint;

		if (rc_prop_is_foreign(key)) {
			rc_log_warn("config",
			            "%s: '%s' is a Kafka Connect/Debezium setting that rowcast ignores",
			            where, key);
			return 0;
		}
		hint = rc_prop_suggest(key);
		if (hint)
			rc_conf_add_err(err, errlen, "%s: unknown property '%s' (did you mean '%s'?)", where,
			                key, hint);
		else
			rc_conf_add_err(err, errlen,
			                "%s: unknown property '%s' (rowcast config print --all lists them)",
			                where, key);
		return -1;
	}
	if (strcmp(key, "kafka.") == 0) {
		rc_conf_add_err(err, errlen, "%s: empty Kafka property name after 'kafka.'", where);
		return -1;
	}
	if (rc_conf_store(conf, key, value, origin, where) != 0) {
		rc_conf_add_err(err, errlen, "%s: out of memory", where);
		return -1;
	}
	return 0;
}

/* Reads a whole file, up to MAX_CONF_FILE_BYTES. Returns a malloc'd NUL-terminated buffer the caller
 * frees, or NULL with the reason (path and errno text) in err. */
char *rc_conf_read_file(const char *path, const char *what, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len;

	if (!f) {
		rc_conf_add_err(err, errlen, "cannot read %s '%s': %s", what, path, strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_CONF_FILE_BYTES + 1);
	if (!buf) {
		rc_conf_add_err(err, errlen, "cannot read %s '%s': out of memory", what, path);
		goto out;
	}
	len = fread(buf, 1, MAX_CONF_FILE_BYTES + 1, f);
	if (ferror(f)) {
		rc_conf_add_err(err, errlen, "cannot read %s '%s': %s", what, path, strerror(errno));
		free(buf);
		buf = NULL;
	} else if (len > MAX_CONF_FILE_BYTES) {
		rc_conf_add_err(err, errlen, "%s '%s' is larger than %d bytes", what, path,
		                MAX_CONF_FILE_BYTES);
		free(buf);
		buf = NULL;
	} else {
		buf[len] = '\0';
		if (strlen(buf) != len) {
			rc_conf_add_err(err, errlen, "%s '%s' contains a NUL byte", what, path);
			free(buf);
			buf = NULL;
		}
	}
out:
	fclose(f);
	return buf;
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
		rc_conf_add_err(err, errlen, "%s: unknown property (did you mean %s, for '%s'?)", where, henv,
		                hint);
	} else {
		rc_conf_add_err(err, errlen, "%s: unknown property", where);
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
			rc_conf_add_err(err, errlen, "environment: out of memory");
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
			rc_conf_add_err(err, errlen, "%s: out of memory", where);
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
		rc_conf_malformed(err, errlen, "--set", arg, "'='", "key=value");
		return -1;
	}
	key = strndup(arg, (size_t)(eq - arg));
	if (!key) {
		rc_conf_add_err(err, errlen, "--set: out of memory");
		return -1;
	}
	if (*rc_conf_trim(key) == '\0') {
		rc_conf_add_err(err, errlen, "--set: missing property name before '='");
		rc = -1;
	} else if (is_secret(rc_conf_trim(key))) {
		/* Security review F-4: a command line is readable by every local user (ps,
		 * /proc/PID/cmdline) for as long as the process runs. */
		char env[300];
		env_name_of(rc_conf_trim(key), env, sizeof env);
		rc_conf_add_err(err, errlen,
		                "--set: %s is a secret, and a command line is readable by every local user "
		                "(ps, /proc/PID/cmdline): give it in the environment (%s)%s%s%s",
		                rc_conf_trim(key), env, rc_prop_find(rc_conf_trim(key)) ? ", as " : "",
		                rc_prop_find(rc_conf_trim(key)) ? rc_conf_trim(key) : "",
		                rc_prop_find(rc_conf_trim(key)) ? ".file or in the config file"
		                                                : " or in the config file");
		rc = -1;
	} else {
		rc = rc_conf_set(conf, rc_conf_trim(key), eq + 1, RC_CONF_CLI, "--set", err, errlen);
	}
	free(key);
	return rc;
}

/* A secret's file of rowcast's own user that every user may read is a warning (libpq refuses such a
 * .pgpass). A file someone else owns is left alone: a mounted Kubernetes secret is root's, 0444 so
 * that rowcast's user can read it, and rowcast could not chmod it anyway. */
static void warn_if_readable_by_others(const conf_entry_t *e)
{
	struct stat st;

	if (stat(e->value, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IROTH) &&
	    st.st_uid == geteuid())
		rc_log_warn("config", "%s: %s '%s' can be read by every user (mode %04o): chmod 600 it",
		            e->where, e->key, e->value, (unsigned)(st.st_mode & 07777));
}

/* Replaces every "<name>.file" entry by <name> read from that file (trailing newlines removed). */
static int resolve_file_variants(rc_conf_t *conf, char *err, size_t errlen)
{
	int rc = 0;

	for (size_t i = 0; i < conf->n;) {
		conf_entry_t *e = &conf->entries[i];
		char base[256];
		conf_entry_t *direct;
		char *secret, *where, *variant;
		size_t len;

		if (!file_variant_base(e->key, base, sizeof base)) {
			i++;
			continue;
		}
		direct = find_entry(conf, base);
		if (direct && direct->origin == e->origin) {
			rc_conf_add_err(err, errlen, "%s: both '%s' and '%s' are set; keep one", e->where,
			                base, e->key);
			rc = -1;
			i++;
			continue;
		}
		if (direct && direct->origin > e->origin) {
			remove_entry(conf, e); /* the direct value outranks the file */
			continue;
		}
		warn_if_readable_by_others(e);
		secret = rc_conf_read_file(e->value, e->key, err, errlen);
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
			rc_conf_add_err(err, errlen, "%s: out of memory", e->where);
			free(variant);
			free(secret);
			return -1;
		}
		/* rc_conf_store() may grow the array: e is stale after it, so the variant is found again by
		 * name. */
		if (rc_conf_store(conf, base, secret, e->origin, where) != 0) {
			rc_conf_add_err(err, errlen, "%s: out of memory", where);
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

/* message.key.columns: "regex:col1,col2;regex2:col", each regex valid and each entry with columns,
 * since agent/naming.c skips an entry it cannot use (a table would then be keyed by nothing). */
static int check_key_columns(const conf_entry_t *e, char *err, size_t errlen)
{
	char *copy = strdup(e->value), *save = NULL, *entry;
	int rc = 0;

	if (!copy) {
		rc_conf_add_err(err, errlen, "%s: message.key.columns: out of memory", e->where);
		return -1;
	}
	for (entry = strtok_r(copy, ";", &save); entry; entry = strtok_r(NULL, ";", &save)) {
		char *colon = strrchr(entry, ':'), anchored[600], why[200];
		regex_t re;
		int code;

		if (!colon || !*rc_conf_trim(colon + 1) || colon == entry) {
			rc_conf_add_err(err, errlen,
			                "%s: message.key.columns: entry '%s' is not 'table-regex:col1,col2'",
			                e->where, rc_conf_trim(entry));
			rc = -1;
			continue;
		}
		*colon = '\0';
		snprintf(anchored, sizeof anchored, "^(%s)$", rc_conf_trim(entry));
		code = regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB);
		if (code != 0) {
			regerror(code, &re, why, sizeof why);
			rc_conf_add_err(err, errlen,
			                "%s: message.key.columns: '%s' is not a valid regular expression: %s",
			                e->where, rc_conf_trim(entry), why);
			rc = -1;
			continue;
		}
		regfree(&re);
	}
	free(copy);
	return rc;
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
		if (errno || end == e->value || *rc_conf_trim(end) != '\0') {
			rc_conf_add_err(err, errlen, "%s: %s = '%s' is not an integer (expected %lld..%lld)",
			                e->where, def->name, shown, (long long)def->min, (long long)def->max);
			return -1;
		}
		if (def->min < def->max && (v < def->min || v > def->max)) {
			rc_conf_add_err(err, errlen, "%s: %s = %lld is out of range (expected %lld..%lld)",
			                e->where, def->name, v, (long long)def->min, (long long)def->max);
			return -1;
		}
		return 0;
	}
	case RC_PROP_BOOL:
		str_lower(e->value);
		if (strcmp(e->value, "true") != 0 && strcmp(e->value, "false") != 0) {
			rc_conf_add_err(err, errlen,
			                "%s: %s = '%s' is not a boolean (expected true or false)", e->where,
			                def->name, shown);
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
		rc_conf_add_err(err, errlen, "%s: %s = '%s' is not valid (expected one of: %s)", e->where,
		                def->name, shown, def->choices);
		return -1;
	}
	case RC_PROP_REGEXES: {
		char *list = strdup(e->value), *save = NULL, *pat;
		int rc = 0;

		if (!list) {
			rc_conf_add_err(err, errlen, "%s: %s: out of memory", e->where, def->name);
			return -1;
		}
		for (pat = strtok_r(list, ",", &save); pat; pat = strtok_r(NULL, ",", &save)) {
			regex_t re;
			int code = regcomp(&re, rc_conf_trim(pat), REG_EXTENDED | REG_NOSUB);
			if (code != 0) {
				char why[200];
				regerror(code, &re, why, sizeof why);
				rc_conf_add_err(err, errlen,
				                "%s: %s: pattern '%s' is not a valid regular expression: %s",
				                e->where, def->name, rc_conf_trim(pat), why);
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
			rc_conf_add_err(err, errlen, "%s: %s is empty (expected a file path)", e->where,
			                def->name);
			return -1;
		}
		return 0;
	case RC_PROP_STRING:
		return strcmp(def->name, "message.key.columns") == 0 ? check_key_columns(e, err, errlen) : 0;
	}
	return 0;
}

static void missing(const rc_prop_def_t *def, const char *why, char *err, size_t errlen)
{
	char env[300];

	env_name_of(def->name, env, sizeof env);
	rc_conf_add_err(
	    err, errlen,
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

		size_t ui, uilen;
		if (is_secret(e->key))
			rc_log_add_secret(e->value);
		else if (url_userinfo(e->value, &ui, &uilen)) {
			/* The password part, masked wherever a message would show it. */
			const char *colon = memchr(e->value + ui, ':', uilen);
			char *pw =
			    colon ? strndup(colon + 1, uilen - (size_t)(colon + 1 - (e->value + ui))) : NULL;
			if (pw)
				rc_log_add_secret(pw);
			free(pw);
		}
		if (def && (def->flags & RC_PROP_NOT_YET) && e->origin != RC_CONF_DEFAULT)
			rc_log_warn("config", "%s: %s has no effect in this version of rowcast", e->where,
			            def->name);
		if (def && check_value(def, e, err, errlen) != 0)
			rc = -1;
	}
	if (rc_conf_is(conf, "snapshot.mode", "never")) {
		rc_log_warn("config", "snapshot.mode=never is deprecated: read as no_data");
		rc_conf_store(conf, "snapshot.mode", "no_data", find_entry(conf, "snapshot.mode")->origin,
		              NULL);
	}
	for (size_t i = 0; i < n; i++)
		if (all[i].def && !find_entry(conf, all[i].name))
			rc_conf_store(conf, all[i].name, all[i].def, RC_CONF_DEFAULT, NULL);

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
		rc_conf_add_err(
		    err, errlen,
		    "missing required property 'kafka.bootstrap.servers' (sink.type=kafka): Kafka brokers host:port,... (set it in the config file, as ROWCAST_KAFKA_BOOTSTRAP_SERVERS, or with --set)");
		rc = -1;
	}
	if (rc_signal_check_conf(conf, err, errlen) != 0)
		rc = -1;
	if (!find_entry(conf, "database.port") && type && type->default_port)
		rc_conf_store(conf, "database.port", type->default_port, RC_CONF_DEFAULT, NULL);
	{
		/* column.mask.*, column.truncate.*: names with parameters, checked by compiling them */
		rc_column_map_t cm;
		char why[512];
		if (rc_column_map_init(&cm, conf, why, sizeof why) != 0) {
			rc_conf_add_err(err, errlen, "%s", why);
			rc = -1;
		} else
			rc_column_map_free(&cm);
	}
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
	for (size_t i = 0; i < conf->n; i++) {
		size_t ui, uilen;
		const char *v = sorted[i].value;

		if (is_secret(sorted[i].key))
			fprintf(out, "%s = ***    # %s\n", sorted[i].key, sorted[i].where);
		else if (url_userinfo(v, &ui, &uilen))
			fprintf(out, "%s = %.*s***%s    # %s\n", sorted[i].key, (int)ui, v, v + ui + uilen,
			        sorted[i].where);
		else
			fprintf(out, "%s = %s    # %s\n", sorted[i].key, v, sorted[i].where);
	}
	free(sorted);
}
