/* check_directive.c tests src/directive.c: reading "use client" at the top
 * of a file as React and bundlers read it, and finding a site's client
 * files. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ssrd/errors.h>

#include "source/directive.h"

#include "check_run.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Texts that start with the directive. */
static const char *const client[] = {
	"\"use client\";\nexport default 1;",
	"'use client'\nimport x from 'y';",
	"\"use client\"",
	"// a comment\n/* and another */\n\"use client\";",
	"#!/usr/bin/env node\n\"use client\";",
	"\xEF\xBB\xBF\"use client\";",
	"\"use strict\";\n\"use client\";",
	"  \n\t\"use client\" // why\n",
	"\"use client\" /* why */;",
};

/* Texts that do not. */
static const char *const server[] = {
	"",
	"export default 1;\n\"use client\";",
	"import x from 'y';\n'use client';",
	"\"use server\";",
	"\"use client\" + x;",
	"\"use clients\";",
	"\"Use client\";",
	"`use client`;",
	"// \"use client\"\nexport default 1;",
	"/* \"use client\" */ export default 1;",
	"\"use client",
	"\"use\\x20client\";",
	"/* never closed \"use client\"",
};

START_TEST(test_client)
{
	const char *t = client[_i];
	ck_assert_msg(ssrd__directive_use_client(t, strlen(t)),
	    "not read as \"use client\": %s", t);
}
END_TEST

START_TEST(test_server)
{
	const char *t = server[_i];
	ck_assert_msg(!ssrd__directive_use_client(t, strlen(t)),
	    "read as \"use client\": %s", t);
}
END_TEST

/* The directive past the text's end is not read (no NUL needed). */
START_TEST(test_length_bounds)
{
	const char *t = "\"use client\";";
	ck_assert(!ssrd__directive_use_client(t, 5));
	ck_assert(!ssrd__directive_use_client(t, 11));
	ck_assert(ssrd__directive_use_client(t, 12));
}
END_TEST

static void
put(const char *root, const char *rel, const char *text)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	}
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "fopen(%s): %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

START_TEST(test_client_files)
{
	char root[] = "/tmp/check_directive.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(root));
	const char *yes = "\"use client\";\nexport default 1;\n";
	put(root, "components/Counter.tsx", yes);
	put(root, "app/page.tsx", "export default 1;\n");
	put(root, "app/b/error.jsx", yes);
	put(root, "app/b/types.d.ts", yes);
	put(root, "app/b/style.css", yes);
	put(root, "node_modules/x/index.js", yes);
	put(root, "public/app.js", yes);
	put(root, ".hidden/a.js", yes);
	ssrd_names files = { 0 };
	ck_assert_int_eq(ssrd__directive_client_files(root, &files), SSRD_OK);
	ck_assert_uint_eq(files.n, 2);
	ck_assert_str_eq(files.v[0], "app/b/error.jsx");
	ck_assert_str_eq(files.v[1], "components/Counter.tsx");
	ssrd__names_free(&files);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *
directive_suite(void)
{
	Suite *s  = suite_create("directive");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_client, 0, (int) N(client));
	tcase_add_loop_test(tc, test_server, 0, (int) N(server));
	tcase_add_test(tc, test_length_bounds);
	tcase_add_test(tc, test_client_files);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ssrd_check_run(directive_suite(), CK_FORK);
}
