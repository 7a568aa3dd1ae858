/*
 * `rowcast check`'s look at the TLS of the first Kafka bootstrap server: librdkafka says only
 * "certificate verify failed" for both an unknown CA and a wrong host name, so the handshake is
 * made once more with libcurl (connect only: no request is sent), whose words say which, with the
 * same CA, client certificate and host name rule as the kafka.* properties give librdkafka. Without
 * TLS, a broker off this machine is a warning.
 */
#include "config.h"

#include "sinks/sink_check.h"

#include "agent/netaddr.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The first "host:port" of a bootstrap list, without a "PROTOCOL://" in front. */
static void first_bootstrap(const char *list, char *out, size_t outlen)
{
	const char *p = strstr(list, "://");
	size_t n;

	p = p ? p + 3 : list;
	while (*p == ' ')
		p++;
	n = strcspn(p, ", ");
	snprintf(out, outlen, "%.*s", (int)n, p);
}

void rc_kafka_tls_check(const rc_conf_t *conf, rc_check_report_t *rep)
{
	const char *proto = rc_conf_get(conf, "kafka.security.protocol");
	const char *servers = rc_conf_get(conf, "kafka.bootstrap.servers");
	const char *ca = rc_conf_get(conf, "kafka.ssl.ca.location");
	const char *cert = rc_conf_get(conf, "kafka.ssl.certificate.location");
	const char *key = rc_conf_get(conf, "kafka.ssl.key.location");
	const char *ident = rc_conf_get(conf, "kafka.ssl.endpoint.identification.algorithm");
	bool tls = proto && (strcasecmp(proto, "SSL") == 0 || strcasecmp(proto, "SASL_SSL") == 0);
	char first[256], url[300], why[CURL_ERROR_SIZE] = "";
	CURL *curl;
	CURLcode cc;

	if (!servers)
		return;
	if (!tls) {
		if (!rc_host_is_loopback(servers))
			rc_check_warn(
			    rep, "set kafka.security.protocol=SSL (or SASL_SSL) and kafka.ssl.ca.location",
			    "Kafka connections to %s are not encrypted (security.protocol %s): who sits "
			    "on the path reads and can change every change event",
			    servers, proto ? proto : "PLAINTEXT");
		return;
	}
	first_bootstrap(servers, first, sizeof first);
	snprintf(url, sizeof url, "https://%s/", first);
	curl = curl_easy_init();
	if (!curl) {
		rc_check_fail(rep, NULL, "Kafka TLS check: out of memory");
		return;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, why);
	if (ca && *ca)
		curl_easy_setopt(curl, CURLOPT_CAINFO, ca);
	if (cert && *cert)
		curl_easy_setopt(curl, CURLOPT_SSLCERT, cert);
	if (key && *key)
		curl_easy_setopt(curl, CURLOPT_SSLKEY, key);
	/* librdkafka verifies the host name unless ssl.endpoint.identification.algorithm=none. */
	if (ident && strcasecmp(ident, "none") == 0)
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	cc = curl_easy_perform(curl);
	if (cc == CURLE_OK)
		rc_check_ok(rep, "Kafka TLS to %s: certificate %s", first,
		            ident && strcasecmp(ident, "none") == 0
		                ? "verified, host name not (ssl.endpoint.identification.algorithm=none)"
		                : "and host name verified");
	else
		rc_check_fail(
		    rep,
		    cc == CURLE_PEER_FAILED_VERIFICATION || strstr(why, "certificate")
		        ? "set kafka.ssl.ca.location to the CA that signed the brokers' certificates, "
		          "and use the host names they name in kafka.bootstrap.servers"
		        : "check kafka.bootstrap.servers and kafka.security.protocol",
		    "Kafka TLS to %s: %s", first, why[0] ? why : curl_easy_strerror(cc));
	curl_easy_cleanup(curl);
}
