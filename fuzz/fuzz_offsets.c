/*
 * libFuzzer target for the file offset store (agent/offsets_file.c, its record codec agent/offset_record.c):
 * the input is an offset file's content, opened for a PostgreSQL connector (shop, slot s1). Whatever it
 * holds, opening either succeeds with a record that round-trips through a write, or fails with a message
 * naming the file; never a crash, a leak or "nothing recorded" for a file that exists.
 */
#include "config.h"

#include "agent/errors.h"
#include "agent/offset_store.h"
#include "decoders/postgres/pg_position.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

/* The folder and the lock file the store leaves go when the process does. */
static void remove_dir(void)
{
	char lock[128];

	snprintf(lock, sizeof lock, "%s/offsets.json.lock", dir);
	unlink(lock);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128], err[RC_ERRSTR_LEN] = "";
	rc_offset_ident_t id = {.source = "postgres", .prefix = "shop", .host = "db1:5432"};
	rc_offset_store_t *os = NULL;
	rc_offset_t rec = {0};
	bool found = false;
	FILE *f;
	int rc;

	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/rowcast-fuzz-offsets-XXXXXX");
		if (!mkdtemp(dir))
			abort();
		atexit(remove_dir);
	}
	snprintf(path, sizeof path, "%s/offsets.json", dir);
	f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	rc_offset_ident_add(&id, "database", "shop");
	rc_offset_ident_add(&id, "slot", "s1");
	rc = rc_offsets_file_open(path, &id, &rc_pg_pos_codec, &os, err, sizeof err);
	if (rc != RC_OK) {
		if (!os && strstr(err, path) == NULL && strstr(err, "out of memory") == NULL)
			abort(); /* every refusal names the file */
	} else {
		if (os->ops->load(os, &rec, &found, err, sizeof err) != RC_OK || !found)
			abort(); /* the file exists: something is recorded */
		if (os->ops->store(os, &rec, err, sizeof err) != RC_OK)
			abort();
		rc_offset_clear(&rec);
		os->ops->free(os);
	}
	unlink(path);
	return 0;
}
