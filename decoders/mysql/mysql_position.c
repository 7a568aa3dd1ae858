#include "config.h"

#include "decoders/mysql/mysql_position.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t rc_mysql_binlog_seq(const char *file, size_t len)
{
	size_t i = len;
	int64_t seq = 0;

	while (i > 0 && file[i - 1] >= '0' && file[i - 1] <= '9')
		i--;
	if (i == len || i == 0 || file[i - 1] != '.' || len - i > 9)
		return -1;
	for (; i < len; i++)
		seq = seq * 10 + (file[i] - '0');
	return seq;
}

int rc_mysql_pos_set(rc_pos_t *p, const char *file, uint64_t pos, uint64_t row, const char *gtids)
{
	size_t flen = strlen(file), glen = gtids ? strlen(gtids) : 0;
	int64_t seq = rc_mysql_binlog_seq(file, flen);
	rc_pos_blob_t *b;
	char *d;

	if (seq < 0 || pos > UINT32_MAX)
		return -1;
	if (!(b = rc_pos_blob_new(NULL, flen + 1 + glen)))
		return -1;
	d = b->data;
	memcpy(d, file, flen);
	d[flen] = '\n';
	if (glen)
		memcpy(d + flen + 1, gtids, glen);
	rc_pos_clear(p);
	p->set = true;
	p->order = (uint64_t)seq << 32 | pos;
	p->sub = row;
	p->blob = b;
	return 0;
}

const char *rc_mysql_pos_file(const rc_pos_t *p, size_t *len)
{
	const char *nl;

	if (!p->set || !p->blob) {
		*len = 0;
		return "";
	}
	nl = memchr(p->blob->data, '\n', p->blob->len);
	*len = nl ? (size_t)(nl - p->blob->data) : p->blob->len;
	return p->blob->data;
}

uint64_t rc_mysql_pos_offset(const rc_pos_t *p)
{
	return p->set ? p->order & 0xffffffffu : 0;
}

const char *rc_mysql_pos_gtids(const rc_pos_t *p)
{
	const char *nl;

	if (!p->set || !p->blob || !(nl = memchr(p->blob->data, '\n', p->blob->len)))
		return "";
	return nl + 1;
}

static void my_format(const rc_pos_t *p, char *buf, size_t len)
{
	size_t flen;
	const char *file = rc_mysql_pos_file(p, &flen), *gtids = rc_mysql_pos_gtids(p);
	int n = snprintf(buf, len, "%.*s:%llu", (int)flen, file, (unsigned long long)rc_mysql_pos_offset(p));

	if (p->sub && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " row %llu", (unsigned long long)p->sub);
	/* A GTID set can be long: a log line shows its start. */
	if (*gtids && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " gtids %.96s%s", gtids, strlen(gtids) > 96 ? "..." : "");
}

static int my_to_json(const rc_pos_t *p, json_t *obj)
{
	size_t flen;
	const char *file = rc_mysql_pos_file(p, &flen), *gtids = rc_mysql_pos_gtids(p);

	if (json_object_set_new(obj, "file", json_stringn(file, flen)) != 0 ||
	    json_object_set_new(obj, "pos", json_integer((json_int_t)rc_mysql_pos_offset(p))) != 0 ||
	    json_object_set_new(obj, "row", json_integer((json_int_t)p->sub)) != 0)
		return -1;
	if (*gtids && json_object_set_new(obj, "gtids", json_string(gtids)) != 0)
		return -1;
	return 0;
}

static int my_from_json(const json_t *obj, rc_pos_t *p, char *err, size_t errlen)
{
	const char *file = json_string_value(json_object_get(obj, "file"));
	const json_t *pos = json_object_get(obj, "pos"), *row = json_object_get(obj, "row");
	const json_t *gtids = json_object_get(obj, "gtids");

	if (!file || rc_mysql_binlog_seq(file, strlen(file)) < 0) {
		snprintf(err, errlen,
		         "\"file\" is missing or not a binlog file name like \"mysql-bin.000003\"");
		return -1;
	}
	if (!json_is_integer(pos) || json_integer_value(pos) < 4 || json_integer_value(pos) > UINT32_MAX) {
		snprintf(err, errlen, "\"pos\" is missing or not a binlog position (4 .. 4294967295)");
		return -1;
	}
	if (row && (!json_is_integer(row) || json_integer_value(row) < 0)) {
		snprintf(err, errlen, "\"row\" is not a row count");
		return -1;
	}
	if (gtids && !json_is_string(gtids)) {
		snprintf(err, errlen, "\"gtids\" is not a GTID set string");
		return -1;
	}
	if (rc_mysql_pos_set(p, file, (uint64_t)json_integer_value(pos),
	                     row ? (uint64_t)json_integer_value(row) : 0,
	                     gtids ? json_string_value(gtids) : NULL) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

const rc_pos_codec_t rc_mysql_pos_codec = {
    .name = "mysql",
    .format = my_format,
    .to_json = my_to_json,
    .from_json = my_from_json,
};
