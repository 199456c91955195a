/* fuzz_http.c: libFuzzer target for reading HTTP requests
 * (src/http_request.c). The input is a raw HTTP/1.1 request: a request
 * line, then header lines up to an empty one. Every request must be
 * accepted or refused with a 4xx, never crash, read out of bounds or leak
 * (built with ASan and UBSan); an accepted page must come with a
 * normalised path, props that are a JSON object of well-formed UTF-8, and
 * a cache key made of its URI and the headers it passes on; an accepted
 * public file with a normalised path under /public and a file name under
 * public/ with no way up in it. Paths must get
 * the verdict routes.c's matching gives them, decoded the same way. Run by
 * ctest for a bounded time (tests/CMakeLists.txt). */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ssrd/errors.h>

#include "core/json.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "http/http_request.h"
#include "source/routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The server's side: headers passed to pages, three sites by Host (the
 * reloaders are never looked into, only picked). */
static char *pass[] = { "accept-language", "user-agent", "x-long", "host" };
static char  site_mem[3];
static ssrd_reloader *const sites[] = { (ssrd_reloader *) &site_mem[0],
	(ssrd_reloader *) &site_mem[1], (ssrd_reloader *) &site_mem[2] };
static char *hosts[] = { NULL, "shop.example.com", "blog.example.com" };
static const ssrd_sites table = {
	.n     = 3,
	.v     = (ssrd_reloader **) sites,
	.hosts = hosts,
};
static const ssrd_http_request_opts opts = {
	.pass  = pass,
	.npass = 4,
	.sites = &table,
};

#define MAX_HEADERS 32

/* A request as nng's parser leaves it: C strings (a NUL byte ends one),
 * a repeated header's values joined with ", ". */
struct request {
	char            *method, *uri;
	ssrd_http_header h[MAX_HEADERS];
	size_t           nh;
};

/* The next line of [*p, end) without its "\r\n" or "\n", as a C string. */
static char *
next_line(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t) (end - *p));
	const char *e  = nl != NULL ? nl : end;
	char       *s  = strndup(*p, (size_t) (e - *p));
	*p             = nl != NULL ? nl + 1 : end;
	size_t n       = strlen(s);
	if (n > 0 && s[n - 1] == '\r') {
		s[n - 1] = '\0';
	}
	return s;
}

static char *
trim(char *s)
{
	while (*s == ' ' || *s == '\t') {
		s++;
	}
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
		s[--n] = '\0';
	}
	return s;
}

static void
split_request(const char *data, size_t size, struct request *rq)
{
	const char *p = data, *end = data + size;
	char       *line = next_line(&p, end);
	char       *sp   = strchr(line, ' ');
	char       *uri  = sp != NULL ? sp + 1 : "";
	char       *sp2  = strchr(uri, ' ');
	if (sp != NULL) {
		*sp = '\0';
	}
	if (sp2 != NULL) {
		*sp2 = '\0'; /* the version, which nng checks, is dropped */
	}
	rq->method = strdup(line);
	rq->uri    = strdup(uri);
	free(line);
	rq->nh = 0;
	while (p < end) {
		line = next_line(&p, end);
		if (line[0] == '\0') {
			free(line);
			break;
		}
		char *colon = strchr(line, ':');
		if (colon == NULL || colon == line) {
			free(line); /* nng refuses the request */
			continue;
		}
		*colon            = '\0';
		const char *value = trim(colon + 1);
		size_t      i     = 0;
		while (i < rq->nh && strcasecmp(rq->h[i].name, line) != 0) {
			i++;
		}
		if (i < rq->nh) {
			char *joined;
			if (asprintf(&joined, "%s, %s", rq->h[i].value, value)
			    < 0) {
				abort();
			}
			free((char *) rq->h[i].value);
			rq->h[i].value = joined;
		} else if (rq->nh < MAX_HEADERS) {
			rq->h[rq->nh].name  = strdup(line);
			rq->h[rq->nh].value = strdup(value);
			rq->nh++;
		}
		free(line);
	}
}

static void
free_request(struct request *rq)
{
	free(rq->method);
	free(rq->uri);
	for (size_t i = 0; i < rq->nh; i++) {
		free((char *) rq->h[i].name);
		free((char *) rq->h[i].value);
	}
}

static const char *
get(const struct request *rq, const char *name)
{
	for (size_t i = 0; i < rq->nh; i++) {
		if (strcasecmp(rq->h[i].name, name) == 0) {
			return rq->h[i].value;
		}
	}
	return NULL;
}

/* 1 if the n bytes at s are well-formed UTF-8: they come back unchanged
 * through UTF-16, where each ill-formed sequence would become U+FFFD. */
static int
utf8_ok(const char *s, size_t n)
{
	uint16_t *u16 = malloc((n ? n : 1) * sizeof(*u16));
	uint8_t  *u8  = malloc(n ? 3 * n : 1);
	if (u16 == NULL || u8 == NULL) {
		abort();
	}
	size_t units = ssrd__utf16_from_utf8((const uint8_t *) s, n, u16);
	size_t len   = ssrd__utf8_from_utf16(u16, units, u8);
	int    ok    = len == n && memcmp(u8, s, n) == 0;
	free(u16);
	free(u8);
	return ok;
}

/* A member whose value must be a string of well-formed UTF-8. */
static int
string_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	char  *s;
	size_t len;
	(void) ctx;
	if (!utf8_ok(key, keylen) || ssrd__json_peek(j) != '"'
	    || ssrd__json_string_dup(j, &s, &len) != SSRD_OK) {
		abort();
	}
	if (!utf8_ok(s, len)) {
		abort();
	}
	free(s);
	return SSRD_OK;
}

/* A member whose value must be a string. */
static int
any_string(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	char *s;
	(void) key, (void) keylen, (void) ctx;
	if (ssrd__json_peek(j) != '"'
	    || ssrd__json_string_dup(j, &s, NULL) != SSRD_OK) {
		abort();
	}
	free(s);
	return SSRD_OK;
}

/* The raw text of props' "headers" member, found by props_member(). */
struct props_seen {
	const char *headers;
	size_t      headers_len;
	int         query;
};

/* The query's names, as they come: strictly ascending bytewise (sorted, no
 * name twice), so that equivalent queries give one object. */
struct names_seen {
	char  *last;
	size_t last_len;
	int    any;
};

static int
query_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct names_seen *n = ctx;
	if (n->any) {
		size_t m = n->last_len < keylen ? n->last_len : keylen;
		int    c = memcmp(n->last, key, m);
		if (c > 0 || (c == 0 && n->last_len >= keylen)) {
			abort(); /* not after the one before */
		}
	}
	free(n->last);
	n->last = malloc(keylen + 1);
	memcpy(n->last, key, keylen);
	n->last_len = keylen;
	n->any      = 1;
	return string_member(j, key, keylen, NULL);
}

/* props: "query" and "headers" are objects of strings, "headers" named
 * only with names config passes. */
static int
header_name(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	size_t i = 0;
	while (i < opts.npass && strcmp(key, opts.pass[i]) != 0) {
		i++;
	}
	if (i == opts.npass) {
		abort();
	}
	return string_member(j, key, keylen, ctx);
}

static int
props_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct props_seen *seen = ctx;
	(void) keylen;
	if (strcmp(key, "query") == 0 && !seen->query) {
		struct names_seen names = { NULL, 0, 0 };
		seen->query             = 1;
		if (ssrd__json_peek(j) != '{'
		    || ssrd__json_object(j, query_member, &names) != SSRD_OK
		    || !names.any) {
			abort(); /* an empty query is none */
		}
		free(names.last);
		return SSRD_OK;
	}
	if (strcmp(key, "headers") == 0 && seen->headers == NULL) {
		ssrd__json_peek(j); /* past the whitespace */
		seen->headers = j->p;
		if (ssrd__json_peek(j) != '{'
		    || ssrd__json_object(j, header_name, NULL) != SSRD_OK) {
			abort();
		}
		seen->headers_len = (size_t) (j->p - seen->headers);
		return SSRD_OK;
	}
	abort(); /* nothing else: the request gives no props of its own */
}

/* Whether the query of uri (after a '?' before any '#') has a pair: a
 * non-empty piece between '&'s. */
static int
has_query(const char *uri)
{
	size_t at = strcspn(uri, "?#");
	if (uri[at] != '?') {
		return 0;
	}
	const char *q   = uri + at + 1;
	size_t      len = strcspn(q, "#");
	for (size_t i = 0; i < len; i++) {
		if (q[i] != '&') {
			return 1;
		}
	}
	return 0;
}

/* The canonical path: only bytes that may stand for themselves, and %XX
 * (upper case) for the rest; decoded, it is the normalised path. */
static void
check_canon(const ssrd_http_request *r)
{
	const char *c = r->canon;
	char       *dec;
	size_t      o = 0;
	if (c == NULL || (dec = malloc(strlen(c) + 1)) == NULL) {
		abort();
	}
	for (size_t i = 0; c[i] != '\0'; i++) {
		unsigned char b = (unsigned char) c[i];
		if (b == '%') {
			int hi = ssrd__hexval(c[i + 1]);
			int lo = hi >= 0 ? ssrd__hexval(c[i + 2]) : -1;
			if (lo < 0 || islower((unsigned char) c[i + 1])
			    || islower((unsigned char) c[i + 2])) {
				abort();
			}
			dec[o++] = (char) (hi * 16 + lo);
			i += 2;
		} else if (b <= ' ' || b >= 0x7f
		    || strchr("\"#<>?[\\]^`{|}", b)) {
			abort(); /* a byte that may not stand for itself */
		} else {
			dec[o++] = (char) b;
		}
	}
	dec[o] = '\0';
	if (strcmp(dec, r->path) != 0) {
		abort();
	}
	free(dec);
}

/* A page's props are a JSON object; its key is the canonical path, a
 * newline and the props. */
static void
check_props(const ssrd_http_request *r, const char *uri)
{
	ssrd_json         j;
	struct props_seen seen = { NULL, 0, 0 };
	if (r->props == NULL || strlen(r->props) != r->props_len) {
		abort();
	}
	ssrd__json_init(&j, r->props, r->props_len);
	if (ssrd__json_peek(&j) != '{'
	    || ssrd__json_object(&j, props_member, &seen) != SSRD_OK
	    || ssrd__json_end(&j) != SSRD_OK) {
		abort();
	}
	/* a query member exactly when the URI's query has a pair */
	if (seen.query != has_query(uri)) {
		abort();
	}
	check_canon(r);
	size_t clen = strlen(r->canon);
	if (r->key == NULL || strlen(r->key) != r->key_len
	    || r->key_len != clen + 1 + r->props_len
	    || memcmp(r->key, r->canon, clen) != 0 || r->key[clen] != '\n'
	    || memcmp(r->key + clen + 1, r->props, r->props_len) != 0) {
		abort();
	}
}

/* The normalised path: "/" or "/seg/seg", no empty, "." or ".." segment;
 * and routes.c decodes the URI to the same segments. */
static void
check_path(const ssrd_http_request *r, const char *uri)
{
	const char *p = r->path;
	if (p == NULL || p[0] != '/' || strlen(p) > r->path_len
	    || (p[1] == '\0') != (strspn(uri, "/") >= r->path_len)) {
		abort();
	}
	char  *copy = strdup(p + 1), *save = NULL;
	char  *segs[64];
	size_t nsegs = 0;
	for (char *seg = strtok_r(copy, "/", &save); seg != NULL;
	     seg       = strtok_r(NULL, "/", &save)) {
		if (nsegs == 64 || strcmp(seg, ".") == 0
		    || strcmp(seg, "..") == 0) {
			abort();
		}
		segs[nsegs++] = seg;
	}
	/* no empty segment: as many as the slashes say */
	size_t slashes = 0;
	for (const char *c = p; *c != '\0'; c++) {
		slashes += *c == '/';
	}
	if (p[1] != '\0' && slashes != nsegs) {
		abort();
	}
	/* one route of exactly those segments (one starting with ':' is a
	 * dynamic one): the URI matches it, its params an object of strings
	 * (the bytes as decoded: V8 reads ill-formed UTF-8 as U+FFFD) */
	unsigned char kinds[64];
	for (size_t i = 0; i < nsegs; i++) {
		kinds[i]
		    = segs[i][0] == ':' ? SSRD_SEG_DYNAMIC : SSRD_SEG_STATIC;
	}
	ssrd_route        route  = { .pattern = "(fuzz)",
		        .page_key             = "app/page.jsx",
		        .segs                 = segs,
		        .kinds                = kinds,
		        .nsegs                = nsegs };
	ssrd_routes       routes = { .v = &route, .n = 1 };
	const ssrd_route *hit    = NULL;
	char             *params = NULL;
	if (ssrd__routes_match(&routes, uri, &hit, &params) != SSRD_OK
	    || hit != &route) {
		abort();
	}
	ssrd_json j;
	ssrd__json_init(&j, params, strlen(params));
	if (ssrd__json_peek(&j) != '{'
	    || ssrd__json_object(&j, any_string, NULL) != SSRD_OK
	    || ssrd__json_end(&j) != SSRD_OK) {
		abort();
	}
	free(params);
	free(copy);
}

/* 1 if a normalised path's first segment is "public". */
static int
is_public(const char *path)
{
	return path != NULL && strncmp(path, "/public", 7) == 0
	    && (path[7] == '\0' || path[7] == '/');
}

/* A public file: a normalised path under /public, file its tail after
 * "/public/" (or "" for /public itself), relative with no empty, "." or
 * ".." segment (check_path() has the rest), and nothing of a page's. */
static void
check_public(const ssrd_http_request *r)
{
	const char *f = r->file;
	if (!is_public(r->path) || f == NULL
	    || f != r->path + (r->path[7] == '/' ? 8 : 7) || f[0] == '/'
	    || (f[0] != '\0' && f[strlen(f) - 1] == '/') || strstr(f, "//")
	    || r->props != NULL || r->key != NULL) {
		abort();
	}
	for (const char *c = f; *c != '\0';) {
		size_t n = strcspn(c, "/");
		if ((n == 1 && c[0] == '.')
		    || (n == 2 && c[0] == '.' && c[1] == '.')) {
			abort();
		}
		c += n + (c[n] == '/');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so any read past the end is caught */
	char *buf = malloc(size ? size : 1);
	if (buf == NULL) {
		abort();
	}
	memcpy(buf, data, size);
	struct request req;
	split_request(buf, size, &req);
	free(buf);

	ssrd_http_request r;
	int               rv = ssrd__http_request_parse(
	                  &opts, req.method, req.uri, req.h, req.nh, &r);
	int get_or_head
	    = strcmp(req.method, "GET") == 0 || strcmp(req.method, "HEAD") == 0;
	/* routes.c's verdict on the path, with no route to find */
	ssrd_routes       none = { NULL, 0, 0 };
	const ssrd_route *hit;
	char             *params = NULL;
	int routes_rv = ssrd__routes_match(&none, req.uri, &hit, &params);
	if (params != NULL || routes_rv == SSRD_OK) {
		abort();
	}
	if (r.site != sites[0] && r.site != sites[1] && r.site != sites[2]) {
		abort();
	}
	if (r.site != sites[0]) {
		/* picked by its Host, case aside, port ignored */
		const char *host = get(&req, "Host");
		size_t      i    = r.site == sites[1] ? 1 : 2;
		size_t      n    = strlen(hosts[i]);
		if (host == NULL || strncasecmp(host, hosts[i], n) != 0
		    || (host[n] != '\0' && host[n] != ':')) {
			abort();
		}
	}
	if (rv == SSRD_EINVAL) {
		/* refused: a 4xx with its text, nothing else held */
		if (r.status < 400 || r.status > 499 || r.reason == NULL
		    || strtol(r.reason, NULL, 10) != r.status || r.path != NULL
		    || r.file != NULL || r.props != NULL || r.key != NULL
		    || (r.status == 405) != !get_or_head
		    || (r.status == 400
		        && (r.target != SSRD_HTTP_PAGE
		            || routes_rv != SSRD_EINVAL))) {
			abort();
		}
	} else if (rv != SSRD_OK || r.status != 0 || !get_or_head
	    || r.head != (strcmp(req.method, "HEAD") == 0)) {
		abort();
	} else if (r.target == SSRD_HTTP_PAGE) {
		if (routes_rv != SSRD_ENOROUTE || r.file != NULL
		    || is_public(r.path)) {
			abort(); /* a path routes.c refuses got through */
		}
		check_path(&r, req.uri);
		check_props(&r, req.uri);
	} else if (r.target == SSRD_HTTP_PUBLIC) {
		if (routes_rv != SSRD_ENOROUTE) {
			abort();
		}
		check_path(&r, req.uri);
		check_public(&r);
	} else if (r.path != NULL || r.props != NULL || r.key != NULL
	    || r.file != NULL) {
		abort();
	}
	ssrd__http_request_clear(&r);

	/* the response cache's conditional and encoding headers */
	/* a coding only when the header names it, or "*" */
	const char *ae = get(&req, "Accept-Encoding");
	ssrd_coding cd = ssrd__http_request_coding(ae);
	if ((cd == SSRD_CODING_GZIP && strcasestr(ae, "gzip") == NULL
	        && strchr(ae, '*') == NULL)
	    || (cd == SSRD_CODING_BR && strcasestr(ae, "br") == NULL
	        && strchr(ae, '*') == NULL)
	    || (cd != SSRD_CODING_IDENTITY && cd != SSRD_CODING_GZIP
	        && cd != SSRD_CODING_BR)) {
		abort();
	}
	const char *inm  = get(&req, "If-None-Match");
	const char *etag = "\"0123456789abcdef\"";
	int         nm   = ssrd__http_request_not_modified(inm, etag);
	if (nm
	    != (inm != NULL
	        && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0))) {
		abort();
	}
	free_request(&req);
	return 0;
}
