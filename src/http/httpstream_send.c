/* httpstream_send.c: a big shared reply (a cached page) written whole on a
 * connection taken over, from bytes it does not own: no copy per
 * connection, and the write bounded by the send timeout (httpstream.h). */
#include <stdatomic.h>
#include <stdlib.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include <ssrd/errors.h>

#include "core/log.h"
#include "http/httpstream.h"
#include "http/httpstream_impl.h"

/* One reply of ssrd__httpstream_send(): its own write, then the end. */
struct sent {
	nng_http_conn *conn;
	nng_http_req  *req;
	nng_http_res  *res;
	nng_aio       *aio;
	void (*release)(void *arg);
	void *arg;
};

static void
sent_done(void *arg)
{
	struct sent *t = arg;
	if (nng_aio_result(t->aio) == NNG_ETIMEDOUT) {
		ssrd__log(SSRD_LOG_WARN, "client_stalled", "reply=cached");
	}
	nng_http_res_free(t->res); /* its data was never its own */
	t->release(t->arg);
	nng_http_conn_close(t->conn);
	nng_http_req_free(t->req);
	nng_aio_reap(t->aio); /* we are in its callback */
	free(t);
	atomic_fetch_sub(&ssrd__httpstream_count, 1);
}

int
ssrd__httpstream_send(nng_aio *aio, nng_http_res *res,
    const ssrd_httpstream_opts *o, void (*release)(void *arg), void *arg)
{
	struct sent *t = calloc(1, sizeof(*t));
	if (t == NULL || nng_aio_alloc(&t->aio, sent_done, t) != 0) {
		free(t);
		return SSRD_ENOMEM;
	}
	t->res     = res;
	t->release = release;
	t->arg     = arg;
	atomic_fetch_add(&ssrd__httpstream_count, 1);
	ssrd__httpstream_take(aio, &t->conn, &t->req);
	nng_aio_set_timeout(t->aio, ssrd__httpstream_send_timeout(o));
	nng_http_conn_write_res(t->conn, t->res, t->aio);
	return SSRD_OK;
}
