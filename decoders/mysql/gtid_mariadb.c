/*
 * MariaDB GTID positions (gtid.h): one GTID per replication domain, as gtid_slave_pos and
 * gtid_binlog_pos print them.
 */
#include "config.h"

#include "decoders/mysql/gtid.h"

#include "decoders/mysql/gtid_internal.h"

#include "agent/errors.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rc_gtid_mariadb_pos {
	rc_gtid_mariadb_t *g; /* sorted by domain, one per domain */
	size_t n, cap;
};

rc_gtid_mariadb_pos_t *rc_gtid_mariadb_pos_new(void)
{
	return calloc(1, sizeof(rc_gtid_mariadb_pos_t));
}

void rc_gtid_mariadb_pos_free(rc_gtid_mariadb_pos_t *pos)
{
	if (!pos)
		return;
	free(pos->g);
	free(pos);
}

static size_t domain_find(const rc_gtid_mariadb_pos_t *pos, uint32_t domain, bool *found)
{
	size_t lo = 0, hi = pos->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pos->g[mid].domain < domain)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < pos->n && pos->g[lo].domain == domain;
	return lo;
}

/* Sets gtid as its domain's; with unique, a domain already there is an error. */
static int mariadb_put(rc_gtid_mariadb_pos_t *pos, const rc_gtid_mariadb_t *gtid, bool unique, char *err,
                       size_t errlen)
{
	bool found;
	size_t i = domain_find(pos, gtid->domain, &found);

	if (found) {
		if (unique)
			return rc_gtid_fail(
			    err, errlen, "MariaDB GTID position: two GTIDs of domain %" PRIu32, gtid->domain);
		pos->g[i] = *gtid;
		return 0;
	}
	if (pos->n >= RC_GTID_MARIADB_MAX_DOMAINS)
		return rc_gtid_fail(err, errlen, "MariaDB GTID position: more than %d domains",
		                    RC_GTID_MARIADB_MAX_DOMAINS);
	if (pos->n == pos->cap) {
		size_t cap = pos->cap ? pos->cap * 2 : 4;
		rc_gtid_mariadb_t *n = realloc(pos->g, cap * sizeof *n);

		if (!n)
			return rc_gtid_fail(err, errlen, "MariaDB GTID position: out of memory");
		pos->g = n;
		pos->cap = cap;
	}
	memmove(&pos->g[i + 1], &pos->g[i], (pos->n - i) * sizeof *pos->g);
	pos->g[i] = *gtid;
	pos->n++;
	return 0;
}

int rc_gtid_mariadb_advance(rc_gtid_mariadb_pos_t *pos, const rc_gtid_mariadb_t *gtid, char *err,
                            size_t errlen)
{
	return mariadb_put(pos, gtid, false, err, errlen);
}

const rc_gtid_mariadb_t *rc_gtid_mariadb_get(const rc_gtid_mariadb_pos_t *pos, uint32_t domain)
{
	bool found;
	size_t i = domain_find(pos, domain, &found);

	return found ? &pos->g[i] : NULL;
}

size_t rc_gtid_mariadb_count(const rc_gtid_mariadb_pos_t *pos)
{
	return pos->n;
}

/* An unsigned decimal at text[*pos] no larger than max. */
static int parse_u64(const char *text, size_t len, size_t *pos, uint64_t max, const char *what, uint64_t *v,
                     char *err, size_t errlen)
{
	size_t at = *pos;
	uint64_t n = 0;

	if (at >= len || text[at] < '0' || text[at] > '9')
		return rc_gtid_fail(err, errlen, "MariaDB GTID position: expected the %s at offset %zu", what,
		                    at);
	while (*pos < len && text[*pos] >= '0' && text[*pos] <= '9') {
		unsigned d = (unsigned)(text[*pos] - '0');

		if (n > (max - d) / 10)
			return rc_gtid_fail(err, errlen,
			                    "MariaDB GTID position: %s at offset %zu is larger than %" PRIu64,
			                    what, at, max);
		n = n * 10 + d;
		(*pos)++;
	}
	*v = n;
	return 0;
}

int rc_gtid_mariadb_parse(const char *text, size_t len, rc_gtid_mariadb_pos_t **out, char *err, size_t errlen)
{
	rc_gtid_mariadb_pos_t *pos;
	size_t p = 0;
	char shown[8];

	*out = NULL;
	if (len > RC_GTID_TEXT_MAX)
		return rc_gtid_fail(err, errlen, "MariaDB GTID position: %zu bytes of text, more than %zu",
		                    len, RC_GTID_TEXT_MAX);
	pos = rc_gtid_mariadb_pos_new();
	if (!pos)
		return rc_gtid_fail(err, errlen, "MariaDB GTID position: out of memory");
	while (p < len && rc_gtid_is_blank(text[p]))
		p++;
	while (p < len) {
		uint64_t d, s, q;
		rc_gtid_mariadb_t g;

		if (parse_u64(text, len, &p, UINT32_MAX, "domain", &d, err, errlen))
			goto bad;
		if (p >= len || text[p] != '-') {
			rc_gtid_fail(err, errlen,
			             "MariaDB GTID position: expected '-' after the domain at offset %zu", p);
			goto bad;
		}
		p++;
		if (parse_u64(text, len, &p, UINT32_MAX, "server_id", &s, err, errlen))
			goto bad;
		if (p >= len || text[p] != '-') {
			rc_gtid_fail(err, errlen,
			             "MariaDB GTID position: expected '-' after the server_id at offset %zu",
			             p);
			goto bad;
		}
		p++;
		if (parse_u64(text, len, &p, UINT64_MAX, "sequence number", &q, err, errlen))
			goto bad;
		g.domain = (uint32_t)d;
		g.server_id = (uint32_t)s;
		g.seq = q;
		if (mariadb_put(pos, &g, true, err, errlen))
			goto bad;
		while (p < len && rc_gtid_is_blank(text[p]))
			p++;
		if (p == len)
			break;
		if (text[p] != ',') {
			rc_gtid_fail(err, errlen, "MariaDB GTID position: unexpected %s at offset %zu",
			             rc_gtid_show(text[p], shown), p);
			goto bad;
		}
		p++;
		while (p < len && rc_gtid_is_blank(text[p]))
			p++;
		if (p == len) {
			rc_gtid_fail(err, errlen,
			             "MariaDB GTID position: nothing after the comma at offset %zu", p);
			goto bad;
		}
	}
	*out = pos;
	return 0;
bad:
	rc_gtid_mariadb_pos_free(pos);
	return RC_ERR_FATAL;
}

int rc_gtid_mariadb_format(const rc_gtid_mariadb_pos_t *pos, char **out, size_t *outlen, char *err,
                           size_t errlen)
{
	rc_gtid_strbuf_t sb = {0};
	size_t i;

	for (i = 0; i < pos->n; i++) {
		char t[80];
		int n = snprintf(t, sizeof t, "%s%" PRIu32 "-%" PRIu32 "-%" PRIu64, i ? "," : "",
		                 pos->g[i].domain, pos->g[i].server_id, pos->g[i].seq);

		rc_gtid_sb_put(&sb, t, (size_t)n);
	}
	return rc_gtid_sb_finish(&sb, out, outlen, err, errlen);
}
