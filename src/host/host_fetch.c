/* host_fetch.c: fetch, plain HTTP/1.1 requests from pages to the hosts that
 * config's fetch_allow lists, made with nng's HTTP client. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <nng/supplemental/util/platform.h>

#include <ssrd/errors.h>

#include "core/strbuf.h"
#include "core/utf8.h"
#include "host/host.h"

/*
 * What nng 1.5 (Debian 12's libnng) can and cannot do shapes this file:
 *
 * - TLS: Debian builds libnng with mbedTLS, so nng_tls_config_alloc()
 *   works, but ssrd has no CA or certificate configuration to give it, so
 *   https:// is refused rather than fetched unverified.
 * - Bodies: nng_http_conn_read_all() fills a buffer of a size known in
 *   advance, so it serves Content-Length bodies only. Chunked and
 *   close-delimited bodies are decoded here from nng_http_conn_read(),
 *   which hands over whatever bytes arrive (those already buffered after
 *   the headers first), so no body is ever held beyond fetch_max_bytes.
 *   (nng_http_conn_transact() reads chunked bodies too, but without a cap
 *   and without a look at Content-Length first.)
 * - Response headers: nng_http_res offers lookup by name but no way to list
 *   what it holds, so the result carries the fixed set in
 *   reported_headers[] below, the ones pages use.
 *
 * Every request is one connection with `Connection: close`; nothing is kept
 * between calls, so any number of host threads may fetch at once.
 */

/* Response headers copied into the result, lower-case, when present. */
static const char *const reported_headers[] = { "cache-control",
	"content-language", "content-length", "content-type", "date", "etag",
	"expires", "last-modified", "link", "location", "retry-after", "vary" };

/* Methods pages may use; anything else is refused. */
static const char *const methods[]
    = { "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD" };

/* Request headers ssrd sets itself (framing and routing); a page naming one
 * is refused, since a wrong Content-Length or Host would desync or misroute
 * the request. */
static const char *const managed_headers[]
    = { "connection", "content-length", "expect", "host", "keep-alive", "te",
	      "trailer", "transfer-encoding", "upgrade" };

/* Results of our own beside nng's codes (which are all > 0): the body would
 * pass fetch_max_bytes; and *r already holds a rejection. */
#define FETCH_ETOOBIG (-1)
#define FETCH_EREJECTED (-2)

/*
 * One fetch as the page asked for it, checked field by field while the
 * options are read. names[i] and values[i] are the page's headers, each a
 * valid token and a value free of control characters. body is NULL when
 * the page gave none. Everything is malloc'd and freed by fetch_clear().
 */
struct fetch {
	char  *url;       /* as the page wrote it, for messages */
	char   method[8]; /* one of methods[] */
	char **names;
	char **values;
	size_t nheaders;
	char  *body;
	size_t body_len;
	char   err[512]; /* why reading the options failed, when it did */
};

static void
fetch_clear(struct fetch *f)
{
	for (size_t i = 0; i < f->nheaders; i++) {
		free(f->names[i]);
		free(f->values[i]);
	}
	free(f->names);
	free(f->values);
	free(f->body);
	free(f->url);
}

/* Stores a message in f->err and returns SSRD_EINVAL, to stop the reader. */
static int bad(struct fetch *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
bad(struct fetch *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
	return SSRD_EINVAL;
}

static int
in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(s, list[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

/* RFC 9110's tchar: what a header name is made of. */
static int
is_tchar(unsigned char c)
{
	return isalnum(c) != 0 || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

static int
header_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct fetch *f = ctx;
	if (keylen == 0 || strlen(key) != keylen) {
		return bad(f, "fetch: a header name is empty or holds a NUL");
	}
	for (size_t i = 0; i < keylen; i++) {
		if (!is_tchar((unsigned char) key[i])) {
			return bad(f,
			    "fetch: \"%.64s\" is not a valid header name", key);
		}
	}
	if (in_list(key, managed_headers,
	        sizeof(managed_headers) / sizeof(managed_headers[0]))) {
		return bad(f,
		    "fetch: header \"%.64s\" is set by ssrd; leave it out",
		    key);
	}
	if (ssrd__json_peek(j) != '"') {
		return bad(f, "fetch: header \"%.64s\" must be a string", key);
	}
	/* NULL here is a string holding a NUL (or, rarely, no memory). */
	char                *value = ssrd__host_arg_string(j);
	const unsigned char *c     = (const unsigned char *) value;
	while (c != NULL && *c != '\0'
	    && ((*c >= 0x20 && *c != 0x7f) || *c == '\t')) {
		c++;
	}
	if (c == NULL || *c != '\0') {
		free(value);
		return bad(f,
		    "fetch: header \"%.64s\" has CR, LF or another control "
		    "character in its value",
		    key);
	}
	char **names  = realloc(f->names, (f->nheaders + 1) * sizeof(char *));
	char  *name   = NULL;
	char **values = NULL;
	if (names != NULL) {
		f->names = names;
		values = realloc(f->values, (f->nheaders + 1) * sizeof(char *));
	}
	if (values != NULL) {
		f->values = values;
		name      = strdup(key);
	}
	if (name == NULL) {
		free(value);
		return SSRD_ENOMEM;
	}
	f->names[f->nheaders]  = name;
	f->values[f->nheaders] = value;
	f->nheaders++;
	return SSRD_OK;
}

#define KEY_IS(lit) (keylen == sizeof(lit) - 1 && memcmp(key, lit, keylen) == 0)

static int
option_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct fetch *f = ctx;
	if (ssrd__json_is_null(j)) {
		return SSRD_OK; /* null (or undefined, stringified) = default */
	}
	if (KEY_IS("method")) {
		char *m = ssrd__host_arg_string(j);
		if (m == NULL) {
			return bad(f, "fetch: options.method must be a string");
		}
		size_t n = sizeof(methods) / sizeof(methods[0]);
		size_t i = 0;
		while (i < n && strcasecmp(m, methods[i]) != 0) {
			i++;
		}
		if (i == n) {
			bad(f,
			    "fetch: method \"%.32s\" is not supported (GET, "
			    "POST, PUT, DELETE, PATCH or HEAD)",
			    m);
			free(m);
			return SSRD_EINVAL;
		}
		free(m);
		snprintf(f->method, sizeof(f->method), "%s", methods[i]);
		return SSRD_OK;
	}
	if (KEY_IS("headers")) {
		if (ssrd__json_peek(j) != '{') {
			return bad(f,
			    "fetch: options.headers must be an object of "
			    "strings");
		}
		return ssrd__json_object(j, header_member, f);
	}
	if (KEY_IS("body")) {
		if (ssrd__json_peek(j) != '"') {
			return bad(f,
			    "fetch: options.body must be a string "
			    "(JSON.stringify objects first)");
		}
		free(f->body);
		f->body = NULL;
		return ssrd__json_string_dup(j, &f->body, &f->body_len);
	}
	return ssrd__json_skip(j); /* what a page cannot use here: ignored */
}

#undef KEY_IS

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

/*
 * One exchange's state. aio carries every step in turn, each step's timeout
 * set to what is left before deadline. The body grows in body (body_len
 * bytes, room for body_cap) and never past max bytes; rbuf[rget..rput) holds
 * raw bytes read but not yet decoded (chunked and close-delimited bodies).
 */
struct xfer {
	const struct fetch *f;
	nng_url            *url;
	char                hostport[300]; /* "host:port", for messages */
	nng_time            deadline;
	size_t              max;
	nng_aio            *aio;
	nng_http_client    *client;
	nng_http_conn      *conn;
	nng_http_req       *req;
	nng_http_res       *res;
	char               *body;
	size_t              body_len;
	size_t              body_cap;
	size_t              rget;
	size_t              rput;
	char                rbuf[8192];
};

/* Gives x->aio's next step what is left of the deadline as its timeout,
 * or returns NNG_ETIMEDOUT if nothing is. */
static int
arm(struct xfer *x)
{
	nng_time now = nng_clock();
	if (now >= x->deadline) {
		return NNG_ETIMEDOUT;
	}
	nng_aio_set_timeout(x->aio, (nng_duration) (x->deadline - now));
	return 0;
}

/* Waits for the step under way on x->aio and returns its result. */
static int
finish(struct xfer *x)
{
	nng_aio_wait(x->aio);
	return nng_aio_result(x->aio);
}

/* Appends n body bytes, or returns FETCH_ETOOBIG if that would pass max. */
static int
body_append(struct xfer *x, const char *p, size_t n)
{
	if (n > x->max - x->body_len) {
		return FETCH_ETOOBIG;
	}
	if (x->body_len + n >= x->body_cap) {
		size_t cap = x->body_cap ? x->body_cap : 4096;
		while (cap <= x->body_len + n) {
			cap *= 2;
		}
		if (cap > x->max + 1) {
			cap = x->max + 1;
		}
		char *b = realloc(x->body, cap);
		if (b == NULL) {
			return NNG_ENOMEM;
		}
		x->body     = b;
		x->body_cap = cap;
	}
	memcpy(x->body + x->body_len, p, n);
	x->body_len += n;
	return 0;
}

/* Refills rbuf with what the connection has (at least one byte). The peer
 * closing shows as NNG_ECLOSED or NNG_ECONNSHUT. */
static int
raw_fill(struct xfer *x)
{
	nng_iov iov = { .iov_buf = x->rbuf, .iov_len = sizeof(x->rbuf) };
	int     rv;
	if ((rv = arm(x)) != 0
	    || (rv = nng_aio_set_iov(x->aio, 1, &iov)) != 0) {
		return rv;
	}
	nng_http_conn_read(x->conn, x->aio);
	if ((rv = finish(x)) != 0) {
		return rv;
	}
	x->rget = 0;
	x->rput = nng_aio_count(x->aio);
	return x->rput > 0 ? 0 : NNG_ECLOSED;
}

/* Reads one line (CRLF or LF, stripped) into line; NNG_EPROTO if it does
 * not fit in max bytes with its NUL. */
static int
raw_line(struct xfer *x, char *line, size_t max)
{
	size_t n = 0;
	int    rv;
	for (;;) {
		if (x->rget == x->rput && (rv = raw_fill(x)) != 0) {
			return rv;
		}
		char c = x->rbuf[x->rget++];
		if (c == '\n') {
			if (n > 0 && line[n - 1] == '\r') {
				n--;
			}
			line[n] = '\0';
			return 0;
		}
		if (n + 1 >= max) {
			return NNG_EPROTO;
		}
		line[n++] = c;
	}
}

/* Moves n raw bytes into the body. */
static int
raw_body(struct xfer *x, size_t n)
{
	int rv;
	while (n > 0) {
		if (x->rget == x->rput && (rv = raw_fill(x)) != 0) {
			return rv;
		}
		size_t k = x->rput - x->rget < n ? x->rput - x->rget : n;
		if ((rv = body_append(x, x->rbuf + x->rget, k)) != 0) {
			return rv;
		}
		x->rget += k;
		n -= k;
	}
	return 0;
}

/*
 * Decodes a chunked body (RFC 9112 7.1): size lines in hex with optional
 * extensions, each chunk followed by CRLF, a 0 chunk, then trailers (read
 * and dropped) up to an empty line. A chunk that would take the body past
 * max is refused before any of it is read.
 */
static int
read_chunked(struct xfer *x)
{
	char line[1024];
	int  rv;
	for (;;) {
		if ((rv = raw_line(x, line, sizeof(line))) != 0) {
			return rv;
		}
		size_t size = 0, digits = 0;
		char  *p = line;
		for (; isxdigit((unsigned char) *p); p++, digits++) {
			if (size > (SIZE_MAX >> 4)) {
				return FETCH_ETOOBIG;
			}
			int d = isdigit((unsigned char) *p)
			    ? *p - '0'
			    : tolower((unsigned char) *p) - 'a' + 10;
			size  = (size << 4) | (size_t) d;
		}
		while (*p == ' ' || *p == '\t') {
			p++;
		}
		if (digits == 0 || (*p != '\0' && *p != ';')) {
			return NNG_EPROTO;
		}
		if (size == 0) {
			break;
		}
		if (size > x->max - x->body_len) {
			return FETCH_ETOOBIG;
		}
		if ((rv = raw_body(x, size)) != 0
		    || (rv = raw_line(x, line, sizeof(line))) != 0) {
			return rv;
		}
		if (line[0] != '\0') {
			return NNG_EPROTO;
		}
	}
	for (int n = 0;; n++) {
		if ((rv = raw_line(x, line, sizeof(line))) != 0) {
			return rv;
		}
		if (line[0] == '\0') {
			return 0;
		}
		if (n == 64) {
			return NNG_EPROTO; /* trailers without end */
		}
	}
}

/* Reads a body that ends when the server closes the connection. */
static int
read_to_close(struct xfer *x)
{
	for (;;) {
		int rv = raw_fill(x);
		if (rv == NNG_ECLOSED || rv == NNG_ECONNSHUT) {
			return 0;
		}
		if (rv != 0 || (rv = body_append(x, x->rbuf, x->rput)) != 0) {
			return rv;
		}
	}
}

/* Reads a Content-Length body of n bytes (n <= max) in one step. */
static int
read_length(struct xfer *x, size_t n)
{
	int rv;
	if (n == 0) {
		return 0;
	}
	if ((x->body = malloc(n + 1)) == NULL) {
		return NNG_ENOMEM;
	}
	x->body_cap = n + 1;
	nng_iov iov = { .iov_buf = x->body, .iov_len = n };
	if ((rv = arm(x)) != 0
	    || (rv = nng_aio_set_iov(x->aio, 1, &iov)) != 0) {
		return rv;
	}
	nng_http_conn_read_all(x->conn, x->aio);
	if ((rv = finish(x)) == 0) {
		x->body_len = n;
	}
	return rv;
}

/* Builds the request: method, path, Host, the page's headers, defaults. */
static int
build_request(struct xfer *x)
{
	const struct fetch *f = x->f;
	const nng_url      *u = x->url;
	int                 rv;
	char               *uri;
	/* nng 1.5 keeps a #fragment in u_requri and leaves it without a
	 * leading '/' when the URL has a query but no path. */
	size_t n = strcspn(u->u_requri, "#");
	if (asprintf(&uri, "%s%.*s", u->u_requri[0] == '/' ? "" : "/", (int) n,
	        u->u_requri)
	    < 0) {
		return NNG_ENOMEM;
	}
	char host[300];
	if (strcmp(u->u_port, "80") == 0) {
		snprintf(host, sizeof(host),
		    u->u_host[0] == '[' ? "[%s]" : "%s", u->u_hostname);
	} else {
		snprintf(host, sizeof(host), "%s", x->hostport);
	}
	if ((rv = nng_http_req_alloc(&x->req, NULL)) == 0
	    && (rv = nng_http_req_set_uri(x->req, uri)) == 0
	    && (rv = nng_http_req_set_method(x->req, f->method)) == 0
	    && (rv = nng_http_req_set_header(x->req, "Host", host)) == 0
	    && (rv = nng_http_req_set_header(x->req, "User-Agent", "ssrd")) == 0
	    && (rv = nng_http_req_set_header(x->req, "Accept", "*/*")) == 0) {
		for (size_t i = 0; rv == 0 && i < f->nheaders; i++) {
			rv = nng_http_req_set_header(
			    x->req, f->names[i], f->values[i]);
		}
	}
	free(uri);
	if (rv == 0) {
		rv = nng_http_req_set_header(x->req, "Connection", "close");
	}
	/* Bodies, and an explicit empty one for the methods that carry one;
	 * set_data sets Content-Length. f->body outlives the request. */
	if (rv == 0
	    && (f->body != NULL || strcmp(f->method, "POST") == 0
	        || strcmp(f->method, "PUT") == 0
	        || strcmp(f->method, "PATCH") == 0)) {
		rv = nng_http_req_set_data(x->req, f->body, f->body_len);
	}
	return rv;
}

/* Reads the body the response announces, per RFC 9112 6.3. Returns 0, an
 * nng code, FETCH_ETOOBIG, or FETCH_EREJECTED with *r set. */
static int
read_body(struct xfer *x, ssrd_host_result *r)
{
	uint16_t    status = nng_http_res_get_status(x->res);
	const char *te = nng_http_res_get_header(x->res, "Transfer-Encoding");
	const char *cl = nng_http_res_get_header(x->res, "Content-Length");
	if (strcmp(x->f->method, "HEAD") == 0 || status < 200 || status == 204
	    || status == 304) {
		return 0;
	}
	if (te != NULL) {
		if (strcasecmp(te, "chunked") != 0) {
			ssrd__host_reject(r,
			    "fetch: the response from %s uses "
			    "Transfer-Encoding "
			    "\"%.64s\", which fetch cannot decode",
			    x->hostport, te);
			return FETCH_EREJECTED;
		}
		return read_chunked(x);
	}
	if (cl == NULL) {
		return read_to_close(x);
	}
	size_t n = 0, i = 0;
	for (; cl[i] >= '0' && cl[i] <= '9'; i++) {
		n = n > SIZE_MAX / 10 ? SIZE_MAX
		                      : n * 10 + (size_t) (cl[i] - '0');
	}
	if (i == 0 || cl[i] != '\0') {
		ssrd__host_reject(r,
		    "fetch: the response from %s has a malformed "
		    "Content-Length \"%.64s\"",
		    x->hostport, cl);
		return FETCH_EREJECTED;
	}
	if (n > x->max) {
		ssrd__host_reject(r,
		    "fetch: response of %zu bytes is over fetch_max_bytes "
		    "(%zu)",
		    n, x->max);
		return FETCH_EREJECTED;
	}
	return read_length(x, n);
}

/* Sets *r to the result: {"status","statusText","headers","body"}. */
static void
resolve(struct xfer *x, ssrd_host_result *r)
{
	ssrd_strbuf b      = { 0 };
	const char *reason = nng_http_res_get_reason(x->res);
	const char *body   = x->body ? x->body : "";
	size_t      len    = x->body_len;
	if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) {
		body += 3; /* as Response.text() decodes: the BOM goes */
		len -= 3;
	}
	ssrd__strbuf_printf(&b, "{\"status\":%u,\"statusText\":",
	    (unsigned) nng_http_res_get_status(x->res));
	ssrd__strbuf_json_text(
	    &b, reason ? reason : "", reason ? strlen(reason) : 0);
	ssrd__strbuf_puts(&b, ",\"headers\":{");
	int first = 1;
	for (size_t i = 0;
	     i < sizeof(reported_headers) / sizeof(reported_headers[0]); i++) {
		const char *v
		    = nng_http_res_get_header(x->res, reported_headers[i]);
		if (v == NULL) {
			continue;
		}
		ssrd__strbuf_printf(
		    &b, "%s\"%s\":", first ? "" : ",", reported_headers[i]);
		ssrd__strbuf_json_text(&b, v, strlen(v));
		first = 0;
	}
	ssrd__strbuf_puts(&b, "},\"body\":");
	ssrd__strbuf_json_text(&b, body, len);
	ssrd__strbuf_puts(&b, "}");
	ssrd__host_resolve(r, ssrd__strbuf_take(&b));
}

/* Connects, sends, reads; fills *r either way. */
static void
exchange(struct xfer *x, const ssrd_host_opts *o, ssrd_host_result *r)
{
	int         rv;
	const char *doing = "connecting to";
	if ((rv = nng_aio_alloc(&x->aio, NULL, NULL)) != 0
	    || (rv = nng_http_client_alloc(&x->client, x->url)) != 0) {
		goto fail;
	}
	if ((rv = arm(x)) == 0) {
		nng_http_client_connect(x->client, x->aio);
		rv = finish(x);
	}
	if (rv != 0) {
		goto fail;
	}
	x->conn = nng_aio_get_output(x->aio, 0);
	doing   = "sending the request to";
	if ((rv = build_request(x)) != 0) {
		goto fail;
	}
	if ((rv = arm(x)) == 0) {
		nng_http_conn_write_req(x->conn, x->req, x->aio);
		rv = finish(x);
	}
	if (rv != 0 || (rv = nng_http_res_alloc(&x->res)) != 0) {
		goto fail;
	}
	doing = "reading the response from";
	/* Interim 1xx responses (100 Continue, 103 Early Hints) come before
	 * the real one; skip a few. */
	for (int tries = 0;; tries++) {
		if ((rv = arm(x)) == 0) {
			nng_http_conn_read_res(x->conn, x->res, x->aio);
			rv = finish(x);
		}
		uint16_t status = nng_http_res_get_status(x->res);
		if (rv != 0 || status >= 200 || status == 101 || tries == 4) {
			break;
		}
		nng_http_res_reset(x->res);
	}
	if (rv != 0) {
		goto fail;
	}
	if ((rv = read_body(x, r)) == FETCH_EREJECTED) {
		return;
	}
	if (rv == 0) {
		resolve(x, r);
		return;
	}
fail:
	if (rv == NNG_ETIMEDOUT) {
		ssrd__host_reject(r, "fetch: %s timed out after %ld ms",
		    x->f->url, o->fetch_timeout_ms);
	} else if (rv == FETCH_ETOOBIG) {
		ssrd__host_reject(r,
		    "fetch: response body is over fetch_max_bytes (%zu)",
		    x->max);
	} else if (rv == NNG_ENOMEM) {
		ssrd__host_reject(r, "out of memory");
	} else if (x->conn == NULL) {
		ssrd__host_reject(r, "fetch: cannot connect to %s: %s",
		    x->hostport, nng_strerror(rv));
	} else if (rv == NNG_EPROTO) {
		ssrd__host_reject(
		    r, "fetch: malformed response from %s", x->hostport);
	} else if ((rv == NNG_ECLOSED || rv == NNG_ECONNSHUT)
	    && strcmp(doing, "reading the response from") == 0) {
		ssrd__host_reject(r,
		    "fetch: the response from %s ended before it was complete",
		    x->hostport);
	} else {
		ssrd__host_reject(r, "fetch: %s %s failed: %s", doing,
		    x->hostport, nng_strerror(rv));
	}
}

void
ssrd__host_fetch(const ssrd_host_req *req, ssrd_host_result *r)
{
	const ssrd_host_opts *o = req->opts;
	ssrd_json             argv[2];
	struct fetch          f = { 0 };
	int                   n = ssrd__host_args(req, argv, 2);
	if (n < 1 || (f.url = ssrd__host_arg_string(&argv[0])) == NULL) {
		ssrd__host_reject(r,
		    "fetch(url, options): url must be a string (and options "
		    "an object, if given)");
		return;
	}
	snprintf(f.method, sizeof(f.method), "GET");
	if (n == 2 && !ssrd__json_is_null(&argv[1])) {
		int rv = ssrd__json_peek(&argv[1]) == '{'
		    ? ssrd__json_object(&argv[1], option_member, &f)
		    : bad(&f, "fetch(url, options): options must be an object");
		if (rv != SSRD_OK) {
			ssrd__host_reject(r, "%s",
			    f.err[0] != '\0' ? f.err : "out of memory");
			fetch_clear(&f);
			return;
		}
	}
	if (f.body != NULL
	    && (strcmp(f.method, "GET") == 0
	        || strcmp(f.method, "HEAD") == 0)) {
		ssrd__host_reject(
		    r, "fetch: a %s request cannot have a body", f.method);
		fetch_clear(&f);
		return;
	}
	if (o->nfetch_allow == 0) {
		ssrd__host_reject(
		    r, "fetch: no host is allowed (config [host] fetch_allow)");
		fetch_clear(&f);
		return;
	}
	struct xfer *x = calloc(1, sizeof(*x));
	if (x == NULL) {
		ssrd__host_reject(r, "out of memory");
		fetch_clear(&f);
		return;
	}
	if (check_url(f.url, &x->url, r)) {
		long port = parse_port(x->url->u_port, strlen(x->url->u_port));
		snprintf(x->hostport, sizeof(x->hostport),
		    x->url->u_host[0] == '[' ? "[%s]:%ld" : "%s:%ld",
		    x->url->u_hostname, port);
		if (!allowed(o, x->url->u_hostname, port)) {
			ssrd__host_reject(r,
			    "fetch: host \"%s\" is not in fetch_allow",
			    x->hostport);
		} else {
			x->f   = &f;
			x->max = o->fetch_max_bytes;
			x->deadline
			    = nng_clock() + (nng_time) o->fetch_timeout_ms;
			exchange(x, o, r);
		}
	}
	/* The connection goes first: closing it stops any I/O still using
	 * the aio. */
	if (x->conn != NULL) {
		nng_http_conn_close(x->conn);
	}
	if (x->client != NULL) {
		nng_http_client_free(x->client);
	}
	if (x->aio != NULL) {
		nng_aio_free(x->aio);
	}
	if (x->req != NULL) {
		nng_http_req_free(x->req);
	}
	if (x->res != NULL) {
		nng_http_res_free(x->res);
	}
	if (x->url != NULL) {
		nng_url_free(x->url);
	}
	free(x->body);
	free(x);
	fetch_clear(&f);
}
