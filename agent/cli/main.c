/*
 * rowcast's command line: parses options, builds the configuration, and dispatches to a subcommand.
 * This is the only file that decides the process's exit code (0 ok, 1 runtime failure, 2 usage or
 * configuration error).
 */
#include "config.h"

#include "agent/cli/commands.h"
#include "agent/cli/sources.h"
#include "agent/conf.h"
#include "agent/failpoint.h"
#include "agent/errors.h"
#include "agent/log.h"

#include <errno.h>
#include <getopt.h>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <mysql.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

extern char **environ;

#define MAX_TABLE_ARGS 256

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: rowcast [OPTIONS] COMMAND\n"
	        "\n"
	        "Change data capture: streams row changes from PostgreSQL or MySQL/MariaDB into Kafka as\n"
	        "Debezium-compatible Avro events.\n"
	        "\n"
	        "Commands:\n"
	        "  run               snapshot per snapshot.mode, then stream until SIGTERM/SIGINT\n"
	        "  snapshot          publish a consistent snapshot of the tables, then exit\n"
	        "  check             check the configuration and the source's prerequisites\n"
	        "  status            print the running instance's state, lag and counters (its http.port)\n"
	        "  config print      print the effective configuration (secrets masked)\n"
	        "  config list       list every property rowcast knows, with its default\n"
	        "  inspect binlog [--table DB.T] [--start-position N] [--stop-position N] FILE...\n"
	        "                    print the row changes of MySQL/MariaDB binlog files as JSON lines\n"
	        "                    (offline; -c only for the type modes)\n"
	        "\n"
	        "Options:\n"
	        "  -c, --config FILE     properties file or Kafka Connect connector JSON\n"
	        "                        (default: $ROWCAST_CONFIG if set)\n"
	        "  -s, --set KEY=VALUE   set a property; overrides environment and file\n"
	        "  -t, --table NAME      (snapshot) copy only this table; repeatable\n"
	        "      --incremental     (snapshot) ask the running rowcast of this configuration for an\n"
	        "                        incremental snapshot of the --table tables, through its first\n"
	        "                        signal channel (Debezium's execute-snapshot signal), and exit\n"
	        "      --stop            (snapshot --incremental) stop it instead (stop-snapshot)\n"
	        "      --healthz         (status) only ask /healthz: exit 0 if it answers 200, else 1\n"
	        "                        (a container HEALTHCHECK; prints nothing when healthy)\n"
	        "  -l, --log-level LVL   error, warn, info, debug or trace (same as log.level)\n"
	        "  -h, --help            show this help and exit\n"
	        "  -V, --version         show version and library versions and exit\n"
	        "\n"
	        "Every property can also be set as ROWCAST_<NAME>, upper-cased with '.' as '_'\n"
	        "(ROWCAST_DATABASE_HOSTNAME); any <name>.password can be given as <name>.password.file.\n"
	        "Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.\n");
}

static void version(void)
{
	printf("rowcast %s\n", PACKAGE_VERSION);
	printf("libpq %d, librdkafka %s, mariadb connector/c %s\n", PQlibVersion(), rd_kafka_version_str(),
	       mysql_get_client_info());
	if (rc_failpoints_compiled()) /* a test build: tests/integration/failpoints.sh looks for it */
		printf("failpoints: on\n");
}

/* Builds the configuration: file, then environment, then --set, then validation. On failure the
 * messages are printed (one per line) and NULL is returned. */
static rc_conf_t *build_conf(const char *path, char **sets, int nsets, const char *log_level)
{
	char err[8192] = "";
	rc_conf_t *conf = rc_conf_new();
	int rc = 0;

	if (!conf) {
		fprintf(stderr, "rowcast: out of memory\n");
		return NULL;
	}
	if (!path)
		path = getenv("ROWCAST_CONFIG");
	if (path && *path && rc_conf_load_file(conf, path, err, sizeof err) != 0)
		rc = -1;
	if (rc_conf_load_env(conf, environ, err, sizeof err) != 0)
		rc = -1;
	for (int i = 0; i < nsets; i++)
		if (rc_conf_set_arg(conf, sets[i], err, sizeof err) != 0)
			rc = -1;
	if (log_level &&
	    rc_conf_set(conf, "log.level", log_level, RC_CONF_CLI, "--log-level", err, sizeof err) != 0)
		rc = -1;
	if (rc == 0 && rc_conf_finalize(conf, err, sizeof err) != 0)
		rc = -1;
	if (rc != 0) {
		char *line, *save = NULL;
		for (line = strtok_r(err, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			rc_log_error("config", "%s", line);
		rc_conf_free(conf);
		return NULL;
	}
	return conf;
}

/* The index of the command word in argv: the first argument that is neither an option nor the value
 * of one (the global options come before the command, so `inspect` may have options of its own). */
static int command_index(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0)
			return i + 1 < argc ? i + 1 : -1;
		if (a[0] != '-' || !a[1])
			return i;
		if (strcmp(a, "-c") == 0 || strcmp(a, "-s") == 0 || strcmp(a, "-t") == 0 ||
		    strcmp(a, "-l") == 0 || strcmp(a, "--config") == 0 || strcmp(a, "--set") == 0 ||
		    strcmp(a, "--table") == 0 || strcmp(a, "--log-level") == 0)
			i++;
	}
	return -1;
}

/* `rowcast [-c FILE] inspect ...`: no configuration is needed; one given sets the type modes. */
static int run_inspect(int argc, char **argv, int cmd)
{
	static const struct option options[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"set", required_argument, NULL, 's'},
	    {"log-level", required_argument, NULL, 'l'},
	    {NULL, 0, NULL, 0},
	};
	char *sets[MAX_TABLE_ARGS];
	const char *config_path = NULL, *log_level = NULL;
	const rc_source_type_t *type;
	int opt, nsets = 0, rc;
	char err[8192] = "";
	rc_conf_t *conf;

	while ((opt = getopt_long(cmd, argv, "c:s:l:", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 's':
			if (nsets >= MAX_TABLE_ARGS)
				return 2;
			sets[nsets++] = optarg;
			break;
		case 'l':
			log_level = optarg;
			break;
		default:
			fprintf(stderr,
			        "rowcast: inspect takes only --config, --set and --log-level before it\n");
			return 2;
		}
	}
	/* The file, the environment and --set, but not rc_conf_finalize: inspect needs no server or
	 * sink, so a file with only the type modes (or a connector's whole configuration) will do; the
	 * modes are checked where they are read (rc_mysql_modes_from_conf). */
	if (!(conf = rc_conf_new())) {
		fprintf(stderr, "rowcast: out of memory\n");
		return 2;
	}
	rc = 0;
	if (config_path && rc_conf_load_file(conf, config_path, err, sizeof err) != 0)
		rc = -1;
	if (rc_conf_load_env(conf, environ, err, sizeof err) != 0)
		rc = -1;
	for (int i = 0; i < nsets; i++)
		if (rc_conf_set_arg(conf, sets[i], err, sizeof err) != 0)
			rc = -1;
	(void)log_level;
	if (rc != 0) {
		fprintf(stderr, "rowcast: %s\n", err);
		rc_conf_free(conf);
		return 2;
	}
	type = rc_conf_get(conf, "source.type") ? rc_source_type_of(conf) : rc_source_type_find("mysql");
	if (!type || !type->inspect) {
		fprintf(stderr, "rowcast: source.type %s has no files to inspect\n",
		        rc_conf_get(conf, "source.type"));
		rc_conf_free(conf);
		return 2;
	}
	rc = type->inspect(conf, argc - cmd - 1, argv + cmd + 1);
	rc_conf_free(conf);
	return rc;
}

/* Applies log.level, log.format and log.file once the configuration is known. Returns 0, or -1
 * (reported) when log.file cannot be opened. */
static int setup_logging(const rc_conf_t *conf)
{
	rc_log_level_t level = RC_LOG_INFO;
	rc_log_format_t format = RC_LOG_FORMAT_TEXT;
	const char *file = rc_conf_get(conf, "log.file");
	char err[RC_ERRSTR_LEN];

	rc_log_level_parse(rc_conf_get(conf, "log.level"), &level);
	rc_log_format_parse(rc_conf_get(conf, "log.format"), &format);
	rc_log_setup(level, format);
	if (file && *file && rc_log_open_file(file, err, sizeof err) != 0) {
		fprintf(stderr, "rowcast: %s\n", err);
		return -1;
	}
	return 0;
}

/* No core file unless process.core.dumps=true (security review F-11): the process holds the
 * database, Kafka and registry secrets for its whole run, and a core would write them to disk
 * (systemd-coredump, ulimit -c). Only the soft limit: the hard one stays for a later opt-in. */
static void limit_core_dumps(const rc_conf_t *conf)
{
	struct rlimit rl;

	if (rc_conf_get_bool(conf, "process.core.dumps", false) || getrlimit(RLIMIT_CORE, &rl) != 0 ||
	    rl.rlim_cur == 0)
		return;
	rl.rlim_cur = 0;
	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		rc_log_warn("main", "cannot turn core dumps off: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"config", required_argument, NULL, 'c'}, {"set", required_argument, NULL, 's'},
	    {"table", required_argument, NULL, 't'},  {"log-level", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
	    {"healthz", no_argument, NULL, 'H'},      {"incremental", no_argument, NULL, 'I'},
	    {"stop", no_argument, NULL, 'S'},         {NULL, 0, NULL, 0},
	};
	char *sets[MAX_TABLE_ARGS], *tables[MAX_TABLE_ARGS];
	int nsets = 0, ntables = 0, opt, rc;
	bool healthz = false, incremental = false, stop = false;
	const char *config_path = NULL, *log_level = NULL, *command;
	rc_log_level_t probe;
	rc_conf_t *conf;

	char fp_err[512];

	rc_sources_register(); /* the configuration resolves source types through the table */
	/* Before any thread: the points run on several (agent/failpoint.h). */
	if (rc_failpoint_init(fp_err, sizeof fp_err) != 0) {
		fprintf(stderr, "rowcast: %s\n", fp_err);
		return 2;
	}
	/* Environment log settings apply to configuration errors too, before the config is built. */
	if (getenv("ROWCAST_LOG_FORMAT") && strcmp(getenv("ROWCAST_LOG_FORMAT"), "json") == 0)
		rc_log_setup(RC_LOG_INFO, RC_LOG_FORMAT_JSON);

	if ((opt = command_index(argc, argv)) > 0 && strcmp(argv[opt], "inspect") == 0)
		return run_inspect(argc, argv, opt);
	while ((opt = getopt_long(argc, argv, "c:s:t:l:hV", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 's':
		case 't':
			if ((opt == 's' ? nsets : ntables) >= MAX_TABLE_ARGS) {
				fprintf(stderr, "rowcast: too many --%s options (at most %d)\n",
				        opt == 's' ? "set" : "table", MAX_TABLE_ARGS);
				return 2;
			}
			if (opt == 's')
				sets[nsets++] = optarg;
			else
				tables[ntables++] = optarg;
			break;
		case 'l':
			if (rc_log_level_parse(optarg, &probe) != 0) {
				fprintf(
				    stderr,
				    "rowcast: --log-level '%s' is not one of error, warn, info, debug, trace\n",
				    optarg);
				return 2;
			}
			log_level = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			version();
			return 0;
		case 'H':
			healthz = true;
			break;
		case 'I':
			incremental = true;
			break;
		case 'S':
			stop = true;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "rowcast: missing command\n\n");
		usage(stderr);
		return 2;
	}
	command = argv[optind++];

	if (strcmp(command, "config") == 0 && optind < argc && strcmp(argv[optind], "list") == 0)
		return rc_cmd_config_list(stdout);
	if (strcmp(command, "config") == 0 && optind < argc && strcmp(argv[optind], "man") == 0)
		return rc_cmd_config_man(stdout);
	if (strcmp(command, "run") != 0 && strcmp(command, "snapshot") != 0 &&
	    strcmp(command, "check") != 0 && strcmp(command, "config") != 0 &&
	    strcmp(command, "status") != 0) {
		fprintf(stderr,
		        "rowcast: unknown command '%s' (expected run, snapshot, check, status or config)\n",
		        command);
		return 2;
	}
	if (strcmp(command, "config") == 0 && (optind >= argc || strcmp(argv[optind], "print") != 0)) {
		fprintf(stderr, "rowcast: expected 'config print' or 'config list'\n");
		return 2;
	}
	if (strcmp(command, "config") != 0 && optind < argc) {
		fprintf(stderr, "rowcast: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (ntables > 0 && strcmp(command, "snapshot") != 0) {
		fprintf(stderr, "rowcast: --table is only for the snapshot command\n");
		return 2;
	}

	if ((incremental || stop) && strcmp(command, "snapshot") != 0) {
		fprintf(stderr, "rowcast: --incremental and --stop are only for the snapshot command\n");
		return 2;
	}
	if (stop && !incremental) {
		fprintf(stderr, "rowcast: --stop stops an incremental snapshot: give --incremental too\n");
		return 2;
	}

	if (healthz && strcmp(command, "status") != 0) {
		fprintf(stderr, "rowcast: --healthz is only for the status command\n");
		return 2;
	}

	conf = build_conf(config_path, sets, nsets, log_level);
	if (!conf)
		return 2;
	if (setup_logging(conf) != 0) {
		rc_conf_free(conf);
		return 2;
	}
	limit_core_dumps(conf);

	if (strcmp(command, "config") == 0) {
		rc_conf_print(conf, stdout);
		rc = 0;
	} else if (strcmp(command, "status") == 0) {
		rc = healthz ? rc_cmd_status_healthz(conf) : rc_cmd_status(conf);
	} else if (strcmp(command, "check") == 0) {
		rc = rc_cmd_check(conf, stdout);
	} else if (strcmp(command, "run") == 0) {
		rc = rc_cmd_run(conf);
	} else if (incremental) {
		rc = rc_cmd_signal_snapshot(conf, (const char *const *)tables, ntables, stop);
	} else {
		rc = rc_cmd_snapshot(conf, (const char *const *)tables, ntables);
	}
	rc_conf_free(conf);
	return rc;
}
