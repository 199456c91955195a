/* snapshot.c makes and caches the V8 startup snapshot of the React base. */
#define _DEFAULT_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "build/layer.h"
#include "build/snapshot.h"
#include "core/fsutil.h"
#include "core/subprocess.h"
#include "engine/engine.h"

/* V8 flags for the snapshot maker: fixed seeds and no background threads,
 * so the same base gives the same bytes (measured: without them every run's
 * blob differs; with them they match). Serving isolates never see these:
 * the maker is a process of its own, and V8 rehashes the snapshot's tables
 * for the serving process's own random hash seed when it loads it. */
#define SNAPSHOT_FLAGS "--predictable --hash-seed=1049 --random-seed=1049"

int
ssrd__snapshot_make(
    const char *script_path, const char *out_path, char *errbuf, size_t errlen)
{
	char  *code;
	size_t len;
	int    rv = ssrd__engine_init(SNAPSHOT_FLAGS, 0);
	if (rv != SSRD_OK) {
		snprintf(errbuf, errlen, "cannot initialise V8");
		return rv;
	}
	if ((rv = ssrd__file_read(script_path, &code, &len)) != SSRD_OK) {
		snprintf(errbuf, errlen, "cannot read %s: %s", script_path,
		    ssrd_strerror(rv));
		return rv;
	}
	ssrd_str      script = { code, len };
	char         *blob   = NULL;
	size_t        blen   = 0;
	ssrd_js_error err    = { 0 };
	rv                   = ssrd__snapshot_create(
	                      &script, &script_path, 1, &blob, &blen, &err);
	free(code);
	if (rv != SSRD_OK) {
		snprintf(errbuf, errlen, "making the snapshot of %s failed: %s",
		    script_path, err.message ? err.message : ssrd_strerror(rv));
		ssrd__js_error_clear(&err);
		return rv;
	}
	rv = ssrd__file_write(out_path, blob, blen);
	free(blob);
	if (rv != SSRD_OK) {
		snprintf(errbuf, errlen, "cannot write %s", out_path);
	}
	return rv;
}

struct maker {
	const ssrd_bundle *base;
	const char        *program; /* the ssrd binary */
};

/* ssrd_layer_build_fn: runs `ssrd snapshot-make` on the base bundle. */
static int
snapshot_build(const ssrd_layer_spec *spec, ssrd_layer_record *rec,
    char *errbuf, size_t errlen)
{
	const struct maker *mk = spec->arg;
	char *const argv[] = { (char *) mk->program, "snapshot-make", "--out",
		(char *) spec->outfile, mk->base->path, NULL };
	int rv = ssrd__spawn_run(argv, mk->base->map_dir, errbuf, errlen);
	return rv == SSRD_OK ? ssrd__layer_add_input(rec, mk->base->path) : rv;
}

int
ssrd__snapshot_get(ssrd_manifest *manifest, const ssrd_bundle *base,
    const char *program, ssrd_bundle *out, char *errbuf, size_t errlen)
{
	char outfile[PATH_MAX + 32];
	snprintf(outfile, sizeof(outfile), "%s/base.snapshot", base->map_dir);
	/* A blob is only good for the V8 that wrote it, and for the natives
	 * it maps by position (a blob from a binary with other natives
	 * crashes the isolate made from it). */
	const char     *parts[] = { "snapshot:base", ssrd__engine_v8_version(),
		    SNAPSHOT_FLAGS, ssrd__engine_natives_id() };
	struct maker    mk      = { base, program };
	ssrd_layer_spec spec
	    = { "snapshot:base", outfile, 0, ssrd__layer_key(parts, 4),
		      manifest, snapshot_build, &mk, "ssrd-snapshot-make" };
	return ssrd__layer_get(&spec, out, errbuf, errlen);
}
