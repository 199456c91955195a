/* check_fetch.c: the fetch host operation against real HTTP servers in the
 * test process (nng's, and a raw socket one for hand-written responses). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include <ssrd/errors.h>

#include "check_run.h"
#include "core/json.h"
#include "host/host.h"

#define CAP 1024     /* fetch_max_bytes in these tests */
#define BIG 4096     /* /big's body, over CAP */
#define SLOW_MS 3000 /* /slow's delay, well past any timeout here */

/* ---- the nng server -------------------------------------------------- */

static nng_http_server *server;
static int              port;      /* the nng server's */
static nng_aio         *slow_aio;  /* /slow's delay */
static nng_aio         *slow_user; /* the handler aio /slow holds */

static void
reply(nng_aio *aio, uint16_t status, const char *ctype, const char *body,
    size_t len)
{
	nng_http_res *res;
	if (nng_http_res_alloc(&res) != 0) {
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	nng_http_res_set_status(res, status);
	nng_http_res_set_header(res, "Content-Type", ctype);
	nng_http_res_set_header(res, "Cache-Control", "max-age=60");
	nng_http_res_set_header(res, "X-Not-Reported", "1");
	nng_http_res_copy_data(res, body, len);
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

static void
on_hello(nng_aio *aio)
{
	reply(aio, 200, "text/plain", "hi", 2);
}

static void
on_json(nng_aio *aio)
{
	const char *j = "{\"a\":[1,2],\"s\":\"x<y\"}";
	reply(aio, 200, "application/json", j, strlen(j));
}

static void
on_big(nng_aio *aio)
{
	static char body[BIG];
	memset(body, 'b', sizeof(body));
	reply(aio, 200, "text/plain", body, sizeof(body));
}

static void
on_latin(nng_aio *aio)
{
	/* Latin-1 bytes, not UTF-8: each must come back as U+FFFD. */
	reply(aio, 200, "text/plain; charset=iso-8859-1", "caf\xe9!", 5);
}

static void
on_missing(nng_aio *aio)
{
	reply(aio, 404, "text/plain", "nope", 4);
}

static void
slow_done(void *arg)
{
	(void) arg;
	nng_aio *user = slow_user;
	slow_user     = NULL;
	if (nng_aio_result(slow_aio) == 0) {
		reply(user, 200, "text/plain", "late", 4);
	} else {
		nng_aio_finish(user, nng_aio_result(slow_aio));
	}
}

static void
on_slow(nng_aio *aio)
{
	/* Waits on a timer, not in the handler: nng's threads stay free. */
	slow_user = aio;
	nng_sleep_aio(SLOW_MS, slow_aio);
}

static void
on_echo(nng_aio *aio)
{
	nng_http_req *req = nng_aio_get_input(aio, 0);
	void         *data;
	size_t        len;
	const char   *h  = nng_http_req_get_header(req, "X-Test");
	const char   *ua = nng_http_req_get_header(req, "User-Agent");
	const char   *ho = nng_http_req_get_header(req, "Host");
	nng_http_req_get_data(req, &data, &len);
	char *out;
	int   n = asprintf(&out, "%s %s|%s|%s|%s|%.*s",
	      nng_http_req_get_method(req), nng_http_req_get_uri(req),
            h ? h : "-", ua ? ua : "-", ho ? ho : "-", (int) len,
	      (const char *) data);
	if (n < 0) {
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	reply(aio, 200, "text/plain", out, (size_t) n);
	free(out);
}

static void
add(const char *path, void (*cb)(nng_aio *))
{
	nng_http_handler *h;
	ck_assert_int_eq(nng_http_handler_alloc(&h, path, cb), 0);
	ck_assert_int_eq(nng_http_handler_set_method(h, NULL), 0);
	ck_assert_int_eq(nng_http_handler_collect_body(h, true, 65536), 0);
	ck_assert_int_eq(nng_http_server_add_handler(server, h), 0);
}

/* Starts the nng server on 127.0.0.1: an ephemeral port, else a few random
 * high ones. */
static void
start_nng(void)
{
	ck_assert_int_eq(nng_aio_alloc(&slow_aio, slow_done, NULL), 0);
	srand((unsigned) time(NULL) ^ (unsigned) getpid());
	for (int i = 0; i < 20; i++) {
		int  want = i == 0 ? 0 : 20000 + rand() % 40000;
		char url[64];
		snprintf(url, sizeof(url), "http://127.0.0.1:%d", want);
		nng_url *u;
		ck_assert_int_eq(nng_url_parse(&u, url), 0);
		int rv = nng_http_server_hold(&server, u);
		nng_url_free(u);
		ck_assert_int_eq(rv, 0);
		add("/hello", on_hello);
		add("/json", on_json);
		add("/big", on_big);
		add("/slow", on_slow);
		add("/echo", on_echo);
		add("/latin", on_latin);
		add("/missing", on_missing);
		nng_sockaddr sa;
		if (nng_http_server_start(server) == 0
		    && nng_http_server_get_addr(server, &sa) == 0
		    && sa.s_family == NNG_AF_INET && sa.s_in.sa_port != 0) {
			port = ntohs(sa.s_in.sa_port);
			return;
		}
		nng_http_server_release(server);
		server = NULL;
	}
	ck_abort_msg("no port for the test HTTP server");
}

/* ---- the raw server: one canned response per connection ------------- */

static int         raw_fd = -1;
static int         raw_port;
static pthread_t   raw_thread;
static const char *raw_response; /* what every connection gets */
static size_t      raw_len;

static void *
raw_serve(void *arg)
{
	(void) arg;
	for (;;) {
		int c = accept(raw_fd, NULL, NULL);
		if (c < 0) {
			return NULL; /* the listener was shut down */
		}
		/* Read the request head, then answer and close. */
		char   buf[4096];
		size_t got = 0;
		while (got < sizeof(buf) - 1) {
			ssize_t n = read(c, buf + got, sizeof(buf) - 1 - got);
			if (n <= 0) {
				break;
			}
			got += (size_t) n;
			buf[got] = '\0';
			if (strstr(buf, "\r\n\r\n") != NULL) {
				break;
			}
		}
		size_t off = 0;
		while (off < raw_len) {
			ssize_t n = send(
			    c, raw_response + off, raw_len - off, MSG_NOSIGNAL);
			if (n <= 0) {
				break;
			}
			off += (size_t) n;
		}
		close(c);
	}
}

/* Returns a TCP listener on 127.0.0.1's ephemeral port, storing the port. */
static int
listen_any(int *portp)
{
	int                fd  = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa  = { .sin_family = AF_INET };
	socklen_t          len = sizeof(sa);
	sa.sin_addr.s_addr     = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *) &sa, &len), 0);
	*portp = ntohs(sa.sin_port);
	return fd;
}

static void
setup(void)
{
	start_nng();
	raw_fd = listen_any(&raw_port);
	ck_assert_int_eq(pthread_create(&raw_thread, NULL, raw_serve, NULL), 0);
}

static void
teardown(void)
{
	shutdown(raw_fd, SHUT_RDWR);
	pthread_join(raw_thread, NULL);
	close(raw_fd);
	/* A /slow reply still pending ends here (its handler aio fails). */
	nng_aio_free(slow_aio);
	nng_http_server_stop(server);
	nng_http_server_release(server);
}

/* ---- running fetch --------------------------------------------------- */

static char *allow_list[4];

static ssrd_host_opts
opts_with(const char *a, const char *b)
{
	ssrd_host_opts o   = { 0 };
	allow_list[0]      = (char *) a;
	allow_list[1]      = (char *) b;
	o.fetch_allow      = allow_list;
	o.nfetch_allow     = a == NULL ? 0 : b == NULL ? 1 : 2;
	o.fetch_timeout_ms = 2000;
	o.fetch_max_bytes  = CAP;
	return o;
}

/* Runs fetch with args (a JSON array) under o; the caller frees r.text. */
static ssrd_host_result
run(const ssrd_host_opts *o, const char *args)
{
	ssrd_host_req    req = { .opts = o,
		   .root               = "/",
		   .op                 = "fetch",
		   .args               = args,
		   .args_len           = strlen(args) };
	ssrd_host_result r   = { 0 };
	ssrd__host_run(&req, &r);
	ck_assert_ptr_nonnull(r.text);
	ck_assert_uint_eq(strlen(r.text), r.len);
	return r;
}

/* Fetches path from the nng server with optional options JSON. */
static ssrd_host_result
get(const ssrd_host_opts *o, int p, const char *path, const char *options)
{
	char args[1024];
	snprintf(args, sizeof(args), "[\"http://127.0.0.1:%d%s\"%s%s]", p, path,
	    options ? "," : "", options ? options : "");
	return run(o, args);
}

static void
expect_reject(ssrd_host_result r, const char *part)
{
	ck_assert_msg(!r.ok, "expected a rejection, got %s", r.text);
	ck_assert_msg(strstr(r.text, part) != NULL,
	    "message \"%s\" lacks \"%s\"", r.text, part);
	free(r.text);
}

/* The result, parsed. Strings are malloc'd; free with result_free(). */
struct result {
	double status;
	char  *status_text;
	char  *ctype;
	char  *clength;
	char  *cache;
	char  *unreported;
	char  *body;
	size_t body_len;
	int    nheaders;
};

static int
header_cb(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct result *res = ctx;
	char         **dst = strcmp(key, "content-type") == 0 ? &res->ctype
	            : strcmp(key, "content-length") == 0      ? &res->clength
	            : strcmp(key, "cache-control") == 0       ? &res->cache
	            : strcmp(key, "x-not-reported") == 0      ? &res->unreported
	                                                      : NULL;
	(void) keylen;
	res->nheaders++;
	if (dst == NULL) {
		return ssrd__json_skip(j);
	}
	return ssrd__json_string_dup(j, dst, NULL);
}

static int
result_cb(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct result *res = ctx;
	(void) keylen;
	if (strcmp(key, "status") == 0) {
		return ssrd__json_number(j, &res->status);
	}
	if (strcmp(key, "statusText") == 0) {
		return ssrd__json_string_dup(j, &res->status_text, NULL);
	}
	if (strcmp(key, "headers") == 0) {
		return ssrd__json_object(j, header_cb, res);
	}
	if (strcmp(key, "body") == 0) {
		return ssrd__json_string_dup(j, &res->body, &res->body_len);
	}
	return SSRD_EINVAL;
}

static struct result
parse(ssrd_host_result r)
{
	struct result res = { 0 };
	ssrd_json     j;
	ck_assert_msg(r.ok, "fetch failed: %s", r.text);
	ssrd__json_init(&j, r.text, r.len);
	ck_assert_msg(ssrd__json_object(&j, result_cb, &res) == SSRD_OK
	        && ssrd__json_end(&j) == SSRD_OK,
	    "result is not the expected JSON: %s", r.text);
	ck_assert_ptr_nonnull(res.status_text);
	ck_assert_ptr_nonnull(res.body);
	free(r.text);
	return res;
}

static void
result_free(struct result *res)
{
	free(res->status_text);
	free(res->ctype);
	free(res->clength);
	free(res->cache);
	free(res->unreported);
	free(res->body);
}

/* ---- tests ----------------------------------------------------------- */

START_TEST(test_get_ok)
{
	ssrd_host_opts o   = opts_with("127.0.0.1", NULL);
	struct result  res = parse(get(&o, port, "/hello", NULL));
	ck_assert_int_eq((int) res.status, 200);
	ck_assert_str_eq(res.status_text, "OK");
	ck_assert_str_eq(res.ctype, "text/plain");
	ck_assert_str_eq(res.clength, "2");
	ck_assert_str_eq(res.cache, "max-age=60");
	ck_assert_ptr_null(res.unreported); /* not in the reported set */
	ck_assert_str_eq(res.body, "hi");
	result_free(&res);

	/* Explicit null options and a 404, which is a result, not an error. */
	res = parse(get(&o, port, "/missing", "null"));
	ck_assert_int_eq((int) res.status, 404);
	ck_assert_str_eq(res.status_text, "Not Found");
	ck_assert_str_eq(res.body, "nope");
	result_free(&res);
}
END_TEST

START_TEST(test_get_json)
{
	ssrd_host_opts o   = opts_with("127.0.0.1", NULL);
	struct result  res = parse(get(&o, port, "/json", "{}"));
	ck_assert_int_eq((int) res.status, 200);
	ck_assert_str_eq(res.ctype, "application/json");
	ck_assert_str_eq(res.body, "{\"a\":[1,2],\"s\":\"x<y\"}");
	result_free(&res);
}
END_TEST

START_TEST(test_post_echo)
{
	ssrd_host_opts o = opts_with("127.0.0.1", NULL);
	char           host[64];
	snprintf(host, sizeof(host), "127.0.0.1:%d", port);
	struct result res = parse(get(&o, port, "/echo?q=1#frag",
	    "{\"method\":\"POST\",\"headers\":{\"X-Test\":\"abc\"},"
	    "\"body\":\"payload \\\"quoted\\\"\",\"cache\":\"no-store\"}"));
	ck_assert_int_eq((int) res.status, 200);
	char want[256];
	snprintf(want, sizeof(want),
	    "POST /echo?q=1|abc|ssrd|%s|payload \"quoted\"", host);
	ck_assert_str_eq(res.body, want);
	result_free(&res);

	/* Lower-case methods are accepted; a page's User-Agent wins. */
	res = parse(get(&o, port, "/echo",
	    "{\"method\":\"put\",\"headers\":{\"user-agent\":\"me\"},"
	    "\"body\":\"\"}"));
	snprintf(want, sizeof(want), "PUT /echo|-|me|%s|", host);
	ck_assert_str_eq(res.body, want);
	result_free(&res);

	/* HEAD: the headers, no body. */
	res = parse(get(&o, port, "/hello", "{\"method\":\"HEAD\"}"));
	ck_assert_int_eq((int) res.status, 200);
	ck_assert_str_eq(res.body, "");
	result_free(&res);
}
END_TEST

START_TEST(test_bad_options)
{
	ssrd_host_opts o = opts_with("127.0.0.1", NULL);
	expect_reject(run(&o, "[42]"), "url must be a string");
	expect_reject(run(&o, "[]"), "url must be a string");
	expect_reject(
	    get(&o, port, "/hello", "\"GET\""), "options must be an object");
	expect_reject(get(&o, port, "/hello", "{\"method\":\"TRACE\"}"),
	    "method \"TRACE\" is not supported");
	expect_reject(get(&o, port, "/hello", "{\"headers\":[\"a\"]}"),
	    "options.headers must be an object");
	expect_reject(get(&o, port, "/hello", "{\"headers\":{\"X-A\":1}}"),
	    "header \"X-A\" must be a string");
	expect_reject(
	    get(&o, port, "/hello", "{\"headers\":{\"X-A\":\"a\\r\\nB: c\"}}"),
	    "CR, LF");
	expect_reject(
	    get(&o, port, "/hello", "{\"headers\":{\"X-A\":\"a\\n\"}}"),
	    "CR, LF");
	expect_reject(
	    get(&o, port, "/hello", "{\"headers\":{\"X-A\":\"a\\u0000b\"}}"),
	    "CR, LF");
	expect_reject(get(&o, port, "/hello", "{\"headers\":{\"X A\":\"a\"}}"),
	    "not a valid header name");
	expect_reject(
	    get(&o, port, "/hello", "{\"headers\":{\"Bad\\r\\nName\":\"a\"}}"),
	    "not a valid header name");
	expect_reject(get(&o, port, "/hello", "{\"headers\":{\"host\":\"x\"}}"),
	    "header \"host\" is set by ssrd");
	expect_reject(
	    get(&o, port, "/hello", "{\"headers\":{\"Content-Length\":\"9\"}}"),
	    "is set by ssrd");
	expect_reject(get(&o, port, "/hello", "{\"body\":{\"a\":1}}"),
	    "options.body must be a string");
	expect_reject(get(&o, port, "/hello", "{\"body\":\"x\"}"),
	    "a GET request cannot have a body");
}
END_TEST

START_TEST(test_not_allowed)
{
	ssrd_host_opts o = opts_with("localhost", "example.com");
	char           want[64];
	snprintf(want, sizeof(want),
	    "fetch: host \"127.0.0.1:%d\" is not in fetch_allow", port);
	/* "localhost" is not resolved to match 127.0.0.1: text compares. */
	expect_reject(get(&o, port, "/hello", NULL), want);
}
END_TEST

START_TEST(test_empty_allowlist)
{
	ssrd_host_opts o = opts_with(NULL, NULL);
	expect_reject(get(&o, port, "/hello", NULL),
	    "fetch: no host is allowed (config [host] fetch_allow)");
}
END_TEST

START_TEST(test_host_port_entry)
{
	char entry[64], wrong[64];
	snprintf(entry, sizeof(entry), "127.0.0.1:%d", port);
	snprintf(
	    wrong, sizeof(wrong), "127.0.0.1:%d", port == 65535 ? 1 : port + 1);

	ssrd_host_opts o   = opts_with(wrong, entry);
	struct result  res = parse(get(&o, port, "/hello", NULL));
	ck_assert_str_eq(res.body, "hi");
	result_free(&res);

	o = opts_with(wrong, NULL);
	expect_reject(get(&o, port, "/hello", NULL), "is not in fetch_allow");

	/* A port entry for the default port matches a URL without one (so
	 * the answer, whatever it is, is not the allowlist's refusal), and
	 * admits no other port. */
	o = opts_with("127.0.0.1:80", NULL);
	expect_reject(get(&o, port, "/hello", NULL), "is not in fetch_allow");
	ssrd_host_result r = run(&o, "[\"http://127.0.0.1/x\"]");
	ck_assert_msg(strstr(r.text, "fetch_allow") == NULL, "got %s", r.text);
	free(r.text);
}
END_TEST

START_TEST(test_host_case_insensitive)
{
	/* The entry admits the URL (so the message is about connecting, not
	 * the allowlist): hosts compare ignoring case, without resolving. */
	int closed_port;
	int fd = listen_any(&closed_port);
	close(fd);
	ssrd_host_opts o = opts_with("LocalHost", NULL);
	char           args[128];
	snprintf(args, sizeof(args), "[\"http://LOCALHOST:%d/\"]", closed_port);
	ssrd_host_result r = run(&o, args);
	ck_assert_msg(!r.ok && strstr(r.text, "fetch_allow") == NULL
	        && strstr(r.text, "cannot connect to localhost:") != NULL,
	    "got %s", r.text);
	free(r.text);
}
END_TEST

START_TEST(test_https_refused)
{
	ssrd_host_opts o = opts_with("127.0.0.1", NULL);
	expect_reject(run(&o, "[\"https://127.0.0.1/\"]"),
	    "fetch: https is not supported; use http:// to a local endpoint");
	expect_reject(run(&o, "[\"HTTPS://127.0.0.1/\"]"), "https is not");
}
END_TEST

START_TEST(test_malformed_url)
{
	ssrd_host_opts o = opts_with("127.0.0.1", NULL);
	expect_reject(run(&o, "[\"not a url\"]"), "malformed URL");
	expect_reject(run(&o, "[\"hello\"]"), "malformed URL \"hello\"");
	expect_reject(run(&o, "[\"http://\"]"), "malformed URL");
	expect_reject(run(&o, "[\"http:/x\"]"), "malformed URL");
	expect_reject(run(&o, "[\"http://127.0.0.1:99999/\"]"), "bad port");
	expect_reject(run(&o, "[\"http://127.0.0.1:0/\"]"), "bad port");
	expect_reject(run(&o, "[\"http://127.0.0.1:x/\"]"), "bad port");
	expect_reject(run(&o, "[\"http://h%41st/\"]"), "bad host");
	expect_reject(run(&o, "[\"http://127.0.0.1/a b\"]"), "percent-encoded");
	expect_reject(run(&o, "[\"ftp://127.0.0.1/\"]"), "not an http:// URL");
	expect_reject(run(&o, "[\"http://u:p@127.0.0.1/\"]"), "credentials");
}
END_TEST

START_TEST(test_too_big)
{
	ssrd_host_opts o = opts_with("127.0.0.1", NULL);
	char           want[128];
	snprintf(want, sizeof(want),
	    "fetch: response of %d bytes is over fetch_max_bytes (%d)", BIG,
	    CAP);
	expect_reject(get(&o, port, "/big", NULL), want);
	/* With a cap big enough, the same body comes through. */
	o.fetch_max_bytes = BIG;
	struct result res = parse(get(&o, port, "/big", NULL));
	ck_assert_uint_eq(res.body_len, BIG);
	result_free(&res);
}
END_TEST

START_TEST(test_timeout)
{
	ssrd_host_opts  o = opts_with("127.0.0.1", NULL);
	struct timespec t0, t1;
	o.fetch_timeout_ms = 200;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ssrd_host_result r = get(&o, port, "/slow", NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double) (t1.tv_sec - t0.tv_sec)
	    + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
	char want[128];
	snprintf(want, sizeof(want),
	    "fetch: http://127.0.0.1:%d/slow timed out after 200 ms", port);
	expect_reject(r, want);
	ck_assert_msg(secs < 2.0, "fetch took %.3f s", secs);
	ck_assert_msg(secs >= 0.15, "fetch gave up early, %.3f s", secs);
}
END_TEST

START_TEST(test_connection_refused)
{
	int closed_port;
	int fd = listen_any(&closed_port);
	close(fd);
	ssrd_host_opts o = opts_with("127.0.0.1", NULL);
	char           want[128];
	snprintf(want, sizeof(want),
	    "fetch: cannot connect to 127.0.0.1:%d: %s", closed_port,
	    nng_strerror(NNG_ECONNREFUSED));
	expect_reject(get(&o, closed_port, "/", NULL), want);
}
END_TEST

START_TEST(test_utf8_body)
{
	ssrd_host_opts o   = opts_with("127.0.0.1", NULL);
	struct result  res = parse(get(&o, port, "/latin", NULL));
	ck_assert_str_eq(res.body, "caf\xef\xbf\xbd!");
	result_free(&res);
}
END_TEST

START_TEST(test_chunked)
{
	raw_response       = "HTTP/1.1 200 OK\r\n"
	                     "Content-Type: text/plain\r\n"
	                     "Transfer-Encoding: chunked\r\n"
	                     "\r\n"
	                     "5\r\nhello\r\n"
	                     "1;ext=1\r\n \r\n"
	                     "A\r\nworld!!!!!\r\n"
	                     "0\r\n"
	                     "X-Trailer: t\r\n"
	                     "\r\n";
	raw_len            = strlen(raw_response);
	ssrd_host_opts o   = opts_with("127.0.0.1", NULL);
	struct result  res = parse(get(&o, raw_port, "/", NULL));
	ck_assert_int_eq((int) res.status, 200);
	ck_assert_str_eq(res.body, "hello world!!!!!");
	ck_assert_ptr_null(res.clength);
	result_free(&res);
}
END_TEST

START_TEST(test_chunked_too_big)
{
	/* Chunks under the cap each, over it together; and one huge size. */
	static char resp[8192];
	int         n = snprintf(resp, sizeof(resp),
	            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (int i = 0; i < 3; i++) {
		n += snprintf(resp + n, sizeof(resp) - (size_t) n, "200\r\n");
		memset(resp + n, 'c', 0x200);
		n += 0x200;
		n += snprintf(resp + n, sizeof(resp) - (size_t) n, "\r\n");
	}
	n += snprintf(resp + n, sizeof(resp) - (size_t) n, "0\r\n\r\n");
	raw_response     = resp;
	raw_len          = (size_t) n;
	ssrd_host_opts o = opts_with("127.0.0.1", NULL);
	expect_reject(get(&o, raw_port, "/", NULL),
	    "response body is over fetch_max_bytes (1024)");

	raw_response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	               "ffffffffffffffffffff\r\n";
	raw_len      = strlen(raw_response);
	expect_reject(
	    get(&o, raw_port, "/", NULL), "over fetch_max_bytes (1024)");

	raw_response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	               "zz\r\n";
	raw_len      = strlen(raw_response);
	expect_reject(get(&o, raw_port, "/", NULL), "malformed response");

	raw_response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n";
	raw_len      = strlen(raw_response);
	expect_reject(get(&o, raw_port, "/", NULL),
	    "Transfer-Encoding \"gzip\", which fetch cannot decode");
}
END_TEST

START_TEST(test_close_delimited)
{
	ssrd_host_opts o  = opts_with("127.0.0.1", NULL);
	raw_response      = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	                    "\r\nuntil the end\nof the stream";
	raw_len           = strlen(raw_response);
	struct result res = parse(get(&o, raw_port, "/", NULL));
	ck_assert_str_eq(res.body, "until the end\nof the stream");
	result_free(&res);

	static char resp[4096];
	int         n = snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\n\r\n");
	memset(resp + n, 'd', CAP + 1);
	raw_response = resp;
	raw_len      = (size_t) n + CAP + 1;
	expect_reject(
	    get(&o, raw_port, "/", NULL), "over fetch_max_bytes (1024)");

	/* A Content-Length body cut short is an error, not a short body. */
	raw_response = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
	raw_len      = strlen(raw_response);
	expect_reject(
	    get(&o, raw_port, "/", NULL), "ended before it was complete");

	raw_response = "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nabc";
	raw_len      = strlen(raw_response);
	expect_reject(
	    get(&o, raw_port, "/", NULL), "malformed Content-Length \"1x\"");
}
END_TEST

int
main(void)
{
	Suite *s  = suite_create("fetch");
	TCase *tc = tcase_create("all");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_get_ok);
	tcase_add_test(tc, test_get_json);
	tcase_add_test(tc, test_post_echo);
	tcase_add_test(tc, test_bad_options);
	tcase_add_test(tc, test_not_allowed);
	tcase_add_test(tc, test_empty_allowlist);
	tcase_add_test(tc, test_host_port_entry);
	tcase_add_test(tc, test_host_case_insensitive);
	tcase_add_test(tc, test_https_refused);
	tcase_add_test(tc, test_malformed_url);
	tcase_add_test(tc, test_too_big);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_connection_refused);
	tcase_add_test(tc, test_utf8_body);
	tcase_add_test(tc, test_chunked);
	tcase_add_test(tc, test_chunked_too_big);
	tcase_add_test(tc, test_close_delimited);
	suite_add_tcase(s, tc);
	return ssrd_check_run(s, CK_FORK);
}
