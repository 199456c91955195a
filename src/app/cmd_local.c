/* cmd_local.c: the commands that work in-process, with no daemon:
 * `ssrd render-local ROUTE` and `ssrd routes`. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "app/app.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "render/job.h"
#include "render/pool.h"
#include "source/routes.h"

int
ssrd__cmd_render_local(ssrd_app *app)
{
	if (app->route == NULL) {
		fprintf(stderr,
		    "ssrd: render needs a path, e.g. ssrd render /products\n");
		return SSRD_EXIT_USAGE;
	}
	/* In-process output is for scripts and tools: no browser bundle, so
	 * none is built. */
	app->cfg.hydrate = 0;
	/* and one render: warming the worker up first would only delay it */
	app->cfg.warmup_ms = 0;
	int rc             = ssrd__app_start(app, 1);
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
		return SSRD_EXIT_NO_ROUTE;
	}
	if (rv != SSRD_OK) {
		fprintf(stderr, "ssrd: out of memory\n");
		return SSRD_EXIT_START;
	}
	job->id = 1;
	rv      = ssrd__pool_render(app->pool, job);
	ssrd__log(SSRD_LOG_INFO, "timing",
	    "render=1 path=%s queue_ms=%.3f render_ms=%.3f", job->path,
	    job->queue_ms, job->render_ms);
	if (rv == SSRD_OK) {
		fwrite(job->html, 1, job->html_len, stdout);
		rc = fflush(stdout) == 0 ? 0 : SSRD_EXIT_START;
	} else if (rv == SSRD_EBADPROPS) {
		fprintf(stderr, "ssrd: bad --props: %s\n", job->error_text);
		rc = SSRD_EXIT_USAGE;
	} else if (rv == SSRD_EBUILD) {
		fprintf(stderr, "ssrd: %s (%s) did not build:\n%s\n",
		    app->route, job->page_key, job->error_text);
		rc = SSRD_EXIT_START;
	} else {
		fprintf(stderr, "ssrd: rendering %s (%s) failed: %s\n",
		    app->route, job->page_key,
		    job->error_text ? job->error_text : ssrd_strerror(rv));
		rc = SSRD_EXIT_RENDER_ERROR;
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

/* With several sites, each site's list comes under a line naming it. */
int
ssrd__cmd_routes(ssrd_app *app)
{
	char errbuf[512];
	if (ssrd__config_sites(
	        &app->cfg, &app->entries, &app->nsites, errbuf, sizeof(errbuf))
	    != SSRD_OK) {
		fprintf(stderr, "ssrd: %s\n", errbuf);
		return SSRD_EXIT_START;
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
			return SSRD_EXIT_START;
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
