#include "config.h"

#include "decoders/postgres/pg_conn.h"

#include "agent/log.h"
#include "agent/netaddr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void warn_if_exposed(const rc_conf_t *conf, PGconn *pg);

/* Connects (start_only: starts connecting, PQconnectPoll goes on) with rowcast's settings. */
static PGconn *connect_params(const rc_conf_t *conf, bool replication, bool start_only)
{
	/* Keywords rather than a conninfo string: no quoting of user-provided values needed. */
	const char *keys[32], *vals[32];
	char user_timeout[24];
	bool keepalive = rc_conf_get_bool(conf, "database.tcpKeepAlive", true);
	int n = 0;

#define KV(k, v)                                                                                             \
	do {                                                                                                 \
		const char *v_ = (v);                                                                        \
		if (v_) {                                                                                    \
			keys[n] = (k);                                                                       \
			vals[n++] = v_;                                                                      \
		}                                                                                            \
	} while (0)
	KV("host", rc_conf_get(conf, "database.hostname"));
	KV("port", rc_conf_get(conf, "database.port"));
	KV("user", rc_conf_get(conf, "database.user"));
	KV("password", rc_conf_get(conf, "database.password"));
	KV("dbname", rc_conf_get(conf, "database.dbname"));
	KV("sslmode", rc_conf_get(conf, "database.sslmode"));
	KV("sslrootcert", rc_conf_get(conf, "database.sslrootcert"));
	KV("sslcrl", rc_conf_get(conf, "database.sslcrl"));
	KV("sslpassword", rc_conf_get(conf, "database.sslpassword"));
	KV("sslcert", rc_conf_get(conf, "database.sslcert"));
	KV("sslkey", rc_conf_get(conf, "database.sslkey"));
	KV("application_name", "rowcast");
	/* pgoutput sends values in the walsender's text output format: pin the settings that
	 * decoders/postgres/pg_types.c parses, whatever the server's defaults are. */
	KV("options", "-c DateStyle=ISO -c IntervalStyle=postgres -c extra_float_digits=3 "
	              "-c bytea_output=hex -c TimeZone=UTC -c lc_monetary=C");
	/* Text in UTF-8 whatever the database's encoding (the server converts; pgoutput and COPY send
	 * in the client encoding), and whatever PGCLIENTENCODING says. */
	KV("client_encoding", "UTF8");
	KV("connect_timeout", "10");
	/* A peer that vanished (host down, a cut network) is found by the kernel, not after hours of
	 * a read that waits: probes after 30 s of silence, every 10 s, three unanswered = dead; and
	 * data sent but not acknowledged within database.tcp.user.timeout.ms drops the connection. A
	 * server that is alive but stopped still acknowledges at TCP level: replication.timeout.ms
	 * (pg_source.c) covers that. */
	KV("keepalives", keepalive ? "1" : "0");
	if (keepalive) {
		KV("keepalives_idle", "30");
		KV("keepalives_interval", "10");
		KV("keepalives_count", "3");
	}
	snprintf(user_timeout, sizeof user_timeout, "%lld",
	         (long long)rc_conf_get_int(conf, "database.tcp.user.timeout.ms", 0));
	KV("tcp_user_timeout", user_timeout);
	if (replication)
		KV("replication", "database");
#undef KV
	keys[n] = vals[n] = NULL;

	return start_only ? PQconnectStartParams(keys, vals, 0) : PQconnectdbParams(keys, vals, 0);
}

PGconn *rc_pg_connect_start(const rc_conf_t *conf, char *err, size_t errlen)
{
	PGconn *pg = connect_params(conf, false, true);

	if (!pg) {
		snprintf(err, errlen, "PostgreSQL: out of memory");
		return NULL;
	}
	if (PQstatus(pg) == CONNECTION_BAD) {
		snprintf(err, errlen, "cannot connect to PostgreSQL at %s:%s as %s: %s",
		         rc_conf_get(conf, "database.hostname"), rc_conf_get(conf, "database.port"),
		         rc_conf_get(conf, "database.user"), PQerrorMessage(pg));
		PQfinish(pg);
		return NULL;
	}
	return pg;
}

PGconn *rc_pg_connect(const rc_conf_t *conf, bool replication, char *err, size_t errlen)
{
	PGconn *pg;

	pg = connect_params(conf, replication, false);
	if (!pg) {
		snprintf(err, errlen, "PostgreSQL: out of memory");
		return NULL;
	}
	if (PQstatus(pg) != CONNECTION_OK) {
		char msg[1024];
		size_t len;

		snprintf(msg, sizeof msg, "%s", PQerrorMessage(pg));
		len = strlen(msg);
		while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
			msg[--len] = '\0';
		snprintf(err, errlen, "cannot connect to PostgreSQL at %s:%s as %s: %s",
		         rc_conf_get(conf, "database.hostname"), rc_conf_get(conf, "database.port"),
		         rc_conf_get(conf, "database.user"), msg);
		PQfinish(pg);
		return NULL;
	}
	/* SQL_ASCII has no conversion: asked for UTF8, the server checks each value and fails the
	 * whole stream or COPY on the first one that is not, naming no column. Its bytes come as stored
	 * instead, and the pipeline checks the strings (rc_table_t.check_utf8), naming table, column,
	 * key and position, or replacing (string.invalid.utf8.mode). */
	if (rc_pg_sql_ascii(pg) && PQsetClientEncoding(pg, "SQL_ASCII") != 0) {
		snprintf(err, errlen, "PostgreSQL: cannot set client_encoding SQL_ASCII: %s",
		         PQerrorMessage(pg));
		PQfinish(pg);
		return NULL;
	}
	warn_if_exposed(conf, pg);
	return pg;
}

/* A connection that leaves the machine without TLS, or with a certificate nobody verified, is a
 * warning once per process (rowcast check says it for every connection). */
static void warn_if_exposed(const rc_conf_t *conf, PGconn *pg)
{
	static bool warned;
	const char *mode = rc_conf_get(conf, "database.sslmode");

	rc_warn_if_exposed(&warned, "pg", rc_conf_get(conf, "database.hostname"), PQsslInUse(pg),
	                   strncmp(mode, "verify-", 7) == 0, "database.sslmode", mode,
	                   "database.sslmode=verify-full");
}

bool rc_pg_sql_ascii(PGconn *pg)
{
	const char *enc = PQparameterStatus(pg, "server_encoding");

	return enc && strcmp(enc, "SQL_ASCII") == 0;
}

const char *rc_pg_error_text(PGconn *conn, const PGresult *res, char *buf, size_t len)
{
	size_t n;

	snprintf(buf, len, "%s",
	         res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res) : PQerrorMessage(conn));
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return buf;
}

char *rc_pg_quote_ident(const char *ident)
{
	size_t len = strlen(ident), n = 0;
	char *out = malloc(len * 2 + 3);

	if (!out)
		return NULL;
	out[n++] = '"';
	for (; *ident; ident++) {
		if (*ident == '"')
			out[n++] = '"';
		out[n++] = *ident;
	}
	out[n++] = '"';
	out[n] = '\0';
	return out;
}
