/* http_render.c implements a page's render and its reply (http_render.h).
 * The render's output reaches the reply on the thread of the loop that read
 * the request: at once when that worker renders it (the common case), else
 * copied and posted there. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/compress.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "diag/stats.h"
#include "http/http_render.h"
#include "http/http_reply.h"

/* One render's reply. Its fields are the owner's thread's, but for job,
 * which the worker rendering it hands back in done. */
struct rreply {
	ssrd_http_ex     *ex;
	ssrd_pool        *pool;
	ssrd_http_policy *policy; /* retained: a stopped server frees its own */
	ssrd_job         *job;    /* until its done is handled */
	ssrd_cache_fill  *fill;   /* the response cache's, or NULL */
	ssrd_coding       coding; /* what the client takes best */
	ssrd_zstream     *z;      /* a streamed reply's coder, or NULL */
	int               head;
	int               cached;  /* the response cache was asked (a miss) */
	int               started; /* streamed: the head has gone */
	int               parts;   /* the worker's: a batch came before the
	                              last (the reply streams) */
	ssrd_strbuf whole;         /* the page, gathered for a sized reply */
};

/* ---- on the owner's thread ---- */

static void
rr_gone(void *arg)
{
	struct rreply *rr = arg;
	if (rr->job != NULL) {
		ssrd__pool_cancel(rr->pool, rr->job); /* frees the worker */
	}
}

/* Streams len bytes, coded when the reply is (finish: the coder's end). */
static void
emit(void *arg, const char *data, size_t len)
{
	ssrd__ex_stream_write(((struct rreply *) arg)->ex, data, len);
}

static void
body(struct rreply *rr, const char *data, size_t len, int finish)
{
	if (rr->z == NULL) {
		emit(rr, data, len);
	} else if (ssrd__zstream_write(rr->z, data, len, finish, emit, rr)
	    != 0) {
		/* the coder failed (memory): what follows could not be read */
		ssrd__log(SSRD_LOG_ERROR, "compress_failed", "coding=%s",
		    ssrd__coding_name(rr->coding));
		ssrd__ex_close_after(rr->ex);
		rr_gone(rr);
	}
}

/* The page's streamed head, with its first batch: its status, its caching
 * (and whether the response cache was asked: a miss, since this renders),
 * Vary, its preloads and its coding. */
static void
stream_start(struct rreply *rr, const ssrd_job *job)
{
	rr->z                   = ssrd__zstream_new(rr->coding);
	const ssrd_http_reply r = {
		.status      = job->status,
		.type        = "text/html; charset=utf-8",
		.unbuffered  = 1,
		.caching     = SSRD_HTTP_CACHE_PAGE,
		.max_age     = job->cache_ttl,
		.swr         = job->cache_swr,
		.cache_state = rr->cached && job->cache_ttl > 0 ? "miss" : NULL,
		.vary        = 1,
		.link        = ssrd__site_preload(job->site, job->route),
		.coding  = rr->z != NULL ? rr->coding : SSRD_CODING_IDENTITY,
		.framing = SSRD_HTTP_CHUNKED,
	};
	ssrd__ex_stream_start(rr->ex, rr->policy, &r);
	rr->started = 1;
}

/* A batch of output; final: the render's last. */
static void
on_chunk(struct rreply *rr, const ssrd_job *job, const char *data, size_t len,
    int final)
{
	if (!rr->started && (final || rr->head)) {
		/* the whole page at once, or a HEAD (which waits for the
		 * whole to say its length): one sized reply */
		ssrd__strbuf_append(&rr->whole, data, len);
		return;
	}
	if (!rr->started) {
		stream_start(rr, job); /* the page comes in parts */
	}
	if (len > 0) {
		body(rr, data, len, 0);
	}
}

static void
on_done(struct rreply *rr, ssrd_job *job)
{
	if (!rr->started) {
		const char *state
		    = rr->cached && job->cache_ttl > 0 ? "miss" : NULL;
		if (rr->whole.failed && job->err == SSRD_OK) {
			job->err = SSRD_ENOMEM; /* the page did not fit */
		}
		const char *html = rr->whole.len > 0 || job->html == NULL
		    ? rr->whole.ptr
		    : job->html;
		size_t      len  = rr->whole.len > 0 || job->html == NULL
		          ? rr->whole.len
		          : job->html_len;
		ssrd__http_reply_render(rr->ex, rr->policy, job,
		    html ? html : "", len, rr->coding, state, rr->head);
	} else {
		/* A render stopped part-way (its timeout) still ends
		 * cleanly: React has closed its markup and left the
		 * pending boundaries to the client. */
		if (rr->z != NULL) {
			body(rr, NULL, 0, 1);
		}
		ssrd__ex_stream_end(rr->ex);
	}
	ssrd__job_free(job);
	ssrd__zstream_free(rr->z);
	ssrd__strbuf_free(&rr->whole);
	ssrd__http_policy_release(rr->policy);
	free(rr);
}

/* ---- from the worker that renders ---- */

/* A batch or the end, posted to the owner's thread. */
struct posted {
	struct rreply *rr;
	ssrd_job      *job; /* the end: the job; a batch: NULL */
	int            final;
	size_t         len;
	char           data[];
};

static void
posted_run(void *arg)
{
	struct posted *m = arg;
	if (m->job != NULL) {
		on_done(m->rr, m->job);
	} else {
		on_chunk(m->rr, m->rr->job, m->data, m->len, m->final);
	}
	free(m);
}

/* Posts m to rr's owner, or runs it here if that loop has stopped (its
 * exchange then sends nothing). */
static void
post(struct rreply *rr, struct posted *m)
{
	if (ssrd__ex_post(rr->ex, posted_run, m) != 0) {
		posted_run(m);
	}
}

static void
job_chunk(ssrd_job *job, const char *data, size_t len, void *arg)
{
	struct rreply *rr = arg;
	if (rr->fill != NULL) {
		ssrd__cache_fill_chunk(rr->fill, data, len);
	}
	rr->parts |= !job->final_chunk && !rr->head;
	if (ssrd__ex_on_owner(rr->ex)) {
		on_chunk(rr, job, data, len, job->final_chunk);
		return;
	}
	struct posted *m = malloc(sizeof(*m) + len);
	if (m == NULL) {
		ssrd__pool_cancel(rr->pool, job); /* it cannot be sent whole */
		return;
	}
	m->rr    = rr;
	m->job   = NULL;
	m->final = job->final_chunk;
	m->len   = len;
	memcpy(m->data, data, len);
	post(rr, m);
}

static void
job_done(ssrd_job *job, void *arg)
{
	struct rreply *rr = arg;
	/* the log, the figures and the cache's copy on the worker: they
	 * need nothing of the reply */
	ssrd_render_rec rec;
	ssrd__http_log_render(job, rr->parts);
	ssrd__render_rec_job(&rec, job, "http");
	if (rr->fill != NULL) {
		ssrd__cache_fill_done(rr->fill, job);
		rr->fill = NULL;
	}
	ssrd__stats_finish(&rec);
	if (ssrd__ex_on_owner(rr->ex)) {
		on_done(rr, job);
		return;
	}
	struct posted *m = malloc(sizeof(*m));
	if (m == NULL) {
		/* nothing else can end the reply: it ends here, unsent */
		on_done(rr, job);
		return;
	}
	m->rr  = rr;
	m->job = job;
	post(rr, m);
}

int
ssrd__http_render(ssrd_pool *pool, const ssrd_http_policy *p, ssrd_job *job,
    ssrd_http_ex *ex, int head, ssrd_coding coding, ssrd_cache_fill *fill)
{
	struct rreply *rr = calloc(1, sizeof(*rr));
	if (rr == NULL) {
		return SSRD_ENOMEM;
	}
	rr->ex     = ex;
	rr->pool   = pool;
	rr->job    = job;
	rr->fill   = fill;
	rr->cached = fill != NULL;
	rr->coding = coding;
	rr->head   = head;
	job->chunk = ssrd__pool_streams(pool) ? job_chunk : NULL;
	job->done  = job_done;
	job->arg   = rr;
	int rv     = ssrd__pool_submit_here(pool, job);
	if (rv != SSRD_OK) {
		job->chunk = NULL;
		job->done  = NULL;
		free(rr);
		return rv;
	}
	rr->policy = ssrd__http_policy_retain((ssrd_http_policy *) p);
	ssrd__ex_on_gone(ex, rr_gone, rr);
	return SSRD_OK;
}
