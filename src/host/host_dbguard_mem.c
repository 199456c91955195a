/* host_dbguard_mem.c: SQLite's allocations counted per thread, so that one
 * db.query has a memory budget and a deadline while it compiles. */
#define _GNU_SOURCE
#include <sqlite3.h>
#include <stdlib.h>

#include "host/host_dbguard.h"
#include "host/host_dbguard_impl.h"

/*
 * SQLite's own heap limit is process-wide. To bound one query, SQLite's
 * allocations go through these wrappers, which count, per thread, what a
 * query in progress holds: a db.query runs wholly on one host thread (its
 * connection opened, used and closed there, SQLITE_OPEN_NOMUTEX), so the
 * thread's count is the query's. Each block carries its size and whether
 * it was counted in a 16-byte header (keeping malloc's alignment).
 */
struct mem_header {
	size_t size;
	size_t counted; /* 1: added to the query's count when made */
};

static __thread size_t        q_used;  /* bytes the query holds */
static __thread size_t        q_limit; /* 0: no query in progress */
static __thread int           q_hit;   /* the budget refused an allocation */
static __thread ssrd_dbguard *q_guard; /* the query's, for its deadline */
static __thread unsigned      q_calls; /* allocations, to space the looks */
static int                    mem_installed;

/*
 * Whether an allocation of more bytes is refused: past the query's
 * budget, or, looking every 256 allocations, past its deadline. SQLite
 * calls no progress handler while it compiles, but it allocates all along
 * (a statement whose CTEs each use the one before twice, eighteen deep,
 * takes seconds and gigabytes to compile), and it survives any failed
 * allocation.
 */
static int
mem_refused(size_t more)
{
	if (q_limit != 0 && q_used + more > q_limit) {
		q_hit = 1;
		return 1;
	}
	return q_guard != NULL && (++q_calls & 255) == 0
	    && ssrd__dbguard_deadline_check(q_guard);
}

static void *
mem_malloc(int n)
{
	size_t size = n > 0 ? (size_t) n : 0;
	if (mem_refused(size)) {
		return NULL;
	}
	struct mem_header *h = malloc(sizeof(*h) + size);
	if (h == NULL) {
		return NULL;
	}
	h->size    = size;
	h->counted = q_limit != 0;
	q_used += h->counted ? size : 0;
	return h + 1;
}

/* Takes a counted block off the count, if a query is counting. */
static void
mem_uncount(const struct mem_header *h)
{
	if (h->counted && q_limit != 0) {
		q_used -= h->size < q_used ? h->size : q_used;
	}
}

static void
mem_free(void *p)
{
	if (p != NULL) {
		struct mem_header *h = (struct mem_header *) p - 1;
		mem_uncount(h);
		free(h);
	}
}

static void *
mem_realloc(void *p, int n)
{
	struct mem_header *h    = (struct mem_header *) p - 1;
	size_t             size = n > 0 ? (size_t) n : 0;
	size_t             more = size > h->size ? size - h->size : 0;
	if (mem_refused(h->counted ? more : 0)) {
		return NULL;
	}
	struct mem_header *nh = realloc(h, sizeof(*nh) + size);
	if (nh == NULL) {
		return NULL;
	}
	mem_uncount(nh); /* the old size, still in the header */
	nh->size    = size;
	nh->counted = nh->counted && q_limit != 0;
	q_used += nh->counted ? size : 0;
	return nh + 1;
}

static int
mem_size(void *p)
{
	return p != NULL ? (int) ((struct mem_header *) p - 1)->size : 0;
}

static int
mem_roundup(int n)
{
	return (n + 7) & ~7;
}

static int
mem_init(void *arg)
{
	(void) arg;
	return SQLITE_OK;
}

static void
mem_shutdown(void *arg)
{
	(void) arg;
}

int
ssrd__dbguard_mem_install(void)
{
	static const sqlite3_mem_methods methods
	    = { mem_malloc, mem_free, mem_realloc, mem_size, mem_roundup,
		      mem_init, mem_shutdown, NULL };
	int rc = sqlite3_config(SQLITE_CONFIG_MALLOC, &methods);
	if (rc == SQLITE_OK) {
		mem_installed = 1;
	}
	return rc;
}

int
ssrd__dbguard_mem_begin(size_t limit)
{
	q_used  = 0;
	q_hit   = 0;
	q_limit = mem_installed ? limit : 0;
	return q_limit != 0;
}

void
ssrd__dbguard_mem_end(void)
{
	q_limit = 0;
}

void
ssrd__dbguard_mem_watch(ssrd_dbguard *g)
{
	q_guard = g->on && mem_installed ? g : NULL;
}

void
ssrd__dbguard_mem_unwatch(ssrd_dbguard *g)
{
	if (q_guard == g) {
		q_guard = NULL;
	}
}

int
ssrd__dbguard_mem_hit(size_t *limit)
{
	*limit = q_limit;
	return q_hit;
}
