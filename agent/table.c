#include "config.h"

#include "agent/table.h"

#include "agent/column_map.h"

#include <stdlib.h>
#include <string.h>

rc_table_t *rc_table_new(const char *schema_name, const char *name, const char *topic, size_t ncols)
{
	rc_table_t *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->refcount = 1;
	t->key_schema_id = t->value_schema_id = -1;
	t->metrics_slot = -1;
	t->schema_name = strdup(schema_name);
	t->name = strdup(name);
	t->topic = strdup(topic);
	t->cols = calloc(ncols ? ncols : 1, sizeof *t->cols);
	t->ncols = ncols;
	if (!t->schema_name || !t->name || !t->topic || !t->cols) {
		rc_table_release(t);
		return NULL;
	}
	return t;
}

int rc_column_set_names(rc_column_t *col, const char *name, const char *source_type)
{
	char *n = strdup(name), *s = strdup(source_type ? source_type : "");

	if (!n || !s) {
		free(n);
		free(s);
		return -1;
	}
	free(col->name);
	free(col->source_type);
	col->name = n;
	col->source_type = s;
	return 0;
}

int rc_column_set_enum_values(rc_column_t *col, const char *values)
{
	char *v = strdup(values);

	if (!v)
		return -1;
	free(col->enum_values);
	col->enum_values = v;
	return 0;
}

int rc_column_set_default_bytes(rc_column_t *col, const char *bytes, size_t len)
{
	char *b = malloc(len + 1);

	if (!b)
		return -1;
	if (len)
		memcpy(b, bytes, len);
	b[len] = '\0';
	free(col->dflt.bytes);
	col->dflt.bytes = b;
	col->dflt.len = len;
	col->dflt.set = true;
	return 0;
}

void rc_table_count_keys(rc_table_t *t)
{
	t->nkey = 0;
	for (size_t i = 0; i < t->ncols; i++)
		t->nkey += t->cols[i].key;
}

rc_table_t *rc_table_retain(rc_table_t *t)
{
	__atomic_add_fetch(&t->refcount, 1, __ATOMIC_RELAXED);
	return t;
}

void rc_table_release(rc_table_t *t)
{
	if (!t || __atomic_sub_fetch(&t->refcount, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (size_t i = 0; t->cols && i < t->ncols; i++) {
		free(t->cols[i].name);
		free(t->cols[i].enum_values);
		free(t->cols[i].source_type);
		free(t->cols[i].dflt.bytes);
	}
	free(t->cols);
	rc_column_plan_free(t->plan);
	free(t->schema_name);
	free(t->name);
	free(t->topic);
	free(t);
}
