/* fuzz_config.c: libFuzzer target for the config parser. Any bytes are
 * parsed as an INI file into fresh defaults; whatever comes back must hold
 * to the option table, print, split its sites and load again from its own
 * printout to the same values (by ssrd__config_diff() too), and give valid
 * JSON for diagnose. Run by ctest for a bounded time
 * (tests/CMakeLists.txt). */

/* config.c whole, first (it sets the feature macros), for its static rule
 * checker; then the option table, which holds the bounds and rules a
 * parsed config must keep. (Both included, so tests/CMakeLists.txt lists
 * neither among the target's sources.) */
#include "../../src/config/config.c"
#include "../../src/config/options.c"

#include <stdint.h>

#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every option holds a value its own row allows: in bounds, or a string
 * its words or its check accept. Holds after a refused line too (a refused
 * value is never stored). */
static void
verify_table(const ssrd_config *cfg)
{
	char why[512];
	long num;
	for (size_t i = 0; i < ssrd__config_noptions; i++) {
		const struct opt *o = &ssrd__config_options[i];
		if (o->type == OPT_LONG) {
			long v = opt_long(cfg, o);
			if (v < o->min || v > o->max) {
				abort();
			}
		} else {
			const char *v = opt_str(cfg, o, 1);
			if (v == NULL
			    || opt_check(o, v, &num, why, sizeof(why))
			        != SSRD_OK) {
				abort();
			}
		}
	}
}

/* a and b hold the same value for every option, field by field and by
 * ssrd__config_diff(), which must agree */
static void
verify_same(const ssrd_config *a, const ssrd_config *b)
{
	for (size_t i = 0; i < ssrd__config_noptions; i++) {
		const struct opt *o = &ssrd__config_options[i];
		if (o->type == OPT_LONG
		        ? opt_long(a, o) != opt_long(b, o)
		        : strcmp(opt_str(a, o, 1), opt_str(b, o, 1)) != 0) {
			abort();
		}
	}
	if (ssrd__config_diff(a, b, NULL, NULL) != 0) {
		abort();
	}
}

/* The site option, validated when it was set, splits without error: the
 * first entry the default, each with a directory and a plain host or none. */
static void
verify_sites(const ssrd_config *cfg)
{
	ssrd_site_entry *v;
	size_t           n;
	char             why[512];
	if (ssrd__config_sites(cfg, &v, &n, why, sizeof(why)) != SSRD_OK
	    || n == 0) {
		abort();
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].path == NULL || v[i].path[0] == '\0'
		    || (v[i].host != NULL
		        && (v[i].host[0] == '\0'
		            || strpbrk(v[i].host, " /:") != NULL))) {
			abort();
		}
	}
	ssrd__config_sites_free(v, n);
}

/* Prints cfg and loads the printout into fresh defaults: the same config
 * must come back (ssrd config's output is a config file). */
static void
verify_print(const ssrd_config *cfg)
{
	char  *text = NULL;
	size_t len  = 0;
	FILE  *f    = open_memstream(&text, &len);
	if (f == NULL) {
		abort();
	}
	ssrd__config_print(cfg, f, 1);
	if (fclose(f) != 0) {
		abort();
	}
	ssrd_config back;
	char        why[512];
	if (ssrd__config_init(&back) != SSRD_OK
	    || ssrd__config_load_text(
	           &back, "printed", text, len, why, sizeof(why))
	        != SSRD_OK) {
		abort();
	}
	verify_same(cfg, &back);
	ssrd__config_clear(&back);
	free(text);
}

static int
count_member(ssrd_json *j, const char *key, size_t keylen, void *arg)
{
	size_t *n = arg;
	if (*n >= ssrd__config_noptions
	    || strcmp(key, ssrd__config_options[*n].name) != 0) {
		abort(); /* every option, in the table's order */
	}
	(*n)++;
	return ssrd__json_skip(j);
}

/* diagnose's form of cfg is one valid JSON object, every option in it. */
static void
verify_json(const ssrd_config *cfg)
{
	char     *text = ssrd__config_json(cfg);
	size_t    n    = 0;
	ssrd_json j;
	if (text == NULL) {
		abort();
	}
	ssrd__json_init(&j, text, strlen(text));
	if (ssrd__json_object(&j, count_member, &n) != SSRD_OK
	    || ssrd__json_end(&j) != SSRD_OK || n != ssrd__config_noptions) {
		abort();
	}
	free(text);
}

/* The line a "NAME:LINE: reason" message names, or 0. */
static long
error_line(const char *msg)
{
	static const char prefix[] = "fuzz.conf:";
	if (strncmp(msg, prefix, sizeof(prefix) - 1) != 0) {
		return 0;
	}
	char *end;
	long  line = strtol(msg + sizeof(prefix) - 1, &end, 10);
	return strncmp(end, ": ", 2) == 0 && end[2] != '\0' ? line : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ssrd_config cfg;
	char        errbuf[512];
	/* an exact-size copy, so any read past the end is caught */
	char *text = malloc(size ? size : 1);
	if (text == NULL || ssrd__config_init(&cfg) != SSRD_OK) {
		abort();
	}
	memcpy(text, data, size);
	memset(errbuf, 'x', sizeof(errbuf)); /* no NUL unless one is written */
	int rv = ssrd__config_load_text(
	    &cfg, "fuzz.conf", text, size, errbuf, sizeof(errbuf));
	if (rv == SSRD_ECONFIG) {
		/* "fuzz.conf:LINE: reason", LINE one of the text's lines */
		size_t lines = 0;
		for (size_t i = 0; i < size; i++) {
			lines += text[i] == '\n';
		}
		lines += size > 0 && text[size - 1] != '\n';
		if (memchr(errbuf, '\0', sizeof(errbuf)) == NULL) {
			abort();
		}
		long line = error_line(errbuf);
		if (line < 1 || (size_t) line > lines) {
			abort();
		}
	} else if (rv != SSRD_OK) {
		abort(); /* nothing else can go wrong with text in memory */
	}
	verify_table(&cfg);
	verify_sites(&cfg);
	verify_print(&cfg);
	verify_json(&cfg);
	ssrd__config_clear(&cfg);
	free(text);
	return 0;
}
