/* values.h: the typed values of options that more than one subsystem reads:
 * comma-separated lists, the databases granted to pages, the isolation mode.
 * Parsed here, below every subsystem, so that config.c validates them with
 * the same code that later reads them (host.c, pool.c). */
#ifndef SSRD_CONFIG_VALUES_H
#define SSRD_CONFIG_VALUES_H

#include <stddef.h>

/*
 * Splits a comma-separated list into trimmed, non-empty entries: *out is a
 * malloc'd array of n malloc'd strings (NULL, 0 for a NULL spec). Returns
 * SSRD_OK or SSRD_ENOMEM (then free what *out holds with
 * ssrd__config_free_list()).
 */
int  ssrd__config_split_list(const char *spec, char ***out, size_t *n);
void ssrd__config_free_list(char **v, size_t n);

/* A database that config names: `databases = blog=data/blog.sqlite:rw`. */
typedef struct ssrd_host_db {
	char *name;     /* what pages call it: db.query("blog", ...) */
	char *path;     /* absolute, or relative to the site's root */
	int   writable; /* 0: opened read-only (the default) */
} ssrd_host_db;

/*
 * Parses a `databases` value into *out (malloc'd array of n, each name and
 * path malloc'd) or, with out NULL, only checks it. Returns SSRD_OK,
 * SSRD_ECONFIG with the reason in errbuf, or SSRD_ENOMEM.
 */
int ssrd__config_parse_dbs(const char *spec, ssrd_host_db **out, size_t *n,
    char *errbuf, size_t errlen);

/* How renders share JavaScript state within a worker. */
typedef enum ssrd_isolation {
	/* One warm context per site per worker, reused by every render: React
	 * runs with all its type feedback and optimised code. The default. */
	SSRD_ISOLATION_SITE = 0,
	/* A fresh context for every render (from the snapshot when there is
	 * one), freed after it: no render can see another's globals. For
	 * untrusted code; costs a context and the site's evaluation per render.
	 */
	SSRD_ISOLATION_REQUEST = 1,
	/* A fresh context for every render, as with REQUEST, for the page's
	 * own code (its globals, its modules, the shell's modules); React
	 * itself (frozen exports) runs in a warm context of the worker, so the
	 * render runs on optimised React code. About 2x a warm render instead
	 * of 10x, for isolation of everything but React's own internals. */
	SSRD_ISOLATION_PAGE = 2,
} ssrd_isolation;

/* Returns the isolation named "site", "page" or "request", or -1. */
int ssrd__isolation_parse(const char *name);

/* Returns the name of an isolation mode. */
const char *ssrd__isolation_name(ssrd_isolation mode);

#endif
