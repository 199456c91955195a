/* check_report.c tests src/diag/report*.c: a small diagnose report rendered
 * as INFO-style text, JSON and Prometheus's format, with exact expected
 * output; escaping of strings in each; histograms shown each renderer's
 * way; an empty report and the builders' NULL no-ops. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "diag/report.h"
#include "diag/stats.h"

#include "check_run.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A route with every character the renderers must escape. */
#define ODD_ROUTE "/a\"b\\c\nd"

static const ssrd_col server_cols[] = {
	{ .key = "name" },
	{ .key = "uptime_s", .prec = 1 },
};
static const ssrd_col queue_cols[] = {
	{ .key      = "waiting",
	    .metric = "t_queue_depth",
	    .type   = "gauge",
	    .help   = "Waiting." },
};
static const ssrd_col worker_cols[] = {
	{ .key = "worker", .flags = SSRD_COL_LABEL },
	{ .key      = "renders",
	    .metric = "t_renders_total",
	    .type   = "counter",
	    .help   = "Renders." },
	{ .key      = "heap.used",
	    .unit   = SSRD_UNIT_BYTES,
	    .flags  = SSRD_COL_BREAK,
	    .metric = "t_heap_bytes",
	    .type   = "gauge",
	    .help   = "Heap.",
	    .labels = "part=\"used\"" },
	{ .key      = "heap.total",
	    .unit   = SSRD_UNIT_BYTES,
	    .metric = "t_heap_bytes",
	    .labels = "part=\"total\"" },
	{ .key      = "gc.ms",
	    .unit   = SSRD_UNIT_MS,
	    .prec   = 2,
	    .metric = "t_gc_seconds_total",
	    .type   = "counter",
	    .help   = "GC." },
};
static const ssrd_col route_cols[] = {
	{ .key = "route", .flags = SSRD_COL_LABEL },
	{ .key      = "count",
	    .metric = "t_route_renders",
	    .type   = "gauge",
	    .help   = "By route." },
};
static const ssrd_col layer_cols[] = {
	{ .key = "layer", .flags = SSRD_COL_LABEL },
	{ .key      = "memory.hit",
	    .metric = "t_lookups_total",
	    .type   = "counter",
	    .help   = "Look-ups.",
	    .labels = "result=\"hit\"" },
};

/* The model: every section shape (top-level fields, an object, an array
 * table split for text, a keyed table, an absent section). */
static void
build(ssrd_report *r)
{
	ssrd_section *s = ssrd__report_section(r, "Server", NULL);
	ssrd__section_field(s, &server_cols[0], ssrd__rv_str("x\"y\\z\tw"));
	ssrd__section_field(s, &server_cols[1], ssrd__rv_num(1.5));

	s = ssrd__report_section(r, "Queue", "queue");
	ssrd__section_field(s, &queue_cols[0], ssrd__rv_int(3));

	s             = ssrd__report_section(r, "Workers", NULL);
	ssrd_table *t = ssrd__section_table(
	    s, "workers", 0, worker_cols, NELEM(worker_cols));
	ssrd_rv *row = ssrd__table_row(t);
	row[0]       = ssrd__rv_int(0);
	row[1]       = ssrd__rv_int(12);
	row[2]       = ssrd__rv_int(1536);
	row[3]       = ssrd__rv_int(3 << 20);
	row[4]       = ssrd__rv_num(1.5);
	row          = ssrd__table_row(t);
	row[0]       = ssrd__rv_int(1);
	row[1]       = ssrd__rv_int(7);
	row[2]       = ssrd__rv_int(512);
	row[3]       = ssrd__rv_int(2048);
	row[4]       = ssrd__rv_num(0.25);

	s      = ssrd__report_section(r, "Routes", NULL);
	t      = ssrd__section_table(s, "routes", 0, route_cols, 2);
	row    = ssrd__table_row(t);
	row[0] = ssrd__rv_str(ODD_ROUTE);
	row[1] = ssrd__rv_int(4);

	s      = ssrd__report_section(r, "Layers", NULL);
	t      = ssrd__section_table(s, "layers", 1, layer_cols, 2);
	row    = ssrd__table_row(t);
	row[0] = ssrd__rv_str("base");
	row[1] = ssrd__rv_int(5);
	row    = ssrd__table_row(t);
	row[0] = ssrd__rv_str("page");
	row[1] = ssrd__rv_int(0);

	s         = ssrd__report_section(r, "Cache", "cache");
	s->absent = 1;
}

typedef void (*render_fn)(const ssrd_report *, ssrd_strbuf *);

/* The model rendered by fn, compared with want. */
static void
expect(render_fn fn, const char *want)
{
	ssrd_report r = { 0 };
	ssrd_strbuf b = { 0 };
	build(&r);
	fn(&r, &b);
	ck_assert_int_eq(ssrd__strbuf_failed(&b), 0);
	ck_assert_msg(b.ptr != NULL && strcmp(b.ptr, want) == 0,
	    "got:\n%s\nwant:\n%s", b.ptr ? b.ptr : "(nothing)", want);
	ssrd__strbuf_free(&b);
	ssrd__report_free(&r);
}

START_TEST(test_text)
{
	expect(ssrd__report_text,
	    "# Server\n"
	    "name:x\"y\\z\\x09w\n"
	    "uptime_s:1.5\n"
	    "\n"
	    "# Queue\n"
	    "waiting:3\n"
	    "\n"
	    "# Workers\n"
	    "worker  renders\n"
	    "     0       12\n"
	    "     1        7\n"
	    "\n"
	    "worker  heap.used  heap.total  gc.ms\n"
	    "     0       1.5K        3.0M   1.50\n"
	    "     1       512B        2.0K   0.25\n"
	    "\n"
	    "# Routes\n"
	    "route      count\n"
	    "/a\"b\\c\\nd      4\n"
	    "\n"
	    "# Layers\n"
	    "layer  memory.hit\n"
	    "base            5\n"
	    "page            0\n"
	    "\n"
	    "# Cache\n"
	    "(off)\n");
}
END_TEST

START_TEST(test_json)
{
	expect(ssrd__report_json,
	    "{\"name\":\"x\\\"y\\\\z\\u0009w\",\"uptime_s\":1.500,"
	    "\"queue\":{\"waiting\":3},"
	    "\"workers\":[{\"worker\":0,\"renders\":12,"
	    "\"heap\":{\"used\":1536,\"total\":3145728},\"gc\":{\"ms\":1.500}},"
	    "{\"worker\":1,\"renders\":7,"
	    "\"heap\":{\"used\":512,\"total\":2048},\"gc\":{\"ms\":0.250}}],"
	    "\"routes\":[{\"route\":\"/a\\\"b\\\\c\\nd\",\"count\":4}],"
	    "\"layers\":{\"base\":{\"memory\":{\"hit\":5}},"
	    "\"page\":{\"memory\":{\"hit\":0}}},"
	    "\"cache\":null}\n");
}
END_TEST

START_TEST(test_prom)
{
	expect(ssrd__report_prom,
	    "# HELP t_queue_depth Waiting.\n"
	    "# TYPE t_queue_depth gauge\n"
	    "t_queue_depth 3\n"
	    "# HELP t_renders_total Renders.\n"
	    "# TYPE t_renders_total counter\n"
	    "t_renders_total{worker=\"0\"} 12\n"
	    "t_renders_total{worker=\"1\"} 7\n"
	    "# HELP t_heap_bytes Heap.\n"
	    "# TYPE t_heap_bytes gauge\n"
	    "t_heap_bytes{worker=\"0\",part=\"used\"} 1536\n"
	    "t_heap_bytes{worker=\"0\",part=\"total\"} 3145728\n"
	    "t_heap_bytes{worker=\"1\",part=\"used\"} 512\n"
	    "t_heap_bytes{worker=\"1\",part=\"total\"} 2048\n"
	    "# HELP t_gc_seconds_total GC.\n"
	    "# TYPE t_gc_seconds_total counter\n"
	    "t_gc_seconds_total{worker=\"0\"} 0.0015\n"
	    "t_gc_seconds_total{worker=\"1\"} 0.00025\n"
	    "# HELP t_route_renders By route.\n"
	    "# TYPE t_route_renders gauge\n"
	    "t_route_renders{route=\"/a\\\"b\\\\c\\nd\"} 4\n"
	    "# HELP t_lookups_total Look-ups.\n"
	    "# TYPE t_lookups_total counter\n"
	    "t_lookups_total{layer=\"base\",result=\"hit\"} 5\n"
	    "t_lookups_total{layer=\"page\",result=\"hit\"} 0\n");
}
END_TEST

/* The index of the histogram bucket whose upper bound is ms. */
static int
bucket(double ms)
{
	const double *b = ssrd__hist_bounds();
	for (int i = 0; i < SSRD_HIST_BUCKETS - 1; i++) {
		if (b[i] > ms * 0.9999 && b[i] < ms * 1.0001) {
			return i;
		}
	}
	ck_abort_msg("no bound %g", ms);
	return -1;
}

static const ssrd_col hist_cols[] = {
	{ .key = "route", .flags = SSRD_COL_LABEL },
	{ .key      = "queue_ms",
	    .unit   = SSRD_UNIT_MS,
	    .prec   = 2,
	    .metric = "t_phase_seconds_total",
	    .type   = "counter",
	    .help   = "Phases.",
	    .labels = "phase=\"queue\"" },
	{ .key      = "total_ms",
	    .unit   = SSRD_UNIT_MS,
	    .prec   = 2,
	    .metric = "t_duration_seconds",
	    .type   = "histogram",
	    .help   = "Renders." },
};

/* One render of 1 ms and one of 2 ms. */
static void
hist_report(ssrd_report *r, ssrd_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->n   = 2;
	h->sum = 3;
	h->max = 2;
	h->b[bucket(1)]++;
	h->b[bucket(2)]++;
	ssrd_section *s   = ssrd__report_section(r, "Renders", NULL);
	ssrd_table   *t   = ssrd__section_table(s, "routes", 0, hist_cols, 3);
	ssrd_rv      *row = ssrd__table_row(t);
	row[0]            = ssrd__rv_str("/x");
	row[1]            = ssrd__rv_hist(h);
	row[2]            = ssrd__rv_hist(h);
}

static void
has(const ssrd_strbuf *b, const char *want)
{
	ck_assert_msg(b->ptr != NULL && strstr(b->ptr, want) != NULL,
	    "no \"%s\" in:\n%s", want, b->ptr ? b->ptr : "(nothing)");
}

START_TEST(test_histograms)
{
	ssrd_report r = { 0 };
	ssrd_hist   h;
	ssrd_strbuf b = { 0 };
	char        want[256];
	hist_report(&r, &h);
	double p50 = ssrd__hist_quantile(&h, 0.5);
	double p99 = ssrd__hist_quantile(&h, 0.99);

	/* Prometheus: the histogram's cumulative buckets in seconds, its sum
	 * and count; the counter, its sum */
	ssrd__report_prom(&r, &b);
	has(&b,
	    "# HELP t_phase_seconds_total Phases.\n"
	    "# TYPE t_phase_seconds_total counter\n"
	    "t_phase_seconds_total{route=\"/x\",phase=\"queue\"} 0.003\n"
	    "# HELP t_duration_seconds Renders.\n"
	    "# TYPE t_duration_seconds histogram\n");
	has(&b,
	    "t_duration_seconds_bucket{route=\"/x\",le=\"0.0005\"} 0\n"
	    "t_duration_seconds_bucket{route=\"/x\",le=\"0.001\"} 1\n"
	    "t_duration_seconds_bucket{route=\"/x\",le=\"0.0025\"} 2\n");
	has(&b,
	    "t_duration_seconds_bucket{route=\"/x\",le=\"50\"} 2\n"
	    "t_duration_seconds_bucket{route=\"/x\",le=\"+Inf\"} 2\n"
	    "t_duration_seconds_sum{route=\"/x\"} 0.003\n"
	    "t_duration_seconds_count{route=\"/x\"} 2\n");
	ck_assert_ptr_null(strstr(b.ptr, "le=\"0.002\""));
	ssrd__strbuf_free(&b);

	/* JSON: p50, p99, max and mean, ms */
	ssrd__report_json(&r, &b);
	snprintf(want, sizeof(want),
	    "\"total_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":2.000,"
	    "\"mean\":1.500}}]}\n",
	    p50, p99);
	has(&b, want);
	ssrd__strbuf_free(&b);

	/* text: p50/p99 */
	ssrd__report_text(&r, &b);
	snprintf(want, sizeof(want), "%.2f/%.2f\n", p50, p99);
	has(&b, want);
	has(&b, "route   queue_ms   total_ms\n");
	ssrd__strbuf_free(&b);
	ssrd__report_free(&r);
}
END_TEST

/* A report with nothing in it, and NULL sections and tables (what the
 * builders hand out when out of memory), are harmless. */
START_TEST(test_empty_and_null)
{
	ssrd_report r = { 0 };
	ssrd_strbuf b = { 0 };
	ssrd__report_json(&r, &b);
	ck_assert_str_eq(b.ptr, "{}\n");
	ssrd__strbuf_free(&b);
	ssrd__section_field(NULL, &server_cols[0], ssrd__rv_str("freed"));
	ck_assert_ptr_null(ssrd__section_table(NULL, "t", 0, route_cols, 2));
	ck_assert_ptr_null(ssrd__table_row(NULL));

	/* a table without rows: its header alone, an empty array */
	ssrd_section *s = ssrd__report_section(&r, "Routes", NULL);
	ssrd__section_table(s, "routes", 0, route_cols, 2);
	ssrd__report_text(&r, &b);
	ck_assert_str_eq(b.ptr, "# Routes\nroute  count\n");
	ssrd__strbuf_free(&b);
	ssrd__report_json(&r, &b);
	ck_assert_str_eq(b.ptr, "{\"routes\":[]}\n");
	ssrd__strbuf_free(&b);
	ssrd__report_prom(&r, &b);
	ck_assert_str_eq(b.ptr,
	    "# HELP t_route_renders By route.\n# TYPE t_route_renders gauge\n");
	ssrd__strbuf_free(&b);
	ssrd__report_free(&r);
}
END_TEST

int
main(void)
{
	Suite *s  = suite_create("report");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_prom);
	tcase_add_test(tc, test_histograms);
	tcase_add_test(tc, test_empty_and_null);
	suite_add_tcase(s, tc);
	return ssrd_check_run(s, CK_FORK);
}
