/* reload.h: a site's current generation, and the watcher that builds the next
 * when its sources change. */
#ifndef SSRD_RELOAD_H
#define SSRD_RELOAD_H

#include "build/manifest.h"
#include "config/config.h"
#include "site/site.h"

/*
 * Holds the current generation of one site. With a watch interval, a
 * thread fingerprints the site's source tree that often; when it changed,
 * it loads the site again (the layer cache rebuilds only the layers whose
 * inputs changed), and swaps the new generation in. Renders already running
 * keep the generation they started with; the next ones get the new one. A
 * reload that fails (a broken shell) is logged and the last good generation
 * keeps serving; a broken page only fails its own route in the new one.
 */
typedef struct ssrd_reloader ssrd_reloader;

/* Called with each new generation a reloader loaded, before it becomes
 * current: what the generation's first requests need done first (ssrd
 * serve warms the workers on it). On the thread that reloads. */
typedef void (*ssrd_reloader_hook)(void *arg, ssrd_site *fresh);

/*
 * Starts holding site (takes a reference) and, if watch_ms > 0, watching it;
 * hook (NULL: none) is called with hook_arg for each new generation. cfg,
 * manifest and hook_arg must outlive the reloader. Returns SSRD_OK,
 * SSRD_ENOMEM or SSRD_ESYS (no thread).
 */
int ssrd__reloader_start(const ssrd_config *cfg, ssrd_manifest *manifest,
    ssrd_site *site, long watch_ms, ssrd_reloader_hook hook, void *hook_arg,
    ssrd_reloader **out);

/* Returns the current generation as a new reference (drop it with
 * ssrd__site_unref()). Any thread. */
ssrd_site *ssrd__reloader_site(ssrd_reloader *r);

/*
 * Loads the site again now, whether or not its sources changed, and swaps
 * the new generation in (what the watcher does on a change; the layer cache
 * rebuilds only what changed). Waits for a reload the watcher is running.
 * Renders in flight keep their generation. Returns SSRD_OK, or the load's
 * error with its text in errbuf, the last good generation still serving.
 * Any thread but the watcher's; blocks for the length of a build.
 */
int ssrd__reloader_reload_now(ssrd_reloader *r, char *errbuf, size_t errlen);

/* Stops watching and drops the current generation. NULL is a harmless no-op. */
void ssrd__reloader_stop(ssrd_reloader *r);

#endif
