/* respcache.h: rendered pages kept in memory for HTTP, by route + query +
 * the request headers pages see, with a size bound (LRU), a time to live and
 * a stale-while-revalidate window; each with its ETag and, once asked for,
 * its gzip and brotli forms. */
#ifndef SSRD_RESPCACHE_H
#define SSRD_RESPCACHE_H

#include <stddef.h>

#include "core/cachestats.h" /* SSRD_CACHE_HIT, ... */
#include "core/compress.h"
#include "core/strbuf.h"
#include "render/job.h"

typedef struct ssrd_respcache ssrd_respcache;

/*
 * One cached page. Immutable once made except for its coded forms, each
 * made once, on the first request that takes that coding
 * (ssrd__respcache_form()). Held by references: the cache's own and each
 * reply's.
 */
typedef struct ssrd_cached {
	char  *body;
	size_t len;
	/* each form's ETag, by coding: "0123456789abcdef" with the quotes,
	 * then the same with -gz and -br: caches between ssrd and the browser
	 * keep one per form */
	char   etag[SSRD_CODINGS][28];
	double created_ms;
	double ttl_ms, swr_ms;
	int    ttl_s, swr_s; /* for Cache-Control */
	/* body in the other codings, or NULL until asked for ([IDENTITY]:
	 * unused) */
	char  *coded[SSRD_CODINGS];
	size_t coded_len[SSRD_CODINGS];
	/* private */
	int                 refs;
	int                 revalidating;
	char               *key;
	size_t              klen;
	struct ssrd_cached *lru_prev, *lru_next, *hnext;
} ssrd_cached;

/* Makes a cache holding at most max_bytes of bodies (in every form). */
int ssrd__respcache_new(size_t max_bytes, ssrd_respcache **out);

/* Frees it; entries still referenced, and the cache with them, live until
 * the last is released. NULL: no-op. */
void ssrd__respcache_free(ssrd_respcache *c);

/*
 * Looks key up at now_ms. Returns the entry with a reference (release it
 * with ssrd__respcache_release()) and its state in *state (HIT: fresh;
 * STALE: within its stale-while-revalidate window, and *revalidate is 1 for
 * the one caller that should render it again), or NULL (MISS; expired ones
 * are dropped). Any thread.
 */
ssrd_cached *ssrd__respcache_get(ssrd_respcache *c, const char *key,
    size_t klen, double now_ms, int *state, int *revalidate);

/* Stores body (copied) under key with its lifetimes, replacing what was
 * there; evicts the least recently used to stay within the bound. Any
 * thread. */
void ssrd__respcache_put(ssrd_respcache *c, const char *key, size_t klen,
    const char *body, size_t len, int ttl_s, int swr_s, double now_ms);

/* Marks a stale entry's revalidation over (it failed: let another try). */
void ssrd__respcache_revalidated(ssrd_respcache *c, ssrd_cached *e);

/* Returns e's body in coding (identity: as stored), making the coded form
 * the first time (thread-safe), its length in *len; or NULL when it could
 * not be made (memory). */
const char *ssrd__respcache_form(
    ssrd_respcache *c, ssrd_cached *e, ssrd_coding coding, size_t *len);

/* Takes one more reference to e (one from get is held). Any thread. */
void ssrd__respcache_retain(ssrd_respcache *c, ssrd_cached *e);

/* Drops a reference from get or retain. Any thread. */
void ssrd__respcache_release(ssrd_respcache *c, ssrd_cached *e);

/* Figures for diagnose: entries, bytes, hits, stale hits, misses. */
typedef struct ssrd_respcache_stats {
	size_t        entries, bytes;
	unsigned long hits, stale, misses, evictions;
} ssrd_respcache_stats;
void ssrd__respcache_stats(ssrd_respcache *c, ssrd_respcache_stats *st);

/*
 * What a render that may be cached carries until it is done: the key, and
 * its output gathered as it streams. Owned by the reply that made it.
 */
typedef struct ssrd_cache_fill {
	ssrd_respcache *cache;
	char           *key;
	size_t          klen;
	ssrd_strbuf     body;
	ssrd_cached    *stale; /* the entry being revalidated, or NULL */
} ssrd_cache_fill;

/* Makes a fill for key (copied); NULL for want of memory. */
ssrd_cache_fill *ssrd__cache_fill_new(
    ssrd_respcache *c, const char *key, size_t klen, ssrd_cached *stale);

/* A chunk of the render's output. */
void ssrd__cache_fill_chunk(ssrd_cache_fill *f, const char *data, size_t len);

/* The render is done: stores what it gathered when it rendered with status
 * 200, without a boundary error (job->reported), and the page allows
 * caching (job->cache_ttl > 0), then frees f. */
void ssrd__cache_fill_done(ssrd_cache_fill *f, const ssrd_job *job);

#endif
