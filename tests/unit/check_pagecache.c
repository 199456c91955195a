/* check_pagecache.c: the cache of freed V8 page regions (pure bookkeeping; no
 * memory is touched). */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "engine/pagecache.h"

#include "check_run.h"

/* Fake region addresses: the cache never dereferences them. */
#define REGION(n) ((void *) (uintptr_t) ((n) *0x40000))

static void  *unmapped[512];
static size_t nunmapped;

static void
record_unmap(void *addr, size_t length)
{
	(void) length;
	if (nunmapped < 512) {
		unmapped[nunmapped++] = addr;
	}
}

/* Empties the cache between tests: turning it off makes every put refuse, then
 * takes drain it. */
static void
reset(size_t max)
{
	ssrd__pagecache_init(1u << 30, record_unmap);
	while (ssrd__pagecache_take(4096, 0) || ssrd__pagecache_take(8192, 0)
	    || ssrd__pagecache_take(65536, 0)
	    || ssrd__pagecache_take(12288, 0)) { }
	ssrd__pagecache_init(max, record_unmap);
	nunmapped = 0;
}

START_TEST(test_exact_length_newest_first)
{
	reset(1 << 20);
	ck_assert_int_eq(ssrd__pagecache_put(REGION(1), 4096), 1);
	ck_assert_int_eq(ssrd__pagecache_put(REGION(2), 8192), 1);
	ck_assert_int_eq(ssrd__pagecache_put(REGION(3), 4096), 1);
	ck_assert_ptr_null(ssrd__pagecache_take(12288, 0));
	ck_assert_ptr_eq(ssrd__pagecache_take(4096, 0), REGION(3));
	ck_assert_ptr_eq(ssrd__pagecache_take(4096, 0), REGION(1));
	ck_assert_ptr_null(ssrd__pagecache_take(4096, 0));
	ck_assert_ptr_eq(ssrd__pagecache_take(8192, 0), REGION(2));
	ssrd_pagecache_stats st;
	ssrd__pagecache_stats(&st);
	ck_assert_uint_eq(st.bytes, 0);
	ck_assert_uint_eq(st.regions, 0);
}
END_TEST

START_TEST(test_alignment_respected)
{
	reset(1 << 20);
	void *odd
	    = (void *) (uintptr_t) 0x41000; /* 4 KiB aligned, not 256 KiB */
	ck_assert_int_eq(ssrd__pagecache_put(odd, 4096), 1);
	ck_assert_ptr_null(ssrd__pagecache_take(4096, 0x40000));
	ck_assert_ptr_eq(ssrd__pagecache_take(4096, 0x1000), odd);
}
END_TEST

START_TEST(test_evicts_oldest_when_full)
{
	reset(3 * 4096);
	for (int i = 1; i <= 3; i++) {
		ck_assert_int_eq(ssrd__pagecache_put(REGION(i), 4096), 1);
	}
	ck_assert_uint_eq(nunmapped, 0);
	/* An 8 KiB region needs two slots' worth: the two oldest go. */
	ck_assert_int_eq(ssrd__pagecache_put(REGION(4), 8192), 1);
	ck_assert_uint_eq(nunmapped, 2);
	ck_assert_ptr_eq(unmapped[0], REGION(1));
	ck_assert_ptr_eq(unmapped[1], REGION(2));
	ssrd_pagecache_stats st;
	ssrd__pagecache_stats(&st);
	ck_assert_uint_eq(st.bytes, 4096 + 8192);
	ck_assert_uint_eq(st.regions, 2);
	ck_assert_uint_ge(st.evicted, 2);
}
END_TEST

START_TEST(test_off_and_oversized_refused)
{
	reset(0);
	ck_assert_int_eq(ssrd__pagecache_put(REGION(1), 4096), 0);
	ck_assert_ptr_null(ssrd__pagecache_take(4096, 0));
	reset(8192);
	ck_assert_int_eq(ssrd__pagecache_put(REGION(1), 65536), 0);
	ck_assert_uint_eq(
	    nunmapped, 0); /* refused, not evicted: the caller frees it */
}
END_TEST

START_TEST(test_hits_and_misses_counted)
{
	reset(1 << 20);
	ssrd_pagecache_stats a, b;
	ssrd__pagecache_stats(&a);
	ssrd__pagecache_put(REGION(1), 4096);
	ssrd__pagecache_take(4096, 0);
	ssrd__pagecache_miss();
	ssrd__pagecache_stats(&b);
	ck_assert_uint_eq(b.hits - a.hits, 1);
	ck_assert_uint_eq(b.misses - a.misses, 1);
}
END_TEST

static void *
churn(void *arg)
{
	uintptr_t base = (uintptr_t) arg;
	for (int i = 0; i < 20000; i++) {
		void *p = ssrd__pagecache_take(4096, 0);
		ssrd__pagecache_put(
		    p != NULL ? p : (void *) (base + (uintptr_t) i * 0x1000),
		    4096);
	}
	return NULL;
}

START_TEST(test_threads_never_lose_a_region)
{
	/* Four threads take and put at once: the counts stay consistent and
	 * within the bound. */
	reset(64 * 4096);
	pthread_t t[4];
	for (uintptr_t i = 0; i < 4; i++) {
		pthread_create(&t[i], NULL, churn, (void *) ((i + 1) << 32));
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
	}
	ssrd_pagecache_stats st;
	ssrd__pagecache_stats(&st);
	ck_assert_uint_le(st.bytes, 64 * 4096);
	ck_assert_uint_eq(st.bytes, st.regions * 4096);
}
END_TEST

int
main(void)
{
	Suite *s  = suite_create("pagecache");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_exact_length_newest_first);
	tcase_add_test(tc, test_alignment_respected);
	tcase_add_test(tc, test_evicts_oldest_when_full);
	tcase_add_test(tc, test_off_and_oversized_refused);
	tcase_add_test(tc, test_hits_and_misses_counted);
	tcase_add_test(tc, test_threads_never_lose_a_region);
	suite_add_tcase(s, tc);
	int rc = ssrd_check_run(s, CK_NOFORK);
	return rc;
}
