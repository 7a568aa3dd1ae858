/* Whether a host a connection goes to stays on this machine: loopback names and addresses, and Unix
 * socket paths. A connection that leaves the machine without TLS is a warning (security). */
#ifndef RC_NETADDR_H
#define RC_NETADDR_H

#include <stdbool.h>

/* True for "localhost", 127.0.0.0/8, ::1 (bracketed or not), and a path (a Unix socket folder). A
 * list ("h1,h2", Kafka's "h1:9092,h2:9092") is loopback only when every entry is; a port after the
 * host is ignored. NULL and "" (libpq's default: the Unix socket) are loopback. */
bool rc_host_is_loopback(const char *hosts);

/* Warns, once per *warned, when a database connection to host leaves the machine unencrypted or
 * unverified: mode_prop=mode names the setting, fix what to set instead (component: the log's). */
void rc_warn_if_exposed(bool *warned, const char *component, const char *host, bool encrypted, bool verified,
                        const char *mode_prop, const char *mode, const char *fix);

#endif
