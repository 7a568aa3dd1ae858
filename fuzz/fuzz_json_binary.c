/*
 * libFuzzer target for decoders/mysql/binlog_json.c. The first byte picks the mode: even, the rest is
 * one binary JSON value for rc_json_binary_to_text; odd, an Int2 before-image length, the before
 * image, then a diff vector for rc_json_apply_diffs. Beyond no crash: a failure has a message and
 * leaves the output as it was, and a value that prints prints the same through the diff path's tree
 * (no diffs applied), so the streaming printer and the tree printer cannot drift apart.
 */
#include "config.h"

#include "agent/buf.h"
#include "agent/errors.h"
#include "decoders/mysql/binlog_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[RC_ERRSTR_LEN];
	rc_buf_t out, tree;

	if (size < 1)
		return 0;
	rc_buf_init(&out, 0);
	rc_buf_init(&tree, 0);
	rc_buf_putc(&out, '#'); /* an error must leave what was there */
	rc_buf_putc(&tree, '#');
	err[0] = 0;
	if (data[0] % 2 == 0) {
		const uint8_t *v = data + 1;
		size_t n = size - 1;
		int rc = rc_json_binary_to_text(v, n, &out, err, sizeof err);
		int rc2 = rc_json_apply_diffs(v, n, NULL, 0, &tree, err, sizeof err);
		if ((rc != 0) != (rc2 != 0) || (rc != 0 && (err[0] == 0 || out.len != 1 || tree.len != 1)))
			abort();
		if (rc == 0 && (out.len != tree.len || memcmp(out.data, tree.data, out.len) != 0))
			abort();
	} else if (size >= 3) {
		size_t blen = (size_t)data[1] | (size_t)data[2] << 8;
		if (blen > size - 3)
			blen = size - 3;
		const uint8_t *before = data + 3, *diff = before + blen;
		if (rc_json_apply_diffs(before, blen, diff, size - 3 - blen, &out, err, sizeof err) != 0 &&
		    (err[0] == 0 || out.len != 1))
			abort();
	}
	rc_buf_free(&out);
	rc_buf_free(&tree);
	return 0;
}
