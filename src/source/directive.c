/* directive.c reads React's "use client" directive from a site's files. */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ssrd/errors.h>

#include "core/fsutil.h"
#include "source/directive.h"

/* Skips blanks and comments from i; returns the next index. */
static size_t
skip_space(const char *t, size_t n, size_t i)
{
	while (i < n) {
		if (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'
		    || t[i] == '\f' || t[i] == '\v') {
			i++;
		} else if (i + 1 < n && t[i] == '/' && t[i + 1] == '/') {
			while (i < n && t[i] != '\n') {
				i++;
			}
		} else if (i + 1 < n && t[i] == '/' && t[i + 1] == '*') {
			const char *end = memmem(t + i + 2, n - i - 2, "*/", 2);
			i = end != NULL ? (size_t) (end - t) + 2 : n;
		} else {
			break;
		}
	}
	return i;
}

int
ssrd__directive_use_client(const char *t, size_t n)
{
	size_t i = 0;
	if (n >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0) {
		i = 3; /* a byte order mark */
	}
	if (i + 1 < n && t[i] == '#' && t[i + 1] == '!') {
		while (i < n && t[i] != '\n') {
			i++;
		}
	}
	/* The prologue: string-literal statements, each ending in ';', a
	 * line break or the end of the file. */
	for (;;) {
		i = skip_space(t, n, i);
		if (i >= n || (t[i] != '"' && t[i] != '\'')) {
			return 0;
		}
		char   q = t[i];
		size_t s = ++i;
		while (i < n && t[i] != q && t[i] != '\n' && t[i] != '\\') {
			i++;
		}
		if (i >= n || t[i] != q) {
			return 0;
		}
		int client
		    = i - s == 10 && memcmp(t + s, "use client", 10) == 0;
		i++;
		/* a string followed by more of an expression is no directive */
		size_t j = i;
		while (j < n && (t[j] == ' ' || t[j] == '\t')) {
			j++;
		}
		if (j < n && t[j] != ';' && t[j] != '\n' && t[j] != '\r'
		    && !(j + 1 < n && t[j] == '/'
		        && (t[j + 1] == '/' || t[j + 1] == '*'))) {
			return 0;
		}
		if (client) {
			return 1;
		}
		i = j < n && t[j] == ';' ? j + 1 : j;
	}
}

static int
is_source(const char *name)
{
	static const char *const exts[]
	    = { ".jsx", ".tsx", ".js", ".ts", ".mjs", ".cjs" };
	size_t len = strlen(name);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t e = strlen(exts[i]);
		if (len > e && strcmp(name + len - e, exts[i]) == 0) {
			return len < 5 || strcmp(name + len - 5, ".d.ts") != 0;
		}
	}
	return 0;
}

static int
scan(const char *root, const char *rel, int depth, ssrd_names *files)
{
	char            dir[PATH_MAX];
	struct dirent **ents;
	snprintf(dir, sizeof(dir), "%s%s%s", root, rel[0] ? "/" : "", rel);
	int n  = depth > 32 ? -1 : scandir(dir, &ents, NULL, alphasort);
	int rv = SSRD_OK;
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char        sub[PATH_MAX], abs[PATH_MAX * 2];
		struct stat st;
		snprintf(
		    sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", name);
		snprintf(abs, sizeof(abs), "%s/%s", root, sub);
		if (rv != SSRD_OK || name[0] == '.'
		    || strcmp(name, "node_modules") == 0
		    || (depth == 0 && strcmp(name, "public") == 0)
		    || stat(abs, &st) != 0) {
			free(ents[i]);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			rv = scan(root, sub, depth + 1, files);
		} else if (S_ISREG(st.st_mode) && is_source(name)) {
			char  *text = NULL;
			size_t len;
			if (ssrd__file_read(abs, &text, &len) == SSRD_OK
			    && ssrd__directive_use_client(text, len)) {
				rv = ssrd__names_add(files, sub);
			}
			free(text);
		}
		free(ents[i]);
	}
	if (n >= 0) {
		free(ents);
	}
	return rv;
}

int
ssrd__directive_client_files(const char *site_root, ssrd_names *files)
{
	return scan(site_root, "", 0, files);
}
