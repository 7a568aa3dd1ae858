/*
 * The file offset store (offset.storage.file.filename): one small JSON document,
 *
 *   {"version": 2, "source": "postgres", "topic.prefix": "shop",
 *    "identity": {"database": "shop", "slot": "rowcast"}, "host": "db1:5432",
 *    "position": {"lsn": "0/16B3748"},            (absent while a snapshot runs)
 *    "snapshot": "running", "snapshot_tables": 3, (only while a snapshot runs)
 *    "updated_at": "2026-12-01T10:00:00Z"}
 *
 * "position" holds what the source's codec writes. Version 1 files (rowcast 0.1: "slot", "database"
 * and "lsn" at the top, PostgreSQL only) are read and rewritten as version 2 at the next write.
 *
 * Writes are atomic and durable: a temporary file "<path>.tmp" created with O_EXCL|O_NOFOLLOW (mode
 * 0600) beside the target, written, fsynced, renamed over the target, then the folder fsynced. The
 * process holds an exclusive flock on "<path>.lock" (which holds its pid) for its whole life, so two
 * rowcasts never write one file; a temporary file found at open is a dead writer's and is removed.
 */
#include "config.h"

#include "agent/offset_store.h"

#include "agent/errors.h"
#include "agent/log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FILE_VERSION 2
#define MAX_FILE_BYTES (16u << 20) /* a GTID set of many servers is still far below this */

typedef struct file_store {
	rc_offset_store_t base;
	char *path, *tmp, *lock_path;
	int lock_fd;
	rc_offset_t current; /* what the file holds (the process is its only writer) */
	bool found;
} file_store_t;

void rc_offset_ident_add(rc_offset_ident_t *ident, const char *key, const char *value)
{
	if (ident->nfields >= RC_OFFSET_IDENT_FIELDS)
		return;
	snprintf(ident->fields[ident->nfields].key, sizeof ident->fields[0].key, "%s", key);
	snprintf(ident->fields[ident->nfields].value, sizeof ident->fields[0].value, "%s",
	         value ? value : "");
	ident->nfields++;
}

void rc_offset_copy(rc_offset_t *dst, const rc_offset_t *src)
{
	rc_pos_t pos = RC_POS_NONE;

	rc_pos_copy(&pos, &src->pos);
	rc_pos_clear(&dst->pos);
	*dst = *src;
	dst->pos = pos;
}

void rc_offset_clear(rc_offset_t *o)
{
	rc_pos_clear(&o->pos);
	memset(o, 0, sizeof *o);
}

static const char *ident_value(const rc_offset_ident_t *id, const char *key)
{
	for (int i = 0; i < id->nfields; i++)
		if (strcmp(id->fields[i].key, key) == 0)
			return id->fields[i].value;
	return NULL;
}

/* "database=shop, slot=rowcast" */
static void ident_text(const rc_offset_ident_t *id, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < id->nfields && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", i ? ", " : "", id->fields[i].key,
		                      id->fields[i].value);
}

/* The record in the file must be this connector's. A changed host alone is only worth a warning. */
static int check_ident(const file_store_t *fs, const rc_offset_ident_t *rec, char *err, size_t errlen)
{
	const rc_offset_ident_t *me = &fs->base.ident;
	char a[1200], b[1200];

	if (strcmp(rec->source, me->source) != 0) {
		snprintf(
		    err, errlen,
		    "offset file '%s' was written for source.type=%s, not %s: it belongs to another connector (set offset.storage.file.filename to a file of this one's)",
		    fs->path, rec->source, me->source);
		return RC_ERR_REFUSED;
	}
	if (rec->prefix[0] && strcmp(rec->prefix, me->prefix) != 0) {
		snprintf(
		    err, errlen,
		    "offset file '%s' was written for topic.prefix=%s, not %s: it belongs to another connector (set offset.storage.file.filename to a file of this one's)",
		    fs->path, rec->prefix, me->prefix);
		return RC_ERR_REFUSED;
	}
	for (int i = 0; i < me->nfields; i++) {
		const char *v = ident_value(rec, me->fields[i].key);
		if (v && strcmp(v, me->fields[i].value) == 0)
			continue;
		ident_text(rec, a, sizeof a);
		ident_text(me, b, sizeof b);
		snprintf(
		    err, errlen,
		    "offset file '%s' was written for %s, and this connector is %s: its position means nothing here (set offset.storage.file.filename to a file of this connector's, or remove the file to start over with a snapshot)",
		    fs->path, a[0] ? a : "no source identity", b);
		return RC_ERR_REFUSED;
	}
	if (rec->host[0] && me->host[0] && strcmp(rec->host, me->host) != 0)
		rc_log_warn(
		    "offsets",
		    "offset file '%s' was written while connected to %s, now %s: same source identity, so the position is used (a DNS change or a failover); the source checks it",
		    fs->path, rec->host, me->host);
	return RC_OK;
}

static const char *str_field(const json_t *root, const char *key)
{
	return json_string_value(json_object_get(root, key));
}

/* Parses the document text into fs->current. */
static int parse_record(file_store_t *fs, const char *text, size_t len, char *err, size_t errlen)
{
	rc_offset_t *o = &fs->current;
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr), *snap, *pos, *id;
	json_int_t version;
	const char *src, *k;
	json_t *v;
	char why[512];
	int rc = RC_ERR_FATAL;

	rc_offset_clear(o);
	if (!root) {
		/* jansson's text names the problem ("end of file expected", "premature end of input"),
		 * not the content: offset files hold no secrets anyway. */
		snprintf(err, errlen, "offset file '%s' is damaged (line %d, column %d: %s)", fs->path,
		         jerr.line, jerr.column, jerr.text);
		return RC_ERR_FATAL;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "offset file '%s' is not a JSON object", fs->path);
		goto out;
	}
	version = json_integer_value(json_object_get(root, "version"));
	src = str_field(root, "source");
	if (version != 1 && version != FILE_VERSION) {
		snprintf(err, errlen, "offset file '%s': \"version\" is %lld; this rowcast reads 1 and %d",
		         fs->path, (long long)version, FILE_VERSION);
		goto out;
	}
	if (!src || !*src) {
		snprintf(err, errlen, "offset file '%s' has no \"source\"", fs->path);
		goto out;
	}
	snprintf(o->ident.source, sizeof o->ident.source, "%s", src);
	if (version == 1) {
		/* rowcast 0.1: PostgreSQL only, the identity and the LSN at the top. */
		const char *lsn = str_field(root, "lsn");
		if (strcmp(src, "postgres") != 0) {
			snprintf(
			    err, errlen,
			    "offset file '%s' (version 1) is for source \"%s\": version 1 files hold only PostgreSQL positions",
			    fs->path, src);
			goto out;
		}
		rc_offset_ident_add(&o->ident, "database", str_field(root, "database"));
		rc_offset_ident_add(&o->ident, "slot", str_field(root, "slot"));
		pos = json_pack("{s:s?}", "lsn", lsn);
		if (!pos || !lsn) {
			json_decref(pos);
			snprintf(err, errlen, "offset file '%s': \"lsn\" is missing", fs->path);
			goto out;
		}
		if (strcmp(lsn, "0/0") != 0 && strcmp(src, fs->base.ident.source) == 0 &&
		    fs->base.codec->from_json(pos, &o->pos, why, sizeof why) != 0) {
			json_decref(pos);
			snprintf(err, errlen, "offset file '%s': %s", fs->path, why);
			goto out;
		}
		json_decref(pos);
	} else {
		snprintf(o->ident.prefix, sizeof o->ident.prefix, "%s",
		         str_field(root, "topic.prefix") ? str_field(root, "topic.prefix") : "");
		snprintf(o->ident.host, sizeof o->ident.host, "%s",
		         str_field(root, "host") ? str_field(root, "host") : "");
		id = json_object_get(root, "identity");
		if (!json_is_object(id)) {
			snprintf(err, errlen, "offset file '%s' has no \"identity\" object", fs->path);
			goto out;
		}
		json_object_foreach(id, k, v) rc_offset_ident_add(&o->ident, k, json_string_value(v));
		pos = json_object_get(root, "position");
		/* Positions are read only with the codec of their own source type; another type is
		 * refused by check_ident below, naming both. */
		if (pos && strcmp(src, fs->base.ident.source) == 0 &&
		    fs->base.codec->from_json(pos, &o->pos, why, sizeof why) != 0) {
			snprintf(err, errlen, "offset file '%s': \"position\": %s", fs->path, why);
			goto out;
		}
	}
	snap = json_object_get(root, "snapshot");
	if (snap && !(json_is_string(snap) && strcmp(json_string_value(snap), "running") == 0)) {
		snprintf(err, errlen,
		         "offset file '%s': \"snapshot\" is not \"running\" (the only value written)",
		         fs->path);
		goto out;
	}
	if (snap) {
		json_int_t n = json_integer_value(json_object_get(root, "snapshot_tables"));
		o->snapshot = RC_OFFSET_SNAPSHOT_RUNNING;
		o->snapshot_tables = n > 0 && n < UINT32_MAX ? (uint32_t)n : 0;
	}
	rc = check_ident(fs, &o->ident, err, errlen);
	if (rc == RC_OK && !o->pos.set && o->snapshot != RC_OFFSET_SNAPSHOT_RUNNING) {
		snprintf(err, errlen,
		         "offset file '%s' has no \"position\" and no snapshot in progress: it is damaged",
		         fs->path);
		rc = RC_ERR_FATAL;
	}
out:
	if (rc != RC_OK)
		rc_offset_clear(o);
	json_decref(root);
	return rc;
}

/* Reads the file into fs->current when it exists. */
static int read_file(file_store_t *fs, char *err, size_t errlen)
{
	struct stat st;
	char *text = NULL;
	size_t got = 0;
	int fd, rc = RC_ERR_FATAL;

	fs->found = false;
	fd = open(fs->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return RC_OK;
		snprintf(err, errlen, "cannot open offset file '%s': %s", fs->path, strerror(errno));
		return RC_ERR_FATAL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "offset file '%s' is not a regular file", fs->path);
		goto out;
	}
	if (st.st_size == 0) {
		snprintf(
		    err, errlen,
		    "offset file '%s' is empty: rowcast never leaves one so (it renames a complete file into place); restore it from a backup, or remove it to start over with a snapshot",
		    fs->path);
		goto out;
	}
	if ((uint64_t)st.st_size > MAX_FILE_BYTES) {
		snprintf(err, errlen, "offset file '%s' is %lld bytes: not an offset file (at most %u)",
		         fs->path, (long long)st.st_size, MAX_FILE_BYTES);
		goto out;
	}
	text = malloc((size_t)st.st_size);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "cannot read offset file '%s': %s", fs->path,
			         n < 0 ? strerror(errno) : "shorter than its size");
			goto out;
		}
		got += (size_t)n;
	}
	rc = parse_record(fs, text, got, err, errlen);
	fs->found = rc == RC_OK;
out:
	free(text);
	close(fd);
	return rc;
}

static int fs_load(rc_offset_store_t *os, rc_offset_t *out, bool *found, char *err, size_t errlen)
{
	file_store_t *fs = (file_store_t *)os;

	(void)err;
	(void)errlen;
	*found = fs->found;
	rc_offset_clear(out);
	if (fs->found)
		rc_offset_copy(out, &fs->current);
	return RC_OK;
}

/* The document for o, as this connector's. Caller frees with free(). */
static char *render(file_store_t *fs, const rc_offset_t *o)
{
	const rc_offset_ident_t *me = &fs->base.ident;
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	json_t *root = json_object(), *id = json_object(), *pos = NULL;
	char *text = NULL;
	int bad = !root || !id;

	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	bad = bad || json_object_set_new(root, "version", json_integer(FILE_VERSION)) ||
	      json_object_set_new(root, "source", json_string(me->source)) ||
	      json_object_set_new(root, "topic.prefix", json_string(me->prefix));
	for (int i = 0; !bad && i < me->nfields; i++)
		bad = json_object_set_new(id, me->fields[i].key, json_string(me->fields[i].value));
	bad = bad || json_object_set(root, "identity", id);
	if (!bad && me->host[0])
		bad = json_object_set_new(root, "host", json_string(me->host));
	if (!bad && o->pos.set) {
		pos = json_object();
		bad = !pos || fs->base.codec->to_json(&o->pos, pos) != 0 ||
		      json_object_set(root, "position", pos);
	}
	if (!bad && o->snapshot == RC_OFFSET_SNAPSHOT_RUNNING)
		bad = json_object_set_new(root, "snapshot", json_string("running")) ||
		      json_object_set_new(root, "snapshot_tables", json_integer(o->snapshot_tables));
	bad = bad || json_object_set_new(root, "updated_at", json_string(now));
	if (!bad)
		text = json_dumps(root, JSON_PRESERVE_ORDER | JSON_INDENT(2));
	json_decref(pos);
	json_decref(id);
	json_decref(root);
	return text;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fs_store(rc_offset_store_t *os, const rc_offset_t *o, char *err, size_t errlen)
{
	file_store_t *fs = (file_store_t *)os;
	char *text = render(fs, o), *dir = NULL;
	int fd = -1, rc = RC_ERR_FATAL;

	if (!text) {
		snprintf(err, errlen, "offset file '%s': out of memory", fs->path);
		return RC_ERR_FATAL;
	}
	/* O_EXCL: the lock makes this process the only writer, so a file already there was planted (or
	 * is a link someone hopes rowcast writes through). */
	fd = open(fs->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create '%s' for the offset file: %s", fs->tmp, strerror(errno));
		goto out;
	}
	if (write_all(fd, text, strlen(text)) != 0 || write_all(fd, "\n", 1) != 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", fs->tmp, strerror(errno));
		goto out_unlink;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(err, errlen, "cannot write '%s': %s", fs->tmp, strerror(errno));
		goto out_unlink;
	}
	fd = -1;
	if (rename(fs->tmp, fs->path) != 0) {
		snprintf(err, errlen, "cannot rename '%s' to '%s': %s", fs->tmp, fs->path, strerror(errno));
		goto out_unlink;
	}
	/* The rename is durable only once the folder is synced. */
	dir = strdup(fs->path);
	fd = dir ? open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (fd < 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot sync the folder of offset file '%s': %s", fs->path,
		         strerror(errno));
		goto out;
	}
	rc_offset_copy(&fs->current, o);
	fs->current.ident = fs->base.ident;
	fs->found = true;
	rc = RC_OK;
	goto out;
out_unlink:
	unlink(fs->tmp);
out:
	if (fd >= 0)
		close(fd);
	free(dir);
	free(text);
	return rc;
}

static void fs_free(rc_offset_store_t *os)
{
	file_store_t *fs = (file_store_t *)os;

	if (!fs)
		return;
	if (fs->lock_fd >= 0)
		close(fs->lock_fd); /* releases the flock; the lock file stays (removing it would race) */
	rc_offset_clear(&fs->current);
	free(fs->path);
	free(fs->tmp);
	free(fs->lock_path);
	free(fs);
}

static const rc_offset_store_ops_t file_ops = {
    .name = "file",
    .load = fs_load,
    .store = fs_store,
    .free = fs_free,
};

/* Takes the process-long lock, or names the process holding it. */
static int take_lock(file_store_t *fs, char *err, size_t errlen)
{
	char pid[32] = "";
	ssize_t n;

	fs->lock_fd = open(fs->lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fs->lock_fd < 0) {
		snprintf(err, errlen, "cannot open '%s' (the offset file's lock): %s", fs->lock_path,
		         strerror(errno));
		return RC_ERR_FATAL;
	}
	if (flock(fs->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK) {
			snprintf(err, errlen, "cannot lock '%s': %s", fs->lock_path, strerror(errno));
			return RC_ERR_FATAL;
		}
		n = pread(fs->lock_fd, pid, sizeof pid - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(
		    err, errlen,
		    "offset file '%s' is in use by another rowcast (pid %s): one process per offset file",
		    fs->path, pid[0] ? pid : "unknown");
		return RC_ERR_REFUSED;
	}
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fs->lock_fd, 0) != 0 || pwrite(fs->lock_fd, pid, (size_t)n, 0) != n)
		rc_log_warn("offsets", "cannot write the pid into '%s': %s", fs->lock_path, strerror(errno));
	return RC_OK;
}

int rc_offsets_file_open(const char *path, const rc_offset_ident_t *ident, const rc_pos_codec_t *codec,
                         rc_offset_store_t **out, char *err, size_t errlen)
{
	file_store_t *fs = calloc(1, sizeof *fs);
	int rc;

	*out = NULL;
	if (!fs || asprintf(&fs->tmp, "%s.tmp", path) < 0 || asprintf(&fs->lock_path, "%s.lock", path) < 0 ||
	    !(fs->path = strdup(path))) {
		if (fs)
			fs->lock_fd = -1;
		fs_free(fs ? &fs->base : NULL);
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	fs->base.ops = &file_ops;
	fs->base.codec = codec;
	fs->base.ident = *ident;
	fs->lock_fd = -1;
	rc = take_lock(fs, err, errlen);
	if (rc == RC_OK && unlink(fs->tmp) == 0)
		rc_log_warn("offsets", "removed '%s', left by a writer that stopped halfway", fs->tmp);
	if (rc == RC_OK)
		rc = read_file(fs, err, errlen);
	if (rc != RC_OK) {
		fs_free(&fs->base);
		return rc;
	}
	*out = &fs->base;
	return RC_OK;
}
