/* host_fetch_impl.h: what the parts of fetch share: the request as the page
 * asked for it, one exchange's state and the steps of the other files that
 * host_fetch.c runs. Internal to src/host/; one host thread uses a fetch. */
#ifndef SSRD_HOST_FETCH_IMPL_H
#define SSRD_HOST_FETCH_IMPL_H

#include <stddef.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <nng/supplemental/util/platform.h>

#include "core/json.h"
#include "host/host.h"

/* Results of our own beside nng's codes (which are all > 0): the body would
 * pass fetch_max_bytes; and *r already holds a rejection. */
#define FETCH_ETOOBIG (-1)
#define FETCH_EREJECTED (-2)

/*
 * One fetch as the page asked for it, checked field by field while the
 * options are read. names[i] and values[i] are the page's headers, each a
 * valid token and a value free of control characters. body is NULL when
 * the page gave none. Everything is malloc'd and freed by
 * ssrd__fetch_clear().
 */
struct fetch {
	char  *url;       /* as the page wrote it, for messages */
	char   method[8]; /* one of the methods host_fetch_opts.c allows */
	char **names;
	char **values;
	size_t nheaders;
	char  *body;
	size_t body_len;
	char   err[512]; /* why reading the options failed, when it did */
};

/*
 * Reads the page's options (opts, a cursor on a JSON value that is not
 * null) into f, which holds its defaults: method, headers and body, each
 * checked (host_fetch_opts.c). Returns SSRD_OK, SSRD_EINVAL with the
 * reason in f->err (opts not an object, an unknown method, a header ssrd
 * sets itself, a control character...), or SSRD_ENOMEM.
 */
int ssrd__fetch_options(struct fetch *f, ssrd_json *opts);

/* Frees what f holds (not f itself). */
void ssrd__fetch_clear(struct fetch *f);

/*
 * Parses and checks the page's URL, text, and its host against
 * o->fetch_allow (host_fetch_url.c). Returns 1 with *out the URL (the
 * caller frees it with nng_url_free()) and hostport "host:port" (IPv6 in
 * brackets), for messages; or 0 with *r a rejection and *out untouched.
 * Only the URL's text is looked at: no name is resolved.
 */
int ssrd__fetch_target(const char *text, const ssrd_host_opts *o, nng_url **out,
    char *hostport, size_t hostport_len, ssrd_host_result *r);

/*
 * One exchange's state. aio carries every step in turn, each step's timeout
 * set to what is left before deadline. The body grows in body (body_len
 * bytes, room for body_cap) and never past max bytes; rbuf[rget..rput) holds
 * raw bytes read but not yet decoded (chunked and close-delimited bodies).
 */
struct xfer {
	const struct fetch *f;
	nng_url            *url;
	char                hostport[300]; /* "host:port", for messages */
	nng_time            deadline;
	size_t              max;
	nng_aio            *aio;
	nng_http_client    *client;
	nng_http_conn      *conn;
	nng_http_req       *req;
	nng_http_res       *res;
	char               *body;
	size_t              body_len;
	size_t              body_cap;
	size_t              rget;
	size_t              rput;
	char                rbuf[8192];
};

/* Gives x->aio's next step what is left of the deadline as its timeout,
 * or returns NNG_ETIMEDOUT if nothing is. */
static inline int
ssrd__fetch_arm(struct xfer *x)
{
	nng_time now = nng_clock();
	if (now >= x->deadline) {
		return NNG_ETIMEDOUT;
	}
	nng_aio_set_timeout(x->aio, (nng_duration) (x->deadline - now));
	return 0;
}

/* Waits for the step under way on x->aio and returns its result. */
static inline int
ssrd__fetch_finish(struct xfer *x)
{
	nng_aio_wait(x->aio);
	return nng_aio_result(x->aio);
}

/*
 * Reads the body that x->res (its head just read) announces, per RFC 9112
 * 6.3, into x->body (host_fetch_body.c). Returns 0, an nng code,
 * FETCH_ETOOBIG, or FETCH_EREJECTED with *r set.
 */
int ssrd__fetch_read_body(struct xfer *x, ssrd_host_result *r);

#endif
