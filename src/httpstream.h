/* httpstream.h: a render's output streamed to an HTTP client as React
 * produces it (chunked transfer encoding on a connection taken over from
 * nng's HTTP server). */
#ifndef SSRD_HTTPSTREAM_H
#define SSRD_HTTPSTREAM_H

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "pool.h"
#include "respcache.h"

/*
 * Submits job to pool and answers the request whose handler aio is aio by
 * streaming: the connection is taken over (hijacked) from the server, the
 * handler's aio finished, and the response written from the job's chunks.
 * Headers go out with the first chunk (200, chunked, x-accel-buffering: no
 * so that nginx passes each chunk on); a render that fails before any
 * output gets a plain error status instead. A client that goes away cancels
 * the render. head: answer a HEAD request (headers only). Returns SSRD_OK,
 * or the pool's refusal (SSRD_EOVERLOAD, SSRD_ECLOSED) with nothing done:
 * the caller still owns job and must answer aio. Called on nng's thread, in
 * the handler. fill (may be NULL) gathers the page for the response cache
 * and is consumed when the job is done (the caller keeps it on a refusal);
 * vary (may be NULL; must outlive the reply) is the Vary header.
 */
int ssrd__httpstream_submit(ssrd_pool *pool, ssrd_job *job, nng_aio *aio,
    int head, ssrd_cache_fill *fill, const char *vary);

/* Returns how many streamed replies, process-wide, are still under way
 * (submitted, not yet fully written or abandoned). Any thread. */
size_t ssrd__httpstream_live(void);

#endif
