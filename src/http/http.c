/* http.c implements the HTTP front: route matching, a render on the pool, and
 * the reply. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include <ssrd/errors.h>

#include "core/log.h"
#include "core/strbuf.h"
#include "core/timers.h"
#include "diag/diagnose.h"
#include "diag/stats.h"
#include "http/http.h"
#include "http/http_public.h"
#include "http/http_request.h"
#include "http/httpstream.h"
#include "proto/proto.h"
#include "render/respcache.h"
#include "source/routes.h"

struct ssrd_http {
	nng_http_server  *server;
	nng_http_handler *handler;
	ssrd_pool        *pool;
	ssrd_reloader   **sites; /* by slot */
	char            **hosts; /* by slot; NULL entries match no Host */
	size_t            nsites;
	atomic_ullong     next_id;
	char            **pass; /* request headers pages get, lowercase */
	size_t            npass;
	/* what bounds replies on taken-over connections, with the Vary
	 * header's value ("Accept-Encoding, accept-language") */
	ssrd_httpstream_opts stream_opts;
	ssrd_respcache      *cache;                /* NULL: off */
	int                  cache_ttl, cache_swr; /* defaults, s */
	atomic_int           draining; /* ssrd__http_drain(): refuse requests */
	/* handlers running and buffered replies waiting for their render:
	 * what a drain waits for before the server stops */
	atomic_long busy;
	/* /metrics: what it reports (NULL: no /metrics), and the token it
	 * needs (NULL or "": none) */
	const ssrd_diagnose_src *report;
	char                    *admin_token;
	ssrd_public *public; /* the threads serving /public/ */
};

/* The headers every response carries: what the browser is told about the
 * content (security headers unless turned off). One HTTP server per
 * process; set by ssrd__http_start(). */
static int         security_headers  = 1;
static const char *header_lines[][2] = {
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Frame-Options", "SAMEORIGIN" },
	{ "Referrer-Policy", "strict-origin-when-cross-origin" },
};

void
ssrd__http_each_header(
    void (*fn)(const char *name, const char *value, void *arg), void *arg)
{
	size_t n = security_headers
	    ? sizeof(header_lines) / sizeof(header_lines[0])
	    : 1; /* nosniff always */
	for (size_t i = 0; i < n; i++) {
		fn(header_lines[i][0], header_lines[i][1], arg);
	}
}

static void
set_res_header(const char *name, const char *value, void *arg)
{
	nng_http_res_set_header(arg, name, value);
}

/* Routes whose failed renders fall back to rendering in the browser
 * (client_fallback: patterns as `ssrd routes` shows them, or "*"). */
static char **fallback_routes;
static size_t nfallback_routes;

char *
ssrd__http_fallback_page(const ssrd_job *job, size_t *len)
{
	const ssrd_site *site    = job->site;
	const char      *pattern = site->routes.v[job->route].pattern;
	size_t           i       = 0;
	while (i < nfallback_routes && strcmp(fallback_routes[i], "*") != 0
	    && strcmp(fallback_routes[i], pattern) != 0) {
		i++;
	}
	if (i == nfallback_routes || site->client_url[0] == '\0'
	    || job->status != 200) {
		return NULL;
	}
	/* the props as the page would have had them: params first, then the
	 * request's (query, headers, props) */
	const char *props = job->props_json ? job->props_json : "{}";
	const char *inner = strchr(props, '{');
	inner             = inner ? inner + 1 : "}";
	while (*inner == ' ' || *inner == '\n' || *inner == '\t') {
		inner++;
	}
	ssrd_strbuf data = { 0 };
	ssrd__strbuf_puts(&data, "{\"page\":");
	ssrd__strbuf_json_string(&data, job->page_key, strlen(job->page_key));
	ssrd__strbuf_puts(&data, ",\"path\":");
	ssrd__strbuf_json_string(&data, job->path, strlen(job->path));
	ssrd__strbuf_printf(&data,
	    ",\"props\":{\"params\":%s%s%s,\"fallback\":true}",
	    job->params_json, *inner == '}' ? "" : ",", inner);
	ssrd_strbuf b = { 0 };
	ssrd__strbuf_puts(&b,
	    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"/>"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"/></head><body><script>window.__SSRD__=");
	/* every < escaped: no prop can close the script */
	for (size_t k = 0; data.ptr != NULL && k < data.len; k++) {
		if (data.ptr[k] == '<') {
			ssrd__strbuf_puts(&b, "\\u003c");
		} else {
			ssrd__strbuf_append(&b, &data.ptr[k], 1);
		}
	}
	ssrd__strbuf_printf(&b,
	    ";</script><script src=\"%s\" async></script>"
	    "</body></html>",
	    site->client_url);
	ssrd__strbuf_free(&data);
	if (ssrd__strbuf_failed(&b)) {
		ssrd__strbuf_free(&b);
		return NULL;
	}
	*len = b.len;
	return ssrd__strbuf_take(&b);
}

/*
 * Gives res its body: a copy of len bytes, or for HEAD the bytes themselves
 * uncopied, which nng's server drops before writing, keeping their length
 * as Content-Length (RFC 9110: a HEAD answer gives the GET's length; a
 * Content-Length set by hand with no data nng would send as 0).
 */
static int
res_body(nng_http_res *res, const char *body, size_t len, int head)
{
	return head ? nng_http_res_set_data(res, body, len)
	            : nng_http_res_copy_data(res, body, len);
}

/* Finishes aio with res (made with status rv): its body, or for HEAD only
 * its length. */
static void
res_finish(nng_aio *aio, nng_http_res *res, int rv, const char *body,
    size_t len, int head)
{
	if (rv == 0) {
		rv = res_body(res, body, len, head);
	}
	if (rv != 0) {
		if (res != NULL) {
			nng_http_res_free(res);
		}
		nng_aio_finish(aio, rv);
		return;
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

/* Finishes aio with a response: status, content type and body. A 503 is
 * temporary (overloaded, draining): Retry-After tells clients and proxies
 * when to ask again; close also ends the connection after it, so that a
 * client that retries connects afresh (to another instance behind a
 * balancer, or to this one restarted). */
static void
reply(nng_aio *aio, uint16_t status, const char *ctype, const char *body,
    size_t len, int head, int close)
{
	nng_http_res *res = NULL;
	int           rv  = nng_http_res_alloc(&res);
	if (rv == 0) {
		nng_http_res_set_status(res, status);
		nng_http_res_set_header(res, "Content-Type", ctype);
		ssrd__http_each_header(set_res_header, res);
		if (status == 503) {
			nng_http_res_set_header(res, "Retry-After", "1");
		}
		if (status == 405) {
			nng_http_res_set_header(res, "Allow", "GET, HEAD");
		}
		if (close) {
			nng_http_res_set_header(res, "Connection", "close");
		}
	}
	res_finish(aio, res, rv, body, len, head);
}

static void
reply_text(nng_aio *aio, uint16_t status, const char *text, int head)
{
	reply(aio, status, "text/plain; charset=utf-8", text, strlen(text),
	    head, 0);
}

/* The answer while ssrd shuts down: come back later, on a new connection. */
static void
reply_closing(nng_aio *aio, uint16_t status, const char *text, int head)
{
	reply(aio, status, "text/plain; charset=utf-8", text, strlen(text),
	    head, 1);
}

struct pending {
	nng_aio         *aio;
	int              head;
	ssrd_cache_fill *fill; /* the response cache's, or NULL */
	ssrd_http       *http;
};

const char *
ssrd__http_status_text(int status)
{
	switch (status) {
	case 400:
		return "400 bad request\n";
	case 404:
		return "404 not found\n";
	case 503:
		return "503 service unavailable\n";
	case 504:
		return "504 render timed out\n";
	default:
		return "500 render failed\n";
	}
}

void
ssrd__http_log_render(const ssrd_job *job, int streamed)
{
	if (job->err != SSRD_OK) {
		char *q
		    = ssrd__log_quote(job->error_text ? job->error_text : "",
		        job->error_text ? strlen(job->error_text) : 0);
		ssrd__log(SSRD_LOG_ERROR, "render_failed",
		    "render=%llu path=%s error=%s streamed=%d detail=%s",
		    (unsigned long long) job->id, job->path,
		    ssrd_err_name(job->err), streamed, q ? q : "\"\"");
		free(q);
	}
}

/* A static asset (the browser bundle), cached for good by its URL. */
static void
reply_asset(nng_aio *aio, const char *body, size_t len, int head)
{
	nng_http_res *res = NULL;
	int           rv  = nng_http_res_alloc(&res);
	if (rv == 0) {
		nng_http_res_set_header(
		    res, "Content-Type", "text/javascript; charset=utf-8");
		nng_http_res_set_header(res, "Cache-Control",
		    "public, max-age=31536000, immutable");
		ssrd__http_each_header(set_res_header, res);
	}
	res_finish(aio, res, rv, body, len, head);
}

/* The browser-rendered stand-in for a page the server could not render. */
static void
reply_fallback(nng_aio *aio, int err, const char *body, size_t len, int head)
{
	nng_http_res *res = NULL;
	int           rv  = nng_http_res_alloc(&res);
	if (rv == 0) {
		nng_http_res_set_header(
		    res, "Content-Type", "text/html; charset=utf-8");
		nng_http_res_set_header(res, "Cache-Control", "no-store");
		nng_http_res_set_header(
		    res, "X-Ssrd-Fallback", ssrd_err_name(err));
		ssrd__http_each_header(set_res_header, res);
	}
	res_finish(aio, res, rv, body, len, head);
}

/* Frees a fill that never reached a job. */
static void
ssrd_cache_fill_free(ssrd_cache_fill *f)
{
	if (f != NULL) {
		ssrd_job none = { .err = SSRD_ECLOSED };
		ssrd__cache_fill_done(f, &none); /* stores nothing, frees */
	}
}

/* A page's response without its body: its caching headers (and where it
 * came from: x-ssrd-cache hit, stale or miss, or NULL), its ETag if known,
 * Content-Encoding: gzip when gz is set. Returns 0 or nng's error (then
 * *out is NULL). */
static int
page_res(const ssrd_http *http, uint16_t status, int ttl, int swr,
    const char *cache_state, const char *etag, int gz, nng_http_res **out)
{
	nng_http_res *res = NULL;
	int           rv  = nng_http_res_alloc(&res);
	*out              = NULL;
	if (rv != 0) {
		return rv;
	}
	char cc[96];
	nng_http_res_set_status(res, status);
	nng_http_res_set_header(
	    res, "Content-Type", "text/html; charset=utf-8");
	ssrd__http_each_header(set_res_header, res);
	if (ttl > 0) {
		snprintf(cc, sizeof(cc),
		    "public, max-age=%d, stale-while-revalidate=%d", ttl, swr);
	} else {
		snprintf(cc, sizeof(cc), "no-store");
	}
	nng_http_res_set_header(res, "Cache-Control", cc);
	if (cache_state != NULL) {
		nng_http_res_set_header(res, "X-Ssrd-Cache", cache_state);
	}
	if (http->stream_opts.vary != NULL) {
		nng_http_res_set_header(res, "Vary", http->stream_opts.vary);
	}
	if (etag != NULL) {
		nng_http_res_set_header(res, "ETag", etag);
	}
	if (gz && status != 304) {
		nng_http_res_set_header(res, "Content-Encoding", "gzip");
	}
	*out = res;
	return 0;
}

/* A page's reply, buffered (see page_res; the body given is the gzip form
 * when gz is set). */
static void
reply_page(const ssrd_http *http, nng_aio *aio, uint16_t status,
    const char *body, size_t len, int head, int ttl, int swr,
    const char *cache_state, const char *etag, int gz)
{
	nng_http_res *res;
	int rv = page_res(http, status, ttl, swr, cache_state, etag, gz, &res);
	if (rv == 0 && status != 304) {
		rv = res_body(res, body, len, head);
	}
	if (rv != 0) {
		if (res != NULL) {
			nng_http_res_free(res);
		}
		nng_aio_finish(aio, rv);
		return;
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

int
ssrd__http_accepts_gzip(nng_http_req *req)
{
	return ssrd__http_request_accepts_gzip(
	    nng_http_req_get_header(req, "Accept-Encoding"));
}

/* Cached pages bigger than this are written from the cache itself, not
 * copied for each connection: a client that does not read holds no copy. */
#define SHARED_REPLY_MIN (64 * 1024)

/* What a shared reply releases when it is written: its cache entry. */
struct shared_ref {
	ssrd_respcache *cache;
	ssrd_cached    *e;
};

static void
shared_release(void *arg)
{
	struct shared_ref *ref = arg;
	ssrd__respcache_release(ref->cache, ref->e);
	free(ref);
}

/* Answers a GET for a big cached page from the entry's own bytes, on a
 * connection taken over and closed after (see ssrd__httpstream_send).
 * Returns 1 if it took the reference to e, 0 if the caller should answer
 * (and release) as usual. */
static int
reply_shared(ssrd_http *http, nng_aio *aio, ssrd_cached *e, const char *body,
    size_t len, const char *state, const char *etag, int gz)
{
	nng_http_res      *res;
	struct shared_ref *ref = malloc(sizeof(*ref));
	if (ref == NULL
	    || page_res(http, 200, e->ttl_s, e->swr_s, state, etag, gz, &res)
	        != 0) {
		free(ref);
		return 0;
	}
	ref->cache = http->cache;
	ref->e     = e;
	if (nng_http_res_set_header(res, "Connection", "close") != 0
	    || nng_http_res_set_data(res, body, len) != 0
	    || ssrd__httpstream_send(
	           aio, res, &http->stream_opts, shared_release, ref)
	        != SSRD_OK) {
		nng_http_res_free(res);
		free(ref);
		return 0;
	}
	return 1;
}

/* Answers from the cache: 304 when If-None-Match names this version,
 * else the page, gzip'd when the client takes it. Returns 1 if the reply
 * took the reference to e (it releases it when written), 0 if the caller
 * still holds it. */
static int
reply_cached(ssrd_http *http, nng_aio *aio, nng_http_req *req, ssrd_cached *e,
    int state, int head)
{
	const char *body = e->body, *etag = e->etag;
	size_t      len = e->len;
	int         gz  = 0;
	if (ssrd__http_accepts_gzip(req)) {
		size_t      n;
		const char *g = ssrd__respcache_gzip(http->cache, e, &n);
		if (g != NULL) {
			body = g;
			len  = n;
			etag = e->etag_gz;
			gz   = 1;
		}
	}
	int not_modified = ssrd__http_request_not_modified(
	    nng_http_req_get_header(req, "If-None-Match"), etag);
	const char *from = state == SSRD_CACHE_HIT ? "hit" : "stale";
	if (!not_modified && !head && len >= SHARED_REPLY_MIN
	    && reply_shared(http, aio, e, body, len, from, etag, gz)) {
		return 1;
	}
	reply_page(http, aio, not_modified ? 304 : 200, body, len, head,
	    e->ttl_s, e->swr_s, from, etag, gz);
	return 0;
}

/* The job that renders a stale page again, with nobody waiting for it. */
static void
revalidate_done(ssrd_job *job, void *arg)
{
	ssrd__cache_fill_done(arg, job);
	if (job->err != SSRD_OK) {
		ssrd__http_log_render(job, 0);
	}
	ssrd__job_free(job);
}

static void
revalidate_in_background(ssrd_http *http, ssrd_site *site, const char *uri,
    const char *props, size_t props_len, const char *key, int klen,
    ssrd_cached *stale)
{
	ssrd_job        *job;
	ssrd_cache_fill *f
	    = ssrd__cache_fill_new(http->cache, key, (size_t) klen, stale);
	if (f == NULL
	    || ssrd__job_new(site, uri, props, props_len, &job) != SSRD_OK) {
		if (f != NULL) {
			ssrd_cache_fill_free(f); /* releases stale */
		} else {
			ssrd__respcache_revalidated(http->cache, stale);
			ssrd__respcache_release(http->cache, stale);
		}
		return;
	}
	job->id        = atomic_fetch_add(&http->next_id, 1) + 1;
	job->cache_ttl = http->cache_ttl;
	job->cache_swr = http->cache_swr;
	job->stream    = 1; /* as the page it replaces was made */
	job->hydrate   = 1;
	job->done      = revalidate_done;
	job->arg       = f;
	if (ssrd__pool_submit(http->pool, job) != SSRD_OK) {
		ssrd__job_free(job);
		ssrd_cache_fill_free(f);
	}
}

static void
render_done(ssrd_job *job, void *arg)
{
	struct pending *pd = arg;
	ssrd_render_rec rec;
	ssrd__render_rec_job(&rec, job, "http");
	ssrd__http_log_render(job, 0);
	if (pd->fill != NULL) {
		ssrd__cache_fill_done(pd->fill, job);
	}
	size_t fb_len;
	char  *fb = job->err != SSRD_OK ? ssrd__http_fallback_page(job, &fb_len)
	                                : NULL;
	if (fb != NULL) {
		reply_fallback(pd->aio, job->err, fb, fb_len, pd->head);
		free(fb);
	} else if (job->err == SSRD_OK) {
		reply_page(pd->http, pd->aio, (uint16_t) job->status, job->html,
		    job->html_len, pd->head, job->cache_ttl, job->cache_swr,
		    pd->fill != NULL && job->cache_ttl > 0 ? "miss" : NULL,
		    NULL, 0);
	} else {
		/* The stack is for the log, not for the visitor. */
		int status = ssrd_err_http_status(job->err);
		reply_text(pd->aio, (uint16_t) status,
		    ssrd__http_status_text(status), pd->head);
	}
	ssrd__stats_finish(&rec);
	atomic_fetch_sub(&pd->http->busy, 1);
	free(pd);
	ssrd__job_free(job);
}

/* The figures of a page served from the response cache, under its route
 * (path: canonical, as the page was rendered for). */
static void
cached_rec(ssrd_render_rec *rec, ssrd_site *site, const char *uri, int state,
    double t0)
{
	const ssrd_route *route  = NULL;
	char             *params = NULL;
	if (ssrd__routes_match(&site->routes, uri, &route, &params)
	    != SSRD_OK) {
		route = ssrd__routes_not_found(&site->routes);
	}
	free(params);
	ssrd__render_rec_cached(rec, site,
	    route ? (size_t) (route - site->routes.v) : (size_t) -1, uri,
	    state == SSRD_CACHE_STALE ? "stale" : "cached", t0);
}

/* Reads req's untrusted parts into *rq (http_request.c). nng cannot list
 * a request's headers: the ones read are those the reading looks at, the
 * Host and the ones config passes to pages (http_headers). */
static int
read_request(const ssrd_http *http, nng_http_req *req, ssrd_http_request *rq)
{
	ssrd_http_header *hv = calloc(http->npass + 2, sizeof(*hv));
	if (hv == NULL) {
		memset(rq, 0, sizeof(*rq));
		return SSRD_ENOMEM;
	}
	hv[0].name  = "Host";
	hv[0].value = nng_http_req_get_header(req, "Host");
	hv[1].name  = "Authorization";
	hv[1].value = nng_http_req_get_header(req, "Authorization");
	for (size_t i = 0; i < http->npass; i++) {
		hv[i + 2].name  = http->pass[i];
		hv[i + 2].value = nng_http_req_get_header(req, http->pass[i]);
	}
	const ssrd_http_request_opts o = {
		.pass        = http->pass,
		.npass       = http->npass,
		.sites       = http->sites,
		.hosts       = http->hosts,
		.nsites      = http->nsites,
		.metrics     = http->report != NULL,
		.admin_token = http->admin_token,
	};
	int rv = ssrd__http_request_parse(&o, nng_http_req_get_method(req),
	    nng_http_req_get_uri(req), hv, http->npass + 2, rq);
	free(hv);
	return rv;
}

/* A public file's request is answered on the public threads: counted as
 * busy until then, so that a drain waits for it. */
static void
public_done(void *arg)
{
	ssrd_http *http = arg;
	atomic_fetch_sub(&http->busy, 1);
}

/* "/_ssrd/assets/<name>": an image or font a layer imports, by the name
 * esbuild gave its content-hashed copy (one component, no dotfile, nothing
 * that needs decoding). */
static int
is_asset_path(const char *uri, size_t len)
{
	if (len <= 14 || strncmp(uri, "/_ssrd/assets/", 14) != 0
	    || uri[14] == '.') {
		return 0;
	}
	for (size_t i = 14; i < len; i++) {
		if (uri[i] == '/' || uri[i] == '\\' || uri[i] == '%'
		    || (unsigned char) uri[i] < 0x21) {
			return 0;
		}
	}
	return 1;
}

static void
serve_public(ssrd_http *http, nng_aio *aio, nng_http_req *req,
    const ssrd_http_request *rq, const char *path, const char *subdir,
    const char *file, int immutable)
{
	ssrd_site            *site = ssrd__reloader_site(rq->site);
	const ssrd_public_req pr   = {
		  .root          = immutable ? site->layer_dir : site->root,
		  .path          = path,
		  .subdir        = subdir,
		  .file          = file,
		  .immutable     = immutable,
		  .if_none_match = nng_http_req_get_header(req, "If-None-Match"),
		  .if_modified_since
		  = nng_http_req_get_header(req, "If-Modified-Since"),
		  .head = rq->head,
	};
	atomic_fetch_add(&http->busy, 1);
	int rv = ssrd__public_submit(http->public, aio, &pr, public_done, http);
	ssrd__site_unref(site); /* the request holds a copy of its root */
	if (rv != SSRD_OK) {
		atomic_fetch_sub(&http->busy, 1);
		if (rv == SSRD_ECLOSED) {
			reply_closing(
			    aio, 503, "503 shutting down\n", rq->head);
		} else {
			reply_text(aio, 503, "503 overloaded\n", rq->head);
		}
	}
}

/* Whether a route of site matches path (canonical). */
static int
route_answers(const ssrd_site *site, const char *path)
{
	const ssrd_route *route;
	char             *params = NULL;
	int rv = ssrd__routes_match(&site->routes, path, &route, &params);
	free(params);
	return rv == SSRD_OK;
}

static void
serve(ssrd_http *http, nng_aio *aio)
{
	double            t0  = ssrd__now_ms();
	nng_http_req     *req = nng_aio_get_input(aio, 0);
	const char       *uri = nng_http_req_get_uri(req);
	ssrd_http_request rq;
	int               rrv  = read_request(http, req, &rq);
	int               head = rq.head;

	if (rrv == SSRD_ENOMEM) {
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	if (rq.status == 405) {
		reply_text(aio, 405, rq.reason, 0);
		return;
	}

	/* Liveness and readiness for load balancers and orchestrators:
	 * ssrd answers HTTP only once its workers are up with the base
	 * loaded, and stops answering before they stop. */
	size_t plen = rq.path_len;
	if (rq.target == SSRD_HTTP_HEALTHZ || rq.target == SSRD_HTTP_READYZ) {
		int ready = ssrd__pool_workers(http->pool) > 0;
		reply_text(aio, ready ? 200 : 503,
		    rq.target == SSRD_HTTP_HEALTHZ ? "ok\n"
		        : ready                    ? "ready\n"
		                                   : "not ready\n",
		    head);
		return;
	}

	/* The site's browser bundle, under a URL that names its content: it
	 * never changes, so browsers and proxies keep it for a year. */
	if (rq.target == SSRD_HTTP_ASSET && is_asset_path(uri, plen)) {
		serve_public(http, aio, req, &rq, uri, NULL, uri + 14, 1);
		return;
	}
	if (rq.target == SSRD_HTTP_ASSET) {
		ssrd_site *cs = ssrd__reloader_site(rq.site);
		if (cs->client_url[0] != '\0' && strlen(cs->client_url) == plen
		    && strncmp(uri, cs->client_url, plen) == 0) {
			reply_asset(aio, cs->client.code, cs->client.len, head);
		} else {
			reply_text(aio, 404, "404 not found\n", head);
		}
		ssrd__site_unref(cs);
		return;
	}

	/* Prometheus's scrape: the figures diagnose shows. */
	if (rq.target == SSRD_HTTP_METRICS && rrv == SSRD_OK) {
		ssrd_diagnose_src src = *http->report;
		ssrd_strbuf       b   = { 0 };
		src.respcache         = http->cache;
		ssrd__metrics(&src, &b);
		reply(aio, 200, "text/plain; version=0.0.4; charset=utf-8",
		    b.ptr ? b.ptr : "", b.len, head, 0);
		ssrd__strbuf_free(&b);
		return;
	}

	/* A bad path: refused before it reaches the cache or a site. */
	if (rrv != SSRD_OK) {
		reply_text(aio, (uint16_t) rq.status, rq.reason, head);
		return;
	}

	/* A file of the public/ directory of the site the Host names. */
	if (rq.target == SSRD_HTTP_PUBLIC) {
		serve_public(http, aio, req, &rq, rq.path, NULL, rq.file, 0);
		ssrd__http_request_clear(&rq);
		return;
	}

	/* The page's props (its query string, the request headers config
	 * passes on) and its path as the page sees it (canonical), now this
	 * function's. */
	size_t props_len = rq.props_len;
	char  *props     = rq.props;
	char  *path      = rq.canon;
	rq.props         = NULL;
	rq.canon         = NULL;
	/* The generation current now serves this request to the end, even if
	 * a reload swaps in a newer one meanwhile. */
	ssrd_site *site = ssrd__reloader_site(rq.site);
	/* A file of public/ at its own path, when no route answers it (as
	 * Next.js serves public/ at /), and app/favicon.ico at /favicon.ico:
	 * from the public threads. */
	int in_public = ssrd__site_public_file(site, rq.path);
	int favicon   = !in_public && site->app_favicon
	    && strcmp(rq.path, "/favicon.ico") == 0;
	if ((in_public || favicon) && !route_answers(site, path)) {
		ssrd__site_unref(site);
		free(props);
		free(path);
		serve_public(http, aio, req, &rq, rq.path,
		    favicon ? "app" : NULL, rq.path + 1, 0);
		ssrd__http_request_clear(&rq);
		return;
	}
	/* The response cache's key: the site's generation, then the request's
	 * (the path and query, and what the page sees of the headers). */
	char *key  = NULL;
	int   klen = http->cache == NULL
	      ? -1
	      : asprintf(&key, "%zu:%u:%s", site->slot, site->generation, rq.key);
	ssrd__http_request_clear(&rq);
	if (props == NULL || path == NULL
	    || (http->cache != NULL && klen < 0)) {
		ssrd__site_unref(site);
		free(props);
		free(path);
		free(key);
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	ssrd_cache_fill *fill = NULL;
	if (key != NULL) {
		int          state, revalidate;
		ssrd_cached *e = ssrd__respcache_get(http->cache, key,
		    (size_t) klen, ssrd__now_ms(), &state, &revalidate);
		if (e != NULL) {
			ssrd_render_rec rec;
			cached_rec(&rec, site, path, state, t0);
			/* revalidation keeps a reference of its own */
			if (revalidate) {
				ssrd__respcache_retain(http->cache, e);
			}
			if (!reply_cached(http, aio, req, e, state, head)) {
				ssrd__respcache_release(http->cache, e);
			}
			ssrd__stats_finish(&rec);
			if (revalidate) {
				revalidate_in_background(http, site, path,
				    props, props_len, key, klen, e);
			}
			free(path);
			ssrd__site_unref(site);
			free(props);
			free(key);
			return;
		}
		fill = ssrd__cache_fill_new(
		    http->cache, key, (size_t) klen, NULL);
		free(key);
	}
	ssrd_job *job = NULL;
	int       rv  = ssrd__job_new(site, path, props, props_len, &job);
	if (rv == SSRD_ENOROUTE) {
		/* the site's not-found page, if it has one: a 404 with a body
		 */
		rv = ssrd__job_new_not_found(
		    site, path, props, props_len, &job);
	}
	ssrd__site_unref(site); /* the job holds its own reference */
	free(props);
	free(path);
	if (rv != SSRD_OK) {
		ssrd_cache_fill_free(fill);
	}
	if (rv == SSRD_ENOROUTE) {
		reply_text(aio, 404, "404 not found\n", head);
		return;
	}
	if (rv == SSRD_EINVAL) {
		reply_text(aio, 400, "400 bad request path\n", head);
		return;
	}
	struct pending *pd = calloc(1, sizeof(*pd));
	if (rv != SSRD_OK || pd == NULL) {
		free(pd);
		if (rv == SSRD_OK) {
			ssrd_cache_fill_free(fill);
		}
		ssrd__job_free(job);
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	job->id        = atomic_fetch_add(&http->next_id, 1) + 1;
	job->hydrate   = 1;
	job->cache_ttl = http->cache != NULL ? http->cache_ttl : 0;
	job->cache_swr = http->cache_swr;
	if (ssrd__pool_streams(http->pool)) {
		free(pd);
		rv = ssrd__httpstream_submit(
		    http->pool, job, aio, head, fill, &http->stream_opts);
	} else {
		pd->aio   = aio;
		pd->head  = head;
		pd->fill  = fill;
		pd->http  = http;
		job->done = render_done;
		job->arg  = pd;
		atomic_fetch_add(&http->busy, 1); /* until render_done */
		rv = ssrd__pool_submit(http->pool, job);
		if (rv != SSRD_OK) {
			atomic_fetch_sub(&http->busy, 1);
			free(pd);
		}
	}
	if (rv != SSRD_OK) {
		ssrd_cache_fill_free(fill);
		size_t          fb_len;
		ssrd_render_rec rec;
		job->err = rv;
		ssrd__render_rec_job(&rec, job, "http");
		ssrd__stats_finish(&rec);
		char *fb = ssrd__http_fallback_page(job, &fb_len);
		if (fb != NULL) {
			/* refused (overloaded): the browser renders it */
			ssrd__http_log_render(job, 0);
			reply_fallback(aio, rv, fb, fb_len, head);
			free(fb);
		} else if (rv == SSRD_EOVERLOAD) {
			reply_text(aio, 503, "503 overloaded\n", head);
		} else {
			reply_closing(aio, 503, "503 shutting down\n", head);
		}
		ssrd__job_free(job);
	}
}

/* While draining: nothing new starts. /healthz still says the process is
 * alive (it is finishing its work); /readyz and everything else say 503,
 * so balancers and clients go elsewhere. */
static void
serve_draining(nng_aio *aio)
{
	nng_http_req *req  = nng_aio_get_input(aio, 0);
	const char   *uri  = nng_http_req_get_uri(req);
	int           head = strcmp(nng_http_req_get_method(req), "HEAD") == 0;
	size_t        plen = strcspn(uri, "?#");
	if (plen == 8 && strncmp(uri, "/healthz", 8) == 0) {
		reply_closing(aio, 200, "ok\n", head);
	} else if (plen == 7 && strncmp(uri, "/readyz", 7) == 0) {
		reply_closing(aio, 503, "draining\n", head);
	} else {
		reply_closing(aio, 503, "503 shutting down\n", head);
	}
}

/* nng's handler: counted as busy while it runs, so that a drain knows when
 * no handler can still reach the pool. */
static void
handle(nng_aio *aio)
{
	ssrd_http *http = nng_http_handler_get_data(nng_aio_get_input(aio, 1));
	atomic_fetch_add(&http->busy, 1);
	if (atomic_load(&http->draining)) {
		serve_draining(aio);
	} else {
		serve(http, aio);
	}
	atomic_fetch_sub(&http->busy, 1);
}

static void
http_free(ssrd_http *http)
{
	ssrd__public_stop(http->public);
	for (size_t i = 0; i < http->npass; i++) {
		free(http->pass[i]);
	}
	free(http->pass);
	free((char *) http->stream_opts.vary);
	for (size_t i = 0; i < nfallback_routes; i++) {
		free(fallback_routes[i]);
	}
	free(fallback_routes);
	fallback_routes  = NULL;
	nfallback_routes = 0;
	ssrd__respcache_free(http->cache);
	free(http->admin_token);
	for (size_t i = 0; http->hosts != NULL && i < http->nsites; i++) {
		free(http->hosts[i]);
	}
	free(http->hosts);
	free(http->sites);
	free(http);
}

/* Splits a comma-separated list into *out (appended to, n of them),
 * lowercased when asked: "Accept-Language, User-Agent". */
static int
split_names(const char *list, char ***out, size_t *n, int lower)
{
	const char *p = list ? list : "", *item;
	size_t      len;
	while ((len = ssrd__list_next(&p, &item)) > 0) {
		char **v = realloc(*out, (*n + 1) * sizeof(char *));
		if (v == NULL) {
			return SSRD_ENOMEM;
		}
		*out = v;
		if ((v[*n] = strndup(item, len)) == NULL) {
			return SSRD_ENOMEM;
		}
		for (char *c = v[*n]; lower && *c; c++) {
			*c = (char) tolower((unsigned char) *c);
		}
		(*n)++;
	}
	return SSRD_OK;
}

int
ssrd__http_start(const char *url, ssrd_pool *pool, const char *const *hosts,
    ssrd_reloader *const *sites, size_t nsites, const ssrd_http_opts *opts,
    ssrd_http **out, char *errbuf, size_t errlen)
{
	ssrd_http *http = calloc(1, sizeof(*http));
	nng_url   *u    = NULL;
	int        rv;
	if (http == NULL) {
		return SSRD_ENOMEM;
	}
	http->pool       = pool;
	security_headers = opts == NULL || opts->security_headers;
	if (opts != NULL && opts->client_fallback != NULL
	    && split_names(opts->client_fallback, &fallback_routes,
	           &nfallback_routes, 0)
	        != SSRD_OK) {
		http_free(http);
		return SSRD_ENOMEM;
	}
	if (split_names(
	        opts ? opts->pass_headers : NULL, &http->pass, &http->npass, 1)
	    != SSRD_OK) {
		http_free(http);
		return SSRD_ENOMEM;
	}
	/* what a page's reply varies with: its encoding, the headers it sees */
	ssrd_strbuf vary = { 0 };
	ssrd__strbuf_puts(&vary, "Accept-Encoding");
	for (size_t i = 0; i < http->npass; i++) {
		ssrd__strbuf_printf(&vary, ", %s", http->pass[i]);
	}
	http->stream_opts.vary            = ssrd__strbuf_take(&vary);
	http->stream_opts.buffer_max      = opts ? opts->buffer_max : 0;
	http->stream_opts.send_timeout_ms = opts ? opts->send_timeout_ms : 0;
	if (opts != NULL && opts->cache_bytes > 0 && opts->cache_ttl > 0) {
		if (ssrd__respcache_new(opts->cache_bytes, &http->cache)
		    != SSRD_OK) {
			http_free(http);
			return SSRD_ENOMEM;
		}
		http->cache_ttl = opts->cache_ttl;
		http->cache_swr = opts->cache_swr;
	}
	http->report = opts != NULL ? opts->report : NULL;
	if (opts != NULL && opts->admin_token != NULL
	    && (http->admin_token = strdup(opts->admin_token)) == NULL) {
		http_free(http);
		return SSRD_ENOMEM;
	}
	/* Each site's public/ under /public/, read on threads of their own:
	 * ssrd's handler (serve_public()), not nng's directory handler, which
	 * builds the file name from the raw URI. */
	const ssrd_public_opts po = {
		.dotfiles  = opts != NULL && opts->public_dotfiles,
		.max_bytes = opts != NULL ? opts->public_max_bytes : 32 << 20,
		.max_age   = opts != NULL ? opts->public_max_age : 3600,
	};
	if ((rv = ssrd__public_start(&po, &http->public)) != SSRD_OK) {
		snprintf(errbuf, errlen, "cannot start the public/ threads: %s",
		    ssrd_strerror(rv));
		http_free(http);
		return rv;
	}
	http->sites  = calloc(nsites, sizeof(*http->sites));
	http->hosts  = calloc(nsites, sizeof(*http->hosts));
	http->nsites = nsites;
	if (http->sites == NULL || http->hosts == NULL || nsites == 0) {
		http_free(http);
		return SSRD_ENOMEM;
	}
	for (size_t i = 0;
	     http->sites != NULL && http->hosts != NULL && i < nsites; i++) {
		http->sites[i] = sites[i];
		http->hosts[i] = hosts[i] ? strdup(hosts[i]) : NULL;
	}
	if ((rv = nng_url_parse(&u, url)) != 0
	    || (rv = nng_http_server_hold(&http->server, u)) != 0
	    || (rv = nng_http_handler_alloc(&http->handler, "/", handle)) != 0
	    || (rv = nng_http_handler_set_method(http->handler, NULL)) != 0
	    || (rv = nng_http_handler_set_tree(http->handler)) != 0
	    || (rv = nng_http_handler_set_data(http->handler, http, NULL)) != 0
	    || (rv = nng_http_server_add_handler(http->server, http->handler))
	        != 0) {
		snprintf(errbuf, errlen, "cannot serve %s: %s", url,
		    nng_strerror(rv));
		goto fail;
	}
	http->handler = NULL; /* the server owns it now */
	if ((rv = nng_http_server_start(http->server)) != 0) {
		snprintf(errbuf, errlen,
		    "cannot listen on %s: %s (is another process using it? set "
		    "[server] http or --http)",
		    url, nng_strerror(rv));
		goto fail;
	}
	nng_url_free(u);
	*out = http;
	return SSRD_OK;
fail:
	if (http->handler != NULL) {
		nng_http_handler_free(http->handler);
	}
	if (http->server != NULL) {
		nng_http_server_release(http->server);
	}
	if (u != NULL) {
		nng_url_free(u);
	}
	http_free(http);
	return SSRD_ENNG;
}

struct ssrd_respcache *
ssrd__http_cache(ssrd_http *http)
{
	return http != NULL ? http->cache : NULL;
}

void
ssrd__http_drain(ssrd_http *http)
{
	if (http != NULL) {
		atomic_store(&http->draining, 1);
	}
}

size_t
ssrd__http_busy(ssrd_http *http)
{
	if (http == NULL) {
		return 0;
	}
	long n = atomic_load(&http->busy);
	return (n > 0 ? (size_t) n : 0) + ssrd__httpstream_live();
}

void
ssrd__http_stop(ssrd_http *http)
{
	if (http == NULL) {
		return;
	}
	nng_http_server_stop(http->server);
	/* what the public threads still hold is answered (to connections
	 * now closed) before the server goes */
	ssrd__public_stop(http->public);
	http->public = NULL;
	nng_http_server_release(http->server);
	http_free(http);
}
