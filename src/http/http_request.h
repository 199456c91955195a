/* http_request.h: what an HTTP request asks for, read from its untrusted
 * parts (method, URI, headers) with no I/O and no server, so that http.c's
 * decisions on them can be tested and fuzzed (tests/fuzz/fuzz_http.c). */
#ifndef SSRD_HTTP_REQUEST_H
#define SSRD_HTTP_REQUEST_H

#include <stddef.h>

#include "core/compress.h"
#include "site/sites.h"

/* One request header as received: its name in any case, its value. */
typedef struct ssrd_http_header {
	const char *name;
	const char *value;
} ssrd_http_header;

/* What the server's configuration says about requests. All borrowed. */
typedef struct ssrd_http_request_opts {
	/* the header names pages get (http_headers), lowercase */
	char *const      *pass;
	size_t            npass;
	const ssrd_sites *sites;   /* the sites by Host */
	int               metrics; /* 1: /metrics answers */
	/* when not NULL or "", /metrics needs "Authorization: Bearer
	 * <admin_token>" */
	const char *admin_token;
} ssrd_http_request_opts;

/* What a request is for. */
typedef enum ssrd_http_target {
	SSRD_HTTP_PAGE,    /* a page of the site (a route, or its not-found) */
	SSRD_HTTP_HEALTHZ, /* /healthz: is the process alive */
	SSRD_HTTP_READYZ,  /* /readyz: are the workers up */
	SSRD_HTTP_ASSET,   /* under /_ssrd/: the site's browser bundle */
	SSRD_HTTP_METRICS, /* /metrics: Prometheus */
	SSRD_HTTP_PUBLIC,  /* under /public/: a file of the site's public/ */
} ssrd_http_target;

/*
 * A request read by ssrd__http_request_parse(). Accepted (status 0), target
 * says what for and site which site; path, canon, props and key are set for
 * a page only (else NULL). Refused, status and reason say how to answer.
 * The strings are malloc'd and owned by the struct (free them with
 * ssrd__http_request_clear()); uri is the caller's.
 */
typedef struct ssrd_http_request {
	ssrd_http_target target;
	int              head; /* HEAD: the reply without its body */
	/* the content coding to answer in (its Accept-Encoding, negotiated:
	 * ssrd__http_request_coding()) */
	ssrd_coding    coding;
	const char    *uri;      /* as received (the caller's) */
	size_t         path_len; /* bytes of uri before any '?' or '#' */
	ssrd_reloader *site;     /* the one its Host names, else the first */
	/* the path decoded and normalised ("/a/b" from "//a/%62/", or "/"):
	 * no empty, "." or ".." segment */
	char *path;
	/* the same path spelled canonically ("/caf%C3%A9": only what may not
	 * stand for itself percent-encoded): what the page is rendered for */
	char *canon;
	/* a public file: the path under public/, in path ("css/a.css" of
	 * "/public/css/a.css"); "" for "/public" itself, which is no file */
	const char *file;
	/* the page's props: a JSON object, with the query as "query" (names
	 * sorted, the last value of each) and the http_headers that came as
	 * "headers" */
	char  *props;
	size_t props_len;
	/* the response cache's key for it, but for the site: canon, a
	 * newline, and the props: equivalent spellings of a request
	 * ("/ab%6fut?b=2&a=1", "//about/?a=1&b=2") share one entry */
	char  *key;
	size_t key_len;
	int    status;      /* refused: 400 (a bad path), 401 (/metrics without
	                       the admin token) or 405 (not GET or HEAD) */
	const char *reason; /* refused: the reply's text body; static */
} ssrd_http_request;

/*
 * Reads a request: its method, its URI (the request line's target) and
 * its headers (for a name given twice, the first is used). Paths are
 * checked as routes.c matches them: %XX escapes are decoded inside
 * segments, empty segments ignored, and a path not starting with '/', a
 * "." or ".." segment in any encoding, a bad escape, an escaped '/' or NUL,
 * or more than 64 segments is refused. A path whose first segment, so
 * decoded, is "public" names a public file (SSRD_HTTP_PUBLIC): whatever
 * spelling it came in, file is then the rest of it, with no empty, "." or
 * ".." segment. Fills *out and returns SSRD_OK
 * (accepted), SSRD_EINVAL (refused: out->status and out->reason say how to
 * answer) or SSRD_ENOMEM (out then holds nothing). Any thread; reads only
 * its arguments.
 */
int ssrd__http_request_parse(const ssrd_http_request_opts *opts,
    const char *method, const char *uri, const ssrd_http_header *headers,
    size_t nheaders, ssrd_http_request *out);

/*
 * As ssrd__http_request_parse(), with the headers it reads (Host,
 * Authorization, Accept-Encoding and opts->pass) taken from get(arg, name):
 * a header's value, NULL if it was not sent. The server reads h2o's
 * requests so (http.c), and so does the fuzz target.
 */
int ssrd__http_request_read(const ssrd_http_request_opts *opts,
    const char *method, const char                        *uri,
    const char *(*get)(void *arg, const char *name), void *arg,
    ssrd_http_request *out);

/* Frees what r holds and zeroes it. NULL is a harmless no-op. */
void ssrd__http_request_clear(ssrd_http_request *r);

/*
 * The coding to answer an Accept-Encoding value with (NULL: none sent, so
 * identity), as RFC 9110 has it: each coding with its q (1 unless said;
 * "*" for those not named; q=0: not acceptable); the acceptable one of br
 * and gzip ("x-gzip" too) with the highest q, br on a tie (smaller, as
 * fast to decode); identity when neither is. An element that does not
 * parse is passed over.
 */
ssrd_coding ssrd__http_request_coding(const char *accept_encoding);

/* Returns 1 if an If-None-Match value (or NULL: none sent) names etag (a
 * quoted ETag, as the response cache makes them) or is "*": the client
 * has this version, a 304 will do. */
int ssrd__http_request_not_modified(
    const char *if_none_match, const char *etag);

#endif
