/*
 * Fuzz target for agent/conf.c: the Java-properties parser and the Kafka Connect connector JSON
 * loader, then validation (fuzz/README.md builds it).
 *
 * Input: a config file's content, as rowcast -c reads it (rc_conf_load_buffer: JSON when the first
 * non-blank byte is '{', properties otherwise). The same bytes are also parsed as properties text
 * whatever their first byte, and every line of them is given as a --set argument and as a ROWCAST_
 * environment entry. Each configuration is then finalized and printed. Beyond "no crash, no
 * sanitizer report", the target checks that every failure leaves a message.
 *
 * A <name>.file variant would make finalize read the file it names (/dev/stdin would block the run):
 * the target points every such variant at a path that does not exist before finalizing.
 */
#include "config.h"

#include "agent/cli/sources.h"
#include "agent/conf.h"
#include "agent/log.h"
#include "agent/properties.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect_message(int rc, const char *err)
{
	if (rc != 0 && !err[0])
		abort();
}

/* Redirects <name>.file variants to a missing file, finalizes, prints, reads a few values typed. */
static void finish(rc_conf_t *conf)
{
	char err[8192] = "", *out = NULL;
	size_t n, outlen = 0;
	const rc_prop_def_t *all = rc_prop_all(&n);
	FILE *mem;

	for (size_t i = 0; i < n; i++) {
		char variant[300];

		if (!(all[i].flags & RC_PROP_FILE_VARIANT))
			continue;
		snprintf(variant, sizeof variant, "%s.file", all[i].name);
		if (rc_conf_get(conf, variant) && rc_conf_set(conf, variant, "/nonexistent/rowcast-fuzz",
		                                              RC_CONF_CLI, "fuzz", err, sizeof err) != 0)
			abort();
	}
	expect_message(rc_conf_finalize(conf, err, sizeof err), err);
	mem = open_memstream(&out, &outlen);
	if (!mem)
		abort();
	rc_conf_print(conf, mem);
	fclose(mem);
	free(out);
	(void)rc_conf_get_int(conf, "database.port", 0);
	(void)rc_conf_get_bool(conf, "tombstones.on.delete", false);
}

/* "database.hostname = db" as the environment entry "ROWCAST_DATABASE_HOSTNAME=db" (malloc'd). */
static char *env_entry(const char *line)
{
	size_t klen = strcspn(line, "=");
	const char *value = line[klen] ? line + klen + 1 : "";
	char *e, *p;

	while (klen > 0 && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
		klen--;
	while (*line == ' ' || *line == '\t') {
		line++;
		klen = klen ? klen - 1 : 0;
	}
	while (*value == ' ' || *value == '\t')
		value++;
	if (asprintf(&e, "ROWCAST_%.*s=%s", (int)klen, line, value) < 0)
		abort();
	for (p = e + 8; p < e + 8 + klen; p++)
		*p = *p == '.' || *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rc_sources_register(); /* connector.class resolves through the table */
	static int ready;
	char err[8192] = "", *text, *line, *next, *lines[MAX_LINES], *envp[MAX_LINES + 1];
	size_t nlines = 0;
	rc_conf_t *conf;

	if (!ready) {
		rc_log_setup(RC_LOG_ERROR, RC_LOG_FORMAT_TEXT); /* no warning per ignored key */
		ready = 1;
	}

	/* As a config file. */
	conf = rc_conf_new();
	if (!conf)
		abort();
	expect_message(rc_conf_load_buffer(conf, (const char *)data, size, "fuzz.conf", err, sizeof err),
	               err);
	finish(conf);
	rc_conf_free(conf);

	if (memchr(data, '\0', size))
		return 0; /* the text paths below take NUL-terminated strings */
	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	/* As properties text, whatever the first byte. */
	conf = rc_conf_new();
	err[0] = '\0';
	expect_message(rc_conf_load_properties(conf, text, "fuzz.properties", err, sizeof err), err);
	finish(conf);
	rc_conf_free(conf);

	/* Line by line as --set arguments, and as ROWCAST_ variables. */
	for (line = text; line && nlines < MAX_LINES; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lines[nlines++] = line;
	}
	conf = rc_conf_new();
	for (size_t i = 0; i < nlines; i++) {
		err[0] = '\0';
		expect_message(rc_conf_set_arg(conf, lines[i], err, sizeof err), err);
	}
	finish(conf);
	rc_conf_free(conf);

	for (size_t i = 0; i < nlines; i++)
		envp[i] = env_entry(lines[i]);
	envp[nlines] = NULL;
	conf = rc_conf_new();
	err[0] = '\0';
	expect_message(rc_conf_load_env(conf, envp, err, sizeof err), err);
	finish(conf);
	rc_conf_free(conf);
	for (size_t i = 0; i < nlines; i++)
		free(envp[i]);
	free(text);
	return 0;
}
