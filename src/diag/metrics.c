/* metrics.c: the Prometheus exposition of what diagnose shows: render counts
 * and latency histograms by route and outcome, time per phase, heap gauges,
 * cache counters, the queue. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "core/cachestats.h"
#include "diag/diagnose.h"
#include "diag/stats.h"

/* A label value: \ " and newline escaped. */
static void
label(ssrd_strbuf *b, const char *name, const char *value)
{
	ssrd__strbuf_printf(b, "%s=\"", name);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"') {
			ssrd__strbuf_printf(b, "\\%c", *p);
		} else if (*p == '\n') {
			ssrd__strbuf_puts(b, "\\n");
		} else {
			ssrd__strbuf_append(b, p, 1);
		}
	}
	ssrd__strbuf_puts(b, "\"");
}

static void
route_labels(ssrd_strbuf *b, const ssrd_route_stats *rs)
{
	label(b, "site", rs->site);
	ssrd__strbuf_puts(b, ",");
	label(b, "route", rs->route);
	ssrd__strbuf_puts(b, ",");
	label(b, "outcome", rs->outcome);
}

/* The exported buckets, s: 1, 2.5 and 5 of each decade from 10 us to 50 s,
 * all of them bounds of the table's finer histogram. */
static int
exported(double ms)
{
	if (ms < 0.01 || ms > 50000) {
		return 0;
	}
	double m = ms;
	while (m >= 10) {
		m /= 10;
	}
	while (m < 1) {
		m *= 10;
	}
	return (m > 0.999 && m < 1.001) || (m > 2.499 && m < 2.501)
	    || (m > 4.999 && m < 5.001);
}

static void
duration_histogram(const ssrd_route_stats *rs, void *arg)
{
	ssrd_strbuf     *b      = arg;
	const ssrd_hist *h      = &rs->phase[SSRD_PHASE_TOTAL];
	const double    *bounds = ssrd__hist_bounds();
	uint64_t         cum    = 0;
	for (int i = 0; i < SSRD_HIST_BUCKETS - 1; i++) {
		cum += h->b[i];
		if (!exported(bounds[i])) {
			continue;
		}
		ssrd__strbuf_puts(b, "ssrd_render_duration_seconds_bucket{");
		route_labels(b, rs);
		ssrd__strbuf_printf(b, ",le=\"%g\"} %llu\n", bounds[i] / 1000,
		    (unsigned long long) cum);
	}
	ssrd__strbuf_puts(b, "ssrd_render_duration_seconds_bucket{");
	route_labels(b, rs);
	ssrd__strbuf_printf(
	    b, ",le=\"+Inf\"} %llu\n", (unsigned long long) h->n);
	ssrd__strbuf_puts(b, "ssrd_render_duration_seconds_sum{");
	route_labels(b, rs);
	ssrd__strbuf_printf(b, "} %.6f\n", h->sum / 1000);
	ssrd__strbuf_puts(b, "ssrd_render_duration_seconds_count{");
	route_labels(b, rs);
	ssrd__strbuf_printf(b, "} %llu\n", (unsigned long long) h->n);
}

static void
phase_sums(const ssrd_route_stats *rs, void *arg)
{
	ssrd_strbuf *b = arg;
	for (int p = 0; p < SSRD_PHASE_TOTAL; p++) {
		ssrd__strbuf_puts(b, "ssrd_render_phase_seconds_total{");
		route_labels(b, rs);
		ssrd__strbuf_printf(b, ",phase=\"%s\"} %.6f\n",
		    ssrd__phase_name(p), rs->phase[p].sum / 1000);
	}
}

static void
help(ssrd_strbuf *b, const char *name, const char *type, const char *text)
{
	ssrd__strbuf_printf(
	    b, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

static void
workers(const ssrd_diagnose_src *src, ssrd_strbuf *b)
{
	long n = ssrd__pool_workers(src->pool);
	static const struct {
		const char *name, *type, *help;
	} m[] = {
		{ "ssrd_worker_renders_total", "counter",
		    "Renders a worker completed." },
		{ "ssrd_worker_recycles_total", "counter",
		    "Isolates a worker replaced." },
		{ "ssrd_worker_timeouts_total", "counter",
		    "JavaScript the watchdog stopped." },
		{ "ssrd_worker_heap_limits_total", "counter",
		    "Renders stopped at the heap limit." },
		{ "ssrd_worker_inflight", "gauge", "Renders in flight." },
		{ "ssrd_heap_used_bytes", "gauge", "V8 heap used." },
		{ "ssrd_heap_total_bytes", "gauge", "V8 heap reserved." },
		{ "ssrd_heap_limit_bytes", "gauge", "V8 heap limit." },
		{ "ssrd_heap_external_bytes", "gauge",
		    "Memory outside the heap held by JavaScript objects." },
		{ "ssrd_heap_contexts", "gauge", "Native contexts." },
		{ "ssrd_heap_detached_contexts", "gauge",
		    "Contexts closed but not yet collected." },
		{ "ssrd_gc_total", "counter",
		    "Garbage collections of the worker's isolate." },
		{ "ssrd_gc_pause_seconds_total", "counter",
		    "Time JavaScript was paused by garbage collection." },
	};
	ssrd_worker_stats *st = calloc((size_t) n + 1, sizeof(*st));
	if (st == NULL) {
		return;
	}
	for (long i = 0; i < n; i++) {
		ssrd__pool_worker_stats(src->pool, i, &st[i]);
	}
	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		help(b, m[k].name, m[k].type, m[k].help);
		for (long i = 0; i < n; i++) {
			const ssrd_heap_stats *h   = &st[i].heap;
			double                 v[] = { (double) st[i].renders,
				                (double) st[i].recycles,
				                (double) st[i].timeouts,
				                (double) st[i].heap_limits,
				                (double) st[i].inflight, (double) h->used,
				                (double) h->total, (double) h->limit,
				                (double) h->external,
				                (double) h->native_contexts,
				                (double) h->detached_contexts,
				                (double) h->gc_count, h->gc_total_ms / 1000 };
			ssrd__strbuf_printf(b, "%s{worker=\"%ld\"} %.15g\n",
			    m[k].name, i, v[k]);
		}
	}
	free(st);
}

static void
caches(const ssrd_diagnose_src *src, ssrd_strbuf *b)
{
	ssrd_cachestats cs;
	ssrd__cachestats_get(&cs);
	help(b, "ssrd_layer_cache_lookups_total", "counter",
	    "Layer look-ups by layer, cache level (memory: a warm context or "
	    "a loaded page; disk: a built bundle; compile: V8's code cache) "
	    "and result.");
	for (int k = 0; k < SSRD_LAYER_KINDS; k++) {
		for (int l = 0; l < SSRD_LEVELS; l++) {
			for (int s = 0; s < SSRD_CACHE_STATES; s++) {
				ssrd__strbuf_printf(b,
				    "ssrd_layer_cache_lookups_total{layer=\"%"
				    "s\","
				    "level=\"%s\",result=\"%s\"} %lu\n",
				    ssrd__layer_kind_name(k),
				    ssrd__cache_level_name(l),
				    ssrd__cache_state_name(s), cs.n[k][l][s]);
			}
		}
	}
	help(b, "ssrd_layer_bytes", "gauge",
	    "Layer code and V8 code cache held in memory.");
	for (int k = 0; k < SSRD_LAYER_KINDS; k++) {
		ssrd__strbuf_printf(b,
		    "ssrd_layer_bytes{layer=\"%s\",part=\"code\"} %ld\n"
		    "ssrd_layer_bytes{layer=\"%s\",part=\"code_cache\"} %ld\n",
		    ssrd__layer_kind_name(k), cs.code_bytes[k],
		    ssrd__layer_kind_name(k), cs.code_cache_bytes[k]);
	}
	if (src->respcache == NULL) {
		return;
	}
	ssrd_respcache_stats st;
	ssrd__respcache_stats(src->respcache, &st);
	help(b, "ssrd_response_cache_lookups_total", "counter",
	    "Response cache look-ups by result.");
	ssrd__strbuf_printf(b,
	    "ssrd_response_cache_lookups_total{result=\"hit\"} %lu\n"
	    "ssrd_response_cache_lookups_total{result=\"stale\"} %lu\n"
	    "ssrd_response_cache_lookups_total{result=\"miss\"} %lu\n",
	    st.hits, st.stale, st.misses);
	help(b, "ssrd_response_cache_evictions_total", "counter",
	    "Pages evicted to stay within cache_mb.");
	ssrd__strbuf_printf(
	    b, "ssrd_response_cache_evictions_total %lu\n", st.evictions);
	help(b, "ssrd_response_cache_entries", "gauge", "Pages cached.");
	ssrd__strbuf_printf(b, "ssrd_response_cache_entries %zu\n", st.entries);
	help(b, "ssrd_response_cache_bytes", "gauge",
	    "Bytes of cached pages (identity and gzip).");
	ssrd__strbuf_printf(b, "ssrd_response_cache_bytes %zu\n", st.bytes);
}

void
ssrd__metrics(const ssrd_diagnose_src *src, ssrd_strbuf *b)
{
	size_t queued, queue_max;
	ssrd__pool_queue(src->pool, &queued, &queue_max);
	help(b, "ssrd_render_duration_seconds", "histogram",
	    "Renders by site, route and outcome, from the request's arrival "
	    "to its last byte handed to the transport.");
	ssrd__stats_each(duration_histogram, b);
	help(b, "ssrd_render_phase_seconds_total", "counter",
	    "Time spent in each phase of a render (queue, context, shell, "
	    "delta, render, drain).");
	ssrd__stats_each(phase_sums, b);
	help(b, "ssrd_queue_depth", "gauge", "Renders waiting for a worker.");
	ssrd__strbuf_printf(b, "ssrd_queue_depth %zu\n", queued);
	help(b, "ssrd_queue_max", "gauge", "The queue's bound (queue_max).");
	ssrd__strbuf_printf(b, "ssrd_queue_max %zu\n", queue_max);
	workers(src, b);
	caches(src, b);
}
