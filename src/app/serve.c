/* serve.c: `ssrd serve`, its start: the checks, the shared start, a
 * watcher per site, the HTTP and protocol listeners. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ssrd/errors.h>
#include <ssrd/version.h>

#include "app/app.h"
#include "app/lifecycle.h"
#include "core/log.h"
#include "core/timers.h"

/* What diagnose shows as its config: every option (ssrd__config_json()),
 * with workers as the number running rather than 0 for "one per core".
 * malloc'd JSON, or NULL. */
static char *
diagnose_config(const ssrd_config *cfg, long workers)
{
	/* a shallow copy, only read: its strings stay cfg's */
	ssrd_config shown = *cfg;
	shown.workers     = workers;
	return ssrd__config_json(&shown);
}

/* A reloader's hook: the workers warm a new generation before it serves. */
static void
warm_generation(void *arg, ssrd_site *fresh)
{
	ssrd__pool_adopt(arg, fresh);
}

/* A reloader per site: watches its sources (every watch_ms) and loads it
 * again on a change or on SIGHUP. */
static int
start_watchers(ssrd_app *app)
{
	app->reloaders = calloc(app->nsites, sizeof(ssrd_reloader *));
	if (app->reloaders == NULL) {
		fprintf(stderr, "ssrd: out of memory\n");
		return SSRD_EXIT_START;
	}
	for (size_t i = 0; i < app->nsites; i++) {
		if (ssrd__reloader_start(&app->cfg, app->manifest,
		        app->site_v[i], app->cfg.watch_ms, warm_generation,
		        app->pool, &app->reloaders[i])
		    != SSRD_OK) {
			fprintf(
			    stderr, "ssrd: cannot start the site watcher\n");
			return SSRD_EXIT_START;
		}
	}
	return 0;
}

/* The HTTP listener, serving hosts[i] from site i (NULL: any Host). */
static int
start_http(ssrd_app *app)
{
	char           errbuf[512];
	ssrd_http_opts ho = { .pass_headers = app->cfg.http_headers,
		.security_headers = (int) app->cfg.http_security_headers,
		.cache_bytes      = (size_t) app->cfg.cache_mb << 20,
		.cache_ttl        = (int) app->cfg.cache_ttl,
		.cache_swr        = (int) app->cfg.cache_swr,
		.client_fallback  = app->cfg.client_fallback,
		.report           = app->cfg.metrics ? &app->diagnose : NULL,
		.admin_token      = app->cfg.admin_token,
		.buffer_max       = (size_t) app->cfg.http_buffer_mb << 20,
		.send_timeout_ms  = (int) app->cfg.http_send_timeout_ms,
		.max_connections  = app->cfg.http_max_connections,
		.idle_timeout_ms  = (int) app->cfg.http_idle_timeout_ms,
		.public_dotfiles  = (int) app->cfg.public_dotfiles,
		.public_max_bytes = (size_t) app->cfg.public_max_kb << 10,
		.public_max_age   = (int) app->cfg.public_max_age };
	if (ssrd__http_start(app->cfg.http, app->pool, app->sites, &ho,
	        &app->http, errbuf, sizeof(errbuf))
	    != SSRD_OK) {
		fprintf(stderr, "ssrd: %s\n", errbuf);
		return SSRD_EXIT_START;
	}
	for (size_t i = 0; i < app->nsites; i++) {
		ssrd__log(SSRD_LOG_INFO, "listening", "http=%s host=%s site=%s",
		    app->cfg.http,
		    app->sites->hosts[i] ? app->sites->hosts[i] : "*",
		    app->site_v[i]->root);
	}
	return 0;
}

/* The render protocol's listeners (diagnose is answered there too). */
static int
start_ipc(ssrd_app *app)
{
	char errbuf[512];
	app->diagnose.respcache = ssrd__http_cache(app->http);
	ssrd_ipc_opts io        = { .addrs = app->cfg.ipc,
		       .contexts           = app->cfg.ipc_contexts,
		       .max_message        = (size_t) app->cfg.max_message_kb << 10,
		       .max_batch          = (size_t) app->cfg.max_batch,
		       .stream_idle_ms     = (double) app->cfg.stream_idle_ms,
		       .diagnose           = &app->diagnose,
		       .admin_token        = app->cfg.admin_token };
	if (ssrd__ipc_start(
	        &io, app->pool, app->sites, &app->ipc, errbuf, sizeof(errbuf))
	    != SSRD_OK) {
		fprintf(stderr, "ssrd: %s\n", errbuf);
		return SSRD_EXIT_START;
	}
	return 0;
}

int
ssrd__cmd_serve(ssrd_app *app)
{
	/* Block the signals serve acts on before any thread starts, so only
	 * sigwait() sees them; one that comes during the start waits for it. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	double started_ms = ssrd__now_ms();
	ssrd__log(SSRD_LOG_INFO, "starting", "pid=%ld version=%s",
	    (long) getpid(), ssrd_version());

	/* What would fail only after the slow part fails now. */
	char why[1024];
	if (ssrd__lifecycle_preflight(&app->cfg, why, sizeof(why)) != SSRD_OK) {
		fprintf(stderr, "ssrd: %s\n", why);
		return SSRD_EXIT_START;
	}
	int rc = ssrd__app_start(app, ssrd__config_workers(&app->cfg));
	if (rc == 0) {
		rc = start_watchers(app);
	}
	if (rc != 0) {
		return rc;
	}
	app->diagnose_config
	    = diagnose_config(&app->cfg, ssrd__pool_workers(app->pool));
	app->diagnose = (ssrd_diagnose_src) { app->pool, started_ms,
		app->diagnose_config ? app->diagnose_config : "{}", NULL };
	/* the Host each site answers, one table for both fronts (NULL: the
	 * default) */
	const char **hosts = calloc(app->nsites, sizeof(char *));
	for (size_t i = 0; hosts != NULL && i < app->nsites; i++) {
		hosts[i] = app->entries[i].host;
	}
	if (hosts == NULL
	    || ssrd__sites_new(hosts, app->reloaders, app->nsites, &app->sites)
	        != SSRD_OK) {
		free(hosts);
		fprintf(stderr, "ssrd: out of memory\n");
		return SSRD_EXIT_START;
	}
	free(hosts);
	if (app->cfg.http[0] != '\0') {
		rc = start_http(app);
	}
	if (rc == 0 && app->cfg.ipc[0] != '\0') {
		rc = start_ipc(app);
	}
	return rc == 0 ? ssrd__serve_signals(app, &sigs) : rc;
}
