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

#include "hostpool.h"
#include "log.h"
#include "pool_impl.h"
#include "strbuf.h"
#include "timers.h"

/* After asking React to abort, how long a render may take to end before the
 * loop ends it itself (its context keeps whatever JS state is left). */
#define ABORT_GRACE_MS 1000.0

/*
 * A render in flight. rid is the worker's own id for it (the one V8
 * carries through the render's promises and timers); the job's id is the
 * caller's, for logs.
 */
struct render {
	uint64_t      rid;
	ssrd_job     *job;
	ssrd_sitectx *sc;  /* the context it runs in */
	ssrd_strbuf   out; /* output not yet handed to the caller */
	double        start_ms, last_ms;
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
	ssrd_sitectx     *sc; /* where its promise waits */
	uint32_t          promise;
	char             *op, *args, *root;
	struct host_done *next;
};

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

/* The context job renders in: the site's warm one (made again when the site
 * has been reloaded since), or one of its own. */
static ssrd_sitectx *
context_for(struct worker *w, ssrd_job *job)
{
	ssrd_pool *p = w->pool;
	char       msg[1024];
	int        rv;
	if (p->opts.isolation == SSRD_ISOLATION_SITE) {
		ssrd_sitectx **slot = &w->slots[job->site->slot];
		if (*slot != NULL && (*slot)->site == job->site) {
			return *slot;
		}
		if (*slot != NULL) {
			/* renders still running on the old generation finish
			 * there */
			(*slot)->retired = 1;
			if ((*slot)->users == 0) {
				live_close(w, *slot);
			}
			*slot = NULL;
		}
		*slot = context_open(w, job->site, msg, sizeof(msg), &rv);
		if (*slot != NULL) {
			return *slot;
		}
	} else {
		ssrd_sitectx *sc
		    = context_open(w, job->site, msg, sizeof(msg), &rv);
		if (sc != NULL) {
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
	for (struct render *r = w->renders; r != NULL; r = r->next) {
		if (r->rid == rid) {
			return r;
		}
	}
	return NULL;
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
	if (r->abort_err != SSRD_OK) {
		/* Stopped by ssrd: that is the reason, whatever React said. */
		free(job->error_text);
		job->err        = r->abort_err;
		job->error_text = r->abort_why;
		r->abort_why    = NULL;
	}
	if (r->out.failed) {
		job->err = SSRD_ENOMEM;
		free(job->error_text);
		job->error_text = strdup("out of memory gathering the output");
	}
	if (job->chunk == NULL && job->err == SSRD_OK) {
		job->html_len = r->out.len;
		job->html     = ssrd__strbuf_take(&r->out);
	}
	ssrd__strbuf_free(&r->out);
	reports_flush(w, r, job->err == SSRD_OK || r->abort_err != SSRD_OK);
	free(r->abort_why);
	job->render_ms = ssrd__now_ms() - r->start_ms;
	context_release(w, r->sc);
	free(r);
	job_heap_stats(w, job);
	job->done(job, job->arg);
}

/* Asks React to stop r; the render ends soon after (or is ended after
 * ABORT_GRACE_MS). */
static void
render_abort(struct render *r, int err, const char *why)
{
	if (r->abort_ms > 0) {
		return;
	}
	r->abort_ms  = ssrd__now_ms();
	r->abort_err = err;
	r->abort_why = strdup(why);
	ssrd__sitectx_abort(r->sc, r->rid, why);
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
	if (__atomic_load_n(&job->cancelled, __ATOMIC_ACQUIRE)) {
		job->err        = SSRD_ECLOSED;
		job->error_text = strdup("cancelled before it started");
		job->done(job, job->arg);
		return;
	}
	ssrd_sitectx *sc = context_for(w, job);
	if (sc == NULL) {
		job->done(job, job->arg);
		return;
	}
	int stream = job->stream < 0 ? p->opts.stream : job->stream;
	if (!stream) {
		sc->users++;
		ssrd__sitectx_render(sc, job);
		job->render_ms = job->first_ms = ssrd__now_ms() - t0;
		context_release(w, sc);
		job_heap_stats(w, job);
		if (job->chunk != NULL && job->err == SSRD_OK) {
			job->chunk(job, job->html, job->html_len, job->arg);
		}
		job->done(job, job->arg);
		return;
	}
	struct render *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		job->err        = SSRD_ENOMEM;
		job->error_text = strdup("out of memory");
		if (sc->users == 0 && sc->retired) {
			live_close(w, sc);
		}
		job->done(job, job->arg);
		return;
	}
	r->rid      = ++w->next_rid;
	r->job      = job;
	r->sc       = sc;
	r->start_ms = r->last_ms = t0;
	sc->users++;
	r->next    = w->renders;
	w->renders = r;
	w->inflight++;
	if (ssrd__sitectx_stream(sc, job, r->rid) != SSRD_OK) {
		r->ended
		    = 1; /* failed before React started: nothing to wait for */
	}
}

/* ---- hooks from the contexts (worker thread, inside V8 calls) ---- */

static void
on_chunk(void *arg, uint64_t rid, const char *data, size_t len)
{
	struct render *r = render_find(arg, rid);
	if (r == NULL || r->ended) {
		return;
	}
	double now = ssrd__now_ms();
	if (r->out.len == 0 && r->job->first_ms == 0) {
		r->job->first_ms = now - r->start_ms;
	}
	r->last_ms = now;
	ssrd__strbuf_append(&r->out, data, len);
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
	(void) rid;
	if (p->opts.host == NULL || p->opts.hostpool == NULL) {
		return -1;
	}
	struct host_done *d = calloc(1, sizeof(*d));
	if (d == NULL) {
		return -1;
	}
	d->w       = w;
	d->sc      = sc;
	d->promise = promise;
	d->op      = strdup(op);
	d->args    = strndup(args, len);
	d->root    = strdup(sc->site->root);
	if (d->op == NULL || d->args == NULL || d->root == NULL) {
		goto fail;
	}
	d->task.req
	    = (ssrd_host_req) { p->opts.host, d->root, d->op, d->args, len };
	d->task.done = host_call_done;
	d->task.arg  = d;
	if (ssrd__hostpool_submit(p->opts.hostpool, &d->task) != SSRD_OK) {
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
		if (sc->ctx != NULL) {
			(void) ssrd__context_settle(sc->ctx, d->promise,
			    d->task.result.ok,
			    d->task.result.text ? d->task.result.text : "",
			    d->task.result.len);
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

/* Fires due timers, checks deadlines and cancellations, hands output over
 * and finishes the renders that ended. */
static void
loop_turn(struct worker *w)
{
	ssrd_pool *p = w->pool;
	/* timers may end renders and close contexts: walk a copy */
	size_t         n    = w->nlive;
	ssrd_sitectx **copy = n ? malloc(n * sizeof(*copy)) : NULL;
	if (copy != NULL) {
		memcpy(copy, w->live, n * sizeof(*copy));
		for (size_t i = 0; i < n; i++) {
			int still = 0;
			for (size_t k = 0; k < w->nlive; k++) {
				still |= w->live[k] == copy[i];
			}
			if (still) {
				ssrd__sitectx_fire_timers(copy[i]);
			}
		}
		free(copy);
	}
	double now = ssrd__now_ms();
	for (struct render *r = w->renders; r != NULL; r = r->next) {
		ssrd_job *job     = r->job;
		double    timeout = job->timeout_ms > 0 ? job->timeout_ms
		                                        : p->opts.timeout_ms;
		char      why[160];
		if (r->ended) {
			continue;
		}
		if (r->abort_ms > 0) {
			if (now - r->abort_ms > ABORT_GRACE_MS) {
				r->ended
				    = 1; /* React did not end: stop waiting */
			}
		} else if (__atomic_load_n(&job->cancelled, __ATOMIC_ACQUIRE)
		    || p->stopping) {
			render_abort(r, SSRD_ECLOSED,
			    p->stopping ? "ssrd is shutting down"
			                : "the caller cancelled the render");
		} else if (now - r->start_ms > timeout) {
			snprintf(why, sizeof(why),
			    "streaming_timeout_ms: the render ran for %.0f ms "
			    "(limit %.0f); pending Suspense boundaries were "
			    "left to the client",
			    now - r->start_ms, timeout);
			render_abort(r, SSRD_ETIMEDOUT, why);
		} else if (now - r->last_ms > p->opts.stall_ms) {
			snprintf(why, sizeof(why),
			    "streaming_stall_ms: no output for %.0f ms "
			    "(limit %.0f); pending Suspense boundaries were "
			    "left to the client",
			    now - r->last_ms, p->opts.stall_ms);
			render_abort(r, SSRD_ETIMEDOUT, why);
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
		double timeout = r->job->timeout_ms > 0 ? r->job->timeout_ms
		                                        : p->opts.timeout_ms;
		double t       = r->abort_ms > 0 ? r->abort_ms + ABORT_GRACE_MS
		                                 : r->start_ms + timeout;
		if (r->abort_ms == 0 && r->last_ms + p->opts.stall_ms < t) {
			t = r->last_ms + p->opts.stall_ms;
		}
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
		    && (stopping
		        || __atomic_load_n(
		            &r->job->cancelled, __ATOMIC_ACQUIRE))) {
			return 1;
		}
	}
	return 0;
}

static void
cv_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, double deadline_ms)
{
	if (deadline_ms < 0) {
		pthread_cond_wait(cv, mu);
		return;
	}
	double wait = deadline_ms - ssrd__now_ms();
	if (wait <= 0) {
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	long long ns = ts.tv_nsec + (long long) (wait * 1e6) + 1;
	ts.tv_sec += (time_t) (ns / 1000000000LL);
	ts.tv_nsec = (long) (ns % 1000000000LL);
	pthread_cond_timedwait(cv, mu, &ts);
}

/*
 * Creates the isolate and the contexts renders reuse: one per site
 * (isolation = site), or the warm React that fresh contexts share (page).
 */
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
		 .report                      = on_report,
		 .console                     = on_console,
		 .host_call                   = on_host_call };
	w->slots = calloc(p->nsites, sizeof(*w->slots));
	if (w->slots == NULL) {
		snprintf(w->start_msg, sizeof(w->start_msg), "out of memory");
		return SSRD_ENOMEM;
	}
	if (p->opts.isolation == SSRD_ISOLATION_PAGE) {
		/* Renders make their own contexts; this one stays as the warm
		 * React they share, its exports frozen so no page can swap
		 * them. */
		w->warm = context_open(
		    w, p->sites[0], w->start_msg, sizeof(w->start_msg), &rv);
		if (w->warm == NULL) {
			return rv;
		}
		char  *out = NULL;
		size_t n;
		rv = ssrd__context_call(w->warm->ctx, "__ssrd_freeze_shared",
		    NULL, 0, &out, &n, NULL);
		free(out);
		if (rv != SSRD_OK) {
			snprintf(w->start_msg, sizeof(w->start_msg),
			    "cannot freeze React's exports");
			return rv;
		}
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
	ssrd__log(SSRD_LOG_INFO, "worker_ready",
	    "worker=%d sites=%zu from_snapshot=%d isolation=%s isolate_ms=%.2f "
	    "contexts_ms=%.2f",
	    w->index, p->nsites, p->opts.isolate.snapshot != NULL,
	    ssrd__isolation_name(p->opts.isolation), t1 - t0,
	    ssrd__now_ms() - t1);
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
	w->live  = NULL;
	w->slots = NULL;
	w->warm  = NULL;
	ssrd__isolate_free(w->iso);
	w->iso = NULL;
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
	pthread_mutex_lock(&p->mu);
	w->started   = 1;
	w->start_err = rv;
	pthread_cond_broadcast(&p->cv_start);
	pthread_mutex_unlock(&p->mu);

	while (rv == SSRD_OK) {
		pthread_mutex_lock(&p->mu);
		for (;;) {
			int room = w->inflight < p->opts.worker_renders;
			if (w->done_head != NULL || (room && p->head != NULL)
			    || (p->stopping && w->inflight == 0
			        && w->host_outstanding == 0)) {
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
			cv_wait_until(&w->cv, &p->mu, next);
			w->sleeping = 0;
			if (next >= 0 && ssrd__now_ms() >= next) {
				break;
			}
		}
		struct host_done *done = w->done_head;
		w->done_head           = NULL;
		ssrd_job *job          = NULL;
		if (w->inflight < p->opts.worker_renders && p->head != NULL) {
			job     = p->head;
			p->head = job->next;
			if (p->head == NULL) {
				p->tail = NULL;
			}
			p->queued--;
		}
		int stop = p->stopping && job == NULL && done == NULL
		    && w->inflight == 0 && w->host_outstanding == 0;
		pthread_mutex_unlock(&p->mu);
		if (stop) {
			break;
		}
		settle_host_calls(w, done);
		if (job != NULL) {
			job_start(w, job);
		}
		loop_turn(w);
		ssrd__isolate_pump(w->iso);
	}
	worker_shutdown(w);
	return NULL;
}
