/* check_stream.c: streaming renders on the workers' event loop, against real
 * V8 and the streaming fixture site: chunks as React produces them,
 * renders interleaved on one worker, console lines kept with their render,
 * cancellation, and the host bridge wired through. */
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
#include "core/strbuf.h"
#include "core/timers.h"
#include "engine/engine.h"
#include "host/host.h"
#include "host/hostpool.h"
#include "render/pool.h"
#include "site/site.h"

#include "check_run.h"

static ssrd_config    cfg;
static ssrd_bundle    base;
static ssrd_site     *site;
static ssrd_host_opts host;
static ssrd_hostpool *hostpool;

static ssrd_pool *
start_pool(long renders_per_worker)
{
	ssrd_pool_opts o = { .workers = 1,
		.queue_max            = 64,
		.isolate        = { .heap_max_mb = 256, .young_max_mb = 32 },
		.stream         = 1,
		.stall_ms       = 2000,
		.timeout_ms     = 10000,
		.worker_renders = renders_per_worker,
		.host           = &host,
		.hostpool       = hostpool };
	ssrd_pool     *pool;
	char           errbuf[1024];
	ck_assert_msg(
	    ssrd__pool_start(&o, &base, &site, 1, &pool, errbuf, sizeof(errbuf))
	        == SSRD_OK,
	    "%s", errbuf);
	return pool;
}

/* What a streaming caller sees: each chunk with the time it came, and the
 * end. */
struct seen {
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	ssrd_strbuf     body;
	double          start, first, last;
	size_t          chunks;
	size_t          fast_at, slow_at; /* offsets where they showed up */
	int             done;
};

static void
seen_chunk(ssrd_job *job, const char *data, size_t len, void *arg)
{
	struct seen *s = arg;
	(void) job;
	pthread_mutex_lock(&s->mu);
	double now = ssrd__now_ms() - s->start;
	if (s->chunks++ == 0) {
		s->first = now;
	}
	s->last = now;
	ssrd__strbuf_append(&s->body, data, len);
	pthread_mutex_unlock(&s->mu);
}

static void
seen_done(ssrd_job *job, void *arg)
{
	struct seen *s = arg;
	(void) job;
	pthread_mutex_lock(&s->mu);
	s->done = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static void
seen_init(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->start = ssrd__now_ms();
}

static void
seen_wait(struct seen *s)
{
	pthread_mutex_lock(&s->mu);
	while (!s->done) {
		pthread_cond_wait(&s->cv, &s->mu);
	}
	pthread_mutex_unlock(&s->mu);
}

static void
seen_clear(struct seen *s)
{
	ssrd__strbuf_free(&s->body);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
}

static ssrd_job *
stream_job(const char *path, const char *props, struct seen *s)
{
	ssrd_job *job = NULL;
	ck_assert_int_eq(
	    ssrd__job_new(site, path, props, props ? strlen(props) : 0, &job),
	    SSRD_OK);
	job->chunk = seen_chunk;
	job->done  = seen_done;
	job->arg   = s;
	return job;
}

static long
offset_of(const ssrd_strbuf *b, const char *needle)
{
	const char *p = b->ptr ? strstr(b->ptr, needle) : NULL;
	return p ? (long) (p - b->ptr) : -1;
}

START_TEST(test_shell_first_then_boundaries_as_they_resolve)
{
	ssrd_pool  *pool = start_pool(16);
	struct seen s;
	seen_init(&s);
	ssrd_job *job = stream_job("/order", "{\"slow\":400,\"fast\":200}", &s);
	ck_assert_int_eq(ssrd__pool_submit(pool, job), SSRD_OK);
	seen_wait(&s);
	ck_assert_msg(job->err == SSRD_OK, "%s", job->error_text);
	ck_assert_msg(s.chunks >= 3, "%zu chunks", s.chunks);
	/* The shell came before the fast data could have, the end after the
	 * slow data. */
	ck_assert_msg(s.first < 190, "first chunk at %.1f ms", s.first);
	ck_assert_msg(s.last >= 395, "last chunk at %.1f ms", s.last);
	ck_assert_msg(job->first_ms < 190, "first_ms %.1f", job->first_ms);
	long shell = offset_of(&s.body, "SHELL-READY");
	long fast  = offset_of(&s.body, "FAST-CONTENT");
	long slow  = offset_of(&s.body, "SLOW-CONTENT");
	ck_assert_msg(shell >= 0 && fast > shell && slow > fast,
	    "shell %ld fast %ld slow %ld", shell, fast, slow);
	ck_assert_ptr_null(job->html); /* it all went to the caller */
	ssrd__job_free(job);
	seen_clear(&s);
	ssrd__pool_stop(pool);
}
END_TEST

START_TEST(test_renders_interleave_on_one_worker)
{
	/* Eight renders, each waiting 300 ms for data, on one worker: they
	 * wait together, not in turn (in turn would take 2.4 s). */
	ssrd_pool  *pool = start_pool(16);
	struct seen s[8];
	ssrd_job   *jobs[8];
	double      t0 = ssrd__now_ms();
	for (int i = 0; i < 8; i++) {
		seen_init(&s[i]);
		jobs[i]
		    = stream_job("/order", "{\"slow\":300,\"fast\":10}", &s[i]);
		ck_assert_int_eq(ssrd__pool_submit(pool, jobs[i]), SSRD_OK);
	}
	for (int i = 0; i < 8; i++) {
		seen_wait(&s[i]);
		ck_assert_msg(
		    jobs[i]->err == SSRD_OK, "%s", jobs[i]->error_text);
		ck_assert_int_ge(offset_of(&s[i].body, "SLOW-CONTENT"), 0);
	}
	double elapsed = ssrd__now_ms() - t0;
	ck_assert_msg(elapsed < 1500, "8 renders took %.0f ms", elapsed);
	for (int i = 0; i < 8; i++) {
		ssrd__job_free(jobs[i]);
		seen_clear(&s[i]);
	}
	ssrd__pool_stop(pool);

	/* With worker_renders = 1 the same worker takes them one at a time. */
	pool = start_pool(1);
	t0   = ssrd__now_ms();
	for (int i = 0; i < 3; i++) {
		seen_init(&s[i]);
		jobs[i]
		    = stream_job("/order", "{\"slow\":200,\"fast\":10}", &s[i]);
		ck_assert_int_eq(ssrd__pool_submit(pool, jobs[i]), SSRD_OK);
	}
	for (int i = 0; i < 3; i++) {
		seen_wait(&s[i]);
		ssrd__job_free(jobs[i]);
		seen_clear(&s[i]);
	}
	elapsed = ssrd__now_ms() - t0;
	ck_assert_msg(
	    elapsed >= 590, "3 renders in turn took %.0f ms", elapsed);
	ssrd__pool_stop(pool);
}
END_TEST

START_TEST(test_console_lines_stay_with_their_render)
{
	/* Two renders run at once, both logging across timers and a host
	 * call; each keeps exactly its own lines. */
	ssrd_pool  *pool = start_pool(16);
	struct seen s[2];
	ssrd_job   *jobs[2];
	const char *props[2]
	    = { "{\"tag\":\"AAA\",\"ms\":60}", "{\"tag\":\"BBB\",\"ms\":10}" };
	for (int i = 0; i < 2; i++) {
		seen_init(&s[i]);
		jobs[i] = stream_job("/console", props[i], &s[i]);
		jobs[i]->capture_console = 1;
		ck_assert_int_eq(ssrd__pool_submit(pool, jobs[i]), SSRD_OK);
	}
	for (int i = 0; i < 2; i++) {
		seen_wait(&s[i]);
		ck_assert_msg(
		    jobs[i]->err == SSRD_OK, "%s", jobs[i]->error_text);
	}
	const char *mine[2] = { "AAA", "BBB" }, *theirs[2] = { "BBB", "AAA" };
	for (int i = 0; i < 2; i++) {
		const char *c = jobs[i]->console;
		ck_assert_ptr_nonnull(c);
		char want[64];
		snprintf(want, sizeof(want), "info start %s\n", mine[i]);
		ck_assert_msg(strstr(c, want) != NULL, "%s", c);
		snprintf(want, sizeof(want), "warn after-timer %s\n", mine[i]);
		ck_assert_msg(strstr(c, want) != NULL, "%s", c);
		snprintf(want, sizeof(want), "info after-host %s tag=%s\n",
		    mine[i], mine[i]);
		ck_assert_msg(strstr(c, want) != NULL, "%s", c);
		ck_assert_msg(strstr(c, theirs[i]) == NULL, "%s", c);
		ssrd__job_free(jobs[i]);
		seen_clear(&s[i]);
	}
	ssrd__pool_stop(pool);
}
END_TEST

START_TEST(test_cancel_frees_the_worker)
{
	ssrd_pool  *pool = start_pool(16);
	struct seen s;
	seen_init(&s);
	ssrd_job *job = stream_job("/stall", NULL, &s);
	ck_assert_int_eq(ssrd__pool_submit(pool, job), SSRD_OK);
	usleep(100 * 1000); /* the shell is out, the boundary waits forever */
	ssrd__pool_cancel(pool, job);
	seen_wait(&s);
	ck_assert_int_eq(job->err, SSRD_ECLOSED);
	ck_assert_msg(ssrd__now_ms() - s.start < 1500, "cancel took %.0f ms",
	    ssrd__now_ms() - s.start);
	ck_assert_int_ge(offset_of(&s.body, "STALL-SHELL"), 0);
	ssrd__job_free(job);
	seen_clear(&s);
	/* and the worker serves the next one */
	seen_init(&s);
	job = stream_job("/features", NULL, &s);
	ck_assert_int_eq(ssrd__pool_submit(pool, job), SSRD_OK);
	seen_wait(&s);
	ck_assert_msg(job->err == SSRD_OK, "%s", job->error_text);
	ck_assert_int_ge(offset_of(&s.body, "USED-VALUE"), 0);
	ssrd__job_free(job);
	seen_clear(&s);
	ssrd__pool_stop(pool);
}
END_TEST

START_TEST(test_stop_ends_renders_in_flight)
{
	ssrd_pool  *pool = start_pool(16);
	struct seen s;
	seen_init(&s);
	ssrd_job *job = stream_job("/stall", NULL, &s);
	ck_assert_int_eq(ssrd__pool_submit(pool, job), SSRD_OK);
	usleep(50 * 1000);
	ssrd__pool_stop(pool); /* returns once the render has ended */
	seen_wait(&s);
	ck_assert_int_eq(job->err, SSRD_ECLOSED);
	ssrd__job_free(job);
	seen_clear(&s);
}
END_TEST

START_TEST(test_buffered_caller_gets_the_whole_document)
{
	/* Without a chunk callback the output gathers in html, as for
	 * renderToString, and matches what a streaming caller saw. */
	ssrd_pool  *pool = start_pool(16);
	struct seen s;
	seen_init(&s);
	ssrd_job *job = stream_job("/features", NULL, &s);
	job->chunk    = NULL;
	ck_assert_int_eq(ssrd__pool_submit(pool, job), SSRD_OK);
	seen_wait(&s);
	ck_assert_msg(job->err == SSRD_OK, "%s", job->error_text);
	ck_assert_ptr_nonnull(job->html);
	ck_assert_uint_eq(job->html_len, strlen(job->html));
	ck_assert_msg(
	    strncmp(job->html, "<!DOCTYPE html>", 15) == 0, "%.40s", job->html);
	ck_assert_ptr_nonnull(strstr(job->html, "LAZY-LOADED"));
	ssrd__job_free(job);
	seen_clear(&s);
	ssrd__pool_stop(pool);
}
END_TEST

static Suite *
stream_suite(void)
{
	Suite *s  = suite_create("stream");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_shell_first_then_boundaries_as_they_resolve);
	tcase_add_test(tc, test_renders_interleave_on_one_worker);
	tcase_add_test(tc, test_console_lines_stay_with_their_render);
	tcase_add_test(tc, test_cancel_frees_the_worker);
	tcase_add_test(tc, test_stop_ends_renders_in_flight);
	tcase_add_test(tc, test_buffered_caller_gets_the_whole_document);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	char errbuf[8192];
	char cache[] = "/tmp/ssrd-check-stream-XXXXXX";
	setenv("SSRD_T_OK", "yes", 1);
	if (mkdtemp(cache) == NULL || ssrd__config_init(&cfg) != SSRD_OK
	    || ssrd__config_set(
	           &cfg, "cache_dir", cache, errbuf, sizeof(errbuf))
	        != SSRD_OK
	    || ssrd__config_set(&cfg, "hydrate", "0", errbuf, sizeof(errbuf))
	        != SSRD_OK
	    || ssrd__config_set(
	           &cfg, "env_allow", "SSRD_T_OK", errbuf, sizeof(errbuf))
	        != SSRD_OK
	    || ssrd__host_opts_init(&host, &cfg, errbuf, sizeof(errbuf))
	        != SSRD_OK
	    || ssrd__hostpool_start(
	           &(ssrd_hostpool_opts) { .threads = 2 }, &hostpool)
	        != SSRD_OK
	    || ssrd__engine_init(NULL, (size_t) cfg.page_cache_mb << 20)
	        != SSRD_OK) {
		fprintf(stderr, "set-up failed: %s\n", errbuf);
		return EXIT_FAILURE;
	}
	if (ssrd__bundle_get_base(&cfg, NULL, &base, errbuf, sizeof(errbuf))
	        != SSRD_OK
	    || ssrd__site_load(&cfg, NULL,
	           SSRD_SOURCE_DIR "/tests/fixtures/streamsite", &site, errbuf,
	           sizeof(errbuf))
	        != SSRD_OK) {
		fprintf(stderr, "building layers failed: %s\n", errbuf);
		return EXIT_FAILURE;
	}
	int rc = ssrd_check_run(stream_suite(), CK_NOFORK);
	ssrd__site_unref(site);
	ssrd__hostpool_stop(hostpool);
	ssrd__host_opts_clear(&host);
	ssrd__bundle_clear(&base);
	ssrd__config_clear(&cfg);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cache);
	if (system(cmd) != 0) {
		fprintf(stderr, "could not remove %s\n", cache);
	}
	return rc;
}
