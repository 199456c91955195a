/* report_text.c: the diagnose report as text in redis's INFO shape: "# Name",
 * key:value lines, then a table with a header row and aligned columns. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diag/report.h"

/* Between two columns of a table. */
#define GAP "  "

static void
bytes(ssrd_strbuf *b, double v)
{
	double a = fabs(v);
	if (a < 1024) {
		ssrd__strbuf_printf(b, "%.0fB", v);
	} else if (a < 1048576.0) {
		ssrd__strbuf_printf(b, "%.1fK", v / 1024);
	} else if (a < 1073741824.0) {
		ssrd__strbuf_printf(b, "%.1fM", v / 1048576.0);
	} else {
		ssrd__strbuf_printf(b, "%.2fG", v / 1073741824.0);
	}
}

/* Appends s with control characters escaped (a newline as \n, the others as
 * \xHH), so a value stays on its line. */
static void
str(ssrd_strbuf *b, const char *s)
{
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char) *p;
		if (c == '\n') {
			ssrd__strbuf_puts(b, "\\n");
		} else if (c < 0x20 || c == 0x7f) {
			ssrd__strbuf_printf(b, "\\x%02x", c);
		} else {
			ssrd__strbuf_append(b, p, 1);
		}
	}
}

/* Appends v as text: bytes human-readable, NUM with c's precision, a
 * histogram as p50/p99, JSON in its text form, strings escaped. */
static void
value(ssrd_strbuf *b, const ssrd_col *c, const ssrd_rv *v)
{
	switch (v->kind) {
	case SSRD_RV_INT:
		if (c->unit == SSRD_UNIT_BYTES) {
			bytes(b, (double) v->i);
		} else {
			ssrd__strbuf_printf(b, "%" PRId64, v->i);
		}
		break;
	case SSRD_RV_NUM:
		if (c->unit == SSRD_UNIT_BYTES) {
			bytes(b, v->d);
		} else {
			ssrd__strbuf_printf(b, "%.*f", c->prec, v->d);
		}
		break;
	case SSRD_RV_STR:
		str(b, v->s);
		break;
	case SSRD_RV_JSON:
		str(b, v->text ? v->text : v->s);
		break;
	case SSRD_RV_HIST:
		ssrd__strbuf_printf(b, "%.*f/%.*f", c->prec,
		    ssrd__hist_quantile(v->h, 0.5), c->prec,
		    ssrd__hist_quantile(v->h, 0.99));
		break;
	default:
		ssrd__strbuf_puts(b, "-");
	}
}

/* The width of UTF-8 text on a terminal, taking each code point as one. */
static size_t
width(const char *s, size_t len)
{
	size_t w = 0;
	for (size_t i = 0; i < len; i++) {
		w += ((unsigned char) s[i] & 0xC0) != 0x80;
	}
	return w;
}

/* Whether column c is numbers (right-aligned): its first value says. */
static int
numeric(const ssrd_table *t, size_t c)
{
	for (size_t r = 0; r < t->nrows; r++) {
		int k = t->vals[r * t->ncols + c].kind;
		if (k != SSRD_RV_NONE) {
			return k == SSRD_RV_INT || k == SSRD_RV_NUM
			    || k == SSRD_RV_HIST;
		}
	}
	return 0;
}

/* Appends s padded to w, on the right or, right-aligned, on the left; the
 * last column is not padded on the right. */
static void
pad(ssrd_strbuf *b, const char *s, size_t len, size_t w, int right, int last)
{
	size_t n = width(s, len);
	for (size_t i = n; right && i < w; i++) {
		ssrd__strbuf_puts(b, " ");
	}
	ssrd__strbuf_append(b, s, len);
	for (size_t i = n; !right && !last && i < w; i++) {
		ssrd__strbuf_puts(b, " ");
	}
}

/* Writes row r of t (r == t->nrows: the header), the n columns in cols[]. */
static void
line(ssrd_strbuf *b, const ssrd_table *t, size_t r, const size_t *cols,
    size_t n, const size_t *w, const int *right, ssrd_strbuf *scratch)
{
	for (size_t i = 0; i < n; i++) {
		size_t c     = cols[i];
		scratch->len = 0;
		if (r == t->nrows) {
			ssrd__strbuf_puts(scratch, t->cols[c].key);
		} else {
			value(scratch, &t->cols[c], &t->vals[r * t->ncols + c]);
		}
		if (i > 0) {
			ssrd__strbuf_puts(b, GAP);
		}
		pad(b, scratch->ptr ? scratch->ptr : "", scratch->len, w[c],
		    right[c], i + 1 == n);
	}
	ssrd__strbuf_puts(b, "\n");
}

/* Each column's width and alignment, into w[] and right[]. */
static void
measure(const ssrd_table *t, size_t *w, int *right, ssrd_strbuf *scratch)
{
	for (size_t c = 0; c < t->ncols; c++) {
		right[c] = numeric(t, c);
		w[c]     = width(t->cols[c].key, strlen(t->cols[c].key));
		for (size_t r = 0; r < t->nrows; r++) {
			scratch->len = 0;
			value(scratch, &t->cols[c], &t->vals[r * t->ncols + c]);
			size_t n = width(scratch->ptr, scratch->len);
			w[c]     = n > w[c] ? n : w[c];
		}
	}
}

/*
 * Writes t: a header row, then its rows. A column flagged SSRD_COL_BREAK
 * starts a new table below, which repeats the label columns before it (the
 * worker, the layer) so each row still says what it is about.
 */
static void
table(ssrd_strbuf *b, const ssrd_table *t)
{
	size_t     *w       = calloc(t->ncols, sizeof(*w));
	int        *right   = calloc(t->ncols, sizeof(*right));
	size_t     *cols    = calloc(t->ncols, sizeof(*cols));
	ssrd_strbuf scratch = { 0 };
	if (w == NULL || right == NULL || cols == NULL) {
		b->failed = 1;
		goto out;
	}
	measure(t, w, right, &scratch);
	for (size_t from = 0, to; from < t->ncols; from = to) {
		size_t n = 0;
		for (size_t c = 0; c < from; c++) {
			if (t->cols[c].flags & SSRD_COL_LABEL) {
				cols[n++] = c;
			}
		}
		for (to = from; to < t->ncols; to++) {
			if (to > from && (t->cols[to].flags & SSRD_COL_BREAK)) {
				break;
			}
			cols[n++] = to;
		}
		if (from > 0) {
			ssrd__strbuf_puts(b, "\n");
		}
		line(b, t, t->nrows, cols, n, w, right, &scratch);
		for (size_t r = 0; r < t->nrows; r++) {
			line(b, t, r, cols, n, w, right, &scratch);
		}
	}
out:
	ssrd__strbuf_free(&scratch);
	free(w);
	free(right);
	free(cols);
}

static void
section(ssrd_strbuf *b, const ssrd_section *s)
{
	ssrd__strbuf_printf(b, "# %s\n", s->name);
	if (s->absent) {
		ssrd__strbuf_puts(b, "(off)\n");
		return;
	}
	for (size_t i = 0; i < s->nfields; i++) {
		ssrd__strbuf_printf(b, "%s:", s->fcols[i].key);
		value(b, &s->fcols[i], &s->fvals[i]);
		ssrd__strbuf_puts(b, "\n");
	}
	if (s->table != NULL) {
		if (s->nfields > 0) {
			ssrd__strbuf_puts(b, "\n");
		}
		table(b, s->table);
	}
}

void
ssrd__report_text(const ssrd_report *r, ssrd_strbuf *b)
{
	for (size_t k = 0; k < r->n; k++) {
		if (k > 0) {
			ssrd__strbuf_puts(b, "\n");
		}
		section(b, &r->sections[k]);
	}
}
