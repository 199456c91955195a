/* app.c starts what serve and render-local share (the base and snapshot,
 * the sites, the host bridge, the workers) and tears a run down. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "app/app.h"
#include "build/bundle.h"
#include "build/esbuild.h"
#include "build/snapshot.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/subprocess.h"
#include "core/timers.h"
#include "engine/engine.h"

/* The engine, the cache directory and its manifest, the React base and its
 * snapshot. Without a manifest or a snapshot it carries on (warned).
 * Returns 0 or SSRD_EXIT_START, the reason on stderr. */
static int
start_base(ssrd_app *app, char *errbuf, size_t errlen)
{
	int rv = ssrd__engine_init(
	    app->cfg.v8_flags, (size_t) app->cfg.page_cache_mb << 20);
	if (rv == SSRD_OK && ssrd__mkdirs(app->cfg.cache_dir) != SSRD_OK) {
		fprintf(stderr,
		    "ssrd: cannot create the cache directory %s (set [cache] "
		    "cache_dir)\n",
		    app->cfg.cache_dir);
		return SSRD_EXIT_START;
	}
	if (rv == SSRD_OK
	    && ssrd__manifest_open(
	           app->cfg.cache_dir, &app->manifest, errbuf, errlen)
	        != SSRD_OK) {
		/* Serving matters more than caching: go on, building every
		 * layer. */
		ssrd__log(SSRD_LOG_WARN, "manifest_unavailable",
		    "reason=\"%s\"", errbuf);
	}
	if (rv == SSRD_OK) {
		rv = ssrd__bundle_get_base(
		    &app->cfg, app->manifest, &app->base, errbuf, errlen);
		if (rv != SSRD_OK) {
			fprintf(stderr,
			    "ssrd: building the React base failed:\n%s\n",
			    errbuf);
			return SSRD_EXIT_START;
		}
	}
	if (app->cfg.snapshot
	    && ssrd__snapshot_get(app->manifest, &app->base, "/proc/self/exe",
	           &app->snapshot, errbuf, errlen)
	        != SSRD_OK) {
		/* A slower start, the same pages: carry on without it. */
		ssrd__log(SSRD_LOG_WARN, "snapshot_unavailable",
		    "reason=\"%s\"", errbuf);
	}
	return 0;
}

/* Splits the site option and loads every site, the first the default. */
static int
start_sites(ssrd_app *app, char *errbuf, size_t errlen)
{
	int rv;
	if (ssrd__config_sites(
	        &app->cfg, &app->entries, &app->nsites, errbuf, errlen)
	    != SSRD_OK) {
		fprintf(stderr, "ssrd: %s\n", errbuf);
		return SSRD_EXIT_START;
	}
	ssrd__site_quiet_pages(strcmp(app->cmd, "render-local") == 0);
	app->site_v = calloc(app->nsites, sizeof(ssrd_site *));
	for (size_t i = 0; app->site_v != NULL && i < app->nsites; i++) {
		rv = ssrd__site_load(&app->cfg, app->manifest,
		    app->entries[i].path, &app->site_v[i], errbuf, errlen);
		if (rv != SSRD_OK) {
			fprintf(stderr,
			    "ssrd: loading the site %s failed: %s\n",
			    app->entries[i].path, errbuf);
			return SSRD_EXIT_START;
		}
		app->site_v[i]->slot = i;
	}
	if (app->site_v == NULL) {
		fprintf(stderr, "ssrd: out of memory\n");
		return SSRD_EXIT_START;
	}
	app->site = app->site_v[0];
	return 0;
}

/* The host bridge (what pages may reach, and its threads), then the
 * workers, each with its isolate. */
static int
start_workers(ssrd_app *app, long workers, char *errbuf, size_t errlen)
{
	int                rv;
	ssrd_hostpool_opts hpo;
	ssrd__hostpool_opts_init(&hpo, &app->cfg);
	if (ssrd__host_opts_init(&app->host, &app->cfg, errbuf, errlen)
	        != SSRD_OK
	    || ssrd__hostpool_start(&hpo, &app->hostpool) != SSRD_OK) {
		fprintf(stderr, "ssrd: starting the host bridge failed: %s\n",
		    errbuf);
		return SSRD_EXIT_START;
	}
	ssrd__host_db_start(&app->host);
	ssrd_pool_opts po = {
		.workers   = workers,
		.queue_max = (size_t) app->cfg.queue_max,
		.isolate   = { .heap_max_mb = (size_t) app->cfg.heap_max_mb,
		      .array_buffers_max_mb = (size_t) app->cfg.heap_max_mb,
		      .young_max_mb         = (size_t) app->cfg.young_max_mb,
		      .snapshot             = app->snapshot.code,
		      .snapshot_len         = app->snapshot.len },
		.isolation
		= (ssrd_isolation) ssrd__isolation_parse(app->cfg.isolation),
		.stream          = (int) app->cfg.streaming,
		.stall_ms        = (double) app->cfg.streaming_stall_ms,
		.timeout_ms      = (double) app->cfg.render_timeout_ms,
		.timeout_max_ms  = (double) app->cfg.render_timeout_max_ms,
		.max_output      = (size_t) app->cfg.max_output_kb << 10,
		.recycle_renders = app->cfg.recycle_renders,
		.recycle_heap_mb = app->cfg.recycle_heap_mb,
		.idle_gc_ms      = (double) app->cfg.idle_gc_ms,
		.warmup_ms       = (double) app->cfg.warmup_ms,
		.worker_renders  = app->cfg.worker_renders,
		.host            = &app->host,
		.hostpool        = app->hostpool,
	};
	rv = ssrd__pool_start(&po, &app->base, app->site_v, app->nsites,
	    &app->pool, errbuf, errlen);
	if (rv != SSRD_OK) {
		fprintf(
		    stderr, "ssrd: starting the workers failed: %s\n", errbuf);
		return SSRD_EXIT_START;
	}
	return 0;
}

int
ssrd__app_start(ssrd_app *app, long workers)
{
	char   errbuf[8192];
	double t0 = ssrd__now_ms();
	int    rc = start_base(app, errbuf, sizeof(errbuf));
	if (rc == 0) {
		rc = start_sites(app, errbuf, sizeof(errbuf));
	}
	if (rc == 0) {
		rc = start_workers(app, workers, errbuf, sizeof(errbuf));
	}
	if (rc != 0) {
		return rc;
	}
	ssrd__log(SSRD_LOG_INFO, "ready",
	    "workers=%ld v8=%s base_bytes=%zu shell_bytes=%zu "
	    "compiler_launches=%lu start_ms=%.1f",
	    workers, ssrd__engine_v8_version(), app->base.len,
	    app->site->shell.len, ssrd__spawn_count(), ssrd__now_ms() - t0);
	return 0;
}

void
ssrd__app_close(ssrd_app *app)
{
	ssrd__http_stop(app->http);
	ssrd__ipc_close(app->ipc); /* no new requests; replies in flight drop */
	for (size_t i = 0; app->reloaders != NULL && i < app->nsites; i++) {
		ssrd__reloader_stop(app->reloaders[i]);
	}
	free(app->reloaders);
	ssrd__pool_stop(app->pool);
	ssrd__ipc_free(app->ipc); /* after the pool: no job left to reply */
	ssrd__sites_free(
	    app->sites); /* after both fronts, which pick from it */
	free(app->diagnose_config);
	ssrd__hostpool_stop(app->hostpool); /* after the workers: they wait
	                                       for their host calls */
	ssrd__host_opts_clear(&app->host);
	for (size_t i = 0; app->site_v != NULL && i < app->nsites; i++) {
		ssrd__site_unref(app->site_v[i]);
	}
	free(app->site_v);
	ssrd__config_sites_free(app->entries, app->nsites);
	ssrd__bundle_clear(&app->snapshot);
	ssrd__bundle_clear(&app->base);
	ssrd__manifest_close(app->manifest);
	ssrd__config_clear(&app->cfg);
	/* a second call is a no-op: serve closes before its last log line */
	memset(app, 0, sizeof(*app));
}
