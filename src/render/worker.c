/* worker.c: a worker thread and its event loop. One isolate for the thread's
 * life; renders in flight interleave on it while they wait for timers and
 * host calls; their chunks go back to the callers as React produces them. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ssrd/errors.h>

#include "core/cachestats.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/timers.h"
#include "host/hostpool.h"
#include "render/pool_impl.h"

/* After asking React to abort, how long a render may take to end before the
 * loop ends it itself (its context keeps whatever JS state is left). */
#define ABORT_GRACE_MS 1000.0

/* See slice_deadline(). */
#define SLICE_MIN_MS 10.0

/* How often (in renders) a worker looks at its heap for recycle_heap_mb. */
#define RECYCLE_CHECK_EVERY 64

/* How often a working worker publishes its heap's figures (diagnose). */
#define HEAP_STATS_EVERY_MS 250.0

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

struct report {
	char          *error; /* source-mapped */
	char          *component_stack;
	struct report *next;
};

/* Logs (if log) and frees a render's onError reports, oldest first. */
static void
reports_flush(struct worker *w, struct render *r, int log)
{
	struct report *rev = NULL;
	while (r->reports != NULL) {
		struct report *next = r->reports->next;
		r->reports->next    = rev;
		rev                 = r->reports;
		r->reports          = next;
	}
	while (rev != NULL) {
		struct report *next = rev->next;
		if (log) {
			char *q1
			    = ssrd__log_quote(rev->error, strlen(rev->error));
			char *q2 = ssrd__log_quote(
			    rev->component_stack, strlen(rev->component_stack));
			ssrd__log(SSRD_LOG_WARN, "render_boundary_error",
			    "render=%llu worker=%d path=%s error=%s "
			    "component_stack=%s",
			    (unsigned long long) r->job->id, w->index,
			    r->job->path, q1 ? q1 : "\"\"", q2 ? q2 : "\"\"");
			free(q1);
			free(q2);
		}
		free(rev->error);
		free(rev->component_stack);
		free(rev);
		rev = next;
	}
}

/* A host call that finished on a host thread, queued for its worker. */
struct host_done {
	ssrd_host_task    task;
	struct worker    *w;
	ssrd_sitectx     *sc;  /* where its promise waits */
	uint64_t          rid; /* the render that called */
	uint32_t          promise;
	char             *op, *args, *root;
	struct host_done *next;
};

/* Whom the host pool counts a call against: this worker's render rid (0, a
 * module loading outside any render: no owner, no per-render limit). */
static uint64_t
host_owner(const struct worker *w, uint64_t rid)
{
	return rid == 0 ? 0 : ((uint64_t) (w->index + 1) << 48) | rid;
}

/* ---- contexts ---- */

static int
live_add(struct worker *w, ssrd_sitectx *sc)
{
	if (w->nlive == w->caplive) {
		size_t         cap = w->caplive ? w->caplive * 2 : 8;
		ssrd_sitectx **v   = realloc(w->live, cap * sizeof(*v));
		if (v == NULL) {
			return SSRD_ENOMEM;
		}
		w->live    = v;
		w->caplive = cap;
	}
	w->live[w->nlive++] = sc;
	return SSRD_OK;
}

static void
live_close(struct worker *w, ssrd_sitectx *sc)
{
	for (size_t i = 0; i < w->nlive; i++) {
		if (w->live[i] == sc) {
			w->live[i] = w->live[--w->nlive];
			break;
		}
	}
	ssrd__sitectx_close(sc);
	free(sc);
}

/* Opens a context for site on the heap and counts it as live. */
static ssrd_sitectx *
context_open(
    struct worker *w, ssrd_site *site, char *msg, size_t msglen, int *rv)
{
	ssrd_pool    *p  = w->pool;
	ssrd_sitectx *sc = calloc(1, sizeof(*sc));
	if (sc == NULL) {
		*rv = SSRD_ENOMEM;
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	*rv = ssrd__sitectx_open(sc, w->iso, p->opts.isolate.snapshot != NULL,
	    p->base, site, w->warm ? w->warm->ctx : NULL, w->index, &w->loop,
	    msg, msglen);
	if (*rv == SSRD_OK && (*rv = live_add(w, sc)) != SSRD_OK) {
		snprintf(msg, msglen, "out of memory");
		ssrd__sitectx_close(sc);
	}
	if (*rv != SSRD_OK) {
		free(sc);
		return NULL;
	}
	return sc;
}

/* A context one use fewer (a render or a host call): closed when nothing
 * uses it and nothing will (retired: a render's own, or a replaced
 * generation's). */
static void
context_release(struct worker *w, ssrd_sitectx *sc)
{
	if (--sc->users == 0 && sc->retired) {
		live_close(w, sc);
	}
}

/* Takes sc out of service: no new render gets it, and it is closed once the
 * renders and host calls still using it are done. The warm React of
 * isolation = page is not retired: the isolate is replaced instead. */
static void
context_retire(struct worker *w, ssrd_sitectx *sc)
{
	ssrd_pool *p = w->pool;
	if (sc->retired || sc == w->warm) {
		return;
	}
	sc->retired = 1;
	for (size_t i = 0; i < p->nsites; i++) {
		if (w->slots[i] == sc) {
			w->slots[i] = NULL;
		}
	}
	if (sc->users == 0) {
		live_close(w, sc);
	}
}

/* A render found its base and shell in memory (a warm context), or not. */
static void
context_counted(int state)
{
	ssrd__cachestats_count(SSRD_LAYER_BASE, SSRD_LEVEL_MEMORY, state);
	ssrd__cachestats_count(SSRD_LAYER_SHELL, SSRD_LEVEL_MEMORY, state);
}

/* The context job renders in: the site's warm one (made again when the site
 * has been reloaded since), or one of its own. */
static ssrd_sitectx *
context_for(struct worker *w, ssrd_job *job)
{
	ssrd_pool *p = w->pool;
	char       msg[1024];
	int        rv;
	if (p->opts.isolation == SSRD_ISOLATION_SITE) {
		ssrd_sitectx **slot  = &w->slots[job->site->slot];
		int            state = *slot == NULL        ? SSRD_CACHE_MISS
		               : (*slot)->site == job->site ? SSRD_CACHE_HIT
		                                            : SSRD_CACHE_STALE;
		context_counted(state);
		if (state == SSRD_CACHE_HIT) {
			return *slot;
		}
		if (*slot != NULL) {
			/* renders still running on the old generation finish
			 * there */
			context_retire(w, *slot);
		}
		*slot = context_open(w, job->site, msg, sizeof(msg), &rv);
		if (*slot != NULL) {
			job->context_ms = (*slot)->open_ms;
			job->shell_ms   = (*slot)->shell_ms;
			return *slot;
		}
	} else {
		context_counted(SSRD_CACHE_MISS);
		ssrd_sitectx *sc
		    = context_open(w, job->site, msg, sizeof(msg), &rv);
		if (sc != NULL) {
			job->context_ms = sc->open_ms;
			job->shell_ms   = sc->shell_ms;
			sc->retired = 1; /* the render's alone: closed after */
			return sc;
		}
	}
	job->err        = rv;
	job->error_text = strdup(msg);
	return NULL;
}

/* ---- renders ---- */

static struct render *
render_find(struct worker *w, uint64_t rid)
{
	if (rid == 0) {
		return NULL;
	}
	for (struct render *r = w->renders; r != NULL; r = r->next) {
		if (r->rid == rid) {
			return r;
		}
	}
	return NULL;
}

/* When r must be over: its deadline, or once aborted, the abort's grace. */
static double
render_limit(const struct render *r)
{
	return r->abort_ms > 0 ? r->abort_ms + ABORT_GRACE_MS : r->deadline;
}

/* ---- slices: each entry into JavaScript, under the watchdog ---- */

/*
 * The deadline of the worker's next slice of JavaScript: the earliest limit
 * of its renders in flight (any of them may be the one whose code runs),
 * or one render timeout from now when none is (a context opening, V8's own
 * tasks). Never less than SLICE_MIN_MS ahead, so a slice is not stopped
 * before it starts for a render the loop is about to abort anyway.
 */
static double
slice_deadline(const struct worker *w)
{
	double now = ssrd__now_ms(), t = -1;
	for (const struct render *r = w->renders; r != NULL; r = r->next) {
		if (!r->ended && (t < 0 || render_limit(r) < t)) {
			t = render_limit(r);
		}
	}
	if (t < 0) {
		t = now + w->pool->opts.timeout_ms;
	}
	return t < now + SLICE_MIN_MS ? now + SLICE_MIN_MS : t;
}

/* The deadline of a slice run for render rid (its own limit), or of one for
 * no known render. */
static double
render_slice_deadline(const struct worker *w, uint64_t rid)
{
	const struct render *r = render_find((struct worker *) w, rid);
	if (r == NULL || r->ended) {
		return slice_deadline(w);
	}
	double now = ssrd__now_ms(), t = render_limit(r);
	return t < now + SLICE_MIN_MS ? now + SLICE_MIN_MS : t;
}

/* The worker is about to run JavaScript that must end by deadline. */
static void
slice_begin(struct worker *w, double deadline)
{
	ssrd_pool *p = w->pool;
	pthread_mutex_lock(&p->wd_mu);
	w->js_deadline = deadline;
	/* The watchdog sleeps until its next known deadline: wake it only
	 * for an earlier one (rarely: most slices end long before theirs). */
	if (p->wd_next < 0 || deadline < p->wd_next) {
		p->wd_next = deadline;
		pthread_cond_signal(&p->wd_cv);
	}
	pthread_mutex_unlock(&p->wd_mu);
}

/*
 * The slice is over. Returns SSRD_OK, or why V8 stopped it: SSRD_ETIMEDOUT
 * (the watchdog) or SSRD_EOOM (the heap reached its limit). Either way the
 * isolate runs JavaScript again afterwards: the terminate is cancelled under
 * the watchdog's lock, so one that came too late cannot hit the next slice.
 */
static int
slice_end(struct worker *w)
{
	ssrd_pool *p = w->pool;
	pthread_mutex_lock(&p->wd_mu);
	w->js_deadline = 0;
	int stopped    = w->js_stopped;
	int limited    = ssrd__isolate_heap_limited(w->iso);
	w->js_stopped  = 0;
	if (stopped || limited) {
		ssrd__isolate_resume(w->iso);
	}
	pthread_mutex_unlock(&p->wd_mu);
	if (limited) {
		__atomic_add_fetch(&w->stats.heap_limits, 1, __ATOMIC_RELAXED);
		return SSRD_EOOM;
	}
	if (stopped) {
		__atomic_add_fetch(&w->stats.timeouts, 1, __ATOMIC_RELAXED);
		return SSRD_ETIMEDOUT;
	}
	return SSRD_OK;
}

/* What a render stopped by V8 is told. */
static void
stop_message(const struct worker *w, int how, double ran_ms, double limit_ms,
    char *buf, size_t len)
{
	if (how == SSRD_EOOM) {
		snprintf(buf, len,
		    "heap_max_mb: the render's JavaScript filled the isolate's "
		    "heap (limit %zu MiB) and was stopped; the worker replaces "
		    "its isolate",
		    w->pool->opts.isolate.heap_max_mb);
	} else {
		snprintf(buf, len,
		    "render_timeout_ms: the page's JavaScript ran for %.0f ms "
		    "without yielding and was stopped (the render's limit: "
		    "%.0f "
		    "ms)",
		    ran_ms, limit_ms);
	}
}

/* What a render whose output passed max_output is told. */
static void
too_big_message(const struct worker *w, char *buf, size_t len)
{
	snprintf(buf, len, "max_output_kb: the page's output passed %zu KiB",
	    w->pool->opts.max_output >> 10);
}

/* Logs a render V8 stopped. */
static void
log_stopped(const struct worker *w, const ssrd_job *job, int how, double ran_ms)
{
	ssrd__log(SSRD_LOG_WARN, "render_stopped",
	    "render=%llu worker=%d path=%s reason=%s ran_ms=%.0f",
	    (unsigned long long) job->id, w->index, job->path,
	    ssrd_err_name(how), ran_ms);
}

/*
 * After a stopped slice: retires the context it ran in (sc, may be NULL), so
 * no later render runs on what the stopped code left half done, and has the
 * isolate replaced after a heap limit, or when the stopped code may have
 * been React's own, shared by every render (isolation = page).
 */
static void
after_stop(struct worker *w, int how, ssrd_sitectx *sc)
{
	if (how == SSRD_EOOM) {
		w->recycle_why = "out_of_memory";
	} else if (w->pool->opts.isolation == SSRD_ISOLATION_PAGE) {
		w->recycle_why = "stopped_in_shared_react";
	}
	if (sc != NULL) {
		context_retire(w, sc);
	}
}

/* Ends r, stopped by V8 (how), with that as its error. */
static void
render_stop(struct worker *w, struct render *r, int how, double ran_ms)
{
	char why[320];
	if (r->ended) {
		return;
	}
	stop_message(
	    w, how, ran_ms, r->deadline - r->start_ms, why, sizeof(why));
	free(r->abort_why);
	r->abort_err = how;
	r->abort_why = strdup(why);
	if (r->abort_ms == 0) {
		r->abort_ms = ssrd__now_ms();
	}
	r->ended = 1;
	log_stopped(w, r->job, how, ran_ms);
}

/*
 * After V8 stopped a slice (how): ends the render whose code was running
 * (hint: the one the slice ran for; else the one
 * ssrd__context_last_render() names in sc; else each render past its
 * limit), retires sc so no later render runs on what the
 * stopped code left half done, and after a heap limit schedules the
 * isolate's replacement.
 */
static void
slice_stopped(
    struct worker *w, int how, ssrd_sitectx *sc, uint64_t hint, double began)
{
	double         now = ssrd__now_ms();
	struct render *r   = render_find(w, hint);
	if (r == NULL && sc != NULL && sc->ctx != NULL) {
		r = render_find(w, ssrd__context_last_render(sc->ctx));
	}
	if (r != NULL) {
		render_stop(w, r, how, now - began);
	} else {
		for (r = w->renders; r != NULL; r = r->next) {
			if (render_limit(r) <= now) {
				render_stop(w, r, how, now - began);
			}
		}
	}
	after_stop(w, how, sc);
}

/* Fails job with err and a copy of why. */
static void
job_fail(ssrd_job *job, int err, const char *why)
{
	free(job->error_text);
	job->err        = err;
	job->error_text = strdup(why);
}

/* A job stopped by V8 (how) before it became a render in flight (opening
 * its context, or a synchronous render in sc, which may be NULL): fails it
 * and cleans up as after any stopped slice. */
static void
job_stopped(struct worker *w, ssrd_job *job, ssrd_sitectx *sc, int how,
    double ran_ms, double limit_ms)
{
	char why[320];
	stop_message(w, how, ran_ms, limit_ms, why, sizeof(why));
	job_fail(job, how, why);
	log_stopped(w, job, how, ran_ms);
	after_stop(w, how, sc);
}

/* ---- completing jobs ---- */

/* Whether the isolate's heap grew past recycle_heap_mb for good: checked
 * every RECYCLE_CHECK_EVERY renders, confirmed by a full GC. */
static int
heap_grown(struct worker *w)
{
	ssrd_pool      *p = w->pool;
	ssrd_heap_stats hs;
	size_t          limit = (size_t) p->opts.recycle_heap_mb << 20;
	if (limit == 0 || w->renders_since_boot % RECYCLE_CHECK_EVERY != 0) {
		return 0;
	}
	ssrd__isolate_heap_stats(w->iso, &hs);
	if (hs.used <= limit) {
		return 0;
	}
	ssrd__isolate_gc(w->iso);
	ssrd__isolate_heap_stats(w->iso, &hs);
	return hs.used > limit;
}

/* Hands a job back to its caller: every job a worker takes ends here, once.
 */
static void
job_complete(struct worker *w, ssrd_job *job)
{
	ssrd_pool *p = w->pool;
	/* counted first: a caller woken by done may read the stats */
	__atomic_add_fetch(&w->stats.renders, 1, __ATOMIC_RELAXED);
	job->done_ms = ssrd__now_ms();
	job->done(job, job->arg);
	w->renders_since_boot++;
	if (w->recycle_why == NULL && p->opts.recycle_renders > 0
	    && w->renders_since_boot >= p->opts.recycle_renders) {
		w->recycle_why = "recycle_renders";
	}
	if (w->recycle_why == NULL && heap_grown(w)) {
		w->recycle_why = "recycle_heap_mb";
	}
	pthread_mutex_lock(&p->mu);
	p->active--;
	if (p->draining && p->active == 0 && p->queued == 0) {
		pthread_cond_broadcast(&p->cv_idle);
	}
	pthread_mutex_unlock(&p->mu);
}

/* Hands the output gathered since the last call to the job's caller. */
static void
render_deliver(struct render *r)
{
	ssrd_job *job = r->job;
	if (job->chunk == NULL || r->out.len == 0 || r->out.failed) {
		return;
	}
	job->chunk(job, r->out.ptr, r->out.len, job->arg);
	r->out.len = 0;
}

/* For measurements: the isolate's heap after a full GC, when asked. */
static void
job_heap_stats(struct worker *w, ssrd_job *job)
{
	if (job->heap_stats) {
		ssrd__isolate_gc(w->iso);
		ssrd__isolate_heap_stats(w->iso, &job->heap);
	}
}

/*
 * What a finished render left behind ends with it: its timers and intervals
 * are cancelled (in its context, and in the warm React's with isolation =
 * page), and host calls still out for it are dropped when they come back
 * (settle_host_calls), so none of its code runs after it.
 */
/* Whether render rid, run in sc, left timers (in sc, or in the warm React's
 * context with isolation = page): only then is there anything to cancel. */
static int
left_timers(const struct worker *w, const ssrd_sitectx *sc, uint64_t rid)
{
	return ssrd__timers_has_render(&sc->timers, rid)
	    || (w->warm != NULL
	        && ssrd__timers_has_render(&w->warm->timers, rid));
}

static void
render_end_work(struct worker *w, struct render *r)
{
	/* its host calls still waiting for a thread are withdrawn (their
	 * completions, rejections, come back through done_head and are
	 * dropped like those of calls already running) */
	if (w->pool->opts.hostpool != NULL && w->host_outstanding > 0) {
		ssrd__hostpool_cancel(
		    w->pool->opts.hostpool, host_owner(w, r->rid));
	}
	if (r->sc->ctx == NULL || !left_timers(w, r->sc, r->rid)) {
		return;
	}
	double t0 = ssrd__now_ms();
	slice_begin(w, slice_deadline(w));
	ssrd__sitectx_end_render(r->sc, r->rid);
	int how = slice_end(w);
	if (how != SSRD_OK) {
		slice_stopped(w, how, r->sc, 0, t0);
	}
}

/* Completes a render: its outputs, its context, the caller's done. */
static void
render_finish(struct worker *w, struct render *r)
{
	ssrd_job *job = r->job;
	for (struct render **pp = &w->renders; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	w->inflight--;
	job->final_chunk = 1;
	render_deliver(r);
	if (r->too_big && r->abort_err == SSRD_OK) {
		/* React ended in the same slice that passed the limit */
		char why[160];
		too_big_message(w, why, sizeof(why));
		r->abort_err = SSRD_ETOOBIG;
		r->abort_why = strdup(why);
	}
	if (r->abort_err != SSRD_OK) {
		/* Stopped by ssrd: that is the reason, whatever React said. */
		free(job->error_text);
		job->err        = r->abort_err;
		job->error_text = r->abort_why;
		r->abort_why    = NULL;
	}
	if (r->out.failed) {
		job_fail(
		    job, SSRD_ENOMEM, "out of memory gathering the output");
	}
	if (job->chunk == NULL && job->err == SSRD_OK) {
		job->html_len = r->out.len;
		job->html     = ssrd__strbuf_take(&r->out);
	}
	ssrd__strbuf_free(&r->out);
	job->reported = r->reports != NULL;
	reports_flush(w, r, job->err == SSRD_OK || r->abort_err != SSRD_OK);
	free(r->abort_why);
	job->render_ms = ssrd__now_ms() - r->start_ms;
	render_end_work(w, r);
	context_release(w, r->sc);
	free(r);
	job_heap_stats(w, job);
	job_complete(w, job);
}

/* Asks React to stop r; the render ends soon after (or is ended after
 * ABORT_GRACE_MS). */
static void
render_abort(struct worker *w, struct render *r, int err, const char *why)
{
	if (r->abort_ms > 0) {
		return;
	}
	r->abort_ms  = ssrd__now_ms();
	r->abort_err = err;
	r->abort_why = strdup(why);
	slice_begin(w, r->abort_ms + ABORT_GRACE_MS);
	ssrd__sitectx_abort(r->sc, r->rid, why);
	int how = slice_end(w);
	if (how != SSRD_OK) {
		slice_stopped(w, how, r->sc, r->rid, r->abort_ms);
	}
}

/* A synchronous render (renderToString): one call, under the watchdog.
 * Returns 0 when the job is complete, or the render's id when the page
 * must be streamed instead (job->needs_stream). */
static uint64_t
job_render_sync(struct worker *w, ssrd_job *job, ssrd_sitectx *sc, double t0,
    double timeout)
{
	ssrd_pool *p   = w->pool;
	uint64_t   rid = ++w->next_rid;
	sc->users++;
	slice_begin(w, t0 + timeout);
	ssrd__sitectx_render(sc, job, rid);
	if (job->needs_stream) {
		/* renderToString cannot wait or start over: job_start streams
		 * the page instead, on the same clock and under the same id,
		 * so that what this attempt started (a fetch, a timer, a
		 * promise a module keeps) goes on for the streaming one */
		int how = slice_end(w);
		if (how == SSRD_OK) {
			sc->users--; /* job_start takes it again */
			return rid;
		}
		job_stopped(w, job, sc, how, ssrd__now_ms() - t0, timeout);
		context_release(w, sc);
		job_complete(w, job);
		return 0;
	}
	/* nothing the page set going outlives its render */
	if (left_timers(w, sc, rid)) {
		ssrd__sitectx_end_render(sc, rid);
	}
	int how        = slice_end(w);
	job->render_ms = job->first_ms = ssrd__now_ms() - t0;
	if (p->opts.hostpool != NULL && w->host_outstanding > 0) {
		ssrd__hostpool_cancel(p->opts.hostpool, host_owner(w, rid));
	}
	if (how != SSRD_OK) {
		job_stopped(w, job, sc, how, job->render_ms, timeout);
	} else if (job->err == SSRD_OK && p->opts.max_output > 0
	    && job->html_len > p->opts.max_output) {
		char why[160];
		snprintf(why, sizeof(why),
		    "max_output_kb: the page rendered %zu KiB (limit %zu KiB)",
		    job->html_len >> 10, p->opts.max_output >> 10);
		job_fail(job, SSRD_ETOOBIG, why);
	}
	if (job->err != SSRD_OK) {
		free(job->html);
		job->html     = NULL;
		job->html_len = 0;
	}
	context_release(w, sc);
	job_heap_stats(w, job);
	if (job->chunk != NULL && job->err == SSRD_OK) {
		job->chunk(job, job->html, job->html_len, job->arg);
	}
	job_complete(w, job);
	return 0;
}

/* Starts a job: synchronously to the end (stream = 0) or as a render in
 * flight. */
static void
job_start(struct worker *w, ssrd_job *job)
{
	ssrd_pool *p  = w->pool;
	double     t0 = ssrd__now_ms();
	job->queue_ms = t0 - job->enqueued_ms;
	job->worker   = w->index;
	w->idle_since = 0;
	/* a job may ask for its own limit, up to timeout_max_ms */
	double timeout = job->timeout_ms > 0
	    ? (job->timeout_ms < p->opts.timeout_max_ms
	            ? job->timeout_ms
	            : p->opts.timeout_max_ms)
	    : p->opts.timeout_ms;
	if (__atomic_load_n(&job->cancelled, __ATOMIC_ACQUIRE)) {
		job_fail(job, SSRD_ECLOSED, "cancelled before it started");
		job_complete(w, job);
		return;
	}
	/* opening a context runs the site's shell: on the render's clock */
	slice_begin(w, t0 + timeout);
	ssrd_sitectx *sc  = context_for(w, job);
	int           how = slice_end(w);
	if (how != SSRD_OK) {
		job_stopped(w, job, sc, how, ssrd__now_ms() - t0, timeout);
		sc = NULL;
	}
	if (sc == NULL) {
		job_complete(w, job);
		return;
	}
	int      stream = job->stream < 0 ? p->opts.stream : job->stream;
	uint64_t rid    = 0;
	if (!stream && (rid = job_render_sync(w, job, sc, t0, timeout)) == 0) {
		return;
	}
	struct render *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		job_fail(job, SSRD_ENOMEM, "out of memory");
		if (sc->users == 0 && sc->retired) {
			live_close(w, sc);
		}
		job_complete(w, job);
		return;
	}
	r->rid      = rid != 0 ? rid : ++w->next_rid;
	r->job      = job;
	r->sc       = sc;
	r->start_ms = r->last_ms = t0;
	r->deadline              = t0 + timeout;
	sc->users++;
	r->next    = w->renders;
	w->renders = r;
	w->inflight++;
	slice_begin(w, render_slice_deadline(w, r->rid));
	int rv = ssrd__sitectx_stream(sc, job, r->rid);
	how    = slice_end(w);
	if (how != SSRD_OK) {
		slice_stopped(w, how, sc, r->rid, t0);
	} else if (rv != SSRD_OK) {
		r->ended = 1; /* failed before React started: nothing to wait
		                 for */
	}
}

/* ---- hooks from the contexts (worker thread, inside V8 calls) ---- */

static void
on_chunk(void *arg, uint64_t rid, const char *data, size_t len)
{
	struct worker *w = arg;
	struct render *r = render_find(w, rid);
	if (r == NULL || r->ended || r->too_big) {
		return;
	}
	r->out_total += len;
	if (w->pool->opts.max_output > 0
	    && r->out_total > w->pool->opts.max_output) {
		r->too_big = 1; /* the loop aborts it: no engine calls here */
		return;
	}
	double now = ssrd__now_ms();
	if (r->out.len == 0 && r->job->first_ms == 0) {
		r->job->first_ms = now - r->start_ms;
	}
	r->last_ms = now;
	ssrd__strbuf_append(&r->out, data, len);
}

/* Only before the first chunk: after it the status line may be out. */
static void
on_status(void *arg, uint64_t rid, int code)
{
	struct render *r = render_find(arg, rid);
	if (r != NULL && !r->ended && r->out_total == 0) {
		r->job->status = code;
	}
}

static void
on_end(void *arg, uint64_t rid, const ssrd_js_error *err)
{
	struct render *r = render_find(arg, rid);
	if (r == NULL || r->ended) {
		return;
	}
	r->ended = 1;
	if (err != NULL) {
		ssrd__sitectx_job_error(r->sc, r->job, err);
	}
}

static void
on_report(void *arg, uint64_t rid, const ssrd_js_error *err,
    const char *component_stack)
{
	struct worker *w = arg;
	struct render *r = render_find(w, rid);
	if (r == NULL || r->abort_ms > 0) {
		return; /* ssrd's own abort, reported as the render's error */
	}
	struct report *rep = calloc(1, sizeof(*rep));
	if (rep == NULL) {
		return;
	}
	rep->error = ssrd__sitectx_format_error(r->sc->base, r->sc->site, err);
	rep->component_stack = strdup(component_stack);
	if (rep->error == NULL || rep->component_stack == NULL) {
		free(rep->error);
		free(rep->component_stack);
		free(rep);
		return;
	}
	rep->next  = r->reports;
	r->reports = rep;
}

static void
on_console(
    void *arg, uint64_t rid, int level, int kind, const char *msg, size_t len)
{
	struct worker *w   = arg;
	struct render *r   = render_find(w, rid);
	ssrd_job      *job = r != NULL ? r->job : NULL;
	ssrd__sitectx_log_console(
	    w->index, job ? job->id : 0, level, kind, msg, len);
	if (job != NULL && job->capture_console) {
		static const char *names[]
		    = { "debug", "info", "warn", "error" };
		ssrd_strbuf b
		    = { job->console, job->console_len, job->console_len, 0 };
		ssrd__strbuf_printf(&b, "%s %.*s\n",
		    level >= 0 && level <= 3 ? names[level] : "info", (int) len,
		    msg);
		job->console     = b.ptr;
		job->console_len = b.failed ? 0 : b.len;
	}
}

/* Host thread: hands the finished call back to its worker. */
static void
host_call_done(ssrd_host_task *task, void *arg)
{
	struct host_done *d = arg;
	ssrd_pool        *p = d->w->pool;
	(void) task;
	pthread_mutex_lock(&p->mu);
	d->next         = d->w->done_head;
	d->w->done_head = d;
	pthread_cond_signal(&d->w->cv);
	pthread_mutex_unlock(&p->mu);
}

static int
on_host_call(void *arg, ssrd_sitectx *sc, uint64_t rid, uint32_t promise,
    const char *op, const char *args, size_t len)
{
	struct worker *w = arg;
	ssrd_pool     *p = w->pool;
	if (p->opts.host == NULL || p->opts.hostpool == NULL) {
		return -1;
	}
	struct host_done *d = calloc(1, sizeof(*d));
	if (d == NULL) {
		return -1;
	}
	d->w       = w;
	d->sc      = sc;
	d->rid     = rid;
	d->promise = promise;
	d->op      = strdup(op);
	d->args    = strndup(args, len);
	d->root    = strdup(sc->site->root);
	if (d->op == NULL || d->args == NULL || d->root == NULL) {
		goto fail;
	}
	d->task.req
	    = (ssrd_host_req) { p->opts.host, d->root, d->op, d->args, len };
	d->task.done  = host_call_done;
	d->task.arg   = d;
	d->task.owner = host_owner(w, rid);
	int rv        = ssrd__hostpool_submit(p->opts.hostpool, &d->task);
	if (rv == SSRD_EOVERLOAD || rv == SSRD_ECLOSED) {
		/* refused (this render has too many calls waiting): its
		 * promise rejects with why, settled on the loop as any other */
		ssrd__hostpool_refuse(p->opts.hostpool, &d->task, rv);
		host_call_done(&d->task, d);
	} else if (rv != SSRD_OK) {
		goto fail;
	}
	sc->users++;
	w->host_outstanding++;
	return 0;
fail:
	free(d->op);
	free(d->args);
	free(d->root);
	free(d);
	return -1;
}

/* Settles the promises of the host calls that finished (worker thread). */
static void
settle_host_calls(struct worker *w, struct host_done *d)
{
	/* completions arrive newest first: settle in the order they came */
	struct host_done *rev = NULL;
	while (d != NULL) {
		struct host_done *next = d->next;
		d->next                = rev;
		rev                    = d;
		d                      = next;
	}
	for (d = rev; d != NULL;) {
		struct host_done *next = d->next;
		ssrd_sitectx     *sc   = d->sc;
		/* a call made for a render that has ended is dropped: none of
		 * its code runs after it (one made outside any render, by a
		 * module as it loaded, is settled) */
		if (sc->ctx != NULL
		    && (d->rid == 0 || render_find(w, d->rid) != NULL)) {
			double t0 = ssrd__now_ms();
			slice_begin(w, render_slice_deadline(w, d->rid));
			(void) ssrd__context_settle(sc->ctx, d->promise,
			    d->task.result.ok,
			    d->task.result.text ? d->task.result.text : "",
			    d->task.result.len);
			int how = slice_end(w);
			if (how != SSRD_OK) {
				slice_stopped(w, how, sc, d->rid, t0);
			}
		}
		w->host_outstanding--;
		/* a render's own context whose render has ended is closed
		 * once its last host call is back */
		context_release(w, sc);
		free(d->task.result.text);
		free(d->op);
		free(d->args);
		free(d->root);
		free(d);
		d = next;
	}
}

/* ---- the loop ---- */

/* Checks the renders' limits and cancellations, aborting those past them
 * (React flushes what is ready and ends the stream). */
static void
check_renders(struct worker *w)
{
	ssrd_pool *p   = w->pool;
	double     now = ssrd__now_ms();
	for (struct render *r = w->renders; r != NULL; r = r->next) {
		ssrd_job *job = r->job;
		char      why[200];
		if (r->ended) {
			continue;
		}
		if (r->abort_ms > 0) {
			if (now - r->abort_ms > ABORT_GRACE_MS) {
				r->ended
				    = 1; /* React did not end: stop waiting */
			}
		} else if (r->too_big) {
			too_big_message(w, why, sizeof(why));
			render_abort(w, r, SSRD_ETOOBIG, why);
		} else if (__atomic_load_n(&job->cancelled, __ATOMIC_ACQUIRE)
		    || p->stopping) {
			render_abort(w, r, SSRD_ECLOSED,
			    p->stopping ? "ssrd is shutting down"
			                : "the caller cancelled the render");
		} else if (now > r->deadline) {
			snprintf(why, sizeof(why),
			    "render_timeout_ms: the render ran for %.0f ms "
			    "(limit %.0f); pending Suspense boundaries were "
			    "left to the client",
			    now - r->start_ms, r->deadline - r->start_ms);
			render_abort(w, r, SSRD_ETIMEDOUT, why);
		} else if (now - r->last_ms > p->opts.stall_ms) {
			snprintf(why, sizeof(why),
			    "streaming_stall_ms: no output for %.0f ms "
			    "(limit %.0f); pending Suspense boundaries were "
			    "left to the client",
			    now - r->last_ms, p->opts.stall_ms);
			render_abort(w, r, SSRD_ETIMEDOUT, why);
		}
	}
}

/* Runs one due timer of sc (due by turn) in a slice of its own; returns 1 if
 * there was one. */
static int
timer_slice(struct worker *w, ssrd_sitectx *sc, double turn)
{
	double next = ssrd__timers_next(&sc->timers);
	if (next < 0 || next > turn) {
		return 0;
	}
	double   t0  = ssrd__now_ms();
	uint64_t rid = ssrd__timers_next_render(&sc->timers);
	slice_begin(w, render_slice_deadline(w, rid));
	int fired = ssrd__sitectx_fire_timer(sc, turn);
	int how   = slice_end(w);
	if (how != SSRD_OK) {
		slice_stopped(w, how, sc, rid, t0);
	}
	return fired;
}

/* Checks limits, fires the timers due, hands output over and finishes the
 * renders that ended. */
static void
loop_turn(struct worker *w)
{
	/* limits first, so no timer runs under a deadline already gone */
	check_renders(w);
	/* Timers due now, each in its own slice; one re-armed meanwhile waits
	 * for the next turn. A stopped timer may close contexts: then look
	 * again from the start (those that ran are gone from the heaps). */
	double turn = ssrd__now_ms();
	for (size_t i = 0; i < w->nlive;) {
		ssrd_sitectx *sc = w->live[i];
		if (!timer_slice(w, sc, turn)) {
			i++;
		} else if (i >= w->nlive || w->live[i] != sc) {
			i = 0;
		}
	}
	for (struct render *r = w->renders, *next; r != NULL; r = next) {
		next = r->next;
		if (r->ended) {
			render_finish(w, r); /* with its last output */
			next = w->renders;   /* the list changed: start over */
		} else {
			render_deliver(r);
		}
	}
}

/* When the loop must run next: the earliest timer or render deadline, or
 * -1 for none. */
static double
loop_next_deadline(const struct worker *w)
{
	const ssrd_pool *p    = w->pool;
	double           next = -1;
	for (size_t i = 0; i < w->nlive; i++) {
		double t = ssrd__timers_next(&w->live[i]->timers);
		if (t >= 0 && (next < 0 || t < next)) {
			next = t;
		}
	}
	for (const struct render *r = w->renders; r != NULL; r = r->next) {
		double t = render_limit(r);
		if (r->abort_ms == 0 && r->last_ms + p->opts.stall_ms < t) {
			t = r->last_ms + p->opts.stall_ms;
		}
		if (next < 0 || t < next) {
			next = t;
		}
	}
	if (w->inflight == 0 && w->idle_since > 0 && !w->idle_gc_done
	    && p->opts.idle_gc_ms > 0) {
		double t = w->idle_since + p->opts.idle_gc_ms;
		if (next < 0 || t < next) {
			next = t;
		}
	}
	return next;
}

/* Whether a render waits to be aborted: all of them when stopping, else
 * those whose callers cancelled them. */
static int
any_to_abort(const struct worker *w, int stopping)
{
	for (const struct render *r = w->renders; r != NULL; r = r->next) {
		if (r->abort_ms == 0 && !r->ended
		    && (stopping || r->too_big
		        || __atomic_load_n(
		            &r->job->cancelled, __ATOMIC_ACQUIRE))) {
			return 1;
		}
	}
	return 0;
}

/*
 * Creates the isolate and the contexts renders reuse: one per site
 * (isolation = site), or the warm React that fresh contexts share (page).
 */
static int  boot_contexts(struct worker *w);
static void heap_publish(struct worker *w, int now);

static int
worker_boot(struct worker *w)
{
	ssrd_pool *p  = w->pool;
	double     t0 = ssrd__now_ms();
	int        rv = ssrd__isolate_new(&p->opts.isolate, &w->iso);
	double     t1 = ssrd__now_ms();
	if (rv != SSRD_OK) {
		snprintf(w->start_msg, sizeof(w->start_msg),
		    "cannot create a V8 isolate");
		return rv;
	}
	w->loop  = (ssrd_sitectx_loop) { .arg = w,
		 .chunk                       = on_chunk,
		 .end                         = on_end,
		 .status                      = on_status,
		 .report                      = on_report,
		 .console                     = on_console,
		 .host_call                   = on_host_call };
	w->slots = calloc(p->nsites, sizeof(*w->slots));
	if (w->slots == NULL) {
		snprintf(w->start_msg, sizeof(w->start_msg), "out of memory");
		return SSRD_ENOMEM;
	}
	/* the sites' shells run now: a shell that never ends must not hang
	 * the start */
	slice_begin(w, t1 + p->opts.timeout_ms);
	rv      = boot_contexts(w);
	int how = slice_end(w);
	if (how != SSRD_OK) {
		snprintf(w->start_msg, sizeof(w->start_msg),
		    "%s while the worker opened its contexts",
		    how == SSRD_EOOM
		        ? "the heap reached heap_max_mb"
		        : "a site's code ran past render_timeout_ms");
		return how;
	}
	if (rv != SSRD_OK) {
		return rv;
	}
	ssrd__log(SSRD_LOG_INFO, "worker_ready",
	    "worker=%d sites=%zu from_snapshot=%d isolation=%s isolate_ms=%.2f "
	    "contexts_ms=%.2f",
	    w->index, p->nsites, p->opts.isolate.snapshot != NULL,
	    ssrd__isolation_name(p->opts.isolation), t1 - t0,
	    ssrd__now_ms() - t1);
	return SSRD_OK;
}

/* The contexts a new isolate starts with. */
static int
boot_contexts(struct worker *w)
{
	ssrd_pool *p  = w->pool;
	int        rv = SSRD_OK;
	if (p->opts.isolation == SSRD_ISOLATION_PAGE) {
		/* Renders make their own contexts; this one stays as the warm
		 * React they share: locked down (its built-ins, React's exports
		 * and what React hands every render frozen), and with no eval
		 * or Function() of its own, so that no page reaches its global
		 * through a constructor of an object React gave it. */
		w->warm = context_open(
		    w, p->sites[0], w->start_msg, sizeof(w->start_msg), &rv);
		if (w->warm == NULL) {
			return rv;
		}
		ssrd__context_forbid_eval(w->warm->ctx);
	} else {
		/* site: the contexts renders reuse; request: proof that one
		 * can be made, closed again */
		for (size_t i = 0; i < p->nsites; i++) {
			w->slots[i] = context_open(w, p->sites[i], w->start_msg,
			    sizeof(w->start_msg), &rv);
			if (w->slots[i] == NULL) {
				return rv;
			}
			if (p->opts.isolation != SSRD_ISOLATION_SITE) {
				live_close(w, w->slots[i]);
				w->slots[i] = NULL;
			}
		}
	}
	return SSRD_OK;
}

static void
worker_shutdown(struct worker *w)
{
	while (w->nlive > 0) {
		live_close(w, w->live[w->nlive - 1]);
	}
	free(w->live);
	free(w->slots);
	w->caplive = 0;
	w->live    = NULL;
	w->slots   = NULL;
	w->warm    = NULL;
	ssrd__isolate_free(w->iso);
	w->iso = NULL;
}

/*
 * Replaces the isolate (its renders have all ended): the contexts closed, a
 * new isolate from the snapshot with fresh contexts. Queued jobs meanwhile
 * go to the other workers. If the new one cannot start, tries again every
 * second until ssrd stops. Returns SSRD_OK, or an error when stopping.
 */
static int
worker_recycle(struct worker *w)
{
	ssrd_pool      *p   = w->pool;
	const char     *why = w->recycle_why;
	double          t0  = ssrd__now_ms();
	ssrd_heap_stats hs;
	ssrd__isolate_heap_stats(w->iso, &hs);
	long renders = w->renders_since_boot;
	worker_shutdown(w);
	int rv;
	while ((rv = worker_boot(w)) != SSRD_OK) {
		ssrd__log(SSRD_LOG_ERROR, "worker_restart_failed",
		    "worker=%d reason=\"%s\" retry_ms=1000", w->index,
		    w->start_msg);
		worker_shutdown(w);
		pthread_mutex_lock(&p->mu);
		int stopping = p->stopping;
		if (!stopping) {
			ssrd__cv_wait_until(
			    &w->cv, &p->mu, ssrd__now_ms() + 1000);
		}
		pthread_mutex_unlock(&p->mu);
		if (stopping) {
			return rv;
		}
	}
	w->recycle_why        = NULL;
	w->renders_since_boot = 0;
	w->idle_since         = ssrd__now_ms();
	w->idle_gc_done       = 1; /* nothing to collect in a new isolate */
	__atomic_add_fetch(&w->stats.recycles, 1, __ATOMIC_RELAXED);
	heap_publish(w, 1);
	ssrd__log(SSRD_LOG_INFO, "isolate_recycled",
	    "worker=%d reason=%s renders=%ld heap_used_mb=%.1f "
	    "detached_contexts=%zu ms=%.1f",
	    w->index, why, renders, (double) hs.used / 1048576.0,
	    hs.detached_contexts, ssrd__now_ms() - t0);
	return SSRD_OK;
}

/* Publishes the isolate's heap figures for ssrd__pool_worker_stats(): at
 * most every HEAP_STATS_EVERY_MS (they cost a few microseconds), or now. */
static void
heap_publish(struct worker *w, int now)
{
	double t = ssrd__now_ms();
	if (!now && t - w->heap_seen_ms < HEAP_STATS_EVERY_MS) {
		return;
	}
	ssrd_heap_stats hs;
	ssrd__isolate_heap_stats(w->iso, &hs);
	pthread_mutex_lock(&w->pool->mu);
	w->stats.heap = hs;
	pthread_mutex_unlock(&w->pool->mu);
	w->heap_seen_ms = t;
}

/*
 * The worker has had nothing to do for idle_gc_ms: collect the garbage its
 * renders left (a full, compacting GC returns memory to the system), once
 * per idle spell, and check what stays: contexts still alive though ssrd
 * closed them (detached) are a leak a page made; a heap above
 * recycle_heap_mb is replaced.
 */
static void
idle_gc(struct worker *w)
{
	ssrd_pool      *p = w->pool;
	ssrd_heap_stats before, after;
	double          t0 = ssrd__now_ms();
	ssrd__isolate_heap_stats(w->iso, &before);
	slice_begin(w, t0 + p->opts.timeout_ms);
	ssrd__isolate_gc(w->iso);
	int how = slice_end(w);
	ssrd__isolate_heap_stats(w->iso, &after);
	w->idle_gc_done = 1;
	heap_publish(w, 1);
	ssrd__log(after.detached_contexts > 0 ? SSRD_LOG_INFO : SSRD_LOG_DEBUG,
	    "idle_gc",
	    "worker=%d heap_used_mb=%.1f->%.1f contexts=%zu "
	    "detached_contexts=%zu ms=%.1f",
	    w->index, (double) before.used / 1048576.0,
	    (double) after.used / 1048576.0, after.native_contexts,
	    after.detached_contexts, ssrd__now_ms() - t0);
	if (how == SSRD_EOOM) {
		w->recycle_why = "out_of_memory";
	} else if (p->opts.recycle_heap_mb > 0
	    && after.used > (size_t) p->opts.recycle_heap_mb << 20) {
		w->recycle_why = "recycle_heap_mb";
	}
}

/* Runs V8's own tasks for the isolate (GC finalisation, and
 * FinalizationRegistry callbacks, which are page code). */
static void
pump_slice(struct worker *w)
{
	double t0 = ssrd__now_ms();
	slice_begin(w, slice_deadline(w));
	ssrd__isolate_pump(w->iso);
	int how = slice_end(w);
	if (how != SSRD_OK) {
		slice_stopped(w, how, NULL, 0, t0);
	}
}

void *
ssrd__worker_main(void *arg)
{
	struct worker *w = arg;
	ssrd_pool     *p = w->pool;
	char           name[16];
	snprintf(name, sizeof(name), "ssrd-w%d", w->index);
	pthread_setname_np(pthread_self(), name);

	int rv = worker_boot(w);
	if (rv == SSRD_OK) {
		heap_publish(w, 1);
	}
	pthread_mutex_lock(&p->mu);
	w->started   = 1;
	w->start_err = rv;
	pthread_cond_broadcast(&p->cv_start);
	pthread_mutex_unlock(&p->mu);

	while (rv == SSRD_OK) {
		int idle = w->inflight == 0 && w->host_outstanding == 0;
		if (w->recycle_why != NULL && idle && !p->stopping) {
			rv = worker_recycle(w);
			continue;
		}
		if (idle && w->idle_since > 0 && !w->idle_gc_done
		    && p->opts.idle_gc_ms > 0
		    && ssrd__now_ms() >= w->idle_since + p->opts.idle_gc_ms) {
			idle_gc(w);
			continue;
		}
		pthread_mutex_lock(&p->mu);
		/* a worker about to replace its isolate takes no new job: the
		 * others do (ssrd__pool_wake_one() asks only those that
		 * accept) */
		w->accepting = w->recycle_why == NULL;
		for (;;) {
			int room = w->accepting
			    && w->inflight < p->opts.worker_renders;
			if (w->done_head != NULL || (room && p->head != NULL)
			    || (w->inflight == 0 && w->host_outstanding == 0
			        && (p->stopping || !w->accepting))) {
				break;
			}
			double next = loop_next_deadline(w);
			if (next >= 0 && next <= ssrd__now_ms()) {
				break;
			}
			if (any_to_abort(w, p->stopping)) {
				break; /* abort them now */
			}
			w->sleeping = 1;
			ssrd__cv_wait_until(&w->cv, &p->mu, next);
			w->sleeping = 0;
			if (next >= 0 && ssrd__now_ms() >= next) {
				break;
			}
		}
		struct host_done *done = w->done_head;
		w->done_head           = NULL;
		ssrd_job *job          = NULL;
		if (w->accepting && w->inflight < p->opts.worker_renders
		    && p->head != NULL) {
			job     = p->head;
			p->head = job->next;
			if (p->head == NULL) {
				p->tail = NULL;
			}
			p->queued--;
			p->active++;
		}
		int stop = p->stopping && job == NULL && done == NULL
		    && w->inflight == 0 && w->host_outstanding == 0;
		pthread_mutex_unlock(&p->mu);
		if (stop) {
			break;
		}
		/* renders past their limits are aborted before any other
		 * JavaScript runs: they must not wait for it */
		check_renders(w);
		settle_host_calls(w, done);
		if (job != NULL) {
			job_start(w, job);
		}
		loop_turn(w);
		pump_slice(w);
		if (w->inflight == 0 && w->idle_since == 0) {
			w->idle_since   = ssrd__now_ms();
			w->idle_gc_done = 0;
		}
		__atomic_store_n(
		    &w->stats.inflight, (int) w->inflight, __ATOMIC_RELAXED);
		heap_publish(w, 0);
	}
	worker_shutdown(w);
	return NULL;
}
