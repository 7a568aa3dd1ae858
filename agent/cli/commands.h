/*
 * The subcommands. Each returns the process exit code: 0 ok, 1 runtime failure, 2 configuration error.
 * conf is borrowed and already validated.
 */
#ifndef RC_COMMANDS_H
#define RC_COMMANDS_H

#include "agent/conf.h"

#include <stdbool.h>
#include <stdio.h>

int rc_cmd_run(const rc_conf_t *conf);
int rc_cmd_snapshot(const rc_conf_t *conf, const char *const *tables, int ntables);
/* `rowcast snapshot --incremental [--stop]`: sends the signal to the running instance (cmd_signal.c). */
int rc_cmd_signal_snapshot(const rc_conf_t *conf, const char *const *tables, int ntables, bool stop);
/* The signal channels' part of `rowcast check` (cmd_signal.c): the signal table exists with its
 * three columns, what each enabled channel reads. */
struct rc_check_report;
void rc_signal_check(const rc_conf_t *conf, struct rc_check_report *rep);
int rc_cmd_check(const rc_conf_t *conf, FILE *out);
int rc_cmd_config_list(FILE *out);

/* `rowcast config man` (not in the usage: for the build): the manual page rowcast(1), in roff. */
int rc_cmd_config_man(FILE *out);
/* `rowcast status`: the running instance's /metrics and /readyz (its http.port) for people. */
int rc_cmd_status(const rc_conf_t *conf);
/* `rowcast status --healthz`: 0 when the instance's /healthz answers 200, else 1 (a probe). */
int rc_cmd_status_healthz(const rc_conf_t *conf);

/* `rowcast inspect binlog [options] FILE...` (argv[0] is "binlog"): MySQL/MariaDB binlog files
 * decoded offline, one JSON line per row change (cmd_inspect.c has the format). conf gives the type
 * modes; it may be an empty, unfinalized configuration (the defaults). The source table's inspect. */
int rc_cmd_inspect(const rc_conf_t *conf, int argc, char **argv);

#endif
