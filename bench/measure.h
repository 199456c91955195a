/* measure.h: what ssrd's load drivers share for timing requests: a monotonic
 * clock in ms, and percentiles of a sorted array of latencies. Header-only:
 * bench/load.c, bench/ipc_bench.c and tests/e2e/chaos_client.c include it. */
#ifndef SSRD_BENCH_MEASURE_H
#define SSRD_BENCH_MEASURE_H

#include <stddef.h>
#include <stdlib.h>
#include <time.h>

/* CLOCK_MONOTONIC, ms. */
static inline double
measure_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

/* qsort's comparison of doubles, ascending. */
static inline int
measure_cmp(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;
	return x < y ? -1 : x > y;
}

/* Sorts v (n values) in place. */
static inline void
measure_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), measure_cmp);
}

/* The q-quantile (0..1) of v, sorted ascending: the value at rank n * q
 * (nearest rank), or 0 when n is 0. */
static inline double
measure_pct(const double *v, size_t n, double q)
{
	if (n == 0) {
		return 0;
	}
	size_t i = (size_t) ((double) n * q);
	return v[i >= n ? n - 1 : i];
}

#endif
