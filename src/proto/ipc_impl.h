/* ipc_impl.h: the protocol server's insides, shared by ipc.c (the socket,
 * its contexts, the dispatch of requests), ipc_render.c (render and batch)
 * and ipc_stream.c (streams and their pulls). Internal. */
#ifndef SSRD_IPC_IMPL_H
#define SSRD_IPC_IMPL_H

#include <pthread.h>
#include <stdint.h>

#include <nng/nng.h>

#include "core/strbuf.h"
#include "proto/ipc.h"
#include "proto/proto.h"

struct ictx;
struct stream;

struct ssrd_ipc {
	nng_socket        sock;
	struct ictx      *ctxs;
	long              nctxs;
	ssrd_ipc_opts     opts;
	ssrd_pool        *pool;
	const ssrd_sites *sites;   /* borrowed: outlives the server */
	pthread_mutex_t   mu;      /* streams, next_id */
	struct stream    *streams; /* open streams (ipc_stream.c's) */
	unsigned long     next_id; /* render ids for logs (under mu) */
	nng_aio          *reaper;  /* wakes to cancel idle streams */
	int               closing;
};

/* One context: receives a request, replies to it, receives the next. */
struct ictx {
	ssrd_ipc *ipc;
	nng_ctx   ctx;
	nng_aio  *aio;
	int       sending; /* the aio's operation: 0 receive, 1 send */
	int       busy; /* atomic: a request taken and not yet answered (a drain
	                   waits for it) */
};

/* ---- replies (ipc.c) ---- */

/*
 * Sends header + body (len bytes, copied) as ic's reply, and frees header.
 * Without the memory for it the reply is dropped (the caller times out)
 * and ic goes back to receiving. Any thread; ic must have taken a request
 * and not yet answered it.
 */
void ssrd__ipc_send_reply(
    struct ictx *ic, ssrd_strbuf *header, const char *body, size_t len);

/* Sends an error reply for err: text (may be NULL) split into its message
 * and, for SSRD_EJS, the stack; with the render's timings when t is not
 * NULL. id is the request's id as JSON text, or NULL. Any thread. */
void ssrd__ipc_reply_error(struct ictx *ic, const char *id, const char *kind,
    int err, const char *text, const ssrd_proto_timings *t);

/* ---- renders (ipc_render.c) ---- */

/* Makes the job for one render request: the site its host picks, a log id.
 * Returns SSRD_OK with *out (the caller's); or the error, with a reason
 * for the caller in *why (static). Any thread. */
int ssrd__ipc_make_job(
    ssrd_ipc *ipc, const ssrd_render_req *r, ssrd_job **out, const char **why);

/* What a caller is told when the pool refused a job with rv (from
 * ssrd__pool_submit()): a static string. */
const char *ssrd__ipc_refused_why(int rv);

/* Answer a render, a batch: their jobs are queued, and the reply sent from
 * the worker thread when they complete. m's id is taken (set to NULL). */
void ssrd__ipc_render(struct ictx *ic, ssrd_msg *m);
void ssrd__ipc_batch(struct ictx *ic, ssrd_msg *m);

/* ---- streams (ipc_stream.c) ---- */

/* Answer a stream, a pull, a cancel that came over the connection pipe (a
 * stream belongs to the connection that opened it). m's id is taken. */
void ssrd__ipc_stream(struct ictx *ic, ssrd_msg *m, uint32_t pipe);
void ssrd__ipc_pull(struct ictx *ic, ssrd_msg *m, uint32_t pipe);
void ssrd__ipc_cancel(struct ictx *ic, ssrd_msg *m, uint32_t pipe);

/* ipc->reaper's callback (arg: the ipc): every half second, streams nobody
 * has pulled for stream_idle_ms are cancelled. */
void ssrd__ipc_reap(void *arg);

/* Returns how many streams are open. Any thread. */
size_t ssrd__ipc_streams_count(ssrd_ipc *ipc);

/* Drops the table's reference to every stream left. Only once the pool has
 * stopped (their jobs have completed). */
void ssrd__ipc_streams_free(ssrd_ipc *ipc);

#endif
