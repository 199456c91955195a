/* http.c implements the HTTP server (http.h): its start and stop, the drain,
 * and the dispatch of each request the front reads (front.c): health,
 * ssrd's own files, /metrics, public files, and pages (http_page.c). */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/strbuf.h"
#include "core/timers.h"
#include "diag/diagnose.h"
#include "http/front.h"
#include "http/http.h"
#include "http/http_page.h"
#include "http/http_public.h"
#include "http/http_reply.h"
#include "http/http_request.h"
#include "http/http_server.h"
#include "http/response.h"
#include "render/respcache.h"
#include "source/routes.h"

/* The header getter of ssrd__http_request_read(). */
static const char *
ex_header(void *ex, const char *name)
{
	return ssrd__ex_header(ex, name);
}

/* Reads ex's untrusted parts into *rq (http_request.c): the headers the
 * reading looks at (Host, Authorization, Accept-Encoding) and the ones
 * config passes to pages (http_headers). */
static int
read_request(const ssrd_http *http, ssrd_http_ex *ex, ssrd_http_request *rq)
{
	const ssrd_http_request_opts o = {
		.pass        = http->policy->pass,
		.npass       = http->policy->npass,
		.sites       = http->sites,
		.metrics     = http->report != NULL,
		.admin_token = http->admin_token,
	};
	return ssrd__http_request_read(
	    &o, ssrd__ex_method(ex), ssrd__ex_target(ex), ex_header, ex, rq);
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

/* Hands a public file's request (path: the log's; file under subdir, else
 * under public/ or, immutable, the layer's assets/) to the public threads,
 * or answers 503 when they refuse it. */
static void
serve_public(ssrd_http *http, ssrd_http_ex *ex, const ssrd_http_request *rq,
    const char *path, const char *subdir, const char *file, int immutable)
{
	ssrd_site            *site = ssrd__reloader_site(rq->site);
	const ssrd_public_req pr   = {
		  .root              = immutable ? site->layer_dir : site->root,
		  .path              = path,
		  .subdir            = subdir,
		  .file              = file,
		  .immutable         = immutable,
		  .if_none_match     = ssrd__ex_header(ex, "If-None-Match"),
		  .if_modified_since = ssrd__ex_header(ex, "If-Modified-Since"),
		  .head              = rq->head,
	};
	atomic_fetch_add(&http->busy, 1);
	int rv = ssrd__public_submit(http->public, ex, &pr, public_done, http);
	ssrd__site_unref(site); /* the request holds a copy of its root */
	if (rv != SSRD_OK) {
		atomic_fetch_sub(&http->busy, 1);
		if (rv == SSRD_ECLOSED) {
			ssrd__http_reply_text(ex, http->policy, 503,
			    "503 shutting down\n", rq->head, 1);
		} else {
			ssrd__http_reply_text(ex, http->policy, 503,
			    "503 overloaded\n", rq->head, 0);
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

/* Answers the requests that are not a page or a public file: liveness and
 * readiness, ssrd's own files, /metrics. Returns 1 if it answered. */
static int
serve_own(ssrd_http *http, ssrd_http_ex *ex, const ssrd_http_request *rq)
{
	const ssrd_http_policy *p    = http->policy;
	const char             *uri  = rq->uri;
	size_t                  plen = rq->path_len;
	int                     head = rq->head;
	/* Liveness and readiness for load balancers and orchestrators:
	 * ssrd answers HTTP only once its workers are up with the base
	 * loaded, and stops answering before they stop. */
	if (rq->target == SSRD_HTTP_HEALTHZ || rq->target == SSRD_HTTP_READYZ) {
		int ready = ssrd__pool_workers(http->pool) > 0;
		ssrd__http_reply_text(ex, p, ready ? 200 : 503,
		    rq->target == SSRD_HTTP_HEALTHZ ? "ok\n"
		        : ready                     ? "ready\n"
		                                    : "not ready\n",
		    head, 0);
		return 1;
	}
	/* The site's browser bundle, under a URL that names its content: it
	 * never changes, so browsers and proxies keep it for a year. */
	if (rq->target == SSRD_HTTP_ASSET && is_asset_path(uri, plen)) {
		serve_public(http, ex, rq, uri, NULL, uri + 14, 1);
		return 1;
	}
	if (rq->target == SSRD_HTTP_ASSET) {
		ssrd_site *cs = ssrd__reloader_site(rq->site);
		if (cs->client_url[0] != '\0' && strlen(cs->client_url) == plen
		    && strncmp(uri, cs->client_url, plen) == 0) {
			const ssrd_http_reply r = {
				.type    = "text/javascript; charset=utf-8",
				.caching = SSRD_HTTP_CACHE_IMMUTABLE,
			};
			ssrd__ex_reply(
			    ex, p, &r, cs->client.code, cs->client.len, head);
		} else {
			ssrd__http_reply_text(
			    ex, p, 404, "404 not found\n", head, 0);
		}
		ssrd__site_unref(cs);
		return 1;
	}
	/* Prometheus's scrape: the figures diagnose shows. */
	if (rq->target == SSRD_HTTP_METRICS) {
		ssrd_diagnose_src src = *http->report;
		ssrd_strbuf       b   = { 0 };
		src.respcache         = http->cache;
		ssrd__metrics(&src, &b);
		const ssrd_http_reply r = {
			.type = "text/plain; version=0.0.4; charset=utf-8",
		};
		ssrd__ex_reply(ex, p, &r, b.ptr ? b.ptr : "", b.len, head);
		ssrd__strbuf_free(&b);
		return 1;
	}
	return 0;
}

static void
serve(ssrd_http *http, ssrd_http_ex *ex)
{
	double            t0 = ssrd__now_ms();
	ssrd_http_request rq;
	int               rrv = read_request(http, ex, &rq);

	if (rrv == SSRD_ENOMEM) {
		ssrd__http_reply_text(
		    ex, http->policy, 500, ssrd__http_status_text(500), 0, 1);
		return;
	}
	if (rq.status == 405) {
		ssrd__http_reply_text(ex, http->policy, 405, rq.reason, 0, 0);
		return;
	}
	if (rrv == SSRD_OK && serve_own(http, ex, &rq)) {
		return;
	}
	/* A bad path: refused before it reaches the cache or a site. */
	if (rrv != SSRD_OK) {
		ssrd__http_reply_text(
		    ex, http->policy, rq.status, rq.reason, rq.head, 0);
		ssrd__http_request_clear(&rq);
		return;
	}
	/* A file of the public/ directory of the site the Host names. */
	if (rq.target == SSRD_HTTP_PUBLIC) {
		serve_public(http, ex, &rq, rq.path, NULL, rq.file, 0);
		ssrd__http_request_clear(&rq);
		return;
	}
	/* The generation current now serves this request to the end, even if
	 * a reload swaps in a newer one meanwhile. */
	ssrd_site *site = ssrd__reloader_site(rq.site);
	/* A file of public/ at its own path, when no route answers it (as
	 * Next.js serves public/ at /), and app/favicon.ico at /favicon.ico:
	 * from the public threads. */
	int in_public = ssrd__site_public_file(site, rq.path);
	int favicon   = !in_public && site->app_favicon
	    && strcmp(rq.path, "/favicon.ico") == 0;
	if ((in_public || favicon) && !route_answers(site, rq.canon)) {
		ssrd__site_unref(site);
		serve_public(http, ex, &rq, rq.path, favicon ? "app" : NULL,
		    rq.path + 1, 0);
		ssrd__http_request_clear(&rq);
		return;
	}
	ssrd__http_page(http, ex, &rq, site, t0);
}

/* While draining: nothing new starts. /healthz still says the process is
 * alive (it is finishing its work); /readyz and everything else say 503,
 * so balancers and clients go elsewhere. Each on a connection that closes:
 * a client that comes back connects afresh. */
static void
serve_draining(ssrd_http *http, ssrd_http_ex *ex)
{
	ssrd_http_request rq;
	int               rrv = read_request(http, ex, &rq);
	int               ok  = rrv == SSRD_OK;
	if (ok && rq.target == SSRD_HTTP_HEALTHZ) {
		ssrd__http_reply_text(
		    ex, http->policy, 200, "ok\n", rq.head, 1);
	} else if (ok && rq.target == SSRD_HTTP_READYZ) {
		ssrd__http_reply_text(
		    ex, http->policy, 503, "draining\n", rq.head, 1);
	} else {
		ssrd__http_reply_text(
		    ex, http->policy, 503, "503 shutting down\n", rq.head, 1);
	}
	ssrd__http_request_clear(&rq);
}

/* Refuses what the framing or the size of a request makes unsafe to
 * answer on a kept-alive connection (ssrd__ex_framing()). Returns 1 if it
 * answered; the connection then closes, and nothing after the request on
 * it is read. */
static int
refuse_framing(ssrd_http *http, ssrd_http_ex *ex)
{
	const char *text;
	int         status = ssrd__ex_framing(ex, &text);
	if (status == 0) {
		return 0;
	}
	ssrd__ex_close_after(ex);
	ssrd__http_reply_text(ex, http->policy, status, text, 0, 1);
	return 1;
}

/* The front's handler of every request (ssrd_front_opts.serve). */
static void
http_serve(void *arg, ssrd_http_ex *ex)
{
	ssrd_http *http = arg;
	if (refuse_framing(http, ex)) {
		return;
	}
	if (atomic_load(&http->draining)) {
		serve_draining(http, ex);
	} else {
		serve(http, ex);
	}
}

static void
http_free(ssrd_http *http)
{
	ssrd__public_stop(http->public);
	ssrd__respcache_free(http->cache);
	free(http->admin_token);
	/* after the public threads, which read it; streams keep their own */
	ssrd__http_policy_release(http->policy);
	free(http);
}

/* Takes what opts says (NULL: the defaults) into http: the policy, the
 * limits of streamed replies, the response cache, /metrics, the public
 * threads and the sites. Returns SSRD_OK, or an error with errbuf filled
 * when there is more to say than the code. */
static int
http_setup(
    ssrd_http *http, const ssrd_http_opts *opts, char *errbuf, size_t errlen)
{
	const ssrd_http_policy_opts po = {
		.security_headers = opts == NULL || opts->security_headers,
		.pass_headers     = opts ? opts->pass_headers : NULL,
		.client_fallback  = opts ? opts->client_fallback : NULL,
	};
	int rv = ssrd__http_policy_new(&po, &http->policy);
	if (rv != SSRD_OK) {
		return rv;
	}
	if (opts != NULL && opts->cache_bytes > 0 && opts->cache_ttl > 0) {
		if (ssrd__respcache_new(opts->cache_bytes, &http->cache)
		    != SSRD_OK) {
			return SSRD_ENOMEM;
		}
		http->cache_ttl = opts->cache_ttl;
		http->cache_swr = opts->cache_swr;
	}
	http->report = opts != NULL ? opts->report : NULL;
	if (opts != NULL && opts->admin_token != NULL
	    && (http->admin_token = strdup(opts->admin_token)) == NULL) {
		return SSRD_ENOMEM;
	}
	/* Each site's public/ under /public/, read on threads of their own:
	 * ssrd's handler (serve_public()), which opens them beneath public/
	 * (ssrd__open_beneath()). */
	const ssrd_public_opts pub = {
		.dotfiles  = opts != NULL && opts->public_dotfiles,
		.max_bytes = opts != NULL ? opts->public_max_bytes : 32 << 20,
		.max_age   = opts != NULL ? opts->public_max_age : 3600,
		.policy    = http->policy,
	};
	if ((rv = ssrd__public_start(&pub, &http->public)) != SSRD_OK) {
		snprintf(errbuf, errlen, "cannot start the public/ threads: %s",
		    ssrd_strerror(rv));
		return rv;
	}
	return SSRD_OK;
}

int
ssrd__http_start(const char *url, ssrd_pool *pool, const ssrd_sites *sites,
    const ssrd_http_opts *opts, ssrd_http **out, char *errbuf, size_t errlen)
{
	ssrd_http *http = calloc(1, sizeof(*http));
	if (http == NULL) {
		return SSRD_ENOMEM;
	}
	http->pool  = pool;
	http->sites = sites;
	int rv      = http_setup(http, opts, errbuf, errlen);
	if (rv != SSRD_OK) {
		http_free(http);
		return rv;
	}
	const ssrd_front_opts fo = {
		.serve           = http_serve,
		.serve_arg       = http,
		.max_connections = opts ? opts->max_connections : 0,
		.idle_timeout_ms = opts ? opts->idle_timeout_ms : 0,
		.send_timeout_ms = opts ? opts->send_timeout_ms : 0,
		.buffer_max      = opts ? opts->buffer_max : 0,
	};
	rv = ssrd__front_start(url, pool, &fo, &http->front, errbuf, errlen);
	if (rv != SSRD_OK) {
		http_free(http);
		return rv;
	}
	*out = http;
	return SSRD_OK;
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
	return (n > 0 ? (size_t) n : 0) + ssrd__front_busy(http->front);
}

void
ssrd__http_stop(ssrd_http *http)
{
	if (http == NULL) {
		return;
	}
	/* what the public threads still hold is answered first (posted to the
	 * loops, which then close every connection) */
	ssrd__public_stop(http->public);
	http->public = NULL;
	ssrd__front_stop(http->front);
	http_free(http);
}
