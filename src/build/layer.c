/* layer.c implements cached layers: verify what the manifest records, or build
 * and record. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include <ssrd/errors.h>
#include <ssrd/version.h>

#include "build/layer.h"
#include "core/cachestats.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/timers.h"

static int64_t
mtime_ns(const struct stat *sb)
{
	return (int64_t) sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

/* XXH3 of a file's contents; 0 with *ok = 0 if it cannot be read. */
static uint64_t
hash_file(const char *path, int *ok)
{
	char  *text;
	size_t len;
	*ok = ssrd__file_read(path, &text, &len) == SSRD_OK;
	if (!*ok) {
		return 0;
	}
	uint64_t h = XXH3_64bits(text, len);
	free(text);
	return h;
}

uint64_t
ssrd__layer_key(const char *const *parts, size_t n)
{
	XXH3_state_t *st = XXH3_createState();
	XXH3_64bits_reset(st);
	XXH3_64bits_update(st, ssrd_version(), strlen(ssrd_version()) + 1);
	for (size_t i = 0; i < n; i++) {
		XXH3_64bits_update(st, parts[i], strlen(parts[i]) + 1);
	}
	uint64_t h = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return h;
}

int
ssrd__layer_add_input(ssrd_layer_record *rec, const char *path)
{
	struct stat sb;
	int         ok;
	if (stat(path, &sb) != 0) {
		return SSRD_EIO;
	}
	ssrd_layer_input *v
	    = realloc(rec->inputs, (rec->ninputs + 1) * sizeof(*v));
	if (v == NULL) {
		return SSRD_ENOMEM;
	}
	rec->inputs = v;
	char *copy  = strdup(path);
	if (copy == NULL) {
		return SSRD_ENOMEM;
	}
	uint64_t h = hash_file(path, &ok);
	if (!ok) {
		free(copy);
		return SSRD_EIO;
	}
	v[rec->ninputs++] = (ssrd_layer_input) { copy, (int64_t) sb.st_size,
		mtime_ns(&sb), h };
	return SSRD_OK;
}

/* 1 if every input is as it was built from: same size and mtime, or failing
 * that the same contents. */
static int
inputs_fresh(const ssrd_layer_record *rec, const char **changed)
{
	for (size_t i = 0; i < rec->ninputs; i++) {
		const ssrd_layer_input *in = &rec->inputs[i];
		struct stat             sb;
		int                     ok;
		*changed = in->path;
		if (stat(in->path, &sb) != 0 || sb.st_size != in->size) {
			return 0;
		}
		if (mtime_ns(&sb) != in->mtime_ns
		    && (hash_file(in->path, &ok) != in->hash || !ok)) {
			return 0;
		}
	}
	return 1;
}

/* Loads the layer at rec->file if its bytes, and its map's, match the record.
 */
static int
load_verified(const ssrd_layer_spec *spec, const ssrd_layer_record *rec,
    ssrd_bundle *out, const char **why)
{
	ssrd_bundle b = { 0 };
	if (ssrd__bundle_read(rec->file, spec->has_map, &b) != SSRD_OK) {
		*why = "file unreadable";
		return 0;
	}
	char map[PATH_MAX + 8];
	int  ok = 1;
	snprintf(map, sizeof(map), "%s.map", rec->file);
	if ((int64_t) b.len != rec->bytes
	    || XXH3_64bits(b.code, b.len) != rec->checksum) {
		*why = "checksum mismatch";
	} else if (spec->has_map
	    && (hash_file(map, &ok) != rec->map_checksum || !ok)) {
		*why = "source map checksum mismatch";
	} else {
		*out = b;
		return 1;
	}
	ssrd__bundle_clear(&b);
	return 0;
}

/*
 * Loads the layer from the cache if the manifest vouches for it. Returns 1
 * with *out filled, or 0 and logs why not when log_stale.
 */
static int
try_cached(
    const ssrd_layer_spec *spec, ssrd_bundle *out, int log_stale, int *state)
{
	ssrd_layer_record rec = { 0 };
	const char       *why = "not cached", *changed = NULL;
	char              reason[PATH_MAX + 32];
	int               hit = 0;
	if (spec->manifest == NULL
	    || ssrd__manifest_get(spec->manifest, spec->name, &rec)
	        != SSRD_OK) {
		*state = SSRD_CACHE_MISS;
		return 0;
	}
	if (rec.key != spec->key) {
		why = "built by another version or with other settings";
	} else if (strcmp(rec.file, spec->outfile) != 0) {
		why = "cached under another path";
	} else if (!inputs_fresh(&rec, &changed)) {
		snprintf(reason, sizeof(reason), "changed: %s", changed);
		why = reason;
	} else if (load_verified(spec, &rec, out, &why)) {
		out->from_cache = 1;
		ssrd__log(SSRD_LOG_INFO, "layer",
		    "name=%s source=cache bytes=%zu", spec->name, out->len);
		hit = 1;
	}
	*state = hit ? SSRD_CACHE_HIT : SSRD_CACHE_STALE;
	if (!hit && log_stale) {
		ssrd__log(SSRD_LOG_INFO, "layer_stale", "name=%s reason=\"%s\"",
		    spec->name, why);
	}
	ssrd__layer_record_clear(&rec);
	return hit;
}

/*
 * Holds an exclusive lock on spec->outfile's .lock file while it lives:
 * ssrd processes sharing a cache directory build a layer one at a time, and
 * the one that waited finds it built. Returns the fd, or -1 (no lock: build
 * anyway, as a lone process would).
 */
static int
build_lock(const ssrd_layer_spec *spec)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s.lock", spec->outfile);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		while (flock(fd, LOCK_EX) != 0 && errno == EINTR) { }
	}
	return fd;
}

static int build_layer(
    const ssrd_layer_spec *spec, ssrd_bundle *out, char *errbuf, size_t errlen);

int
ssrd__layer_get(
    const ssrd_layer_spec *spec, ssrd_bundle *out, char *errbuf, size_t errlen)
{
	int kind = ssrd__layer_kind(spec->name), state;
	int rv   = try_cached(spec, out, 1, &state)
	      ? SSRD_OK
	      : build_layer(spec, out, errbuf, errlen);
	ssrd__cachestats_count(kind, SSRD_LEVEL_DISK, state);
	if (rv == SSRD_OK) {
		out->kind = kind + 1;
		ssrd__cachestats_hold(
		    kind, (long) out->len, (long) out->code_cache_len);
	}
	return rv;
}

/* Builds the layer under the build lock (unless another process just did) and
 * records it. */
static int
build_layer(
    const ssrd_layer_spec *spec, ssrd_bundle *out, char *errbuf, size_t errlen)
{
	ssrd_layer_record rec  = { 0 };
	int               lock = build_lock(spec);
	int               rv   = SSRD_OK;
	int               state;
	if (lock >= 0 && try_cached(spec, out, 0, &state)) {
		goto done; /* another process built it while this one waited */
	}
	double t0 = ssrd__now_ms();
	rv        = spec->build(spec, &rec, errbuf, errlen);
	if (rv == SSRD_OK) {
		rv = ssrd__bundle_read(spec->outfile, spec->has_map, out);
	}
	if (rv != SSRD_OK) {
		goto done;
	}
	out->build_ms = ssrd__now_ms() - t0;
	ssrd__log(SSRD_LOG_INFO, "layer",
	    "name=%s source=%s bytes=%zu build_ms=%.1f", spec->name,
	    spec->builder, out->len, out->build_ms);
	if (spec->manifest == NULL) {
		goto done;
	}
	/* Record what it was built from, so the next start can skip the build.
	 */
	char map[PATH_MAX + 8];
	int  ok = 1;
	snprintf(map, sizeof(map), "%s.map", spec->outfile);
	rec.file         = strdup(spec->outfile);
	rec.key          = spec->key;
	rec.checksum     = XXH3_64bits(out->code, out->len);
	rec.map_checksum = spec->has_map ? hash_file(map, &ok) : 0;
	rec.bytes        = (int64_t) out->len;
	rec.build_ms     = out->build_ms;
	rec.built_at     = (int64_t) time(NULL);
	if (rec.file == NULL || !ok
	    || ssrd__manifest_put(spec->manifest, spec->name, &rec)
	        != SSRD_OK) {
		ssrd__log(SSRD_LOG_WARN, "layer_unrecorded",
		    "name=%s msg=\"the next start will build it again\"",
		    spec->name);
	}
done:
	ssrd__layer_record_clear(&rec);
	if (lock >= 0) {
		close(lock); /* releases the flock */
	}
	return rv;
}
