/* check_proto.c: the render protocol's decoder and reply encoders. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/json.h"
#include "proto/proto.h"

#include "check_run.h"

static char why[512];

static int
decode(const char *text, ssrd_msg *m)
{
	return ssrd__proto_decode(text, strlen(text), 8, m, why, sizeof(why));
}

/* Decoding text fails with a reason containing want. */
static void
refused(const char *text, const char *want)
{
	ssrd_msg m;
	int      rv = decode(text, &m);
	ck_assert_msg(
	    rv == SSRD_EINVAL, "%s: decoded (%s)", text, ssrd_strerror(rv));
	ck_assert_msg(strstr(why, want) != NULL,
	    "%s: reason \"%s\" lacks \"%s\"", text, why, want);
	ssrd__proto_msg_clear(&m);
}

START_TEST(test_render_with_query_headers_and_props)
{
	ssrd_msg m;
	ck_assert_int_eq(
	    decode("{\"v\":1,\"kind\":\"render\",\"id\":\"a-7\","
	           "\"url\":\"/products?page=2&q=red+shoes&x=%3Cb%3E\","
	           "\"headers\":{\"accept-language\":\"fr\"},"
	           "\"props\":{\"count\":20, \"page\":\"mine\"},"
	           "\"options\":{\"stream\":false,\"timeout_ms\":1500,"
	           "\"console\":true,\"future\":[1]},\"extra\":null}",
	        &m),
	    SSRD_OK);
	ck_assert_int_eq(m.kind, SSRD_MSG_RENDER);
	ck_assert_str_eq(m.id, "\"a-7\"");
	ck_assert_uint_eq(m.nrenders, 1);
	ssrd_render_req *r = &m.renders[0];
	ck_assert_str_eq(r->url, "/products?page=2&q=red+shoes&x=%3Cb%3E");
	ck_assert_int_eq(r->stream, 0);
	ck_assert_int_eq(r->console, 1);
	ck_assert(r->timeout_ms == 1500);
	/* query decoded, headers as given, the request's props after them */
	ck_assert_str_eq(r->props,
	    "{\"query\":{\"page\":\"2\",\"q\":\"red "
	    "shoes\",\"x\":\"\\u003cb>\"},"
	    "\"headers\":{\"accept-language\":\"fr\"},\"count\":20, "
	    "\"page\":\"mine\"}");
	ck_assert_uint_eq(r->props_len, strlen(r->props));
	ssrd__proto_msg_clear(&m);

	/* no query, headers or props: an empty object; the default stream */
	ck_assert_int_eq(
	    decode("{\"kind\":\"stream\",\"url\":\"/\",\"v\":1}", &m), SSRD_OK);
	ck_assert_int_eq(m.kind, SSRD_MSG_STREAM);
	ck_assert_ptr_null(m.id);
	ck_assert_str_eq(m.renders[0].props, "{}");
	ck_assert_int_eq(m.renders[0].stream, -1);
	ssrd__proto_msg_clear(&m);
	/* "route" is a synonym of "url"; props {} merge to nothing */
	ck_assert_int_eq(decode("{\"v\":1,\"kind\":\"render\",\"route\":\"/a\","
	                        "\"props\":{ },\"host\":\"shop\",\"id\":12}",
	                     &m),
	    SSRD_OK);
	ck_assert_str_eq(m.renders[0].props, "{}");
	ck_assert_str_eq(m.renders[0].host, "shop");
	ck_assert_str_eq(m.id, "12");
	ssrd__proto_msg_clear(&m);
}
END_TEST

/* The query ends at the fragment, and a '?' inside the fragment starts
 * none (found by tests/fuzz/fuzz_http.c); equivalent queries give the same
 * props. */
START_TEST(test_page_props_fragment)
{
	static const struct {
		const char *url, *props;
	} cases[] = {
		{ "/a#f?q=1", "{}" },
		{ "/a?x=1#f?q=2", "{\"query\":{\"x\":\"1\"}}" },
		/* an empty query is none: "/a?" is "/a" */
		{ "/a?#", "{}" },
		{ "/a?&&", "{}" },
		/* names sorted, the last value of a repeated one */
		{ "/a?b=2&a=1", "{\"query\":{\"a\":\"1\",\"b\":\"2\"}}" },
		{ "/a?a=0&b=2&a=1", "{\"query\":{\"a\":\"1\",\"b\":\"2\"}}" },
		{ "/a?%62=2&a", "{\"query\":{\"a\":\"\",\"b\":\"2\"}}" },
		{ "/a?ab=1&a=2&b=3",
		    "{\"query\":{\"a\":\"2\",\"ab\":\"1\",\"b\":\"3\"}}" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		char  *props = ssrd__proto_page_props(
		     cases[i].url, NULL, 0, NULL, 0, &len);
		ck_assert_ptr_nonnull(props);
		ck_assert_msg(strcmp(props, cases[i].props) == 0,
		    "%s: props %s, want %s", cases[i].url, props,
		    cases[i].props);
		ck_assert_uint_eq(len, strlen(props));
		free(props);
	}
}
END_TEST

START_TEST(test_batch_pull_cancel_ping)
{
	ssrd_msg m;
	ck_assert_int_eq(decode("{\"v\":1,\"kind\":\"batch\",\"renders\":["
	                        "{\"url\":\"/\"},{\"url\":\"/p/1\",\"props\":"
	                        "{\"a\":1}},{\"url\":\"/x?y=1\"}]}",
	                     &m),
	    SSRD_OK);
	ck_assert_uint_eq(m.nrenders, 3);
	ck_assert_str_eq(m.renders[1].url, "/p/1");
	ck_assert_str_eq(m.renders[1].props, "{\"a\":1}");
	ck_assert_str_eq(m.renders[2].props, "{\"query\":{\"y\":\"1\"}}");
	ssrd__proto_msg_clear(&m);
	ck_assert_int_eq(
	    decode("{\"v\":1,\"kind\":\"pull\",\"stream\":\"s-1\"}", &m),
	    SSRD_OK);
	ck_assert_str_eq(m.stream, "s-1");
	ssrd__proto_msg_clear(&m);
	ck_assert_int_eq(
	    decode("{\"v\":1,\"kind\":\"cancel\",\"stream\":\"s-1\"}", &m),
	    SSRD_OK);
	ck_assert_int_eq(m.kind, SSRD_MSG_CANCEL);
	ssrd__proto_msg_clear(&m);
	ck_assert_int_eq(decode("{\"v\":1,\"kind\":\"ping\"}", &m), SSRD_OK);
	ssrd__proto_msg_clear(&m);
	/* diagnose: its format, and the admin token a tcp:// caller gives */
	ck_assert_int_eq(decode("{\"v\":1,\"kind\":\"diagnose\",\"format\":"
	                        "\"text\",\"token\":\"a\\\"b\"}",
	                     &m),
	    SSRD_OK);
	ck_assert_int_eq(m.kind, SSRD_MSG_DIAGNOSE);
	ck_assert_int_eq(m.text, 1);
	ck_assert_str_eq(m.token, "a\"b");
	ssrd__proto_msg_clear(&m);
	ck_assert_ptr_null(m.token);
	refused("{\"v\":1,\"kind\":\"diagnose\",\"token\":1}",
	    "token must be a string");
}
END_TEST

START_TEST(test_bad_requests_say_why)
{
	refused("", "one JSON object");
	refused("render /products", "one JSON object");
	refused("[1,2]", "one JSON object");
	refused("{\"v\":1,\"kind\":\"render\",\"url\":\"/\"} x", "text after");
	refused("{\"v\":1,\"kind\":\"render\",\"url\":\"/\"", "malformed");
	refused("{\"kind\":\"render\",\"url\":\"/\"}",
	    "protocol version (1) is required");
	refused("{\"v\":2,\"kind\":\"render\",\"url\":\"/\"}",
	    "version 2 is not supported");
	refused("{\"v\":\"1\",\"kind\":\"render\",\"url\":\"/\"}", "v must be");
	refused("{\"v\":1,\"url\":\"/\"}", "no \"kind\"");
	refused("{\"v\":1,\"kind\":\"draw\",\"url\":\"/\"}",
	    "unknown kind \"draw\"");
	refused("{\"v\":1,\"kind\":\"render\"}", "needs \"url\"");
	refused("{\"v\":1,\"kind\":\"render\",\"url\":\"products\"}",
	    "starting with /");
	refused("{\"v\":1,\"kind\":\"render\",\"url\":\"/\",\"props\":[1]}",
	    "props must be a JSON object");
	refused("{\"v\":1,\"kind\":\"render\",\"url\":\"/\",\"props\":\"{}\"}",
	    "props must be a JSON object");
	refused(
	    "{\"v\":1,\"kind\":\"render\",\"url\":\"/\",\"headers\":{\"a\":1}}",
	    "headers must be an object of strings");
	refused("{\"v\":1,\"kind\":\"render\",\"url\":\"/"
	        "\",\"options\":{\"timeout_ms\":-1}}",
	    "timeout_ms");
	refused("{\"v\":1,\"kind\":\"render\",\"url\":\"/"
	        "\",\"options\":{\"stream\":1}}",
	    "options.stream");
	refused("{\"v\":1,\"kind\":\"render\",\"url\":\"/a\\u0000b\"}",
	    "path string");
	refused("{\"v\":1,\"kind\":\"batch\"}", "needs \"renders\"");
	refused("{\"v\":1,\"kind\":\"batch\",\"renders\":[]}", "at least one");
	refused("{\"v\":1,\"kind\":\"batch\",\"renders\":[{\"url\":\"/"
	        "\"},{\"props\":{}}]}",
	    "renders[1]: a render needs");
	refused(
	    "{\"v\":1,\"kind\":\"batch\",\"renders\":[{\"url\":\"/"
	    "\"},{\"url\":\"/\"},"
	    "{\"url\":\"/\"},{\"url\":\"/\"},{\"url\":\"/\"},{\"url\":\"/\"},"
	    "{\"url\":\"/\"},{\"url\":\"/\"},{\"url\":\"/\"}]}",
	    "at most 8 renders");
	refused("{\"v\":1,\"kind\":\"pull\"}", "needs \"stream\"");
	refused("{\"v\":1,\"kind\":\"render\",\"id\":{},\"url\":\"/\"}",
	    "id must be");
	/* the id survives a refusal, for the error reply */
	ssrd_msg m;
	ck_assert_int_eq(
	    decode("{\"id\":99,\"v\":7,\"kind\":\"render\"}", &m), SSRD_EINVAL);
	ck_assert_str_eq(m.id, "99");
	ssrd__proto_msg_clear(&m);
}
END_TEST

START_TEST(test_every_truncation_is_refused_cleanly)
{
	const char *full
	    = "{\"v\":1,\"kind\":\"batch\",\"id\":\"t\",\"renders\":["
	      "{\"url\":\"/a?b=%41&c\",\"props\":{\"x\":[1,{\"y\":"
	      "\"\\u00e9\"}]},\"headers\":{\"h\":\"v\"},"
	      "\"options\":{\"stream\":true,\"timeout_ms\":5}}]}";
	size_t   n = strlen(full);
	ssrd_msg m;
	ck_assert_int_eq(decode(full, &m), SSRD_OK);
	ssrd__proto_msg_clear(&m);
	for (size_t len = 0; len < n; len++) {
		char *copy
		    = malloc(len ? len : 1); /* exact size: ASan checks */
		memcpy(copy, full, len);
		int rv = ssrd__proto_decode(copy, len, 8, &m, why, sizeof(why));
		ck_assert_msg(rv == SSRD_EINVAL, "prefix of %zu decoded", len);
		ck_assert_msg(why[0] != '\0', "prefix of %zu: no reason", len);
		ssrd__proto_msg_clear(&m);
		free(copy);
	}
}
END_TEST

/* The header line of a reply is one valid JSON object, then a newline. */
static void
valid_header(const ssrd_strbuf *b)
{
	const char *nl = memchr(b->ptr, '\n', b->len);
	ck_assert_ptr_nonnull(nl);
	ck_assert_uint_eq((size_t) (nl - b->ptr) + 1, b->len);
	ssrd_json j;
	ssrd__json_init(&j, b->ptr, (size_t) (nl - b->ptr));
	ck_assert_int_eq(ssrd__json_object(&j, NULL, NULL), SSRD_OK);
	ck_assert_int_eq(ssrd__json_end(&j), SSRD_OK);
}

START_TEST(test_replies_are_one_json_line)
{
	ssrd_strbuf        b = { 0 };
	ssrd_proto_timings t = { 0.01, 0.5, 1.25, 1.3 };
	ssrd__proto_reply_page(
	    &b, "\"a-7\"", "render", 404, &t, "info hi \"x\"\n", 1234);
	valid_header(&b);
	ck_assert_ptr_nonnull(strstr(b.ptr, "\"id\":\"a-7\""));
	ck_assert_ptr_nonnull(strstr(b.ptr, "\"ok\":true,\"status\":404,"));
	ck_assert_ptr_nonnull(strstr(b.ptr, "\"body_len\":1234}"));
	ck_assert_ptr_nonnull(
	    strstr(b.ptr, "\"console\":\"info hi \\\"x\\\"\\n\""));
	ssrd__strbuf_free(&b);
	ssrd__proto_reply_error(&b, NULL, "render", 500, "render_error",
	    "Error: boom", "Error: boom\n    at f (app/page.jsx:3:9)", NULL);
	valid_header(&b);
	ck_assert_ptr_nonnull(strstr(b.ptr, "\"code\":\"render_error\""));
	ck_assert_ptr_nonnull(strstr(b.ptr, "\\n    at f (app/page.jsx:3:9)"));
	ck_assert_ptr_null(strstr(b.ptr, "timings"));
	ssrd__strbuf_free(&b);
	/* a render that ran and failed: with its timings */
	ssrd__proto_reply_error(
	    &b, NULL, "render", 504, "timeout", "too slow", NULL, &t);
	valid_header(&b);
	ck_assert_ptr_nonnull(strstr(b.ptr, "\"timings\":{\"queue_ms\":"));
	ck_assert_ptr_nonnull(strstr(b.ptr, "\"code\":\"timeout\""));
	ssrd__strbuf_free(&b);
	ssrd__proto_reply_chunk(&b, "1", "s-9", 3, 1, "timeout", "stalled", 10);
	valid_header(&b);
	ck_assert_ptr_nonnull(strstr(b.ptr, "\"seq\":3,\"end\":true"));
	ssrd__strbuf_free(&b);
	const char *stack;
	char       *msg = ssrd__proto_split_error("Error: x\n    at f", &stack);
	ck_assert_str_eq(msg, "Error: x");
	ck_assert_str_eq(stack, "Error: x\n    at f");
	free(msg);
	msg = ssrd__proto_split_error("just this", &stack);
	ck_assert_str_eq(msg, "just this");
	ck_assert_ptr_null(stack);
	free(msg);
}
END_TEST

int
main(void)
{
	Suite *s  = suite_create("proto");
	TCase *tc = tcase_create("all");
	tcase_add_test(tc, test_render_with_query_headers_and_props);
	tcase_add_test(tc, test_page_props_fragment);
	tcase_add_test(tc, test_batch_pull_cancel_ping);
	tcase_add_test(tc, test_bad_requests_say_why);
	tcase_add_test(tc, test_every_truncation_is_refused_cleanly);
	tcase_add_test(tc, test_replies_are_one_json_line);
	suite_add_tcase(s, tc);
	return ssrd_check_run(s, CK_FORK);
}
