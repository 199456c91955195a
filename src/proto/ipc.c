/* ipc.c: the render protocol over an nng REP socket. Each of a fixed set of
 * contexts takes one request at a time: it decodes it, queues its jobs on
 * the pool, and replies from the worker thread when they complete, so
 * requests in flight cost no thread (renders and batches in ipc_render.c,
 * streams, kept in a table between a caller's pulls, in ipc_stream.c). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include <ssrd/errors.h>

#include "core/log.h"
#include "core/strbuf.h"
#include "diag/diagnose.h"
#include "proto/ipc.h"
#include "proto/ipc_impl.h"
#include "proto/proto.h"

/* Back to waiting for the next request: the last one is answered. */
static void
recv_next(struct ictx *ic)
{
	ic->sending = 0;
	__atomic_store_n(&ic->busy, 0, __ATOMIC_RELEASE);
	nng_ctx_recv(ic->ctx, ic->aio);
}

/* ---- replies ---- */

void
ssrd__ipc_send_reply(
    struct ictx *ic, ssrd_strbuf *header, const char *body, size_t len)
{
	nng_msg *msg;
	if (ssrd__strbuf_failed(header) || nng_msg_alloc(&msg, 0) != 0) {
		/* no memory for the reply: drop it, the caller times out */
		ssrd__strbuf_free(header);
		recv_next(ic);
		return;
	}
	if (nng_msg_append(msg, header->ptr, header->len) != 0
	    || (len > 0 && nng_msg_append(msg, body, len) != 0)) {
		nng_msg_free(msg);
		ssrd__strbuf_free(header);
		recv_next(ic);
		return;
	}
	ssrd__strbuf_free(header);
	ic->sending = 1;
	nng_aio_set_msg(ic->aio, msg);
	nng_ctx_send(ic->ctx, ic->aio);
}

void
ssrd__ipc_reply_error(struct ictx *ic, const char *id, const char *kind,
    int err, const char *text, const ssrd_proto_timings *t)
{
	ssrd_strbuf b = { 0 };
	const char *stack;
	char       *msg = ssrd__proto_split_error(text ? text : "", &stack);
	ssrd__proto_reply_error(&b, id, kind, ssrd_err_http_status(err),
	    ssrd_err_name(err), msg ? msg : "", err == SSRD_EJS ? stack : NULL,
	    t);
	free(msg);
	ssrd__ipc_send_reply(ic, &b, NULL, 0);
}

/* ---- the contexts ---- */

/* Answers a diagnose request: to a caller on an ipc:// address, whom the
 * socket file's permissions let in; a tcp:// one could be anyone, so it
 * must give the admin token. */
static void
do_diagnose(struct ictx *ic, const ssrd_msg *m, int local)
{
	const ssrd_diagnose_src *src   = ic->ipc->opts.diagnose;
	const char              *token = ic->ipc->opts.admin_token;
	int                      admin = token != NULL && token[0] != '\0'
	    && ssrd__secret_equal(token, m->token);
	if (src == NULL || (!local && !admin)) {
		ssrd__ipc_reply_error(ic, m->id, "diagnose", SSRD_EBADREQ,
		    "diagnose is answered on the daemon's ipc:// addresses, "
		    "or on tcp:// with the configured admin_token: connect to "
		    "one (ssrd diagnose --connect ipc:///PATH) or pass "
		    "--token",
		    NULL);
		return;
	}
	ssrd_strbuf body = { 0 }, b = { 0 };
	ssrd__diagnose(src, m->text, &body);
	ssrd__proto_reply_ok(&b, m->id, "diagnose", body.len);
	ssrd__ipc_send_reply(ic, &b, body.ptr, body.len);
	ssrd__strbuf_free(&body);
}

/* Whether msg came over an ipc:// address (not tcp://). */
static int
msg_is_local(nng_msg *msg)
{
	nng_sockaddr sa;
	return nng_pipe_get_addr(nng_msg_get_pipe(msg), NNG_OPT_LOCADDR, &sa)
	    == 0
	    && sa.s_family == NNG_AF_IPC;
}

static void
handle(struct ictx *ic, const char *buf, size_t len, int local, uint32_t pipe)
{
	ssrd_ipc *ipc = ic->ipc;
	ssrd_msg  m;
	char      why[256];
	if (len > ipc->opts.max_message) {
		char text[128];
		snprintf(text, sizeof(text),
		    "the request is %zu bytes; max_message_kb allows %zu", len,
		    ipc->opts.max_message);
		ssrd__log(SSRD_LOG_WARN, "bad_request", "reason=\"%s\"", text);
		ssrd__ipc_reply_error(
		    ic, NULL, "error", SSRD_EBADREQ, text, NULL);
		return;
	}
	int rv = ssrd__proto_decode(
	    buf, len, ipc->opts.max_batch, &m, why, sizeof(why));
	if (rv != SSRD_OK) {
		char *q = ssrd__log_quote(why, strlen(why));
		ssrd__log(SSRD_LOG_WARN, "bad_request", "bytes=%zu reason=%s",
		    len, q ? q : "\"\"");
		free(q);
		ssrd__ipc_reply_error(ic, m.id, "error",
		    rv == SSRD_ENOMEM ? SSRD_ENOMEM : SSRD_EBADREQ, why, NULL);
		ssrd__proto_msg_clear(&m);
		return;
	}
	switch (m.kind) {
	case SSRD_MSG_RENDER:
		ssrd__ipc_render(ic, &m);
		break;
	case SSRD_MSG_BATCH:
		ssrd__ipc_batch(ic, &m);
		break;
	case SSRD_MSG_STREAM:
		ssrd__ipc_stream(ic, &m, pipe);
		break;
	case SSRD_MSG_PULL:
		ssrd__ipc_pull(ic, &m, pipe);
		break;
	case SSRD_MSG_CANCEL:
		ssrd__ipc_cancel(ic, &m, pipe);
		break;
	case SSRD_MSG_PING: {
		ssrd_strbuf b = { 0 };
		ssrd__proto_reply_ok(&b, m.id, "ping", 0);
		ssrd__ipc_send_reply(ic, &b, NULL, 0);
		break;
	}
	case SSRD_MSG_DIAGNOSE:
		do_diagnose(ic, &m, local);
		break;
	}
	ssrd__proto_msg_clear(&m);
}

static void
ictx_cb(void *arg)
{
	struct ictx *ic = arg;
	int          rv = nng_aio_result(ic->aio);
	if (ic->sending) {
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(ic->aio));
		}
		if (rv == NNG_ECLOSED) {
			__atomic_store_n(&ic->busy, 0, __ATOMIC_RELEASE);
			return;
		}
		recv_next(ic);
		return;
	}
	if (rv != 0) {
		if (rv != NNG_ECLOSED) {
			nng_ctx_recv(ic->ctx, ic->aio);
		}
		return;
	}
	__atomic_store_n(&ic->busy, 1, __ATOMIC_RELEASE);
	nng_msg *msg = nng_aio_get_msg(ic->aio);
	handle(ic, nng_msg_body(msg), nng_msg_len(msg), msg_is_local(msg),
	    nng_pipe_id(nng_msg_get_pipe(msg)));
	nng_msg_free(msg);
}

/* What to do about a listen that failed, by its error. */
static const char *
listen_hint(int rv)
{
	switch (rv) {
	case NNG_EADDRINUSE:
		return "another process listens there, another ssrd perhaps: "
		       "stop it, or set [server] ipc or --ipc to another "
		       "address";
	case NNG_ENOENT:
		return "the socket's directory does not exist: create it, or "
		       "set [server] ipc or --ipc";
	case NNG_EPERM:
		return "no permission there: set [server] ipc or --ipc to a "
		       "place this user may write";
	case NNG_EADDRINVAL:
		return "a malformed address: write ipc:///path or "
		       "tcp://host:port";
	default:
		return "set [server] ipc or --ipc to another address";
	}
}

int
ssrd__ipc_start(const ssrd_ipc_opts *opts, ssrd_pool *pool,
    const ssrd_sites *sites, ssrd_ipc **out, char *errbuf, size_t errlen)
{
	ssrd_ipc *ipc = calloc(1, sizeof(*ipc));
	if (ipc == NULL) {
		return SSRD_ENOMEM;
	}
	pthread_mutex_init(&ipc->mu, NULL);
	ipc->opts  = *opts;
	ipc->pool  = pool;
	ipc->sites = sites;
	ipc->ctxs  = calloc((size_t) opts->contexts, sizeof(*ipc->ctxs));
	if (ipc->ctxs == NULL) {
		ssrd__ipc_free(ipc);
		return SSRD_ENOMEM;
	}
	int rv = nng_rep0_open(&ipc->sock);
	if (rv == 0) {
		/* Bigger than max_message so that an oversized request still
		 * arrives and gets its error reply; far bigger ones drop the
		 * connection (nng's own limit). */
		rv = nng_socket_set_size(ipc->sock, NNG_OPT_RECVMAXSZ,
		    opts->max_message * 4 + 65536);
	}
	for (long i = 0; rv == 0 && i < opts->contexts; i++) {
		struct ictx *ic = &ipc->ctxs[i];
		ic->ipc         = ipc;
		if ((rv = nng_ctx_open(&ic->ctx, ipc->sock)) == 0
		    && (rv = nng_aio_alloc(&ic->aio, ictx_cb, ic)) == 0) {
			ipc->nctxs++;
		}
	}
	if (rv == 0) {
		rv = nng_aio_alloc(&ipc->reaper, ssrd__ipc_reap, ipc);
	}
	if (rv != 0) {
		snprintf(errbuf, errlen, "cannot open the protocol socket: %s",
		    nng_strerror(rv));
		ssrd__ipc_close(ipc);
		ssrd__ipc_free(ipc);
		return SSRD_ENNG;
	}
	/* every address of the list */
	const char *p = opts->addrs, *item;
	size_t      n;
	while ((n = ssrd__list_next(&p, &item)) > 0) {
		char *addr = strndup(item, n);
		rv = addr ? nng_listen(ipc->sock, addr, NULL, 0) : NNG_ENOMEM;
		if (rv != 0) {
			snprintf(errbuf, errlen, "cannot listen on %s: %s (%s)",
			    addr ? addr : "?", nng_strerror(rv),
			    listen_hint(rv));
			free(addr);
			ssrd__ipc_close(ipc);
			ssrd__ipc_free(ipc);
			return SSRD_ENNG;
		}
		ssrd__log(SSRD_LOG_INFO, "listening", "ipc=%s", addr);
		free(addr);
	}
	for (long i = 0; i < ipc->nctxs; i++) {
		nng_ctx_recv(ipc->ctxs[i].ctx, ipc->ctxs[i].aio);
	}
	nng_sleep_aio(500, ipc->reaper);
	*out = ipc;
	return SSRD_OK;
}

size_t
ssrd__ipc_busy(ssrd_ipc *ipc)
{
	size_t n = 0;
	if (ipc == NULL) {
		return 0;
	}
	for (long i = 0; i < ipc->nctxs; i++) {
		n += (size_t) __atomic_load_n(
		    &ipc->ctxs[i].busy, __ATOMIC_ACQUIRE);
	}
	return n + ssrd__ipc_streams_count(ipc);
}

void
ssrd__ipc_close(ssrd_ipc *ipc)
{
	if (ipc == NULL || ipc->closing) {
		return;
	}
	ipc->closing = 1;
	if (ipc->reaper != NULL) {
		nng_aio_stop(ipc->reaper);
	}
	nng_close(ipc->sock);
}

void
ssrd__ipc_free(ssrd_ipc *ipc)
{
	if (ipc == NULL) {
		return;
	}
	ssrd__ipc_close(ipc);
	for (long i = 0; i < ipc->nctxs; i++) {
		nng_aio_free(ipc->ctxs[i].aio);
	}
	nng_aio_free(ipc->reaper);
	/* streams left: their jobs have completed (the pool is stopped) */
	ssrd__ipc_streams_free(ipc);
	free(ipc->ctxs);
	pthread_mutex_destroy(&ipc->mu);
	free(ipc);
}
