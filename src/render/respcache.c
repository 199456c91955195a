/* respcache.c: the HTTP response cache: a hash table of entries on an LRU
 * list, under one mutex (lookups are short; compression runs outside it). */
#define _GNU_SOURCE
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include <ssrd/errors.h>

#include "core/compress.h"
#include "core/timers.h"
#include "render/respcache.h"

#define NBUCKETS 4096 /* a power of two */

struct ssrd_respcache {
	pthread_mutex_t      mu;
	size_t               max_bytes, bytes, entries;
	ssrd_cached         *buckets[NBUCKETS];
	ssrd_cached         *lru_head, *lru_tail; /* head: most recent */
	ssrd_respcache_stats st;
	/* references handed out (get, retain) and not yet released: a cache
	 * freed while some are out (a reply still writing from an entry) is
	 * freed by the last release */
	size_t held;
	int    closed;
};

int
ssrd__respcache_new(size_t max_bytes, ssrd_respcache **out)
{
	ssrd_respcache *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		return SSRD_ENOMEM;
	}
	pthread_mutex_init(&c->mu, NULL);
	c->max_bytes = max_bytes;
	*out         = c;
	return SSRD_OK;
}

/* What e counts for against the bound: its body in every form made. */
static size_t
entry_bytes(const ssrd_cached *e)
{
	size_t n = e->len;
	for (int i = 0; i < SSRD_CODINGS; i++) {
		n += e->coded_len[i];
	}
	return n;
}

static void
entry_free(ssrd_cached *e)
{
	free(e->body);
	for (int i = 0; i < SSRD_CODINGS; i++) {
		free(e->coded[i]);
	}
	free(e->key);
	free(e);
}

/* Drops a reference (c->mu held). */
static void
unref_locked(ssrd_cached *e)
{
	if (--e->refs == 0) {
		entry_free(e);
	}
}

static size_t
bucket_of(const char *key, size_t klen)
{
	return (size_t) XXH3_64bits(key, klen) & (NBUCKETS - 1);
}

static void
lru_unlink(ssrd_respcache *c, ssrd_cached *e)
{
	if (e->lru_prev != NULL) {
		e->lru_prev->lru_next = e->lru_next;
	} else {
		c->lru_head = e->lru_next;
	}
	if (e->lru_next != NULL) {
		e->lru_next->lru_prev = e->lru_prev;
	} else {
		c->lru_tail = e->lru_prev;
	}
	e->lru_prev = e->lru_next = NULL;
}

static void
lru_push(ssrd_respcache *c, ssrd_cached *e)
{
	e->lru_prev = NULL;
	e->lru_next = c->lru_head;
	if (c->lru_head != NULL) {
		c->lru_head->lru_prev = e;
	}
	c->lru_head = e;
	if (c->lru_tail == NULL) {
		c->lru_tail = e;
	}
}

/* Takes e out of the table and the list; drops the cache's reference. */
static void
remove_locked(ssrd_respcache *c, ssrd_cached *e)
{
	ssrd_cached **pp = &c->buckets[bucket_of(e->key, e->klen)];
	while (*pp != NULL && *pp != e) {
		pp = &(*pp)->hnext;
	}
	if (*pp == e) {
		*pp = e->hnext;
	}
	lru_unlink(c, e);
	c->bytes -= entry_bytes(e);
	c->entries--;
	unref_locked(e);
}

static ssrd_cached *
find_locked(ssrd_respcache *c, const char *key, size_t klen)
{
	for (ssrd_cached *e = c->buckets[bucket_of(key, klen)]; e != NULL;
	     e              = e->hnext) {
		if (e->klen == klen && memcmp(e->key, key, klen) == 0) {
			return e;
		}
	}
	return NULL;
}

ssrd_cached *
ssrd__respcache_get(ssrd_respcache *c, const char *key, size_t klen,
    double now_ms, int *state, int *revalidate)
{
	*revalidate = 0;
	*state      = SSRD_CACHE_MISS;
	pthread_mutex_lock(&c->mu);
	ssrd_cached *e = find_locked(c, key, klen);
	if (e != NULL) {
		double age = now_ms - e->created_ms;
		if (age < e->ttl_ms) {
			*state = SSRD_CACHE_HIT;
			c->st.hits++;
		} else if (age < e->ttl_ms + e->swr_ms) {
			*state = SSRD_CACHE_STALE;
			c->st.stale++;
			if (!e->revalidating) {
				e->revalidating = 1;
				*revalidate     = 1;
			}
		} else {
			remove_locked(c, e);
			e = NULL;
		}
	}
	if (e != NULL) {
		e->refs++;
		c->held++;
		lru_unlink(c, e);
		lru_push(c, e);
	} else {
		c->st.misses++;
	}
	pthread_mutex_unlock(&c->mu);
	return e;
}

#ifndef NDEBUG
/* The invariants of struct ssrd_respcache (c->mu held): the LRU list links
 * both ways and holds every entry once, each also in its bucket, with the
 * cache's reference; entries and bytes are what the list holds; after an
 * eviction the bytes fit. O(entries): for assert() only. */
static int
respcache_sanity(const ssrd_respcache *c)
{
	size_t             n = 0, bytes = 0;
	const ssrd_cached *prev = NULL;
	for (const ssrd_cached *e = c->lru_head; e != NULL; e = e->lru_next) {
		if (e->lru_prev != prev || e->refs < 1) {
			return 0;
		}
		const ssrd_cached *b = c->buckets[bucket_of(e->key, e->klen)];
		while (b != NULL && b != e) {
			b = b->hnext;
		}
		if (b == NULL) {
			return 0;
		}
		n++;
		bytes += entry_bytes(e);
		prev = e;
	}
	return prev == c->lru_tail && n == c->entries && bytes == c->bytes
	    && c->bytes <= c->max_bytes;
}
#endif

static void
evict_locked(ssrd_respcache *c)
{
	while (c->bytes > c->max_bytes && c->lru_tail != NULL) {
		remove_locked(c, c->lru_tail);
		c->st.evictions++;
	}
	assert(respcache_sanity(c));
}

void
ssrd__respcache_put(ssrd_respcache *c, const char *key, size_t klen,
    const char *body, size_t len, int ttl_s, int swr_s, double now_ms)
{
	if (len > c->max_bytes / 4) {
		return; /* one page may not crowd out the rest */
	}
	ssrd_cached *e = calloc(1, sizeof(*e));
	if (e == NULL || (e->body = malloc(len + 1)) == NULL
	    || (e->key = malloc(klen)) == NULL) {
		if (e != NULL) {
			free(e->body);
		}
		free(e);
		return;
	}
	memcpy(e->body, body, len);
	e->body[len] = '\0';
	e->len       = len;
	memcpy(e->key, key, klen);
	e->klen              = klen;
	e->refs              = 1;
	e->created_ms        = now_ms;
	e->ttl_s             = ttl_s;
	e->swr_s             = swr_s;
	e->ttl_ms            = ttl_s * 1000.0;
	e->swr_ms            = swr_s * 1000.0;
	unsigned long long h = (unsigned long long) XXH3_64bits(body, len);
	snprintf(e->etag[SSRD_CODING_IDENTITY], sizeof(e->etag[0]),
	    "\"%016llx\"", h);
	snprintf(
	    e->etag[SSRD_CODING_GZIP], sizeof(e->etag[0]), "\"%016llx-gz\"", h);
	snprintf(
	    e->etag[SSRD_CODING_BR], sizeof(e->etag[0]), "\"%016llx-br\"", h);
	pthread_mutex_lock(&c->mu);
	if (c->closed) {
		/* freed: a render finished after its server stopped */
		pthread_mutex_unlock(&c->mu);
		entry_free(e);
		return;
	}
	ssrd_cached *old = find_locked(c, key, klen);
	if (old != NULL) {
		remove_locked(c, old);
	}
	size_t b      = bucket_of(key, klen);
	e->hnext      = c->buckets[b];
	c->buckets[b] = e;
	lru_push(c, e);
	c->bytes += len;
	c->entries++;
	evict_locked(c);
	pthread_mutex_unlock(&c->mu);
}

void
ssrd__respcache_revalidated(ssrd_respcache *c, ssrd_cached *e)
{
	pthread_mutex_lock(&c->mu);
	e->revalidating = 0;
	pthread_mutex_unlock(&c->mu);
}

const char *
ssrd__respcache_form(
    ssrd_respcache *c, ssrd_cached *e, ssrd_coding coding, size_t *len)
{
	if (coding == SSRD_CODING_IDENTITY) {
		*len = e->len;
		return e->body;
	}
	pthread_mutex_lock(&c->mu);
	char *form = e->coded[coding];
	*len       = e->coded_len[coding];
	pthread_mutex_unlock(&c->mu);
	if (form != NULL) {
		return form;
	}
	/* Compressed outside the lock; two first requests at once may both
	 * compress, and the second result is dropped. */
	size_t n;
	char  *made
	    = ssrd__compress(coding, SSRD_EFFORT_STORED, e->body, e->len, &n);
	if (made == NULL) {
		return NULL;
	}
	pthread_mutex_lock(&c->mu);
	if (e->coded[coding] == NULL) {
		e->coded[coding]     = made;
		e->coded_len[coding] = n;
		made                 = NULL;
		if (e->lru_prev != NULL
		    || c->lru_head == e) { /* still cached */
			c->bytes += n;
			evict_locked(c);
		}
	}
	form = e->coded[coding];
	*len = e->coded_len[coding];
	pthread_mutex_unlock(&c->mu);
	free(made);
	return form;
}

static void
cache_destroy(ssrd_respcache *c)
{
	pthread_mutex_destroy(&c->mu);
	free(c);
}

void
ssrd__respcache_retain(ssrd_respcache *c, ssrd_cached *e)
{
	pthread_mutex_lock(&c->mu);
	e->refs++;
	c->held++;
	pthread_mutex_unlock(&c->mu);
}

void
ssrd__respcache_release(ssrd_respcache *c, ssrd_cached *e)
{
	if (e == NULL) {
		return;
	}
	pthread_mutex_lock(&c->mu);
	unref_locked(e);
	int last = --c->held == 0 && c->closed;
	pthread_mutex_unlock(&c->mu);
	if (last) {
		cache_destroy(c);
	}
}

void
ssrd__respcache_stats(ssrd_respcache *c, ssrd_respcache_stats *st)
{
	pthread_mutex_lock(&c->mu);
	*st         = c->st;
	st->entries = c->entries;
	st->bytes   = c->bytes;
	pthread_mutex_unlock(&c->mu);
}

void
ssrd__respcache_free(ssrd_respcache *c)
{
	if (c == NULL) {
		return;
	}
	pthread_mutex_lock(&c->mu);
	while (c->lru_head != NULL) {
		remove_locked(c, c->lru_head);
	}
	c->closed = 1;
	int last  = c->held == 0;
	pthread_mutex_unlock(&c->mu);
	if (last) {
		cache_destroy(c);
	}
}

/* ---- filling it from a render ---- */

ssrd_cache_fill *
ssrd__cache_fill_new(
    ssrd_respcache *c, const char *key, size_t klen, ssrd_cached *stale)
{
	ssrd_cache_fill *f = calloc(1, sizeof(*f));
	if (f == NULL || (f->key = malloc(klen)) == NULL) {
		free(f);
		return NULL;
	}
	memcpy(f->key, key, klen);
	f->klen  = klen;
	f->cache = c;
	f->stale = stale;
	/* the fill holds the cache: a stopping server frees its cache while a
	 * render may still be streaming into a fill */
	pthread_mutex_lock(&c->mu);
	c->held++;
	pthread_mutex_unlock(&c->mu);
	return f;
}

/* Drops a hold a fill had on c (no entry with it). */
static void
cache_unhold(ssrd_respcache *c)
{
	pthread_mutex_lock(&c->mu);
	int last = --c->held == 0 && c->closed;
	pthread_mutex_unlock(&c->mu);
	if (last) {
		cache_destroy(c);
	}
}

void
ssrd__cache_fill_chunk(ssrd_cache_fill *f, const char *data, size_t len)
{
	ssrd__strbuf_append(&f->body, data, len);
}

void
ssrd__cache_fill_done(ssrd_cache_fill *f, const ssrd_job *job)
{
	/* a page with a boundary that failed (its data missing, say) is not
	 * kept: it would be served on after the data is back */
	int ok = job->err == SSRD_OK && job->status == 200 && job->cache_ttl > 0
	    && !job->reported && !ssrd__strbuf_failed(&f->body);
	if (ok) {
		/* a buffered render gathered nothing here: its html is whole */
		const char *body = f->body.len ? f->body.ptr : job->html;
		size_t      len  = f->body.len ? f->body.len : job->html_len;
		if (body != NULL) {
			ssrd__respcache_put(f->cache, f->key, f->klen, body,
			    len, job->cache_ttl, job->cache_swr,
			    ssrd__now_ms());
		}
	}
	if (f->stale != NULL) {
		if (!ok) {
			ssrd__respcache_revalidated(f->cache, f->stale);
		}
		ssrd__respcache_release(f->cache, f->stale);
	}
	cache_unhold(f->cache);
	ssrd__strbuf_free(&f->body);
	free(f->key);
	free(f);
}
