#include "config.h"

#include "decoders/mysql/mysql_stream_pos.h"

#include "agent/errors.h"
#include "decoders/mysql/mysql_position.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rc_mysql_stream_pos_init(rc_mysql_stream_pos_t *sp, bool mariadb, const char *file, const char *gtids,
                             char *err, size_t errlen)
{
	char why[512];
	int rc;

	rc_mysql_stream_pos_destroy(sp);
	sp->mariadb = mariadb;
	snprintf(sp->file, sizeof sp->file, "%s", file);
	if (mariadb)
		rc = rc_gtid_mariadb_parse(gtids, strlen(gtids), &sp->maria_pos, why, sizeof why);
	else
		rc = rc_gtid_set_parse(gtids, strlen(gtids), &sp->mysql_set, why, sizeof why);
	if (rc != 0) {
		snprintf(err, errlen, "the GTIDs of the start position '%.200s' are malformed: %s", gtids,
		         why);
		return RC_ERR_FATAL;
	}
	return RC_OK;
}

void rc_mysql_stream_pos_destroy(rc_mysql_stream_pos_t *sp)
{
	rc_gtid_set_free(sp->mysql_set);
	rc_gtid_mariadb_pos_free(sp->maria_pos);
	free(sp->text);
	memset(sp, 0, sizeof *sp);
}

int rc_mysql_stream_pos_rotate(rc_mysql_stream_pos_t *sp, const char *file, char *err, size_t errlen)
{
	if (rc_mysql_binlog_seq(file, strlen(file)) < 0) {
		snprintf(err, errlen, "ROTATE to '%.200s', a binlog file name without a sequence number",
		         file);
		return RC_ERR_FATAL;
	}
	snprintf(sp->file, sizeof sp->file, "%s", file);
	return RC_OK;
}

int rc_mysql_stream_pos_gtid_mysql(rc_mysql_stream_pos_t *sp, const rc_binlog_gtid_t *g, char *err,
                                   size_t errlen)
{
	sp->pending = false;
	if (g->gno == 0)
		return RC_OK; /* ANONYMOUS_GTID: GTIDs are off */
	if (rc_gtid_uuid_parse(g->uuid, strlen(g->uuid), sp->uuid) != 0) {
		snprintf(err, errlen, "GTID event with a malformed UUID '%s'", g->uuid);
		return RC_ERR_FATAL;
	}
	snprintf(sp->tag, sizeof sp->tag, "%s", g->tag);
	sp->gno = (uint64_t)g->gno;
	if (g->tag[0])
		snprintf(sp->gtid_text, sizeof sp->gtid_text, "%s:%s:%lld", g->uuid, g->tag,
		         (long long)g->gno);
	else
		snprintf(sp->gtid_text, sizeof sp->gtid_text, "%s:%lld", g->uuid, (long long)g->gno);
	sp->pending = true;
	return RC_OK;
}

int rc_mysql_stream_pos_gtid_mariadb(rc_mysql_stream_pos_t *sp, const rc_binlog_maria_gtid_t *g,
                                     uint32_t server_id, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	sp->maria.domain = g->domain;
	sp->maria.server_id = server_id;
	sp->maria.seq = g->seq;
	snprintf(sp->gtid_text, sizeof sp->gtid_text, "%u-%u-%llu", g->domain, server_id,
	         (unsigned long long)g->seq);
	sp->pending = true;
	return RC_OK;
}

int rc_mysql_stream_pos_commit(rc_mysql_stream_pos_t *sp, char *err, size_t errlen)
{
	char why[512];
	int rc = 0;

	if (!sp->pending)
		return RC_OK;
	if (sp->mariadb)
		rc = rc_gtid_mariadb_advance(sp->maria_pos, &sp->maria, why, sizeof why);
	else
		rc = rc_gtid_set_add(sp->mysql_set, sp->uuid, sp->tag, sp->gno, why, sizeof why);
	sp->pending = false;
	free(sp->text);
	sp->text = NULL;
	if (rc != 0) {
		snprintf(err, errlen, "GTID %s: %s", sp->gtid_text, why);
		return RC_ERR_FATAL;
	}
	return RC_OK;
}

int rc_mysql_stream_pos_make(rc_mysql_stream_pos_t *sp, uint64_t end_pos, rc_pos_t *out)
{
	char why[256];

	if (!sp->text) {
		int rc = sp->mariadb ? rc_gtid_mariadb_format(sp->maria_pos, &sp->text, NULL, why, sizeof why)
		                     : rc_gtid_set_format(sp->mysql_set, &sp->text, NULL, why, sizeof why);
		if (rc != 0)
			return -1;
	}
	return rc_mysql_pos_set(out, sp->file, end_pos, 0, sp->text);
}
