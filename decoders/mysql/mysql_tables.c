#include "config.h"

#include "decoders/mysql/mysql_tables.h"

#include "agent/errors.h"
#include "agent/log.h"
#include "agent/naming.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES 65536 /* table ids seen before the cache starts over (ids grow as tables reopen) */

typedef struct entry {
	uint64_t table_id;
	bool used;
	uint8_t *body; /* the TABLE_MAP's body as last received */
	size_t len;
	rc_mysql_table_t *t; /* NULL: filtered out */
} entry_t;

struct rc_mysql_tables {
	const rc_conf_t *conf;
	rc_filter_t filter;
	rc_mysql_modes_t modes;
	entry_t *slots; /* open addressing, cap a power of two, at most half full */
	size_t cap, n;
	size_t last; /* the slot of the last lookup: rows events follow their TABLE_MAP */
};

static size_t slot_of(uint64_t id, size_t cap)
{
	return (size_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & (cap - 1);
}

static void entry_clear(entry_t *e)
{
	free(e->body);
	rc_mysql_table_free(e->t);
	memset(e, 0, sizeof *e);
}

rc_mysql_tables_t *rc_mysql_tables_new(const rc_conf_t *conf, char *err, size_t errlen)
{
	rc_mysql_tables_t *c = calloc(1, sizeof *c);

	if (!c || !(c->slots = calloc(64, sizeof *c->slots))) {
		free(c);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->cap = 64;
	c->conf = conf;
	if (rc_filter_init(&c->filter, conf, err, errlen) != 0 ||
	    rc_mysql_modes_from_conf(&c->modes, conf, err, errlen) != 0) {
		rc_filter_free(&c->filter);
		free(c->slots);
		free(c);
		return NULL;
	}
	return c;
}

void rc_mysql_tables_clear(rc_mysql_tables_t *c)
{
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].used)
			entry_clear(&c->slots[i]);
	c->n = 0;
	c->last = 0;
}

void rc_mysql_tables_free(rc_mysql_tables_t *c)
{
	if (!c)
		return;
	rc_mysql_tables_clear(c);
	rc_filter_free(&c->filter);
	free(c->slots);
	free(c);
}

static entry_t *find(rc_mysql_tables_t *c, uint64_t id, bool *found)
{
	size_t i;

	if (c->slots[c->last].used && c->slots[c->last].table_id == id) {
		*found = true;
		return &c->slots[c->last];
	}
	for (i = slot_of(id, c->cap);; i = (i + 1) & (c->cap - 1)) {
		if (!c->slots[i].used || c->slots[i].table_id == id) {
			*found = c->slots[i].used;
			c->last = i;
			return &c->slots[i];
		}
	}
}

static int grow(rc_mysql_tables_t *c)
{
	size_t cap = c->cap * 2;
	entry_t *old = c->slots, *slots = calloc(cap, sizeof *slots);

	if (!slots)
		return -1;
	for (size_t i = 0; i < c->cap; i++) {
		size_t j;
		if (!old[i].used)
			continue;
		for (j = slot_of(old[i].table_id, cap); slots[j].used; j = (j + 1) & (cap - 1))
			;
		slots[j] = old[i];
	}
	free(old);
	c->slots = slots;
	c->cap = cap;
	c->last = 0;
	return 0;
}

/* rowcast's naming over what the binlog says: the topic (topic.delimiter, characters Kafka refuses)
 * and message.key.columns. */
static int apply_naming(rc_mysql_tables_t *c, rc_mysql_table_t *mt, char *err, size_t errlen)
{
	rc_table_t *t = mt->table;
	char *topic = rc_topic_name(c->conf, t->schema_name, t->name);
	char *keys = rc_key_columns_configured(c->conf, t->schema_name, t->name);

	if (!topic) {
		free(keys);
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	free(t->topic);
	t->topic = topic;
	if (keys) {
		for (size_t i = 0; i < t->ncols; i++) {
			t->cols[i].key = rc_name_in_list(keys, t->cols[i].name);
			if (t->cols[i].key)
				t->cols[i].optional = false;
		}
		rc_table_count_keys(t);
		free(keys);
	}
	return RC_OK;
}

static void log_table(const rc_mysql_table_t *mt)
{
	const rc_table_t *t = mt->table;
	char keys[512] = "", full[512];
	size_t n = 0;

	for (size_t i = 0; i < t->ncols && n < sizeof keys; i++)
		if (t->cols[i].key)
			n += (size_t)snprintf(keys + n, sizeof keys - n, "%s%s", n ? "," : "",
			                      t->cols[i].name);

	snprintf(full, sizeof full, "%s.%s", t->schema_name, t->name);
	rc_log_kv(RC_LOG_INFO, "mysql", &(rc_log_fields_t){.table = full},
	          "table %s (id %llu): %zu columns, key (%s), topic %s", full,
	          (unsigned long long)mt->table_id, t->ncols, t->nkey ? keys : "none: null keys", t->topic);
}

int rc_mysql_tables_map(rc_mysql_tables_t *c, const rc_binlog_event_t *ev, const uint8_t *body, size_t len,
                        char *err, size_t errlen)
{
	const rc_binlog_table_map_t *tm = &ev->u.table_map;
	char db[256], name[256];
	rc_mysql_table_t *mt = NULL;
	bool found;
	entry_t *e = find(c, tm->table_id, &found);
	int rc;

	if (found && e->len == len && memcmp(e->body, body, len) == 0)
		return RC_OK;
	snprintf(db, sizeof db, "%.*s", (int)tm->db.len, tm->db.s);
	snprintf(name, sizeof name, "%.*s", (int)tm->table.len, tm->table.s);
	if (rc_filter_table(&c->filter, db, name)) {
		rc = rc_mysql_table_from_map(tm, &c->modes, rc_conf_get(c->conf, "topic.prefix"), &mt, err,
		                             errlen);
		if (rc != RC_OK)
			return rc;
		if (!mt->names_known) {
			snprintf(
			    err, errlen,
			    "table %s.%s: the binlog does not carry its column names (binlog_row_metadata is not "
			    "FULL), so its rows cannot be named: SET GLOBAL binlog_row_metadata = FULL (and in "
			    "my.cnf), then restart rowcast",
			    db, name);
			rc_mysql_table_free(mt);
			return RC_ERR_FATAL;
		}
		if ((rc = apply_naming(c, mt, err, errlen)) != RC_OK) {
			rc_mysql_table_free(mt);
			return rc;
		}
		log_table(mt);
	}
	if (!found && c->n + 1 > MAX_ENTRIES) {
		rc_mysql_tables_clear(c);
		e = find(c, tm->table_id, &found);
	}
	if (!found && (c->n + 1) * 2 > c->cap) {
		if (grow(c) != 0)
			goto oom;
		e = find(c, tm->table_id, &found);
	}
	if (found) {
		free(e->body);
		rc_mysql_table_free(e->t);
	} else {
		c->n++;
	}
	e->used = true;
	e->table_id = tm->table_id;
	e->t = mt;
	e->len = len;
	if (!(e->body = malloc(len ? len : 1))) {
		e->len = 0; /* compared as different next time */
		goto oom_kept;
	}
	memcpy(e->body, body, len);
	return RC_OK;
oom:
	rc_mysql_table_free(mt);
oom_kept:
	snprintf(err, errlen, "out of memory");
	return RC_ERR_FATAL;
}

bool rc_mysql_tables_get(rc_mysql_tables_t *c, uint64_t table_id, const rc_mysql_table_t **t)
{
	bool found;
	entry_t *e = find(c, table_id, &found);

	*t = found ? e->t : NULL;
	return found;
}

bool rc_mysql_tables_captures_db(const rc_mysql_tables_t *c, const char *db)
{
	return rc_filter_database(&c->filter, db);
}
