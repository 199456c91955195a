/* report.h: the data model of `ssrd diagnose` and /metrics: sections of
 * key:value fields and tables of rows, each value described once with what
 * the text, JSON and Prometheus renderers need, and those three renderers. */
#ifndef SSRD_REPORT_H
#define SSRD_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"
#include "diag/stats.h"

/* What a value holds. */
enum ssrd_rv_kind {
	SSRD_RV_NONE, /* nothing (an allocation failed): empty, null, absent */
	SSRD_RV_INT,  /* i */
	SSRD_RV_NUM,  /* d */
	SSRD_RV_STR,  /* s, a string */
	SSRD_RV_JSON, /* s, JSON text shown as is; text, its text form */
	SSRD_RV_HIST  /* h, a latency histogram, ms */
};

/* What a number measures: text shows bytes as "21.4M", Prometheus shows ms
 * as seconds (its base units are bytes and seconds). */
enum ssrd_unit { SSRD_UNIT_NONE, SSRD_UNIT_BYTES, SSRD_UNIT_MS };

/* ssrd_col.flags */
#define SSRD_COL_LABEL 1 /* Prometheus: a label of the row's other values */
/* text: a new table from here, repeating the label columns before it (for
 * a table too wide for a terminal) */
#define SSRD_COL_BREAK 2

/*
 * How a field is shown; the same for every row of a table, so generators
 * keep these in static arrays. A field without metric is not exported.
 * Several fields may share a metric when their fixed labels tell them apart
 * (lookups by result): the family's HELP and TYPE are written once, from the
 * first. A HIST field exported as a "histogram" gives its buckets, sum and
 * count; as anything else, its sum.
 */
typedef struct ssrd_col {
	const char *key;    /* text's key and header; JSON's key, nested at '.':
	                       "heap.used" is "heap":{"used":...} */
	int         unit;   /* enum ssrd_unit */
	int         prec;   /* text: digits after the point of NUM and HIST */
	int         flags;  /* SSRD_COL_* */
	const char *metric; /* Prometheus's name, or NULL */
	const char *type;   /* "counter", "gauge" or "histogram" */
	const char *help;   /* its HELP text */
	const char *labels; /* fixed labels, `phase="queue"`, or NULL */
} ssrd_col;

/* One value. The report owns s, text and h. */
typedef struct ssrd_rv {
	int        kind; /* enum ssrd_rv_kind */
	int64_t    i;
	double     d;
	char      *s, *text;
	ssrd_hist *h;
} ssrd_rv;

/* Values; the ones that copy (str, json, hist) give kind NONE when out of
 * memory. text may be NULL: the text form is the JSON. */
ssrd_rv ssrd__rv_int(int64_t i);
ssrd_rv ssrd__rv_num(double d);
ssrd_rv ssrd__rv_str(const char *s);
ssrd_rv ssrd__rv_json(const char *json, const char *text);
ssrd_rv ssrd__rv_hist(const ssrd_hist *h);

/*
 * A table: nrows rows of ncols values each, row r's at vals[r * ncols], the
 * columns described by cols (static, not owned). In JSON an array of
 * objects, or, keyed, an object whose keys are the first column's values.
 */
typedef struct ssrd_table {
	const char     *key; /* JSON's key */
	int             keyed;
	const ssrd_col *cols;
	size_t          ncols;
	ssrd_rv        *vals;
	size_t          nrows, cap; /* rows used and allocated */
} ssrd_table;

/*
 * A section: key:value fields, then at most one table. In JSON an object
 * under key, or, with key NULL, its fields and table at the top level. An
 * absent section (the response cache turned off) is null in JSON, "(off)"
 * in text, and has no metrics.
 */
typedef struct ssrd_section {
	const char *name; /* text's heading: "Workers" */
	const char *key;  /* JSON's key, or NULL */
	int         absent;
	ssrd_col   *fcols; /* the fields' descriptions; fcols[i].key is the
	                      section's own copy */
	ssrd_rv    *fvals;
	size_t      nfields, fcap;
	ssrd_table *table; /* or NULL */
} ssrd_section;

/* A report: its sections in order. Zeroed is empty. */
typedef struct ssrd_report {
	ssrd_section *sections;
	size_t        n, cap;
} ssrd_report;

/* Adds a section (name and key static) and returns it, or NULL when out of
 * memory. */
ssrd_section *ssrd__report_section(
    ssrd_report *r, const char *name, const char *key);

/* Adds a field to s: c is copied, its key too (so it may be built on the
 * fly). Takes v. NULL s is a harmless no-op (v is freed). */
void ssrd__section_field(ssrd_section *s, const ssrd_col *c, ssrd_rv v);

/* Gives s its table (cols static) and returns it, or NULL when out of
 * memory or s is NULL. */
ssrd_table *ssrd__section_table(ssrd_section *s, const char *key, int keyed,
    const ssrd_col *cols, size_t ncols);

/* Adds a row of ncols NONE values to t and returns it for the caller to
 * fill (in column order), or NULL when out of memory or t is NULL. The
 * pointer is valid until the next row is added. */
ssrd_rv *ssrd__table_row(ssrd_table *t);

/* Frees what r holds and empties it. */
void ssrd__report_free(ssrd_report *r);

/* The renderers: each appends the whole report to b. */

/* INFO-style text: "# Name", key:value lines, then the table, a header row
 * and aligned columns; a blank line between sections. */
void ssrd__report_text(const ssrd_report *r, ssrd_strbuf *b);

/* One JSON object, with a newline. */
void ssrd__report_json(const ssrd_report *r, ssrd_strbuf *b);

/* Prometheus's text exposition, format 0.0.4. */
void ssrd__report_prom(const ssrd_report *r, ssrd_strbuf *b);

#endif
