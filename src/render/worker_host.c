/* worker_host.c: host calls from a worker's pages: handed to the host pool,
 * and their promises settled on the worker's loop when they come back. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/timers.h"
#include "host/hostpool.h"
#include "render/worker_impl.h"

/* A host call that finished on a host thread, queued for its worker. */
struct host_done {
	ssrd_host_task    task;
	struct worker    *w;
	ssrd_sitectx     *sc;  /* where its promise waits */
	uint64_t          rid; /* the render that called */
	uint32_t          promise;
	char             *op, *args, *root;
	struct host_done *next;
};

/* Whom the host pool counts a call against: this worker's render rid (0, a
 * module loading outside any render: no owner, no per-render limit). */
static uint64_t
host_owner(const struct worker *w, uint64_t rid)
{
	return rid == 0 ? 0 : ((uint64_t) (w->index + 1) << 48) | rid;
}

void
ssrd__worker_host_cancel(struct worker *w, uint64_t rid)
{
	ssrd_pool *p = w->pool;
	if (p->opts.hostpool != NULL && w->host_outstanding > 0) {
		ssrd__hostpool_cancel(p->opts.hostpool, host_owner(w, rid));
	}
}

/* Host thread: hands the finished call back to its worker. */
static void
host_call_done(ssrd_host_task *task, void *arg)
{
	struct host_done *d = arg;
	ssrd_pool        *p = d->w->pool;
	(void) task;
	pthread_mutex_lock(&p->mu);
	d->next         = d->w->done_head;
	d->w->done_head = d;
	ssrd__worker_signal(d->w);
	pthread_mutex_unlock(&p->mu);
}

int
ssrd__worker_host_call(void *arg, ssrd_sitectx *sc, uint64_t rid,
    uint32_t promise, const char *op, const char *args, size_t len)
{
	struct worker  *w   = arg;
	ssrd_pool      *p   = w->pool;
	const ssrd_job *job = ssrd__worker_job_of(w, rid);
	/* a warm-up's fetch would be a request nobody made, to a service that
	 * may not expect it; it reads files and databases, writes none */
	int warmup = job != NULL && job->warmup;
	if (p->opts.host == NULL || p->opts.hostpool == NULL
	    || (warmup && strcmp(op, "fetch") == 0)) {
		return -1;
	}
	struct host_done *d = calloc(1, sizeof(*d));
	if (d == NULL) {
		return -1;
	}
	d->w       = w;
	d->sc      = sc;
	d->rid     = rid;
	d->promise = promise;
	d->op      = strdup(op);
	d->args    = strndup(args, len);
	d->root    = strdup(sc->site->root);
	if (d->op == NULL || d->args == NULL || d->root == NULL) {
		goto fail;
	}
	d->task.req   = (ssrd_host_req) { .opts = p->opts.host,
		  .root                         = d->root,
		  .op                           = d->op,
		  .args                         = d->args,
		  .args_len                     = len,
		  .no_writes                    = warmup };
	d->task.done  = host_call_done;
	d->task.arg   = d;
	d->task.owner = host_owner(w, rid);
	int rv        = ssrd__hostpool_submit(p->opts.hostpool, &d->task);
	if (rv == SSRD_EOVERLOAD || rv == SSRD_ECLOSED) {
		/* refused (this render has too many calls waiting): its
		 * promise rejects with why, settled on the loop as any other */
		ssrd__hostpool_refuse(p->opts.hostpool, &d->task, rv);
		host_call_done(&d->task, d);
	} else if (rv != SSRD_OK) {
		goto fail;
	}
	sc->users++;
	w->host_outstanding++;
	return 0;
fail:
	free(d->op);
	free(d->args);
	free(d->root);
	free(d);
	return -1;
}

/* Settles the promises of the host calls that finished (worker thread). */
void
ssrd__worker_settle_host_calls(struct worker *w, struct host_done *d)
{
	/* completions arrive newest first: settle in the order they came */
	struct host_done *rev = NULL;
	while (d != NULL) {
		struct host_done *next = d->next;
		d->next                = rev;
		rev                    = d;
		d                      = next;
	}
	for (d = rev; d != NULL;) {
		struct host_done *next = d->next;
		ssrd_sitectx     *sc   = d->sc;
		/* a call made for a render that has ended is dropped: none of
		 * its code runs after it (one made outside any render, by a
		 * module as it loaded, is settled) */
		if (sc->ctx != NULL
		    && (d->rid == 0
		        || ssrd__worker_render_find(w, d->rid) != NULL)) {
			double t0 = ssrd__now_ms();
			ssrd__worker_slice_begin(
			    w, ssrd__worker_render_slice_deadline(w, d->rid));
			(void) ssrd__context_settle(sc->ctx, d->promise,
			    d->task.result.ok,
			    d->task.result.text ? d->task.result.text : "",
			    d->task.result.len);
			int how = ssrd__worker_slice_end(w);
			if (how != SSRD_OK) {
				ssrd__worker_slice_stopped(
				    w, how, sc, d->rid, t0);
			}
		}
		w->host_outstanding--;
		/* a render's own context whose render has ended is closed
		 * once its last host call is back */
		ssrd__worker_context_release(w, sc);
		free(d->task.result.text);
		free(d->op);
		free(d->args);
		free(d->root);
		free(d);
		d = next;
	}
}
