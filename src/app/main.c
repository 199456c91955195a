/* main.c: the ssrd command line — serve, render, routes, config, version. */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ssrd/errors.h>
#include <ssrd/version.h>

#include "app/cmd_render.h"
#include "app/lifecycle.h"
#include "build/bundle.h"
#include "build/esbuild.h"
#include "build/snapshot.h"
#include "config/config.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/subprocess.h"
#include "core/timers.h"
#include "diag/diagnose.h"
#include "diag/stats.h"
#include "engine/engine.h"
#include "host/host.h"
#include "host/hostpool.h"
#include "http/http.h"
#include "proto/ipc.h"
#include "render/pool.h"
#include "site/reload.h"
#include "site/site.h"

/* Exit codes, documented in the README. */
enum {
	EXIT_RENDER_ERROR = 1, /* the page threw */
	EXIT_USAGE        = 2, /* bad command line or props */
	EXIT_NO_ROUTE     = 3, /* no route matches the path */
	EXIT_START        = 4, /* bad config, build failure, cannot start */
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "ssrd %s — server-side React rendering daemon\n\n"
	    "usage:\n"
	    "  ssrd serve  [options]                       build the site and "
	    "serve it over HTTP\n"
	    "  ssrd render ROUTE [--props JSON] [--stream] [--connect ADDR]\n"
	    "              [--headers JSON] [--host H] [--console]\n"
	    "                                              render one path "
	    "through a running daemon, HTML to stdout\n"
	    "  ssrd render-local ROUTE [--props JSON] [options]\n"
	    "                                              render one path "
	    "in-process (no daemon)\n"
	    "  ssrd diagnose [--connect ADDR] [--format text|json] [--watch]\n"
	    "                                              workers, heaps, "
	    "GC, per-route timings, caches\n"
	    "  ssrd routes [options]                       list the site's "
	    "routes\n"
	    "  ssrd config [options]                       print the effective "
	    "configuration\n"
	    "  ssrd version\n\n"
	    "options (each also a `key = value` in the config file):\n"
	    "  --config FILE     read FILE first; flags then override it\n",
	    ssrd_version());
	ssrd__config_print_help(out);
}

/* Everything one run holds, torn down in reverse order by app_close(). */
struct app {
	ssrd_config       cfg;
	ssrd_manifest    *manifest;
	ssrd_bundle       base;
	ssrd_bundle       snapshot; /* code empty when off */
	ssrd_site_entry  *entries;  /* the `site` option, split */
	size_t            nsites;
	ssrd_site       **site_v; /* one loaded site per entry (references) */
	ssrd_site        *site;   /* site_v[0], the default */
	ssrd_reloader   **reloaders; /* serve: one per site */
	ssrd_host_opts    host;      /* what pages may reach */
	ssrd_hostpool    *hostpool;  /* the threads that reach it */
	ssrd_pool        *pool;
	ssrd_http        *http;
	ssrd_ipc         *ipc;    /* the render protocol's server */
	const char       *route;  /* render: the path */
	const char       *props;  /* render: --props */
	ssrd_render_cmd   client; /* render: the rest of its flags */
	int               argc;   /* the command line, read again on SIGHUP */
	char            **argv;
	const char       *cmd;
	ssrd_diagnose_src diagnose; /* serve: what diagnose reports */
	char             *diagnose_config;
};

static char *diagnose_config(const ssrd_config *c, long workers);

/* Stores render's own flags (which are not config options) in app; returns
 * 1 if name was one. app NULL (a reload): recognised, not stored. */
static int
client_flag(struct app *app, const char *name, const char *value)
{
	static const char *const names[] = { "props", "connect", "headers",
		"host", "format", "timeout-ms", "timeout_ms" };
	size_t                   i       = 0;
	while (i < sizeof(names) / sizeof(names[0])
	    && strcmp(name, names[i]) != 0) {
		i++;
	}
	if (i == sizeof(names) / sizeof(names[0])) {
		return 0;
	}
	if (app == NULL) {
		return 1;
	}
	if (i == 0) {
		app->props = value;
	} else if (i == 1) {
		app->client.connect = value;
	} else if (i == 2) {
		app->client.headers = value;
	} else if (i == 3) {
		app->client.host = value;
	} else if (i == 4) {
		app->client.format = value;
	} else {
		app->client.timeout_ms = atoi(value);
	}
	return 1;
}

/*
 * Fills cfg from the defaults, then --config, then every other flag (so
 * flags win); with app set, also render's own flags and the positional
 * path. Returns 0, or an exit code with the message in errbuf. serve runs
 * it again on SIGHUP, with app NULL, to read the config afresh.
 */
static int
args_config(struct app *app, ssrd_config *cfg, int argc, char **argv,
    const char *cmd, char *errbuf, size_t errlen)
{
	char why[512];
	if (ssrd__config_init(cfg) != SSRD_OK) {
		snprintf(errbuf, errlen, "out of memory");
		return EXIT_START;
	}
	if (strcmp(cmd, "render") == 0 || strcmp(cmd, "render-local") == 0) {
		ssrd__config_set(cfg, "log_level", "warn", why, sizeof(why));
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc
		    && ssrd__config_load_file(cfg, argv[++i], errbuf, errlen)
		        != SSRD_OK) {
			return EXIT_START;
		}
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) != 0) {
			if (app != NULL && app->route != NULL) {
				snprintf(errbuf, errlen,
				    "unexpected argument \"%s\" (see ssrd "
				    "help)",
				    a);
				return EXIT_USAGE;
			}
			if (app != NULL) {
				app->route = a;
			}
			continue;
		}
		char        name[64];
		const char *value = strchr(a, '=');
		size_t n = value ? (size_t) (value - a - 2) : strlen(a + 2);
		if (n >= sizeof(name)) {
			snprintf(errbuf, errlen, "unknown option %s", a);
			return EXIT_USAGE;
		}
		memcpy(name, a + 2, n);
		name[n] = '\0';
		/* render's and diagnose's switches, which take no value */
		if (value == NULL
		    && (strcmp(name, "stream") == 0
		        || strcmp(name, "console") == 0
		        || strcmp(name, "watch") == 0)) {
			if (app != NULL && name[0] == 's') {
				app->client.stream = 1;
			} else if (app != NULL && name[0] == 'c') {
				app->client.console = 1;
			} else if (app != NULL) {
				app->client.watch = 1;
			}
			continue;
		}
		if (value != NULL) {
			value++;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			snprintf(
			    errbuf, errlen, "option --%s needs a value", name);
			return EXIT_USAGE;
		}
		if (strcmp(name, "config") == 0
		    || client_flag(app, name, value)) {
			continue;
		}
		if (ssrd__config_set(cfg, name, value, why, sizeof(why))
		    != SSRD_OK) {
			snprintf(errbuf, errlen, "--%s: %s", name, why);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* Reads the command line into app: its config and the command's own flags.
 */
static int
parse_args(struct app *app, int argc, char **argv, const char *cmd)
{
	char errbuf[1024];
	int  rc = args_config(
	     app, &app->cfg, argc, argv, cmd, errbuf, sizeof(errbuf));
	if (rc != 0) {
		fprintf(stderr, "ssrd: %s\n", errbuf);
		return rc;
	}
	app->argc = argc;
	app->argv = argv;
	app->cmd  = cmd;
	ssrd__log_set_level(ssrd__log_level_parse(app->cfg.log_level));
	ssrd__log_set_format(ssrd__log_format_parse(app->cfg.log_format));
	ssrd__stats_set_log_level(ssrd__log_level_parse(app->cfg.timing_log));
	return 0;
}

/* Builds the layers and starts the workers: what serve and render share. */
static int
app_start(struct app *app, long workers)
{
	char   errbuf[8192];
	double t0 = ssrd__now_ms();
	int    rv = ssrd__engine_init(
	       app->cfg.v8_flags, (size_t) app->cfg.page_cache_mb << 20);
	if (rv == SSRD_OK && ssrd__mkdirs(app->cfg.cache_dir) != SSRD_OK) {
		fprintf(stderr,
		    "ssrd: cannot create the cache directory %s (set [cache] "
		    "cache_dir)\n",
		    app->cfg.cache_dir);
		return EXIT_START;
	}
	if (rv == SSRD_OK
	    && ssrd__manifest_open(
	           app->cfg.cache_dir, &app->manifest, errbuf, sizeof(errbuf))
	        != SSRD_OK) {
		/* Serving matters more than caching: go on, building every
		 * layer. */
		ssrd__log(SSRD_LOG_WARN, "manifest_unavailable",
		    "reason=\"%s\"", errbuf);
	}
	if (rv == SSRD_OK) {
		rv = ssrd__bundle_get_base(&app->cfg, app->manifest, &app->base,
		    errbuf, sizeof(errbuf));
		if (rv != SSRD_OK) {
			fprintf(stderr,
			    "ssrd: building the React base failed:\n%s\n",
			    errbuf);
			return EXIT_START;
		}
	}
	if (app->cfg.snapshot
	    && ssrd__snapshot_get(app->manifest, &app->base, "/proc/self/exe",
	           &app->snapshot, errbuf, sizeof(errbuf))
	        != SSRD_OK) {
		/* A slower start, the same pages: carry on without it. */
		ssrd__log(SSRD_LOG_WARN, "snapshot_unavailable",
		    "reason=\"%s\"", errbuf);
	}
	if (ssrd__config_sites(
	        &app->cfg, &app->entries, &app->nsites, errbuf, sizeof(errbuf))
	    != SSRD_OK) {
		fprintf(stderr, "ssrd: %s\n", errbuf);
		return EXIT_START;
	}
	ssrd__site_quiet_pages(strcmp(app->cmd, "render-local") == 0);
	app->site_v = calloc(app->nsites, sizeof(ssrd_site *));
	for (size_t i = 0; app->site_v != NULL && i < app->nsites; i++) {
		rv = ssrd__site_load(&app->cfg, app->manifest,
		    app->entries[i].path, &app->site_v[i], errbuf,
		    sizeof(errbuf));
		if (rv != SSRD_OK) {
			fprintf(stderr,
			    "ssrd: loading the site %s failed: %s\n",
			    app->entries[i].path, errbuf);
			return EXIT_START;
		}
		app->site_v[i]->slot = i;
	}
	if (app->site_v == NULL) {
		fprintf(stderr, "ssrd: out of memory\n");
		return EXIT_START;
	}
	app->site = app->site_v[0];
	ssrd_hostpool_opts hpo;
	ssrd__hostpool_opts_init(&hpo, &app->cfg);
	if (ssrd__host_opts_init(&app->host, &app->cfg, errbuf, sizeof(errbuf))
	        != SSRD_OK
	    || ssrd__hostpool_start(&hpo, &app->hostpool) != SSRD_OK) {
		fprintf(stderr, "ssrd: starting the host bridge failed: %s\n",
		    errbuf);
		return EXIT_START;
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
		.worker_renders  = app->cfg.worker_renders,
		.host            = &app->host,
		.hostpool        = app->hostpool,
	};
	rv = ssrd__pool_start(&po, &app->base, app->site_v, app->nsites,
	    &app->pool, errbuf, sizeof(errbuf));
	if (rv != SSRD_OK) {
		fprintf(
		    stderr, "ssrd: starting the workers failed: %s\n", errbuf);
		return EXIT_START;
	}
	ssrd__log(SSRD_LOG_INFO, "ready",
	    "workers=%ld v8=%s base_bytes=%zu shell_bytes=%zu "
	    "compiler_launches=%lu start_ms=%.1f",
	    workers, ssrd__engine_v8_version(), app->base.len,
	    app->site->shell.len, ssrd__spawn_count(), ssrd__now_ms() - t0);
	return 0;
}

static void
app_close(struct app *app)
{
	ssrd__http_stop(app->http);
	ssrd__ipc_close(app->ipc); /* no new requests; replies in flight drop */
	for (size_t i = 0; app->reloaders != NULL && i < app->nsites; i++) {
		ssrd__reloader_stop(app->reloaders[i]);
	}
	free(app->reloaders);
	ssrd__pool_stop(app->pool);
	ssrd__ipc_free(app->ipc); /* after the pool: no job left to reply */
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

static int
cmd_render(struct app *app)
{
	if (app->route == NULL) {
		fprintf(stderr,
		    "ssrd: render needs a path, e.g. ssrd render /products\n");
		return EXIT_USAGE;
	}
	/* In-process output is for scripts and tools: no browser bundle, so
	 * none is built. */
	app->cfg.hydrate = 0;
	int rc           = app_start(app, 1);
	if (rc != 0) {
		return rc;
	}
	ssrd_job *job = NULL;
	int       rv  = ssrd__job_new(app->site, app->route, app->props,
            app->props ? strlen(app->props) : 0, &job);
	if (rv == SSRD_ENOROUTE || rv == SSRD_EINVAL) {
		fprintf(stderr,
		    "ssrd: no route matches \"%s\"; the site's routes are:\n",
		    app->route);
		for (size_t i = 0; i < app->site->routes.n; i++) {
			if (i + 1 != app->site->routes.not_found_at) {
				fprintf(stderr, "  %s\n",
				    app->site->routes.v[i].pattern);
			}
		}
		return EXIT_NO_ROUTE;
	}
	if (rv != SSRD_OK) {
		fprintf(stderr, "ssrd: out of memory\n");
		return EXIT_START;
	}
	job->id = 1;
	rv      = ssrd__pool_render(app->pool, job);
	ssrd__log(SSRD_LOG_INFO, "timing",
	    "render=1 path=%s queue_ms=%.3f render_ms=%.3f", job->path,
	    job->queue_ms, job->render_ms);
	if (rv == SSRD_OK) {
		fwrite(job->html, 1, job->html_len, stdout);
		rc = fflush(stdout) == 0 ? 0 : EXIT_START;
	} else if (rv == SSRD_EBADPROPS) {
		fprintf(stderr, "ssrd: bad --props: %s\n", job->error_text);
		rc = EXIT_USAGE;
	} else if (rv == SSRD_EBUILD) {
		fprintf(stderr, "ssrd: %s (%s) did not build:\n%s\n",
		    app->route, job->page_key, job->error_text);
		rc = EXIT_START;
	} else {
		fprintf(stderr, "ssrd: rendering %s (%s) failed: %s\n",
		    app->route, job->page_key,
		    job->error_text ? job->error_text : ssrd_strerror(rv));
		rc = EXIT_RENDER_ERROR;
	}
	ssrd__job_free(job);
	return rc;
}

/* One line of `ssrd routes`: the pattern, the page, and what wraps it from
 * the root down: "app/layout.tsx > app/blog/layout.tsx", then the nearest
 * loading, error and not-found files. */
static void
print_route(const ssrd_routes *routes, const ssrd_route *r)
{
	printf("%-28s %-36s", r->pattern, r->page_key);
	const char *nearest[SSRD_SEGF_COUNT] = { 0 };
	int         layouts                  = 0;
	for (size_t k = 0; k < r->nchain; k++) {
		const ssrd_segment *g = &routes->segments[r->chain[k]];
		if (g->files[SSRD_SEGF_LAYOUT] != NULL) {
			printf("%s%s", layouts++ ? " > " : " layouts: ",
			    g->files[SSRD_SEGF_LAYOUT]);
		}
		for (int f = SSRD_SEGF_TEMPLATE; f < SSRD_SEGF_COUNT; f++) {
			if (g->files[f] != NULL) {
				nearest[f] = g->files[f];
			}
		}
	}
	for (int f = SSRD_SEGF_TEMPLATE; f < SSRD_SEGF_COUNT; f++) {
		if (nearest[f] != NULL) {
			printf("; %s: %s", ssrd__seg_file_name(f), nearest[f]);
		}
	}
	putchar('\n');
}

/* Lists each site's routes; with several sites, under a line naming each. */
static int
cmd_routes(struct app *app)
{
	char errbuf[512];
	if (ssrd__config_sites(
	        &app->cfg, &app->entries, &app->nsites, errbuf, sizeof(errbuf))
	    != SSRD_OK) {
		fprintf(stderr, "ssrd: %s\n", errbuf);
		return EXIT_START;
	}
	for (size_t s = 0; s < app->nsites; s++) {
		ssrd_routes routes;
		char       *root = ssrd__path_real(app->entries[s].path);
		if (root == NULL
		    || ssrd__routes_scan(root, &routes, errbuf, sizeof(errbuf))
		        != SSRD_OK) {
			fprintf(stderr, "ssrd: %s\n",
			    root ? errbuf
			         : "the site directory does not exist");
			free(root);
			return EXIT_START;
		}
		if (app->nsites > 1) {
			printf("%s# %s %s\n", s ? "\n" : "",
			    app->entries[s].host ? app->entries[s].host
			                         : "(default)",
			    root);
		}
		for (size_t i = 0; i < routes.n; i++) {
			print_route(&routes, &routes.v[i]);
		}
		for (size_t i = 0; i < routes.nwarnings; i++) {
			fprintf(
			    stderr, "ssrd: warning: %s\n", routes.warnings[i]);
		}
		ssrd__routes_free(&routes);
		free(root);
	}
	return 0;
}

/* ---- serve's signals: SIGHUP reloads, SIGTERM and SIGINT drain ---- */

static const char *
signal_name(int sig)
{
	return sig == SIGHUP ? "SIGHUP" : sig == SIGINT ? "SIGINT" : "SIGTERM";
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) { }
}

/* A config value as a logfmt value (malloc'd): text quoted as the log
 * quotes it, a number as it is. */
static char *
log_value(const ssrd_config_change *c, const char *v)
{
	return c->text ? ssrd__log_quote(v, strlen(v)) : strdup(v);
}

struct reload_apply {
	struct app  *app;
	ssrd_config *fresh;
};

/* Puts the reloaded value of the live option called name into the running
 * config, and into effect; returns 1, or 0 for an option it cannot apply.
 * Only this thread reads these options. */
static int
apply_live(struct app *app, ssrd_config *fresh, const char *name)
{
	if (strcmp(name, "log_level") == 0) {
		char *old          = app->cfg.log_level;
		app->cfg.log_level = fresh->log_level;
		fresh->log_level   = old; /* freed with fresh */
		ssrd__log_set_level(ssrd__log_level_parse(app->cfg.log_level));
	} else if (strcmp(name, "timing_log") == 0) {
		char *old           = app->cfg.timing_log;
		app->cfg.timing_log = fresh->timing_log;
		fresh->timing_log   = old;
		ssrd__stats_set_log_level(
		    ssrd__log_level_parse(app->cfg.timing_log));
	} else if (strcmp(name, "drain_ms") == 0) {
		app->cfg.drain_ms = fresh->drain_ms;
	} else {
		return 0;
	}
	return 1;
}

/* One option that differs in the reloaded config: applied at once if the
 * table says it can be (.live), else named in a warning; the running value
 * stays until a restart. */
static void
apply_change(const ssrd_config_change *c, void *arg)
{
	struct reload_apply *ra = arg;
	/* a secret's values are not for the log: that it changed is enough */
	char *was  = c->secret ? strdup("(secret)") : log_value(c, c->before);
	char *now  = c->secret ? strdup("\"(secret, changed)\"")
	                       : log_value(c, c->after);
	int   live = c->live && apply_live(ra->app, ra->fresh, c->name);
	assert(live == c->live); /* every live option has its applier */
	ssrd__log(live ? SSRD_LOG_INFO : SSRD_LOG_WARN,
	    live ? "config_applied" : "restart_needed",
	    "option=%s running=%s configured=%s%s", c->name, live ? now : was,
	    now, live ? "" : " msg=\"takes effect when ssrd restarts\"");
	free(was);
	free(now);
}

/* Loads every site again now; returns how many failed, the first one's
 * error in errbuf. */
static size_t
reload_sites(struct app *app, char *errbuf, size_t errlen)
{
	size_t failed = 0;
	char why[4096]; /* the whole of it is in the site_reload_failed line */
	for (size_t i = 0; i < app->nsites; i++) {
		if (ssrd__reloader_reload_now(
		        app->reloaders[i], why, sizeof(why))
		    != SSRD_OK) {
			if (failed++ == 0) {
				snprintf(errbuf, errlen, "site %s: %s",
				    app->entries[i].path, why);
			}
		}
	}
	return failed;
}

/*
 * SIGHUP: reads the config file and the flags again (flags still win). An
 * invalid config is logged with its reason and changes nothing. A valid
 * one is applied where it can be live, the other changes are named as
 * needing a restart, and every site is loaded again: renders in flight
 * finish on the generation they started with, the next ones get the new
 * one, so no request fails because of a reload.
 */
static void
reload_all(struct app *app)
{
	char        errbuf[8192];
	ssrd_config fresh;
	double      t0 = ssrd__now_ms();
	ssrd__log(SSRD_LOG_INFO, "reloading", "signal=SIGHUP");
	if (args_config(NULL, &fresh, app->argc, app->argv, app->cmd, errbuf,
	        sizeof(errbuf))
	    != 0) {
		char *q = ssrd__log_quote(errbuf, strlen(errbuf));
		ssrd__log(SSRD_LOG_ERROR, "reload_failed",
		    "reason=%s msg=\"the config is invalid: still running on "
		    "the previous one\"",
		    q ? q : "\"\"");
		free(q);
		ssrd__config_clear(&fresh);
		return;
	}
	struct reload_apply ra = { app, &fresh };
	ssrd__config_diff(&app->cfg, &fresh, apply_change, &ra);
	ssrd__config_clear(&fresh);
	size_t failed = reload_sites(app, errbuf, sizeof(errbuf));
	if (failed > 0) {
		char *q = ssrd__log_quote(errbuf, strlen(errbuf));
		ssrd__log(SSRD_LOG_ERROR, "reload_failed",
		    "sites=%zu failed=%zu reason=%s msg=\"a site that did not "
		    "load keeps serving its last good build\"",
		    app->nsites, failed, q ? q : "\"\"");
		free(q);
		return;
	}
	ssrd__log(SSRD_LOG_INFO, "reloaded", "sites=%zu ms=%.1f", app->nsites,
	    ssrd__now_ms() - t0);
}

/* Takes the signals already pending without waiting: returns 1 if one of
 * them is another SIGTERM or SIGINT. A SIGHUP while draining is dropped. */
static int
stop_again(const sigset_t *sigs)
{
	struct timespec zero = { 0, 0 };
	int             sig, again = 0;
	while ((sig = sigtimedwait(sigs, NULL, &zero)) > 0) {
		if (sig == SIGHUP) {
			ssrd__log(SSRD_LOG_WARN, "reload_skipped",
			    "signal=SIGHUP reason=draining");
		} else {
			ssrd__log(SSRD_LOG_WARN, "drain_cut",
			    "signal=%s msg=\"a second stop signal: stopping "
			    "at once\"",
			    signal_name(sig));
			again = 1;
		}
	}
	return again;
}

/* How a drain went, for the closing log line. */
struct drain {
	int    sig;
	int    forced;       /* a second signal cut it short */
	size_t renders_left; /* queued or running when it ended */
	size_t replies_left; /* rendered but not yet written */
	double t0;
};

/* Waits for the queued and running renders, until deadline (ms) or a
 * second stop signal; in slices, so that such a signal is seen soon. */
static void
drain_renders(
    struct app *app, const sigset_t *sigs, double deadline, struct drain *d)
{
	for (;;) {
		double left     = deadline - ssrd__now_ms();
		d->renders_left = ssrd__pool_drain(app->pool,
		    left <= 0        ? 0
		        : left < 100 ? left
		                     : 100);
		if (d->renders_left == 0 || ssrd__now_ms() >= deadline) {
			return;
		}
		if (stop_again(sigs)) {
			d->forced = 1;
			return;
		}
	}
}

/* The renders are done; their replies are with the fronts, on their way
 * to the clients (a stream's last chunks, a protocol reply being sent, a
 * stream not yet pulled to its end). Gives them up to a second. */
static void
drain_replies(struct app *app, const sigset_t *sigs, struct drain *d)
{
	double deadline = ssrd__now_ms() + 1000;
	while ((d->replies_left
	           = ssrd__http_busy(app->http) + ssrd__ipc_busy(app->ipc))
	        > 0
	    && ssrd__now_ms() < deadline) {
		if (stop_again(sigs)) {
			d->forced = 1;
			return;
		}
		sleep_ms(10);
	}
	/* A buffered reply handed to nng is written by nng's own threads just
	 * after; the server's stop would cut a write still under way. */
	sleep_ms(50);
}

/*
 * SIGTERM or SIGINT: new requests are refused (HTTP 503 with Retry-After,
 * the protocol's `closed`); the queued and running renders get drain_ms to
 * finish and their replies a moment to be written. Whatever is left is
 * stopped by the teardown that follows. A second stop signal cuts it short.
 */
static void
drain(struct app *app, const sigset_t *sigs, struct drain *d)
{
	d->t0 = ssrd__now_ms();
	ssrd__log(SSRD_LOG_INFO, "draining",
	    "signal=%s grace_ms=%ld msg=\"refusing new requests, finishing "
	    "the ones in flight\"",
	    signal_name(d->sig), app->cfg.drain_ms);
	ssrd__http_drain(app->http);
	drain_renders(app, sigs, d->t0 + (double) app->cfg.drain_ms, d);
	if (d->renders_left == 0 && !d->forced) {
		drain_replies(app, sigs, d);
	}
	int clean = d->renders_left == 0 && d->replies_left == 0 && !d->forced;
	ssrd__log(clean ? SSRD_LOG_INFO : SSRD_LOG_WARN, "drained",
	    "renders_left=%zu replies_left=%zu ms=%.1f%s", d->renders_left,
	    d->replies_left, ssrd__now_ms() - d->t0,
	    d->renders_left > 0 ? " msg=\"stopping the renders still running\""
	                        : "");
}

/* Waits for signals until a stop: SIGHUP reloads, SIGTERM/SIGINT drain. */
static void
serve_until_stopped(struct app *app, const sigset_t *sigs, struct drain *d)
{
	for (;;) {
		int sig = 0;
		if (sigwait(sigs, &sig) != 0) {
			continue;
		}
		if (sig == SIGHUP) {
			reload_all(app);
			continue;
		}
		d->sig = sig;
		drain(app, sigs, d);
		return;
	}
}

/*
 * The listeners are up: writes the pid file, serves until a stop signal
 * and its drain, tears everything down, removes the pid file. Returns 0 (a
 * requested stop, even one cut short by a second signal), or EXIT_START
 * when the pid file cannot be written.
 */
static int
serve_signals(struct app *app, const sigset_t *sigs)
{
	char  errbuf[1024];
	char *pid_file = strdup(app->cfg.pid_file); /* outlives app_close */
	if (pid_file == NULL) {
		fprintf(stderr, "ssrd: out of memory\n");
		return EXIT_START;
	}
	if (pid_file[0] != '\0'
	    && ssrd__lifecycle_pidfile_write(pid_file, errbuf, sizeof(errbuf))
	        != SSRD_OK) {
		fprintf(stderr, "ssrd: %s\n", errbuf);
		free(pid_file);
		return EXIT_START;
	}
	if (pid_file[0] != '\0') {
		ssrd__log(SSRD_LOG_INFO, "pid_file", "path=%s pid=%ld",
		    pid_file, (long) getpid());
	}
	struct drain d = { 0 };
	serve_until_stopped(app, sigs, &d);
	app_close(app); /* stops what the drain left */
	ssrd__lifecycle_pidfile_remove(pid_file);
	free(pid_file);
	ssrd__log(SSRD_LOG_INFO, "stopped",
	    "signal=%s drained=%d forced=%d ms=%.1f", signal_name(d.sig),
	    d.renders_left == 0 && d.replies_left == 0 && !d.forced, d.forced,
	    ssrd__now_ms() - d.t0);
	return 0;
}

static int
cmd_serve(struct app *app)
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
		return EXIT_START;
	}
	int rc = app_start(app, ssrd__config_workers(&app->cfg));
	if (rc != 0) {
		return rc;
	}
	app->reloaders     = calloc(app->nsites, sizeof(ssrd_reloader *));
	const char **hosts = calloc(app->nsites, sizeof(char *));
	for (size_t i = 0;
	     app->reloaders != NULL && hosts != NULL && i < app->nsites; i++) {
		hosts[i] = app->entries[i].host;
		if (ssrd__reloader_start(&app->cfg, app->manifest,
		        app->site_v[i], app->cfg.watch_ms, &app->reloaders[i])
		    != SSRD_OK) {
			fprintf(
			    stderr, "ssrd: cannot start the site watcher\n");
			free(hosts);
			return EXIT_START;
		}
	}
	if (app->reloaders == NULL || hosts == NULL) {
		fprintf(stderr, "ssrd: out of memory\n");
		free(hosts);
		return EXIT_START;
	}
	app->diagnose_config
	    = diagnose_config(&app->cfg, ssrd__pool_workers(app->pool));
	app->diagnose = (ssrd_diagnose_src) { app->pool, started_ms,
		app->diagnose_config ? app->diagnose_config : "{}", NULL };
	if (app->cfg.http[0] != '\0') {
		char           errbuf[512];
		ssrd_http_opts ho = { .pass_headers = app->cfg.http_headers,
			.security_headers
			= (int) app->cfg.http_security_headers,
			.cache_bytes     = (size_t) app->cfg.cache_mb << 20,
			.cache_ttl       = (int) app->cfg.cache_ttl,
			.cache_swr       = (int) app->cfg.cache_swr,
			.client_fallback = app->cfg.client_fallback,
			.report      = app->cfg.metrics ? &app->diagnose : NULL,
			.admin_token = app->cfg.admin_token,
			.buffer_max  = (size_t) app->cfg.http_buffer_mb << 20,
			.send_timeout_ms  = (int) app->cfg.http_send_timeout_ms,
			.public_dotfiles  = (int) app->cfg.public_dotfiles,
			.public_max_bytes = (size_t) app->cfg.public_max_kb
			    << 10,
			.public_max_age = (int) app->cfg.public_max_age };
		if (ssrd__http_start(app->cfg.http, app->pool, hosts,
		        app->reloaders, app->nsites, &ho, &app->http, errbuf,
		        sizeof(errbuf))
		    != SSRD_OK) {
			fprintf(stderr, "ssrd: %s\n", errbuf);
			free(hosts);
			return EXIT_START;
		}
		for (size_t i = 0; i < app->nsites; i++) {
			ssrd__log(SSRD_LOG_INFO, "listening",
			    "http=%s host=%s site=%s", app->cfg.http,
			    hosts[i] ? hosts[i] : "*", app->site_v[i]->root);
		}
	}
	if (app->cfg.ipc[0] != '\0') {
		char errbuf[512];
		app->diagnose.respcache = ssrd__http_cache(app->http);
		ssrd_ipc_opts io        = { .addrs = app->cfg.ipc,
			       .contexts           = app->cfg.ipc_contexts,
			       .max_message = (size_t) app->cfg.max_message_kb << 10,
			       .max_batch   = (size_t) app->cfg.max_batch,
			       .stream_idle_ms = (double) app->cfg.stream_idle_ms,
			       .diagnose       = &app->diagnose,
			       .admin_token    = app->cfg.admin_token };
		if (ssrd__ipc_start(&io, app->pool, hosts, app->reloaders,
		        app->nsites, &app->ipc, errbuf, sizeof(errbuf))
		    != SSRD_OK) {
			fprintf(stderr, "ssrd: %s\n", errbuf);
			free(hosts);
			return EXIT_START;
		}
	}
	free(hosts);
	return serve_signals(app, &sigs);
}

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

/* ssrd diagnose: the state of the daemon at --connect (else the config's
 * first ipc address). */
static int
cmd_diagnose_client(struct app *app)
{
	if (app->client.connect == NULL) {
		app->client.connect = app->cfg.ipc;
	}
	if (app->client.connect[0] == '\0') {
		fprintf(stderr,
		    "ssrd: no address to connect to: pass --connect "
		    "ipc:///PATH or set [server] ipc\n");
		return EXIT_START;
	}
	app->client.token = app->cfg.admin_token;
	return ssrd__cmd_diagnose(&app->client);
}

/* ssrd render: a client of the daemon at --connect (else the config's ipc). */
static int
cmd_render_client(struct app *app)
{
	if (app->route == NULL) {
		fprintf(stderr,
		    "ssrd: render needs a path, e.g. ssrd render /products\n");
		return EXIT_USAGE;
	}
	app->client.url   = app->route;
	app->client.props = app->props;
	if (app->client.connect == NULL) {
		app->client.connect = app->cfg.ipc;
	}
	if (app->client.connect[0] == '\0') {
		fprintf(stderr,
		    "ssrd: no address to connect to: pass --connect "
		    "ADDR or set [server] ipc\n");
		return EXIT_START;
	}
	return ssrd__cmd_render(&app->client);
}

int
main(int argc, char **argv)
{
	/* before anything uses SQLite: lets db_heap_mb bound each query */
	(void) ssrd__host_db_init();
	if (argc < 2 || strcmp(argv[1], "help") == 0
	    || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	const char *cmd = argv[1];
	/* Big buffers (a page's output, a slow client's backlog) from their
	 * own mappings, given back to the system when freed: with glibc's
	 * sliding threshold they came from the heap after the first, and a
	 * burst of big pages left the daemon that much bigger for good
	 * (measured: 40 clients that did not read a 13 MB page, 149 -> 261
	 * MB, still after they left). */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	if (strcmp(cmd, "snapshot-make") == 0) {
		/* Internal: ssrd runs itself this way to make the base's
		 * snapshot. */
		char errbuf[4096];
		if (argc != 5 || strcmp(argv[2], "--out") != 0) {
			fprintf(stderr,
			    "usage: ssrd snapshot-make --out FILE SCRIPT\n");
			return EXIT_USAGE;
		}
		if (ssrd__snapshot_make(
		        argv[4], argv[3], errbuf, sizeof(errbuf))
		    != SSRD_OK) {
			fprintf(stderr, "ssrd snapshot-make: %s\n", errbuf);
			return EXIT_START;
		}
		return 0;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("ssrd %s\n", ssrd_version());
		return 0;
	}
	if (strcmp(cmd, "serve") != 0 && strcmp(cmd, "render") != 0
	    && strcmp(cmd, "render-local") != 0 && strcmp(cmd, "routes") != 0
	    && strcmp(cmd, "config") != 0 && strcmp(cmd, "diagnose") != 0) {
		fprintf(stderr,
		    "ssrd: unknown command \"%s\" (try ssrd help)\n", cmd);
		return EXIT_USAGE;
	}
	struct app app = { 0 };
	int        rc  = parse_args(&app, argc, argv, cmd);
	if (rc == 0) {
		if (strcmp(cmd, "config") == 0) {
			ssrd__config_print(&app.cfg, stdout, 0);
		} else if (strcmp(cmd, "routes") == 0) {
			rc = cmd_routes(&app);
		} else if (strcmp(cmd, "render-local") == 0) {
			rc = cmd_render(&app);
		} else if (strcmp(cmd, "render") == 0) {
			rc = cmd_render_client(&app);
		} else if (strcmp(cmd, "diagnose") == 0) {
			rc = cmd_diagnose_client(&app);
		} else {
			rc = cmd_serve(&app);
		}
	}
	app_close(&app);
	return rc;
}
