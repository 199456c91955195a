/* stats.h: what renders took, by site, route and outcome: latency histograms
 * of each phase, for `ssrd diagnose`, /metrics and the timing log line. One
 * table per process, like the log; every function is thread-safe. */
#ifndef SSRD_STATS_H
#define SSRD_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "render/job.h"

/* The phases of a render, in ms. render is React's own part: the job's
 * render_ms less context, shell and delta. total is all of them. */
enum ssrd_phase {
	SSRD_PHASE_QUEUE,   /* waiting for a worker */
	SSRD_PHASE_CONTEXT, /* a new context (0 when the warm one served) */
	SSRD_PHASE_SHELL,   /* evaluating the site's shell in a new context */
	SSRD_PHASE_DELTA,   /* evaluating the page's delta, first time only */
	SSRD_PHASE_RENDER,  /* React, to the last byte */
	SSRD_PHASE_DRAIN,   /* from the last byte to the caller's transport */
	SSRD_PHASE_TOTAL,
	SSRD_PHASES
};

/* "queue", "context", ... */
const char *ssrd__phase_name(int phase);

/* Latency bounds, ms: 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8 in each decade
 * from 1 us to 100 s (about 15% apart: p50/p99 within that), and a last
 * bucket for what is slower. */
#define SSRD_HIST_BUCKETS 81

typedef struct ssrd_hist {
	uint64_t n;
	double   sum, max;
	uint64_t b[SSRD_HIST_BUCKETS]; /* b[i]: bound[i-1] < ms <= bound[i] */
} ssrd_hist;

/* The upper bounds of the buckets, ms (the last one is +Inf). */
const double *ssrd__hist_bounds(void);

/* The q-quantile (0..1) of h, interpolated within its bucket; 0 if empty. */
double ssrd__hist_quantile(const ssrd_hist *h, double q);

/* One row of the table. */
typedef struct ssrd_route_stats {
	char site[64];    /* the site directory's name */
	char route[128];  /* the route's pattern, "/products/:id" */
	char outcome[24]; /* "ok", "not_found", "cached", "stale", or the
	                     error's name ("timeout", ...) */
	ssrd_hist                phase[SSRD_PHASES];
	struct ssrd_route_stats *next; /* private */
} ssrd_route_stats;

/*
 * One render's figures, taken from its job when the worker is done with it
 * (the job may be freed after), and finished when the caller's transport
 * has the last byte.
 */
typedef struct ssrd_render_rec {
	char        site[64], route[128], path[160];
	const char *outcome;   /* static */
	const char *transport; /* "ipc", "http": for the log line */
	uint64_t    id;
	int         worker;
	double      ms[SSRD_PHASES];
	double      done_ms; /* ssrd__now_ms() when the worker finished */
} ssrd_render_rec;

/* Fills *r from a job its worker has finished (or one refused before it
 * ran: every phase 0). */
void ssrd__render_rec_job(
    ssrd_render_rec *r, const ssrd_job *job, const char *transport);

/* Fills *r for a reply that needed no render: outcome "cached" or "stale";
 * its time, counted as drain, runs from since_ms (the request's arrival) to
 * ssrd__stats_finish(). */
void ssrd__render_rec_cached(ssrd_render_rec *r, const ssrd_site *site,
    size_t route, const char *path, const char *outcome, double since_ms);

/* The reply's last byte is with the transport: sets drain (now - done_ms,
 * unless drain is already set) and total, adds r to the table and writes
 * the timing log line. */
void ssrd__stats_finish(ssrd_render_rec *r);

/* The level of the timing log line (SSRD_LOG_DEBUG by default; SSRD_LOG_OFF:
 * none). */
void ssrd__stats_set_log_level(int level);

/* Calls fn on every row, in the order they were first seen, holding the
 * table's lock: fn must not call into stats. */
void ssrd__stats_each(
    void (*fn)(const ssrd_route_stats *rs, void *arg), void *arg);

/* Forgets every row (tests). */
void ssrd__stats_reset(void);

#endif
