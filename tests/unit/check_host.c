/* check_host.c: the host bridge's operations (files, db, env) on real files
 * and real SQLite databases made in a temporary directory. */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ssrd/errors.h>

#include "check_run.h"
#include "core/strbuf.h"
#include "host/host.h"

/* db_max_kb's default, 4096, as bytes: the result cap and the longest
 * string or blob. */
#define MAX_BYTES (4u << 20)

/* Made fresh for every test by setup() (each test runs in its own fork). */
static char         root[PATH_MAX];    /* the site root, real */
static char         outside[PATH_MAX]; /* a directory beside it */
static char        *abs_db;            /* blog.sqlite's absolute path */
static ssrd_host_db dbs[6];
static char *env_allow[] = { "SSRD_CHECK_HOST_SET", "SSRD_CHECK_HOST_UNSET" };
static ssrd_host_opts opts;

static void
put_file(const char *dir, const char *name, const char *data, size_t len)
{
	char path[2 * PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void
put_link(const char *target, const char *name)
{
	char path[2 * PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", root, name);
	ck_assert_int_eq(symlink(target, path), 0);
}

static void
put_dir(const char *name)
{
	char path[2 * PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", root, name);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

static void
make_db(const char *name, const char *sql)
{
	char     path[2 * PATH_MAX];
	sqlite3 *db;
	char    *err = NULL;
	snprintf(path, sizeof(path), "%s/%s", root, name);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", name, err);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

static void
setup(void)
{
	char tmpl[]  = "/tmp/ssrd-check-host-XXXXXX";
	char tmpl2[] = "/tmp/ssrd-check-host-out-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_ptr_nonnull(mkdtemp(tmpl2));
	ck_assert_ptr_nonnull(realpath(tmpl, root));
	ck_assert_ptr_nonnull(realpath(tmpl2, outside));

	put_file(outside, "secret.txt", "secret", 6);
	put_file(root, "a.txt", "hello", 5);
	put_file(root, "bad.txt",
	    "a\xff"
	    "b",
	    3);
	char big[2048];
	memset(big, 'x', sizeof(big));
	put_file(root, "big.txt", big, sizeof(big));
	put_file(root, "edge.txt", big, 1024);
	put_dir("sub");
	put_file(root, "sub/b.txt", "bee", 3);
	char target[2 * PATH_MAX];
	snprintf(target, sizeof(target), "%s/secret.txt", outside);
	put_link(target, "link_out");
	put_link(outside, "linkdir_out");
	put_link("a.txt", "link_in");
	put_link("..", "up");
	put_dir("listme");
	put_dir("listme/a");
	put_file(root, "listme/b.txt", "bbb", 3);
	put_file(root, "listme/C.txt", "C", 1);
	put_link("../a.txt", "listme/z");
	char fifo[2 * PATH_MAX];
	snprintf(fifo, sizeof(fifo), "%s/listme/fifo", root);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);

	make_db("blog.sqlite",
	    "CREATE TABLE posts(id INTEGER PRIMARY KEY, title TEXT, score "
	    "REAL, data BLOB, big INTEGER, note TEXT);"
	    "INSERT INTO posts VALUES(1, 'Hello \"world\"', 1.5, x'00ff10', "
	    "9007199254740993, NULL);"
	    "INSERT INTO posts VALUES(2, 'b', 0.1, x'', -5, 'ü');");
	make_db("rw.sqlite", "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);");
	ck_assert_int_ge(asprintf(&abs_db, "%s/blog.sqlite", root), 0);

	memset(&opts, 0, sizeof(opts));
	opts.files           = 1;
	opts.files_max_bytes = 1024;
	dbs[0]               = (ssrd_host_db) { "blog", "blog.sqlite", 0 };
	dbs[1]               = (ssrd_host_db) { "rw", "./rw.sqlite", 1 };
	dbs[2]               = (ssrd_host_db) { "gone", "missing.sqlite", 0 };
	dbs[3]    = (ssrd_host_db) { "gonerw", "missing-rw.sqlite", 1 };
	dbs[4]    = (ssrd_host_db) { "abs", abs_db, 0 };
	opts.dbs  = dbs;
	opts.ndbs = 5;
	opts.db_timeout_ms  = 1000;
	opts.db_max_rows    = 100;
	opts.db_max_bytes   = MAX_BYTES; /* the defaults */
	opts.db_heap_bytes  = (size_t) 256 << 20;
	opts.db_query_bytes = (size_t) 64 << 20; /* 256 MiB / 4 threads */
	ssrd__host_db_start(&opts);
	opts.env_allow  = env_allow;
	opts.nenv_allow = 2;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) flag;
	(void) ftw;
	return remove(path);
}

static void
teardown(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	nftw(outside, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(abs_db);
	abs_db = NULL;
}

static ssrd_host_result
run(const char *op, const char *args)
{
	ssrd_host_req    req = { &opts, root, op, args, strlen(args) };
	ssrd_host_result r   = { 0 };
	ssrd__host_run(&req, &r);
	ck_assert_ptr_nonnull(r.text);
	ck_assert_uint_eq(r.len, strlen(r.text));
	return r;
}

/* The operation resolves with exactly want. */
#define EXPECT_OK(op, args, want)                                              \
	do {                                                                   \
		ssrd_host_result r_ = run(op, args);                           \
		ck_assert_msg(r_.ok == 1 && strcmp(r_.text, want) == 0,        \
		    "%s %s: got ok=%d %s, want %s", op, args, r_.ok, r_.text,  \
		    want);                                                     \
		free(r_.text);                                                 \
	} while (0)

/* The operation rejects with a message holding each of the strings. */
#define EXPECT_REJECT(op, args, ...)                                           \
	do {                                                                   \
		ssrd_host_result r_      = run(op, args);                      \
		const char      *want_[] = { __VA_ARGS__ };                    \
		ck_assert_msg(                                                 \
		    r_.ok == 0, "%s %s: resolved with %s", op, args, r_.text); \
		for (size_t i_ = 0; i_ < sizeof(want_) / sizeof(want_[0]);     \
		     i_++) {                                                   \
			ck_assert_msg(strstr(r_.text, want_[i_]) != NULL,      \
			    "%s %s: message \"%s\" lacks \"%s\"", op, args,    \
			    r_.text, want_[i_]);                               \
		}                                                              \
		free(r_.text);                                                 \
	} while (0)

/* ---- files.read ---------------------------------------------------------- */

START_TEST(test_read_ok)
{
	EXPECT_OK("files.read", "[\"a.txt\"]", "\"hello\"");
	EXPECT_OK("files.read", "[\"./a.txt\"]", "\"hello\"");
	EXPECT_OK("files.read", "[\"sub/../sub/b.txt\"]", "\"bee\"");
	EXPECT_OK("files.read", "[\"sub//b.txt\"]", "\"bee\"");
	/* A symlink that stays inside the root is followed. */
	EXPECT_OK("files.read", "[\"link_in\"]", "\"hello\"");
	/* Exactly at the limit is allowed. */
	ssrd_host_result r = run("files.read", "[\"edge.txt\"]");
	ck_assert_int_eq(r.ok, 1);
	ck_assert_uint_eq(r.len, 1024 + 2);
	free(r.text);
}
END_TEST

START_TEST(test_read_bad_utf8)
{
	/* 0xFF becomes U+FFFD, sent as its UTF-8 bytes. */
	EXPECT_OK("files.read", "[\"bad.txt\"]",
	    "\"a\xef\xbf\xbd"
	    "b\"");
}
END_TEST

START_TEST(test_read_escape)
{
	EXPECT_REJECT("files.read", "[\"../x\"]",
	    "files.read: ", "\"../x\" is outside the site root");
	EXPECT_REJECT("files.read", "[\"sub/../../a.txt\"]",
	    "\"sub/../../a.txt\" is outside the site root");
	/* The same message whether or not the target exists. */
	char args[PATH_MAX + 32];
	snprintf(args, sizeof(args), "[\"../%s/secret.txt\"]",
	    strrchr(outside, '/') + 1);
	EXPECT_REJECT("files.read", args, "is outside the site root");
}
END_TEST

START_TEST(test_read_absolute)
{
	EXPECT_REJECT("files.read", "[\"/etc/passwd\"]",
	    "files.read: ", "\"/etc/passwd\" is an absolute path");
	char args[PATH_MAX + 32];
	snprintf(args, sizeof(args), "[\"%s/a.txt\"]", root);
	EXPECT_REJECT("files.read", args, "is an absolute path");
}
END_TEST

START_TEST(test_read_symlink_out)
{
	EXPECT_REJECT("files.read", "[\"link_out\"]",
	    "\"link_out\" is outside the site root");
	EXPECT_REJECT("files.read", "[\"linkdir_out/secret.txt\"]",
	    "\"linkdir_out/secret.txt\" is outside the site root");
	EXPECT_REJECT("files.read", "[\"up/x\"]", "is outside the site root");
}
END_TEST

START_TEST(test_read_too_big)
{
	EXPECT_REJECT("files.read", "[\"big.txt\"]", "\"big.txt\" is too big",
	    "2048 bytes", "1024");
}
END_TEST

START_TEST(test_read_missing)
{
	EXPECT_REJECT("files.read", "[\"nope.txt\"]",
	    "files.read: \"nope.txt\" does not exist");
	EXPECT_REJECT(
	    "files.read", "[\"a.txt/x\"]", "\"a.txt/x\"", "does not exist");
}
END_TEST

START_TEST(test_read_not_regular)
{
	EXPECT_REJECT("files.read", "[\"sub\"]",
	    "\"sub\" is not a regular file (a directory)");
	EXPECT_REJECT("files.read", "[\".\"]", "not a regular file");
	/* A FIFO is refused, not waited on. */
	EXPECT_REJECT(
	    "files.read", "[\"listme/fifo\"]", "not a regular file (a FIFO)");
}
END_TEST

START_TEST(test_read_bad_args)
{
	EXPECT_REJECT("files.read", "[\"\"]", "files.read: the path is empty");
	EXPECT_REJECT("files.read", "[\"a.txt\\u0000x\"]",
	    "files.read: the path holds a NUL byte");
	EXPECT_REJECT("files.read", "[1]", "files.read: expects one argument");
	EXPECT_REJECT("files.read", "[]", "expects one argument");
	EXPECT_REJECT("files.read", "[\"a\",\"b\"]", "expects one argument");
	EXPECT_REJECT("files.read", "{}", "expects one argument");
}
END_TEST

START_TEST(test_files_off)
{
	opts.files = 0;
	EXPECT_REJECT("files.read", "[\"a.txt\"]",
	    "files.read: file access is off (config [host] files = 1 turns "
	    "it on)");
	EXPECT_REJECT("files.list", "[\"\"]", "files.list: file access is off");
}
END_TEST

/* ---- files.list ---------------------------------------------------------- */

START_TEST(test_list_sorted)
{
	const char *want = "[{\"name\":\"C.txt\",\"type\":\"file\",\"size\":1},"
	                   "{\"name\":\"a\",\"type\":\"dir\",\"size\":0},"
	                   "{\"name\":\"b.txt\",\"type\":\"file\",\"size\":3},"
	                   "{\"name\":\"fifo\",\"type\":\"other\",\"size\":0},"
	                   "{\"name\":\"z\",\"type\":\"symlink\",\"size\":0}]";
	EXPECT_OK("files.list", "[\"listme\"]", want);
	EXPECT_OK("files.list", "[\"listme/\"]", want);
	EXPECT_OK("files.list", "[\"listme/a\"]", "[]");
}
END_TEST

START_TEST(test_list_root)
{
	for (int i = 0; i < 2; i++) {
		ssrd_host_result r
		    = run("files.list", i ? "[\".\"]" : "[\"\"]");
		ck_assert_msg(r.ok == 1, "%s", r.text);
		/* Symlinks are listed, not followed. */
		ck_assert_ptr_nonnull(strstr(r.text,
		    "{\"name\":\"link_out\",\"type\":\"symlink\",\"size\":0}"));
		ck_assert_ptr_nonnull(strstr(r.text,
		    "{\"name\":\"a.txt\",\"type\":\"file\",\"size\":5}"));
		ck_assert_ptr_null(strstr(r.text, "secret"));
		ck_assert_ptr_null(strstr(r.text, "\"..\""));
		ck_assert(
		    strstr(r.text, "\"a.txt\"") < strstr(r.text, "\"sub\""));
		free(r.text);
	}
}
END_TEST

START_TEST(test_list_refusals)
{
	EXPECT_REJECT("files.list", "[\"..\"]",
	    "files.list: ", "\"..\" is outside the site root");
	EXPECT_REJECT(
	    "files.list", "[\"sub/../..\"]", "is outside the site root");
	EXPECT_REJECT("files.list", "[\"/\"]",
	    "files.list: ", "\"/\" is an absolute path");
	EXPECT_REJECT("files.list", "[\"linkdir_out\"]",
	    "\"linkdir_out\" is outside the site root");
	EXPECT_REJECT("files.list", "[\"link_out\"]",
	    "\"link_out\" is outside the site root");
	EXPECT_REJECT(
	    "files.list", "[\"up\"]", "\"up\" is outside the site root");
	EXPECT_REJECT(
	    "files.list", "[\"a.txt\"]", "\"a.txt\" is not a directory");
	EXPECT_REJECT("files.list", "[\"nope\"]", "\"nope\" does not exist");
	EXPECT_REJECT("files.list", "[\"x\\u0000\"]", "NUL byte");
	EXPECT_REJECT("files.list", "[null]", "expects one argument");
}
END_TEST

/* ---- db.query ------------------------------------------------------------ */

START_TEST(test_db_unknown)
{
	EXPECT_REJECT("db.query", "[\"x\",\"SELECT 1\"]",
	    "db.query: no database \"x\" (config [host] databases names: "
	    "blog, rw, gone, gonerw, abs)");
	opts.ndbs = 0;
	EXPECT_REJECT("db.query", "[\"blog\",\"SELECT 1\"]",
	    "no database \"blog\"", "names: none");
}
END_TEST

START_TEST(test_db_rows)
{
	EXPECT_OK("db.query",
	    "[\"blog\",\"SELECT id, title, score, data, big, note FROM posts "
	    "WHERE id >= ? AND title <> ? ORDER BY id\",[1,\"zzz\"]]",
	    "[{\"id\":1,\"title\":\"Hello \\\"world\\\"\",\"score\":1.5,"
	    "\"data\":\"00ff10\",\"big\":\"9007199254740993\",\"note\":null},"
	    "{\"id\":2,\"title\":\"b\",\"score\":0.1,\"data\":\"\",\"big\":-5,"
	    "\"note\":\"ü\"}]");
	/* The same file through its absolute path. */
	EXPECT_OK("db.query", "[\"abs\",\"SELECT count(*) AS n FROM posts\"]",
	    "[{\"n\":2}]");
	EXPECT_OK("db.query",
	    "[\"blog\",\"SELECT * FROM posts WHERE id = ?\",[99]]", "[]");
	EXPECT_OK("db.query",
	    "[\"blog\",\"SELECT 9007199254740992 AS a, -9007199254740993 AS "
	    "b, 1e308 * 10 AS c, 2.5 AS d\",null]",
	    "[{\"a\":9007199254740992,\"b\":\"-9007199254740993\",\"c\":null,"
	    "\"d\":2.5}]");
}
END_TEST

START_TEST(test_db_params)
{
	EXPECT_OK("db.query",
	    "[\"blog\",\"SELECT ? AS s, ? AS i, ? AS f, ? AS t, ? AS fl, ? AS "
	    "n\",[\"x\\\"y\",42,1.25,true,false,null]]",
	    "[{\"s\":\"x\\\"y\",\"i\":42,\"f\":1.25,\"t\":1,\"fl\":0,"
	    "\"n\":null}]");
	EXPECT_OK("db.query",
	    "[\"blog\",\"SELECT typeof(?) a, typeof(?) b, typeof(?) c, "
	    "typeof(?) d, typeof(?) e, typeof(?) f\","
	    "[3,3.5,1e19,-9007199254740993,\"s\",null]]",
	    "[{\"a\":\"integer\",\"b\":\"real\",\"c\":\"real\",\"d\":"
	    "\"integer\",\"e\":\"text\",\"f\":\"null\"}]");
	/* Numbered parameters count up to the highest. */
	EXPECT_OK("db.query", "[\"blog\",\"SELECT ?2 AS b, ?1 AS a\",[1,2]]",
	    "[{\"b\":2,\"a\":1}]");
	EXPECT_REJECT("db.query", "[\"blog\",\"SELECT ?\",[{\"a\":1}]]",
	    "db.query: parameter 1 is an object");
	EXPECT_REJECT("db.query", "[\"blog\",\"SELECT ?\",[[1]]]",
	    "parameter 1 is an array");
	EXPECT_REJECT("db.query", "[\"blog\",\"SELECT 1\",{}]",
	    "db.query: params must be an array");
}
END_TEST

START_TEST(test_db_param_count)
{
	EXPECT_REJECT("db.query", "[\"blog\",\"SELECT ?, ?\",[1]]",
	    "db.query: the statement takes 2 parameters, 1 given");
	EXPECT_REJECT("db.query", "[\"blog\",\"SELECT ?\"]",
	    "the statement takes 1 parameter, 0 given");
	EXPECT_REJECT("db.query", "[\"blog\",\"SELECT 1\",[1]]",
	    "the statement takes 0 parameters, 1 given");
}
END_TEST

START_TEST(test_db_read_only)
{
	const char *writes[] = {
		"[\"blog\",\"INSERT INTO posts(title) VALUES ('x')\"]",
		"[\"blog\",\"DELETE FROM posts\"]",
		"[\"blog\",\"DROP TABLE posts\"]",
		"[\"blog\",\"UPDATE posts SET title = ? \",[\"y\"]]",
		"[\"abs\",\"CREATE TABLE z(a)\"]",
	};
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		EXPECT_REJECT("db.query", writes[i], "db.query: database \"",
		    "is read-only; a write needs NAME=PATH:rw in config [host] "
		    "databases");
	}
	EXPECT_OK("db.query",
	    "[\"blog\",\"SELECT count(*) AS n, group_concat(title) AS t FROM "
	    "posts\"]",
	    "[{\"n\":2,\"t\":\"Hello \\\"world\\\",b\"}]");
	EXPECT_OK("db.query",
	    "[\"blog\",\"SELECT count(*) AS n FROM sqlite_schema\"]",
	    "[{\"n\":1}]");
}
END_TEST

START_TEST(test_db_write)
{
	EXPECT_OK("db.query",
	    "[\"rw\",\"INSERT INTO t(v) VALUES (?)\",[\"one\"]]",
	    "{\"changes\":1,\"lastInsertRowid\":1}");
	EXPECT_OK("db.query",
	    "[\"rw\",\"INSERT INTO t(v) VALUES ('two') RETURNING id, v\"]",
	    "[{\"id\":2,\"v\":\"two\"}]");
	EXPECT_OK("db.query", "[\"rw\",\"UPDATE t SET v = v || '!'\"]",
	    "{\"changes\":2,\"lastInsertRowid\":0}");
	EXPECT_OK("db.query", "[\"rw\",\"SELECT v FROM t ORDER BY id\"]",
	    "[{\"v\":\"one!\"},{\"v\":\"two!\"}]");
	/* Nothing beyond the configured file: no ATTACH, no VACUUM INTO. */
	EXPECT_REJECT("db.query", "[\"rw\",\"ATTACH 'other.sqlite' AS o\"]",
	    "db.query: ", "ATTACH and VACUUM INTO are off");
	EXPECT_REJECT("db.query", "[\"rw\",\"VACUUM INTO 'copy.sqlite'\"]",
	    "db.query: ", "ATTACH and VACUUM INTO are off");
	char path[2 * PATH_MAX];
	snprintf(path, sizeof(path), "%s/copy.sqlite", root);
	ck_assert_int_ne(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/other.sqlite", root);
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(test_db_one_statement)
{
	EXPECT_REJECT("db.query", "[\"blog\",\"SELECT 1; SELECT 2\"]",
	    "db.query: one statement per call");
	EXPECT_REJECT("db.query", "[\"rw\",\"SELECT 1; DROP TABLE t\"]",
	    "one statement per call");
	EXPECT_REJECT("db.query", "[\"blog\",\"SELECT 1; nonsense\"]",
	    "one statement per call");
	/* The second statement never ran. */
	EXPECT_OK("db.query", "[\"rw\",\"SELECT count(*) AS n FROM t\"]",
	    "[{\"n\":0}]");
	/* Trailing semicolons, whitespace and comments are fine. */
	EXPECT_OK("db.query",
	    "[\"blog\",\"SELECT 1 AS x; ;\\n -- done\\n /* really */ ;\"]",
	    "[{\"x\":1}]");
	EXPECT_REJECT("db.query", "[\"blog\",\"  -- nothing\\n\"]",
	    "db.query: no SQL statement");
}
END_TEST

START_TEST(test_db_timeout)
{
	opts.db_timeout_ms = 100;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	EXPECT_REJECT("db.query",
	    "[\"blog\",\"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT "
	    "x + 1 FROM c) SELECT count(*) FROM c\"]",
	    "db.query: statement timed out after 100 ms");
	clock_gettime(CLOCK_MONOTONIC, &b);
	double secs = (double) (b.tv_sec - a.tv_sec)
	    + (double) (b.tv_nsec - a.tv_nsec) / 1e9;
	ck_assert_msg(secs >= 0.09 && secs < 2.0, "took %.3f s", secs);
}
END_TEST

START_TEST(test_db_row_limit)
{
	opts.db_max_rows = 3;
	EXPECT_REJECT("db.query",
	    "[\"blog\",\"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT "
	    "x + 1 FROM c LIMIT 10) SELECT x FROM c\"]",
	    "db.query: more than 3 rows (db_max_rows); add a LIMIT");
	EXPECT_OK("db.query",
	    "[\"blog\",\"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT "
	    "x + 1 FROM c LIMIT 3) SELECT x FROM c\"]",
	    "[{\"x\":1},{\"x\":2},{\"x\":3}]");
}
END_TEST

START_TEST(test_db_errors)
{
	EXPECT_REJECT("db.query", "[\"blog\",\"SELECT * FROM nope\"]",
	    "db.query: no such table: nope");
	EXPECT_REJECT("db.query", "[\"gone\",\"SELECT 1\"]",
	    "db.query: database \"gone\"", "\"missing.sqlite\" does not exist");
	EXPECT_REJECT(
	    "db.query", "[\"gonerw\",\"SELECT 1\"]", "does not exist");
	/* Never created. */
	char path[2 * PATH_MAX];
	snprintf(path, sizeof(path), "%s/missing-rw.sqlite", root);
	ck_assert_int_ne(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/missing.sqlite", root);
	ck_assert_int_ne(access(path, F_OK), 0);
	EXPECT_REJECT("db.query", "[\"blog\"]", "db.query: expects (db, sql");
	EXPECT_REJECT("db.query", "[\"blog\",1]", "expects (db, sql");
	EXPECT_REJECT("db.query", "[\"blog\",\"\"]", "no SQL statement");
}
END_TEST

/* ---- db.query: the bounds of a page's SQL -------------------------------- */

/* How far past db_timeout_ms a statement that runs into it may end: one
 * guarded call (100 ms at most) or a hundred VM steps on values at the
 * length limit, plus scheduling on a loaded 2-core machine. */
#define OVERSHOOT_MS 300

/* RSS a freed block may still hold, KiB: none, but AddressSanitizer keeps
 * freed memory in quarantine, then in its allocator's free lists, with
 * shadow for both: measured, about twice the quarantine's size. Its default
 * quarantine (256 MiB) made these bounds say nothing (and a long run grew
 * past them), so this suite asks for 32 MiB (ASAN_OPTIONS can still set
 * another) and allows 80 MiB for it. */
#if defined(__SANITIZE_ADDRESS__)
#define FREED_KEPT_KB (80 << 10)
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "quarantine_size_mb=32";
}
#else
#define FREED_KEPT_KB 0
#endif

/* A text of 2 x n 'a's, as SQL (n below MAX_BYTES / 2). */
#define AS(n) "replace(hex(zeroblob(" #n ")),'0','a')"

/* A row source that never ends, carrying s and p along each row. */
#define FOREVER(s, p)                                                          \
	"WITH RECURSIVE c(x, s, p) AS (SELECT 1, " s ", " p                    \
	" UNION ALL SELECT x + 1, s, p FROM c) "

static double
ms_since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double) (b.tv_sec - a->tv_sec) * 1e3
	    + (double) (b.tv_nsec - a->tv_nsec) / 1e6;
}

/* A line of /proc/self/status, KiB: "VmRSS:" (resident now) or "VmHWM:"
 * (the most it has been). */
static long
status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char  line[256];
	long  kb = -1;
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, strlen(key)) == 0) {
			kb = strtol(line + strlen(key), NULL, 10);
		}
	}
	if (f != NULL) {
		fclose(f);
	}
	ck_assert_int_gt(kb, 0);
	return kb;
}

static long
rss_kb(void)
{
	return status_kb("VmRSS:");
}

/* ["blog", sql] with sql as a JSON string (malloc'd). */
static char *
db_args(const char *db, const char *sql)
{
	ssrd_strbuf b = { 0 };
	ssrd__strbuf_puts(&b, "[\"");
	ssrd__strbuf_puts(&b, db);
	ssrd__strbuf_puts(&b, "\",");
	ssrd__strbuf_json_string(&b, sql, strlen(sql));
	ssrd__strbuf_puts(&b, "]");
	char *s = ssrd__strbuf_take(&b);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* An attack: the SQL, what its rejection says, and whether it runs into
 * the deadline (1) or is refused at once (0). */
struct attack {
	const char *name;
	const char *sql;
	const char *want;
	int         times_out;
};

static const struct attack attacks[] = {
	{ "like, longest pattern x longest text",
	    "SELECT " AS(2097150) " LIKE '%'||" AS(499) "||'b'",
	    "like() on a 1000-byte pattern and a 4194300-byte text could run "
	    "for",
	    0 },
	{ "like, the costliest call allowed, in a loop",
	    FOREVER(AS(24000),
	        "'%'||" AS(
	            499) "||'b'") "SELECT count(*) FROM c WHERE s LIKE p",
	    "statement timed out after 1000 ms", 1 },
	{ "glob, longest pattern x longest text",
	    "SELECT " AS(2097150) " GLOB '*'||" AS(499) "||'b'",
	    "glob() on a 1000-byte pattern", 0 },
	{ "glob, classes, the costliest call allowed, in a loop",
	    FOREVER(AS(16000),
	        "'*'||replace(hex(zeroblob(199)),'00','[a-a]')"
	        "||'b'") "SELECT count(*) FROM c WHERE s GLOB p",
	    "statement timed out after 1000 ms", 1 },
	{ "randomblob(1e9)", "SELECT length(randomblob(1000000000))",
	    "a string or blob passed 4096 KiB, the longest a query may make "
	    "(db_max_kb)",
	    0 },
	{ "randomblob at the length limit, in a loop",
	    FOREVER("0", "0") "SELECT sum(length(randomblob(4194303))) FROM c",
	    "statement timed out after 1000 ms", 1 },
	{ "printf('%.*c', 1e9)",
	    "SELECT length(printf('%.*c', 1000000000, 'x'))",
	    "a string or blob passed 4096 KiB", 0 },
	{ "printf('%.2000000000c') by digits",
	    "SELECT length(printf('%!-.2000000000c', 'x'))",
	    "a string or blob passed 4096 KiB", 0 },
	{ "printf, many %c under the limit each",
	    "SELECT length(printf(replace(hex(zeroblob(200)),'00',"
	    "'%.4000000c'), 'x'))",
	    "a string or blob passed 4096 KiB", 0 },
	{ "printf at the length limit, in a loop",
	    FOREVER("0",
	        "0") "SELECT sum(length(format('%.*c', 4194303, 'x'))) FROM c",
	    "statement timed out after 1000 ms", 1 },
	{ "zeroblob(1e9)", "SELECT length(zeroblob(1000000000))",
	    "a string or blob passed 4096 KiB", 0 },
	{ "zeroblob at the length limit, made real, in a loop",
	    FOREVER("0",
	        "0") "SELECT sum(length(zeroblob(4194302) || x'00')) FROM c",
	    "statement timed out after 1000 ms", 1 },
	{ "replace, a long needle that fails at its last byte",
	    "WITH v(s) AS (SELECT " AS(
	        2097150) ") SELECT length(replace(s, "
	                 "substr(s, 1, 1048576) || 'b', '')) FROM v",
	    "replace() on a 1048577-byte needle", 0 },
	{ "replace at the length limit, in a loop",
	    FOREVER(AS(2097100),
	        "0") "SELECT sum(length(replace(s, 'a', 'b'))) FROM c",
	    "statement timed out after 1000 ms", 1 },
	{ "instr, a long needle that fails at its last byte",
	    "WITH v(s) AS (SELECT " AS(
	        2097150) ") SELECT instr(s, "
	                 "substr(s, 1, 1048576) || 'b') FROM v",
	    "instr() on a 1048577-byte needle", 0 },
	{ "trim, a set of thousands of characters",
	    "SELECT length(trim(" AS(2097150) ", " AS(5000) "||'b'))",
	    "trim() on a 10001-byte set of characters", 0 },
	{ "json_patch, two objects of 60,000 keys",
	    "WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k "
	    "WHERE x < 60000), o(a, b) AS (SELECT json_group_object('k' || x, "
	    "1), json_group_object('j' || x, 2) FROM k) SELECT "
	    "length(json_patch(a, b)) FROM o",
	    "json_patch() on a", 0 },
	{ "group_concat over big values",
	    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
	    "WHERE x < 100) SELECT length(group_concat(randomblob(100000))) "
	    "FROM c",
	    "a string or blob passed 4096 KiB", 0 },
	{ "recursive CTE", FOREVER("0", "0") "SELECT count(*) FROM c",
	    "statement timed out after 1000 ms", 1 },
	{ "cross join",
	    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
	    "WHERE x < 1000) SELECT count(*) FROM c a, c b, c d",
	    "statement timed out after 1000 ms", 1 },
	{ "ORDER BY over big rows",
	    FOREVER("0", "0") "SELECT x FROM c ORDER BY randomblob(1000) "
	                      "LIMIT 1",
	    "statement timed out after 1000 ms", 1 },
};

/* Each attack ends within db_timeout_ms plus OVERSHOOT_MS (or at once
 * when refused before running) with its message, and the process grows
 * by less than SQLite's heap limit. */
START_TEST(test_db_attacks)
{
	const struct attack *a = &attacks[_i];
	opts.db_max_rows       = 100000;
	char           *args   = db_args("blog", a->sql);
	long            before = rss_kb(), hwm = status_kb("VmHWM:");
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ssrd_host_result r    = run("db.query", args);
	double           took = ms_since(&t0);
	long             grew = rss_kb() - before;
	long peak = status_kb("VmHWM:") - (hwm > before ? hwm : before);
	fprintf(stderr,
	    "attack: %-52s %5.0f ms (%+5.0f past db_timeout_ms) rss %+6ld "
	    "KiB, peak %+6ld KiB: %.70s\n",
	    a->name, took, took - (double) opts.db_timeout_ms, grew, peak,
	    r.text);
	ck_assert_msg(r.ok == 0, "%s: resolved with %.200s", a->name, r.text);
	ck_assert_msg(strstr(r.text, a->want) != NULL,
	    "%s: message \"%s\" lacks \"%s\"", a->name, r.text, a->want);
	/* refused ones are refused before their costly call, but making
	 * their 4 MiB arguments takes a while */
	double bound = (double) opts.db_timeout_ms + OVERSHOOT_MS;
	ck_assert_msg(took < bound, "%s: took %.0f ms, more than %.0f", a->name,
	    took, bound);
	/* at most one query's share of SQLite's memory (64 MiB), and a
	 * little of malloc's */
	ck_assert_msg(grew < (16 << 10) + FREED_KEPT_KB
	        && peak < ((64 + 16) << 10) + FREED_KEPT_KB,
	    "%s: RSS grew by %ld KiB, its peak by %ld KiB", a->name, grew,
	    peak);
	free(r.text);
	free(args);
}
END_TEST

/* A statement making 160 MiB of values in one row: ["blog", sql]. */
static char *
big_row_args(void)
{
	ssrd_strbuf b = { 0 };
	ssrd__strbuf_puts(&b, "SELECT 1");
	for (int i = 0; i < 40; i++) {
		ssrd__strbuf_printf(&b, ", randomblob(4194303) AS c%d", i);
	}
	char *sql  = ssrd__strbuf_take(&b);
	char *args = db_args("blog", sql);
	free(sql);
	return args;
}

/* One query's share of SQLite's memory ends a statement holding too much
 * at once; and with no share, SQLite's process-wide heap limit does. */
START_TEST(test_db_memory)
{
	char *args   = big_row_args();
	long  before = rss_kb();
	EXPECT_REJECT("db.query", args,
	    "db.query: out of memory: the statement needed more than 64 MiB, "
	    "one query's share of SQLite's memory (db_heap_mb / "
	    "host_threads)");
	long grew = rss_kb() - before;
	ck_assert_msg(grew < ((64 + 32) << 10) + FREED_KEPT_KB,
	    "RSS grew by %ld KiB", grew);
	/* the next query has its memory back */
	EXPECT_OK("db.query", "[\"blog\",\"SELECT count(*) AS n FROM posts\"]",
	    "[{\"n\":2}]");
	opts.db_query_bytes = 0;
	opts.db_heap_bytes  = (size_t) 48 << 20;
	ssrd__host_db_start(&opts);
	before = rss_kb();
	EXPECT_REJECT("db.query", args,
	    "db.query: out of memory: SQLite's memory reached 48 MiB "
	    "(db_heap_mb");
	grew = rss_kb() - before;
	ck_assert_msg(grew < ((48 + 32) << 10) + FREED_KEPT_KB,
	    "RSS grew by %ld KiB", grew);
	free(args);
}
END_TEST

/* The JSON result may not pass db_max_bytes: refused, never truncated. */
START_TEST(test_db_result_cap)
{
	opts.db_max_bytes = 64 << 10;
	opts.db_max_rows  = 100000;
	/* one value too big to send: refused before it is copied */
	EXPECT_REJECT("db.query",
	    "[\"blog\",\"SELECT randomblob(40000) AS b\"]",
	    "db.query: the result passed 64 KiB (db_max_kb); select fewer "
	    "columns or add a LIMIT");
	/* many small rows: refused as the rows read pass it */
	EXPECT_REJECT("db.query",
	    "[\"blog\",\"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x "
	    "+ 1 FROM c WHERE x < 5000) SELECT x, 'some text' AS t FROM c\"]",
	    "the result passed 64 KiB (db_max_kb)");
	/* a value longer than the cap is not even made */
	EXPECT_REJECT("db.query",
	    "[\"blog\",\"SELECT length(randomblob(70000)) AS n\"]",
	    "a string or blob passed 64 KiB");
	/* under it: whole */
	ssrd_host_result r = run(
	    "db.query", "[\"blog\",\"SELECT hex(randomblob(20000)) AS b\"]");
	ck_assert_int_eq(r.ok, 1);
	ck_assert_uint_eq(r.len, 40000 + strlen("[{\"b\":\"\"}]"));
	free(r.text);
}
END_TEST

/* The SQL limits give clear errors. */
START_TEST(test_db_sql_limits)
{
	char *sql = malloc(100100);
	ck_assert_ptr_nonnull(sql);
	memset(sql, ' ', 100099);
	memcpy(sql, "SELECT 1", 8);
	sql[100099] = '\0';
	char *args  = db_args("blog", sql);
	EXPECT_REJECT("db.query", args,
	    "db.query: the SQL is 100099 bytes, more than 100000");
	free(args);
	/* an OR chain of 600 terms passes the expression depth */
	ssrd_strbuf b = { 0 };
	ssrd__strbuf_puts(&b, "SELECT 0");
	for (int i = 0; i < 600; i++) {
		ssrd__strbuf_puts(&b, " OR id = 1");
	}
	free(sql);
	sql  = ssrd__strbuf_take(&b);
	args = db_args("blog", sql);
	EXPECT_REJECT("db.query", args,
	    "db.query: Expression tree is too large "
	    "(maximum depth 500)");
	free(args);
	free(sql);
	/* CTEs each using the one before twice: compiling takes time and
	 * memory doubling with each, seconds and gigabytes at 18, and SQLite
	 * calls no progress handler meanwhile */
	b = (ssrd_strbuf) { 0 };
	ssrd__strbuf_puts(&b, "WITH t0(x) AS (SELECT random())");
	for (int i = 1; i <= 18; i++) {
		ssrd__strbuf_printf(&b,
		    ", t%d(x) AS (SELECT a.x + b.x FROM t%d a, t%d b)", i,
		    i - 1, i - 1);
	}
	ssrd__strbuf_puts(&b, " SELECT count(*) FROM t18");
	sql  = ssrd__strbuf_take(&b);
	args = db_args("blog", sql);
	/* the deadline ends it (through the allocator), with no memory
	 * share; or the share does, first */
	const struct {
		size_t      share;
		long        timeout_ms;
		const char *want;
	} cases[] = {
		{ 0, 300, "db.query: statement timed out after 300 ms" },
		{ 16 << 20, 5000,
		    "db.query: out of memory: the statement needed more than "
		    "16 MiB" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		opts.db_query_bytes = cases[i].share;
		opts.db_timeout_ms  = cases[i].timeout_ms;
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ssrd_host_result r    = run("db.query", args);
		double           took = ms_since(&t0);
		fprintf(stderr, "exponential CTE: %.0f ms: %s\n", took, r.text);
		ck_assert_int_eq(r.ok, 0);
		ck_assert_msg(strstr(r.text, cases[i].want) != NULL,
		    "got %s, want %s", r.text, cases[i].want);
		/* the share: 16 MiB take 0.1 s to fill (0.45 s under ASan) */
		ck_assert_msg(took < (i == 0 ? 300.0 + OVERSHOOT_MS : 1000.0),
		    "took %.0f ms", took);
		free(r.text);
	}
	free(args);
	free(sql);
	EXPECT_REJECT("db.query", "[\"blog\",\"SELECT ?32767\"]",
	    "variable number must be between ?1 and ?32766");
}
END_TEST

/* The guarded functions give SQLite's own results. */
START_TEST(test_db_guarded_results)
{
	EXPECT_OK("db.query",
	    "[\"blog\",\"SELECT 'Hello' LIKE 'h%' AS a, 'a_c' LIKE 'a!_c' "
	    "ESCAPE '!' AS b, 'abc' GLOB 'a[a-c]?' AS c, 'ABC' GLOB 'a*' AS "
	    "d, instr('hello', 'll') AS e, instr(x'0102', x'02') AS f, "
	    "instr('héllo', 'l') AS g, replace('aXbXc', 'X', '--') AS h, "
	    "trim('xxhixx', 'x') AS i, ltrim('xxhi', 'x') AS j, rtrim('hixx', "
	    "'x') AS k, printf('%5.2f|%c|%.3c|%s|%%', 3.14159, 'z', 'y', 'q') "
	    "AS l, format('%d-%*d', 42, 4, 7) AS m, "
	    "json_patch('{\\\"a\\\":1}', "
	    "'{\\\"b\\\":2}') AS n, instr(NULL, 'a') AS o, replace('abc', '', "
	    "'x') AS p, printf() AS q\"]",
	    "[{\"a\":1,\"b\":1,\"c\":1,\"d\":0,\"e\":3,\"f\":2,\"g\":3,\"h\":"
	    "\"a--b--c\",\"i\":\"hi\",\"j\":\"hi\",\"k\":\"hi\",\"l\":\" "
	    "3.14|z|yyy|q|%\",\"m\":\"42-   7\",\"n\":\"{\\\"a\\\":1,\\\"b\\\":"
	    "2}\",\"o\":null,\"p\":\"abc\",\"q\":null}]");
	EXPECT_OK("db.query",
	    "[\"blog\",\"SELECT id FROM posts WHERE title LIKE ? ORDER BY "
	    "id\",[\"%world%\"]]",
	    "[{\"id\":1}]");
	EXPECT_REJECT("db.query",
	    "[\"blog\",\"SELECT 'a' LIKE 'a' ESCAPE "
	    "'xy'\"]",
	    "db.query: ESCAPE expression must be a single character");
	EXPECT_REJECT("db.query", "[\"blog\",\"SELECT instr('a')\"]",
	    "db.query: wrong number of arguments to function instr()");
}
END_TEST

/* PRAGMA statements and pragma functions, ATTACH, DETACH, VACUUM, the
 * file's virtual tables and two functions are refused. */
START_TEST(test_db_authorizer)
{
	const struct {
		const char *db, *sql, *want;
	} refused[] = {
		{ "blog", "SELECT * FROM pragma_database_list",
		    "db.query: PRAGMA database_list is refused: pages may not "
		    "run PRAGMA statements or pragma functions" },
		{ "blog", "SELECT count(*) AS n FROM pragma_database_list",
		    "PRAGMA database_list is refused" },
		{ "blog", "SELECT name FROM pragma_table_info('posts')",
		    "PRAGMA table_info is refused" },
		{ "blog", "SELECT 1 FROM pragma_function_list LIMIT 1",
		    "PRAGMA function_list is refused" },
		{ "blog", "SELECT * FROM pragma_compile_options",
		    "PRAGMA compile_options is refused" },
		{ "blog", "PRAGMA database_list",
		    "PRAGMA database_list is "
		    "refused" },
		{ "blog", "PRAGMA table_info(posts)",
		    "PRAGMA table_info is "
		    "refused" },
		{ "rw", "PRAGMA journal_mode = OFF",
		    "PRAGMA journal_mode is "
		    "refused" },
		{ "rw", "PRAGMA page_size = 512",
		    "PRAGMA page_size is refused" },
		{ "blog", "ATTACH 'rw.sqlite' AS o",
		    "ATTACH and VACUUM INTO "
		    "are off" },
		{ "rw", "ATTACH ':memory:' AS m",
		    "ATTACH and VACUUM INTO are "
		    "off" },
		{ "rw", "DETACH main", "DETACH and VACUUM too" },
		{ "rw", "VACUUM", "DETACH and VACUUM too" },
		{ "rw", "VACUUM INTO 'copy.sqlite'",
		    "ATTACH and VACUUM INTO "
		    "are off" },
		{ "blog", "SELECT * FROM dbstat",
		    "db.query: the virtual table dbstat is refused: it reads "
		    "the database file itself" },
		{ "blog", "SELECT count(*) FROM dbstat", "dbstat is refused" },
		{ "rw", "CREATE VIRTUAL TABLE temp.s USING dbstat(main)",
		    "dbstat is refused" },
		{ "blog", "SELECT fts3_tokenizer('simple')",
		    "db.query: the function fts3_tokenizer() is refused" },
		{ "blog", "SELECT load_extension('/tmp/x.so')",
		    "the function load_extension() is refused" },
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char *args = db_args(refused[i].db, refused[i].sql);
		EXPECT_REJECT("db.query", args, refused[i].want);
		free(args);
	}
	char path[2 * PATH_MAX];
	snprintf(path, sizeof(path), "%s/copy.sqlite", root);
	ck_assert_int_ne(access(path, F_OK), 0);
	/* SQLite's FTS5 and its inner PRAGMAs still work, on a writable
	 * database */
	ssrd_host_result r = run(
	    "db.query", "[\"rw\",\"CREATE VIRTUAL TABLE f USING fts5(body)\"]");
	ck_assert_msg(r.ok == 1, "fts5: %s", r.text);
	free(r.text);
	EXPECT_OK("db.query",
	    "[\"rw\",\"INSERT INTO f VALUES ('hello ssrd'), ('bye')\"]",
	    "{\"changes\":2,\"lastInsertRowid\":2}");
	EXPECT_OK("db.query",
	    "[\"rw\",\"SELECT body FROM f WHERE f MATCH 'hello'\"]",
	    "[{\"body\":\"hello ssrd\"}]");
}
END_TEST

/* No message a page gets holds the server's absolute paths. */
START_TEST(test_db_no_absolute_path)
{
	char *missing_abs;
	ck_assert_int_ge(asprintf(&missing_abs, "%s/nope.sqlite", root), 0);
	dbs[5]                   = (ssrd_host_db) { "goneabs", missing_abs, 0 };
	opts.ndbs                = 6;
	const char *queries[][2] = {
		{ "abs", "SELECT * FROM pragma_database_list" },
		{ "abs", "PRAGMA database_list" },
		{ "abs", "SELECT * FROM nope" },
		{ "abs", "INSERT INTO posts(title) VALUES ('x')" },
		{ "abs", "ATTACH 'x' AS y" },
		{ "abs", "SELECT * FROM dbstat" },
		{ "abs", "SELECT randomblob(1000000000)" },
		{ "goneabs", "SELECT 1" },
		{ "blog", "SELECT * FROM pragma_database_list" },
		{ "blog", "SELECT nonsense(" },
		{ "rw", "CREATE TABLE t(a)" },
		{ "gone", "SELECT 1" },
	};
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		char            *args = db_args(queries[i][0], queries[i][1]);
		ssrd_host_result r    = run("db.query", args);
		ck_assert_msg(r.ok == 0, "%s: resolved", queries[i][1]);
		ck_assert_msg(strstr(r.text, root) == NULL
		        && strstr(r.text, "/tmp/") == NULL,
		    "%s on %s: the message names a path: %s", queries[i][1],
		    queries[i][0], r.text);
		free(r.text);
		free(args);
	}
	EXPECT_REJECT("db.query", "[\"goneabs\",\"SELECT 1\"]",
	    "db.query: database \"goneabs\": its file does not exist");
	free(missing_abs);
}
END_TEST

/* ---- env.get and the dispatcher ------------------------------------------ */

START_TEST(test_env_get)
{
	ck_assert_int_eq(setenv("SSRD_CHECK_HOST_SET", "v\"1", 1), 0);
	ck_assert_int_eq(unsetenv("SSRD_CHECK_HOST_UNSET"), 0);
	ck_assert_int_eq(setenv("SSRD_CHECK_HOST_OTHER", "no", 1), 0);
	EXPECT_OK("env.get", "[\"SSRD_CHECK_HOST_SET\"]", "\"v\\\"1\"");
	EXPECT_OK("env.get", "[\"SSRD_CHECK_HOST_UNSET\"]", "null");
	EXPECT_REJECT("env.get", "[\"SSRD_CHECK_HOST_OTHER\"]",
	    "env.get: \"SSRD_CHECK_HOST_OTHER\" is not in env_allow");
	EXPECT_REJECT("env.get", "[\"PATH\"]", "is not in env_allow");
	EXPECT_REJECT("env.get", "[1]", "name must be a string");
}
END_TEST

START_TEST(test_unknown_op)
{
	EXPECT_REJECT("files.write", "[\"a.txt\",\"x\"]",
	    "no host operation \"files.write\"");
	EXPECT_REJECT("", "[]", "no host operation \"\"");
}
END_TEST

int
main(void)
{
	/* before anything uses SQLite, as ssrd's main() does */
	if (ssrd__host_db_init() != SSRD_OK) {
		fprintf(stderr, "SQLite started before ssrd__host_db_init()\n");
		return EXIT_FAILURE;
	}
	Suite *s = suite_create("host");

	TCase *files = tcase_create("files");
	tcase_add_checked_fixture(files, setup, teardown);
	tcase_add_test(files, test_read_ok);
	tcase_add_test(files, test_read_bad_utf8);
	tcase_add_test(files, test_read_escape);
	tcase_add_test(files, test_read_absolute);
	tcase_add_test(files, test_read_symlink_out);
	tcase_add_test(files, test_read_too_big);
	tcase_add_test(files, test_read_missing);
	tcase_add_test(files, test_read_not_regular);
	tcase_add_test(files, test_read_bad_args);
	tcase_add_test(files, test_files_off);
	tcase_add_test(files, test_list_sorted);
	tcase_add_test(files, test_list_root);
	tcase_add_test(files, test_list_refusals);
	suite_add_tcase(s, files);

	TCase *db = tcase_create("db");
	tcase_add_checked_fixture(db, setup, teardown);
	tcase_add_test(db, test_db_unknown);
	tcase_add_test(db, test_db_rows);
	tcase_add_test(db, test_db_params);
	tcase_add_test(db, test_db_param_count);
	tcase_add_test(db, test_db_read_only);
	tcase_add_test(db, test_db_write);
	tcase_add_test(db, test_db_one_statement);
	tcase_add_test(db, test_db_timeout);
	tcase_add_test(db, test_db_row_limit);
	tcase_add_test(db, test_db_errors);
	suite_add_tcase(s, db);

	TCase *bounds = tcase_create("db_bounds");
	tcase_add_checked_fixture(bounds, setup, teardown);
	tcase_set_timeout(bounds, 60);
	tcase_add_loop_test(bounds, test_db_attacks, 0,
	    (int) (sizeof(attacks) / sizeof(attacks[0])));
	tcase_add_test(bounds, test_db_memory);
	tcase_add_test(bounds, test_db_result_cap);
	tcase_add_test(bounds, test_db_sql_limits);
	tcase_add_test(bounds, test_db_guarded_results);
	tcase_add_test(bounds, test_db_authorizer);
	tcase_add_test(bounds, test_db_no_absolute_path);
	suite_add_tcase(s, bounds);

	TCase *misc = tcase_create("misc");
	tcase_add_checked_fixture(misc, setup, teardown);
	tcase_add_test(misc, test_env_get);
	tcase_add_test(misc, test_unknown_op);
	suite_add_tcase(s, misc);

	return ssrd_check_run(s, CK_FORK);
}
