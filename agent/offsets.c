#include "config.h"

#include "agent/offsets.h"

#include "decoders/postgres/pg_lsn.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void copy_field(json_t *root, const char *key, char *dst, size_t len)
{
	const char *v = json_string_value(json_object_get(root, key));
	snprintf(dst, len, "%s", v ? v : "");
}

int rc_offsets_load(const char *path, rc_offset_t *out, bool *found, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *snap;

	*found = false;
	memset(out, 0, sizeof *out);
	if (access(path, F_OK) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "offset file '%s': %s", path, strerror(errno));
		return -1;
	}
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		snprintf(err, errlen, "offset file '%s' line %d: %s", path, jerr.line, jerr.text);
		return -1;
	}
	copy_field(root, "source", out->source, sizeof out->source);
	copy_field(root, "slot", out->slot, sizeof out->slot);
	copy_field(root, "database", out->database, sizeof out->database);
	if (strcmp(out->source, "postgres") == 0 &&
	    rc_lsn_parse(json_string_value(json_object_get(root, "lsn")), &out->lsn) != 0) {
		snprintf(err, errlen, "offset file '%s': \"lsn\" is missing or not an LSN like \"0/16B3748\"",
		         path);
		json_decref(root);
		return -1;
	}
	snap = json_object_get(root, "snapshot");
	if (snap && !(json_is_string(snap) && strcmp(json_string_value(snap), "running") == 0)) {
		snprintf(err, errlen,
		         "offset file '%s': \"snapshot\" is not \"running\" (the only value written)", path);
		json_decref(root);
		return -1;
	}
	if (snap) {
		json_int_t n = json_integer_value(json_object_get(root, "snapshot_tables"));
		out->snapshot = RC_OFFSET_SNAPSHOT_RUNNING;
		out->snapshot_tables = n > 0 && n < UINT32_MAX ? (uint32_t)n : 0;
	}
	json_decref(root);
	*found = true;
	return 0;
}

int rc_offsets_store(const char *path, const rc_offset_t *o, char *err, size_t errlen)
{
	char tmp[4096], lsn[RC_LSN_BUFLEN], now[32], dir[4096];
	time_t t = time(NULL);
	struct tm tm;
	json_t *root;
	char *text = NULL;
	int fd = -1, rc = -1;
	size_t len;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		snprintf(err, errlen, "offset file path too long: %s", path);
		return -1;
	}
	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	root = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s}", "version", 1, "source", o->source, "slot", o->slot,
	                 "database", o->database, "lsn", rc_lsn_format(o->lsn, lsn), "updated_at", now);
	if (root && o->snapshot == RC_OFFSET_SNAPSHOT_RUNNING &&
	    (json_object_set_new(root, "snapshot", json_string("running")) != 0 ||
	     json_object_set_new(root, "snapshot_tables", json_integer(o->snapshot_tables)) != 0)) {
		json_decref(root);
		root = NULL;
	}
	text = root ? json_dumps(root, JSON_PRESERVE_ORDER | JSON_INDENT(2)) : NULL;
	json_decref(root);
	if (!text) {
		snprintf(err, errlen, "offset file '%s': out of memory", path);
		return -1;
	}
	len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write offset file '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(err, errlen, "cannot write offset file '%s': %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		goto out;
	}
	/* The rename is durable only once the folder is synced. */
	snprintf(dir, sizeof dir, "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		fsync(fd);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(text);
	return rc;
}
