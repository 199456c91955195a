/* http_server.h: the HTTP server object's fields, private to the files that
 * serve its requests (http.c, http_page.c). */
#ifndef SSRD_HTTP_SERVER_H
#define SSRD_HTTP_SERVER_H

#include <stdatomic.h>
#include <stddef.h>

#include "diag/diagnose.h"
#include "http/front.h"
#include "http/http_public.h"
#include "http/response.h"
#include "render/pool.h"
#include "render/respcache.h"
#include "site/reload.h"
#include "site/sites.h"

/*
 * One HTTP server (http.h's ssrd_http; that header is not included here,
 * so that the files http.c is made of can include this one). Everything
 * but the counters is set by ssrd__http_start() and then only read, by the
 * workers' loops and the public threads; busy and draining are atomics.
 */
typedef struct ssrd_http ssrd_http; /* as http.h says: C11 allows both */
struct ssrd_http {
	ssrd_front       *front;
	ssrd_pool        *pool;
	const ssrd_sites *sites; /* borrowed: outlives the server */
	atomic_ullong     next_id;
	/* what every reply says (security headers, Vary, the headers pages
	 * see, the fallback routes): one reference, the server's */
	ssrd_http_policy *policy;
	ssrd_respcache   *cache;                /* NULL: off */
	int               cache_ttl, cache_swr; /* defaults, s */
	atomic_int        draining; /* ssrd__http_drain(): refuse requests */
	/* public files waiting for their thread: with the front's replies
	 * under way, what a drain waits for before the server stops */
	atomic_long busy;
	/* /metrics: what it reports (NULL: no /metrics), and the token it
	 * needs (NULL or "": none) */
	const ssrd_diagnose_src *report;
	char                    *admin_token;
	ssrd_public *public; /* the threads serving /public/ */
};

#endif
