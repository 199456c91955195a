/* pool.h: the worker pool. N threads, each with one V8 isolate for its life,
 * fed by a bounded queue. */
#ifndef SSRD_POOL_H
#define SSRD_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "engine/engine.h"
#include "site.h"

typedef struct ssrd_pool ssrd_pool;
typedef struct ssrd_job  ssrd_job;

/* Called once per submitted job, on the worker thread, when it is done. It owns
 * the job from then on. */
typedef void (*ssrd_job_done)(ssrd_job *job, void *arg);

/*
 * One render. The submitter fills the inputs (strings malloc'd; the job
 * owns them and ssrd__job_free() frees them) and the completion; the
 * worker fills the outputs before calling done.
 */
struct ssrd_job {
	/* inputs */
	uint64_t   id;      /* the render's id in logs */
	ssrd_site *site;    /* the site generation to render with: a reference,
	                       dropped by ssrd__job_free() */
	size_t route;       /* the route's index in site's table */
	char  *page_key;    /* the route's page, "app/page.jsx" */
	char  *path;        /* the request path, given to the layout */
	char  *params_json; /* the route's dynamic segments, a JSON object */
	char  *props_json; /* the request's props, a JSON object; NULL for {} */
	size_t props_len;
	/* -1: the pool's default; 0: renderToString, one synchronous call;
	 * 1: renderToReadableStream on the worker's event loop */
	int    stream;
	double timeout_ms;      /* a streaming render's wall clock; 0: pool's */
	int    capture_console; /* 1: keep the render's console lines */
	int    hydrate; /* 1: the page loads the site's browser bundle (when it
	                   has one) with its props: streaming renders only */
	int heap_stats; /* 1: after the render, a full GC, then fill heap */
	/* How long the reply may be cached, s (0: not at all), and served stale
	 * while it is rendered again: the caller sets its defaults; the worker
	 * applies the page's own `export const cache` (false, or {ttl, swr}).
	 */
	int cache_ttl, cache_swr;
	/* Called on the worker thread with each batch of output as React
	 * produces it (bytes valid during the call) when set; otherwise the
	 * output gathers in html. */
	void (*chunk)(ssrd_job *job, const char *data, size_t len, void *arg);
	int final_chunk; /* set by the worker when chunk gets the last bytes:
	                    done follows at once (a caller may wait and send
	                    both together) */
	ssrd_job_done done;
	void         *arg;
	/* outputs */
	int err; /* SSRD_OK, SSRD_EJS, SSRD_EBADPROPS, SSRD_ECLOSED, ... */
	int needs_stream; /* set by a renderToString render that cannot finish
	                     (the page suspends, or a segment must catch an
	                     error): the worker streams it instead */
	int status;       /* the HTTP status of a rendered page: 200, or 404 for
	                     the not-found page */
	char  *html;      /* the document when err is SSRD_OK (malloc'd) */
	size_t html_len;
	char  *error_text; /* message and source-mapped stack otherwise
	                      (malloc'd) */
	/* boundary errors React reported while streaming (a Suspense boundary
	 * whose content threw, left to the client): the page is sent, but it
	 * is not what the page renders when all is well, so no cache keeps it
	 */
	int    reported;
	double queue_ms;  /* waiting in the queue */
	double render_ms; /* from start to end (streaming: to the last chunk) */
	double first_ms;  /* from start to the first output */
	/* parts of render_ms: opening a context and evaluating the site's
	 * shell in it (0 when the warm one served), evaluating the page's
	 * delta (0 when it was already) */
	double context_ms, shell_ms, delta_ms;
	double done_ms; /* ssrd__now_ms() when the worker finished it */
	int    worker;  /* which worker rendered it */
	char  *console; /* "LEVEL message\n" lines, when capture_console */
	size_t console_len;
	ssrd_heap_stats heap; /* the worker's isolate, when heap_stats */
	/* private to the pool */
	ssrd_job *next;
	double    enqueued_ms;
	int       cancelled; /* atomic: ssrd__pool_cancel() */
};

/*
 * Makes the job that renders path (its query and fragment ignored) on site:
 * matches the route, takes a reference to site, copies path, the route's
 * params and props (props_len bytes, or NULL for {}). Stores it in *out
 * (the caller sets id, done and arg) and returns SSRD_OK; SSRD_ENOROUTE if
 * no route matches; SSRD_EINVAL for a malformed path; SSRD_ENOMEM. Any thread.
 */
int ssrd__job_new(ssrd_site *site, const char *path, const char *props,
    size_t props_len, ssrd_job **out);

/*
 * As ssrd__job_new() for the site's not-found page (app/not-found.jsx),
 * rendered for path with status 404. Returns SSRD_ENOROUTE if the site has
 * none.
 */
int ssrd__job_new_not_found(ssrd_site *site, const char *path,
    const char *props, size_t props_len, ssrd_job **out);

/* Frees a job and every string it owns. NULL is a harmless no-op. */
void ssrd__job_free(ssrd_job *job);

/* How renders share JavaScript state within a worker. */
typedef enum ssrd_isolation {
	/* One warm context per site per worker, reused by every render: React
	 * runs with all its type feedback and optimised code. The default. */
	SSRD_ISOLATION_SITE = 0,
	/* A fresh context for every render (from the snapshot when there is
	 * one), freed after it: no render can see another's globals. For
	 * untrusted code; costs a context and the site's evaluation per render.
	 */
	SSRD_ISOLATION_REQUEST = 1,
	/* A fresh context for every render, as with REQUEST, for the page's
	 * own code (its globals, its modules, the shell's modules); React
	 * itself (frozen exports) runs in a warm context of the worker, so the
	 * render runs on optimised React code. About 2x a warm render instead
	 * of 10x, for isolation of everything but React's own internals. */
	SSRD_ISOLATION_PAGE = 2,
} ssrd_isolation;

/* Returns the isolation named "site", "page" or "request", or -1. */
int ssrd__isolation_parse(const char *name);

/* Returns the name of an isolation mode. */
const char *ssrd__isolation_name(ssrd_isolation mode);

typedef struct ssrd_pool_opts {
	long   workers;   /* threads to start, >= 1 */
	size_t queue_max; /* jobs waiting at most; more are refused */
	ssrd_isolate_opts isolate;
	ssrd_isolation    isolation;
	int               stream;   /* jobs' default for stream (-1 there) */
	double            stall_ms; /* no chunk for this long: abort; 0: 5000 */
	/* a render's wall clock (0: 30000), and the most a job may ask for
	 * with its own timeout_ms (0: no more than timeout_ms) */
	double timeout_ms, timeout_max_ms;
	size_t max_output;     /* a render's output, bytes; 0: no limit */
	long   worker_renders; /* renders in flight per worker; 0: 16 */
	/* A worker replaces its isolate (from the snapshot, between renders)
	 * after this many renders, or when its heap stays above this many MiB
	 * after a full GC; 0: never. And after a render reaches the heap limit,
	 * always. */
	long recycle_renders, recycle_heap_mb;
	/* a worker with nothing to do for this long collects its garbage once,
	 * ms; 0: never */
	double idle_gc_ms;
	/* the host bridge: what pages may reach, and the threads doing it;
	 * NULL: every host call is refused. Both must outlive the pool. */
	const struct ssrd_host_opts *host;
	struct ssrd_hostpool        *hostpool;
} ssrd_pool_opts;

/*
 * Starts the workers and waits until each has a context for each of the
 * nsites sites (sites[i]->slot must be i; the pool keeps a reference to
 * each); base must outlive the pool. Stores
 * the pool in *out and returns SSRD_OK; on failure stops what started and
 * returns the first worker's error, with its message in errbuf.
 */
int ssrd__pool_start(const ssrd_pool_opts *opts, const ssrd_bundle *base,
    ssrd_site *const *sites, size_t nsites, ssrd_pool **out, char *errbuf,
    size_t errlen);

/*
 * Queues a job. Returns SSRD_OK, after which job->done is called exactly
 * once; or SSRD_EOVERLOAD (queue full) or SSRD_ECLOSED (stopping), in which
 * case done is never called and the caller still owns the job. Any thread.
 */
int ssrd__pool_submit(ssrd_pool *pool, ssrd_job *job);

/* Queues a job and waits for it; job->done and job->arg are overwritten.
 * Returns job->err. */
int ssrd__pool_render(ssrd_pool *pool, ssrd_job *job);

/*
 * Asks for job's render to stop (its caller went away): a streaming render
 * is aborted and completes with SSRD_ECLOSED; a queued one completes with
 * SSRD_ECLOSED when a worker takes it. done is still called once. Safe
 * from any thread until done has been called.
 */
void ssrd__pool_cancel(ssrd_pool *pool, ssrd_job *job);

/*
 * Lets the pool finish its work without taking more: from now on
 * ssrd__pool_submit() refuses jobs (SSRD_ECLOSED); waits until none is
 * queued or running, or grace_ms passed. Returns the number of jobs still
 * queued or running then (0: drained). ssrd__pool_stop() follows. Any
 * thread but a job's done callback.
 */
size_t ssrd__pool_drain(ssrd_pool *pool, double grace_ms);

/* What one worker has done, for logs and diagnose. */
typedef struct ssrd_worker_stats {
	unsigned long renders;     /* jobs it completed */
	unsigned long recycles;    /* isolates it replaced */
	unsigned long timeouts;    /* JavaScript the watchdog stopped */
	unsigned long heap_limits; /* renders stopped at the heap limit */
	int           inflight;    /* renders in flight now */
	/* its isolate's heap, as the worker last looked (every
	 * HEAP_STATS_EVERY_MS while it works, and after an idle GC) */
	ssrd_heap_stats heap;
} ssrd_worker_stats;

/* Fills *st for worker i (0 <= i < ssrd__pool_workers()). Any thread. */
void ssrd__pool_worker_stats(ssrd_pool *pool, long i, ssrd_worker_stats *st);

/* The jobs waiting for a worker now, and at most (queue_max). Any thread. */
void ssrd__pool_queue(ssrd_pool *pool, size_t *queued, size_t *max);

/* Returns 1 if jobs stream by default (the pool's stream option). */
int ssrd__pool_streams(const ssrd_pool *pool);

/* Returns the number of workers. */
long ssrd__pool_workers(const ssrd_pool *pool);

/*
 * Stops the pool: jobs still queued complete with SSRD_ECLOSED, running
 * ones finish, threads are joined, isolates disposed. NULL is a no-op.
 * Must not be called from a job's done callback.
 */
void ssrd__pool_stop(ssrd_pool *pool);

#endif
