/* check_config.c tests src/config/: defaults, options by name, INI files
 * and their errors, printing the configuration back out, the option table's
 * own rules, the comparison of two configs and the JSON form. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config_impl.h"
#include "core/json.h"

#include "check_run.h"
#include <ssrd/errors.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Every test writes its files under this directory, made by main() and
 * removed by main() after the run, so a failing test (whose forked child
 * exits at once) leaves nothing behind.
 */
static char tmp_root[] = "/tmp/check_config.XXXXXX";

/* Removes the files in tmp_root (it holds no directories) and tmp_root. */
static void
rm_tmp_root(void)
{
	DIR *d = opendir(tmp_root);
	if (d != NULL) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") != 0
			    && strcmp(e->d_name, "..") != 0) {
				char path[4096];
				snprintf(path, sizeof(path), "%s/%s", tmp_root,
				    e->d_name);
				unlink(path);
			}
		}
		closedir(d);
	}
	rmdir(tmp_root);
}

/* Writes text to a new file under tmp_root and puts its path in path. */
static void
write_file(char *path, size_t len, const char *text)
{
	snprintf(path, len, "%s/ssrd.XXXXXX", tmp_root);
	int fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp(%s): %s", path, strerror(errno));
	FILE *f = fdopen(fd, "w");
	ck_assert_msg(f != NULL, "fdopen: %s", strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Initializes cfg and fails the test unless that works. */
static void
init_ok(ssrd_config *cfg)
{
	int rv = ssrd__config_init(cfg);
	ck_assert_msg(rv == SSRD_OK, "config_init: %s (%s)", ssrd_err_name(rv),
	    ssrd_strerror(rv));
}

/* Sets name = value and fails the test, with the reason, unless it works. */
static void
set_ok(ssrd_config *cfg, const char *name, const char *value)
{
	char errbuf[512] = "";
	int  rv = ssrd__config_set(cfg, name, value, errbuf, sizeof(errbuf));
	ck_assert_msg(rv == SSRD_OK, "set %s = \"%s\": %s (%s): %s", name,
	    value, ssrd_err_name(rv), ssrd_strerror(rv), errbuf);
}

/* Loads text as a config file into cfg; fails unless that works. */
static void
load_ok(ssrd_config *cfg, const char *text)
{
	char path[256], errbuf[512] = "";
	write_file(path, sizeof(path), text);
	int rv = ssrd__config_load_file(cfg, path, errbuf, sizeof(errbuf));
	ck_assert_msg(rv == SSRD_OK, "load:\n%s\n-> %s (%s): %s", text,
	    ssrd_err_name(rv), ssrd_strerror(rv), errbuf);
}

/* Compares every field of two configs. */
static void
assert_config_eq(const ssrd_config *a, const ssrd_config *b)
{
	ck_assert_msg(a->workers == b->workers, "workers %ld != %ld",
	    a->workers, b->workers);
	ck_assert_msg(a->heap_max_mb == b->heap_max_mb,
	    "heap_max_mb %ld != %ld", a->heap_max_mb, b->heap_max_mb);
	ck_assert_msg(a->young_max_mb == b->young_max_mb,
	    "young_max_mb %ld != %ld", a->young_max_mb, b->young_max_mb);
	const struct {
		const char *name, *x, *y;
	} strs[] = {
		{ "http", a->http, b->http },
		{ "site", a->site, b->site },
		{ "v8_flags", a->v8_flags, b->v8_flags },
		{ "cache_dir", a->cache_dir, b->cache_dir },
		{ "esbuild", a->esbuild, b->esbuild },
		{ "runtime_dir", a->runtime_dir, b->runtime_dir },
		{ "log_level", a->log_level, b->log_level },
	};
	for (size_t i = 0; i < N(strs); i++) {
		ck_assert_msg(strs[i].x != NULL && strs[i].y != NULL,
		    "%s is NULL", strs[i].name);
		ck_assert_msg(strcmp(strs[i].x, strs[i].y) == 0,
		    "%s: \"%s\" != \"%s\"", strs[i].name, strs[i].x, strs[i].y);
	}
}

START_TEST(test_defaults)
{
	ssrd_config cfg;
	init_ok(&cfg);
	ck_assert_int_eq(cfg.workers, 0);
	ck_assert_ptr_nonnull(cfg.http);
	ck_assert_msg(strncmp(cfg.http, "http://", 7) == 0,
	    "default http \"%s\" does not start with http://", cfg.http);
	ck_assert_ptr_nonnull(cfg.log_level);
	ck_assert_str_eq(cfg.log_level, "info");
	ck_assert_msg(cfg.heap_max_mb >= 16 && cfg.heap_max_mb <= 16384,
	    "heap_max_mb %ld", cfg.heap_max_mb);
	ck_assert_msg(cfg.young_max_mb >= 1 && cfg.young_max_mb <= 1024,
	    "young_max_mb %ld", cfg.young_max_mb);
	ck_assert_ptr_nonnull(cfg.v8_flags);
	ck_assert_str_eq(cfg.v8_flags, "");
	ck_assert_msg(cfg.site != NULL && cfg.site[0] != '\0', "no site");
	ck_assert_msg(
	    cfg.cache_dir != NULL && cfg.cache_dir[0] != '\0', "no cache_dir");
	ck_assert_msg(
	    cfg.esbuild != NULL && cfg.esbuild[0] != '\0', "no esbuild");
	ck_assert_msg(cfg.runtime_dir != NULL && cfg.runtime_dir[0] != '\0',
	    "no runtime_dir");
	ssrd__config_clear(&cfg);
}
END_TEST

START_TEST(test_set_names)
{
	ssrd_config cfg;
	init_ok(&cfg);
	set_ok(&cfg, "workers", "4");
	ck_assert_int_eq(cfg.workers, 4);
	set_ok(&cfg, "cache-dir", "/tmp/dashes");
	ck_assert_str_eq(cfg.cache_dir, "/tmp/dashes");
	set_ok(&cfg, "cache_dir", "/tmp/underscores");
	ck_assert_str_eq(cfg.cache_dir, "/tmp/underscores");
	set_ok(&cfg, "heap-max-mb", "1024");
	ck_assert_int_eq(cfg.heap_max_mb, 1024);
	set_ok(&cfg, "young_max_mb", "64");
	ck_assert_int_eq(cfg.young_max_mb, 64);
	set_ok(&cfg, "runtime-dir", "/opt/rt");
	ck_assert_str_eq(cfg.runtime_dir, "/opt/rt");
	set_ok(&cfg, "log-level", "debug");
	ck_assert_str_eq(cfg.log_level, "debug");
	set_ok(&cfg, "log_level", "off");
	ck_assert_str_eq(cfg.log_level, "off");
	set_ok(&cfg, "http", "http://0.0.0.0:9000");
	ck_assert_str_eq(cfg.http, "http://0.0.0.0:9000");
	set_ok(&cfg, "http", ""); /* empty turns HTTP off */
	ck_assert_str_eq(cfg.http, "");
	set_ok(&cfg, "v8-flags", "--max-lazy --stack-size=900");
	ck_assert_str_eq(cfg.v8_flags, "--max-lazy --stack-size=900");
	ssrd__config_clear(&cfg);
}
END_TEST

START_TEST(test_set_bounds)
{
	ssrd_config cfg;
	init_ok(&cfg);
	set_ok(&cfg, "workers", "0");
	ck_assert_int_eq(cfg.workers, 0);
	set_ok(&cfg, "workers", "256");
	ck_assert_int_eq(cfg.workers, 256);
	set_ok(&cfg, "heap_max_mb", "16");
	ck_assert_int_eq(cfg.heap_max_mb, 16);
	set_ok(&cfg, "heap_max_mb", "16384");
	ck_assert_int_eq(cfg.heap_max_mb, 16384);
	set_ok(&cfg, "young_max_mb", "1");
	ck_assert_int_eq(cfg.young_max_mb, 1);
	set_ok(&cfg, "young_max_mb", "1024");
	ck_assert_int_eq(cfg.young_max_mb, 1024);
	/* the old name of render_timeout_ms still works */
	set_ok(&cfg, "streaming_timeout_ms", "1234");
	ck_assert_int_eq(cfg.render_timeout_ms, 1234);
	set_ok(&cfg, "streaming-timeout-ms", "4321");
	ck_assert_int_eq(cfg.render_timeout_ms, 4321);
	ssrd__config_clear(&cfg);
}
END_TEST

/* A bad value for name; the message must contain mention. */
static const struct {
	const char *name, *value, *mention;
} bad_sets[] = {
	{ "workers", "abc", "workers" },
	{ "workers", "4x", "workers" },
	{ "workers", "", "workers" },
	{ "workers", "4 ", "workers" },
	{ "workers", "99999999999999999999999", "workers" },
	{ "workers", "257", "workers" },
	{ "workers", "-1", "workers" },
	{ "heap_max_mb", "1", "heap_max_mb" },
	{ "heap-max-mb", "16385", "heap_max_mb" },
	{ "young_max_mb", "0", "young_max_mb" },
	{ "nope", "1", "nope" },
	{ "cache__dir", "/x", "cache__dir" },
	{ "", "1", "unknown" },
	{ "log_level", "loud", "log_level" },
	{ "log_level", "INFO", "log_level" },
	{ "log_format", "xml", "log_format" },
	{ "timing_log", "loud", "timing_log" },
	{ "metrics", "2", "metrics" },
	{ "http", "https://127.0.0.1:8443", "http" },
	{ "http", "127.0.0.1:8080", "http" },
};

START_TEST(test_set_errors)
{
	const char *name = bad_sets[_i].name, *value = bad_sets[_i].value;
	ssrd_config cfg, def;
	char        errbuf[512] = "";
	init_ok(&cfg);
	init_ok(&def);
	int rv = ssrd__config_set(&cfg, name, value, errbuf, sizeof(errbuf));
	ck_assert_msg(rv == SSRD_ECONFIG,
	    "set %s = \"%s\": got %s (%s), want bad_config", name, value,
	    ssrd_err_name(rv), ssrd_strerror(rv));
	ck_assert_msg(strstr(errbuf, bad_sets[_i].mention) != NULL,
	    "set %s = \"%s\": message does not name \"%s\": %s", name, value,
	    bad_sets[_i].mention, errbuf);
	/* A refused value leaves the config as it was. */
	assert_config_eq(&cfg, &def);
	ssrd__config_clear(&cfg);
	ssrd__config_clear(&def);
}
END_TEST

START_TEST(test_load_file)
{
	ssrd_config cfg;
	init_ok(&cfg);
	load_ok(&cfg,
	    "# ssrd.conf\n"
	    "; another comment style\n"
	    "\n"
	    "[server]\n"
	    "workers=3\n"
	    "  http   =   \"http://127.0.0.1:9999\"   \n"
	    "\t# indented comment\n"
	    "[ site ]\n"
	    "site = /srv/my site\n"
	    "\n"
	    "[render]\n"
	    "heap_max_mb = 256\r\n"
	    "young-max-mb = 32\n"
	    "v8_flags = \"  --max-lazy  \"\n"
	    "[cache]\n"
	    "cache_dir = \"\"\n"
	    "[build]\n"
	    "esbuild = /usr/bin/esbuild # not a comment\n"
	    "runtime_dir = a=b\n"
	    "[log]\n"
	    "log_level = warn"); /* no final newline */
	ck_assert_int_eq(cfg.workers, 3);
	ck_assert_str_eq(cfg.http, "http://127.0.0.1:9999");
	ck_assert_str_eq(cfg.site, "/srv/my site");
	ck_assert_int_eq(cfg.heap_max_mb, 256);
	ck_assert_int_eq(cfg.young_max_mb, 32);
	ck_assert_str_eq(cfg.v8_flags, "  --max-lazy  ");
	ck_assert_str_eq(cfg.cache_dir, "");
	ck_assert_str_eq(cfg.esbuild, "/usr/bin/esbuild # not a comment");
	ck_assert_str_eq(cfg.runtime_dir, "a=b");
	ck_assert_str_eq(cfg.log_level, "warn");
	ssrd__config_clear(&cfg);
}
END_TEST

START_TEST(test_load_keeps_unset_options)
{
	ssrd_config cfg, def;
	init_ok(&cfg);
	init_ok(&def);
	load_ok(&cfg, "[server]\nworkers = 7\n");
	ck_assert_int_eq(cfg.workers, 7);
	def.workers = 7;
	assert_config_eq(&cfg, &def);

	/* An empty file, or one of only comments, changes nothing. */
	load_ok(&cfg, "");
	load_ok(&cfg, "# nothing\n; here\n\n");
	assert_config_eq(&cfg, &def);
	ssrd__config_clear(&cfg);
	ssrd__config_clear(&def);
}
END_TEST

/* A bad file: the error must be at line, and the message contain mention. */
static const struct {
	const char *text;
	int         line;
	const char *mention;
} bad_files[] = {
	/* an unknown key on line 3 */
	{ "[server]\nworkers = 2\nbogus = 1\n", 3, "bogus" },
	/* an option in the wrong section */
	{ "# comment\n[render]\nworkers = 2\n", 3, "[server]" },
	{ "[server]\nworkers = 2\n\n[log]\nhttp = http://x\n", 5, "http" },
	/* before any section */
	{ "workers = 2\n", 1, "workers" },
	/* a line without '=' */
	{ "[server]\n\nworkers 4\n", 3, "workers 4" },
	/* a bad section header */
	{ "; comment\n\n\n[server\nworkers = 1\n", 4, "[server" },
	{ "[server]\nworkers = 1\n[log] x\n", 3, "[log] x" },
	/* an out-of-range value */
	{ "[server]\nworkers = 1\n\n[render]\nheap_max_mb = 1\n", 5,
	    "heap_max_mb" },
	{ "[server]\n# 257 is one too many\nworkers = 257\n", 3, "workers" },
	/* a bad number, a bad log level, a bad URL */
	{ "[server]\nworkers = many\n", 2, "workers" },
	{ "[log]\n\nlog_level = \"loud\"\n", 3, "log_level" },
	{ "[server]\r\nworkers = 1\r\nhttp = ftp://x\r\n", 3, "http" },
};

START_TEST(test_load_errors)
{
	ssrd_config cfg;
	char        path[256], errbuf[1024] = "", prefix[300];
	init_ok(&cfg);
	write_file(path, sizeof(path), bad_files[_i].text);
	int rv = ssrd__config_load_file(&cfg, path, errbuf, sizeof(errbuf));
	ck_assert_msg(rv == SSRD_ECONFIG,
	    "load:\n%s\n-> got %s (%s), want bad_config; errbuf: %s",
	    bad_files[_i].text, ssrd_err_name(rv), ssrd_strerror(rv), errbuf);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, bad_files[_i].line);
	ck_assert_msg(strncmp(errbuf, prefix, strlen(prefix)) == 0,
	    "load:\n%s\n-> message \"%s\" does not start with \"%s\"",
	    bad_files[_i].text, errbuf, prefix);
	ck_assert_msg(
	    strstr(errbuf + strlen(prefix), bad_files[_i].mention) != NULL,
	    "message \"%s\" does not mention \"%s\"", errbuf,
	    bad_files[_i].mention);
	ssrd__config_clear(&cfg);
}
END_TEST

START_TEST(test_load_missing_file)
{
	ssrd_config cfg;
	char        path[256], errbuf[512] = "";
	init_ok(&cfg);
	snprintf(path, sizeof(path), "%s/no-such-file.conf", tmp_root);
	int rv = ssrd__config_load_file(&cfg, path, errbuf, sizeof(errbuf));
	ck_assert_msg(rv == SSRD_EIO,
	    "missing file: got %s (%s), want io_error", ssrd_err_name(rv),
	    ssrd_strerror(rv));
	ck_assert_msg(strstr(errbuf, path) != NULL,
	    "message does not name the file: %s", errbuf);
	ssrd__config_clear(&cfg);
}
END_TEST

/* A directory opens but cannot be read: that is an unreadable file too. */
START_TEST(test_load_directory)
{
	ssrd_config cfg;
	char        errbuf[512] = "";
	init_ok(&cfg);
	int rv = ssrd__config_load_file(&cfg, tmp_root, errbuf, sizeof(errbuf));
	ck_assert_msg(rv == SSRD_EIO,
	    "loading a directory: got %s (%s), want io_error; errbuf: %s",
	    ssrd_err_name(rv), ssrd_strerror(rv), errbuf);
	ck_assert_msg(strstr(errbuf, tmp_root) != NULL,
	    "message does not name the path: %s", errbuf);
	ssrd__config_clear(&cfg);
}
END_TEST

/* Text with no final newline, NUL bytes inside lines and bytes past len. */
START_TEST(test_load_text)
{
	static const char text[] = "[server]\n"
	                           "workers = 5\0 = ignored, as is \"\n"
	                           "\0bogus = 1\n"
	                           "queue_max = 7\n"
	                           "[render]\n"
	                           "heap_max_mb = 64junk past len";
	ssrd_config       cfg;
	char              errbuf[512] = "";
	init_ok(&cfg);
	size_t len = sizeof(text) - 1 - strlen("junk past len");
	int    rv  = ssrd__config_load_text(
	        &cfg, "t", text, len, errbuf, sizeof(errbuf));
	ck_assert_msg(rv == SSRD_OK, "load_text: %s (%s): %s",
	    ssrd_err_name(rv), ssrd_strerror(rv), errbuf);
	ck_assert_int_eq(cfg.workers, 5);
	ck_assert_int_eq(cfg.queue_max, 7);
	ck_assert_int_eq(cfg.heap_max_mb, 64);
	/* No text at all, or a lone newline, changes nothing. */
	ck_assert_int_eq(
	    ssrd__config_load_text(&cfg, "t", NULL, 0, errbuf, sizeof(errbuf)),
	    SSRD_OK);
	ck_assert_int_eq(
	    ssrd__config_load_text(&cfg, "t", "\n", 1, errbuf, sizeof(errbuf)),
	    SSRD_OK);
	ck_assert_int_eq(cfg.workers, 5);
	ssrd__config_clear(&cfg);
}
END_TEST

/* Errors name the text and count lines NUL bytes cut short; the lines
 * before the bad one stay applied. */
START_TEST(test_load_text_errors)
{
	static const char text[] = "[server]\nworkers = 9\0\n\0\nnope\n";
	ssrd_config       cfg;
	char              errbuf[512] = "";
	init_ok(&cfg);
	int rv = ssrd__config_load_text(
	    &cfg, "inline", text, sizeof(text) - 1, errbuf, sizeof(errbuf));
	ck_assert_msg(rv == SSRD_ECONFIG, "got %s (%s), want bad_config: %s",
	    ssrd_err_name(rv), ssrd_strerror(rv), errbuf);
	ck_assert_msg(strncmp(errbuf, "inline:4: ", 10) == 0
	        && strstr(errbuf, "nope") != NULL,
	    "message \"%s\" does not start with \"inline:4: \" and name "
	    "nope",
	    errbuf);
	ck_assert_int_eq(cfg.workers, 9);
	/* the last line, without its newline, is read too */
	rv = ssrd__config_load_text(&cfg, "inline", "[log]\nlog_level = loud",
	    22, errbuf, sizeof(errbuf));
	ck_assert_msg(
	    rv == SSRD_ECONFIG && strncmp(errbuf, "inline:2: ", 10) == 0,
	    "last line: got %s: %s", ssrd_err_name(rv), errbuf);
	ssrd__config_clear(&cfg);
}
END_TEST

/* Prints cfg to a file, loads that into fresh defaults, compares. */
static void
round_trip(const ssrd_config *cfg)
{
	char  path[256], errbuf[512] = "";
	char  text[8192];
	FILE *f;

	snprintf(path, sizeof(path), "%s/print.XXXXXX", tmp_root);
	int fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	f = fdopen(fd, "w+");
	ck_assert_ptr_nonnull(f);
	ssrd__config_print(cfg, f, 1);
	rewind(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n]  = '\0';
	fclose(f);
	ck_assert_msg(strstr(text, "[server]\n") != NULL
	        && strstr(text, "[log]\n") != NULL,
	    "no [server] or [log] header in:\n%s", text);
	char want[64];
	snprintf(want, sizeof(want), "workers = %ld\n", cfg->workers);
	ck_assert_msg(
	    strstr(text, want) != NULL, "no \"%s\" in:\n%s", want, text);

	ssrd_config back;
	init_ok(&back);
	/* Start from values that differ, so each must come from the file. */
	back.workers      = cfg->workers == 1 ? 2 : 1;
	back.heap_max_mb  = cfg->heap_max_mb == 17 ? 18 : 17;
	back.young_max_mb = cfg->young_max_mb == 2 ? 3 : 2;
	int rv = ssrd__config_load_file(&back, path, errbuf, sizeof(errbuf));
	ck_assert_msg(rv == SSRD_OK, "loading printed config: %s (%s): %s\n%s",
	    ssrd_err_name(rv), ssrd_strerror(rv), errbuf, text);
	assert_config_eq(cfg, &back);
	ssrd__config_clear(&back);
}

START_TEST(test_print_round_trip)
{
	ssrd_config cfg;
	init_ok(&cfg);
	round_trip(&cfg); /* the defaults, with an empty v8_flags */

	set_ok(&cfg, "workers", "12");
	set_ok(&cfg, "http", "");
	set_ok(&cfg, "site", "/srv/site with spaces");
	set_ok(&cfg, "heap_max_mb", "2048");
	set_ok(&cfg, "young_max_mb", "96");
	set_ok(&cfg, "v8_flags", "--max-lazy --stack-size=900");
	set_ok(&cfg, "cache_dir", "/var/cache/ssrd");
	set_ok(&cfg, "esbuild", "/usr/local/bin/esbuild");
	set_ok(&cfg, "runtime_dir", "/opt/ssrd/runtime");
	set_ok(&cfg, "log_level", "error");
	round_trip(&cfg);
	ssrd__config_clear(&cfg);
}
END_TEST

/* A secret is never printed for people: `ssrd config` shows that it is
 * set, not what it is; what compares configurations still sees it. */
START_TEST(test_print_hides_secrets)
{
	ssrd_config cfg;
	init_ok(&cfg);
	ck_assert_int_eq(ssrd__config_secret("admin_token"), 1);
	ck_assert_int_eq(ssrd__config_secret("workers"), 0);
	ck_assert_int_eq(ssrd__config_secret("no_such_option"), 0);
	set_ok(&cfg, "admin_token", "s3cret-TOKEN-42");
	for (int secrets = 0; secrets < 2; secrets++) {
		char  *text = NULL;
		size_t len  = 0;
		FILE  *f    = open_memstream(&text, &len);
		ck_assert_ptr_nonnull(f);
		ssrd__config_print(&cfg, f, secrets);
		fclose(f);
		if (secrets) {
			ck_assert_ptr_nonnull(
			    strstr(text, "admin_token = \"s3cret-TOKEN-42\""));
		} else {
			ck_assert_msg(strstr(text, "s3cret") == NULL,
			    "the secret was printed:\n%s", text);
			ck_assert_ptr_nonnull(
			    strstr(text, "admin_token = \"(set)\""));
		}
		free(text);
	}
	ssrd__config_clear(&cfg);
}
END_TEST

/*
 * Values the loader would change if printed bare: surrounding whitespace
 * (trimmed), surrounding quotes (stripped) and a leading '#' or ';'.
 */
static const struct {
	const char *name, *value;
} tricky_values[] = {
	{ "v8_flags", " --max-lazy" },
	{ "site", "/srv/site " },
	{ "v8_flags", "\"--quoted\"" },
	{ "cache_dir", "#cache" },
	{ "esbuild", ";esbuild" },
};

START_TEST(test_print_round_trip_tricky)
{
	ssrd_config cfg;
	init_ok(&cfg);
	set_ok(&cfg, tricky_values[_i].name, tricky_values[_i].value);
	round_trip(&cfg);
	ssrd__config_clear(&cfg);
}
END_TEST

START_TEST(test_print_help)
{
	static const char *const flags[] = {
		"--workers",
		"--http",
		"--site",
		"--heap-max-mb",
		"--young-max-mb",
		"--v8-flags",
		"--cache-dir",
		"--esbuild",
		"--runtime-dir",
		"--log-level",
	};
	static char text[65536];
	FILE       *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	ssrd__config_print_help(f);
	rewind(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n]  = '\0';
	fclose(f);
	for (size_t i = 0; i < N(flags); i++) {
		ck_assert_msg(strstr(text, flags[i]) != NULL,
		    "--help does not list %s:\n%s", flags[i], text);
	}
}
END_TEST

START_TEST(test_workers)
{
	ssrd_config cfg;
	init_ok(&cfg);
	long n = ssrd__config_workers(&cfg);
	ck_assert_msg(n >= 1, "workers for 0: %ld", n);
	set_ok(&cfg, "workers", "1");
	ck_assert_int_eq(ssrd__config_workers(&cfg), 1);
	set_ok(&cfg, "workers", "5");
	ck_assert_int_eq(ssrd__config_workers(&cfg), 5);
	set_ok(&cfg, "workers", "256");
	ck_assert_int_eq(ssrd__config_workers(&cfg), 256);
	ssrd__config_clear(&cfg);
}
END_TEST

START_TEST(test_clear_twice)
{
	ssrd_config cfg;
	init_ok(&cfg);
	ssrd__config_clear(&cfg);
	ck_assert_ptr_null(cfg.http);
	ck_assert_ptr_null(cfg.site);
	ck_assert_ptr_null(cfg.v8_flags);
	ck_assert_ptr_null(cfg.cache_dir);
	ck_assert_ptr_null(cfg.esbuild);
	ck_assert_ptr_null(cfg.runtime_dir);
	ck_assert_ptr_null(cfg.log_level);
	ssrd__config_clear(&cfg);
	ck_assert_ptr_null(cfg.http);
	ssrd__config_clear(NULL);

	/* A cleared config can be filled again. */
	init_ok(&cfg);
	ck_assert_str_eq(cfg.log_level, "info");
	ssrd__config_clear(&cfg);
}
END_TEST

/* The words an OPT_WORD row lists are the ones its parser takes, and
 * other words get the row's message, exactly. */
START_TEST(test_table_words)
{
	for (size_t i = 0; i < ssrd__config_noptions; i++) {
		const struct opt *o = &ssrd__config_options[i];
		if (o->type != OPT_WORD) {
			continue;
		}
		char words[128], *save = NULL;
		snprintf(words, sizeof(words), "%s", o->one_of);
		for (char *w = strtok_r(words, ", ", &save); w != NULL;
		     w       = strtok_r(NULL, ", ", &save)) {
			ck_assert_msg(o->parse(w) >= 0,
			    "%s lists \"%s\", which its parser refuses",
			    o->name, w);
		}
		ssrd_config cfg;
		char        errbuf[512], want[512];
		init_ok(&cfg);
		ck_assert_int_eq(ssrd__config_set(&cfg, o->name, "loud", errbuf,
		                     sizeof(errbuf)),
		    SSRD_ECONFIG);
		snprintf(want, sizeof(want), "%s \"loud\" is not one of %s",
		    o->name, o->one_of);
		ck_assert_str_eq(errbuf, want);
		ssrd__config_clear(&cfg);
	}
}
END_TEST

/* The messages of the rules that were each a function before the table
 * took them: the same text, word for word. */
static const struct {
	const char *name, *value, *message;
} rule_messages[] = {
	{ "log_level", "x",
	    "log_level \"x\" is not one of debug, info, warn, error, off" },
	{ "timing_log", "x",
	    "timing_log \"x\" is not one of debug, info, warn, error, off" },
	{ "log_format", "x", "log_format \"x\" is not one of logfmt, json" },
	{ "isolation", "x",
	    "isolation \"x\" is not one of site, page, request" },
	{ "workers", "300", "workers = 300 is out of range: use 0 to 256" },
	{ "workers", "x", "workers = \"x\" is not a whole number" },
	{ "http", "ftp://x",
	    "http \"ftp://x\" must start with http:// (e.g. "
	    "http://127.0.0.1:8080), or be empty to turn HTTP off" },
	{ "ipc", "ipc:///a, udp://b",
	    "ipc address \"udp://b\" must start with ipc:// or tcp:// (e.g. "
	    "ipc:///run/ssrd.sock)" },
	{ "site", "", "site is empty: give a directory, or HOST=PATH entries" },
};

START_TEST(test_rule_messages)
{
	ssrd_config cfg;
	char        errbuf[512] = "";
	init_ok(&cfg);
	ck_assert_int_eq(ssrd__config_set(&cfg, rule_messages[_i].name,
	                     rule_messages[_i].value, errbuf, sizeof(errbuf)),
	    SSRD_ECONFIG);
	ck_assert_str_eq(errbuf, rule_messages[_i].message);
	ssrd__config_clear(&cfg);
}
END_TEST

struct changes {
	int                n;
	char               names[8][64];
	ssrd_config_change v[8]; /* only the flags: the strings are gone */
	char               before[8][64], after[8][64];
};

static void
on_change(const ssrd_config_change *ch, void *arg)
{
	struct changes *c = arg;
	ck_assert_str_ne(ch->before, ch->after);
	if (c->n < 8) {
		snprintf(c->names[c->n], sizeof(c->names[0]), "%s", ch->name);
		snprintf(
		    c->before[c->n], sizeof(c->before[0]), "%s", ch->before);
		snprintf(c->after[c->n], sizeof(c->after[0]), "%s", ch->after);
		c->v[c->n] = *ch;
	}
	c->n++;
}

/* The comparison on reload: option by option, in the table's order, with
 * the row's flags. */
START_TEST(test_diff)
{
	ssrd_config    a, b;
	struct changes c = { 0 };
	init_ok(&a);
	init_ok(&b);
	ck_assert_int_eq(ssrd__config_diff(&a, &b, on_change, &c), 0);
	ck_assert_int_eq(c.n, 0);
	set_ok(&b, "log_level", "debug");
	set_ok(&b, "workers", "3");
	set_ok(&b, "drain_ms", "5");
	set_ok(&b, "admin_token", "s3cret");
	ck_assert_int_eq(ssrd__config_diff(&a, &b, on_change, &c), 4);
	ck_assert_int_eq(ssrd__config_diff(&a, &b, NULL, NULL), 4);
	ck_assert_int_eq(c.n, 4);
	ck_assert_str_eq(c.names[0], "workers");
	ck_assert_str_eq(c.before[0], "0");
	ck_assert_str_eq(c.after[0], "3");
	ck_assert_int_eq(c.v[0].text, 0);
	ck_assert_int_eq(c.v[0].live, 0);
	ck_assert_str_eq(c.names[1], "drain_ms");
	ck_assert_int_eq(c.v[1].live, 1);
	ck_assert_str_eq(c.names[2], "admin_token");
	ck_assert_int_eq(c.v[2].secret, 1);
	ck_assert_int_eq(c.v[2].text, 1);
	ck_assert_str_eq(c.after[2], "s3cret"); /* the caller hides it */
	ck_assert_str_eq(c.names[3], "log_level");
	ck_assert_str_eq(c.before[3], "info");
	ck_assert_str_eq(c.after[3], "debug");
	ck_assert_int_eq(c.v[3].text, 1);
	ck_assert_int_eq(c.v[3].live, 1);
	ck_assert_int_eq(c.v[3].secret, 0);
	ssrd__config_clear(&a);
	ssrd__config_clear(&b);
}
END_TEST

/* Every number option, moved to a bound it is not at, is the one change. */
START_TEST(test_diff_every_number)
{
	for (size_t i = 0; i < ssrd__config_noptions; i++) {
		const struct opt *o = &ssrd__config_options[i];
		if (o->type != OPT_LONG) {
			continue;
		}
		ssrd_config    a, b;
		struct changes c = { 0 };
		char           v[32];
		init_ok(&a);
		init_ok(&b);
		long now = *(const long *) ((const char *) &b + o->offset);
		snprintf(v, sizeof(v), "%ld", now == o->max ? o->min : o->max);
		set_ok(&b, o->name, v);
		ck_assert_int_eq(ssrd__config_diff(&a, &b, on_change, &c), 1);
		ck_assert_str_eq(c.names[0], o->name);
		ck_assert_str_eq(c.after[0], v);
		ssrd__config_clear(&a);
		ssrd__config_clear(&b);
	}
}
END_TEST

struct members {
	size_t n;
	int    bad; /* a key out of the table's order */
	char   token[64];
};

static int
on_member(ssrd_json *j, const char *key, size_t keylen, void *arg)
{
	struct members *m = arg;
	if (m->n >= ssrd__config_noptions
	    || strcmp(key, ssrd__config_options[m->n].name) != 0) {
		m->bad = 1;
	}
	m->n++;
	if (strcmp(key, "admin_token") == 0) {
		char *v  = NULL;
		int   rv = ssrd__json_string_dup(j, &v, NULL);
		if (rv == SSRD_OK) {
			snprintf(m->token, sizeof(m->token), "%s", v);
		}
		free(v);
		return rv;
	}
	return ssrd__json_skip(j);
}

/* diagnose's config: every option, in order, as valid JSON; a secret that
 * is set shows as "(set)", as in ssrd config. */
START_TEST(test_json)
{
	ssrd_config cfg;
	init_ok(&cfg);
	for (int set = 0; set < 2; set++) {
		if (set) {
			set_ok(&cfg, "admin_token", "s3cret\"x");
		}
		char *text = ssrd__config_json(&cfg);
		ck_assert_ptr_nonnull(text);
		ck_assert_msg(strstr(text, "s3cret") == NULL,
		    "the secret is in the JSON: %s", text);
		ck_assert_ptr_nonnull(strstr(text, "{\"workers\":0,"));
		ck_assert_ptr_nonnull(strstr(text, ",\"isolation\":\"site\","));
		struct members m = { 0 };
		ssrd_json      j;
		ssrd__json_init(&j, text, strlen(text));
		ck_assert_int_eq(ssrd__json_object(&j, on_member, &m), SSRD_OK);
		ck_assert_int_eq(ssrd__json_end(&j), SSRD_OK);
		ck_assert_int_eq(m.bad, 0);
		ck_assert_uint_eq(m.n, ssrd__config_noptions);
		ck_assert_str_eq(m.token, set ? "(set)" : "");
		free(text);
	}
	ssrd__config_clear(&cfg);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s  = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_set_names);
	tcase_add_test(tc, test_set_bounds);
	tcase_add_loop_test(tc, test_set_errors, 0, (int) N(bad_sets));
	tcase_add_test(tc, test_load_file);
	tcase_add_test(tc, test_load_keeps_unset_options);
	tcase_add_loop_test(tc, test_load_errors, 0, (int) N(bad_files));
	tcase_add_test(tc, test_load_missing_file);
	tcase_add_test(tc, test_load_directory);
	tcase_add_test(tc, test_load_text);
	tcase_add_test(tc, test_load_text_errors);
	tcase_add_test(tc, test_print_round_trip);
	tcase_add_test(tc, test_print_hides_secrets);
	tcase_add_loop_test(
	    tc, test_print_round_trip_tricky, 0, (int) N(tricky_values));
	tcase_add_test(tc, test_print_help);
	tcase_add_test(tc, test_workers);
	tcase_add_test(tc, test_clear_twice);
	tcase_add_test(tc, test_table_words);
	tcase_add_loop_test(tc, test_rule_messages, 0, (int) N(rule_messages));
	tcase_add_test(tc, test_diff);
	tcase_add_test(tc, test_diff_every_number);
	tcase_add_test(tc, test_json);
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
	int rc = ssrd_check_run(config_suite(), CK_FORK);
	rm_tmp_root();
	return rc;
}
