/* check_pool.c: the worker pool against real V8, the real base layer and the
 * demo site. */
#define _DEFAULT_SOURCE
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ssrd/errors.h>

#include "build/bundle.h"
#include "build/esbuild.h"
#include "config/config.h"
#include "core/timers.h"
#include "engine/engine.h"
#include "render/pool.h"
#include "site/site.h"

#include "check_run.h"

static ssrd_config cfg;
static ssrd_bundle base;
static ssrd_site  *demo;
static ssrd_site  *errsite;

static const ssrd_pool_opts one_worker  = { .workers = 1,
	 .queue_max                                  = 64,
	 .isolate = { .heap_max_mb = 256, .young_max_mb = 32 } };
static const ssrd_pool_opts two_workers = { .workers = 2,
	.queue_max                                   = 1024,
	.isolate = { .heap_max_mb = 256, .young_max_mb = 32 } };

/* A job for path on site, with props (may be NULL). Fails the test if the path
 * has no route. */
static ssrd_job *
job_for(const ssrd_site *site, const char *path, const char *props)
{
	ssrd_job *job = NULL;
	int       rv  = ssrd__job_new(
	           (ssrd_site *) site, path, props, props ? strlen(props) : 0, &job);
	ck_assert_msg(
	    rv == SSRD_OK, "no route for %s: %s", path, ssrd_strerror(rv));
	return job;
}

/* Renders path on a pool and returns the HTML (malloc'd); fails the test on
 * error. */
static char *
render(
    ssrd_pool *pool, const ssrd_site *site, const char *path, const char *props)
{
	ssrd_job *job = job_for(site, path, props);
	int       rv  = ssrd__pool_render(pool, job);
	ck_assert_msg(rv == SSRD_OK, "render %s: %s: %s", path,
	    ssrd_strerror(rv), job->error_text ? job->error_text : "");
	char *html = job->html;
	job->html  = NULL;
	ssrd__job_free(job);
	return html;
}

START_TEST(test_render_demo_routes)
{
	ssrd_pool *pool;
	char       errbuf[1024];
	ck_assert_int_eq(ssrd__pool_start(&one_worker, &base, &demo, 1, &pool,
	                     errbuf, sizeof(errbuf)),
	    SSRD_OK);
	char *home = render(pool, demo, "/", "{\"name\":\"Ada\"}");
	ck_assert_msg(
	    strncmp(home, "<!DOCTYPE html><html", 20) == 0, "%.60s", home);
	ck_assert_ptr_nonnull(strstr(home, "Ada"));
	char *list = render(pool, demo, "/products", NULL);
	/* 240 rows by default, each linking to its product. */
	size_t rows = 0;
	for (const char *p = list; (p = strstr(p, "href=\"/products/")) != NULL;
	     p++) {
		rows++;
	}
	ck_assert_uint_ge(rows, 240);
	char *detail = render(pool, demo, "/products/7", NULL);
	ck_assert_ptr_nonnull(strstr(detail, "/products/7"));
	free(home);
	free(list);
	free(detail);
	ssrd__pool_stop(pool);
}
END_TEST

START_TEST(test_errors_are_mapped)
{
	ssrd_pool *pool;
	char       errbuf[1024];
	ck_assert_int_eq(ssrd__pool_start(&one_worker, &base, &errsite, 1,
	                     &pool, errbuf, sizeof(errbuf)),
	    SSRD_OK);
	ssrd_job *job = job_for(errsite, "/boom", NULL);
	ck_assert_int_eq(ssrd__pool_render(pool, job), SSRD_EJS);
	/* The stack names the source files and lines, not the bundle's. */
	ck_assert_msg(
	    strstr(job->error_text, "Error: boom: the widget exploded") != NULL,
	    "%s", job->error_text);
	ck_assert_msg(
	    strstr(job->error_text, "at explode (components/Thrower.jsx:3:9)")
	        != NULL,
	    "%s", job->error_text);
	ck_assert_msg(
	    strstr(job->error_text, "at Thrower (components/Thrower.jsx:7:16)")
	        != NULL,
	    "%s", job->error_text);
	ssrd__job_free(job);

	job = job_for(errsite, "/", "[1,2]");
	ck_assert_int_eq(ssrd__pool_render(pool, job), SSRD_EBADPROPS);
	ck_assert_msg(strstr(job->error_text, "must be a JSON object") != NULL,
	    "%s", job->error_text);
	ssrd__job_free(job);

	job = job_for(errsite, "/", "{\"name\": ");
	ck_assert_int_eq(ssrd__pool_render(pool, job), SSRD_EBADPROPS);
	ck_assert_msg(strstr(job->error_text, "not valid JSON") != NULL, "%s",
	    job->error_text);
	ssrd__job_free(job);

	/* After all that, the same worker still renders. */
	char *ok = render(pool, errsite, "/", "{\"name\":\"again\"}");
	ck_assert_ptr_nonnull(strstr(ok, "again"));
	free(ok);
	ssrd__pool_stop(pool);
}
END_TEST

struct hammer {
	ssrd_pool *pool;
	int        seed;
	char     **want; /* reference output per count */
	int        mismatches;
};

static const char *const hammer_props[] = {
	"{\"count\":200}",
	"{\"count\":240}",
	"{\"count\":7}",
	"{\"count\":1000}",
};

static void *
hammer_main(void *arg)
{
	struct hammer *h = arg;
	for (int i = 0; i < 40; i++) {
		int       k   = (h->seed + i) % 4;
		ssrd_job *job = job_for(demo, "/products", hammer_props[k]);
		if (ssrd__pool_render(h->pool, job) != SSRD_OK
		    || strcmp(job->html, h->want[k]) != 0) {
			h->mismatches++;
		}
		ssrd__job_free(job);
	}
	return NULL;
}

START_TEST(test_concurrent_renders_match_single_thread)
{
	ssrd_pool *single, *pool;
	char       errbuf[1024];
	char      *want[4];
	ck_assert_int_eq(ssrd__pool_start(&one_worker, &base, &demo, 1, &single,
	                     errbuf, sizeof(errbuf)),
	    SSRD_OK);
	for (int k = 0; k < 4; k++) {
		want[k] = render(single, demo, "/products", hammer_props[k]);
	}
	ssrd__pool_stop(single);
	ck_assert_str_ne(
	    want[0], want[1]); /* the props really change the page */

	ck_assert_int_eq(ssrd__pool_start(&two_workers, &base, &demo, 1, &pool,
	                     errbuf, sizeof(errbuf)),
	    SSRD_OK);
	ck_assert_int_eq(ssrd__pool_workers(pool), 2);
	struct hammer h[4];
	pthread_t     t[4];
	for (int i = 0; i < 4; i++) {
		h[i] = (struct hammer) { pool, i, want, 0 };
		pthread_create(&t[i], NULL, hammer_main, &h[i]);
	}
	int mismatches = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		mismatches += h[i].mismatches;
	}
	ck_assert_int_eq(mismatches, 0);
	ssrd__pool_stop(pool);
	for (int k = 0; k < 4; k++) {
		free(want[k]);
	}
}
END_TEST

/* Counts the jobs that completed with each error (by code), then frees them.
 */
static void
count_done(ssrd_job *job, void *arg)
{
	int *by_err = arg;
	__atomic_fetch_add(&by_err[job->err], 1, __ATOMIC_SEQ_CST);
	ssrd__job_free(job);
}

START_TEST(test_overload_and_stop)
{
	/* A queue of zero refuses at once, and the caller keeps the job. */
	ssrd_pool_opts none = one_worker;
	none.queue_max      = 0;
	ssrd_pool *pool;
	char       errbuf[1024];
	ck_assert_int_eq(ssrd__pool_start(&none, &base, &demo, 1, &pool, errbuf,
	                     sizeof(errbuf)),
	    SSRD_OK);
	ssrd_job *job = job_for(demo, "/", NULL);
	ck_assert_int_eq(ssrd__pool_submit(pool, job), SSRD_EOVERLOAD);
	ssrd__job_free(job);
	ssrd__pool_stop(pool);

	/* Stopping with work queued completes every job exactly once: rendered
	 * or closed. */
	ck_assert_int_eq(ssrd__pool_start(&one_worker, &base, &demo, 1, &pool,
	                     errbuf, sizeof(errbuf)),
	    SSRD_OK);
	int by_err[32] = { 0 }, queued = 0;
	for (int i = 0; i < 50; i++) {
		job       = job_for(demo, "/products", "{\"count\":2000}");
		job->done = count_done;
		job->arg  = by_err;
		if (ssrd__pool_submit(pool, job) == SSRD_OK) {
			queued++;
		} else {
			ssrd__job_free(job);
		}
	}
	ck_assert_int_eq(queued, 50);
	ssrd__pool_stop(pool);
	ck_assert_int_gt(by_err[SSRD_ECLOSED], 0);
	ck_assert_int_eq(by_err[SSRD_OK] + by_err[SSRD_ECLOSED], 50);
	/* And nothing is accepted after stop began: covered by the pool's
	 * contract (ECLOSED). */
}
END_TEST

START_TEST(test_start_fails_cleanly_on_bad_layer)
{
	/* A base that throws while evaluating: start fails with the reason, no
	 * thread left behind. */
	ssrd_bundle bad = { 0 };
	bad.path        = strdup("/nonexistent/bad-base.js");
	bad.code        = strdup("throw new Error('base is broken');");
	bad.len         = strlen(bad.code);
	ssrd_pool *pool = NULL;
	char       errbuf[1024];
	int        rv = ssrd__pool_start(
	           &two_workers, &bad, &demo, 1, &pool, errbuf, sizeof(errbuf));
	ck_assert_int_eq(rv, SSRD_EJS);
	ck_assert_ptr_null(pool);
	ck_assert_msg(strstr(errbuf, "base is broken") != NULL, "%s", errbuf);
	ssrd__bundle_clear(&bad);
}
END_TEST

START_TEST(test_isolation_modes)
{
	/* site: one warm context, so a global set by one render is seen by the
	 * next. */
	ssrd_pool *pool;
	char       errbuf[1024];
	ck_assert_int_eq(ssrd__pool_start(&one_worker, &base, &errsite, 1,
	                     &pool, errbuf, sizeof(errbuf)),
	    SSRD_OK);
	char *a = render(pool, errsite, "/leak", NULL);
	char *b = render(pool, errsite, "/leak", NULL);
	ck_assert_msg(
	    strstr(a, "renders <!-- -->1") && strstr(b, "renders <!-- -->2"),
	    "%s | %s", a, b);
	free(a);
	free(b);
	ssrd__pool_stop(pool);

	/* request: a fresh context per render; nothing carries over, and the
	 * timer the page left behind dies with its context instead of firing
	 * into a freed one. */
	ssrd_pool_opts req = one_worker;
	req.isolation      = SSRD_ISOLATION_REQUEST;
	ck_assert_int_eq(ssrd__pool_start(&req, &base, &errsite, 1, &pool,
	                     errbuf, sizeof(errbuf)),
	    SSRD_OK);
	for (int i = 0; i < 3; i++) {
		char *c = render(pool, errsite, "/leak", NULL);
		ck_assert_msg(strstr(c, "renders <!-- -->1") != NULL,
		    "render %d: %s", i, c);
		free(c);
		usleep(5000);
	}
	/* Errors still map to the source in a per-render context. */
	ssrd_job *job = job_for(errsite, "/boom", NULL);
	ck_assert_int_eq(ssrd__pool_render(pool, job), SSRD_EJS);
	ck_assert_msg(
	    strstr(job->error_text, "components/Thrower.jsx:3:9") != NULL, "%s",
	    job->error_text);
	ssrd__job_free(job);
	ssrd__pool_stop(pool);

	/* page: a fresh context for the page's code on a shared, warm React:
	 * globals do not carry over, React's exports cannot be swapped, errors
	 * map, and the HTML is the same as a warm context's. */
	ssrd_pool_opts pg = one_worker;
	pg.isolation      = SSRD_ISOLATION_PAGE;
	ck_assert_int_eq(ssrd__pool_start(&pg, &base, &errsite, 1, &pool,
	                     errbuf, sizeof(errbuf)),
	    SSRD_OK);
	for (int i = 0; i < 3; i++) {
		char *c = render(pool, errsite, "/leak", NULL);
		ck_assert_msg(strstr(c, "renders <!-- -->1") != NULL,
		    "page render %d: %s", i, c);
		free(c);
		char *t = render(pool, errsite, "/tamper", NULL);
		ck_assert_msg(strstr(t, "react intact") != NULL,
		    "page render %d: %s", i, t);
		free(t);
		/* nor can the shared context's built-ins be polluted for the
		 * next */
		char *u = render(pool, errsite, "/pollute", NULL);
		ck_assert_msg(
		    strstr(u, ">clean<") != NULL, "page render %d: %s", i, u);
		free(u);
	}
	job = job_for(errsite, "/boom", NULL);
	ck_assert_int_eq(ssrd__pool_render(pool, job), SSRD_EJS);
	ck_assert_msg(
	    strstr(job->error_text, "at explode (components/Thrower.jsx:3:9)")
	        != NULL,
	    "%s", job->error_text);
	ssrd__job_free(job);
	ssrd__pool_stop(pool);

	ssrd_pool *warm, *fresh;
	ck_assert_int_eq(ssrd__pool_start(&one_worker, &base, &demo, 1, &warm,
	                     errbuf, sizeof(errbuf)),
	    SSRD_OK);
	ck_assert_int_eq(ssrd__pool_start(&pg, &base, &demo, 1, &fresh, errbuf,
	                     sizeof(errbuf)),
	    SSRD_OK);
	char *w1 = render(warm, demo, "/products", "{\"count\":300}");
	char *f1 = render(fresh, demo, "/products", "{\"count\":300}");
	ck_assert_str_eq(w1, f1);
	free(w1);
	free(f1);
	ssrd__pool_stop(warm);
	ssrd__pool_stop(fresh);
}
END_TEST

/* ---- limits, recycling, drain (issue 7) ---- */

/* Renders path on pool with stream (0 or 1) and an optional own timeout;
 * returns the job (caller frees) and the time it took in *ms. */
static ssrd_job *
render_job(ssrd_pool *pool, const char *path, const char *props, int stream,
    double timeout_ms, double *ms)
{
	ssrd_job *job   = job_for(errsite, path, props);
	job->stream     = stream;
	job->timeout_ms = timeout_ms;
	double t0       = ssrd__now_ms();
	(void) ssrd__pool_render(pool, job);
	*ms = ssrd__now_ms() - t0;
	return job;
}

/* The job failed with err, and its message names the limit. */
static void
expect_failed(ssrd_job *job, int err, const char *names)
{
	ck_assert_msg(job->err == err, "%s: got %s (%s), want %s", job->path,
	    ssrd_err_name(job->err), job->error_text ? job->error_text : "",
	    ssrd_err_name(err));
	ck_assert_msg(
	    job->error_text != NULL && strstr(job->error_text, names) != NULL,
	    "%s: \"%s\" does not name %s", job->path,
	    job->error_text ? job->error_text : "", names);
	ck_assert_ptr_null(job->html);
}

START_TEST(test_watchdog_stops_loops)
{
	ssrd_pool_opts o = one_worker;
	o.timeout_ms     = 300;
	o.timeout_max_ms = 600;
	ssrd_pool *pool;
	char       errbuf[1024];
	ck_assert_int_eq(ssrd__pool_start(&o, &base, &errsite, 1, &pool, errbuf,
	                     sizeof(errbuf)),
	    SSRD_OK);
	for (int stream = 0; stream <= 1; stream++) {
		double    ms;
		ssrd_job *job = render_job(pool, "/loop", NULL, stream, 0, &ms);
		expect_failed(job, SSRD_ETIMEDOUT, "render_timeout_ms");
		ck_assert_msg(ms >= 290 && ms < 1500,
		    "stream=%d: stopped after %.0f ms (limit 300)", stream, ms);
		ssrd__job_free(job);
		/* the same worker, and its isolate, serve on */
		char *ok = render(pool, errsite, "/", "{\"name\":\"after\"}");
		ck_assert_ptr_nonnull(strstr(ok, "after"));
		free(ok);
	}
	/* a maximum below the default is refused at start, not raised */
	ssrd_pool_opts bad = one_worker;
	bad.timeout_ms     = 1000;
	bad.timeout_max_ms = 500;
	ssrd_pool *none    = NULL;
	ck_assert_int_eq(ssrd__pool_start(&bad, &base, &errsite, 1, &none,
	                     errbuf, sizeof(errbuf)),
	    SSRD_ECONFIG);
	ck_assert_ptr_nonnull(strstr(errbuf, "render_timeout_max_ms (500)"));
	ck_assert_ptr_null(none);
	/* a job's own limit, within timeout_max_ms */
	double    ms;
	ssrd_job *job = render_job(pool, "/loop", NULL, 1, 100, &ms);
	expect_failed(job, SSRD_ETIMEDOUT, "render_timeout_ms");
	ck_assert_msg(ms < 290, "own limit 100 ms: stopped after %.0f ms", ms);
	ssrd__job_free(job);
	/* and capped by it */
	job = render_job(pool, "/loop", NULL, 0, 60000, &ms);
	expect_failed(job, SSRD_ETIMEDOUT, "render_timeout_ms");
	ck_assert_msg(ms >= 590 && ms < 2000,
	    "asked 60 s, max 600 ms: stopped after %.0f ms", ms);
	ssrd__job_free(job);
	/* slow but finite JavaScript within the limit is not stopped */
	job = render_job(pool, "/spin", "{\"ms\":150}", 0, 0, &ms);
	ck_assert_msg(job->err == SSRD_OK, "spin 150 ms: %s",
	    job->error_text ? job->error_text : "");
	ssrd__job_free(job);
	ssrd_worker_stats st;
	ssrd__pool_worker_stats(pool, 0, &st);
	ck_assert_uint_eq(st.timeouts, 4);
	ck_assert_uint_eq(st.recycles, 0); /* a timeout keeps the isolate */
	ssrd__pool_stop(pool);
}
END_TEST

/* A loop in one render delays the others on its worker by at most its own
 * limit: they still complete, with their own output. */
START_TEST(test_loop_spares_its_neighbours)
{
	ssrd_pool_opts o = one_worker;
	o.timeout_ms     = 5000;
	o.stream         = 1;
	ssrd_pool *pool;
	char       errbuf[1024];
	ck_assert_int_eq(ssrd__pool_start(&o, &base, &errsite, 1, &pool, errbuf,
	                     sizeof(errbuf)),
	    SSRD_OK);
	int       by_err[32] = { 0 };
	ssrd_job *loop       = job_for(errsite, "/loop", NULL);
	loop->timeout_ms     = 200;
	loop->done           = count_done;
	loop->arg            = by_err;
	ck_assert_int_eq(ssrd__pool_submit(pool, loop), SSRD_OK);
	for (int i = 0; i < 4; i++) {
		char props[64], want[64];
		snprintf(props, sizeof(props), "{\"name\":\"n%d\"}", i);
		snprintf(want, sizeof(want), "n%d", i);
		char *html = render(pool, errsite, "/", props);
		ck_assert_ptr_nonnull(strstr(html, want));
		free(html);
	}
	ck_assert_int_eq(by_err[SSRD_ETIMEDOUT], 1);
	ssrd__pool_stop(pool);
}
END_TEST

START_TEST(test_heap_limit_recycles_the_isolate)
{
	ssrd_pool_opts o       = one_worker;
	o.isolate.heap_max_mb  = 32;
	o.isolate.young_max_mb = 8;
	o.timeout_ms           = 20000;
	ssrd_pool *pool;
	char       errbuf[1024];
	ck_assert_int_eq(ssrd__pool_start(&o, &base, &errsite, 1, &pool, errbuf,
	                     sizeof(errbuf)),
	    SSRD_OK);
	/* many small allocations, then one far bigger than the heap (which
	 * once aborted the process) */
	static const char *const pages[] = { "/alloc", "/alloc", "/bigalloc" };
	for (int i = 0; i < 3; i++) {
		double    ms;
		ssrd_job *job
		    = render_job(pool, pages[i], NULL, i == 1, 0, &ms);
		expect_failed(job, SSRD_EOOM, "heap_max_mb");
		ssrd__job_free(job);
		char *ok = render(pool, errsite, "/", "{\"name\":\"fresh\"}");
		ck_assert_ptr_nonnull(strstr(ok, "fresh"));
		free(ok);
	}
	ssrd_worker_stats st;
	ssrd__pool_worker_stats(pool, 0, &st);
	ck_assert_uint_eq(st.recycles, 3);
	ck_assert_uint_ge(st.heap_limits, 2);
	ssrd__pool_stop(pool);
}
END_TEST

START_TEST(test_output_limit)
{
	ssrd_pool_opts o = one_worker;
	o.max_output     = 1 << 20;
	ssrd_pool *pool;
	char       errbuf[1024];
	ck_assert_int_eq(ssrd__pool_start(&o, &base, &errsite, 1, &pool, errbuf,
	                     sizeof(errbuf)),
	    SSRD_OK);
	for (int stream = 0; stream <= 1; stream++) {
		double    ms;
		ssrd_job *job = render_job(pool, "/huge", NULL, stream, 0, &ms);
		expect_failed(job, SSRD_ETOOBIG, "max_output_kb");
		ssrd__job_free(job);
	}
	char *ok = render(pool, errsite, "/", NULL);
	free(ok);
	ssrd__pool_stop(pool);
}
END_TEST

START_TEST(test_recycle_after_renders)
{
	ssrd_pool_opts o  = one_worker;
	o.recycle_renders = 3;
	ssrd_pool *pool;
	char       errbuf[1024];
	ck_assert_int_eq(ssrd__pool_start(&o, &base, &errsite, 1, &pool, errbuf,
	                     sizeof(errbuf)),
	    SSRD_OK);
	for (int i = 0; i < 7; i++) {
		char props[64], want[64];
		snprintf(props, sizeof(props), "{\"name\":\"r%d\"}", i);
		snprintf(want, sizeof(want), "r%d", i);
		char *html = render(pool, errsite, "/", props);
		ck_assert_ptr_nonnull(strstr(html, want));
		free(html);
	}
	ssrd_worker_stats st;
	ssrd__pool_worker_stats(pool, 0, &st);
	ck_assert_uint_eq(st.renders, 7);
	ck_assert_uint_eq(st.recycles, 2);
	ssrd__pool_stop(pool);
}
END_TEST

START_TEST(test_drain)
{
	ssrd_pool *pool;
	char       errbuf[1024];
	ck_assert_int_eq(ssrd__pool_start(&one_worker, &base, &errsite, 1,
	                     &pool, errbuf, sizeof(errbuf)),
	    SSRD_OK);
	/* work queued and running is finished, then nothing is taken */
	int by_err[32] = { 0 };
	for (int i = 0; i < 3; i++) {
		ssrd_job *job = job_for(errsite, "/spin", "{\"ms\":100}");
		job->done     = count_done;
		job->arg      = by_err;
		ck_assert_int_eq(ssrd__pool_submit(pool, job), SSRD_OK);
	}
	ck_assert_uint_eq(ssrd__pool_drain(pool, 5000), 0);
	ck_assert_int_eq(by_err[SSRD_OK], 3);
	ssrd_job *late = job_for(errsite, "/", NULL);
	ck_assert_int_eq(ssrd__pool_submit(pool, late), SSRD_ECLOSED);
	ssrd__job_free(late);
	ssrd__pool_stop(pool);

	/* past the grace, what is left is counted, then stopped */
	ck_assert_int_eq(ssrd__pool_start(&one_worker, &base, &errsite, 1,
	                     &pool, errbuf, sizeof(errbuf)),
	    SSRD_OK);
	for (int i = 0; i < 2; i++) {
		ssrd_job *job = job_for(errsite, "/spin", "{\"ms\":400}");
		job->done     = count_done;
		job->arg      = by_err;
		ck_assert_int_eq(ssrd__pool_submit(pool, job), SSRD_OK);
	}
	ck_assert_uint_eq(ssrd__pool_drain(pool, 100), 2);
	ssrd__pool_stop(pool);
}
END_TEST

static Suite *
pool_suite(void)
{
	Suite *s  = suite_create("pool");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_render_demo_routes);
	tcase_add_test(tc, test_errors_are_mapped);
	tcase_add_test(tc, test_concurrent_renders_match_single_thread);
	tcase_add_test(tc, test_overload_and_stop);
	tcase_add_test(tc, test_start_fails_cleanly_on_bad_layer);
	tcase_add_test(tc, test_isolation_modes);
	tcase_add_test(tc, test_watchdog_stops_loops);
	tcase_add_test(tc, test_loop_spares_its_neighbours);
	tcase_add_test(tc, test_heap_limit_recycles_the_isolate);
	tcase_add_test(tc, test_output_limit);
	tcase_add_test(tc, test_recycle_after_renders);
	tcase_add_test(tc, test_drain);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	char errbuf[8192];
	char cache[] = "/tmp/ssrd-check-pool-XXXXXX";
	if (mkdtemp(cache) == NULL || ssrd__config_init(&cfg) != SSRD_OK
	    || ssrd__config_set(
	           &cfg, "cache_dir", cache, errbuf, sizeof(errbuf))
	        != SSRD_OK
	    || ssrd__config_set(&cfg, "hydrate", "0", errbuf, sizeof(errbuf))
	        != SSRD_OK
	    || ssrd__engine_init(NULL, (size_t) cfg.page_cache_mb << 20)
	        != SSRD_OK) {
		fprintf(stderr, "set-up failed\n");
		return EXIT_FAILURE;
	}
	if (ssrd__bundle_get_base(&cfg, NULL, &base, errbuf, sizeof(errbuf))
	        != SSRD_OK
	    || ssrd__site_load(&cfg, NULL, SSRD_SOURCE_DIR "/js/demo", &demo,
	           errbuf, sizeof(errbuf))
	        != SSRD_OK
	    || ssrd__site_load(&cfg, NULL,
	           SSRD_SOURCE_DIR "/tests/fixtures/errsite", &errsite, errbuf,
	           sizeof(errbuf))
	        != SSRD_OK) {
		fprintf(stderr, "building layers failed: %s\n", errbuf);
		return EXIT_FAILURE;
	}
	int rc = ssrd_check_run(pool_suite(), CK_NOFORK);
	ssrd__site_unref(demo);
	ssrd__site_unref(errsite);
	ssrd__bundle_clear(&base);
	ssrd__config_clear(&cfg);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cache);
	if (system(cmd) != 0) {
		fprintf(stderr, "could not remove %s\n", cache);
	}
	return rc;
}
