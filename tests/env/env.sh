# Written by tests/env/up; source it: . tests/env/env.sh
export ROWCAST_TEST_ENV_DIR=/tmp/rowcast-env
export ROWCAST_TEST_PG_HOST=127.0.0.1
export ROWCAST_TEST_PG_PORT=54329
export ROWCAST_TEST_PG_USER=rowcast
export ROWCAST_TEST_PG_PASSWORD=rowcast-test-pw
export ROWCAST_TEST_PG_DB=rowcast
export ROWCAST_TEST_PG_SOCKET_DIR=/tmp/rowcast-env/postgres
export ROWCAST_TEST_MYSQL_HOST=127.0.0.1
export ROWCAST_TEST_MYSQL_PORT=53306
export ROWCAST_TEST_MYSQL_USER=rowcast
export ROWCAST_TEST_MYSQL_PASSWORD=rowcast-test-pw
export ROWCAST_TEST_MYSQL_DB=rowcast
export ROWCAST_TEST_MYSQL_SOCKET=/tmp/rowcast-env/mariadb/mysqld.sock
export ROWCAST_TEST_KAFKA_BOOTSTRAP=127.0.0.1:59092
export ROWCAST_TEST_SCHEMA_REGISTRY_URL=http://127.0.0.1:58081/apis/ccompat/v7
