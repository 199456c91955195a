/* host_fetch.c: fetch, plain HTTP/1.1 requests from pages to the hosts that
 * config's fetch_allow lists, made with nng's HTTP client: the operation and
 * the exchange (connect, send, read the head), with its options read in
 * host_fetch_opts.c, its URL checked in host_fetch_url.c and its body read
 * in host_fetch_body.c. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <nng/supplemental/util/platform.h>

#include <ssrd/errors.h>

#include "core/strbuf.h"
#include "host/host.h"
#include "host/host_fetch_impl.h"

/*
 * What nng 1.5 (Debian 12's libnng) can and cannot do shapes fetch:
 *
 * - TLS: Debian builds libnng with mbedTLS, so nng_tls_config_alloc()
 *   works, but ssrd has no CA or certificate configuration to give it, so
 *   https:// is refused rather than fetched unverified.
 * - Bodies: nng_http_conn_read_all() fills a buffer of a size known in
 *   advance, so it serves Content-Length bodies only. Chunked and
 *   close-delimited bodies are decoded (in host_fetch_body.c) from
 *   nng_http_conn_read(), which hands over whatever bytes arrive (those
 *   already buffered after the headers first), so no body is ever held
 *   beyond fetch_max_bytes.
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

/* Rejects *r for rv, the failure of an exchange while it was doing what
 * doing says. */
static void
reject_failed(struct xfer *x, const ssrd_host_opts *o, int rv,
    const char *doing, ssrd_host_result *r)
{
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

/* Reads the response's head into x->res, skipping interim 1xx responses
 * (100 Continue, 103 Early Hints) that come before the real one, a few at
 * most. */
static int
read_head(struct xfer *x)
{
	int rv;
	for (int tries = 0;; tries++) {
		if ((rv = ssrd__fetch_arm(x)) == 0) {
			nng_http_conn_read_res(x->conn, x->res, x->aio);
			rv = ssrd__fetch_finish(x);
		}
		uint16_t status = nng_http_res_get_status(x->res);
		if (rv != 0 || status >= 200 || status == 101 || tries == 4) {
			return rv;
		}
		nng_http_res_reset(x->res);
	}
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
	if ((rv = ssrd__fetch_arm(x)) == 0) {
		nng_http_client_connect(x->client, x->aio);
		rv = ssrd__fetch_finish(x);
	}
	if (rv != 0) {
		goto fail;
	}
	x->conn = nng_aio_get_output(x->aio, 0);
	doing   = "sending the request to";
	if ((rv = build_request(x)) != 0) {
		goto fail;
	}
	if ((rv = ssrd__fetch_arm(x)) == 0) {
		nng_http_conn_write_req(x->conn, x->req, x->aio);
		rv = ssrd__fetch_finish(x);
	}
	if (rv != 0 || (rv = nng_http_res_alloc(&x->res)) != 0) {
		goto fail;
	}
	doing = "reading the response from";
	if ((rv = read_head(x)) != 0) {
		goto fail;
	}
	if ((rv = ssrd__fetch_read_body(x, r)) == FETCH_EREJECTED) {
		return;
	}
	if (rv == 0) {
		resolve(x, r);
		return;
	}
fail:
	reject_failed(x, o, rv, doing, r);
}

/* Frees x and what it holds. The connection goes first: closing it stops
 * any I/O still using the aio. */
static void
xfer_free(struct xfer *x)
{
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
}

/* Reads the page's arguments into *f: the URL and the options. Returns 1,
 * or 0 with *r a rejection (and f still to be cleared). */
static int
read_request(const ssrd_host_req *req, struct fetch *f, ssrd_host_result *r)
{
	ssrd_json argv[2];
	int       n = ssrd__host_args(req, argv, 2);
	if (n < 1 || (f->url = ssrd__host_arg_string(&argv[0])) == NULL) {
		ssrd__host_reject(r,
		    "fetch(url, options): url must be a string (and options "
		    "an object, if given)");
		return 0;
	}
	snprintf(f->method, sizeof(f->method), "GET");
	if (n == 2 && !ssrd__json_is_null(&argv[1])
	    && ssrd__fetch_options(f, &argv[1]) != SSRD_OK) {
		ssrd__host_reject(
		    r, "%s", f->err[0] != '\0' ? f->err : "out of memory");
		return 0;
	}
	if (f->body != NULL
	    && (strcmp(f->method, "GET") == 0
	        || strcmp(f->method, "HEAD") == 0)) {
		ssrd__host_reject(
		    r, "fetch: a %s request cannot have a body", f->method);
		return 0;
	}
	return 1;
}

void
ssrd__host_fetch(const ssrd_host_req *req, ssrd_host_result *r)
{
	const ssrd_host_opts *o = req->opts;
	struct fetch          f = { 0 };
	struct xfer          *x = NULL;
	if (!read_request(req, &f, r)) {
		ssrd__fetch_clear(&f);
		return;
	}
	if (o->nfetch_allow == 0) {
		ssrd__host_reject(
		    r, "fetch: no host is allowed (config [host] fetch_allow)");
	} else if ((x = calloc(1, sizeof(*x))) == NULL) {
		ssrd__host_reject(r, "out of memory");
	} else if (ssrd__fetch_target(f.url, o, &x->url, x->hostport,
	               sizeof(x->hostport), r)) {
		x->f        = &f;
		x->max      = o->fetch_max_bytes;
		x->deadline = nng_clock() + (nng_time) o->fetch_timeout_ms;
		exchange(x, o, r);
	}
	if (x != NULL) {
		xfer_free(x);
	}
	ssrd__fetch_clear(&f);
}
