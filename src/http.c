/* http.c implements the HTTP front: route matching, a render on the pool, and
 * the reply. */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include <ssrd/errors.h>

#include "fsutil.h"
#include "http.h"
#include "httpstream.h"
#include "log.h"

struct ssrd_http {
	nng_http_server  *server;
	nng_http_handler *handler;
	ssrd_pool        *pool;
	ssrd_reloader   **sites; /* by slot */
	char            **hosts; /* by slot; NULL entries match no Host */
	size_t            nsites;
	atomic_ullong     next_id;
};

/* Finishes aio with a response: status, content type and body. */
static void
reply(nng_aio *aio, uint16_t status, const char *ctype, const char *body,
    size_t len, int head)
{
	nng_http_res *res;
	int           rv = nng_http_res_alloc(&res);
	if (rv == 0) {
		nng_http_res_set_status(res, status);
		nng_http_res_set_header(res, "Content-Type", ctype);
		nng_http_res_set_header(
		    res, "X-Content-Type-Options", "nosniff");
		if (!head) {
			rv = nng_http_res_copy_data(res, body, len);
		} else {
			char cl[32];
			snprintf(cl, sizeof(cl), "%zu", len);
			nng_http_res_set_header(res, "Content-Length", cl);
		}
	}
	if (rv != 0) {
		nng_aio_finish(aio, rv);
		return;
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

static void
reply_text(nng_aio *aio, uint16_t status, const char *text, int head)
{
	reply(
	    aio, status, "text/plain; charset=utf-8", text, strlen(text), head);
}

struct pending {
	nng_aio *aio;
	int      head;
};

int
ssrd__http_status_for(int err)
{
	switch (err) {
	case SSRD_OK:
		return 200;
	case SSRD_EBADPROPS:
	case SSRD_EBADREQ:
	case SSRD_EINVAL:
		return 400;
	case SSRD_ENOROUTE:
	case SSRD_ENOENT:
		return 404;
	case SSRD_ECLOSED:
	case SSRD_EOVERLOAD:
		return 503;
	case SSRD_ETIMEDOUT:
		return 504;
	default:
		return 500;
	}
}

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
	ssrd__log(SSRD_LOG_DEBUG, "timing",
	    "render=%llu path=%s queue_ms=%.3f first_ms=%.3f render_ms=%.3f "
	    "worker=%d",
	    (unsigned long long) job->id, job->path, job->queue_ms,
	    job->first_ms, job->render_ms, job->worker);
}

static void
render_done(ssrd_job *job, void *arg)
{
	struct pending *pd = arg;
	ssrd__http_log_render(job, 0);
	if (job->err == SSRD_OK) {
		reply(pd->aio, 200, "text/html; charset=utf-8", job->html,
		    job->html_len, pd->head);
	} else {
		/* The stack is for the log, not for the visitor. */
		int status = ssrd__http_status_for(job->err);
		reply_text(pd->aio, (uint16_t) status,
		    ssrd__http_status_text(status), pd->head);
	}
	free(pd);
	ssrd__job_free(job);
}

static void
handle(nng_aio *aio)
{
	nng_http_req     *req    = nng_aio_get_input(aio, 0);
	nng_http_handler *h      = nng_aio_get_input(aio, 1);
	ssrd_http        *http   = nng_http_handler_get_data(h);
	const char       *method = nng_http_req_get_method(req);
	const char       *uri    = nng_http_req_get_uri(req);
	int               head   = strcmp(method, "HEAD") == 0;

	if (!head && strcmp(method, "GET") != 0) {
		nng_http_res *res;
		if (nng_http_res_alloc(&res) != 0) {
			nng_aio_finish(aio, NNG_ENOMEM);
			return;
		}
		nng_http_res_set_status(res, 405);
		nng_http_res_set_header(res, "Allow", "GET, HEAD");
		nng_http_res_set_header(
		    res, "Content-Type", "text/plain; charset=utf-8");
		nng_http_res_copy_data(res, "405 method not allowed\n", 23);
		nng_aio_set_output(aio, 0, res);
		nng_aio_finish(aio, 0);
		return;
	}

	/* The generation current now serves this request to the end, even if
	 * a reload swaps in a newer one meanwhile. */
	ssrd_site *site = ssrd__reloader_site(ssrd__reloader_pick(http->sites,
	    http->hosts, http->nsites, nng_http_req_get_header(req, "Host")));
	ssrd_job  *job  = NULL;
	int        rv   = ssrd__job_new(site, uri, NULL, 0, &job);
	ssrd__site_unref(site); /* the job holds its own reference */
	if (rv == SSRD_ENOROUTE) {
		reply_text(aio, 404, "404 not found\n", head);
		return;
	}
	if (rv == SSRD_EINVAL) {
		reply_text(aio, 400, "400 bad request path\n", head);
		return;
	}
	struct pending *pd = malloc(sizeof(*pd));
	if (rv != SSRD_OK || pd == NULL) {
		free(pd);
		ssrd__job_free(job);
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	job->id = atomic_fetch_add(&http->next_id, 1) + 1;
	if (ssrd__pool_streams(http->pool)) {
		free(pd);
		rv = ssrd__httpstream_submit(http->pool, job, aio, head);
		if (rv != SSRD_OK) {
			ssrd__job_free(job);
			reply_text(aio, 503,
			    rv == SSRD_EOVERLOAD ? "503 overloaded\n"
			                         : "503 shutting down\n",
			    head);
		}
		return;
	}
	pd->aio   = aio;
	pd->head  = head;
	job->done = render_done;
	job->arg  = pd;
	rv        = ssrd__pool_submit(http->pool, job);
	if (rv != SSRD_OK) {
		free(pd);
		ssrd__job_free(job);
		reply_text(aio, 503,
		    rv == SSRD_EOVERLOAD ? "503 overloaded\n"
		                         : "503 shutting down\n",
		    head);
	}
}

static void
http_free(ssrd_http *http)
{
	for (size_t i = 0; http->hosts != NULL && i < http->nsites; i++) {
		free(http->hosts[i]);
	}
	free(http->hosts);
	free(http->sites);
	free(http);
}

int
ssrd__http_start(const char *url, ssrd_pool *pool, const char *const *hosts,
    ssrd_reloader *const *sites, size_t nsites, ssrd_http **out, char *errbuf,
    size_t errlen)
{
	ssrd_http *http = calloc(1, sizeof(*http));
	nng_url   *u    = NULL;
	int        rv;
	if (http == NULL) {
		return SSRD_ENOMEM;
	}
	http->pool   = pool;
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
	/* The default site's public/ directory, as static files under
	 * /public/ (nng's handler: no listing, no escape from the
	 * directory). */
	ssrd_site *site0 = ssrd__reloader_site(sites[0]);
	char      *pub   = ssrd__path_join(site0->root, "public");
	ssrd__site_unref(site0);
	struct stat st;
	if (pub != NULL && stat(pub, &st) == 0 && S_ISDIR(st.st_mode)) {
		nng_http_handler *dir;
		if ((rv = nng_http_handler_alloc_directory(
		         &dir, "/public", pub))
		        != 0
		    || (rv = nng_http_server_add_handler(http->server, dir))
		        != 0) {
			snprintf(errbuf, errlen, "cannot serve %s: %s", pub,
			    nng_strerror(rv));
			free(pub);
			goto fail;
		}
	}
	free(pub);
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

void
ssrd__http_stop(ssrd_http *http)
{
	if (http == NULL) {
		return;
	}
	nng_http_server_stop(http->server);
	nng_http_server_release(http->server);
	http_free(http);
}
