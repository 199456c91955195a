/* bundle.h: a built JavaScript bundle as the engine runs it: its code, its
 * source map and V8's code cache for it; and errors mapped back through the
 * maps. esbuild.h builds bundles; site_bundles.h builds a site's. */
#ifndef SSRD_BUNDLE_H
#define SSRD_BUNDLE_H

#include <stddef.h>

#include "build/sourcemap.h"
#include "engine/engine.h"

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
 * Formats a JS error as "message\n    at fn (file:line:col)…", mapping
 * each frame that lies in one of the nb bundles back to its source file;
 * paths under display_root are shown relative to it. Returns a malloc'd
 * string (caller frees), or NULL when out of memory.
 */
char *ssrd__bundle_format_error(const ssrd_js_error *err,
    const ssrd_bundle *const *bundles, size_t nb, const char *display_root);

#endif
