/* check_metafile.c tests src/metafile.c (esbuild's metafile: inputs and the
 * imports left external) and the name sets of bundle_site.c, on metafiles
 * shaped as esbuild 0.28 writes them. */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/bundle.h"
#include "build/metafile.h"
#include "core/fsutil.h"
#include "core/names.h"

#include "check_run.h"
#include <ssrd/errors.h>

/* A page's metafile: a package, a built-in, a component (relative, left
 * external), one bundled import (no "external"), and a shell entry read
 * from stdin. */
static const char page_meta[]
    = "{\"inputs\":{"
      "\"app/blog/util.js\":{\"bytes\":61,\"imports\":[{\"path\":"
      "\"./site/components/Header\",\"kind\":\"import-statement\","
      "\"external\":true}],\"format\":\"esm\"},"
      "\"app/blog/page.jsx\":{\"bytes\":271,\"imports\":["
      "{\"path\":\"@mui/material/Button\",\"kind\":\"import-statement\","
      "\"external\":true},"
      "{\"path\":\"node:fs\",\"kind\":\"import-statement\",\"external\":"
      "true},"
      "{\"path\":\"app/blog/util.js\",\"kind\":\"import-statement\","
      "\"original\":\"./util\"},"
      "{\"path\":\"bundled-but-flagged\",\"kind\":\"require-call\","
      "\"external\":false}],\"format\":\"esm\"},"
      "\"<stdin>\":{\"bytes\":9,\"imports\":[{\"path\":\"gone\",\"kind\":"
      "\"require-call\",\"external\":true}]}},"
      "\"outputs\":{\"../out.js\":{\"imports\":[{\"path\":\"foo\",\"kind\":"
      "\"require-call\",\"external\":true}],\"exports\":[],\"inputs\":{}}}}";

static char *
write_temp(const char *text)
{
	char *path = strdup("/tmp/check_metafile.XXXXXX");
	int   fd   = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
	close(fd);
	return path;
}

START_TEST(test_inputs_and_externals)
{
	char         *path = write_temp(page_meta);
	ssrd_metafile m;
	ck_assert_int_eq(ssrd__metafile_read(path, &m), SSRD_OK);
	/* "<stdin>" is not a file: left out of the inputs. */
	ck_assert_uint_eq(m.ninputs, 2);
	ck_assert_str_eq(m.inputs[0], "app/blog/util.js");
	ck_assert_str_eq(m.inputs[1], "app/blog/page.jsx");
	/* Only imports marked external, inputs' not outputs', in order. */
	ck_assert_uint_eq(m.nexternals, 4);
	ck_assert_str_eq(m.externals[0].importer, "app/blog/util.js");
	ck_assert_str_eq(m.externals[0].path, "./site/components/Header");
	ck_assert_str_eq(m.externals[1].importer, "app/blog/page.jsx");
	ck_assert_str_eq(m.externals[1].path, "@mui/material/Button");
	ck_assert_str_eq(m.externals[2].path, "node:fs");
	ck_assert_str_eq(m.externals[3].importer, "<stdin>");
	ck_assert_str_eq(m.externals[3].path, "gone");
	ssrd__metafile_free(&m);
	ck_assert_uint_eq(m.ninputs + m.nexternals, 0);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_bad_metafiles)
{
	ssrd_metafile m;
	ck_assert_int_ne(
	    ssrd__metafile_read("/nonexistent/meta.json", &m), SSRD_OK);
	const char *bad[] = { "", "[]", "{\"inputs\":[]}",
		"{\"inputs\":{\"a\":{\"imports\":[{\"path\":1}]}}}",
		"{\"inputs\":{\"a\":{\"imports\":[{\"path\":\"x\"", "{} x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *path = write_temp(bad[i]);
		int   rv   = ssrd__metafile_read(path, &m);
		ck_assert_msg(rv != SSRD_OK, "accepted: %s", bad[i]);
		ck_assert_uint_eq(m.ninputs + m.nexternals, 0);
		unlink(path);
		free(path);
	}
}
END_TEST

START_TEST(test_names)
{
	ssrd_names s = { 0 };
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 100; i++) {
			char name[16];
			snprintf(name, sizeof(name), "pkg-%d", i);
			ck_assert_int_eq(ssrd__names_add(&s, name), SSRD_OK);
		}
	}
	ck_assert_uint_eq(s.n, 100); /* the second round added nothing */
	ck_assert_str_eq(s.v[0], "pkg-0");
	ck_assert_str_eq(s.v[99], "pkg-99");
	ck_assert(ssrd__names_has(&s, "pkg-42"));
	ck_assert(!ssrd__names_has(&s, "pkg-100"));
	ssrd__names_free(&s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert(!ssrd__names_has(&s, "pkg-0"));
}
END_TEST

static Suite *
metafile_suite(void)
{
	Suite *s  = suite_create("metafile");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_inputs_and_externals);
	tcase_add_test(tc, test_bad_metafiles);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ssrd_check_run(metafile_suite(), CK_FORK);
}
