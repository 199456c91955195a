/* response.c implements the HTTP response policy and the one builder of
 * response heads (response.h), with the bodies every reply path shares: the
 * error texts and the client-fallback page. */
#define _GNU_SOURCE
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ssrd/errors.h>

#include "core/log.h"
#include "core/strbuf.h"
#include "http/response.h"

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

static void
policy_free(ssrd_http_policy *p)
{
	for (size_t i = 0; i < p->npass; i++) {
		free(p->pass[i]);
	}
	free(p->pass);
	for (size_t i = 0; i < p->nfallback; i++) {
		free(p->fallback[i]);
	}
	free(p->fallback);
	free(p->vary);
	free(p);
}

int
ssrd__http_policy_new(const ssrd_http_policy_opts *o, ssrd_http_policy **out)
{
	ssrd_http_policy *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		return SSRD_ENOMEM;
	}
	atomic_init(&p->refs, 1);
	p->security_headers = o == NULL || o->security_headers;
	if (o != NULL
	    && (split_names(o->client_fallback, &p->fallback, &p->nfallback, 0)
	            != SSRD_OK
	        || split_names(o->pass_headers, &p->pass, &p->npass, 1)
	            != SSRD_OK)) {
		policy_free(p);
		return SSRD_ENOMEM;
	}
	/* what a page's reply varies with: its encoding, the headers it sees */
	ssrd_strbuf vary = { 0 };
	ssrd__strbuf_puts(&vary, "Accept-Encoding");
	for (size_t i = 0; i < p->npass; i++) {
		ssrd__strbuf_printf(&vary, ", %s", p->pass[i]);
	}
	if ((p->vary = ssrd__strbuf_take(&vary)) == NULL) {
		policy_free(p);
		return SSRD_ENOMEM;
	}
	*out = p;
	return SSRD_OK;
}

ssrd_http_policy *
ssrd__http_policy_retain(ssrd_http_policy *p)
{
	atomic_fetch_add(&p->refs, 1);
	return p;
}

void
ssrd__http_policy_release(ssrd_http_policy *p)
{
	if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1) {
		policy_free(p);
	}
}

/* ---- the head builder ---- */

/* The security headers: nosniff on every reply, the others as the policy
 * says. nosniff first: ssrd__http_head_build() relies on it. */
static const char *const security_lines[][2] = {
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Frame-Options", "SAMEORIGIN" },
	{ "Referrer-Policy", "strict-origin-when-cross-origin" },
};

static void
add(ssrd_http_head *h, const char *name, const char *value)
{
	assert(h->n < SSRD_HTTP_HEAD_MAX);
	if (h->n < SSRD_HTTP_HEAD_MAX) {
		h->h[h->n].name  = name;
		h->h[h->n].value = value;
		h->n++;
	}
}

/* Cache-Control as r says, in h's buffer, or NULL for none. */
static const char *
cache_control(ssrd_http_head *h, const ssrd_http_reply *r)
{
	switch (r->caching) {
	case SSRD_HTTP_CACHE_UNSAID:
		return NULL;
	case SSRD_HTTP_CACHE_NO_CACHE:
		return "no-cache";
	case SSRD_HTTP_CACHE_PAGE:
		if (r->max_age <= 0) {
			return "no-store";
		}
		snprintf(h->cache_control, sizeof(h->cache_control),
		    "public, max-age=%d, stale-while-revalidate=%d", r->max_age,
		    r->swr);
		return h->cache_control;
	case SSRD_HTTP_CACHE_PUBLIC:
		snprintf(h->cache_control, sizeof(h->cache_control),
		    "public, max-age=%d", r->max_age);
		return h->cache_control;
	case SSRD_HTTP_CACHE_IMMUTABLE:
		return "public, max-age=31536000, immutable";
	case SSRD_HTTP_CACHE_NO_STORE:
	default:
		return "no-store";
	}
}

void
ssrd__http_head_build(
    const ssrd_http_policy *p, const ssrd_http_reply *r, ssrd_http_head *out)
{
	out->status = r->status != 0 ? r->status : 200;
	out->reason = ssrd__http_reason(out->status);
	out->n      = 0;
	if (r->type != NULL) {
		add(out, "Content-Type", r->type);
	}
	if (r->unbuffered) {
		add(out, "X-Accel-Buffering", "no");
	}
	if (r->close) {
		add(out, "Connection", "close");
	}
	if (out->status == 503) {
		/* refused (overloaded, shutting down): ask again soon */
		add(out, "Retry-After", "1");
	}
	if (out->status == 405) {
		add(out, "Allow", "GET, HEAD");
	}
	size_t nsec = p == NULL || p->security_headers
	    ? sizeof(security_lines) / sizeof(security_lines[0])
	    : 1; /* nosniff always */
	for (size_t i = 0; i < nsec; i++) {
		add(out, security_lines[i][0], security_lines[i][1]);
	}
	const char *cc = cache_control(out, r);
	if (cc != NULL) {
		add(out, "Cache-Control", cc);
	}
	if (r->cache_state != NULL) {
		add(out, "X-Ssrd-Cache", r->cache_state);
	}
	if (r->fallback != NULL) {
		add(out, "X-Ssrd-Fallback", r->fallback);
	}
	if (r->vary && p != NULL && p->vary != NULL) {
		add(out, "Vary", p->vary);
	}
	if (r->etag != NULL) {
		add(out, "ETag", r->etag);
	}
	if (r->last_modified != NULL) {
		add(out, "Last-Modified", r->last_modified);
	}
	if (r->link != NULL) {
		add(out, "Link", r->link);
	}
	if (r->coding != SSRD_CODING_IDENTITY && out->status != 304) {
		add(out, "Content-Encoding", ssrd__coding_name(r->coding));
	}
	if (r->framing == SSRD_HTTP_CHUNKED) {
		add(out, "Transfer-Encoding", "chunked");
	} else if (r->framing == SSRD_HTTP_LENGTH) {
		snprintf(out->length, sizeof(out->length), "%zu", r->length);
		add(out, "Content-Length", out->length);
	}
}

void
ssrd__http_head_write(const ssrd_http_head *h, ssrd_strbuf *b)
{
	ssrd__strbuf_printf(b, "HTTP/1.1 %d %s\r\n", h->status, h->reason);
	for (size_t i = 0; i < h->n; i++) {
		ssrd__strbuf_printf(
		    b, "%s: %s\r\n", h->h[i].name, h->h[i].value);
	}
	ssrd__strbuf_puts(b, "\r\n");
}

const char *
ssrd__http_head_get(const ssrd_http_head *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++) {
		if (strcasecmp(h->h[i].name, name) == 0) {
			return h->h[i].value;
		}
	}
	return NULL;
}

const char *
ssrd__http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Content Too Large";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	}
	return status >= 500 ? "Internal Server Error"
	    : status >= 400  ? "Bad Request"
	                     : "OK";
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

/* ---- what every reply path shares ---- */

char *
ssrd__http_fallback_page(
    const ssrd_http_policy *p, const ssrd_job *job, size_t *len)
{
	const ssrd_site *site    = job->site;
	const char      *pattern = site->routes.v[job->route].pattern;
	size_t           n       = p != NULL ? p->nfallback : 0;
	size_t           i       = 0;
	while (i < n && strcmp(p->fallback[i], "*") != 0
	    && strcmp(p->fallback[i], pattern) != 0) {
		i++;
	}
	if (i == n || site->client_url[0] == '\0' || job->status != 200) {
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
