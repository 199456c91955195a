/* worker_job.c: a job on a worker, from the queue to its caller's done:
 * rendered synchronously, or started as a render in flight. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/timers.h"
#include "render/worker_impl.h"

/* Fails job with err and a copy of why. */
void
ssrd__worker_job_fail(ssrd_job *job, int err, const char *why)
{
	free(job->error_text);
	job->err        = err;
	job->error_text = strdup(why);
}

/* For measurements: the isolate's heap after a full GC, when asked. */
void
ssrd__worker_job_heap_stats(struct worker *w, ssrd_job *job)
{
	if (job->heap_stats) {
		ssrd__isolate_gc(w->iso);
		ssrd__isolate_heap_stats(w->iso, &job->heap);
	}
}

/* Hands a job back to its caller: every job a worker takes ends here, once.
 */
void
ssrd__worker_job_complete(struct worker *w, ssrd_job *job)
{
	if (job->warmup) {
		job->done(job, job->arg);
		return;
	}
	/* counted first: a caller woken by done may read the stats */
	__atomic_add_fetch(&w->stats.renders, 1, __ATOMIC_RELAXED);
	job->done_ms = ssrd__now_ms();
	job->done(job, job->arg);
	ssrd__worker_rendered(w);
	ssrd__pool_done(w->pool);
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
	ssrd__worker_slice_begin(w, t0 + timeout);
	w->sync_job = job;
	w->sync_rid = rid;
	ssrd__sitectx_render(sc, job, rid);
	w->sync_job = NULL;
	w->sync_rid = 0;
	if (job->needs_stream) {
		/* renderToString cannot wait or start over:
		 * ssrd__worker_job_start streams the page instead, on the same
		 * clock and under the same id, so that what this attempt
		 * started (a fetch, a timer, a promise a module keeps) goes on
		 * for the streaming one */
		int how = ssrd__worker_slice_end(w);
		if (how == SSRD_OK) {
			sc->users--; /* ssrd__worker_job_start takes it again */
			return rid;
		}
		ssrd__worker_job_stopped(
		    w, job, sc, how, ssrd__now_ms() - t0, timeout);
		ssrd__worker_context_release(w, sc);
		ssrd__worker_job_complete(w, job);
		return 0;
	}
	/* nothing the page set going outlives its render */
	if (ssrd__worker_left_timers(w, sc, rid)) {
		ssrd__sitectx_end_render(sc, rid);
	}
	int how        = ssrd__worker_slice_end(w);
	job->render_ms = job->first_ms = ssrd__now_ms() - t0;
	ssrd__worker_host_cancel(w, rid);
	if (how != SSRD_OK) {
		ssrd__worker_job_stopped(
		    w, job, sc, how, job->render_ms, timeout);
	} else if (job->err == SSRD_OK && p->opts.max_output > 0
	    && job->html_len > p->opts.max_output) {
		char why[160];
		snprintf(why, sizeof(why),
		    "max_output_kb: the page rendered %zu KiB (limit %zu KiB)",
		    job->html_len >> 10, p->opts.max_output >> 10);
		ssrd__worker_job_fail(job, SSRD_ETOOBIG, why);
	}
	if (job->err != SSRD_OK) {
		free(job->html);
		job->html     = NULL;
		job->html_len = 0;
	}
	ssrd__worker_context_release(w, sc);
	ssrd__worker_job_heap_stats(w, job);
	if (job->chunk != NULL && job->err == SSRD_OK) {
		job->chunk(job, job->html, job->html_len, job->arg);
	}
	ssrd__worker_job_complete(w, job);
	return 0;
}

/* Starts a job: synchronously to the end (stream = 0) or as a render in
 * flight. */
void
ssrd__worker_job_start(struct worker *w, ssrd_job *job)
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
		ssrd__worker_job_fail(
		    job, SSRD_ECLOSED, "cancelled before it started");
		ssrd__worker_job_complete(w, job);
		return;
	}
	/* opening a context runs the site's shell: on the render's clock */
	ssrd__worker_slice_begin(w, t0 + timeout);
	ssrd_sitectx *sc  = ssrd__worker_context_for(w, job);
	int           how = ssrd__worker_slice_end(w);
	if (how != SSRD_OK) {
		ssrd__worker_job_stopped(
		    w, job, sc, how, ssrd__now_ms() - t0, timeout);
		sc = NULL;
	}
	if (sc == NULL) {
		ssrd__worker_job_complete(w, job);
		return;
	}
	int      stream = job->stream < 0 ? p->opts.stream : job->stream;
	uint64_t rid    = 0;
	if (!stream && (rid = job_render_sync(w, job, sc, t0, timeout)) == 0) {
		return;
	}
	struct render *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		ssrd__worker_job_fail(job, SSRD_ENOMEM, "out of memory");
		if (sc->users == 0 && sc->retired) {
			ssrd__worker_live_close(w, sc);
		}
		ssrd__worker_job_complete(w, job);
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
	ssrd__worker_slice_begin(
	    w, ssrd__worker_render_slice_deadline(w, r->rid));
	int rv = ssrd__sitectx_stream(sc, job, r->rid, p->opts.stream == 2);
	how    = ssrd__worker_slice_end(w);
	if (how != SSRD_OK) {
		ssrd__worker_slice_stopped(w, how, sc, r->rid, t0);
	} else if (rv != SSRD_OK) {
		r->ended = 1; /* failed before React started: nothing to wait
		                 for */
	}
}
