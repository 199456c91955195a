/* report.c: building and freeing the diagnose report's model (report.h);
 * the renderers are in report_text.c, report_json.c and report_prom.c. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "diag/report.h"

ssrd_rv
ssrd__rv_int(int64_t i)
{
	return (ssrd_rv) { .kind = SSRD_RV_INT, .i = i };
}

ssrd_rv
ssrd__rv_num(double d)
{
	return (ssrd_rv) { .kind = SSRD_RV_NUM, .d = d };
}

ssrd_rv
ssrd__rv_str(const char *s)
{
	ssrd_rv v = { .kind = SSRD_RV_STR, .s = strdup(s) };
	if (v.s == NULL) {
		v.kind = SSRD_RV_NONE;
	}
	return v;
}

ssrd_rv
ssrd__rv_json(const char *json, const char *text)
{
	ssrd_rv v = { .kind = SSRD_RV_JSON, .s = strdup(json) };
	if (text != NULL) {
		v.text = strdup(text);
	}
	if (v.s == NULL || (text != NULL && v.text == NULL)) {
		free(v.s);
		free(v.text);
		return (ssrd_rv) { .kind = SSRD_RV_NONE };
	}
	return v;
}

ssrd_rv
ssrd__rv_hist(const ssrd_hist *h)
{
	ssrd_rv v = { .kind = SSRD_RV_HIST, .h = malloc(sizeof(*h)) };
	if (v.h == NULL) {
		return (ssrd_rv) { .kind = SSRD_RV_NONE };
	}
	*v.h = *h;
	return v;
}

static void
rv_free(ssrd_rv *v)
{
	free(v->s);
	free(v->text);
	free(v->h);
	*v = (ssrd_rv) { .kind = SSRD_RV_NONE };
}

/* Makes room for one more of n items of size in *arr (capacity *cap).
 * Returns 0, or -1 when out of memory (nothing changed). */
static int
grow(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap) {
		return 0;
	}
	size_t want = *cap ? *cap * 2 : 8;
	void  *p    = realloc(*arr, want * size);
	if (p == NULL) {
		return -1;
	}
	*arr = p;
	*cap = want;
	return 0;
}

ssrd_section *
ssrd__report_section(ssrd_report *r, const char *name, const char *key)
{
	if (grow((void **) &r->sections, &r->cap, r->n, sizeof(ssrd_section))
	    != 0) {
		return NULL;
	}
	ssrd_section *s = &r->sections[r->n++];
	*s              = (ssrd_section) { .name = name, .key = key };
	return s;
}

void
ssrd__section_field(ssrd_section *s, const ssrd_col *c, ssrd_rv v)
{
	if (s == NULL) {
		rv_free(&v);
		return;
	}
	char *key = strdup(c->key);
	if (key != NULL && s->nfields == s->fcap) {
		/* both arrays hold fcap; one grown alone is merely roomier */
		size_t    want = s->fcap ? s->fcap * 2 : 8;
		ssrd_col *cols = realloc(s->fcols, want * sizeof(*cols));
		if (cols != NULL) {
			s->fcols = cols;
		}
		ssrd_rv *vals
		    = cols ? realloc(s->fvals, want * sizeof(*vals)) : NULL;
		if (vals != NULL) {
			s->fvals = vals;
			s->fcap  = want;
		}
	}
	if (key == NULL || s->nfields == s->fcap) {
		free(key);
		rv_free(&v);
		return;
	}
	s->fcols[s->nfields]     = *c;
	s->fcols[s->nfields].key = key;
	s->fvals[s->nfields++]   = v;
}

ssrd_table *
ssrd__section_table(ssrd_section *s, const char *key, int keyed,
    const ssrd_col *cols, size_t ncols)
{
	if (s == NULL || s->table != NULL) {
		return NULL;
	}
	s->table = calloc(1, sizeof(*s->table));
	if (s->table != NULL) {
		*s->table = (ssrd_table) {
			.key = key, .keyed = keyed, .cols = cols, .ncols = ncols
		};
	}
	return s->table;
}

ssrd_rv *
ssrd__table_row(ssrd_table *t)
{
	if (t == NULL) {
		return NULL;
	}
	if (t->nrows == t->cap) {
		size_t   want = t->cap ? t->cap * 2 : 8;
		ssrd_rv *p
		    = realloc(t->vals, want * t->ncols * sizeof(ssrd_rv));
		if (p == NULL) {
			return NULL;
		}
		t->vals = p;
		t->cap  = want;
	}
	ssrd_rv *row = &t->vals[t->nrows++ * t->ncols];
	memset(row, 0, t->ncols * sizeof(*row));
	return row;
}

void
ssrd__report_free(ssrd_report *r)
{
	for (size_t k = 0; k < r->n; k++) {
		ssrd_section *s = &r->sections[k];
		for (size_t i = 0; i < s->nfields; i++) {
			free((char *) s->fcols[i].key);
			rv_free(&s->fvals[i]);
		}
		free(s->fcols);
		free(s->fvals);
		if (s->table != NULL) {
			size_t n = s->table->nrows * s->table->ncols;
			for (size_t i = 0; i < n; i++) {
				rv_free(&s->table->vals[i]);
			}
			free(s->table->vals);
			free(s->table);
		}
	}
	free(r->sections);
	*r = (ssrd_report) { 0 };
}
