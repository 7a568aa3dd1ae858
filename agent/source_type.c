#include "config.h"

#include "agent/source_type.h"

#include <string.h>

static const rc_source_type_t *registered;
static size_t nregistered;

void rc_source_types_set(const rc_source_type_t *types, size_t n)
{
	registered = types;
	nregistered = n;
}

const rc_source_type_t *rc_source_types(size_t *n)
{
	*n = nregistered;
	return registered;
}

const rc_source_type_t *rc_source_type_find(const char *name)
{
	for (size_t i = 0; name && i < nregistered; i++)
		if (strcmp(registered[i].name, name) == 0)
			return &registered[i];
	return NULL;
}

/* class is the full name, its last component, or that without the "Connector" suffix. */
static int class_matches(const char *full, const char *class)
{
	const char *simple = strrchr(full, '.');
	size_t n;

	simple = simple ? simple + 1 : full;
	if (strcmp(full, class) == 0 || strcmp(simple, class) == 0)
		return 1;
	n = strlen(simple) - (strlen(simple) > 9 ? 9 : 0); /* "Connector" */
	return strlen(class) == n && strncmp(simple, class, n) == 0;
}

const rc_source_type_t *rc_source_type_by_class(const char *connector_class)
{
	for (size_t i = 0; connector_class && i < nregistered; i++)
		if (class_matches(registered[i].connector_class, connector_class))
			return &registered[i];
	return NULL;
}
