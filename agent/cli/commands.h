/*
 * The subcommands. Each returns the process exit code: 0 ok, 1 runtime failure, 2 configuration error.
 * conf is borrowed and already validated.
 */
#ifndef RC_COMMANDS_H
#define RC_COMMANDS_H

#include "agent/conf.h"

#include <stdio.h>

int rc_cmd_run(const rc_conf_t *conf);
int rc_cmd_snapshot(const rc_conf_t *conf, const char *const *tables, int ntables);
int rc_cmd_check(const rc_conf_t *conf, FILE *out);
int rc_cmd_config_list(FILE *out);

#endif
