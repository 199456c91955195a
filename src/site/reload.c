/* reload.c implements hot reload: fingerprint the source tree, rebuild what
 * changed, swap generations. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ssrd/errors.h>

#include "core/log.h"
#include "core/timers.h"
#include "site/reload.h"

/*
 * Two locks: mu guards current for readers (held for a pointer copy), and
 * reload_mu makes reloads one at a time, whether the watcher or
 * ssrd__reloader_reload_now() runs them. Swapping current takes both, so a
 * reload_mu holder may read current without mu.
 */
struct ssrd_reloader {
	pthread_mutex_t    mu;
	pthread_mutex_t    reload_mu; /* one reload at a time */
	pthread_cond_t     cv;        /* stop was asked */
	ssrd_site         *current;   /* a reference; swapped under both */
	ssrd_reloader_hook hook;      /* before a generation becomes current */
	void              *hook_arg;
	int                stopping;
	int                watching;
	pthread_t          thread;
	long               watch_ms;
	const ssrd_config *cfg;
	ssrd_manifest     *manifest;
	uint64_t failed_fingerprint; /* a tree that did not load; not retried */
};

ssrd_site *
ssrd__reloader_site(ssrd_reloader *r)
{
	pthread_mutex_lock(&r->mu);
	ssrd_site *s = ssrd__site_ref(r->current);
	pthread_mutex_unlock(&r->mu);
	return s;
}

/* Loads the site again and swaps it in; on failure keeps the old one and
 * returns the error with its text in errbuf. reload_mu held. */
static int
reload(ssrd_reloader *r, ssrd_site *old, uint64_t fingerprint, char *errbuf,
    size_t errlen)
{
	ssrd_site *fresh;
	double     t0 = ssrd__now_ms();
	int        rv = ssrd__site_load(
	           r->cfg, r->manifest, old->root, &fresh, errbuf, errlen);
	if (rv != SSRD_OK) {
		char *q = ssrd__log_quote(errbuf, strlen(errbuf));
		ssrd__log(SSRD_LOG_ERROR, "site_reload_failed",
		    "root=%s generation=%u error=%s msg=\"still serving the "
		    "last good build\"",
		    old->root, old->generation, q ? q : "\"\"");
		free(q);
		r->failed_fingerprint = fingerprint;
		return rv;
	}
	fresh->generation = old->generation + 1;
	fresh->slot       = old->slot;
	double built      = ssrd__now_ms();
	if (r->hook != NULL) {
		r->hook(r->hook_arg, fresh);
	}
	pthread_mutex_lock(&r->mu);
	r->current = fresh;
	pthread_mutex_unlock(&r->mu);
	ssrd__log(SSRD_LOG_INFO, "site_reloaded",
	    "root=%s generation=%u reload_ms=%.1f build_ms=%.1f", fresh->root,
	    fresh->generation, ssrd__now_ms() - t0, built - t0);
	ssrd__site_unref(
	    old); /* the holder's reference; renders may still hold theirs */
	return SSRD_OK;
}

/* The watcher's turn: reloads the site if its sources changed since the
 * current generation (and not into a tree that already failed). */
static void
reload_if_changed(ssrd_reloader *r)
{
	char errbuf[8192];
	pthread_mutex_lock(&r->reload_mu);
	ssrd_site *cur = r->current; /* only reload_mu holders swap it */
	uint64_t   fp  = ssrd__site_fingerprint(cur->root);
	if (fp != cur->fingerprint && fp != r->failed_fingerprint) {
		(void) reload(r, cur, fp, errbuf, sizeof(errbuf));
	}
	pthread_mutex_unlock(&r->reload_mu);
}

int
ssrd__reloader_reload_now(ssrd_reloader *r, char *errbuf, size_t errlen)
{
	pthread_mutex_lock(&r->reload_mu);
	ssrd_site *cur = r->current;
	int        rv
	    = reload(r, cur, ssrd__site_fingerprint(cur->root), errbuf, errlen);
	pthread_mutex_unlock(&r->reload_mu);
	return rv;
}

static void *
watch_main(void *arg)
{
	ssrd_reloader *r = arg;
	pthread_setname_np(pthread_self(), "ssrd-watch");
	pthread_mutex_lock(&r->mu);
	while (!r->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		long long ns = ts.tv_nsec + (long long) r->watch_ms * 1000000LL;
		ts.tv_sec += (time_t) (ns / 1000000000LL);
		ts.tv_nsec = (long) (ns % 1000000000LL);
		pthread_cond_timedwait(&r->cv, &r->mu, &ts);
		if (r->stopping) {
			break;
		}
		pthread_mutex_unlock(&r->mu);
		reload_if_changed(r);
		pthread_mutex_lock(&r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

int
ssrd__reloader_start(const ssrd_config *cfg, ssrd_manifest *manifest,
    ssrd_site *site, long watch_ms, ssrd_reloader_hook hook, void *hook_arg,
    ssrd_reloader **out)
{
	ssrd_reloader *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		return SSRD_ENOMEM;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&r->mu, NULL);
	pthread_mutex_init(&r->reload_mu, NULL);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	r->current  = ssrd__site_ref(site);
	r->cfg      = cfg;
	r->manifest = manifest;
	r->watch_ms = watch_ms;
	r->hook     = hook;
	r->hook_arg = hook_arg;
	if (watch_ms > 0) {
		if (pthread_create(&r->thread, NULL, watch_main, r) != 0) {
			ssrd__reloader_stop(r);
			return SSRD_ESYS;
		}
		r->watching = 1;
	}
	*out = r;
	return SSRD_OK;
}

void
ssrd__reloader_stop(ssrd_reloader *r)
{
	if (r == NULL) {
		return;
	}
	pthread_mutex_lock(&r->mu);
	r->stopping = 1;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (r->watching) {
		pthread_join(r->thread, NULL);
	}
	ssrd__site_unref(r->current);
	pthread_mutex_destroy(&r->mu);
	pthread_mutex_destroy(&r->reload_mu);
	pthread_cond_destroy(&r->cv);
	free(r);
}
