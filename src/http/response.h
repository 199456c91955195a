/* response.h: what every HTTP reply of ssrd says about itself: the server's
 * response policy (security headers, Vary, the routes that fall back to the
 * browser) and the one builder of response heads, used by buffered replies
 * and streamed (exchange.c applies it to h2o's reply), so that no reply
 * can drift from another. Nothing here knows the transport. */
#ifndef SSRD_HTTP_RESPONSE_H
#define SSRD_HTTP_RESPONSE_H

#include <stdatomic.h>
#include <stddef.h>

#include "core/strbuf.h"
#include "http/http_request.h"
#include "render/job.h"

/*
 * The response policy of one HTTP server: made once by
 * ssrd__http_policy_new() from the configuration, then read-only, so any
 * thread may read it. Reference counted: the server holds one reference,
 * and each streamed reply holds its own, since a render may still stream
 * after a hard stop has freed the server.
 */
typedef struct ssrd_http_policy {
	atomic_int refs; /* ssrd__http_policy_retain()/_release() */
	/* 1: X-Frame-Options and Referrer-Policy on every reply (nosniff is
	 * on every reply whatever this says) */
	int security_headers;
	/* the request headers pages get as props.headers, lowercase */
	char **pass;
	size_t npass;
	/* what a page's reply varies with: "Accept-Encoding", then pass */
	char *vary;
	/* routes whose failed renders fall back to rendering in the browser
	 * (patterns as `ssrd routes` shows them, or "*") */
	char **fallback;
	size_t nfallback;
} ssrd_http_policy;

/* What configuration says of the policy (strings borrowed, copied). */
typedef struct ssrd_http_policy_opts {
	int         security_headers;
	const char *pass_headers;    /* comma-separated header names, or NULL */
	const char *client_fallback; /* comma-separated routes, "*", or NULL */
} ssrd_http_policy_opts;

/* Makes a policy from o (NULL: the defaults, security headers on) with one
 * reference, the caller's. Returns SSRD_OK or SSRD_ENOMEM. Any thread. */
int ssrd__http_policy_new(
    const ssrd_http_policy_opts *o, ssrd_http_policy **out);

/* Takes another reference to p and returns p. Any thread. */
ssrd_http_policy *ssrd__http_policy_retain(ssrd_http_policy *p);

/* Drops a reference; the last one frees p. NULL is a harmless no-op. Any
 * thread. */
void ssrd__http_policy_release(ssrd_http_policy *p);

/* What a reply says of caching (Cache-Control). */
typedef enum ssrd_http_caching {
	SSRD_HTTP_CACHE_UNSAID,   /* no Cache-Control */
	SSRD_HTTP_CACHE_NO_STORE, /* "no-store" */
	SSRD_HTTP_CACHE_NO_CACHE, /* "no-cache": ask each time */
	/* a page: max_age > 0: "public, max-age=max_age,
	 * stale-while-revalidate=swr"; else "no-store" */
	SSRD_HTTP_CACHE_PAGE,
	SSRD_HTTP_CACHE_PUBLIC,    /* "public, max-age=max_age" */
	SSRD_HTTP_CACHE_IMMUTABLE, /* "public, max-age=31536000, immutable" */
} ssrd_http_caching;

/* How the body's end is told. */
typedef enum ssrd_http_framing {
	SSRD_HTTP_FRAMED_BY_SERVER, /* nng's: it says Content-Length itself */
	SSRD_HTTP_LENGTH,           /* "Content-Length: length" */
	SSRD_HTTP_CHUNKED,          /* "Transfer-Encoding: chunked" */
} ssrd_http_framing;

/*
 * One reply as the head builder needs it. Zero is the default of every
 * field (no Cache-Control, nothing optional, framed by the server). The
 * strings are borrowed: they must outlive the head built from them.
 */
typedef struct ssrd_http_reply {
	int               status; /* 200 when 0 */
	const char       *type;   /* Content-Type, or NULL: none */
	ssrd_http_caching caching;
	int               max_age, swr; /* s, as caching says */
	const char *cache_state; /* X-Ssrd-Cache (hit, stale, miss), or NULL */
	const char *fallback; /* X-Ssrd-Fallback (the error's name), or NULL */
	int         vary;     /* 1: the policy's Vary (a page's reply) */
	const char *etag;     /* ETag, or NULL */
	const char *last_modified; /* Last-Modified, or NULL */
	const char *link; /* Link (a page's preloads, ssrd__site_preload), or
	                     NULL */
	ssrd_coding
	    coding;     /* Content-Encoding (not on a 304); identity: none */
	int close;      /* 1: Connection: close */
	int unbuffered; /* 1: X-Accel-Buffering: no (nginx passes
	                   each chunk on) */
	ssrd_http_framing framing;
	size_t            length; /* SSRD_HTTP_LENGTH: the body's bytes */
} ssrd_http_reply;

/* The most headers one head holds. */
#define SSRD_HTTP_HEAD_MAX 24

/*
 * A response head: the status and the headers, in the order they go out.
 * Values point at the reply's strings, the policy's, static strings, or
 * the head's own buffers: a head must not be copied, and lives no longer
 * than the reply and policy it was built from.
 */
typedef struct ssrd_http_head {
	int              status;
	const char      *reason; /* "OK", "Not Found": static */
	size_t           n;
	ssrd_http_header h[SSRD_HTTP_HEAD_MAX];
	char             cache_control[80]; /* values formatted here */
	char             length[24];
} ssrd_http_head;

/*
 * Builds r's head under policy p (NULL: the defaults) into *out: the
 * Content-Type, X-Content-Type-Options: nosniff always, the security
 * headers when p says so, Retry-After: 1 on a 503 (refused: ask again
 * soon), Allow: GET, HEAD on a 405, then caching, validators, encoding,
 * the connection and the framing as r says. Any thread; no allocation.
 */
void ssrd__http_head_build(
    const ssrd_http_policy *p, const ssrd_http_reply *r, ssrd_http_head *out);

/* Appends h as HTTP/1.1 text: the status line, each header, and the blank
 * line that ends the head. */
void ssrd__http_head_write(const ssrd_http_head *h, ssrd_strbuf *b);

/* Returns the value of the header called name (any case) in h, or NULL. */
const char *ssrd__http_head_get(const ssrd_http_head *h, const char *name);

/* Returns status's reason phrase ("Not Found"; for a status it does not
 * know, its class's: "OK", "Bad Request", "Internal Server Error"). Static
 * storage. */
const char *ssrd__http_reason(int status);

/* The short plain-text body for an error status ("504 render timed out\n");
 * the details go to the log, not to the visitor. Static storage. */
const char *ssrd__http_status_text(int status);

/*
 * The document that lets the browser render job's page itself when the
 * server could not (its route is in p's fallback routes and its site has a
 * browser bundle): the props embedded, the bundle loaded, nothing else.
 * Returns it (malloc'd, *len bytes) or NULL when the route does not fall
 * back. Any thread.
 */
char *ssrd__http_fallback_page(
    const ssrd_http_policy *p, const ssrd_job *job, size_t *len);

/* Logs a finished render: render_failed with the details when it failed
 * (streamed: whether part of it had been sent). */
void ssrd__http_log_render(const ssrd_job *job, int streamed);

#endif
