/* check_client.c: the client library (include/ssrd/client.h) against a real
 * daemon: this test starts `ssrd serve` on a scratch socket and drives it
 * with every call of the API, from several threads at once. */
#define _DEFAULT_SOURCE
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ssrd/client.h>

#include "check_run.h"

static char         dir[] = "/tmp/ssrd-check-client-XXXXXX";
static char         addr[300];
static pid_t        daemon_pid;
static ssrd_client *c;

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

START_TEST(test_render)
{
	ssrd_render_args a = {
		.url = "/echo", .props = "{\"name\":\"Ada <3\"}", .console = 1
	};
	ssrd_reply r;
	ck_assert_int_eq(ssrd_client_render(c, &a, &r), SSRD_OK);
	ck_assert_msg(r.ok, "%s: %s", r.code, r.message);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body, "<p id=\"name\">Ada &lt;3</p>") != NULL,
	    "%s", r.body);
	ck_assert_uint_eq(r.body_len, strlen(r.body));
	ck_assert(r.render_ms > 0 && r.total_ms >= r.render_ms);
	ck_assert_ptr_nonnull(r.console); /* asked for: present, maybe "" */
	ck_assert_ptr_nonnull(strstr(r.header_json, "\"kind\":\"render\""));
	ssrd_reply_clear(&r);
	ck_assert_ptr_null(r.body);

	/* query and headers reach the page as props */
	a = (ssrd_render_args) { .url = "/echo?x=1",
		.props                = "{\"name\":\"q\"}",
		.headers              = "{\"accept-language\":\"fr\"}" };
	ck_assert_int_eq(ssrd_client_render(c, &a, &r), SSRD_OK);
	ck_assert(r.ok);
	ck_assert_msg(strstr(r.body,
	                  "{&quot;query&quot;:{&quot;x&quot;:&quot;1&quot;},"
	                  "&quot;headers&quot;:{&quot;accept-language&quot;:"
	                  "&quot;fr&quot;}}")
	        != NULL,
	    "%s", r.body);
	ssrd_reply_clear(&r);
}
END_TEST

START_TEST(test_errors_come_as_replies)
{
	ssrd_render_args a = { .url = "/nope" };
	ssrd_reply       r;
	ck_assert_int_eq(ssrd_client_render(c, &a, &r), SSRD_OK);
	ck_assert(!r.ok);
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(r.code, "no_route");
	ck_assert_msg(r.total_ms == 0, "refused before a render: no timings");
	ssrd_reply_clear(&r);
	a.url = "/shellboom";
	ck_assert_int_eq(ssrd_client_render(c, &a, &r), SSRD_OK);
	ck_assert(!r.ok);
	ck_assert_int_eq(r.status, 500);
	ck_assert_str_eq(r.code, "render_error");
	ck_assert_str_eq(r.message, "Error: SHELL-FAILED before any output");
	ck_assert_msg(strstr(r.stack, "(app/shellboom/page.jsx:3:") != NULL,
	    "%s", r.stack);
	/* it ran, and failed: the reply says for how long */
	ck_assert_msg(r.render_ms > 0 && r.total_ms >= r.render_ms,
	    "timings of a failed render: render %f total %f", r.render_ms,
	    r.total_ms);
	ssrd_reply_clear(&r);
	a.url   = "/echo";
	a.props = "[1]"; /* not an object: the daemon says so */
	ck_assert_int_eq(ssrd_client_render(c, &a, &r), SSRD_OK);
	ck_assert_str_eq(r.code, "bad_request");
	ssrd_reply_clear(&r);
	a.url = NULL;
	ck_assert_int_eq(ssrd_client_render(c, &a, &r), SSRD_EINVAL);
}
END_TEST

START_TEST(test_batch)
{
	ssrd_render_args a[3]
	    = { { .url = "/echo", .props = "{\"name\":\"one\"}" },
		      { .url = "/nope" },
		      { .url = "/echo", .props = "{\"name\":\"three\"}" } };
	ssrd_reply r[3];
	ck_assert_int_eq(ssrd_client_batch(c, a, 3, r), SSRD_OK);
	ck_assert(r[0].ok && !r[1].ok && r[2].ok);
	ck_assert_ptr_nonnull(strstr(r[0].body, ">one<"));
	ck_assert_str_eq(r[1].code, "no_route");
	ck_assert_uint_eq(r[1].body_len, 0);
	ck_assert_ptr_nonnull(strstr(r[2].body, ">three<"));
	ck_assert_ptr_null(strstr(r[2].body, ">one<")); /* bodies split right */
	for (int i = 0; i < 3; i++) {
		ssrd_reply_clear(&r[i]);
	}
}
END_TEST

START_TEST(test_stream_pull_and_cancel)
{
	ssrd_render_args a
	    = { .url = "/order", .props = "{\"slow\":300,\"fast\":100}" };
	ssrd_stream *s;
	ssrd_reply   r;
	double       t0 = now_ms();
	ck_assert_int_eq(ssrd_client_stream(c, &a, &s, &r), SSRD_OK);
	double first = now_ms() - t0;
	ck_assert_msg(r.ok && !r.end, "%s", r.header_json);
	ck_assert_ptr_nonnull(strstr(r.body, "SHELL-READY"));
	ck_assert_ptr_null(strstr(r.body, "SLOW-CONTENT"));
	ck_assert_msg(first < 250, "shell after %.0f ms", first);
	ssrd_reply_clear(&r);
	int seen_fast = 0, seen_slow = 0, end = 0;
	while (!end) {
		ck_assert_int_eq(ssrd_stream_next(s, &r), SSRD_OK);
		ck_assert(r.ok);
		if (strstr(r.body, "FAST-CONTENT")) {
			ck_assert(!seen_slow); /* in order of resolution */
			seen_fast = 1;
		}
		seen_slow |= strstr(r.body, "SLOW-CONTENT") != NULL;
		end = r.end;
		ssrd_reply_clear(&r);
	}
	ck_assert(seen_fast && seen_slow);
	ck_assert_msg(now_ms() - t0 >= 295, "the end came early");
	ck_assert_int_eq(ssrd_stream_next(s, &r), SSRD_ECLOSED);
	ssrd_stream_close(s);

	/* cancel: a stream that would stall forever is closed at once */
	a = (ssrd_render_args) { .url = "/stall" };
	ck_assert_int_eq(ssrd_client_stream(c, &a, &s, &r), SSRD_OK);
	ck_assert_ptr_nonnull(strstr(r.body, "STALL-SHELL"));
	ssrd_reply_clear(&r);
	t0 = now_ms();
	ssrd_stream_close(s);
	ck_assert_msg(
	    now_ms() - t0 < 1000, "cancel took %.0f ms", now_ms() - t0);
}
END_TEST

static void *
hammer(void *arg)
{
	long n = (long) arg;
	for (int i = 0; i < 50; i++) {
		char props[64], want[64];
		snprintf(props, sizeof(props), "{\"name\":\"t%ld-%d\"}", n, i);
		snprintf(want, sizeof(want), ">t%ld-%d<", n, i);
		ssrd_render_args a = { .url = "/echo", .props = props };
		ssrd_reply       r;
		if (ssrd_client_render(c, &a, &r) != SSRD_OK || !r.ok
		    || strstr(r.body, want) == NULL) {
			ssrd_reply_clear(&r);
			return (void *) 1;
		}
		ssrd_reply_clear(&r);
	}
	return NULL;
}

START_TEST(test_one_client_many_threads)
{
	pthread_t t[8];
	for (long i = 0; i < 8; i++) {
		pthread_create(&t[i], NULL, hammer, (void *) i);
	}
	for (int i = 0; i < 8; i++) {
		void *bad;
		pthread_join(t[i], &bad);
		ck_assert_msg(
		    bad == NULL, "thread %d got a wrong or no reply", i);
	}
}
END_TEST

START_TEST(test_no_daemon_times_out)
{
	ssrd_client     *none;
	ssrd_client_opts o = { .timeout_ms = 300 };
	char             nowhere[300];
	snprintf(nowhere, sizeof(nowhere), "ipc://%s/nobody.sock", dir);
	ck_assert_int_eq(ssrd_client_open(nowhere, &o, &none), SSRD_OK);
	ssrd_render_args a = { .url = "/" };
	ssrd_reply       r;
	double           t0 = now_ms();
	ck_assert_int_eq(ssrd_client_render(none, &a, &r), SSRD_ETIMEDOUT);
	ck_assert(now_ms() - t0 < 2000);
	ssrd_client_close(none);
	ck_assert_int_eq(
	    ssrd_client_open("http://x", NULL, &none), SSRD_EINVAL);
	ck_assert_int_eq(ssrd_client_open("", NULL, &none), SSRD_EINVAL);
}
END_TEST

/* Starts `ssrd serve` on a socket in dir and waits until it answers. */
static int
start_daemon(void)
{
	char sock[300], cache[300], site[300];
	snprintf(sock, sizeof(sock), "ipc://%s/ssrd.sock", dir);
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	snprintf(site, sizeof(site), "%s/tests/fixtures/streamsite",
	    SSRD_SOURCE_DIR);
	snprintf(addr, sizeof(addr), "%s", sock);
	daemon_pid = fork();
	if (daemon_pid == 0) {
		execl(SSRD_BINARY_DIR "/ssrd", "ssrd", "serve", "--http", "",
		    "--ipc", sock, "--site", site, "--cache-dir", cache,
		    "--workers", "2", "--watch-ms", "0", "--log-level", "warn",
		    (char *) NULL);
		_exit(127);
	}
	ssrd_client_opts o = { .timeout_ms = 200 };
	ssrd_client     *probe;
	if (ssrd_client_open(addr, &o, &probe) != SSRD_OK) {
		return -1;
	}
	for (int i = 0; i < 300; i++) {
		char  *reply;
		size_t n;
		if (ssrd_client_request(
		        probe, "{\"v\":1,\"kind\":\"ping\"}", 21, &reply, &n)
		    == SSRD_OK) {
			free(reply);
			ssrd_client_close(probe);
			return 0;
		}
	}
	ssrd_client_close(probe);
	return -1;
}

int
main(void)
{
	if (mkdtemp(dir) == NULL || start_daemon() != 0
	    || ssrd_client_open(addr, NULL, &c) != SSRD_OK) {
		fprintf(stderr, "could not start the daemon on %s\n", addr);
		if (daemon_pid > 0) {
			kill(daemon_pid, SIGKILL);
		}
		return EXIT_FAILURE;
	}
	Suite *s  = suite_create("client");
	TCase *tc = tcase_create("all");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_render);
	tcase_add_test(tc, test_errors_come_as_replies);
	tcase_add_test(tc, test_batch);
	tcase_add_test(tc, test_stream_pull_and_cancel);
	tcase_add_test(tc, test_one_client_many_threads);
	tcase_add_test(tc, test_no_daemon_times_out);
	suite_add_tcase(s, tc);
	int rc = ssrd_check_run(s, CK_NOFORK);
	ssrd_client_close(c);
	kill(daemon_pid, SIGTERM);
	int status;
	waitpid(daemon_pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "the daemon did not stop cleanly (status %d)\n",
		    status);
		rc = EXIT_FAILURE;
	}
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "could not remove %s\n", dir);
	}
	return rc;
}
