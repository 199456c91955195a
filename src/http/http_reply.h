/* http_reply.h: whole HTTP replies, as ssrd's handlers make them: text, a
 * page, the browser's fallback, a finished render; each head from the one
 * builder (response.h), sent through the request's exchange. */
#ifndef SSRD_HTTP_REPLY_H
#define SSRD_HTTP_REPLY_H

#include <stddef.h>

#include "http/exchange.h"
#include "http/response.h"
#include "render/job.h"

/* Replies to ex with status and text as text/plain; close: Connection:
 * close too, so that a client that retries connects afresh (to another
 * instance behind a balancer, or to this one restarted). */
void ssrd__http_reply_text(ssrd_http_ex *ex, const ssrd_http_policy *p,
    int status, const char *text, int head, int close);

/* A page's reply head: its status, its caching headers (and where it came
 * from: X-Ssrd-Cache hit, stale or miss, or NULL), its ETag if known, its
 * Content-Encoding (the body is then in that coding) and its Link header
 * (ssrd__site_preload(), or NULL). */
ssrd_http_reply ssrd__http_page_reply(int status, int ttl, int swr,
    const char *cache_state, const char *etag, ssrd_coding coding,
    const char *link);

/* Replies to ex with the browser-rendered stand-in for a page the server
 * could not render (err: why; body: ssrd__http_fallback_page()'s). */
void ssrd__http_reply_fallback(ssrd_http_ex *ex, const ssrd_http_policy *p,
    int err, const char *body, size_t len, int head);

/*
 * Replies to ex with the whole reply to a finished render: on success the
 * page (len bytes of body; compressed in coding, unless that fails) with
 * its status and caching; on failure the browser's fallback when the
 * route has one, else the error's status as text (the stack is for the
 * log, not the visitor). cache_state: X-Ssrd-Cache, or NULL. Any thread.
 */
void ssrd__http_reply_render(ssrd_http_ex *ex, const ssrd_http_policy *p,
    const ssrd_job *job, const char *body, size_t len, ssrd_coding coding,
    const char *cache_state, int head);

#endif
