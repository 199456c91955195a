/* worker_warm.c: a worker renders its sites' own pages before it takes
 * requests, so that the first request of each route finds V8's inline caches
 * and compiled code warm instead of paying for them (the demo's /products
 * took 49 ms the first time against 9 warm). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/log.h"
#include "core/timers.h"
#include "render/worker_impl.h"

/* Renders of each page, at most: by the tenth V8 has compiled a page's hot
 * code (on the demo, the next render costs at most 2x a warm one). */
#define WARM_ROUNDS_MAX 10

/* One warm-up: its pages and how far it got. */
struct warm {
	struct worker *w;
	ssrd_site     *site;
	size_t         next;    /* the next warm render to start (warm_job) */
	long           pending; /* started, not yet done */
	long           renders, failed;
	double         end;     /* the budget ends */
	int            stopped; /* past it, or ssrd stops: start nothing */
	int            cut;     /* the renders still running were cancelled */
	/* by route: its render ran out of time or memory, so it is not
	 * rendered again (a page that fails so costs, and warms nothing) */
	unsigned char *skip;
	int            oom; /* a render reached heap_max_mb: stopped there */
};

static void
warm_chunk(ssrd_job *job, const char *data, size_t len, void *arg)
{
	(void) job, (void) data, (void) len, (void) arg; /* nobody to send to */
}

static void
warm_done(ssrd_job *job, void *arg)
{
	struct warm *wm = arg;
	wm->pending--;
	wm->renders++;
	wm->failed += job->err != SSRD_OK;
	if ((job->err == SSRD_ETIMEDOUT || job->err == SSRD_EOOM)
	    && job->route < wm->site->routes.n) {
		wm->skip[job->route] = 1;
	}
	if (job->err == SSRD_EOOM) {
		/* the isolate is replaced next, and its heap may be spent:
		 * nothing more on this one */
		wm->oom     = 1;
		wm->stopped = 1;
	}
	ssrd__job_free(job);
}

/* The k-th warm render of the site: the pages that need no parameters
 * (whose page built) and the not-found page, over and over, WARM_ROUNDS_MAX
 * times; NULL for a route it skips. Returns 0 past the last. */
static int
warm_job(const struct warm *wm, size_t k, ssrd_job **out)
{
	ssrd_site         *site = wm->site;
	const ssrd_routes *rt   = &site->routes;
	*out                    = NULL;
	if (rt->n == 0 || k >= rt->n * WARM_ROUNDS_MAX) {
		return 0;
	}
	size_t            i = k % rt->n;
	const ssrd_route *r = &rt->v[i];
	const char       *why;
	if (wm->skip[i]) {
		return 1;
	}
	if (rt->not_found_at == i + 1) {
		ssrd__job_new_not_found(site, "/", NULL, 0, out);
	} else if (r->ndynamic == 0 && ssrd__site_page(site, i, &why) != NULL) {
		ssrd__job_new(site, r->pattern, NULL, 0, out);
	}
	return 1;
}

/* The next warm render to start, NULL when the worker has no room for one,
 * the budget is spent or none is left. A page that waits (for a timer, a
 * host call) does not hold the others back. */
static ssrd_job *
warm_next(struct warm *wm)
{
	struct worker *w = wm->w;
	/* ssrd stopping is seen here too: renders that end at once never
	 * bring warm_site() to wait in ssrd__pool_take() */
	if (ssrd__pool_stopping(w->pool)) {
		wm->stopped = 1;
	}
	while (!wm->stopped && wm->pending < w->pool->opts.worker_renders) {
		ssrd_job *job;
		double    left = wm->end - ssrd__now_ms();
		if (left < 1 || !warm_job(wm, wm->next, &job)) {
			return NULL;
		}
		wm->next++;
		if (job == NULL) {
			continue;
		}
		/* as HTTP renders it: the pool's renderer, the page hydrating
		 */
		job->stream      = -1;
		job->hydrate     = 1;
		job->warmup      = 1;
		job->timeout_ms  = left;
		job->enqueued_ms = ssrd__now_ms();
		job->chunk       = warm_chunk;
		job->done        = warm_done;
		job->arg         = wm;
		wm->pending++;
		return job;
	}
	return NULL;
}

/* Asks every render still warming to stop. */
static void
warm_cancel(struct worker *w)
{
	for (struct render *r = w->renders; r != NULL; r = r->next) {
		if (r->job->warmup) {
			__atomic_store_n(
			    &r->job->cancelled, 1, __ATOMIC_RELEASE);
		}
	}
}

/* Warms one site: its renders until the last is done or the budget ends.
 * One render starts per turn, as in the worker's main loop: each turn also
 * ends the renders that finished, closing their contexts, and runs V8's
 * foreground tasks. Starting them all back to back instead left up to
 * worker_renders ended contexts open with V8's incremental marking never
 * stepped, and deserialising the next context from the snapshot in that
 * state crashed V8 10.2 (a marking step during ContextDeserializer visited
 * a half-built object: SIGSEGV at start in page isolation, 4 of 4 runs). */
static void
warm_site(struct worker *w, struct warm *wm)
{
	ssrd_pool *p = w->pool;
	for (;;) {
		ssrd_job *job = warm_next(wm);
		if (job != NULL) {
			ssrd__worker_turn(w, NULL, job);
			continue;
		}
		if (wm->pending == 0) {
			return;
		}
		/* accepting no job: this waits only for the warm renders'
		 * timers, host calls and limits */
		ssrd_job         *none;
		struct host_done *done;
		int stopping = ssrd__pool_take(p, w, 0, &none, &done);
		if (!wm->cut
		    && (wm->oom || stopping || ssrd__now_ms() >= wm->end)) {
			wm->stopped = wm->cut = 1;
			warm_cancel(w);
		}
		ssrd__worker_turn(w, done, NULL);
	}
}

/* The routes no warm-up of this generation renders any more, as the
 * workers found them (p->warm_skip), into wm->skip. */
static void
skip_load(ssrd_pool *p, struct warm *wm)
{
	size_t slot = wm->site->slot;
	pthread_mutex_lock(&p->mu);
	if (p->warm_skip[slot] != NULL
	    && p->warm_skip_gen[slot] == wm->site->generation) {
		memcpy(wm->skip, p->warm_skip[slot], wm->site->routes.n);
	}
	pthread_mutex_unlock(&p->mu);
}

/* ... and back, with what this warm-up found: after a recycle, and on the
 * other workers, a page that ran out of time or memory is not warmed
 * again. */
static void
skip_save(ssrd_pool *p, const struct warm *wm)
{
	size_t slot = wm->site->slot, n = wm->site->routes.n;
	pthread_mutex_lock(&p->mu);
	if (p->warm_skip[slot] == NULL
	    || p->warm_skip_gen[slot] != wm->site->generation) {
		free(p->warm_skip[slot]);
		p->warm_skip[slot]     = calloc(n + 1, 1);
		p->warm_skip_gen[slot] = wm->site->generation;
	}
	for (size_t i = 0; p->warm_skip[slot] != NULL && i < n; i++) {
		p->warm_skip[slot][i] |= wm->skip[i];
	}
	pthread_mutex_unlock(&p->mu);
}

void
ssrd__worker_warm(struct worker *w, ssrd_site *only, const char *why)
{
	ssrd_pool *p = w->pool;
	if (p->opts.warmup_ms <= 0) {
		return;
	}
	double t0      = ssrd__now_ms();
	long   renders = 0, failed = 0;
	int    budget = 0, oom = 0;
	size_t n = only != NULL ? 1 : p->nsites;
	for (size_t s = 0; s < n && !ssrd__pool_stopping(p) && !oom; s++) {
		ssrd_site *site = only != NULL ? ssrd__site_ref(only)
		                               : ssrd__worker_site(p, s);
		/* the sites share the budget: each gets its part of what the
		 * ones before it left */
		double      now  = ssrd__now_ms();
		double      left = t0 + p->opts.warmup_ms - now;
		struct warm wm   = { .w = w, .site = site };
		wm.end           = now + left / (double) (n - s);
		wm.skip          = calloc(site->routes.n + 1, 1);
		if (wm.skip != NULL) {
			skip_load(p, &wm);
			warm_site(w, &wm);
			skip_save(p, &wm);
		}
		free(wm.skip);
		renders += wm.renders;
		failed += wm.failed;
		budget |= wm.cut && !wm.oom;
		oom |= wm.oom;
		ssrd__site_unref(site);
	}
	ssrd__log(oom ? SSRD_LOG_WARN : SSRD_LOG_INFO, "worker_warm",
	    "worker=%d reason=%s renders=%ld failed=%ld budget_reached=%d "
	    "heap_limit_reached=%d ms=%.1f",
	    w->index, why, renders, failed, budget, oom, ssrd__now_ms() - t0);
}
