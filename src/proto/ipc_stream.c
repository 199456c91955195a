/* ipc_stream.c: the protocol server's streams — a render whose output the
 * caller pulls chunk by chunk, kept in a table between pulls, cancelled on
 * request or when nobody pulls it for stream_idle_ms. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <nng/nng.h>

#include <ssrd/errors.h>

#include "core/log.h"
#include "core/strbuf.h"
#include "core/timers.h"
#include "diag/stats.h"
#include "proto/ipc_impl.h"
#include "proto/proto.h"

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

/* Drops a reference; the last frees the stream. */
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
		ssrd__ipc_reply_error(
		    ic, id, "stream", st->err, st->error_text, NULL);
		free(id);
		ssrd__stats_finish(&st->rec);
		return 1;
	}
	ssrd_strbuf b   = { 0 };
	int         end = st->ended;
	ssrd__proto_reply_chunk(&b, id, st->id, st->seq++, end,
	    end && st->err != SSRD_OK ? ssrd_err_name(st->err) : NULL,
	    st->error_text ? st->error_text : "", st->pending.len);
	ssrd__ipc_send_reply(ic, &b, st->pending.ptr, st->pending.len);
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

void
ssrd__ipc_stream(struct ictx *ic, ssrd_msg *m, uint32_t pipe)
{
	ssrd_ipc      *ipc = ic->ipc;
	ssrd_job      *job;
	const char    *why;
	struct stream *st = calloc(1, sizeof(*st));
	if (st != NULL && stream_id(st->id, sizeof(st->id)) != SSRD_OK) {
		free(st);
		ssrd__ipc_reply_error(ic, m->id, "stream", SSRD_ESYS,
		    "no random bytes for a stream id (getrandom failed)", NULL);
		return;
	}
	int rv = st ? ssrd__ipc_make_job(ipc, &m->renders[0], &job, &why)
	            : SSRD_ENOMEM;
	if (rv != SSRD_OK) {
		free(st);
		ssrd__ipc_reply_error(
		    ic, m->id, "stream", rv, st ? why : "out of memory", NULL);
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
		ssrd__ipc_reply_error(
		    ic, id, "stream", rv, ssrd__ipc_refused_why(rv), NULL);
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

void
ssrd__ipc_pull(struct ictx *ic, ssrd_msg *m, uint32_t pipe)
{
	struct stream *st = stream_find(ic->ipc, m->stream, pipe);
	if (st == NULL) {
		ssrd__ipc_reply_error(
		    ic, m->id, "pull", SSRD_ENOENT, NO_SUCH_STREAM, NULL);
		return;
	}
	pthread_mutex_lock(&st->mu);
	if (st->waiter != NULL) {
		pthread_mutex_unlock(&st->mu);
		ssrd__ipc_reply_error(ic, m->id, "pull", SSRD_EBADREQ,
		    "a pull for this stream is already waiting", NULL);
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
		ssrd__ipc_reply_error(
		    waiter, id, "pull", SSRD_ECLOSED, why, NULL);
	}
	free(id);
	stream_remove(ipc, st);
}

void
ssrd__ipc_cancel(struct ictx *ic, ssrd_msg *m, uint32_t pipe)
{
	struct stream *st = stream_find(ic->ipc, m->stream, pipe);
	if (st == NULL) {
		ssrd__ipc_reply_error(
		    ic, m->id, "cancel", SSRD_ENOENT, NO_SUCH_STREAM, NULL);
		return;
	}
	stream_cancel(ic->ipc, st, "the stream was cancelled");
	stream_unref(st);
	ssrd_strbuf b = { 0 };
	ssrd__proto_reply_ok(&b, m->id, "cancel", 0);
	ssrd__ipc_send_reply(ic, &b, NULL, 0);
}

/* Every half second: streams nobody has pulled for stream_idle_ms are
 * cancelled, so a caller that walked away frees its worker. */
void
ssrd__ipc_reap(void *arg)
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

size_t
ssrd__ipc_streams_count(ssrd_ipc *ipc)
{
	size_t n = 0;
	pthread_mutex_lock(&ipc->mu);
	for (struct stream *st = ipc->streams; st != NULL; st = st->next) {
		n++;
	}
	pthread_mutex_unlock(&ipc->mu);
	return n;
}

void
ssrd__ipc_streams_free(ssrd_ipc *ipc)
{
	while (ipc->streams != NULL) {
		struct stream *st = ipc->streams;
		ipc->streams      = st->next;
		stream_unref(st);
	}
}
