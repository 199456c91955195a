/* ipc.c: the render protocol over an nng REP socket. Each of a fixed set of
 * contexts takes one request at a time: it decodes it, queues its jobs on
 * the pool, and replies from the worker thread when they complete, so
 * requests in flight cost no thread. Streams live in a table between a
 * caller's pulls. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include <ssrd/errors.h>

#include "core/log.h"
#include "core/strbuf.h"
#include "core/timers.h"
#include "diag/diagnose.h"
#include "diag/stats.h"
#include "proto/ipc.h"
#include "proto/proto.h"

struct ictx;
struct stream;

struct ssrd_ipc {
	nng_socket      sock;
	struct ictx    *ctxs;
	long            nctxs;
	ssrd_ipc_opts   opts;
	ssrd_pool      *pool;
	ssrd_reloader **sites;
	char          **hosts;
	size_t          nsites;
	pthread_mutex_t mu;      /* streams, next_id */
	struct stream  *streams; /* open streams */
	unsigned long   next_id; /* render ids for logs (under mu) */
	nng_aio        *reaper;  /* wakes to cancel idle streams */
	int             closing;
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

/* Back to waiting for the next request: the last one is answered. */
static void
recv_next(struct ictx *ic)
{
	ic->sending = 0;
	__atomic_store_n(&ic->busy, 0, __ATOMIC_RELEASE);
	nng_ctx_recv(ic->ctx, ic->aio);
}

/*
 * A stream between pulls. Invariants (under mu): at most one context waits
 * for it (waiter); pending holds output not yet sent; the job pointer is
 * NULL once the render has ended. refs: one for the table, one for the job.
 * It belongs to the connection (nng pipe) that opened it: a pull or cancel
 * from any other is answered as for an unknown stream, and its id is 128
 * random bits, so it can be neither guessed nor met on another daemon.
 */
struct stream {
	pthread_mutex_t mu;
	ssrd_ipc       *ipc;
	char            id[40]; /* "s-" and 32 hex digits */
	uint32_t        pipe;   /* the connection that opened it */
	ssrd_job       *job;
	ssrd_strbuf     pending;
	unsigned long   seq;
	int             ended, err;
	char           *error_text;
	struct ictx    *waiter;
	char           *waiter_id; /* the waiting request's id (JSON) */
	double          last_pull_ms;
	int             refs;
	struct stream  *next;
	ssrd_render_rec rec; /* the render's figures, once ended */
};

/* ---- replies ---- */

/* Sends header + body as ic's reply. Any thread. */
static void
send_reply(struct ictx *ic, ssrd_strbuf *header, const char *body, size_t len)
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

/* An error reply; with the render's timings when t is not NULL. */
static void
reply_error_timed(struct ictx *ic, const char *id, const char *kind, int err,
    const char *text, const ssrd_proto_timings *t)
{
	ssrd_strbuf b = { 0 };
	const char *stack;
	char       *msg = ssrd__proto_split_error(text ? text : "", &stack);
	ssrd__proto_reply_error(&b, id, kind, ssrd_err_http_status(err),
	    ssrd_err_name(err), msg ? msg : "", err == SSRD_EJS ? stack : NULL,
	    t);
	free(msg);
	send_reply(ic, &b, NULL, 0);
}

static void
reply_error(struct ictx *ic, const char *id, const char *kind, int err,
    const char *text)
{
	reply_error_timed(ic, id, kind, err, text, NULL);
}

static ssrd_proto_timings
job_timings(const ssrd_job *job)
{
	ssrd_proto_timings t = { job->queue_ms, job->first_ms, job->render_ms,
		job->queue_ms + job->render_ms };
	return t;
}

/* ---- render ---- */

struct single {
	struct ictx *ic;
	char        *id;
};

static void
single_done(ssrd_job *job, void *arg)
{
	struct single  *s = arg;
	ssrd_render_rec rec;
	ssrd__render_rec_job(&rec, job, "ipc");
	if (job->err == SSRD_OK) {
		ssrd_strbuf        b = { 0 };
		ssrd_proto_timings t = job_timings(job);
		ssrd__proto_reply_page(&b, s->id, "render", job->status, &t,
		    job->capture_console ? (job->console ? job->console : "")
		                         : NULL,
		    job->html_len);
		send_reply(s->ic, &b, job->html, job->html_len);
	} else {
		ssrd_proto_timings t = job_timings(job);
		reply_error_timed(
		    s->ic, s->id, "render", job->err, job->error_text, &t);
	}
	ssrd__stats_finish(&rec);
	free(s->id);
	free(s);
	ssrd__job_free(job);
}

/* Makes the job for one render request, or returns the error (with *why). */
static int
make_job(
    ssrd_ipc *ipc, const ssrd_render_req *r, ssrd_job **out, const char **why)
{
	ssrd_site *site = ssrd__reloader_site(
	    ssrd__reloader_pick(ipc->sites, ipc->hosts, ipc->nsites, r->host));
	int rv = ssrd__job_new(site, r->url, r->props, r->props_len, out);
	ssrd__site_unref(site);
	*why = rv == SSRD_ENOROUTE ? "no route matches the url"
	    : rv == SSRD_EINVAL    ? "the url is not a valid path"
	                           : "out of memory";
	if (rv != SSRD_OK) {
		return rv;
	}
	pthread_mutex_lock(&ipc->mu);
	(*out)->id = ++ipc->next_id;
	pthread_mutex_unlock(&ipc->mu);
	(*out)->stream          = r->stream;
	(*out)->timeout_ms      = r->timeout_ms;
	(*out)->capture_console = r->console;
	return SSRD_OK;
}

static void
do_render(struct ictx *ic, ssrd_msg *m)
{
	ssrd_job   *job;
	const char *why;
	int         rv = make_job(ic->ipc, &m->renders[0], &job, &why);
	if (rv != SSRD_OK) {
		reply_error(ic, m->id, "render", rv, why);
		return;
	}
	struct single *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		ssrd__job_free(job);
		reply_error(ic, m->id, "render", SSRD_ENOMEM, "out of memory");
		return;
	}
	s->ic     = ic;
	s->id     = m->id;
	m->id     = NULL;
	job->done = single_done;
	job->arg  = s;
	rv        = ssrd__pool_submit(ic->ipc->pool, job);
	if (rv != SSRD_OK) {
		ssrd__job_free(job);
		reply_error(ic, s->id, "render", rv,
		    rv == SSRD_EOVERLOAD
		        ? "too many renders queued; retry later"
		        : "ssrd is shutting down");
		free(s->id);
		free(s);
	}
}

/* ---- batch ---- */

struct batch {
	struct ictx    *ic;
	char           *id;
	pthread_mutex_t mu;
	size_t          n, left;
	ssrd_job      **jobs; /* NULL where the job could not be made */
	int            *errs; /* the error of those */
	const char    **whys;
};

static void
batch_finish(struct batch *bt)
{
	ssrd_strbuf b = { 0 };
	ssrd__proto_reply_batch_open(&b, bt->id);
	size_t total = 0;
	for (size_t i = 0; i < bt->n; i++) {
		ssrd_job *job = bt->jobs[i];
		int       err = job ? job->err : bt->errs[i];
		if (err == SSRD_OK) {
			ssrd_proto_timings t = job_timings(job);
			ssrd__proto_reply_batch_item(&b, i, 1, job->status,
			    NULL, NULL, NULL, &t, job->html_len);
			total += job->html_len;
		} else {
			const char *text = job ? job->error_text : bt->whys[i];
			const char *stack;
			char       *msg
			    = ssrd__proto_split_error(text ? text : "", &stack);
			/* a job that ran has timings; one refused did not */
			ssrd_proto_timings t = job ? job_timings(job)
			                           : (ssrd_proto_timings) { 0 };
			ssrd__proto_reply_batch_item(&b, i, 0,
			    ssrd_err_http_status(err), ssrd_err_name(err),
			    msg ? msg : "", err == SSRD_EJS ? stack : NULL,
			    job ? &t : NULL, 0);
			free(msg);
		}
	}
	ssrd__proto_reply_batch_close(&b, total);
	/* the bodies, in order, after the header */
	for (size_t i = 0; i < bt->n; i++) {
		if (bt->jobs[i] != NULL && bt->jobs[i]->err == SSRD_OK) {
			ssrd__strbuf_append(
			    &b, bt->jobs[i]->html, bt->jobs[i]->html_len);
		}
	}
	send_reply(bt->ic, &b, NULL, 0);
	for (size_t i = 0; i < bt->n; i++) {
		if (bt->jobs[i] != NULL) {
			ssrd_render_rec rec;
			ssrd__render_rec_job(&rec, bt->jobs[i], "ipc");
			ssrd__stats_finish(&rec);
		}
		ssrd__job_free(bt->jobs[i]);
	}
	pthread_mutex_destroy(&bt->mu);
	free(bt->jobs);
	free(bt->errs);
	free(bt->whys);
	free(bt->id);
	free(bt);
}

/* One fewer job to wait for; the last one sends the reply. */
static void
batch_release(struct batch *bt)
{
	pthread_mutex_lock(&bt->mu);
	int last = --bt->left == 0;
	pthread_mutex_unlock(&bt->mu);
	if (last) {
		batch_finish(bt);
	}
}

static void
batch_job_done(ssrd_job *job, void *arg)
{
	(void) job; /* kept in bt->jobs until the reply is sent */
	batch_release(arg);
}

static void
do_batch(struct ictx *ic, ssrd_msg *m)
{
	struct batch *bt = calloc(1, sizeof(*bt));
	size_t        n  = m->nrenders;
	if (bt == NULL || (bt->jobs = calloc(n, sizeof(*bt->jobs))) == NULL
	    || (bt->errs = calloc(n, sizeof(int))) == NULL
	    || (bt->whys = calloc(n, sizeof(char *))) == NULL) {
		if (bt != NULL) {
			free(bt->jobs);
			free(bt->errs);
		}
		free(bt);
		reply_error(ic, m->id, "batch", SSRD_ENOMEM, "out of memory");
		return;
	}
	pthread_mutex_init(&bt->mu, NULL);
	bt->ic   = ic;
	bt->id   = m->id;
	m->id    = NULL;
	bt->n    = n;
	bt->left = n + 1; /* + 1 until every job is submitted */
	for (size_t i = 0; i < n; i++) {
		ssrd_job *job;
		int rv = make_job(ic->ipc, &m->renders[i], &job, &bt->whys[i]);
		if (rv == SSRD_OK) {
			job->done   = batch_job_done;
			job->arg    = bt;
			bt->jobs[i] = job;
			rv          = ssrd__pool_submit(ic->ipc->pool, job);
			if (rv != SSRD_OK) {
				ssrd__job_free(job);
				bt->jobs[i] = NULL;
				bt->whys[i] = rv == SSRD_EOVERLOAD
				    ? "too many renders queued; retry later"
				    : "ssrd is shutting down";
			}
		}
		if (rv != SSRD_OK) {
			bt->errs[i] = rv;
			batch_release(bt); /* this one is done already */
		}
	}
	batch_release(bt);
}

/* ---- streams ---- */

static void
stream_unref(struct stream *st)
{
	pthread_mutex_lock(&st->mu);
	int last = --st->refs == 0;
	pthread_mutex_unlock(&st->mu);
	if (last) {
		ssrd__strbuf_free(&st->pending);
		free(st->error_text);
		free(st->waiter_id);
		pthread_mutex_destroy(&st->mu);
		free(st);
	}
}

/* Takes st out of the table (once); drops the table's reference. */
static void
stream_remove(ssrd_ipc *ipc, struct stream *st)
{
	int found = 0;
	pthread_mutex_lock(&ipc->mu);
	for (struct stream **pp = &ipc->streams; *pp != NULL;
	     pp                 = &(*pp)->next) {
		if (*pp == st) {
			*pp   = st->next;
			found = 1;
			break;
		}
	}
	pthread_mutex_unlock(&ipc->mu);
	if (found) {
		stream_unref(st);
	}
}

/*
 * Answers the waiting pull (st->mu held) when there is output or the end.
 * Returns 1 if that was the stream's last reply (the caller removes it).
 */
static int
stream_flush(struct stream *st)
{
	if (st->waiter == NULL || (st->pending.len == 0 && !st->ended)) {
		return 0;
	}
	struct ictx *ic = st->waiter;
	char        *id = st->waiter_id;
	st->waiter      = NULL;
	st->waiter_id   = NULL;
	if (st->seq == 0 && st->ended && st->err != SSRD_OK
	    && st->pending.len == 0) {
		/* failed before any output: a plain error reply */
		reply_error(ic, id, "stream", st->err, st->error_text);
		free(id);
		ssrd__stats_finish(&st->rec);
		return 1;
	}
	ssrd_strbuf b   = { 0 };
	int         end = st->ended;
	ssrd__proto_reply_chunk(&b, id, st->id, st->seq++, end,
	    end && st->err != SSRD_OK ? ssrd_err_name(st->err) : NULL,
	    st->error_text ? st->error_text : "", st->pending.len);
	send_reply(ic, &b, st->pending.ptr, st->pending.len);
	st->pending.len = 0;
	free(id);
	if (end) {
		ssrd__stats_finish(&st->rec);
	}
	return end;
}

static void
stream_chunk(ssrd_job *job, const char *data, size_t len, void *arg)
{
	struct stream *st = arg;
	pthread_mutex_lock(&st->mu);
	ssrd__strbuf_append(&st->pending, data, len);
	/* the last bytes wait for done, to leave with end set */
	int last = job->final_chunk ? 0 : stream_flush(st);
	pthread_mutex_unlock(&st->mu);
	if (last) {
		stream_remove(st->ipc, st);
	}
}

static void
stream_done(ssrd_job *job, void *arg)
{
	struct stream *st = arg;
	pthread_mutex_lock(&st->mu);
	st->ended = 1;
	ssrd__render_rec_job(&st->rec, job, "ipc");
	st->err         = job->err;
	st->error_text  = job->error_text;
	job->error_text = NULL;
	st->job         = NULL;
	int last        = stream_flush(st);
	pthread_mutex_unlock(&st->mu);
	ssrd__job_free(job);
	if (last) {
		stream_remove(st->ipc, st);
	}
	stream_unref(st); /* the job's reference */
}

/* A new stream id: "s-" and 128 bits from the kernel's random source, as 32
 * hex digits. Returns SSRD_OK, or SSRD_ESYS if there were none to be had. */
static int
stream_id(char *out, size_t len)
{
	unsigned char r[16];
	size_t        got = 0;
	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
		if (n <= 0) {
			return SSRD_ESYS;
		}
		got += (size_t) n;
	}
	size_t o = (size_t) snprintf(out, len, "s-");
	for (size_t i = 0; i < sizeof(r) && o + 2 < len; i++) {
		o += (size_t) snprintf(out + o, len - o, "%02x", r[i]);
	}
	return SSRD_OK;
}

static void
do_stream(struct ictx *ic, ssrd_msg *m, uint32_t pipe)
{
	ssrd_ipc      *ipc = ic->ipc;
	ssrd_job      *job;
	const char    *why;
	struct stream *st = calloc(1, sizeof(*st));
	if (st != NULL && stream_id(st->id, sizeof(st->id)) != SSRD_OK) {
		free(st);
		reply_error(ic, m->id, "stream", SSRD_ESYS,
		    "no random bytes for a stream id (getrandom failed)");
		return;
	}
	int rv = st ? make_job(ipc, &m->renders[0], &job, &why) : SSRD_ENOMEM;
	if (rv != SSRD_OK) {
		free(st);
		reply_error(
		    ic, m->id, "stream", rv, st ? why : "out of memory");
		return;
	}
	pthread_mutex_init(&st->mu, NULL);
	st->pipe         = pipe;
	st->ipc          = ipc;
	st->job          = job;
	st->refs         = 2;
	st->waiter       = ic; /* the first reply carries the shell */
	st->waiter_id    = m->id;
	m->id            = NULL;
	st->last_pull_ms = ssrd__now_ms();
	job->stream      = 1;
	job->chunk       = stream_chunk;
	job->done        = stream_done;
	job->arg         = st;
	pthread_mutex_lock(&ipc->mu);
	st->next     = ipc->streams;
	ipc->streams = st;
	pthread_mutex_unlock(&ipc->mu);
	rv = ssrd__pool_submit(ipc->pool, job);
	if (rv != SSRD_OK) {
		char *id      = st->waiter_id;
		st->waiter    = NULL;
		st->waiter_id = NULL;
		st->job       = NULL;
		ssrd__job_free(job);
		stream_remove(ipc, st);
		stream_unref(st); /* the job's */
		reply_error(ic, id, "stream", rv,
		    rv == SSRD_EOVERLOAD
		        ? "too many renders queued; retry later"
		        : "ssrd is shutting down");
		free(id);
	}
}

/* The stream named by id that the connection pipe opened, with a reference,
 * or NULL: another connection's stream is not found. */
static struct stream *
stream_find(ssrd_ipc *ipc, const char *id, uint32_t pipe)
{
	pthread_mutex_lock(&ipc->mu);
	struct stream *st = ipc->streams;
	while (st != NULL && (strcmp(st->id, id) != 0 || st->pipe != pipe)) {
		st = st->next;
	}
	if (st != NULL) {
		pthread_mutex_lock(&st->mu);
		st->refs++;
		pthread_mutex_unlock(&st->mu);
	}
	pthread_mutex_unlock(&ipc->mu);
	return st;
}

/* What a pull or cancel of an unknown stream, or of another connection's,
 * is told: the same, so that no caller learns of others' streams. */
#define NO_SUCH_STREAM                                                         \
	"no such stream on this connection (it ended, was cancelled, never "   \
	"began, or was opened on another connection: pull on the one that "    \
	"opened it)"

static void
do_pull(struct ictx *ic, ssrd_msg *m, uint32_t pipe)
{
	struct stream *st = stream_find(ic->ipc, m->stream, pipe);
	if (st == NULL) {
		reply_error(ic, m->id, "pull", SSRD_ENOENT, NO_SUCH_STREAM);
		return;
	}
	pthread_mutex_lock(&st->mu);
	if (st->waiter != NULL) {
		pthread_mutex_unlock(&st->mu);
		reply_error(ic, m->id, "pull", SSRD_EBADREQ,
		    "a pull for this stream is already waiting");
		stream_unref(st);
		return;
	}
	st->waiter       = ic;
	st->waiter_id    = m->id;
	m->id            = NULL;
	st->last_pull_ms = ssrd__now_ms();
	int last         = stream_flush(st);
	pthread_mutex_unlock(&st->mu);
	if (last) {
		stream_remove(ic->ipc, st);
	}
	stream_unref(st);
}

/* Stops a stream: its render is cancelled, its worker freed. */
static void
stream_cancel(ssrd_ipc *ipc, struct stream *st, const char *why)
{
	pthread_mutex_lock(&st->mu);
	if (st->job != NULL) {
		ssrd__pool_cancel(ipc->pool, st->job);
	}
	struct ictx *waiter = st->waiter;
	char        *id     = st->waiter_id;
	st->waiter          = NULL;
	st->waiter_id       = NULL;
	pthread_mutex_unlock(&st->mu);
	if (waiter != NULL) {
		reply_error(waiter, id, "pull", SSRD_ECLOSED, why);
	}
	free(id);
	stream_remove(ipc, st);
}

static void
do_cancel(struct ictx *ic, ssrd_msg *m, uint32_t pipe)
{
	struct stream *st = stream_find(ic->ipc, m->stream, pipe);
	if (st == NULL) {
		reply_error(ic, m->id, "cancel", SSRD_ENOENT, NO_SUCH_STREAM);
		return;
	}
	stream_cancel(ic->ipc, st, "the stream was cancelled");
	stream_unref(st);
	ssrd_strbuf b = { 0 };
	ssrd__proto_reply_ok(&b, m->id, "cancel", 0);
	send_reply(ic, &b, NULL, 0);
}

/* Every half second: streams nobody has pulled for stream_idle_ms are
 * cancelled, so a caller that walked away frees its worker. */
static void
reap(void *arg)
{
	ssrd_ipc *ipc = arg;
	if (nng_aio_result(ipc->reaper) != 0) {
		return; /* stopped */
	}
	double now = ssrd__now_ms();
	for (;;) {
		struct stream *idle = NULL;
		pthread_mutex_lock(&ipc->mu);
		for (struct stream *st = ipc->streams; st != NULL;
		     st                = st->next) {
			pthread_mutex_lock(&st->mu);
			int is_idle = st->waiter == NULL
			    && now - st->last_pull_ms
			        > ipc->opts.stream_idle_ms;
			if (is_idle) {
				st->refs++;
				idle = st;
			}
			pthread_mutex_unlock(&st->mu);
			if (idle != NULL) {
				break;
			}
		}
		pthread_mutex_unlock(&ipc->mu);
		if (idle == NULL) {
			break;
		}
		ssrd__log(SSRD_LOG_WARN, "stream_abandoned",
		    "stream=%s idle_ms=%.0f", idle->id,
		    now - idle->last_pull_ms);
		stream_cancel(ipc, idle, "abandoned");
		stream_unref(idle);
	}
	nng_sleep_aio(500, ipc->reaper);
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
		reply_error(ic, m->id, "diagnose", SSRD_EBADREQ,
		    "diagnose is answered on the daemon's ipc:// addresses, "
		    "or on tcp:// with the configured admin_token: connect to "
		    "one (ssrd diagnose --connect ipc:///PATH) or pass "
		    "--token");
		return;
	}
	ssrd_strbuf body = { 0 }, b = { 0 };
	ssrd__diagnose(src, m->text, &body);
	ssrd__proto_reply_ok(&b, m->id, "diagnose", body.len);
	send_reply(ic, &b, body.ptr, body.len);
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
		reply_error(ic, NULL, "error", SSRD_EBADREQ, text);
		return;
	}
	int rv = ssrd__proto_decode(
	    buf, len, ipc->opts.max_batch, &m, why, sizeof(why));
	if (rv != SSRD_OK) {
		char *q = ssrd__log_quote(why, strlen(why));
		ssrd__log(SSRD_LOG_WARN, "bad_request", "bytes=%zu reason=%s",
		    len, q ? q : "\"\"");
		free(q);
		reply_error(ic, m.id, "error",
		    rv == SSRD_ENOMEM ? SSRD_ENOMEM : SSRD_EBADREQ, why);
		ssrd__proto_msg_clear(&m);
		return;
	}
	switch (m.kind) {
	case SSRD_MSG_RENDER:
		do_render(ic, &m);
		break;
	case SSRD_MSG_BATCH:
		do_batch(ic, &m);
		break;
	case SSRD_MSG_STREAM:
		do_stream(ic, &m, pipe);
		break;
	case SSRD_MSG_PULL:
		do_pull(ic, &m, pipe);
		break;
	case SSRD_MSG_CANCEL:
		do_cancel(ic, &m, pipe);
		break;
	case SSRD_MSG_PING: {
		ssrd_strbuf b = { 0 };
		ssrd__proto_reply_ok(&b, m.id, "ping", 0);
		send_reply(ic, &b, NULL, 0);
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
    const char *const *hosts, ssrd_reloader *const *sites, size_t nsites,
    ssrd_ipc **out, char *errbuf, size_t errlen)
{
	ssrd_ipc *ipc = calloc(1, sizeof(*ipc));
	if (ipc == NULL) {
		return SSRD_ENOMEM;
	}
	pthread_mutex_init(&ipc->mu, NULL);
	ipc->opts   = *opts;
	ipc->pool   = pool;
	ipc->nsites = nsites;
	ipc->sites  = calloc(nsites, sizeof(*ipc->sites));
	ipc->hosts  = calloc(nsites, sizeof(*ipc->hosts));
	ipc->ctxs   = calloc((size_t) opts->contexts, sizeof(*ipc->ctxs));
	if (ipc->sites == NULL || ipc->hosts == NULL || ipc->ctxs == NULL) {
		ssrd__ipc_free(ipc);
		return SSRD_ENOMEM;
	}
	for (size_t i = 0; i < nsites; i++) {
		ipc->sites[i] = sites[i];
		ipc->hosts[i] = hosts[i] ? strdup(hosts[i]) : NULL;
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
		rv = nng_aio_alloc(&ipc->reaper, reap, ipc);
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
	pthread_mutex_lock(&ipc->mu);
	for (struct stream *st = ipc->streams; st != NULL; st = st->next) {
		n++;
	}
	pthread_mutex_unlock(&ipc->mu);
	return n;
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
	while (ipc->streams != NULL) {
		struct stream *st = ipc->streams;
		ipc->streams      = st->next;
		stream_unref(st);
	}
	for (size_t i = 0; ipc->hosts != NULL && i < ipc->nsites; i++) {
		free(ipc->hosts[i]);
	}
	free(ipc->hosts);
	free(ipc->sites);
	free(ipc->ctxs);
	pthread_mutex_destroy(&ipc->mu);
	free(ipc);
}
