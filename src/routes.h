/* routes.h: file-system routing. app/<segments>/page.jsx becomes a route;
 * [name] segments are dynamic. */
#ifndef SSRD_ROUTES_H
#define SSRD_ROUTES_H

#include <stddef.h>

/* One route, immutable once the table is built. */
typedef struct ssrd_route {
	char *pattern;  /* "/products/:id" */
	char *page_key; /* "app/products/[id]/page.jsx", relative to the site
	                   root */
	char **segs;    /* path segments; a dynamic one is stored as ":name" */
	size_t nsegs;
	size_t ndynamic; /* how many of segs are dynamic */
} ssrd_route;

/*
 * A site's routes, ordered for matching: fully static routes first, then,
 * at the first position where two routes differ, a static segment wins
 * over a dynamic one.
 * Immutable once built, so any number of threads may match at once.
 */
typedef struct ssrd_routes {
	ssrd_route *v;
	size_t      n;
	/* 1 + the index of the site's not-found page (app/not-found.jsx,
	 * pattern "(not found)"), which no path matches; 0: the site has none
	 */
	size_t not_found_at;
} ssrd_routes;

/*
 * Scans <site_root>/app for page.jsx, page.js, page.tsx and page.ts files
 * (and app/not-found.jsx, .tsx, .js or .ts: the page for paths with no
 * route, last in the table) and builds the table in *out (caller frees with
 * ssrd__routes_free()). Returns SSRD_OK; SSRD_ENOENT if there is no app/
 * directory; SSRD_EINVAL with errbuf filled for a bad segment name ("[1x]",
 * ":x") or two pages for one route ([id] and [slug] side by side count as one
 * route).
 */
int ssrd__routes_scan(
    const char *site_root, ssrd_routes *out, char *errbuf, size_t errlen);

/* The site's not-found page's entry, or NULL if it has none. */
const ssrd_route *ssrd__routes_not_found(const ssrd_routes *routes);

/* Frees the table. NULL is a harmless no-op. */
void ssrd__routes_free(ssrd_routes *routes);

/*
 * Matches a request path (the part before any '?'; a trailing slash is
 * ignored; %XX escapes are decoded inside segments) against the table.
 * On a match stores the route in *route and the dynamic segments as a JSON
 * object in *params_json (malloc'd, caller frees; "{}" for static routes)
 * and returns SSRD_OK. Returns SSRD_ENOROUTE if nothing matches, SSRD_EINVAL
 * for a path that does not start with '/' or holds a "." or ".." segment or
 * a bad escape, SSRD_ENOMEM.
 */
int ssrd__routes_match(const ssrd_routes *routes, const char *path,
    const ssrd_route **route, char **params_json);

#endif
