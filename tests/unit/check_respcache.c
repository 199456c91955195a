/* check_respcache.c: the HTTP response cache: freshness, the stale window
 * with one revalidation, expiry, the LRU bound, ETags, gzip and brotli
 * forms. */
#include <check.h>
#include <ssrd/errors.h>
#include <stdlib.h>
#include <string.h>

#include "render/respcache.h"

#include "check_decode.h"
#include "check_run.h"

static ssrd_respcache *
cache(size_t max)
{
	ssrd_respcache *c;
	ck_assert_int_eq(ssrd__respcache_new(max, &c), SSRD_OK);
	return c;
}

START_TEST(test_fresh_stale_expired)
{
	ssrd_respcache *c = cache(1 << 20);
	int             state, reval;
	ck_assert_ptr_null(ssrd__respcache_get(c, "k", 1, 0, &state, &reval));
	ck_assert_int_eq(state, SSRD_CACHE_MISS);
	ssrd__respcache_put(c, "k", 1, "<p>hi</p>", 9, 10, 5, 1000);
	ssrd_cached *e
	    = ssrd__respcache_get(c, "k", 1, 1000 + 9999, &state, &reval);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(state, SSRD_CACHE_HIT);
	ck_assert_int_eq(reval, 0);
	ck_assert_str_eq(e->body, "<p>hi</p>");
	ck_assert_int_eq(e->ttl_s, 10);
	ssrd__respcache_release(c, e);
	/* in the stale window: the first caller revalidates, the next does not
	 */
	e = ssrd__respcache_get(c, "k", 1, 1000 + 10001, &state, &reval);
	ck_assert_int_eq(state, SSRD_CACHE_STALE);
	ck_assert_int_eq(reval, 1);
	ssrd_cached *e2
	    = ssrd__respcache_get(c, "k", 1, 1000 + 10002, &state, &reval);
	ck_assert_int_eq(state, SSRD_CACHE_STALE);
	ck_assert_int_eq(reval, 0);
	ssrd__respcache_release(c, e2);
	/* a failed revalidation lets the next caller try */
	ssrd__respcache_revalidated(c, e);
	ssrd__respcache_release(c, e);
	e = ssrd__respcache_get(c, "k", 1, 1000 + 10003, &state, &reval);
	ck_assert_int_eq(reval, 1);
	ssrd__respcache_release(c, e);
	/* past ttl + swr: gone */
	ck_assert_ptr_null(
	    ssrd__respcache_get(c, "k", 1, 1000 + 15001, &state, &reval));
	ssrd_respcache_stats st;
	ssrd__respcache_stats(c, &st);
	ck_assert_uint_eq(st.entries, 0);
	ck_assert_uint_eq(st.hits, 1);
	ck_assert_uint_eq(st.stale, 3);
	ck_assert_uint_eq(st.misses, 2);
	ssrd__respcache_free(c);
}
END_TEST

START_TEST(test_replace_and_references)
{
	ssrd_respcache *c = cache(1 << 20);
	int             state, reval;
	ssrd__respcache_put(c, "k", 1, "one", 3, 10, 0, 0);
	ssrd_cached *old = ssrd__respcache_get(c, "k", 1, 1, &state, &reval);
	ssrd__respcache_put(c, "k", 1, "two", 3, 10, 0, 2);
	ssrd_cached *cur = ssrd__respcache_get(c, "k", 1, 3, &state, &reval);
	ck_assert_str_eq(cur->body, "two");
	ck_assert_str_eq(old->body, "one"); /* still ours until released */
	ck_assert_str_ne(
	    old->etag[SSRD_CODING_IDENTITY], cur->etag[SSRD_CODING_IDENTITY]);
	ssrd__respcache_release(c, old);
	ssrd__respcache_release(c, cur);
	ssrd__respcache_free(c);
}
END_TEST

/* A cache freed while a reply still writes from one of its entries, or a
 * render still fills it, lives until the last of them lets go; what a fill
 * stores after the free is dropped (ASan and LeakSanitizer check the rest).
 */
START_TEST(test_free_while_held)
{
	ssrd_respcache *c = cache(1 << 20);
	int             state, reval;
	ssrd__respcache_put(c, "k", 1, "page", 4, 10, 0, 0);
	ssrd_cached *e = ssrd__respcache_get(c, "k", 1, 1, &state, &reval);
	ck_assert_ptr_nonnull(e);
	ssrd__respcache_retain(c, e); /* a second holder, as a shared reply */
	ssrd_cache_fill *f = ssrd__cache_fill_new(c, "j", 1, NULL);
	ck_assert_ptr_nonnull(f);
	ssrd__respcache_free(c);           /* the server stops */
	ck_assert_str_eq(e->body, "page"); /* still readable */
	ssrd__respcache_release(c, e);
	ck_assert_str_eq(e->body, "page");
	ssrd__cache_fill_chunk(f, "late", 4);
	ssrd_job job = { .err = SSRD_OK, .status = 200, .cache_ttl = 10 };
	ssrd__cache_fill_done(f, &job); /* stores nothing: closed */
	ssrd__respcache_release(c, e);  /* the last: the cache goes */
}
END_TEST

START_TEST(test_lru_bound)
{
	ssrd_respcache *c = cache(4000); /* entries of 1000 B: room for 4 */
	char            body[1000], key[8];
	int             state, reval;
	memset(body, 'x', sizeof(body));
	for (int i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ssrd__respcache_put(c, key, strlen(key), body, 1000, 10, 0, 0);
	}
	/* touch k0: k1 becomes the least recently used */
	ssrd__respcache_release(
	    c, ssrd__respcache_get(c, "k0", 2, 1, &state, &reval));
	ssrd__respcache_put(c, "k4", 2, body, 1000, 10, 0, 2);
	ck_assert_ptr_null(ssrd__respcache_get(c, "k1", 2, 3, &state, &reval));
	static const char *const kept[] = { "k0", "k2", "k3", "k4" };
	for (size_t i = 0; i < 4; i++) {
		ssrd_cached *e = ssrd__respcache_get(
		    c, kept[i], strlen(kept[i]), 3, &state, &reval);
		ck_assert_msg(e != NULL, "%s was evicted", kept[i]);
		ssrd__respcache_release(c, e);
	}
	ssrd_respcache_stats st;
	ssrd__respcache_stats(c, &st);
	ck_assert_uint_eq(st.entries, 4);
	ck_assert_uint_le(st.bytes, 4000);
	ck_assert_uint_eq(st.evictions, 1);
	/* a page bigger than a quarter of the cache is not kept */
	char big[1100];
	memset(big, 'y', sizeof(big));
	ssrd__respcache_put(c, "big", 3, big, sizeof(big), 10, 0, 4);
	ck_assert_ptr_null(ssrd__respcache_get(c, "big", 3, 5, &state, &reval));
	ssrd__respcache_free(c);
}
END_TEST

START_TEST(test_forms_made_once)
{
	ssrd_respcache *c    = cache(1 << 20);
	const char     *page = "<p>hello hello hello hello hello hello</p>";
	int             state, reval;
	ssrd__respcache_put(c, "g", 1, page, strlen(page), 10, 0, 0);
	ssrd_cached *e = ssrd__respcache_get(c, "g", 1, 1, &state, &reval);
	size_t       n;
	ck_assert_ptr_eq(
	    ssrd__respcache_form(c, e, SSRD_CODING_IDENTITY, &n), e->body);
	ck_assert_uint_eq(n, strlen(page));
	const ssrd_coding codings[] = { SSRD_CODING_GZIP, SSRD_CODING_BR };
	const char       *suffix[]  = { "-gz\"", "-br\"" };
	for (int i = 0; i < 2; i++) {
		size_t      n1, n2;
		const char *f1 = ssrd__respcache_form(c, e, codings[i], &n1);
		const char *f2 = ssrd__respcache_form(c, e, codings[i], &n2);
		ck_assert_ptr_nonnull(f1);
		ck_assert_ptr_eq(f1, f2); /* the same bytes, not made again */
		ck_assert_uint_eq(n1, n2);
		struct decoder d;
		decoder_init(&d, codings[i]);
		decoder_feed(&d, f1, n1);
		ck_assert(!d.error && d.ended);
		ck_assert_uint_eq(d.out.len, strlen(page));
		ck_assert(memcmp(d.out.ptr, page, strlen(page)) == 0);
		decoder_free(&d);
		ck_assert_ptr_nonnull(strstr(e->etag[codings[i]], suffix[i]));
		ck_assert_str_ne(
		    e->etag[codings[i]], e->etag[SSRD_CODING_IDENTITY]);
	}
	/* each form counts against the bound */
	ssrd_respcache_stats st;
	ssrd__respcache_stats(c, &st);
	ck_assert_uint_eq(st.bytes,
	    strlen(page) + e->coded_len[SSRD_CODING_GZIP]
	        + e->coded_len[SSRD_CODING_BR]);
	ssrd__respcache_release(c, e);
	ssrd__respcache_free(c);
}
END_TEST

int
main(void)
{
	Suite *s  = suite_create("respcache");
	TCase *tc = tcase_create("all");
	tcase_add_test(tc, test_fresh_stale_expired);
	tcase_add_test(tc, test_replace_and_references);
	tcase_add_test(tc, test_free_while_held);
	tcase_add_test(tc, test_lru_bound);
	tcase_add_test(tc, test_forms_made_once);
	suite_add_tcase(s, tc);
	return ssrd_check_run(s, CK_FORK);
}
