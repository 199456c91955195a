/* host_fetch_url.c: which URLs fetch may reach: the URL's syntax, http://
 * only, and the hosts and ports config's fetch_allow lists. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <nng/nng.h>

#include "host/host.h"
#include "host/host_fetch_impl.h"

/* Host names as URLs write them: letters, digits, '-', '.', '_'; or an IPv6
 * literal (brackets already gone). */
static int
valid_host(const char *h, int ipv6)
{
	if (*h == '\0') {
		return 0;
	}
	for (; *h; h++) {
		unsigned char c = (unsigned char) *h;
		if (ipv6 ? !(isxdigit(c) || c == ':' || c == '.')
		         : !(isalnum(c) || c == '-' || c == '.' || c == '_')) {
			return 0;
		}
	}
	return 1;
}

/* Returns the port (1..65535) that s spells in decimal, or -1. */
static long
parse_port(const char *s, size_t n)
{
	long v = 0;
	if (n == 0 || n > 5) {
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return -1;
		}
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= 65535 ? v : -1;
}

/*
 * Parses and checks the page's URL into *out. Returns 1, or 0 with *r a
 * rejection. Only the URL's text is looked at: no name is resolved here.
 */
static int
check_url(const char *text, nng_url **out, ssrd_host_result *r)
{
	if (strncasecmp(text, "https://", 8) == 0) {
		ssrd__host_reject(r,
		    "fetch: https is not supported; use http:// to a local "
		    "endpoint");
		return 0;
	}
	for (const unsigned char *c = (const unsigned char *) text; *c; c++) {
		if (*c <= 0x20 || *c >= 0x7f) {
			ssrd__host_reject(r,
			    "fetch: malformed URL \"%s\": spaces, control and "
			    "non-ASCII characters must be percent-encoded",
			    text);
			return 0;
		}
	}
	nng_url *u;
	int      rv = nng_url_parse(&u, text);
	if (rv == NNG_ENOMEM) {
		ssrd__host_reject(r, "out of memory");
		return 0;
	}
	if (rv != 0) {
		ssrd__host_reject(r, "fetch: malformed URL \"%s\"", text);
		return 0;
	}
	const char *why = NULL;
	if (strcmp(u->u_scheme, "http") != 0) {
		ssrd__host_reject(r,
		    "fetch: \"%s\" is not an http:// URL (only http:// is "
		    "supported)",
		    text);
		nng_url_free(u);
		return 0;
	}
	if (u->u_userinfo != NULL) {
		ssrd__host_reject(r,
		    "fetch: URL \"%s\" holds credentials; send them in an "
		    "Authorization header instead",
		    text);
		nng_url_free(u);
		return 0;
	}
	if (!valid_host(u->u_hostname, u->u_host[0] == '[')) {
		why = "bad host";
	} else if (parse_port(u->u_port, strlen(u->u_port)) < 0) {
		why = "bad port";
	}
	if (why != NULL) {
		ssrd__host_reject(
		    r, "fetch: malformed URL \"%s\" (%s)", text, why);
		nng_url_free(u);
		return 0;
	}
	*out = u;
	return 1;
}

/*
 * Returns 1 if an entry of fetch_allow admits hostname (brackets stripped
 * for IPv6) and port. Entries are "host", "host:port", "[v6]" or
 * "[v6]:port"; a bare IPv6 address (several colons) counts as a host with
 * no port. Hosts compare as text, ignoring case.
 */
static int
allowed(const ssrd_host_opts *o, const char *hostname, long port)
{
	size_t hlen = strlen(hostname);
	for (size_t i = 0; i < o->nfetch_allow; i++) {
		const char *e = o->fetch_allow[i];
		const char *h = e, *p = NULL;
		size_t      n = strlen(e);
		if (e[0] == '[') {
			const char *close = strchr(e, ']');
			if (close == NULL) {
				continue;
			}
			h = e + 1;
			n = (size_t) (close - h);
			if (close[1] == ':') {
				p = close + 2;
			} else if (close[1] != '\0') {
				continue;
			}
		} else {
			const char *colon = strchr(e, ':');
			if (colon != NULL && strchr(colon + 1, ':') == NULL) {
				n = (size_t) (colon - e);
				p = colon + 1;
			}
		}
		if (n != hlen || strncasecmp(h, hostname, n) != 0) {
			continue;
		}
		if (p == NULL || parse_port(p, strlen(p)) == port) {
			return 1;
		}
	}
	return 0;
}

int
ssrd__fetch_target(const char *text, const ssrd_host_opts *o, nng_url **out,
    char *hostport, size_t hostport_len, ssrd_host_result *r)
{
	nng_url *u;
	if (!check_url(text, &u, r)) {
		return 0;
	}
	long port = parse_port(u->u_port, strlen(u->u_port));
	snprintf(hostport, hostport_len,
	    u->u_host[0] == '[' ? "[%s]:%ld" : "%s:%ld", u->u_hostname, port);
	if (!allowed(o, u->u_hostname, port)) {
		ssrd__host_reject(
		    r, "fetch: host \"%s\" is not in fetch_allow", hostport);
		nng_url_free(u);
		return 0;
	}
	*out = u;
	return 1;
}
