/* pool.h: the worker pool. N threads, each with one V8 isolate for its life,
 * fed by a bounded queue. */
#ifndef SSRD_POOL_H
#define SSRD_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "build/bundle.h"
#include "config/values.h"
#include "engine/engine.h"
#include "render/job.h"
#include "site/site.h"

typedef struct ssrd_pool ssrd_pool;

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
	/* before it takes requests (at start, after replacing its isolate), a
	 * worker renders its sites' pages for at most this long, so that the
	 * first request of a route finds V8's code warm, ms; 0: not at all */
	double warmup_ms;
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

/*
 * As ssrd__pool_submit(), from a worker's own thread (the HTTP front's
 * handlers run there): the job goes to that worker itself when it would
 * render it next, or when it has room (worker_renders) and no other worker
 * sleeps, so that the thread that read a request renders it with no
 * hand-off; otherwise, or from any other thread, to the shared queue, which
 * every worker takes from, waking a sleeping one.
 */
int ssrd__pool_submit_here(ssrd_pool *pool, ssrd_job *job);

/* The index of the worker whose thread calls (0 <= i <
 * ssrd__pool_workers()), or -1 from any other thread. */
long ssrd__pool_self(const ssrd_pool *pool);

/* Worker i's event loop (an h2o_evloop_t), where its thread sleeps: what
 * runs on that thread (ssrd__pool_post()) may serve sockets in it. */
struct st_h2o_evloop_t *ssrd__pool_loop(ssrd_pool *pool, long i);

/*
 * Runs fn(arg) on worker i's thread at its next turn, between renders;
 * posts run in the order they were made. Returns SSRD_OK, or SSRD_ECLOSED
 * (that worker has stopped: fn will not run) or SSRD_ENOMEM. Any thread.
 */
int ssrd__pool_post(ssrd_pool *pool, long i, void (*fn)(void *arg), void *arg);

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

/*
 * Makes site (a new generation of the site in its slot) the one workers
 * boot and recycle with, and warms it on each worker in turn, so that its
 * first requests find their code warm: each, taking no new job meanwhile,
 * renders the new generation's pages as at start (warmup_ms) in the context
 * its requests will use, while the others serve. Returns when every worker
 * has done so, or after warmup_ms and a second's grace for each worker
 * that has not (it warms once it can). Only with isolation = site, whose
 * warm contexts a new generation replaces. Call it before the generation
 * becomes current. Any thread but a worker's; one call at a time is served,
 * others wait.
 */
void ssrd__pool_adopt(ssrd_pool *pool, ssrd_site *site);

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
