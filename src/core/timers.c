/* timers.c implements a worker's timer heap. */
#define _POSIX_C_SOURCE 200809L
#include <assert.h>
#include <stdlib.h>
#include <time.h>

#include <ssrd/errors.h>

#include "core/timers.h"

static int
before(const struct ssrd_timer *a, const struct ssrd_timer *b)
{
	return a->due_ms < b->due_ms
	    || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void
swap(struct ssrd_timer *a, struct ssrd_timer *b)
{
	struct ssrd_timer t = *a;
	*a                  = *b;
	*b                  = t;
}

static void
sift_up(ssrd_timers *t, size_t i)
{
	while (i > 0 && before(&t->heap[i], &t->heap[(i - 1) / 2])) {
		swap(&t->heap[i], &t->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

static void
sift_down(ssrd_timers *t, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < t->n && before(&t->heap[l], &t->heap[m])) {
			m = l;
		}
		if (r < t->n && before(&t->heap[r], &t->heap[m])) {
			m = r;
		}
		if (m == i) {
			return;
		}
		swap(&t->heap[i], &t->heap[m]);
		i = m;
	}
}

/* The heap's invariant: no timer is due before its parent. Used inside
 * assert() only (active in the sanitizer build). */
#ifndef NDEBUG
static int
timers_sanity(const ssrd_timers *t)
{
	if (t->n > t->cap) {
		return 0;
	}
	for (size_t i = 1; i < t->n; i++) {
		if (before(&t->heap[i], &t->heap[(i - 1) / 2])) {
			return 0;
		}
	}
	return 1;
}
#endif

int
ssrd__timers_add(ssrd_timers *t, uint32_t id, double due_ms, uint64_t render)
{
	if (t->n == t->cap) {
		size_t             cap = t->cap ? t->cap * 2 : 16;
		struct ssrd_timer *h   = realloc(t->heap, cap * sizeof(*h));
		if (h == NULL) {
			return SSRD_ENOMEM;
		}
		t->heap = h;
		t->cap  = cap;
	}
	t->heap[t->n] = (struct ssrd_timer) { due_ms, t->seq++, id, render };
	sift_up(t, t->n++);
	assert(timers_sanity(t));
	return SSRD_OK;
}

void
ssrd__timers_remove(ssrd_timers *t, uint32_t id)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->heap[i].id == id) {
			t->heap[i] = t->heap[--t->n];
			if (i < t->n) {
				sift_down(t, i);
				sift_up(t, i);
			}
			assert(timers_sanity(t));
			return;
		}
	}
}

double
ssrd__timers_next(const ssrd_timers *t)
{
	return t->n > 0 ? t->heap[0].due_ms : -1;
}

int
ssrd__timers_has_render(const ssrd_timers *t, uint64_t render)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->heap[i].render == render) {
			return 1;
		}
	}
	return 0;
}

uint64_t
ssrd__timers_next_render(const ssrd_timers *t)
{
	return t->n > 0 ? t->heap[0].render : 0;
}

size_t
ssrd__timers_pop_due(ssrd_timers *t, double now_ms, uint32_t *ids, size_t max)
{
	size_t k = 0;
	while (k < max && t->n > 0 && t->heap[0].due_ms <= now_ms) {
		ids[k++]   = t->heap[0].id;
		t->heap[0] = t->heap[--t->n];
		sift_down(t, 0);
	}
	return k;
}

void
ssrd__timers_free(ssrd_timers *t)
{
	free(t->heap);
	t->heap = NULL;
	t->n = t->cap = 0;
}

double
ssrd__now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}
