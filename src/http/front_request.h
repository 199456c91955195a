/* front_request.h: what the HTTP front makes of a request as h2o has read
 * it, with no loop, no connection and no pool: the configuration h2o reads
 * requests under, a header's value, and the verdict on the request's
 * framing. The server (front.c, exchange.c) and the fuzz target of the
 * request path (tests/fuzz/fuzz_http.c, which drives h2o's own parser)
 * run this same code. Internal to the front. */
#ifndef SSRD_HTTP_FRONT_REQUEST_H
#define SSRD_HTTP_FRONT_REQUEST_H

#define H2O_USE_LIBUV 0
#include <h2o.h>

/* The most a request's target and headers may hold, bytes: what nginx
 * takes by default (large_client_header_buffers 4 8k). */
#define SSRD_FRONT_HEAD_BYTES_MAX (32 * 1024)

/*
 * Initialises config as the front serves requests: HTTP/1.1, an idle
 * connection or half a head closed after idle_timeout_ms (0: 15 s), a
 * body (which no request to ssrd takes) read and dropped up to 64 KiB and
 * refused past it, and every request handed to on_req. Dispose of it with
 * h2o_config_dispose().
 */
void ssrd__front_configure(h2o_globalconf_t *config, int idle_timeout_ms,
    int (*on_req)(h2o_handler_t *self, h2o_req_t *req));

/* The value of req's first header called name (any case; "Host" is the
 * request's authority), NUL-terminated, in req's pool; NULL if none. */
const char *ssrd__front_header(h2o_req_t *req, const char *name);

/*
 * What req's framing or size makes unsafe to answer on a kept-alive
 * connection: a body, whatever framed it (Content-Length,
 * Transfer-Encoding, both, either twice: the shapes request smuggling
 * takes; h2o reads one as it frames it and keeps neither header), since no
 * request ssrd answers takes one: 400; a head past
 * SSRD_FRONT_HEAD_BYTES_MAX: 431. Returns that status with *text its
 * plain-text body (static), or 0 for a request to read on. A refused
 * request's connection must close after the answer.
 */
int ssrd__front_framing(const h2o_req_t *req, const char **text);

#endif
