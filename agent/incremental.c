/*
 * The engine's entry points for signals (agent/incremental.h): dispatch to the implementation's ops
 * (snapshot/incremental*.c), so that callers in agent/ never see snapshot/.
 */
#include "config.h"

#include "agent/incremental.h"

#include "agent/errors.h"

#include <stdio.h>

int rc_incremental_execute(rc_incremental_t *inc, const char *id, const char *const *tables, int ntables,
                           char *err, size_t errlen)
{
	if (!inc) {
		snprintf(err, errlen, "incremental snapshot %s: this source has no incremental snapshots",
		         id ? id : "");
		return RC_ERR_FATAL;
	}
	return inc->ops->execute(inc, id, tables, ntables, err, errlen);
}

int rc_incremental_stop(rc_incremental_t *inc, const char *id, const char *const *tables, int ntables)
{
	return inc ? inc->ops->stop(inc, id, tables, ntables) : RC_OK;
}

void rc_incremental_pause(rc_incremental_t *inc, bool pause)
{
	if (inc)
		inc->ops->pause(inc, pause);
}
