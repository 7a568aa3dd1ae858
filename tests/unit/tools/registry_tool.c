/*
 * Command-line front of sinks/registry.c and sinks/avro_schema.c for tests/integration/registry.sh.
 *
 *   registry_tool schema v1|v2|v3|key PREFIX    prints a schema of table public.items (v1: id int key,
 *                                              name text; v2: v1 + qty int; v3: name becomes int)
 *   registry_tool register URL SUBJECT FILE     registers FILE's schema, prints the id
 *   registry_tool register2 URL SUBJECT FILE    registers it twice with one client, prints
 *                                              "ID ID REQUESTS" (the second comes from the cache)
 *   registry_tool get URL ID                    prints the schema with that id
 *   registry_tool check URL                     prints the `rowcast check` lines of the registry
 *
 * REGISTRY_USER_INFO=user:password sets basic authentication. Exit codes: 0 ok, 1 error, 2 usage,
 * 3 schema refused by the registry, 4 registry unavailable.
 */
#include "config.h"

#include "agent/check_report.h"
#include "agent/conf.h"
#include "sinks/avro_schema.h"
#include "sinks/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
	fprintf(stderr, "usage: registry_tool schema v1|v2|v3|key PREFIX | register URL SUBJECT FILE |\n"
	                "       register2 URL SUBJECT FILE | get URL ID | check URL\n");
	return 2;
}

static int exit_code(int rc)
{
	return rc == RC_ERR_REFUSED ? 3 : rc == RC_ERR_RETRY ? 4 : 1;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		text = calloc(1, (size_t)len + 1);
		if (text && fread(text, 1, (size_t)len, f) != (size_t)len) {
			free(text);
			text = NULL;
		}
	}
	fclose(f);
	return text;
}

static int print_schema(const char *variant, const char *prefix)
{
	bool v2 = strcmp(variant, "v2") == 0, v3 = strcmp(variant, "v3") == 0;
	rc_avro_opts_t opts = {prefix, "postgresql", false, false};
	rc_table_t *t = rc_table_new("public", "items", "items", v2 ? 3 : 2);
	char err[1024], *json;
	int rc;

	if (!t || rc_column_set_names(&t->cols[0], "id", "int4") != 0 ||
	    rc_column_set_names(&t->cols[1], "name", v3 ? "int4" : "text") != 0 ||
	    (v2 && rc_column_set_names(&t->cols[2], "qty", "int4") != 0)) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	t->cols[0].type = RC_T_INT32;
	t->cols[0].key = true;
	t->cols[1].type = v3 ? RC_T_INT32 : RC_T_STRING;
	t->cols[1].optional = true; /* nullable columns: an added one keeps BACKWARD compatibility */
	if (v2) {
		t->cols[2].type = RC_T_INT32;
		t->cols[2].optional = true;
	}
	rc_table_count_keys(t);
	if (strcmp(variant, "key") == 0)
		rc = rc_avro_key_schema(t, &opts, &json, err, sizeof err);
	else if (strcmp(variant, "v1") == 0 || v2 || v3)
		rc = rc_avro_value_schema(t, &opts, &json, err, sizeof err);
	else {
		rc_table_release(t);
		return usage();
	}
	rc_table_release(t);
	if (rc != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("%s\n", json);
	free(json);
	return 0;
}

int main(int argc, char **argv)
{
	const char *user_info = getenv("REGISTRY_USER_INFO");
	char err[2048];
	rc_registry_t *reg;
	int rc = 0, code = 0;

	if (argc == 4 && strcmp(argv[1], "schema") == 0)
		return print_schema(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "check") == 0) {
		rc_conf_t *conf = rc_conf_new();
		rc_check_report_t rep = {stdout, 0, 0};
		if (!conf ||
		    rc_conf_set(conf, "schema.registry.url", argv[2], RC_CONF_CLI, "argv", err, sizeof err) !=
		        0 ||
		    (user_info && rc_conf_set(conf, "basic.auth.user.info", user_info, RC_CONF_CLI, "env",
		                              err, sizeof err) != 0)) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		rc_registry_check(conf, &rep);
		rc_conf_free(conf);
		return rep.failures ? 1 : 0;
	}
	if (argc < 4)
		return usage();
	reg = rc_registry_new(argv[2], user_info, err, sizeof err);
	if (!reg) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (argc == 5 && (strcmp(argv[1], "register") == 0 || strcmp(argv[1], "register2") == 0)) {
		char *schema = read_file(argv[4]);
		int32_t id = -1, id2 = -1;
		if (!schema) {
			fprintf(stderr, "cannot read %s\n", argv[4]);
			code = 1;
		} else {
			rc = rc_registry_register(reg, argv[3], schema, &id, err, sizeof err);
			if (rc == 0 && argv[1][8] == '2')
				rc = rc_registry_register(reg, argv[3], schema, &id2, err, sizeof err);
			if (rc != 0) {
				fprintf(stderr, "%s\n", err);
				code = exit_code(rc);
			} else if (argv[1][8] == '2') {
				printf("%d %d %lu\n", (int)id, (int)id2, rc_registry_requests(reg));
			} else {
				printf("%d\n", (int)id);
			}
		}
		free(schema);
	} else if (argc == 4 && strcmp(argv[1], "get") == 0) {
		char *schema;
		rc = rc_registry_get_schema(reg, (int32_t)atoi(argv[3]), &schema, err, sizeof err);
		if (rc != 0) {
			fprintf(stderr, "%s\n", err);
			code = exit_code(rc);
		} else {
			printf("%s\n", schema);
			free(schema);
		}
	} else {
		code = usage();
	}
	rc_registry_free(reg);
	return code;
}
