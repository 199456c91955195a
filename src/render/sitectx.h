/* sitectx.h: one worker's JavaScript context for one site generation, and
 * rendering in it. */
#ifndef SSRD_SITECTX_H
#define SSRD_SITECTX_H

#include <stddef.h>
#include <stdint.h>

#include "build/bundle.h"
#include "core/timers.h"
#include "engine/engine.h"
#include "render/job.h"
#include "site/site.h"

typedef struct ssrd_sitectx ssrd_sitectx;

/*
 * Where a context's asynchronous events go: the worker's event loop. The
 * hooks run on the worker thread, inside V8 calls; they must not call back
 * into the engine. render is the loop's id for the render (0: none). Any
 * hook may be NULL.
 */
typedef struct ssrd_sitectx_loop {
	void *arg;
	void (*chunk)(void *arg, uint64_t render, const char *data, size_t len);
	void (*end)(void *arg, uint64_t render, const ssrd_js_error *err);
	void (*status)(void *arg, uint64_t render, int code);
	void (*report)(void *arg, uint64_t render, const ssrd_js_error *err,
	    const char *component_stack);
	/* after the line is logged: the render may keep it */
	void (*console)(void *arg, uint64_t render, int level, int kind,
	    const char *msg, size_t len);
	/* returns 0 if the call was taken (settled later on sc) */
	int (*host_call)(void *arg, ssrd_sitectx *sc, uint64_t render,
	    uint32_t promise, const char *op, const char *args, size_t len);
} ssrd_sitectx_loop;

/*
 * A context made for one generation of one site: the base (from the
 * snapshot, or evaluated), the shell, and each route's page delta once that
 * route has rendered here. Its timers belong to it and die with it. Owned by
 * one worker thread; a zeroed struct is a closed one.
 */
struct ssrd_sitectx {
	ssrd_context *ctx; /* NULL when closed */
	/* isolation = page: the worker's warm context, whose React renders
	 * this context's pages (borrowed); NULL otherwise */
	ssrd_context  *warm;
	ssrd_site     *site; /* the generation it was made for (a reference) */
	unsigned char *loaded; /* per route of site: its delta is evaluated */
	int *cache_ttl, *cache_swr; /* per route: the page's policy, -1: none */
	ssrd_timers        timers;
	const ssrd_bundle *base;
	int                worker; /* for log lines */
	uint64_t current_id;       /* the render being run, for console lines */
	const ssrd_sitectx_loop *loop; /* NULL: no event loop (direct use) */
	int users;   /* renders and host calls using it (the loop's count) */
	int retired; /* replaced by a newer generation: close when unused */
	/* what opening it took, ms: the context itself (with the base when
	 * not from a snapshot), then the shell */
	double open_ms, shell_ms;
};

/*
 * Opens sc for site in iso: a new context (from the isolate's snapshot if it
 * has one, else with base evaluated), its base locked down (its built-ins,
 * React's exports and the objects React hands every render frozen:
 * js/runtime/lockdown.js; a snapshot's base already is), linked to warm's
 * React when warm is not NULL (isolation = page), with the shell evaluated.
 * Closes sc first if open. On failure returns the error with the reason in
 * msg; sc is closed.
 */
int ssrd__sitectx_open(ssrd_sitectx *sc, ssrd_isolate *iso, int from_snapshot,
    const ssrd_bundle *base, ssrd_site *site, ssrd_context *warm, int worker,
    const ssrd_sitectx_loop *loop, char *msg, size_t msglen);

/*
 * Renders job (whose site must be sc->site) in sc as render (the loop's id
 * for it: what its code sets going belongs to it), loading the route's page
 * delta first if need be, and fills the job's outputs: html, or err with
 * error_text (a page that threw: message and source-mapped stack; bad props:
 * the reason; a page that did not build: esbuild's message).
 */
void ssrd__sitectx_render(ssrd_sitectx *sc, ssrd_job *job, uint64_t render);

/* A render has ended: what it left to run later in sc (its timers and
 * intervals; with isolation = page, in the warm context too) is cancelled.
 */
void ssrd__sitectx_end_render(ssrd_sitectx *sc, uint64_t render);

/*
 * Starts job as a streaming render numbered render: its chunks and its end
 * arrive through sc->loop. A page that renders at once comes whole from
 * renderToString, in the bytes React's streaming renderer would send, unless
 * always_stream asks for renderToReadableStream regardless (streaming = 2).
 * Returns SSRD_OK once started; otherwise the job's err and error_text are
 * set (the page did not load, bad props, a synchronous throw) and nothing
 * will arrive.
 */
int ssrd__sitectx_stream(
    ssrd_sitectx *sc, ssrd_job *job, uint64_t render, int always_stream);

/* Asks React to stop streaming render: it flushes what is ready, leaves
 * pending Suspense boundaries to the client and ends the stream. */
void ssrd__sitectx_abort(ssrd_sitectx *sc, uint64_t render, const char *reason);

/* Fills job->err and error_text from a failed render's error: bad props are
 * the caller's (SSRD_EBADPROPS, the reason alone), anything else the page's
 * (source-mapped). */
void ssrd__sitectx_job_error(
    ssrd_sitectx *sc, ssrd_job *job, const ssrd_js_error *err);

/* Logs a line of a page's console (kind 0) or ssrd.log (kind 1) with the
 * render's id. */
void ssrd__sitectx_log_console(
    int worker, uint64_t id, int level, int kind, const char *msg, size_t len);

/* Runs one of sc's timers due at now (ssrd__now_ms() time), if any, with the
 * microtasks it queues: one timer per call, so that the worker's watchdog
 * stops only the callback that runs too long. Returns 1 if it ran one. */
int ssrd__sitectx_fire_timer(ssrd_sitectx *sc, double now);

/* Closes sc: the context, its timers, its reference to the site. Closing a
 * closed one is a no-op. */
void ssrd__sitectx_close(ssrd_sitectx *sc);

/* Formats err with base and every layer of site available for source mapping
 * (malloc'd). */
char *ssrd__sitectx_format_error(
    const ssrd_bundle *base, const ssrd_site *site, const ssrd_js_error *err);

#endif
