/* http_request.c implements reading an HTTP request's untrusted parts: the
 * method, the path, the query and headers a page gets, the Host, and the
 * cache's conditional and encoding headers. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ssrd/errors.h>

#include "core/strbuf.h"
#include "http/http_request.h"
#include "proto/proto.h"
#include "source/routes.h"

/* The value of the first header called name (any case), or NULL. */
static const char *
header(const ssrd_http_header *h, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (h[i].name != NULL && h[i].value != NULL
		    && strcasecmp(h[i].name, name) == 0) {
			return h[i].value;
		}
	}
	return NULL;
}

/*
 * The path (the first len bytes of uri) decoded and normalised into *out
 * (malloc'd): SSRD_OK, SSRD_EINVAL for a path routes.c's matching refuses
 * (ssrd__routes_match(): the fuzzer holds the two to the same verdict), or
 * SSRD_ENOMEM. Checked here, before the page is looked for, so that no
 * such path reaches the response cache or a site.
 */
static int
path_normalise(const char *uri, size_t len, char **out)
{
	if (uri[0] != '/') {
		return SSRD_EINVAL;
	}
	/* decoding only shrinks: "/" and the bytes after it are enough */
	char *norm = malloc(len + 1);
	if (norm == NULL) {
		return SSRD_ENOMEM;
	}
	size_t o = 0, nsegs = 0;
	/* i: where a segment starts, just past a '/' */
	for (size_t i = 1; i < len; i++) {
		size_t n = strcspn(uri + i, "/");
		n        = n < len - i ? n : len - i;
		if (n == 0) {
			continue; /* an empty one, of "//" or a trailing '/' */
		}
		norm[o++]    = '/';
		size_t start = o;
		for (size_t k = i; k < i + n; k++) {
			int hi, lo;
			if (uri[k] != '%') {
				norm[o++] = uri[k];
			} else if (k + 2 < i + n
			    && (hi = ssrd__hexval(uri[k + 1])) >= 0
			    && (lo = ssrd__hexval(uri[k + 2])) >= 0
			    && (hi | lo) != 0 && !(hi == 2 && lo == 15)) {
				norm[o++] = (char) (hi * 16 + lo);
				k += 2;
			} else {
				/* a bad escape, or one of '/' or NUL */
				free(norm);
				return SSRD_EINVAL;
			}
		}
		size_t d = o - start;
		if (++nsegs > 64 || (d == 1 && norm[start] == '.')
		    || (d == 2 && norm[start] == '.'
		        && norm[start + 1] == '.')) {
			free(norm);
			return SSRD_EINVAL;
		}
		i += n;
	}
	if (o == 0) {
		norm[o++] = '/';
	}
	norm[o] = '\0';
	*out    = norm;
	return SSRD_OK;
}

/* Whether byte c may stand for itself in a path segment (RFC 3986: the
 * unreserved characters, the sub-delims, ':' and '@'). */
static int
segment_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || strchr("-._~!$&'()*+,;=:@", c) != NULL;
}

/*
 * The canonical spelling of a normalised path (see path_normalise): every
 * byte that may not stand for itself in a segment percent-encoded, upper
 * case, and nothing else. "/ab%6fut", "//about/" and "/about" all become
 * "/about", "/caf\xc3\xa9" "/caf%C3%A9". Matching it (routes.c decodes it
 * back) finds the same route; it is what pages get as their path and what
 * the response cache keys on. malloc'd; NULL for want of memory.
 */
static char *
path_canonical(const char *norm)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t            n     = strlen(norm);
	char             *out   = malloc(n * 3 + 1);
	size_t            o     = 0;
	if (out == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char) norm[i];
		if (c == '/' || segment_char(c)) {
			out[o++] = (char) c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

/* The headers in opts->pass that came, as a JSON object with lowercase
 * names (malloc'd; NULL when none came), in *out. */
static int
pass_headers(const ssrd_http_request_opts *opts, const ssrd_http_header *h,
    size_t nh, char **out)
{
	ssrd_strbuf b = { 0 };
	for (size_t i = 0; i < opts->npass; i++) {
		const char *v = header(h, nh, opts->pass[i]);
		if (v == NULL) {
			continue;
		}
		ssrd__strbuf_puts(&b, b.len ? "," : "{");
		ssrd__strbuf_json_string(
		    &b, opts->pass[i], strlen(opts->pass[i]));
		ssrd__strbuf_puts(&b, ":");
		ssrd__strbuf_json_text(&b, v, strlen(v));
	}
	*out = NULL;
	if (b.len == 0 && !ssrd__strbuf_failed(&b)) {
		return SSRD_OK;
	}
	ssrd__strbuf_puts(&b, "}");
	return (*out = ssrd__strbuf_take(&b)) != NULL ? SSRD_OK : SSRD_ENOMEM;
}

/* Whether an Authorization header's value is "Bearer <token>". */
static int
token_matches(const char *token, const char *authorization)
{
	if (authorization == NULL
	    || strncasecmp(authorization, "Bearer ", 7) != 0) {
		return 0;
	}
	return ssrd__secret_equal(token, authorization + 7);
}

/* Refuses r with status and its plain-text body. */
static int
refuse(ssrd_http_request *r, int status, const char *reason)
{
	r->status = status;
	r->reason = reason;
	return SSRD_EINVAL;
}

int
ssrd__http_request_parse(const ssrd_http_request_opts *opts, const char *method,
    const char *uri, const ssrd_http_header *headers, size_t nheaders,
    ssrd_http_request *r)
{
	memset(r, 0, sizeof(*r));
	r->uri      = uri;
	r->head     = strcmp(method, "HEAD") == 0;
	r->path_len = strcspn(uri, "?#");
	r->coding   = ssrd__http_request_coding(
	      header(headers, nheaders, "Accept-Encoding"));
	r->site
	    = ssrd__sites_pick(opts->sites, header(headers, nheaders, "Host"));
	if (!r->head && strcmp(method, "GET") != 0) {
		return refuse(r, 405, "405 method not allowed\n");
	}
	/* liveness and readiness, for load balancers and orchestrators */
	if (r->path_len == 8 && strncmp(uri, "/healthz", 8) == 0) {
		r->target = SSRD_HTTP_HEALTHZ;
		return SSRD_OK;
	}
	if (r->path_len == 7 && strncmp(uri, "/readyz", 7) == 0) {
		r->target = SSRD_HTTP_READYZ;
		return SSRD_OK;
	}
	if (opts->metrics && r->path_len == 8
	    && strncmp(uri, "/metrics", 8) == 0) {
		r->target = SSRD_HTTP_METRICS;
		if (opts->admin_token != NULL && opts->admin_token[0] != '\0'
		    && !token_matches(opts->admin_token,
		        header(headers, nheaders, "Authorization"))) {
			return refuse(r, 401,
			    "401 /metrics needs Authorization: Bearer "
			    "<admin_token>\n");
		}
		return SSRD_OK;
	}
	/* ssrd's own files: http.c compares the path with the bundle's URL */
	if (strncmp(uri, "/_ssrd/", 7) == 0) {
		r->target = SSRD_HTTP_ASSET;
		return SSRD_OK;
	}
	r->target = SSRD_HTTP_PAGE;
	int rv    = path_normalise(uri, r->path_len, &r->path);
	if (rv == SSRD_EINVAL) {
		return refuse(r, 400, "400 bad request path\n");
	}
	/* A file of the site's public/ directory, told by the normalised
	 * path: every spelling of it is the same path by now, and none
	 * leaves public/ by a "..". */
	if (rv == SSRD_OK && strncmp(r->path, "/public", 7) == 0
	    && (r->path[7] == '\0' || r->path[7] == '/')) {
		r->target = SSRD_HTTP_PUBLIC;
		r->file   = r->path + (r->path[7] == '/' ? 8 : 7);
		return SSRD_OK;
	}
	/* The page's props: the query string and the request headers that
	 * config passes on (http_headers). The response cache's key: the
	 * path and query, and what the page sees of the headers (the Vary
	 * part). */
	char *hjson = NULL;
	if (rv == SSRD_OK) {
		rv = pass_headers(opts, headers, nheaders, &hjson);
	}
	if (rv == SSRD_OK) {
		r->canon = path_canonical(r->path);
		r->props = ssrd__proto_page_props(uri, hjson,
		    hjson != NULL ? strlen(hjson) : 0, NULL, 0, &r->props_len);
		/* The props hold the query canonically (names sorted, one
		 * value each) and the headers pages see: with the canonical
		 * path, all that the page's output depends on. */
		int klen   = r->canon != NULL && r->props != NULL
		      ? asprintf(&r->key, "%s\n%s", r->canon, r->props)
		      : -1;
		r->key     = klen >= 0 ? r->key : NULL;
		r->key_len = klen >= 0 ? (size_t) klen : 0;
		rv = r->props != NULL && r->key != NULL ? SSRD_OK : SSRD_ENOMEM;
	}
	free(hjson);
	if (rv != SSRD_OK) {
		ssrd__http_request_clear(r);
	}
	return rv;
}

int
ssrd__http_request_read(const ssrd_http_request_opts *opts, const char *method,
    const char *uri, const char *(*get)(void *arg, const char *name), void *arg,
    ssrd_http_request *out)
{
	ssrd_http_header *hv = calloc(opts->npass + 3, sizeof(*hv));
	if (hv == NULL) {
		memset(out, 0, sizeof(*out));
		return SSRD_ENOMEM;
	}
	static const char *const own[]
	    = { "Host", "Authorization", "Accept-Encoding" };
	for (size_t i = 0; i < 3; i++) {
		hv[i].name  = own[i];
		hv[i].value = get(arg, own[i]);
	}
	for (size_t i = 0; i < opts->npass; i++) {
		hv[i + 3].name  = opts->pass[i];
		hv[i + 3].value = get(arg, opts->pass[i]);
	}
	int rv = ssrd__http_request_parse(
	    opts, method, uri, hv, opts->npass + 3, out);
	free(hv);
	return rv;
}

void
ssrd__http_request_clear(ssrd_http_request *r)
{
	if (r == NULL) {
		return;
	}
	free(r->path);
	free(r->canon);
	free(r->props);
	free(r->key);
	memset(r, 0, sizeof(*r));
}

/* RFC 9110's optional white space. */
static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t') {
		p++;
	}
	return p;
}

/* A qvalue ("0", "0.5", "1.000") in thousandths, or -1 if it is not one.
 * *p moves past it. */
static int
parse_q(const char **p)
{
	const char *s = *p;
	if (*s != '0' && *s != '1') {
		return -1;
	}
	int q = (*s++ - '0') * 1000;
	if (*s == '.') {
		s++;
		for (int scale = 100; scale > 0 && isdigit((unsigned char) *s);
		     scale /= 10) {
			q += (*s++ - '0') * scale;
		}
	}
	*p = s;
	return q <= 1000 ? q : -1;
}

/* Reads one element of an Accept-Encoding list from *p (its coding's name,
 * lowercased, into name; its q, thousandths) and moves *p past it and its
 * comma. Returns 1, or 0 for an element that does not parse (passed
 * over). */
static int
next_coding(const char **p, char *name, size_t cap, int *q)
{
	const char *s    = skip_ows(*p);
	size_t      n    = 0;
	int         good = 1;
	while (
	    *s != '\0' && *s != ',' && *s != ';' && *s != ' ' && *s != '\t') {
		if (n + 1 < cap) {
			name[n++] = (char) tolower((unsigned char) *s);
		} else {
			good = 0;
		}
		s++;
	}
	name[n] = '\0';
	*q      = 1000;
	for (s = skip_ows(s); *s == ';'; s = skip_ows(s)) {
		s = skip_ows(s + 1);
		if ((s[0] == 'q' || s[0] == 'Q') && skip_ows(s + 1)[0] == '=') {
			s  = skip_ows(skip_ows(s + 1) + 1);
			*q = parse_q(&s);
			s  = skip_ows(s);
			good &= *q >= 0
			    && (*s == ';' || *s == ',' || *s == '\0');
		}
		while (*s != '\0' && *s != ',' && *s != ';') {
			s++; /* another parameter, or what follows a q */
		}
	}
	if (*s != '\0' && *s != ',') {
		good = 0;
	}
	while (*s != '\0' && *s != ',') {
		s++;
	}
	*p = *s == ',' ? s + 1 : s;
	return good && n > 0;
}

ssrd_coding
ssrd__http_request_coding(const char *ae)
{
	/* each coding's q, -1 where the list does not name it */
	int q_gzip = -1, q_br = -1, q_star = -1;
	for (const char *p = ae; p != NULL && *p != '\0';) {
		char name[16];
		int  q;
		if (!next_coding(&p, name, sizeof(name), &q)) {
			continue;
		}
		if (strcmp(name, "gzip") == 0 || strcmp(name, "x-gzip") == 0) {
			q_gzip = q > q_gzip ? q : q_gzip;
		} else if (strcmp(name, "br") == 0) {
			q_br = q > q_br ? q : q_br;
		} else if (strcmp(name, "*") == 0) {
			q_star = q;
		}
	}
	int gzip = q_gzip >= 0 ? q_gzip : q_star > 0 ? q_star : 0;
	int br   = q_br >= 0 ? q_br : q_star > 0 ? q_star : 0;
	if (br > 0 && br >= gzip) {
		return SSRD_CODING_BR;
	}
	return gzip > 0 ? SSRD_CODING_GZIP : SSRD_CODING_IDENTITY;
}

int
ssrd__http_request_not_modified(const char *inm, const char *etag)
{
	return inm != NULL
	    && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0);
}
