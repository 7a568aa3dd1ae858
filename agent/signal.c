/*
 * Debezium's signals: parsing, expansion of data-collections, dispatch, and the source channel's
 * recognition of signal-table inserts and rowcast.signal messages (agent/signal.h).
 */
#include "config.h"

#include "agent/signal.h"

#include "agent/conf_internal.h"
#include "agent/errors.h"
#include "agent/filter.h"
#include "agent/log.h"

#include <ctype.h>
#include <jansson.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	rc_signal_kind_t kind;
} kinds[] = {
    {"execute-snapshot", RC_SIGNAL_EXECUTE_SNAPSHOT},
    {"stop-snapshot", RC_SIGNAL_STOP_SNAPSHOT},
    {"pause-snapshot", RC_SIGNAL_PAUSE_SNAPSHOT},
    {"resume-snapshot", RC_SIGNAL_RESUME_SNAPSHOT},
    {"log", RC_SIGNAL_LOG},
};

/* Channels Debezium has that rowcast does not: named in the refusal rather than "unknown". */
static const char *const foreign_channels[] = {"jmx", "file", "in-process"};

__attribute__((format(printf, 4, 5))) static int fail(rc_signal_t *sig, char *err, size_t errlen,
                                                      const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "signal '%s' (channel %s%s%s): %s", sig->id ? sig->id : "?",
	         sig->channel ? sig->channel : "?", sig->type ? ", type " : "", sig->type ? sig->type : "",
	         why);
	rc_signal_clear(sig);
	return -1;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* A required or optional array of strings field of data. */
static int string_array(rc_signal_t *sig, json_t *data, const char *field, char ***out, int *n, char *err,
                        size_t errlen)
{
	json_t *arr = json_object_get(data, field), *item;
	size_t i;

	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return fail(sig, err, errlen, "data field '%s' must be an array of strings", field);
	*out = calloc(json_array_size(arr) + 1, sizeof **out);
	if (!*out)
		return fail(sig, err, errlen, "out of memory");
	json_array_foreach(arr, i, item)
	{
		if (!json_is_string(item) || json_string_length(item) == 0)
			return fail(sig, err, errlen, "data field '%s' entry %zu is not a non-empty string",
			            field, i + 1);
		if (!((*out)[(*n)++] = strdup(json_string_value(item))))
			return fail(sig, err, errlen, "out of memory");
	}
	return 0;
}

/* The "type" field of a snapshot signal's data: incremental (the default) or blocking, any case
 * (Debezium reads it with toUpperCase). */
static int snapshot_type(rc_signal_t *sig, json_t *data, char *err, size_t errlen)
{
	json_t *t = data ? json_object_get(data, "type") : NULL;
	const char *s;

	if (!t || json_is_null(t))
		return 0;
	if (!json_is_string(t))
		return fail(sig, err, errlen, "data field 'type' must be a string (incremental or blocking)");
	s = json_string_value(t);
	if (strcasecmp(s, "incremental") == 0)
		return 0;
	if (strcasecmp(s, "blocking") == 0) {
		sig->blocking = true;
		return 0;
	}
	return fail(sig, err, errlen, "data field 'type' is '%s' (expected incremental or blocking)", s);
}

static int conditions(rc_signal_t *sig, json_t *data, char *err, size_t errlen)
{
	json_t *arr = json_object_get(data, "additional-conditions"), *item;
	size_t i;

	if (json_object_get(data, "additional-condition"))
		return fail(sig, err, errlen,
		            "data field 'additional-condition' (one string) is Debezium's removed form: use "
		            "'additional-conditions': [{\"data-collection\": ..., \"filter\": ...}]");
	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return fail(sig, err, errlen,
		            "data field 'additional-conditions' must be an array of objects");
	sig->conditions = calloc(json_array_size(arr) + 1, sizeof *sig->conditions);
	if (!sig->conditions)
		return fail(sig, err, errlen, "out of memory");
	json_array_foreach(arr, i, item)
	{
		json_t *dc = json_object_get(item, "data-collection"), *f = json_object_get(item, "filter");
		rc_signal_condition_t *c = &sig->conditions[sig->nconditions];

		if (!json_is_object(item) || !json_is_string(dc) || !json_is_string(f))
			return fail(
			    sig, err, errlen,
			    "additional-conditions entry %zu needs string fields 'data-collection' and "
			    "'filter'",
			    i + 1);
		sig->nconditions++;
		c->data_collection = strdup(json_string_value(dc));
		c->filter = strdup(json_string_value(f));
		if (!c->data_collection || !c->filter)
			return fail(sig, err, errlen, "out of memory");
	}
	return 0;
}

/* Each data-collection compiles as a regular expression (Debezium matches them as such). */
static int check_patterns(rc_signal_t *sig, char *err, size_t errlen)
{
	for (int i = 0; i < sig->ncollections; i++) {
		char anchored[1100], why[200];
		regex_t re;
		int code;

		snprintf(anchored, sizeof anchored, "^(%s)$", sig->collections[i]);
		code = regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB);
		if (code != 0) {
			regerror(code, &re, why, sizeof why);
			return fail(sig, err, errlen,
			            "data-collections entry '%s' is not a valid regular expression: %s",
			            sig->collections[i], why);
		}
		regfree(&re);
	}
	return 0;
}

/* The fields of data the kind needs, data already parsed (NULL: none given). */
static int parse_data(rc_signal_t *sig, json_t *data, char *err, size_t errlen)
{
	json_t *msg;

	switch (sig->kind) {
	case RC_SIGNAL_EXECUTE_SNAPSHOT:
		if (!data)
			return fail(sig, err, errlen, "data is missing (it needs 'data-collections')");
		if (string_array(sig, data, "data-collections", &sig->collections, &sig->ncollections, err,
		                 errlen) != 0)
			return -1;
		if (sig->ncollections == 0)
			return fail(sig, err, errlen, "data field 'data-collections' is missing or empty");
		if (snapshot_type(sig, data, err, errlen) != 0 || conditions(sig, data, err, errlen) != 0)
			return -1;
		if (json_object_get(data, "surrogate-key")) {
			json_t *sk = json_object_get(data, "surrogate-key");
			if (!json_is_string(sk))
				return fail(sig, err, errlen, "data field 'surrogate-key' must be a string");
			if (json_string_length(sk) > 0 &&
			    !(sig->surrogate_key = strdup(json_string_value(sk))))
				return fail(sig, err, errlen, "out of memory");
		}
		return check_patterns(sig, err, errlen);
	case RC_SIGNAL_STOP_SNAPSHOT:
		if (data && (string_array(sig, data, "data-collections", &sig->collections,
		                          &sig->ncollections, err, errlen) != 0 ||
		             snapshot_type(sig, data, err, errlen) != 0))
			return -1;
		return check_patterns(sig, err, errlen);
	case RC_SIGNAL_PAUSE_SNAPSHOT:
	case RC_SIGNAL_RESUME_SNAPSHOT:
		return data ? snapshot_type(sig, data, err, errlen) : 0;
	case RC_SIGNAL_LOG:
		msg = data ? json_object_get(data, "message") : NULL;
		if (!json_is_string(msg))
			return fail(sig, err, errlen, "data field 'message' (a string) is missing");
		if (!(sig->message = strdup(json_string_value(msg))))
			return fail(sig, err, errlen, "out of memory");
		return 0;
	}
	return 0;
}

/* Parses with the data as a JSON value (NULL: absent). */
static int parse_with(rc_signal_t *sig, const char *channel, const char *id, const char *type, json_t *data,
                      char *err, size_t errlen)
{
	size_t i;

	memset(sig, 0, sizeof *sig);
	sig->channel = channel;
	if (!id || !*id)
		return fail(sig, err, errlen, "the id is missing or empty");
	if (!(sig->id = strdup(id)))
		return fail(sig, err, errlen, "out of memory");
	if (!type || !*type)
		return fail(sig, err, errlen, "the type is missing or empty");
	if (!(sig->type = strdup(type)))
		return fail(sig, err, errlen, "out of memory");
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].name, type) == 0)
			break;
	if (i == sizeof kinds / sizeof kinds[0])
		return fail(sig, err, errlen,
		            "unknown signal type (rowcast knows execute-snapshot, stop-snapshot, "
		            "pause-snapshot, resume-snapshot and log)");
	sig->kind = kinds[i].kind;
	if (data && json_is_null(data))
		data = NULL;
	if (data && !json_is_object(data))
		return fail(sig, err, errlen, "data is not a JSON object");
	if (data && !(sig->data = json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		return fail(sig, err, errlen, "out of memory");
	return parse_data(sig, data, err, errlen);
}

int rc_signal_parse(rc_signal_t *sig, const char *channel, const char *id, const char *type, const char *data,
                    char *err, size_t errlen)
{
	json_t *doc = NULL;
	json_error_t jerr;
	const char *p = data;
	int rc;

	while (p && isspace((unsigned char)*p))
		p++;
	if (p && *p && !(doc = json_loads(data, JSON_REJECT_DUPLICATES, &jerr))) {
		memset(sig, 0, sizeof *sig);
		sig->channel = channel;
		sig->id = dup_or_null(id);
		sig->type = dup_or_null(type);
		return fail(sig, err, errlen, "data is not valid JSON: %s at line %d column %d", jerr.text,
		            jerr.line, jerr.column);
	}
	rc = parse_with(sig, channel, id, type, doc, err, errlen);
	json_decref(doc);
	return rc;
}

int rc_signal_parse_json(rc_signal_t *sig, const char *channel, const char *dflt_id, bool id_from_json,
                         const char *json, size_t len, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc = json_loadb(json ? json : "", json ? len : 0, JSON_REJECT_DUPLICATES, &jerr);
	json_t *id = NULL, *type;
	char idbuf[64];
	int rc;

	memset(sig, 0, sizeof *sig);
	sig->channel = channel;
	if (!doc || !json_is_object(doc)) {
		sig->id = dup_or_null(dflt_id);
		json_decref(doc);
		return doc ? fail(sig, err, errlen, "the signal is not a JSON object")
		           : fail(sig, err, errlen, "the signal is not valid JSON: %s at line %d column %d",
		                  jerr.text, jerr.line, jerr.column);
	}
	if (id_from_json && (id = json_object_get(doc, "id")) != NULL) {
		if (json_is_integer(id)) {
			snprintf(idbuf, sizeof idbuf, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
			dflt_id = idbuf;
		} else if (json_is_string(id)) {
			dflt_id = json_string_value(id);
		} else {
			sig->id = dup_or_null(dflt_id);
			json_decref(doc);
			return fail(sig, err, errlen, "field 'id' must be a string");
		}
	}
	type = json_object_get(doc, "type");
	if (type && !json_is_string(type)) {
		sig->id = dup_or_null(dflt_id);
		json_decref(doc);
		return fail(sig, err, errlen, "field 'type' must be a string");
	}
	rc = parse_with(sig, channel, dflt_id, type ? json_string_value(type) : NULL,
	                json_object_get(doc, "data"), err, errlen);
	json_decref(doc);
	return rc;
}

void rc_signal_clear(rc_signal_t *sig)
{
	free(sig->id);
	free(sig->type);
	free(sig->data);
	rc_signal_free_names(sig->collections, sig->ncollections);
	for (int i = 0; i < sig->nconditions; i++) {
		free(sig->conditions[i].data_collection);
		free(sig->conditions[i].filter);
	}
	free(sig->conditions);
	free(sig->surrogate_key);
	free(sig->message);
	memset(sig, 0, sizeof *sig);
}

void rc_signal_free_names(char **names, int n)
{
	if (!names)
		return;
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int add_name(char ***out, int *n, int *cap, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (strcmp((*out)[i], name) == 0)
			return 0;
	if (*n == *cap) {
		int ncap = *cap ? *cap * 2 : 8;
		char **grown = realloc(*out, (size_t)ncap * sizeof *grown);
		if (!grown)
			return -1;
		*out = grown;
		*cap = ncap;
	}
	if (!((*out)[*n] = strdup(name)))
		return -1;
	(*n)++;
	return 0;
}

int rc_signal_expand(const char *const *patterns, int npatterns, const char *const *known, int nknown,
                     char ***out, int *nout, char *err, size_t errlen)
{
	int cap = 0;

	*out = NULL;
	*nout = 0;
	for (int i = 0; i < npatterns; i++) {
		char anchored[1100], why[200];
		bool matched = false;
		regex_t re;
		int code;

		snprintf(anchored, sizeof anchored, "^(%s)$", patterns[i]);
		code = regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB);
		if (code != 0) {
			regerror(code, &re, why, sizeof why);
			snprintf(err, errlen,
			         "data-collections entry '%s' is not a valid regular expression: %s",
			         patterns[i], why);
			goto fail;
		}
		for (int k = 0; k < nknown; k++)
			if (regexec(&re, known[k], 0, NULL, 0) == 0) {
				matched = true;
				if (add_name(out, nout, &cap, known[k]) != 0) {
					regfree(&re);
					goto oom;
				}
			}
		regfree(&re);
		if (!matched && add_name(out, nout, &cap, patterns[i]) != 0)
			goto oom;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	rc_signal_free_names(*out, *nout);
	*out = NULL;
	*nout = 0;
	return -1;
}

int rc_signal_dispatch(const rc_signal_t *sig, const rc_signal_target_t *target, char *err, size_t errlen)
{
	char why[512] = "";
	bool snapshot = sig->kind != RC_SIGNAL_LOG;

	if (sig->kind == RC_SIGNAL_LOG) {
		rc_log_info("signal", "signal '%s' (log): %s", sig->id, sig->message);
		return 0;
	}
	if (sig->blocking) {
		snprintf(err, errlen,
		         "signal '%s' (%s): blocking snapshots are not supported by rowcast; send "
		         "\"type\": \"incremental\" (the default) instead",
		         sig->id, sig->type);
		return -1;
	}
	if (snapshot && (!target || !target->execute)) {
		snprintf(err, errlen,
		         "signal '%s' (%s): this rowcast has no incremental snapshot engine to run it (not "
		         "built into this version)",
		         sig->id, sig->type);
		return -1;
	}
	switch (sig->kind) {
	case RC_SIGNAL_EXECUTE_SNAPSHOT:
		if (sig->nconditions > 0 || sig->surrogate_key) {
			snprintf(
			    err, errlen,
			    "signal '%s' (execute-snapshot): %s is not supported by rowcast's incremental "
			    "snapshots yet; send the signal without it",
			    sig->id, sig->nconditions > 0 ? "additional-conditions" : "surrogate-key");
			return -1;
		}
		if (target->execute(target->opaque, sig->id, (const char *const *)sig->collections,
		                    sig->ncollections, why, sizeof why) != RC_OK) {
			snprintf(err, errlen, "signal '%s' (execute-snapshot): %s", sig->id, why);
			return -1;
		}
		return 0;
	case RC_SIGNAL_STOP_SNAPSHOT:
		if (!target->stop ||
		    target->stop(target->opaque, sig->id, (const char *const *)sig->collections,
		                 sig->ncollections) != RC_OK) {
			snprintf(err, errlen,
			         "signal '%s' (stop-snapshot): the incremental snapshot could not be "
			         "stopped",
			         sig->id);
			return -1;
		}
		return 0;
	case RC_SIGNAL_PAUSE_SNAPSHOT:
	case RC_SIGNAL_RESUME_SNAPSHOT:
		if (!target->pause) {
			snprintf(err, errlen, "signal '%s' (%s): the engine cannot pause", sig->id,
			         sig->type);
			return -1;
		}
		target->pause(target->opaque, sig->kind == RC_SIGNAL_PAUSE_SNAPSHOT);
		return 0;
	case RC_SIGNAL_LOG:
		break;
	}
	return 0;
}

int rc_signal_router_init(rc_signal_router_t *r, const rc_conf_t *conf, char *err, size_t errlen)
{
	const char *table = rc_conf_get(conf, "signal.data.collection");

	memset(r, 0, sizeof *r);
	r->source = rc_signal_channel_enabled(conf, "source");
	r->kafka = rc_signal_channel_enabled(conf, "kafka");
	/* pgoutput sends messages only when asked (messages=true, the default) */
	r->pg_messages = r->source && rc_conf_is(conf, "source.type", "postgres") &&
	                 rc_conf_get_bool(conf, "messages", true);
	if (table && *table && !(r->table = strdup(table))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void rc_signal_router_destroy(rc_signal_router_t *r)
{
	free(r->table);
	memset(r, 0, sizeof *r);
}

void rc_signal_refused(rc_signal_router_t *r, const char *err)
{
	r->received++;
	r->refused++;
	rc_log_error("signal", "%s; the signal is ignored", err);
}

int rc_signal_handle(rc_signal_router_t *r, const rc_signal_t *sig)
{
	char tables[1024] = "", err[1024];
	size_t used = 0;

	r->received++;
	for (int i = 0; i < sig->ncollections && used < sizeof tables; i++)
		used += (size_t)snprintf(tables + used, sizeof tables - used, "%s%s", i ? ", " : "",
		                         sig->collections[i]);
	rc_log_info("signal", "received signal '%s' (%s) on channel %s%s%s%s", sig->id, sig->type,
	            sig->channel, sig->ncollections ? ": tables " : "", tables,
	            sig->blocking ? " (blocking)" : "");
	if (rc_signal_dispatch(sig, &r->target, err, sizeof err) != 0) {
		r->refused++;
		rc_log_error("signal", "%s; the signal is ignored", err);
		return -1;
	}
	return 0;
}

/* The text of a string column's value, or NULL (SQL NULL, unchanged TOAST, not a string). */
static const char *text_of(const rc_table_t *t, const rc_value_t *v, size_t i)
{
	if (i >= t->ncols || v[i].state != RC_V_SET || t->cols[i].type != RC_T_STRING)
		return NULL;
	return v[i].u.bytes.ptr;
}

static bool is_signal_table(const rc_signal_router_t *r, const rc_table_t *t)
{
	size_t slen;

	if (!r->table || !t || !t->schema_name || !t->name)
		return false;
	slen = strlen(t->schema_name);
	return strncmp(r->table, t->schema_name, slen) == 0 && r->table[slen] == '.' &&
	       strcmp(r->table + slen + 1, t->name) == 0;
}

bool rc_signal_from_event(rc_signal_router_t *r, const rc_event_t *ev)
{
	char err[1024], lsn[32];
	rc_signal_t sig;

	if (!r || !r->source)
		return false;
	if (ev->op == RC_OP_MESSAGE && r->pg_messages && ev->msg_prefix &&
	    strcmp(ev->msg_prefix, RC_SIGNAL_MESSAGE_PREFIX) == 0) {
		snprintf(lsn, sizeof lsn, "%X/%X", (unsigned)(ev->source.lsn >> 32),
		         (unsigned)ev->source.lsn);
		if (!ev->msg_transactional) {
			snprintf(err, sizeof err,
			         "signal '%s' (channel source): a non-transactional %s message; send it with "
			         "pg_logical_emit_message(true, ...)",
			         lsn, RC_SIGNAL_MESSAGE_PREFIX);
			rc_signal_refused(r, err);
			return true;
		}
		if (rc_signal_parse_json(&sig, "source", lsn, true, ev->msg_content, ev->msg_len, err,
		                         sizeof err) != 0) {
			rc_signal_refused(r, err);
			return true;
		}
		rc_signal_handle(r, &sig);
		rc_signal_clear(&sig);
		return true;
	}
	/* Only inserts are signals, as in Debezium (an update or delete of the table is housekeeping). */
	if (ev->op != RC_OP_CREATE || !ev->after || !is_signal_table(r, ev->table))
		return false;
	if (ev->table->ncols < 3) { /* as Debezium, which ignores a shorter envelope */
		snprintf(
		    err, sizeof err,
		    "signal table %s has %zu columns: it needs id, type and data (strings, in this order)",
		    r->table, ev->table->ncols);
		rc_signal_refused(r, err);
		return true;
	}
	if (rc_signal_parse(&sig, "source", text_of(ev->table, ev->after, 0),
	                    text_of(ev->table, ev->after, 1), text_of(ev->table, ev->after, 2), err,
	                    sizeof err) != 0) {
		rc_signal_refused(r, err);
		return true;
	}
	rc_signal_handle(r, &sig);
	rc_signal_clear(&sig);
	return true;
}

bool rc_signal_channel_enabled(const rc_conf_t *conf, const char *name)
{
	const char *list = rc_conf_get(conf, "signal.enabled.channels");
	size_t nlen = strlen(name);

	if (!list)
		list = "source";
	for (const char *p = list; *p;) {
		const char *end;
		while (*p == ' ' || *p == ',')
			p++;
		end = p;
		while (*end && *end != ',' && *end != ' ')
			end++;
		if ((size_t)(end - p) == nlen && strncasecmp(p, name, nlen) == 0)
			return true;
		p = end;
	}
	return false;
}

int rc_signal_check_conf(const rc_conf_t *conf, char *err, size_t errlen)
{
	const char *list = rc_conf_get(conf, "signal.enabled.channels");
	const char *table = rc_conf_get(conf, "signal.data.collection");
	int rc = 0;

	for (const char *p = list ? list : ""; *p;) {
		const char *end;
		char word[64];
		bool foreign = false;

		while (*p == ' ' || *p == ',')
			p++;
		end = p;
		while (*end && *end != ',' && *end != ' ')
			end++;
		if (end == p)
			break;
		snprintf(word, sizeof word, "%.*s", (int)(end - p), p);
		if (strcasecmp(word, "source") != 0 && strcasecmp(word, "kafka") != 0) {
			for (size_t i = 0; i < sizeof foreign_channels / sizeof foreign_channels[0]; i++)
				foreign = foreign || strcasecmp(word, foreign_channels[i]) == 0;
			rc_conf_add_err(
			    err, errlen,
			    "signal.enabled.channels: '%s' is %s (rowcast's channels: source, kafka)", word,
			    foreign ? "a Debezium channel rowcast does not have" : "not a channel");
			rc = -1;
		}
		p = end;
	}
	if (table && *table) {
		const char *dot = strrchr(table, '.');
		if (!dot || dot == table || !dot[1]) {
			rc_conf_add_err(err, errlen,
			                "signal.data.collection = '%s' is not schema.table (PostgreSQL) or "
			                "database.table (MySQL/MariaDB)",
			                table);
			rc = -1;
		} else if (rc_signal_channel_enabled(conf, "source")) {
			/* Its inserts must reach the stream: a filtered-out signal table would lose every
			 * signal without a word. */
			char schema[256], why[256];
			rc_filter_t f;

			snprintf(schema, sizeof schema, "%.*s", (int)(dot - table), table);
			if (rc_filter_init(&f, conf, why, sizeof why) == 0) {
				if (!rc_filter_table(&f, schema, dot + 1)) {
					rc_conf_add_err(
					    err, errlen,
					    "signal.data.collection = '%s' is not captured: add it to "
					    "table.include.list (the source channel reads its inserts "
					    "from the stream)",
					    table);
					rc = -1;
				}
				rc_filter_free(&f);
			}
		}
	}
	return rc;
}
