#include "config.h"

#include "decoders/postgres/pg_catalog.h"

#include "agent/errors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Built-in types, sorted by OID (a unit test checks the order). Values from pg_type of PostgreSQL
 * 15; these OIDs are fixed across releases (pg_type.dat). */
#define B(o, n)                                                                                              \
	{                                                                                                    \
		.oid = o, .name = n, .base_name = n, .base_oid = o, .typtype = 'b', .typmod = -1,            \
		.elem_typmod = -1                                                                            \
	}
#define A(o, n, e)                                                                                           \
	{                                                                                                    \
		.oid = o, .name = n, .base_name = n, .base_oid = o, .typtype = 'b', .typmod = -1,            \
		.elem_oid = e, .elem_typtype = 'b', .elem_typmod = -1, .elem_delim = ','                     \
	}
static const rc_pg_typeinfo_t builtins[] = {
    B(16, "bool"),
    B(17, "bytea"),
    B(18, "char"),
    B(19, "name"),
    B(20, "int8"),
    B(21, "int2"),
    B(23, "int4"),
    B(25, "text"),
    B(26, "oid"),
    B(114, "json"),
    B(142, "xml"),
    A(143, "_xml", 142),
    A(199, "_json", 114),
    B(650, "cidr"),
    A(651, "_cidr", 650),
    B(700, "float4"),
    B(701, "float8"),
    B(774, "macaddr8"),
    A(775, "_macaddr8", 774),
    B(790, "money"),
    A(791, "_money", 790),
    B(829, "macaddr"),
    B(869, "inet"),
    A(1000, "_bool", 16),
    A(1001, "_bytea", 17),
    A(1002, "_char", 18),
    A(1003, "_name", 19),
    A(1005, "_int2", 21),
    A(1007, "_int4", 23),
    A(1009, "_text", 25),
    A(1014, "_bpchar", 1042),
    A(1015, "_varchar", 1043),
    A(1016, "_int8", 20),
    A(1021, "_float4", 700),
    A(1022, "_float8", 701),
    A(1028, "_oid", 26),
    A(1040, "_macaddr", 829),
    A(1041, "_inet", 869),
    B(1042, "bpchar"),
    B(1043, "varchar"),
    B(1082, "date"),
    B(1083, "time"),
    B(1114, "timestamp"),
    A(1115, "_timestamp", 1114),
    A(1182, "_date", 1082),
    A(1183, "_time", 1083),
    B(1184, "timestamptz"),
    A(1185, "_timestamptz", 1184),
    B(1186, "interval"),
    A(1187, "_interval", 1186),
    A(1231, "_numeric", 1700),
    B(1266, "timetz"),
    A(1270, "_timetz", 1266),
    B(1560, "bit"),
    A(1561, "_bit", 1560),
    B(1562, "varbit"),
    A(1563, "_varbit", 1562),
    B(1700, "numeric"),
    B(2950, "uuid"),
    A(2951, "_uuid", 2950),
    B(3802, "jsonb"),
    A(3807, "_jsonb", 3802),
};
#undef B
#undef A

const rc_pg_typeinfo_t *rc_pg_typeinfo_builtin(uint32_t oid)
{
	size_t lo = 0, hi = sizeof builtins / sizeof builtins[0];

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (builtins[mid].oid == oid)
			return &builtins[mid];
		if (builtins[mid].oid < oid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

uint32_t rc_pg_typeinfo_array_of(uint32_t elem_oid)
{
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
		if (builtins[i].elem_oid == elem_oid)
			return builtins[i].oid;
	return 0;
}

/* One pg_type row. */
typedef struct raw_type {
	uint32_t oid;
	char name[RC_PG_NAMEDATALEN];
	char typtype;
	uint32_t basetype; /* domains */
	int32_t typtypmod; /* domains */
	uint32_t elem;     /* arrays */
	bool is_array;
	char delim;
	char *labels; /* enums, malloc'd */
} raw_type_t;

/* Where a lookup has been: the OIDs it read, for invalidation and loop protection. */
typedef struct walk {
	PGconn *pg;
	uint32_t seen[RC_PG_TYPE_MAXDEPTH * 2];
	int nseen;
	uint64_t queries;
} walk_t;

static int conn_class(PGconn *pg)
{
	return pg && PQstatus(pg) == CONNECTION_OK ? RC_ERR_FATAL : RC_ERR_RETRY;
}

static int fetch(walk_t *w, uint32_t oid, raw_type_t *r, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT t.typname, t.typtype, t.typbasetype, t.typtypmod, t.typelem, t.typdelim, "
	    "t.typcategory = 'A' AND t.typelem <> 0 AND EXISTS (SELECT 1 FROM pg_catalog.pg_type e "
	    "WHERE e.oid = t.typelem AND e.typarray = t.oid), "
	    "CASE WHEN t.typtype = 'e' THEN coalesce((SELECT string_agg(l.enumlabel, ',' ORDER BY "
	    "l.enumsortorder) FROM pg_catalog.pg_enum l WHERE l.enumtypid = t.oid), '') END "
	    "FROM pg_catalog.pg_type t WHERE t.oid = $1::oid";
	const rc_pg_typeinfo_t *b = rc_pg_typeinfo_builtin(oid);
	char param[16];
	const char *params[1] = {param};
	PGresult *res;
	int ret = RC_ERR_FATAL;

	memset(r, 0, sizeof *r);
	r->oid = oid;
	r->typtypmod = -1;
	if (w->nseen == (int)(sizeof w->seen / sizeof w->seen[0])) {
		snprintf(err, errlen, "type %u: domain or element chain deeper than %d", oid,
		         RC_PG_TYPE_MAXDEPTH);
		return RC_ERR_FATAL;
	}
	for (int i = 0; i < w->nseen; i++)
		if (w->seen[i] == oid) {
			snprintf(err, errlen, "type %u: the catalog describes a cycle", oid);
			return RC_ERR_FATAL;
		}
	w->seen[w->nseen++] = oid;
	if (b) {
		memcpy(r->name, b->name, sizeof r->name);
		r->typtype = b->typtype;
		r->elem = b->elem_oid;
		r->is_array = b->elem_oid != 0;
		r->delim = ',';
		return RC_OK;
	}
	if (!w->pg) {
		snprintf(err, errlen,
		         "type %u is not a built-in and there is no connection to read the catalog", oid);
		return RC_ERR_FATAL;
	}
	snprintf(param, sizeof param, "%u", oid);
	w->queries++;
	res = PQexecParams(w->pg, sql, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "cannot read type %u from pg_type: %s", oid, PQresultErrorMessage(res));
		ret = conn_class(w->pg);
		goto out;
	}
	if (PQntuples(res) != 1) {
		snprintf(err, errlen, "type %u does not exist in pg_type", oid);
		goto out;
	}
	snprintf(r->name, sizeof r->name, "%s", PQgetvalue(res, 0, 0));
	r->typtype = PQgetvalue(res, 0, 1)[0];
	r->basetype = (uint32_t)strtoul(PQgetvalue(res, 0, 2), NULL, 10);
	r->typtypmod = (int32_t)strtol(PQgetvalue(res, 0, 3), NULL, 10);
	r->elem = (uint32_t)strtoul(PQgetvalue(res, 0, 4), NULL, 10);
	r->delim = PQgetvalue(res, 0, 5)[0];
	r->is_array = PQgetvalue(res, 0, 6)[0] == 't';
	if (!PQgetisnull(res, 0, 7)) {
		r->labels = strdup(PQgetvalue(res, 0, 7));
		if (!r->labels) {
			snprintf(err, errlen, "out of memory reading type %u", oid);
			goto out;
		}
	}
	if (r->typtype == 'd' && r->basetype == 0) {
		snprintf(err, errlen, "type %u (%s) is a domain without a base type", oid, r->name);
		free(r->labels);
		r->labels = NULL;
		goto out;
	}
	ret = RC_OK;
out:
	PQclear(res);
	return ret;
}

/* Follows r's domain chain to the base type, in place; *typmod gets the outermost declared typmod. */
static int resolve_domains(walk_t *w, raw_type_t *r, int32_t *typmod, char *err, size_t errlen)
{
	*typmod = -1;
	while (r->typtype == 'd') {
		uint32_t base = r->basetype;
		int ret;

		if (*typmod == -1 && r->typtypmod != -1)
			*typmod = r->typtypmod;
		free(r->labels);
		ret = fetch(w, base, r, err, errlen);
		if (ret != RC_OK)
			return ret;
	}
	return RC_OK;
}

static int lookup(walk_t *w, uint32_t oid, rc_pg_typeinfo_t *out, char *err, size_t errlen)
{
	raw_type_t r, e;
	int ret;

	memset(out, 0, sizeof *out);
	out->oid = oid;
	out->typmod = out->elem_typmod = -1;
	ret = fetch(w, oid, &r, err, errlen);
	if (ret != RC_OK)
		return ret;
	memcpy(out->name, r.name, sizeof out->name);
	ret = resolve_domains(w, &r, &out->typmod, err, errlen);
	if (ret != RC_OK)
		return ret;
	out->base_oid = r.oid;
	memcpy(out->base_name, r.name, sizeof out->base_name);
	out->typtype = r.typtype;
	out->enum_labels = r.labels;
	if (!r.is_array)
		return RC_OK;
	ret = fetch(w, r.elem, &e, err, errlen);
	if (ret != RC_OK)
		return ret;
	out->elem_delim = e.delim;
	out->elem_is_domain = e.typtype == 'd';
	ret = resolve_domains(w, &e, &out->elem_typmod, err, errlen);
	if (ret != RC_OK)
		return ret;
	out->elem_oid = e.oid;
	memcpy(out->elem_name, e.name, sizeof out->elem_name);
	out->elem_typtype = e.typtype;
	out->elem_is_array = e.is_array;
	if (e.labels) {
		free(out->enum_labels);
		out->enum_labels = e.labels;
	}
	return RC_OK;
}

int rc_pg_typeinfo_lookup(PGconn *pg, uint32_t oid, rc_pg_typeinfo_t *out, char *err, size_t errlen)
{
	walk_t w = {.pg = pg};
	int ret = lookup(&w, oid, out, err, errlen);

	if (ret != RC_OK)
		rc_pg_typeinfo_clear(out);
	return ret;
}

void rc_pg_typeinfo_clear(rc_pg_typeinfo_t *ti)
{
	free(ti->enum_labels);
	ti->enum_labels = NULL;
}

/* The cache: entries sorted by OID, each allocated on its own so pointers to it stay valid. */
typedef struct entry {
	rc_pg_typeinfo_t ti;
	uint32_t deps[RC_PG_TYPE_MAXDEPTH * 2]; /* every OID the lookup read, ti.oid included */
	int ndeps;
} entry_t;

struct rc_pg_typecache {
	entry_t **e;
	size_t n, cap;
	uint64_t queries;
};

rc_pg_typecache_t *rc_pg_typecache_new(void)
{
	return calloc(1, sizeof(rc_pg_typecache_t));
}

static void entry_free(entry_t *en)
{
	rc_pg_typeinfo_clear(&en->ti);
	free(en);
}

void rc_pg_typecache_free(rc_pg_typecache_t *tc)
{
	if (!tc)
		return;
	for (size_t i = 0; i < tc->n; i++)
		entry_free(tc->e[i]);
	free(tc->e);
	free(tc);
}

/* Index of oid, or where it would go. */
static size_t find(const rc_pg_typecache_t *tc, uint32_t oid, bool *found)
{
	size_t lo = 0, hi = tc->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tc->e[mid]->ti.oid == oid) {
			*found = true;
			return mid;
		}
		if (tc->e[mid]->ti.oid < oid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

int rc_pg_typecache_lookup(rc_pg_typecache_t *tc, PGconn *pg, uint32_t oid, const rc_pg_typeinfo_t **out,
                           char *err, size_t errlen)
{
	const rc_pg_typeinfo_t *b = rc_pg_typeinfo_builtin(oid);
	walk_t w = {.pg = pg};
	entry_t *en;
	bool found;
	size_t at;
	int ret;

	*out = NULL;
	if (b) {
		*out = b;
		return RC_OK;
	}
	at = find(tc, oid, &found);
	if (found) {
		*out = &tc->e[at]->ti;
		return RC_OK;
	}
	en = calloc(1, sizeof *en);
	if (!en) {
		snprintf(err, errlen, "out of memory looking up type %u", oid);
		return RC_ERR_FATAL;
	}
	ret = lookup(&w, oid, &en->ti, err, errlen);
	tc->queries += w.queries;
	if (ret != RC_OK) {
		entry_free(en);
		return ret;
	}
	memcpy(en->deps, w.seen, sizeof w.seen);
	en->ndeps = w.nseen;
	if (tc->n == tc->cap) {
		size_t cap = tc->cap ? tc->cap * 2 : 16;
		entry_t **grown = realloc(tc->e, cap * sizeof *grown);
		if (!grown) {
			entry_free(en);
			snprintf(err, errlen, "out of memory looking up type %u", oid);
			return RC_ERR_FATAL;
		}
		tc->e = grown;
		tc->cap = cap;
	}
	memmove(&tc->e[at + 1], &tc->e[at], (tc->n - at) * sizeof *tc->e);
	tc->e[at] = en;
	tc->n++;
	*out = &en->ti;
	return RC_OK;
}

const rc_pg_typeinfo_t *rc_pg_typecache_get(rc_pg_typecache_t *tc, PGconn *pg, uint32_t oid, char *err,
                                            size_t errlen)
{
	const rc_pg_typeinfo_t *ti;

	return rc_pg_typecache_lookup(tc, pg, oid, &ti, err, errlen) == RC_OK ? ti : NULL;
}

void rc_pg_typecache_invalidate(rc_pg_typecache_t *tc, uint32_t oid)
{
	size_t w = 0;

	for (size_t i = 0; i < tc->n; i++) {
		entry_t *en = tc->e[i];
		bool depends = false;

		for (int k = 0; k < en->ndeps && !depends; k++)
			depends = en->deps[k] == oid;
		if (depends)
			entry_free(en);
		else
			tc->e[w++] = en;
	}
	tc->n = w;
}

uint64_t rc_pg_typecache_queries(const rc_pg_typecache_t *tc)
{
	return tc->queries;
}
