/* host_fetch_body.c: fetch's response bodies, read as the head announces
 * them (Content-Length, chunked or to the close), never past
 * fetch_max_bytes. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "host/host.h"
#include "host/host_fetch_impl.h"

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
	if ((rv = ssrd__fetch_arm(x)) != 0
	    || (rv = nng_aio_set_iov(x->aio, 1, &iov)) != 0) {
		return rv;
	}
	nng_http_conn_read(x->conn, x->aio);
	if ((rv = ssrd__fetch_finish(x)) != 0) {
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
	if ((rv = ssrd__fetch_arm(x)) != 0
	    || (rv = nng_aio_set_iov(x->aio, 1, &iov)) != 0) {
		return rv;
	}
	nng_http_conn_read_all(x->conn, x->aio);
	if ((rv = ssrd__fetch_finish(x)) == 0) {
		x->body_len = n;
	}
	return rv;
}

int
ssrd__fetch_read_body(struct xfer *x, ssrd_host_result *r)
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
