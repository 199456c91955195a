/* http_page.c implements a page's request (http_page.h): the response
 * cache, the render on the pool, and the page's reply. */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/timers.h"
#include "diag/stats.h"
#include "http/http_page.h"
#include "http/http_render.h"
#include "http/http_reply.h"
#include "http/http_request.h"
#include "http/http_server.h"
#include "http/response.h"
#include "render/respcache.h"
#include "source/routes.h"

/* Frees a fill that never reached a job. */
static void
cache_fill_free(ssrd_cache_fill *f)
{
	if (f != NULL) {
		ssrd_job none = { .err = SSRD_ECLOSED };
		ssrd__cache_fill_done(f, &none); /* stores nothing, frees */
	}
}

/* Cached pages bigger than this are sent from the cache's own bytes, not
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

/* Answers from the cache: 304 when If-None-Match names this version,
 * else the page, in the coding the client takes best (identity if that
 * form cannot be made), with link (its Link header, or NULL). Returns 1 if
 * the reply took the reference to e (it releases it when written), 0 if the
 * caller still holds it. */
static int
reply_cached(ssrd_http *http, ssrd_http_ex *ex, const char *if_none_match,
    ssrd_cached *e, int state, int head, ssrd_coding coding, const char *link)
{
	size_t      len;
	const char *body = ssrd__respcache_form(http->cache, e, coding, &len);
	if (body == NULL) {
		coding = SSRD_CODING_IDENTITY;
		body   = ssrd__respcache_form(http->cache, e, coding, &len);
	}
	const char *etag = e->etag[coding];
	int not_modified = ssrd__http_request_not_modified(if_none_match, etag);
	const char     *from = state == SSRD_CACHE_HIT ? "hit" : "stale";
	ssrd_http_reply r    = ssrd__http_page_reply(not_modified ? 304 : 200,
	    e->ttl_s, e->swr_s, from, etag, coding, link);
	struct shared_ref *ref;
	if (!not_modified && !head && len >= SHARED_REPLY_MIN
	    && (ref = malloc(sizeof(*ref))) != NULL) {
		ref->cache = http->cache;
		ref->e     = e;
		ssrd__ex_reply_borrowed(
		    ex, http->policy, &r, body, len, shared_release, ref);
		return 1;
	}
	ssrd__ex_reply(ex, http->policy, &r, body, len, head);
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
			cache_fill_free(f); /* releases stale */
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
		cache_fill_free(f);
	}
}

/* The figures of a page served from the response cache, under its route
 * (path: canonical, as the page was rendered for). Returns the route's
 * index, or (size_t) -1 for none. */
static size_t
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
	size_t i = route ? (size_t) (route - site->routes.v) : (size_t) -1;
	ssrd__render_rec_cached(rec, site, i, uri,
	    state == SSRD_CACHE_STALE ? "stale" : "cached", t0);
	return i;
}

/* Answers from the response cache if it holds key (a stale entry is
 * served, and rendered again in the background). Returns 1 if it
 * answered, 0 if the page is to be rendered. */
static int
from_cache(ssrd_http *http, ssrd_http_ex *ex, ssrd_site *site, const char *path,
    const char *props, size_t props_len, const char *key, int klen, int head,
    ssrd_coding coding, double t0)
{
	int          state, revalidate;
	ssrd_cached *e = ssrd__respcache_get(http->cache, key, (size_t) klen,
	    ssrd__now_ms(), &state, &revalidate);
	if (e == NULL) {
		return 0;
	}
	ssrd_render_rec rec;
	size_t          route = cached_rec(&rec, site, path, state, t0);
	/* revalidation keeps a reference of its own */
	if (revalidate) {
		ssrd__respcache_retain(http->cache, e);
	}
	if (!reply_cached(http, ex, ssrd__ex_header(ex, "If-None-Match"), e,
	        state, head, coding, ssrd__site_preload(site, route))) {
		ssrd__respcache_release(http->cache, e);
	}
	ssrd__stats_finish(&rec);
	if (revalidate) {
		revalidate_in_background(
		    http, site, path, props, props_len, key, klen, e);
	}
	return 1;
}

/* A render the pool refused (overloaded, shutting down): the browser's
 * fallback if the route has one, else 503. Frees job. */
static void
reply_refused(
    ssrd_http *http, ssrd_http_ex *ex, ssrd_job *job, int rv, int head)
{
	size_t          fb_len;
	ssrd_render_rec rec;
	job->err = rv;
	ssrd__render_rec_job(&rec, job, "http");
	ssrd__stats_finish(&rec);
	char *fb = ssrd__http_fallback_page(http->policy, job, &fb_len);
	if (fb != NULL) {
		/* refused (overloaded): the browser renders it */
		ssrd__http_log_render(job, 0);
		ssrd__http_reply_fallback(
		    ex, http->policy, rv, fb, fb_len, head);
		free(fb);
	} else if (rv == SSRD_EOVERLOAD) {
		ssrd__http_reply_text(
		    ex, http->policy, 503, "503 overloaded\n", head, 0);
	} else {
		ssrd__http_reply_text(
		    ex, http->policy, 503, "503 shutting down\n", head, 1);
	}
	ssrd__job_free(job);
}

/* Renders the page at path on the pool, its reply streamed or whole as its
 * output comes (http_render.h). Takes site's reference and fill. */
static void
render(ssrd_http *http, ssrd_http_ex *ex, ssrd_site *site, const char *path,
    const char *props, size_t props_len, ssrd_cache_fill *fill, int head,
    ssrd_coding coding)
{
	ssrd_job *job = NULL;
	int       rv  = ssrd__job_new(site, path, props, props_len, &job);
	if (rv == SSRD_ENOROUTE) {
		/* the site's not-found page, if any: a 404 with a body */
		rv = ssrd__job_new_not_found(
		    site, path, props, props_len, &job);
	}
	ssrd__site_unref(site); /* the job holds its own reference */
	if (rv != SSRD_OK) {
		cache_fill_free(fill);
	}
	if (rv == SSRD_ENOROUTE) {
		ssrd__http_reply_text(
		    ex, http->policy, 404, "404 not found\n", head, 0);
		return;
	}
	if (rv == SSRD_EINVAL) {
		ssrd__http_reply_text(
		    ex, http->policy, 400, "400 bad request path\n", head, 0);
		return;
	}
	if (rv != SSRD_OK) {
		ssrd__http_reply_text(ex, http->policy, 500,
		    ssrd__http_status_text(500), head, 0);
		return;
	}
	job->id        = atomic_fetch_add(&http->next_id, 1) + 1;
	job->hydrate   = 1;
	job->cache_ttl = http->cache != NULL ? http->cache_ttl : 0;
	job->cache_swr = http->cache_swr;
	rv             = ssrd__http_render(
	                http->pool, http->policy, job, ex, head, coding, fill);
	if (rv != SSRD_OK) {
		cache_fill_free(fill);
		reply_refused(http, ex, job, rv, head);
	}
}

void
ssrd__http_page(ssrd_http *http, ssrd_http_ex *ex, ssrd_http_request *rq,
    ssrd_site *site, double t0)
{
	/* The page's props (its query string, the request headers config
	 * passes on) and its path as the page sees it (canonical), now this
	 * function's. */
	int         head      = rq->head;
	ssrd_coding coding    = rq->coding;
	size_t      props_len = rq->props_len;
	char       *props     = rq->props;
	char       *path      = rq->canon;
	rq->props             = NULL;
	rq->canon             = NULL;
	/* The response cache's key: the site's generation, then the request's
	 * (the path and query, and what the page sees of the headers). */
	char *key  = NULL;
	int   klen = http->cache == NULL ? -1
	                                 : asprintf(&key, "%zu:%u:%s", site->slot,
	                                     site->generation, rq->key);
	ssrd__http_request_clear(rq);
	if (props == NULL || path == NULL
	    || (http->cache != NULL && klen < 0)) {
		ssrd__site_unref(site);
		free(props);
		free(path);
		free(key);
		ssrd__http_reply_text(ex, http->policy, 500,
		    ssrd__http_status_text(500), head, 0);
		return;
	}
	ssrd_cache_fill *fill = NULL;
	if (key != NULL) {
		if (from_cache(http, ex, site, path, props, props_len, key,
		        klen, head, coding, t0)) {
			ssrd__site_unref(site);
			free(path);
			free(props);
			free(key);
			return;
		}
		fill = ssrd__cache_fill_new(
		    http->cache, key, (size_t) klen, NULL);
		free(key);
	}
	render(http, ex, site, path, props, props_len, fill, head, coding);
	free(props);
	free(path);
}
