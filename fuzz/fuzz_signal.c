/*
 * libFuzzer target for agent/signal.c: the first byte picks the form (0: a Kafka record's value or
 * a rowcast.signal message, {"id", "type", "data"}; 1: the signal table's columns, the input split at
 * its first two NUL bytes into id, type and data). A parsed signal must be well formed (id and type
 * set, its kind's fields consistent) and its data-collections must expand against themselves; a
 * refusal must name the signal.
 */
#include "config.h"

#include "agent/signal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const rc_signal_t *sig)
{
	char **names = NULL, err[1024];
	int n = 0;

	if (!sig->id || !*sig->id || !sig->type || !sig->channel)
		abort();
	if (sig->kind == RC_SIGNAL_EXECUTE_SNAPSHOT && sig->ncollections == 0)
		abort();
	if (sig->kind == RC_SIGNAL_LOG && !sig->message)
		abort();
	/* every entry compiled at parse time, so it compiles again and matches itself */
	if (rc_signal_expand((const char *const *)sig->collections, sig->ncollections,
	                     (const char *const *)sig->collections, sig->ncollections, &names, &n, err,
	                     sizeof err) != 0)
		abort();
	if (n > sig->ncollections)
		abort();
	rc_signal_free_names(names, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024], *copy;
	rc_signal_t sig;
	int rc;

	if (size < 1 || !(copy = malloc(size + 1)))
		return 0;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	err[0] = '\0';
	if (data[0] % 2 == 0) {
		rc = rc_signal_parse_json(&sig, "kafka", "7", true, copy, size - 1, err, sizeof err);
	} else {
		const char *id = copy,
		           *type = id + strlen(id) + 1 <= copy + size - 1 ? id + strlen(id) + 1 : "";
		const char *body =
		    *type && type + strlen(type) + 1 <= copy + size - 1 ? type + strlen(type) + 1 : NULL;
		rc = rc_signal_parse(&sig, "source", id, type, body, err, sizeof err);
	}
	if (rc == 0) {
		check(&sig);
		rc_signal_clear(&sig);
	} else if (strncmp(err, "signal '", 8) != 0) {
		abort(); /* every refusal names the signal */
	}
	free(copy);
	return 0;
}
