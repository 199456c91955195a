/* site.h: one site's generation: its routes, shell and page deltas,
 * reference-counted. */
#ifndef SSRD_SITE_H
#define SSRD_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "build/site_bundles.h"
#include "config/config.h"
#include "source/routes.h"

/*
 * A loaded site: its routes, its shell (layout + components/) and one page
 * delta per route, index for index. A route whose page failed to build has
 * an empty delta and its esbuild message in page_errors[i]; every other
 * route serves. Immutable once loaded, so every worker reads it without
 * locks. A reload makes a new generation; an old one lives on, through its
 * references, until the last render using it is done.
 */
typedef struct ssrd_site {
	int          refs;       /* atomic; ssrd__site_ref/unref */
	unsigned     generation; /* 1, 2, ... as the site is reloaded */
	size_t       slot; /* which of the daemon's sites it is: 0, 1, ... */
	uint64_t     fingerprint; /* of the source tree it was built from */
	char        *root;        /* absolute, symlink-free */
	ssrd_routes  routes;
	ssrd_bundle  shell;
	ssrd_bundle *pages;       /* routes.n of them */
	char       **page_errors; /* routes.n; NULL where the page built */
	ssrd_bundle  client;  /* the browser bundle (hydration); len 0: none */
	char  client_url[64]; /* "/_ssrd/client-<hash>.js", or "" without one */
	char *layer_dir;      /* where its layers are built: assets/ holds the
	                         images and fonts they import (/_ssrd/assets/) */
	ssrd_broken broken;   /* segment files that did not build: their routes
	                         fail with the message */
	ssrd_names clients;   /* its "use client" files, relative to root: with
	                         any, its pages hydrate as islands */
	char **public_files;  /* the regular files under public/, relative to
	                         it ("robots.txt", "img/a.png"), sorted; no
	                         dotfiles */
	size_t npublic;
	int    app_favicon; /* app/favicon.ico is a file: served at
	                       /favicon.ico, linked from every page */
	char **styles;      /* routes.n: the stylesheets each route links, in
	                       order (the shell's, then the page's), separated by
	                       spaces; "" for none */
	char **preload;     /* routes.n: each route's Link header, preloading
	                       its styles (ssrd__site_preload); NULL: none */
} ssrd_site;

/*
 * Scans the site at root for routes and gets its shell and page deltas (from
 * the cache that manifest records, if it may be NULL, or from esbuild). A
 * page that fails to build fails only its route. Stores a new site (one
 * reference, dropped with ssrd__site_unref()) in *out and returns SSRD_OK, or
 * an error with the reason (path, line, column where there is one) in errbuf.
 */
int ssrd__site_load(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *root, ssrd_site **out, char *errbuf, size_t errlen);

/* 1: ssrd__site_load() does not log each route that failed to build (the
 * caller reports the one it needs). Process-wide; set before loading. */
void ssrd__site_quiet_pages(int on);

/* Whether path ("/robots.txt", decoded) names a file of the site's public/
 * (as it was when the site loaded): HTTP serves it at that path when no
 * route answers it. */
int ssrd__site_public_file(const ssrd_site *site, const char *path);

/* The value of the Link header of route i's pages: a preload of each of its
 * stylesheets, which the browser can fetch while the page is still on its
 * way; NULL for none. */
const char *ssrd__site_preload(const ssrd_site *site, size_t i);

/* Returns route i's page delta, or NULL with its build error in *why. */
const ssrd_bundle *ssrd__site_page(
    const ssrd_site *site, size_t i, const char **why);

/* Takes a reference; returns site. Any thread. */
ssrd_site *ssrd__site_ref(ssrd_site *site);

/* Drops a reference; the last one frees the site. NULL is a harmless no-op. Any
 * thread. */
void ssrd__site_unref(ssrd_site *site);

/*
 * Returns an XXH3 of every file's relative path, size and mtime under root
 * (dot-directories and node_modules skipped): equal fingerprints mean
 * nothing a build reads has changed. Cheap enough to run every second on a
 * site of a few thousand files.
 */
uint64_t ssrd__site_fingerprint(const char *root);

#endif
