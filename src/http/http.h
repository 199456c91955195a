/* http.h: the HTTP server: h2o on every worker's loop (front.h). GET/HEAD
 * of a route renders it (http_page.h); /public/ serves the site's public/
 * files (http_public.h); every reply's head comes from one builder
 * (response.h), under the server's response policy. */
#ifndef SSRD_HTTP_H
#define SSRD_HTTP_H

#include <stddef.h>

#include "render/pool.h"
#include "site/reload.h"
#include "site/sites.h"

typedef struct ssrd_http ssrd_http;

/* What an HTTP server passes on and adds (NULL: the defaults). */
typedef struct ssrd_http_opts {
	/* request headers pages get as props.headers, comma-separated */
	const char *pass_headers;
	/* 1: X-Frame-Options and Referrer-Policy on every response (nosniff
	 * always) */
	int security_headers;
	/* the response cache: its size (0: off), how long a page is fresh and
	 * then served stale while it renders again, s (pages may say
	 * otherwise: export const cache) */
	size_t cache_bytes;
	int    cache_ttl, cache_swr;
	/* routes whose failed, timed-out or refused renders are sent for the
	 * browser to render (route patterns, or "*"); NULL: none */
	const char *client_fallback;
	/* what /metrics reports (its respcache is this server's own); NULL:
	 * no /metrics. Must outlive the server. */
	const struct ssrd_diagnose_src *report;
	/* /metrics needs "Authorization: Bearer <admin_token>"; NULL or "":
	 * open (keep it behind the proxy) */
	const char *admin_token;
	/* the most output all streamed replies may hold unsent (0: no
	 * limit), and how long a write may take nothing before the reply
	 * ends, ms (0: no limit): what clients that do not read can hold */
	size_t buffer_max;
	int    send_timeout_ms;
	/* open connections at most (0: by the descriptor limit); how long a
	 * request may take to come and a kept-alive connection may idle, ms
	 * (0: 15000) */
	long max_connections;
	int  idle_timeout_ms;
	/* /public/: 1 serves paths with a component starting with '.'; the
	 * biggest file served, bytes; Cache-Control max-age, s */
	int    public_dotfiles;
	size_t public_max_bytes;
	int    public_max_age;
} ssrd_http_opts;

/*
 * Starts serving url ("http://127.0.0.1:8080") with renders from pool for
 * the sites of sites, each request going to the one its Host header picks
 * (ssrd__sites_pick()), rendered with that site's current generation. pool
 * and sites (and their reloaders) must outlive the server. Stores it in *out
 * and returns SSRD_OK, or SSRD_ENNG with the reason in errbuf (e.g. the port
 * is taken). Requests are read, rendered and replied to on the pool's
 * workers. Not on a worker's thread.
 */
int ssrd__http_start(const char *url, ssrd_pool *pool, const ssrd_sites *sites,
    const ssrd_http_opts *opts, ssrd_http **out, char *errbuf, size_t errlen);

/*
 * Starts the server's drain: from now on every request is answered 503
 * (Retry-After: 1, Connection: close; /readyz says "draining", /healthz
 * still 200) without reaching the pool, while replies already under way
 * finish. The listener stays open: nng 1.5's HTTP server can only stop as
 * a whole, closing every connection with it. NULL is a no-op. Any thread.
 */
void ssrd__http_drain(ssrd_http *http);

/* The server's response cache, or NULL (off, or no server). */
struct ssrd_respcache *ssrd__http_cache(ssrd_http *http);

/* Returns how many replies are still under way: waiting for their render
 * or a public file, or not yet fully written. 0 for NULL. Any thread. */
size_t ssrd__http_busy(ssrd_http *http);

/* Stops accepting and frees the server: a hard stop, which closes every
 * connection (their renders are cancelled). Drain first to let replies
 * finish. NULL is a no-op. Not on a worker's thread. */
void ssrd__http_stop(ssrd_http *http);

#endif
