/* sitectx.h: one worker's JavaScript context for one site generation, and
 * rendering in it. */
#ifndef SSRD_SITECTX_H
#define SSRD_SITECTX_H

#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "engine/engine.h"
#include "pool.h"
#include "site.h"
#include "timers.h"

/*
 * A context made for one generation of one site: the base (from the
 * snapshot, or evaluated), the shell, and each route's page delta once that
 * route has rendered here. Its timers belong to it and die with it. Owned by
 * one worker thread; a zeroed struct is a closed one.
 */
typedef struct ssrd_sitectx {
	ssrd_context  *ctx;  /* NULL when closed */
	ssrd_site     *site; /* the generation it was made for (a reference) */
	unsigned char *loaded; /* per route of site: its delta is evaluated */
	ssrd_timers    timers;
	const ssrd_bundle *base;
	int                worker; /* for log lines */
	uint64_t current_id;       /* the render being run, for console lines */
} ssrd_sitectx;

/*
 * Opens sc for site in iso: a new context (from the isolate's snapshot if it
 * has one, else with base evaluated), linked to warm's React when warm is
 * not NULL (isolation = page), with the shell evaluated. Closes sc first if
 * open. On failure returns the error with the reason in msg; sc is closed.
 */
int ssrd__sitectx_open(ssrd_sitectx *sc, ssrd_isolate *iso, int from_snapshot,
    const ssrd_bundle *base, ssrd_site *site, ssrd_context *warm, int worker,
    char *msg, size_t msglen);

/*
 * Renders job (whose site must be sc->site) in sc, loading the route's page
 * delta first if need be, and fills the job's outputs: html, or err with
 * error_text (a page that threw: message and source-mapped stack; bad props:
 * the reason; a page that did not build: esbuild's message).
 */
void ssrd__sitectx_render(ssrd_sitectx *sc, ssrd_job *job);

/* Runs sc's timers that are due. Returns when none is. */
void ssrd__sitectx_fire_timers(ssrd_sitectx *sc);

/* Closes sc: the context, its timers, its reference to the site. Closing a
 * closed one is a no-op. */
void ssrd__sitectx_close(ssrd_sitectx *sc);

/* Formats err with base and every layer of site available for source mapping
 * (malloc'd). */
char *ssrd__sitectx_format_error(
    const ssrd_bundle *base, const ssrd_site *site, const ssrd_js_error *err);

#endif
