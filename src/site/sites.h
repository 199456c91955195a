/* sites.h: the sites one daemon serves, by Host: the one table the HTTP
 * front and the render protocol both pick a request's site from. */
#ifndef SSRD_SITES_H
#define SSRD_SITES_H

#include <stddef.h>

typedef struct ssrd_reloader ssrd_reloader;

/*
 * Made once by `ssrd serve` from its [site] entries, then read-only: any
 * thread may pick from it. The first site is the default, answering every
 * Host no other entry names.
 */
typedef struct ssrd_sites {
	size_t          n; /* at least 1 */
	ssrd_reloader **v; /* each site's generations (borrowed: they
	                      outlive the table) */
	char **hosts;      /* the Host each answers (copied), or NULL:
	                      none but as the default */
} ssrd_sites;

/* Makes the table of n sites (n >= 1), hosts[i] (may be NULL) answered by
 * sites[i]. Returns SSRD_OK, SSRD_EINVAL for n == 0, or SSRD_ENOMEM. */
int ssrd__sites_new(const char *const *hosts, ssrd_reloader *const *sites,
    size_t n, ssrd_sites **out);

/*
 * The site a request names by host (an HTTP Host header, the protocol's
 * "host"): the one whose host equals it, case aside and any :port
 * ignored; else the first. host may be NULL. Any thread.
 */
ssrd_reloader *ssrd__sites_pick(const ssrd_sites *t, const char *host);

/* Frees the table (not the reloaders). NULL is a harmless no-op. */
void ssrd__sites_free(ssrd_sites *t);

#endif
