/* bundle.h: JavaScript bundles built by esbuild (run as a subprocess), with
 * their source maps. */
#ifndef SSRD_BUNDLE_H
#define SSRD_BUNDLE_H

#include <stddef.h>

#include "config.h"
#include "engine/engine.h"
#include "manifest.h"
#include "routes.h"
#include "sourcemap.h"

/*
 * One built bundle: its code, the file it was written to (also the script
 * name V8 reports in stack traces), and its source map. Immutable once
 * built; shared read-only by every worker.
 */
typedef struct ssrd_bundle {
	char  *path; /* absolute path of the .js file under the cache dir */
	char  *code; /* the bundle's text */
	size_t len;
	ssrd_sourcemap *map;     /* NULL if the map could not be read */
	char           *map_dir; /* the directory map sources are relative to */
	int   from_cache; /* 1 if read from the cache, 0 if esbuild built it */
	char *code_cache; /* V8's code cache for code (path.v8cache), or NULL */
	size_t code_cache_len;
	int    code_cache_saved; /* atomic: a worker has written path.v8cache */
	double build_ms;         /* esbuild's time when it built it */
	int    kind; /* 1 + its ssrd_layer_kind once its bytes are counted in
	                cachestats (a layer); 0: not counted */
} ssrd_bundle;

/*
 * Reads the file at path into a bundle, with its source map (path.map) if
 * has_map and it parses, and then its V8 code cache (path.v8cache) if one
 * made for these very bytes is there. Returns SSRD_OK, SSRD_ENOENT, SSRD_EIO,
 * SSRD_ENOMEM.
 */
int ssrd__bundle_read(const char *path, int has_map, ssrd_bundle *out);

/*
 * Writes V8's code cache for b (len bytes at data) to b->path.v8cache,
 * behind a header that ties it to b's exact code and checksums it, so that a
 * later ssrd__bundle_read() hands V8 only a cache made for these bytes.
 * Atomic; several workers may race to write it. Returns SSRD_OK or SSRD_EIO.
 */
int ssrd__bundle_save_code_cache(
    const ssrd_bundle *b, const char *data, size_t len);

/* Frees b's contents. NULL is a harmless no-op. */
void ssrd__bundle_clear(ssrd_bundle *b);

/*
 * Gets the React base layer (react, react-dom/server, the JSX runtime and
 * ssrd's polyfills, from cfg->runtime_dir/base.js) as <cache_dir>/base.js:
 * from the cache if manifest (may be NULL) vouches for it (same settings,
 * inputs unchanged, checksums right), else built by esbuild and recorded.
 * Returns SSRD_OK, or SSRD_EBUILD with esbuild's own message in errbuf.
 */
int ssrd__bundle_get_base(const ssrd_config *cfg, ssrd_manifest *manifest,
    ssrd_bundle *out, char *errbuf, size_t errlen);

/* A set of names (npm package specifiers), in the order first added. */
typedef struct ssrd_names {
	char **v;
	size_t n;
} ssrd_names;

/* Adds name unless it is there. Returns SSRD_OK or SSRD_ENOMEM. */
int  ssrd__names_add(ssrd_names *s, const char *name);
int  ssrd__names_has(const ssrd_names *s, const char *name);
void ssrd__names_free(ssrd_names *s);

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

/*
 * Formats a JS error as "message\n    at fn (file:line:col)…", mapping
 * each frame that lies in one of the nb bundles back to its source file;
 * paths under display_root are shown relative to it. Returns a malloc'd
 * string (caller frees), or NULL when out of memory.
 */
char *ssrd__bundle_format_error(const ssrd_js_error *err,
    const ssrd_bundle *const *bundles, size_t nb, const char *display_root);

#endif
