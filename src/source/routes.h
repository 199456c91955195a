/* routes.h: file-system routing with Next.js's App Router rules. Every
 * directory under app/ is a segment; app/<segments>/page.jsx makes a route,
 * and each segment on the way may hold the files that wrap it (layout,
 * template, error, loading, not-found). */
#ifndef SSRD_ROUTES_H
#define SSRD_ROUTES_H

#include <stddef.h>

/* What one URL segment of a route matches. Ordered by precedence: at the
 * first place two routes differ, the lower kind wins. */
typedef enum ssrd_seg_kind {
	SSRD_SEG_STATIC   = 0, /* products: itself */
	SSRD_SEG_DYNAMIC  = 1, /* [id]: any one segment */
	SSRD_SEG_CATCHALL = 2, /* [...slug]: one or more, the rest */
	SSRD_SEG_OPTIONAL = 3, /* [[...slug]]: zero or more, the rest */
} ssrd_seg_kind;

/* The files a segment directory may hold besides page. Their order is the
 * order they wrap the page, outermost first (as Next.js nests them). */
typedef enum ssrd_seg_file {
	SSRD_SEGF_LAYOUT,
	SSRD_SEGF_TEMPLATE,
	SSRD_SEGF_ERROR,
	SSRD_SEGF_LOADING,
	SSRD_SEGF_NOT_FOUND,
	SSRD_SEGF_COUNT
} ssrd_seg_file;

/* The convention's name of f: "layout", "template", ... */
const char *ssrd__seg_file_name(ssrd_seg_file f);

/*
 * One directory under app/ that holds at least one of the files of
 * ssrd_seg_file. dir is relative to the site root ("app", "app/blog",
 * "app/(shop)/cart"); files[f] is the file's key ("app/blog/layout.tsx"),
 * or NULL where the directory has none.
 */
typedef struct ssrd_segment {
	char *dir;
	char *files[SSRD_SEGF_COUNT];
} ssrd_segment;

/* One route, immutable once the table is built. */
typedef struct ssrd_route {
	char *pattern;  /* "/products/:id", "/docs/:slug+", "/shop/:p*" */
	char *page_key; /* "app/products/[id]/page.jsx", relative to the site
	                   root */
	char **segs;    /* URL segments: a static one as itself, the others as
	                   ":name" (their kind in kinds) */
	unsigned char *kinds; /* nsegs ssrd_seg_kind */
	size_t         nsegs;
	size_t         ndynamic; /* how many of segs are not static */
	size_t *chain; /* indices into the table's segments: the directories
	                  from app/ down to the page's own that hold wrapping
	                  files, outermost first */
	size_t nchain;
} ssrd_route;

/*
 * A site's routes, ordered for matching (see route_order in routes.c), and
 * the segment directories their chains point into.
 * Immutable once built, so any number of threads may match at once.
 */
typedef struct ssrd_routes {
	ssrd_route *v;
	size_t      n;
	/* 1 + the index of the site's not-found page (app/not-found.jsx,
	 * pattern "(not found)"), which no path matches; 0: the site has none
	 */
	size_t        not_found_at;
	ssrd_segment *segments;
	size_t        nsegments;
	/* files under app/ that look like conventions and are not one
	 * ("app/Page.jsx", "app/layout.mjs", "app/api/route.ts"), each a
	 * sentence saying why and what to do: the caller logs them */
	char **warnings;
	size_t nwarnings;
} ssrd_routes;

/*
 * Scans <site_root>/app and builds the table in *out (caller frees with
 * ssrd__routes_free()). Rules, as Next.js's App Router has them: page,
 * layout, template, error, loading and not-found files in .jsx, .tsx, .js
 * or .ts; (group) directories shape layouts but not URLs; directories
 * starting with _ or . are never routes; [name], [...name] and
 * [[...name]] are dynamic, catch-all and optional catch-all segments. The
 * root's not-found file is also the page for paths with no route, last in
 * the table.
 * Returns SSRD_OK; SSRD_ENOENT if there is no app/ directory; SSRD_EINVAL
 * with errbuf naming the file or directory and the rule for a bad segment
 * name ("[1x]", ":x"), a catch-all that is not last, two files of one kind
 * in a directory, or two pages that claim the same URLs ([id] and [slug]
 * side by side count as one route, and so do app/(a)/x and app/(b)/x).
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
 * On a match stores the route in *route and its parameters as a JSON
 * object in *params_json (malloc'd, caller frees; "{}" for static routes;
 * a catch-all's value is an array of its segments, and an optional
 * catch-all that matched none is left out, as Next.js gives them) and
 * returns SSRD_OK. Returns SSRD_ENOROUTE if nothing matches, SSRD_EINVAL
 * for a path that does not start with '/' or holds a "." or ".." segment or
 * a bad escape, SSRD_ENOMEM.
 */
int ssrd__routes_match(const ssrd_routes *routes, const char *path,
    const ssrd_route **route, char **params_json);

#endif
