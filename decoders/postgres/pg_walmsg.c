/* Replication stream CopyData messages: XLogData and keepalive in, standby status update out. */
#include "config.h"

#include "decoders/postgres/pg_walmsg.h"

#include "agent/reader.h"

#include <stdio.h>
#include <time.h>

static uint8_t *store_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
	return p + 8;
}

const char *rc_walmsg_type_name(int type)
{
	switch (type) {
	case RC_WALMSG_XLOGDATA:
		return "XLogData";
	case RC_WALMSG_KEEPALIVE:
		return "keepalive";
	default:
		return "unknown";
	}
}

int rc_walmsg_parse(const uint8_t *buf, size_t len, rc_walmsg_t *out, char *err, size_t errlen)
{
	rc_reader_t rd;

	if (len == 0) {
		snprintf(err, errlen, "walmsg: empty CopyData message");
		return -1;
	}
	/* Both messages have a fixed layout, so the length is checked once per message (with the
	 * message's own words) and the reads after that check cannot fail. */
	rc_reader_init(&rd, buf, len);
	rc_reader_skip(&rd, 1); /* the type byte */
	switch (buf[0]) {
	case RC_WALMSG_XLOGDATA:
		if (len < RC_WALMSG_XLOGDATA_HDR_LEN) {
			snprintf(err, errlen, "walmsg XLogData: truncated header: %zu bytes, need %d", len,
			         RC_WALMSG_XLOGDATA_HDR_LEN);
			return -1;
		}
		out->type = RC_WALMSG_XLOGDATA;
		rc_reader_be_u64(&rd, &out->xlogdata.wal_start);
		rc_reader_be_u64(&rd, &out->xlogdata.wal_end);
		rc_reader_be_i64(&rd, &out->xlogdata.send_time);
		out->xlogdata.len = rc_reader_remaining(&rd);
		rc_reader_bytes(&rd, out->xlogdata.len, &out->xlogdata.data);
		return 0;
	case RC_WALMSG_KEEPALIVE:
		if (len != RC_WALMSG_KEEPALIVE_LEN) {
			snprintf(err, errlen, "walmsg keepalive: %zu bytes, expected %d", len,
			         RC_WALMSG_KEEPALIVE_LEN);
			return -1;
		}
		if (buf[17] > 1) {
			snprintf(err, errlen,
			         "walmsg keepalive: replyRequested is %u at offset 17, expected 0 or 1",
			         buf[17]);
			return -1;
		}
		out->type = RC_WALMSG_KEEPALIVE;
		rc_reader_be_u64(&rd, &out->keepalive.wal_end);
		rc_reader_be_i64(&rd, &out->keepalive.send_time);
		out->keepalive.reply_requested = buf[17] != 0;
		return 0;
	default:
		if (buf[0] >= 0x20 && buf[0] < 0x7f)
			snprintf(err, errlen, "walmsg: unknown message type '%c' (0x%02x) at offset 0",
			         buf[0], buf[0]);
		else
			snprintf(err, errlen, "walmsg: unknown message type 0x%02x at offset 0", buf[0]);
		return -1;
	}
}

int rc_walmsg_build_status(uint8_t *buf, size_t buflen, uint64_t write_lsn, uint64_t flush_lsn,
                           uint64_t apply_lsn, int64_t send_time, bool reply_requested)
{
	uint8_t *p = buf;

	if (buflen < RC_WALMSG_STATUS_LEN)
		return -1;
	*p++ = 'r';
	p = store_u64(p, write_lsn);
	p = store_u64(p, flush_lsn);
	p = store_u64(p, apply_lsn);
	p = store_u64(p, (uint64_t)send_time);
	*p = reply_requested ? 1 : 0;
	return RC_WALMSG_STATUS_LEN;
}

int64_t rc_walmsg_pg_to_unix_us(int64_t pg_us)
{
	if (pg_us > INT64_MAX - RC_WALMSG_EPOCH_DIFF_US)
		return INT64_MAX;
	if (pg_us == INT64_MIN)
		return INT64_MIN;
	return pg_us + RC_WALMSG_EPOCH_DIFF_US;
}

int64_t rc_walmsg_unix_to_pg_us(int64_t unix_us)
{
	if (unix_us < INT64_MIN + RC_WALMSG_EPOCH_DIFF_US)
		return INT64_MIN;
	if (unix_us == INT64_MAX)
		return INT64_MAX;
	return unix_us - RC_WALMSG_EPOCH_DIFF_US;
}

int64_t rc_walmsg_now_pg_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return rc_walmsg_unix_to_pg_us((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}
