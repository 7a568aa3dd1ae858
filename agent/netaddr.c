#include "config.h"

#include "agent/netaddr.h"

#include "agent/log.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* One entry of len bytes at s, perhaps with a ":port" or "[v6]:port", perhaps "scheme://". */
static bool one_is_loopback(const char *s, size_t len)
{
	char host[256];
	const char *p = s, *end = s + len, *colon;
	struct in_addr a4;
	struct in6_addr a6;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (p == end || *p == '/')
		return true;
	for (const char *q = p; q + 3 <= end; q++) /* "SSL://host:9092": the listener's protocol */
		if (memcmp(q, "://", 3) == 0) {
			p = q + 3;
			break;
		}
	if (*p == '[') { /* [::1]:9092 */
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (!close)
			return false;
		p++;
		end = close;
	} else if ((colon = memchr(p, ':', (size_t)(end - p))) != NULL &&
	           !memchr(colon + 1, ':', (size_t)(end - colon - 1))) {
		end = colon; /* host:port; more than one ':' is a bare IPv6 address */
	}
	if ((size_t)(end - p) >= sizeof host)
		return false;
	memcpy(host, p, (size_t)(end - p));
	host[end - p] = '\0';
	if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

bool rc_host_is_loopback(const char *hosts)
{
	const char *p = hosts;

	if (!hosts)
		return true;
	for (;;) {
		size_t len = strcspn(p, ",");
		if (!one_is_loopback(p, len))
			return false;
		if (!p[len])
			return true;
		p += len + 1;
	}
}

void rc_warn_if_exposed(bool *warned, const char *component, const char *host, bool encrypted, bool verified,
                        const char *mode_prop, const char *mode, const char *fix)
{
	if (*warned || verified || rc_host_is_loopback(host))
		return;
	*warned = true;
	if (!encrypted)
		rc_log_warn(component,
		            "the connection to %s is not encrypted (%s=%s): who sits on the path reads every "
		            "captured row and can forge change events; set %s",
		            host, mode_prop, mode, fix);
	else
		rc_log_warn(component,
		            "the connection to %s is encrypted but the server's certificate is not verified "
		            "(%s=%s); set %s and database.sslrootcert",
		            host, mode_prop, mode, fix);
}
