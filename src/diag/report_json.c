/* report_json.c: the diagnose report as one JSON object: sections as keys,
 * tables as arrays (or objects keyed by their first column), dotted field
 * keys as nested objects. */
#define _GNU_SOURCE
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "diag/report.h"

/* The deepest a dotted key nests. */
#define NEST_MAX 8

static void
num(ssrd_strbuf *b, double d)
{
	if (isfinite(d)) {
		ssrd__strbuf_printf(b, "%.3f", d);
	} else {
		ssrd__strbuf_puts(b, "null");
	}
}

static void
value(ssrd_strbuf *b, const ssrd_rv *v)
{
	switch (v->kind) {
	case SSRD_RV_INT:
		ssrd__strbuf_printf(b, "%" PRId64, v->i);
		break;
	case SSRD_RV_NUM:
		num(b, v->d);
		break;
	case SSRD_RV_STR:
		ssrd__strbuf_json_string(b, v->s, strlen(v->s));
		break;
	case SSRD_RV_JSON:
		ssrd__strbuf_puts(b, v->s);
		break;
	case SSRD_RV_HIST:
		ssrd__strbuf_puts(b, "{\"p50\":");
		num(b, ssrd__hist_quantile(v->h, 0.5));
		ssrd__strbuf_puts(b, ",\"p99\":");
		num(b, ssrd__hist_quantile(v->h, 0.99));
		ssrd__strbuf_puts(b, ",\"max\":");
		num(b, v->h->max);
		ssrd__strbuf_puts(b, ",\"mean\":");
		num(b, v->h->n ? v->h->sum / (double) v->h->n : 0);
		ssrd__strbuf_puts(b, "}");
		break;
	default:
		ssrd__strbuf_puts(b, "null");
	}
}

/* The length of the first dot-separated component of s[0..len). */
static size_t
comp(const char *s, size_t len)
{
	const char *dot = memchr(s, '.', len);
	return dot ? (size_t) (dot - s) : len;
}

/* Moves *s and *len past a component of length c and its dot. */
static void
skip(const char **s, size_t *len, size_t c)
{
	size_t by = c < *len ? c + 1 : c;
	*s += by;
	*len -= by;
}

/* A member's key, after a comma unless it is the first of its object. */
static void
member(ssrd_strbuf *b, int *first, const char *key, size_t len)
{
	if (!*first) {
		ssrd__strbuf_puts(b, ",");
	}
	*first = 0;
	ssrd__strbuf_json_string(b, key, len);
	ssrd__strbuf_puts(b, ":");
}

/*
 * Writes fields [from, n) as members of the object open in b; first says
 * no member is written in it yet, and is updated. Fields whose keys share
 * a dotted prefix ("heap.used", "heap.total") go in one nested object, so
 * they must be adjacent.
 */
static void
members(ssrd_strbuf *b, const ssrd_col *cols, const ssrd_rv *vals, size_t from,
    size_t n, int *first)
{
	const char *dir    = ""; /* the open objects' path: depth components */
	size_t      dirlen = 0;
	int         depth  = 0;
	int         firsts[NEST_MAX + 1];
	firsts[0] = *first;
	for (size_t i = from; i < n; i++) {
		const char *key = cols[i].key;
		const char *dot = strrchr(key, '.');
		size_t      len = dot ? (size_t) (dot - key) : 0;
		/* keep the objects both paths share, close the others */
		const char *a = dir, *k = key;
		size_t      la = dirlen, lk = len;
		int         keep = 0;
		while (keep < depth && lk > 0) {
			size_t ca = comp(a, la), ck = comp(k, lk);
			if (ca != ck || memcmp(a, k, ca) != 0) {
				break;
			}
			skip(&a, &la, ca);
			skip(&k, &lk, ck);
			keep++;
		}
		for (; depth > keep; depth--) {
			ssrd__strbuf_puts(b, "}");
		}
		/* open the rest of key's path */
		while (lk > 0 && depth < NEST_MAX) {
			size_t ck = comp(k, lk);
			member(b, &firsts[depth], k, ck);
			ssrd__strbuf_puts(b, "{");
			firsts[++depth] = 1;
			skip(&k, &lk, ck);
		}
		assert(lk == 0);
		const char *leaf = dot ? dot + 1 : key;
		member(b, &firsts[depth], leaf, strlen(leaf));
		value(b, &vals[i]);
		dir    = key;
		dirlen = len;
	}
	for (; depth > 0; depth--) {
		ssrd__strbuf_puts(b, "}");
	}
	*first = firsts[0];
}

/* A keyed table's key for row: its first value as a string. */
static void
row_key(ssrd_strbuf *b, const ssrd_rv *v)
{
	if (v->kind == SSRD_RV_STR) {
		ssrd__strbuf_json_string(b, v->s, strlen(v->s));
	} else if (v->kind == SSRD_RV_INT) {
		ssrd__strbuf_printf(b, "\"%" PRId64 "\"", v->i);
	} else {
		ssrd__strbuf_puts(b, "\"\"");
	}
}

static void
table(ssrd_strbuf *b, const ssrd_table *t, int *first)
{
	member(b, first, t->key, strlen(t->key));
	ssrd__strbuf_puts(b, t->keyed ? "{" : "[");
	for (size_t r = 0; r < t->nrows; r++) {
		const ssrd_rv *row = &t->vals[r * t->ncols];
		int            f   = 1;
		if (r > 0) {
			ssrd__strbuf_puts(b, ",");
		}
		if (t->keyed) {
			row_key(b, &row[0]);
			ssrd__strbuf_puts(b, ":");
		}
		ssrd__strbuf_puts(b, "{");
		members(b, t->cols, row, t->keyed ? 1 : 0, t->ncols, &f);
		ssrd__strbuf_puts(b, "}");
	}
	ssrd__strbuf_puts(b, t->keyed ? "}" : "]");
}

/* Writes s's members into the object open in b (first as in members()). */
static void
section(ssrd_strbuf *b, const ssrd_section *s, int *first)
{
	if (s->key != NULL) {
		member(b, first, s->key, strlen(s->key));
		if (s->absent) {
			ssrd__strbuf_puts(b, "null");
			return;
		}
		int f = 1;
		ssrd__strbuf_puts(b, "{");
		members(b, s->fcols, s->fvals, 0, s->nfields, &f);
		if (s->table != NULL) {
			table(b, s->table, &f);
		}
		ssrd__strbuf_puts(b, "}");
		return;
	}
	if (s->absent) {
		return;
	}
	members(b, s->fcols, s->fvals, 0, s->nfields, first);
	if (s->table != NULL) {
		table(b, s->table, first);
	}
}

void
ssrd__report_json(const ssrd_report *r, ssrd_strbuf *b)
{
	int first = 1;
	ssrd__strbuf_puts(b, "{");
	for (size_t k = 0; k < r->n; k++) {
		section(b, &r->sections[k], &first);
	}
	ssrd__strbuf_puts(b, "}\n");
}
