/* stats.c: the per-route render table behind diagnose and /metrics. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/log.h"
#include "core/timers.h"
#include "diag/stats.h"

/* Rows past this many (a site with thousands of routes, each failing in
 * several ways) are counted under one "(other)" row: memory stays bounded. */
#define MAX_ROWS 2048

static const char *const phase_names[SSRD_PHASES]
    = { "queue", "context", "shell", "delta", "render", "drain", "total" };

static pthread_mutex_t   mu = PTHREAD_MUTEX_INITIALIZER;
static ssrd_route_stats *rows, **rows_tail = &rows;
static size_t            nrows;
static atomic_int        log_level = SSRD_LOG_DEBUG;

static double         bounds[SSRD_HIST_BUCKETS];
static pthread_once_t bounds_once = PTHREAD_ONCE_INIT;

static void
bounds_init(void)
{
	static const double mant[] = { 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8 };
	double              decade = 0.001;
	for (int i = 0; i < SSRD_HIST_BUCKETS - 1; i++) {
		bounds[i] = mant[i % 10] * decade;
		if (i % 10 == 9) {
			decade *= 10;
		}
	}
	bounds[SSRD_HIST_BUCKETS - 1] = 1e300;
}

const double *
ssrd__hist_bounds(void)
{
	pthread_once(&bounds_once, bounds_init);
	return bounds;
}

const char *
ssrd__phase_name(int phase)
{
	return phase >= 0 && phase < SSRD_PHASES ? phase_names[phase] : "?";
}

static void
hist_add(ssrd_hist *h, double ms)
{
	const double *b  = ssrd__hist_bounds();
	int           lo = 0, hi = SSRD_HIST_BUCKETS - 1;
	while (lo < hi) { /* the first bound >= ms */
		int mid = (lo + hi) / 2;
		if (b[mid] >= ms) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	h->b[lo]++;
	h->n++;
	h->sum += ms;
	if (ms > h->max) {
		h->max = ms;
	}
}

double
ssrd__hist_quantile(const ssrd_hist *h, double q)
{
	if (h->n == 0) {
		return 0;
	}
	const double *b    = ssrd__hist_bounds();
	double        rank = q * (double) h->n, seen = 0;
	for (int i = 0; i < SSRD_HIST_BUCKETS; i++) {
		if (h->b[i] == 0 || seen + (double) h->b[i] < rank) {
			seen += (double) h->b[i];
			continue;
		}
		double lo = i ? b[i - 1] : 0;
		double hi = i < SSRD_HIST_BUCKETS - 1 ? b[i] : h->max;
		if (hi > h->max) {
			hi = h->max; /* no value above the largest seen */
		}
		if (lo > hi) {
			lo = hi;
		}
		return lo + (hi - lo) * (rank - seen) / (double) h->b[i];
	}
	return h->max;
}

static const char *
outcome_of(const ssrd_job *job)
{
	if (job->err != SSRD_OK) {
		return ssrd_err_name(job->err);
	}
	return job->status == 404 ? "not_found" : "ok";
}

static void
names(ssrd_render_rec *r, const ssrd_site *site, size_t route, const char *path)
{
	const char *slash = site ? strrchr(site->root, '/') : NULL;
	snprintf(r->site, sizeof(r->site), "%s",
	    slash      ? slash + 1
	        : site ? site->root
	               : "");
	snprintf(r->route, sizeof(r->route), "%s",
	    site && route < site->routes.n ? site->routes.v[route].pattern
	                                   : "(none)");
	snprintf(r->path, sizeof(r->path), "%s", path ? path : "");
}

void
ssrd__render_rec_job(
    ssrd_render_rec *r, const ssrd_job *job, const char *transport)
{
	memset(r, 0, sizeof(*r));
	names(r, job->site, job->route, job->path);
	r->outcome              = outcome_of(job);
	r->transport            = transport;
	r->id                   = job->id;
	r->worker               = job->worker;
	r->done_ms              = job->done_ms ? job->done_ms : ssrd__now_ms();
	r->ms[SSRD_PHASE_QUEUE] = job->queue_ms;
	r->ms[SSRD_PHASE_CONTEXT] = job->context_ms;
	r->ms[SSRD_PHASE_SHELL]   = job->shell_ms;
	r->ms[SSRD_PHASE_DELTA]   = job->delta_ms;
	double react
	    = job->render_ms - job->context_ms - job->shell_ms - job->delta_ms;
	r->ms[SSRD_PHASE_RENDER] = react > 0 ? react : 0;
	r->ms[SSRD_PHASE_DRAIN]  = -1; /* unknown until finished */
}

void
ssrd__render_rec_cached(ssrd_render_rec *r, const ssrd_site *site, size_t route,
    const char *path, const char *outcome, double since_ms)
{
	memset(r, 0, sizeof(*r));
	names(r, site, route, path);
	r->outcome              = outcome;
	r->transport            = "http";
	r->worker               = -1;
	r->ms[SSRD_PHASE_DRAIN] = -1; /* the reply's time, when finished */
	r->done_ms              = since_ms;
}

/* The row for r's names (mu held), made if new; NULL for want of memory. */
static ssrd_route_stats *
row_for(const ssrd_render_rec *r)
{
	const char *site = r->site, *route = r->route;
	for (int pass = 0; pass < 2; pass++) {
		for (ssrd_route_stats *s = rows; s != NULL; s = s->next) {
			if (strcmp(s->route, route) == 0
			    && strcmp(s->outcome, r->outcome) == 0
			    && strcmp(s->site, site) == 0) {
				return s;
			}
		}
		if (nrows < MAX_ROWS || pass == 1) {
			break;
		}
		site  = "*";
		route = "(other)";
	}
	ssrd_route_stats *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		return NULL;
	}
	snprintf(s->site, sizeof(s->site), "%s", site);
	snprintf(s->route, sizeof(s->route), "%s", route);
	snprintf(s->outcome, sizeof(s->outcome), "%s", r->outcome);
	*rows_tail = s;
	rows_tail  = &s->next;
	nrows++;
	return s;
}

void
ssrd__stats_finish(ssrd_render_rec *r)
{
	if (r->ms[SSRD_PHASE_DRAIN] < 0) {
		double d                = ssrd__now_ms() - r->done_ms;
		r->ms[SSRD_PHASE_DRAIN] = d > 0 ? d : 0;
	}
	double total = 0;
	for (int i = 0; i < SSRD_PHASE_TOTAL; i++) {
		total += r->ms[i];
	}
	r->ms[SSRD_PHASE_TOTAL] = total;
	pthread_mutex_lock(&mu);
	ssrd_route_stats *s = row_for(r);
	for (int i = 0; s != NULL && i < SSRD_PHASES; i++) {
		hist_add(&s->phase[i], r->ms[i]);
	}
	pthread_mutex_unlock(&mu);

	int level = atomic_load(&log_level);
	if (ssrd__log_enabled(level)) {
		char *path  = ssrd__log_value(r->path, strlen(r->path));
		char *route = ssrd__log_value(r->route, strlen(r->route));
		ssrd__log(level, "timing",
		    "render=%llu site=%s route=%s path=%s outcome=%s "
		    "transport=%s worker=%d queue_ms=%.3f context_ms=%.3f "
		    "shell_ms=%.3f delta_ms=%.3f render_ms=%.3f drain_ms=%.3f "
		    "total_ms=%.3f",
		    (unsigned long long) r->id, r->site, route ? route : "\"\"",
		    path ? path : "\"\"", r->outcome, r->transport, r->worker,
		    r->ms[0], r->ms[1], r->ms[2], r->ms[3], r->ms[4], r->ms[5],
		    r->ms[6]);
		free(path);
		free(route);
	}
}

void
ssrd__stats_set_log_level(int level)
{
	atomic_store(&log_level, level);
}

void
ssrd__stats_each(void (*fn)(const ssrd_route_stats *rs, void *arg), void *arg)
{
	pthread_mutex_lock(&mu);
	for (const ssrd_route_stats *s = rows; s != NULL; s = s->next) {
		fn(s, arg);
	}
	pthread_mutex_unlock(&mu);
}

void
ssrd__stats_reset(void)
{
	pthread_mutex_lock(&mu);
	while (rows != NULL) {
		ssrd_route_stats *s = rows;
		rows                = s->next;
		free(s);
	}
	rows_tail = &rows;
	nrows     = 0;
	pthread_mutex_unlock(&mu);
}
