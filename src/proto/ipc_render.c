/* ipc_render.c: the protocol server's renders and batches — their jobs made
 * from the requests, queued on the pool, and the replies sent from the
 * worker thread when they complete. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>

#include <ssrd/errors.h>

#include "core/strbuf.h"
#include "diag/stats.h"
#include "proto/ipc_impl.h"
#include "proto/proto.h"

/* A completed job's timings, as the replies carry them. */
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
		ssrd__ipc_send_reply(s->ic, &b, job->html, job->html_len);
	} else {
		ssrd_proto_timings t = job_timings(job);
		ssrd__ipc_reply_error(
		    s->ic, s->id, "render", job->err, job->error_text, &t);
	}
	ssrd__stats_finish(&rec);
	free(s->id);
	free(s);
	ssrd__job_free(job);
}

int
ssrd__ipc_make_job(
    ssrd_ipc *ipc, const ssrd_render_req *r, ssrd_job **out, const char **why)
{
	ssrd_site *site
	    = ssrd__reloader_site(ssrd__sites_pick(ipc->sites, r->host));
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

const char *
ssrd__ipc_refused_why(int rv)
{
	return rv == SSRD_EOVERLOAD ? "too many renders queued; retry later"
	                            : "ssrd is shutting down";
}

void
ssrd__ipc_render(struct ictx *ic, ssrd_msg *m)
{
	ssrd_job   *job;
	const char *why;
	int rv = ssrd__ipc_make_job(ic->ipc, &m->renders[0], &job, &why);
	if (rv != SSRD_OK) {
		ssrd__ipc_reply_error(ic, m->id, "render", rv, why, NULL);
		return;
	}
	struct single *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		ssrd__job_free(job);
		ssrd__ipc_reply_error(
		    ic, m->id, "render", SSRD_ENOMEM, "out of memory", NULL);
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
		ssrd__ipc_reply_error(
		    ic, s->id, "render", rv, ssrd__ipc_refused_why(rv), NULL);
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
	ssrd__ipc_send_reply(bt->ic, &b, NULL, 0);
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

void
ssrd__ipc_batch(struct ictx *ic, ssrd_msg *m)
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
		ssrd__ipc_reply_error(
		    ic, m->id, "batch", SSRD_ENOMEM, "out of memory", NULL);
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
		int       rv = ssrd__ipc_make_job(
		          ic->ipc, &m->renders[i], &job, &bt->whys[i]);
		if (rv == SSRD_OK) {
			job->done   = batch_job_done;
			job->arg    = bt;
			bt->jobs[i] = job;
			rv          = ssrd__pool_submit(ic->ipc->pool, job);
			if (rv != SSRD_OK) {
				ssrd__job_free(job);
				bt->jobs[i] = NULL;
				bt->whys[i] = ssrd__ipc_refused_why(rv);
			}
		}
		if (rv != SSRD_OK) {
			bt->errs[i] = rv;
			batch_release(bt); /* this one is done already */
		}
	}
	batch_release(bt);
}
