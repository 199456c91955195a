/* routes.c: the route table, scanned from app/ with the App Router's
 * conventions (routes_match.c matches request paths against it). */
#define _GNU_SOURCE
#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <ssrd/errors.h>

#include "core/strbuf.h"
#include "source/routes.h"

#define MAX_DEPTH 32

/* The extensions a convention file may have, as Next.js's default
 * pageExtensions has them. */
static const char *const exts[] = { "jsx", "tsx", "js", "ts" };

/* page, then the wrapping files in ssrd_seg_file's order. */
static const char *const seg_names[SSRD_SEGF_COUNT]
    = { "layout", "template", "error", "loading", "not-found" };

/* Conventions of Next.js that ssrd does not implement, and why: a file
 * with one of these names is warned about, not silently ignored. */
static const struct {
	const char *stem, *why;
} unsupported[] = {
	{ "route",
	    "route handlers are not supported: ssrd renders pages; "
	    "serve APIs from your app server" },
	{ "default",
	    "parallel routes (and their default files) are not "
	    "supported" },
	{ "global-error",
	    "global-error is not supported: put an error file "
	    "beside the root layout's pages instead" },
	{ "middleware",
	    "middleware is not supported: do request rewriting "
	    "in the proxy in front (nginx)" },
};

const char *
ssrd__seg_file_name(ssrd_seg_file f)
{
	return f < SSRD_SEGF_COUNT ? seg_names[f] : "?";
}

static void
route_clear(ssrd_route *r)
{
	for (size_t i = 0; i < r->nsegs; i++) {
		free(r->segs[i]);
	}
	free(r->segs);
	free(r->kinds);
	free(r->chain);
	free(r->pattern);
	free(r->page_key);
}

void
ssrd__routes_free(ssrd_routes *routes)
{
	if (routes == NULL) {
		return;
	}
	for (size_t i = 0; i < routes->n; i++) {
		route_clear(&routes->v[i]);
	}
	for (size_t i = 0; i < routes->nsegments; i++) {
		free(routes->segments[i].dir);
		for (int f = 0; f < SSRD_SEGF_COUNT; f++) {
			free(routes->segments[i].files[f]);
		}
	}
	for (size_t i = 0; i < routes->nwarnings; i++) {
		free(routes->warnings[i]);
	}
	free(routes->v);
	free(routes->segments);
	free(routes->warnings);
	memset(routes, 0, sizeof(*routes));
}

/* One URL segment while scanning: its name ("[id]" without brackets and
 * dots) and kind. */
struct useg {
	const char   *name;
	ssrd_seg_kind kind;
};

/* The scan's state: the table being built, and, for the directory being
 * walked, the URL segments and wrapping segments above it. */
struct scan {
	ssrd_routes *rt;
	const char  *app; /* absolute path of app/ */
	char        *errbuf;
	size_t       errlen;
	struct useg  url[MAX_DEPTH + 1];
	size_t       nurl;
	size_t       chain[MAX_DEPTH + 1];
	size_t       nchain;
};

static int
warn(struct scan *s, const char *fmt, const char *a, const char *b)
{
	char **v
	    = realloc(s->rt->warnings, (s->rt->nwarnings + 1) * sizeof(char *));
	if (v == NULL) {
		return SSRD_ENOMEM;
	}
	s->rt->warnings = v;
	if (asprintf(&v[s->rt->nwarnings], fmt, a, b) < 0) {
		return SSRD_ENOMEM;
	}
	s->rt->nwarnings++;
	return SSRD_OK;
}

static int
is_ident(const char *p, size_t n)
{
	if (n == 0 || isdigit((unsigned char) p[0])) {
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (!(p[i] == '_' || isalnum((unsigned char) p[i]))) {
			return 0;
		}
	}
	return 1;
}

/*
 * Reads a directory name as a URL segment: static, [name], [...name] or
 * [[...name]]. Returns SSRD_OK with *u set, or SSRD_EINVAL with the rule in
 * errbuf.
 */
static int
segment_parse(struct scan *s, const char *rel, const char *name, struct useg *u)
{
	size_t n = strlen(name);
	if (name[0] == ':') {
		/* ':' marks dynamic segments in patterns; a directory may not
		 * fake one. */
		snprintf(s->errbuf, s->errlen,
		    "%s/%s: a segment may not start with ':'; write dynamic "
		    "segments as [name]",
		    rel, name);
		return SSRD_EINVAL;
	}
	u->kind = SSRD_SEG_STATIC;
	u->name = name;
	if (name[0] != '[') {
		return SSRD_OK;
	}
	size_t open = 1, close = 1;
	if (strncmp(name, "[[...", 5) == 0 && n > 7
	    && strcmp(name + n - 2, "]]") == 0) {
		u->kind = SSRD_SEG_OPTIONAL;
		open    = 5;
		close   = 2;
	} else if (strncmp(name, "[...", 4) == 0 && n > 5
	    && name[n - 1] == ']') {
		u->kind = SSRD_SEG_CATCHALL;
		open    = 4;
	} else if (n > 2 && name[n - 1] == ']') {
		u->kind = SSRD_SEG_DYNAMIC;
	} else {
		snprintf(s->errbuf, s->errlen,
		    "%s/%s: a dynamic segment is written [name], [...name] "
		    "(catch-all) or [[...name]] (optional catch-all)",
		    rel, name);
		return SSRD_EINVAL;
	}
	if (!is_ident(name + open, n - open - close)) {
		snprintf(s->errbuf, s->errlen,
		    "%s/%s: a dynamic segment's name must be an identifier "
		    "(letters, digits, _; not starting with a digit)",
		    rel, name);
		return SSRD_EINVAL;
	}
	u->name = name + open; /* ends before close: copied with its length */
	return SSRD_OK;
}

/* The name of a parsed dynamic segment (it ends inside the directory
 * name), as ":name". */
static char *
param_name(const struct useg *u)
{
	size_t n = strcspn(u->name, "]");
	char  *p = malloc(n + 2);
	if (p != NULL) {
		p[0] = ':';
		memcpy(p + 1, u->name, n);
		p[n + 1] = '\0';
	}
	return p;
}

/* Kind for shape comparisons: a catch-all and an optional one at one
 * place answer the same deeper URLs. */
static int
shape_kind(unsigned char k)
{
	return k == SSRD_SEG_OPTIONAL ? SSRD_SEG_CATCHALL : k;
}

/* Whether a and b answer some URL alike with equal precedence: the same
 * segments (dynamic names aside), or one ending in an optional catch-all
 * where the other ends (/docs/[[...p]] and /docs both answer /docs). */
static int
same_urls(const ssrd_route *a, const ssrd_route *b)
{
	if (a->nsegs != b->nsegs) {
		const ssrd_route *lo = a->nsegs < b->nsegs ? a : b;
		const ssrd_route *hi = lo == a ? b : a;
		if (hi->nsegs != lo->nsegs + 1
		    || hi->kinds[lo->nsegs] != SSRD_SEG_OPTIONAL) {
			return 0;
		}
		a = lo;
		b = hi;
	}
	for (size_t i = 0; i < a->nsegs; i++) {
		if (shape_kind(a->kinds[i]) != shape_kind(b->kinds[i])
		    || (a->kinds[i] == SSRD_SEG_STATIC
		        && strcmp(a->segs[i], b->segs[i]) != 0)) {
			return 0;
		}
	}
	return 1;
}

/* Adds the route of page file page_key, under the scan's URL segments and
 * chain. */
static int
route_add(struct scan *s, const char *page_key)
{
	ssrd_route  r   = { 0 };
	ssrd_strbuf pat = { 0 };
	int         rv  = SSRD_ENOMEM;
	r.nsegs         = s->nurl;
	r.segs          = calloc(s->nurl + 1, sizeof(char *));
	r.kinds         = calloc(s->nurl + 1, 1);
	r.chain         = calloc(s->nchain + 1, sizeof(size_t));
	r.page_key      = strdup(page_key);
	if (r.segs == NULL || r.kinds == NULL || r.chain == NULL
	    || r.page_key == NULL) {
		goto out;
	}
	for (size_t i = 0; i < s->nurl; i++) {
		const struct useg *u = &s->url[i];
		if (u->kind >= SSRD_SEG_CATCHALL && i + 1 < s->nurl) {
			snprintf(s->errbuf, s->errlen,
			    "%s: a catch-all segment ([...%.*s]) must be the "
			    "last of its route; move the page up or drop the "
			    "catch-all",
			    page_key, (int) strcspn(u->name, "]"), u->name);
			rv = SSRD_EINVAL;
			goto out;
		}
		r.kinds[i] = (unsigned char) u->kind;
		r.segs[i]  = u->kind == SSRD_SEG_STATIC ? strdup(u->name)
		                                        : param_name(u);
		if (r.segs[i] == NULL) {
			goto out;
		}
		r.ndynamic += u->kind != SSRD_SEG_STATIC;
		ssrd__strbuf_printf(&pat, "/%s%s", r.segs[i],
		    u->kind == SSRD_SEG_CATCHALL       ? "+"
		        : u->kind == SSRD_SEG_OPTIONAL ? "*"
		                                       : "");
	}
	memcpy(r.chain, s->chain, s->nchain * sizeof(size_t));
	r.nchain = s->nchain;
	if (r.nsegs == 0) {
		ssrd__strbuf_append(&pat, "/", 1);
	}
	if (ssrd__strbuf_failed(&pat)) {
		goto out;
	}
	r.pattern = ssrd__strbuf_take(&pat);
	for (size_t i = 0; i < s->rt->n; i++) {
		if (same_urls(&s->rt->v[i], &r)) {
			snprintf(s->errbuf, s->errlen,
			    "%s and %s both answer %s; keep one (route groups "
			    "and dynamic names do not tell URLs apart)",
			    s->rt->v[i].page_key, r.page_key,
			    s->rt->v[i].nsegs <= r.nsegs ? s->rt->v[i].pattern
			                                 : r.pattern);
			rv = SSRD_EINVAL;
			goto out;
		}
	}
	ssrd_route *v = realloc(s->rt->v, (s->rt->n + 1) * sizeof(*v));
	if (v == NULL) {
		goto out;
	}
	s->rt->v             = v;
	s->rt->v[s->rt->n++] = r;
	return SSRD_OK;
out:
	route_clear(&r);
	ssrd__strbuf_free(&pat);
	return rv;
}

/* What a file in app/ is: -1 none of ours; 0 a page; 1 + ssrd_seg_file. */
static int
convention_of(const char *name)
{
	const char *dot = strchr(name, '.');
	if (dot == NULL || strchr(dot + 1, '.') != NULL) {
		return -1;
	}
	size_t stem = (size_t) (dot - name);
	int    ext  = 0;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		ext |= strcmp(dot + 1, exts[i]) == 0;
	}
	if (!ext) {
		return -1;
	}
	if (stem == 4 && strncmp(name, "page", 4) == 0) {
		return 0;
	}
	for (int f = 0; f < SSRD_SEGF_COUNT; f++) {
		if (strlen(seg_names[f]) == stem
		    && strncmp(name, seg_names[f], stem) == 0) {
			return 1 + f;
		}
	}
	return -1;
}

/* Warns about a file that looks like a convention and is not one: a name
 * in the wrong case, another extension, or a convention ssrd lacks. */
static int
check_lookalike(struct scan *s, const char *rel, const char *name)
{
	const char *dot = strchr(name, '.');
	if (dot == NULL || strchr(dot + 1, '.') != NULL) {
		return SSRD_OK; /* page.test.tsx, x.module.css: not ours */
	}
	size_t stem = (size_t) (dot - name);
	char   path[4096];
	snprintf(path, sizeof(path), "%s/%s", rel, name);
	/* Page.jsx (case) or layout.mjs (extension): not layout.css, a
	 * stylesheet's fine name. */
	static const char *const other[] = { "mjs", "cjs", "mts", "cts", "md",
		"mdx", "jsx", "tsx", "js", "ts" };
	int                      code    = 0;
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		code |= strcmp(dot + 1, other[i]) == 0;
	}
	if (!code) {
		return SSRD_OK;
	}
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]);
	     i++) {
		if (strlen(unsupported[i].stem) == stem
		    && strncasecmp(name, unsupported[i].stem, stem) == 0) {
			return warn(s, "%s: %s", path, unsupported[i].why);
		}
	}
	for (int f = -1; f < SSRD_SEGF_COUNT; f++) {
		const char *conv = f < 0 ? "page" : seg_names[f];
		if (strlen(conv) != stem
		    || strncasecmp(name, conv, stem) != 0) {
			continue;
		}
		char want[128];
		snprintf(want, sizeof(want),
		    "ssrd reads %s.jsx, %s.tsx, %s.js or %s.ts (lower case)",
		    conv, conv, conv, conv);
		return warn(
		    s, "%s: not read as a convention file: %s", path, want);
	}
	return SSRD_OK;
}

/* Adds dir's segment (files[f]: its convention files' names, or NULL)
 * and pushes it on the chain. */
static int
segment_add(struct scan *s, const char *rel, char *const files[])
{
	ssrd_segment *v
	    = realloc(s->rt->segments, (s->rt->nsegments + 1) * sizeof(*v));
	if (v == NULL) {
		return SSRD_ENOMEM;
	}
	s->rt->segments = v;
	ssrd_segment *g = &v[s->rt->nsegments];
	memset(g, 0, sizeof(*g));
	s->rt->nsegments++;
	if ((g->dir = strdup(rel)) == NULL) {
		return SSRD_ENOMEM;
	}
	for (int f = 0; f < SSRD_SEGF_COUNT; f++) {
		if (files[f] != NULL
		    && asprintf(&g->files[f], "%s/%s", rel, files[f]) < 0) {
			g->files[f] = NULL;
			return SSRD_ENOMEM;
		}
	}
	s->chain[s->nchain++] = s->rt->nsegments - 1;
	return SSRD_OK;
}

static int scan_dir(struct scan *s, const char *rel, int depth);

/* Walks into subdirectory name of rel, as a URL segment or a group. */
static int
scan_sub(struct scan *s, const char *rel, const char *name, int depth)
{
	char sub[4096];
	snprintf(sub, sizeof(sub), "%s/%s", rel, name);
	size_t n = strlen(name);
	if (name[0] == '@') {
		return warn(s, "%s: %s", sub,
		    "parallel routes (@slot directories) are not supported; "
		    "its pages are not routes");
	}
	if (strncmp(name, "(.)", 3) == 0 || strncmp(name, "(..)", 4) == 0
	    || strncmp(name, "(...)", 5) == 0) {
		return warn(s, "%s: %s", sub,
		    "intercepting routes ((.)name) are not supported; its "
		    "pages are not routes");
	}
	if (name[0] == '(' && name[n - 1] == ')') {
		return scan_dir(s, sub, depth + 1); /* a group: no URL part */
	}
	int rv = segment_parse(s, rel, name, &s->url[s->nurl]);
	if (rv == SSRD_OK) {
		s->nurl++;
		rv = scan_dir(s, sub, depth + 1);
		s->nurl--;
	}
	return rv;
}

/* Walks the directory rel ("app/...", relative to the site root). */
static int
scan_dir(struct scan *s, const char *rel, int depth)
{
	if (depth > MAX_DEPTH) {
		snprintf(s->errbuf, s->errlen,
		    "%s: app/ is nested more than %d levels deep", rel,
		    MAX_DEPTH);
		return SSRD_EINVAL;
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s%s", s->app, rel + 3);
	struct dirent **ents;
	int             n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		snprintf(
		    s->errbuf, s->errlen, "%s: cannot read directory", rel);
		return SSRD_EIO;
	}
	/* Files first: this directory's page and wrapping files. */
	char       *files[1 + SSRD_SEGF_COUNT] = { 0 };
	int         rv                         = SSRD_OK;
	struct stat st;
	for (int i = 0; i < n && rv == SSRD_OK; i++) {
		const char *name = ents[i]->d_name;
		char        path[4400];
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (name[0] == '.' || stat(path, &st) != 0
		    || !S_ISREG(st.st_mode)) {
			continue;
		}
		int c = convention_of(name);
		if (c < 0) {
			rv = check_lookalike(s, rel, name);
		} else if (files[c] != NULL) {
			snprintf(s->errbuf, s->errlen,
			    "%s/ has two %s files (%s and %s); keep one", rel,
			    c == 0 ? "page" : seg_names[c - 1], files[c], name);
			rv = SSRD_EINVAL;
		} else {
			files[c] = ents[i]->d_name;
		}
	}
	size_t nchain = s->nchain;
	int    wraps  = 0;
	for (int f = 0; f < SSRD_SEGF_COUNT; f++) {
		wraps |= files[1 + f] != NULL;
	}
	if (rv == SSRD_OK && wraps) {
		rv = segment_add(s, rel, files + 1);
	}
	if (rv == SSRD_OK && files[0] != NULL) {
		char key[4400];
		snprintf(key, sizeof(key), "%s/%s", rel, files[0]);
		rv = route_add(s, key);
	}
	for (int i = 0; i < n && rv == SSRD_OK; i++) {
		const char *name = ents[i]->d_name;
		char        path[4400];
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		/* hidden and _private directories are never routes */
		if (name[0] != '.' && name[0] != '_' && stat(path, &st) == 0
		    && S_ISDIR(st.st_mode)) {
			rv = scan_sub(s, rel, name, depth);
		}
	}
	s->nchain = nchain;
	for (int i = 0; i < n; i++) {
		free(ents[i]);
	}
	free(ents);
	return rv;
}

/*
 * Matching order: fully static routes first; then, at the first position
 * where two routes differ in kind, the lower kind (static, dynamic,
 * catch-all, optional catch-all: so /products/new beats /products/:id,
 * /x/:b beats /:a/b and /docs/:id beats /docs/:rest+); then the longer
 * route; otherwise by pattern, for a stable listing.
 */
static int
route_order(const void *a, const void *b)
{
	const ssrd_route *x = a, *y = b;
	if ((x->ndynamic == 0) != (y->ndynamic == 0)) {
		return x->ndynamic == 0 ? -1 : 1;
	}
	for (size_t i = 0; i < x->nsegs && i < y->nsegs; i++) {
		if (x->kinds[i] != y->kinds[i]) {
			return (int) x->kinds[i] - (int) y->kinds[i];
		}
	}
	if (x->nsegs != y->nsegs) {
		return x->nsegs > y->nsegs ? -1 : 1;
	}
	return strcmp(x->pattern, y->pattern);
}

static int add_not_found(ssrd_routes *routes);

/* What the table promises its readers: chains point into segments, only a
 * route's last segment may be a catch-all, the not-found page is last and
 * matched by nothing. Used inside assert() only. */
#ifndef NDEBUG
static int
routes_sanity(const ssrd_routes *rt)
{
	if (rt->not_found_at > rt->n
	    || (rt->not_found_at != 0 && rt->not_found_at != rt->n)) {
		return 0;
	}
	for (size_t i = 0; i < rt->n; i++) {
		const ssrd_route *r = &rt->v[i];
		for (size_t k = 0; k < r->nchain; k++) {
			if (r->chain[k] >= rt->nsegments
			    || (k > 0 && r->chain[k] <= r->chain[k - 1])) {
				return 0;
			}
		}
		for (size_t k = 0; k + 1 < r->nsegs; k++) {
			if (r->kinds[k] >= SSRD_SEG_CATCHALL) {
				return 0;
			}
		}
	}
	return 1;
}
#endif

int
ssrd__routes_scan(
    const char *site_root, ssrd_routes *out, char *errbuf, size_t errlen)
{
	char        app[4096];
	struct stat st;
	snprintf(app, sizeof(app), "%s/app", site_root);
	if (stat(app, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(errbuf, errlen,
		    "%s: no app/ directory; a site keeps its routes in app/",
		    site_root);
		return SSRD_ENOENT;
	}
	ssrd_routes routes = { 0 };
	struct scan s
	    = { .rt = &routes, .app = app, .errbuf = errbuf, .errlen = errlen };
	int rv = scan_dir(&s, "app", 0);
	if (rv == SSRD_OK && routes.n > 1) {
		qsort(routes.v, routes.n, sizeof(ssrd_route), route_order);
	}
	if (rv == SSRD_OK) {
		rv = add_not_found(&routes);
	}
	if (rv != SSRD_OK) {
		if (rv == SSRD_ENOMEM) {
			snprintf(errbuf, errlen, "out of memory reading app/");
		}
		ssrd__routes_free(&routes);
		return rv;
	}
	assert(routes_sanity(&routes));
	*out = routes;
	return SSRD_OK;
}

/* The root's not-found file, if there is one, as the last entry: a page
 * like the others under the root's wrapping files, matched by no path. */
static int
add_not_found(ssrd_routes *routes)
{
	if (routes->nsegments == 0
	    || strcmp(routes->segments[0].dir, "app") != 0
	    || routes->segments[0].files[SSRD_SEGF_NOT_FOUND] == NULL) {
		return SSRD_OK;
	}
	ssrd_route *v
	    = realloc(routes->v, (routes->n + 1) * sizeof(ssrd_route));
	if (v == NULL) {
		return SSRD_ENOMEM;
	}
	routes->v     = v;
	ssrd_route *r = &v[routes->n];
	memset(r, 0, sizeof(*r));
	r->pattern  = strdup("(not found)");
	r->page_key = strdup(routes->segments[0].files[SSRD_SEGF_NOT_FOUND]);
	r->chain    = calloc(1, sizeof(size_t));
	if (r->pattern == NULL || r->page_key == NULL || r->chain == NULL) {
		route_clear(r);
		return SSRD_ENOMEM;
	}
	r->nchain = 1; /* the root segment: its layout */
	routes->n++;
	routes->not_found_at = routes->n;
	return SSRD_OK;
}
