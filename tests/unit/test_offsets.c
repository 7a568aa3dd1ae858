/* The offset record codec every store shares, and the file offset store: written atomically and privately,
 * read back exactly, locked for one process, and refusing (naming both sides) what another connector wrote or
 * what is damaged. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/errors.h"
#include "agent/offset_record.h"
#include "agent/offset_store.h"
#include "decoders/postgres/pg_position.h"
#include "sinks/offsets_kafka.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/rowcast-offsets-XXXXXX";

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void pg_ident(rc_offset_ident_t *id, const char *db, const char *slot)
{
	memset(id, 0, sizeof *id);
	snprintf(id->source, sizeof id->source, "postgres");
	snprintf(id->prefix, sizeof id->prefix, "shop");
	snprintf(id->host, sizeof id->host, "db1:5432");
	rc_offset_ident_add(id, "database", db);
	rc_offset_ident_add(id, "slot", slot);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Opens path for the shop/s1 connector; returns the code, *os set on success. */
static int open_store(const char *path, rc_offset_store_t **os, char *err, size_t errlen)
{
	rc_offset_ident_t id;

	pg_ident(&id, "shop", "s1");
	return rc_offsets_file_open(path, &id, &rc_pg_pos_codec, os, err, errlen);
}

static const rc_offset_where_t test_where = {
    .subject = "offset topic 'o', key k",
    .fix_mine = "MINE",
    .fix_over = "OVER",
};

/* The shared record codec, without a file: one line when asked (a Kafka record value), read back
 * exactly, and every refusal names the store's subject, both sides and the store's way out. */
static void test_record_codec(void **state)
{
	char err[RC_ERRSTR_LEN], *text;
	rc_offset_ident_t me, other;
	rc_offset_t o = {.pos = rc_pg_pos(0x16B3748ULL)}, back = {0};
	json_t *root;
	(void)state;
	pg_ident(&me, "shop", "s1");
	text = rc_offset_record_render(&me, &rc_pg_pos_codec, &o, 0);
	assert_non_null(text);
	assert_null(strchr(text, '\n'));
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	assert_int_equal(json_integer_value(json_object_get(root, "version")), RC_OFFSET_RECORD_VERSION);
	assert_string_equal(json_string_value(json_object_get(root, "source")), "postgres");
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "identity"), "slot")),
	                    "s1");
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "position"), "lsn")),
	                    "0/16B3748");
	json_decref(root);
	assert_int_equal(rc_offset_record_parse(text, strlen(text), &me, &rc_pg_pos_codec, &test_where, &back,
	                                        err, sizeof err),
	                 RC_OK);
	assert_true(back.pos.set && back.pos.order == 0x16B3748ULL);
	assert_string_equal(back.ident.prefix, "shop");
	assert_string_equal(back.ident.host, "db1:5432");
	rc_offset_clear(&back);

	/* Another slot: refused, naming the subject, both identities and the way out. */
	pg_ident(&other, "shop", "s2");
	assert_int_equal(rc_offset_record_parse(text, strlen(text), &other, &rc_pg_pos_codec, &test_where,
	                                        &back, err, sizeof err),
	                 RC_ERR_REFUSED);
	assert_non_null(strstr(err, "offset topic 'o', key k was written for database=shop, slot=s1"));
	assert_non_null(strstr(err, "this connector is database=shop, slot=s2"));
	assert_non_null(strstr(err, "(OVER)"));
	assert_false(back.pos.set);
	/* Another source type: refused before its position is read with the wrong codec. */
	snprintf(other.source, sizeof other.source, "mariadb");
	assert_int_equal(rc_offset_record_parse(text, strlen(text), &other, &rc_pg_pos_codec, &test_where,
	                                        &back, err, sizeof err),
	                 RC_ERR_REFUSED);
	assert_non_null(strstr(err, "source.type=postgres, not mariadb"));
	assert_non_null(strstr(err, "(MINE)"));
	/* The check alone, as a store uses it before it trusts a record. */
	pg_ident(&other, "shop", "s1");
	snprintf(other.prefix, sizeof other.prefix, "billing");
	assert_int_equal(rc_offset_record_check(&me, &other, &test_where, err, sizeof err), RC_ERR_REFUSED);
	assert_non_null(strstr(err, "topic.prefix=shop, not billing"));
	assert_int_equal(rc_offset_record_check(&me, &me, &test_where, err, sizeof err), RC_OK);
	free(text);

	/* A running snapshot has no position; the pretty form is the file's. */
	o.snapshot = RC_OFFSET_SNAPSHOT_RUNNING;
	o.snapshot_tables = 3;
	rc_pos_clear(&o.pos);
	text = rc_offset_record_render(&me, &rc_pg_pos_codec, &o, RC_OFFSET_RECORD_PRETTY);
	assert_non_null(strchr(text, '\n'));
	assert_null(strstr(text, "position"));
	assert_int_equal(rc_offset_record_parse(text, strlen(text), &me, &rc_pg_pos_codec, &test_where, &back,
	                                        err, sizeof err),
	                 RC_OK);
	assert_int_equal(back.snapshot, RC_OFFSET_SNAPSHOT_RUNNING);
	assert_int_equal(back.snapshot_tables, 3);
	free(text);

	/* Damage of every kind is an error naming the subject, never "nothing recorded". */
	{
		static const char *const bad[] = {
		    "",
		    "{\"version\": 2, \"source\": \"postgres\"",
		    "[1]",
		    "{\"lsn\": \"0/1\", \"txId\": 5}", /* Kafka Connect's Debezium offset, not rowcast's */
		    "{\"version\": 3, \"source\": \"postgres\"}",
		    ("{\"version\": 2, \"source\": \"postgres\", \"topic.prefix\": \"shop\", \"identity\": "
		     "{\"database\": \"shop\", \"slot\": \"s1\"}}"),
		};
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			assert_int_equal(rc_offset_record_parse(bad[i], strlen(bad[i]), &me, &rc_pg_pos_codec,
			                                        &test_where, &back, err, sizeof err),
			                 RC_ERR_FATAL);
			assert_non_null(strstr(err, "offset topic 'o', key k"));
			assert_false(back.pos.set);
		}
	}
}

/* The Kafka store's record key: Kafka Connect's form, JSON-escaped, the same for the same prefix. */
static void test_kafka_key(void **state)
{
	char *k = rc_offsets_kafka_key("shop");
	(void)state;
	assert_string_equal(k, "[\"shop\",{\"server\":\"shop\"}]");
	free(k);
	k = rc_offsets_kafka_key("a\"b\\c");
	assert_string_equal(k, "[\"a\\\"b\\\\c\",{\"server\":\"a\\\"b\\\\c\"}]");
	free(k);
}

static void test_round_trip(void **state)
{
	char path[256], tmp[300], err[RC_ERRSTR_LEN];
	rc_offset_store_t *os;
	rc_offset_t o = {.pos = rc_pg_pos(0x16B374D848ULL)}, back = {0};
	bool found;
	struct stat st;
	(void)state;
	path_of(path, sizeof path, "a.json");
	assert_int_equal(open_store(path, &os, err, sizeof err), RC_OK);
	assert_int_equal(os->ops->load(os, &back, &found, err, sizeof err), RC_OK);
	assert_false(found);
	assert_int_equal(os->ops->store(os, &o, err, sizeof err), RC_OK);
	os->ops->free(os);

	/* A new process reads what the last wrote. */
	assert_int_equal(open_store(path, &os, err, sizeof err), RC_OK);
	assert_int_equal(os->ops->load(os, &back, &found, err, sizeof err), RC_OK);
	assert_true(found);
	assert_true(back.pos.set);
	assert_true(back.pos.order == 0x16B374D848ULL);
	assert_string_equal(back.ident.prefix, "shop");
	assert_int_equal(back.snapshot, RC_OFFSET_SNAPSHOT_NONE);
	rc_offset_clear(&back);
	os->ops->free(os);
	/* Private, and no temporary file left behind. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	assert_int_not_equal(access(tmp, F_OK), 0);
}

static void test_snapshot_running(void **state)
{
	char path[256], err[RC_ERRSTR_LEN];
	rc_offset_store_t *os;
	rc_offset_t o = {.snapshot = RC_OFFSET_SNAPSHOT_RUNNING, .snapshot_tables = 3}, back = {0};
	bool found;
	(void)state;
	path_of(path, sizeof path, "running.json");
	assert_int_equal(open_store(path, &os, err, sizeof err), RC_OK);
	assert_int_equal(os->ops->store(os, &o, err, sizeof err), RC_OK);
	os->ops->free(os);
	assert_int_equal(open_store(path, &os, err, sizeof err), RC_OK);
	assert_int_equal(os->ops->load(os, &back, &found, err, sizeof err), RC_OK);
	assert_true(found);
	assert_false(back.pos.set);
	assert_int_equal(back.snapshot, RC_OFFSET_SNAPSHOT_RUNNING);
	assert_int_equal(back.snapshot_tables, 3);
	os->ops->free(os);
}

/* Each damaged file is an error naming the file, never "nothing recorded". */
static void test_damaged_files(void **state)
{
	static const struct {
		const char *text, *expect;
	} cases[] = {
	    {"", "is empty"},
	    {"{\"version\": 2, \"source\": \"postgres\", \"topic.prefix\": \"shop\", \"iden", "damaged"},
	    {"not json at all", "damaged"},
	    {"[1, 2]", "not a JSON object"},
	    {"{\"version\": 7, \"source\": \"postgres\"}", "\"version\" is 7"},
	    {"{\"version\": 2, \"topic.prefix\": \"shop\"}", "no \"source\""},
	    {"{\"version\": 2, \"source\": \"postgres\", \"topic.prefix\": \"shop\"}", "no \"identity\""},
	    {"{\"version\": 2, \"source\": \"postgres\", \"topic.prefix\": \"shop\", \"identity\": "
	     "{\"database\": \"shop\", \"slot\": \"s1\"}}",
	     "no \"position\""},
	    {"{\"version\": 2, \"source\": \"postgres\", \"topic.prefix\": \"shop\", \"identity\": "
	     "{\"database\": \"shop\", \"slot\": \"s1\"}, \"position\": {\"lsn\": \"nonsense\"}}",
	     "\"lsn\" is missing or not an LSN"},
	    {"{\"version\": 2, \"source\": \"postgres\", \"topic.prefix\": \"shop\", \"identity\": "
	     "{\"database\": \"shop\", \"slot\": \"s1\"}, \"position\": {\"lsn\": \"0/1\"}, \"snapshot\": \"maybe\"}",
	     "\"snapshot\" is not \"running\""},
	};
	char path[256], err[RC_ERRSTR_LEN];
	rc_offset_store_t *os = NULL;
	(void)state;
	path_of(path, sizeof path, "damaged.json");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err[0] = '\0';
		write_text(path, cases[i].text);
		assert_int_equal(open_store(path, &os, err, sizeof err), RC_ERR_FATAL);
		assert_null(os);
		if (!strstr(err, cases[i].expect) || !strstr(err, path))
			fail_msg("case %zu: '%s' lacks '%s' or the path", i, err, cases[i].expect);
	}
}

/* A file another connector wrote is refused, naming both. */
static void test_identity_mismatch(void **state)
{
	char path[256], err[RC_ERRSTR_LEN];
	rc_offset_store_t *os;
	rc_offset_ident_t other;
	rc_offset_t o = {.pos = rc_pg_pos(100)};
	(void)state;
	path_of(path, sizeof path, "ident.json");
	pg_ident(&other, "shop", "other_slot");
	assert_int_equal(rc_offsets_file_open(path, &other, &rc_pg_pos_codec, &os, err, sizeof err), RC_OK);
	assert_int_equal(os->ops->store(os, &o, err, sizeof err), RC_OK);
	os->ops->free(os);
	assert_int_equal(open_store(path, &os, err, sizeof err), RC_ERR_REFUSED);
	assert_non_null(strstr(err, "slot=other_slot"));
	assert_non_null(strstr(err, "slot=s1"));

	/* Another topic.prefix. */
	pg_ident(&other, "shop", "s1");
	snprintf(other.prefix, sizeof other.prefix, "billing");
	assert_int_equal(rc_offsets_file_open(path, &other, &rc_pg_pos_codec, &os, err, sizeof err),
	                 RC_ERR_REFUSED);
	assert_non_null(strstr(err, "topic.prefix=shop, not billing"));

	/* Only the host changed: a warning, the position is used. */
	pg_ident(&other, "shop", "other_slot");
	snprintf(other.host, sizeof other.host, "db2:5432");
	assert_int_equal(rc_offsets_file_open(path, &other, &rc_pg_pos_codec, &os, err, sizeof err), RC_OK);
	os->ops->free(os);
}

/* A file written for another source type: refused, never read as "position 0". */
static void test_wrong_source(void **state)
{
	char path[256], err[RC_ERRSTR_LEN];
	rc_offset_store_t *os;
	(void)state;
	path_of(path, sizeof path, "mysql.json");
	write_text(path, "{\"version\": 2, \"source\": \"mysql\", \"topic.prefix\": \"shop\", \"identity\": "
	                 "{\"server_uuid\": \"3e11fa47-71ca-11e1-9e33-c80aa9429562\"}, \"position\": "
	                 "{\"file\": \"mysql-bin.000003\", \"pos\": 154}}\n");
	assert_int_equal(open_store(path, &os, err, sizeof err), RC_ERR_REFUSED);
	assert_non_null(strstr(err, "source.type=mysql, not postgres"));
	/* The rowcast 0.1 form of the same mistake. */
	write_text(path, "{\"version\": 1, \"source\": \"mysql\", \"lsn\": \"0/0\"}\n");
	assert_int_equal(open_store(path, &os, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, "version 1 files hold only PostgreSQL positions"));
}

/* rowcast 0.1's files are read (and identity-checked) and rewritten in the new form. */
static void test_version_1(void **state)
{
	char path[256], err[RC_ERRSTR_LEN];
	rc_offset_store_t *os;
	rc_offset_t back = {0};
	bool found;
	json_t *root;
	(void)state;
	path_of(path, sizeof path, "v1.json");
	write_text(path,
	           "{\"version\": 1, \"source\": \"postgres\", \"slot\": \"s1\", \"database\": \"shop\", "
	           "\"lsn\": \"0/16B3748\", \"updated_at\": \"2026-01-01T00:00:00Z\"}\n");
	assert_int_equal(open_store(path, &os, err, sizeof err), RC_OK);
	assert_int_equal(os->ops->load(os, &back, &found, err, sizeof err), RC_OK);
	assert_true(found && back.pos.order == 0x16B3748);
	assert_int_equal(os->ops->store(os, &back, err, sizeof err), RC_OK);
	os->ops->free(os);
	rc_offset_clear(&back);
	root = json_load_file(path, 0, NULL);
	assert_non_null(root);
	assert_int_equal(json_integer_value(json_object_get(root, "version")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "position"), "lsn")),
	                    "0/16B3748");
	json_decref(root);
	/* A version 1 file of another slot is refused too. */
	write_text(path,
	           "{\"version\": 1, \"source\": \"postgres\", \"slot\": \"s9\", \"database\": \"shop\", "
	           "\"lsn\": \"0/1\"}\n");
	assert_int_equal(open_store(path, &os, err, sizeof err), RC_ERR_REFUSED);
}

/* One process per file: a second open fails, naming the holder's pid, until the first closes. */
static void test_lock_held(void **state)
{
	char path[256], err[RC_ERRSTR_LEN], want[64];
	int ready[2], status;
	rc_offset_store_t *os;
	pid_t child;
	char byte;
	(void)state;
	path_of(path, sizeof path, "locked.json");
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		rc_offset_store_t *mine;
		if (open_store(path, &mine, err, sizeof err) != RC_OK)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause(); /* holds the lock until killed */
		_exit(0);
	}
	assert_int_equal(read(ready[0], &byte, 1), 1);
	assert_int_equal(open_store(path, &os, err, sizeof err), RC_ERR_REFUSED);
	snprintf(want, sizeof want, "pid %ld", (long)child);
	if (!strstr(err, want) || !strstr(err, "in use by another rowcast"))
		fail_msg("'%s' does not name %s", err, want);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	/* The holder is gone (even by SIGKILL): the lock went with it. */
	assert_int_equal(open_store(path, &os, err, sizeof err), RC_OK);
	os->ops->free(os);
	close(ready[0]);
	close(ready[1]);
}

/* A temporary file left by a dead writer is removed at open; one that appears while the lock is
 * held (planted, or a link to write through) makes the write fail instead of following it. */
static void test_temp_file_present(void **state)
{
	char path[256], tmp[300], target[300], err[RC_ERRSTR_LEN];
	rc_offset_store_t *os;
	rc_offset_t o = {.pos = rc_pg_pos(42)};
	FILE *f;
	(void)state;
	path_of(path, sizeof path, "tmp.json");
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	write_text(tmp, "half a file");
	assert_int_equal(open_store(path, &os, err, sizeof err), RC_OK);
	assert_int_not_equal(access(tmp, F_OK), 0);
	snprintf(target, sizeof target, "%s/victim", dir);
	write_text(target, "precious");
	assert_int_equal(symlink(target, tmp), 0);
	assert_int_equal(os->ops->store(os, &o, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, tmp));
	f = fopen(target, "r");
	assert_non_null(f);
	assert_non_null(fgets(err, sizeof err, f));
	assert_string_equal(err, "precious");
	fclose(f);
	unlink(tmp);
	assert_int_equal(os->ops->store(os, &o, err, sizeof err), RC_OK);
	os->ops->free(os);
}

/* The file itself a symbolic link: not followed. */
static void test_symlink_refused(void **state)
{
	char path[256], target[300], err[RC_ERRSTR_LEN];
	rc_offset_store_t *os;
	(void)state;
	path_of(path, sizeof path, "link.json");
	snprintf(target, sizeof target, "%s/a.json", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(open_store(path, &os, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, path));
}

/* The PostgreSQL codec: text and JSON both ways, the whole LSN range. */
static void test_pg_codec_round_trip(void **state)
{
	static const struct {
		uint64_t lsn;
		const char *text;
	} cases[] = {{0x1, "0/1"},
	             {0x16B3748, "0/16B3748"},
	             {0x16B374D848ULL, "16/B374D848"},
	             {0xFFFFFFFFFFFFFFFFULL, "FFFFFFFF/FFFFFFFF"}};
	char buf[RC_POS_TEXTLEN], err[RC_ERRSTR_LEN];
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rc_pos_t p = rc_pg_pos(cases[i].lsn), back = RC_POS_NONE;
		json_t *obj = json_object();
		assert_string_equal(rc_pos_text(&rc_pg_pos_codec, &p, buf, sizeof buf), cases[i].text);
		assert_int_equal(rc_pg_pos_codec.to_json(&p, obj), 0);
		assert_string_equal(json_string_value(json_object_get(obj, "lsn")), cases[i].text);
		assert_int_equal(rc_pg_pos_codec.from_json(obj, &back, err, sizeof err), 0);
		assert_true(rc_pos_same(&p, &back));
		json_decref(obj);
	}
	assert_string_equal(rc_pos_text(&rc_pg_pos_codec, &RC_POS_NONE, buf, sizeof buf), "none");
	for (const char *const *bad =
	         (const char *const[]){"", "16", "16/", "/1", "G/1", "1/2/3", "1/2 ",
	                               /* what sscanf's %x took (security review F-15): */
	                               "-1/-1", " 1/2", "0x1/2", "+1/2", "1/+2", "100000000/0", "0/123456789",
	                               NULL};
	     *bad; bad++) {
		rc_pos_t back = RC_POS_NONE;
		json_t *obj = json_pack("{s:s}", "lsn", *bad);
		assert_int_equal(rc_pg_pos_codec.from_json(obj, &back, err, sizeof err), -1);
		assert_non_null(strstr(err, "not an LSN"));
		json_decref(obj);
	}
}

/* Positions with a blob: copies share it by reference, moves hand it over, sameness looks inside. */
static void test_position_blobs(void **state)
{
	rc_pos_t a = {.set = true, .order = 7, .sub = 2, .blob = rc_pos_blob_new("f.000001:4:gtids", 16)};
	rc_pos_t b = RC_POS_NONE, c = RC_POS_NONE,
	         d = {.set = true, .order = 7, .sub = 2, .blob = rc_pos_blob_new("f.000001:4:gtids", 16)};
	(void)state;
	rc_pos_copy(&b, &a);
	assert_ptr_equal(a.blob, b.blob);
	assert_int_equal(a.blob->refs, 2);
	assert_true(rc_pos_same(&a, &b) && rc_pos_same(&a, &d));
	rc_pos_move(&c, &b);
	assert_false(b.set);
	assert_int_equal(a.blob->refs, 2);
	rc_pos_copy(&c, &c); /* onto itself: the count stays */
	assert_int_equal(a.blob->refs, 2);
	d.sub = 3;
	assert_false(rc_pos_same(&a, &d));
	assert_true(rc_pos_after(&d, &a) && !rc_pos_after(&a, &d) && rc_pos_after(&a, &b));
	rc_pos_clear(&c);
	assert_int_equal(a.blob->refs, 1);
	rc_pos_clear(&a);
	rc_pos_clear(&d);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Issue 13: a running snapshot's point P and per-table progress (done, the last acknowledged chunk's
 * key, rows) and the list of tables snapshotted survive the file store; an older record without them
 * reads as "start over" (no point, no progress); a damaged progress is an error naming the record. */
static void test_snapshot_progress(void **state)
{
	char path[256], err[RC_ERRSTR_LEN];
	rc_offset_store_t *os;
	char *k1[] = {"42", "it's \"quoted\""}, *done[] = {"public.a"};
	rc_offset_table_progress_t tp[] = {
	    {.table = "public.a", .done = true, .rows = 10},
	    {.table = "public.b", .nkey = 2, .key = k1, .rows = 2048},
	};
	rc_offset_progress_t pr = {.tables = tp, .ntables = 2, .snapshotted = done, .nsnapshotted = 1};
	rc_offset_t o = {.snapshot = RC_OFFSET_SNAPSHOT_RUNNING,
	                 .snapshot_tables = 3,
	                 .snapshot_point = rc_pg_pos(0x16B3748),
	                 .progress = &pr},
	            back = {0}, copy = {0};
	const rc_offset_table_progress_t *b;
	bool found;
	(void)state;
	path_of(path, sizeof path, "progress.json");
	assert_int_equal(open_store(path, &os, err, sizeof err), RC_OK);
	assert_int_equal(os->ops->store(os, &o, err, sizeof err), RC_OK);
	os->ops->free(os);
	assert_int_equal(open_store(path, &os, err, sizeof err), RC_OK);
	assert_int_equal(os->ops->load(os, &back, &found, err, sizeof err), RC_OK);
	os->ops->free(os);
	assert_true(found);
	assert_false(back.pos.set);
	assert_true(back.snapshot_point.set);
	assert_int_equal(rc_pg_pos_lsn(&back.snapshot_point), 0x16B3748);
	assert_non_null(back.progress);
	assert_int_equal(back.progress->ntables, 2);
	assert_null(rc_offset_progress_find(back.progress, "public.c"));
	b = rc_offset_progress_find(back.progress, "public.a");
	assert_non_null(b);
	assert_true(b->done);
	assert_int_equal(b->nkey, 0);
	assert_int_equal(b->rows, 10);
	b = rc_offset_progress_find(back.progress, "public.b");
	assert_non_null(b);
	assert_false(b->done);
	assert_int_equal(b->nkey, 2);
	assert_string_equal(b->key[0], "42");
	assert_string_equal(b->key[1], "it's \"quoted\"");
	assert_int_equal(b->rows, 2048);
	assert_true(rc_offset_progress_snapshotted(back.progress, "public.a"));
	assert_false(rc_offset_progress_snapshotted(back.progress, "public.b"));
	/* A copy is deep: it outlives the original. */
	rc_offset_copy(&copy, &back);
	rc_offset_clear(&back);
	assert_string_equal(rc_offset_progress_find(copy.progress, "public.b")->key[1], "it's \"quoted\"");
	assert_int_equal(rc_pg_pos_lsn(&copy.snapshot_point), 0x16B3748);
	rc_offset_clear(&copy);

	/* An older record (no point, no progress): start over. */
	write_text(path,
	           "{\"version\": 2, \"source\": \"postgres\", \"topic.prefix\": \"shop\", "
	           "\"identity\": {\"database\": \"shop\", \"slot\": \"s1\"}, \"snapshot\": \"running\", "
	           "\"snapshot_tables\": 3}");
	assert_int_equal(open_store(path, &os, err, sizeof err), RC_OK);
	assert_int_equal(os->ops->load(os, &back, &found, err, sizeof err), RC_OK);
	os->ops->free(os);
	assert_false(back.snapshot_point.set);
	assert_null(back.progress);
	rc_offset_clear(&back);

	/* A key that is not an array of strings: damaged, named. */
	write_text(path,
	           "{\"version\": 2, \"source\": \"postgres\", \"topic.prefix\": \"shop\", "
	           "\"identity\": {\"database\": \"shop\", \"slot\": \"s1\"}, \"snapshot\": \"running\", "
	           "\"snapshot_progress\": {\"tables\": [{\"table\": \"public.b\", \"key\": [1]}]}}");
	assert_int_not_equal(open_store(path, &os, err, sizeof err), RC_OK);
	assert_non_null(strstr(err, "public.b"));
	assert_non_null(strstr(err, path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_record_codec),    cmocka_unit_test(test_kafka_key),
	    cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_snapshot_running),
	    cmocka_unit_test(test_damaged_files),   cmocka_unit_test(test_identity_mismatch),
	    cmocka_unit_test(test_wrong_source),    cmocka_unit_test(test_version_1),
	    cmocka_unit_test(test_lock_held),       cmocka_unit_test(test_temp_file_present),
	    cmocka_unit_test(test_symlink_refused), cmocka_unit_test(test_pg_codec_round_trip),
	    cmocka_unit_test(test_position_blobs),  cmocka_unit_test(test_snapshot_progress),
	};
	return cmocka_run_group_tests_name("offsets", tests, setup, teardown);
}
