#include "config.h"

#include "agent/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SECRETS 16
#define LINE_MAX_BYTES 8192

static rc_log_level_t log_level = RC_LOG_INFO;
static rc_log_format_t log_format = RC_LOG_FORMAT_TEXT;
static int log_fd = STDERR_FILENO;
static char *log_path; /* log.file, owned; NULL: stderr */
static volatile sig_atomic_t reopen_requested;
static pthread_mutex_t reopen_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;
static char *secrets[MAX_SECRETS];
static int nsecrets;

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};

void rc_log_setup(rc_log_level_t level, rc_log_format_t format)
{
	log_level = level;
	log_format = format;
}

int rc_log_level_parse(const char *s, rc_log_level_t *out)
{
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (rc_log_level_t)i;
			return 0;
		}
	}
	return -1;
}

int rc_log_format_parse(const char *s, rc_log_format_t *out)
{
	if (strcmp(s, "text") == 0)
		*out = RC_LOG_FORMAT_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = RC_LOG_FORMAT_JSON;
	else
		return -1;
	return 0;
}

void rc_log_add_secret(const char *secret)
{
	/* Very short secrets would mask ordinary words; they are still never logged on purpose. */
	if (!secret || strlen(secret) < 3)
		return;
	pthread_mutex_lock(&secrets_lock);
	if (nsecrets < MAX_SECRETS) {
		char *copy = strdup(secret);
		if (copy)
			secrets[nsecrets++] = copy;
	}
	pthread_mutex_unlock(&secrets_lock);
}

static int open_log(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

int rc_log_open_file(const char *path, char *err, size_t errlen)
{
	int fd = open_log(path);
	char *copy;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open log.file '%s': %s", path, strerror(errno));
		return -1;
	}
	if (!(copy = strdup(path))) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	free(log_path);
	log_path = copy;
	log_fd = fd;
	return 0;
}

void rc_log_request_reopen(void)
{
	reopen_requested = 1;
}

/* Called before each write: after SIGHUP the file is opened again under its name (logrotate moved
 * the old one away), and put in place of the old descriptor with dup2, so that a thread writing at
 * the same moment writes to one file or the other, never to a closed descriptor. */
static void reopen_if_requested(void)
{
	int fd, e = 0;

	if (!reopen_requested)
		return;
	pthread_mutex_lock(&reopen_lock);
	if (reopen_requested && log_path) {
		reopen_requested = 0;
		fd = open_log(log_path);
		if (fd < 0) {
			e = errno;
		} else {
			if (dup3(fd, log_fd, O_CLOEXEC) < 0)
				e = errno;
			close(fd);
		}
	}
	reopen_requested = 0;
	pthread_mutex_unlock(&reopen_lock);
	if (e) /* still writing to the old file: say so there */
		rc_log(RC_LOG_ERROR, "log", "cannot reopen log.file '%s' after SIGHUP: %s", log_path,
		       strerror(e));
}

bool rc_log_enabled(rc_log_level_t level)
{
	return level <= log_level;
}

/* Replaces every registered secret in msg (in place, NUL-terminated) by "***". */
static void mask_secrets(char *msg)
{
	pthread_mutex_lock(&secrets_lock);
	for (int i = 0; i < nsecrets; i++) {
		size_t slen = strlen(secrets[i]);
		char *hit;
		while ((hit = strstr(msg, secrets[i])) != NULL) {
			memcpy(hit, "***", 3);
			memmove(hit + 3, hit + slen, strlen(hit + slen) + 1);
		}
	}
	pthread_mutex_unlock(&secrets_lock);
}

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when the bytes there are not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80             ? 1
	           : (s[0] & 0xE0) == 0xC0 ? 2
	           : (s[0] & 0xF0) == 0xE0 ? 3
	           : (s[0] & 0xF8) == 0xF0 ? 4
	                                   : 0;

	if (n == 2 && s[0] < 0xC2)
		return 0; /* overlong */
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/* Appends s to out as the inside of a JSON string, stopping before cap - 1 (out stays
 * NUL-terminated). Bytes that are not UTF-8 (a table name in another encoding) become U+FFFD, so
 * that the line is always JSON. Returns the new length. */
static size_t json_escape(char *out, size_t len, size_t cap, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s && len + 7 < cap) {
		unsigned char c = *s;
		size_t n;

		if (c == '"' || c == '\\') {
			out[len++] = '\\';
			out[len++] = (char)c;
		} else if (c == '\n') {
			out[len++] = '\\';
			out[len++] = 'n';
		} else if (c == '\t') {
			out[len++] = '\\';
			out[len++] = 't';
		} else if (c < 0x20 || c == 0x7f) {
			len += (size_t)snprintf(out + len, cap - len, "\\u%04x", c);
		} else if ((n = utf8_len(s)) == 0) {
			len += (size_t)snprintf(out + len, cap - len, "\\ufffd");
		} else {
			memcpy(out + len, s, n);
			len += n;
			s += n;
			continue;
		}
		s++;
	}
	out[len] = '\0';
	return len;
}

/* Appends s to out for a text-format line, stopping before cap - 1 (out stays NUL-terminated):
 * control characters are escaped ("\n", "\r", "\x1b") so that one record stays one line and a table
 * name or a server's error text cannot forge lines or terminal sequences; trailing line ends (libpq
 * ends its messages with one) are dropped. Returns the new length. */
static size_t text_escape(char *out, size_t len, size_t cap, const char *str)
{
	size_t n = strlen(str);

	while (n > 0 && (str[n - 1] == '\n' || str[n - 1] == '\r'))
		n--;
	for (size_t i = 0; i < n && len + 5 < cap; i++) {
		unsigned char c = (unsigned char)str[i];

		if (c == '\n' || c == '\r') {
			out[len++] = '\\';
			out[len++] = c == '\n' ? 'n' : 'r';
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			len += (size_t)snprintf(out + len, cap - len, "\\x%02x", c);
		} else {
			out[len++] = (char)c;
		}
	}
	out[len] = '\0';
	return len;
}

/* Appends ,"key":"value" when value is set. tail bytes stay free for what follows. */
static size_t json_field(char *out, size_t len, size_t cap, const char *key, const char *value)
{
	if (!value || len + strlen(key) + 8 >= cap)
		return len;
	len += (size_t)snprintf(out + len, cap - len, ",\"%s\":\"", key);
	len = json_escape(out, len, cap - 2, value);
	out[len++] = '"';
	out[len] = '\0';
	return len;
}

/* Writes the line out, whole: one write per line keeps lines whole across threads (O_APPEND keeps
 * them whole across processes sharing the file). A failed log write has nowhere to go. */
static void write_line(const char *line, size_t len)
{
	ssize_t rc;

	reopen_if_requested();
	rc = write(log_fd, line, len);
	(void)rc;
}

__attribute__((format(printf, 4, 0))) static void log_v(rc_log_level_t level, const char *component,
                                                        const rc_log_fields_t *f, const char *fmt, va_list ap)
{
	char msg[LINE_MAX_BYTES], fields[3][LINE_MAX_BYTES / 4];
	char line[LINE_MAX_BYTES + 256];
	char ts[40];
	struct timespec now;
	struct tm tm;
	size_t len;

	vsnprintf(msg, sizeof msg, fmt, ap);
	mask_secrets(msg);

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	len = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + len, sizeof ts - len, ".%03ldZ", now.tv_nsec / 1000000);

	if (log_format == RC_LOG_FORMAT_JSON) {
		const char *const keys[3] = {"table", "position", "error"};
		const char *vals[3] = {f ? f->table : NULL, f ? f->position : NULL, f ? f->error : NULL};
		size_t cap = sizeof line - 3; /* room for "}\n" whatever the fields hold */

		len = (size_t)snprintf(line, sizeof line, "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":\"",
		                       ts, level_names[level]);
		len = json_escape(line, len, cap, component ? component : "");
		len += (size_t)snprintf(line + len, sizeof line - len, "\"");
		for (int i = 0; i < 3; i++) {
			if (!vals[i])
				continue;
			snprintf(fields[i], sizeof fields[i], "%s", vals[i]); /* secrets masked there too */
			mask_secrets(fields[i]);
			len = json_field(line, len, cap - 512, keys[i], fields[i]); /* msg keeps room */
		}
		len = json_field(line, len, cap, "msg", msg);
		len += (size_t)snprintf(line + len, sizeof line - len, "}\n");
	} else {
		len = (size_t)snprintf(line, sizeof line, "%s %-5s %s: ", ts, level_names[level],
		                       component ? component : "");
		len = text_escape(line, len, sizeof line - 1, msg);
		line[len++] = '\n';
		line[len] = '\0';
	}
	write_line(line, len);
}

void rc_log(rc_log_level_t level, const char *component, const char *fmt, ...)
{
	va_list ap;

	if (!rc_log_enabled(level))
		return;
	va_start(ap, fmt);
	log_v(level, component, NULL, fmt, ap);
	va_end(ap);
}

void rc_log_kv(rc_log_level_t level, const char *component, const rc_log_fields_t *fields, const char *fmt,
               ...)
{
	va_list ap;

	if (!rc_log_enabled(level))
		return;
	va_start(ap, fmt);
	log_v(level, component, fields, fmt, ap);
	va_end(ap);
}
