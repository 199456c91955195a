/* snapshot.h: the React base as a V8 startup snapshot, cached under cache/ like
 * any layer. */
#ifndef SSRD_SNAPSHOT_H
#define SSRD_SNAPSHOT_H

#include <stddef.h>

#include "build/bundle.h"
#include "build/manifest.h"

/*
 * Gets the startup snapshot of the base layer (base must be loaded; its
 * path is the snapshot's input) as base.snapshot beside base.js: from the
 * cache when the manifest (may be NULL) vouches for it, else made by running
 * `program snapshot-make` (program: the ssrd binary) and recorded. The key
 * holds V8's version, so a V8 upgrade makes every cached snapshot foreign.
 * out->code holds the blob. Returns SSRD_OK, or an error with the reason in
 * errbuf. Main thread, after ssrd__engine_init().
 */
int ssrd__snapshot_get(ssrd_manifest *manifest, const ssrd_bundle *base,
    const char *program, ssrd_bundle *out, char *errbuf, size_t errlen);

/*
 * The snapshot maker, run as `ssrd snapshot-make --out FILE SCRIPT` in a
 * process of its own: initialises V8 with deterministic flags, snapshots
 * SCRIPT and writes the blob to FILE. Returns SSRD_OK or an error with the
 * reason in errbuf. Call instead of any other engine use in that process.
 */
int ssrd__snapshot_make(
    const char *script_path, const char *out_path, char *errbuf, size_t errlen);

#endif
