#include "config.h"

#include "agent/log.h"

#include <pthread.h>
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

/* Appends s to out as the inside of a JSON string. Returns the new length (capped at cap - 1). */
static size_t json_escape(char *out, size_t len, size_t cap, const char *s)
{
	for (; *s && len + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[len++] = '\\';
			out[len++] = (char)c;
		} else if (c == '\n') {
			out[len++] = '\\';
			out[len++] = 'n';
		} else if (c == '\t') {
			out[len++] = '\\';
			out[len++] = 't';
		} else if (c < 0x20) {
			len += (size_t)snprintf(out + len, cap - len, "\\u%04x", c);
		} else {
			out[len++] = (char)c;
		}
	}
	out[len] = '\0';
	return len;
}

void rc_log(rc_log_level_t level, const char *component, const char *fmt, ...)
{
	char msg[LINE_MAX_BYTES];
	char line[LINE_MAX_BYTES + 256];
	char ts[40];
	struct timespec now;
	struct tm tm;
	va_list ap;
	size_t len;

	if (!rc_log_enabled(level))
		return;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	mask_secrets(msg);

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	len = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + len, sizeof ts - len, ".%03ldZ", now.tv_nsec / 1000000);

	if (log_format == RC_LOG_FORMAT_JSON) {
		len = (size_t)snprintf(line, sizeof line, "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":\"",
		                       ts, level_names[level]);
		len = json_escape(line, len, sizeof line, component);
		len += (size_t)snprintf(line + len, sizeof line - len, "\",\"msg\":\"");
		len = json_escape(line, len, sizeof line, msg);
		len += (size_t)snprintf(line + len, sizeof line - len, "\"}\n");
	} else {
		len = (size_t)snprintf(line, sizeof line, "%s %-5s %s: %s\n", ts, level_names[level],
		                       component, msg);
	}
	if (len >= sizeof line) {
		len = sizeof line - 1;
		line[len - 1] = '\n';
	}
	/* One write per line keeps lines whole across threads; a failed log write has nowhere to go. */
	ssize_t rc = write(STDERR_FILENO, line, len);
	(void)rc;
}
