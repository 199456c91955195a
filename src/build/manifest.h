/* manifest.h: the SQLite record of what is cached under cache/: each built
 * layer, its key, checksums and inputs. */
#ifndef SSRD_MANIFEST_H
#define SSRD_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

/*
 * An open manifest (cache_dir/manifest.sqlite). One connection; the
 * functions below serialise on it, so any thread may call them. Several
 * ssrd processes may share a cache directory: SQLite's locking (with a busy
 * timeout) keeps their writes whole.
 */
typedef struct ssrd_manifest ssrd_manifest;

/* One source file a layer was built from, as it was when built. */
typedef struct ssrd_layer_input {
	char    *path; /* absolute */
	int64_t  size;
	int64_t  mtime_ns;
	uint64_t hash; /* XXH3-64 of the contents */
} ssrd_layer_input;

/*
 * What the manifest knows of one built layer. Strings and the inputs array
 * are malloc'd and owned by the record: ssrd__layer_record_clear() frees them.
 */
typedef struct ssrd_layer_record {
	char             *file; /* the bundle (its .map lies beside it) */
	uint64_t          key; /* XXH3 of the build's settings (see bundle.c) */
	uint64_t          checksum;     /* XXH3 of the bundle's bytes */
	uint64_t          map_checksum; /* XXH3 of the .map's bytes */
	int64_t           bytes;        /* the bundle's size */
	double            build_ms;     /* how long esbuild took */
	int64_t           built_at;     /* Unix seconds */
	ssrd_layer_input *inputs;
	size_t            ninputs;
} ssrd_layer_record;

/* Frees what rec owns and zeroes it. NULL is a harmless no-op. */
void ssrd__layer_record_clear(ssrd_layer_record *rec);

/*
 * Opens (creating if need be) cache_dir/manifest.sqlite. A file that is not
 * a usable manifest (corrupt, foreign schema) is moved aside and a new one
 * made: the cache is a cache. Returns SSRD_OK, or SSRD_EIO with the reason
 * in errbuf.
 */
int ssrd__manifest_open(
    const char *cache_dir, ssrd_manifest **out, char *errbuf, size_t errlen);

/* Closes the manifest. NULL is a harmless no-op. */
void ssrd__manifest_close(ssrd_manifest *m);

/*
 * Reads the record of layer name ("base", "site:/srv/site") into *out (the
 * caller clears it). Returns SSRD_OK, SSRD_ENOENT if there is none, SSRD_EIO.
 */
int ssrd__manifest_get(
    ssrd_manifest *m, const char *name, ssrd_layer_record *out);

/* Replaces the record of layer name with rec, inputs and all, in one
 * transaction. Returns SSRD_OK or SSRD_EIO. */
int ssrd__manifest_put(
    ssrd_manifest *m, const char *name, const ssrd_layer_record *rec);

/* Number of layers recorded. */
long ssrd__manifest_count(ssrd_manifest *m);

#endif
