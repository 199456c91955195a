/* worker_isolate.c: a worker's isolate over its life: booted with its
 * contexts, its heap watched, its garbage collected when idle, and replaced
 * (recycled) when it has served enough or grown too much. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <ssrd/errors.h>

#include "core/log.h"
#include "core/timers.h"
#include "render/worker_impl.h"

/* How often (in renders) a worker looks at its heap for recycle_heap_mb. */
#define RECYCLE_CHECK_EVERY 64

/* How often a working worker publishes its heap's figures (diagnose). */
#define HEAP_STATS_EVERY_MS 250.0

ssrd_site *
ssrd__worker_site(ssrd_pool *p, size_t i)
{
	pthread_mutex_lock(&p->mu);
	ssrd_site *site = ssrd__site_ref(p->sites[i]);
	pthread_mutex_unlock(&p->mu);
	return site;
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
		ssrd_site *site = ssrd__worker_site(p, 0);
		w->warm         = ssrd__worker_context_open(
		            w, site, w->start_msg, sizeof(w->start_msg), &rv);
		ssrd__site_unref(site);
		if (w->warm == NULL) {
			return rv;
		}
		ssrd__context_forbid_eval(w->warm->ctx);
	} else {
		/* site: the contexts renders reuse; request: proof that one
		 * can be made, closed again */
		for (size_t i = 0; i < p->nsites; i++) {
			ssrd_site *site = ssrd__worker_site(p, i);
			w->slots[i]     = ssrd__worker_context_open(
			        w, site, w->start_msg, sizeof(w->start_msg), &rv);
			ssrd__site_unref(site);
			if (w->slots[i] == NULL) {
				return rv;
			}
			if (p->opts.isolation != SSRD_ISOLATION_SITE) {
				ssrd__worker_live_close(w, w->slots[i]);
				w->slots[i] = NULL;
			}
		}
	}
	return SSRD_OK;
}

/*
 * Creates the isolate and the contexts renders reuse: one per site
 * (isolation = site), or the warm React that fresh contexts share (page).
 */
int
ssrd__worker_boot(struct worker *w)
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
	w->loop  = ssrd__worker_hooks(w);
	w->slots = calloc(p->nsites, sizeof(*w->slots));
	w->older = calloc(p->nsites, sizeof(*w->older));
	if (w->slots == NULL || w->older == NULL) {
		snprintf(w->start_msg, sizeof(w->start_msg), "out of memory");
		return SSRD_ENOMEM;
	}
	/* the sites' shells run now: a shell that never ends must not hang
	 * the start */
	ssrd__worker_slice_begin(w, t1 + p->opts.timeout_ms);
	rv      = boot_contexts(w);
	int how = ssrd__worker_slice_end(w);
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

void
ssrd__worker_shutdown(struct worker *w)
{
	while (w->nlive > 0) {
		ssrd__worker_live_close(w, w->live[w->nlive - 1]);
	}
	free(w->live);
	free(w->slots);
	free(w->older);
	w->caplive = 0;
	w->live    = NULL;
	w->slots   = NULL;
	w->older   = NULL;
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
int
ssrd__worker_recycle(struct worker *w)
{
	ssrd_pool      *p   = w->pool;
	const char     *why = w->recycle_why;
	double          t0  = ssrd__now_ms();
	ssrd_heap_stats hs;
	ssrd__isolate_heap_stats(w->iso, &hs);
	long renders = w->renders_since_boot;
	ssrd__worker_shutdown(w);
	int rv;
	while ((rv = ssrd__worker_boot(w)) != SSRD_OK) {
		ssrd__log(SSRD_LOG_ERROR, "worker_restart_failed",
		    "worker=%d reason=\"%s\" retry_ms=1000", w->index,
		    w->start_msg);
		ssrd__worker_shutdown(w);
		pthread_mutex_lock(&p->mu);
		int stopping = p->stopping;
		if (!stopping) {
			ssrd__worker_sleep(w, &p->mu, ssrd__now_ms() + 1000);
		}
		pthread_mutex_unlock(&p->mu);
		if (stopping) {
			return rv;
		}
	}
	/* cleared first: a warm-up that reaches the heap limit asks for the
	 * next recycle itself */
	w->recycle_why        = NULL;
	w->renders_since_boot = 0;
	ssrd__worker_warm(w, NULL, "recycle");
	w->idle_since   = ssrd__now_ms();
	w->idle_gc_done = 1; /* nothing to collect in a new isolate */
	__atomic_add_fetch(&w->stats.recycles, 1, __ATOMIC_RELAXED);
	ssrd__worker_heap_publish(w, 1);
	ssrd__log(SSRD_LOG_INFO, "isolate_recycled",
	    "worker=%d reason=%s renders=%ld heap_used_mb=%.1f "
	    "detached_contexts=%zu ms=%.1f",
	    w->index, why, renders, (double) hs.used / 1048576.0,
	    hs.detached_contexts, ssrd__now_ms() - t0);
	return SSRD_OK;
}

/* Publishes the isolate's heap figures for ssrd__pool_worker_stats(): at
 * most every HEAP_STATS_EVERY_MS (they cost a few microseconds), or now. */
void
ssrd__worker_heap_publish(struct worker *w, int now)
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
void
ssrd__worker_idle_gc(struct worker *w)
{
	ssrd_pool      *p = w->pool;
	ssrd_heap_stats before, after;
	double          t0 = ssrd__now_ms();
	/* requests taken across a reload are long done */
	for (size_t i = 0; i < p->nsites && w->older != NULL; i++) {
		if (w->older[i] != NULL) {
			ssrd__worker_context_retire(w, w->older[i]);
		}
	}
	ssrd__isolate_heap_stats(w->iso, &before);
	ssrd__worker_slice_begin(w, t0 + p->opts.timeout_ms);
	ssrd__isolate_gc(w->iso);
	int how = ssrd__worker_slice_end(w);
	ssrd__isolate_heap_stats(w->iso, &after);
	w->idle_gc_done = 1;
	ssrd__worker_heap_publish(w, 1);
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

void
ssrd__worker_rendered(struct worker *w)
{
	ssrd_pool *p = w->pool;
	w->renders_since_boot++;
	if (w->recycle_why == NULL && p->opts.recycle_renders > 0
	    && w->renders_since_boot >= p->opts.recycle_renders) {
		w->recycle_why = "recycle_renders";
	}
	if (w->recycle_why == NULL && heap_grown(w)) {
		w->recycle_why = "recycle_heap_mb";
	}
}
