/* http_page.h: a request for a page: answered from the response cache
 * (revalidated in the background when stale), or rendered on the pool and
 * replied to, buffered or streamed, with the browser's fallback when the
 * render fails and its route says so. */
#ifndef SSRD_HTTP_PAGE_H
#define SSRD_HTTP_PAGE_H

#include "http/exchange.h"
#include "http/http_request.h"
#include "site/site.h"

struct ssrd_http;

/*
 * Answers the page request rq (accepted, target SSRD_HTTP_PAGE) of ex for
 * site (the generation that serves it to the end; the caller's reference,
 * which this takes). rq is cleared here. t0: when the request came (ms,
 * ssrd__now_ms()). Called on ex's loop, in the handler; ex is answered
 * here or by the render.
 */
void ssrd__http_page(struct ssrd_http *http, ssrd_http_ex *ex,
    ssrd_http_request *rq, ssrd_site *site, double t0);

#endif
