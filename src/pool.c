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
#include "timers.h"

/*
 * A worker. Everything in it but the fields under the pool's mutex belongs
 * to its thread: the isolate, the context and the timers are never touched
 * from anywhere else.
 */
struct worker {
	ssrd_pool    *pool;
	int           index;
	pthread_t     thread;
	ssrd_isolate *iso;
	ssrd_context *ctx; /* NULL between renders with request isolation */
	ssrd_context
	          *warm; /* isolation = page: the context whose React renders */
	ssrd_site *ctx_site; /* the generation ctx was made for (a reference) */
	unsigned char *loaded; /* per route of ctx_site: its delta is in ctx */
	ssrd_timers    timers;
	uint64_t       current_id; /* the render being run, for console lines */
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
	long               nalloc;   /* entries of workers[] */
	struct worker     *workers;
	const ssrd_bundle *base;
	ssrd_site *site; /* the generation workers boot with (a reference) */
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

/* ---- hooks from JavaScript (worker thread only) ---- */

static void
hook_console(void *arg, int level, const char *msg, size_t len)
{
	struct worker   *w = arg;
	static const int map[]
	    = { SSRD_LOG_DEBUG, SSRD_LOG_INFO, SSRD_LOG_WARN, SSRD_LOG_ERROR };
	int lvl = level >= 0 && level <= 3 ? map[level] : SSRD_LOG_INFO;
	if (!ssrd__log_enabled(lvl)) {
		return;
	}
	char *q = ssrd__log_quote(msg, len);
	ssrd__log(lvl, "console", "render=%llu worker=%d msg=%s",
	    (unsigned long long) w->current_id, w->index, q ? q : "\"\"");
	free(q);
}

static void
hook_timer_start(void *arg, uint32_t id, double delay_ms)
{
	struct worker *w = arg;
	ssrd__timers_remove(
	    &w->timers, id); /* setInterval re-arms the same id */
	if (ssrd__timers_add(&w->timers, id, ssrd__now_ms() + delay_ms)
	    != SSRD_OK) {
		ssrd__log(SSRD_LOG_ERROR, "timer",
		    "worker=%d msg=\"out of memory scheduling a timer\"",
		    w->index);
	}
}

static void
hook_timer_stop(void *arg, uint32_t id)
{
	struct worker *w = arg;
	ssrd__timers_remove(&w->timers, id);
}

/* ---- worker ---- */

/* Formats err with every layer of site available for source mapping. */
static char *
format_error(struct worker *w, const ssrd_site *site, const ssrd_js_error *err)
{
	const ssrd_bundle **bundles
	    = malloc((site->routes.n + 2) * sizeof(*bundles));
	if (bundles == NULL) {
		return NULL;
	}
	bundles[0] = w->pool->base;
	bundles[1] = &site->shell;
	for (size_t i = 0; i < site->routes.n; i++) {
		bundles[i + 2] = &site->pages[i];
	}
	char *text = ssrd__bundle_format_error(
	    err, bundles, site->routes.n + 2, site->root);
	free(bundles);
	return text;
}

/* Drops the worker's context and the site generation it was made for. */
static void
worker_drop_context(struct worker *w)
{
	ssrd__context_free(w->ctx);
	w->ctx = NULL;
	ssrd__site_unref(w->ctx_site);
	w->ctx_site = NULL;
	free(w->loaded);
	w->loaded = NULL;
	ssrd__timers_free(&w->timers); /* its timers die with it */
}

/*
 * Makes w->ctx a context ready to render site: from the snapshot it already
 * holds the base, so only the shell is evaluated; else both. Page deltas
 * come later, each at its route's first render (worker_load_page). On
 * failure *msg says why and the worker has no context.
 */
static int
worker_context(struct worker *w, ssrd_site *site, char *msg, size_t msglen)
{
	ssrd_pool         *p   = w->pool;
	ssrd_js_error      err = { 0 };
	ssrd_context_hooks hooks
	    = { w, hook_console, hook_timer_start, hook_timer_stop };
	worker_drop_context(w);
	w->loaded = calloc(site->routes.n + 1, 1);
	int rv    = w->loaded == NULL ? SSRD_ENOMEM
	                              : ssrd__context_new(w->iso, &hooks, &w->ctx);
	if (rv != SSRD_OK) {
		snprintf(msg, msglen, "cannot create a V8 context");
		worker_drop_context(w);
		return rv;
	}
	w->ctx_site = ssrd__site_ref(site);
	/* isolation = page: this context's code renders on the warm context's
	 * React. */
	if (w->warm != NULL
	    && (ssrd__context_link(
	            w->ctx, "__ssrd_shared_modules", w->warm, "__ssrd_modules")
	            != SSRD_OK
	        || ssrd__context_link(w->ctx, "__ssrd_render_with", w->warm,
	               "__ssrd_render_with")
	            != SSRD_OK)) {
		snprintf(msg, msglen, "cannot link the worker's warm context");
		worker_drop_context(w);
		return SSRD_EENGINE;
	}
	const ssrd_bundle *layers[] = { p->base, &site->shell };
	for (size_t i = p->iso_opts.snapshot != NULL ? 1 : 0; i < 2; i++) {
		rv = ssrd__context_eval(w->ctx, layers[i]->code, layers[i]->len,
		    layers[i]->path, &err);
		if (rv != SSRD_OK) {
			char *text = format_error(w, site, &err);
			snprintf(msg, msglen, "evaluating %s failed: %s",
			    layers[i]->path, text ? text : "(out of memory)");
			free(text);
			ssrd__js_error_clear(&err);
			worker_drop_context(w);
			return rv;
		}
	}
	return SSRD_OK;
}

/* Creates the isolate and a first context: the warm state renders reuse (site
 * isolation), or proof that one can be made (request isolation). */
static int
worker_boot(struct worker *w)
{
	ssrd_pool *p  = w->pool;
	double     t0 = ssrd__now_ms();
	int        rv = ssrd__isolate_new(&p->iso_opts, &w->iso);
	double     t1 = ssrd__now_ms();
	if (rv != SSRD_OK) {
		snprintf(w->start_msg, sizeof(w->start_msg),
		    "cannot create a V8 isolate");
		return rv;
	}
	if ((rv = worker_context(
	         w, p->site, w->start_msg, sizeof(w->start_msg)))
	    != SSRD_OK) {
		return rv;
	}
	if (p->isolation == SSRD_ISOLATION_PAGE) {
		/* Renders make their own contexts; this one stays as the warm
		 * React they share, its exports frozen so no page can swap
		 * them. */
		char  *out = NULL;
		size_t n;
		rv = ssrd__context_call(
		    w->ctx, "__ssrd_freeze_shared", NULL, 0, &out, &n, NULL);
		free(out);
		if (rv != SSRD_OK) {
			snprintf(w->start_msg, sizeof(w->start_msg),
			    "cannot freeze React's exports");
			return rv;
		}
		w->warm = w->ctx;
		w->ctx  = NULL;
		ssrd__site_unref(w->ctx_site);
		w->ctx_site = NULL;
		free(w->loaded);
		w->loaded = NULL;
	} else if (p->isolation == SSRD_ISOLATION_REQUEST) {
		worker_drop_context(w); /* each render makes its own */
	}
	ssrd__log(SSRD_LOG_INFO, "worker_ready",
	    "worker=%d from_snapshot=%d isolation=%s isolate_ms=%.2f "
	    "context_and_eval_ms=%.2f",
	    w->index, p->iso_opts.snapshot != NULL,
	    ssrd__isolation_name(p->isolation), t1 - t0, ssrd__now_ms() - t1);
	return SSRD_OK;
}

/*
 * Evaluates the job's page delta in w->ctx (made for the job's site) unless
 * it already is. On failure returns the error and a malloc'd description in
 * *text.
 */
static int
worker_load_page(struct worker *w, const ssrd_job *job, char **text)
{
	const ssrd_site *site = job->site;
	const char      *why;
	if (w->loaded[job->route]) {
		return SSRD_OK;
	}
	const ssrd_bundle *page = ssrd__site_page(site, job->route, &why);
	if (page == NULL) {
		*text = strdup(why); /* esbuild's message: file, line, column */
		return SSRD_EBUILD;
	}
	ssrd_js_error err     = { 0 };
	char         *out     = NULL;
	size_t        n       = 0;
	ssrd_str      begin[] = { { page->map_dir, strlen(page->map_dir) },
		     { site->root, strlen(site->root) } };
	ssrd_str      end[]   = { { job->page_key, strlen(job->page_key) } };
	int           rv      = ssrd__context_call(
	                   w->ctx, "__ssrd_begin_page", begin, 2, &out, &n, &err);
	free(out);
	out = NULL;
	if (rv == SSRD_OK) {
		rv = ssrd__context_eval(
		    w->ctx, page->code, page->len, page->path, &err);
	}
	if (rv == SSRD_OK) {
		rv = ssrd__context_call(
		    w->ctx, "__ssrd_end_page", end, 1, &out, &n, &err);
		free(out);
	}
	if (rv == SSRD_EJS) {
		*text = format_error(w, site, &err);
	} else if (rv != SSRD_OK) {
		*text = strdup(ssrd_strerror(rv));
	} else {
		w->loaded[job->route] = 1;
	}
	ssrd__js_error_clear(&err);
	return rv;
}

static void
worker_render(struct worker *w, ssrd_job *job)
{
	ssrd_js_error err    = { 0 };
	double        t0     = ssrd__now_ms();
	ssrd_str      args[] = {
		     { job->page_key, strlen(job->page_key) },
		     { job->path, strlen(job->path) },
		     { job->params_json, strlen(job->params_json) },
		     { job->props_json, job->props_json ? job->props_len : 0 },
	};
	w->current_id = job->id;
	job->queue_ms = t0 - job->enqueued_ms;
	job->worker   = w->index;
	/* A context of the job's site generation: request isolation makes
	 * one per render; site isolation keeps one and replaces it when the
	 * site has been reloaded since. */
	if (w->pool->isolation != SSRD_ISOLATION_SITE || w->ctx == NULL
	    || w->ctx_site != job->site) {
		char msg[1024];
		if ((job->err = worker_context(w, job->site, msg, sizeof(msg)))
		    != SSRD_OK) {
			job->error_text = strdup(msg);
			w->current_id   = 0;
			return;
		}
	}
	job->err = worker_load_page(w, job, &job->error_text);
	if (job->err == SSRD_OK) {
		job->err = ssrd__context_call(w->ctx, "__ssrd_render", args, 4,
		    &job->html, &job->html_len, &err);
	}
	if (w->pool->isolation != SSRD_ISOLATION_SITE) {
		worker_drop_context(w);
	}
	job->render_ms = ssrd__now_ms() - t0;
	if (job->error_text != NULL) {
		/* already described, by worker_load_page */
	} else if (job->err == SSRD_EJS) {
		if (err.name != NULL
		    && strcmp(err.name, "BadPropsError") == 0) {
			/* The caller's mistake, not the page's: the reason
			 * alone, no stack. */
			const char *m  = err.message;
			size_t      nl = strlen(err.name);
			if (strncmp(m, err.name, nl) == 0
			    && strncmp(m + nl, ": ", 2) == 0) {
				m += nl + 2;
			}
			job->err        = SSRD_EBADPROPS;
			job->error_text = strdup(m);
		} else {
			job->error_text = format_error(w, job->site, &err);
		}
	} else if (job->err != SSRD_OK) {
		job->error_text = strdup(ssrd_strerror(job->err));
	}
	ssrd__js_error_clear(&err);
	w->current_id = 0;
}

static void
worker_fire_timers(struct worker *w)
{
	uint32_t ids[64];
	size_t   n;
	if (w->ctx == NULL) {
		return; /* request isolation between renders: no context, no
		           timers */
	}
	while ((n = ssrd__timers_pop_due(&w->timers, ssrd__now_ms(), ids, 64))
	    > 0) {
		ssrd__context_fire_timers(w->ctx, ids, n);
	}
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
			double next = ssrd__timers_next(&w->timers);
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
		worker_fire_timers(w);
		ssrd__isolate_pump(w->iso);
	}
	worker_drop_context(w);
	ssrd__context_free(w->warm);
	ssrd__isolate_free(w->iso);
	w->iso = NULL;
	return NULL;
}

/* ---- pool ---- */

int
ssrd__pool_start(const ssrd_pool_opts *opts, const ssrd_bundle *base,
    ssrd_site *site, ssrd_pool **out, char *errbuf, size_t errlen)
{
	ssrd_pool *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		return SSRD_ENOMEM;
	}
	p->workers = calloc((size_t) opts->workers, sizeof(struct worker));
	p->nalloc  = opts->workers;
	if (p->workers == NULL) {
		free(p);
		return SSRD_ENOMEM;
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
	p->site      = ssrd__site_ref(site);
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
	ssrd__site_unref(p->site);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv_work);
	pthread_cond_destroy(&p->cv_start);
	free(p->workers);
	free(p);
}
