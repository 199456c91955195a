/* httpstream.c: chunked HTTP responses written as a render streams. The
 * worker thread queues bytes; one nng write at a time drains them, so a slow
 * client never blocks a worker (its bytes wait here instead). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include <ssrd/errors.h>

#include "http.h"
#include "httpstream.h"
#include "log.h"
#include "stats.h"
#include "strbuf.h"

/*
 * One streamed response. Invariants: at most one write is in flight
 * (writing); queued holds what comes next; the struct is freed by whichever
 * of "the render is done" and "the last write completed" happens last.
 */
struct stream {
	pthread_mutex_t  mu;
	nng_http_conn   *conn;
	nng_http_req    *req; /* ours after the hijack */
	nng_aio         *aio; /* the write in flight */
	ssrd_pool       *pool;
	ssrd_job        *job;     /* NULL once done */
	ssrd_strbuf      queued;  /* not yet written */
	ssrd_strbuf      writing; /* being written */
	int              head;    /* HEAD: headers only */
	int              started; /* the status line has been queued */
	int              done;   /* the render is over, the last bytes queued */
	int              failed; /* the client went away */
	uint64_t         id;
	ssrd_cache_fill *fill; /* the response cache's copy, or NULL */
	/* A read kept pending on the connection: it fails when the client
	 * goes away, even while the render waits for data and writes nothing.
	 */
	nng_aio *raio;
	char     rbuf[256];
	struct stream *reap_next; /* on the destroying thread's list */
	/* gzip, when the client takes it: one deflate stream over the chunks,
	 * flushed at each so the browser can show what has come */
	int         gzip;
	int         z_ready;
	z_stream    z;
	const char *vary; /* the Vary header's value */
	ssrd_render_rec rec;     /* the render's figures, once done */
	int             counted; /* rec is filled: count it when freed */
};

static void stream_write_done(void *arg);

/* Streams submitted and not yet freed (their last byte written or their
 * client gone), process-wide: a drain waits for them. */
static atomic_long live_streams;

size_t
ssrd__httpstream_live(void)
{
	long n = atomic_load(&live_streams);
	return n > 0 ? (size_t) n : 0;
}

static void
header_line(const char *name, const char *value, void *arg)
{
	ssrd__strbuf_printf(arg, "%s: %s\r\n", name, value);
}

static void
status_line(struct stream *s, int status, const char *reason, const char *ctype,
    int chunked, size_t len)
{
	ssrd__strbuf_printf(&s->queued,
	    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "X-Accel-Buffering: no\r\nConnection: close\r\n",
	    status, reason, ctype);
	if (status == 503) {
		/* refused (overloaded, shutting down): ask again soon */
		ssrd__strbuf_puts(&s->queued, "Retry-After: 1\r\n");
	}
	ssrd__http_each_header(header_line, &s->queued);
	if (chunked) {
		/* the caller adds its cache headers and ends the block */
		ssrd__strbuf_puts(&s->queued, "Transfer-Encoding: chunked\r\n");
	} else {
		ssrd__strbuf_printf(&s->queued,
		    "Cache-Control: no-store\r\nContent-Length: %zu\r\n\r\n",
		    len);
	}
	s->started = 1;
}

/* What a streamed page says of caching: the page's policy, whether ssrd's
 * cache was asked (a miss, since this one renders), and the Vary header. */
static void
cache_headers(struct stream *s, const ssrd_job *job)
{
	if (job->cache_ttl > 0) {
		ssrd__strbuf_printf(&s->queued,
		    "Cache-Control: public, max-age=%d, "
		    "stale-while-revalidate=%d\r\n",
		    job->cache_ttl, job->cache_swr);
	} else {
		ssrd__strbuf_puts(&s->queued, "Cache-Control: no-store\r\n");
	}
	if (s->fill != NULL && job->cache_ttl > 0) {
		ssrd__strbuf_puts(&s->queued, "X-Ssrd-Cache: miss\r\n");
	}
	if (s->vary != NULL) {
		ssrd__strbuf_printf(&s->queued, "Vary: %s\r\n", s->vary);
	}
	if (s->gzip
	    && deflateInit2(
	           &s->z, 4, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
	        == Z_OK) {
		s->z_ready = 1;
		ssrd__strbuf_puts(&s->queued, "Content-Encoding: gzip\r\n");
	}
	ssrd__strbuf_puts(&s->queued, "\r\n");
}

/* Appends len bytes as HTTP chunks, through gzip when on (flush: Z_SYNC_FLUSH
 * after each batch, Z_FINISH at the end). */
static void
body_chunk(struct stream *s, const char *data, size_t len, int flush)
{
	if (!s->z_ready) {
		if (len > 0) {
			ssrd__strbuf_printf(&s->queued, "%zx\r\n", len);
			ssrd__strbuf_append(&s->queued, data, len);
			ssrd__strbuf_puts(&s->queued, "\r\n");
		}
		return;
	}
	char out[16384];
	s->z.next_in  = (Bytef *) data;
	s->z.avail_in = (uInt) len;
	do {
		s->z.next_out  = (Bytef *) out;
		s->z.avail_out = sizeof(out);
		int    rv      = deflate(&s->z, flush);
		size_t n       = sizeof(out) - s->z.avail_out;
		if (n > 0) {
			ssrd__strbuf_printf(&s->queued, "%zx\r\n", n);
			ssrd__strbuf_append(&s->queued, out, n);
			ssrd__strbuf_puts(&s->queued, "\r\n");
		}
		if (rv == Z_STREAM_END || rv == Z_STREAM_ERROR) {
			break;
		}
	} while (s->z.avail_out == 0 || s->z.avail_in > 0);
}

/* Starts the next write if none is running (s->mu held). Returns 1 if s is
 * finished and must be freed by the caller. */
static int
kick(struct stream *s)
{
	if (s->conn == NULL || s->writing.len > 0) {
		return 0;
	}
	if (s->failed || (s->queued.len == 0)) {
		return s->done;
	}
	ssrd_strbuf t = s->writing;
	s->writing    = s->queued;
	s->queued     = t;
	s->queued.len = 0;
	nng_iov iov   = { s->writing.ptr, s->writing.len };
	nng_aio_set_iov(s->aio, 1, &iov);
	nng_http_conn_write_all(s->conn, s->aio);
	return 0;
}

static void
stream_destroy(struct stream *s)
{
	/* The pending read first: closing the connection frees it, and a
	 * read still queued on it would be completed on freed memory. */
	nng_aio_stop(s->raio); /* waits for its callback: see stream_free */
	nng_http_conn_close(s->conn);
	nng_aio_free(s->raio);
	if (s->z_ready) {
		deflateEnd(&s->z);
	}
	nng_http_req_free(s->req);
	nng_aio_reap(s->aio); /* may still be in its own callback */
	ssrd__strbuf_free(&s->queued);
	ssrd__strbuf_free(&s->writing);
	pthread_mutex_destroy(&s->mu);
	free(s);
	atomic_fetch_sub(&live_streams, 1);
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
	pthread_once(&reap_once, reaper_start);
	if (!reaper_up) {
		stream_destroy(s); /* no thread: the old way, better than none */
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
	struct stream *s = arg;
	pthread_mutex_lock(&s->mu);
	s->writing.len = 0;
	if (nng_aio_result(s->aio) != 0 && !s->failed) {
		s->failed = 1;
		if (s->job != NULL) {
			/* the client is gone: free the worker */
			ssrd__pool_cancel(s->pool, s->job);
		}
	}
	int finished = kick(s);
	pthread_mutex_unlock(&s->mu);
	if (finished) {
		stream_free(s);
	}
}

/* Worker thread: a batch of output. */
static void
stream_chunk(ssrd_job *job, const char *data, size_t len, void *arg)
{
	struct stream *s = arg;
	pthread_mutex_lock(&s->mu);
	if (!s->started) {
		status_line(s, job->status,
		    job->status == 404 ? "Not Found" : "OK",
		    "text/html; charset=utf-8", 1, 0);
		cache_headers(s, job);
	}
	if (s->fill != NULL) {
		ssrd__cache_fill_chunk(s->fill, data, len);
	}
	if (!s->head && !s->failed && len > 0) {
		body_chunk(s, data, len, Z_SYNC_FLUSH);
	}
	(void) kick(s);
	pthread_mutex_unlock(&s->mu);
}

/* Worker thread: the render is over. */
static void
stream_done(ssrd_job *job, void *arg)
{
	struct stream *s = arg;
	pthread_mutex_lock(&s->mu);
	ssrd__http_log_render(job, s->started);
	ssrd__render_rec_job(&s->rec, job, "http");
	s->counted = 1;
	if (s->fill != NULL) {
		ssrd__cache_fill_done(s->fill, job);
		s->fill = NULL;
	}
	size_t fb_len;
	char  *fb = !s->started && job->err != SSRD_OK
	     ? ssrd__http_fallback_page(job, &fb_len)
	     : NULL;
	if (fb != NULL) {
		/* Nothing sent yet, and the route falls back: the browser
		 * renders the page itself. */
		ssrd__strbuf_printf(&s->queued,
		    "HTTP/1.1 200 OK\r\nContent-Type: text/html; "
		    "charset=utf-8\r\n"
		    "Connection: close\r\nCache-Control: no-store\r\n"
		    "X-Ssrd-Fallback: %s\r\n",
		    ssrd_err_name(job->err));
		ssrd__http_each_header(header_line, &s->queued);
		ssrd__strbuf_printf(
		    &s->queued, "Content-Length: %zu\r\n\r\n", fb_len);
		s->started = 1;
		if (!s->head) {
			ssrd__strbuf_append(&s->queued, fb, fb_len);
		}
		free(fb);
	} else if (!s->started) {
		/* Nothing sent yet: a proper status. */
		int         status = ssrd__http_status_for(job->err);
		const char *text   = ssrd__http_status_text(status);
		status_line(s, status,
		    status == 400       ? "Bad Request"
		        : status == 503 ? "Service Unavailable"
		        : status == 504 ? "Gateway Timeout"
		                        : "Internal Server Error",
		    "text/plain; charset=utf-8", 0, strlen(text));
		if (!s->head) {
			ssrd__strbuf_puts(&s->queued, text);
		}
	} else if (!s->head) {
		/* The end of the body. A render stopped part-way (timeout)
		 * still ends cleanly: React has closed its markup and left
		 * the pending boundaries to the client. */
		if (s->z_ready && !s->failed) {
			body_chunk(s, NULL, 0, Z_FINISH);
		}
		ssrd__strbuf_puts(&s->queued, "0\r\n\r\n");
	}
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
    ssrd_cache_fill *fill, const char *vary)
{
	struct stream *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		return SSRD_ENOMEM;
	}
	pthread_mutex_init(&s->mu, NULL);
	s->fill = fill;
	s->vary = vary;
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
	/* Taken over before the job can complete, so that its callbacks find
	 * the connection ours; a refused job gives it back untouched. */
	nng_http_conn *conn = nng_aio_get_input(aio, 2);
	nng_http_req  *req  = nng_aio_get_input(aio, 0);
	s->gzip             = !head && ssrd__http_accepts_gzip(req);
	pthread_mutex_lock(&s->mu);
	atomic_fetch_add(&live_streams, 1); /* before the job can end */
	int rv = ssrd__pool_submit(pool, job);
	if (rv != SSRD_OK) {
		atomic_fetch_sub(&live_streams, 1);
		pthread_mutex_unlock(&s->mu);
		job->chunk = NULL;
		job->done  = NULL;
		nng_aio_free(s->aio);
		nng_aio_free(s->raio);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return rv;
	}
	nng_http_hijack(conn);
	s->conn = conn;
	s->req  = req;
	nng_aio_set_output(aio, 0, NULL);
	nng_aio_finish(aio, 0);
	nng_iov iov = { s->rbuf, sizeof(s->rbuf) };
	nng_aio_set_iov(s->raio, 1, &iov);
	nng_http_conn_read(s->conn, s->raio);
	(void) kick(s);
	pthread_mutex_unlock(&s->mu);
	return SSRD_OK;
}
