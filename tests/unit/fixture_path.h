/* Where the unit tests find their fixtures: tests/fixtures/<folder>/<name><ext>, under $top_srcdir
 * (make check, in any build folder), else beside this source tree (a test run by hand). */
#ifndef RC_TEST_FIXTURE_PATH_H
#define RC_TEST_FIXTURE_PATH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Returns the path, malloc'd (caller frees); aborts when out of memory. */
static inline char *rc_test_fixture_path(const char *folder, const char *name, const char *ext)
{
	const char *top = getenv("top_srcdir");
	const char *slash = strrchr(__FILE__, '/'); /* this header is in tests/unit/ */
	int dirlen = slash ? (int)(slash - __FILE__) : 1;
	size_t n = (top ? strlen(top) : (size_t)dirlen) + strlen(folder) + strlen(name) + strlen(ext) + 64;
	char *path = malloc(n);

	if (!path)
		abort();
	if (top && *top)
		snprintf(path, n, "%s/tests/fixtures/%s/%s%s", top, folder, name, ext);
	else
		snprintf(path, n, "%.*s/../fixtures/%s/%s%s", dirlen, slash ? __FILE__ : ".", folder, name,
		         ext);
	return path;
}

#endif
