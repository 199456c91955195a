/* diagnose.c: the generators of the diagnose report, one per subsystem
 * (server, config, queue, workers and their GC, renders by route, layer
 * caches, the response cache), and the entry points that render it as text,
 * JSON (`ssrd diagnose`) or Prometheus's format (/metrics). Each generator
 * only reads published figures: no worker is interrupted to answer. */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>
#include <ssrd/version.h>

#include "core/cachestats.h"
#include "core/json.h"
#include "core/timers.h"
#include "diag/diagnose.h"
#include "diag/report.h"
#include "diag/stats.h"
#include "engine/engine.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Fields with a metric of one value: key, metric, help. */
#define COUNTER(k, m, h)                                                       \
	{                                                                      \
		.key = (k), .metric = (m), .type = "counter", .help = (h)      \
	}
#define GAUGE(k, m, h)                                                         \
	{                                                                      \
		.key = (k), .metric = (m), .type = "gauge", .help = (h)        \
	}
#define BYTES(k, m, h, f)                                                      \
	{                                                                      \
		.key = (k), .unit = SSRD_UNIT_BYTES, .flags = (f),             \
		.metric = (m), .type = "gauge", .help = (h)                    \
	}

/* ---- server ---- */

static const ssrd_col server_cols[] = {
	{ .key = "version" },
	{ .key = "v8" },
	{ .key = "uptime_s" },
};

static void
server(ssrd_report *r, const ssrd_diagnose_src *src)
{
	double        up = (ssrd__now_ms() - src->started_ms) / 1000.0;
	ssrd_section *s  = ssrd__report_section(r, "Server", NULL);
	ssrd__section_field(s, &server_cols[0], ssrd__rv_str(ssrd_version()));
	ssrd__section_field(
	    s, &server_cols[1], ssrd__rv_str(ssrd__engine_v8_version()));
	ssrd__section_field(s, &server_cols[2], ssrd__rv_num(up));
}

/* ---- config: src->config's members, one field each ---- */

static int
config_member(ssrd_json *j, const char *key, size_t keylen, void *arg)
{
	ssrd_section *s = arg;
	ssrd_col      c = { .key = key, .prec = 3 };
	(void) keylen;
	if (ssrd__json_peek(j) == '"') {
		char *v;
		if (ssrd__json_string_dup(j, &v, NULL) != SSRD_OK) {
			return SSRD_EINVAL;
		}
		ssrd__section_field(s, &c, ssrd__rv_str(v));
		free(v);
		return SSRD_OK;
	}
	/* a number, as an integer when it is one; else its JSON as is */
	ssrd_json at = *j;
	double    d;
	if (ssrd__json_number(&at, &d) == SSRD_OK && d == floor(d)
	    && fabs(d) < 1e15) {
		*j = at;
		ssrd__section_field(s, &c, ssrd__rv_int((int64_t) d));
		return SSRD_OK;
	}
	const char *from = j->p;
	if (ssrd__json_skip(j) != SSRD_OK) {
		return SSRD_EINVAL;
	}
	while (from < j->p && strchr(" \t\r\n", *from) != NULL) {
		from++;
	}
	char *raw = strndup(from, (size_t) (j->p - from));
	if (raw != NULL) {
		ssrd__section_field(s, &c, ssrd__rv_json(raw, NULL));
	}
	free(raw);
	return SSRD_OK;
}

static void
config(ssrd_report *r, const ssrd_diagnose_src *src)
{
	static const ssrd_col whole = { .key = "config" };
	ssrd_section         *s = ssrd__report_section(r, "Config", "config");
	ssrd_json             j, probe;
	ssrd__json_init(&j, src->config, strlen(src->config));
	probe = j;
	if (s == NULL) {
		return;
	}
	if (ssrd__json_peek(&probe) != '{' || ssrd__json_skip(&probe) != SSRD_OK
	    || ssrd__json_end(&probe) != SSRD_OK) {
		/* not a JSON object after all: shown whole, as a string */
		s->key = NULL;
		ssrd__section_field(s, &whole, ssrd__rv_str(src->config));
		return;
	}
	/* only running out of memory stops it now: fields are then missing */
	(void) ssrd__json_object(&j, config_member, s);
}

/* ---- the queue ---- */

static const ssrd_col queue_cols[] = {
	GAUGE("waiting", "ssrd_queue_depth", "Renders waiting for a worker."),
	GAUGE("max", "ssrd_queue_max", "The queue's bound (queue_max)."),
};

static void
queue(ssrd_report *r, const ssrd_diagnose_src *src)
{
	size_t n, most;
	ssrd__pool_queue(src->pool, &n, &most);
	ssrd_section *s = ssrd__report_section(r, "Queue", "queue");
	ssrd__section_field(s, &queue_cols[0], ssrd__rv_int((int64_t) n));
	ssrd__section_field(s, &queue_cols[1], ssrd__rv_int((int64_t) most));
}

/* ---- workers, their heaps and GC ---- */

static const ssrd_col worker_cols[] = {
	{ .key = "worker", .flags = SSRD_COL_LABEL },
	GAUGE("inflight", "ssrd_worker_inflight", "Renders in flight."),
	COUNTER("renders", "ssrd_worker_renders_total",
	    "Renders a worker completed."),
	COUNTER("recycles", "ssrd_worker_recycles_total",
	    "Isolates a worker replaced."),
	COUNTER("timeouts", "ssrd_worker_timeouts_total",
	    "JavaScript the watchdog stopped."),
	COUNTER("heap_limits", "ssrd_worker_heap_limits_total",
	    "Renders stopped at the heap limit."),
	BYTES("heap.used", "ssrd_heap_used_bytes", "V8 heap used.",
	    SSRD_COL_BREAK),
	BYTES("heap.total", "ssrd_heap_total_bytes", "V8 heap reserved.", 0),
	BYTES("heap.limit", "ssrd_heap_limit_bytes", "V8 heap limit.", 0),
	BYTES("heap.external", "ssrd_heap_external_bytes",
	    "Memory outside the heap held by JavaScript objects.", 0),
	BYTES("heap.malloced", NULL, NULL, 0),
	{ .key      = "heap.contexts",
	    .flags  = SSRD_COL_BREAK,
	    .metric = "ssrd_heap_contexts",
	    .type   = "gauge",
	    .help   = "Native contexts." },
	GAUGE("heap.detached_contexts", "ssrd_heap_detached_contexts",
	    "Contexts closed but not yet collected."),
	COUNTER("gc.count", "ssrd_gc_total",
	    "Garbage collections of the worker's isolate."),
	{ .key      = "gc.total_ms",
	    .unit   = SSRD_UNIT_MS,
	    .prec   = 1,
	    .metric = "ssrd_gc_pause_seconds_total",
	    .type   = "counter",
	    .help   = "Time JavaScript was paused by garbage collection." },
	{ .key = "gc.max_ms", .unit = SSRD_UNIT_MS, .prec = 2 },
	{ .key = "gc.last", .flags = SSRD_COL_BREAK },
};

/* The last GC pauses, newest first: JSON and text ("s 1.66 m 12.50"). */
static ssrd_rv
gc_last(const ssrd_heap_stats *h)
{
	ssrd_strbuf json = { 0 }, text = { 0 };
	ssrd__strbuf_puts(&json, "[");
	for (int i = 0; i < h->gc_last_n; i++) {
		ssrd__strbuf_printf(&json, "%s{\"kind\":\"%c\",\"ms\":%.3f}",
		    i ? "," : "", h->gc_last_kind[i], h->gc_last_ms[i]);
		ssrd__strbuf_printf(&text, "%s%c %.2f", i ? " " : "",
		    h->gc_last_kind[i], h->gc_last_ms[i]);
	}
	ssrd__strbuf_puts(&json, "]");
	ssrd_rv v = { .kind = SSRD_RV_NONE };
	if (!ssrd__strbuf_failed(&json) && !ssrd__strbuf_failed(&text)) {
		v = ssrd__rv_json(json.ptr, text.ptr ? text.ptr : "");
	}
	ssrd__strbuf_free(&json);
	ssrd__strbuf_free(&text);
	return v;
}

static void
worker_row(ssrd_table *t, long i, const ssrd_worker_stats *st)
{
	const ssrd_heap_stats *h   = &st->heap;
	ssrd_rv               *row = ssrd__table_row(t);
	if (row == NULL) {
		return;
	}
	ssrd_rv v[] = { ssrd__rv_int(i), ssrd__rv_int(st->inflight),
		ssrd__rv_int((int64_t) st->renders),
		ssrd__rv_int((int64_t) st->recycles),
		ssrd__rv_int((int64_t) st->timeouts),
		ssrd__rv_int((int64_t) st->heap_limits),
		ssrd__rv_int((int64_t) h->used),
		ssrd__rv_int((int64_t) h->total),
		ssrd__rv_int((int64_t) h->limit),
		ssrd__rv_int((int64_t) h->external),
		ssrd__rv_int((int64_t) h->malloced),
		ssrd__rv_int((int64_t) h->native_contexts),
		ssrd__rv_int((int64_t) h->detached_contexts),
		ssrd__rv_int((int64_t) h->gc_count),
		ssrd__rv_num(h->gc_total_ms), ssrd__rv_num(h->gc_max_ms),
		gc_last(h) };
	_Static_assert(NELEM(v) == NELEM(worker_cols), "a value per column");
	memcpy(row, v, sizeof(v));
}

static void
workers(ssrd_report *r, const ssrd_diagnose_src *src)
{
	ssrd_section *s = ssrd__report_section(r, "Workers", NULL);
	ssrd_table   *t = ssrd__section_table(
	      s, "workers", 0, worker_cols, NELEM(worker_cols));
	long n = ssrd__pool_workers(src->pool);
	for (long i = 0; i < n && t != NULL; i++) {
		ssrd_worker_stats st;
		ssrd__pool_worker_stats(src->pool, i, &st);
		worker_row(t, i, &st);
	}
}

/* ---- renders by route and outcome (stats.h) ---- */

#define PHASE(k, p)                                                            \
	{                                                                      \
		.key = (k), .unit = SSRD_UNIT_MS, .prec = 2,                   \
		.metric = "ssrd_render_phase_seconds_total",                   \
		.type   = "counter",                                           \
		.help   = "Time spent in each phase of a "                     \
		          "render (queue, context, shell, "                    \
		          "delta, render, drain).",                            \
		.labels = "phase=\"" p "\""                                    \
	}

static const ssrd_col route_cols[] = {
	{ .key = "site", .flags = SSRD_COL_LABEL },
	{ .key = "route", .flags = SSRD_COL_LABEL },
	{ .key = "outcome", .flags = SSRD_COL_LABEL },
	{ .key = "count" },
	/* in enum ssrd_phase's order */
	PHASE("queue_ms", "queue"),
	PHASE("context_ms", "context"),
	PHASE("shell_ms", "shell"),
	PHASE("delta_ms", "delta"),
	PHASE("render_ms", "render"),
	PHASE("drain_ms", "drain"),
	{ .key      = "total_ms",
	    .unit   = SSRD_UNIT_MS,
	    .prec   = 2,
	    .metric = "ssrd_render_duration_seconds",
	    .type   = "histogram",
	    .help   = "Renders by site, route and outcome, from the request's "
	              "arrival to its last byte handed to the transport." },
};
_Static_assert(NELEM(route_cols) == 4 + SSRD_PHASES, "a column per phase");

static void
route_row(const ssrd_route_stats *rs, void *arg)
{
	ssrd_rv *row = ssrd__table_row(arg);
	if (row == NULL) {
		return;
	}
	row[0] = ssrd__rv_str(rs->site);
	row[1] = ssrd__rv_str(rs->route);
	row[2] = ssrd__rv_str(rs->outcome);
	row[3] = ssrd__rv_int((int64_t) rs->phase[0].n);
	for (int p = 0; p < SSRD_PHASES; p++) {
		row[4 + p] = ssrd__rv_hist(&rs->phase[p]);
	}
}

static void
renders(ssrd_report *r)
{
	ssrd_section *s = ssrd__report_section(r, "Renders", NULL);
	ssrd_table   *t = ssrd__section_table(
	      s, "routes", 0, route_cols, NELEM(route_cols));
	if (t != NULL) {
		ssrd__stats_each(route_row, t);
	}
}

/* ---- layer caches (cachestats.h) ---- */

#define LOOKUP(k, level, result, f)                                            \
	{                                                                      \
		.key = (k), .flags = (f),                                      \
		.metric = "ssrd_layer_cache_lookups_total", .type = "counter", \
		.help   = "Layer look-ups by layer, cache level (memory: a "   \
		          "warm context or a loaded page; disk: a built "      \
		          "bundle; compile: V8's code cache) and result.",     \
		.labels = "level=\"" level "\",result=\"" result "\""          \
	}
#define LOOKUPS(level, f)                                                      \
	LOOKUP(level ".hit", level, "hit", f),                                 \
	    LOOKUP(level ".miss", level, "miss", 0),                           \
	    LOOKUP(level ".stale", level, "stale", 0)
#define HELD(k, part)                                                          \
	{                                                                      \
		.key = (k), .unit = SSRD_UNIT_BYTES,                           \
		.metric = "ssrd_layer_bytes", .type = "gauge",                 \
		.help   = "Layer code and V8 code cache held in memory.",      \
		.labels = "part=\"" part "\""                                  \
	}

/* The lookups in enum ssrd_cache_level's order, each hit, miss, stale. */
static const ssrd_col layer_cols[] = {
	{ .key = "layer", .flags = SSRD_COL_LABEL },
	HELD("code_bytes", "code"),
	HELD("code_cache_bytes", "code_cache"),
	LOOKUPS("memory", 0),
	LOOKUPS("disk", SSRD_COL_BREAK),
	LOOKUPS("compile", 0),
};
_Static_assert(NELEM(layer_cols) == 3 + 3 * SSRD_LEVELS, "a column each");

static void
layers(ssrd_report *r)
{
	static const int results[]
	    = { SSRD_CACHE_HIT, SSRD_CACHE_MISS, SSRD_CACHE_STALE };
	ssrd_cachestats cs;
	ssrd__cachestats_get(&cs);
	ssrd_section *s = ssrd__report_section(r, "Layer caches", NULL);
	ssrd_table   *t = ssrd__section_table(
	      s, "layers", 1, layer_cols, NELEM(layer_cols));
	for (int k = 0; k < SSRD_LAYER_KINDS; k++) {
		ssrd_rv *row = ssrd__table_row(t);
		if (row == NULL) {
			return;
		}
		row[0] = ssrd__rv_str(ssrd__layer_kind_name(k));
		row[1] = ssrd__rv_int(cs.code_bytes[k]);
		row[2] = ssrd__rv_int(cs.code_cache_bytes[k]);
		for (int l = 0; l < SSRD_LEVELS; l++) {
			for (int i = 0; i < 3; i++) {
				row[3 + 3 * l + i] = ssrd__rv_int(
				    (int64_t) cs.n[k][l][results[i]]);
			}
		}
	}
}

/* ---- the response cache (respcache.h) ---- */

static const ssrd_col respcache_cols[] = {
	GAUGE("entries", "ssrd_response_cache_entries", "Pages cached."),
	BYTES("bytes", "ssrd_response_cache_bytes",
	    "Bytes of cached pages (identity and gzip).", 0),
	{ .key      = "hits",
	    .metric = "ssrd_response_cache_lookups_total",
	    .type   = "counter",
	    .help   = "Response cache look-ups by result.",
	    .labels = "result=\"hit\"" },
	{ .key      = "stale",
	    .metric = "ssrd_response_cache_lookups_total",
	    .labels = "result=\"stale\"" },
	{ .key      = "misses",
	    .metric = "ssrd_response_cache_lookups_total",
	    .labels = "result=\"miss\"" },
	COUNTER("evictions", "ssrd_response_cache_evictions_total",
	    "Pages evicted to stay within cache_mb."),
};

static void
respcache(ssrd_report *r, const ssrd_diagnose_src *src)
{
	ssrd_section *s
	    = ssrd__report_section(r, "Response cache", "response_cache");
	if (s == NULL || src->respcache == NULL) {
		if (s != NULL) {
			s->absent = 1;
		}
		return;
	}
	ssrd_respcache_stats st;
	ssrd__respcache_stats(src->respcache, &st);
	int64_t v[] = { (int64_t) st.entries, (int64_t) st.bytes,
		(int64_t) st.hits, (int64_t) st.stale, (int64_t) st.misses,
		(int64_t) st.evictions };
	_Static_assert(NELEM(v) == NELEM(respcache_cols), "a value each");
	for (size_t i = 0; i < NELEM(v); i++) {
		ssrd__section_field(s, &respcache_cols[i], ssrd__rv_int(v[i]));
	}
}

/* ---- the entry points ---- */

void
ssrd__diagnose_report(const ssrd_diagnose_src *src, ssrd_report *r)
{
	server(r, src);
	config(r, src);
	queue(r, src);
	workers(r, src);
	renders(r);
	layers(r);
	respcache(r, src);
}

void
ssrd__diagnose(const ssrd_diagnose_src *src, int text, ssrd_strbuf *b)
{
	ssrd_report r = { 0 };
	ssrd__diagnose_report(src, &r);
	if (text) {
		ssrd__report_text(&r, b);
	} else {
		ssrd__report_json(&r, b);
	}
	ssrd__report_free(&r);
}

void
ssrd__metrics(const ssrd_diagnose_src *src, ssrd_strbuf *b)
{
	ssrd_report r = { 0 };
	ssrd__diagnose_report(src, &r);
	ssrd__report_prom(&r, b);
	ssrd__report_free(&r);
}
