/* check_http_public.c tests src/http_public.c's side without nng: finding
 * a public file in a site (dotfiles, public/ itself, a public/ that is a
 * symlink or missing, the size limit, symlinks out of public/ into the
 * site), reading it, its validators, its content type and HTTP dates. The
 * HTTP answers themselves are tests/security/files.sh's. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <ssrd/errors.h>

#include "http/http_public.h"

#include "check_run.h"
#include "check_tree.h"

/* A site: top/site (app/, data/, .env, public/) and top/other (a site
 * whose public/ is a symlink out). */
static char top[64], site[96], other[96], nopub[96];

/* A file of n bytes of 'x'. */
static void
put_size(const char *rel, size_t n)
{
	char *b = malloc(n + 1);
	memset(b, 'x', n);
	b[n] = '\0';
	tree_put(top, rel, b);
	free(b);
}

static void
setup(void)
{
	tree_make(top, sizeof(top), "ssrd-public");
	snprintf(site, sizeof(site), "%s/site", top);
	snprintf(other, sizeof(other), "%s/other", top);
	snprintf(nopub, sizeof(nopub), "%s/nopub", top);
	tree_dir(top, "site");
	tree_dir(top, "site/app");
	tree_dir(top, "site/data");
	tree_dir(top, "site/public");
	tree_dir(top, "site/public/css");
	tree_dir(top, "site/public/.well-known");
	tree_dir(top, "other");
	tree_dir(top, "nopub");
	tree_put(top, "site/.env", "SECRET_ENV");
	tree_put(top, "site/app/page.jsx", "SECRET_PAGE");
	tree_put(top, "site/data/x.sqlite", "SECRET_DB");
	tree_put(top, "site/public/hello.txt", "hello");
	tree_put(top, "site/public/css/site.css", "body{}");
	tree_put(top, "site/public/.env", "PUBLIC_DOTENV");
	tree_put(top, "site/public/.well-known/security.txt", "contact");
	put_size("site/public/limit.bin", 1024);
	put_size("site/public/big.bin", 1025);
	tree_link(top, "../app", "site/public/app");
	tree_link(top, "../data/x.sqlite", "site/public/db.sqlite");
	tree_link(top, "../.env", "site/public/env");
	tree_link(top, "css/site.css", "site/public/style.css");
	tree_link(top, "../site/public", "other/public");
}

static void
teardown(void)
{
	tree_remove(top);
}

static const ssrd_public_opts opts
    = { .dotfiles = 0, .max_bytes = 1024, .max_age = 60 };

/* Opens file in root with o; checks the verdict and, refused, the reason
 * and that nothing is held. */
static void
expect(const char *root, const char *file, const ssrd_public_opts *o, int want,
    const char *want_why)
{
	ssrd_public_file f;
	const char      *why = NULL;
	int              rv  = ssrd__public_open(root, file, o, &f, &why);
	ck_assert_msg(rv == want
	        && (rv == SSRD_OK || (why && strcmp(why, want_why) == 0)),
	    "%s in %s: got %s (%s), want %s (%s)", file, root,
	    ssrd_err_name(rv), why ? why : "-", ssrd_err_name(want),
	    want_why ? want_why : "-");
	if (rv != SSRD_OK) {
		ck_assert_int_eq(f.fd, -1);
		ck_assert_ptr_null(f.data);
	}
	ssrd__public_close(&f);
}

START_TEST(test_open_refusals)
{
	expect(site, "hello.txt", &opts, SSRD_OK, NULL);
	expect(site, "css/site.css", &opts, SSRD_OK, NULL);
	expect(site, "style.css", &opts, SSRD_OK, NULL); /* stays inside */
	expect(site, "", &opts, SSRD_EINVAL, "directory");
	expect(site, "css", &opts, SSRD_EINVAL, "directory");
	expect(site, "nope.txt", &opts, SSRD_ENOENT, "missing");
	/* the site's secrets, by symlinks out of public/ */
	expect(site, "app/page.jsx", &opts, SSRD_EINVAL, "escapes");
	expect(site, "db.sqlite", &opts, SSRD_EINVAL, "escapes");
	expect(site, "env", &opts, SSRD_EINVAL, "escapes");
	/* dotfiles: refused at any depth unless turned on */
	expect(site, ".env", &opts, SSRD_EINVAL, "dotfile");
	expect(site, ".well-known/security.txt", &opts, SSRD_EINVAL, "dotfile");
	expect(site, "css/.hidden", &opts, SSRD_EINVAL, "dotfile");
	ssrd_public_opts dot = opts;
	dot.dotfiles         = 1;
	expect(site, ".env", &dot, SSRD_OK, NULL);
	expect(site, ".well-known/security.txt", &dot, SSRD_OK, NULL);
	expect(site, "css/.hidden", &dot, SSRD_ENOENT, "missing");
	/* not a dotfile: a dot inside a name */
	expect(site, "limit.bin", &opts, SSRD_OK, NULL);
	/* the size limit: max_bytes is served, one more is not */
	expect(site, "big.bin", &opts, SSRD_EINVAL, "too_big");
	ssrd_public_opts roomy = opts;
	roomy.max_bytes        = 1025;
	expect(site, "big.bin", &roomy, SSRD_OK, NULL);
	/* public/ itself a symlink (out of its site), or missing */
	expect(
	    other, "hello.txt", &opts, SSRD_EINVAL, "public_not_a_directory");
	expect(nopub, "hello.txt", &opts, SSRD_ENOENT, "no_public");
}
END_TEST

START_TEST(test_read_and_validators)
{
	ssrd_public_file f;
	const char      *why;
	ck_assert_int_eq(
	    ssrd__public_open(site, "css/site.css", &opts, &f, &why), SSRD_OK);
	ck_assert_uint_eq(f.len, 6);
	ck_assert_str_eq(f.type, "text/css; charset=utf-8");
	ck_assert_ptr_null(f.data); /* not read until asked */
	ck_assert_int_eq(ssrd__public_read(&f, &why), SSRD_OK);
	ck_assert_mem_eq(f.data, "body{}", 6);
	/* a quoted 16-digit hex ETag, and an HTTP date of the mtime */
	ck_assert_uint_eq(strlen(f.etag), 18);
	ck_assert_int_eq(f.etag[0], '"');
	ck_assert_int_eq(f.etag[17], '"');
	char date[32];
	ssrd__public_http_date(f.st.st_mtime, date, sizeof(date));
	ck_assert_str_eq(f.last_modified, date);
	char etag[24];
	strcpy(etag, f.etag);
	ssrd__public_close(&f);
	ssrd__public_close(&f); /* twice is harmless */
	ssrd__public_close(NULL);

	/* the same file, unchanged: the same ETag */
	ck_assert_int_eq(
	    ssrd__public_open(site, "css/site.css", &opts, &f, &why), SSRD_OK);
	ck_assert_str_eq(f.etag, etag);
	ssrd__public_close(&f);
	/* rewritten in place with its size and mtime put back (cp -p):
	 * another ETag all the same */
	char path[256];
	snprintf(path, sizeof(path), "%s/public/css/site.css", site);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	usleep(20000);
	tree_put(top, "site/public/css/site.css", "body{x");
	struct timespec ts[2] = { st.st_atim, st.st_mtim };
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	ck_assert_int_eq(
	    ssrd__public_open(site, "css/site.css", &opts, &f, &why), SSRD_OK);
	ck_assert_int_eq(f.st.st_mtim.tv_nsec, st.st_mtim.tv_nsec);
	ck_assert_str_ne(f.etag, etag);
	ssrd__public_close(&f);

	/* a file that shrinks between open and read is not sent short */
	ck_assert_int_eq(
	    ssrd__public_open(site, "hello.txt", &opts, &f, &why), SSRD_OK);
	snprintf(path, sizeof(path), "%s/public/hello.txt", site);
	ck_assert_int_eq(truncate(path, 2), 0);
	ck_assert_int_eq(ssrd__public_read(&f, &why), SSRD_EIO);
	ck_assert_str_eq(why, "changed");
	ck_assert_ptr_null(f.data);
	ssrd__public_close(&f);

	/* an empty file reads as nothing */
	tree_put(top, "site/public/empty.txt", "");
	ck_assert_int_eq(
	    ssrd__public_open(site, "empty.txt", &opts, &f, &why), SSRD_OK);
	ck_assert_int_eq(ssrd__public_read(&f, &why), SSRD_OK);
	ck_assert_uint_eq(f.len, 0);
	ssrd__public_close(&f);
}
END_TEST

START_TEST(test_types)
{
	static const struct {
		const char *name, *type;
	} t[] = {
		{ "index.html", "text/html; charset=utf-8" },
		{ "a/b/site.CSS", "text/css; charset=utf-8" },
		{ "app.js", "text/javascript; charset=utf-8" },
		{ "mod.mjs", "text/javascript; charset=utf-8" },
		{ "data.json", "application/json" },
		{ "app.js.map", "application/json" },
		{ "robots.txt", "text/plain; charset=utf-8" },
		{ "logo.svg", "image/svg+xml" },
		{ "a.png", "image/png" },
		{ "a.jpg", "image/jpeg" },
		{ "a.JPEG", "image/jpeg" },
		{ "a.gif", "image/gif" },
		{ "a.webp", "image/webp" },
		{ "a.avif", "image/avif" },
		{ "favicon.ico", "image/x-icon" },
		{ "f.woff", "font/woff" },
		{ "f.woff2", "font/woff2" },
		{ "f.ttf", "font/ttf" },
		{ "f.otf", "font/otf" },
		{ "m.wasm", "application/wasm" },
		{ "feed.xml", "application/xml" },
		{ "doc.pdf", "application/pdf" },
		{ "v.mp4", "video/mp4" },
		{ "v.webm", "video/webm" },
		{ "s.mp3", "audio/mpeg" },
		{ "x.tar.gz", "application/gzip" },
		{ "site.webmanifest", "application/manifest+json" },
		{ "README", "application/octet-stream" },
		{ ".env", "application/octet-stream" },
		{ "a.", "application/octet-stream" },
		{ "a.exe", "application/octet-stream" },
		{ "dir.css/file", "application/octet-stream" },
		{ "a.html5", "application/octet-stream" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_msg(
		    strcmp(ssrd__public_type(t[i].name), t[i].type) == 0,
		    "%s: %s, want %s", t[i].name, ssrd__public_type(t[i].name),
		    t[i].type);
	}
}
END_TEST

START_TEST(test_http_date)
{
	char d[32];
	ssrd__public_http_date(784111777, d, sizeof(d)); /* RFC 9110's */
	ck_assert_str_eq(d, "Sun, 06 Nov 1994 08:49:37 GMT");
	ssrd__public_http_date(0, d, sizeof(d));
	ck_assert_str_eq(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	ssrd__public_http_date(1709164800, d, sizeof(d)); /* a leap day */
	ck_assert_str_eq(d, "Thu, 29 Feb 2024 00:00:00 GMT");
}
END_TEST

int
main(void)
{
	Suite *s  = suite_create("http_public");
	TCase *tc = tcase_create("all");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_open_refusals);
	tcase_add_test(tc, test_read_and_validators);
	tcase_add_test(tc, test_types);
	tcase_add_test(tc, test_http_date);
	suite_add_tcase(s, tc);
	return ssrd_check_run(s, CK_FORK);
}
