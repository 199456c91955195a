/* check_lifecycle.c tests src/app/lifecycle.c: the pid file and the
 * start-up checks. (What a reloaded config changed: check_config.c.) */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ssrd/errors.h>

#include "app/lifecycle.h"
#include "config/config.h"

#include "check_run.h"

/* Every test works under this directory, made and removed by main(). */
static char tmp_root[] = "/tmp/check_lifecycle.XXXXXX";

static void
path_in(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", tmp_root, name);
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "fopen(%s): %s", path, strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* The id of a process that has exited (and been reaped). */
static long
dead_pid(void)
{
	pid_t p = fork();
	ck_assert_msg(p >= 0, "fork: %s", strerror(errno));
	if (p == 0) {
		_exit(0);
	}
	waitpid(p, NULL, 0);
	return (long) p;
}

static long
pid_in(const char *path)
{
	long  pid = -1;
	FILE *f   = fopen(path, "r");
	if (f != NULL) {
		if (fscanf(f, "%ld", &pid) != 1) {
			pid = -1;
		}
		fclose(f);
	}
	return pid;
}

START_TEST(test_pidfile_write_remove)
{
	char path[512], err[512] = "";
	path_in(path, sizeof(path), "a.pid");
	int rv = ssrd__lifecycle_pidfile_write(path, err, sizeof(err));
	ck_assert_msg(rv == SSRD_OK, "write: %s: %s", ssrd_err_name(rv), err);
	ck_assert_int_eq(pid_in(path), (long) getpid());
	ssrd__lifecycle_pidfile_remove(path);
	ck_assert_msg(access(path, F_OK) != 0, "the pid file is still there");
	ssrd__lifecycle_pidfile_remove(NULL); /* harmless */
	ssrd__lifecycle_pidfile_remove("");
}
END_TEST

START_TEST(test_pidfile_live_owner)
{
	char path[512], text[64], err[512] = "", want[600];
	path_in(path, sizeof(path), "live.pid");
	snprintf(text, sizeof(text), "%ld\n", (long) getppid());
	write_text(path, text);
	int rv = ssrd__lifecycle_pidfile_write(path, err, sizeof(err));
	ck_assert_msg(
	    rv != SSRD_OK, "a pid file naming a live process was taken");
	snprintf(want, sizeof(want),
	    "another ssrd (pid %ld) is running with pid_file %s",
	    (long) getppid(), path);
	ck_assert_msg(strstr(err, want) != NULL, "message: %s", err);
	ck_assert_int_eq(pid_in(path), (long) getppid()); /* left alone */
	ssrd__lifecycle_pidfile_remove(path);             /* not ours: stays */
	ck_assert_int_eq(pid_in(path), (long) getppid());
}
END_TEST

START_TEST(test_pidfile_stale_replaced)
{
	char path[512], text[64], err[512] = "";
	path_in(path, sizeof(path), "stale.pid");
	snprintf(text, sizeof(text), "%ld\n", dead_pid());
	write_text(path, text);
	int rv = ssrd__lifecycle_pidfile_write(path, err, sizeof(err));
	ck_assert_msg(rv == SSRD_OK, "stale: %s: %s", ssrd_err_name(rv), err);
	ck_assert_int_eq(pid_in(path), (long) getpid());
}
END_TEST

START_TEST(test_pidfile_own_pid_is_stale)
{
	/* a restarted container often gets the pid its last run wrote */
	char path[512], text[64], err[512] = "";
	path_in(path, sizeof(path), "own.pid");
	snprintf(text, sizeof(text), "%ld\n", (long) getpid());
	write_text(path, text);
	int rv = ssrd__lifecycle_pidfile_write(path, err, sizeof(err));
	ck_assert_msg(rv == SSRD_OK, "own pid: %s: %s", ssrd_err_name(rv), err);
}
END_TEST

START_TEST(test_pidfile_not_a_pid)
{
	char path[512], err[512] = "";
	path_in(path, sizeof(path), "notes.txt");
	write_text(path, "precious notes\n");
	int rv = ssrd__lifecycle_pidfile_write(path, err, sizeof(err));
	ck_assert_msg(rv != SSRD_OK, "a file holding no pid was replaced");
	ck_assert_msg(strstr(err, "does not hold a process id") != NULL,
	    "message: %s", err);
	FILE *f       = fopen(path, "r");
	char  buf[64] = "";
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_str_eq(buf, "precious notes\n");
}
END_TEST

/* A config for preflight: a real site (the demo) and addresses under
 * tmp_root and on a free port. */
static void
preflight_config(ssrd_config *cfg)
{
	char errbuf[256], sock[512];
	ck_assert_int_eq(ssrd__config_init(cfg), SSRD_OK);
	ck_assert_int_eq(
	    ssrd__config_set(cfg, "site", SSRD_SOURCE_DIR "/js/demo", errbuf,
	        sizeof(errbuf)),
	    SSRD_OK);
	ck_assert_int_eq(
	    ssrd__config_set(cfg, "http", "", errbuf, sizeof(errbuf)), SSRD_OK);
	snprintf(sock, sizeof(sock), "ipc://%s/ok.sock", tmp_root);
	ck_assert_int_eq(
	    ssrd__config_set(cfg, "ipc", sock, errbuf, sizeof(errbuf)),
	    SSRD_OK);
}

/* Runs preflight with one option changed; returns its message ("" if it
 * passed). */
static const char *
preflight_with(const char *name, const char *value)
{
	static char err[1024];
	char        why[256];
	ssrd_config cfg;
	preflight_config(&cfg);
	ck_assert_int_eq(
	    ssrd__config_set(&cfg, name, value, why, sizeof(why)), SSRD_OK);
	err[0] = '\0';
	int rv = ssrd__lifecycle_preflight(&cfg, err, sizeof(err));
	ssrd__config_clear(&cfg);
	ck_assert_msg((rv == SSRD_OK) == (err[0] == '\0'),
	    "rv %s with message \"%s\"", ssrd_err_name(rv), err);
	return err;
}

START_TEST(test_preflight_ok)
{
	ck_assert_str_eq(preflight_with("log_level", "info"), "");
}
END_TEST

START_TEST(test_preflight_sites)
{
	char dir[512];
	ck_assert_ptr_nonnull(
	    strstr(preflight_with("site", "/nonexistent/site"),
	        "site /nonexistent/site: No such file or directory"));
	path_in(dir, sizeof(dir), "noapp");
	mkdir(dir, 0755);
	ck_assert_ptr_nonnull(
	    strstr(preflight_with("site", dir), "has no app/ directory"));
}
END_TEST

START_TEST(test_preflight_ipc_paths)
{
	char addr[600], file[512];
	ck_assert_ptr_nonnull(
	    strstr(preflight_with("ipc", "ipc:///nonexistent-dir/x.sock"),
	        "cannot listen on ipc:///nonexistent-dir/x.sock: the directory "
	        "/nonexistent-dir does not exist"));
	path_in(file, sizeof(file), "plain-file");
	write_text(file, "not a socket\n");
	snprintf(addr, sizeof(addr), "ipc://%s", file);
	ck_assert_ptr_nonnull(
	    strstr(preflight_with("ipc", addr), "exists and is not a socket"));
	ck_assert_ptr_nonnull(strstr(
	    preflight_with("ipc",
	        "ipc:///tmp/"
	        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	        ".sock"),
	    "a Unix socket's may be at most"));
}
END_TEST

START_TEST(test_preflight_port_in_use)
{
	/* a listening socket on a port the kernel picks */
	int                fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_addr.s_addr              = htonl(INADDR_LOOPBACK) };
	socklen_t          sl = sizeof(sa);
	ck_assert_int_eq(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *) &sa, &sl), 0);
	char url[64], want[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(sa.sin_port));
	snprintf(want, sizeof(want),
	    "cannot listen on %s: the port is in use by another process", url);
	ck_assert_msg(strstr(preflight_with("http", url), want) != NULL,
	    "http: %s", preflight_with("http", url));
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", ntohs(sa.sin_port));
	snprintf(want, sizeof(want),
	    "cannot listen on %s: the port is in use by another process", url);
	ck_assert_msg(strstr(preflight_with("ipc", url), want) != NULL,
	    "ipc: %s", preflight_with("ipc", url));
	close(fd);
}
END_TEST

START_TEST(test_preflight_pid_file_in_use)
{
	char path[512], text[64];
	path_in(path, sizeof(path), "busy.pid");
	snprintf(text, sizeof(text), "%ld\n", (long) getppid());
	write_text(path, text);
	ck_assert_ptr_nonnull(
	    strstr(preflight_with("pid_file", path), "another ssrd (pid"));
}
END_TEST

static Suite *
lifecycle_suite(void)
{
	Suite *s  = suite_create("lifecycle");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_pidfile_write_remove);
	tcase_add_test(tc, test_pidfile_live_owner);
	tcase_add_test(tc, test_pidfile_stale_replaced);
	tcase_add_test(tc, test_pidfile_own_pid_is_stale);
	tcase_add_test(tc, test_pidfile_not_a_pid);
	tcase_add_test(tc, test_preflight_ok);
	tcase_add_test(tc, test_preflight_sites);
	tcase_add_test(tc, test_preflight_ipc_paths);
	tcase_add_test(tc, test_preflight_port_in_use);
	tcase_add_test(tc, test_preflight_pid_file_in_use);
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
	int  rc = ssrd_check_run(lifecycle_suite(), CK_FORK);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_root);
	if (system(cmd) != 0) {
		fprintf(stderr, "could not remove %s\n", tmp_root);
	}
	return rc;
}
