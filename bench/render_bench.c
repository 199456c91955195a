/* render_bench.c: per-render time of one page in ssrd's engine, on the same
 * thread and through the pool. */
#define _DEFAULT_SOURCE
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
#include "engine/pagecache.h"
#include "render/pool.h"
#include "render/sitectx.h"
#include "site/site.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;
	return x < y ? -1 : x > y;
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "render_bench: %s: %s\n", what, why);
	exit(1);
}

/* A new worker, timed step by step, rounds times in one process: isolate
 * from the snapshot, context + shell, then the first three renders. Round 1
 * is the first isolate of the process; later rounds are what a worker
 * started by a running daemon (a recycle, say) pays. */
static void
first_render(const ssrd_config *cfg, const ssrd_bundle *base, ssrd_site *site,
    const char *path, const char *props, long rounds)
{
	char         *blob = NULL;
	size_t        blen = 0;
	ssrd_str      bs   = { base->code, base->len };
	const char   *bn   = base->path;
	ssrd_js_error serr = { 0 };
	if (ssrd__snapshot_create(&bs, &bn, 1, &blob, &blen, &serr)
	    != SSRD_OK) {
		die("snapshot", serr.message ? serr.message : "?");
	}
	enum { ISO, CTX, R1, R2, R3, STEPS };
	static const char *names[STEPS] = { "isolate_ms", "context_shell_ms",
		"render1_ms", "render2_ms", "render3_ms" };
	double            *t[STEPS];
	for (int k = 0; k < STEPS; k++) {
		t[k] = calloc((size_t) rounds, sizeof(double));
	}
	for (long r = 0; r < rounds; r++) {
		ssrd_isolate_opts o
		    = { .heap_max_mb        = (size_t) cfg->heap_max_mb,
			      .young_max_mb = (size_t) cfg->young_max_mb,
			      .snapshot     = blob,
			      .snapshot_len = blen };
		ssrd_isolate *iso;
		ssrd_sitectx  sc = { 0 };
		char          msg[1024];
		double        t0 = ssrd__now_ms();
		if (ssrd__isolate_new(&o, &iso) != SSRD_OK) {
			die("isolate", "failed");
		}
		t[ISO][r] = ssrd__now_ms() - t0;
		t0        = ssrd__now_ms();
		if (ssrd__sitectx_open(&sc, iso, 1, base, site, NULL, 0, NULL,
		        msg, sizeof(msg))
		    != SSRD_OK) {
			die("context", msg);
		}
		t[CTX][r] = ssrd__now_ms() - t0;
		for (int k = R1; k <= R3; k++) {
			ssrd_job *job;
			if (ssrd__job_new(
			        site, path, props, strlen(props), &job)
			    != SSRD_OK) {
				die("no route", path);
			}
			t0 = ssrd__now_ms();
			ssrd__sitectx_render(&sc, job, (uint64_t) k + 1);
			t[k][r] = ssrd__now_ms() - t0;
			if (job->err != SSRD_OK) {
				die("render",
				    job->error_text ? job->error_text : "?");
			}
			ssrd__job_free(job);
		}
		ssrd__sitectx_close(&sc);
		ssrd__isolate_free(iso);
	}
	printf("{\"engine\":\"ssrd-first\",\"path\":\"%s\",\"rounds\":%ld",
	    path, rounds);
	for (int k = 0; k < STEPS; k++) {
		printf(",\"first_%s\":%.3f", names[k], t[k][0]);
		if (rounds > 1) {
			printf(",\"later_%s\":%.3f", names[k],
			    median(t[k] + 1, (size_t) rounds - 1));
		}
		free(t[k]);
	}
	printf("}\n");
	free(blob);
}

int
main(int argc, char **argv)
{
	const char *path = "/products", *props = "{}",
	           *site_dir = SSRD_SOURCE_DIR "/js/demo";
	const char *mode = "direct", *isolation = "site", *v8_flags = NULL;
	long        use_snapshot = 1;
	long        iters = 2000, warmup = 500, young = -1, page_cache = -1;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--path") == 0) {
			path = argv[i + 1];
		} else if (strcmp(argv[i], "--props") == 0) {
			props = argv[i + 1];
		} else if (strcmp(argv[i], "--site") == 0) {
			site_dir = argv[i + 1];
		} else if (strcmp(argv[i], "--iterations") == 0) {
			iters = atol(argv[i + 1]);
		} else if (strcmp(argv[i], "--warmup") == 0) {
			warmup = atol(argv[i + 1]);
		} else if (strcmp(argv[i], "--young-mb") == 0) {
			young = atol(argv[i + 1]);
		} else if (strcmp(argv[i], "--page-cache-mb") == 0) {
			page_cache = atol(argv[i + 1]);
		} else if (strcmp(argv[i], "--v8-flags") == 0) {
			v8_flags = argv[i + 1];
		} else if (strcmp(argv[i], "--snapshot") == 0) {
			use_snapshot = atol(argv[i + 1]);
		} else if (strcmp(argv[i], "--isolation") == 0) {
			isolation = argv[i + 1];
		} else if (strcmp(argv[i], "--mode") == 0) {
			mode = argv[i + 1];
		} else {
			die("unknown argument", argv[i]);
		}
	}
	char        errbuf[8192];
	ssrd_config cfg;
	ssrd_bundle base;
	ssrd_site  *site;
	char        cache[] = "/tmp/ssrd-bench-XXXXXX";
	if (mkdtemp(cache) == NULL || ssrd__config_init(&cfg) != SSRD_OK
	    || ssrd__config_set(
	           &cfg, "cache_dir", cache, errbuf, sizeof(errbuf))
	        != SSRD_OK
	    || ssrd__config_set(&cfg, "hydrate", "0", errbuf, sizeof(errbuf))
	        != SSRD_OK) {
		die("set-up", "failed");
	}
	if (young < 0) {
		young = cfg.young_max_mb;
	}
	if (page_cache < 0) {
		page_cache = cfg.page_cache_mb;
	}
	ssrd__engine_init(
	    v8_flags ? v8_flags : cfg.v8_flags, (size_t) page_cache << 20);
	if (ssrd__bundle_get_base(&cfg, NULL, &base, errbuf, sizeof(errbuf))
	        != SSRD_OK
	    || ssrd__site_load(
	           &cfg, NULL, site_dir, &site, errbuf, sizeof(errbuf))
	        != SSRD_OK) {
		die("build", errbuf);
	}
	const ssrd_route *route;
	char             *params;
	if (ssrd__routes_match(&site->routes, path, &route, &params)
	    != SSRD_OK) {
		die("no route", path);
	}
	double *t    = calloc((size_t) iters, sizeof(double));
	size_t  size = 0;

	if (strcmp(mode, "first") == 0) {
		first_render(&cfg, &base, site, path, props, iters);
	} else if (strcmp(mode, "js") == 0 || strcmp(mode, "direct") == 0) {
		/* The worker's own call, on this thread: what a render costs
		 * inside ssrd, minus the queue. */
		ssrd_isolate     *iso;
		ssrd_isolate_opts o = { .heap_max_mb = (size_t) cfg.heap_max_mb,
			.young_max_mb                = (size_t) young };
		ssrd_js_error     err = { 0 };
		ssrd_sitectx      sc  = { 0 };
		ssrd_job         *first;
		char              msg[1024];
		/* The context a worker makes; one render through it loads the
		 * page delta the way a worker does. Then the raw call is timed.
		 */
		if (ssrd__isolate_new(&o, &iso) != SSRD_OK
		    || ssrd__sitectx_open(&sc, iso, 0, &base, site, NULL, 0,
		           NULL, msg, sizeof(msg))
		        != SSRD_OK
		    || ssrd__job_new(site, path, props, strlen(props), &first)
		        != SSRD_OK) {
			die("evaluate", msg);
		}
		ssrd__sitectx_render(&sc, first, 1);
		if (first->err != SSRD_OK) {
			die("render",
			    first->error_text ? first->error_text : "?");
		}
		ssrd__job_free(first);
		ssrd_context *ctx    = sc.ctx;
		ssrd_str      args[] = { { route->page_key,
			                     strlen(route->page_key) },
			     { path, strlen(path) }, { params, strlen(params) },
			     { props, strlen(props) } };
		if (strcmp(mode, "js") == 0) {
			/* React's own time: the loop runs inside V8 (the base's
			 * timeRenders hook), timed with performance.now, no C
			 * per render. */
			char nbuf[32], wbuf[32], *out;
			snprintf(nbuf, sizeof(nbuf), "%ld", iters);
			snprintf(wbuf, sizeof(wbuf), "%ld", warmup);
			ssrd_str a6[] = { args[0], args[1], args[2], args[3],
				{ nbuf, strlen(nbuf) },
				{ wbuf, strlen(wbuf) } };
			if (ssrd__context_call(
			        ctx, "timeRenders", a6, 6, &out, &size, &err)
			    != SSRD_OK) {
				die("js loop", err.message ? err.message : "?");
			}
			printf("{\"engine\":\"ssrd-js\",\"path\":\"%s\","
			       "\"iterations\":%ld,\"median_ms\":%.4f,\"young_"
			       "mb\":%ld}\n",
			    path, iters, atof(out), young);
			free(out);
			return 0;
		}
		for (long i = -warmup; i < iters; i++) {
			char  *out;
			double t0 = ssrd__now_ms();
			if (ssrd__context_call(
			        ctx, "render", args, 4, &out, &size, &err)
			    != SSRD_OK) {
				die("render", err.message ? err.message : "?");
			}
			if (i >= 0) {
				t[i] = ssrd__now_ms() - t0;
			}
			free(out);
			ssrd__isolate_pump(iso);
		}
		ssrd__sitectx_close(&sc);
		ssrd__isolate_free(iso);
	} else {
		/* Through the pool: queue, hand-off to the worker thread,
		 * render, completion. */
		ssrd_pool *pool;
		/* Workers start from a snapshot of the base, as ssrd serve's do
		 * (made in-process here: determinism does not matter to a
		 * bench). */
		char         *blob = NULL;
		size_t        blen = 0;
		ssrd_str      bs   = { base.code, base.len };
		const char   *bn   = base.path;
		ssrd_js_error serr = { 0 };
		if (use_snapshot
		    && ssrd__snapshot_create(&bs, &bn, 1, &blob, &blen, &serr)
		        != SSRD_OK) {
			die("snapshot", serr.message ? serr.message : "?");
		}
		ssrd_pool_opts po = { .workers = 1,
			.queue_max             = 16,
			.isolate = { .heap_max_mb = (size_t) cfg.heap_max_mb,
			    .young_max_mb         = (size_t) young,
			    .snapshot             = blob,
			    .snapshot_len         = blen },
			.isolation
			= (ssrd_isolation) ssrd__isolation_parse(isolation) };
		if (ssrd__pool_start(
		        &po, &base, &site, 1, &pool, errbuf, sizeof(errbuf))
		    != SSRD_OK) {
			die("pool", errbuf);
		}
		for (long i = -warmup; i < iters; i++) {
			ssrd_job *job = NULL;
			if (ssrd__job_new(
			        site, path, props, strlen(props), &job)
			    != SSRD_OK) {
				die("no route", path);
			}
			double t0 = ssrd__now_ms();
			if (ssrd__pool_render(pool, job) != SSRD_OK) {
				die("render",
				    job->error_text ? job->error_text : "?");
			}
			if (i >= 0) {
				t[i] = ssrd__now_ms() - t0;
			}
			size = job->html_len;
			ssrd__job_free(job);
		}
		ssrd__pool_stop(pool);
		free(blob);
	}
	if (strcmp(mode, "first") != 0) {
		printf("{\"engine\":\"ssrd-%s\",\"isolation\":\"%s\",\"path\":"
		       "\"%s\","
		       "\"bytes\":%zu,"
		       "\"iterations\":%ld,\"median_ms\":%.4f,\"young_mb\":%ld,"
		       "\"page_"
		       "cache_mb\":%ld}\n",
		    mode, isolation, path, size, iters,
		    median(t, (size_t) iters), young, page_cache);
	}
	ssrd_pagecache_stats pc;
	ssrd__pagecache_stats(&pc);
	fprintf(stderr,
	    "page cache: held %zu bytes in %zu regions, %zu hits, %zu misses, "
	    "%zu evicted\n",
	    pc.bytes, pc.regions, pc.hits, pc.misses, pc.evicted);
	free(t);
	free(params);
	ssrd__site_unref(site);
	ssrd__bundle_clear(&base);
	ssrd__config_clear(&cfg);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cache);
	return system(cmd) == 0 ? 0 : 1;
}
