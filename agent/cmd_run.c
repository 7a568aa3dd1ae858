#include "config.h"

#include "agent/commands.h"
#include "agent/log.h"

/* Streaming and snapshots are wired per source as they land; until then the command says so
 * plainly and exits 2, so scripts never mistake it for a run that did nothing. */
static int not_available(const rc_conf_t *conf, const char *what)
{
	rc_log_error("agent", "%s is not available for source.type=%s yet", what, rc_conf_get(conf, "source.type"));
	return 2;
}

int rc_cmd_run(const rc_conf_t *conf)
{
	return not_available(conf, "run");
}

int rc_cmd_snapshot(const rc_conf_t *conf, const char *const *tables, int ntables)
{
	(void)tables;
	(void)ntables;
	return not_available(conf, "snapshot");
}
