/* site_bundles.h: a site's layers, built by esbuild: the shell (segment
 * files, components, shared packages), one delta per page, the browser
 * bundle and the stylesheets beside them. */
#ifndef SSRD_SITE_BUNDLES_H
#define SSRD_SITE_BUNDLES_H

#include <stddef.h>

#include "build/bundle.h"
#include "build/manifest.h"
#include "config/config.h"
#include "core/names.h"
#include "source/routes.h"

/* The segment files (layouts, templates, ...) that failed to build, as
 * keys ("app/blog/layout.jsx"), each with esbuild's message (why[i] for
 * files.v[i]): the routes under them fail, the others serve. */
typedef struct ssrd_broken {
	ssrd_names files;
	char     **why;
} ssrd_broken;

/* Frees b's contents. */
void ssrd__broken_free(ssrd_broken *b);

/* Writes the directory of site_root's layers (<cache_dir>/sites/<hash>,
 * created if missing) into dir. Returns SSRD_OK or SSRD_EIO. */
int ssrd__bundle_site_dir(
    const ssrd_config *cfg, const char *site_root, char *dir, size_t len);

/*
 * Gets one route's page delta: its page and the site files it imports,
 * with React, npm packages and components/ kept external (the base and the
 * shell provide them), as <cache_dir>/sites/<hash>/page-<hash of key>.js;
 * the script defines the global __ssrd_page with the page's exports.
 * Cached like the base. Adds the packages the page imports to packages.
 * Returns SSRD_OK, or SSRD_EBUILD with esbuild's message, or ssrd's when a
 * site file imports a Node built-in no render can use (fs, http, ...).
 */
int ssrd__bundle_get_page(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *site_root, const ssrd_route *route, const ssrd_names *shared,
    ssrd_bundle *out, ssrd_names *packages, char *errbuf, size_t errlen);

/*
 * Finds the site's own files the shell holds besides components/ (what the
 * layout imports from app/, say), as paths relative to site_root, into
 * files: pages take them from the shell (ssrd__bundle_get_page()'s shared)
 * so that a module the layout and a page both import exists once. Built
 * by esbuild with packages left out, and cached like the shell. A segment
 * file that does not build is left out and added to broken. Returns
 * SSRD_OK, or SSRD_EBUILD with esbuild's message (a failure it cannot put
 * on a segment file: a component's, say).
 */
int ssrd__bundle_get_shell_files(const ssrd_config *cfg,
    ssrd_manifest *manifest, const char *site_root, const ssrd_routes *routes,
    ssrd_names *files, ssrd_broken *broken, char *errbuf, size_t errlen);

/*
 * Gets a site's shell: every segment file of routes (layouts, templates,
 * error, loading and not-found files), every module under components/, the
 * site's "use client" files (clients, relative paths: the shell tells
 * base.js which they are), the site
 * files of shared, and every package of packages (what the pages import), with
 * React kept external (the base provides it), as <cache_dir>/sites/<hash of
 * root>/shell.js, cached like the base: each package exists once per context,
 * shared by the layout, components and pages. Packages that cannot be found are
 * added to missing (may be NULL). site_root must be absolute. Returns SSRD_OK,
 * or SSRD_EBUILD with esbuild's message (file, line, column) in errbuf.
 */
int ssrd__bundle_get_shell(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *site_root, const ssrd_routes *routes, const ssrd_broken *broken,
    const ssrd_names *clients, const ssrd_names *shared,
    const ssrd_names *packages, ssrd_bundle *out, ssrd_names *missing,
    char *errbuf, size_t errlen);

/*
 * Gets the site's browser bundle, like the shell: from the cache or built
 * by esbuild. Without "use client" files (clients NULL or empty): React,
 * the segment files and every page of routes whose page_errors entry is
 * NULL (page_errors may be NULL), hydrating the whole document from
 * window.__SSRD__. With them: React and those files, hydrating each
 * island the server rendered. Returns as ssrd__bundle_get_shell().
 */
int ssrd__bundle_get_client(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *site_root, const ssrd_routes *routes,
    const char *const *page_errors, const ssrd_broken *broken,
    const ssrd_names *clients, ssrd_bundle *out, char *errbuf, size_t errlen);

/*
 * The stylesheet esbuild wrote beside layer b (b's path with .css for .js:
 * the CSS its modules import, global stylesheets and CSS modules alike),
 * copied into layer_dir/assets/ under a name of its content, as its URL
 * ("/_ssrd/assets/shell.<hash>.css") into url (len bytes; "" when b
 * imports no CSS). Returns SSRD_OK, or SSRD_EIO if it cannot be read or
 * copied.
 */
int ssrd__bundle_stylesheet(
    const ssrd_bundle *b, const char *layer_dir, char *url, size_t len);

#endif
