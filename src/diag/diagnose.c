/* diagnose.c: the state `ssrd diagnose` shows, gathered from the pool's
 * counters, each worker's last published heap figures (no worker is
 * interrupted to answer), the render table and the cache counters. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <ssrd/version.h>

#include "core/cachestats.h"
#include "core/timers.h"
#include "diag/diagnose.h"
#include "diag/stats.h"
#include "engine/engine.h"

static double
mib(size_t bytes)
{
	return (double) bytes / 1048576.0;
}

/* ---- workers ---- */

static void
gc_json(ssrd_strbuf *b, const ssrd_heap_stats *h)
{
	ssrd__strbuf_printf(b,
	    ",\"gc\":{\"count\":%lu,\"total_ms\":%.3f,\"max_ms\":%.3f,"
	    "\"last\":[",
	    h->gc_count, h->gc_total_ms, h->gc_max_ms);
	for (int i = 0; i < h->gc_last_n; i++) {
		ssrd__strbuf_printf(b, "%s{\"kind\":\"%c\",\"ms\":%.3f}",
		    i ? "," : "", h->gc_last_kind[i], h->gc_last_ms[i]);
	}
	ssrd__strbuf_puts(b, "]}");
}

static void
worker_json(ssrd_strbuf *b, long i, const ssrd_worker_stats *st)
{
	const ssrd_heap_stats *h = &st->heap;
	ssrd__strbuf_printf(b,
	    "%s{\"worker\":%ld,\"inflight\":%d,\"renders\":%lu,"
	    "\"recycles\":%lu,\"timeouts\":%lu,\"heap_limits\":%lu,"
	    "\"heap\":{\"used\":%zu,\"total\":%zu,\"limit\":%zu,"
	    "\"external\":%zu,\"malloced\":%zu,\"contexts\":%zu,"
	    "\"detached_contexts\":%zu}",
	    i ? "," : "", i, st->inflight, st->renders, st->recycles,
	    st->timeouts, st->heap_limits, h->used, h->total, h->limit,
	    h->external, h->malloced, h->native_contexts, h->detached_contexts);
	gc_json(b, h);
	ssrd__strbuf_puts(b, "}");
}

static void
worker_text(ssrd_strbuf *b, long i, const ssrd_worker_stats *st)
{
	const ssrd_heap_stats *h = &st->heap;
	ssrd__strbuf_printf(b,
	    "  %-3ld %8d %9lu %8lu %8lu %6lu   %6.1f / %6.1f / %6.0f  %6.1f "
	    "%6.1f %5zu %5zu\n",
	    i, st->inflight, st->renders, st->recycles, st->timeouts,
	    st->heap_limits, mib(h->used), mib(h->total), mib(h->limit),
	    mib(h->external), mib(h->malloced), h->native_contexts,
	    h->detached_contexts);
}

static void
gc_text(ssrd_strbuf *b, long i, const ssrd_heap_stats *h)
{
	ssrd__strbuf_printf(b, "  %-3ld %8lu %9.1f %7.2f   ", i, h->gc_count,
	    h->gc_total_ms, h->gc_max_ms);
	for (int k = 0; k < h->gc_last_n; k++) {
		ssrd__strbuf_printf(
		    b, " %c %.2f", h->gc_last_kind[k], h->gc_last_ms[k]);
	}
	ssrd__strbuf_puts(b, "\n");
}

/* ---- renders by route ---- */

struct route_walk {
	ssrd_strbuf *b;
	int          text, n;
};

static void
route_json(const ssrd_route_stats *rs, void *arg)
{
	struct route_walk *w = arg;
	ssrd__strbuf_puts(w->b, w->n++ ? ",{\"site\":" : "{\"site\":");
	ssrd__strbuf_json_string(w->b, rs->site, strlen(rs->site));
	ssrd__strbuf_puts(w->b, ",\"route\":");
	ssrd__strbuf_json_string(w->b, rs->route, strlen(rs->route));
	ssrd__strbuf_printf(w->b, ",\"outcome\":\"%s\",\"count\":%llu",
	    rs->outcome, (unsigned long long) rs->phase[0].n);
	for (int p = 0; p < SSRD_PHASES; p++) {
		const ssrd_hist *h = &rs->phase[p];
		ssrd__strbuf_printf(w->b,
		    ",\"%s_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f,"
		    "\"mean\":%.3f}",
		    ssrd__phase_name(p), ssrd__hist_quantile(h, 0.5),
		    ssrd__hist_quantile(h, 0.99), h->max,
		    h->n ? h->sum / (double) h->n : 0);
	}
	ssrd__strbuf_puts(w->b, "}");
}

static void
route_text(const ssrd_route_stats *rs, void *arg)
{
	struct route_walk *w = arg;
	char               name[160];
	snprintf(name, sizeof(name), "%s %s", rs->route, rs->outcome);
	ssrd__strbuf_printf(
	    w->b, "  %-28s %7llu", name, (unsigned long long) rs->phase[0].n);
	for (int p = 0; p < SSRD_PHASES; p++) {
		ssrd__strbuf_printf(w->b, " %6.2f/%-7.2f",
		    ssrd__hist_quantile(&rs->phase[p], 0.5),
		    ssrd__hist_quantile(&rs->phase[p], 0.99));
	}
	ssrd__strbuf_puts(w->b, "\n");
	w->n++;
}

/* ---- caches ---- */

static void
caches_json(ssrd_strbuf *b, ssrd_respcache *rc)
{
	ssrd_cachestats cs;
	ssrd__cachestats_get(&cs);
	ssrd__strbuf_puts(b, ",\"layers\":{");
	for (int k = 0; k < SSRD_LAYER_KINDS; k++) {
		ssrd__strbuf_printf(b,
		    "%s\"%s\":{\"code_bytes\":%ld,\"code_cache_bytes\":%ld",
		    k ? "," : "", ssrd__layer_kind_name(k), cs.code_bytes[k],
		    cs.code_cache_bytes[k]);
		for (int l = 0; l < SSRD_LEVELS; l++) {
			ssrd__strbuf_printf(b,
			    ",\"%s\":{\"hit\":%lu,\"miss\":%lu,\"stale\":%lu}",
			    ssrd__cache_level_name(l),
			    cs.n[k][l][SSRD_CACHE_HIT],
			    cs.n[k][l][SSRD_CACHE_MISS],
			    cs.n[k][l][SSRD_CACHE_STALE]);
		}
		ssrd__strbuf_puts(b, "}");
	}
	ssrd__strbuf_puts(b, "},\"response_cache\":");
	if (rc == NULL) {
		ssrd__strbuf_puts(b, "null");
		return;
	}
	ssrd_respcache_stats st;
	ssrd__respcache_stats(rc, &st);
	ssrd__strbuf_printf(b,
	    "{\"entries\":%zu,\"bytes\":%zu,\"hits\":%lu,\"stale\":%lu,"
	    "\"misses\":%lu,\"evictions\":%lu}",
	    st.entries, st.bytes, st.hits, st.stale, st.misses, st.evictions);
}

static void
caches_text(ssrd_strbuf *b, ssrd_respcache *rc)
{
	ssrd_cachestats cs;
	ssrd__cachestats_get(&cs);
	ssrd__strbuf_puts(b,
	    "\nlayer caches   in memory: code KiB  code cache KiB   "
	    "hit/miss/stale: memory          disk               compile\n");
	for (int k = 0; k < SSRD_LAYER_KINDS; k++) {
		ssrd__strbuf_printf(b, "  %-10s %16.0f %15.0f  ",
		    ssrd__layer_kind_name(k), cs.code_bytes[k] / 1024.0,
		    cs.code_cache_bytes[k] / 1024.0);
		for (int l = 0; l < SSRD_LEVELS; l++) {
			char cell[64];
			snprintf(cell, sizeof(cell), "%lu/%lu/%lu",
			    cs.n[k][l][SSRD_CACHE_HIT],
			    cs.n[k][l][SSRD_CACHE_MISS],
			    cs.n[k][l][SSRD_CACHE_STALE]);
			ssrd__strbuf_printf(b, " %18s", cell);
		}
		ssrd__strbuf_puts(b, "\n");
	}
	if (rc == NULL) {
		ssrd__strbuf_puts(b, "\nresponse cache: off\n");
		return;
	}
	ssrd_respcache_stats st;
	ssrd__respcache_stats(rc, &st);
	ssrd__strbuf_printf(b,
	    "\nresponse cache: %zu pages, %.1f MiB; %lu hits, %lu stale, "
	    "%lu misses, %lu evicted\n",
	    st.entries, mib(st.bytes), st.hits, st.stale, st.misses,
	    st.evictions);
}

void
ssrd__diagnose(const ssrd_diagnose_src *src, int text, ssrd_strbuf *b)
{
	long   n = ssrd__pool_workers(src->pool);
	size_t queued, queue_max;
	ssrd__pool_queue(src->pool, &queued, &queue_max);
	double             uptime = (ssrd__now_ms() - src->started_ms) / 1000.0;
	ssrd_worker_stats *st     = calloc((size_t) n + 1, sizeof(*st));
	if (st == NULL) {
		ssrd__strbuf_puts(b, text ? "out of memory\n" : "{}\n");
		return;
	}
	for (long i = 0; i < n; i++) {
		ssrd__pool_worker_stats(src->pool, i, &st[i]);
	}
	struct route_walk w = { b, text, 0 };
	if (text) {
		ssrd__strbuf_printf(b,
		    "ssrd %s, V8 %s, up %.0f s\nconfig: %s\nqueue: %zu waiting "
		    "(at most %zu)\n\nworkers  in flight  renders recycles "
		    "timeouts heap_limits  heap MiB used / total / limit  "
		    "ext MiB malloc MiB contexts detached\n",
		    ssrd_version(), ssrd__engine_v8_version(), uptime,
		    src->config, queued, queue_max);
		for (long i = 0; i < n; i++) {
			worker_text(b, i, &st[i]);
		}
		ssrd__strbuf_puts(b,
		    "\ngc       count  total ms  max ms    last pauses, newest "
		    "first, ms (s scavenge, m mark-compact, i incremental)\n");
		for (long i = 0; i < n; i++) {
			gc_text(b, i, &st[i].heap);
		}
		ssrd__strbuf_printf(
		    b, "\n%-30s %7s", "renders, ms p50/p99", "count");
		for (int p = 0; p < SSRD_PHASES; p++) {
			ssrd__strbuf_printf(b, " %-14s", ssrd__phase_name(p));
		}
		ssrd__strbuf_puts(b, "\n");
		ssrd__stats_each(route_text, &w);
		if (w.n == 0) {
			ssrd__strbuf_puts(b, "  (none yet)\n");
		}
		caches_text(b, src->respcache);
	} else {
		ssrd__strbuf_printf(b,
		    "{\"version\":\"%s\",\"v8\":\"%s\",\"uptime_s\":%.3f,"
		    "\"config\":%s,\"queue\":{\"waiting\":%zu,\"max\":%zu},"
		    "\"workers\":[",
		    ssrd_version(), ssrd__engine_v8_version(), uptime,
		    src->config, queued, queue_max);
		for (long i = 0; i < n; i++) {
			worker_json(b, i, &st[i]);
		}
		ssrd__strbuf_puts(b, "],\"routes\":[");
		ssrd__stats_each(route_json, &w);
		ssrd__strbuf_puts(b, "]");
		caches_json(b, src->respcache);
		ssrd__strbuf_puts(b, "}\n");
	}
	free(st);
}
