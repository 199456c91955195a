/* sites.c: the table of sites by Host of sites.h. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ssrd/errors.h>

#include "site/sites.h"

int
ssrd__sites_new(const char *const *hosts, ssrd_reloader *const *sites, size_t n,
    ssrd_sites **out)
{
	if (n == 0) {
		return SSRD_EINVAL;
	}
	ssrd_sites *t = calloc(1, sizeof(*t));
	if (t == NULL || (t->v = calloc(n, sizeof(*t->v))) == NULL
	    || (t->hosts = calloc(n, sizeof(*t->hosts))) == NULL) {
		ssrd__sites_free(t);
		return SSRD_ENOMEM;
	}
	t->n = n;
	for (size_t i = 0; i < n; i++) {
		t->v[i] = sites[i];
		if (hosts != NULL && hosts[i] != NULL
		    && (t->hosts[i] = strdup(hosts[i])) == NULL) {
			ssrd__sites_free(t);
			return SSRD_ENOMEM;
		}
	}
	*out = t;
	return SSRD_OK;
}

ssrd_reloader *
ssrd__sites_pick(const ssrd_sites *t, const char *host)
{
	if (host != NULL && t->n > 1) {
		size_t len = strcspn(host, ":");
		for (size_t i = 0; i < t->n; i++) {
			if (t->hosts[i] != NULL && strlen(t->hosts[i]) == len
			    && strncasecmp(t->hosts[i], host, len) == 0) {
				return t->v[i];
			}
		}
	}
	return t->v[0];
}

void
ssrd__sites_free(ssrd_sites *t)
{
	if (t == NULL) {
		return;
	}
	for (size_t i = 0; t->hosts != NULL && i < t->n; i++) {
		free(t->hosts[i]);
	}
	free(t->hosts);
	free(t->v);
	free(t);
}
