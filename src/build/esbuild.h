/* esbuild.h: running esbuild (a subprocess) to build a layer, cached through
 * layer.c; and the React base layer, the first one every site needs. */
#ifndef SSRD_ESBUILD_H
#define SSRD_ESBUILD_H

#include <stddef.h>

#include "build/bundle.h"
#include "build/manifest.h"
#include "config/config.h"

/* Flags every bundle shares: one script, production React, a source map for
 * errors, and every error reported (esbuild stops at 10 by default, in no
 * fixed order: site_bundles.c reads which modules did not resolve from
 * them). */
#define ESBUILD_FLAGS                                                          \
	"--bundle", "--format=iife", "--target=es2020",                        \
	    "--define:process.env.NODE_ENV=\"production\"",                    \
	    "--sourcemap=external", "--sources-content=false",                 \
	    "--log-level=error", "--log-limit=0", "--color=false"

/* The base and the browser's bundle: packages' browser builds. */
#define ESBUILD_COMMON ESBUILD_FLAGS, "--platform=browser"

/* What esbuild needs for one bundle: where it runs and its arguments. */
struct esbuild_job {
	const char *cwd;     /* metafile paths are relative to it */
	const char *esbuild; /* absolute */
	const char *
	    *args; /* after the binary, before --outfile; NULL-terminated */
	const char *stdin_path; /* the entry, read from stdin (so that it
	                           resolves from cwd); NULL: none */
};

/*
 * Writes dir/name into out as an absolute path: esbuild runs in another
 * directory, so a relative path from the config would point elsewhere.
 */
void ssrd__bundle_abs_path(
    char *out, size_t outlen, const char *dir, const char *name);

/* Gets the esbuild layer name, built by job into outfile (absolute), from
 * the cache or from esbuild. Returns as ssrd__layer_get(). */
int ssrd__bundle_esbuild_layer(ssrd_manifest *manifest, const char *name,
    const char *outfile, const struct esbuild_job *job, ssrd_bundle *out,
    char *errbuf, size_t errlen);

/*
 * Gets the React base layer (react, react-dom/server, the JSX runtime and
 * ssrd's polyfills, from cfg->runtime_dir/base.js) as <cache_dir>/base.js:
 * from the cache if manifest (may be NULL) vouches for it (same settings,
 * inputs unchanged, checksums right), else built by esbuild and recorded.
 * Returns SSRD_OK, or SSRD_EBUILD with esbuild's own message in errbuf.
 */
int ssrd__bundle_get_base(const ssrd_config *cfg, ssrd_manifest *manifest,
    ssrd_bundle *out, char *errbuf, size_t errlen);

#endif
