/*
 * The offset record's JSON codec and identity check, shared by every offset store
 * (agent/offset_record.h). Messages start with the store's subject ("offset file '/x'", "offset topic
 * 't', key k") so a refusal names the record at fault and the connector it belongs to.
 */
#include "config.h"

#include "agent/offset_record.h"

#include "agent/errors.h"
#include "agent/log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void rc_offset_ident_add(rc_offset_ident_t *ident, const char *key, const char *value)
{
	if (ident->nfields >= RC_OFFSET_IDENT_FIELDS)
		return;
	snprintf(ident->fields[ident->nfields].key, sizeof ident->fields[0].key, "%s", key);
	snprintf(ident->fields[ident->nfields].value, sizeof ident->fields[0].value, "%s",
	         value ? value : "");
	ident->nfields++;
}

static char *dup_str(const char *s, bool *oom)
{
	char *d = strdup(s ? s : "");
	if (!d)
		*oom = true;
	return d;
}

void rc_offset_progress_free(rc_offset_progress_t *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ntables; i++) {
		rc_offset_table_progress_t *t = &p->tables[i];
		for (int k = 0; k < t->nkey; k++)
			free(t->key[k]);
		free(t->key);
		free(t->table);
	}
	free(p->tables);
	for (size_t i = 0; i < p->nsnapshotted; i++)
		free(p->snapshotted[i]);
	free(p->snapshotted);
	free(p);
}

rc_offset_progress_t *rc_offset_progress_dup(const rc_offset_progress_t *p, bool *oom)
{
	rc_offset_progress_t *d;

	if (!p)
		return NULL;
	if (!(d = calloc(1, sizeof *d)) ||
	    (p->ntables && !(d->tables = calloc(p->ntables, sizeof *d->tables))) ||
	    (p->nsnapshotted && !(d->snapshotted = calloc(p->nsnapshotted, sizeof *d->snapshotted)))) {
		*oom = true;
		rc_offset_progress_free(d);
		return NULL;
	}
	for (; d->ntables < p->ntables && !*oom; d->ntables++) {
		const rc_offset_table_progress_t *s = &p->tables[d->ntables];
		rc_offset_table_progress_t *t = &d->tables[d->ntables];
		t->table = dup_str(s->table, oom);
		t->done = s->done;
		t->rows = s->rows;
		if (s->nkey > 0 && !(t->key = calloc((size_t)s->nkey, sizeof *t->key)))
			*oom = true;
		for (; t->key && t->nkey < s->nkey && !*oom; t->nkey++)
			t->key[t->nkey] = dup_str(s->key[t->nkey], oom);
	}
	for (; d->nsnapshotted < p->nsnapshotted && !*oom; d->nsnapshotted++)
		d->snapshotted[d->nsnapshotted] = dup_str(p->snapshotted[d->nsnapshotted], oom);
	if (*oom) {
		rc_offset_progress_free(d);
		return NULL;
	}
	return d;
}

rc_offset_table_progress_t *rc_offset_progress_find(const rc_offset_progress_t *p, const char *table)
{
	for (size_t i = 0; p && i < p->ntables; i++)
		if (strcmp(p->tables[i].table, table) == 0)
			return &p->tables[i];
	return NULL;
}

bool rc_offset_progress_snapshotted(const rc_offset_progress_t *p, const char *table)
{
	for (size_t i = 0; p && i < p->nsnapshotted; i++)
		if (strcmp(p->snapshotted[i], table) == 0)
			return true;
	return false;
}

void rc_offset_copy(rc_offset_t *dst, const rc_offset_t *src)
{
	rc_pos_t pos = RC_POS_NONE, point = RC_POS_NONE;
	bool oom = false;
	rc_offset_progress_t *progress = rc_offset_progress_dup(src->progress, &oom);

	rc_pos_copy(&pos, &src->pos);
	rc_pos_copy(&point, &src->snapshot_point);
	rc_offset_clear(dst);
	*dst = *src;
	dst->pos = pos;
	dst->snapshot_point = point;
	dst->progress = progress;
	/* Out of memory: a copy without progress means "take the snapshot again", as a record of an
	 * older rowcast does: more work, never a row lost. */
	if (oom) {
		rc_log_warn("offsets",
		            "out of memory copying the snapshot's progress: a restart would take it again");
		rc_pos_clear(&dst->snapshot_point);
	}
}

void rc_offset_clear(rc_offset_t *o)
{
	rc_pos_clear(&o->pos);
	rc_pos_clear(&o->snapshot_point);
	rc_offset_progress_free(o->progress);
	memset(o, 0, sizeof *o);
}

static const char *ident_value(const rc_offset_ident_t *id, const char *key)
{
	for (int i = 0; i < id->nfields; i++)
		if (strcmp(id->fields[i].key, key) == 0)
			return id->fields[i].value;
	return NULL;
}

void rc_offset_ident_text(const rc_offset_ident_t *id, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < id->nfields && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", i ? ", " : "", id->fields[i].key,
		                      id->fields[i].value);
}

int rc_offset_record_check(const rc_offset_ident_t *rec, const rc_offset_ident_t *me,
                           const rc_offset_where_t *w, char *err, size_t errlen)
{
	char a[1200], b[1200];

	if (strcmp(rec->source, me->source) != 0) {
		snprintf(err, errlen,
		         "%s was written for source.type=%s, not %s: it belongs to another connector (%s)",
		         w->subject, rec->source, me->source, w->fix_mine);
		return RC_ERR_REFUSED;
	}
	if (rec->prefix[0] && strcmp(rec->prefix, me->prefix) != 0) {
		snprintf(err, errlen,
		         "%s was written for topic.prefix=%s, not %s: it belongs to another connector (%s)",
		         w->subject, rec->prefix, me->prefix, w->fix_mine);
		return RC_ERR_REFUSED;
	}
	for (int i = 0; i < me->nfields; i++) {
		const char *v = ident_value(rec, me->fields[i].key);
		if (v && strcmp(v, me->fields[i].value) == 0)
			continue;
		rc_offset_ident_text(rec, a, sizeof a);
		rc_offset_ident_text(me, b, sizeof b);
		snprintf(
		    err, errlen,
		    "%s was written for %s, and this connector is %s: its position means nothing here (%s)",
		    w->subject, a[0] ? a : "no source identity", b, w->fix_over);
		return RC_ERR_REFUSED;
	}
	if (rec->host[0] && me->host[0] && strcmp(rec->host, me->host) != 0)
		rc_log_warn(
		    "offsets",
		    "%s was written while connected to %s, now %s: same source identity, so the position is used (a DNS change or a failover); the source checks it",
		    w->subject, rec->host, me->host);
	return RC_OK;
}

static const char *str_field(const json_t *root, const char *key)
{
	return json_string_value(json_object_get(root, key));
}

/* Reads "snapshot_point" and "snapshot_progress" (issue 13; absent in older records: the snapshot
 * starts over, as before). */
static int parse_progress(const json_t *root, const rc_pos_codec_t *codec, const rc_offset_where_t *w,
                          rc_offset_t *o, char *err, size_t errlen)
{
	const json_t *pt = json_object_get(root, "snapshot_point");
	const json_t *pr = json_object_get(root, "snapshot_progress"), *tables, *done, *e;
	rc_offset_progress_t *p;
	char why[512];
	size_t i;
	bool oom = false;

	if (pt && codec->from_json(pt, &o->snapshot_point, why, sizeof why) != 0) {
		snprintf(err, errlen, "%s: \"snapshot_point\": %s", w->subject, why);
		return RC_ERR_FATAL;
	}
	if (!pr)
		return RC_OK;
	tables = json_object_get(pr, "tables");
	done = json_object_get(pr, "snapshotted");
	if (!json_is_object(pr) || (tables && !json_is_array(tables)) || (done && !json_is_array(done))) {
		snprintf(
		    err, errlen,
		    "%s: \"snapshot_progress\" is not an object with arrays \"tables\" and \"snapshotted\"",
		    w->subject);
		return RC_ERR_FATAL;
	}
	if (!(p = o->progress = calloc(1, sizeof *p)) ||
	    (json_array_size(tables) && !(p->tables = calloc(json_array_size(tables), sizeof *p->tables))) ||
	    (json_array_size(done) &&
	     !(p->snapshotted = calloc(json_array_size(done), sizeof *p->snapshotted)))) {
		snprintf(err, errlen, "%s: out of memory", w->subject);
		return RC_ERR_FATAL;
	}
	json_array_foreach(tables, i, e)
	{
		rc_offset_table_progress_t *t = &p->tables[p->ntables];
		const json_t *key = json_object_get(e, "key"), *k;
		const char *name = json_string_value(json_object_get(e, "table"));
		size_t j;
		if (!name || (key && !json_is_array(key))) {
			snprintf(
			    err, errlen,
			    "%s: \"snapshot_progress\".tables[%zu] has no \"table\" or a \"key\" that is not an array",
			    w->subject, i);
			return RC_ERR_FATAL;
		}
		p->ntables++;
		t->table = dup_str(name, &oom);
		t->done = json_is_true(json_object_get(e, "done"));
		t->rows = (uint64_t)json_integer_value(json_object_get(e, "rows"));
		if (json_array_size(key) && !(t->key = calloc(json_array_size(key), sizeof *t->key)))
			oom = true;
		json_array_foreach(key, j, k)
		{
			if (!json_is_string(k)) {
				snprintf(
				    err, errlen,
				    "%s: the key of %s in \"snapshot_progress\" holds a value that is not a string",
				    w->subject, name);
				return RC_ERR_FATAL;
			}
			if (t->key)
				t->key[t->nkey++] = dup_str(json_string_value(k), &oom);
		}
	}
	json_array_foreach(done, i, e)
	{
		if (!json_is_string(e)) {
			snprintf(err, errlen, "%s: \"snapshot_progress\".snapshotted[%zu] is not a string",
			         w->subject, i);
			return RC_ERR_FATAL;
		}
		p->snapshotted[p->nsnapshotted++] = dup_str(json_string_value(e), &oom);
	}
	if (oom) {
		snprintf(err, errlen, "%s: out of memory", w->subject);
		return RC_ERR_FATAL;
	}
	return RC_OK;
}

static json_t *progress_json(const rc_offset_progress_t *p)
{
	json_t *root = json_object(), *tables = json_array(), *done = json_array();
	int bad = !root || !tables || !done;

	for (size_t i = 0; !bad && i < p->ntables; i++) {
		const rc_offset_table_progress_t *t = &p->tables[i];
		json_t *e = json_object(), *key = json_array();
		bad = !e || !key;
		for (int k = 0; !bad && k < t->nkey; k++)
			bad = json_array_append_new(key, json_string(t->key[k]));
		bad = bad || json_object_set_new(e, "table", json_string(t->table)) ||
		      json_object_set_new(e, "done", json_boolean(t->done)) ||
		      json_object_set(e, "key", key) ||
		      json_object_set_new(e, "rows", json_integer((json_int_t)t->rows)) ||
		      json_array_append(tables, e);
		json_decref(key);
		json_decref(e);
	}
	for (size_t i = 0; !bad && i < p->nsnapshotted; i++)
		bad = json_array_append_new(done, json_string(p->snapshotted[i]));
	bad = bad || json_object_set(root, "tables", tables) || json_object_set(root, "snapshotted", done);
	json_decref(tables);
	json_decref(done);
	if (bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int rc_offset_record_parse(const char *text, size_t len, const rc_offset_ident_t *me,
                           const rc_pos_codec_t *codec, const rc_offset_where_t *w, rc_offset_t *o, char *err,
                           size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr), *snap, *pos, *id;
	json_int_t version;
	const char *src, *k;
	json_t *v;
	char why[512];
	int rc = RC_ERR_FATAL;

	rc_offset_clear(o);
	if (!root) {
		/* jansson's text names the problem ("end of file expected", "premature end of input"),
		 * not the content: offset records hold no secrets anyway. */
		snprintf(err, errlen, "%s is damaged (line %d, column %d: %s)", w->subject, jerr.line,
		         jerr.column, jerr.text);
		return RC_ERR_FATAL;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s is not a JSON object", w->subject);
		goto out;
	}
	version = json_integer_value(json_object_get(root, "version"));
	src = str_field(root, "source");
	if (version != 1 && version != RC_OFFSET_RECORD_VERSION) {
		snprintf(err, errlen, "%s: \"version\" is %lld; this rowcast reads 1 and %d", w->subject,
		         (long long)version, RC_OFFSET_RECORD_VERSION);
		goto out;
	}
	if (!src || !*src) {
		snprintf(err, errlen, "%s has no \"source\"", w->subject);
		goto out;
	}
	snprintf(o->ident.source, sizeof o->ident.source, "%s", src);
	if (version == 1) {
		/* rowcast 0.1: PostgreSQL only, the identity and the LSN at the top. */
		const char *lsn = str_field(root, "lsn");
		if (strcmp(src, "postgres") != 0) {
			snprintf(
			    err, errlen,
			    "%s (version 1) is for source \"%s\": version 1 files hold only PostgreSQL positions",
			    w->subject, src);
			goto out;
		}
		rc_offset_ident_add(&o->ident, "database", str_field(root, "database"));
		rc_offset_ident_add(&o->ident, "slot", str_field(root, "slot"));
		pos = json_pack("{s:s?}", "lsn", lsn);
		if (!pos || !lsn) {
			json_decref(pos);
			snprintf(err, errlen, "%s: \"lsn\" is missing", w->subject);
			goto out;
		}
		if (strcmp(lsn, "0/0") != 0 && strcmp(src, me->source) == 0 &&
		    codec->from_json(pos, &o->pos, why, sizeof why) != 0) {
			json_decref(pos);
			snprintf(err, errlen, "%s: %s", w->subject, why);
			goto out;
		}
		json_decref(pos);
	} else {
		snprintf(o->ident.prefix, sizeof o->ident.prefix, "%s",
		         str_field(root, "topic.prefix") ? str_field(root, "topic.prefix") : "");
		snprintf(o->ident.host, sizeof o->ident.host, "%s",
		         str_field(root, "host") ? str_field(root, "host") : "");
		id = json_object_get(root, "identity");
		if (!json_is_object(id)) {
			snprintf(err, errlen, "%s has no \"identity\" object", w->subject);
			goto out;
		}
		json_object_foreach(id, k, v) rc_offset_ident_add(&o->ident, k, json_string_value(v));
		pos = json_object_get(root, "position");
		/* Positions are read only with the codec of their own source type; another type is
		 * refused by the identity check below, naming both. */
		if (pos && strcmp(src, me->source) == 0 &&
		    codec->from_json(pos, &o->pos, why, sizeof why) != 0) {
			snprintf(err, errlen, "%s: \"position\": %s", w->subject, why);
			goto out;
		}
	}
	snap = json_object_get(root, "snapshot");
	if (snap && !(json_is_string(snap) && strcmp(json_string_value(snap), "running") == 0)) {
		snprintf(err, errlen, "%s: \"snapshot\" is not \"running\" (the only value written)",
		         w->subject);
		goto out;
	}
	if (snap) {
		json_int_t n = json_integer_value(json_object_get(root, "snapshot_tables"));
		o->snapshot = RC_OFFSET_SNAPSHOT_RUNNING;
		o->snapshot_tables = n > 0 && n < UINT32_MAX ? (uint32_t)n : 0;
	}
	rc = rc_offset_record_check(&o->ident, me, w, err, errlen);
	if (rc == RC_OK && strcmp(src, me->source) == 0)
		rc = parse_progress(root, codec, w, o, err, errlen);
	if (rc == RC_OK && !o->pos.set && o->snapshot != RC_OFFSET_SNAPSHOT_RUNNING) {
		snprintf(err, errlen, "%s has no \"position\" and no snapshot in progress: it is damaged",
		         w->subject);
		rc = RC_ERR_FATAL;
	}
out:
	if (rc != RC_OK)
		rc_offset_clear(o);
	json_decref(root);
	return rc;
}

char *rc_offset_record_render(const rc_offset_ident_t *me, const rc_pos_codec_t *codec, const rc_offset_t *o,
                              unsigned flags)
{
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	json_t *root = json_object(), *id = json_object(), *pos = NULL;
	char *text = NULL;
	int bad = !root || !id;

	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	bad = bad || json_object_set_new(root, "version", json_integer(RC_OFFSET_RECORD_VERSION)) ||
	      json_object_set_new(root, "source", json_string(me->source)) ||
	      json_object_set_new(root, "topic.prefix", json_string(me->prefix));
	for (int i = 0; !bad && i < me->nfields; i++)
		bad = json_object_set_new(id, me->fields[i].key, json_string(me->fields[i].value));
	bad = bad || json_object_set(root, "identity", id);
	if (!bad && me->host[0])
		bad = json_object_set_new(root, "host", json_string(me->host));
	if (!bad && o->pos.set) {
		pos = json_object();
		bad = !pos || codec->to_json(&o->pos, pos) != 0 || json_object_set(root, "position", pos);
	}
	if (!bad && o->snapshot == RC_OFFSET_SNAPSHOT_RUNNING)
		bad = json_object_set_new(root, "snapshot", json_string("running")) ||
		      json_object_set_new(root, "snapshot_tables", json_integer(o->snapshot_tables));
	if (!bad && o->snapshot == RC_OFFSET_SNAPSHOT_RUNNING && o->snapshot_point.set) {
		json_t *pt = json_object();
		bad = !pt || codec->to_json(&o->snapshot_point, pt) != 0 ||
		      json_object_set(root, "snapshot_point", pt);
		json_decref(pt);
	}
	if (!bad && o->progress) {
		json_t *pr = progress_json(o->progress);
		bad = !pr || json_object_set(root, "snapshot_progress", pr);
		json_decref(pr);
	}
	bad = bad || json_object_set_new(root, "updated_at", json_string(now));
	if (!bad)
		text =
		    json_dumps(root, JSON_PRESERVE_ORDER |
		                         ((flags & RC_OFFSET_RECORD_PRETTY) ? JSON_INDENT(2) : JSON_COMPACT));
	json_decref(pos);
	json_decref(id);
	json_decref(root);
	return text;
}
