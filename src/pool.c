/* pool.c implements the worker pool: threads that each own one isolate and a
 * warm site context. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ssrd/errors.h>

#include "log.h"
#include "pool.h"
#include "sitectx.h"
#include "timers.h"

/*
 * A worker. Everything in it but the fields under the pool's mutex belongs
 * to its thread: the isolate and the contexts are never touched from
 * anywhere else.
 */
struct worker {
	ssrd_pool    *pool;
	int           index;
	pthread_t     thread;
	ssrd_isolate *iso;
	ssrd_sitectx *slots;     /* isolation = site: a warm context per site */
	ssrd_sitectx  transient; /* page, request: the render's own context */
	ssrd_context
	    *warm; /* isolation = page: the context whose React renders */
	/* set once at start-up, under pool->mu */
	int  started;
	int  start_err;
	char start_msg[1024];
};

struct ssrd_pool {
	pthread_mutex_t    mu;
	pthread_cond_t     cv_work;  /* a job was queued, or stopping */
	pthread_cond_t     cv_start; /* a worker finished starting */
	ssrd_job          *head, *tail;
	size_t             queued;
	size_t             queue_max;
	int                stopping;
	long               nworkers; /* threads started */
	struct worker     *workers;
	const ssrd_bundle *base;
	ssrd_site **
	    sites; /* the generations workers boot with (references), by slot */
	size_t            nsites;
	ssrd_isolate_opts iso_opts;
	ssrd_isolation    isolation;
};

static const char *const isolation_names[] = { "site", "request", "page" };

int
ssrd__isolation_parse(const char *name)
{
	for (int i = 0; i < 3; i++) {
		if (strcmp(name, isolation_names[i]) == 0) {
			return i;
		}
	}
	return -1;
}

const char *
ssrd__isolation_name(ssrd_isolation mode)
{
	return (unsigned) mode < 3 ? isolation_names[mode] : "unknown";
}

int
ssrd__job_new(ssrd_site *site, const char *path, const char *props,
    size_t props_len, ssrd_job **out)
{
	const ssrd_route *route;
	char             *params = NULL;
	int rv = ssrd__routes_match(&site->routes, path, &route, &params);
	if (rv != SSRD_OK) {
		return rv;
	}
	ssrd_job *job = calloc(1, sizeof(*job));
	if (job == NULL) {
		free(params);
		return SSRD_ENOMEM;
	}
	job->site        = ssrd__site_ref(site);
	job->route       = (size_t) (route - site->routes.v);
	job->page_key    = strdup(route->page_key);
	job->path        = strndup(path, strcspn(path, "?#"));
	job->params_json = params;
	if (props != NULL) {
		job->props_json = strndup(props, props_len);
		job->props_len  = props_len;
	}
	if (job->page_key == NULL || job->path == NULL
	    || (props != NULL && job->props_json == NULL)) {
		ssrd__job_free(job);
		return SSRD_ENOMEM;
	}
	*out = job;
	return SSRD_OK;
}

void
ssrd__job_free(ssrd_job *job)
{
	if (job == NULL) {
		return;
	}
	ssrd__site_unref(job->site);
	free(job->page_key);
	free(job->path);
	free(job->params_json);
	free(job->props_json);
	free(job->html);
	free(job->error_text);
	free(job);
}

/* ---- worker ---- */

/*
 * Creates the isolate and a context per site: the warm state renders reuse
 * (site isolation), or proof that one can be made and, for page isolation,
 * the warm React that fresh contexts share.
 */
static int
worker_boot(struct worker *w)
{
	ssrd_pool *p    = w->pool;
	int        snap = p->iso_opts.snapshot != NULL;
	double     t0   = ssrd__now_ms();
	int        rv   = ssrd__isolate_new(&p->iso_opts, &w->iso);
	double     t1   = ssrd__now_ms();
	if (rv != SSRD_OK) {
		snprintf(w->start_msg, sizeof(w->start_msg),
		    "cannot create a V8 isolate");
		return rv;
	}
	w->slots = calloc(p->nsites, sizeof(ssrd_sitectx));
	if (w->slots == NULL) {
		snprintf(w->start_msg, sizeof(w->start_msg), "out of memory");
		return SSRD_ENOMEM;
	}
	for (size_t i = 0; i < p->nsites; i++) {
		rv = ssrd__sitectx_open(&w->slots[i], w->iso, snap, p->base,
		    p->sites[i], NULL, w->index, w->start_msg,
		    sizeof(w->start_msg));
		if (rv != SSRD_OK) {
			return rv;
		}
	}
	if (p->isolation == SSRD_ISOLATION_PAGE) {
		/* Renders make their own contexts; the first site's stays as
		 * the warm React they share, its exports frozen so no page can
		 * swap them. It keeps only its context. */
		char  *out = NULL;
		size_t n;
		rv = ssrd__context_call(w->slots[0].ctx, "__ssrd_freeze_shared",
		    NULL, 0, &out, &n, NULL);
		free(out);
		if (rv != SSRD_OK) {
			snprintf(w->start_msg, sizeof(w->start_msg),
			    "cannot freeze React's exports");
			return rv;
		}
		w->warm         = w->slots[0].ctx;
		w->slots[0].ctx = NULL;
	}
	if (p->isolation != SSRD_ISOLATION_SITE) {
		for (size_t i = 0; i < p->nsites; i++) {
			ssrd__sitectx_close(
			    &w->slots[i]); /* each render makes its own */
		}
	}
	ssrd__log(SSRD_LOG_INFO, "worker_ready",
	    "worker=%d sites=%zu from_snapshot=%d isolation=%s isolate_ms=%.2f "
	    "contexts_ms=%.2f",
	    w->index, p->nsites, snap, ssrd__isolation_name(p->isolation),
	    t1 - t0, ssrd__now_ms() - t1);
	return SSRD_OK;
}

static void
worker_render(struct worker *w, ssrd_job *job)
{
	ssrd_pool    *p  = w->pool;
	double        t0 = ssrd__now_ms();
	ssrd_sitectx *sc;
	job->queue_ms = t0 - job->enqueued_ms;
	job->worker   = w->index;
	/* Site isolation keeps a context per site and replaces it when the site
	 * has been reloaded since; the others make one per render. */
	sc = p->isolation == SSRD_ISOLATION_SITE ? &w->slots[job->site->slot]
	                                         : &w->transient;
	if (sc->ctx == NULL || sc->site != job->site) {
		char msg[1024];
		job->err = ssrd__sitectx_open(sc, w->iso,
		    p->iso_opts.snapshot != NULL, p->base, job->site, w->warm,
		    w->index, msg, sizeof(msg));
		if (job->err != SSRD_OK) {
			job->error_text = strdup(msg);
			return;
		}
	}
	ssrd__sitectx_render(sc, job);
	if (p->isolation != SSRD_ISOLATION_SITE) {
		ssrd__sitectx_close(sc); /* its timers die with it */
	}
	job->render_ms = ssrd__now_ms() - t0;
}

/* The earliest timer of any of the worker's contexts, or -1. */
static double
worker_next_timer(const struct worker *w)
{
	double next = -1;
	for (size_t i = 0; w->slots != NULL && i < w->pool->nsites; i++) {
		double t = ssrd__timers_next(&w->slots[i].timers);
		if (t >= 0 && (next < 0 || t < next)) {
			next = t;
		}
	}
	return next;
}

static void *
worker_main(void *arg)
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
		while (p->head == NULL && !p->stopping) {
			double next = worker_next_timer(w);
			if (next < 0) {
				pthread_cond_wait(&p->cv_work, &p->mu);
				continue;
			}
			double wait = next - ssrd__now_ms();
			if (wait <= 0) {
				break;
			}
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			long long ns = ts.tv_nsec + (long long) (wait * 1e6);
			ts.tv_sec += (time_t) (ns / 1000000000LL);
			ts.tv_nsec = (long) (ns % 1000000000LL);
			pthread_cond_timedwait(&p->cv_work, &p->mu, &ts);
		}
		ssrd_job *job = p->head;
		if (job != NULL) {
			p->head = job->next;
			if (p->head == NULL) {
				p->tail = NULL;
			}
			p->queued--;
		}
		int stop = p->stopping && job == NULL;
		pthread_mutex_unlock(&p->mu);
		if (stop) {
			break;
		}
		if (job != NULL) {
			worker_render(w, job);
			job->done(job, job->arg);
		}
		for (size_t i = 0; i < p->nsites; i++) {
			ssrd__sitectx_fire_timers(&w->slots[i]);
		}
		ssrd__isolate_pump(w->iso);
	}
	for (size_t i = 0; w->slots != NULL && i < p->nsites; i++) {
		ssrd__sitectx_close(&w->slots[i]);
	}
	free(w->slots);
	w->slots = NULL;
	ssrd__sitectx_close(&w->transient);
	ssrd__context_free(w->warm);
	ssrd__isolate_free(w->iso);
	w->iso = NULL;
	return NULL;
}

/* ---- pool ---- */

int
ssrd__pool_start(const ssrd_pool_opts *opts, const ssrd_bundle *base,
    ssrd_site *const *sites, size_t nsites, ssrd_pool **out, char *errbuf,
    size_t errlen)
{
	ssrd_pool *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		return SSRD_ENOMEM;
	}
	p->workers = calloc((size_t) opts->workers, sizeof(struct worker));
	p->sites   = calloc(nsites, sizeof(ssrd_site *));
	if (p->workers == NULL || p->sites == NULL || nsites == 0) {
		free(p->workers);
		free(p->sites);
		free(p);
		return nsites == 0 ? SSRD_EINVAL : SSRD_ENOMEM;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv_work, &ca);
	pthread_cond_init(&p->cv_start, NULL);
	pthread_condattr_destroy(&ca);
	p->queue_max = opts->queue_max;
	p->base      = base;
	for (size_t i = 0; i < nsites; i++) {
		p->sites[i] = ssrd__site_ref(sites[i]);
	}
	p->nsites    = nsites;
	p->iso_opts  = opts->isolate;
	p->isolation = opts->isolation;

	int rv = SSRD_OK;
	for (long i = 0; i < opts->workers; i++) {
		struct worker *w = &p->workers[i];
		w->pool          = p;
		w->index         = (int) i;
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
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
			pthread_cond_wait(&p->cv_start, &p->mu);
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

int
ssrd__pool_submit(ssrd_pool *p, ssrd_job *job)
{
	pthread_mutex_lock(&p->mu);
	if (p->stopping) {
		pthread_mutex_unlock(&p->mu);
		return SSRD_ECLOSED;
	}
	if (p->queued >= p->queue_max) {
		pthread_mutex_unlock(&p->mu);
		return SSRD_EOVERLOAD;
	}
	job->next        = NULL;
	job->enqueued_ms = ssrd__now_ms();
	if (p->tail != NULL) {
		p->tail->next = job;
	} else {
		p->head = job;
	}
	p->tail = job;
	p->queued++;
	pthread_cond_signal(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
	return SSRD_OK;
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

long
ssrd__pool_workers(const ssrd_pool *p)
{
	return p->nworkers;
}

void
ssrd__pool_stop(ssrd_pool *p)
{
	if (p == NULL) {
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->stopping   = 1;
	ssrd_job *job = p->head;
	p->head = p->tail = NULL;
	p->queued         = 0;
	pthread_cond_broadcast(&p->cv_work);
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
	for (size_t i = 0; i < p->nsites; i++) {
		ssrd__site_unref(p->sites[i]);
	}
	free(p->sites);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv_work);
	pthread_cond_destroy(&p->cv_start);
	free(p->workers);
	free(p);
}
