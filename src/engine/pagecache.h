/* pagecache.h: keeps page regions that V8 frees, so the next allocation of the
 * same size reuses them. */
#ifndef SSRD_PAGECACHE_H
#define SSRD_PAGECACHE_H

#include <stddef.h>

/*
 * Why: every render allocates a few large objects (React's chunk arrays, the
 * flattened page) in V8's large-object space. V8 maps a fresh region for
 * each, faults its pages in, and unmaps it after the next scavenge. On a
 * 2-core VM that mmap / page-fault / munmap / TLB-shootdown cycle cost more
 * than half of a 240-row render (measured: 2.7 ms -> 1.2 ms with the cache).
 * Keeping freed regions resident, zeroed on reuse, turns it into a memset.
 *
 * One cache per process, shared by every isolate; every function is
 * thread-safe (V8 frees pages from its GC threads). Regions are matched by
 * exact length; the most recently freed match is reused first; when full,
 * the oldest regions are evicted (handed to the unmap function).
 */

/* Unmaps a region the cache gives up. */
typedef void (*ssrd_pagecache_unmap)(void *addr, size_t length);

/* Sets the most bytes the cache may hold (0 turns it off) and how evicted
 * regions are freed. */
void ssrd__pagecache_init(size_t max_bytes, ssrd_pagecache_unmap unmap);

/*
 * Returns a cached region of exactly length bytes whose address is a
 * multiple of alignment (0: any), removed from the cache, or NULL. The
 * memory is not zeroed here: the caller does that after making it writable.
 */
void *ssrd__pagecache_take(size_t length, size_t alignment);

/*
 * Offers a freed region. Returns 1 if the cache kept it (evicting older ones
 * if it had to), 0 if the caller must unmap it itself (cache off, or the
 * region alone is larger than the cache).
 */
int ssrd__pagecache_put(void *addr, size_t length);

/* Counters since start. */
typedef struct ssrd_pagecache_stats {
	size_t bytes;   /* held now */
	size_t regions; /* held now */
	size_t hits;    /* allocations served from the cache */
	size_t misses;  /* allocations that went to the OS */
	size_t evicted; /* regions given up to make room */
} ssrd_pagecache_stats;

/* Copies the counters into *st. */
void ssrd__pagecache_stats(ssrd_pagecache_stats *st);

/* Counts an allocation the cache could not serve (for the stats). */
void ssrd__pagecache_miss(void);

#endif
