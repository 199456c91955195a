/* pool.c implements the worker pool: threads that each own one isolate and a
 * warm site context. */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ssrd/errors.h>

#include "core/log.h"
#include "core/timers.h"
#include "render/pool_impl.h"
#include "render/sitectx.h"

/*
 * The pool as pool.c alone sees it: what the workers and the watchdog share
 * (ssrd_pool, pool_impl.h), then what no other file touches: the queue, the
 * start-up handshake and the watchdog thread. super comes first, so a
 * ssrd_pool * is a struct pool *.
 */
/* A function posted to a worker's thread (ssrd__pool_post()). */
struct pool_post {
	void (*fn)(void *arg);
	void             *arg;
	struct pool_post *next;
};

/* The worker whose thread this is, or NULL (worker_main sets it). */
static __thread struct worker *self_worker;

struct pool {
	ssrd_pool      super;
	pthread_cond_t cv_start; /* a worker finished starting */
	/* the queue, under super.mu: jobs from head to tail, queued of them,
	 * at most queue_max */
	ssrd_job      *head, *tail;
	size_t         queued;
	size_t         queue_max;
	size_t         own_queued; /* jobs on workers' own queues, all */
	int            draining;   /* refusing jobs, finishing the rest */
	size_t         active;     /* jobs taken by workers, not yet done */
	pthread_cond_t cv_idle;    /* draining, and nothing left */
	/* ssrd__pool_adopt(): one at a time; a worker warmed its generation */
	pthread_mutex_t adopt_mu;
	pthread_cond_t  cv_warm;
	pthread_t       watchdog;
	int             watchdog_started;
};

static struct pool *
pool_of(ssrd_pool *p)
{
	return (struct pool *) p;
}

/* ---- pool ---- */

int
ssrd__pool_start(const ssrd_pool_opts *opts, const ssrd_bundle *base,
    ssrd_site *const *sites, size_t nsites, ssrd_pool **out, char *errbuf,
    size_t errlen)
{
	struct pool *pl = calloc(1, sizeof(*pl));
	if (pl == NULL) {
		return SSRD_ENOMEM;
	}
	ssrd_pool *p = &pl->super;
	p->workers   = calloc((size_t) opts->workers, sizeof(struct worker));
	p->sites     = calloc(nsites, sizeof(ssrd_site *));
	p->warm_skip = calloc(nsites, sizeof(*p->warm_skip));
	p->warm_skip_gen = calloc(nsites, sizeof(*p->warm_skip_gen));
	if (p->workers == NULL || p->sites == NULL || p->warm_skip == NULL
	    || p->warm_skip_gen == NULL || nsites == 0) {
		free(p->workers);
		free(p->sites);
		free(p->warm_skip);
		free(p->warm_skip_gen);
		free(pl);
		return nsites == 0 ? SSRD_EINVAL : SSRD_ENOMEM;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&p->mu, NULL);
	pthread_mutex_init(&p->wd_mu, NULL);
	pthread_cond_init(&pl->cv_start, NULL);
	pthread_cond_init(&pl->cv_idle, &ca);
	pthread_cond_init(&pl->cv_warm, &ca);
	pthread_mutex_init(&pl->adopt_mu, NULL);
	pthread_cond_init(&p->wd_cv, &ca);
	pthread_condattr_destroy(&ca);
	pl->queue_max = opts->queue_max;
	p->base       = base;
	for (size_t i = 0; i < nsites; i++) {
		p->sites[i] = ssrd__site_ref(sites[i]);
	}
	p->nsites = nsites;
	p->opts   = *opts;
	if (p->opts.stall_ms <= 0) {
		p->opts.stall_ms = 5000;
	}
	if (p->opts.timeout_ms <= 0) {
		p->opts.timeout_ms = 30000;
	}
	if (p->opts.timeout_max_ms <= 0) {
		p->opts.timeout_max_ms = p->opts.timeout_ms;
	}
	if (p->opts.timeout_max_ms < p->opts.timeout_ms) {
		snprintf(errbuf, errlen,
		    "render_timeout_max_ms (%.0f) is below render_timeout_ms "
		    "(%.0f): a request could only ask for less than the "
		    "default; raise it, or lower render_timeout_ms",
		    p->opts.timeout_max_ms, p->opts.timeout_ms);
		ssrd__pool_stop(p);
		return SSRD_ECONFIG;
	}
	if (p->opts.worker_renders <= 0) {
		p->opts.worker_renders = 16;
	}

	int rv = SSRD_OK;
	/* before the workers: their start-up runs JavaScript under it */
	p->wd_next = -1;
	if (pthread_create(&pl->watchdog, NULL, ssrd__watchdog_main, p) != 0) {
		snprintf(errbuf, errlen, "cannot start the watchdog thread: %s",
		    strerror(errno));
		rv = SSRD_ESYS;
	} else {
		pl->watchdog_started = 1;
	}
	for (long i = 0; rv == SSRD_OK && i < opts->workers; i++) {
		struct worker *w = &p->workers[i];
		w->pool          = p;
		w->index         = (int) i;
		if (pthread_create(&w->thread, NULL, ssrd__worker_main, w)
		    != 0) {
			snprintf(errbuf, errlen,
			    "cannot start worker thread %ld: %s", i,
			    strerror(errno));
			rv = SSRD_ESYS;
			break;
		}
		p->nworkers++;
	}
	/* Wait for every started worker to report, and take the first failure.
	 */
	pthread_mutex_lock(&p->mu);
	for (long i = 0; i < p->nworkers; i++) {
		struct worker *w = &p->workers[i];
		while (!w->started) {
			pthread_cond_wait(&pl->cv_start, &p->mu);
		}
		if (w->start_err != SSRD_OK && rv == SSRD_OK) {
			rv = w->start_err;
			snprintf(
			    errbuf, errlen, "worker %ld: %s", i, w->start_msg);
		}
	}
	pthread_mutex_unlock(&p->mu);
	if (rv != SSRD_OK) {
		ssrd__pool_stop(p);
		return rv;
	}
	*out = p;
	return SSRD_OK;
}

/* The queue's invariant, under p->mu: head and tail are both set or both
 * NULL, tail ends the list, and it holds pl->queued jobs. Used inside
 * assert() only (it walks the queue). */
#ifndef NDEBUG
static int
queue_sanity(const struct pool *pl)
{
	size_t          n    = 0;
	const ssrd_job *last = NULL;
	for (const ssrd_job *j = pl->head; j != NULL; j = j->next) {
		last = j;
		n++;
	}
	return (pl->head == NULL) == (pl->tail == NULL) && last == pl->tail
	    && n == pl->queued;
}
#endif

/* A sleeping worker with room for another render, other than the calling
 * thread's (which, running, looks at the queues before it sleeps again), or
 * NULL (p->mu held). */
static struct worker *
idle_worker(ssrd_pool *p)
{
	for (long i = 0; i < p->nworkers; i++) {
		struct worker *w = &p->workers[i];
		if (w != self_worker && w->sleeping && w->accepting
		    && w->inflight < p->opts.worker_renders) {
			return w;
		}
	}
	return NULL;
}

/* Wakes one sleeping worker with room for another render (p->mu held). */
static void
wake_one(ssrd_pool *p)
{
	struct worker *w = idle_worker(p);
	if (w != NULL) {
		ssrd__worker_signal(w); /* one wake per job */
	}
}

/* Appends job to the queue from *head to *tail, stamping when it was
 * queued (p->mu held). */
static void
queue_append(ssrd_job **head, ssrd_job **tail, ssrd_job *job)
{
	job->next        = NULL;
	job->enqueued_ms = ssrd__now_ms();
	if (*tail != NULL) {
		(*tail)->next = job;
	} else {
		*head = job;
	}
	*tail = job;
}

/* Queues job on the shared queue (p->mu held). */
static int
submit_shared(ssrd_pool *p, ssrd_job *job)
{
	struct pool *pl = pool_of(p);
	if (pl->queued >= pl->queue_max) {
		return SSRD_EOVERLOAD;
	}
	queue_append(&pl->head, &pl->tail, job);
	pl->queued++;
	assert(queue_sanity(pl));
	wake_one(p);
	return SSRD_OK;
}

int
ssrd__pool_submit(ssrd_pool *p, ssrd_job *job)
{
	struct pool *pl = pool_of(p);
	pthread_mutex_lock(&p->mu);
	int rv = p->stopping || pl->draining ? SSRD_ECLOSED
	                                     : submit_shared(p, job);
	pthread_mutex_unlock(&p->mu);
	return rv;
}

int
ssrd__pool_submit_here(ssrd_pool *p, ssrd_job *job)
{
	struct pool   *pl = pool_of(p);
	struct worker *w  = self_worker;
	pthread_mutex_lock(&p->mu);
	int rv = SSRD_ECLOSED;
	if (p->stopping || pl->draining) {
		/* refused */
	} else if (w != NULL && w->pool == p && w->accepting
	    && w->inflight + w->own_queued < p->opts.worker_renders
	    && (w->own_queued == 0 || idle_worker(p) == NULL)) {
		/* this worker renders it next, or every other is busy too: a
		 * second job while another sleeps goes to that one (measured:
		 * 8 connections on one loop rendered a 2,000-row page at the
		 * rate of one worker, 63 req/s, the other idle) */
		queue_append(&w->own_head, &w->own_tail, job);
		w->own_queued++;
		pl->own_queued++;
		rv = SSRD_OK;
	} else {
		rv = submit_shared(p, job); /* busy: another worker's */
	}
	int mine = rv == SSRD_OK && w != NULL && job == w->own_tail;
	pthread_mutex_unlock(&p->mu);
	if (mine && w->in_take) {
		ssrd__worker_run_soon(w);
	}
	return rv;
}

int
ssrd__pool_post(ssrd_pool *p, long i, void (*fn)(void *arg), void *arg)
{
	struct pool_post *m = malloc(sizeof(*m));
	if (m == NULL) {
		return SSRD_ENOMEM;
	}
	m->fn            = fn;
	m->arg           = arg;
	m->next          = NULL;
	struct worker *w = &p->workers[i];
	pthread_mutex_lock(&p->mu);
	if (i < 0 || i >= p->nworkers || w->exited) {
		pthread_mutex_unlock(&p->mu);
		free(m);
		return SSRD_ECLOSED;
	}
	if (w->post_tail != NULL) {
		w->post_tail->next = m;
	} else {
		w->post_head = m;
	}
	w->post_tail = m;
	ssrd__worker_signal(w);
	pthread_mutex_unlock(&p->mu);
	return SSRD_OK;
}

void
ssrd__pool_run_posts(ssrd_pool *p, struct worker *w, int last)
{
	pthread_mutex_lock(&p->mu);
	struct pool_post *m = w->post_head;
	w->post_head = w->post_tail = NULL;
	w->exited                   = last;
	pthread_mutex_unlock(&p->mu);
	while (m != NULL) {
		struct pool_post *next = m->next;
		m->fn(m->arg);
		free(m);
		m = next;
	}
}

long
ssrd__pool_self(const ssrd_pool *p)
{
	struct worker *w = self_worker;
	return w != NULL && w->pool == p ? w->index : -1;
}

struct st_h2o_evloop_t *
ssrd__pool_loop(ssrd_pool *p, long i)
{
	return p->workers[i].evloop;
}

void
ssrd__pool_self_set(struct worker *w)
{
	self_worker = w;
}

void
ssrd__pool_started(ssrd_pool *p, struct worker *w, int err)
{
	struct pool *pl = pool_of(p);
	pthread_mutex_lock(&p->mu);
	w->started   = 1;
	w->start_err = err;
	pthread_cond_broadcast(&pl->cv_start);
	pthread_mutex_unlock(&p->mu);
}

/* How long ssrd__pool_adopt() waits for a worker beyond warmup_ms: for its
 * renders in flight to end, and its warm-up's to be cancelled. */
#define ADOPT_GRACE_MS 1000.0

void
ssrd__pool_adopt(ssrd_pool *p, ssrd_site *site)
{
	struct pool *pl = pool_of(p);
	pthread_mutex_lock(&pl->adopt_mu);
	pthread_mutex_lock(&p->mu);
	ssrd_site *old       = p->sites[site->slot];
	p->sites[site->slot] = ssrd__site_ref(site);
	/* One worker at a time: the others serve meanwhile. Only isolation =
	 * site keeps a context per site, which a new generation replaces
	 * cold; with page and request every render has a fresh one anyway,
	 * and React's code, which they share, stays compiled across reloads. */
	int warm
	    = p->opts.warmup_ms > 0 && p->opts.isolation == SSRD_ISOLATION_SITE;
	for (long i = 0; i < p->nworkers && warm; i++) {
		struct worker *w     = &p->workers[i];
		ssrd_site     *stale = w->warm_next; /* one it has not taken */
		__atomic_store_n(
		    &w->warm_next, ssrd__site_ref(site), __ATOMIC_RELEASE);
		ssrd__site_unref(stale);
		ssrd__worker_signal(w);
		double until
		    = ssrd__now_ms() + p->opts.warmup_ms + ADOPT_GRACE_MS;
		while (w->warmed != site && !p->stopping
		    && ssrd__now_ms() < until) {
			ssrd__cv_wait_until(&pl->cv_warm, &p->mu, until);
		}
	}
	pthread_mutex_unlock(&p->mu);
	pthread_mutex_unlock(&pl->adopt_mu);
	ssrd__site_unref(old);
}

ssrd_site *
ssrd__pool_warm_take(ssrd_pool *p, struct worker *w)
{
	if (__atomic_load_n(&w->warm_next, __ATOMIC_ACQUIRE) == NULL) {
		return NULL; /* the common case, without the lock */
	}
	pthread_mutex_lock(&p->mu);
	ssrd_site *site = w->warm_next;
	__atomic_store_n(&w->warm_next, NULL, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&p->mu);
	return site;
}

void
ssrd__pool_warmed(ssrd_pool *p, struct worker *w, ssrd_site *site)
{
	struct pool *pl = pool_of(p);
	pthread_mutex_lock(&p->mu);
	w->warmed = site;
	pthread_cond_broadcast(&pl->cv_warm);
	pthread_mutex_unlock(&p->mu);
	ssrd__site_unref(site);
}

/* w's first own job, taken (mu held, one there), active until
 * ssrd__pool_done(). */
static ssrd_job *
take_own(struct pool *pl, struct worker *w)
{
	ssrd_job *job = w->own_head;
	w->own_head   = job->next;
	if (w->own_head == NULL) {
		w->own_tail = NULL;
	}
	w->own_queued--;
	pl->own_queued--;
	pl->active++;
	return job;
}

ssrd_job *
ssrd__pool_take_own(ssrd_pool *p, struct worker *w)
{
	pthread_mutex_lock(&p->mu);
	ssrd_job *job = w->own_head != NULL && w->accepting
	        && w->inflight < p->opts.worker_renders
	    ? take_own(pool_of(p), w)
	    : NULL;
	pthread_mutex_unlock(&p->mu);
	return job;
}

int
ssrd__pool_take(ssrd_pool *p, struct worker *w, int accepting, ssrd_job **job,
    struct host_done **done)
{
	struct pool *pl = pool_of(p);
	pthread_mutex_lock(&p->mu);
	/* wake_one() asks only the workers that accept */
	w->accepting = accepting;
	/* inflight changes on w's thread alone: not while it waits here */
	int room  = accepting && w->inflight < p->opts.worker_renders;
	int slept = 0;
	for (;;) {
		double next;
		if ((room && (pl->head != NULL || w->own_head != NULL))
		    || w->post_head != NULL
		    || ssrd__worker_wake(w, p->stopping, &next)) {
			break;
		}
		w->in_take = room;
		ssrd__worker_sleep(w, &p->mu, next);
		w->in_take = 0;
		slept      = 1;
		if (w->stepped || (next >= 0 && ssrd__now_ms() >= next)) {
			break;
		}
	}
	*done        = w->done_head;
	w->done_head = NULL;
	*job         = NULL;
	if (room && w->own_head != NULL) {
		/* its own first: the thread that read a request renders it */
		*job = take_own(pl, w);
	} else if (room && pl->head != NULL) {
		*job     = pl->head;
		pl->head = (*job)->next;
		if (pl->head == NULL) {
			pl->tail = NULL;
		}
		pl->queued--;
		pl->active++;
		assert(queue_sanity(pl));
	}
	int stopping = p->stopping;
	int posts    = w->post_head != NULL;
	pthread_mutex_unlock(&p->mu);
	if (!slept) {
		/* busy: its sockets still get a turn (replies written, clients
		 * gone let go, new requests read) between renders */
		w->in_take = room;
		ssrd__worker_poll(w);
		w->in_take = 0;
	}
	if (posts) {
		ssrd__pool_run_posts(p, w, 0);
	}
	return stopping;
}

void
ssrd__pool_done(ssrd_pool *p)
{
	struct pool *pl = pool_of(p);
	pthread_mutex_lock(&p->mu);
	assert(pl->active > 0);
	pl->active--;
	if (pl->draining && pl->active == 0 && pl->queued == 0
	    && pl->own_queued == 0) {
		pthread_cond_broadcast(&pl->cv_idle);
	}
	pthread_mutex_unlock(&p->mu);
}

void
ssrd__pool_cancel(ssrd_pool *p, ssrd_job *job)
{
	__atomic_store_n(&job->cancelled, 1, __ATOMIC_RELEASE);
	pthread_mutex_lock(&p->mu);
	for (long i = 0; i < p->nworkers; i++) {
		ssrd__worker_signal(&p->workers[i]);
	}
	pthread_mutex_unlock(&p->mu);
}

struct sync_wait {
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	int             done;
};

static void
sync_done(ssrd_job *job, void *arg)
{
	(void) job;
	struct sync_wait *s = arg;
	pthread_mutex_lock(&s->mu);
	s->done = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

int
ssrd__pool_render(ssrd_pool *p, ssrd_job *job)
{
	struct sync_wait s
	    = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
	job->done = sync_done;
	job->arg  = &s;
	int rv    = ssrd__pool_submit(p, job);
	if (rv != SSRD_OK) {
		job->err = rv;
		return rv;
	}
	pthread_mutex_lock(&s.mu);
	while (!s.done) {
		pthread_cond_wait(&s.cv, &s.mu);
	}
	pthread_mutex_unlock(&s.mu);
	pthread_mutex_destroy(&s.mu);
	pthread_cond_destroy(&s.cv);
	return job->err;
}

size_t
ssrd__pool_drain(ssrd_pool *p, double grace_ms)
{
	struct pool *pl       = pool_of(p);
	double       deadline = ssrd__now_ms() + grace_ms;
	pthread_mutex_lock(&p->mu);
	pl->draining = 1;
	while ((pl->queued > 0 || pl->own_queued > 0 || pl->active > 0)
	    && ssrd__now_ms() < deadline) {
		ssrd__cv_wait_until(&pl->cv_idle, &p->mu, deadline);
	}
	size_t left = pl->queued + pl->own_queued + pl->active;
	pthread_mutex_unlock(&p->mu);
	return left;
}

void
ssrd__pool_worker_stats(ssrd_pool *p, long i, ssrd_worker_stats *st)
{
	const ssrd_worker_stats *s = &p->workers[i].stats;
	st->renders     = __atomic_load_n(&s->renders, __ATOMIC_RELAXED);
	st->recycles    = __atomic_load_n(&s->recycles, __ATOMIC_RELAXED);
	st->timeouts    = __atomic_load_n(&s->timeouts, __ATOMIC_RELAXED);
	st->heap_limits = __atomic_load_n(&s->heap_limits, __ATOMIC_RELAXED);
	st->inflight    = __atomic_load_n(&s->inflight, __ATOMIC_RELAXED);
	pthread_mutex_lock(&p->mu);
	st->heap = s->heap;
	pthread_mutex_unlock(&p->mu);
}

void
ssrd__pool_queue(ssrd_pool *p, size_t *queued, size_t *max)
{
	struct pool *pl = pool_of(p);
	pthread_mutex_lock(&p->mu);
	*queued = pl->queued;
	*max    = pl->queue_max;
	pthread_mutex_unlock(&p->mu);
}

int
ssrd__pool_streams(const ssrd_pool *p)
{
	return p->opts.stream != 0;
}

long
ssrd__pool_workers(const ssrd_pool *p)
{
	return p->nworkers;
}

void
ssrd__pool_stop(ssrd_pool *p)
{
	struct pool *pl = pool_of(p);
	if (p == NULL) {
		return;
	}
	pthread_mutex_lock(&p->mu);
	__atomic_store_n(&p->stopping, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&pl->cv_warm); /* ssrd__pool_adopt() */
	ssrd_job *job = pl->head;
	pl->head = pl->tail = NULL;
	pl->queued          = 0;
	for (long i = 0; i < p->nworkers; i++) {
		ssrd__worker_signal(&p->workers[i]);
	}
	pthread_mutex_unlock(&p->mu);
	while (job != NULL) {
		ssrd_job *next  = job->next;
		job->err        = SSRD_ECLOSED;
		job->error_text = strdup("ssrd is shutting down");
		job->done(job, job->arg);
		job = next;
	}
	for (long i = 0; i < p->nworkers; i++) {
		pthread_join(p->workers[i].thread, NULL);
	}
	if (pl->watchdog_started) {
		pthread_mutex_lock(&p->wd_mu);
		p->wd_stop = 1;
		pthread_cond_signal(&p->wd_cv);
		pthread_mutex_unlock(&p->wd_mu);
		pthread_join(pl->watchdog, NULL);
	}
	for (size_t i = 0; i < p->nsites; i++) {
		ssrd__site_unref(p->sites[i]);
		free(p->warm_skip[i]);
	}
	free(p->warm_skip);
	free(p->warm_skip_gen);
	for (long i = 0; i < p->nworkers; i++) {
		ssrd__site_unref(p->workers[i].warm_next);
	}
	free(p->sites);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&pl->cv_start);
	pthread_cond_destroy(&pl->cv_idle);
	pthread_cond_destroy(&pl->cv_warm);
	pthread_mutex_destroy(&pl->adopt_mu);
	pthread_cond_destroy(&p->wd_cv);
	pthread_mutex_destroy(&p->wd_mu);
	free(p->workers);
	free(pl);
}
