/* main.c: the ssrd command line — the usage text, the command table and
 * main(), and the commands that are clients of a running daemon. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>
#include <ssrd/version.h>

#include "app/app.h"
#include "app/cmd_render.h"
#include "build/snapshot.h"
#include "config/config.h"
#include "host/host.h"

/* The commands, then every option of the table (ssrd --help). */
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

/* ssrd diagnose: the state of the daemon at --connect (else the config's
 * first ipc address). */
static int
cmd_diagnose_client(ssrd_app *app)
{
	if (app->client.connect == NULL) {
		app->client.connect = app->cfg.ipc;
	}
	if (app->client.connect[0] == '\0') {
		fprintf(stderr,
		    "ssrd: no address to connect to: pass --connect "
		    "ipc:///PATH or set [server] ipc\n");
		return SSRD_EXIT_START;
	}
	app->client.token = app->cfg.admin_token;
	return ssrd__cmd_diagnose(&app->client);
}

/* ssrd render: a client of the daemon at --connect (else the config's ipc). */
static int
cmd_render_client(ssrd_app *app)
{
	if (app->route == NULL) {
		fprintf(stderr,
		    "ssrd: render needs a path, e.g. ssrd render /products\n");
		return SSRD_EXIT_USAGE;
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
		return SSRD_EXIT_START;
	}
	return ssrd__cmd_render(&app->client);
}

/* ssrd config: the effective configuration, secrets shown as "(set)". */
static int
cmd_config(ssrd_app *app)
{
	ssrd__config_print(&app->cfg, stdout, 0);
	return 0;
}

/* ssrd snapshot-make --out FILE SCRIPT. Internal: ssrd runs itself this
 * way to make the base's snapshot. */
static int
snapshot_make(int argc, char **argv)
{
	char errbuf[4096];
	if (argc != 5 || strcmp(argv[2], "--out") != 0) {
		fprintf(
		    stderr, "usage: ssrd snapshot-make --out FILE SCRIPT\n");
		return SSRD_EXIT_USAGE;
	}
	if (ssrd__snapshot_make(argv[4], argv[3], errbuf, sizeof(errbuf))
	    != SSRD_OK) {
		fprintf(stderr, "ssrd snapshot-make: %s\n", errbuf);
		return SSRD_EXIT_START;
	}
	return 0;
}

/* The commands that read the config (the flags and --config): each runs
 * on an app filled by ssrd__app_parse_args(), closed after it. */
static const struct command {
	const char *name;
	int (*run)(ssrd_app *app);
} commands[] = {
	{ "serve", ssrd__cmd_serve },
	{ "render", cmd_render_client },
	{ "render-local", ssrd__cmd_render_local },
	{ "routes", ssrd__cmd_routes },
	{ "config", cmd_config },
	{ "diagnose", cmd_diagnose_client },
};

int
main(int argc, char **argv)
{
	/* before anything uses SQLite: lets db_heap_mb bound each query */
	(void) ssrd__host_db_init();
	if (argc < 2 || strcmp(argv[1], "help") == 0
	    || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? SSRD_EXIT_USAGE : 0;
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
		return snapshot_make(argc, argv);
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("ssrd %s\n", ssrd_version());
		return 0;
	}
	const struct command *c = NULL;
	for (size_t i = 0;
	     c == NULL && i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(cmd, commands[i].name) == 0) {
			c = &commands[i];
		}
	}
	if (c == NULL) {
		fprintf(stderr,
		    "ssrd: unknown command \"%s\" (try ssrd help)\n", cmd);
		return SSRD_EXIT_USAGE;
	}
	ssrd_app app = { 0 };
	int      rc  = ssrd__app_parse_args(&app, argc, argv, cmd);
	if (rc == 0) {
		rc = c->run(&app);
	}
	ssrd__app_close(&app);
	return rc;
}
