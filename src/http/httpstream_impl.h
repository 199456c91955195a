/* httpstream_impl.h: what httpstream.c and httpstream_send.c share. */
#ifndef SSRD_HTTPSTREAM_IMPL_H
#define SSRD_HTTPSTREAM_IMPL_H

#include <stdatomic.h>

#include <nng/nng.h>

#include "http/httpstream.h"

/* Replies submitted and not yet freed, process-wide: a drain waits for
 * them (ssrd__httpstream_live()). */
extern atomic_long ssrd__httpstream_count;

/* The send timeout for one write under o. */
nng_duration ssrd__httpstream_send_timeout(const ssrd_httpstream_opts *o);

#endif
