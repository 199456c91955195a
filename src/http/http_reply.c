/* http_reply.c implements buffered HTTP replies on nng (http_reply.h). */
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "http/http_reply.h"
#include "http/response.h"

int
ssrd__http_res_new(
    const ssrd_http_policy *p, const ssrd_http_reply *r, nng_http_res **out)
{
	ssrd_http_head h;
	nng_http_res  *res = NULL;
	int            rv  = nng_http_res_alloc(&res);
	*out               = NULL;
	if (rv != 0) {
		return rv;
	}
	ssrd__http_head_build(p, r, &h);
	rv = nng_http_res_set_status(res, (uint16_t) h.status);
	for (size_t i = 0; rv == 0 && i < h.n; i++) {
		rv = nng_http_res_set_header(res, h.h[i].name, h.h[i].value);
	}
	if (rv != 0) {
		nng_http_res_free(res);
		return rv;
	}
	*out = res;
	return 0;
}

void
ssrd__http_res_finish(nng_aio *aio, nng_http_res *res, int rv)
{
	if (rv != 0) {
		if (res != NULL) {
			nng_http_res_free(res);
		}
		nng_aio_finish(aio, rv);
		return;
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

void
ssrd__http_reply(nng_aio *aio, const ssrd_http_policy *p,
    const ssrd_http_reply *r, const char *body, size_t len, int head)
{
	nng_http_res *res;
	int           rv = ssrd__http_res_new(p, r, &res);
	if (rv == 0 && r->status != 304) {
		rv = head ? nng_http_res_set_data(res, body, len)
		          : nng_http_res_copy_data(res, body, len);
	}
	ssrd__http_res_finish(aio, res, rv);
}

void
ssrd__http_reply_text(nng_aio *aio, const ssrd_http_policy *p, int status,
    const char *text, int head, int close)
{
	const ssrd_http_reply r = {
		.status = status,
		.type   = "text/plain; charset=utf-8",
		.close  = close,
	};
	ssrd__http_reply(aio, p, &r, text, strlen(text), head);
}
