/* layer.h: one cached build product (a bundle, a snapshot): found on disk and
 * verified, or built and recorded. */
#ifndef SSRD_LAYER_H
#define SSRD_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "build/bundle.h"
#include "build/manifest.h"

typedef struct ssrd_layer_spec ssrd_layer_spec;

/*
 * Builds spec->outfile (and its .map if spec->has_map) and adds every file
 * it was built from to rec->inputs with ssrd__layer_add_input(). Returns
 * SSRD_OK, or an error with the reason in errbuf.
 */
typedef int (*ssrd_layer_build_fn)(const ssrd_layer_spec *spec,
    ssrd_layer_record *rec, char *errbuf, size_t errlen);

/* What a layer is and how to build it. */
struct ssrd_layer_spec {
	const char
	    *name; /* in the manifest: "base", "site:/srv/a", "snapshot:base" */
	const char    *outfile; /* absolute */
	int            has_map; /* outfile.map belongs to it */
	uint64_t       key; /* the settings it depends on besides its inputs */
	ssrd_manifest *manifest; /* NULL: always build, record nothing */
	ssrd_layer_build_fn build;
	void               *arg;     /* for build */
	const char         *builder; /* for the log: "esbuild", "v8" */
};

/*
 * Gets a layer into *out: read from spec->outfile when the manifest has a
 * record with the same key and path, whose inputs are unchanged (same size
 * and mtime, or else the same XXH3 of their contents) and whose bytes (and
 * map's) match the recorded checksums; else built with spec->build and
 * recorded. Each outcome is logged (event=layer source=cache|<builder>, or
 * event=layer_stale with the reason). Returns SSRD_OK or the build's error.
 * Not thread-safe for one spec name: callers build a layer from one thread.
 */
int ssrd__layer_get(
    const ssrd_layer_spec *spec, ssrd_bundle *out, char *errbuf, size_t errlen);

/* Adds the file at path (absolute) to rec's inputs with its size, mtime and
 * hash. Returns SSRD_OK, SSRD_EIO, SSRD_ENOMEM. */
int ssrd__layer_add_input(ssrd_layer_record *rec, const char *path);

/* XXH3 of ssrd's version and the n strings: the usual layer key. */
uint64_t ssrd__layer_key(const char *const *parts, size_t n);

#endif
