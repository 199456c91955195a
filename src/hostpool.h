/* hostpool.h: the threads that run pages' blocking host calls (files,
 * SQLite, fetch), so that a worker's event loop never waits on them. */
#ifndef SSRD_HOSTPOOL_H
#define SSRD_HOSTPOOL_H

#include <stddef.h>

#include "host.h"

typedef struct ssrd_hostpool  ssrd_hostpool;
typedef struct ssrd_host_task ssrd_host_task;

/*
 * One call. The submitter fills req (its strings must live until done) and
 * done/arg; a host thread runs it and fills result, then calls done on that
 * thread, which owns the task from then on. Other blocking work may use a
 * pool of its own the same way: run set, it is called instead of the host
 * call (req and result unused), then done.
 */
struct ssrd_host_task {
	ssrd_host_req    req;
	ssrd_host_result result;
	void (*run)(ssrd_host_task *task, void *arg); /* NULL: the host call */
	void (*done)(ssrd_host_task *task, void *arg);
	void           *arg;
	ssrd_host_task *next; /* private to the pool until done */
};

/* Starts n threads. Returns SSRD_OK, SSRD_ESYS or SSRD_ENOMEM. */
int ssrd__hostpool_start(size_t n, ssrd_hostpool **out);

/* Queues a task. Returns SSRD_OK (done will be called exactly once) or
 * SSRD_ECLOSED when stopping (done is never called). Any thread. */
int ssrd__hostpool_submit(ssrd_hostpool *hp, ssrd_host_task *task);

/* Finishes the queued tasks, joins the threads and frees the pool. NULL is a
 * no-op. */
void ssrd__hostpool_stop(ssrd_hostpool *hp);

#endif
