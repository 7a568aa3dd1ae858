#include "config.h"

#include "decoders/mysql/binlog_transport.h"

#include "agent/errors.h"
#include "agent/log.h"
#include "agent/wakepipe.h"
#include "decoders/mysql/binlog.h"
#include "decoders/mysql/mysql_conn.h"

#include <errmsg.h>
#include <errno.h>
#include <mysqld_error.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define BATCH_BYTES ((size_t)256 << 10)   /* a batch is handed over at this size (or when the loop waits) */
#define QUEUE_BYTES ((size_t)8 << 20)     /* events waiting for the loop, at most (one bigger event passes) */
#define QUEUE_MIN_BYTES (2 * BATCH_BYTES) /* a smaller queue than this would stall the reads */
#define COM_BINLOG_DUMP_GTID_CMD 30       /* MySQL's; Connector/C's enum stops before it */
#define DUMP_FLAG_ANNOTATE_ROWS 2         /* MariaDB: send ANNOTATE_ROWS events */
#define DUMP_FLAG_THROUGH_GTID 4          /* MySQL: the GTID set decides where to start */
#define MARIADB_CAPABILITY_GTID 4         /* MARIA_SLAVE_CAPABILITY_GTID: GTID events as they are */

struct rc_binlog_transport {
	const rc_conf_t *conf;
	uint32_t server_id;
	bool mariadb;
	char *file, *mariadb_gtid;
	uint64_t pos;
	uint8_t *sids;
	size_t nsids;

	size_t queue_max; /* QUEUE_BYTES, or less under a small max.queue.size.in.bytes (queue_bound) */
	pthread_t thread;
	bool started;
	int wake[2];

	pthread_mutex_t lock; /* everything below */
	pthread_cond_t room;  /* the queue has room again, or stop */
	rc_binlog_batch_t *head, *tail, *free_list;
	rc_binlog_batch_t *filling; /* the thread appends here; the loop takes it when the queue is empty */
	size_t queued_bytes;
	bool loop_idle; /* the loop's last take found nothing: the next event wakes it */
	bool stop;
	bool ended; /* the thread has stopped; failure says why */
	int failure;
	char failure_msg[RC_ERRSTR_LEN];
	int sock; /* the connection's socket while the thread has one, else -1 */
	uint64_t events, heartbeats;
};

static void batch_free(rc_binlog_batch_t *b)
{
	if (b) {
		free(b->buf);
		free(b);
	}
}

/* Makes room for an event of len bytes in b. 0, or -1 when out of memory. */
static int batch_reserve(rc_binlog_batch_t *b, size_t len)
{
	size_t cap;
	uint8_t *p;

	if (b->cap - b->len >= len + 4)
		return 0;
	cap = b->cap ? b->cap : BATCH_BYTES + 4096;
	while (cap - b->len < len + 4)
		cap *= 2;
	if (!(p = realloc(b->buf, cap)))
		return -1;
	b->buf = p;
	b->cap = cap;
	return 0;
}

/*
 * Appends one event to the batch being filled, which the loop may take at any time (so the last
 * events before a quiet spell never wait for the next packet), and queues it once it is full. Waits
 * while the queue is full. Returns RC_OK, RC_STOPPED, or RC_ERR_FATAL (out of memory).
 */
static int put_event(rc_binlog_transport_t *t, const uint8_t *ev, size_t len)
{
	uint32_t n = (uint32_t)len;
	rc_binlog_batch_t *b, *spare = NULL;
	bool wake;

	pthread_mutex_lock(&t->lock);
	while (!t->stop && t->head && t->queued_bytes > t->queue_max)
		pthread_cond_wait(&t->room, &t->lock);
	if (t->stop) {
		pthread_mutex_unlock(&t->lock);
		return RC_STOPPED;
	}
	if (!t->filling) {
		t->filling = t->free_list;
		if (t->filling) {
			t->free_list = t->filling->next;
			/* It still pointed into the free list: queued as it was, the queue would have run on
			 * into free batches (taken twice, freed twice). */
			t->filling->next = NULL;
		}
	}
	if (!t->filling) {
		pthread_mutex_unlock(&t->lock);
		if (!(spare = calloc(1, sizeof *spare)))
			return RC_ERR_FATAL;
		pthread_mutex_lock(&t->lock);
		if (!t->filling) {
			t->filling = spare;
			spare = NULL;
		}
	}
	b = t->filling; /* empty when new: rc_binlog_transport_done resets the ones it gives back */
	if (batch_reserve(b, len) != 0) {
		pthread_mutex_unlock(&t->lock);
		batch_free(spare);
		return RC_ERR_FATAL;
	}
	memcpy(b->buf + b->len, &n, 4);
	memcpy(b->buf + b->len + 4, ev, len);
	b->len += len + 4;
	b->nevents++;
	t->events++;
	if (ev[4] == RC_BINLOG_HEARTBEAT || ev[4] == RC_BINLOG_HEARTBEAT_V2)
		t->heartbeats++;
	if (b->len >= BATCH_BYTES) {
		if (t->tail)
			t->tail->next = b;
		else
			t->head = b;
		t->tail = b;
		t->queued_bytes += b->len;
		t->filling = NULL;
	}
	/* The loop found nothing at its last look: tell it once. */
	wake = t->loop_idle;
	t->loop_idle = false;
	pthread_mutex_unlock(&t->lock);
	batch_free(spare);
	if (wake)
		rc_wakepipe_wake(t->wake[1]);
	return RC_OK;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Runs a session statement; on failure fills the thread's error. */
static int session(MYSQL *my, const char *sql, char *err, size_t errlen)
{
	if (mysql_query(my, sql) != 0) {
		snprintf(err, errlen, "replication session setup '%s' failed: %s", sql, mysql_error(my));
		return rc_mysql_conn_lost(my) ? RC_ERR_RETRY : RC_ERR_FATAL;
	}
	return RC_OK;
}

/* Tells the server what this replica can take: checksums, heartbeats, MariaDB's GTID events and
 * where to start by GTID. */
static int setup_session(rc_binlog_transport_t *t, MYSQL *my, char *err, size_t errlen)
{
	char sql[256];
	long long hb_ms = rc_conf_get_int(t->conf, "binlog.heartbeat.interval.ms", 10000);
	int rc = session(my, "SET @master_binlog_checksum = @@global.binlog_checksum", err, errlen);

	snprintf(sql, sizeof sql, "SET @master_heartbeat_period = %lld", hb_ms * 1000000LL);
	if (rc == RC_OK)
		rc = session(my, sql, err, errlen);
	if (rc == RC_OK && t->mariadb) {
		snprintf(sql, sizeof sql, "SET @mariadb_slave_capability = %d", MARIADB_CAPABILITY_GTID);
		rc = session(my, sql, err, errlen);
	}
	if (rc == RC_OK && t->mariadb && t->mariadb_gtid) {
		char *q = NULL;
		/* GTID text is digits, '-' and ',' only (parsed before it gets here). */
		if (strspn(t->mariadb_gtid, "0123456789-, ") != strlen(t->mariadb_gtid) ||
		    asprintf(&q, "SET @slave_connect_state = '%s'", t->mariadb_gtid) < 0) {
			snprintf(err, errlen, "MariaDB GTID position '%s' is malformed", t->mariadb_gtid);
			return RC_ERR_FATAL;
		}
		rc = session(my, q, err, errlen);
		free(q);
		if (rc == RC_OK)
			rc = session(my, "SET @slave_gtid_strict_mode = 1", err, errlen);
		if (rc == RC_OK)
			rc = session(my, "SET @slave_gtid_ignore_duplicates = 0", err, errlen);
	}
	return rc;
}

static int command(MYSQL *my, int cmd, const uint8_t *arg, size_t len, bool skip_check, const char *what,
                   char *err, size_t errlen)
{
	if (my->methods->db_command(my, (enum enum_server_command)cmd, (const char *)arg, len, skip_check,
	                            NULL) != 0) {
		snprintf(err, errlen, "%s failed: %s", what, mysql_error(my));
		return rc_mysql_conn_lost(my) ? RC_ERR_RETRY : RC_ERR_FATAL;
	}
	return RC_OK;
}

/* COM_REGISTER_SLAVE: Int4 server id, then host, user and password as Int1 length + bytes, Int2
 * port, Int4 replication rank, Int4 master id. Empty strings: SHOW REPLICAS shows the id alone. */
static int register_replica(rc_binlog_transport_t *t, MYSQL *my, char *err, size_t errlen)
{
	uint8_t pkt[4 + 3 + 2 + 4 + 4];

	memset(pkt, 0, sizeof pkt);
	put_le(pkt, t->server_id, 4);
	return command(my, COM_REGISTER_SLAVE, pkt, sizeof pkt, false, "COM_REGISTER_SLAVE", err, errlen);
}

/* COM_BINLOG_DUMP: Int4 position, Int2 flags, Int4 server id, file name (rest). With a MariaDB GTID
 * start the file is empty and the server finds the place from @slave_connect_state. COM_BINLOG_DUMP_GTID
 * (MySQL): Int2 flags, Int4 server id, Int4 name length, name, Int8 position, Int4 data length, the
 * encoded GTID set. */
static int dump(rc_binlog_transport_t *t, MYSQL *my, char *err, size_t errlen)
{
	size_t flen = t->file ? strlen(t->file) : 0, len;
	uint8_t *pkt;
	int rc;

	if (t->sids) {
		len = 2 + 4 + 4 + flen + 8 + 4 + t->nsids;
		if (!(pkt = calloc(1, len)))
			goto oom;
		put_le(pkt, DUMP_FLAG_THROUGH_GTID, 2);
		put_le(pkt + 2, t->server_id, 4);
		put_le(pkt + 6, flen, 4);
		memcpy(pkt + 10, t->file ? t->file : "", flen);
		put_le(pkt + 10 + flen, t->pos ? t->pos : 4, 8);
		put_le(pkt + 18 + flen, t->nsids, 4);
		memcpy(pkt + 22 + flen, t->sids, t->nsids);
		rc = command(my, COM_BINLOG_DUMP_GTID_CMD, pkt, len, true, "COM_BINLOG_DUMP_GTID", err,
		             errlen);
	} else {
		bool by_gtid = t->mariadb && t->mariadb_gtid;
		if (by_gtid)
			flen = 0;
		len = 4 + 2 + 4 + flen;
		if (!(pkt = calloc(1, len)))
			goto oom;
		put_le(pkt, by_gtid ? 4 : t->pos, 4);
		put_le(pkt + 4, t->mariadb ? DUMP_FLAG_ANNOTATE_ROWS : 0, 2);
		put_le(pkt + 6, t->server_id, 4);
		if (flen)
			memcpy(pkt + 10, t->file, flen);
		rc = command(my, COM_BINLOG_DUMP, pkt, len, true, "COM_BINLOG_DUMP", err, errlen);
	}
	free(pkt);
	return rc;
oom:
	snprintf(err, errlen, "out of memory");
	return RC_ERR_FATAL;
}

/* The server refused or ended the dump: whether retrying could help. */
static int read_failure(MYSQL *my, char *err, size_t errlen)
{
	unsigned int e = mysql_errno(my);

	if (e == CR_SERVER_LOST || e == CR_SERVER_GONE_ERROR) {
		snprintf(err, errlen,
		         "binlog connection lost (no event or heartbeat within the read timeout): %s",
		         mysql_error(my));
		return RC_ERR_RETRY;
	}
	/* 1236 ER_MASTER_FATAL_ERROR_READING_BINLOG: purged file, bad position, GTIDs the server lacks. */
	snprintf(err, errlen, "the server ended the binlog stream: %s (error %u)", mysql_error(my), e);
	return e == ER_MASTER_FATAL_ERROR_READING_BINLOG || e == ER_UNKNOWN_ERROR ? RC_ERR_FATAL
	                                                                          : RC_ERR_RETRY;
}

static void finish(rc_binlog_transport_t *t, int rc, const char *msg)
{
	pthread_mutex_lock(&t->lock);
	t->ended = true;
	t->failure = rc;
	snprintf(t->failure_msg, sizeof t->failure_msg, "%s", msg);
	t->sock = -1;
	pthread_mutex_unlock(&t->lock);
	rc_wakepipe_wake(t->wake[1]);
}

static bool stopping(rc_binlog_transport_t *t)
{
	bool s;

	pthread_mutex_lock(&t->lock);
	s = t->stop;
	pthread_mutex_unlock(&t->lock);
	return s;
}

static void *run(void *arg)
{
	rc_binlog_transport_t *t = arg;
	char err[RC_ERRSTR_LEN] = "";
	long long hb_ms = rc_conf_get_int(t->conf, "binlog.heartbeat.interval.ms", 10000);
	unsigned int timeout_s = (unsigned int)((3 * hb_ms + 999) / 1000);
	MYSQL *my;
	int rc;

	my = rc_mysql_connect_ex(t->conf, timeout_s < 2 ? 2 : timeout_s, err, sizeof err);
	if (!my) {
		finish(t, RC_ERR_RETRY, err);
		return NULL;
	}
	pthread_mutex_lock(&t->lock);
	t->sock = (int)mysql_get_socket(my);
	if (t->stop)
		shutdown(t->sock, SHUT_RDWR);
	pthread_mutex_unlock(&t->lock);

	rc = setup_session(t, my, err, sizeof err);
	if (rc == RC_OK)
		rc = register_replica(t, my, err, sizeof err);
	if (rc == RC_OK)
		rc = dump(t, my, err, sizeof err);
	while (rc == RC_OK) {
		unsigned long len = mysql_net_read_packet(my);
		const uint8_t *p = my->net.read_pos;

		if (stopping(t)) {
			rc = RC_STOPPED;
			snprintf(err, sizeof err, "stopped");
			break;
		}
		if (len == packet_error) {
			rc = read_failure(my, err, sizeof err);
			break;
		}
		if (len < 8 && p[0] == 0xfe) {
			snprintf(err, sizeof err, "the server ended the binlog stream (EOF)");
			rc = RC_ERR_RETRY;
			break;
		}
		if (len < 1 + RC_BINLOG_HEADER_LEN || p[0] != 0) {
			snprintf(err, sizeof err,
			         "unexpected packet of %lu bytes (first byte 0x%02x) in the binlog stream",
			         len, p[0]);
			rc = RC_ERR_FATAL;
			break;
		}
		rc = put_event(t, p + 1, len - 1);
		if (rc == RC_STOPPED)
			snprintf(err, sizeof err, "stopped");
		else if (rc != RC_OK)
			snprintf(err, sizeof err, "out of memory for a binlog event of %lu bytes", len - 1);
	}
	pthread_mutex_lock(&t->lock);
	t->sock = -1;
	pthread_mutex_unlock(&t->lock);
	mysql_close(my);
	finish(t, rc, err);
	return NULL;
}

/* The queue of undecoded events comes on top of the records the pipeline bounds
 * (max.queue.size.in.bytes): it takes at most an eighth of that bound, so that a small bound still
 * holds the process's memory, between QUEUE_MIN_BYTES and QUEUE_BYTES (the default bound, 64 MiB,
 * gives the full 8 MiB). */
static size_t queue_bound(const rc_conf_t *conf)
{
	int64_t bound = rc_conf_get_int(conf, "max.queue.size.in.bytes", 67108864);
	size_t q = bound > 0 ? (size_t)(bound / 8) : QUEUE_BYTES;

	return q < QUEUE_MIN_BYTES ? QUEUE_MIN_BYTES : q > QUEUE_BYTES ? QUEUE_BYTES : q;
}

rc_binlog_transport_t *rc_binlog_transport_start(const rc_conf_t *conf, uint32_t server_id, bool mariadb,
                                                 const rc_binlog_start_t *start, char *err, size_t errlen)
{
	rc_binlog_transport_t *t = calloc(1, sizeof *t);

	if (!t)
		goto oom;
	t->conf = conf;
	t->queue_max = queue_bound(conf);
	t->server_id = server_id;
	t->mariadb = mariadb;
	t->pos = start->pos;
	t->sock = -1;
	t->wake[0] = t->wake[1] = -1;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->room, NULL);
	if ((start->file && !(t->file = strdup(start->file))) ||
	    (start->mariadb_gtid && !(t->mariadb_gtid = strdup(start->mariadb_gtid))))
		goto oom;
	if (start->mysql_sids) {
		if (!(t->sids = malloc(start->mysql_sids_len ? start->mysql_sids_len : 1)))
			goto oom;
		memcpy(t->sids, start->mysql_sids, start->mysql_sids_len);
		t->nsids = start->mysql_sids_len;
	}
	if (rc_wakepipe_open(t->wake) != RC_OK) {
		snprintf(err, errlen, "cannot make a wake pipe: %s", strerror(errno));
		rc_binlog_transport_free(t);
		return NULL;
	}
	if (pthread_create(&t->thread, NULL, run, t) != 0) {
		snprintf(err, errlen, "cannot start the binlog thread");
		rc_binlog_transport_free(t);
		return NULL;
	}
	t->started = true;
	return t;
oom:
	snprintf(err, errlen, "out of memory");
	rc_binlog_transport_free(t);
	return NULL;
}

int rc_binlog_transport_fd(const rc_binlog_transport_t *t)
{
	return t->wake[0];
}

rc_binlog_batch_t *rc_binlog_transport_take(rc_binlog_transport_t *t, int *rc, char *err, size_t errlen)
{
	rc_binlog_batch_t *b;
	bool more;

	*rc = RC_OK;
	rc_wakepipe_drain(t->wake[0]);
	pthread_mutex_lock(&t->lock);
	b = t->head;
	if (b) {
		t->head = b->next;
		if (!t->head)
			t->tail = NULL;
		t->queued_bytes -= b->len;
		pthread_cond_signal(&t->room);
	} else if (t->filling && t->filling->nevents) {
		b = t->filling; /* what the thread has so far: no event waits for the next packet */
		t->filling = NULL;
	} else if (t->ended) {
		*rc = t->failure == RC_OK || t->failure == RC_STOPPED ? RC_ERR_RETRY : t->failure;
		snprintf(err, errlen, "%s", t->failure_msg[0] ? t->failure_msg : "the binlog thread ended");
	} else {
		t->loop_idle = true;
	}
	if (b)
		b->next = NULL;
	more = t->head || (t->filling && t->filling->nevents) || t->ended;
	pthread_mutex_unlock(&t->lock);
	/* More is there than one take returns: keep the descriptor readable for the next turn. */
	if (b && more)
		rc_wakepipe_wake(t->wake[1]);
	return b;
}

void rc_binlog_transport_done(rc_binlog_transport_t *t, rc_binlog_batch_t *b)
{
	if (!b)
		return;
	if (b->cap > 4 * BATCH_BYTES) { /* one huge event: do not keep its memory */
		batch_free(b);
		return;
	}
	b->len = b->nevents = 0;
	pthread_mutex_lock(&t->lock);
	b->next = t->free_list;
	t->free_list = b;
	pthread_mutex_unlock(&t->lock);
}

void rc_binlog_transport_counts(rc_binlog_transport_t *t, uint64_t *events, uint64_t *heartbeats)
{
	pthread_mutex_lock(&t->lock);
	*events = t->events;
	*heartbeats = t->heartbeats;
	pthread_mutex_unlock(&t->lock);
}

void rc_binlog_transport_free(rc_binlog_transport_t *t)
{
	rc_binlog_batch_t *b;

	if (!t)
		return;
	if (t->started) {
		pthread_mutex_lock(&t->lock);
		t->stop = true;
		if (t->sock >= 0)
			shutdown(t->sock, SHUT_RDWR); /* a blocked read returns */
		pthread_cond_broadcast(&t->room);
		pthread_mutex_unlock(&t->lock);
		pthread_join(t->thread, NULL);
	}
	while ((b = t->head)) {
		t->head = b->next;
		batch_free(b);
	}
	while ((b = t->free_list)) {
		t->free_list = b->next;
		batch_free(b);
	}
	batch_free(t->filling);
	rc_wakepipe_close(t->wake);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->room);
	free(t->file);
	free(t->mariadb_gtid);
	free(t->sids);
	free(t);
}
