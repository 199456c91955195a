/* http_reply.c implements whole HTTP replies (http_reply.h). */
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/compress.h"
#include "http/http_reply.h"
#include "http/response.h"

void
ssrd__http_reply_text(ssrd_http_ex *ex, const ssrd_http_policy *p, int status,
    const char *text, int head, int close)
{
	const ssrd_http_reply r = {
		.status = status,
		.type   = "text/plain; charset=utf-8",
		.close  = close,
	};
	ssrd__ex_reply(ex, p, &r, text, strlen(text), head);
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
ssrd__http_reply_fallback(ssrd_http_ex *ex, const ssrd_http_policy *p, int err,
    const char *body, size_t len, int head)
{
	const ssrd_http_reply r = {
		.type     = "text/html; charset=utf-8",
		.caching  = SSRD_HTTP_CACHE_NO_STORE,
		.fallback = ssrd_err_name(err),
	};
	ssrd__ex_reply(ex, p, &r, body, len, head);
}

void
ssrd__http_reply_render(ssrd_http_ex *ex, const ssrd_http_policy *p,
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
		ssrd__ex_reply(ex, p, &r, z != NULL ? z : body,
		    z != NULL ? zlen : len, head);
		free(z);
		return;
	}
	size_t fb_len;
	char  *fb = ssrd__http_fallback_page(p, job, &fb_len);
	if (fb != NULL) {
		ssrd__http_reply_fallback(ex, p, job->err, fb, fb_len, head);
		free(fb);
		return;
	}
	int status = ssrd_err_http_status(job->err);
	ssrd__http_reply_text(
	    ex, p, status, ssrd__http_status_text(status), head, 0);
}
