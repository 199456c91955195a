/* check_http_response.c tests src/http/response.c: the response policy and
 * the one head builder every reply uses, buffered or streamed: nosniff on
 * every head it builds, the security headers as the policy says, the
 * status's own headers, caching, Vary, the framing, and the text form. */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ssrd/errors.h>

#include "core/strbuf.h"
#include "http/response.h"

#include "check_run.h"

static const int statuses[] = { 200, 304, 400, 401, 404, 405, 500, 503, 504 };
#define NSTATUSES (sizeof(statuses) / sizeof(statuses[0]))

/* The shapes of reply ssrd builds: a text reply, a page (buffered, from the
 * cache, streamed), the fallback, a public file, a streamed error. */
static ssrd_http_reply
shape(int i, int status)
{
	ssrd_http_reply r = { .status = status };
	switch (i) {
	case 0:
		r.type = "text/plain; charset=utf-8";
		break;
	case 1:
		r.type    = "text/html; charset=utf-8";
		r.caching = SSRD_HTTP_CACHE_PAGE;
		r.max_age = 60;
		r.swr     = 30;
		r.vary    = 1;
		r.etag    = "\"e\"";
		r.coding  = SSRD_CODING_GZIP;
		break;
	case 2:
		r.type       = "text/html; charset=utf-8";
		r.caching    = SSRD_HTTP_CACHE_PAGE;
		r.vary       = 1;
		r.close      = 1;
		r.unbuffered = 1;
		r.framing    = SSRD_HTTP_CHUNKED;
		break;
	case 3:
		r.type     = "text/html; charset=utf-8";
		r.caching  = SSRD_HTTP_CACHE_NO_STORE;
		r.fallback = "SSRD_ETIMEDOUT";
		r.close    = 1;
		r.framing  = SSRD_HTTP_LENGTH;
		r.length   = 12;
		break;
	case 4:
		r.type          = "text/css; charset=utf-8";
		r.caching       = SSRD_HTTP_CACHE_PUBLIC;
		r.max_age       = 3600;
		r.etag          = "\"f\"";
		r.last_modified = "Sun, 06 Nov 1994 08:49:37 GMT";
		break;
	default:
		r.type    = "text/javascript; charset=utf-8";
		r.caching = SSRD_HTTP_CACHE_IMMUTABLE;
		break;
	}
	return r;
}
#define NSHAPES 6

/* How many times name is in h (any case). */
static int
count(const ssrd_http_head *h, const char *name)
{
	int n = 0;
	for (size_t i = 0; i < h->n; i++) {
		n += strcasecmp(h->h[i].name, name) == 0;
	}
	return n;
}

static ssrd_http_policy *
policy(int security, const char *pass, const char *fallback)
{
	const ssrd_http_policy_opts o = {
		.security_headers = security,
		.pass_headers     = pass,
		.client_fallback  = fallback,
	};
	ssrd_http_policy *p = NULL;
	ck_assert_int_eq(ssrd__http_policy_new(&o, &p), SSRD_OK);
	ck_assert_ptr_nonnull(p);
	return p;
}

/* Every head, of every shape and status, under every policy (on, off, and
 * NULL: the defaults), says nosniff once, and the security headers as the
 * policy says; no header twice. */
START_TEST(test_nosniff_everywhere)
{
	ssrd_http_policy *on   = policy(1, NULL, NULL),
	                 *off  = policy(0, NULL, NULL);
	ssrd_http_policy *ps[] = { on, off, NULL };
	for (size_t k = 0; k < 3; k++) {
		for (int i = 0; i < NSHAPES; i++) {
			for (size_t j = 0; j < NSTATUSES; j++) {
				ssrd_http_reply r = shape(i, statuses[j]);
				ssrd_http_head  h;
				ssrd__http_head_build(ps[k], &r, &h);
				ck_assert_msg(
				    count(&h, "X-Content-Type-Options") == 1,
				    "policy %zu shape %d status %d: nosniff "
				    "%d times",
				    k, i, statuses[j],
				    count(&h, "X-Content-Type-Options"));
				ck_assert_str_eq(ssrd__http_head_get(&h,
				                     "x-content-type-options"),
				    "nosniff");
				int sec = ps[k] != off;
				ck_assert_int_eq(
				    count(&h, "X-Frame-Options"), sec);
				ck_assert_int_eq(
				    count(&h, "Referrer-Policy"), sec);
				for (size_t a = 0; a < h.n; a++) {
					ck_assert_msg(
					    count(&h, h.h[a].name) == 1,
					    "%s twice", h.h[a].name);
				}
				ck_assert_int_eq(h.status, statuses[j]);
			}
		}
	}
	ssrd__http_policy_release(on);
	ssrd__http_policy_release(off);
}
END_TEST

/* What a status brings itself: Allow on a 405, Retry-After on a 503, no
 * Content-Encoding on a 304; 0 is 200. */
START_TEST(test_status_headers)
{
	for (int i = 0; i < NSHAPES; i++) {
		for (size_t j = 0; j < NSTATUSES; j++) {
			ssrd_http_reply r = shape(i, statuses[j]);
			ssrd_http_head  h;
			ssrd__http_head_build(NULL, &r, &h);
			ck_assert_int_eq(
			    count(&h, "Allow"), statuses[j] == 405);
			ck_assert_int_eq(
			    count(&h, "Retry-After"), statuses[j] == 503);
			ck_assert_int_eq(count(&h, "Content-Encoding"),
			    r.coding != SSRD_CODING_IDENTITY
			        && statuses[j] != 304);
		}
	}
	ssrd_http_reply r = { 0 };
	ssrd_http_head  h;
	ssrd__http_head_build(NULL, &r, &h);
	ck_assert_int_eq(h.status, 200);
	ck_assert_str_eq(h.reason, "OK");
	ck_assert_ptr_null(ssrd__http_head_get(&h, "Cache-Control"));
	ck_assert_ptr_null(ssrd__http_head_get(&h, "Content-Type"));
	r.status = 405;
	ssrd__http_head_build(NULL, &r, &h);
	ck_assert_str_eq(ssrd__http_head_get(&h, "Allow"), "GET, HEAD");
	ck_assert_str_eq(h.reason, "Method Not Allowed");
}
END_TEST

/* Caching as each kind says it, and a page's Vary from the policy. */
START_TEST(test_caching_and_vary)
{
	ssrd_http_policy *p = policy(1, "Accept-Language, X-Theme", NULL);
	ck_assert_str_eq(p->vary, "Accept-Encoding, accept-language, x-theme");
	ck_assert_uint_eq(p->npass, 2);
	ssrd_http_head  h;
	ssrd_http_reply r = shape(1, 200);
	ssrd__http_head_build(p, &r, &h);
	ck_assert_str_eq(ssrd__http_head_get(&h, "Cache-Control"),
	    "public, max-age=60, stale-while-revalidate=30");
	ck_assert_str_eq(ssrd__http_head_get(&h, "Vary"), p->vary);
	r.max_age = 0; /* a page that is not to be cached */
	ssrd__http_head_build(p, &r, &h);
	ck_assert_str_eq(ssrd__http_head_get(&h, "Cache-Control"), "no-store");
	r = shape(4, 200);
	ssrd__http_head_build(p, &r, &h);
	ck_assert_str_eq(
	    ssrd__http_head_get(&h, "Cache-Control"), "public, max-age=3600");
	ck_assert_ptr_null(ssrd__http_head_get(&h, "Vary"));
	ck_assert_str_eq(ssrd__http_head_get(&h, "Last-Modified"),
	    "Sun, 06 Nov 1994 08:49:37 GMT");
	r = shape(5, 200);
	ssrd__http_head_build(p, &r, &h);
	ck_assert_str_eq(ssrd__http_head_get(&h, "Cache-Control"),
	    "public, max-age=31536000, immutable");
	r.caching = SSRD_HTTP_CACHE_NO_CACHE;
	ssrd__http_head_build(p, &r, &h);
	ck_assert_str_eq(ssrd__http_head_get(&h, "Cache-Control"), "no-cache");
	ck_assert_ptr_null(ssrd__http_head_get(&h, "Link"));
	r.link = "</a.css>; rel=preload; as=style"; /* a page's preloads */
	ssrd__http_head_build(p, &r, &h);
	ck_assert_str_eq(ssrd__http_head_get(&h, "Link"), r.link);
	ssrd__http_policy_release(p);
	/* no pass headers: the encoding alone */
	p = policy(1, NULL, "*");
	ck_assert_str_eq(p->vary, "Accept-Encoding");
	ck_assert_uint_eq(p->nfallback, 1);
	ck_assert_ptr_eq(ssrd__http_policy_retain(p), p);
	ssrd__http_policy_release(p);
	ssrd__http_policy_release(p);
	ssrd__http_policy_release(NULL); /* harmless */
}
END_TEST

/* The text form: the status line, each header, the blank line; the framing
 * of a streamed page and of a reply with its length. */
START_TEST(test_text)
{
	ssrd_http_reply r = shape(2, 404);
	ssrd_http_head  h;
	ssrd_strbuf     b = { 0 };
	ssrd__http_head_build(NULL, &r, &h);
	ssrd__http_head_write(&h, &b);
	ck_assert(!ssrd__strbuf_failed(&b));
	ck_assert_int_eq(strncmp(b.ptr, "HTTP/1.1 404 Not Found\r\n", 24), 0);
	ck_assert_ptr_nonnull(
	    strstr(b.ptr, "\r\nX-Content-Type-Options: nosniff\r\n"));
	ck_assert_ptr_nonnull(
	    strstr(b.ptr, "\r\nTransfer-Encoding: chunked\r\n"));
	ck_assert_ptr_nonnull(strstr(b.ptr, "\r\nConnection: close\r\n"));
	ck_assert_ptr_nonnull(strstr(b.ptr, "\r\nX-Accel-Buffering: no\r\n"));
	ck_assert_ptr_null(strstr(b.ptr, "Content-Length"));
	ck_assert_str_eq(b.ptr + b.len - 4, "\r\n\r\n");
	ck_assert_ptr_eq(strstr(b.ptr, "\r\n\r\n"), b.ptr + b.len - 4);
	ssrd__strbuf_free(&b);
	r = shape(3, 200);
	ssrd__http_head_build(NULL, &r, &h);
	ssrd__http_head_write(&h, &b);
	ck_assert_ptr_nonnull(strstr(b.ptr, "\r\nContent-Length: 12\r\n"));
	ck_assert_ptr_nonnull(
	    strstr(b.ptr, "\r\nX-Ssrd-Fallback: SSRD_ETIMEDOUT\r\n"));
	ck_assert_ptr_null(strstr(b.ptr, "Transfer-Encoding"));
	ssrd__strbuf_free(&b);
}
END_TEST

/* Reason phrases and the error bodies. */
START_TEST(test_reasons_and_texts)
{
	ck_assert_str_eq(ssrd__http_reason(503), "Service Unavailable");
	ck_assert_str_eq(ssrd__http_reason(504), "Gateway Timeout");
	ck_assert_str_eq(ssrd__http_reason(410), "Bad Request");
	ck_assert_str_eq(ssrd__http_reason(502), "Internal Server Error");
	ck_assert_str_eq(ssrd__http_reason(201), "OK");
	ck_assert_str_eq(ssrd__http_status_text(504), "504 render timed out\n");
	ck_assert_str_eq(ssrd__http_status_text(500), "500 render failed\n");
	ck_assert_str_eq(ssrd__http_status_text(400), "400 bad request\n");
}
END_TEST

int
main(void)
{
	Suite *s  = suite_create("http_response");
	TCase *tc = tcase_create("all");
	tcase_add_test(tc, test_nosniff_everywhere);
	tcase_add_test(tc, test_status_headers);
	tcase_add_test(tc, test_caching_and_vary);
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_reasons_and_texts);
	suite_add_tcase(s, tc);
	return ssrd_check_run(s, CK_FORK);
}
