/* sitectx.c implements a worker's context for one site generation: open, load
 * pages, render, timers. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/cachestats.h"
#include "core/log.h"
#include "render/sitectx.h"

char *
ssrd__sitectx_format_error(
    const ssrd_bundle *base, const ssrd_site *site, const ssrd_js_error *err)
{
	const ssrd_bundle **bundles
	    = malloc((site->routes.n + 2) * sizeof(*bundles));
	if (bundles == NULL) {
		return NULL;
	}
	bundles[0] = base;
	bundles[1] = &site->shell;
	for (size_t i = 0; i < site->routes.n; i++) {
		bundles[i + 2] = &site->pages[i];
	}
	char *text = ssrd__bundle_format_error(
	    err, bundles, site->routes.n + 2, site->root);
	free(bundles);
	return text;
}

/*
 * Evaluates a layer with its V8 code cache, and when it had none (or V8
 * refused it) saves the one V8 makes, once per layer per process: the next
 * start compiles nothing.
 */
static int
eval_layer(ssrd_context *ctx, const ssrd_bundle *b, ssrd_js_error *err)
{
	ssrd_code_cache cc
	    = { b->code_cache, b->code_cache_len, 0, NULL, 0, 0 };
	cc.produce = !__atomic_load_n(&b->code_cache_saved, __ATOMIC_RELAXED);
	int rv     = ssrd__context_eval_cached(
	        ctx, b->code, b->len, b->path, &cc, err);
	if (b->kind > 0) {
		ssrd__cachestats_count(b->kind - 1, SSRD_LEVEL_COMPILE,
		    cc.rejected         ? SSRD_CACHE_STALE
		        : cc.in != NULL ? SSRD_CACHE_HIT
		                        : SSRD_CACHE_MISS);
	}
	if (cc.rejected) {
		ssrd__log(
		    SSRD_LOG_INFO, "code_cache_rejected", "path=%s", b->path);
	} else if (cc.in != NULL && rv == SSRD_OK) {
		ssrd__log(
		    SSRD_LOG_DEBUG, "code_cache_used", "path=%s", b->path);
	}
	if (cc.out != NULL
	    && !__atomic_exchange_n(
	        (int *) &b->code_cache_saved, 1, __ATOMIC_ACQ_REL)) {
		if (ssrd__bundle_save_code_cache(b, cc.out, cc.out_len)
		    == SSRD_OK) {
			ssrd__log(SSRD_LOG_DEBUG, "code_cache_saved",
			    "path=%s bytes=%zu", b->path, cc.out_len);
		}
	}
	free(cc.out);
	return rv;
}

/* Makes render the one the code run in sc belongs to from now on (0: none),
 * and in the warm context whose React sc's pages render on (isolation =
 * page): V8 carries the id in each context's own promise reactions. */
static void
set_render(ssrd_sitectx *sc, uint64_t render)
{
	ssrd__context_set_render(sc->ctx, render);
	if (sc->warm != NULL) {
		ssrd__context_set_render(sc->warm, render);
	}
}

/* ---- hooks from JavaScript: arg is the ssrd_sitectx ---- */

static void
hook_console(void *arg, uint64_t render, int level, int kind, const char *msg,
    size_t len)
{
	ssrd_sitectx *sc = arg;
	if (sc->loop != NULL && sc->loop->console != NULL) {
		/* the loop knows the render: it logs with the caller's id */
		sc->loop->console(sc->loop->arg, render, level, kind, msg, len);
		return;
	}
	ssrd__sitectx_log_console(
	    sc->worker, sc->current_id, level, kind, msg, len);
}

void
ssrd__sitectx_log_console(
    int worker, uint64_t id, int level, int kind, const char *msg, size_t len)
{
	static const int map[]
	    = { SSRD_LOG_DEBUG, SSRD_LOG_INFO, SSRD_LOG_WARN, SSRD_LOG_ERROR };
	int lvl = level >= 0 && level <= 3 ? map[level] : SSRD_LOG_INFO;
	if (!ssrd__log_enabled(lvl)) {
		return;
	}
	char *q = ssrd__log_quote(msg, len);
	ssrd__log(lvl, kind == 1 ? "page_log" : "console",
	    "render=%llu worker=%d msg=%s", (unsigned long long) id, worker,
	    q ? q : "\"\"");
	free(q);
}

static void
hook_chunk(void *arg, uint64_t render, const char *data, size_t len)
{
	ssrd_sitectx *sc = arg;
	if (sc->loop != NULL && sc->loop->chunk != NULL) {
		sc->loop->chunk(sc->loop->arg, render, data, len);
	}
}

static void
hook_end(void *arg, uint64_t render, const ssrd_js_error *err)
{
	ssrd_sitectx *sc = arg;
	if (sc->loop != NULL && sc->loop->end != NULL) {
		sc->loop->end(sc->loop->arg, render, err);
	}
}

static void
hook_status(void *arg, uint64_t render, int code)
{
	ssrd_sitectx *sc = arg;
	if (sc->loop != NULL && sc->loop->status != NULL) {
		sc->loop->status(sc->loop->arg, render, code);
	}
}

static void
hook_report(void *arg, uint64_t render, const ssrd_js_error *err,
    const char *component_stack)
{
	ssrd_sitectx *sc = arg;
	if (sc->loop != NULL && sc->loop->report != NULL) {
		sc->loop->report(sc->loop->arg, render, err, component_stack);
	}
}

static int
hook_host_call(void *arg, uint64_t render, uint32_t promise, const char *op,
    const char *args, size_t len)
{
	ssrd_sitectx *sc = arg;
	if (sc->loop == NULL || sc->loop->host_call == NULL) {
		return -1;
	}
	return sc->loop->host_call(
	    sc->loop->arg, sc, render, promise, op, args, len);
}

static void
hook_timer_start(void *arg, uint64_t render, uint32_t id, double delay_ms)
{
	ssrd_sitectx *sc = arg;
	ssrd__timers_remove(
	    &sc->timers, id); /* setInterval re-arms the same id */
	if (ssrd__timers_add(&sc->timers, id, ssrd__now_ms() + delay_ms, render)
	    != SSRD_OK) {
		ssrd__log(SSRD_LOG_ERROR, "timer",
		    "worker=%d msg=\"out of memory scheduling a timer\"",
		    sc->worker);
	}
}

static void
hook_timer_stop(void *arg, uint32_t id)
{
	ssrd_sitectx *sc = arg;
	ssrd__timers_remove(&sc->timers, id);
}

void
ssrd__sitectx_close(ssrd_sitectx *sc)
{
	ssrd__context_free(sc->ctx);
	sc->ctx  = NULL;
	sc->warm = NULL;
	ssrd__site_unref(sc->site);
	sc->site = NULL;
	free(sc->loaded);
	sc->loaded = NULL;
	free(sc->cache_ttl);
	free(sc->cache_swr);
	sc->cache_ttl = sc->cache_swr = NULL;
	ssrd__timers_free(&sc->timers);
}

/*
 * Freezes the base of a context before any site code runs: the base's
 * lockdown hook (js/runtime/lockdown.js) freezes the built-ins, React's
 * exports and the objects React hands every render alike; from a snapshot,
 * whose base was locked down when it was made, only what V8 adds to each
 * new context is left (lockdownContext). The lockdown's probe renders end in
 * the microtasks the call runs; one that did not finish fails the open.
 */
static int
lockdown(ssrd_sitectx *sc, int from_snapshot, char *msg, size_t msglen)
{
	ssrd_js_error err = { 0 };
	char         *out = NULL;
	size_t        n;
	if (from_snapshot) {
		/* what V8 adds to each new context: the rest is frozen in the
		 * snapshot */
		int rv = ssrd__context_call(
		    sc->ctx, "lockdownContext", NULL, 0, &out, &n, &err);
		free(out);
		if (rv != SSRD_OK) {
			snprintf(msg, msglen,
			    "freezing the context's built-ins failed: %s",
			    err.message ? err.message : ssrd_strerror(rv));
		}
		ssrd__js_error_clear(&err);
		return rv;
	}
	int rv
	    = ssrd__context_call(sc->ctx, "lockdown", NULL, 0, &out, &n, &err);
	free(out);
	out = NULL;
	if (rv == SSRD_OK) {
		rv = ssrd__context_call(
		    sc->ctx, "lockdownDone", NULL, 0, &out, &n, &err);
		if (rv == SSRD_OK && strcmp(out, "1") != 0) {
			rv = SSRD_EENGINE;
		}
		free(out);
		out = NULL;
	}
	if (rv == SSRD_OK) {
		rv = ssrd__context_call(
		    sc->ctx, "lockdownContext", NULL, 0, &out, &n, &err);
		free(out);
	}
	if (rv != SSRD_OK) {
		char *text = rv == SSRD_EJS
		    ? ssrd__sitectx_format_error(sc->base, sc->site, &err)
		    : NULL;
		snprintf(msg, msglen,
		    "freezing the context's built-ins failed: %s",
		    text ? text : ssrd_strerror(rv));
		free(text);
	}
	ssrd__js_error_clear(&err);
	return rv;
}

/* isolation = page: sc's pages render on the warm context's React (warm may
 * be NULL: nothing to link). */
static int
link_warm(ssrd_sitectx *sc, ssrd_context *warm, char *msg, size_t msglen)
{
	static const char *const links[][2] = {
		{ "sharedModules", "modules" },
		{ "sharedRenderWith", "renderWith" },
		{ "sharedStreamWith", "streamWith" },
		{ "sharedAbort", "localAbort" },
		{ "sharedEndRender", "localEndRender" },
	};
	for (size_t i = 0; warm != NULL && i < sizeof(links) / sizeof(links[0]);
	     i++) {
		if (ssrd__context_link(sc->ctx, links[i][0], warm, links[i][1])
		    != SSRD_OK) {
			snprintf(msg, msglen,
			    "cannot link the worker's warm context (%s)",
			    links[i][1]);
			return SSRD_EENGINE;
		}
	}
	return SSRD_OK;
}

int
ssrd__sitectx_open(ssrd_sitectx *sc, ssrd_isolate *iso, int from_snapshot,
    const ssrd_bundle *base, ssrd_site *site, ssrd_context *warm, int worker,
    const ssrd_sitectx_loop *loop, char *msg, size_t msglen)
{
	ssrd_js_error      err   = { 0 };
	ssrd_context_hooks hooks = { .arg = sc,
		.console                  = hook_console,
		.chunk                    = hook_chunk,
		.status                   = hook_status,
		.end                      = hook_end,
		.report                   = hook_report,
		.host_call                = hook_host_call,
		.timer_start              = hook_timer_start,
		.timer_stop               = hook_timer_stop };
	ssrd__sitectx_close(sc);
	double t0     = ssrd__now_ms();
	sc->base      = base;
	sc->worker    = worker;
	sc->loop      = loop;
	sc->users     = 0;
	sc->retired   = 0;
	sc->loaded    = calloc(site->routes.n + 1, 1);
	sc->cache_ttl = malloc((site->routes.n + 1) * sizeof(int));
	sc->cache_swr = malloc((site->routes.n + 1) * sizeof(int));
	int rv        = sc->loaded == NULL || sc->cache_ttl == NULL
                || sc->cache_swr == NULL
	           ? SSRD_ENOMEM
	           : ssrd__context_new(iso, &hooks, &sc->ctx);
	if (rv != SSRD_OK) {
		snprintf(msg, msglen, "cannot create a V8 context");
		ssrd__sitectx_close(sc);
		return rv;
	}
	sc->site                    = ssrd__site_ref(site);
	sc->warm                    = warm;
	const ssrd_bundle *layers[] = { base, &site->shell };
	double             t1       = t0;
	for (size_t i = from_snapshot ? 1 : 0; i < 2; i++) {
		if (i == 1) {
			/* the base is in, locked down: its hooks take the
			 * links */
			if ((rv = lockdown(sc, from_snapshot, msg, msglen))
			        != SSRD_OK
			    || (rv = link_warm(sc, warm, msg, msglen))
			        != SSRD_OK) {
				ssrd__sitectx_close(sc);
				return rv;
			}
			t1 = ssrd__now_ms();
		}
		rv = eval_layer(sc->ctx, layers[i], &err);
		if (rv != SSRD_OK) {
			char *text
			    = ssrd__sitectx_format_error(base, site, &err);
			snprintf(msg, msglen, "evaluating %s failed: %s",
			    layers[i]->path, text ? text : "(out of memory)");
			free(text);
			ssrd__js_error_clear(&err);
			ssrd__sitectx_close(sc);
			return rv;
		}
	}
	sc->open_ms  = t1 - t0;
	sc->shell_ms = ssrd__now_ms() - t1;
	return SSRD_OK;
}

static void read_policy(ssrd_sitectx *sc, const ssrd_job *job);

/* Evaluates the job's page delta unless it already is; on failure a malloc'd
 * description in *text. */
static int
load_page(ssrd_sitectx *sc, ssrd_job *job, char **text)
{
	const ssrd_site *site = sc->site;
	const char      *why;
	if (sc->loaded[job->route]) {
		ssrd__cachestats_count(
		    SSRD_LAYER_PAGE, SSRD_LEVEL_MEMORY, SSRD_CACHE_HIT);
		return SSRD_OK;
	}
	ssrd__cachestats_count(
	    SSRD_LAYER_PAGE, SSRD_LEVEL_MEMORY, SSRD_CACHE_MISS);
	const ssrd_bundle *page = ssrd__site_page(site, job->route, &why);
	if (page == NULL) {
		*text = strdup(why); /* esbuild's message: file, line, column */
		return SSRD_EBUILD;
	}
	double        t0      = ssrd__now_ms();
	ssrd_js_error err     = { 0 };
	char         *out     = NULL;
	size_t        n       = 0;
	ssrd_str      begin[] = { { page->map_dir, strlen(page->map_dir) },
		     { site->root, strlen(site->root) } };
	ssrd_str      end[]   = { { job->page_key, strlen(job->page_key) } };
	int           rv      = ssrd__context_call(
	                   sc->ctx, "beginPage", begin, 2, &out, &n, &err);
	free(out);
	out = NULL;
	if (rv == SSRD_OK) {
		rv = eval_layer(sc->ctx, page, &err);
	}
	if (rv == SSRD_OK) {
		rv = ssrd__context_call(
		    sc->ctx, "endPage", end, 1, &out, &n, &err);
		free(out);
	}
	if (rv == SSRD_EJS) {
		*text = ssrd__sitectx_format_error(sc->base, site, &err);
	} else if (rv != SSRD_OK) {
		*text = strdup(ssrd_strerror(rv));
	} else {
		sc->loaded[job->route] = 1;
		read_policy(sc, job);
	}
	job->delta_ms = ssrd__now_ms() - t0;
	ssrd__js_error_clear(&err);
	return rv;
}

/* The page's `export const cache`, once per load. */
static void
read_policy(ssrd_sitectx *sc, const ssrd_job *job)
{
	ssrd_str args[] = { { job->page_key, strlen(job->page_key) } };
	char    *out    = NULL;
	size_t   n;
	int      ttl = -1, swr = -1;
	if (ssrd__context_call(sc->ctx, "pageCache", args, 1, &out, &n, NULL)
	    == SSRD_OK) {
		if (strcmp(out, "off") == 0) {
			ttl = 0;
		} else if (sscanf(out, "%d,%d", &ttl, &swr) != 2) {
			ttl = swr = -1;
		}
	}
	free(out);
	sc->cache_ttl[job->route] = ttl;
	sc->cache_swr[job->route] = swr;
}

/* Applies the page's policy to the job's defaults. */
static void
apply_policy(const ssrd_sitectx *sc, ssrd_job *job)
{
	if (sc->cache_ttl[job->route] >= 0) {
		job->cache_ttl = sc->cache_ttl[job->route];
	}
	if (sc->cache_swr[job->route] >= 0) {
		job->cache_swr = sc->cache_swr[job->route];
	}
}

/* The stylesheets the job's route links ("" for none). */
static const char *
route_styles(const ssrd_sitectx *sc, const ssrd_job *job)
{
	const char *s = sc->site->styles ? sc->site->styles[job->route] : NULL;
	return s != NULL ? s : "";
}

void
ssrd__sitectx_render(ssrd_sitectx *sc, ssrd_job *job, uint64_t render)
{
	ssrd_js_error err    = { 0 };
	const char   *styles = route_styles(sc, job);
	ssrd_str      args[] = {
		     { job->page_key, strlen(job->page_key) },
		     { job->path, strlen(job->path) },
		     { job->params_json, strlen(job->params_json) },
		     { job->props_json, job->props_json ? job->props_len : 0 },
		     { styles, strlen(styles) },
	};
	sc->current_id = job->id;
	job->err       = load_page(sc, job, &job->error_text);
	if (job->err == SSRD_OK) {
		apply_policy(sc, job);
		/* what the page's code sets going (a timer) is the render's */
		set_render(sc, render);
		job->err = ssrd__context_call(sc->ctx, "render", args, 5,
		    &job->html, &job->html_len, &err);
		set_render(sc, 0);
	}
	if (job->err == SSRD_EJS && err.name != NULL
	    && strcmp(err.name, "NeedsStream") == 0) {
		job->err          = SSRD_OK;
		job->needs_stream = 1;
	} else if (job->error_text == NULL && job->err == SSRD_EJS) {
		ssrd__sitectx_job_error(sc, job, &err);
	} else if (job->error_text == NULL && job->err != SSRD_OK) {
		job->error_text = strdup(ssrd_strerror(job->err));
	}
	ssrd__js_error_clear(&err);
	sc->current_id = 0;
}

void
ssrd__sitectx_job_error(
    ssrd_sitectx *sc, ssrd_job *job, const ssrd_js_error *err)
{
	free(job->error_text);
	if (err->name != NULL && strcmp(err->name, "BadPropsError") == 0) {
		/* The caller's mistake, not the page's: the reason alone, no
		 * stack. */
		const char *m  = err->message ? err->message : "";
		size_t      nl = strlen(err->name);
		if (strncmp(m, err->name, nl) == 0
		    && strncmp(m + nl, ": ", 2) == 0) {
			m += nl + 2;
		}
		job->err        = SSRD_EBADPROPS;
		job->error_text = strdup(m);
	} else {
		job->err = SSRD_EJS;
		job->error_text
		    = ssrd__sitectx_format_error(sc->base, sc->site, err);
	}
}

int
ssrd__sitectx_stream(
    ssrd_sitectx *sc, ssrd_job *job, uint64_t render, int always_stream)
{
	ssrd_js_error err = { 0 };
	char          rid[24], *out = NULL;
	size_t        n;
	snprintf(rid, sizeof(rid), "%llu", (unsigned long long) render);
	/* hydration: the browser bundle the page will load, when asked for */
	const char *url    = job->hydrate ? sc->site->client_url : "";
	const char *styles = route_styles(sc, job);
	ssrd_str    args[] = {
		   { rid, strlen(rid) },
		   { job->page_key, strlen(job->page_key) },
		   { job->path, strlen(job->path) },
		   { job->params_json, strlen(job->params_json) },
		   { job->props_json, job->props_json ? job->props_len : 0 },
		   { url, strlen(url) },
		   { styles, strlen(styles) },
		   { always_stream ? "1" : "", always_stream ? 1u : 0u },
	};
	sc->current_id = job->id;
	int rv         = load_page(sc, job, &job->error_text);
	if (rv == SSRD_OK) {
		apply_policy(sc, job);
		/* Everything the render's code does from here on, in promise
		 * reactions and timers too, carries its id. The call runs the
		 * microtasks it queued, so the render may already have ended
		 * (and set the job's outcome) when it returns. */
		set_render(sc, render);
		rv = ssrd__context_call(
		    sc->ctx, "stream", args, 8, &out, &n, &err);
		set_render(sc, 0);
		free(out);
	}
	if (rv != SSRD_OK) {
		job->err = rv;
		if (job->error_text == NULL && rv == SSRD_EJS) {
			ssrd__sitectx_job_error(sc, job, &err);
		} else if (job->error_text == NULL) {
			job->error_text = strdup(ssrd_strerror(rv));
		}
	}
	ssrd__js_error_clear(&err);
	sc->current_id = 0;
	return rv;
}

void
ssrd__sitectx_abort(ssrd_sitectx *sc, uint64_t render, const char *reason)
{
	char   rid[24], *out = NULL;
	size_t n;
	snprintf(rid, sizeof(rid), "%llu", (unsigned long long) render);
	ssrd_str args[] = { { rid, strlen(rid) }, { reason, strlen(reason) } };
	if (sc->ctx != NULL) {
		set_render(sc, render);
		(void) ssrd__context_call(
		    sc->ctx, "abort", args, 2, &out, &n, NULL);
		set_render(sc, 0);
		free(out);
	}
}

void
ssrd__sitectx_end_render(ssrd_sitectx *sc, uint64_t render)
{
	char   rid[24], *out = NULL;
	size_t n;
	snprintf(rid, sizeof(rid), "%llu", (unsigned long long) render);
	ssrd_str args[] = { { rid, strlen(rid) } };
	if (sc->ctx != NULL) {
		(void) ssrd__context_call(
		    sc->ctx, "endRender", args, 1, &out, &n, NULL);
		free(out);
	}
}

int
ssrd__sitectx_fire_timer(ssrd_sitectx *sc, double now)
{
	uint32_t id;
	if (sc->ctx == NULL
	    || ssrd__timers_pop_due(&sc->timers, now, &id, 1) == 0) {
		return 0;
	}
	ssrd__context_fire_timers(sc->ctx, &id, 1);
	return 1;
}
