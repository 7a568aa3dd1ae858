#include "config.h"

#include "agent/snapshot.h"

#include <stdlib.h>
#include <string.h>

void rc_snapshot_point_clear(rc_snapshot_point_t *pt)
{
	rc_pos_clear(&pt->pos);
	memset(pt, 0, sizeof *pt);
}

void rc_snapshot_report_clear(rc_snapshot_report_t *r)
{
	for (size_t i = 0; i < r->ntables; i++)
		free(r->tables[i].name);
	free(r->tables);
	memset(r, 0, sizeof *r);
}
