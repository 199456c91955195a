/* http_render.h: a page's render on the pool, and its reply as the render's
 * output comes: whole and sized when the page comes at once (it did not
 * suspend, or it rendered to a string), else streamed, chunk by chunk, as
 * React flushes. */
#ifndef SSRD_HTTP_RENDER_H
#define SSRD_HTTP_RENDER_H

#include "http/exchange.h"
#include "http/response.h"
#include "render/pool.h"
#include "render/respcache.h"

/*
 * Submits job (its inputs set; its chunk, done and arg are set here) to
 * pool, from ex's loop, and answers ex as the render's output shows it
 * should be:
 * - a page that comes whole (its first batch is its last, or the render
 *   is renderToString's) gets one sized reply in coding (the client's
 *   Accept-Encoding, negotiated), on a connection that stays open;
 * - a page that comes in parts is streamed (chunked, X-Accel-Buffering: no
 *   so that nginx passes each chunk on), coded as one stream flushed at
 *   each batch;
 * - a render that fails before any output gets its error's status, or the
 *   browser's fallback when its route has one (p's).
 * head: a HEAD request, answered after the whole render with the length
 * the GET's sized reply would have. A client that goes away cancels the
 * render. fill (may be NULL) gathers the page for the response cache and
 * is consumed when the job is done. Returns SSRD_OK; or the pool's refusal
 * (SSRD_EOVERLOAD, SSRD_ECLOSED) or SSRD_ENOMEM with nothing done: the
 * caller still owns job and fill and answers ex.
 */
int ssrd__http_render(ssrd_pool *pool, const ssrd_http_policy *p, ssrd_job *job,
    ssrd_http_ex *ex, int head, ssrd_coding coding, ssrd_cache_fill *fill);

#endif
