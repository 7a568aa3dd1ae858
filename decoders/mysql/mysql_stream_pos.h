/*
 * Where a binlog stream is, as the source walks it: the binlog file, the GTIDs executed so far (the
 * set the stream started from plus every transaction committed since) and the GTID of the
 * transaction in progress, which its events carry in source.gtid. Commit positions are made here
 * (mysql_position.h): the end of the transaction's last event, with its GTID in the set.
 *
 * MySQL: a GTID set (gtid.h) and "uuid[:tag]:gno" per transaction. MariaDB: a GTID position, the
 * last GTID per replication domain, and "domain-server-seq" per transaction.
 */
#ifndef RC_MYSQL_STREAM_POS_H
#define RC_MYSQL_STREAM_POS_H

#include "agent/position.h"
#include "decoders/mysql/binlog.h"
#include "decoders/mysql/gtid.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rc_mysql_stream_pos {
	bool mariadb;
	char file[512];
	rc_gtid_set_t *mysql_set;
	rc_gtid_mariadb_pos_t *maria_pos;
	char *text; /* the executed set formatted (malloc'd), NULL when it changed since */

	/* The transaction in progress. */
	bool pending;
	uint8_t uuid[RC_GTID_UUID_LEN];
	char tag[RC_GTID_TAG_MAX + 1];
	uint64_t gno;
	rc_gtid_mariadb_t maria;
	char gtid_text[96]; /* what its events carry */
} rc_mysql_stream_pos_t;

/* Starts at file with the executed GTIDs gtids (text as the server prints them; "" none). Returns
 * RC_OK, or RC_ERR_FATAL with err naming the malformed text. */
int rc_mysql_stream_pos_init(rc_mysql_stream_pos_t *sp, bool mariadb, const char *file, const char *gtids,
                             char *err, size_t errlen);
void rc_mysql_stream_pos_destroy(rc_mysql_stream_pos_t *sp);

/* A ROTATE: the events after it are in file. */
int rc_mysql_stream_pos_rotate(rc_mysql_stream_pos_t *sp, const char *file, char *err, size_t errlen);

/* The GTID of the transaction that follows (an ANONYMOUS_GTID clears it). */
int rc_mysql_stream_pos_gtid_mysql(rc_mysql_stream_pos_t *sp, const rc_binlog_gtid_t *g, char *err,
                                   size_t errlen);
int rc_mysql_stream_pos_gtid_mariadb(rc_mysql_stream_pos_t *sp, const rc_binlog_maria_gtid_t *g,
                                     uint32_t server_id, char *err, size_t errlen);

/* The transaction ends: its GTID joins the executed set. */
int rc_mysql_stream_pos_commit(rc_mysql_stream_pos_t *sp, char *err, size_t errlen);

/* *out = the position at byte end_pos of the current file with the executed set. 0, or -1 (out of
 * memory). */
int rc_mysql_stream_pos_make(rc_mysql_stream_pos_t *sp, uint64_t end_pos, rc_pos_t *out);

static inline const char *rc_mysql_stream_pos_file(const rc_mysql_stream_pos_t *sp)
{
	return sp->file;
}

/* The transaction's GTID text, or NULL (GTIDs off, anonymous). */
static inline const char *rc_mysql_stream_pos_gtid(const rc_mysql_stream_pos_t *sp)
{
	return sp->pending ? sp->gtid_text : NULL;
}

#endif
