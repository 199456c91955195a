/* fuzz_http.c: libFuzzer target for the HTTP front's request path: h2o's
 * own HTTP/1.1 parser (the server's, configured by front_request.c), the
 * front's framing verdict, then the reading of each request
 * (http_request.c). The input is what a client sends on one connection:
 * any bytes, any number of requests. It goes to h2o over a socketpair and
 * the connection's whole answer comes back.
 *
 * Every request must be accepted or refused with a 4xx, never crash, read
 * out of bounds or leak (built with ASan and UBSan); an accepted page must
 * come with a normalised path, props that are a JSON object of well-formed
 * UTF-8, and a cache key made of its URI and the headers it passes on; an
 * accepted public file with a normalised path under /public and a file
 * name under public/ with no way up in it. Paths must get the verdict
 * routes.c's matching gives them, decoded the same way.
 *
 * And the framing: the answer is whole responses in the order of the
 * requests, nothing else; no more requests than heads were sent; a request
 * refused for its framing is the connection's last; a first head with a
 * Content-Length or Transfer-Encoding line is the only request read, so
 * no body is ever read as a request. Run by ctest for a bounded time
 * (tests/CMakeLists.txt). */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ssrd/errors.h>

#include "core/json.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "http/front_request.h"
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

/* A header's value as the server reads it (NULL: not sent). */
static const char *
get(h2o_req_t *req, const char *name)
{
	return ssrd__front_header(req, name);
}

/* The getter ssrd__http_request_read() takes. */
static const char *
get_header(void *req, const char *name)
{
	return ssrd__front_header(req, name);
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

/* Reads req as the server does (method and target NUL-terminated, as
 * exchange.c copies them) and checks what comes of it. Returns the status
 * the server would answer with. */
static int
check_request(h2o_req_t *req, const char *method, const char *uri)
{
	ssrd_http_request r;
	int               rv
	    = ssrd__http_request_read(&opts, method, uri, get_header, req, &r);
	int get_or_head
	    = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	/* routes.c's verdict on the path, with no route to find */
	ssrd_routes       none = { NULL, 0, 0 };
	const ssrd_route *hit;
	char             *params = NULL;
	int routes_rv = ssrd__routes_match(&none, uri, &hit, &params);
	if (params != NULL || routes_rv == SSRD_OK) {
		abort();
	}
	if (r.site != sites[0] && r.site != sites[1] && r.site != sites[2]) {
		abort();
	}
	if (r.site != sites[0]) {
		/* picked by its Host, case aside, port ignored */
		const char *host = get(req, "Host");
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
	    || r.head != (strcmp(method, "HEAD") == 0)) {
		abort();
	} else if (r.target == SSRD_HTTP_PAGE) {
		if (routes_rv != SSRD_ENOROUTE || r.file != NULL
		    || is_public(r.path)) {
			abort(); /* a path routes.c refuses got through */
		}
		check_path(&r, uri);
		check_props(&r, uri);
	} else if (r.target == SSRD_HTTP_PUBLIC) {
		if (routes_rv != SSRD_ENOROUTE) {
			abort();
		}
		check_path(&r, uri);
		check_public(&r);
	} else if (r.path != NULL || r.props != NULL || r.key != NULL
	    || r.file != NULL) {
		abort();
	}
	int status = rv == SSRD_OK ? 200 : r.status;
	ssrd__http_request_clear(&r);

	/* the response cache's conditional and encoding headers */
	/* a coding only when the header names it, or "*" */
	const char *ae = get(req, "Accept-Encoding");
	ssrd_coding cd = ssrd__http_request_coding(ae);
	if ((cd == SSRD_CODING_GZIP && strcasestr(ae, "gzip") == NULL
	        && strchr(ae, '*') == NULL)
	    || (cd == SSRD_CODING_BR && strcasestr(ae, "br") == NULL
	        && strchr(ae, '*') == NULL)
	    || (cd != SSRD_CODING_IDENTITY && cd != SSRD_CODING_GZIP
	        && cd != SSRD_CODING_BR)) {
		abort();
	}
	const char *inm  = get(req, "If-None-Match");
	const char *etag = "\"0123456789abcdef\"";
	int         nm   = ssrd__http_request_not_modified(inm, etag);
	if (nm
	    != (inm != NULL
	        && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0))) {
		abort();
	}
	return status;
}

/* ---- the connection: h2o's side and the client's ---- */

/* What the handler answered each request with, in order. */
#define MAX_RECORDS 4096
static struct record {
	int status;
	int head;    /* a HEAD request: its answer has no body */
	int refused; /* for its framing: the connection's last */
} records[MAX_RECORDS];
static size_t nrecords;

static h2o_globalconf_t config;
static h2o_context_t    ctx;
static h2o_accept_ctx_t actx;
static h2o_evloop_t    *loop;
static int              conn_closed;

static void
on_close(void *data)
{
	(void) data;
	conn_closed = 1;
}

/* The handler: the front's framing verdict, then the reading; each
 * request answered at once with its status. */
static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
	(void) self;
	if (nrecords == MAX_RECORDS) {
		abort(); /* more requests than the input could hold */
	}
	struct record *rec    = &records[nrecords++];
	const char    *method = h2o_strdup(
	       &req->pool, req->input.method.base, req->input.method.len)
	                         .base;
	const char *uri
	    = h2o_strdup(&req->pool, req->input.path.base, req->input.path.len)
	          .base;
	const char *text;
	rec->head    = strcmp(method, "HEAD") == 0;
	rec->status  = ssrd__front_framing(req, &text);
	rec->refused = rec->status != 0;
	if (rec->refused) {
		if (text == NULL || strtol(text, NULL, 10) != rec->status) {
			abort();
		}
		req->http1_is_persistent = 0;
	} else {
		rec->status = check_request(req, method, uri);
	}
	req->res.status = rec->status;
	req->res.reason = "fuzz";
	/* framed by its length, as exchange.c frames a whole reply (a HEAD's
	 * head alone, with the length a GET would have had) */
	req->res.content_length = 7;
	h2o_send_inline(req, "answer\n", 7);
	return 0;
}

static void
start(void)
{
	ssrd__front_configure(&config, 1000, on_req);
	loop = h2o_evloop_create();
	h2o_context_init(&ctx, loop, &config);
	actx.ctx   = &ctx;
	actx.hosts = config.hosts;
}

/* The value of a response head's Content-Length, or -1 if none. */
static long
content_length(const char *head, size_t len)
{
	for (size_t i = 0; i + 16 < len; i++) {
		if (head[i] == '\n'
		    && strncasecmp(head + i + 1, "content-length:", 15) == 0) {
			return strtol(head + i + 16, NULL, 10);
		}
	}
	return -1;
}

/* The heads in the input (a line break, maybe a CR, a line break), past
 * any empty lines before the first: no more requests can be read. */
static size_t
count_heads(const char *in, size_t n, size_t *first_end)
{
	size_t i = 0, heads = 0;
	while (i < n && (in[i] == '\r' || in[i] == '\n')) {
		i++;
	}
	*first_end = n;
	for (; i < n; i++) {
		if (in[i] == '\n'
		    && ((i + 1 < n && in[i + 1] == '\n')
		        || (i + 2 < n && in[i + 1] == '\r'
		            && in[i + 2] == '\n'))) {
			if (heads++ == 0) {
				*first_end = i;
			}
		}
	}
	return heads;
}

/* Whether the first head (up to end) has a line, not a continuation,
 * naming Content-Length or Transfer-Encoding. */
static int
frames_a_body(const char *in, size_t end)
{
	for (size_t i = 0; i < end; i++) {
		if (in[i] != '\n') {
			continue;
		}
		const char *l = in + i + 1;
		size_t      n = end - i - 1;
		if ((n >= 15 && strncasecmp(l, "content-length:", 15) == 0)
		    || (n >= 18
		        && strncasecmp(l, "transfer-encoding:", 18) == 0)) {
			return 1;
		}
	}
	return 0;
}

/* The connection's answer: whole responses for the records in order, and
 * at most one of h2o's own (a request it could not read) last. */
static void
check_answer(const char *out, size_t n)
{
	size_t pos = 0, i = 0;
	int    own = 0;
	while (pos < n) {
		if (own || n - pos < 12
		    || strncmp(out + pos, "HTTP/1.", 7) != 0) {
			abort(); /* after h2o's own refusal, or not a response
			          */
		}
		int         status = (int) strtol(out + pos + 9, NULL, 10);
		const char *end    = memmem(out + pos, n - pos, "\r\n\r\n", 4);
		if (end == NULL) {
			abort(); /* a head cut short */
		}
		size_t hlen = (size_t) (end + 4 - (out + pos));
		long   cl   = content_length(out + pos, hlen);
		size_t body;
		if (status >= 100 && status < 200) {
			body = 0; /* 100 Continue: an interim answer */
		} else if (i < nrecords) {
			if (status != records[i].status || cl < 0
			    || (i > 0 && records[i - 1].refused)) {
				abort();
			}
			body = records[i].head ? 0 : (size_t) cl;
			i++;
		} else {
			if (status < 400 || status > 499 || cl < 0) {
				abort(); /* h2o's own answer: a refusal */
			}
			/* whole, or its head alone if it answers a HEAD */
			body = n - pos - hlen == 0 ? 0 : (size_t) cl;
			own  = 1;
		}
		if (n - pos - hlen < body) {
			abort(); /* a body cut short */
		}
		pos += hlen + body;
	}
	if (i != nrecords) {
		abort(); /* a request left unanswered */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (loop == NULL) {
		start();
	}
	int sv[2];
	if (socketpair(
	        AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv)
	    != 0) {
		abort();
	}
	/* the client's bytes, then its end of sending */
	for (size_t off = 0; off < size;) {
		ssize_t w = write(sv[1], data + off, size - off);
		if (w <= 0) {
			abort(); /* the input fits the socket's buffer */
		}
		off += (size_t) w;
	}
	shutdown(sv[1], SHUT_WR);
	nrecords           = 0;
	conn_closed        = 0;
	h2o_socket_t *sock = h2o_evloop_socket_create(
	    loop, sv[0], H2O_SOCKET_FLAG_IS_ACCEPTED_CONNECTION);
	sock->on_close.cb   = on_close;
	sock->on_close.data = NULL;
	h2o_accept(&actx, sock);
	ssrd_strbuf out = { 0 };
	char        buf[16384];
	/* h2o answers what it read and closes at the end of the input: no
	 * idle timeout is waited for (that would be a stall) */
	for (int round = 0; !conn_closed; round++) {
		if (round == 1000) {
			abort();
		}
		h2o_evloop_run(loop, 1);
		ssize_t r;
		while ((r = read(sv[1], buf, sizeof(buf))) > 0) {
			ssrd__strbuf_append(&out, buf, (size_t) r);
		}
	}
	ssize_t r;
	while ((r = read(sv[1], buf, sizeof(buf))) > 0) {
		ssrd__strbuf_append(&out, buf, (size_t) r);
	}
	close(sv[1]);
	if (getenv("FUZZ_HTTP_SHOW") != NULL) {
		fprintf(stderr, "records=%zu answer=[%.*s]\n", nrecords,
		    (int) out.len, out.ptr ? out.ptr : "");
	}
	check_answer(out.ptr, out.len);
	size_t first_end;
	if (nrecords > count_heads((const char *) data, size, &first_end)) {
		abort(); /* a request out of what was no head */
	}
	if (frames_a_body((const char *) data, first_end)
	    && (nrecords > 1 || (nrecords == 1 && !records[0].refused))) {
		abort(); /* a body read as a request */
	}
	ssrd__strbuf_free(&out);
	return 0;
}
