/*
 * An offline reader of a binlog file: the magic "\xfe" "bin", then events one after the other, each
 * decoded by rc_binlog_parse under the format of the last FORMAT_DESCRIPTION seen (checksums or
 * not). This is what `rowcast inspect binlog` and the fixture tests walk.
 */
#ifndef RC_BINLOG_FILE_H
#define RC_BINLOG_FILE_H

#include "decoders/mysql/binlog.h"

#include <stddef.h>
#include <stdint.h>

#define RC_BINLOG_MAGIC                                                                                      \
	"\xfe"                                                                                               \
	"bin"
#define RC_BINLOG_MAGIC_LEN 4
/* The largest event accepted: MySQL's max_allowed_packet ceiling (1 GiB). */
#define RC_BINLOG_EVENT_MAX ((size_t)1 << 30)

/*
 * Called for every decoded event: offset is its start in the file, raw its bytes (borrowed, as is
 * everything ev points to: valid during the call only). A TRANSACTION_PAYLOAD is called back first,
 * then each event inside it (ev->in_payload set, raw its uncompressed bytes), all at the payload
 * event's offset: an inner event has no file position of its own (binlog_payload.h). Returns 0 to go on;
 * anything else stops the walk and is returned by it.
 */
typedef int (*rc_binlog_file_cb)(const rc_binlog_event_t *ev, uint64_t offset, const uint8_t *raw, size_t len,
                                 void *opaque);

/*
 * Walks the binlog held in buf (len bytes, borrowed). Returns 0 after the last event, the callback's
 * nonzero return, or RC_ERR_FATAL with err naming the file offset: no magic, an event running past
 * the end, an event that does not decode (its message names type and position).
 */
int rc_binlog_file_walk_mem(const uint8_t *buf, size_t len, rc_binlog_file_cb cb, void *opaque, char *err,
                            size_t errlen);

/* The same over the file at path, read event by event (each at most RC_BINLOG_EVENT_MAX bytes). */
int rc_binlog_file_walk(const char *path, rc_binlog_file_cb cb, void *opaque, char *err, size_t errlen);

#endif
