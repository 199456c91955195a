/* pagecache.c implements the cache of freed V8 page regions. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "engine/pagecache.h"

/* A handful of regions are live per render; 256 slots is plenty for many
 * workers. */
#define SLOTS 256

/* slots[0 .. nslots) oldest first; bytes is the sum of their lengths. All under
 * mu. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct region {
	void  *addr;
	size_t len;
} slots[SLOTS];
static size_t               nslots;
static size_t               max_bytes;
static ssrd_pagecache_unmap unmap_fn;
static ssrd_pagecache_stats stats;

void
ssrd__pagecache_init(size_t max, ssrd_pagecache_unmap unmap)
{
	pthread_mutex_lock(&mu);
	max_bytes = max;
	unmap_fn  = unmap;
	pthread_mutex_unlock(&mu);
}

static void
remove_at(size_t i)
{
	stats.bytes -= slots[i].len;
	stats.regions--;
	memmove(&slots[i], &slots[i + 1], (nslots - i - 1) * sizeof(slots[0]));
	nslots--;
}

void *
ssrd__pagecache_take(size_t length, size_t alignment)
{
	void *p = NULL;
	pthread_mutex_lock(&mu);
	/* Newest first: its pages are the likeliest to be in the CPU caches and
	 * TLB. */
	for (size_t i = nslots; i-- > 0;) {
		if (slots[i].len == length
		    && (alignment == 0
		        || (uintptr_t) slots[i].addr % alignment == 0)) {
			p = slots[i].addr;
			remove_at(i);
			stats.hits++;
			break;
		}
	}
	pthread_mutex_unlock(&mu);
	return p;
}

int
ssrd__pagecache_put(void *addr, size_t length)
{
	struct region evict[SLOTS];
	size_t        nevict = 0;
	pthread_mutex_lock(&mu);
	if (length == 0 || length > max_bytes || unmap_fn == NULL) {
		pthread_mutex_unlock(&mu);
		return 0;
	}
	while (nslots > 0
	    && (nslots == SLOTS || stats.bytes + length > max_bytes)) {
		evict[nevict++] = slots[0];
		remove_at(0);
		stats.evicted++;
	}
	slots[nslots++] = (struct region) { addr, length };
	stats.bytes += length;
	stats.regions++;
	ssrd_pagecache_unmap unmap = unmap_fn;
	pthread_mutex_unlock(&mu);
	/* Unmapping is a system call: never under the lock. */
	for (size_t i = 0; i < nevict; i++) {
		unmap(evict[i].addr, evict[i].len);
	}
	return 1;
}

void
ssrd__pagecache_miss(void)
{
	pthread_mutex_lock(&mu);
	stats.misses++;
	pthread_mutex_unlock(&mu);
}

void
ssrd__pagecache_stats(ssrd_pagecache_stats *st)
{
	pthread_mutex_lock(&mu);
	*st = stats;
	pthread_mutex_unlock(&mu);
}
