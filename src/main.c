/* main.c: the ssrd command line — serve, render, routes, config, version. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>
#include <ssrd/version.h>

#include "bundle.h"
#include "cmd_render.h"
#include "config.h"
#include "engine/engine.h"
#include "fsutil.h"
#include "host.h"
#include "hostpool.h"
#include "http.h"
#include "ipc.h"
#include "log.h"
#include "pool.h"
#include "reload.h"
#include "site.h"
#include "snapshot.h"
#include "subprocess.h"
#include "timers.h"

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
	ssrd_config      cfg;
	ssrd_manifest   *manifest;
	ssrd_bundle      base;
	ssrd_bundle      snapshot; /* code empty when off */
	ssrd_site_entry *entries;  /* the `site` option, split */
	size_t           nsites;
	ssrd_site      **site_v;    /* one loaded site per entry (references) */
	ssrd_site       *site;      /* site_v[0], the default */
	ssrd_reloader  **reloaders; /* serve: one per site */
	ssrd_host_opts   host;      /* what pages may reach */
	ssrd_hostpool   *hostpool;  /* the threads that reach it */
	ssrd_pool       *pool;
	ssrd_http       *http;
	ssrd_ipc        *ipc;    /* the render protocol's server */
	const char      *route;  /* render: the path */
	const char      *props;  /* render: --props */
	ssrd_render_cmd  client; /* render: the rest of its flags */
};

/* Reads --config first, then every other flag; positional words go to *route.
 */
static int
parse_args(struct app *app, int argc, char **argv, const char *cmd)
{
	char errbuf[512];
	if (ssrd__config_init(&app->cfg) != SSRD_OK) {
		fprintf(stderr, "ssrd: out of memory\n");
		return EXIT_START;
	}
	if (strcmp(cmd, "render") == 0 || strcmp(cmd, "render-local") == 0) {
		ssrd__config_set(
		    &app->cfg, "log_level", "warn", errbuf, sizeof(errbuf));
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			if (ssrd__config_load_file(
			        &app->cfg, argv[++i], errbuf, sizeof(errbuf))
			    != SSRD_OK) {
				fprintf(stderr, "ssrd: %s\n", errbuf);
				return EXIT_START;
			}
		}
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) != 0) {
			if (app->route != NULL) {
				fprintf(stderr,
				    "ssrd: unexpected argument \"%s\" (see "
				    "ssrd help)\n",
				    a);
				return EXIT_USAGE;
			}
			app->route = a;
			continue;
		}
		char        name[64];
		const char *value = strchr(a, '=');
		size_t n = value ? (size_t) (value - a - 2) : strlen(a + 2);
		if (n >= sizeof(name)) {
			fprintf(stderr, "ssrd: unknown option %s\n", a);
			return EXIT_USAGE;
		}
		memcpy(name, a + 2, n);
		name[n] = '\0';
		/* render's switches, which take no value */
		if (value == NULL && strcmp(name, "stream") == 0) {
			app->client.stream = 1;
			continue;
		}
		if (value == NULL && strcmp(name, "console") == 0) {
			app->client.console = 1;
			continue;
		}
		if (value != NULL) {
			value++;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			fprintf(
			    stderr, "ssrd: option --%s needs a value\n", name);
			return EXIT_USAGE;
		}
		if (strcmp(name, "config") == 0) {
			continue;
		}
		if (strcmp(name, "props") == 0) {
			app->props = value;
			continue;
		}
		if (strcmp(name, "connect") == 0) {
			app->client.connect = value;
			continue;
		}
		if (strcmp(name, "headers") == 0) {
			app->client.headers = value;
			continue;
		}
		if (strcmp(name, "host") == 0) {
			app->client.host = value;
			continue;
		}
		if (strcmp(name, "timeout-ms") == 0
		    || strcmp(name, "timeout_ms") == 0) {
			app->client.timeout_ms = atoi(value);
			continue;
		}
		if (ssrd__config_set(
		        &app->cfg, name, value, errbuf, sizeof(errbuf))
		    != SSRD_OK) {
			fprintf(stderr, "ssrd: --%s: %s\n", name, errbuf);
			return EXIT_USAGE;
		}
	}
	ssrd__log_set_level(ssrd__log_level_parse(app->cfg.log_level));
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
	if (ssrd__host_opts_init(&app->host, &app->cfg, errbuf, sizeof(errbuf))
	        != SSRD_OK
	    || ssrd__hostpool_start(
	           (size_t) app->cfg.host_threads, &app->hostpool)
	        != SSRD_OK) {
		fprintf(stderr, "ssrd: starting the host bridge failed: %s\n",
		    errbuf);
		return EXIT_START;
	}
	ssrd_pool_opts po = {
		.workers   = workers,
		.queue_max = (size_t) app->cfg.queue_max,
		.isolate   = { .heap_max_mb = (size_t) app->cfg.heap_max_mb,
		      .young_max_mb         = (size_t) app->cfg.young_max_mb,
		      .snapshot             = app->snapshot.code,
		      .snapshot_len         = app->snapshot.len },
		.isolation
		= (ssrd_isolation) ssrd__isolation_parse(app->cfg.isolation),
		.stream         = (int) app->cfg.streaming,
		.stall_ms       = (double) app->cfg.streaming_stall_ms,
		.timeout_ms     = (double) app->cfg.streaming_timeout_ms,
		.worker_renders = app->cfg.worker_renders,
		.host           = &app->host,
		.hostpool       = app->hostpool,
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
			printf("%-28s %s\n", routes.v[i].pattern,
			    routes.v[i].page_key);
		}
		ssrd__routes_free(&routes);
		free(root);
	}
	return 0;
}

static int
cmd_serve(struct app *app)
{
	/* Block the stop signals before any thread starts, so only sigwait()
	 * sees them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

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
	if (app->cfg.http[0] != '\0') {
		char           errbuf[512];
		ssrd_http_opts ho = { .pass_headers = app->cfg.http_headers,
			.security_headers
			= (int) app->cfg.http_security_headers,
			.cache_bytes     = (size_t) app->cfg.cache_mb << 20,
			.cache_ttl       = (int) app->cfg.cache_ttl,
			.cache_swr       = (int) app->cfg.cache_swr,
			.client_fallback = app->cfg.client_fallback };
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
		char          errbuf[512];
		ssrd_ipc_opts io = { .addrs = app->cfg.ipc,
			.contexts           = app->cfg.ipc_contexts,
			.max_message = (size_t) app->cfg.max_message_kb << 10,
			.max_batch   = (size_t) app->cfg.max_batch,
			.stream_idle_ms = (double) app->cfg.stream_idle_ms };
		if (ssrd__ipc_start(&io, app->pool, hosts, app->reloaders,
		        app->nsites, &app->ipc, errbuf, sizeof(errbuf))
		    != SSRD_OK) {
			fprintf(stderr, "ssrd: %s\n", errbuf);
			free(hosts);
			return EXIT_START;
		}
	}
	free(hosts);
	int sig = 0;
	sigwait(&stop, &sig);
	ssrd__log(SSRD_LOG_INFO, "stopping", "signal=%s",
	    sig == SIGINT ? "SIGINT" : "SIGTERM");
	return 0;
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
	if (argc < 2 || strcmp(argv[1], "help") == 0
	    || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	const char *cmd = argv[1];
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
	    && strcmp(cmd, "config") != 0) {
		fprintf(stderr,
		    "ssrd: unknown command \"%s\" (try ssrd help)\n", cmd);
		return EXIT_USAGE;
	}
	struct app app = { 0 };
	int        rc  = parse_args(&app, argc, argv, cmd);
	if (rc == 0) {
		if (strcmp(cmd, "config") == 0) {
			ssrd__config_print(&app.cfg, stdout);
		} else if (strcmp(cmd, "routes") == 0) {
			rc = cmd_routes(&app);
		} else if (strcmp(cmd, "render-local") == 0) {
			rc = cmd_render(&app);
		} else if (strcmp(cmd, "render") == 0) {
			rc = cmd_render_client(&app);
		} else {
			rc = cmd_serve(&app);
		}
	}
	app_close(&app);
	return rc;
}
