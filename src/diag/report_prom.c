/* report_prom.c: the diagnose report in Prometheus's text exposition format
 * 0.0.4: every field with a metric, its row's label fields as labels. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "diag/report.h"

/* A label: name="value", with \ " and newline escaped. */
static void
label(ssrd_strbuf *b, const char *name, const ssrd_rv *v)
{
	ssrd__strbuf_printf(b, "%s=\"", name);
	if (v->kind == SSRD_RV_INT) {
		ssrd__strbuf_printf(b, "%" PRId64, v->i);
	}
	for (const char *p = v->kind == SSRD_RV_STR ? v->s : ""; *p; p++) {
		if (*p == '\\' || *p == '"') {
			ssrd__strbuf_printf(b, "\\%c", *p);
		} else if (*p == '\n') {
			ssrd__strbuf_puts(b, "\\n");
		} else {
			ssrd__strbuf_append(b, p, 1);
		}
	}
	ssrd__strbuf_puts(b, "\"");
}

/* Appends to lab the labels of field c in row: the row's label fields, then
 * c's fixed labels, comma-separated. */
static void
labels(ssrd_strbuf *lab, const ssrd_col *cols, size_t ncols, const ssrd_rv *row,
    size_t c)
{
	for (size_t i = 0; i < ncols; i++) {
		if (cols[i].flags & SSRD_COL_LABEL) {
			if (lab->len > 0) {
				ssrd__strbuf_puts(lab, ",");
			}
			label(lab, cols[i].key, &row[i]);
		}
	}
	if (cols[c].labels != NULL) {
		if (lab->len > 0) {
			ssrd__strbuf_puts(lab, ",");
		}
		ssrd__strbuf_puts(lab, cols[c].labels);
	}
}

/* One sample line: name and suffix, the labels and extra (le="..."), the
 * value. */
static void
sample(ssrd_strbuf *b, const char *name, const char *suffix,
    const ssrd_strbuf *lab, const char *extra, const char *value)
{
	ssrd__strbuf_printf(b, "%s%s", name, suffix);
	if (lab->len > 0 || extra != NULL) {
		ssrd__strbuf_puts(b, "{");
		if (lab->len > 0) {
			ssrd__strbuf_append(b, lab->ptr, lab->len);
		}
		if (extra != NULL) {
			ssrd__strbuf_printf(
			    b, "%s%s", lab->len > 0 ? "," : "", extra);
		}
		ssrd__strbuf_puts(b, "}");
	}
	ssrd__strbuf_printf(b, " %s\n", value);
}

/* The exported buckets, ms: 1, 2.5 and 5 of each decade from 10 us to 50 s,
 * all of them bounds of the table's finer histogram. */
static int
exported(double ms)
{
	if (ms < 0.01 || ms > 50000) {
		return 0;
	}
	double m = ms;
	while (m >= 10) {
		m /= 10;
	}
	while (m < 1) {
		m *= 10;
	}
	return (m > 0.999 && m < 1.001) || (m > 2.499 && m < 2.501)
	    || (m > 4.999 && m < 5.001);
}

static void
histogram(ssrd_strbuf *b, const ssrd_col *c, const ssrd_hist *h,
    const ssrd_strbuf *lab, double scale)
{
	const double *bounds = ssrd__hist_bounds();
	uint64_t      cum    = 0;
	char          le[48], v[48];
	for (int i = 0; i < SSRD_HIST_BUCKETS - 1; i++) {
		cum += h->b[i];
		if (!exported(bounds[i])) {
			continue;
		}
		snprintf(le, sizeof(le), "le=\"%g\"", bounds[i] * scale);
		snprintf(v, sizeof(v), "%" PRIu64, cum);
		sample(b, c->metric, "_bucket", lab, le, v);
	}
	snprintf(v, sizeof(v), "%" PRIu64, h->n);
	sample(b, c->metric, "_bucket", lab, "le=\"+Inf\"", v);
	snprintf(v, sizeof(v), "%.15g", h->sum * scale);
	sample(b, c->metric, "_sum", lab, NULL, v);
	snprintf(v, sizeof(v), "%" PRIu64, h->n);
	sample(b, c->metric, "_count", lab, NULL, v);
}

/* The samples of field c in row. */
static void
field(ssrd_strbuf *b, const ssrd_col *cols, size_t ncols, const ssrd_rv *row,
    size_t c, ssrd_strbuf *lab)
{
	const ssrd_rv *v     = &row[c];
	double         scale = cols[c].unit == SSRD_UNIT_MS ? 0.001 : 1;
	char           s[48];
	lab->len = 0;
	labels(lab, cols, ncols, row, c);
	switch (v->kind) {
	case SSRD_RV_INT:
		if (scale == 1) {
			snprintf(s, sizeof(s), "%" PRId64, v->i);
		} else {
			snprintf(s, sizeof(s), "%.15g", (double) v->i * scale);
		}
		break;
	case SSRD_RV_NUM:
		snprintf(s, sizeof(s), "%.15g", v->d * scale);
		break;
	case SSRD_RV_HIST:
		if (strcmp(cols[c].type, "histogram") == 0) {
			histogram(b, &cols[c], v->h, lab, scale);
			return;
		}
		snprintf(s, sizeof(s), "%.15g", v->h->sum * scale);
		break;
	default:
		return; /* strings are labels, not samples */
	}
	sample(b, cols[c].metric, "", lab, NULL, s);
}

/* Whether a field before c has c's metric (its family is written). */
static int
seen(const ssrd_col *cols, size_t c)
{
	for (size_t i = 0; i < c; i++) {
		if (cols[i].metric != NULL
		    && strcmp(cols[i].metric, cols[c].metric) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Writes the families of nrows rows of ncols fields: for each metric its
 * HELP and TYPE, then its samples, row by row. */
static void
families(ssrd_strbuf *b, const ssrd_col *cols, size_t ncols,
    const ssrd_rv *vals, size_t nrows, ssrd_strbuf *lab)
{
	for (size_t c = 0; c < ncols; c++) {
		if (cols[c].metric == NULL || (cols[c].flags & SSRD_COL_LABEL)
		    || seen(cols, c)) {
			continue;
		}
		ssrd__strbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n",
		    cols[c].metric, cols[c].help, cols[c].metric, cols[c].type);
		for (size_t r = 0; r < nrows; r++) {
			for (size_t k = c; k < ncols; k++) {
				if (cols[k].metric != NULL
				    && strcmp(cols[k].metric, cols[c].metric)
				        == 0) {
					field(b, cols, ncols, &vals[r * ncols],
					    k, lab);
				}
			}
		}
	}
}

void
ssrd__report_prom(const ssrd_report *r, ssrd_strbuf *b)
{
	ssrd_strbuf lab = { 0 };
	for (size_t k = 0; k < r->n; k++) {
		const ssrd_section *s = &r->sections[k];
		if (s->absent) {
			continue;
		}
		families(b, s->fcols, s->nfields, s->fvals, 1, &lab);
		if (s->table != NULL) {
			families(b, s->table->cols, s->table->ncols,
			    s->table->vals, s->table->nrows, &lab);
		}
	}
	ssrd__strbuf_free(&lab);
}
