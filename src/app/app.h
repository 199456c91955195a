/* app.h: what one run of the ssrd command holds, how it reads its command
 * line, starts and stops, and the commands that need it. Main thread only. */
#ifndef SSRD_APP_H
#define SSRD_APP_H

#include <signal.h>
#include <stddef.h>

#include "app/cmd_render.h"
#include "build/manifest.h"
#include "config/config.h"
#include "diag/diagnose.h"
#include "host/host.h"
#include "host/hostpool.h"
#include "http/http.h"
#include "proto/ipc.h"
#include "render/pool.h"
#include "site/reload.h"
#include "site/site.h"
#include "site/sites.h"

/* Exit codes, documented in the README. */
enum {
	SSRD_EXIT_RENDER_ERROR = 1, /* the page threw */
	SSRD_EXIT_USAGE        = 2, /* bad command line or props */
	SSRD_EXIT_NO_ROUTE     = 3, /* no route matches the path */
	SSRD_EXIT_START = 4, /* bad config, build failure, cannot start */
};

/*
 * Everything one run holds, torn down in reverse order by
 * ssrd__app_close(). Zeroed, then filled by ssrd__app_parse_args(); what
 * ssrd__app_start() and serve add, they own until the close.
 */
typedef struct ssrd_app {
	ssrd_config       cfg;
	ssrd_manifest    *manifest;
	ssrd_bundle       base;
	ssrd_bundle       snapshot; /* code empty when off */
	ssrd_site_entry  *entries;  /* the `site` option, split */
	size_t            nsites;
	ssrd_site       **site_v; /* one loaded site per entry (references) */
	ssrd_site        *site;   /* site_v[0], the default */
	ssrd_reloader   **reloaders; /* serve: one per site */
	ssrd_sites       *sites;     /* serve: the reloaders by Host */
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
	ssrd_diagnose_src diagnose;        /* serve: what diagnose reports */
	char             *diagnose_config; /* its config (malloc'd JSON) */
} ssrd_app;

/*
 * Fills cfg from the defaults, then --config, then every other flag (so
 * flags win); with app set, also render's and diagnose's own flags and the
 * positional path (pointers into argv). Returns 0, or an exit code with the
 * message in errbuf; cfg is then to be cleared all the same. serve runs it
 * again on SIGHUP, with app NULL, to read the config afresh (args.c).
 */
int ssrd__app_args(ssrd_app *app, ssrd_config *cfg, int argc, char **argv,
    const char *cmd, char *errbuf, size_t errlen);

/* Reads the command line into app (ssrd__app_args()) and sets the log's
 * level and format from it. Returns 0, or an exit code after printing the
 * reason on stderr (args.c). */
int ssrd__app_parse_args(ssrd_app *app, int argc, char **argv, const char *cmd);

/* Builds the layers, loads the sites and starts the host bridge and
 * `workers` workers: what serve and render-local share. Returns 0, or
 * SSRD_EXIT_START after printing the reason on stderr; what did start is
 * stopped by ssrd__app_close() (app.c). */
int ssrd__app_start(ssrd_app *app, long workers);

/* Stops and frees everything app holds, in reverse order, and zeroes it; a
 * second call is a harmless no-op (app.c). */
void ssrd__app_close(ssrd_app *app);

/* ssrd render-local ROUTE: renders in-process, HTML to stdout. Returns the
 * exit code (cmd_local.c). */
int ssrd__cmd_render_local(ssrd_app *app);

/* ssrd routes: lists each site's routes. Returns the exit code
 * (cmd_local.c). */
int ssrd__cmd_routes(ssrd_app *app);

/* ssrd serve: starts, listens and serves until SIGTERM or SIGINT, then
 * drains and stops. Returns the exit code (serve.c). */
int ssrd__cmd_serve(ssrd_app *app);

/*
 * serve, once its listeners are up: writes the pid file, reloads on
 * SIGHUP, drains on SIGTERM/SIGINT, tears app down and removes the pid
 * file. sigs are the signals serve blocked before starting. Returns 0, or
 * SSRD_EXIT_START when the pid file cannot be written (serve_signals.c).
 */
int ssrd__serve_signals(ssrd_app *app, const sigset_t *sigs);

#endif
