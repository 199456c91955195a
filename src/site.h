/* site.h: one site, its routes and its built bundle. */
#ifndef SSRD_SITE_H
#define SSRD_SITE_H

#include <stddef.h>

#include "bundle.h"
#include "config.h"
#include "routes.h"

/*
 * A loaded site: its routes, its shell (layout + components/) and one page
 * delta per route, index for index. A route whose page failed to build has
 * an empty delta and its esbuild message in page_errors[i]; every other
 * route serves. Immutable once loaded, so every worker reads it without
 * locks.
 */
typedef struct ssrd_site {
	char        *root; /* absolute, symlink-free */
	ssrd_routes  routes;
	ssrd_bundle  shell;
	ssrd_bundle *pages;       /* routes.n of them */
	char       **page_errors; /* routes.n; NULL where the page built */
} ssrd_site;

/*
 * Scans the site at root for routes and gets its shell and page deltas (from
 * the cache that manifest records, if it may be NULL, or from esbuild). A
 * page that fails to build fails only its route. Stores a new
 * site in *out (free with ssrd__site_free()) and returns SSRD_OK, or an
 * error with the reason (path, line, column where there is one) in errbuf.
 */
int ssrd__site_load(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *root, ssrd_site **out, char *errbuf, size_t errlen);

/* Returns route i's page delta, or NULL with its build error in *why. */
const ssrd_bundle *ssrd__site_page(
    const ssrd_site *site, size_t i, const char **why);

/* Frees a site. NULL is a harmless no-op. */
void ssrd__site_free(ssrd_site *site);

#endif
