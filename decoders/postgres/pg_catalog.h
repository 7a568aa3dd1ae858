/*
 * What rowcast needs to know about a PostgreSQL type to map it (decoders/postgres/pg_types.h): its name,
 * its base type once domains are resolved, whether it is an array and of what, enum labels.
 *
 * Built-in types (the OIDs below 10000 that rowcast maps, listed in pg_catalog.c) are answered from
 * a static table without a query. Other types (enums, domains, arrays of them, extension types) are
 * read from pg_type and pg_enum over an ordinary SQL connection (not the replication one), and a
 * rc_pg_typecache_t keeps each answer so that every OID is queried once, until pgoutput's Type
 * message for it asks for a fresh look (rc_pg_typecache_invalidate).
 */
#ifndef RC_PG_CATALOG_H
#define RC_PG_CATALOG_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RC_PG_NAMEDATALEN 64   /* PostgreSQL's NAMEDATALEN: typname holds at most 63 bytes */
#define RC_PG_TYPE_MAXDEPTH 16 /* domains over domains (and arrays of them) resolved at most this deep */

/* OIDs of the built-in types rowcast maps (pg_type.dat; fixed across releases). */
enum {
	RC_PG_OID_BOOL = 16,
	RC_PG_OID_BYTEA = 17,
	RC_PG_OID_CHAR = 18,
	RC_PG_OID_NAME = 19,
	RC_PG_OID_INT8 = 20,
	RC_PG_OID_INT2 = 21,
	RC_PG_OID_INT4 = 23,
	RC_PG_OID_TEXT = 25,
	RC_PG_OID_OID = 26,
	RC_PG_OID_JSON = 114,
	RC_PG_OID_XML = 142,
	RC_PG_OID_CIDR = 650,
	RC_PG_OID_FLOAT4 = 700,
	RC_PG_OID_FLOAT8 = 701,
	RC_PG_OID_MACADDR8 = 774,
	RC_PG_OID_MONEY = 790,
	RC_PG_OID_MACADDR = 829,
	RC_PG_OID_INET = 869,
	RC_PG_OID_BPCHAR = 1042,
	RC_PG_OID_VARCHAR = 1043,
	RC_PG_OID_DATE = 1082,
	RC_PG_OID_TIME = 1083,
	RC_PG_OID_TIMESTAMP = 1114,
	RC_PG_OID_TIMESTAMPTZ = 1184,
	RC_PG_OID_INTERVAL = 1186,
	RC_PG_OID_TIMETZ = 1266,
	RC_PG_OID_BIT = 1560,
	RC_PG_OID_VARBIT = 1562,
	RC_PG_OID_NUMERIC = 1700,
	RC_PG_OID_UUID = 2950,
	RC_PG_OID_JSONB = 3802,
	RC_PG_OID_MONEY_ARRAY = 791,
	RC_PG_OID_NUMERIC_ARRAY = 1231,
	RC_PG_OID_BYTEA_ARRAY = 1001,
	RC_PG_OID_POINT = 600, /* not in the static table (read from pg_type), but fixed all the same */
	RC_PG_OID_TSVECTOR = 3614,
};

typedef struct rc_pg_typeinfo {
	uint32_t oid;                      /* the type looked up; a domain keeps its own OID here */
	char name[RC_PG_NAMEDATALEN];      /* its pg_type.typname: "numeric", "_int4", "mood", "us_zip" */
	char base_name[RC_PG_NAMEDATALEN]; /* base_oid's typname ("hstore" for a domain over hstore) */
	char elem_name[RC_PG_NAMEDATALEN]; /* elem_oid's typname, domains resolved; "" for a non-array
	                                    * and for the built-in arrays of the static table */
	uint32_t base_oid;   /* domains resolved: the type whose output function wrote the text */
	char typtype;        /* base_oid's: 'b' base, 'e' enum, 'c' composite, 'r' range,
	                      * 'm' multirange, 'p' pseudo */
	int32_t typmod;      /* the typmod a domain of the chain declares (outermost wins), or -1 */
	uint32_t elem_oid;   /* base_oid is an array: its element type, domains resolved; else 0 */
	char elem_typtype;   /* the element's typtype (as typtype) */
	int32_t elem_typmod; /* the typmod the element's domain chain declares, or -1 */
	char elem_delim;     /* the element type's typdelim: ',' for every type but box (';') */
	bool elem_is_array;  /* the element resolves to an array (array of a domain over an array) */
	bool elem_is_domain; /* the element type is a domain (resolved in elem_oid) */
	char *enum_labels;   /* base (or element) is an enum: its labels in enumsortorder joined by
	                      * ','; NULL otherwise. Owned by the cache, or by whoever called
	                      * rc_pg_typeinfo_lookup (rc_pg_typeinfo_clear frees it). */
} rc_pg_typeinfo_t;

/* The static description of a built-in type rowcast maps (bool ... jsonb and their arrays), or
 * NULL when oid is not one of them. Needs no connection. */
const rc_pg_typeinfo_t *rc_pg_typeinfo_builtin(uint32_t oid);

/* The built-in array type whose elements are elem_oid (1007 for 23), or 0 when there is none. */
uint32_t rc_pg_typeinfo_array_of(uint32_t elem_oid);

/*
 * Describes oid: built-ins from the static table, anything else from pg_type (one query per type of
 * the domain/element chain). pg is a normal libpq connection (borrowed; may be NULL when oid is a
 * built-in). Returns RC_OK (0) with *out filled (release with rc_pg_typeinfo_clear), or
 * RC_ERR_RETRY when the connection is broken, RC_ERR_FATAL otherwise (no such type, a chain deeper
 * than RC_PG_TYPE_MAXDEPTH, out of memory), with err naming the OID.
 */
int rc_pg_typeinfo_lookup(PGconn *pg, uint32_t oid, rc_pg_typeinfo_t *out, char *err, size_t errlen);

/* Frees what rc_pg_typeinfo_lookup allocated in ti (its enum labels). */
void rc_pg_typeinfo_clear(rc_pg_typeinfo_t *ti);

/* A cache of descriptions: one per connection, used from one thread (it has no lock). */
typedef struct rc_pg_typecache rc_pg_typecache_t;

/* Returns an empty cache (caller frees with rc_pg_typecache_free), NULL when out of memory. */
rc_pg_typecache_t *rc_pg_typecache_new(void);
void rc_pg_typecache_free(rc_pg_typecache_t *tc);

/*
 * Looks oid up: built-ins from the static table, others from the cache or, the first time, from the
 * catalog through pg (borrowed). *out is borrowed: valid until the cache is freed or the type (or a
 * type it was resolved through) is invalidated. Returns RC_OK, or RC_ERR_RETRY / RC_ERR_FATAL as
 * rc_pg_typeinfo_lookup does, with err filled.
 */
int rc_pg_typecache_lookup(rc_pg_typecache_t *tc, PGconn *pg, uint32_t oid, const rc_pg_typeinfo_t **out,
                           char *err, size_t errlen);

/* rc_pg_typecache_lookup returning the description, or NULL with err filled. */
const rc_pg_typeinfo_t *rc_pg_typecache_get(rc_pg_typecache_t *tc, PGconn *pg, uint32_t oid, char *err,
                                            size_t errlen);

/*
 * Forgets oid and every cached type that was resolved through it (a domain over it, an array of
 * it), so the next get reads the catalog again. pgoutput sends a Type message for each non-built-in
 * type before a Relation message that uses it: call this for each. Built-ins are never forgotten.
 */
void rc_pg_typecache_invalidate(rc_pg_typecache_t *tc, uint32_t oid);

/* How many catalog queries the cache has run (each type of a chain counts one): for tests. */
uint64_t rc_pg_typecache_queries(const rc_pg_typecache_t *tc);

#endif
