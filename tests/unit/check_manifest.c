/* check_manifest.c: the SQLite cache manifest, on real files in a temporary
 * directory. */
#define _DEFAULT_SOURCE
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ssrd/errors.h>

#include "build/manifest.h"

#include "check_run.h"

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ssrd-check-manifest-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static ssrd_manifest *
open_ok(void)
{
	ssrd_manifest *m;
	char           errbuf[512];
	int rv = ssrd__manifest_open(dir, &m, errbuf, sizeof(errbuf));
	ck_assert_msg(rv == SSRD_OK, "open: %s: %s", ssrd_strerror(rv), errbuf);
	return m;
}

static ssrd_layer_input inputs[] = {
	{ "/site/app/page.jsx", 120, 1700000000123456789LL,
	    0xfedcba9876543210ULL },
	{ "/site/components/Nav.jsx", 80, 1700000000000000001LL, 1 },
};

static const ssrd_layer_record sample = {
	"/cache/sites/1/site.js",
	0x8000000000000001ULL,
	0xffffffffffffffffULL,
	7,
	12345,
	41.5,
	1763856000,
	inputs,
	2,
};

START_TEST(test_missing_then_round_trip)
{
	ssrd_manifest    *m   = open_ok();
	ssrd_layer_record got = { 0 };
	ck_assert_int_eq(
	    ssrd__manifest_get(m, "site:/site", &got), SSRD_ENOENT);
	ck_assert_int_eq(ssrd__manifest_count(m), 0);
	ck_assert_int_eq(ssrd__manifest_put(m, "site:/site", &sample), SSRD_OK);
	ck_assert_int_eq(ssrd__manifest_get(m, "site:/site", &got), SSRD_OK);
	/* 64-bit hashes survive SQLite's signed integers, top bit included. */
	ck_assert_str_eq(got.file, sample.file);
	ck_assert(got.key == sample.key);
	ck_assert(got.checksum == sample.checksum);
	ck_assert(got.map_checksum == 7);
	ck_assert_int_eq(got.bytes, 12345);
	ck_assert(got.build_ms == 41.5);
	ck_assert_int_eq(got.built_at, 1763856000);
	ck_assert_uint_eq(got.ninputs, 2);
	ck_assert_str_eq(got.inputs[0].path, "/site/app/page.jsx");
	ck_assert(got.inputs[0].mtime_ns == 1700000000123456789LL);
	ck_assert(got.inputs[0].hash == 0xfedcba9876543210ULL);
	ck_assert_str_eq(got.inputs[1].path, "/site/components/Nav.jsx");
	ssrd__layer_record_clear(&got);
	ck_assert_ptr_null(got.inputs);
	ssrd__manifest_close(m);
}
END_TEST

START_TEST(test_replace_drops_old_inputs_and_persists)
{
	ssrd_manifest    *m   = open_ok();
	ssrd_layer_record one = sample;
	ck_assert_int_eq(ssrd__manifest_put(m, "base", &sample), SSRD_OK);
	one.ninputs = 1;
	one.key     = 99;
	ck_assert_int_eq(ssrd__manifest_put(m, "base", &one), SSRD_OK);
	ssrd__manifest_close(m);

	m                     = open_ok(); /* a restart */
	ssrd_layer_record got = { 0 };
	ck_assert_int_eq(ssrd__manifest_get(m, "base", &got), SSRD_OK);
	ck_assert(got.key == 99);
	ck_assert_uint_eq(got.ninputs, 1);
	ck_assert_int_eq(ssrd__manifest_count(m), 1);
	ssrd__layer_record_clear(&got);
	ssrd__manifest_close(m);
}
END_TEST

START_TEST(test_garbage_file_is_set_aside)
{
	char path[128], aside[140];
	snprintf(path, sizeof(path), "%s/manifest.sqlite", dir);
	snprintf(aside, sizeof(aside), "%s.bad", path);
	FILE *f = fopen(path, "w");
	for (int i = 0; i < 500; i++) {
		fputs("not a database ", f);
	}
	fclose(f);
	ssrd_manifest *m = open_ok();
	ck_assert_int_eq(access(aside, F_OK), 0);
	ck_assert_int_eq(ssrd__manifest_put(m, "base", &sample), SSRD_OK);
	ck_assert_int_eq(ssrd__manifest_count(m), 1);
	ssrd__manifest_close(m);
}
END_TEST

START_TEST(test_foreign_schema_is_set_aside)
{
	char     path[128];
	sqlite3 *db;
	snprintf(path, sizeof(path), "%s/manifest.sqlite", dir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(
	    sqlite3_exec(db,
	        "CREATE TABLE layer (x); PRAGMA user_version = 77;", NULL, NULL,
	        NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	ssrd_manifest *m = open_ok();
	ck_assert_int_eq(ssrd__manifest_count(m), 0);
	ck_assert_int_eq(ssrd__manifest_put(m, "base", &sample), SSRD_OK);
	ssrd__manifest_close(m);
}
END_TEST

START_TEST(test_unwritable_directory_fails_cleanly)
{
	ssrd_manifest *m = NULL;
	char           errbuf[512];
	ck_assert_int_eq(
	    ssrd__manifest_open("/nonexistent/dir", &m, errbuf, sizeof(errbuf)),
	    SSRD_EIO);
	ck_assert_ptr_null(m);
	ck_assert_msg(
	    strstr(errbuf, "/nonexistent/dir/manifest.sqlite") != NULL, "%s",
	    errbuf);
	ssrd__manifest_close(NULL);
	ssrd__layer_record_clear(NULL);
}
END_TEST

int
main(void)
{
	Suite *s  = suite_create("manifest");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_missing_then_round_trip);
	tcase_add_test(tc, test_replace_drops_old_inputs_and_persists);
	tcase_add_test(tc, test_garbage_file_is_set_aside);
	tcase_add_test(tc, test_foreign_schema_is_set_aside);
	tcase_add_test(tc, test_unwritable_directory_fails_cleanly);
	suite_add_tcase(s, tc);
	return ssrd_check_run(s, CK_FORK);
}
