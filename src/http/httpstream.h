/* httpstream.h: a render's output sent to an HTTP client as React produces
 * it: whole and sized when it comes at once, else streamed (chunked transfer
 * encoding on a connection taken over from nng's HTTP server). */
#ifndef SSRD_HTTPSTREAM_H
#define SSRD_HTTPSTREAM_H

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "http/response.h"
#include "render/pool.h"
#include "render/respcache.h"

/* What bounds a reply written on a taken-over connection, and what its
 * head says (copied by each reply, which retains policy). */
typedef struct ssrd_httpstream_opts {
	/* the server's response policy (security headers, Vary, fallback
	 * routes); NULL: the defaults */
	ssrd_http_policy *policy;
	/* the most output all streamed replies together may hold unsent;
	 * past it, the reply whose client has taken nothing for longest is cut
	 * off, its render cancelled (0: no limit) */
	size_t buffer_max;
	/* a write that makes no progress for this long ends the reply, ms
	 * (0: none) */
	int send_timeout_ms;
} ssrd_httpstream_opts;

/*
 * Submits job to pool and answers the request whose handler aio is aio as
 * the render's output shows it should be. A page that comes whole in the
 * render's first batch (it did not suspend), up to 64 KiB, gets one sized reply
 * through aio, in coding (the client's Accept-Encoding, negotiated), on a
 * connection that stays
 * open. A page that comes in parts is streamed: at its first batch the
 * connection is taken over (hijacked) from the server, aio finished, and the
 * head (200, chunked, x-accel-buffering: no so that nginx passes each chunk on)
 * goes out with that batch; a client that goes away then cancels the render
 * (one that goes before the first batch is not seen: the render ends at its
 * limits). A render that fails before any output gets a plain error status,
 * or the browser's fallback. head: answer a HEAD request: after the whole
 * render, headers only, with the length the page's sized reply would have.
 * Returns SSRD_OK, or the pool's refusal (SSRD_EOVERLOAD, SSRD_ECLOSED)
 * with nothing done: the caller still owns job and must answer aio. Called
 * on nng's thread, in the handler. fill (may be NULL) gathers the page for
 * the response cache and is consumed when the job is done (the caller
 * keeps it on a refusal). Streamed output goes out in pieces as the client
 * takes it, within o's limits: a client that stops reading is cut off, and
 * its render cancelled.
 */
int ssrd__httpstream_submit(ssrd_pool *pool, ssrd_job *job, nng_aio *aio,
    int head, ssrd_coding coding, ssrd_cache_fill *fill,
    const ssrd_httpstream_opts *o);

/*
 * Answers the request whose handler aio is aio with res (a complete
 * response whose data points at bytes it does not own: nng_http_res_set_data)
 * on the connection, taken over from the server so that the write can be
 * bounded: within o->send_timeout_ms, then the connection is closed. res
 * should say Connection: close. When the write has ended, however it ended,
 * res is freed and release(arg) is called (any thread; the bytes may go then).
 * For big bodies shared between replies (the response cache's): no copy per
 * connection. Returns SSRD_OK, or SSRD_ENOMEM with nothing done (the caller
 * still owns res and answers aio). Called on nng's thread, in the handler.
 */
int ssrd__httpstream_send(nng_aio *aio, nng_http_res *res,
    const ssrd_httpstream_opts *o, void (*release)(void *arg), void *arg);

/* Returns how many streamed replies, process-wide, are still under way
 * (submitted, not yet fully written or abandoned). Any thread. */
size_t ssrd__httpstream_live(void);

#endif
