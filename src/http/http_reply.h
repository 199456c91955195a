/* http_reply.h: buffered HTTP replies on nng: a head from the one builder
 * (response.h) applied to an nng_http_res, its body, and the handler's aio
 * finished with it. */
#ifndef SSRD_HTTP_REPLY_H
#define SSRD_HTTP_REPLY_H

#include <stddef.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "http/response.h"
#include "render/job.h"

/* Makes a response with r's head under p (ssrd__http_head_build) and no
 * body yet. Returns 0 with *out the caller's, or nng's error (*out NULL).
 * Any thread. */
int ssrd__http_res_new(
    const ssrd_http_policy *p, const ssrd_http_reply *r, nng_http_res **out);

/*
 * Finishes aio (nng's handler aio) with res, or with rv when rv is not 0
 * (res, if not NULL, is freed then): the one place a buffered reply ends,
 * so that no failure leaks its response. Takes res.
 */
void ssrd__http_res_finish(nng_aio *aio, nng_http_res *res, int rv);

/*
 * Finishes aio with r's reply under p and its body: a copy of len bytes,
 * or for HEAD the bytes themselves uncopied, which nng's server drops
 * before writing, keeping their length as Content-Length (RFC 9110: a
 * HEAD answer gives the GET's length); a 304 has none. Any thread.
 */
void ssrd__http_reply(nng_aio *aio, const ssrd_http_policy *p,
    const ssrd_http_reply *r, const char *body, size_t len, int head);

/* Finishes aio with status and text as text/plain; close: Connection:
 * close too, so that a client that retries connects afresh (to another
 * instance behind a balancer, or to this one restarted). */
void ssrd__http_reply_text(nng_aio *aio, const ssrd_http_policy *p, int status,
    const char *text, int head, int close);

/* A page's reply head: its status, its caching headers (and where it came
 * from: X-Ssrd-Cache hit, stale or miss, or NULL), its ETag if known, its
 * Content-Encoding (the body is then in that coding) and its Link header
 * (ssrd__site_preload(), or NULL). */
ssrd_http_reply ssrd__http_page_reply(int status, int ttl, int swr,
    const char *cache_state, const char *etag, ssrd_coding coding,
    const char *link);

/* Finishes aio with the browser-rendered stand-in for a page the server
 * could not render (err: why; body: ssrd__http_fallback_page()'s). */
void ssrd__http_reply_fallback(nng_aio *aio, const ssrd_http_policy *p, int err,
    const char *body, size_t len, int head);

/*
 * Finishes aio with the whole reply to a finished render: on success the
 * page (len bytes of body; compressed in coding, unless that fails) with
 * its status and caching; on failure the browser's fallback when the
 * route has one, else the error's status as text (the stack is for the
 * log, not the visitor). cache_state: X-Ssrd-Cache, or NULL. Any thread.
 */
void ssrd__http_reply_render(nng_aio *aio, const ssrd_http_policy *p,
    const ssrd_job *job, const char *body, size_t len, ssrd_coding coding,
    const char *cache_state, int head);

#endif
