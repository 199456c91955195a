/* worker_impl.h: what the files of a worker share: the render in flight, and
 * what each file gives the others. worker.c runs the thread and its loop;
 * worker_isolate.c, worker_context.c, worker_slice.c, worker_job.c,
 * worker_render.c and worker_host.c do one part each. All of it runs on the
 * worker's own thread unless a comment says otherwise. Internal. */
#ifndef SSRD_WORKER_IMPL_H
#define SSRD_WORKER_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"
#include "render/pool_impl.h"

/* After asking React to abort, how long a render may take to end before the
 * loop ends it itself (its context keeps whatever JS state is left). */
#define ABORT_GRACE_MS 1000.0

struct report;

/*
 * A render in flight. rid is the worker's own id for it (the one V8
 * carries through the render's promises and timers); the job's id is the
 * caller's, for logs.
 */
struct render {
	uint64_t      rid;
	ssrd_job     *job;
	ssrd_sitectx *sc;        /* the context it runs in */
	ssrd_strbuf   out;       /* output not yet handed to the caller */
	size_t        out_total; /* bytes it produced in all */
	int           too_big;   /* passed max_output: the rest is dropped */
	double        start_ms, last_ms;
	double        deadline; /* its wall clock ends: aborted, then stopped */
	double        abort_ms; /* when abort was asked; 0 if not */
	int           abort_err;
	char         *abort_why;
	int           ended;
	/* React's onError reports, logged when the render ends unless it
	 * failed as a whole (then its error says it all) */
	struct report *reports;
	struct render *next;
};

/* ---- the loop (worker.c) ---- */

/* One turn of the worker's loop, after a wait for work: aborts the renders
 * past their limits, settles the host calls that came back (done), starts
 * job (NULL: none), fires the timers due, hands output over, finishes the
 * renders that ended and runs V8's own tasks. */
void ssrd__worker_turn(struct worker *w, struct host_done *done, ssrd_job *job);

/* ---- warming up (worker_warm.c) ---- */

/*
 * Renders the pages of site only (NULL: of every site the pool serves)
 * that need no parameters, and the not-found page, WARM_ROUNDS_MAX times
 * each, on the worker's own loop, for at most the pool's warmup_ms;
 * renders still running then are cancelled. The worker takes no job
 * meanwhile; the renders it had go on beside. Pages' fetch() is refused
 * (nobody asked for those requests), their database writes too, their
 * console lines and boundary errors are not logged, and none of it counts
 * as a render; one line logs it, with why ("start", "reload", "recycle").
 * A page that runs out of time or memory is not warmed again, by any
 * worker, in this generation; one that reaches the heap limit also ends the
 * warm-up (the isolate is replaced next). No-op with warmup_ms 0.
 */
void ssrd__worker_warm(struct worker *w, ssrd_site *only, const char *why);

/* ---- the isolate (worker_isolate.c) ---- */

/* The generation of the site in slot i that workers boot and warm with, as
 * a new reference (ssrd__pool_adopt() may replace it at any time). */
ssrd_site *ssrd__worker_site(ssrd_pool *p, size_t i);

/* Creates the isolate and the contexts renders reuse. Returns SSRD_OK, or
 * an error with its message in w->start_msg. */
int ssrd__worker_boot(struct worker *w);

/* Closes every context and disposes of the isolate. */
void ssrd__worker_shutdown(struct worker *w);

/* Replaces the isolate once its renders have all ended (w->recycle_why says
 * why). Returns SSRD_OK, or an error when ssrd stops meanwhile. */
int ssrd__worker_recycle(struct worker *w);

/* Publishes the isolate's heap figures: now, or if they are old enough. */
void ssrd__worker_heap_publish(struct worker *w, int now);

/* Collects the garbage of an idle worker, once per idle spell. */
void ssrd__worker_idle_gc(struct worker *w);

/* Counts a job done on this isolate, and plans its replacement when
 * recycle_renders or recycle_heap_mb says so. */
void ssrd__worker_rendered(struct worker *w);

/* ---- contexts (worker_context.c) ---- */

/* Opens a context for site and counts it as live. Returns it, or NULL with
 * the error in *rv and its message in msg. */
ssrd_sitectx *ssrd__worker_context_open(
    struct worker *w, ssrd_site *site, char *msg, size_t msglen, int *rv);

/* Closes sc and frees it, whoever still uses it. */
void ssrd__worker_live_close(struct worker *w, ssrd_sitectx *sc);

/* A context one use fewer: closed if retired and unused. */
void ssrd__worker_context_release(struct worker *w, ssrd_sitectx *sc);

/* Takes sc out of service; closed once nothing uses it. */
void ssrd__worker_context_retire(struct worker *w, ssrd_sitectx *sc);

/* The context job renders in, or NULL with job->err and job->error_text
 * set. */
ssrd_sitectx *ssrd__worker_context_for(struct worker *w, ssrd_job *job);

/* ---- slices of JavaScript under the watchdog (worker_slice.c) ---- */

/* The deadline of a slice run for no render in particular. */
double ssrd__worker_slice_deadline(const struct worker *w);

/* The deadline of a slice run for render rid. */
double ssrd__worker_render_slice_deadline(const struct worker *w, uint64_t rid);

/* Around each call into JavaScript: begin with its deadline; end returns
 * SSRD_OK, or SSRD_ETIMEDOUT or SSRD_EOOM when V8 stopped it. */
void ssrd__worker_slice_begin(struct worker *w, double deadline);
int  ssrd__worker_slice_end(struct worker *w);

/* After V8 stopped a slice: ends the render it ran for, retires sc. */
void ssrd__worker_slice_stopped(
    struct worker *w, int how, ssrd_sitectx *sc, uint64_t hint, double began);

/* After V8 stopped a job before it became a render in flight: fails it. */
void ssrd__worker_job_stopped(struct worker *w, ssrd_job *job, ssrd_sitectx *sc,
    int how, double ran_ms, double limit_ms);

/* ---- jobs (worker_job.c) ---- */

/* Starts a job the worker took from the queue. */
void ssrd__worker_job_start(struct worker *w, ssrd_job *job);

/* Fails job with err and a copy of why. */
void ssrd__worker_job_fail(ssrd_job *job, int err, const char *why);

/* Fills job->heap after a full GC if the job asked for it. */
void ssrd__worker_job_heap_stats(struct worker *w, ssrd_job *job);

/* Hands a job back to its caller (job->done), once per job taken. */
void ssrd__worker_job_complete(struct worker *w, ssrd_job *job);

/* ---- renders in flight (worker_render.c) ---- */

/* The render in flight with id rid, or NULL. */
struct render *ssrd__worker_render_find(struct worker *w, uint64_t rid);

/* The job render rid runs for, in flight or synchronous; NULL if none. */
ssrd_job *ssrd__worker_job_of(struct worker *w, uint64_t rid);

/* When r must be over: its deadline, or once aborted, the abort's grace. */
double ssrd__worker_render_limit(const struct render *r);

/* Whether render rid, run in sc, left timers behind. */
int ssrd__worker_left_timers(
    const struct worker *w, const ssrd_sitectx *sc, uint64_t rid);

/* Hands the output gathered since the last call to the job's caller. */
void ssrd__worker_render_deliver(struct render *r);

/* Completes a render that has ended, and its job. */
void ssrd__worker_render_finish(struct worker *w, struct render *r);

/* Aborts the renders past their limits, cancelled, or stopping. */
void ssrd__worker_check_renders(struct worker *w);

/* The hooks the worker's contexts report through. */
ssrd_sitectx_loop ssrd__worker_hooks(struct worker *w);

/* ---- host calls (worker_host.c) ---- */

/* The host_call hook: hands a page's host call to the host pool. Returns 0
 * if taken (settled later on sc), -1 if not. */
int ssrd__worker_host_call(void *arg, ssrd_sitectx *sc, uint64_t rid,
    uint32_t promise, const char *op, const char *args, size_t len);

/* Withdraws render rid's host calls still waiting for a host thread. */
void ssrd__worker_host_cancel(struct worker *w, uint64_t rid);

/* Settles the promises of the host calls that came back (d: the list
 * ssrd__pool_take() handed over, newest first), and frees them. */
void ssrd__worker_settle_host_calls(struct worker *w, struct host_done *d);

#endif
