/* cachestats.h: how often each cached layer was found, at each level of the
 * cache: in a worker's memory (a warm context, a loaded delta), on disk (a
 * built bundle the manifest vouches for), and compiled (V8's code cache).
 * Counters for the whole process; every function is thread-safe. */
#ifndef SSRD_CACHESTATS_H
#define SSRD_CACHESTATS_H

#include <stddef.h>

enum ssrd_layer_kind {
	SSRD_LAYER_BASE,
	SSRD_LAYER_SHELL,
	SSRD_LAYER_PAGE,
	SSRD_LAYER_CLIENT,
	SSRD_LAYER_SNAPSHOT,
	SSRD_LAYER_KINDS
};

enum ssrd_cache_level {
	SSRD_LEVEL_MEMORY,
	SSRD_LEVEL_DISK,
	SSRD_LEVEL_COMPILE,
	SSRD_LEVELS
};

/* What a look-up found (shared with the response cache). */
enum { SSRD_CACHE_MISS, SSRD_CACHE_HIT, SSRD_CACHE_STALE, SSRD_CACHE_STATES };

/* The kind of the layer named as in the manifest ("base", "shell:/srv/a",
 * "page:/srv/a:app/page.jsx", "client:…", "snapshot:base"). */
int ssrd__layer_kind(const char *name);

const char *ssrd__layer_kind_name(int kind);   /* "base", ... */
const char *ssrd__cache_level_name(int level); /* "memory", ... */
const char *ssrd__cache_state_name(int state); /* "miss", "hit", "stale" */

/* Counts one look-up. */
void ssrd__cachestats_count(int kind, int level, int state);

/* Bytes of a kind held in memory: its code and its code cache; delta < 0
 * when a bundle is freed. */
void ssrd__cachestats_hold(int kind, long code, long code_cache);

typedef struct ssrd_cachestats {
	unsigned long n[SSRD_LAYER_KINDS][SSRD_LEVELS][SSRD_CACHE_STATES];
	long          code_bytes[SSRD_LAYER_KINDS];
	long          code_cache_bytes[SSRD_LAYER_KINDS];
} ssrd_cachestats;

/* Copies the counters. */
void ssrd__cachestats_get(ssrd_cachestats *st);

#endif
