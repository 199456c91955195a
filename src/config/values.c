/* values.c: parsers for the option values of values.h. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "config/values.h"

int
ssrd__config_split_list(const char *spec, char ***out, size_t *n)
{
	*out = NULL;
	*n   = 0;
	if (spec == NULL) {
		return SSRD_OK;
	}
	const char *p = spec;
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		if (end == NULL) {
			end = p + strlen(p);
		}
		const char *a = p, *b = end;
		while (a < b && (*a == ' ' || *a == '\t')) {
			a++;
		}
		while (b > a && (b[-1] == ' ' || b[-1] == '\t')) {
			b--;
		}
		if (b > a) {
			char **v = realloc(*out, (*n + 1) * sizeof(char *));
			if (v == NULL) {
				return SSRD_ENOMEM;
			}
			*out = v;
			if ((v[*n] = strndup(a, (size_t) (b - a))) == NULL) {
				return SSRD_ENOMEM;
			}
			(*n)++;
		}
		p = *end ? end + 1 : end;
	}
	return SSRD_OK;
}

void
ssrd__config_free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i]);
	}
	free(v);
}

int
ssrd__config_parse_dbs(const char *spec, ssrd_host_db **out, size_t *n,
    char *errbuf, size_t errlen)
{
	char **items;
	size_t nitems;
	if (ssrd__config_split_list(spec, &items, &nitems) != SSRD_OK) {
		ssrd__config_free_list(items, nitems);
		return SSRD_ENOMEM;
	}
	ssrd_host_db *dbs = calloc(nitems ? nitems : 1, sizeof(*dbs));
	int           rv  = dbs ? SSRD_OK : SSRD_ENOMEM;
	for (size_t i = 0; rv == SSRD_OK && i < nitems; i++) {
		char  *item = items[i];
		char  *eq   = strchr(item, '=');
		size_t len  = strlen(item);
		int    rw   = len > 3 && strcmp(item + len - 3, ":rw") == 0;
		if (rw) {
			item[len - 3] = '\0';
		}
		if (eq == NULL || eq == item || eq[1] == '\0') {
			snprintf(errbuf, errlen,
			    "databases entry \"%s\" must be NAME=PATH or "
			    "NAME=PATH:rw",
			    items[i]);
			rv = SSRD_ECONFIG;
			break;
		}
		*eq = '\0';
		for (const char *c = item; *c; c++) {
			if (!(*c == '_' || *c == '-' || (*c >= 'a' && *c <= 'z')
			        || (*c >= 'A' && *c <= 'Z')
			        || (*c >= '0' && *c <= '9'))) {
				snprintf(errbuf, errlen,
				    "databases: name \"%s\" may hold only "
				    "letters, digits, - and _",
				    item);
				rv = SSRD_ECONFIG;
				break;
			}
		}
		for (size_t k = 0; rv == SSRD_OK && k < i; k++) {
			if (strcmp(dbs[k].name, item) == 0) {
				snprintf(errbuf, errlen,
				    "databases: \"%s\" is named twice", item);
				rv = SSRD_ECONFIG;
			}
		}
		if (rv != SSRD_OK) {
			break;
		}
		dbs[i].name     = strdup(item);
		dbs[i].path     = strdup(eq + 1);
		dbs[i].writable = rw;
		if (dbs[i].name == NULL || dbs[i].path == NULL) {
			rv = SSRD_ENOMEM;
		}
	}
	if (rv == SSRD_OK && out != NULL) {
		*out = dbs;
		*n   = nitems;
		dbs  = NULL;
	}
	for (size_t i = 0; dbs != NULL && i < nitems; i++) {
		free(dbs[i].name);
		free(dbs[i].path);
	}
	free(dbs);
	ssrd__config_free_list(items, nitems);
	return rv;
}

static const char *const isolation_names[] = { "site", "request", "page" };

int
ssrd__isolation_parse(const char *name)
{
	for (int i = 0; i < 3; i++) {
		if (strcmp(name, isolation_names[i]) == 0) {
			return i;
		}
	}
	return -1;
}

const char *
ssrd__isolation_name(ssrd_isolation mode)
{
	return (unsigned) mode < 3 ? isolation_names[mode] : "unknown";
}
