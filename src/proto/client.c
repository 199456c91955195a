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

#include "core/json.h"
#include "core/strbuf.h"

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

/* ---- requests ---- */

static void
render_fields(ssrd_strbuf *b, const ssrd_render_args *a)
{
	ssrd__strbuf_puts(b, "\"url\":");
	ssrd__strbuf_json_string(b, a->url, strlen(a->url));
	if (a->props != NULL) {
		ssrd__strbuf_printf(b, ",\"props\":%s", a->props);
	}
	if (a->headers != NULL) {
		ssrd__strbuf_printf(b, ",\"headers\":%s", a->headers);
	}
	if (a->host != NULL) {
		ssrd__strbuf_puts(b, ",\"host\":");
		ssrd__strbuf_json_string(b, a->host, strlen(a->host));
	}
	ssrd__strbuf_puts(b, ",\"options\":{\"console\":");
	ssrd__strbuf_puts(b, a->console ? "true" : "false");
	if (a->stream != 0) {
		ssrd__strbuf_puts(b,
		    a->stream > 0 ? ",\"stream\":true" : ",\"stream\":false");
	}
	if (a->timeout_ms > 0) {
		ssrd__strbuf_printf(b, ",\"timeout_ms\":%d", a->timeout_ms);
	}
	ssrd__strbuf_puts(b, "}");
}

/* ---- replies ---- */

/* What a reply header holds, as read. */
struct header {
	ssrd_reply *r;
	size_t      body_len;
	char       *stream;
	ssrd_json   results; /* batch: the array */
	int         has_results;
};

static int
take_string(ssrd_json *j, char **out)
{
	size_t len;
	free(*out);
	*out = NULL;
	return ssrd__json_peek(j) == '"' ? ssrd__json_string_dup(j, out, &len)
	                                 : ssrd__json_skip(j);
}

static int
timing_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	ssrd_reply *r = ctx;
	double     *d = strcmp(key, "queue_ms") == 0 ? &r->queue_ms
	        : strcmp(key, "first_ms") == 0       ? &r->first_ms
	        : strcmp(key, "render_ms") == 0      ? &r->render_ms
	        : strcmp(key, "total_ms") == 0       ? &r->total_ms
	                                             : NULL;
	(void) keylen;
	return d ? ssrd__json_number(j, d) : ssrd__json_skip(j);
}

static int
error_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	ssrd_reply *r = ctx;
	(void) keylen;
	return strcmp(key, "code") == 0   ? take_string(j, &r->code)
	    : strcmp(key, "message") == 0 ? take_string(j, &r->message)
	    : strcmp(key, "stack") == 0   ? take_string(j, &r->stack)
	                                  : ssrd__json_skip(j);
}

/* The members a reply and a batch result share. */
static int
reply_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct header *h = ctx;
	ssrd_reply    *r = h->r;
	double         d;
	(void) keylen;
	if (strcmp(key, "ok") == 0 || strcmp(key, "end") == 0) {
		return ssrd__json_bool(j, key[0] == 'o' ? &r->ok : &r->end);
	}
	if (strcmp(key, "status") == 0 || strcmp(key, "body_len") == 0) {
		int rv = ssrd__json_number(j, &d);
		if (rv == SSRD_OK && key[0] == 's') {
			r->status = (int) d;
		} else if (rv == SSRD_OK) {
			h->body_len = d >= 0 ? (size_t) d : 0;
		}
		return rv;
	}
	if (strcmp(key, "error") == 0) {
		return ssrd__json_object(j, error_member, r);
	}
	if (strcmp(key, "timings") == 0) {
		return ssrd__json_object(j, timing_member, r);
	}
	if (strcmp(key, "console") == 0) {
		return take_string(j, &r->console);
	}
	if (strcmp(key, "stream") == 0) {
		return take_string(j, &h->stream);
	}
	if (strcmp(key, "results") == 0) {
		h->results     = *j;
		h->has_results = 1;
	}
	return ssrd__json_skip(j);
}

/* Reads a reply message: its header into h, and hands back where the body
 * starts. Returns SSRD_OK or SSRD_EBADREQ. */
static int
parse_reply(const char *buf, size_t len, struct header *h, const char **body)
{
	const char *nl = memchr(buf, '\n', len);
	ssrd_json   j;
	if (nl == NULL) {
		return SSRD_EBADREQ;
	}
	ssrd__json_init(&j, buf, (size_t) (nl - buf));
	if (ssrd__json_object(&j, reply_member, h) != SSRD_OK
	    || ssrd__json_end(&j) != SSRD_OK
	    || h->body_len > len - (size_t) (nl + 1 - buf)) {
		return SSRD_EBADREQ;
	}
	h->r->header_json = strndup(buf, (size_t) (nl - buf));
	*body             = nl + 1;
	return SSRD_OK;
}

static int
set_body(ssrd_reply *r, const char *body, size_t len)
{
	r->body = malloc(len + 1);
	if (r->body == NULL) {
		return SSRD_ENOMEM;
	}
	memcpy(r->body, body, len);
	r->body[len] = '\0';
	r->body_len  = len;
	return SSRD_OK;
}

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
	struct header h = { .r = out };
	const char   *body;
	rv = parse_reply(nng_msg_body(msg), nng_msg_len(msg), &h, &body);
	if (rv == SSRD_OK) {
		rv = set_body(out, body, h.body_len);
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
	ssrd__strbuf_puts(&b, "{\"v\":1,\"kind\":\"render\",");
	render_fields(&b, a);
	ssrd__strbuf_puts(&b, "}");
	return one_reply(c, c->all, &b, out, NULL);
}

/* A batch's results, read one by one into out[] with the bodies that
 * follow the header in order. */
struct batch_read {
	ssrd_reply *out;
	size_t      n, got;
	const char *body, *end;
	int         err;
};

static int
batch_result(ssrd_json *j, size_t index, void *ctx)
{
	struct batch_read *br = ctx;
	if (index >= br->n) {
		return SSRD_EBADREQ;
	}
	struct header h  = { .r = &br->out[index] };
	int           rv = ssrd__json_object(j, reply_member, &h);
	free(h.stream);
	if (rv != SSRD_OK || h.body_len > (size_t) (br->end - br->body)) {
		return SSRD_EBADREQ;
	}
	rv = set_body(&br->out[index], br->body, h.body_len);
	br->body += h.body_len;
	br->got = index + 1;
	return rv;
}

int
ssrd_client_batch(
    ssrd_client *c, const ssrd_render_args *a, size_t n, ssrd_reply *out)
{
	if (c == NULL || a == NULL || n == 0 || out == NULL) {
		return SSRD_EINVAL;
	}
	memset(out, 0, n * sizeof(*out));
	ssrd_strbuf b = { 0 };
	ssrd__strbuf_puts(&b, "{\"v\":1,\"kind\":\"batch\",\"renders\":[");
	for (size_t i = 0; i < n; i++) {
		if (a[i].url == NULL) {
			ssrd__strbuf_free(&b);
			return SSRD_EINVAL;
		}
		ssrd__strbuf_puts(&b, i ? ",{" : "{");
		render_fields(&b, &a[i]);
		ssrd__strbuf_puts(&b, "}");
	}
	ssrd__strbuf_puts(&b, "]}");
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
	ssrd_reply    top = { 0 };
	struct header h   = { .r = &top };
	const char   *body;
	rv = parse_reply(nng_msg_body(msg), nng_msg_len(msg), &h, &body);
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
		struct batch_read br = { out, n, 0, body, end, 0 };
		rv = ssrd__json_array(&h.results, batch_result, &br);
		if (rv == SSRD_OK && br.got != n) {
			rv = SSRD_EBADREQ;
		}
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
	ssrd__strbuf_puts(&b, "{\"v\":1,\"kind\":\"stream\",");
	render_fields(&b, a);
	ssrd__strbuf_puts(&b, "}");
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

/* pull or cancel, for s */
static void
stream_request(ssrd_strbuf *b, const ssrd_stream *s, const char *kind)
{
	ssrd__strbuf_printf(b, "{\"v\":1,\"kind\":\"%s\",\"stream\":", kind);
	ssrd__strbuf_json_string(b, s->id, strlen(s->id));
	ssrd__strbuf_puts(b, "}");
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
	stream_request(&b, s, "pull");
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
		stream_request(&b, s, "cancel");
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
