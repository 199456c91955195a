/* check_stats.c tests src/stats.c (the render table: histograms and their
 * quantiles, rows by route and outcome), the log's JSON form and bare values
 * (src/log.c), and the token comparison (src/strbuf.c). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/log.h"
#include "core/strbuf.h"
#include "diag/stats.h"

#include "check_run.h"

/* A render of route (outcome) whose phases took ms[0..5]. */
static void
record(const char *route, const char *outcome, const double *ms)
{
	ssrd_render_rec r = { 0 };
	snprintf(r.site, sizeof(r.site), "s");
	snprintf(r.route, sizeof(r.route), "%s", route);
	r.outcome   = outcome;
	r.transport = "test";
	for (int i = 0; i < SSRD_PHASE_TOTAL; i++) {
		r.ms[i] = ms[i];
	}
	ssrd__stats_finish(&r);
}

struct found {
	const char      *route, *outcome;
	ssrd_route_stats copy;
	int              n;
};

static void
find(const ssrd_route_stats *rs, void *arg)
{
	struct found *f = arg;
	if (strcmp(rs->route, f->route) == 0
	    && strcmp(rs->outcome, f->outcome) == 0) {
		f->copy = *rs;
		f->n++;
	}
}

START_TEST(test_bounds_ordered)
{
	const double *b = ssrd__hist_bounds();
	ck_assert_double_eq_tol(b[0], 0.001, 1e-12);
	for (int i = 1; i < SSRD_HIST_BUCKETS; i++) {
		ck_assert_msg(b[i] > b[i - 1], "bound %d", i);
		if (i < SSRD_HIST_BUCKETS - 1) {
			ck_assert_msg(b[i] / b[i - 1] <= 1.34, "gap at %d", i);
		}
	}
	ck_assert_double_eq_tol(b[SSRD_HIST_BUCKETS - 2], 80000, 1e-6);
}
END_TEST

/* 1..1000 ms, one each: p50 near 500 and p99 near 990, within the
 * buckets' 15%; max and mean exact. */
START_TEST(test_quantiles)
{
	ssrd__stats_reset();
	for (int v = 1; v <= 1000; v++) {
		double ms[SSRD_PHASES] = { 0 };
		ms[SSRD_PHASE_RENDER]  = v;
		record("/q", "ok", ms);
	}
	struct found f = { .route = "/q", .outcome = "ok" };
	ssrd__stats_each(find, &f);
	ck_assert_int_eq(f.n, 1);
	const ssrd_hist *h = &f.copy.phase[SSRD_PHASE_RENDER];
	ck_assert_uint_eq(h->n, 1000);
	ck_assert_double_eq_tol(h->max, 1000, 1e-9);
	ck_assert_double_eq_tol(h->sum / 1000, 500.5, 1e-9);
	double p50 = ssrd__hist_quantile(h, 0.5);
	double p99 = ssrd__hist_quantile(h, 0.99);
	ck_assert_msg(fabs(p50 - 500) < 500 * 0.15, "p50 %f", p50);
	ck_assert_msg(fabs(p99 - 990) < 990 * 0.15, "p99 %f", p99);
	ck_assert_msg(ssrd__hist_quantile(h, 1) <= 1000, "p100");
	/* the total is the sum of the phases; queue was 0 */
	const ssrd_hist *t = &f.copy.phase[SSRD_PHASE_TOTAL];
	ck_assert_double_eq_tol(t->sum, h->sum, 1e-6);
	ck_assert_double_eq(f.copy.phase[SSRD_PHASE_QUEUE].max, 0);
	/* an empty one */
	ssrd_hist empty = { 0 };
	ck_assert_double_eq(ssrd__hist_quantile(&empty, 0.5), 0);
}
END_TEST

/* A single slow value among fast ones shows in p99 and max, not p50. */
START_TEST(test_outlier_and_rows)
{
	ssrd__stats_reset();
	double fast[SSRD_PHASES] = { 0.05, 0, 0, 0, 1.0, 0.1 };
	double slow[SSRD_PHASES] = { 0.05, 2, 3, 4, 300, 0.1 };
	for (int i = 0; i < 99; i++) {
		record("/r", "ok", fast);
	}
	record("/r", "ok", slow);
	record("/r", "timeout", slow);
	struct found ok = { .route = "/r", .outcome = "ok" };
	struct found to = { .route = "/r", .outcome = "timeout" };
	ssrd__stats_each(find, &ok);
	ssrd__stats_each(find, &to);
	ck_assert_int_eq(ok.n, 1);
	ck_assert_int_eq(to.n, 1);
	ck_assert_uint_eq(ok.copy.phase[SSRD_PHASE_TOTAL].n, 100);
	ck_assert_uint_eq(to.copy.phase[SSRD_PHASE_TOTAL].n, 1);
	double p50 = ssrd__hist_quantile(&ok.copy.phase[SSRD_PHASE_TOTAL], .5);
	ck_assert_msg(p50 > 1.0 && p50 < 1.3, "p50 %f", p50);
	ck_assert_double_eq_tol(
	    ok.copy.phase[SSRD_PHASE_TOTAL].max, 309.15, 1e-9);
	ck_assert_double_eq(ok.copy.phase[SSRD_PHASE_CONTEXT].max, 2);
	/* drain given as unknown (-1) is measured from done_ms */
	ssrd_render_rec r = { 0 };
	snprintf(r.route, sizeof(r.route), "/d");
	r.outcome              = "ok";
	r.transport            = "test";
	r.ms[SSRD_PHASE_DRAIN] = -1;
	r.done_ms              = 0; /* long ago */
	ssrd__stats_finish(&r);
	ck_assert_msg(r.ms[SSRD_PHASE_DRAIN] > 0, "drain measured");
	ck_assert_double_eq(r.ms[SSRD_PHASE_TOTAL], r.ms[SSRD_PHASE_DRAIN]);
	ssrd__stats_reset();
	struct found none = { .route = "/r", .outcome = "ok" };
	ssrd__stats_each(find, &none);
	ck_assert_int_eq(none.n, 0);
}
END_TEST

/* logfmt to JSON: numbers stay numbers, quoted values are unescaped, the
 * rest are strings, a bare word is true. */
START_TEST(test_logfmt_to_json)
{
	ssrd_strbuf b = { 0 };
	ssrd__log_logfmt_to_json(&b,
	    "n=12 f=-0.5e3 s=abc q=\"a \\\"b\\\"\\n\\x01\" z=012 i=1. flag "
	    "e= x=1e");
	ck_assert_str_eq(b.ptr,
	    ",\"n\":12,\"f\":-0.5e3,\"s\":\"abc\",\"q\":\"a "
	    "\\\"b\\\"\\n\\u0001\","
	    "\"z\":\"012\",\"i\":\"1.\",\"flag\":true,\"e\":\"\",\"x\":\"1e\"");
	ssrd__strbuf_free(&b);
}
END_TEST

START_TEST(test_log_value)
{
	char *v = ssrd__log_value("/blog/x", 7);
	ck_assert_str_eq(v, "/blog/x");
	free(v);
	v = ssrd__log_value("(not found)", 11);
	ck_assert_str_eq(v, "\"(not found)\"");
	free(v);
	v = ssrd__log_value("a=b", 3);
	ck_assert_str_eq(v, "\"a=b\"");
	free(v);
	v = ssrd__log_value("", 0);
	ck_assert_str_eq(v, "\"\"");
	free(v);
}
END_TEST

START_TEST(test_secret_equal)
{
	ck_assert_int_eq(ssrd__secret_equal("abc", "abc"), 1);
	ck_assert_int_eq(ssrd__secret_equal("abc", "abd"), 0);
	ck_assert_int_eq(ssrd__secret_equal("abc", "ab"), 0);
	ck_assert_int_eq(ssrd__secret_equal("abc", "abcd"), 0);
	ck_assert_int_eq(ssrd__secret_equal("abc", ""), 0);
	ck_assert_int_eq(ssrd__secret_equal("abc", NULL), 0);
	ck_assert_int_eq(ssrd__secret_equal("", ""), 0); /* no secret: none */
}
END_TEST

int
main(void)
{
	Suite *s  = suite_create("stats");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_bounds_ordered);
	tcase_add_test(tc, test_quantiles);
	tcase_add_test(tc, test_outlier_and_rows);
	tcase_add_test(tc, test_logfmt_to_json);
	tcase_add_test(tc, test_log_value);
	tcase_add_test(tc, test_secret_equal);
	suite_add_tcase(s, tc);
	ssrd__log_set_level(SSRD_LOG_OFF);
	return ssrd_check_run(s, CK_NOFORK);
}
