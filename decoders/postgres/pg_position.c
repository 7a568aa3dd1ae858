#include "config.h"

#include "decoders/postgres/pg_position.h"

#include "decoders/postgres/pg_lsn.h"

#include <jansson.h>
#include <stdio.h>

static void pg_format(const rc_pos_t *p, char *buf, size_t len)
{
	char lsn[RC_LSN_BUFLEN];

	snprintf(buf, len, "%s", rc_lsn_format(p->order, lsn));
}

static int pg_to_json(const rc_pos_t *p, json_t *obj)
{
	char lsn[RC_LSN_BUFLEN];

	return json_object_set_new(obj, "lsn", json_string(rc_lsn_format(p->order, lsn))) == 0 ? 0 : -1;
}

static int pg_from_json(const json_t *obj, rc_pos_t *p, char *err, size_t errlen)
{
	uint64_t lsn;

	if (rc_lsn_parse(json_string_value(json_object_get(obj, "lsn")), &lsn) != 0) {
		snprintf(err, errlen, "\"lsn\" is missing or not an LSN like \"0/16B3748\"");
		return -1;
	}
	*p = rc_pg_pos(lsn);
	return 0;
}

const rc_pos_codec_t rc_pg_pos_codec = {
    .name = "postgres",
    .format = pg_format,
    .to_json = pg_to_json,
    .from_json = pg_from_json,
};
