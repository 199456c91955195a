/* routes_match.c: a request path matched against the route table: the
 * route, and its dynamic segments as a JSON object of params. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/strbuf.h"
#include "source/routes.h"

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

/* Whether rt answers the nsegs decoded segments. */
static int
route_matches(const ssrd_route *rt, char *const *segs, size_t nsegs)
{
	size_t k = 0;
	for (; k < rt->nsegs; k++) {
		if (rt->kinds[k] >= SSRD_SEG_CATCHALL) {
			/* the rest: one or more, or any number */
			return nsegs > k || rt->kinds[k] == SSRD_SEG_OPTIONAL;
		}
		if (k == nsegs
		    || (rt->kinds[k] == SSRD_SEG_STATIC
		        && strcmp(rt->segs[k], segs[k]) != 0)) {
			return 0;
		}
	}
	return k == nsegs;
}

/* rt's parameters for segs as a JSON object into js. */
static void
params_write(
    ssrd_strbuf *js, const ssrd_route *rt, char *const *segs, size_t nsegs)
{
	ssrd__strbuf_append(js, "{", 1);
	int first = 1;
	for (size_t k = 0; k < rt->nsegs; k++) {
		int rest = rt->kinds[k] >= SSRD_SEG_CATCHALL;
		if (rt->kinds[k] == SSRD_SEG_STATIC || (rest && k == nsegs)) {
			continue; /* an optional catch-all with nothing: absent
			           */
		}
		ssrd__strbuf_puts(js, first ? "" : ",");
		first = 0;
		ssrd__strbuf_json_string(
		    js, rt->segs[k] + 1, strlen(rt->segs[k] + 1));
		ssrd__strbuf_puts(js, rest ? ":[" : ":");
		for (size_t i = k; i < (rest ? nsegs : k + 1); i++) {
			ssrd__strbuf_puts(js, i > k ? "," : "");
			ssrd__strbuf_json_string(js, segs[i], strlen(segs[i]));
		}
		ssrd__strbuf_puts(js, rest ? "]" : "");
	}
	ssrd__strbuf_append(js, "}", 1);
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
		if (r + 1 == routes->not_found_at
		    || !route_matches(rt, segs, nsegs)) {
			continue; /* the not-found page has no path of its own
			           */
		}
		ssrd_strbuf js = { 0 };
		params_write(&js, rt, segs, nsegs);
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
