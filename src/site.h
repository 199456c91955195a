/* site.h: one site, its routes and its built bundle. */
#ifndef SSRD_SITE_H
#define SSRD_SITE_H

#include <stddef.h>

#include "bundle.h"
#include "config.h"
#include "routes.h"

/* A loaded site. Immutable once loaded, so every worker reads it without locks.
 */
typedef struct ssrd_site {
	char       *root; /* absolute, symlink-free */
	ssrd_routes routes;
	ssrd_bundle bundle; /* layout + pages, React external */
} ssrd_site;

/*
 * Scans the site at root for routes and gets its bundle (from the cache that
 * manifest records, if it may be NULL, or from esbuild). Stores a new
 * site in *out (free with ssrd__site_free()) and returns SSRD_OK, or an
 * error with the reason (path, line, column where there is one) in errbuf.
 */
int ssrd__site_load(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *root, ssrd_site **out, char *errbuf, size_t errlen);

/* Frees a site. NULL is a harmless no-op. */
void ssrd__site_free(ssrd_site *site);

#endif
