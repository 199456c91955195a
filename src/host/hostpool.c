/* hostpool.c: a fixed set of threads taking host calls from per-owner
 * queues, owners in turn. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "host/hostpool.h"

/* Buckets of the owner table: owners are the renders with host calls in
 * the pool, a few dozen at a time (workers x worker_renders). */
#define NBUCKETS 64

/*
 * One owner with tasks in the pool. It exists while it has a task waiting
 * or running and is freed when the last one leaves. Invariant: it is on
 * the ready list (ready = 1) exactly when it has a task waiting and fewer
 * than its limit running.
 */
struct owner {
	uint64_t        id;
	ssrd_host_task *head, *tail; /* waiting, oldest first */
	size_t          queued;      /* tasks on that list */
	size_t          running;     /* tasks on threads now */
	int             ready;       /* on the pool's ready list */
	struct owner   *hnext;       /* next in its bucket */
	struct owner   *rnext;       /* next on the ready list */
};

/*
 * The pool. mu guards everything but threads; cv wakes threads when an
 * owner becomes ready or the pool stops.
 */
struct ssrd_hostpool {
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	struct owner   *buckets[NBUCKETS];
	struct owner   *ready_head, *ready_tail; /* the turn: head goes next */
	size_t          inflight;                /* per owner, running */
	size_t          queued; /* per owner, waiting; 0: any */
	int             stopping;
	size_t          n; /* threads started */
	pthread_t      *threads;
};

static size_t
bucket_of(uint64_t id)
{
	return (size_t) ((id * 0x9E3779B97F4A7C15ULL) >> 58) % NBUCKETS;
}

static struct owner *
owner_find(ssrd_hostpool *hp, uint64_t id)
{
	struct owner *o = hp->buckets[bucket_of(id)];
	while (o != NULL && o->id != id) {
		o = o->hnext;
	}
	return o;
}

static void
owner_free(ssrd_hostpool *hp, struct owner *o)
{
	struct owner **pp = &hp->buckets[bucket_of(o->id)];
	while (*pp != o) {
		pp = &(*pp)->hnext;
	}
	*pp = o->hnext;
	free(o);
}

/* The owner's bound on running tasks: owner 0 has none. */
static size_t
owner_limit(const ssrd_hostpool *hp, const struct owner *o)
{
	return o->id == 0 ? hp->n : hp->inflight;
}

/* Puts o at the end of the turn if it may run a task now. */
static void
owner_make_ready(ssrd_hostpool *hp, struct owner *o)
{
	if (o->ready || o->head == NULL || o->running >= owner_limit(hp, o)) {
		return;
	}
	o->ready = 1;
	o->rnext = NULL;
	if (hp->ready_tail != NULL) {
		hp->ready_tail->rnext = o;
	} else {
		hp->ready_head = o;
	}
	hp->ready_tail = o;
	pthread_cond_signal(&hp->cv);
}

static void
owner_unready(ssrd_hostpool *hp, struct owner *o)
{
	if (!o->ready) {
		return;
	}
	struct owner **pp = &hp->ready_head, *prev = NULL;
	while (*pp != o) {
		prev = *pp;
		pp   = &(*pp)->rnext;
	}
	*pp = o->rnext;
	if (hp->ready_tail == o) {
		hp->ready_tail = prev;
	}
	o->ready = 0;
}

/* Takes the next task in turn (mu held): the first ready owner's oldest,
 * the owner going to the end of the turn. NULL if no owner is ready. */
static ssrd_host_task *
take_next(ssrd_hostpool *hp)
{
	struct owner *o = hp->ready_head;
	if (o == NULL) {
		return NULL;
	}
	hp->ready_head = o->rnext;
	if (hp->ready_head == NULL) {
		hp->ready_tail = NULL;
	}
	o->ready          = 0;
	ssrd_host_task *t = o->head;
	o->head           = t->next;
	if (o->head == NULL) {
		o->tail = NULL;
	}
	o->queued--;
	o->running++;
	owner_make_ready(hp, o);
	return t;
}

/* Sets a task's result to the rejection "OP: why". */
static void
reject_task(ssrd_host_task *t, const char *why)
{
	ssrd__host_reject(
	    &t->result, "%s: %s", t->req.op != NULL ? t->req.op : "ssrd", why);
}

/* Completes a list of withdrawn tasks (linked by next), mu not held. */
static void
complete_withdrawn(ssrd_host_task *t, const char *why)
{
	while (t != NULL) {
		ssrd_host_task *next = t->next;
		reject_task(t, why);
		t->done(t, t->arg);
		t = next;
	}
}

/* Detaches o's waiting tasks onto *list (mu held) and frees o if nothing
 * of it runs. Returns how many. */
static size_t
owner_withdraw(ssrd_hostpool *hp, struct owner *o, ssrd_host_task **list)
{
	size_t n = o->queued;
	owner_unready(hp, o);
	if (o->tail != NULL) {
		o->tail->next = *list;
		*list         = o->head;
	}
	o->head = o->tail = NULL;
	o->queued         = 0;
	if (o->running == 0) {
		owner_free(hp, o);
	}
	return n;
}

static void *
host_main(void *arg)
{
	ssrd_hostpool *hp = arg;
	pthread_setname_np(pthread_self(), "ssrd-host");
	pthread_mutex_lock(&hp->mu);
	for (;;) {
		ssrd_host_task *t;
		while ((t = take_next(hp)) == NULL && !hp->stopping) {
			pthread_cond_wait(&hp->cv, &hp->mu);
		}
		if (t == NULL) {
			break; /* stopping, nothing ready */
		}
		pthread_mutex_unlock(&hp->mu);
		if (t->run != NULL) {
			t->run(t);
		} else {
			ssrd__host_run(&t->req, &t->result);
		}
		pthread_mutex_lock(&hp->mu);
		/* the owner's count first: done may free the task, and its
		 * next task may start while done runs */
		struct owner *o = owner_find(hp, t->owner);
		o->running--;
		if (o->running == 0 && o->queued == 0) {
			owner_free(hp, o);
		} else {
			owner_make_ready(hp, o);
		}
		pthread_mutex_unlock(&hp->mu);
		t->done(t, t->arg);
		pthread_mutex_lock(&hp->mu);
	}
	pthread_mutex_unlock(&hp->mu);
	return NULL;
}

void
ssrd__hostpool_opts_init(ssrd_hostpool_opts *o, const ssrd_config *cfg)
{
	memset(o, 0, sizeof(*o));
	o->threads  = cfg->host_threads > 0 ? (size_t) cfg->host_threads : 1;
	o->inflight = cfg->host_render_inflight > 0
	    ? (size_t) cfg->host_render_inflight
	    : 0;
	o->queued   = (size_t) cfg->host_render_queued;
}

int
ssrd__hostpool_start(const ssrd_hostpool_opts *o, ssrd_hostpool **out)
{
	if (o->threads == 0) {
		return SSRD_EINVAL;
	}
	ssrd_hostpool *hp = calloc(1, sizeof(*hp));
	if (hp == NULL
	    || (hp->threads = calloc(o->threads, sizeof(pthread_t))) == NULL) {
		free(hp);
		return SSRD_ENOMEM;
	}
	hp->inflight = o->inflight;
	if (hp->inflight == 0) {
		hp->inflight = o->threads / 2 > 0 ? o->threads / 2 : 1;
	}
	hp->queued = o->queued;
	pthread_mutex_init(&hp->mu, NULL);
	pthread_cond_init(&hp->cv, NULL);
	pthread_mutex_lock(&hp->mu); /* hp->n grows under it: owner_limit */
	for (; hp->n < o->threads; hp->n++) {
		if (pthread_create(&hp->threads[hp->n], NULL, host_main, hp)
		    != 0) {
			pthread_mutex_unlock(&hp->mu);
			ssrd__hostpool_stop(hp);
			return SSRD_ESYS;
		}
	}
	pthread_mutex_unlock(&hp->mu);
	*out = hp;
	return SSRD_OK;
}

int
ssrd__hostpool_submit(ssrd_hostpool *hp, ssrd_host_task *task)
{
	pthread_mutex_lock(&hp->mu);
	if (hp->stopping) {
		pthread_mutex_unlock(&hp->mu);
		return SSRD_ECLOSED;
	}
	struct owner *o = owner_find(hp, task->owner);
	if (o != NULL && task->owner != 0 && hp->queued != 0
	    && o->queued >= hp->queued) {
		pthread_mutex_unlock(&hp->mu);
		return SSRD_EOVERLOAD;
	}
	if (o == NULL) {
		if ((o = calloc(1, sizeof(*o))) == NULL) {
			pthread_mutex_unlock(&hp->mu);
			return SSRD_ENOMEM;
		}
		size_t b       = bucket_of(task->owner);
		o->id          = task->owner;
		o->hnext       = hp->buckets[b];
		hp->buckets[b] = o;
	}
	task->next = NULL;
	if (o->tail != NULL) {
		o->tail->next = task;
	} else {
		o->head = task;
	}
	o->tail = task;
	o->queued++;
	owner_make_ready(hp, o);
	pthread_mutex_unlock(&hp->mu);
	return SSRD_OK;
}

void
ssrd__hostpool_refuse(const ssrd_hostpool *hp, ssrd_host_task *task, int err)
{
	const char *op = task->req.op != NULL ? task->req.op : "ssrd";
	switch (err) {
	case SSRD_EOVERLOAD:
		if (hp != NULL) {
			ssrd__host_reject(&task->result,
			    "%s: too many host calls waiting for this render "
			    "(host_render_queued = %zu)",
			    op, hp->queued);
		} else {
			ssrd__host_reject(&task->result,
			    "%s: too many host calls waiting for this render "
			    "(host_render_queued)",
			    op);
		}
		break;
	case SSRD_ECLOSED:
		ssrd__host_reject(
		    &task->result, "%s: the host bridge is shutting down", op);
		break;
	default:
		ssrd__host_reject(
		    &task->result, "%s: %s", op, ssrd_strerror(err));
	}
}

size_t
ssrd__hostpool_cancel(ssrd_hostpool *hp, uint64_t owner)
{
	if (owner == 0) {
		return 0;
	}
	ssrd_host_task *list = NULL;
	size_t          n    = 0;
	pthread_mutex_lock(&hp->mu);
	struct owner *o = owner_find(hp, owner);
	if (o != NULL) {
		n = owner_withdraw(hp, o, &list);
	}
	pthread_mutex_unlock(&hp->mu);
	complete_withdrawn(list, "cancelled: the render ended");
	return n;
}

void
ssrd__hostpool_stop(ssrd_hostpool *hp)
{
	if (hp == NULL) {
		return;
	}
	ssrd_host_task *list = NULL;
	pthread_mutex_lock(&hp->mu);
	hp->stopping = 1;
	for (size_t b = 0; b < NBUCKETS; b++) {
		struct owner *o = hp->buckets[b];
		while (o != NULL) {
			struct owner *next = o->hnext;
			owner_withdraw(hp, o, &list);
			o = next;
		}
	}
	pthread_cond_broadcast(&hp->cv);
	pthread_mutex_unlock(&hp->mu);
	complete_withdrawn(list, "cancelled: ssrd is stopping");
	for (size_t i = 0; i < hp->n; i++) {
		pthread_join(hp->threads[i], NULL);
	}
	pthread_mutex_destroy(&hp->mu);
	pthread_cond_destroy(&hp->cv);
	free(hp->threads);
	free(hp);
}
