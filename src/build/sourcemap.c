/* sourcemap.c implements sourcemap.h: Source Map v3 parsing and lookup. */
#include "build/sourcemap.h"

#include "core/json.h"

#include <ssrd/errors.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * One mapping segment, 0-based as the format has it. The original line and
 * column stay below INT32_MAX, so making them 1-based cannot overflow.
 */
struct segment {
	int32_t gen_line; /* generated line */
	int32_t gen_col;  /* generated column */
	int32_t src;      /* index into sources; -1 for an unmapped segment */
	int32_t line;     /* original line */
	int32_t col;      /* original column */
};

/*
 * segs is sorted by (gen_line, gen_col), stably: equal positions keep their
 * order in "mappings", so a lookup picks the last one written. Every src >= 0
 * is below nsources.
 */
struct ssrd_sourcemap {
	char **sources;        /* sourceRoot-prefixed; NULL for a null entry */
	size_t nsources;       /* length of sources */
	struct segment *segs;  /* every segment of "mappings" */
	size_t          nsegs; /* length of segs */
};

/* What the top-level object holds. For a repeated key the last one wins. */
struct fields {
	int    version3; /* "version" is the number 3 */
	char  *root;     /* "sourceRoot", or NULL */
	char **sources;  /* "sources" entries, NULL for null ones */
	size_t nsources; /* length of sources */
	int    has_srcs; /* "sources" was seen */
	char  *maps;     /* "mappings", decoded; NULL until seen */
	size_t nmaps;    /* length of maps */
};

static void
free_sources(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i]);
	}
	free(v);
}

/* A "sources" array as it is read. */
struct source_list {
	char **v; /* entries so far, NULL for null ones */
	size_t n; /* length of v */
};

static int
hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	    : c >= 'a' && c <= 'f'  ? c - 'a' + 10
	    : c >= 'A' && c <= 'F'  ? c - 'A' + 10
	                            : -1;
}

/* Sources are URLs relative to the map: esbuild writes app/[id]/page.jsx as
 * app/%5Bid%5D/page.jsx. Decodes each %XX in place (not %00, which would cut
 * the name short), so stacks show the file's own name. */
static void
decode_url_path(char *s)
{
	char *w = s;
	for (const char *r = s; *r != '\0'; r++) {
		int hi, lo;
		if (r[0] == '%' && (hi = hex_digit(r[1])) >= 0
		    && (lo = hex_digit(r[2])) >= 0 && (hi | lo) != 0) {
			*w++ = (char) (hi * 16 + lo);
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* Appends one element of "sources", a string or null, to the list. */
static int
on_source(ssrd_json *j, size_t index, void *ctx)
{
	struct source_list *l = ctx;
	char              **nv;

	if ((nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL) {
		return SSRD_ENOMEM;
	}
	l->v       = nv;
	l->v[l->n] = NULL;
	if (!ssrd__json_is_null(j)) {
		int rc = ssrd__json_string_dup(j, &l->v[l->n], NULL);
		if (rc != SSRD_OK) {
			return rc;
		}
		decode_url_path(l->v[l->n]);
	}
	l->n++;
	return SSRD_OK;
}

/* Reads an array of strings and nulls into f->sources. */
static int
read_sources(ssrd_json *j, struct fields *f)
{
	struct source_list l  = { NULL, 0 };
	int                rc = ssrd__json_array(j, on_source, &l);

	if (rc != SSRD_OK) {
		free_sources(l.v, l.n);
		return rc;
	}
	free_sources(f->sources, f->nsources);
	f->sources  = l.v;
	f->nsources = l.n;
	f->has_srcs = 1;
	return SSRD_OK;
}

#define KEY_IS(k) (keylen == sizeof(k) - 1 && memcmp(key, k, keylen) == 0)

static int
on_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct fields *f = ctx;

	if (KEY_IS("version")) {
		/* Written "3", as every tool writes it; 3.0 is not accepted. */
		(void) ssrd__json_peek(j);
		const char *start = j->p;
		int         rc    = ssrd__json_number(j, NULL);
		f->version3       = j->p - start == 1 && *start == '3';
		return rc;
	} else if (KEY_IS("sources")) {
		return read_sources(j, f);
	} else if (KEY_IS("sourceRoot")) {
		free(f->root);
		f->root = NULL;
		return ssrd__json_is_null(j)
		    ? SSRD_OK
		    : ssrd__json_string_dup(j, &f->root, NULL);
	} else if (KEY_IS("mappings")) {
		free(f->maps);
		f->maps = NULL;
		return ssrd__json_string_dup(j, &f->maps, &f->nmaps);
	}
	return ssrd__json_skip(j);
}

/* Decodes one base64 VLQ of at most 32 bits (sign included) at m[*i]. */
static int
vlq(const char *m, size_t n, size_t *i, int64_t *out)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqr"
	                          "stuvwxyz0123456789+/";
	uint64_t          v     = 0;
	const char       *d;

	for (unsigned shift = 0;; shift += 5) {
		if (*i >= n || shift > 30
		    || (d = memchr(b64, m[*i], 64)) == NULL) {
			return SSRD_EINVAL;
		}
		(*i)++;
		v |= (uint64_t) ((d - b64) & 31) << shift;
		if (!((d - b64) & 32)) {
			break;
		}
	}
	if (v >> 32) {
		return SSRD_EINVAL;
	}
	*out = (v & 1) ? -(int64_t) (v >> 1) : (int64_t) (v >> 1);
	return SSRD_OK;
}

static int
seg_less(const struct segment *a, const struct segment *b)
{
	return a->gen_line < b->gen_line
	    || (a->gen_line == b->gen_line && a->gen_col < b->gen_col);
}

/* A stable merge sort (qsort is not stable), using t as scratch space. */
static void
merge_sort(struct segment *a, struct segment *t, size_t n)
{
	size_t h = n / 2, i = 0, r = h, k = 0;

	if (n < 2) {
		return;
	}
	merge_sort(a, t, h);
	merge_sort(a + h, t, n - h);
	while (i < h || r < n) {
		int left = r == n || (i < h && !seg_less(&a[r], &a[i]));
		t[k++]   = left ? a[i++] : a[r++];
	}
	memcpy(a, t, n * sizeof(*a));
}

#define IN_RANGE(v, lo, hi) ((v) >= (lo) && (v) <= (hi))

/*
 * Decodes "mappings" (n bytes at m) into map->segs. The generated column
 * restarts at 0 on each line (';'); the source index, original line and
 * original column (and the name index) are relative across the whole string.
 */
static int
decode_mappings(const char *m, size_t n, struct ssrd_sourcemap *map)
{
	int64_t line = 0, col = 0, src = 0, ol = 0, oc = 0, name = 0, v[5];
	size_t  cap = 1, i = 0;
	int     sorted = 1;

	for (size_t k = 0; k < n; k++) {
		cap += m[k] == ',' || m[k] == ';';
	}
	if ((map->segs = malloc(cap * sizeof(*map->segs))) == NULL) {
		return SSRD_ENOMEM;
	}
	while (i < n) {
		if (m[i] == ',' || m[i] == ';') {
			if (m[i++] == ';') {
				col = 0;
				if (++line > INT32_MAX) {
					return SSRD_EINVAL;
				}
			}
			continue;
		}
		int nf = 0;
		while (i < n && m[i] != ',' && m[i] != ';') {
			if (nf == 5 || vlq(m, n, &i, &v[nf++]) != SSRD_OK) {
				return SSRD_EINVAL;
			}
		}
		col += v[0];
		if ((nf != 1 && nf != 4 && nf != 5)
		    || !IN_RANGE(col, 0, INT32_MAX)) {
			return SSRD_EINVAL;
		}
		struct segment *s = &map->segs[map->nsegs++];
		s->gen_line       = (int32_t) line;
		s->gen_col        = (int32_t) col;
		s->src            = -1;
		if (nf >= 4) {
			src += v[1];
			ol += v[2];
			oc += v[3];
			name += nf == 5 ? v[4] : 0;
			if (!IN_RANGE(src, 0, (int64_t) map->nsources - 1)
			    || !IN_RANGE(ol, 0, INT32_MAX - 1)
			    || !IN_RANGE(oc, 0, INT32_MAX - 1)
			    || !IN_RANGE(name, 0, INT32_MAX)) {
				return SSRD_EINVAL;
			}
			s->src = (int32_t) src;
		}
		s->line = (int32_t) ol; /* only read when src >= 0 */
		s->col  = (int32_t) oc;
		sorted  = sorted && (s == map->segs || !seg_less(s, s - 1));
	}
	if (!sorted) {
		struct segment *t = malloc(map->nsegs * sizeof(*t));
		if (t == NULL) {
			return SSRD_ENOMEM;
		}
		merge_sort(map->segs, t, map->nsegs);
		free(t);
	}
	return SSRD_OK;
}

/*
 * Prefixes every source with root, putting a '/' between them unless root
 * ends with one (as browsers and mozilla/source-map do).
 */
static int
apply_root(char **sources, size_t n, const char *root)
{
	size_t rlen = strlen(root);
	size_t sep  = rlen > 0 && root[rlen - 1] != '/';

	for (size_t i = 0; rlen > 0 && i < n; i++) {
		if (sources[i] == NULL) {
			continue;
		}
		size_t slen = strlen(sources[i]);
		char  *p    = malloc(rlen + sep + slen + 1);
		if (p == NULL) {
			return SSRD_ENOMEM;
		}
		memcpy(p, root, rlen);
		p[rlen] = '/';
		memcpy(p + rlen + sep, sources[i], slen + 1);
		free(sources[i]);
		sources[i] = p;
	}
	return SSRD_OK;
}

int
ssrd__sourcemap_parse(const char *json, size_t len, ssrd_sourcemap **out)
{
	ssrd_json              j;
	struct fields          f = { 0 };
	struct ssrd_sourcemap *map;
	int                    rc;

	if ((json == NULL && len > 0) || out == NULL) {
		return SSRD_EINVAL;
	} else if ((map = calloc(1, sizeof(*map))) == NULL) {
		return SSRD_ENOMEM;
	}
	ssrd__json_init(&j, json, len);
	rc            = ssrd__json_object(&j, on_member, &f);
	map->sources  = f.sources; /* from here on freed with map */
	map->nsources = f.nsources;
	if (rc == SSRD_OK
	    && (ssrd__json_end(&j) != SSRD_OK || !f.version3 || !f.has_srcs
	        || f.maps == NULL)) {
		rc = SSRD_EINVAL; /* trailing text, or a key missing */
	}
	if (rc == SSRD_OK && f.root != NULL) {
		rc = apply_root(map->sources, map->nsources, f.root);
	}
	if (rc == SSRD_OK) {
		rc = decode_mappings(f.maps, f.nmaps, map);
	}
	free(f.maps);
	free(f.root);
	if (rc != SSRD_OK) {
		ssrd__sourcemap_free(map);
		return rc;
	}
	*out = map;
	return SSRD_OK;
}

int
ssrd__sourcemap_lookup(const ssrd_sourcemap *map, int line, int column,
    const char **source, int *src_line, int *src_column)
{
	if (map == NULL || line < 1 || column < 1) {
		return SSRD_ENOENT;
	}
	struct segment key = { line - 1, column - 1, 0, 0, 0 };
	size_t         lo = 0, hi = map->nsegs;

	/* Find the first segment after key; the answer is the one before. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (seg_less(&key, &map->segs[mid])) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	const struct segment *s = lo > 0 ? &map->segs[lo - 1] : NULL;
	if (s == NULL || s->gen_line != key.gen_line || s->src < 0
	    || map->sources[s->src] == NULL) {
		return SSRD_ENOENT;
	}
	*source     = map->sources[s->src];
	*src_line   = s->line + 1;
	*src_column = s->col + 1;
	return SSRD_OK;
}

size_t
ssrd__sourcemap_source_count(const ssrd_sourcemap *map)
{
	return map != NULL ? map->nsources : 0;
}

void
ssrd__sourcemap_free(ssrd_sourcemap *map)
{
	if (map != NULL) {
		free_sources(map->sources, map->nsources);
		free(map->segs);
		free(map);
	}
}
