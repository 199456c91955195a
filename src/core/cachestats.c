/* cachestats.c: the layer caches' counters (relaxed atomics: each is a tally,
 * read together only for a report). */
#include <string.h>

#include "core/cachestats.h"

static ssrd_cachestats counters;

static const char *const kind_names[SSRD_LAYER_KINDS]
    = { "base", "shell", "page", "client", "snapshot" };
static const char *const level_names[SSRD_LEVELS]
    = { "memory", "disk", "compile" };
static const char *const state_names[SSRD_CACHE_STATES]
    = { "miss", "hit", "stale" };

int
ssrd__layer_kind(const char *name)
{
	for (int k = 0; k < SSRD_LAYER_KINDS; k++) {
		size_t n = strlen(kind_names[k]);
		if (strncmp(name, kind_names[k], n) == 0
		    && (name[n] == '\0' || name[n] == ':')) {
			return k;
		}
	}
	return SSRD_LAYER_PAGE;
}

const char *
ssrd__layer_kind_name(int kind)
{
	return kind >= 0 && kind < SSRD_LAYER_KINDS ? kind_names[kind] : "?";
}

const char *
ssrd__cache_level_name(int level)
{
	return level >= 0 && level < SSRD_LEVELS ? level_names[level] : "?";
}

const char *
ssrd__cache_state_name(int state)
{
	return state >= 0 && state < SSRD_CACHE_STATES ? state_names[state]
	                                               : "?";
}

void
ssrd__cachestats_count(int kind, int level, int state)
{
	__atomic_add_fetch(
	    &counters.n[kind][level][state], 1, __ATOMIC_RELAXED);
}

void
ssrd__cachestats_hold(int kind, long code, long code_cache)
{
	__atomic_add_fetch(&counters.code_bytes[kind], code, __ATOMIC_RELAXED);
	__atomic_add_fetch(
	    &counters.code_cache_bytes[kind], code_cache, __ATOMIC_RELAXED);
}

void
ssrd__cachestats_get(ssrd_cachestats *st)
{
	for (int k = 0; k < SSRD_LAYER_KINDS; k++) {
		for (int l = 0; l < SSRD_LEVELS; l++) {
			for (int s = 0; s < SSRD_CACHE_STATES; s++) {
				st->n[k][l][s] = __atomic_load_n(
				    &counters.n[k][l][s], __ATOMIC_RELAXED);
			}
		}
		st->code_bytes[k] = __atomic_load_n(
		    &counters.code_bytes[k], __ATOMIC_RELAXED);
		st->code_cache_bytes[k] = __atomic_load_n(
		    &counters.code_cache_bytes[k], __ATOMIC_RELAXED);
	}
}
