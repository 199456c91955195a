/* http_reply.c implements buffered HTTP replies on nng (http_reply.h). */
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include <ssrd/errors.h>

#include "core/compress.h"
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

ssrd_http_reply
ssrd__http_page_reply(int status, int ttl, int swr, const char *cache_state,
    const char *etag, ssrd_coding coding, const char *link)
{
	const ssrd_http_reply r = {
		.status      = status,
		.type        = "text/html; charset=utf-8",
		.caching     = SSRD_HTTP_CACHE_PAGE,
		.max_age     = ttl,
		.swr         = swr,
		.cache_state = cache_state,
		.vary        = 1,
		.etag        = etag,
		.coding      = coding,
		.link        = link,
	};
	return r;
}

void
ssrd__http_reply_fallback(nng_aio *aio, const ssrd_http_policy *p, int err,
    const char *body, size_t len, int head)
{
	const ssrd_http_reply r = {
		.type     = "text/html; charset=utf-8",
		.caching  = SSRD_HTTP_CACHE_NO_STORE,
		.fallback = ssrd_err_name(err),
	};
	ssrd__http_reply(aio, p, &r, body, len, head);
}

void
ssrd__http_reply_render(nng_aio *aio, const ssrd_http_policy *p,
    const ssrd_job *job, const char *body, size_t len, ssrd_coding coding,
    const char *cache_state, int head)
{
	if (job->err == SSRD_OK) {
		/* compressed as it is sent: fast (a cached page keeps a smaller
		 * form, made once) */
		size_t                zlen = 0;
		char                 *z    = len > 0
		                       ? ssrd__compress(coding, SSRD_EFFORT_LIVE, body, len, &zlen)
		                       : NULL;
		const ssrd_http_reply r    = ssrd__http_page_reply(job->status,
		       job->cache_ttl, job->cache_swr, cache_state, NULL,
                    z != NULL ? coding : SSRD_CODING_IDENTITY,
		       ssrd__site_preload(job->site, job->route));
		ssrd__http_reply(aio, p, &r, z != NULL ? z : body,
		    z != NULL ? zlen : len, head);
		free(z);
		return;
	}
	size_t fb_len;
	char  *fb = ssrd__http_fallback_page(p, job, &fb_len);
	if (fb != NULL) {
		ssrd__http_reply_fallback(aio, p, job->err, fb, fb_len, head);
		free(fb);
		return;
	}
	int status = ssrd_err_http_status(job->err);
	ssrd__http_reply_text(
	    aio, p, status, ssrd__http_status_text(status), head, 0);
}
