#include "config.h"

#include "agent/column_map.h"

#include "agent/errors.h"

#include <openssl/evp.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What one published column gets per event. */
typedef enum {
	ACT_COPY,
	ACT_MASK,
	ACT_HASH,
	ACT_TRUNC_STRING,
	ACT_TRUNC_BYTES,
} action_t;

typedef struct plan_col {
	uint32_t src; /* index of the column in the source table */
	uint8_t action;
	const rc_cm_rule_t *rule; /* MASK, HASH, TRUNC_*: borrowed from the map */
} plan_col_t;

struct rc_column_plan {
	rc_table_t *out;         /* the published table (a reference, released with the plan); NULL: events of
	                          * this table pass unchanged */
	plan_col_t *cols;        /* out->ncols */
	bool key_masked;         /* a key column is masked in the value: the key is read from a clear image */
	const char *placeholder; /* unavailable.value.placeholder (borrowed from the map's conf) */
};

/* What an unchanged PostgreSQL TOAST value is written as (sinks/avro_schema.h RC_AVRO_UNAVAILABLE,
 * Debezium's default placeholder): a mask or hash maps it as Debezium maps the placeholder. */
static const char *unavailable_placeholder = "__debezium_unavailable_value";

bool rc_column_map_is_property(const char *name)
{
	return strncmp(name, "column.mask.", 12) == 0 || strncmp(name, "column.truncate.", 16) == 0;
}

/* Java MessageDigest's standard names (and the SUN provider's aliases) to OpenSSL's. Java matches
 * the names without regard to case, and so does this table. MD2 is in Java but not in OpenSSL 3's
 * default provider: refused with the others. */
static const struct {
	const char *java, *openssl;
} digests[] = {
    {"MD5", "MD5"},
    {"SHA-1", "SHA1"},
    {"SHA", "SHA1"},
    {"SHA1", "SHA1"},
    {"SHA-224", "SHA224"},
    {"SHA224", "SHA224"},
    {"SHA-256", "SHA256"},
    {"SHA256", "SHA256"},
    {"SHA-384", "SHA384"},
    {"SHA384", "SHA384"},
    {"SHA-512", "SHA512"},
    {"SHA512", "SHA512"},
    {"SHA-512/224", "SHA512-224"},
    {"SHA512/224", "SHA512-224"},
    {"SHA-512/256", "SHA512-256"},
    {"SHA512/256", "SHA512-256"},
    {"SHA3-224", "SHA3-224"},
    {"SHA3-256", "SHA3-256"},
    {"SHA3-384", "SHA3-384"},
    {"SHA3-512", "SHA3-512"},
};

static const EVP_MD *digest_of(const char *java, size_t len)
{
	for (size_t i = 0; i < sizeof digests / sizeof digests[0]; i++)
		if (strlen(digests[i].java) == len && strncasecmp(digests[i].java, java, len) == 0)
			return EVP_get_digestbyname(digests[i].openssl);
	return NULL;
}

/* True when s is "<N>.chars" (Debezium's (\d+)\.chars), N up to INT32_MAX into *n. */
static bool parse_chars(const char *s, int32_t *n)
{
	long long v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (*p - '0');
		if (v > INT32_MAX)
			return false;
	}
	if (strcmp(p, ".chars") != 0)
		return false;
	*n = (int32_t)v;
	return true;
}

typedef struct parse_ctx {
	rc_column_map_t *cm;
	char *err;
	size_t errlen;
} parse_ctx_t;

/* One column.mask.* / column.truncate.* property into a rule (key has the "column." stripped). */
static int add_rule(const char *key, const char *value, void *opaque)
{
	parse_ctx_t *px = opaque;
	rc_column_map_t *cm = px->cm;
	rc_cm_rule_t r = {0}, *grown;
	char prop[512];
	const char *rest;

	if ((size_t)snprintf(prop, sizeof prop, "column.%s", key) >= sizeof prop) {
		snprintf(px->err, px->errlen, "column.%.40s...: property name longer than %zu bytes", key,
		         sizeof prop - 1);
		return -1;
	}
	if (!rc_column_map_is_property(prop))
		return 0;
	if (strncmp(key, "truncate.to.", 12) == 0) {
		r.kind = RC_CM_TRUNCATE;
		if (!parse_chars(key + 12, &r.n))
			goto bad_n;
	} else if (strncmp(key, "mask.with.", 10) == 0) {
		r.kind = RC_CM_MASK;
		if (!parse_chars(key + 10, &r.n))
			goto bad_n;
	} else if (strncmp(key, "mask.hash.", 10) == 0) {
		const char *alg = key + 10, *with;

		r.kind = RC_CM_HASH_V1;
		if (strncmp(alg, "v2.", 3) == 0) {
			r.kind = RC_CM_HASH_V2;
			alg += 3;
		}
		/* Debezium's ([^.]+)\.with\.salt\.(.+): the algorithm has no dot, the salt is the rest */
		with = strchr(alg, '.');
		if (!with || with == alg || strncmp(with, ".with.salt.", 11) != 0 || !with[11]) {
			snprintf(
			    px->err, px->errlen,
			    "%s: not a hash mask property (expected column.mask.hash[.v2].<algorithm>.with.salt.<salt>)",
			    prop);
			return -1;
		}
		r.md = digest_of(alg, (size_t)(with - alg));
		if (!r.md) {
			snprintf(
			    px->err, px->errlen,
			    "%s: unknown hash algorithm '%.*s' (one of Java's MessageDigest names: MD5, SHA-1, SHA-224, SHA-256, SHA-384, SHA-512, SHA-512/224, SHA-512/256, SHA3-256, ...)",
			    prop, (int)(with - alg), alg);
			return -1;
		}
	} else {
		snprintf(
		    px->err, px->errlen,
		    "unknown property '%s' (column mappers: column.truncate.to.<N>.chars, column.mask.with.<N>.chars, column.mask.hash[.v2].<algorithm>.with.salt.<salt>)",
		    prop);
		return -1;
	}
	r.prop = strdup(prop);
	if (!r.prop)
		goto oom;
	if (r.kind == RC_CM_HASH_V1 || r.kind == RC_CM_HASH_V2) {
		rest = r.prop + strlen("column.mask.hash.") + (r.kind == RC_CM_HASH_V2 ? 3 : 0);
		r.alg = rest;
		r.salt = strstr(rest, ".with.salt.") + 11;
	}
	if (r.kind == RC_CM_MASK) {
		r.mask = malloc((size_t)r.n + 1);
		if (!r.mask)
			goto oom;
		memset(r.mask, '*', (size_t)r.n);
		r.mask[r.n] = '\0';
	}
	if (rc_regex_list_compile(&r.cols, prop, value, px->err, px->errlen) != 0) {
		rc_regex_list_free(&r.cols);
		free(r.prop);
		free(r.mask);
		return -1;
	}
	grown = realloc(cm->rules, (cm->nrules + 1) * sizeof *cm->rules);
	if (!grown) {
		rc_regex_list_free(&r.cols);
		free(r.mask);
		goto oom;
	}
	cm->rules = grown;
	cm->rules[cm->nrules++] = r;
	return 0;
bad_n:
	snprintf(px->err, px->errlen, "%s: the length must be a whole number of characters, 0 or more", prop);
	return -1;
oom:
	free(r.prop);
	snprintf(px->err, px->errlen, "%s: out of memory", prop);
	return -1;
}

/* Debezium's ColumnMappers builds its rules truncate first, then mask, hash v1, hash v2, and a
 * column takes the first that names it; within a kind, by property name (deterministic). */
static int rule_order(const void *a, const void *b)
{
	const rc_cm_rule_t *x = a, *y = b;

	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return strcmp(x->prop, y->prop);
}

int rc_column_map_init(rc_column_map_t *cm, const rc_conf_t *conf, char *err, size_t errlen)
{
	parse_ctx_t px = {cm, err, errlen};
	const char *incl = rc_conf_get(conf, "column.include.list");
	const char *excl = rc_conf_get(conf, "column.exclude.list");

	memset(cm, 0, sizeof *cm);
	rc_arena_init(&cm->scratch, 0);
	if (incl && *incl && excl && *excl) {
		snprintf(
		    err, errlen,
		    "column.include.list and column.exclude.list are both set: use one of them (as Debezium)");
		return -1;
	}
	if (rc_regex_list_compile(&cm->include, "column.include.list", incl, err, errlen) != 0 ||
	    rc_regex_list_compile(&cm->exclude, "column.exclude.list", excl, err, errlen) != 0 ||
	    rc_conf_foreach_prefix(conf, "column.", add_rule, &px) != 0) {
		rc_column_map_free(cm);
		return -1;
	}
	if (cm->nrules > 1)
		qsort(cm->rules, cm->nrules, sizeof *cm->rules, rule_order);
	return 0;
}

void rc_column_map_free(rc_column_map_t *cm)
{
	for (size_t i = 0; i < cm->nrules; i++) {
		rc_regex_list_free(&cm->rules[i].cols);
		free(cm->rules[i].prop);
		free(cm->rules[i].mask);
	}
	free(cm->rules);
	cm->rules = NULL;
	cm->nrules = 0;
	rc_regex_list_free(&cm->include);
	rc_regex_list_free(&cm->exclude);
	rc_arena_destroy(&cm->scratch);
}

bool rc_column_map_active(const rc_column_map_t *cm)
{
	return cm->nrules > 0 || cm->include.n > 0 || cm->exclude.n > 0;
}

void rc_column_map_report(const rc_column_map_t *cm, rc_check_report_t *rep)
{
	if (cm->include.n)
		rc_check_ok(rep, "column.include.list: %zu pattern(s); other columns are left out",
		            cm->include.n);
	if (cm->exclude.n)
		rc_check_ok(rep, "column.exclude.list: %zu pattern(s) left out of schemas and events",
		            cm->exclude.n);
	for (size_t i = 0; i < cm->nrules; i++) {
		const rc_cm_rule_t *r = &cm->rules[i];

		switch (r->kind) {
		case RC_CM_TRUNCATE:
			rc_check_ok(rep, "%s: strings cut to %d characters, bytes to %d bytes", r->prop,
			            (int)r->n, (int)r->n);
			break;
		case RC_CM_MASK:
			rc_check_ok(rep, "%s: character columns replaced by %d '*'", r->prop, (int)r->n);
			break;
		case RC_CM_HASH_V1:
		case RC_CM_HASH_V2:
			rc_check_ok(
			    rep,
			    "%s: character columns replaced by the hex %.*s of salt + value (%s); the salt is in the property name",
			    r->prop, (int)strcspn(r->alg, "."), r->alg,
			    r->kind == RC_CM_HASH_V2 ? "v2: UTF-8 bytes" : "v1: Java serialization");
			break;
		}
	}
	if (!rc_column_map_active(cm))
		rc_check_ok(rep, "no column is left out, masked or truncated");
}

/* ---- hashing ----------------------------------------------------------------------------------- */

/* Decodes one UTF-8 character at s (len > 0): its code point into *cp, its length returned. A byte
 * that starts no valid sequence is U+FFFD of length 1, as Java's decoder replaces it. */
static size_t utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0)
		n = 2, v = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		n = 3, v = c & 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		n = 4, v = c & 0x07, min = 0x10000;
	else
		goto bad;
	if (n > len)
		goto bad;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		goto bad;
	*cp = v;
	return n;
bad:
	*cp = 0xfffd;
	return 1;
}

/* Java's modified UTF-8 of one UTF-16 unit (DataOutput.writeUTF): U+0000 in two bytes, every other
 * unit in one to three. */
static size_t mutf8_unit(uint32_t u, unsigned char *out)
{
	if (u >= 1 && u <= 0x7f) {
		out[0] = (unsigned char)u;
		return 1;
	}
	if (u <= 0x7ff) {
		out[0] = (unsigned char)(0xc0 | (u >> 6));
		out[1] = (unsigned char)(0x80 | (u & 0x3f));
		return 2;
	}
	out[0] = (unsigned char)(0xe0 | (u >> 12));
	out[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3f));
	out[2] = (unsigned char)(0x80 | (u & 0x3f));
	return 3;
}

/* Feeds md the bytes ObjectOutputStream.writeObject(String) writes: the stream header AC ED 00 05,
 * then TC_STRING (0x74) and a 2-byte length, or TC_LONGSTRING (0x7C) and an 8-byte length past
 * 65535 bytes, then the string in modified UTF-8 (characters past U+FFFF as two surrogates). */
static int digest_java_string(EVP_MD_CTX *ctx, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char head[13] = {0xac, 0xed, 0x00, 0x05}, buf[256];
	uint64_t ulen = 0;
	size_t hn = 4, bn = 0;
	uint32_t cp;

	for (size_t i = 0; i < len;) { /* the modified UTF-8 length first: it comes before the bytes */
		i += utf8_next(p + i, len - i, &cp);
		ulen += cp >= 0x10000 ? 6 : cp == 0 ? 2 : cp <= 0x7f ? 1 : cp <= 0x7ff ? 2 : 3;
	}
	if (ulen <= 0xffff) {
		head[hn++] = 0x74;
	} else {
		head[hn++] = 0x7c;
		for (int b = 7; b >= 2; b--)
			head[hn++] = (unsigned char)(ulen >> (8 * b));
	}
	head[hn++] = (unsigned char)(ulen >> 8);
	head[hn++] = (unsigned char)ulen;
	if (!EVP_DigestUpdate(ctx, head, hn))
		return -1;
	for (size_t i = 0; i < len;) {
		i += utf8_next(p + i, len - i, &cp);
		if (cp >= 0x10000) {
			cp -= 0x10000;
			bn += mutf8_unit(0xd800 | (cp >> 10), buf + bn);
			bn += mutf8_unit(0xdc00 | (cp & 0x3ff), buf + bn);
		} else
			bn += mutf8_unit(cp, buf + bn);
		if (bn > sizeof buf - 6) {
			if (!EVP_DigestUpdate(ctx, buf, bn))
				return -1;
			bn = 0;
		}
	}
	return bn && !EVP_DigestUpdate(ctx, buf, bn) ? -1 : 0;
}

int rc_column_map_hash(const rc_cm_rule_t *r, const char *s, size_t len, char *hex, size_t hexlen)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	/* MaskStrings.HashValueConverter: digest.update(salt bytes); digest.digest(value bytes) */
	ok = ctx && EVP_DigestInit_ex(ctx, r->md, NULL) && EVP_DigestUpdate(ctx, r->salt, strlen(r->salt)) &&
	     (r->kind == RC_CM_HASH_V2 ? EVP_DigestUpdate(ctx, s, len) == 1
	                               : digest_java_string(ctx, s, len) == 0) &&
	     EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (!ok || hexlen < 2 * (size_t)mdlen + 1)
		return -1;
	for (unsigned int i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * mdlen] = '\0';
	return (int)(2 * mdlen);
}

size_t rc_column_map_utf16_prefix(const char *s, size_t len, int32_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	int64_t units = 0;
	uint32_t cp;

	while (i < len) {
		size_t step = utf8_next(p + i, len - i, &cp);
		int w = cp >= 0x10000 ? 2 : 1;
		if (units + w > n)
			break;
		units += w;
		i += step;
	}
	return i;
}

/* ---- plans ------------------------------------------------------------------------------------- */

/* Debezium's MaskStrings applies to JDBC CHAR, VARCHAR, LONGVARCHAR, CLOB, NCHAR, NVARCHAR,
 * LONGNVARCHAR, NCLOB: the character types. Strings with a semantic type (Json, Uuid, Xml, zoned
 * times, ...) and binary data shown as text (binary.handling.mode, length set) are other JDBC types;
 * enums are character types in both connectors. PostgreSQL's text types by OID (no decoders/ include
 * here): name 19, char 18, text 25, bpchar 1042, varchar 1043; other plain strings (inet, money...)
 * are OTHER. MySQL columns have no OID: CHAR, VARCHAR and the TEXTs are the plain strings. */
static bool char_based(const rc_column_t *c)
{
	if (c->type != RC_T_STRING || c->length != 0)
		return false;
	if (c->semantic)
		return strcmp(c->semantic, "io.debezium.data.Enum") == 0 ||
		       strcmp(c->semantic, "io.debezium.data.EnumSet") == 0;
	switch (c->source_oid) {
	case 0:
	case 18:
	case 19:
	case 25:
	case 1042:
	case 1043:
		return true;
	default:
		return false;
	}
}

static const rc_cm_rule_t *rule_for(const rc_column_map_t *cm, const char *full)
{
	for (size_t i = 0; i < cm->nrules; i++)
		if (rc_regex_list_any(&cm->rules[i].cols, full))
			return &cm->rules[i];
	return NULL;
}

/* dst = a deep copy of src (dst zeroed). Returns 0 or -1 when out of memory. */
static int copy_column(rc_column_t *dst, const rc_column_t *src)
{
	*dst = *src;
	dst->name = dst->source_type = dst->enum_values = dst->dflt.bytes = NULL;
	if (rc_column_set_names(dst, src->name ? src->name : "", src->source_type) != 0 ||
	    (src->enum_values && rc_column_set_enum_values(dst, src->enum_values) != 0) ||
	    (src->dflt.bytes && rc_column_set_default_bytes(dst, src->dflt.bytes, src->dflt.len) != 0))
		return -1;
	dst->dflt.set = src->dflt.set;
	return 0;
}

void rc_column_plan_free(struct rc_column_plan *plan)
{
	if (!plan)
		return;
	rc_table_release(plan->out);
	free(plan->cols);
	free(plan);
}

/* The plan of t: which columns are published, each one's action. NULL when out of memory. */
static struct rc_column_plan *plan_new(const rc_column_map_t *cm, const rc_table_t *t)
{
	struct rc_column_plan *plan = calloc(1, sizeof *plan);
	plan_col_t *cols = calloc(t->ncols ? t->ncols : 1, sizeof *cols);
	rc_column_t *meta = calloc(t->ncols ? t->ncols : 1, sizeof *meta); /* the published flags */
	size_t n = 0;
	bool changed = false;

	if (!plan || !cols || !meta)
		goto oom;
	plan->placeholder = unavailable_placeholder;
	for (size_t i = 0; i < t->ncols; i++) {
		const rc_column_t *c = &t->cols[i];
		const rc_cm_rule_t *r;
		char full[768];
		bool left_out;

		snprintf(full, sizeof full, "%s.%s.%s", t->schema_name, t->name, c->name ? c->name : "");
		left_out = cm->include.n ? !rc_regex_list_any(&cm->include, full)
		                         : rc_regex_list_any(&cm->exclude, full);
		if (left_out && !c->key) {
			changed = true;
			continue;
		}
		cols[n] = (plan_col_t){(uint32_t)i, ACT_COPY, NULL};
		meta[n].truncate_length = 0;
		if (left_out) { /* a key column: kept for the key, out of the value, no mapper */
			meta[n].key_only = changed = true;
			n++;
			continue;
		}
		r = rule_for(cm, full);
		if (r) {
			switch (r->kind) {
			case RC_CM_TRUNCATE:
				/* TruncateColumn: only where the declared length may exceed N; then the
				 * field schema says truncateLength */
				if ((c->type == RC_T_STRING || c->type == RC_T_BYTES) &&
				    (c->char_length <= 0 || c->char_length > r->n)) {
					cols[n].action =
					    c->type == RC_T_STRING ? ACT_TRUNC_STRING : ACT_TRUNC_BYTES;
					meta[n].truncated = true;
					meta[n].truncate_length = r->n;
				}
				break;
			case RC_CM_MASK:
			case RC_CM_HASH_V1:
			case RC_CM_HASH_V2:
				/* MaskStrings.alterFieldSchema marks every column it is given, whatever
				 * its type; only character columns change their values */
				meta[n].masked = true;
				if (char_based(c)) {
					cols[n].action = r->kind == RC_CM_MASK ? ACT_MASK : ACT_HASH;
					if (c->key)
						plan->key_masked = true;
				}
				break;
			}
			cols[n].rule = r;
			changed = changed || meta[n].masked || meta[n].truncated;
		}
		n++;
	}
	if (changed) {
		plan->out = rc_table_new(t->schema_name, t->name, t->topic, n);
		if (!plan->out)
			goto oom;
		plan->out->source_id = t->source_id;
		plan->out->check_utf8 = t->check_utf8;
		for (size_t j = 0; j < n; j++) {
			rc_column_t *oc = &plan->out->cols[j];
			if (copy_column(oc, &t->cols[cols[j].src]) != 0)
				goto oom;
			oc->masked = meta[j].masked;
			oc->truncated = meta[j].truncated;
			oc->truncate_length = meta[j].truncate_length;
			oc->key_only = meta[j].key_only;
		}
		rc_table_count_keys(plan->out);
		plan->cols = cols;
		cols = NULL;
	}
	free(cols);
	free(meta);
	return plan;
oom:
	free(cols);
	free(meta);
	rc_column_plan_free(plan);
	return NULL;
}

/* ---- events ------------------------------------------------------------------------------------ */

static int set_string(rc_value_t *v, const char *s, size_t len)
{
	v->state = RC_V_SET;
	v->u.bytes.ptr = s;
	v->u.bytes.len = len;
	v->u.bytes.scale = 0;
	return 0;
}

/* The value of column pc of the source image in, mapped into *out. */
static int map_value(rc_column_map_t *cm, const struct rc_column_plan *plan, const plan_col_t *pc,
                     const rc_value_t *in, rc_value_t *out)
{
	const char *s = in->u.bytes.ptr;
	size_t len = in->u.bytes.len;
	char hex[2 * EVP_MAX_MD_SIZE + 1], *copy;
	int hn;

	*out = *in;
	if (pc->action == ACT_COPY)
		return 0;
	if (pc->action == ACT_MASK) /* MaskingValueConverter: whatever the value, NULL too */
		return set_string(out, pc->rule->mask, (size_t)pc->rule->n);
	if (in->state == RC_V_NULL)
		return 0; /* a hash of nothing is null, nothing is truncated */
	if (in->state == RC_V_UNCHANGED) {
		if (pc->action == ACT_TRUNC_BYTES)
			return 0;
		/* Debezium maps the placeholder that stands for the unchanged value */
		s = plan->placeholder;
		len = strlen(s);
	}
	switch (pc->action) {
	case ACT_HASH: {
		int32_t max = plan->out->cols[pc - plan->cols].char_length;
		hn = rc_column_map_hash(pc->rule, s, len, hex, sizeof hex);
		if (hn < 0)
			return -1;
		if (max > 0 && hn > max) /* the hash is cut to the column's length (MaskStrings) */
			hn = max;
		copy = rc_arena_strndup(&cm->scratch, hex, (size_t)hn);
		return copy ? set_string(out, copy, (size_t)hn) : -1;
	}
	case ACT_TRUNC_STRING:
		return set_string(out, s, rc_column_map_utf16_prefix(s, len, pc->rule->n));
	case ACT_TRUNC_BYTES:
		if (len > (size_t)pc->rule->n)
			out->u.bytes.len = (size_t)pc->rule->n;
		return 0;
	default:
		return 0;
	}
}

static rc_value_t *map_image(rc_column_map_t *cm, const struct rc_column_plan *plan, const rc_value_t *in,
                             bool clear)
{
	size_t n = plan->out->ncols;
	rc_value_t *out = rc_arena_alloc(&cm->scratch, (n ? n : 1) * sizeof *out);

	if (!out)
		return NULL;
	for (size_t j = 0; j < n; j++) {
		const plan_col_t *pc = &plan->cols[j];
		if (clear)
			out[j] = in[pc->src];
		else if (map_value(cm, plan, pc, &in[pc->src], &out[j]) != 0)
			return NULL;
	}
	return out;
}

int rc_column_map_apply(rc_column_map_t *cm, const rc_event_t *ev, rc_event_t *out, char *err, size_t errlen)
{
	rc_table_t *t = ev->table;
	struct rc_column_plan *plan;
	rc_table_t *pub;

	*out = *ev;
	if (!t || ev->op == RC_OP_MESSAGE || ev->op == RC_OP_SCHEMA_CHANGE)
		return RC_OK;
	if (!t->plan && !(t->plan = plan_new(cm, t))) {
		snprintf(err, errlen, "table %s.%s: column mappers: out of memory", t->schema_name, t->name);
		return RC_ERR_FATAL;
	}
	plan = t->plan;
	if (!(pub = plan->out))
		return RC_OK;
	/* A column found NULL where the catalog said NOT NULL becomes optional in place (PostgreSQL's
	 * relcache): the published copy follows, and its value schema is registered again. */
	for (size_t j = 0; j < pub->ncols; j++)
		if (pub->cols[j].optional != t->cols[plan->cols[j].src].optional) {
			pub->cols[j].optional = t->cols[plan->cols[j].src].optional;
			pub->value_schema_id = -1;
		}
	rc_arena_reset(&cm->scratch);
	out->table = pub;
	if ((ev->before && !(out->before = map_image(cm, plan, ev->before, false))) ||
	    (ev->after && !(out->after = map_image(cm, plan, ev->after, false)))) {
		snprintf(err, errlen, "table %s.%s: column mappers: out of memory or a hash failed",
		         t->schema_name, t->name);
		return RC_ERR_FATAL;
	}
	if (plan->key_masked && pub->nkey) {
		const rc_value_t *img = ev->op == RC_OP_DELETE ? ev->before : ev->after;
		if (img && !(out->key_image = map_image(cm, plan, img, true))) {
			snprintf(err, errlen, "table %s.%s: column mappers: out of memory", t->schema_name,
			         t->name);
			return RC_ERR_FATAL;
		}
	}
	return RC_OK;
}
