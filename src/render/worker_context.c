/* worker_context.c: a worker's JavaScript contexts: opened, counted as live,
 * picked for a job, retired and closed. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/cachestats.h"
#include "render/worker_impl.h"

static int
live_add(struct worker *w, ssrd_sitectx *sc)
{
	if (w->nlive == w->caplive) {
		size_t         cap = w->caplive ? w->caplive * 2 : 8;
		ssrd_sitectx **v   = realloc(w->live, cap * sizeof(*v));
		if (v == NULL) {
			return SSRD_ENOMEM;
		}
		w->live    = v;
		w->caplive = cap;
	}
	w->live[w->nlive++] = sc;
	return SSRD_OK;
}

void
ssrd__worker_live_close(struct worker *w, ssrd_sitectx *sc)
{
	for (size_t i = 0; i < w->nlive; i++) {
		if (w->live[i] == sc) {
			w->live[i] = w->live[--w->nlive];
			break;
		}
	}
	ssrd__sitectx_close(sc);
	free(sc);
}

/* Opens a context for site on the heap and counts it as live. */
ssrd_sitectx *
ssrd__worker_context_open(
    struct worker *w, ssrd_site *site, char *msg, size_t msglen, int *rv)
{
	ssrd_pool    *p  = w->pool;
	ssrd_sitectx *sc = calloc(1, sizeof(*sc));
	if (sc == NULL) {
		*rv = SSRD_ENOMEM;
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	*rv = ssrd__sitectx_open(sc, w->iso, p->opts.isolate.snapshot != NULL,
	    p->base, site, w->warm ? w->warm->ctx : NULL, w->index, &w->loop,
	    msg, msglen);
	if (*rv == SSRD_OK && (*rv = live_add(w, sc)) != SSRD_OK) {
		snprintf(msg, msglen, "out of memory");
		ssrd__sitectx_close(sc);
	}
	if (*rv != SSRD_OK) {
		free(sc);
		return NULL;
	}
	return sc;
}

/* A context one use fewer (a render or a host call): closed when nothing
 * uses it and nothing will (retired: a render's own, or a replaced
 * generation's). */
void
ssrd__worker_context_release(struct worker *w, ssrd_sitectx *sc)
{
	if (--sc->users == 0 && sc->retired) {
		ssrd__worker_live_close(w, sc);
	}
}

/* Takes sc out of service: no new render gets it, and it is closed once the
 * renders and host calls still using it are done. The warm React of
 * isolation = page is not retired: the isolate is replaced instead. */
void
ssrd__worker_context_retire(struct worker *w, ssrd_sitectx *sc)
{
	ssrd_pool *p = w->pool;
	if (sc->retired || sc == w->warm) {
		return;
	}
	sc->retired = 1;
	for (size_t i = 0; i < p->nsites; i++) {
		if (w->slots[i] == sc) {
			w->slots[i] = NULL;
		}
		if (w->older[i] == sc) {
			w->older[i] = NULL;
		}
	}
	if (sc->users == 0) {
		ssrd__worker_live_close(w, sc);
	}
}

/* A render found its base and shell in memory (a warm context), or not. */
static void
context_counted(int state)
{
	ssrd__cachestats_count(SSRD_LAYER_BASE, SSRD_LEVEL_MEMORY, state);
	ssrd__cachestats_count(SSRD_LAYER_SHELL, SSRD_LEVEL_MEMORY, state);
}

/* The context job renders in: the site's warm one (made again for a newer
 * generation), the one before it for a request taken across a reload, or
 * one of its own. */
ssrd_sitectx *
ssrd__worker_context_for(struct worker *w, ssrd_job *job)
{
	ssrd_pool *p = w->pool;
	char       msg[1024];
	int        rv;
	if (p->opts.isolation == SSRD_ISOLATION_SITE) {
		size_t         i     = job->site->slot;
		ssrd_sitectx **slot  = &w->slots[i];
		ssrd_sitectx **older = &w->older[i];
		if ((*slot != NULL && (*slot)->site == job->site)
		    || (*older != NULL && (*older)->site == job->site)) {
			context_counted(SSRD_CACHE_HIT);
			return *slot != NULL && (*slot)->site == job->site
			    ? *slot
			    : *older;
		}
		context_counted(
		    *slot == NULL ? SSRD_CACHE_MISS : SSRD_CACHE_STALE);
		ssrd_sitectx *sc = NULL;
		if (*slot != NULL
		    && job->site->generation < (*slot)->site->generation) {
			/* older than the warm one: a context of its own, which
			 * leaves the warm one in place */
			sc = ssrd__worker_context_open(
			    w, job->site, msg, sizeof(msg), &rv);
			if (sc != NULL) {
				sc->retired = 1;
			}
		} else {
			/* a newer generation: the one it replaces stays for
			 * the requests taken before the swap, which finish
			 * there */
			if (*older != NULL) {
				ssrd__worker_context_retire(w, *older);
			}
			*older = *slot;
			*slot  = NULL;
			sc = *slot = ssrd__worker_context_open(
			    w, job->site, msg, sizeof(msg), &rv);
		}
		if (sc != NULL) {
			job->context_ms = sc->open_ms;
			job->shell_ms   = sc->shell_ms;
			return sc;
		}
	} else {
		context_counted(SSRD_CACHE_MISS);
		ssrd_sitectx *sc = ssrd__worker_context_open(
		    w, job->site, msg, sizeof(msg), &rv);
		if (sc != NULL) {
			job->context_ms = sc->open_ms;
			job->shell_ms   = sc->shell_ms;
			sc->retired = 1; /* the render's alone: closed after */
			return sc;
		}
	}
	job->err        = rv;
	job->error_text = strdup(msg);
	return NULL;
}
