/* stream_bench.c: streaming renders through the pool, in-process (no
 * transport): time to first and last chunk, and a sustained run that
 * watches RSS and the V8 heap.
 *   stream_bench latency [--path P] [--props JSON] [--iterations N]
 *   stream_bench soak    [--path P] [--props JSON] [--iterations N]
 *                        [--concurrency C] */
#define _DEFAULT_SOURCE
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
#include "host/host.h"
#include "host/hostpool.h"
#include "render/pool.h"
#include "site/site.h"

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "stream_bench: %s: %s\n", what, why);
	exit(1);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;
	return x < y ? -1 : x > y;
}

static double
pct(double *v, size_t n, double p)
{
	qsort(v, n, sizeof(double), cmp_double);
	return v[(size_t) (p * (double) (n - 1) + 0.5)];
}

/* VmRSS or VmHWM of this process, KiB. */
static long
status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char  line[256];
	long  v = -1;
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, strlen(field)) == 0) {
			v = atol(line + strlen(field) + 1);
		}
	}
	if (f != NULL) {
		fclose(f);
	}
	return v;
}

struct run {
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	long            in_flight, done, failed;
	double         *first, *last;
	long            n;
};

static void
count_chunk(ssrd_job *job, const char *data, size_t len, void *arg)
{
	(void) job;
	(void) data;
	(void) len;
	(void) arg; /* bytes dropped: only their timing matters here */
}

static void
count_done(ssrd_job *job, void *arg)
{
	struct run *r = arg;
	pthread_mutex_lock(&r->mu);
	if (job->err != SSRD_OK) {
		r->failed++;
		if (r->failed <= 3) {
			fprintf(stderr, "render failed: %s\n",
			    job->error_text ? job->error_text : "?");
		}
	}
	if (r->first != NULL && r->done < r->n) {
		r->first[r->done] = job->first_ms;
		r->last[r->done]  = job->render_ms;
	}
	r->done++;
	r->in_flight--;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	ssrd__job_free(job);
}

/* Runs n renders, at most c at once. */
static void
run_many(ssrd_pool *pool, ssrd_site *site, const char *path, const char *props,
    long n, long c, struct run *r)
{
	for (long i = 0; i < n; i++) {
		ssrd_job *job;
		if (ssrd__job_new(site, path, props, strlen(props), &job)
		    != SSRD_OK) {
			die("no route", path);
		}
		job->stream = 1;
		job->chunk  = count_chunk;
		job->done   = count_done;
		job->arg    = r;
		pthread_mutex_lock(&r->mu);
		while (r->in_flight >= c) {
			pthread_cond_wait(&r->cv, &r->mu);
		}
		r->in_flight++;
		pthread_mutex_unlock(&r->mu);
		if (ssrd__pool_submit(pool, job) != SSRD_OK) {
			die("submit", "refused");
		}
		if (n >= 20 && i % (n / 20) == 0) {
			fprintf(stderr, "\r[bench] %ld/%ld", i, n);
		}
	}
	pthread_mutex_lock(&r->mu);
	while (r->in_flight > 0) {
		pthread_cond_wait(&r->cv, &r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	if (n >= 20) {
		fprintf(stderr, "\r[bench] %ld/%ld\n", n, n);
	}
}

/* One render that reports the worker's heap after a full GC. */
static ssrd_heap_stats
heap_now(ssrd_pool *pool, ssrd_site *site, const char *path)
{
	ssrd_job *job;
	if (ssrd__job_new(site, path, NULL, 0, &job) != SSRD_OK) {
		die("no route", path);
	}
	job->heap_stats = 1;
	job->stream     = 1;
	if (ssrd__pool_render(pool, job) != SSRD_OK) {
		die("render", job->error_text ? job->error_text : "?");
	}
	ssrd_heap_stats h = job->heap;
	ssrd__job_free(job);
	return h;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "latency";
	const char *path = "/slow", *props = "{\"delay\":200}";
	long        n = 20, c = 16;
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--path") == 0) {
			path = argv[i + 1];
		} else if (strcmp(argv[i], "--props") == 0) {
			props = argv[i + 1];
		} else if (strcmp(argv[i], "--iterations") == 0) {
			n = atol(argv[i + 1]);
		} else if (strcmp(argv[i], "--concurrency") == 0) {
			c = atol(argv[i + 1]);
		} else {
			die("unknown argument", argv[i]);
		}
	}
	char               errbuf[8192];
	char               cache[] = "/tmp/ssrd-stream-bench-XXXXXX";
	ssrd_config        cfg;
	ssrd_bundle        base;
	ssrd_site         *site;
	ssrd_host_opts     host;
	ssrd_hostpool     *hp;
	ssrd_hostpool_opts hpo;
	if (mkdtemp(cache) == NULL || ssrd__config_init(&cfg) != SSRD_OK
	    || ssrd__config_set(
	           &cfg, "cache_dir", cache, errbuf, sizeof(errbuf))
	        != SSRD_OK
	    || ssrd__config_set(&cfg, "hydrate", "0", errbuf, sizeof(errbuf))
	        != SSRD_OK
	    || ssrd__host_opts_init(&host, &cfg, errbuf, sizeof(errbuf))
	        != SSRD_OK
	    || ssrd__engine_init(cfg.v8_flags, (size_t) cfg.page_cache_mb << 20)
	        != SSRD_OK) {
		die("set-up", errbuf);
	}
	ssrd__hostpool_opts_init(&hpo, &cfg);
	if (ssrd__hostpool_start(&hpo, &hp) != SSRD_OK) {
		die("set-up", "starting the host threads failed");
	}
	if (ssrd__bundle_get_base(&cfg, NULL, &base, errbuf, sizeof(errbuf))
	        != SSRD_OK
	    || ssrd__site_load(&cfg, NULL, SSRD_SOURCE_DIR "/js/demo", &site,
	           errbuf, sizeof(errbuf))
	        != SSRD_OK) {
		die("build", errbuf);
	}
	char         *blob = NULL;
	size_t        blen = 0;
	ssrd_str      bs   = { base.code, base.len };
	const char   *bn   = base.path;
	ssrd_js_error serr = { 0 };
	if (ssrd__snapshot_create(&bs, &bn, 1, &blob, &blen, &serr)
	    != SSRD_OK) {
		die("snapshot", serr.message ? serr.message : "?");
	}
	ssrd_pool_opts po = { .workers = 1,
		.queue_max             = 1024,
		.isolate        = { .heap_max_mb = (size_t) cfg.heap_max_mb,
		           .young_max_mb         = (size_t) cfg.young_max_mb,
		           .snapshot             = blob,
		           .snapshot_len         = blen },
		.stream         = 1,
		.stall_ms       = (double) cfg.streaming_stall_ms,
		.timeout_ms     = (double) cfg.render_timeout_ms,
		.worker_renders = cfg.worker_renders,
		.host           = &host,
		.hostpool       = hp };
	ssrd_pool     *pool;
	if (ssrd__pool_start(
	        &po, &base, &site, 1, &pool, errbuf, sizeof(errbuf))
	    != SSRD_OK) {
		die("pool", errbuf);
	}
	struct run r = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0,
		0, 0, NULL, NULL, 0 };
	if (strcmp(mode, "latency") == 0) {
		/* one at a time: what a single caller sees */
		run_many(pool, site, path, props, 5, 1, &r); /* warm-up */
		r.first = calloc((size_t) n, sizeof(double));
		r.last  = calloc((size_t) n, sizeof(double));
		r.n     = n;
		r.done  = 0;
		run_many(pool, site, path, props, n, 1, &r);
		printf(
		    "{\"mode\":\"latency\",\"path\":\"%s\",\"props\":%s,"
		    "\"iterations\":%ld,\"failed\":%ld,"
		    "\"first_chunk_ms_p50\":%.3f,\"first_chunk_ms_p99\":%.3f,"
		    "\"last_chunk_ms_p50\":%.3f,\"last_chunk_ms_p99\":%.3f}\n",
		    path, props, n, r.failed, pct(r.first, (size_t) n, 0.5),
		    pct(r.first, (size_t) n, 0.99),
		    pct(r.last, (size_t) n, 0.5),
		    pct(r.last, (size_t) n, 0.99));
	} else if (strcmp(mode, "soak") == 0) {
		/* warm up, then measure, run n, measure again */
		run_many(pool, site, path, props, 500, c, &r);
		ssrd_heap_stats h0     = heap_now(pool, site, path);
		long            rss0   = status_kb("VmRSS:");
		double          t0     = ssrd__now_ms();
		long            failed = r.failed;
		run_many(pool, site, path, props, n, c, &r);
		double          secs = (ssrd__now_ms() - t0) / 1e3;
		ssrd_heap_stats h1   = heap_now(pool, site, path);
		long            rss1 = status_kb("VmRSS:");
		printf("{\"mode\":\"soak\",\"path\":\"%s\",\"props\":%s,"
		       "\"renders\":%ld,\"concurrency\":%ld,\"failed\":%ld,"
		       "\"seconds\":%.1f,\"renders_per_s\":%.0f,"
		       "\"rss_kb_before\":%ld,\"rss_kb_after\":%ld,"
		       "\"rss_kb_peak\":%ld,"
		       "\"heap_used_before\":%zu,\"heap_used_after\":%zu,"
		       "\"heap_total_before\":%zu,\"heap_total_after\":%zu,"
		       "\"external_before\":%zu,\"external_after\":%zu,"
		       "\"native_contexts_after\":%zu,"
		       "\"detached_contexts_after\":%zu}\n",
		    path, props, n, c, r.failed - failed, secs,
		    (double) n / secs, rss0, rss1, status_kb("VmHWM:"), h0.used,
		    h1.used, h0.total, h1.total, h0.external, h1.external,
		    h1.native_contexts, h1.detached_contexts);
	} else {
		die("unknown mode (latency | soak)", mode);
	}
	ssrd__pool_stop(pool);
	ssrd__hostpool_stop(hp);
	ssrd__host_opts_clear(&host);
	free(blob);
	free(r.first);
	free(r.last);
	ssrd__site_unref(site);
	ssrd__bundle_clear(&base);
	ssrd__config_clear(&cfg);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cache);
	return system(cmd) == 0 && r.failed == 0 ? 0 : 1;
}
