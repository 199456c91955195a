/* hostpool.c: a fixed set of threads taking host calls from one queue. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <ssrd/errors.h>

#include "hostpool.h"

struct ssrd_hostpool {
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	ssrd_host_task *head, *tail;
	int             stopping;
	size_t          n;
	pthread_t      *threads;
};

static void *
host_main(void *arg)
{
	ssrd_hostpool *hp = arg;
	pthread_setname_np(pthread_self(), "ssrd-host");
	for (;;) {
		pthread_mutex_lock(&hp->mu);
		while (hp->head == NULL && !hp->stopping) {
			pthread_cond_wait(&hp->cv, &hp->mu);
		}
		ssrd_host_task *t = hp->head;
		if (t != NULL) {
			hp->head = t->next;
			if (hp->head == NULL) {
				hp->tail = NULL;
			}
		}
		pthread_mutex_unlock(&hp->mu);
		if (t == NULL) {
			return NULL; /* stopping, queue drained */
		}
		if (t->run != NULL) {
			t->run(t, t->arg);
		} else {
			ssrd__host_run(&t->req, &t->result);
		}
		t->done(t, t->arg);
	}
}

int
ssrd__hostpool_start(size_t n, ssrd_hostpool **out)
{
	ssrd_hostpool *hp = calloc(1, sizeof(*hp));
	if (hp == NULL
	    || (hp->threads = calloc(n, sizeof(pthread_t))) == NULL) {
		free(hp);
		return SSRD_ENOMEM;
	}
	pthread_mutex_init(&hp->mu, NULL);
	pthread_cond_init(&hp->cv, NULL);
	for (; hp->n < n; hp->n++) {
		if (pthread_create(&hp->threads[hp->n], NULL, host_main, hp)
		    != 0) {
			ssrd__hostpool_stop(hp);
			return SSRD_ESYS;
		}
	}
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
	task->next = NULL;
	if (hp->tail != NULL) {
		hp->tail->next = task;
	} else {
		hp->head = task;
	}
	hp->tail = task;
	pthread_cond_signal(&hp->cv);
	pthread_mutex_unlock(&hp->mu);
	return SSRD_OK;
}

void
ssrd__hostpool_stop(ssrd_hostpool *hp)
{
	if (hp == NULL) {
		return;
	}
	pthread_mutex_lock(&hp->mu);
	hp->stopping = 1;
	pthread_cond_broadcast(&hp->cv);
	pthread_mutex_unlock(&hp->mu);
	for (size_t i = 0; i < hp->n; i++) {
		pthread_join(hp->threads[i], NULL);
	}
	pthread_mutex_destroy(&hp->mu);
	pthread_cond_destroy(&hp->cv);
	free(hp->threads);
	free(hp);
}
