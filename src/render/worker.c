/* worker.c: a worker thread and its event loop. One isolate for the thread's
 * life; renders in flight interleave on it while they wait for timers and
 * host calls; their chunks go back to the callers as React produces them. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>

#include <ssrd/errors.h>

#include "core/timers.h"
#include "render/worker_impl.h"

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
	ssrd__worker_slice_begin(w, ssrd__worker_render_slice_deadline(w, rid));
	int fired = ssrd__sitectx_fire_timer(sc, turn);
	int how   = ssrd__worker_slice_end(w);
	if (how != SSRD_OK) {
		ssrd__worker_slice_stopped(w, how, sc, rid, t0);
	}
	return fired;
}

/* Checks limits, fires the timers due, hands output over and finishes the
 * renders that ended. */
static void
loop_turn(struct worker *w)
{
	/* limits first, so no timer runs under a deadline already gone */
	ssrd__worker_check_renders(w);
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
			/* with its last output */
			ssrd__worker_render_finish(w, r);
			next = w->renders; /* the list changed: start over */
		} else {
			ssrd__worker_render_deliver(r);
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
		double t = ssrd__worker_render_limit(r);
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
 * those whose callers cancelled them, or whose output grew too big. */
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

/* What, besides a job, ends the worker's wait in ssrd__pool_take()
 * (pool_impl.h). */
int
ssrd__worker_wake(const struct worker *w, int stopping, double *next)
{
	*next = -1;
	if (w->done_head != NULL
	    || (w->inflight == 0 && w->host_outstanding == 0
	        && (stopping || !w->accepting))
	    || w->warm_next != NULL) {
		return 1;
	}
	*next = loop_next_deadline(w);
	if (*next >= 0 && *next <= ssrd__now_ms()) {
		return 1;
	}
	return any_to_abort(w, stopping); /* abort them now */
}

/* Runs V8's own tasks for the isolate (GC finalisation, and
 * FinalizationRegistry callbacks, which are page code). */
static void
pump_slice(struct worker *w)
{
	double t0 = ssrd__now_ms();
	ssrd__worker_slice_begin(w, ssrd__worker_slice_deadline(w));
	ssrd__isolate_pump(w->iso);
	int how = ssrd__worker_slice_end(w);
	if (how != SSRD_OK) {
		ssrd__worker_slice_stopped(w, how, NULL, 0, t0);
	}
}

void
ssrd__worker_turn(struct worker *w, struct host_done *done, ssrd_job *job)
{
	/* renders past their limits are aborted before any other JavaScript
	 * runs: they must not wait for it */
	ssrd__worker_check_renders(w);
	ssrd__worker_settle_host_calls(w, done);
	if (job != NULL) {
		ssrd__worker_job_start(w, job);
	}
	loop_turn(w);
	pump_slice(w);
}

void
ssrd__worker_run_own(struct worker *w)
{
	if (!w->in_take) {
		return; /* ssrd__pool_take() finds it */
	}
	ssrd_job *job = ssrd__pool_take_own(w->pool, w);
	if (job == NULL) {
		return;
	}
	w->in_take = 0; /* no job runs within this one's turn */
	w->stepped = 1;
	ssrd__worker_turn(w, NULL, job);
	w->in_take = 1;
	/* The others queued with it wait for ssrd__pool_take(), after the
	 * loop has read and written again. Run back to back within the turn,
	 * 48 clients that read nothing held 47 MiB more (security.clients):
	 * h2o lets a connection the budget cut off go only once its loop has
	 * polled. */
}

void *
ssrd__worker_main(void *arg)
{
	struct worker *w = arg;
	ssrd_pool     *p = w->pool;
	char           name[16];
	snprintf(name, sizeof(name), "ssrd-w%d", w->index);
	pthread_setname_np(pthread_self(), name);
	ssrd__pool_self_set(w);

	int rv = ssrd__worker_loop_open(w);
	if (rv == SSRD_OK) {
		rv = ssrd__worker_boot(w);
	}
	if (rv == SSRD_OK) {
		ssrd__worker_warm(w, NULL, "start");
		ssrd__worker_heap_publish(w, 1);
	}
	ssrd__pool_started(p, w, rv);

	while (rv == SSRD_OK) {
		int idle = w->inflight == 0 && w->host_outstanding == 0;
		if (w->recycle_why != NULL && idle && !ssrd__pool_stopping(p)) {
			rv = ssrd__worker_recycle(w);
			continue;
		}
		/* a site's new generation, warmed before it serves */
		ssrd_site *fresh = ssrd__pool_warm_take(p, w);
		if (fresh != NULL) {
			if (!ssrd__pool_stopping(p)) {
				ssrd__worker_warm(w, fresh, "reload");
			}
			ssrd__pool_warmed(p, w, fresh);
			continue;
		}
		if (idle && w->idle_since > 0 && !w->idle_gc_done
		    && p->opts.idle_gc_ms > 0
		    && ssrd__now_ms() >= w->idle_since + p->opts.idle_gc_ms) {
			ssrd__worker_idle_gc(w);
			continue;
		}
		/* a worker about to replace its isolate takes no new job: the
		 * others do */
		int               accepting = w->recycle_why == NULL;
		ssrd_job         *job;
		struct host_done *done;
		int stopping = ssrd__pool_take(p, w, accepting, &job, &done);
		if (stopping && job == NULL && done == NULL && w->inflight == 0
		    && w->host_outstanding == 0) {
			break;
		}
		/* a turn ran from the wait (ssrd__worker_run_own()): this one
		 * would find nothing new */
		if (job != NULL || done != NULL || !w->stepped) {
			ssrd__worker_turn(w, done, job);
		}
		w->stepped = 0;
		if (w->inflight == 0 && w->idle_since == 0) {
			w->idle_since   = ssrd__now_ms();
			w->idle_gc_done = 0;
		}
		__atomic_store_n(
		    &w->stats.inflight, (int) w->inflight, __ATOMIC_RELAXED);
		ssrd__worker_heap_publish(w, 0);
	}
	ssrd__worker_shutdown(w);
	ssrd__pool_run_posts(p, w, 1); /* the last: none is taken after */
	ssrd__worker_loop_close(w);
	return NULL;
}
