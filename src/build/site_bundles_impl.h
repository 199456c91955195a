/* site_bundles_impl.h: what site_bundles.c shares with the builders of a
 * site's layers (shell_bundle.c, page_bundle.c, client_bundle.c). */
#ifndef SSRD_SITE_BUNDLES_IMPL_H
#define SSRD_SITE_BUNDLES_IMPL_H

#include <stddef.h>

#include "build/esbuild.h"
#include "build/site_bundles.h"
#include "core/strbuf.h"

/* Server layers resolve packages as Node does (their "node" and "main"
 * builds, not the browser's, which touch `document`) and leave Node's
 * built-ins to the base (see js/runtime/node/). The CSS they import
 * (global, and .module.css as local names) is written beside each layer,
 * from the very build that named its classes, and linked from the page
 * (ssrd__bundle_stylesheet). Images and fonts become URLs of content-hashed
 * copies that ssrd serves from the cache (/_ssrd/assets/); the browser's bundle
 * names them alike, so that hydration sees the same URL. */
#define ESBUILD_ASSETS                                                         \
	"--loader:.svg=file", "--loader:.png=file", "--loader:.jpg=file",      \
	    "--loader:.jpeg=file", "--loader:.gif=file",                       \
	    "--loader:.webp=file", "--loader:.avif=file",                      \
	    "--loader:.ico=file", "--loader:.woff=file",                       \
	    "--loader:.woff2=file", "--loader:.ttf=file",                      \
	    "--loader:.otf=file", "--public-path=/_ssrd/",                     \
	    "--asset-names=assets/[name].[hash]"

/* React stays external in site layers: `require("react")` resolves to the
 * base's copy; so do ssrd's bridge and its next/ modules. */
#define ESBUILD_SITE                                                           \
	ESBUILD_FLAGS, "--platform=node", "--jsx=automatic",                   \
	    "--external:react", "--external:react/*", "--external:react-dom",  \
	    "--external:react-dom/*", "--external:ssrd", "--external:next/*",  \
	    "--minify-syntax", "--minify-whitespace", "--loader:.js=jsx",      \
	    ESBUILD_ASSETS

/* Where a site's layers go: <cache_dir>/sites/<XXH3 of the root>. */
int ssrd__site_bundles_dir(const ssrd_config *cfg, const char *site_root,
    char *dir, size_t len, char *errbuf, size_t errlen);

/* Writes text to path unless it already holds exactly that, so its mtime (an
 * input's) stays put. */
int ssrd__write_if_changed(const char *path, const ssrd_strbuf *text);

/*
 * Adds `import * as gN from "<file>"` to imports for every segment file of
 * routes (layouts, templates, error, loading and not-found files of each
 * directory of app/), and to segments the entries of the object
 * tree.js's chainOf() reads: `"app/blog": { layout: gN, ... },`; and to
 * registry (may be NULL) `"app/blog/layout.jsx": gN,` for each file. The
 * files of broken (may be NULL) are left out.
 */
void ssrd__segments_import(ssrd_strbuf *imports, ssrd_strbuf *segments,
    ssrd_strbuf *registry, const char *site_root, const ssrd_routes *routes,
    const ssrd_names *broken);

/* Node's built-in modules: esbuild (--platform=node) leaves them external. */
int ssrd__is_node_builtin(const char *name);

/* Adds to skip each name that esbuild's message says it could not resolve
 * and that wanted(name) accepts; returns how many. */
size_t ssrd__unresolved_imports(
    const char *msg, int (*wanted)(const char *name), ssrd_names *skip);

/*
 * Gets the esbuild layer built by job (its args are filled here) from first,
 * the nfixed flags of fixed, and one flag per name of extra (may be NULL):
 * fmt with prefix and the name (two %s). Returns as ssrd__layer_get().
 */
int ssrd__esbuild_layer_with(ssrd_manifest *manifest, const char *name,
    const char *outfile, struct esbuild_job *job, const char *first,
    const char *const *fixed, size_t nfixed, const ssrd_names *extra,
    const char *fmt, const char *prefix, ssrd_bundle *out, char *errbuf,
    size_t errlen);

#endif
