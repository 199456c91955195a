/* diagnose.c: the state `ssrd diagnose` shows, gathered from the pool's
 * counters and each worker's last published heap figures (no worker is
 * interrupted to answer). */
#define _GNU_SOURCE
#include <stdlib.h>

#include <ssrd/version.h>

#include "diagnose.h"
#include "engine/engine.h"
#include "timers.h"

static double
mib(size_t bytes)
{
	return (double) bytes / 1048576.0;
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
	    "\"detached_contexts\":%zu}}",
	    i ? "," : "", i, st->inflight, st->renders, st->recycles,
	    st->timeouts, st->heap_limits, h->used, h->total, h->limit,
	    h->external, h->malloced, h->native_contexts,
	    h->detached_contexts);
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

void
ssrd__diagnose(const ssrd_diagnose_src *src, int text, ssrd_strbuf *b)
{
	long   n = ssrd__pool_workers(src->pool);
	size_t queued, queue_max;
	ssrd__pool_queue(src->pool, &queued, &queue_max);
	double uptime = (ssrd__now_ms() - src->started_ms) / 1000.0;
	if (text) {
		ssrd__strbuf_printf(b,
		    "ssrd %s, V8 %s, up %.0f s\nconfig: %s\nqueue: %zu waiting "
		    "(at most %zu)\n\nworkers  in flight  renders recycles "
		    "timeouts heap_limits  heap MiB used / total / limit  "
		    "ext MiB malloc MiB contexts detached\n",
		    ssrd_version(), ssrd__engine_v8_version(), uptime,
		    src->config, queued, queue_max);
	} else {
		ssrd__strbuf_printf(b,
		    "{\"version\":\"%s\",\"v8\":\"%s\",\"uptime_s\":%.3f,"
		    "\"config\":%s,\"queue\":{\"waiting\":%zu,\"max\":%zu},"
		    "\"workers\":[",
		    ssrd_version(), ssrd__engine_v8_version(), uptime,
		    src->config, queued, queue_max);
	}
	for (long i = 0; i < n; i++) {
		ssrd_worker_stats st;
		ssrd__pool_worker_stats(src->pool, i, &st);
		if (text) {
			worker_text(b, i, &st);
		} else {
			worker_json(b, i, &st);
		}
	}
	ssrd__strbuf_puts(b, text ? "" : "]}\n");
}
