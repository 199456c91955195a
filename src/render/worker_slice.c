/* worker_slice.c: each entry of a worker into JavaScript (a slice), under the
 * watchdog's deadline, and what follows when V8 stops one. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/log.h"
#include "core/timers.h"
#include "render/worker_impl.h"

/* See ssrd__worker_slice_deadline(). */
#define SLICE_MIN_MS 10.0

/*
 * The deadline of the worker's next slice of JavaScript: the earliest limit
 * of its renders in flight (any of them may be the one whose code runs),
 * or one render timeout from now when none is (a context opening, V8's own
 * tasks). Never less than SLICE_MIN_MS ahead, so a slice is not stopped
 * before it starts for a render the loop is about to abort anyway.
 */
double
ssrd__worker_slice_deadline(const struct worker *w)
{
	double now = ssrd__now_ms(), t = -1;
	for (const struct render *r = w->renders; r != NULL; r = r->next) {
		if (!r->ended && (t < 0 || ssrd__worker_render_limit(r) < t)) {
			t = ssrd__worker_render_limit(r);
		}
	}
	if (t < 0) {
		t = now + w->pool->opts.timeout_ms;
	}
	return t < now + SLICE_MIN_MS ? now + SLICE_MIN_MS : t;
}

/* The deadline of a slice run for render rid (its own limit), or of one for
 * no known render. */
double
ssrd__worker_render_slice_deadline(const struct worker *w, uint64_t rid)
{
	const struct render *r
	    = ssrd__worker_render_find((struct worker *) w, rid);
	if (r == NULL || r->ended) {
		return ssrd__worker_slice_deadline(w);
	}
	double now = ssrd__now_ms(), t = ssrd__worker_render_limit(r);
	return t < now + SLICE_MIN_MS ? now + SLICE_MIN_MS : t;
}

/* The worker is about to run JavaScript that must end by deadline. */
void
ssrd__worker_slice_begin(struct worker *w, double deadline)
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
int
ssrd__worker_slice_end(struct worker *w)
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
		ssrd__worker_context_retire(w, sc);
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
void
ssrd__worker_slice_stopped(
    struct worker *w, int how, ssrd_sitectx *sc, uint64_t hint, double began)
{
	double         now = ssrd__now_ms();
	struct render *r   = ssrd__worker_render_find(w, hint);
	if (r == NULL && sc != NULL && sc->ctx != NULL) {
		r = ssrd__worker_render_find(
		    w, ssrd__context_last_render(sc->ctx));
	}
	if (r != NULL) {
		render_stop(w, r, how, now - began);
	} else {
		for (r = w->renders; r != NULL; r = r->next) {
			if (ssrd__worker_render_limit(r) <= now) {
				render_stop(w, r, how, now - began);
			}
		}
	}
	after_stop(w, how, sc);
}

/* A job stopped by V8 (how) before it became a render in flight (opening
 * its context, or a synchronous render in sc, which may be NULL): fails it
 * and cleans up as after any stopped slice. */
void
ssrd__worker_job_stopped(struct worker *w, ssrd_job *job, ssrd_sitectx *sc,
    int how, double ran_ms, double limit_ms)
{
	char why[320];
	stop_message(w, how, ran_ms, limit_ms, why, sizeof(why));
	ssrd__worker_job_fail(job, how, why);
	log_stopped(w, job, how, ran_ms);
	after_stop(w, how, sc);
}
