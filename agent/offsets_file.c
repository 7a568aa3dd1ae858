/*
 * The file offset store (offset.storage.file.filename): one small JSON document, the offset record
 * of agent/offset_record.h. Version 1 files (rowcast 0.1) are read and rewritten as version 2 at the
 * next write.
 *
 * Writes are atomic and durable: a temporary file "<path>.tmp" created with O_EXCL|O_NOFOLLOW (mode
 * 0600) beside the target, written, fsynced, renamed over the target, then the folder fsynced. The
 * process holds an exclusive flock on "<path>.lock" (which holds its pid) for its whole life, so two
 * rowcasts never write one file; a temporary file found at open is a dead writer's and is removed.
 */
#include "config.h"

#include "agent/offset_record.h"
#include "agent/offset_store.h"

#include "agent/errors.h"
#include "agent/log.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE_BYTES (16u << 20) /* a GTID set of many servers is still far below this */

typedef struct file_store {
	rc_offset_store_t base;
	char *path, *tmp, *lock_path;
	int lock_fd;
	rc_offset_t current; /* what the file holds (the process is its only writer) */
	bool found;
} file_store_t;

/* The file's name in messages, and the ways out of a refusal. */
static int parse_record(file_store_t *fs, const char *text, size_t len, char *err, size_t errlen)
{
	char subject[PATH_MAX + 32];
	rc_offset_where_t w = {
	    .subject = subject,
	    .fix_mine = "set offset.storage.file.filename to a file of this one's",
	    .fix_over = "set offset.storage.file.filename to a file of this connector's, or remove the "
	                "file to start over with a snapshot",
	};

	snprintf(subject, sizeof subject, "offset file '%s'", fs->path);
	return rc_offset_record_parse(text, len, &fs->base.ident, fs->base.codec, &w, &fs->current, err,
	                              errlen);
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
	char *text = rc_offset_record_render(&fs->base.ident, fs->base.codec, o, RC_OFFSET_RECORD_PRETTY),
	     *dir = NULL;
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
