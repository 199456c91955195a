/* httpstream.c: HTTP responses written as a render streams: one sized reply
 * when the page comes whole, else chunked on a connection taken over. The
 * worker thread queues bytes; one nng write at a time drains them, so a slow
 * client never blocks a worker (its bytes wait here instead, up to a bound:
 * a client that stops reading is cut off). And big shared replies (cached
 * pages) written without a copy per connection. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/compress.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/timers.h"
#include "diag/stats.h"
#include "http/http_reply.h"
#include "http/http_request.h"
#include "http/httpstream.h"
#include "http/httpstream_impl.h"
#include "http/response.h"

/* The most one write hands nng: the send timeout is then a bound on how
 * long a client may take no part of the reply. */
#define WRITE_PIECE (64 * 1024)

/* A page that comes whole is sent whole, through nng's server, up to this
 * size; a bigger one is written here, within the budget and send timeout,
 * since nng's own writes have neither: a client that does not read would
 * hold the whole page. */
#define WHOLE_REPLY_MAX (64 * 1024)

/*
 * One streamed response. Invariants: at most one write is in flight
 * (inflight), of a piece of writing from woff on; queued holds what comes
 * next; the struct is freed by whichever of "the render is done" and "the
 * last write completed" happens last.
 */
struct stream {
	pthread_mutex_t mu;
	/* The request's handler aio, until the reply is sent whole through
	 * it or the connection is taken over (then conn is set, and req is
	 * ours) */
	nng_aio       *haio;
	nng_http_conn *conn;
	nng_http_req  *req;
	nng_aio       *aio; /* the write in flight */
	ssrd_pool     *pool;
	ssrd_job      *job;    /* NULL once done */
	ssrd_strbuf    queued; /* not yet written (before the take-over: the
	                          page so far, unframed, for a sized reply) */
	ssrd_strbuf writing;   /* being written */
	size_t      woff;      /* bytes of writing written */
	int         inflight;  /* a write is under way */
	/* the budget of unsent output (under budget_mu): on its list while it
	 * holds some (charged bytes), when the client last took any, and
	 * whether it was picked to be cut off */
	struct stream   *bprev, *bnext;
	int              listed;
	size_t           charged;
	double           progress_ms;
	int              cut;
	int              head; /* HEAD: headers only, sized (never streamed) */
	int              started; /* the status line has been queued */
	int              done;   /* the render is over, the last bytes queued */
	int              failed; /* the client went away */
	uint64_t         id;
	ssrd_cache_fill *fill; /* the response cache's copy, or NULL */
	/* A read kept pending on the connection: it fails when the client
	 * goes away, even while the render waits for data and writes nothing.
	 */
	nng_aio       *raio;
	char           rbuf[256];
	struct stream *reap_next; /* on the destroying thread's list */
	/* the coding the client takes best, and once streaming in one, one
	 * coded stream over the chunks, flushed at each so the browser can
	 * show what has come (NULL: identity) */
	ssrd_coding   coding;
	ssrd_zstream *z;
	/* the server's limits, copied, and its policy, retained: a stopping
	 * server may be freed while a render still streams here */
	ssrd_httpstream_opts        opts;
	const ssrd_httpstream_opts *o;   /* &opts */
	ssrd_render_rec             rec; /* the render's figures, once done */
	int counted; /* rec is filled: count it when freed */
};

static void stream_write_done(void *arg);

/* Streams submitted and not yet freed (their last byte written or their
 * client gone), process-wide: a drain waits for them. */
atomic_long ssrd__httpstream_count;

size_t
ssrd__httpstream_live(void)
{
	long n = atomic_load(&ssrd__httpstream_count);
	return n > 0 ? (size_t) n : 0;
}

/* Queues the head of the reply r says (the one builder's, response.h),
 * on a connection that closes after it. */
static void
queue_head(struct stream *s, ssrd_http_reply *r)
{
	ssrd_http_head h;
	r->close = 1;
	ssrd__http_head_build(s->o->policy, r, &h);
	ssrd__http_head_write(&h, &s->queued);
	s->started = 1;
}

/* The page's head, with its first chunk: its status, what it says of
 * caching (the page's policy, and whether ssrd's cache was asked: a miss,
 * since this one renders), Vary, and gzip when the client takes it. */
static void
page_head(struct stream *s, const ssrd_job *job)
{
	s->z              = ssrd__zstream_new(s->coding);
	ssrd_http_reply r = {
		.status     = job->status,
		.type       = "text/html; charset=utf-8",
		.unbuffered = 1,
		.caching    = SSRD_HTTP_CACHE_PAGE,
		.max_age    = job->cache_ttl,
		.swr        = job->cache_swr,
		.cache_state
		= s->fill != NULL && job->cache_ttl > 0 ? "miss" : NULL,
		.vary    = 1,
		.link    = ssrd__site_preload(job->site, job->route),
		.coding  = s->z != NULL ? s->coding : SSRD_CODING_IDENTITY,
		.framing = SSRD_HTTP_CHUNKED,
	};
	queue_head(s, &r);
}

/* Appends len bytes to s's queue as one HTTP chunk. */
static void
queue_chunk(void *arg, const char *data, size_t len)
{
	struct stream *s = arg;
	if (len > 0) {
		ssrd__strbuf_printf(&s->queued, "%zx\r\n", len);
		ssrd__strbuf_append(&s->queued, data, len);
		ssrd__strbuf_puts(&s->queued, "\r\n");
	}
}

static void give_up(struct stream *s);

/* Appends len bytes as HTTP chunks, coded when the reply is (flushed after
 * each batch; finish: the coded stream's end). s->mu held. */
static void
body_chunk(struct stream *s, const char *data, size_t len, int finish)
{
	if (s->z == NULL) {
		queue_chunk(s, data, len);
	} else if (ssrd__zstream_write(s->z, data, len, finish, queue_chunk, s)
	    != 0) {
		/* the coder failed (memory): what follows could not be read */
		ssrd__log(SSRD_LOG_ERROR, "compress_failed",
		    "render=%llu coding=%s", (unsigned long long) s->id,
		    ssrd__coding_name(s->coding));
		give_up(s);
	}
}

void
ssrd__httpstream_take(nng_aio *aio, nng_http_conn **conn, nng_http_req **req)
{
	*conn = nng_aio_get_input(aio, 2);
	*req  = nng_aio_get_input(aio, 0);
	nng_http_hijack(*conn);
	nng_aio_set_output(aio, 0, NULL);
	nng_aio_finish(aio, 0);
}

nng_duration
ssrd__httpstream_send_timeout(const ssrd_httpstream_opts *o)
{
	return o->send_timeout_ms > 0 ? o->send_timeout_ms
	                              : NNG_DURATION_INFINITE;
}

/* Starts the next write if none is running (s->mu held): a piece of what
 * is being written, or of what queued since. Returns 1 if s is finished
 * and must be freed by the caller. */
static int
kick(struct stream *s)
{
	if (s->conn == NULL || s->inflight) {
		return 0;
	}
	if (s->failed) {
		return s->done;
	}
	if (s->woff == s->writing.len) {
		if (s->queued.len == 0) {
			return s->done;
		}
		ssrd_strbuf t = s->writing;
		s->writing    = s->queued;
		s->queued     = t;
		s->queued.len = 0;
		s->woff       = 0;
	}
	size_t  n = s->writing.len - s->woff;
	nng_iov iov
	    = { s->writing.ptr + s->woff, n < WRITE_PIECE ? n : WRITE_PIECE };
	nng_aio_set_iov(s->aio, 1, &iov);
	nng_aio_set_timeout(s->aio, ssrd__httpstream_send_timeout(s->o));
	s->inflight = 1;
	nng_http_conn_write(s->conn, s->aio);
	return 0;
}

/* Output the client has not taken yet, malloc'd here (s->mu held). */
static size_t
backlog(const struct stream *s)
{
	return s->queued.len + (s->writing.len - s->woff);
}

/*
 * The budget: the unsent output of every streamed reply, process-wide, may
 * not pass o->buffer_max. React cannot be paused mid-page, so a page is
 * rendered whole whatever its client does, and a client that does not read
 * would hold it all; past the budget, the reply whose client has gone
 * longest without taking anything is cut off (its render cancelled, what
 * it held freed). Clients that read hold little, and only for a moment.
 */
static pthread_mutex_t budget_mu = PTHREAD_MUTEX_INITIALIZER;
static struct stream  *budget_list; /* streams holding unsent output */
static size_t          budget_total;

static void
budget_unlink(struct stream *s)
{
	if (!s->listed) {
		return;
	}
	if (s->bprev != NULL) {
		s->bprev->bnext = s->bnext;
	} else {
		budget_list = s->bnext;
	}
	if (s->bnext != NULL) {
		s->bnext->bprev = s->bprev;
	}
	s->bprev = s->bnext = NULL;
	s->listed           = 0;
}

/*
 * Charges s (s->mu held) with what it holds unsent now; past the budget,
 * picks the reply to cut off: another one has its write aborted and cuts
 * itself off in its callback. Returns 1 if s itself is the one.
 */
static int
budget_update(struct stream *s)
{
	size_t held = s->failed ? 0 : backlog(s);
	int    self = 0;
	pthread_mutex_lock(&budget_mu);
	size_t now   = s->cut ? 0 : held;
	budget_total = budget_total - s->charged + now;
	s->charged   = now;
	if (now > 0 && !s->listed) {
		s->bnext = budget_list;
		if (budget_list != NULL) {
			budget_list->bprev = s;
		}
		budget_list = s;
		s->listed   = 1;
		if (s->progress_ms == 0) {
			s->progress_ms = ssrd__now_ms();
		}
	} else if (now == 0) {
		budget_unlink(s);
	}
	while (s->o->buffer_max > 0 && budget_total > s->o->buffer_max) {
		struct stream *v = NULL;
		for (struct stream *t = budget_list; t != NULL; t = t->bnext) {
			if (!t->cut
			    && (v == NULL || t->progress_ms < v->progress_ms)) {
				v = t;
			}
		}
		if (v == NULL) {
			break;
		}
		v->cut = 1;
		/* no longer counted: it frees what it holds at once */
		budget_total -= v->charged;
		v->charged = 0;
		budget_unlink(v);
		if (v == s) {
			self = 1;
		} else {
			/* v cannot be destroyed meanwhile: destroy unlinks it
			 * under budget_mu first. Its callback runs on nng's
			 * thread, not here. */
			nng_aio_abort(v->aio, NNG_ECANCELED);
		}
	}
	pthread_mutex_unlock(&budget_mu);
	return self;
}

/* The client reads more slowly than the pages render, with the budget of
 * unsent output spent (s->mu held): it is cut off, its render cancelled,
 * and what waited for it freed. */
static void
cut_off(struct stream *s)
{
	ssrd__log(SSRD_LOG_WARN, "client_too_slow",
	    "render=%llu unsent_kb=%zu budget_mb=%zu",
	    (unsigned long long) s->id, backlog(s) >> 10,
	    s->o->buffer_max >> 20);
	give_up(s);
}

/* Ends s's reply where it is (s->mu held): its render cancelled, what
 * waited to be sent freed, the connection closed once the write in flight
 * is stopped. */
static void
give_up(struct stream *s)
{
	s->failed = 1;
	if (s->job != NULL) {
		ssrd__pool_cancel(s->pool, s->job);
	}
	ssrd__strbuf_free(&s->queued);
	if (s->inflight) {
		nng_aio_abort(s->aio, NNG_ECANCELED);
	}
	(void) budget_update(s);
}

static void
stream_destroy(struct stream *s)
{
	/* off the budget's list before anything goes: see budget_update */
	pthread_mutex_lock(&budget_mu);
	budget_total -= s->charged;
	budget_unlink(s);
	pthread_mutex_unlock(&budget_mu);
	/* The pending read first: closing the connection frees it, and a
	 * read still queued on it would be completed on freed memory. */
	nng_aio_stop(s->raio); /* waits for its callback: see stream_free */
	if (s->conn != NULL) {
		nng_http_conn_close(s->conn);
	}
	nng_aio_free(s->raio);
	ssrd__zstream_free(s->z);
	if (s->req != NULL) {
		nng_http_req_free(s->req);
	}
	nng_aio_reap(s->aio); /* may still be in its own callback */
	ssrd__strbuf_free(&s->queued);
	ssrd__strbuf_free(&s->writing);
	ssrd__http_policy_release(s->opts.policy);
	pthread_mutex_destroy(&s->mu);
	free(s);
	atomic_fetch_sub(&ssrd__httpstream_count, 1);
}

/*
 * Finished streams are destroyed on a thread of ssrd's own. Destroying one
 * waits for its pending read's callback (nng_aio_stop), which runs on one
 * of nng's few task threads; done on a task thread itself (a write's
 * callback) that wait needed another task thread free, and with 64 clients
 * every task thread waited so: the HTTP front deadlocked for good.
 */
static pthread_mutex_t reap_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  reap_cv = PTHREAD_COND_INITIALIZER;
static struct stream  *reap_head;
static int             reaper_up;
static pthread_once_t  reap_once = PTHREAD_ONCE_INIT;

static void *
reaper_main(void *arg)
{
	(void) arg;
	pthread_setname_np(pthread_self(), "ssrd-streams");
	pthread_mutex_lock(&reap_mu);
	for (;;) {
		while (reap_head == NULL) {
			pthread_cond_wait(&reap_cv, &reap_mu);
		}
		struct stream *s = reap_head;
		reap_head        = s->reap_next;
		pthread_mutex_unlock(&reap_mu);
		stream_destroy(s);
		pthread_mutex_lock(&reap_mu);
	}
	return NULL;
}

static void
reaper_start(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, reaper_main, NULL) == 0) {
		pthread_detach(t);
		reaper_up = 1;
	}
}

/* The reply's last byte is written (or the client is gone): its render is
 * counted, and the stream goes. */
static void
stream_free(struct stream *s)
{
	if (s->counted) {
		ssrd__stats_finish(&s->rec);
	}
	if (s->conn == NULL) {
		/* never took the connection over: no read pending on it, and
		 * nothing to wait for */
		stream_destroy(s);
		return;
	}
	pthread_once(&reap_once, reaper_start);
	if (!reaper_up) {
		stream_destroy(
		    s); /* no thread: the old way, better than none */
		return;
	}
	pthread_mutex_lock(&reap_mu);
	s->reap_next = reap_head;
	reap_head    = s;
	pthread_cond_signal(&reap_cv);
	pthread_mutex_unlock(&reap_mu);
}

/* The client's side of the connection: bytes it sends after its request
 * are ignored (the reply ends with Connection: close); an error means it is
 * gone, and the render is cancelled. */
static void
stream_read_done(void *arg)
{
	struct stream *s  = arg;
	int            rv = nng_aio_result(s->raio);
	pthread_mutex_lock(&s->mu);
	if (rv == 0 && !s->done && !s->failed) {
		nng_iov iov = { s->rbuf, sizeof(s->rbuf) };
		nng_aio_set_iov(s->raio, 1, &iov);
		nng_http_conn_read(s->conn, s->raio);
	} else if (rv != 0 && rv != NNG_ECANCELED && !s->failed) {
		s->failed = 1;
		if (s->job != NULL) {
			ssrd__pool_cancel(s->pool, s->job);
		}
	}
	pthread_mutex_unlock(&s->mu);
}

static void
stream_write_done(void *arg)
{
	struct stream *s  = arg;
	int            rv = nng_aio_result(s->aio);
	pthread_mutex_lock(&s->mu);
	s->inflight = 0;
	s->woff += rv == 0 ? nng_aio_count(s->aio) : 0;
	if (s->woff >= s->writing.len) {
		s->writing.len = 0;
		s->woff        = 0;
	}
	if (rv == 0 && nng_aio_count(s->aio) > 0) {
		pthread_mutex_lock(&budget_mu);
		s->progress_ms = ssrd__now_ms();
		pthread_mutex_unlock(&budget_mu);
	}
	pthread_mutex_lock(&budget_mu);
	int cut = s->cut;
	pthread_mutex_unlock(&budget_mu);
	if (cut && !s->failed) {
		cut_off(s); /* picked by another reply's budget_update */
	} else if (rv != 0 && !s->failed) {
		/* the client is gone, or took nothing for send_timeout */
		s->failed = 1;
		if (rv == NNG_ETIMEDOUT) {
			ssrd__log(SSRD_LOG_WARN, "client_stalled",
			    "render=%llu timeout_ms=%d",
			    (unsigned long long) s->id, s->o->send_timeout_ms);
		}
		if (s->job != NULL) {
			/* free the worker */
			ssrd__pool_cancel(s->pool, s->job);
		}
	}
	if (s->failed) {
		/* nothing more goes out: what waited for the client goes now,
		 * not when the render is done */
		ssrd__strbuf_free(&s->writing);
		ssrd__strbuf_free(&s->queued);
		s->woff = 0;
	}
	int finished = kick(s);
	(void) budget_update(s);
	pthread_mutex_unlock(&s->mu);
	if (finished) {
		stream_free(s);
	}
}

/* Takes the connection over from nng's server (s->mu held) for a reply
 * streamed as the page renders: the handler's aio is finished with no
 * response, the request is ours, and a read kept pending on the connection
 * notices the client going away. */
static void
take_over(struct stream *s)
{
	ssrd__httpstream_take(s->haio, &s->conn, &s->req);
	s->haio     = NULL;
	nng_iov iov = { s->rbuf, sizeof(s->rbuf) };
	nng_aio_set_iov(s->raio, 1, &iov);
	nng_http_conn_read(s->conn, s->raio);
}

/* Worker thread: a batch of output. */
static void
stream_chunk(ssrd_job *job, const char *data, size_t len, void *arg)
{
	struct stream *s = arg;
	pthread_mutex_lock(&s->mu);
	if (s->fill != NULL) {
		ssrd__cache_fill_chunk(s->fill, data, len);
	}
	if (s->haio != NULL
	    && ((job->final_chunk && len <= WHOLE_REPLY_MAX) || s->head)) {
		/* The whole page at once (it did not suspend), or a HEAD
		 * request (it waits for the whole, to say its length): kept
		 * for one sized reply on a connection that stays open. */
		ssrd__strbuf_append(&s->queued, data, len);
		pthread_mutex_unlock(&s->mu);
		return;
	}
	if (s->haio != NULL) {
		/* the page comes in parts: streamed from this batch on */
		take_over(s);
		page_head(s, job);
	}
	if (!s->failed && len > 0) {
		body_chunk(s, data, len, 0);
	}
	(void) kick(s);
	if (budget_update(s)) {
		cut_off(s);
	}
	pthread_mutex_unlock(&s->mu);
}

/* Worker thread: the render is over. */
static void
stream_done(ssrd_job *job, void *arg)
{
	struct stream *s = arg;
	pthread_mutex_lock(&s->mu);
	if (s->haio != NULL && s->queued.failed && job->err == SSRD_OK) {
		/* the page, kept for one sized reply, did not fit in memory */
		job->err = SSRD_ENOMEM;
	}
	const char *state
	    = s->fill != NULL && job->cache_ttl > 0 ? "miss" : NULL;
	ssrd__http_log_render(job, s->started);
	ssrd__render_rec_job(&s->rec, job, "http");
	s->counted = 1;
	if (s->fill != NULL) {
		ssrd__cache_fill_done(s->fill, job);
		s->fill = NULL;
	}
	if (s->haio != NULL) {
		/* Nothing sent yet and the connection still the server's: the
		 * reply goes whole, sized, and the connection stays open. */
		ssrd__http_reply_render(s->haio, s->o->policy, job,
		    s->queued.ptr, s->queued.len, s->coding, state, s->head);
		s->haio = NULL;
		s->job  = NULL;
		s->done = 1;
		ssrd__job_free(job);
		pthread_mutex_unlock(&s->mu);
		stream_free(s);
		return;
	}
	/* The end of the body. A render stopped part-way (timeout) still
	 * ends cleanly: React has closed its markup and left the pending
	 * boundaries to the client. */
	if (s->z != NULL && !s->failed) {
		body_chunk(s, NULL, 0, 1);
	}
	ssrd__strbuf_puts(&s->queued, "0\r\n\r\n");
	s->job  = NULL;
	s->done = 1;
	ssrd__job_free(job);
	int finished = kick(s);
	pthread_mutex_unlock(&s->mu);
	if (finished) {
		stream_free(s);
	}
}

int
ssrd__httpstream_submit(ssrd_pool *pool, ssrd_job *job, nng_aio *aio, int head,
    ssrd_coding coding, ssrd_cache_fill *fill, const ssrd_httpstream_opts *o)
{
	struct stream *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		return SSRD_ENOMEM;
	}
	pthread_mutex_init(&s->mu, NULL);
	s->fill = fill;
	s->opts = *o;
	s->o    = &s->opts;
	s->pool = pool;
	s->job  = job;
	s->head = head;
	s->id   = job->id;
	if (nng_aio_alloc(&s->aio, stream_write_done, s) != 0
	    || nng_aio_alloc(&s->raio, stream_read_done, s) != 0) {
		nng_aio_free(s->aio);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return SSRD_ENOMEM;
	}
	job->chunk  = stream_chunk;
	job->done   = stream_done;
	job->arg    = s;
	job->stream = 1;
	s->coding   = coding;
	pthread_mutex_lock(&s->mu);
	atomic_fetch_add(
	    &ssrd__httpstream_count, 1); /* before the job can end */
	int rv = ssrd__pool_submit(pool, job);
	if (rv != SSRD_OK) {
		atomic_fetch_sub(&ssrd__httpstream_count, 1);
		pthread_mutex_unlock(&s->mu);
		job->chunk = NULL;
		job->done  = NULL;
		nng_aio_free(s->aio);
		nng_aio_free(s->raio);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return rv;
	}
	if (s->opts.policy != NULL) {
		/* the stream's own, from now on: released by stream_destroy */
		ssrd__http_policy_retain(s->opts.policy);
	}
	/* The connection stays the server's until the render's first
	 * output shows whether the page comes whole (one sized reply, the
	 * connection kept open) or in parts (the connection taken over). */
	s->haio = aio;
	pthread_mutex_unlock(&s->mu);
	return SSRD_OK;
}
