/* routes.c implements file-system routing: scanning app/ and matching request
 * paths. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ssrd/errors.h>

#include "routes.h"
#include "strbuf.h"

static const char *const page_files[]
    = { "page.jsx", "page.tsx", "page.js", "page.ts" };

static void
route_clear(ssrd_route *r)
{
	for (size_t i = 0; i < r->nsegs; i++) {
		free(r->segs[i]);
	}
	free(r->segs);
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
	free(routes->v);
	routes->v = NULL;
	routes->n = 0;
}

/* A segment name is safe if it is a plain directory name or [identifier]. */
static int
segment_check(const char *name, char *errbuf, size_t errlen)
{
	size_t n = strlen(name);
	if (name[0] == ':') {
		/* ':' marks dynamic segments inside the table; a directory may
		 * not fake one. */
		snprintf(errbuf, errlen,
		    "directory \"%s\": a segment may not start with ':'; write "
		    "dynamic segments as [name]",
		    name);
		return SSRD_EINVAL;
	}
	if (name[0] == '[') {
		if (n < 3 || name[n - 1] != ']') {
			snprintf(errbuf, errlen,
			    "directory \"%s\": a dynamic segment is written "
			    "[name]",
			    name);
			return SSRD_EINVAL;
		}
		for (size_t i = 1; i + 1 < n; i++) {
			char c = name[i];
			if (!(c == '_' || (c >= 'a' && c <= 'z')
			        || (c >= 'A' && c <= 'Z')
			        || (i > 1 && c >= '0' && c <= '9'))) {
				snprintf(errbuf, errlen,
				    "directory \"%s\": a dynamic segment's "
				    "name must be an identifier (letters, "
				    "digits, _)",
				    name);
				return SSRD_EINVAL;
			}
		}
	}
	return SSRD_OK;
}

/* Two routes have the same shape when they match the same paths: [id] and
 * [slug] at one place do. */
static int
same_shape(const ssrd_route *a, const ssrd_route *b)
{
	if (a->nsegs != b->nsegs) {
		return 0;
	}
	for (size_t i = 0; i < a->nsegs; i++) {
		int da = a->segs[i][0] == ':', db = b->segs[i][0] == ':';
		if (da != db || (!da && strcmp(a->segs[i], b->segs[i]) != 0)) {
			return 0;
		}
	}
	return 1;
}

/* Adds the route whose directory, relative to app/, is rel ("" for the root).
 */
static int
route_add(ssrd_routes *routes, const char *rel, const char *page_file,
    char *errbuf, size_t errlen)
{
	ssrd_route  r   = { 0 };
	ssrd_strbuf pat = { 0 }, key = { 0 };
	int         rv = SSRD_ENOMEM;

	ssrd__strbuf_printf(
	    &key, "app/%s%s%s", rel, rel[0] ? "/" : "", page_file);
	char *copy = strdup(rel);
	if (copy == NULL) {
		goto out;
	}
	for (char *save = NULL, *s = strtok_r(copy, "/", &save); s != NULL;
	     s = strtok_r(NULL, "/", &save)) {
		char **segs = realloc(r.segs, (r.nsegs + 1) * sizeof(char *));
		if (segs == NULL) {
			free(copy);
			goto out;
		}
		r.segs = segs;
		if (s[0] == '[') {
			size_t n = strlen(s);
			s[n - 1] = '\0';
			s[0]     = ':';
			r.ndynamic++;
		}
		if ((r.segs[r.nsegs] = strdup(s)) == NULL) {
			free(copy);
			goto out;
		}
		r.nsegs++;
		ssrd__strbuf_printf(&pat, "/%s", s);
	}
	free(copy);
	if (r.nsegs == 0) {
		ssrd__strbuf_append(&pat, "/", 1);
	}
	if (ssrd__strbuf_failed(&pat) || ssrd__strbuf_failed(&key)) {
		goto out;
	}
	for (size_t i = 0; i < routes->n; i++) {
		if (same_shape(&routes->v[i], &r)) {
			snprintf(errbuf, errlen,
			    "%s and %s both define the route %s; keep one",
			    routes->v[i].page_key, key.ptr, pat.ptr);
			rv = SSRD_EINVAL;
			goto out;
		}
	}
	ssrd_route *v = realloc(routes->v, (routes->n + 1) * sizeof(*v));
	if (v == NULL) {
		goto out;
	}
	routes->v              = v;
	r.pattern              = ssrd__strbuf_take(&pat);
	r.page_key             = ssrd__strbuf_take(&key);
	routes->v[routes->n++] = r;
	return SSRD_OK;
out:
	route_clear(&r);
	ssrd__strbuf_free(&pat);
	ssrd__strbuf_free(&key);
	return rv;
}

/* Walks dir (absolute), whose path relative to app/ is rel. */
static int
scan_dir(ssrd_routes *routes, const char *dir, const char *rel, int depth,
    char *errbuf, size_t errlen)
{
	if (depth > 32) {
		snprintf(errbuf, errlen,
		    "%s: app/ is nested more than 32 levels deep", dir);
		return SSRD_EINVAL;
	}
	struct dirent **ents;
	int             n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		snprintf(errbuf, errlen, "%s: cannot read directory", dir);
		return SSRD_EIO;
	}
	int rv        = SSRD_OK;
	int have_page = 0;
	for (int i = 0; i < n && rv == SSRD_OK; i++) {
		const char *name = ents[i]->d_name;
		char        path[4096], sub[4096];
		struct stat st;
		if (name[0] == '.' || name[0] == '_') {
			continue; /* hidden and private directories are not
			             routes */
		}
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (stat(path, &st) != 0) {
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if ((rv = segment_check(name, errbuf, errlen))
			    != SSRD_OK) {
				break;
			}
			snprintf(sub, sizeof(sub), "%s%s%s", rel,
			    rel[0] ? "/" : "", name);
			rv = scan_dir(
			    routes, path, sub, depth + 1, errbuf, errlen);
			continue;
		}
		for (size_t k = 0;
		     k < sizeof(page_files) / sizeof(page_files[0]); k++) {
			if (strcmp(name, page_files[k]) == 0) {
				if (have_page++) {
					snprintf(errbuf, errlen,
					    "app/%s has more than one page "
					    "file; keep one",
					    rel);
					rv = SSRD_EINVAL;
				} else {
					rv = route_add(
					    routes, rel, name, errbuf, errlen);
				}
			}
		}
	}
	for (int i = 0; i < n; i++) {
		free(ents[i]);
	}
	free(ents);
	return rv;
}

/*
 * Matching order: fully static routes first; then, at the first position
 * where two routes differ in kind, the one with a static segment there (so
 * /products/new beats /products/:id, and /x/:b beats /:a/b); otherwise by
 * pattern, for a stable listing.
 */
static int
route_order(const void *a, const void *b)
{
	const ssrd_route *x = a, *y = b;
	if ((x->ndynamic == 0) != (y->ndynamic == 0)) {
		return x->ndynamic == 0 ? -1 : 1;
	}
	for (size_t i = 0; i < x->nsegs && i < y->nsegs; i++) {
		int dx = x->segs[i][0] == ':', dy = y->segs[i][0] == ':';
		if (dx != dy) {
			return dx - dy;
		}
	}
	return strcmp(x->pattern, y->pattern);
}

static int add_not_found(ssrd_routes *routes, const char *app);

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
	int         rv     = scan_dir(&routes, app, "", 0, errbuf, errlen);
	if (rv != SSRD_OK) {
		ssrd__routes_free(&routes);
		return rv;
	}
	if (routes.n > 1) {
		qsort(routes.v, routes.n, sizeof(ssrd_route), route_order);
	}
	rv = add_not_found(&routes, app);
	if (rv != SSRD_OK) {
		ssrd__routes_free(&routes);
		return rv;
	}
	*out = routes;
	return SSRD_OK;
}

/* app/not-found.jsx (or .tsx, .js, .ts), if there is one, as the last
 * entry: a page like the others, but matched by no path. */
static int
add_not_found(ssrd_routes *routes, const char *app)
{
	static const char *const files[] = { "not-found.jsx", "not-found.tsx",
		"not-found.js", "not-found.ts" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char        path[4200];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", app, files[i]);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			continue;
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
		r->page_key = malloc(strlen(files[i]) + 5);
		if (r->pattern == NULL || r->page_key == NULL) {
			free(r->pattern);
			free(r->page_key);
			return SSRD_ENOMEM;
		}
		snprintf(r->page_key, strlen(files[i]) + 5, "app/%s", files[i]);
		routes->n++;
		routes->not_found_at = routes->n;
		return SSRD_OK;
	}
	return SSRD_OK;
}

const ssrd_route *
ssrd__routes_not_found(const ssrd_routes *routes)
{
	return routes->not_found_at ? &routes->v[routes->not_found_at - 1]
	                            : NULL;
}

/* Decodes %XX escapes of n bytes at s into out (n + 1 bytes). Returns the
 * length or -1. */
static long
percent_decode(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;
			if (i + 2 >= n || (hi = ssrd__hexval(s[i + 1])) < 0
			    || (lo = ssrd__hexval(s[i + 2])) < 0) {
				return -1;
			}
			out[o++] = (char) (hi * 16 + lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return (long) o;
}

int
ssrd__routes_match(const ssrd_routes *routes, const char *path,
    const ssrd_route **route, char **params_json)
{
	if (path[0] != '/') {
		return SSRD_EINVAL;
	}
	size_t plen = strcspn(path, "?#");
	/* Split into decoded segments; at most 64 of them. */
	char  *segs[64];
	size_t nsegs = 0;
	char  *buf   = malloc(plen + 1);
	if (buf == NULL) {
		return SSRD_ENOMEM;
	}
	char *w  = buf;
	int   rv = SSRD_OK;
	for (size_t i = 1; i <= plen;) {
		size_t n = strcspn(path + i, "/?#");
		if (i + n > plen) {
			n = plen - i;
		}
		if (n > 0) {
			long d = percent_decode(path + i, n, w);
			if (d < 0 || nsegs == 64 || strcmp(w, ".") == 0
			    || strcmp(w, "..") == 0
			    || memchr(w, '/', (size_t) d)
			    || memchr(w, '\0', (size_t) d)) {
				rv = SSRD_EINVAL;
				break;
			}
			segs[nsegs++] = w;
			w += d + 1;
		}
		i += n + 1;
	}
	if (rv != SSRD_OK) {
		free(buf);
		return rv;
	}
	rv = SSRD_ENOROUTE;
	for (size_t r = 0; r < routes->n; r++) {
		const ssrd_route *rt = &routes->v[r];
		if (r + 1 == routes->not_found_at) {
			continue; /* the not-found page: no path of its own */
		}
		if (rt->nsegs != nsegs) {
			continue;
		}
		size_t k = 0;
		while (k < nsegs
		    && (rt->segs[k][0] == ':'
		        || strcmp(rt->segs[k], segs[k]) == 0)) {
			k++;
		}
		if (k != nsegs) {
			continue;
		}
		ssrd_strbuf js = { 0 };
		ssrd__strbuf_append(&js, "{", 1);
		int first = 1;
		for (k = 0; k < nsegs; k++) {
			if (rt->segs[k][0] != ':') {
				continue;
			}
			if (!first) {
				ssrd__strbuf_append(&js, ",", 1);
			}
			first = 0;
			ssrd__strbuf_json_string(
			    &js, rt->segs[k] + 1, strlen(rt->segs[k] + 1));
			ssrd__strbuf_append(&js, ":", 1);
			ssrd__strbuf_json_string(&js, segs[k], strlen(segs[k]));
		}
		ssrd__strbuf_append(&js, "}", 1);
		if (ssrd__strbuf_failed(&js)) {
			ssrd__strbuf_free(&js);
			rv = SSRD_ENOMEM;
		} else {
			*params_json = ssrd__strbuf_take(&js);
			*route       = rt;
			rv           = SSRD_OK;
		}
		break;
	}
	free(buf);
	return rv;
}
