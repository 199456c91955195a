/* site.c loads a site: its routes from app/ and its bundle. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "fsutil.h"
#include "log.h"
#include "site.h"

int
ssrd__site_load(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *root, ssrd_site **out, char *errbuf, size_t errlen)
{
	ssrd_site *site = calloc(1, sizeof(*site));
	if (site == NULL) {
		return SSRD_ENOMEM;
	}
	site->root = ssrd__path_real(root);
	if (site->root == NULL) {
		snprintf(errbuf, errlen,
		    "site %s does not exist (set [site] site or --site)", root);
		free(site);
		return SSRD_ENOENT;
	}
	int rv = ssrd__routes_scan(site->root, &site->routes, errbuf, errlen);
	if (rv == SSRD_OK && site->routes.n == 0) {
		snprintf(errbuf, errlen,
		    "site %s has no pages: add app/page.jsx", site->root);
		rv = SSRD_ENOENT;
	}
	if (rv == SSRD_OK) {
		rv = ssrd__bundle_get_site(cfg, manifest, site->root,
		    &site->routes, &site->bundle, errbuf, errlen);
	}
	if (rv != SSRD_OK) {
		ssrd__site_free(site);
		return rv;
	}
	ssrd__log(SSRD_LOG_INFO, "site_loaded",
	    "root=%s routes=%zu bundle_bytes=%zu", site->root, site->routes.n,
	    site->bundle.len);
	*out = site;
	return SSRD_OK;
}

void
ssrd__site_free(ssrd_site *site)
{
	if (site == NULL) {
		return;
	}
	ssrd__bundle_clear(&site->bundle);
	ssrd__routes_free(&site->routes);
	free(site->root);
	free(site);
}
