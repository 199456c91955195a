/* front_request.c implements front_request.h: h2o's configuration, a
 * request's headers and its framing verdict. */
#define _GNU_SOURCE
#include <string.h>
#include <strings.h>

#include "http/front_request.h"

void
ssrd__front_configure(h2o_globalconf_t *config, int idle_timeout_ms,
    int (*on_req)(h2o_handler_t *self, h2o_req_t *req))
{
	h2o_config_init(config);
	config->server_name = h2o_iovec_init(H2O_STRLIT("ssrd"));
	config->http1.req_timeout
	    = (uint64_t) (idle_timeout_ms > 0 ? idle_timeout_ms : 15000);
	/* pages take no body: one that comes is read and dropped, up to
	 * this; a bigger one is refused (413) and the connection closed */
	config->max_request_entity_size = 64 * 1024;
	config->http1.upgrade_to_http2  = 0;
	h2o_hostconf_t *host            = h2o_config_register_host(
	               config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
	h2o_handler_t  *h    = h2o_create_handler(path, sizeof(*h));
	h->on_req            = on_req;
}

/* name in lower case into buf (h2o keeps header names so); its length,
 * or 0 if it does not fit. */
static size_t
lower(char *buf, size_t cap, const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n >= cap) {
		return 0;
	}
	for (size_t i = 0; i <= n; i++) {
		buf[i] = (char) (name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32
		                                                  : name[i]);
	}
	return n;
}

const char *
ssrd__front_header(h2o_req_t *req, const char *name)
{
	if (strcasecmp(name, "Host") == 0) {
		/* h2o takes Host out of the headers into the authority */
		if (req->input.authority.base == NULL) {
			return NULL;
		}
		return h2o_strdup(&req->pool, req->input.authority.base,
		    req->input.authority.len)
		    .base;
	}
	char    low[64];
	size_t  n = lower(low, sizeof(low), name);
	ssize_t i
	    = n > 0 ? h2o_find_header_by_str(&req->headers, low, n, -1) : -1;
	if (i < 0) {
		return NULL;
	}
	const h2o_iovec_t *v = &req->headers.entries[i].value;
	return h2o_strdup(&req->pool, v->base, v->len).base;
}

/* The bytes of req's request-target, names and values of its headers. */
static size_t
head_bytes(const h2o_req_t *req)
{
	size_t n = req->input.path.len + req->input.authority.len;
	for (size_t i = 0; i < req->headers.size; i++) {
		n += req->headers.entries[i].name->len
		    + req->headers.entries[i].value.len;
	}
	return n;
}

int
ssrd__front_framing(const h2o_req_t *req, const char **text)
{
	if (head_bytes(req) > SSRD_FRONT_HEAD_BYTES_MAX) {
		*text = "431 request header fields too large\n";
		return 431;
	}
	if (req->entity.base != NULL) {
		*text = "400 a request to ssrd takes no body\n";
		return 400;
	}
	*text = NULL;
	return 0;
}
