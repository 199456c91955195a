/* check_routes.c tests src/routes.c: scanning app/ into a route table and
 * matching request paths against it. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/routes.h"

#include "check_run.h"
#include <ssrd/errors.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Every test builds its sites under this directory, made by main() and
 * removed by main() after the run, so a failing test (whose forked child
 * exits at once) leaves nothing behind.
 */
static char tmp_root[] = "/tmp/check_routes.XXXXXX";

/* Removes path and everything under it; no symlinks are followed. */
static void
rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (d != NULL) {
			struct dirent *e;
			while ((e = readdir(d)) != NULL) {
				if (strcmp(e->d_name, ".") == 0
				    || strcmp(e->d_name, "..") == 0) {
					continue;
				}
				char sub[4096];
				snprintf(
				    sub, sizeof(sub), "%s/%s", path, e->d_name);
				rm_rf(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* Makes a fresh, empty site directory under tmp_root into buf. */
static void
site_new(char *buf, size_t len)
{
	snprintf(buf, len, "%s/site.XXXXXX", tmp_root);
	ck_assert_msg(
	    mkdtemp(buf) != NULL, "mkdtemp(%s): %s", buf, strerror(errno));
}

/* Creates site/rel as an empty file, making its parent directories. */
static void
touch(const char *site, const char *rel)
{
	char path[4096];
	int  n = snprintf(path, sizeof(path), "%s/%s", site, rel);
	ck_assert_msg(n > 0 && (size_t) n < sizeof(path), "path too long");
	for (char *p = path + strlen(site) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			ck_assert_msg(mkdir(path, 0755) == 0 || errno == EEXIST,
			    "mkdir(%s): %s", path, strerror(errno));
			*p = '/';
		}
	}
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "fopen(%s): %s", path, strerror(errno));
	fputs("export default function Page() { return null; }\n", f);
	fclose(f);
}

/* The site the brief describes: six routes and two ignored directories. */
static const char *const main_site_files[] = {
	"app/page.jsx",
	"app/about/page.jsx",
	"app/products/page.jsx",
	"app/products/[id]/page.jsx",
	"app/blog/[slug]/comments/[cid]/page.js",
	"app/_private/page.jsx",
	"app/.hidden/page.jsx",
	"app/docs/page.tsx",
};

/* Scans site into *rt and fails the test, with the reason, unless it works. */
static void
scan_ok(const char *site, ssrd_routes *rt)
{
	char errbuf[512] = "";
	memset(rt, 0, sizeof(*rt));
	int rv = ssrd__routes_scan(site, rt, errbuf, sizeof(errbuf));
	ck_assert_msg(rv == SSRD_OK, "scan(%s): %s (%s): %s", site,
	    ssrd_strerror(rv), ssrd_err_name(rv), errbuf);
}

/* Builds the main site (plus any extra files) and scans it. */
static void
main_site(ssrd_routes *rt, const char *const *extra, size_t nextra)
{
	char site[256];
	site_new(site, sizeof(site));
	for (size_t i = 0; i < N(main_site_files); i++) {
		touch(site, main_site_files[i]);
	}
	for (size_t i = 0; i < nextra; i++) {
		touch(site, extra[i]);
	}
	scan_ok(site, rt);
}

/* Returns the route with this pattern, or NULL. */
static const ssrd_route *
find_route(const ssrd_routes *rt, const char *pattern)
{
	for (size_t i = 0; i < rt->n; i++) {
		if (strcmp(rt->v[i].pattern, pattern) == 0) {
			return &rt->v[i];
		}
	}
	return NULL;
}

/* Matches path and checks the route's pattern and the params JSON. */
static void
expect_match(const ssrd_routes *rt, const char *path, const char *pattern,
    const char *params)
{
	const ssrd_route *route       = NULL;
	char             *params_json = NULL;
	int rv = ssrd__routes_match(rt, path, &route, &params_json);
	ck_assert_msg(rv == SSRD_OK, "match(\"%s\"): %s (%s), want %s", path,
	    ssrd_strerror(rv), ssrd_err_name(rv), pattern);
	ck_assert_msg(route != NULL, "match(\"%s\"): no route set", path);
	ck_assert_msg(params_json != NULL, "match(\"%s\"): no params", path);
	ck_assert_msg(strcmp(route->pattern, pattern) == 0,
	    "match(\"%s\"): got route %s, want %s", path, route->pattern,
	    pattern);
	ck_assert_msg(strcmp(params_json, params) == 0,
	    "match(\"%s\"): got params %s, want %s", path, params_json, params);
	free(params_json);
}

/* Matches path and checks that it fails with want. */
static void
expect_error(const ssrd_routes *rt, const char *path, int want)
{
	const ssrd_route *route       = NULL;
	char             *params_json = NULL;
	int rv = ssrd__routes_match(rt, path, &route, &params_json);
	ck_assert_msg(rv == want,
	    "match(\"%s\"): got %s (%s), want %s (%s)%s%s", path,
	    ssrd_err_name(rv), ssrd_strerror(rv), ssrd_err_name(want),
	    ssrd_strerror(want), route ? "; matched " : "",
	    route ? route->pattern : "");
	free(params_json);
}

/* Scans a site made of files and checks it fails with want; returns errbuf. */
static void
expect_scan_error(const char *const *files, size_t nfiles, int want,
    char *errbuf, size_t errlen)
{
	char        site[256];
	ssrd_routes rt = { 0 };
	site_new(site, sizeof(site));
	for (size_t i = 0; i < nfiles; i++) {
		touch(site, files[i]);
	}
	errbuf[0] = '\0';
	int rv    = ssrd__routes_scan(site, &rt, errbuf, errlen);
	ck_assert_msg(rv == want, "scan: got %s (%s), want %s; errbuf: %s",
	    ssrd_err_name(rv), ssrd_strerror(rv), ssrd_err_name(want), errbuf);
	ck_assert_msg(errbuf[0] != '\0', "scan failed without a message");
	ssrd__routes_free(&rt);
}

START_TEST(test_scan_table)
{
	static const struct {
		const char *pattern, *page_key;
		size_t      nsegs, ndynamic;
	} want[] = {
		{ "/", "app/page.jsx", 0, 0 },
		{ "/about", "app/about/page.jsx", 1, 0 },
		{ "/docs", "app/docs/page.tsx", 1, 0 },
		{ "/products", "app/products/page.jsx", 1, 0 },
		{ "/products/:id", "app/products/[id]/page.jsx", 2, 1 },
		{ "/blog/:slug/comments/:cid",
		    "app/blog/[slug]/comments/[cid]/page.js", 4, 2 },
	};
	ssrd_routes rt;
	main_site(&rt, NULL, 0);

	ck_assert_msg(
	    rt.n == N(want), "got %zu routes, want %zu", rt.n, N(want));
	for (size_t i = 0; i < N(want); i++) {
		const ssrd_route *r = find_route(&rt, want[i].pattern);
		ck_assert_msg(r != NULL, "no route %s", want[i].pattern);
		ck_assert_msg(strcmp(r->page_key, want[i].page_key) == 0,
		    "%s: page_key %s, want %s", r->pattern, r->page_key,
		    want[i].page_key);
		ck_assert_msg(r->nsegs == want[i].nsegs,
		    "%s: nsegs %zu, want %zu", r->pattern, r->nsegs,
		    want[i].nsegs);
		ck_assert_msg(r->ndynamic == want[i].ndynamic,
		    "%s: ndynamic %zu, want %zu", r->pattern, r->ndynamic,
		    want[i].ndynamic);
	}
	for (size_t i = 0; i < rt.n; i++) {
		ck_assert_msg(strstr(rt.v[i].page_key, "_private") == NULL
		        && strstr(rt.v[i].page_key, ".hidden") == NULL,
		    "ignored directory became a route: %s", rt.v[i].page_key);
	}

	const ssrd_route *p = find_route(&rt, "/products/:id");
	ck_assert_str_eq(p->segs[0], "products");
	ck_assert_str_eq(p->segs[1], ":id");
	const ssrd_route *b = find_route(&rt, "/blog/:slug/comments/:cid");
	ck_assert_str_eq(b->segs[0], "blog");
	ck_assert_str_eq(b->segs[1], ":slug");
	ck_assert_str_eq(b->segs[2], "comments");
	ck_assert_str_eq(b->segs[3], ":cid");
	ssrd__routes_free(&rt);
}
END_TEST

START_TEST(test_scan_order)
{
	static const char *const extra[] = {
		"app/products/new/page.jsx",
		"app/[cat]/page.jsx",
		"app/[cat]/[sub]/page.jsx",
	};
	ssrd_routes rt;
	main_site(&rt, extra, N(extra));
	ck_assert_uint_eq(rt.n, N(main_site_files) - 2 + N(extra));

	for (size_t i = 0; i < rt.n; i++) {
		for (size_t j = i + 1; j < rt.n; j++) {
			const ssrd_route *a = &rt.v[i], *b = &rt.v[j];
			ck_assert_msg(a->ndynamic == 0 || b->ndynamic != 0,
			    "dynamic %s (#%zu) is before static %s (#%zu)",
			    a->pattern, i, b->pattern, j);
			/* Routes that can match the same path: more static
			 * segments first. */
			ck_assert_msg(a->nsegs != b->nsegs
			        || a->nsegs - a->ndynamic
			            >= b->nsegs - b->ndynamic,
			    "%s (#%zu) has fewer static segments than %s "
			    "(#%zu)",
			    a->pattern, i, b->pattern, j);
		}
	}
	ssrd__routes_free(&rt);
}
END_TEST

START_TEST(test_not_found_page)
{
	ssrd_routes rt;
	main_site(&rt, NULL, 0);
	ck_assert_ptr_null(ssrd__routes_not_found(&rt)); /* none: none */
	ck_assert_uint_eq(rt.not_found_at, 0);
	ssrd__routes_free(&rt);

	static const char *const extra[] = { "app/not-found.jsx" };
	main_site(&rt, extra, 1);
	const ssrd_route *nf = ssrd__routes_not_found(&rt);
	ck_assert_ptr_nonnull(nf);
	ck_assert_str_eq(nf->page_key, "app/not-found.jsx");
	ck_assert_str_eq(nf->pattern, "(not found)");
	ck_assert_uint_eq(rt.not_found_at, rt.n); /* last in the table */
	/* no path reaches it, not even the ones that match nothing */
	const ssrd_route *r;
	char             *params = NULL;
	ck_assert_int_eq(ssrd__routes_match(&rt, "/", &r, &params), SSRD_OK);
	ck_assert_str_eq(r->pattern, "/");
	free(params);
	params = NULL;
	ck_assert_int_eq(ssrd__routes_match(&rt, "/no/such/thing", &r, &params),
	    SSRD_ENOROUTE);
	ck_assert_int_eq(ssrd__routes_match(&rt, "/(not found)", &r, &params),
	    SSRD_ENOROUTE);
	ssrd__routes_free(&rt);
}
END_TEST

START_TEST(test_match_static)
{
	ssrd_routes rt;
	main_site(&rt, NULL, 0);
	expect_match(&rt, "/", "/", "{}");
	expect_match(&rt, "/?q=1", "/", "{}");
	expect_match(&rt, "/about", "/about", "{}");
	expect_match(&rt, "/about/", "/about", "{}");
	expect_match(&rt, "/docs", "/docs", "{}");
	expect_match(&rt, "/products?x=1", "/products", "{}");
	expect_match(&rt, "/products/?x=1/2", "/products", "{}");
	expect_match(&rt, "/products#frag", "/products", "{}");
	expect_match(&rt, "/%61bout", "/about", "{}");
	ssrd__routes_free(&rt);
}
END_TEST

START_TEST(test_match_dynamic)
{
	ssrd_routes rt;
	main_site(&rt, NULL, 0);
	expect_match(&rt, "/products/42", "/products/:id", "{\"id\":\"42\"}");
	expect_match(&rt, "/products/42/", "/products/:id", "{\"id\":\"42\"}");
	expect_match(
	    &rt, "/products/42?x=/y", "/products/:id", "{\"id\":\"42\"}");
	expect_match(
	    &rt, "/products/a%20b", "/products/:id", "{\"id\":\"a b\"}");
	expect_match(&rt, "/blog/x/comments/9", "/blog/:slug/comments/:cid",
	    "{\"slug\":\"x\",\"cid\":\"9\"}");
	ssrd__routes_free(&rt);
}
END_TEST

START_TEST(test_match_params_json_escaped)
{
	ssrd_routes rt;
	main_site(&rt, NULL, 0);
	/* %22 is ", %5C is \, %3C is < (escaped so JSON can sit in <script>).
	 */
	expect_match(&rt, "/products/a%22b%5Cc%3Cd", "/products/:id",
	    "{\"id\":\"a\\\"b\\\\c\\u003cd\"}");
	expect_match(&rt, "/products/%3cscript%3E", "/products/:id",
	    "{\"id\":\"\\u003cscript>\"}");
	expect_match(&rt, "/products/x%0Ay%01", "/products/:id",
	    "{\"id\":\"x\\ny\\u0001\"}");
	expect_match(
	    &rt, "/products/%C3%A9", "/products/:id", "{\"id\":\"\xC3\xA9\"}");
	ssrd__routes_free(&rt);
}
END_TEST

START_TEST(test_match_no_route)
{
	ssrd_routes rt;
	main_site(&rt, NULL, 0);
	expect_error(&rt, "/nope", SSRD_ENOROUTE);
	expect_error(&rt, "/products/1/2", SSRD_ENOROUTE);
	expect_error(&rt, "/blog", SSRD_ENOROUTE);
	expect_error(&rt, "/blog/x", SSRD_ENOROUTE);
	expect_error(&rt, "/blog/x/comments", SSRD_ENOROUTE);
	expect_error(&rt, "/_private", SSRD_ENOROUTE);
	expect_error(&rt, "/.hidden", SSRD_ENOROUTE);
	expect_error(&rt, "/About", SSRD_ENOROUTE);
	ssrd__routes_free(&rt);
}
END_TEST

START_TEST(test_match_invalid)
{
	static const char *const bad[] = {
		"relative",
		"",
		"products/42",
		"?x=/about",
		"/products/..",
		"/products/.",
		"/products/%2e%2e",
		"/products/%2E",
		"/./about",
		"/a/%2F",
		"/products/a%2fb",
		"/products/%zz",
		"/products/%4",
		"/products/%",
		"/products/ab%4x",
		"/products/%00",
	};
	ssrd_routes rt;
	main_site(&rt, NULL, 0);
	for (size_t i = 0; i < N(bad); i++) {
		expect_error(&rt, bad[i], SSRD_EINVAL);
	}
	ssrd__routes_free(&rt);
}
END_TEST

/* More segments than any route holds: refused, and nothing overflows. */
START_TEST(test_match_many_segments)
{
	ssrd_routes rt;
	main_site(&rt, NULL, 0);
	char path[1024] = "";
	for (int i = 0; i < 200; i++) {
		strcat(path, "/a");
	}
	const ssrd_route *route       = NULL;
	char             *params_json = NULL;
	int rv = ssrd__routes_match(&rt, path, &route, &params_json);
	ck_assert_msg(rv == SSRD_ENOROUTE || rv == SSRD_EINVAL,
	    "200 segments: got %s (%s)", ssrd_err_name(rv), ssrd_strerror(rv));
	ck_assert_ptr_null(params_json);
	ssrd__routes_free(&rt);
}
END_TEST

START_TEST(test_static_beats_dynamic)
{
	static const char *const extra[] = { "app/products/new/page.jsx" };
	ssrd_routes              rt;
	main_site(&rt, extra, N(extra));
	const ssrd_route *n = find_route(&rt, "/products/new");
	ck_assert_msg(n != NULL, "no route /products/new");
	ck_assert_str_eq(n->page_key, "app/products/new/page.jsx");
	expect_match(&rt, "/products/new", "/products/new", "{}");
	expect_match(&rt, "/products/new/", "/products/new", "{}");
	expect_match(&rt, "/products/ne%77", "/products/new", "{}");
	expect_match(
	    &rt, "/products/newer", "/products/:id", "{\"id\":\"newer\"}");
	expect_match(&rt, "/products/7", "/products/:id", "{\"id\":\"7\"}");
	ssrd__routes_free(&rt);
}
END_TEST

START_TEST(test_page_extensions)
{
	static const char *const files[] = {
		"app/a/page.jsx",
		"app/b/page.js",
		"app/c/page.tsx",
		"app/d/page.ts",
		"app/e/index.jsx",
		"app/f/page.mjs",
		"app/g/layout.jsx",
	};
	char        site[256];
	ssrd_routes rt;
	site_new(site, sizeof(site));
	for (size_t i = 0; i < N(files); i++) {
		touch(site, files[i]);
	}
	scan_ok(site, &rt);
	ck_assert_msg(rt.n == 4, "got %zu routes, want 4", rt.n);
	ck_assert_str_eq(find_route(&rt, "/a")->page_key, "app/a/page.jsx");
	ck_assert_str_eq(find_route(&rt, "/b")->page_key, "app/b/page.js");
	ck_assert_str_eq(find_route(&rt, "/c")->page_key, "app/c/page.tsx");
	ck_assert_str_eq(find_route(&rt, "/d")->page_key, "app/d/page.ts");
	expect_error(&rt, "/", SSRD_ENOROUTE);
	expect_error(&rt, "/e", SSRD_ENOROUTE);
	ssrd__routes_free(&rt);
}
END_TEST

START_TEST(test_scan_good_dynamic_names)
{
	static const char *const files[] = {
		"app/[_x]/page.jsx",
		"app/p/[a1_B]/page.jsx",
	};
	char        site[256];
	ssrd_routes rt;
	site_new(site, sizeof(site));
	for (size_t i = 0; i < N(files); i++) {
		touch(site, files[i]);
	}
	scan_ok(site, &rt);
	ck_assert_uint_eq(rt.n, 2);
	expect_match(&rt, "/q", "/:_x", "{\"_x\":\"q\"}");
	expect_match(&rt, "/p/9", "/p/:a1_B", "{\"a1_B\":\"9\"}");
	ssrd__routes_free(&rt);
}
END_TEST

START_TEST(test_scan_no_app)
{
	char        site[256], errbuf[512] = "";
	ssrd_routes rt = { 0 };
	site_new(site, sizeof(site));
	int rv = ssrd__routes_scan(site, &rt, errbuf, sizeof(errbuf));
	ck_assert_msg(rv == SSRD_ENOENT, "empty site: got %s (%s): %s",
	    ssrd_err_name(rv), ssrd_strerror(rv), errbuf);
	ck_assert_msg(strstr(errbuf, site) != NULL,
	    "message does not name the site: %s", errbuf);
	ssrd__routes_free(&rt);

	/* app as a file is no app/ directory either. */
	touch(site, "app");
	errbuf[0] = '\0';
	rv        = ssrd__routes_scan(site, &rt, errbuf, sizeof(errbuf));
	ck_assert_msg(rv == SSRD_ENOENT, "app file: got %s (%s): %s",
	    ssrd_err_name(rv), ssrd_strerror(rv), errbuf);

	strcat(site, "/does-not-exist");
	rv = ssrd__routes_scan(site, &rt, errbuf, sizeof(errbuf));
	ck_assert_msg(rv == SSRD_ENOENT, "missing site: got %s (%s): %s",
	    ssrd_err_name(rv), ssrd_strerror(rv), errbuf);
	ssrd__routes_free(&rt);
}
END_TEST

START_TEST(test_scan_empty_app)
{
	char        site[256], path[300];
	ssrd_routes rt;
	site_new(site, sizeof(site));
	snprintf(path, sizeof(path), "%s/app", site);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	scan_ok(site, &rt);
	ck_assert_uint_eq(rt.n, 0);
	expect_error(&rt, "/", SSRD_ENOROUTE);
	ssrd__routes_free(&rt);
}
END_TEST

START_TEST(test_scan_two_pages)
{
	static const char *const sub[] = {
		"app/page.jsx",
		"app/about/page.jsx",
		"app/about/page.js",
	};
	static const char *const root[] = { "app/page.tsx", "app/page.ts" };
	char                     errbuf[512];

	expect_scan_error(sub, N(sub), SSRD_EINVAL, errbuf, sizeof(errbuf));
	ck_assert_msg(strstr(errbuf, "app/about") != NULL,
	    "message does not name the directory app/about: %s", errbuf);

	expect_scan_error(root, N(root), SSRD_EINVAL, errbuf, sizeof(errbuf));
	ck_assert_msg(strstr(errbuf, "app/") != NULL,
	    "message does not name the directory app/: %s", errbuf);
}
END_TEST

static const char *const bad_segment_names[] = {
	"[1x]",
	"[a-b]",
	"[]",
	"[id",
	"[a b]",
	"[a.b]",
	"[[x]]",
	"[....x]",
	"[[...x]",
};

START_TEST(test_scan_bad_segment)
{
	const char *name = bad_segment_names[_i];
	char        file[128], errbuf[512];
	snprintf(file, sizeof(file), "app/products/%s/page.jsx", name);
	const char *const files[] = { "app/page.jsx", file };
	expect_scan_error(files, N(files), SSRD_EINVAL, errbuf, sizeof(errbuf));
	ck_assert_msg(strstr(errbuf, name) != NULL,
	    "message does not name \"%s\": %s", name, errbuf);
}
END_TEST

/* A bad name is refused even if the directory holds no page yet. */
START_TEST(test_scan_bad_segment_without_page)
{
	const char *const files[] = { "app/page.jsx", "app/[a-b]/x/page.jsx" };
	char              errbuf[512];
	expect_scan_error(files, N(files), SSRD_EINVAL, errbuf, sizeof(errbuf));
	ck_assert_msg(strstr(errbuf, "[a-b]") != NULL,
	    "message does not name \"[a-b]\": %s", errbuf);
}
END_TEST

/*
 * [id] and [slug] side by side are two pages for one route (/products/:x):
 * the second could never be reached, so the scan should refuse it.
 */
START_TEST(test_scan_sibling_dynamic_segments)
{
	const char *const files[] = {
		"app/products/[id]/page.jsx",
		"app/products/[slug]/page.jsx",
	};
	char        site[256], errbuf[512] = "";
	ssrd_routes rt = { 0 };
	site_new(site, sizeof(site));
	for (size_t i = 0; i < N(files); i++) {
		touch(site, files[i]);
	}
	int rv = ssrd__routes_scan(site, &rt, errbuf, sizeof(errbuf));
	ck_assert_msg(rv == SSRD_EINVAL,
	    "[id] and [slug] in one directory: got %s (%s) with %zu routes, "
	    "want invalid",
	    ssrd_err_name(rv), ssrd_strerror(rv), rt.n);
	ck_assert_msg(
	    strstr(errbuf, "[id]") != NULL && strstr(errbuf, "[slug]") != NULL,
	    "message does not name both pages: %s", errbuf);
	ssrd__routes_free(&rt);
}
END_TEST

/*
 * Routes store a dynamic segment as ":name", so a static directory whose
 * name starts with ':' must not turn into a wildcard that shadows others.
 */
START_TEST(test_scan_colon_directory)
{
	const char *const files[] = { "app/about/page.jsx", "app/:x/page.jsx" };
	char              site[256], errbuf[512] = "";
	ssrd_routes       rt = { 0 };
	site_new(site, sizeof(site));
	for (size_t i = 0; i < N(files); i++) {
		touch(site, files[i]);
	}
	int rv = ssrd__routes_scan(site, &rt, errbuf, sizeof(errbuf));
	if (rv == SSRD_EINVAL) {
		return; /* refusing the name is a fine answer */
	}
	ck_assert_msg(rv == SSRD_OK, "scan: %s (%s): %s", ssrd_err_name(rv),
	    ssrd_strerror(rv), errbuf);
	expect_match(&rt, "/about", "/about", "{}");
	expect_error(&rt, "/zzz", SSRD_ENOROUTE);
	ssrd__routes_free(&rt);
}
END_TEST

START_TEST(test_free_safe)
{
	ssrd_routes zero = { 0 };
	ssrd__routes_free(&zero);
	ssrd__routes_free(&zero);
	ck_assert_ptr_null(zero.v);
	ck_assert_uint_eq(zero.n, 0);
	ssrd__routes_free(NULL);

	ssrd_routes rt;
	main_site(&rt, NULL, 0);
	ck_assert_uint_gt(rt.n, 0);
	ssrd__routes_free(&rt);
	ck_assert_ptr_null(rt.v);
	ck_assert_uint_eq(rt.n, 0);
	ssrd__routes_free(&rt);
	ck_assert_ptr_null(rt.v);
}
END_TEST

/* Builds a site of files and scans it into *rt. */
static void
site_of(const char *const *files, size_t n, ssrd_routes *rt)
{
	char site[256];
	site_new(site, sizeof(site));
	for (size_t i = 0; i < n; i++) {
		touch(site, files[i]);
	}
	scan_ok(site, rt);
}

START_TEST(test_groups_and_catch_alls)
{
	static const char *const files[] = {
		"app/layout.tsx",
		"app/page.tsx",
		"app/(shop)/layout.jsx",
		"app/(shop)/cart/page.jsx",
		"app/docs/[...slug]/page.jsx",
		"app/docs/[id]/page.jsx",
		"app/docs/intro/page.jsx",
		"app/shop/[[...path]]/page.jsx",
	};
	ssrd_routes rt;
	site_of(files, N(files), &rt);
	expect_match(&rt, "/cart", "/cart", "{}");
	expect_error(&rt, "/(shop)/cart", SSRD_ENOROUTE);
	/* static > dynamic > catch-all */
	expect_match(&rt, "/docs/intro", "/docs/intro", "{}");
	expect_match(&rt, "/docs/7", "/docs/:id", "{\"id\":\"7\"}");
	expect_match(
	    &rt, "/docs/a/b%20c", "/docs/:slug+", "{\"slug\":[\"a\",\"b c\"]}");
	expect_error(&rt, "/docs", SSRD_ENOROUTE); /* one or more */
	/* an optional catch-all answers its own URL, without the param */
	expect_match(&rt, "/shop", "/shop/:path*", "{}");
	expect_match(&rt, "/shop/x/y/z", "/shop/:path*",
	    "{\"path\":[\"x\",\"y\",\"z\"]}");
	/* the group's layout is in /cart's chain, under the root's */
	const ssrd_route *cart = find_route(&rt, "/cart");
	ck_assert_ptr_nonnull(cart);
	ck_assert_uint_eq(cart->nchain, 2);
	ck_assert_str_eq(rt.segments[cart->chain[0]].files[SSRD_SEGF_LAYOUT],
	    "app/layout.tsx");
	ck_assert_str_eq(rt.segments[cart->chain[1]].files[SSRD_SEGF_LAYOUT],
	    "app/(shop)/layout.jsx");
	ck_assert_str_eq(rt.segments[cart->chain[1]].dir, "app/(shop)");
	ck_assert_uint_eq(find_route(&rt, "/docs/intro")->nchain, 1);
	ssrd__routes_free(&rt);
}
END_TEST

START_TEST(test_segment_files)
{
	static const char *const files[] = {
		"app/layout.js",
		"app/not-found.ts",
		"app/a/error.tsx",
		"app/a/loading.jsx",
		"app/a/template.js",
		"app/a/b/page.tsx",
		"app/a/b/not-found.jsx",
	};
	ssrd_routes rt;
	site_of(files, N(files), &rt);
	const ssrd_route *b = find_route(&rt, "/a/b");
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(b->nchain, 3); /* app, app/a, app/a/b */
	const ssrd_segment *a = &rt.segments[b->chain[1]];
	ck_assert_str_eq(a->dir, "app/a");
	ck_assert_str_eq(a->files[SSRD_SEGF_ERROR], "app/a/error.tsx");
	ck_assert_str_eq(a->files[SSRD_SEGF_LOADING], "app/a/loading.jsx");
	ck_assert_str_eq(a->files[SSRD_SEGF_TEMPLATE], "app/a/template.js");
	ck_assert_ptr_null(a->files[SSRD_SEGF_LAYOUT]);
	ck_assert_str_eq(rt.segments[b->chain[2]].files[SSRD_SEGF_NOT_FOUND],
	    "app/a/b/not-found.jsx");
	/* the root's not-found file is the page for paths with no route */
	const ssrd_route *nf = ssrd__routes_not_found(&rt);
	ck_assert_ptr_nonnull(nf);
	ck_assert_str_eq(nf->page_key, "app/not-found.ts");
	ssrd__routes_free(&rt);
}
END_TEST

/* Two pages that answer the same URLs: an error naming both files. */
static const char *const same_url_sites[][2] = {
	{ "app/(a)/x/page.jsx", "app/(b)/x/page.jsx" },
	{ "app/x/[id]/page.jsx", "app/(g)/x/[slug]/page.jsx" },
	{ "app/docs/page.jsx", "app/docs/[[...p]]/page.jsx" },
	{ "app/d/[...a]/page.jsx", "app/d/[[...b]]/page.jsx" },
	{ "app/page.jsx", "app/(home)/page.tsx" },
};

START_TEST(test_same_url_conflict)
{
	char errbuf[512];
	expect_scan_error(
	    same_url_sites[_i], 2, SSRD_EINVAL, errbuf, sizeof(errbuf));
	ck_assert_msg(strstr(errbuf, same_url_sites[_i][0]) != NULL
	        && strstr(errbuf, same_url_sites[_i][1]) != NULL
	        && strstr(errbuf, "both answer") != NULL,
	    "the error does not name both files: %s", errbuf);
}
END_TEST

START_TEST(test_catch_all_not_last)
{
	static const char *const files[] = { "app/d/[...a]/edit/page.jsx" };
	char                     errbuf[512];
	expect_scan_error(files, 1, SSRD_EINVAL, errbuf, sizeof(errbuf));
	ck_assert_msg(strstr(errbuf,
	                  "app/d/[...a]/edit/page.jsx: a catch-all "
	                  "segment ([...a]) must be the last")
	        != NULL,
	    "%s", errbuf);
	static const char *const two[]
	    = { "app/x/layout.jsx", "app/x/layout.tsx", "app/x/page.jsx" };
	expect_scan_error(two, 3, SSRD_EINVAL, errbuf, sizeof(errbuf));
	ck_assert_msg(strstr(errbuf,
	                  "app/x/ has two layout files (layout.jsx "
	                  "and layout.tsx); keep one")
	        != NULL,
	    "%s", errbuf);
	static const char *const bad[] = { "app/[...1a]/page.jsx" };
	expect_scan_error(bad, 1, SSRD_EINVAL, errbuf, sizeof(errbuf));
	ck_assert_msg(
	    strstr(errbuf, "must be an identifier") != NULL, "%s", errbuf);
}
END_TEST

START_TEST(test_lookalike_warnings)
{
	static const char *const files[] = {
		"app/page.jsx",
		"app/a/Page.jsx",
		"app/a/layout.mjs",
		"app/a/layout.css",    /* a stylesheet: fine */
		"app/a/page.test.tsx", /* not a convention: fine */
		"app/api/route.ts",
		"app/@modal/page.jsx",
		"app/(.)photo/page.jsx",
	};
	ssrd_routes rt;
	site_of(files, N(files), &rt);
	ck_assert_uint_eq(rt.n, 1);
	static const char *const want[] = {
		"app/a/Page.jsx: not read as a convention file: ssrd reads "
		"page.jsx, page.tsx, page.js or page.ts (lower case)",
		"app/a/layout.mjs: not read as a convention file",
		"app/api/route.ts: route handlers are not supported",
		"app/@modal: parallel routes",
		"app/(.)photo: intercepting routes",
	};
	ck_assert_uint_eq(rt.nwarnings, N(want));
	for (size_t k = 0; k < N(want); k++) {
		int found = 0;
		for (size_t i = 0; i < rt.nwarnings; i++) {
			found |= strstr(rt.warnings[i], want[k]) != NULL;
		}
		ck_assert_msg(found, "no warning like \"%s\"", want[k]);
	}
	ssrd__routes_free(&rt);
}
END_TEST

static Suite *
routes_suite(void)
{
	Suite *s  = suite_create("routes");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_scan_table);
	tcase_add_test(tc, test_scan_order);
	tcase_add_test(tc, test_not_found_page);
	tcase_add_test(tc, test_match_static);
	tcase_add_test(tc, test_match_dynamic);
	tcase_add_test(tc, test_match_params_json_escaped);
	tcase_add_test(tc, test_match_no_route);
	tcase_add_test(tc, test_match_invalid);
	tcase_add_test(tc, test_match_many_segments);
	tcase_add_test(tc, test_static_beats_dynamic);
	tcase_add_test(tc, test_page_extensions);
	tcase_add_test(tc, test_scan_good_dynamic_names);
	tcase_add_test(tc, test_scan_no_app);
	tcase_add_test(tc, test_scan_empty_app);
	tcase_add_test(tc, test_scan_two_pages);
	tcase_add_loop_test(
	    tc, test_scan_bad_segment, 0, (int) N(bad_segment_names));
	tcase_add_test(tc, test_scan_bad_segment_without_page);
	tcase_add_test(tc, test_scan_sibling_dynamic_segments);
	tcase_add_test(tc, test_scan_colon_directory);
	tcase_add_test(tc, test_free_safe);
	tcase_add_test(tc, test_groups_and_catch_alls);
	tcase_add_test(tc, test_segment_files);
	tcase_add_loop_test(
	    tc, test_same_url_conflict, 0, (int) N(same_url_sites));
	tcase_add_test(tc, test_catch_all_not_last);
	tcase_add_test(tc, test_lookalike_warnings);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	if (mkdtemp(tmp_root) == NULL) {
		fprintf(stderr, "mkdtemp(%s): %s\n", tmp_root, strerror(errno));
		return EXIT_FAILURE;
	}
	int rc = ssrd_check_run(routes_suite(), CK_FORK);
	rm_rf(tmp_root);
	return rc;
}
