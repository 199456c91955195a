/* worker_render.c: renders in flight on a worker: their output, limits,
 * aborts and end, and the hooks their contexts report through. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/log.h"
#include "core/strbuf.h"
#include "core/timers.h"
#include "render/worker_impl.h"

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

struct render *
ssrd__worker_render_find(struct worker *w, uint64_t rid)
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

ssrd_job *
ssrd__worker_job_of(struct worker *w, uint64_t rid)
{
	if (rid != 0 && rid == w->sync_rid) {
		return w->sync_job;
	}
	struct render *r = ssrd__worker_render_find(w, rid);
	return r != NULL ? r->job : NULL;
}

/* When r must be over: its deadline, or once aborted, the abort's grace. */
double
ssrd__worker_render_limit(const struct render *r)
{
	return r->abort_ms > 0 ? r->abort_ms + ABORT_GRACE_MS : r->deadline;
}

/* What a render whose output passed max_output is told. */
static void
too_big_message(const struct worker *w, char *buf, size_t len)
{
	snprintf(buf, len, "max_output_kb: the page's output passed %zu KiB",
	    w->pool->opts.max_output >> 10);
}

/* Hands the output gathered since the last call to the job's caller. */
void
ssrd__worker_render_deliver(struct render *r)
{
	ssrd_job *job = r->job;
	if (job->chunk == NULL || r->out.len == 0 || r->out.failed) {
		return;
	}
	job->chunk(job, r->out.ptr, r->out.len, job->arg);
	r->out.len = 0;
}

/* Whether render rid, run in sc, left timers (in sc, or in the warm React's
 * context with isolation = page): only then is there anything to cancel. */
int
ssrd__worker_left_timers(
    const struct worker *w, const ssrd_sitectx *sc, uint64_t rid)
{
	return ssrd__timers_has_render(&sc->timers, rid)
	    || (w->warm != NULL
	        && ssrd__timers_has_render(&w->warm->timers, rid));
}

/*
 * What a finished render left behind ends with it: its timers and intervals
 * are cancelled (in its context, and in the warm React's with isolation =
 * page), and host calls still out for it are dropped when they come back
 * (ssrd__worker_settle_host_calls), so none of its code runs after it.
 */
static void
render_end_work(struct worker *w, struct render *r)
{
	/* its host calls still waiting for a thread are withdrawn (their
	 * completions, rejections, come back through done_head and are
	 * dropped like those of calls already running) */
	ssrd__worker_host_cancel(w, r->rid);
	if (r->sc->ctx == NULL || !ssrd__worker_left_timers(w, r->sc, r->rid)) {
		return;
	}
	double t0 = ssrd__now_ms();
	ssrd__worker_slice_begin(w, ssrd__worker_slice_deadline(w));
	ssrd__sitectx_end_render(r->sc, r->rid);
	int how = ssrd__worker_slice_end(w);
	if (how != SSRD_OK) {
		ssrd__worker_slice_stopped(w, how, r->sc, 0, t0);
	}
}

/* Completes a render: its outputs, its context, the caller's done. */
void
ssrd__worker_render_finish(struct worker *w, struct render *r)
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
	ssrd__worker_render_deliver(r);
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
		ssrd__worker_job_fail(
		    job, SSRD_ENOMEM, "out of memory gathering the output");
	}
	if (job->chunk == NULL && job->err == SSRD_OK) {
		job->html_len = r->out.len;
		job->html     = ssrd__strbuf_take(&r->out);
	}
	ssrd__strbuf_free(&r->out);
	job->reported = r->reports != NULL;
	reports_flush(w, r,
	    !job->warmup && (job->err == SSRD_OK || r->abort_err != SSRD_OK));
	free(r->abort_why);
	job->render_ms = ssrd__now_ms() - r->start_ms;
	render_end_work(w, r);
	ssrd__worker_context_release(w, r->sc);
	free(r);
	ssrd__worker_job_heap_stats(w, job);
	ssrd__worker_job_complete(w, job);
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
	ssrd__worker_slice_begin(w, r->abort_ms + ABORT_GRACE_MS);
	ssrd__sitectx_abort(r->sc, r->rid, why);
	int how = ssrd__worker_slice_end(w);
	if (how != SSRD_OK) {
		ssrd__worker_slice_stopped(w, how, r->sc, r->rid, r->abort_ms);
	}
}

/* Checks the renders' limits and cancellations, aborting those past them
 * (React flushes what is ready and ends the stream). */
void
ssrd__worker_check_renders(struct worker *w)
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
		    || ssrd__pool_stopping(p)) {
			render_abort(w, r, SSRD_ECLOSED,
			    ssrd__pool_stopping(p)
			        ? "ssrd is shutting down"
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

/* ---- hooks from the contexts (worker thread, inside V8 calls) ---- */

static void
on_chunk(void *arg, uint64_t rid, const char *data, size_t len)
{
	struct worker *w = arg;
	struct render *r = ssrd__worker_render_find(w, rid);
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
	struct render *r = ssrd__worker_render_find(arg, rid);
	if (r != NULL && !r->ended && r->out_total == 0) {
		r->job->status = code;
	}
}

static void
on_end(void *arg, uint64_t rid, const ssrd_js_error *err)
{
	struct render *r = ssrd__worker_render_find(arg, rid);
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
	struct render *r = ssrd__worker_render_find(w, rid);
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
	ssrd_job      *job = ssrd__worker_job_of(w, rid);
	if (job != NULL && job->warmup) {
		return; /* the worker's own render: nobody to tell */
	}
	ssrd__sitectx_log_console(
	    w->index, job ? job->id : 0, level, kind, msg, len);
	if (job != NULL && job->capture_console) {
		static const char *names[]
		    = { "debug", "info", "warn", "error" };
		/* job->console is a strbuf's taken buffer: room for its
		 * bytes and the NUL after them */
		ssrd_strbuf b = { job->console, job->console_len,
			job->console != NULL ? job->console_len + 1 : 0, 0 };
		ssrd__strbuf_printf(&b, "%s %.*s\n",
		    level >= 0 && level <= 3 ? names[level] : "info", (int) len,
		    msg);
		job->console     = b.ptr;
		job->console_len = b.failed ? 0 : b.len;
	}
}

ssrd_sitectx_loop
ssrd__worker_hooks(struct worker *w)
{
	return (ssrd_sitectx_loop) { .arg = w,
		.chunk                    = on_chunk,
		.end                      = on_end,
		.status                   = on_status,
		.report                   = on_report,
		.console                  = on_console,
		.host_call                = ssrd__worker_host_call };
}
