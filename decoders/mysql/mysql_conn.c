#include "config.h"

#include "decoders/mysql/mysql_conn.h"

#include <stdio.h>
#include <stdlib.h>

MYSQL *rc_mysql_connect(const rc_conf_t *conf, char *err, size_t errlen)
{
	MYSQL *my = mysql_init(NULL);
	unsigned int timeout = 10;
	const char *host = rc_conf_get(conf, "database.hostname");
	unsigned int port = (unsigned int)rc_conf_get_int(conf, "database.port", 3306);

	if (!my) {
		snprintf(err, errlen, "MySQL: out of memory");
		return NULL;
	}
	mysql_options(my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!mysql_real_connect(my, host, rc_conf_get(conf, "database.user"),
	                        rc_conf_get(conf, "database.password"), NULL, port, NULL, 0)) {
		snprintf(err, errlen, "cannot connect to MySQL at %s:%u as %s: %s", host, port,
		         rc_conf_get(conf, "database.user"), mysql_error(my));
		mysql_close(my);
		return NULL;
	}
	return my;
}

int rc_mysql_query_value(MYSQL *my, const char *query, char *buf, size_t len, char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	buf[0] = '\0';
	if (mysql_query(my, query) != 0 || !(res = mysql_store_result(my))) {
		snprintf(err, errlen, "MySQL query '%s' failed: %s", query, mysql_error(my));
		return -1;
	}
	row = mysql_fetch_row(res);
	if (row && mysql_num_fields(res) > 0 && row[0])
		snprintf(buf, len, "%s", row[0]);
	mysql_free_result(res);
	return 0;
}
