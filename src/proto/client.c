/* client.c implements include/ssrd/client.h: the render protocol from the
 * caller's side, on nng REQ sockets. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include <ssrd/client.h>

#include "core/strbuf.h"
#include "proto/proto.h"

/*
 * One address's own socket, for streams: dialed to that address alone, it
 * has at most one connection (pipe) at a time, and a stream is bound to the
 * connection that opened it (a pull on any other is refused), so a stream's
 * pulls all go where its first reply came from.
 */
struct addr {
	nng_socket sock;
	int        up; /* atomic: its connection is established */
};

/*
 * A client: one REQ socket dialed to every address (renders and batches go
 * to whichever daemon is free, and are resent elsewhere if one goes away),
 * and one per address for streams.
 */
struct ssrd_client {
	nng_socket      all;
	struct addr   **one; /* by address */
	size_t          naddrs;
	int             timeout_ms;
	pthread_mutex_t mu;
	size_t          next; /* round robin over one[] */
};

struct ssrd_stream {
	ssrd_client *c;
	nng_socket   sock;
	char        *id;
	int          ended;
};

static int
map_nng(int rv)
{
	return rv == 0            ? SSRD_OK
	    : rv == NNG_ETIMEDOUT ? SSRD_ETIMEDOUT
	    : rv == NNG_ECLOSED   ? SSRD_ECLOSED
	    : rv == NNG_ENOMEM    ? SSRD_ENOMEM
	                          : SSRD_ENNG;
}

static int
open_req(nng_socket *s, const ssrd_client_opts *o)
{
	int rv = nng_req0_open(s);
	if (rv == 0) {
		/* No timed resend unless asked (see ssrd_client_opts). Not
		 * NNG_DURATION_INFINITE: with it nng 1.5 fails a request whose
		 * daemon goes away (ECONNRESET) instead of resending it. */
		rv = nng_socket_set_ms(*s, NNG_OPT_REQ_RESENDTIME,
		    o && o->resend_ms > 0 ? o->resend_ms : 3600 * 1000);
	}
	return rv;
}

/* nng, on its own thread: an address's connection came or went. */
static void
addr_pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct addr *a = arg;
	(void) p;
	__atomic_store_n(&a->up, ev == NNG_PIPE_EV_ADD_POST, __ATOMIC_RELEASE);
}

/* Opens the stream socket of one address and starts dialing it. */
static int
addr_open(struct addr *a, const char *url, const ssrd_client_opts *opts)
{
	int rv = open_req(&a->sock, opts);
	if (rv == 0) {
		(void) nng_pipe_notify(
		    a->sock, NNG_PIPE_EV_ADD_POST, addr_pipe_event, a);
		(void) nng_pipe_notify(
		    a->sock, NNG_PIPE_EV_REM_POST, addr_pipe_event, a);
		/* NONBLOCK: keep dialing in the background until it is up */
		rv = nng_dial(a->sock, url, NULL, NNG_FLAG_NONBLOCK);
	}
	return rv;
}

int
ssrd_client_open(
    const char *addrs, const ssrd_client_opts *opts, ssrd_client **out)
{
	if (addrs == NULL || out == NULL) {
		return SSRD_EINVAL;
	}
	ssrd_client *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		return SSRD_ENOMEM;
	}
	pthread_mutex_init(&c->mu, NULL);
	c->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
	int         rv = open_req(&c->all, opts);
	const char *p  = addrs, *item;
	size_t      n;
	while (rv == 0 && (n = ssrd__list_next(&p, &item)) > 0) {
		char        *addr = strndup(item, n);
		struct addr *a    = calloc(1, sizeof(*a));
		void        *grown
		    = realloc(c->one, (c->naddrs + 1) * sizeof(*c->one));
		if (grown != NULL) {
			c->one = grown;
		}
		if (addr == NULL || a == NULL || grown == NULL) {
			free(addr);
			free(a);
			rv = NNG_ENOMEM;
			break;
		}
		/* NONBLOCK: keep dialing in the background until it is up */
		rv = nng_dial(c->all, addr, NULL, NNG_FLAG_NONBLOCK);
		if (rv == 0) {
			c->one[c->naddrs++] = a;
			rv                  = addr_open(a, addr, opts);
		} else {
			free(a);
		}
		free(addr);
	}
	if (rv == 0 && c->naddrs == 0) {
		rv = NNG_EINVAL;
	}
	if (rv != 0) {
		ssrd_client_close(c);
		return rv == NNG_EINVAL || rv == NNG_EADDRINVAL
		        || rv == NNG_ENOTSUP
		    ? SSRD_EINVAL
		    : map_nng(rv);
	}
	*out = c;
	return SSRD_OK;
}

void
ssrd_client_close(ssrd_client *c)
{
	if (c == NULL) {
		return;
	}
	nng_close(c->all);
	for (size_t i = 0; i < c->naddrs; i++) {
		nng_close(c->one[i]->sock);
		free(c->one[i]);
	}
	free(c->one);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* One request and its reply on its own context of sock (nng 1.5 has no
 * synchronous context calls: an aio waited on). */
static int
transact(ssrd_client *c, nng_socket sock, const char *req, size_t len,
    nng_msg **reply)
{
	nng_ctx  ctx;
	nng_aio *aio = NULL;
	nng_msg *msg = NULL;
	int      rv  = nng_ctx_open(&ctx, sock);
	if (rv != 0) {
		return map_nng(rv);
	}
	if ((rv = nng_aio_alloc(&aio, NULL, NULL)) == 0
	    && (rv = nng_msg_alloc(&msg, 0)) == 0
	    && (rv = nng_msg_append(msg, req, len)) == 0) {
		nng_aio_set_timeout(aio, c->timeout_ms);
		nng_aio_set_msg(aio, msg);
		nng_ctx_send(ctx, aio);
		nng_aio_wait(aio);
		if ((rv = nng_aio_result(aio)) == 0) {
			msg = NULL; /* sent: nng owns it */
			nng_ctx_recv(ctx, aio);
			nng_aio_wait(aio);
			if ((rv = nng_aio_result(aio)) == 0) {
				*reply = nng_aio_get_msg(aio);
			}
		}
	}
	nng_msg_free(msg);
	nng_aio_free(aio);
	nng_ctx_close(ctx);
	return map_nng(rv);
}

int
ssrd_client_request(ssrd_client *c, const char *req, size_t len, char **reply,
    size_t *reply_len)
{
	nng_msg *msg;
	int      rv = transact(c, c->all, req, len, &msg);
	if (rv != SSRD_OK) {
		return rv;
	}
	*reply_len = nng_msg_len(msg);
	*reply     = malloc(*reply_len + 1);
	if (*reply == NULL) {
		nng_msg_free(msg);
		return SSRD_ENOMEM;
	}
	memcpy(*reply, nng_msg_body(msg), *reply_len);
	(*reply)[*reply_len] = '\0';
	nng_msg_free(msg);
	return SSRD_OK;
}

/* ---- replies ---- */

/* Sends req on sock and reads a one-page reply into out. */
static int
one_reply(ssrd_client *c, nng_socket sock, ssrd_strbuf *req, ssrd_reply *out,
    char **stream)
{
	nng_msg *msg;
	memset(out, 0, sizeof(*out));
	if (ssrd__strbuf_failed(req)) {
		ssrd__strbuf_free(req);
		return SSRD_ENOMEM;
	}
	int rv = transact(c, sock, req->ptr, req->len, &msg);
	ssrd__strbuf_free(req);
	if (rv != SSRD_OK) {
		return rv;
	}
	ssrd_proto_head h = { .r = out };
	const char     *body;
	rv = ssrd__proto_reply_read(
	    nng_msg_body(msg), nng_msg_len(msg), &h, &body);
	if (rv == SSRD_OK) {
		rv = ssrd__proto_reply_body(out, body, h.body_len);
	}
	if (stream != NULL) {
		*stream = h.stream;
	} else {
		free(h.stream);
	}
	nng_msg_free(msg);
	if (rv != SSRD_OK) {
		ssrd_reply_clear(out);
	}
	return rv;
}

int
ssrd_client_render(ssrd_client *c, const ssrd_render_args *a, ssrd_reply *out)
{
	if (c == NULL || a == NULL || a->url == NULL || out == NULL) {
		return SSRD_EINVAL;
	}
	ssrd_strbuf b = { 0 };
	ssrd__proto_request_render(&b, SSRD_MSG_RENDER, a);
	return one_reply(c, c->all, &b, out, NULL);
}

int
ssrd_client_batch(
    ssrd_client *c, const ssrd_render_args *a, size_t n, ssrd_reply *out)
{
	if (c == NULL || a == NULL || n == 0 || out == NULL) {
		return SSRD_EINVAL;
	}
	memset(out, 0, n * sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		if (a[i].url == NULL) {
			return SSRD_EINVAL;
		}
	}
	ssrd_strbuf b = { 0 };
	ssrd__proto_request_batch(&b, a, n);
	if (ssrd__strbuf_failed(&b)) {
		ssrd__strbuf_free(&b);
		return SSRD_ENOMEM;
	}
	nng_msg *msg;
	int      rv = transact(c, c->all, b.ptr, b.len, &msg);
	ssrd__strbuf_free(&b);
	if (rv != SSRD_OK) {
		return rv;
	}
	ssrd_reply      top = { 0 };
	ssrd_proto_head h   = { .r = &top };
	const char     *body;
	rv = ssrd__proto_reply_read(
	    nng_msg_body(msg), nng_msg_len(msg), &h, &body);
	if (rv == SSRD_OK && !top.ok) {
		/* the whole batch was refused: every result says why */
		for (size_t i = 0; i < n; i++) {
			out[i].status = top.status;
			out[i].code   = top.code ? strdup(top.code) : NULL;
			out[i].message
			    = top.message ? strdup(top.message) : NULL;
		}
	} else if (rv == SSRD_OK && h.has_results) {
		const char *end
		    = (const char *) nng_msg_body(msg) + nng_msg_len(msg);
		rv = ssrd__proto_reply_batch_read(&h, body, end, out, n);
	} else if (rv == SSRD_OK) {
		rv = SSRD_EBADREQ;
	}
	free(h.stream);
	ssrd_reply_clear(&top);
	nng_msg_free(msg);
	if (rv != SSRD_OK) {
		for (size_t i = 0; i < n; i++) {
			ssrd_reply_clear(&out[i]);
		}
	}
	return rv;
}

/* ---- streams ---- */

int
ssrd_client_stream(ssrd_client *c, const ssrd_render_args *a, ssrd_stream **out,
    ssrd_reply *first)
{
	if (c == NULL || a == NULL || a->url == NULL || out == NULL
	    || first == NULL) {
		return SSRD_EINVAL;
	}
	*out = NULL;
	/* The next address in turn whose connection is up (any, if none is
	 * yet: nng then sends once it connects). */
	pthread_mutex_lock(&c->mu);
	size_t pick = c->next % c->naddrs;
	for (size_t i = 0; i < c->naddrs; i++) {
		size_t k = (c->next + i) % c->naddrs;
		if (__atomic_load_n(&c->one[k]->up, __ATOMIC_ACQUIRE)) {
			pick = k;
			break;
		}
	}
	c->next         = pick + 1;
	nng_socket sock = c->one[pick]->sock;
	pthread_mutex_unlock(&c->mu);
	ssrd_strbuf b = { 0 };
	ssrd__proto_request_render(&b, SSRD_MSG_STREAM, a);
	char *id = NULL;
	int   rv = one_reply(c, sock, &b, first, &id);
	if (rv != SSRD_OK || !first->ok || id == NULL) {
		free(id);
		return rv;
	}
	ssrd_stream *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		free(id);
		ssrd_reply_clear(first);
		return SSRD_ENOMEM;
	}
	s->c     = c;
	s->sock  = sock;
	s->id    = id;
	s->ended = first->end;
	*out     = s;
	return SSRD_OK;
}

int
ssrd_stream_next(ssrd_stream *s, ssrd_reply *chunk)
{
	if (s == NULL || chunk == NULL) {
		return SSRD_EINVAL;
	}
	if (s->ended) {
		memset(chunk, 0, sizeof(*chunk));
		return SSRD_ECLOSED;
	}
	ssrd_strbuf b = { 0 };
	ssrd__proto_request_stream(&b, SSRD_MSG_PULL, s->id);
	int rv = one_reply(s->c, s->sock, &b, chunk, NULL);
	if (rv == SSRD_OK && (chunk->end || !chunk->ok)) {
		s->ended = 1;
	}
	return rv;
}

void
ssrd_stream_close(ssrd_stream *s)
{
	if (s == NULL) {
		return;
	}
	if (!s->ended) {
		ssrd_strbuf b = { 0 };
		ssrd_reply  r;
		ssrd__proto_request_stream(&b, SSRD_MSG_CANCEL, s->id);
		(void) one_reply(s->c, s->sock, &b, &r, NULL);
		ssrd_reply_clear(&r);
	}
	free(s->id);
	free(s);
}

void
ssrd_reply_clear(ssrd_reply *r)
{
	if (r == NULL) {
		return;
	}
	free(r->code);
	free(r->message);
	free(r->stack);
	free(r->body);
	free(r->console);
	free(r->header_json);
	memset(r, 0, sizeof(*r));
}
