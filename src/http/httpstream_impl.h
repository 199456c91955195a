/* httpstream_impl.h: what httpstream.c and httpstream_send.c share. */
#ifndef SSRD_HTTPSTREAM_IMPL_H
#define SSRD_HTTPSTREAM_IMPL_H

#include <stdatomic.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "http/httpstream.h"

/* Replies submitted and not yet freed, process-wide: a drain waits for
 * them (ssrd__httpstream_live()). */
extern atomic_long ssrd__httpstream_count;

/* The send timeout for one write under o. */
nng_duration ssrd__httpstream_send_timeout(const ssrd_httpstream_opts *o);

/* Takes the connection of the request whose handler aio is aio over from
 * nng's server: the request and the connection are the caller's from now
 * on (*conn, *req), and aio is finished with no response. */
void ssrd__httpstream_take(
    nng_aio *aio, nng_http_conn **conn, nng_http_req **req);

#endif
