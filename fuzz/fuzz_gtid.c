/*
 * libFuzzer target for decoders/mysql/gtid.c: the first byte picks the form (0: a MySQL GTID set's
 * text, 1: a PREVIOUS_GTIDS event body, 2: a MariaDB GTID list), the rest is the input. What parses
 * is formatted and parsed again, and must come back the same; GTIDs added to it must be contained.
 */
#include "config.h"

#include "agent/errors.h"
#include "decoders/mysql/gtid.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A MySQL set parsed (or decoded) survives format -> parse unchanged, and takes an added GTID. */
static void check_set(rc_gtid_set_t *set)
{
	char err[RC_ERRSTR_LEN], *text = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	rc_gtid_set_t *back = NULL;
	uint8_t uuid[RC_GTID_UUID_LEN] = {0x3e, 0x11};

	if (rc_gtid_set_format(set, &text, &len, err, sizeof err) != RC_OK)
		return; /* only for out of memory or limits */
	if (rc_gtid_set_parse(text, len, &back, err, sizeof err) != RC_OK)
		abort(); /* what we print we must read */
	if (rc_gtid_set_format(back, &again, &len2, err, sizeof err) != RC_OK || len != len2 ||
	    memcmp(text, again, len) != 0 || !rc_gtid_set_subset(set, back) || !rc_gtid_set_subset(back, set))
		abort();
	if (rc_gtid_set_add(back, uuid, NULL, 42, err, sizeof err) == RC_OK &&
	    !rc_gtid_set_contains(back, uuid, NULL, 42))
		abort();
	free(text);
	free(again);
	rc_gtid_set_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[RC_ERRSTR_LEN];
	rc_gtid_set_t *set = NULL;
	rc_gtid_mariadb_pos_t *pos = NULL;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		if (rc_gtid_set_parse((const char *)data + 1, size - 1, &set, err, sizeof err) == RC_OK)
			check_set(set);
		break;
	case 1:
		if (rc_gtid_set_from_previous_gtids(data + 1, size - 1, &set, err, sizeof err) == RC_OK)
			check_set(set);
		break;
	default:
		if (rc_gtid_mariadb_parse((const char *)data + 1, size - 1, &pos, err, sizeof err) == RC_OK) {
			char *text = NULL;
			size_t len = 0;
			rc_gtid_mariadb_pos_t *back = NULL;
			if (rc_gtid_mariadb_format(pos, &text, &len, err, sizeof err) == RC_OK &&
			    (rc_gtid_mariadb_parse(text, len, &back, err, sizeof err) != RC_OK ||
			     rc_gtid_mariadb_count(back) != rc_gtid_mariadb_count(pos)))
				abort();
			free(text);
			rc_gtid_mariadb_pos_free(back);
		}
		break;
	}
	rc_gtid_set_free(set);
	rc_gtid_mariadb_pos_free(pos);
	return 0;
}
