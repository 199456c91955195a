/* config.c implements ssrd's configuration: the option table (options.c)
 * drives the file, the flags, the help, ssrd config, diagnose's list and
 * the comparison of two configs. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ssrd/errors.h>

#include "config/config_impl.h"
#include "core/strbuf.h"

static char *trim(char *s);

/* Splits "HOST=PATH, PATH" lists; with out NULL it only validates. */
static int
parse_sites(const char *v, ssrd_site_entry **out, size_t *n, char *errbuf,
    size_t errlen)
{
	char  *copy = strdup(v), *save = NULL;
	size_t count = 0;
	int    rv    = SSRD_OK;
	if (copy == NULL) {
		return SSRD_ENOMEM;
	}
	for (char *e = strtok_r(copy, ",", &save); e != NULL && rv == SSRD_OK;
	     e       = strtok_r(NULL, ",", &save)) {
		char *item = trim(e), *eq = strchr(item, '='), *host = NULL,
		     *path = item;
		if (eq != NULL) {
			*eq  = '\0';
			host = trim(item);
			path = trim(eq + 1);
			if (*host == '\0' || strpbrk(host, " /:") != NULL) {
				snprintf(errbuf, errlen,
				    "site entry \"%s=%s\": the host must be a "
				    "plain name like shop.example.com",
				    host, path);
				rv = SSRD_ECONFIG;
				break;
			}
		}
		if (*path == '\0') {
			snprintf(errbuf, errlen,
			    "site: an entry has no directory; write PATH or "
			    "HOST=PATH, comma-separated");
			rv = SSRD_ECONFIG;
			break;
		}
		if (out != NULL) {
			ssrd_site_entry *nv
			    = realloc(*out, (count + 1) * sizeof(*nv));
			if (nv == NULL) {
				rv = SSRD_ENOMEM;
				break;
			}
			*out           = nv;
			nv[count].host = host ? strdup(host) : NULL;
			nv[count].path = strdup(path);
		}
		count++;
	}
	free(copy);
	if (rv == SSRD_OK && count == 0) {
		snprintf(errbuf, errlen,
		    "site is empty: give a directory, or HOST=PATH entries");
		rv = SSRD_ECONFIG;
	}
	if (n != NULL) {
		*n = count;
	}
	return rv;
}

int
ssrd__config_check_sites(const char *v, char *errbuf, size_t errlen)
{
	return parse_sites(v, NULL, NULL, errbuf, errlen);
}

int
ssrd__config_sites(const ssrd_config *cfg, ssrd_site_entry **out, size_t *n,
    char *errbuf, size_t errlen)
{
	*out   = NULL;
	int rv = parse_sites(cfg->site, out, n, errbuf, errlen);
	if (rv != SSRD_OK) {
		ssrd__config_sites_free(*out, *n);
		*out = NULL;
	}
	return rv;
}

void
ssrd__config_sites_free(ssrd_site_entry *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		free(v[i].host);
		free(v[i].path);
	}
	free(v);
}

/* Finds an option by name, accepting dashes for underscores (flags use dashes).
 */
static const struct opt *
opt_find(const char *name)
{
	char   norm[64];
	size_t n = strlen(name);
	if (n >= sizeof(norm)) {
		return NULL;
	}
	for (size_t i = 0; i <= n; i++) {
		norm[i] = name[i] == '-' ? '_' : name[i];
	}
	/* the name render_timeout_ms had while it bounded streaming renders
	 * alone */
	if (strcmp(norm, "streaming_timeout_ms") == 0) {
		strcpy(norm, "render_timeout_ms");
	}
	for (size_t i = 0; i < ssrd__config_noptions; i++) {
		if (strcmp(ssrd__config_options[i].name, norm) == 0) {
			return &ssrd__config_options[i];
		}
	}
	return NULL;
}

/*
 * Whether value may be o's, by the row's own rule: a whole number within
 * its bounds (stored in *num), a word its parser knows, or text its check
 * accepts. Returns SSRD_OK, or SSRD_ECONFIG with the reason in errbuf.
 */
static int
opt_check(const struct opt *o, const char *value, long *num, char *errbuf,
    size_t errlen)
{
	if (o->type == OPT_WORD && o->parse(value) < 0) {
		snprintf(errbuf, errlen, "%s \"%s\" is not one of %s", o->name,
		    value, o->one_of);
		return SSRD_ECONFIG;
	}
	if (o->type == OPT_STR && o->check != NULL
	    && o->check(value, errbuf, errlen) != SSRD_OK) {
		return SSRD_ECONFIG;
	}
	if (o->type != OPT_LONG) {
		return SSRD_OK;
	}
	char *end;
	errno  = 0;
	long v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0') {
		snprintf(errbuf, errlen, "%s = \"%s\" is not a whole number",
		    o->name, value);
		return SSRD_ECONFIG;
	}
	if (v < o->min || v > o->max) {
		snprintf(errbuf, errlen,
		    "%s = %ld is out of range: use %ld to %ld", o->name, v,
		    o->min, o->max);
		return SSRD_ECONFIG;
	}
	*num = v;
	return SSRD_OK;
}

/* Checks value and stores it in o's field of cfg (a string copied). */
static int
opt_apply(ssrd_config *cfg, const struct opt *o, const char *value,
    char *errbuf, size_t errlen)
{
	char *field = (char *) cfg + o->offset;
	long  num   = 0;
	if (opt_check(o, value, &num, errbuf, errlen) != SSRD_OK) {
		return SSRD_ECONFIG;
	}
	if (o->type == OPT_LONG) {
		*(long *) field = num;
		return SSRD_OK;
	}
	char *copy = strdup(value);
	if (copy == NULL) {
		return SSRD_ENOMEM;
	}
	free(*(char **) field);
	*(char **) field = copy;
	return SSRD_OK;
}

int
ssrd__config_init(ssrd_config *cfg)
{
	char errbuf[256];
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < ssrd__config_noptions; i++) {
		int rv = opt_apply(cfg, &ssrd__config_options[i],
		    ssrd__config_options[i].def, errbuf, sizeof(errbuf));
		if (rv != SSRD_OK) {
			ssrd__config_clear(cfg);
			return rv;
		}
	}
	return SSRD_OK;
}

void
ssrd__config_clear(ssrd_config *cfg)
{
	if (cfg == NULL) {
		return;
	}
	for (size_t i = 0; i < ssrd__config_noptions; i++) {
		if (ssrd__config_options[i].type != OPT_LONG) {
			char **f = (char **) ((char *) cfg
			    + ssrd__config_options[i].offset);
			free(*f);
			*f = NULL;
		}
	}
}

int
ssrd__config_set(ssrd_config *cfg, const char *name, const char *value,
    char *errbuf, size_t errlen)
{
	const struct opt *o = opt_find(name);
	if (o == NULL) {
		snprintf(errbuf, errlen,
		    "unknown option \"%s\" (ssrd --help lists them)", name);
		return SSRD_ECONFIG;
	}
	return opt_apply(cfg, o, value, errbuf, errlen);
}

static char *
trim(char *s)
{
	while (isspace((unsigned char) *s)) {
		s++;
	}
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char) e[-1])) {
		*--e = '\0';
	}
	return s;
}

int
ssrd__config_load_text(ssrd_config *cfg, const char *name, const char *text,
    size_t len, char *errbuf, size_t errlen)
{
	/* A copy to cut into lines in place. Values are C strings, so a NUL
	 * byte ends the text of its line: the rest of that line is ignored. */
	char *copy = malloc(len + 1);
	if (copy == NULL) {
		snprintf(errbuf, errlen, "%s: out of memory", name);
		return SSRD_ENOMEM;
	}
	if (len > 0) {
		memcpy(copy, text, len);
	}
	copy[len]         = '\0';
	char  section[64] = "";
	char *p = copy, *end = copy + len;
	int   lineno = 0;
	int   rv     = SSRD_OK;
	char  why[256];
	while (rv == SSRD_OK && p < end) {
		char *nl = memchr(p, '\n', (size_t) (end - p));
		if (nl != NULL) {
			*nl = '\0';
		}
		char *s = trim(p);
		p       = nl != NULL ? nl + 1 : end;
		lineno++;
		if (*s == '\0' || *s == '#' || *s == ';') {
			continue;
		}
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (close == NULL || close[1] != '\0'
			    || (size_t) (close - s - 1) >= sizeof(section)) {
				snprintf(errbuf, errlen,
				    "%s:%d: bad section header \"%s\"; write "
				    "it as [name]",
				    name, lineno, s);
				rv = SSRD_ECONFIG;
				break;
			}
			*close = '\0';
			snprintf(section, sizeof(section), "%s", trim(s + 1));
			continue;
		}
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			snprintf(errbuf, errlen,
			    "%s:%d: expected `key = value`, got \"%s\"", name,
			    lineno, s);
			rv = SSRD_ECONFIG;
			break;
		}
		*eq          = '\0';
		char  *key   = trim(s);
		char  *value = trim(eq + 1);
		size_t vlen  = strlen(value);
		if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
			value[vlen - 1] = '\0';
			value++;
		}
		const struct opt *o = opt_find(key);
		if (o == NULL) {
			snprintf(errbuf, errlen,
			    "%s:%d: unknown option \"%s\" (ssrd --help lists "
			    "them)",
			    name, lineno, key);
			rv = SSRD_ECONFIG;
		} else if (strcmp(o->section, section) != 0) {
			snprintf(errbuf, errlen,
			    "%s:%d: option \"%s\" belongs in section [%s], not "
			    "[%s]",
			    name, lineno, key, o->section, section);
			rv = SSRD_ECONFIG;
		} else if ((rv = opt_apply(cfg, o, value, why, sizeof(why)))
		    != SSRD_OK) {
			snprintf(
			    errbuf, errlen, "%s:%d: %s", name, lineno, why);
		}
	}
	free(copy);
	return rv;
}

int
ssrd__config_load_file(
    ssrd_config *cfg, const char *path, char *errbuf, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(errbuf, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return SSRD_EIO;
	}
	/* The whole file first: the parsing works on text (and is fuzzed so,
	 * tests/fuzz/fuzz_config.c). */
	char  *text = NULL;
	size_t len = 0, cap = 0;
	int    rv = SSRD_OK, err = 0;
	for (;;) {
		if (cap - len < 4096) {
			char *grown = realloc(text, cap * 2 + 4096);
			if (grown == NULL) {
				snprintf(
				    errbuf, errlen, "%s: out of memory", path);
				rv = SSRD_ENOMEM;
				break;
			}
			text = grown;
			cap  = cap * 2 + 4096;
		}
		size_t n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			err = ferror(f) ? errno : 0;
			break;
		}
	}
	if (rv == SSRD_OK && err != 0) {
		snprintf(
		    errbuf, errlen, "%s: cannot read: %s", path, strerror(err));
		rv = SSRD_EIO;
	}
	fclose(f);
	if (rv == SSRD_OK) {
		rv = ssrd__config_load_text(
		    cfg, path, text, len, errbuf, errlen);
	}
	free(text);
	return rv;
}

void
ssrd__config_print_help(FILE *out)
{
	for (size_t i = 0; i < ssrd__config_noptions; i++) {
		const struct opt *o = &ssrd__config_options[i];
		char              flag[64];
		snprintf(flag, sizeof(flag), "--%s", o->name);
		for (char *p = flag + 2; *p; p++) {
			if (*p == '_') {
				*p = '-';
			}
		}
		fprintf(out, "  %-16s [%s] %s (default: %s)\n", flag,
		    o->section, o->help, o->def[0] ? o->def : "\"\"");
	}
}

int
ssrd__config_secret(const char *name)
{
	const struct opt *o = opt_find(name);
	return o != NULL && o->secret;
}

/* o's number in cfg (an OPT_LONG row). */
static long
opt_long(const ssrd_config *cfg, const struct opt *o)
{
	return *(const long *) ((const char *) cfg + o->offset);
}

/* o's text in cfg (a string row); a secret that is set as "(set)" unless
 * secrets is set. */
static const char *
opt_str(const ssrd_config *cfg, const struct opt *o, int secrets)
{
	const char *v = *(char *const *) ((const char *) cfg + o->offset);
	return o->secret && !secrets && v[0] != '\0' ? "(set)" : v;
}

void
ssrd__config_print(const ssrd_config *cfg, FILE *out, int secrets)
{
	const char *section = "";
	for (size_t i = 0; i < ssrd__config_noptions; i++) {
		const struct opt *o = &ssrd__config_options[i];
		if (strcmp(section, o->section) != 0) {
			section = o->section;
			fprintf(out, "%s[%s]\n", i ? "\n" : "", section);
		}
		if (o->type == OPT_LONG) {
			fprintf(out, "%s = %ld\n", o->name, opt_long(cfg, o));
		} else {
			/* Quoted, so leading or trailing spaces and quotes
			 * survive a reload. */
			fprintf(out, "%s = \"%s\"\n", o->name,
			    opt_str(cfg, o, secrets));
		}
	}
}

char *
ssrd__config_json(const ssrd_config *cfg)
{
	ssrd_strbuf b = { 0 };
	for (size_t i = 0; i < ssrd__config_noptions; i++) {
		const struct opt *o = &ssrd__config_options[i];
		ssrd__strbuf_printf(&b, "%s\"%s\":", i ? "," : "{", o->name);
		if (o->type == OPT_LONG) {
			ssrd__strbuf_printf(&b, "%ld", opt_long(cfg, o));
		} else {
			const char *v = opt_str(cfg, o, 0);
			ssrd__strbuf_json_string(&b, v, strlen(v));
		}
	}
	ssrd__strbuf_puts(&b, "}");
	return ssrd__strbuf_take(&b);
}

int
ssrd__config_diff(const ssrd_config *a, const ssrd_config *b,
    ssrd_config_change_fn fn, void *arg)
{
	int n = 0;
	for (size_t i = 0; i < ssrd__config_noptions; i++) {
		const struct opt  *o = &ssrd__config_options[i];
		char               x[32], y[32];
		ssrd_config_change c = { .name = o->name,
			.text                  = o->type != OPT_LONG,
			.secret                = o->secret,
			.live                  = o->live };
		if (o->type == OPT_LONG) {
			if (opt_long(a, o) == opt_long(b, o)) {
				continue;
			}
			snprintf(x, sizeof(x), "%ld", opt_long(a, o));
			snprintf(y, sizeof(y), "%ld", opt_long(b, o));
			c.before = x;
			c.after  = y;
		} else {
			/* compared, and handed on, whole: fn decides what of
			 * a secret it shows (nothing) */
			c.before = opt_str(a, o, 1);
			c.after  = opt_str(b, o, 1);
			if (strcmp(c.before, c.after) == 0) {
				continue;
			}
		}
		if (fn != NULL) {
			fn(&c, arg);
		}
		n++;
	}
	return n;
}

long
ssrd__config_workers(const ssrd_config *cfg)
{
	if (cfg->workers > 0) {
		return cfg->workers;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}
