/* sourcemap.c implements sourcemap.h: Source Map v3 parsing and lookup. */
#include "sourcemap.h"

#include <ssrd/errors.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Deeper JSON nesting is rejected, so skipping cannot exhaust the stack. */
#define MAX_DEPTH 256

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

/* A cursor over len bytes of JSON text; pos never passes len. */
struct json {
	const char *s;
	size_t      len;
	size_t      pos;
};

/* Skips whitespace; returns the next byte (not consumed), or -1 at the end. */
static int
json_peek(struct json *j)
{
	while (j->pos < j->len && memchr(" \t\n\r", j->s[j->pos], 4) != NULL) {
		j->pos++;
	}
	return j->pos < j->len ? (unsigned char) j->s[j->pos] : -1;
}

/* Consumes c if it comes next, after any whitespace; returns whether it did. */
static int
json_eat(struct json *j, int c)
{
	if (json_peek(j) != c) {
		return 0;
	}
	j->pos++;
	return 1;
}

/* Appends byte c to buf if it has room; *n counts bytes either way. */
static void
put(char *buf, size_t cap, size_t *n, uint32_t c)
{
	if (buf != NULL && *n < cap) {
		buf[*n] = (char) c;
	}
	(*n)++;
}

static void
put_utf8(char *buf, size_t cap, size_t *n, uint32_t cp)
{
	static const uint8_t lead[] = { 0x00, 0xC0, 0xE0, 0xF0 };
	int k = cp < 0x80 ? 0 : cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3;

	put(buf, cap, n, lead[k] | (cp >> (6 * k)));
	while (k-- > 0) {
		put(buf, cap, n, 0x80 | ((cp >> (6 * k)) & 0x3F));
	}
}

static int
json_hex4(struct json *j, uint32_t *out)
{
	if (j->len - j->pos < 4) {
		return SSRD_EINVAL;
	}
	*out = 0;
	for (int k = 0; k < 4; k++) {
		int c = (unsigned char) j->s[j->pos++], d;
		if (c >= '0' && c <= '9') {
			d = c - '0';
		} else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
			d = (c | 0x20) - 'a' + 10;
		} else {
			return SSRD_EINVAL;
		}
		*out = (*out << 4) | (uint32_t) d;
	}
	return SSRD_OK;
}

/*
 * Reads the string at the cursor, writing at most cap bytes of its decoded
 * UTF-8 to buf (which may be NULL) and the full decoded length to *n, which
 * is never more than the raw length. Lone surrogates become U+FFFD.
 */
static int
json_string(struct json *j, char *buf, size_t cap, size_t *n)
{
	static const char esc_in[]  = "\"\\/bfnrt",
	                  esc_out[] = "\"\\/\b\f\n\r\t";

	*n = 0;
	if (!json_eat(j, '"')) {
		return SSRD_EINVAL;
	}
	while (j->pos < j->len) {
		uint8_t     c = (uint8_t) j->s[j->pos++];
		const char *e;
		uint32_t    cp, lo;
		if (c == '"') {
			return SSRD_OK;
		} else if (c < 0x20) {
			return SSRD_EINVAL;
		} else if (c != '\\') {
			put(buf, cap, n, c);
			continue;
		} else if (j->pos >= j->len) {
			return SSRD_EINVAL;
		}
		c = (uint8_t) j->s[j->pos++];
		if ((e = memchr(esc_in, c, 8)) != NULL) {
			put(buf, cap, n, (uint8_t) esc_out[e - esc_in]);
			continue;
		}
		if (c != 'u' || json_hex4(j, &cp) != SSRD_OK) {
			return SSRD_EINVAL;
		}
		if (cp >= 0xD800 && cp <= 0xDBFF && j->len - j->pos >= 6
		    && j->s[j->pos] == '\\' && j->s[j->pos + 1] == 'u') {
			j->pos += 2;
			if (json_hex4(j, &lo) != SSRD_OK) {
				return SSRD_EINVAL;
			}
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10)
				    + (lo - 0xDC00);
			} else {
				/* Not a pair: read the second on its own. */
				j->pos -= 6;
			}
		}
		if (cp >= 0xD800 && cp <= 0xDFFF) {
			cp = 0xFFFD; /* a lone surrogate */
		}
		put_utf8(buf, cap, n, cp);
	}
	return SSRD_EINVAL; /* unterminated */
}

/* Reads the string at the cursor into a new NUL-terminated buffer. */
static int
json_string_dup(struct json *j, char **out, size_t *len)
{
	size_t start = j->pos;
	int    rc    = json_string(j, NULL, 0, len);
	if (rc != SSRD_OK) {
		return rc;
	}
	if ((*out = malloc(*len + 1)) == NULL) {
		return SSRD_ENOMEM;
	}
	j->pos = start;
	(void) json_string(j, *out, *len, len);
	(*out)[*len] = '\0';
	return SSRD_OK;
}

/* Consumes a run of digits; returns how many there were. */
static size_t
json_digits(struct json *j)
{
	size_t start = j->pos;
	while (j->pos < j->len && j->s[j->pos] >= '0' && j->s[j->pos] <= '9') {
		j->pos++;
	}
	return j->pos - start;
}

static int
json_number(struct json *j)
{
	size_t start;

	j->pos += j->pos < j->len && j->s[j->pos] == '-';
	start = j->pos;
	if (json_digits(j) == 0 || (j->s[start] == '0' && j->pos - start > 1)) {
		return SSRD_EINVAL; /* no digits, or a leading zero */
	}
	if (j->pos < j->len && j->s[j->pos] == '.') {
		j->pos++;
		if (json_digits(j) == 0) {
			return SSRD_EINVAL;
		}
	}
	if (j->pos < j->len && (j->s[j->pos] | 0x20) == 'e') {
		j->pos++;
		j->pos += j->pos < j->len
		    && (j->s[j->pos] == '+' || j->s[j->pos] == '-');
		return json_digits(j) > 0 ? SSRD_OK : SSRD_EINVAL;
	}
	return SSRD_OK;
}

/*
 * Called for each member of an object with the decoded key (its first 16
 * bytes; keylen is the full length) and the cursor on the value, which it
 * must consume.
 */
typedef int (*member_fn)(struct json *, const char *, size_t, void *);

static int json_value(struct json *j, int depth);

/* Reads an object, handing members to on_member, or skipping them if NULL. */
static int
json_object(struct json *j, int depth, member_fn on_member, void *ctx)
{
	char   key[16];
	size_t keylen;
	int    rc;

	if (depth > MAX_DEPTH || !json_eat(j, '{')) {
		return SSRD_EINVAL;
	} else if (json_eat(j, '}')) {
		return SSRD_OK;
	}
	do {
		if ((rc = json_string(j, key, sizeof(key), &keylen))
		    != SSRD_OK) {
			return rc;
		} else if (!json_eat(j, ':')) {
			return SSRD_EINVAL;
		}
		rc = on_member != NULL ? on_member(j, key, keylen, ctx)
		                       : json_value(j, depth + 1);
		if (rc != SSRD_OK) {
			return rc;
		}
	} while (json_eat(j, ','));
	return json_eat(j, '}') ? SSRD_OK : SSRD_EINVAL;
}

/* Skips any JSON value. */
static int
json_value(struct json *j, int depth)
{
	static const char *lits[] = { "true", "false", "null" };
	int                c      = json_peek(j), rc;
	size_t             n;

	if (depth > MAX_DEPTH) {
		return SSRD_EINVAL;
	} else if (c == '{') {
		return json_object(j, depth, NULL, NULL);
	} else if (c == '"') {
		return json_string(j, NULL, 0, &n);
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		return json_number(j);
	} else if (json_eat(j, '[')) {
		if (json_eat(j, ']')) {
			return SSRD_OK;
		}
		do {
			if ((rc = json_value(j, depth + 1)) != SSRD_OK) {
				return rc;
			}
		} while (json_eat(j, ','));
		return json_eat(j, ']') ? SSRD_OK : SSRD_EINVAL;
	}
	for (int i = 0; i < 3; i++) {
		n = strlen(lits[i]);
		if (j->len - j->pos >= n
		    && memcmp(j->s + j->pos, lits[i], n) == 0) {
			j->pos += n;
			return SSRD_OK;
		}
	}
	return SSRD_EINVAL;
}

/* What the top-level object holds. For a repeated key the last one wins. */
struct fields {
	int    version3; /* "version" is the number 3 */
	char  *root;     /* "sourceRoot", or NULL */
	char **sources;  /* "sources" entries, NULL for null ones */
	size_t nsources; /* length of sources */
	int    has_srcs; /* "sources" was seen */
	size_t mappings; /* cursor position of the "mappings" string */
	int    has_maps; /* "mappings" was seen */
};

static void
free_sources(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i]);
	}
	free(v);
}

/* Reads an array of strings and nulls into f->sources. */
static int
read_sources(struct json *j, struct fields *f)
{
	char **v  = NULL, **nv;
	size_t n  = 0, len;
	int    rc = SSRD_OK;

	if (!json_eat(j, '[')) {
		return SSRD_EINVAL;
	}
	if (!json_eat(j, ']')) {
		do {
			if ((nv = realloc(v, (n + 1) * sizeof(*v))) == NULL) {
				rc = SSRD_ENOMEM;
				break;
			}
			v    = nv;
			v[n] = NULL;
			rc   = json_peek(j) == 'n'
			      ? json_value(j, 1)
			      : json_string_dup(j, &v[n], &len);
			if (rc != SSRD_OK) {
				break;
			}
			n++;
		} while (json_eat(j, ','));
		if (rc == SSRD_OK && !json_eat(j, ']')) {
			rc = SSRD_EINVAL;
		}
	}
	if (rc != SSRD_OK) {
		free_sources(v, n);
		return rc;
	}
	free_sources(f->sources, f->nsources);
	f->sources  = v;
	f->nsources = n;
	f->has_srcs = 1;
	return SSRD_OK;
}

#define KEY_IS(k) (keylen == sizeof(k) - 1 && memcmp(key, k, keylen) == 0)

static int
on_member(struct json *j, const char *key, size_t keylen, void *ctx)
{
	struct fields *f     = ctx;
	int            c     = json_peek(j);
	size_t         start = j->pos, n;

	if (KEY_IS("version")) {
		/* Written "3", as every tool writes it; 3.0 is not accepted. */
		if (c != '-' && (c < '0' || c > '9')) {
			return SSRD_EINVAL;
		}
		int rc      = json_number(j);
		f->version3 = j->pos - start == 1 && c == '3';
		return rc;
	} else if (KEY_IS("sources")) {
		return read_sources(j, f);
	} else if (KEY_IS("sourceRoot")) {
		free(f->root);
		f->root = NULL;
		return c == 'n' ? json_value(j, 1)
		                : json_string_dup(j, &f->root, &n);
	} else if (KEY_IS("mappings")) {
		f->mappings = start;
		f->has_maps = 1;
		return json_string(j, NULL, 0, &n);
	}
	return json_value(j, 1);
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
	struct json            j = { json, len, 0 };
	struct fields          f = { 0 };
	struct ssrd_sourcemap *map;
	char                  *maps = NULL;
	size_t                 nmaps;
	int                    rc;

	if ((json == NULL && len > 0) || out == NULL) {
		return SSRD_EINVAL;
	} else if ((map = calloc(1, sizeof(*map))) == NULL) {
		return SSRD_ENOMEM;
	}
	rc            = json_object(&j, 0, on_member, &f);
	map->sources  = f.sources; /* from here on freed with map */
	map->nsources = f.nsources;
	if (rc == SSRD_OK
	    && (json_peek(&j) != -1 || !f.version3 || !f.has_srcs
	        || !f.has_maps)) {
		rc = SSRD_EINVAL; /* trailing text, or a key missing */
	}
	if (rc == SSRD_OK && f.root != NULL) {
		rc = apply_root(map->sources, map->nsources, f.root);
	}
	if (rc == SSRD_OK) {
		j.pos = f.mappings;
		rc    = json_string_dup(&j, &maps, &nmaps);
	}
	if (rc == SSRD_OK) {
		rc = decode_mappings(maps, nmaps, map);
	}
	free(maps);
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
