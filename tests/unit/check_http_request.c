/* check_http_request.c tests src/http_request.c: what a request is for, its
 * refusals, the path it names (and the public file, in every spelling), its
 * props and cache key, the site its Host picks, and the cache's conditional
 * and encoding headers. */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "http/http_request.h"

#include "check_run.h"

/* Two sites, by Host; the reloaders are only picked, never looked into. */
static char           site_mem[2];
static ssrd_reloader *sites[]
    = { (ssrd_reloader *) &site_mem[0], (ssrd_reloader *) &site_mem[1] };
static char            *hosts[] = { NULL, "shop.example.com" };
static char            *pass[]  = { "accept-language", "user-agent" };
static const ssrd_sites table   = { .n = 2, .v = sites, .hosts = hosts };
static const ssrd_http_request_opts opts = {
	.pass  = pass,
	.npass = 2,
	.sites = &table,
};

/* Reads GET uri with the given headers into *r; returns the result. */
static int
get(const char *uri, const ssrd_http_header *h, size_t nh, ssrd_http_request *r)
{
	return ssrd__http_request_parse(&opts, "GET", uri, h, nh, r);
}

START_TEST(test_targets_and_methods)
{
	ssrd_http_request r;
	ck_assert_int_eq(get("/healthz?x", NULL, 0, &r), SSRD_OK);
	ck_assert_int_eq(r.target, SSRD_HTTP_HEALTHZ);
	ck_assert_ptr_null(r.props);
	ck_assert_int_eq(get("/readyz", NULL, 0, &r), SSRD_OK);
	ck_assert_int_eq(r.target, SSRD_HTTP_READYZ);
	ck_assert_int_eq(get("/_ssrd/client-1.js?v", NULL, 0, &r), SSRD_OK);
	ck_assert_int_eq(r.target, SSRD_HTTP_ASSET);
	ck_assert_uint_eq(r.path_len, strlen("/_ssrd/client-1.js"));
	ck_assert_int_eq(get("/healthzz", NULL, 0, &r), SSRD_OK);
	ck_assert_int_eq(r.target, SSRD_HTTP_PAGE);
	ssrd__http_request_clear(&r);

	ck_assert_int_eq(
	    ssrd__http_request_parse(&opts, "HEAD", "/", NULL, 0, &r), SSRD_OK);
	ck_assert_int_eq(r.head, 1);
	ssrd__http_request_clear(&r);
	/* any other method, even on /healthz: 405 */
	ck_assert_int_eq(
	    ssrd__http_request_parse(&opts, "POST", "/healthz", NULL, 0, &r),
	    SSRD_EINVAL);
	ck_assert_int_eq(r.status, 405);
	ck_assert_str_eq(r.reason, "405 method not allowed\n");
	ck_assert_int_eq(
	    ssrd__http_request_parse(&opts, "get", "/", NULL, 0, &r),
	    SSRD_EINVAL);
	ck_assert_int_eq(r.status, 405);
}
END_TEST

/* A path and what it normalises to, or NULL: refused with a 400. */
static const struct {
	const char *uri, *path;
} paths[] = {
	{ "/", "/" },
	{ "//", "/" },
	{ "/products/7/", "/products/7" },
	{ "//products//%37?x=1#y", "/products/7" },
	{ "/a%20b/%E2%9C%93", "/a b/\xe2\x9c\x93" },
	{ "/%25/...", "/%/..." },
	{ "/..", NULL },
	{ "/a/./b", NULL },
	{ "/a/%2e%2E/b", NULL },
	{ "/a%2fb", NULL },
	{ "/a%00", NULL },
	{ "/a%4", NULL },
	{ "/a%g0", NULL },
	{ "", NULL },
	{ "products", NULL },
	{ "http://shop.example.com/", NULL },
};

/* /metrics: a page like any other when metrics are off; open without a
 * token; with one, only to "Authorization: Bearer <token>". */
START_TEST(test_metrics_token)
{
	ssrd_http_request      r;
	ssrd_http_request_opts o = opts;
	ck_assert_int_eq(get("/metrics", NULL, 0, &r), SSRD_OK);
	ck_assert_int_eq(r.target, SSRD_HTTP_PAGE);
	ssrd__http_request_clear(&r);
	o.metrics = 1;
	ck_assert_int_eq(
	    ssrd__http_request_parse(&o, "GET", "/metrics?x", NULL, 0, &r),
	    SSRD_OK);
	ck_assert_int_eq(r.target, SSRD_HTTP_METRICS);
	o.admin_token = "t0ken";
	static const struct {
		const char *value;
		int         ok;
	} cases[] = { { NULL, 0 }, { "Bearer t0ken", 1 }, { "bearer t0ken", 1 },
		{ "Bearer t0ke", 0 }, { "Bearer t0kenn", 0 },
		{ "Bearer T0ken", 0 }, { "t0ken", 0 }, { "Basic t0ken", 0 },
		{ "Bearer ", 0 } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ssrd_http_header h  = { "authorization", cases[i].value };
		int              rv = ssrd__http_request_parse(
		                 &o, "GET", "/metrics", &h, 1, &r);
		ck_assert_msg(rv == (cases[i].ok ? SSRD_OK : SSRD_EINVAL),
		    "Authorization: %s", cases[i].value ? cases[i].value : "-");
		ck_assert_int_eq(r.target, SSRD_HTTP_METRICS);
		ck_assert_int_eq(r.status, cases[i].ok ? 0 : 401);
		ssrd__http_request_clear(&r);
	}
	o.admin_token = "";
	ck_assert_int_eq(
	    ssrd__http_request_parse(&o, "GET", "/metrics", NULL, 0, &r),
	    SSRD_OK);
	ssrd__http_request_clear(&r);
}
END_TEST

START_TEST(test_paths)
{
	ssrd_http_request r;
	int               rv = get(paths[_i].uri, NULL, 0, &r);
	if (paths[_i].path == NULL) {
		ck_assert_msg(rv == SSRD_EINVAL && r.status == 400,
		    "%s: got %s, status %d, want 400", paths[_i].uri,
		    ssrd_err_name(rv), r.status);
		ck_assert_str_eq(r.reason, "400 bad request path\n");
		ck_assert_ptr_null(r.path);
	} else {
		ck_assert_msg(
		    rv == SSRD_OK, "%s: %s", paths[_i].uri, ssrd_err_name(rv));
		ck_assert_str_eq(r.path, paths[_i].path);
	}
	ssrd__http_request_clear(&r);
}
END_TEST

/* Paths under /public/, decided on the normalised path: the file they
 * name under public/ (NULL: a page; "400": refused). */
static const struct {
	const char *uri, *file;
} publics[] = {
	{ "/public/a.css", "a.css" },
	{ "/public//css//a.css?v=1#x", "css/a.css" },
	{ "//public/css/a.css/", "css/a.css" },
	{ "/%70ublic/a.css", "a.css" },
	{ "/pub%6Cic/%61.css", "a.css" },
	{ "/public/a%20b.txt", "a b.txt" },
	{ "/public/.env", ".env" }, /* dotfiles are the handler's to refuse */
	{ "/public/", "" },         /* public/ itself: no file */
	{ "/public", "" },
	{ "//public//", "" },
	{ "/public?x=/etc/passwd", "" },
	{ "/public/....//x", "..../x" },
	{ "/public/..%5cx", "..\\x" }, /* a name with a backslash in it */
	{ "/public/%252e%252e/x", "%2e%2e/x" }, /* decoded once, no more */
	{ "/publicx/a", NULL },
	{ "/PUBLIC/a", NULL },
	{ "/a/public/b", NULL },
	{ "/_ssrd/../public/a", NULL }, /* the bundle's, compared raw */
	{ "/public/../etc/passwd", "400" },
	{ "/public/./../../etc/passwd", "400" },
	{ "/public/%2e%2e/etc/passwd", "400" },
	{ "/public/%2E%2E/etc/passwd", "400" },
	{ "/public/.%2e/etc/passwd", "400" },
	{ "/public/%2e./etc/passwd", "400" },
	{ "/public/..%2fetc/passwd", "400" },
	{ "/public%2f..%2fetc/passwd", "400" },
	{ "/public/./x", "400" },
	{ "/public/x/..", "400" },
	{ "/public/a%00.txt", "400" },
	{ "/public/a%2", "400" },
	{ "/./public/x", "400" },
	{ "/../public/x", "400" },
};

START_TEST(test_public)
{
	ssrd_http_request r;
	int               rv   = get(publics[_i].uri, NULL, 0, &r);
	const char       *want = publics[_i].file;
	if (want != NULL && strcmp(want, "400") == 0) {
		ck_assert_msg(rv == SSRD_EINVAL && r.status == 400,
		    "%s: got %s, status %d, want 400", publics[_i].uri,
		    ssrd_err_name(rv), r.status);
		ck_assert_ptr_null(r.file);
		ck_assert_ptr_null(r.path);
		return;
	}
	ck_assert_msg(
	    rv == SSRD_OK, "%s: %s", publics[_i].uri, ssrd_err_name(rv));
	if (want == NULL) {
		ck_assert_msg(
		    r.target == SSRD_HTTP_PAGE || r.target == SSRD_HTTP_ASSET,
		    "%s: target %d, want a page", publics[_i].uri, r.target);
		ck_assert_ptr_null(r.file);
	} else {
		ck_assert_msg(r.target == SSRD_HTTP_PUBLIC,
		    "%s: target %d, want public", publics[_i].uri, r.target);
		ck_assert_str_eq(r.file, want);
		/* file is the tail of the normalised path */
		ck_assert_str_eq(r.path + strlen(r.path) - strlen(want), want);
		ck_assert_int_eq(strncmp(r.path, "/public", 7), 0);
		/* no page, so nothing for one */
		ck_assert_ptr_null(r.props);
		ck_assert_ptr_null(r.key);
	}
	ssrd__http_request_clear(&r);
	ck_assert_ptr_null(r.file);
}
END_TEST

/* The site of a public file is the Host's, as for a page; HEAD is HEAD
 * and other methods are refused before the path is looked at. */
START_TEST(test_public_site_and_methods)
{
	const ssrd_http_header h[] = { { "Host", "shop.example.com" } };
	ssrd_http_request      r;
	ck_assert_int_eq(get("/public/a.css", h, 1, &r), SSRD_OK);
	ck_assert_ptr_eq(r.site, sites[1]);
	ssrd__http_request_clear(&r);
	ck_assert_int_eq(get("/public/a.css", NULL, 0, &r), SSRD_OK);
	ck_assert_ptr_eq(r.site, sites[0]);
	ssrd__http_request_clear(&r);
	ck_assert_int_eq(
	    ssrd__http_request_parse(&opts, "HEAD", "/public/a", NULL, 0, &r),
	    SSRD_OK);
	ck_assert_int_eq(r.target, SSRD_HTTP_PUBLIC);
	ck_assert_int_eq(r.head, 1);
	ssrd__http_request_clear(&r);
	ck_assert_int_eq(
	    ssrd__http_request_parse(&opts, "PUT", "/public/a", NULL, 0, &r),
	    SSRD_EINVAL);
	ck_assert_int_eq(r.status, 405);
	ck_assert_ptr_null(r.file);
}
END_TEST

START_TEST(test_segment_limit)
{
	char              uri[512] = "";
	ssrd_http_request r;
	for (int i = 0; i < 64; i++) {
		strcat(uri, "/s");
	}
	ck_assert_int_eq(get(uri, NULL, 0, &r), SSRD_OK);
	ssrd__http_request_clear(&r);
	strcat(uri, "/s");
	ck_assert_int_eq(get(uri, NULL, 0, &r), SSRD_EINVAL);
	ck_assert_int_eq(r.status, 400);
}
END_TEST

START_TEST(test_props_key_and_site)
{
	const ssrd_http_header h[] = {
		{ "Host", "SHOP.example.com:8443" },
		{ "Accept-Language", "fr<\"" },
		{ "Cookie", "secret" },
		{ "User-Agent", "\xff" },
	};
	ssrd_http_request r;
	ck_assert_int_eq(get("/p?q=a+b&x=%41#f", h, 4, &r), SSRD_OK);
	ck_assert_ptr_eq(r.site, sites[1]);
	ck_assert_str_eq(r.props,
	    "{\"query\":{\"q\":\"a b\",\"x\":\"A\"},\"headers\":{"
	    "\"accept-language\":\"fr\\u003c\\\"\","
	    "\"user-agent\":\"\xef\xbf\xbd\"}}");
	ck_assert_uint_eq(r.props_len, strlen(r.props));
	ck_assert_str_eq(r.key,
	    "/p\n{\"query\":{\"q\":\"a b\",\"x\":\"A\"},\"headers\":{"
	    "\"accept-language\":\"fr\\u003c\\\"\","
	    "\"user-agent\":\"\xef\xbf\xbd\"}}");
	ck_assert_uint_eq(r.key_len, strlen(r.key));
	ck_assert_str_eq(r.canon, "/p");
	ssrd__http_request_clear(&r);
	ssrd__http_request_clear(&r); /* twice is harmless */
	ssrd__http_request_clear(NULL);

	/* none of the headers: no member; another Host: the first site */
	const ssrd_http_header other[] = { { "Host", "shop.example.co" } };
	ck_assert_int_eq(get("/p", other, 1, &r), SSRD_OK);
	ck_assert_ptr_eq(r.site, sites[0]);
	ck_assert_str_eq(r.props, "{}");
	ck_assert_str_eq(r.key, "/p\n{}");
	ssrd__http_request_clear(&r);
}
END_TEST

/* Spellings of one request share one cache key, and the page sees the same
 * path and props for each; different requests do not (cache flooding). */
START_TEST(test_key_is_canonical)
{
	static const char *const same[] = { "/about", "//about", "/ab%6fut",
		"/ab%6Fut", "/about/", "/about?", "/about?&", "/about#x",
		"///about//", "/%61bout?#" };
	ssrd_http_request        r;
	ck_assert_int_eq(get(same[0], NULL, 0, &r), SSRD_OK);
	char *want = strdup(r.key);
	ck_assert_str_eq(r.canon, "/about");
	ssrd__http_request_clear(&r);
	for (size_t i = 1; i < sizeof(same) / sizeof(same[0]); i++) {
		ck_assert_int_eq(get(same[i], NULL, 0, &r), SSRD_OK);
		ck_assert_msg(strcmp(r.key, want) == 0, "%s: key %s, want %s",
		    same[i], r.key, want);
		ck_assert_str_eq(r.canon, "/about");
		ssrd__http_request_clear(&r);
	}
	free(want);
	/* reordered and repeated query names */
	static const char *const q[] = { "/p?b=2&a=1", "/p?a=1&b=2",
		"/p?a=0&b=2&a=1", "/p?%61=1&b=%32", "/p?b=2&&a=1&" };
	ck_assert_int_eq(get(q[0], NULL, 0, &r), SSRD_OK);
	want = strdup(r.key);
	ck_assert_str_eq(r.props, "{\"query\":{\"a\":\"1\",\"b\":\"2\"}}");
	ssrd__http_request_clear(&r);
	for (size_t i = 1; i < sizeof(q) / sizeof(q[0]); i++) {
		ck_assert_int_eq(get(q[i], NULL, 0, &r), SSRD_OK);
		ck_assert_msg(strcmp(r.key, want) == 0, "%s: key %s, want %s",
		    q[i], r.key, want);
		ssrd__http_request_clear(&r);
	}
	/* what does change the page changes the key */
	static const char *const differ[] = { "/p?a=2&b=2", "/p?a=1",
		"/P?a=1&b=2", "/p/x?a=1&b=2", "/p?a=1&b=2&c" };
	for (size_t i = 0; i < sizeof(differ) / sizeof(differ[0]); i++) {
		ck_assert_int_eq(get(differ[i], NULL, 0, &r), SSRD_OK);
		ck_assert_msg(strcmp(r.key, want) != 0, "%s: same key as %s",
		    differ[i], q[0]);
		ssrd__http_request_clear(&r);
	}
	free(want);
	/* bytes that may not stand for themselves stay encoded, canonically */
	ck_assert_int_eq(get("/caf%c3%a9/%20x%7e", NULL, 0, &r), SSRD_OK);
	ck_assert_str_eq(r.canon, "/caf%C3%A9/%20x~");
	ssrd__http_request_clear(&r);
}
END_TEST

START_TEST(test_codings_and_etags)
{
	const ssrd_coding I = SSRD_CODING_IDENTITY, G = SSRD_CODING_GZIP,
	                  B = SSRD_CODING_BR;
	const struct {
		const char *ae;
		ssrd_coding want;
	} cases[] = {
		{ NULL, I },
		{ "", I },
		{ "identity", I },
		{ "deflate", I },
		{ "gzip", G },
		{ "GZip", G },
		{ "x-gzip", G },
		{ "br", B },
		{ "gzip, deflate, br", B }, /* a tie: br */
		{ "br;q=1, gzip;q=0.5", B },
		{ "br;q=0.5, gzip", G },
		{ "gzip ; q=0.8 , br ; q=0.9", B },
		{ "br;level=5;q=0.7, gzip;q=0.6", B },
		{ "gzip;q=0", I },
		{ "gzip;Q=0.000", I },
		{ "gzip;q=0.0, br", B },
		{ "br;q=0, gzip;q=0", I },
		{ "gzip;q=0.001", G },
		{ "gzip;q=1.000, br;q=0.999", G },
		{ "*", B },
		{ "*;q=0", I },
		{ "gzip;q=0, *", B },
		{ "br;q=0, *;q=0.5", G },
		{ "deflate, *;q=0.1, gzip;q=0.05", B },
		/* what does not parse is passed over */
		{ "br;q=2, gzip", G },
		{ "br;q=1.5, gzip", G },
		{ "br;q=0.9x, gzip", G },
		{ "br;q=, gzip;q=0.3", G },
		{ "br junk, gzip", G },
		{ ",,, ,br", B },
		{ "verylongcodingname-br, gzip", G },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(
		    ssrd__http_request_coding(cases[i].ae) == cases[i].want,
		    "Accept-Encoding: %s",
		    cases[i].ae ? cases[i].ae : "(none)");
	}

	const char *etag = "\"0123456789abcdef\"";
	ck_assert_int_eq(ssrd__http_request_not_modified(NULL, etag), 0);
	ck_assert_int_eq(ssrd__http_request_not_modified("*", etag), 1);
	ck_assert_int_eq(ssrd__http_request_not_modified(
	                     "\"x\", W/\"0123456789abcdef\"", etag),
	    1);
	ck_assert_int_eq(
	    ssrd__http_request_not_modified("\"0123456789abcdef-gz\"", etag),
	    0);
}
END_TEST

int
main(void)
{
	Suite *s  = suite_create("http_request");
	TCase *tc = tcase_create("all");
	tcase_add_test(tc, test_targets_and_methods);
	tcase_add_test(tc, test_metrics_token);
	tcase_add_loop_test(
	    tc, test_paths, 0, (int) (sizeof(paths) / sizeof(paths[0])));
	tcase_add_loop_test(
	    tc, test_public, 0, (int) (sizeof(publics) / sizeof(publics[0])));
	tcase_add_test(tc, test_public_site_and_methods);
	tcase_add_test(tc, test_segment_limit);
	tcase_add_test(tc, test_props_key_and_site);
	tcase_add_test(tc, test_key_is_canonical);
	tcase_add_test(tc, test_codings_and_etags);
	suite_add_tcase(s, tc);
	return ssrd_check_run(s, CK_FORK);
}
